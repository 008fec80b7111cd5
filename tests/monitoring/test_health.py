"""Health check (高炉体检): indicators, scoring, weights file, reduced results, trends."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from greenmet.errors import FileFormatError, InputError, UnknownKeyError
from greenmet.monitoring.health import (
    INDICATORS,
    PeriodData,
    default_health_weights,
    grade_of,
    health_check,
    health_weights,
    indicator_score,
)
from greenmet.monitoring.health.indicators import WATER_VOLUMETRIC_HEAT_CAPACITY_KJ_PER_M3_K

START = pd.Timestamp("2026-03-01T00:00Z")


def _furnace(hours: float = 8.0, seed: int = 1, **overrides: np.ndarray) -> PeriodData:
    """A steady synthetic furnace: every tag the indicators read, with small noise."""
    rng = np.random.default_rng(seed)
    end = START + pd.Timedelta(hours=hours)
    index = pd.date_range(START, end, freq="min", inclusive="left")
    n = len(index)

    def noisy(mean: float, relative: float) -> np.ndarray:
        return mean * (1.0 + relative * rng.standard_normal(n))

    columns = {
        "blast_pressure": noisy(360.0, 0.01),
        "top_pressure": noisy(200.0, 0.01),
        "blast_volume": noisy(4000.0, 0.005),
        "raceway_adiabatic_flame_temperature": noisy(2200.0, 0.002),
        "top_gas_utilisation": noisy(0.49, 0.005),
        "permeability_index": noisy(25.0, 0.01),
        "pressure_differential": noisy(160.0, 0.01),
        "coal_injection_rate": np.full(n, 40.0),
        "stave_water_inlet_temperature": np.full(n, 40.0),
        "calc_fuel_rate_kg_per_thm": noisy(510.0, 0.002),
    }
    for uptake in range(1, 5):
        columns[f"top_temperature_u{uptake}"] = noisy(140.0, 0.02) + 2.0 * uptake
    for thermocouple in range(1, 5):
        columns[f"hearth_temperature_t{thermocouple:02d}"] = noisy(300.0 + 20 * thermocouple, 0.001)
    for row in range(1, 4):
        columns[f"stave_water_flow_r{row:02d}"] = np.full(n, 100.0)
        columns[f"stave_water_outlet_temperature_r{row:02d}"] = np.full(n, 42.0)
    for tuyere in range(1, 4):
        columns[f"tuyere_water_inlet_flow_t{tuyere:02d}"] = np.full(n, 28.0)
        columns[f"tuyere_water_outlet_flow_t{tuyere:02d}"] = np.full(n, 28.0)
    columns.update(overrides)
    minutes = pd.DataFrame(columns, index=index)
    cast_ends = pd.date_range(START + pd.Timedelta(hours=1), end, freq="2h", inclusive="left")
    casts = pd.DataFrame(
        {
            "end": cast_ends,
            "hot_metal_temperature_degC": 1500.0 + 5 * rng.standard_normal(len(cast_ends)),
            "hot_metal_silicon_percent": 0.40 + 0.03 * rng.standard_normal(len(cast_ends)),
            "hot_metal_sulphur_percent": np.full(len(cast_ends), 0.025),
            "hot_metal_mass_t": np.full(len(cast_ends), 500.0),
        }
    )
    return PeriodData(START, end, minutes, None, casts)


def _row(check, name):
    return check.indicators.set_index("indicator").loc[name]


def test_a_steady_furnace_in_its_bands_scores_grade_a_and_complete():
    check = health_check(_furnace())
    assert check.complete
    assert check.grade == "A"
    assert check.overall_score > 90
    assert check.evaluated_weight_share == pytest.approx(1.0)
    assert set(check.indicators["indicator"]) == {i.name for i in INDICATORS}


def test_values_follow_their_formulas():
    data = _furnace()
    check = health_check(data)
    # stave heat load: 3 rows × 100 m3/h × 2 K × ρc_p / 3600
    assert _row(check, "stave_heat_load_kW")["value"] == pytest.approx(
        3 * 100.0 * 2.0 * WATER_VOLUMETRIC_HEAT_CAPACITY_KJ_PER_M3_K / 3600.0
    )
    # coal rate: 40 t/h × 8 h / (4 casts × 500 t) × 1000
    assert _row(check, "coal_rate_kg_per_thm")["value"] == pytest.approx(40 * 8 / 2000 * 1000)
    expected_cv = 100 * data.minutes["blast_pressure"].std() / data.minutes["blast_pressure"].mean()
    assert _row(check, "blast_pressure_variation_percent")["value"] == pytest.approx(expected_cv)
    spread = data.minutes[[f"top_temperature_u{u}" for u in range(1, 5)]]
    assert _row(check, "top_temperature_spread_degC")["value"] == pytest.approx(
        (spread.max(axis=1) - spread.min(axis=1)).mean()
    )


def test_blast_reductions_are_counted_per_day_of_data():
    data = _furnace(hours=24)
    volume = data.minutes["blast_volume"].to_numpy().copy()
    for first in (100, 500, 900):  # three dips below 90 % of the median
        volume[first : first + 20] = 3000.0
    check = health_check(_furnace(hours=24, blast_volume=volume))
    assert _row(check, "blast_reductions_per_day")["value"] == pytest.approx(3.0)


def test_a_tuyere_leak_and_a_hot_hearth_lower_their_scores_and_the_grade():
    n = 8 * 60
    leak = np.full(n, 26.0)  # outlet 2 m3/h below inlet
    rising = 320.0 + np.linspace(0, 160, n)  # 160 K in 8 h: 480 K/d
    check = health_check(_furnace(tuyere_water_outlet_flow_t02=leak, hearth_temperature_t01=rising))
    assert _row(check, "tuyere_water_flow_difference_max_m3_per_h")["value"] == pytest.approx(2.0)
    assert _row(check, "tuyere_water_flow_difference_max_m3_per_h")["score"] == 0.0
    assert _row(check, "hearth_temperature_rise_degC_per_day")["value"] == pytest.approx(480.0, rel=0.02)
    assert _row(check, "hearth_temperature_max_degC")["trend"] == "rising"
    assert check.grade != "A"
    assert health_check(_furnace()).overall_score > check.overall_score


def test_missing_tags_and_casts_give_a_reduced_result_that_names_them():
    data = _furnace()
    minutes = data.minutes.drop(columns=["calc_fuel_rate_kg_per_thm", "blast_pressure"])
    check = health_check(PeriodData(data.start, data.end, minutes, None, data.casts.iloc[:0]))
    missing = check.not_evaluated.set_index("indicator")
    assert "calc_fuel_rate_kg_per_thm" in missing.loc["fuel_rate_kg_per_thm", "reason_en"]
    assert "blast_pressure" in missing.loc["blast_pressure_variation_percent", "reason_en"]
    assert "缺少测点" in missing.loc["blast_pressure_variation_percent", "reason_zh"]
    assert "hot_metal_silicon_percent" in missing.loc["hot_metal_silicon_mean_percent", "reason_en"]
    assert not check.complete
    assert check.evaluated_weight_share < 1.0
    assert math.isnan(_row(check, "coal_rate_kg_per_thm")["value"])
    assert check.grade in "ABCD"  # the rest still scores


def test_a_tag_with_too_little_data_is_not_evaluated():
    n = 8 * 60
    sparse = np.full(n, np.nan)
    sparse[: n // 4] = 360.0  # 25 % of the minutes, below the 50 % default
    check = health_check(_furnace(blast_pressure=sparse))
    row = _row(check, "blast_pressure_variation_percent")
    assert row["status"] == "not_evaluated"
    assert "25%" in row["reason_en"]
    assert row["coverage"] == pytest.approx(0.25)


def test_nothing_evaluated_gives_no_grade():
    data = _furnace()
    check = health_check(PeriodData(data.start, data.end, data.minutes.iloc[:, :0], None, None))
    assert math.isnan(check.overall_score)
    assert check.grade == "-"
    assert check.evaluated_weight_share == 0.0


def test_score_ramp_and_grades():
    assert indicator_score(0.4, 0.3, 0.5, 0.2) == 100.0
    assert indicator_score(0.6, 0.3, 0.5, 0.2) == pytest.approx(50.0)
    assert indicator_score(0.8, 0.3, 0.5, 0.2) == 0.0
    assert indicator_score(0.1, 0.3, math.inf, 0.4) == pytest.approx(50.0)
    assert math.isnan(indicator_score(math.nan, 0.3, 0.5, 0.2))
    grades = {"A": 90.0, "B": 75.0, "C": 60.0}
    assert [grade_of(s, grades) for s in (95, 80, 61, 10)] == ["A", "B", "C", "D"]


def test_weights_file_overrides_defaults_and_changes_the_score():
    data = _furnace()
    strict = health_weights("""
[indicators.hot_metal_temperature_mean_degC]
good_low = 1530.0
good_high = 1560.0
tolerance = 40.0
[groups]
thermal_state = 1.0
""")
    assert strict.indicators["hot_metal_temperature_mean_degC"].good_low == 1530.0
    assert strict.indicators["hot_metal_temperature_mean_degC"].weight == 1.0  # default kept
    default = health_check(data)
    changed = health_check(data, strict)
    assert _row(changed, "hot_metal_temperature_mean_degC")["score"] < 50
    assert changed.overall_score < default.overall_score


def test_default_weights_carry_sources_and_verification_flags():
    weights = default_health_weights()
    assert set(weights.indicators) == {i.name for i in INDICATORS}
    assert all(entry.source for entry in weights.indicators.values())
    assert not weights.indicators["hot_metal_silicon_mean_percent"].needs_verification
    assert health_check(_furnace()).provisional  # greenmet's own bands are in use


@pytest.mark.parametrize(
    ("text", "error", "match"),
    [
        ("[indicators.no_such_indicator]\nweight = 1", UnknownKeyError, "unknown indicator"),
        ("[indicators.coal_rate_kg_per_thm]\nwidth = 1", UnknownKeyError, "unknown field"),
        ("[groups]\nluck = 1.0", UnknownKeyError, "unknown group"),
        (
            "[indicators.coal_rate_kg_per_thm]\ngood_low = 200.0\ngood_high = 100.0",
            InputError,
            "good_low is above",
        ),
        ("[indicators.coal_rate_kg_per_thm]\ntolerance = 0.0", InputError, "tolerance"),
        ("[grades]\nA = 50.0\nB = 75.0\nC = 60.0", InputError, "fall from A to C"),
        ("[groups]\nstability = -1.0", InputError, "negative"),
        ("[settings]\nmin_coverage = 2.0", InputError, "0..1"),
        ("[weights\n", FileFormatError, "not valid TOML"),
        ("[colour]\nx = 1", UnknownKeyError, "unknown section"),
    ],
)
def test_bad_weights_files_are_refused_with_the_field(text, error, match):
    with pytest.raises(error, match=match):
        health_weights(text)


def test_check_does_not_change_its_input():
    data = _furnace()
    before = data.minutes.copy()
    health_check(data)
    pd.testing.assert_frame_equal(data.minutes, before)


def test_json_form_carries_open_band_limits_as_text():
    payload = health_check(_furnace()).to_dict()
    coal = next(row for row in payload["indicators"] if row["indicator"] == "coal_rate_kg_per_thm")
    assert coal["good_high"] == "inf"
    assert payload["grade"] == "A"


def test_family_means_given_hourly_apart_from_the_minutes_give_the_same_values():
    data = _furnace()
    families = [
        c
        for c in data.minutes.columns
        if c.startswith(("hearth_", "stave_water_flow", "stave_water_outlet", "tuyere_"))
    ]
    hours = data.minutes[families].groupby(data.minutes.index.floor("h")).mean()
    apart = PeriodData(data.start, data.end, data.minutes.drop(columns=families), hours, data.casts)
    together, separate = health_check(data), health_check(apart)
    for name in (
        "stave_heat_load_kW",
        "hearth_temperature_max_degC",
        "tuyere_water_flow_difference_max_m3_per_h",
    ):
        assert _row(separate, name)["value"] == pytest.approx(_row(together, name)["value"])


def test_coal_rate_of_a_period_recorded_in_part_is_not_extrapolated():
    data = _furnace()
    # the historian starts recording 4 h into the 8-h period: only the casts of the last 4 h count
    late = data.minutes[data.minutes.index >= START + pd.Timedelta(hours=4)]
    partial = PeriodData(data.start, data.end, late, None, data.casts)
    assert _row(health_check(partial), "coal_rate_kg_per_thm")["value"] == pytest.approx(40 * 4 / 1000 * 1000)
