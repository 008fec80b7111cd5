"""Thermal-state rule model (greenmet.monitoring.expert.thermal) on hand-made casts."""

from __future__ import annotations

import pandas as pd
import pytest

from greenmet.errors import FileFormatError
from greenmet.monitoring.expert import assess_thermal_state, thermal_model_settings

BASE = {"permeability_index": 27.0, "blast_volume": 4200.0, "burden_descent_rate": 8.0,
        "top_temperature": 150.0, "top_gas_utilisation": 0.480}
COOL_STEP = {"permeability_index": 0.5, "blast_volume": 50.0, "burden_descent_rate": 0.3,
             "top_temperature": -8.0, "top_gas_utilisation": -0.005}
NOW = {"blast_temperature": 1200.0, "flame_temperature": 2200.0, "coal_injection_rate": 40.0}


def _casts(first: dict[str, float], second: dict[str, float]) -> pd.DataFrame:
    """Three casts: BASE, BASE + first, BASE + first + second."""
    rows = [dict(BASE)]
    rows.append({k: rows[-1][k] + first.get(k, 0.0) for k in BASE})
    rows.append({k: rows[-1][k] + second.get(k, 0.0) for k in BASE})
    return pd.DataFrame(rows, index=pd.date_range("2026-01-01T00:00Z", periods=3, freq="2h"))


def _mirror(step: dict[str, float]) -> dict[str, float]:
    return {k: -v for k, v in step.items()}


def _assess(casts: pd.DataFrame, hot_metal: float = 1500.0, **now: float):
    return assess_thermal_state(casts, hot_metal_temperature=hot_metal, **{**NOW, **now})


def test_the_middle_band_row_is_the_published_one():
    # reference note §2.2: for the middle hot-metal band the levels of trend ranks 0..7 are
    # -4, -3, -2, -1, +1, +2, +3, +4 (JGBFES7_HotModel.cs ACTTYPE_VA13 row 3)
    assert thermal_model_settings().action_levels[3] == (-4, -3, -2, -1, 1, 2, 3, 4)


def test_cooling_this_cast_only_is_slightly_cooling():
    result = _assess(_casts({}, COOL_STEP))
    assert result.rules == ("403B011",)
    assert (result.trend_rank, result.hot_metal_rank, result.level) == (3, 3, -1)
    assert result.label_zh == "炉温轻微向凉" and result.actions == ()
    assert result.provisional


def test_cooling_two_casts_running_adds_coal():
    result = _assess(_casts(COOL_STEP, COOL_STEP))
    assert set(result.rules) == {"403B011", "403B013"}
    assert (result.trend_rank, result.level) == (2, -2)
    assert [(a.quantity, a.change) for a in result.actions] == [("coal_injection_rate", 0.5)]
    assert "喷煤增加0.5" in result.actions[0].text_zh
    assert any("403B013" in line for line in result.reasoning_en)
    assert "level -2 = table[hot-metal rank 3][trend rank 2]" in result.reasoning_en[-1]


def test_a_cold_hot_metal_band_deepens_the_level_and_low_flame_temperature_stops_coal():
    casts = _casts(COOL_STEP, COOL_STEP)
    cold = _assess(casts, hot_metal=1470.0)  # rank 2 -> table[2][2] = -3
    assert (cold.hot_metal_rank, cold.level) == (2, -3)
    assert [(a.quantity, a.change) for a in cold.actions] == [("blast_temperature", 20.0),
                                                                ("coal_injection_rate", 2.0)]
    starved = _assess(casts, hot_metal=1470.0, flame_temperature=2000.0)
    assert [(a.quantity, a.stop) for a in starved.actions] == [("blast_temperature", False),
                                                                 ("coal_injection_rate", True)]
    assert starved.actions[1].change == -40.0 and starved.actions[1].text_zh == "停煤"


def test_sharp_cooling_is_rank_zero():
    sharp_now = {**_mirror(COOL_STEP), "top_temperature": -8.0, "top_gas_utilisation": -0.005,
                 "permeability_index": -1.5, "blast_volume": -150.0}
    result = _assess(_casts(COOL_STEP, sharp_now))
    assert "403B015" in result.rules and "403B013" in result.rules
    assert (result.trend_rank, result.level) == (0, -4)
    assert ("oxygen_enrichment", -15.0) in [(a.quantity, a.change) for a in result.actions]


def test_warming_mirrors_and_uses_the_blast_when_it_is_at_its_maximum():
    warm = _mirror(COOL_STEP)
    result = _assess(_casts(warm, warm))
    assert set(result.rules) == {"403B012", "403B014"}
    assert (result.trend_rank, result.level) == (5, 2)
    assert [(a.quantity, a.change) for a in result.actions] == [("coal_injection_rate", -0.5)]
    at_max = _assess(_casts(warm, warm), blast_temperature=1250.0)
    assert [(a.quantity, a.change) for a in at_max.actions] == [("blast_temperature", -30.0)]


@pytest.mark.parametrize(("temperature", "rank"), [(1430, 0), (1440, 1), (1479.9, 2), (1480, 3), (1520, 3),
                                                    (1520.1, 4), (1560, 5), (1570, 6)])
def test_hot_metal_bands(temperature, rank):
    assert _assess(_casts({}, {}), hot_metal=temperature).hot_metal_rank == rank


def test_no_trend_is_level_zero_and_missing_inputs_are_named():
    steady = _assess(_casts({}, {}))
    assert steady.rules == () and steady.level == 0 and steady.actions == ()
    short = _assess(_casts({}, {}).iloc[:2])
    assert short.level is None and "three casts (got 2)" in short.missing
    gap = _casts({}, {})
    gap.iloc[1, 0] = float("nan")
    lacking = assess_thermal_state(gap, hot_metal_temperature=float("nan"), **NOW)
    assert lacking.level is None
    assert any("permeability_index" in m for m in lacking.missing)
    assert "hot_metal_temperature" in lacking.missing


def test_plant_settings_are_validated():
    with pytest.raises(FileFormatError, match="7 rows"):
        thermal_model_settings("""
name = "p"
version = "1"
source = "plant"
needs_verification = false
hot_metal_temperature_bands_degC = [1, 2, 3, 4, 5, 6]
action_levels = [[0, 0, 0, 0, 0, 0, 0, 0]]
blast_temperature_max_degC = 1250
flame_temperature_high_cold_side_degC = 2350
flame_temperature_high_hot_side_degC = 2350
flame_temperature_low_degC = 2050
labels = {}
[thresholds]
permeability_index_change = 0.3
permeability_index_large_change = 1.0
blast_volume_change = 30.0
blast_volume_large_change = 100.0
burden_descent_rate_change = 0.2
top_temperature_change = 5.0
top_temperature_large_change = 15.0
top_gas_utilisation_change = 0.003
""")
