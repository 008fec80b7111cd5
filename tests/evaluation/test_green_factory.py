"""Green-factory score: linear scoring, weights file, hard gates, reduced results."""

from __future__ import annotations

import pytest

from greenmet.errors import InputError
from greenmet.evaluation import Enterprise, evaluate
from greenmet.evaluation.green_factory import default_weights, linear_score

BASE = {
    "id": "e1",
    "name": "Works",
    "sector": "steel",
    "reporting_year": 2026,
    "processes": [
        {
            "process": "blast_furnace",
            "production": 1e6,
            "energy": 365_500,
            "energy_unit": "tce",
            "conditions": {"iron_ore_grade_percent": 62},
        }
    ],
    "resources": [{"indicator": "fresh_water_per_tonne", "value": 3.0, "unit": "m3/t"}],
    "green_factory": {
        "discharge_permit": True,
        "no_major_accident_3_years": True,
        "management_systems": True,
        "figures": {"qualitative_score": 80},
    },
}


def test_linear_score_both_directions():
    assert linear_score([4.1, 3.27, 2.44, 1.0, 5.0], 4.1, 2.44).tolist() == pytest.approx([0, 0.5, 1, 1, 0])
    assert linear_score([94, 96.5, 99], 94, 99).tolist() == pytest.approx([0, 0.5, 1])
    with pytest.raises(InputError, match="baseline equals leading"):
        linear_score(1, 2, 2)


def test_score_of_one_indicator_and_overall_grade():
    weights = default_weights()
    weights["indicators"] = {"fresh_water_per_tonne": weights["indicators"]["fresh_water_per_tonne"]}
    score = evaluate(Enterprise(**BASE), weights=weights).green_factory
    assert score is not None
    # (3.0 - 4.1) / (2.44 - 4.1) = 0.6627 of full marks
    assert score.quantitative_score == pytest.approx(1.1 / 1.66 * 100)
    assert score.overall_score == pytest.approx(0.6 * 1.1 / 1.66 * 100 + 0.4 * 80)
    assert score.grade == "qualified"  # 71.8 >= 70


def test_product_energy_between_level_2_and_level_1():
    score = evaluate(Enterprise(**BASE)).green_factory
    assert score is not None
    row = score.indicators.set_index("indicator").loc["product_energy"]
    assert row["fraction"] == pytest.approx((370 - 365.5) / (370 - 361))
    assert "renewable_share" in score.missing and "compliant_hour_share" in score.missing


def test_failed_gate_and_no_qualitative_part():
    data = {**BASE, "green_factory": {**BASE["green_factory"], "discharge_permit": False}}
    assert evaluate(Enterprise(**data)).green_factory.grade == "not_eligible"
    data = {**BASE, "green_factory": {**BASE["green_factory"], "figures": {}}}
    score = evaluate(Enterprise(**data)).green_factory
    assert score.grade == "not_graded" and score.overall_score is None


def test_bad_weights_file_names_the_entry():
    weights = default_weights()
    del weights["indicators"]["water_reuse_rate"]["leading"]
    with pytest.raises(InputError, match="lacks 'leading'"):
        evaluate(Enterprise(**BASE), weights=weights)
