"""CEMS O2 normalisation and monthly compliance (greenmet.evaluation.cems)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenmet.errors import InputError, UnknownKeyError
from greenmet.evaluation.cems import compliance_counts, monthly_compliance, normalise_oxygen

STACKS = pd.DataFrame(
    {"stack_id": ["S1"], "source_kind": ["sinter_head"], "regulation": ["ULE steel"], "edition": ["2019"]}
)


def _hours(n: int, *, nox: float = 40.0, o2: float = 16.0) -> pd.DataFrame:
    hours = pd.date_range("2026-02-01", periods=n, freq="h", tz="UTC")
    return pd.DataFrame(
        {
            "stack_id": "S1",
            "hour": hours,
            "pollutant": "nitrogen_oxides",
            "concentration_mg_per_nm3": nox,
            "oxygen_percent": o2,
            "status": "N",
        }
    )


def test_normalisation_formula():
    # 40 mg/Nm3 at 18 % O2, reference 16 %: 40 x (21-16)/(21-18)
    assert normalise_oxygen(40.0, 18.0, 16.0) == pytest.approx(40 * 5 / 3)
    assert normalise_oxygen(40.0, 18.0, np.nan) == 40.0
    with pytest.raises(InputError, match="O2 at or above 21"):
        normalise_oxygen(40.0, 21.0, 16.0)


def test_a_full_month_of_compliant_hours_meets():
    month = monthly_compliance(_hours(28 * 24), STACKS)
    row = month.iloc[0]
    assert (row["month"], row["hours_in_month"], row["hours_valid"], row["verdict"]) == (
        "2026-02",
        672,
        672,
        "meets",
    )


def test_missing_and_flagged_hours_are_counted_not_dropped():
    data = _hours(28 * 24).iloc[:-10].copy()
    data.loc[:4, "status"] = "C"
    row = monthly_compliance(data, STACKS).iloc[0]
    assert (row["hours_missing"], row["hours_invalid"], row["hours_valid"]) == (10, 5, 672 - 15)


def test_share_below_95_percent_fails():
    data = _hours(28 * 24)
    # 40 mg/Nm3 measured at 18 % O2 is 66.7 at the reference 16 %: above the 50 limit
    data.loc[: int(0.06 * len(data)), "oxygen_percent"] = 18.0
    row = monthly_compliance(data, STACKS).iloc[0]
    assert row["verdict"] == "fails" and row["compliant_share"] < 0.95


def test_bad_rows_are_named():
    data = _hours(5)
    data.loc[3, "oxygen_percent"] = 21.0
    with pytest.raises(InputError, match="CEMS row 3: bad oxygen_percent"):
        monthly_compliance(data, STACKS)
    data = pd.concat([_hours(5), _hours(5).iloc[[2]]], ignore_index=True)
    with pytest.raises(InputError, match="CEMS row 5: bad hour"):
        monthly_compliance(data, STACKS)
    data = _hours(5)
    data.loc[1, "pollutant"] = "mercury"
    with pytest.raises(InputError, match="CEMS row 1: bad pollutant"):
        monthly_compliance(data, STACKS)
    data = _hours(5)
    data["pollutant"] = "fluoride"
    with pytest.raises(UnknownKeyError, match="sets no 'fluoride' limit"):
        monthly_compliance(data, STACKS)


def test_o2_of_air_on_a_flagged_hour_stays_an_invalid_hour():
    data = _hours(24)
    data.loc[0, ["oxygen_percent", "status"]] = [20.95, "F"]
    data.loc[1, ["oxygen_percent", "status"]] = [21.0, "F"]
    row = monthly_compliance(data, STACKS).iloc[0]
    assert row["hours_invalid"] == 2


def test_compliance_counts_per_month_block():
    conc = np.array([[10.0, 60.0, 50.0, np.nan]])
    o2 = np.full_like(conc, 16.0)
    valid = np.array([[True, True, True, True]])
    valid_hours, compliant, highest = compliance_counts(
        conc, o2, valid, np.array([50.0]), np.array([16.0]), [0, 2]
    )
    assert valid_hours.tolist() == [[2, 1]] and compliant.tolist() == [[1, 1]]
    assert highest.tolist() == [[60.0, 50.0]]
