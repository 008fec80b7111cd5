"""Low-carbon label grading (greenmet.evaluation.labels)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenmet.errors import InputError, UnknownKeyError
from greenmet.evaluation.labels import grade_labels, label_thresholds


def test_grades_vectorised_best_first():
    graded = grade_labels(np.array([0.3, 0.79, 2.5, 0.05]), np.array([0.0, 0.0, 0.0, 1.0]), "IEA", "2022")
    grades = graded["grade"].tolist()
    assert grades[:2] == ["near_zero", "A"] and pd.isna(grades[2]) and grades[3] == "near_zero"
    assert graded.loc[1, "next_grade"] == "near_zero"
    assert graded.loc[1, "gap_t_co2e_per_t"] == pytest.approx(0.39)


def test_thresholds_slide_with_scrap():
    table = label_thresholds("ResponsibleSteel", "2025", [0.0, 0.2, 1.0])
    assert table.loc["PL1"].tolist() == pytest.approx([2.80, 2.34, 0.50])


def test_bad_share_and_scheme():
    with pytest.raises(InputError, match="scrap share outside"):
        grade_labels(1.0, 23, "IEA", "2022")
    with pytest.raises(UnknownKeyError, match="IEA 2022"):
        grade_labels(1.0, 0.2, "IEA", "2030")
