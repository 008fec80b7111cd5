"""The simulated furnace: catalogue, determinism, ranges, consistency with the calculations,
balances, fault signatures (reference note blast_furnace.md §2.1) and their labels, sensor
faults, scenario validation.

Fault tests compare a run with the fault against a run with the same seed and no fault: the
random draws are identical, so every difference is the fault's doing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenmet.blast_furnace.flame_temperature import raceway_adiabatic_flame_temperature
from greenmet.blast_furnace.gas import bosh_gas_volume, top_gas_utilisation
from greenmet.blast_furnace.simulator import (
    CAST_TAGS,
    QUALITY_BAD,
    SUBSYSTEMS,
    FurnaceConfig,
    FurnaceSimulator,
    Scenario,
    preset,
    simulate,
    tag_catalogue,
)
from greenmet.errors import FileFormatError, InputError, UnknownKeyError
from greenmet.units import parse_unit

ORIGIN = pd.Timestamp("2026-01-01T00:00:00Z")
SMALL = preset("2500m3")
QUIET = {"random_sensor_faults_per_day": 0.0}


def at(offset: str) -> pd.Timestamp:
    return ORIGIN + pd.Timedelta(offset)


def window(frame: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    return frame.loc[at(first) : at(last)]


def run(duration: str, *faults: dict, seed: int = 11, **scenario) -> object:
    return simulate(
        SMALL,
        duration,
        seed=seed,
        scenario=Scenario.from_mapping({**QUIET, **scenario, "faults": list(faults)}),
    )


@pytest.fixture(scope="module")
def baseline():
    return run("12h")


# -- catalogue and configuration -------------------------------------------------------------
def test_catalogue_of_the_5000m3_preset_has_over_300_well_formed_tags():
    catalogue = tag_catalogue(preset("5000m3"))
    assert len(catalogue) >= 300
    assert list(catalogue.columns) == [
        "tag",
        "subsystem",
        "unit",
        "low",
        "high",
        "description_en",
        "description_zh",
    ]
    assert catalogue["tag"].is_unique
    assert set(catalogue["subsystem"]) == set(SUBSYSTEMS)
    assert (catalogue["low"] < catalogue["high"]).all()
    for unit in set(catalogue["unit"]):
        parse_unit(unit)
    for column in ("description_en", "description_zh"):
        assert catalogue[column].str.len().min() >= 3
        assert not catalogue[column].str.contains("{", regex=False).any()
    assert "stave_temperature_r05_s12" in set(catalogue["tag"])  # the contract's example name


def test_unknown_preset_names_the_known_ones():
    with pytest.raises(UnknownKeyError, match="2500m3, 5000m3"):
        preset("3000m3")


def test_config_rejects_an_impossible_furnace():
    with pytest.raises(ValueError, match="tuyeres"):
        FurnaceConfig(
            furnace_id="X",
            working_volume_m3=2000,
            hearth_diameter_m=10,
            throat_diameter_m=7,
            tuyeres=2,
            stave_rows=4,
            staves_per_row=4,
            hearth_thermocouples=4,
            uptakes=4,
            stockrods=2,
            tapholes=2,
        )


# -- determinism and ranges ------------------------------------------------------------------
def test_same_seed_same_data_other_seed_other_data():
    first = simulate(SMALL, "20min", seed=5)
    second = simulate(SMALL, "20min", seed=5)
    third = simulate(SMALL, "20min", seed=6)
    pd.testing.assert_frame_equal(first.values, second.values)
    pd.testing.assert_frame_equal(first.labels, second.labels)
    assert not np.allclose(first.values["blast_volume"], third.values["blast_volume"])


def test_prefetching_the_noise_in_a_thread_changes_nothing():
    plain = FurnaceSimulator(SMALL, seed=8)
    fetched = FurnaceSimulator(SMALL, seed=8, prefetch=True)
    try:
        for size in (600, 600, 300, 600):  # a size change discards the prefetched chunk
            np.testing.assert_array_equal(plain.advance(size).values, fetched.advance(size).values)
    finally:
        fetched.close()
    np.testing.assert_array_equal(plain.advance(60).values, fetched.advance(60).values)  # closed: still works


def test_values_lie_in_their_catalogue_ranges_and_near_typical_operation(baseline):
    catalogue = tag_catalogue(SMALL).set_index("tag")
    values = baseline.values
    low = catalogue.loc[values.columns, "low"]
    high = catalogue.loc[values.columns, "high"]
    assert values.ge(low, axis=1).all().all() and values.le(high, axis=1).all().all()
    assert values.index.is_monotonic_increasing and values.index.tz is not None
    assert (values.index[1] - values.index[0]) == pd.Timedelta("1s")
    mean = values.mean()
    # Reference note §1.1: ηCO 0.48-0.52 (0.38-0.46 older plants), RAFT 2150-2350 °C,
    # blast 1150-1250 °C, enrichment 3-6 %, humidity 10-20 g/Nm3.
    assert 0.42 < mean["top_gas_utilisation"] < 0.52
    assert 2050 < mean["raceway_adiabatic_flame_temperature"] < 2350
    assert 1150 < mean["blast_temperature"] < 1250
    assert 3 < mean["oxygen_enrichment"] < 6 and 10 < mean["blast_humidity"] < 20
    assert 40 < mean["top_gas_co"] + mean["top_gas_co2"] < 50
    casts = baseline.casts
    assert len(casts) >= 4
    assert casts["hot_metal_temperature_degC"].between(1440, 1560).all()
    assert casts["hot_metal_silicon_percent"].between(0.1, 0.9).all()
    assert casts["slag_basicity"].between(1.05, 1.3).all()
    assert (casts["end"] > casts["start"]).all()
    assert (
        casts["start"].iloc[1:].reset_index(drop=True) > casts["end"].iloc[:-1].reset_index(drop=True)
    ).all()


def test_stockrods_draw_a_sawtooth_with_one_charge_per_reset(baseline):
    level = baseline.values["stockrod_level_1"]
    charges = baseline.values["charge_count"]
    resets = (level.diff() < -0.4).sum()
    assert 5 * 12 < charges.iloc[-1] - charges.iloc[0] < 10 * 12  # about 7 charges per hour
    assert abs(resets - (charges.iloc[-1] - charges.iloc[0])) <= 2
    assert level.between(0.8, 3.0).all()


# -- consistency with the process calculations ------------------------------------------------
def test_calculated_tags_obey_the_calculation_functions(baseline):
    v = baseline.values
    np.testing.assert_allclose(
        v["top_gas_utilisation"], top_gas_utilisation(v["top_gas_co"], v["top_gas_co2"])
    )
    oxygen = v["oxygen_flow"] / 60
    raft = raceway_adiabatic_flame_temperature(
        v["blast_temperature"],
        (v["blast_volume"] + oxygen) * (1 + v["blast_humidity"] * 1.244e-3),
        v["oxygen_enrichment"],
        v["blast_humidity"],
        v["coal_injection_rate"] * 1000 / 60,
    ).temperature
    np.testing.assert_allclose(v["raceway_adiabatic_flame_temperature"], raft, rtol=1e-9)
    bosh = bosh_gas_volume(
        v["blast_volume"],
        oxygen,
        v["blast_humidity"],
        v["coal_injection_rate"] * 1000,
        4.0,
        oxygen_purity=0.995,
    )
    np.testing.assert_allclose(v["bosh_gas_volume"], bosh, rtol=1e-9)
    np.testing.assert_allclose(v["pressure_differential"], v["blast_pressure"] - v["top_pressure"])
    np.testing.assert_allclose(v["permeability_index"], v["blast_volume"] / v["pressure_differential"])


def test_carbon_and_oxygen_balances_close_from_the_tags(baseline):
    # Top-gas volume by the N2 tracer, carbon and oxygen in CO/CO2 against the hot metal tapped.
    # Carbon: the coke and coal carbon of the configuration (340 kg coke at 87 % C, 160 kg coal
    # at 78 % C) is about 421 kg/tHM; oxygen removed from the ore by C/CO is about 24 kmol/tHM
    # (1.5 O per Fe for 94.5 % Fe, less the share removed by H2). 8 % tolerance: the hearth
    # buffers metal between casts.
    v = baseline.values
    casts = baseline.casts
    first, last = casts["end"].iloc[0], casts["end"].iloc[-1]
    span = v.loc[first:last].iloc[1:]
    metal = casts["hot_metal_mass_t"].iloc[1:].sum()
    nitrogen = 0.79 * span["blast_volume"] + 0.005 * span["oxygen_flow"] / 60
    top_gas = nitrogen / (1 - (span["top_gas_co"] + span["top_gas_co2"] + span["top_gas_h2"]) / 100)
    carbon = ((span["top_gas_co"] + span["top_gas_co2"]) / 100 * top_gas / 22.414).sum() / 60  # kmol
    carbon_per_t = carbon * 12 / metal + 47.0
    assert carbon_per_t == pytest.approx(340 * 0.87 + 160 * 0.78, rel=0.08)
    oxygen_gas = ((span["top_gas_co"] + 2 * span["top_gas_co2"]) / 100 * top_gas / 22.414).sum() / 60
    blast_oxygen = (
        2 * (0.21 * span["blast_volume"] + 0.995 * span["oxygen_flow"] / 60) / 22.414
        + span["blast_humidity"] * (span["blast_volume"] + span["oxygen_flow"] / 60) / 18015
    ).sum() / 60
    ore_oxygen_per_t = (oxygen_gas - blast_oxygen) / metal
    assert ore_oxygen_per_t == pytest.approx(1.5 * 945 / 55.845 - 1.5, rel=0.08)


# -- fault signatures and labels ---------------------------------------------------------------
def _label(result, fault):
    labels = result.labels[result.labels["fault"] == fault]
    assert len(labels) == 1, result.labels
    return labels.iloc[0]


def test_hanging_raises_pressure_drop_lowers_permeability_and_stalls_stockrods(baseline):
    result = run("3h", {"fault": "hanging", "start": "2h", "duration": "40min", "severity": 0.8})
    during, before = (
        window(result.values, "2h10min", "2h35min"),
        window(baseline.values, "2h10min", "2h35min"),
    )
    assert during["pressure_differential"].mean() > before["pressure_differential"].mean() + 15
    assert during["blast_pressure"].mean() > before["blast_pressure"].mean() + 10
    assert during["permeability_index"].mean() < 0.9 * before["permeability_index"].mean()
    assert during["blast_volume"].mean() < before["blast_volume"].mean()
    assert during["charge_count"].iloc[-1] == during["charge_count"].iloc[0]
    smooth = during["stockrod_level_1"].rolling(60).mean()
    assert abs(smooth.iloc[-1] - smooth.iloc[60]) < 0.1
    label = _label(result, "hanging")
    assert (label["start"], label["end"], label["severity"]) == (at("2h"), at("2h40min"), 0.8)
    assert label["location"] is None


def test_slip_drops_the_stock_line_and_kicks_top_pressure(baseline):
    result = run("4h", {"fault": "slip", "start": "3h", "duration": "10min", "severity": 1.0})
    after, before = window(result.values, "3h", "3h03min"), window(baseline.values, "3h", "3h03min")
    drop = (window(result.values, "2h59min59s", "3h00min01s")["stockrod_level_1"].diff()).max()
    assert drop > 1.0
    assert after["top_pressure"].max() > before["top_pressure"].max() + 5
    assert _label(result, "slip")["start"] == at("3h")


def test_channelling_heats_one_uptake_and_spoils_gas_utilisation(baseline):
    result = run(
        "3h", {"fault": "channelling", "start": "2h", "duration": "1h", "location": 3, "severity": 0.8}
    )
    during, before = (
        window(result.values, "2h10min", "2h50min"),
        window(baseline.values, "2h10min", "2h50min"),
    )
    rise = during.filter(like="top_temperature_u").mean() - before.filter(like="top_temperature_u").mean()
    assert (
        rise["top_temperature_u3"] > 100
        and rise.drop("top_temperature_u3").max() < rise["top_temperature_u3"] / 2
    )
    assert during["top_temperature_u3"].std() > 2 * before["top_temperature_u3"].std()
    assert during["top_gas_utilisation"].mean() < before["top_gas_utilisation"].mean() - 0.01
    assert during["blast_pressure"].mean() < before["blast_pressure"].mean()
    assert during["top_pressure"].std() > before["top_pressure"].std()
    assert _label(result, "channelling")["location"] == "uptake_03"
    # The uptake gauges follow the common top pressure; the channelling uptake's scatters more.
    local = during.filter(like="top_pressure_u").sub(during["top_pressure"], axis=0)
    assert local.abs().mean().drop("top_pressure_u3").max() < 1.0  # kPa, within gauge scatter
    assert local["top_pressure_u3"].std() > 3 * local.drop(columns="top_pressure_u3").std().max()


def test_scaffolding_cools_its_stave_row_and_raises_the_pressure_drop(baseline):
    result = run("6h", {"fault": "scaffolding", "start": "1h", "end": "7h", "location": 6, "severity": 0.8})
    during, before = window(result.values, "3h", "5h"), window(baseline.values, "3h", "5h")
    change = during.mean() - before.mean()
    row6 = change.filter(like="stave_temperature_r06_")
    assert (row6 < -10).all()
    assert change.filter(like="stave_temperature_r03_").abs().max() < 1e-9
    assert change["stave_water_outlet_temperature_r06"] < -0.2
    assert change["pressure_differential"] > 5 and change["permeability_index"] < 0
    assert change["shaft_pressure_upper"] > 0
    assert _label(result, "scaffolding")["location"] == "stave_row_06"


def test_cold_hearth_cools_the_hot_metal_with_a_lag(baseline):
    result = run("12h", {"fault": "cold_hearth", "start": "2h", "duration": "8h", "severity": 0.9})
    casts, base = result.casts.set_index("end"), baseline.casts.set_index("end")
    early = casts.index < at("2h")
    late = casts.index > at("6h")
    cooled = base["hot_metal_temperature_degC"] - casts["hot_metal_temperature_degC"]
    assert (cooled[early].abs() < 1e-9).all()
    assert cooled[late].min() > 30
    assert (base["hot_metal_silicon_percent"] - casts["hot_metal_silicon_percent"])[late].min() > 0.1
    during, before = window(result.values, "4h", "8h"), window(baseline.values, "4h", "8h")
    assert during["permeability_index"].mean() > before["permeability_index"].mean()
    assert during["top_gas_utilisation"].mean() < before["top_gas_utilisation"].mean()
    assert during["top_temperature_u1"].mean() < before["top_temperature_u1"].mean()


def test_hot_furnace_is_the_mirror_image(baseline):
    result = run("12h", {"fault": "hot_furnace", "start": "2h", "duration": "8h", "severity": 0.9})
    late = result.casts["end"] > at("6h")
    hotter = (result.casts["hot_metal_temperature_degC"] - baseline.casts["hot_metal_temperature_degC"])[late]
    assert hotter.min() > 20
    during, before = window(result.values, "4h", "8h"), window(baseline.values, "4h", "8h")
    assert during["permeability_index"].mean() < before["permeability_index"].mean()
    assert during["top_gas_utilisation"].mean() > before["top_gas_utilisation"].mean()
    assert during["blast_volume"].mean() < before["blast_volume"].mean()


def test_tuyere_leak_shows_in_its_water_balance_and_in_top_hydrogen(baseline):
    result = run(
        "4h", {"fault": "tuyere_leak", "start": "1h", "duration": "3h", "location": 9, "severity": 1.0}
    )
    during, before = window(result.values, "2h", "3h30min"), window(baseline.values, "2h", "3h30min")
    loss = during.filter(like="inlet_flow").values - during.filter(like="outlet_flow").values
    loss_before = before.filter(like="inlet_flow").values - before.filter(like="outlet_flow").values
    extra = (loss - loss_before).mean(axis=0)
    assert extra[8] > 2.0 and np.abs(np.delete(extra, 8)).max() < 1e-9
    assert during["top_gas_h2"].mean() > before["top_gas_h2"].mean() + 0.2
    assert _label(result, "tuyere_leak")["location"] == "tuyere_09"


def test_hearth_wall_temperature_rise_is_local(baseline):
    result = run(
        "7h",
        {
            "fault": "hearth_wall_temperature_rise",
            "start": "1h",
            "duration": "10h",
            "location": 12,
            "severity": 0.8,
        },
    )
    change = window(result.values, "5h", "6h").mean() - window(baseline.values, "5h", "6h").mean()
    assert change["hearth_temperature_t12"] > 100
    assert 0 < change["hearth_temperature_t13"] < change["hearth_temperature_t12"]
    assert abs(change["hearth_temperature_t01"]) < 1e-9


def test_stockrod_failure_freezes_one_rod_only(baseline):
    result = run("3h", {"fault": "stockrod_failure", "start": "2h", "duration": "1h", "location": 2})
    during = window(result.values, "2h", "2h59min")
    assert during["stockrod_level_2"].nunique() == 1
    assert during["stockrod_level_1"].nunique() > 100
    assert _label(result, "stockrod_failure")["location"] == "stockrod_02"


# -- sensor faults -----------------------------------------------------------------------------
def test_scenario_sensor_faults_have_their_effect_and_their_label():
    scenario = Scenario.from_mapping(
        {
            **QUIET,
            "sensor_faults": [
                {"kind": "stuck", "tag": "blast_temperature", "start": "10min", "duration": "10min"},
                {"kind": "dropout", "tag": "top_pressure", "start": "10min", "duration": "5min"},
                {
                    "kind": "drift",
                    "tag": "top_gas_co",
                    "start": "10min",
                    "duration": "20min",
                    "magnitude": 4.0,
                },
                {
                    "kind": "spike",
                    "tag": "blast_humidity",
                    "start": "10min",
                    "duration": "10min",
                    "magnitude": 20.0,
                },
            ],
        }
    )
    faulty = simulate(SMALL, "40min", seed=3, scenario=scenario)
    clean = simulate(SMALL, "40min", seed=3, scenario=Scenario.from_mapping(QUIET))
    f, c, q = (
        window(faulty.values, "10min", "19min59s"),
        window(clean.values, "10min", "19min59s"),
        faulty.quality,
    )
    assert f["blast_temperature"].nunique() == 1 and c["blast_temperature"].nunique() > 100
    dropped = window(faulty.values, "10min", "14min59s")["top_pressure"]
    assert dropped.isna().all() and (window(q, "10min", "14min59s")["top_pressure"] == QUALITY_BAD).all()
    assert faulty.values.isna().eq(q.eq(QUALITY_BAD)).all().all()  # NaN only with bad quality
    drift = (
        window(faulty.values, "29min", "29min59s")["top_gas_co"]
        - window(clean.values, "29min", "29min59s")["top_gas_co"]
    )
    assert drift.mean() == pytest.approx(4.0, abs=0.3)
    assert (f["blast_humidity"] - c["blast_humidity"]).abs().max() == pytest.approx(20.0)
    assert set(faulty.labels["fault"]) == {"sensor_stuck", "sensor_dropout", "sensor_drift", "sensor_spike"}
    assert set(faulty.labels["location"]) == {
        "blast_temperature",
        "top_pressure",
        "top_gas_co",
        "blast_humidity",
    }


def test_random_sensor_faults_are_drawn_and_labelled():
    result = simulate(SMALL, "6h", seed=4, scenario=Scenario(random_sensor_faults_per_day=40))
    labels = result.labels
    assert len(labels) >= 4 and labels["fault"].str.startswith("sensor_").all()
    assert set(labels["location"]) <= set(result.values.columns)
    dropouts = labels[labels["fault"] == "sensor_dropout"]
    for row in dropouts.itertuples():
        segment = result.values.loc[row.start : min(row.end, result.values.index[-1]), row.location]
        assert segment.iloc[:-1].isna().all()


# -- scenario validation -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mapping", "error", "match"),
    [
        (
            {"faults": [{"fault": "meltdown", "start": "1h", "duration": "1h"}]},
            InputError,
            "use one of hanging",
        ),
        ({"faults": [{"fault": "hanging", "start": "2h", "end": "1h"}]}, InputError, "is not after start"),
        (
            {"faults": [{"fault": "hanging", "start": "1h"}]},
            InputError,
            "exactly one of 'end' and 'duration'",
        ),
        (
            {"faults": [{"fault": "hanging", "start": "1h", "duration": "1h", "severity": 1.5}]},
            InputError,
            "faults.0.severity",
        ),
        (
            {"faults": [{"fault": "hanging", "start": "soon", "duration": "1h"}]},
            InputError,
            "neither an offset",
        ),
        (
            {"faults": [{"fault": "hanging", "start": "2026-01-01T01:00:00", "duration": "1h"}]},
            InputError,
            "time zone offset",
        ),
        (
            {"faults": [{"fault": "hanging", "start": "1h", "duration": "1h", "where": 3}]},
            InputError,
            "remove the field",
        ),
        (
            {"sensor_faults": [{"kind": "frozen", "tag": "blast_volume", "start": "1h", "duration": "1h"}]},
            InputError,
            "stuck, spike, dropout, drift",
        ),
    ],
)
def test_bad_scenarios_are_refused_with_the_field_and_the_fix(mapping, error, match):
    with pytest.raises(error, match=match):
        Scenario.from_mapping(mapping)


@pytest.mark.parametrize(
    ("fault", "match"),
    [
        (
            {"fault": "scaffolding", "start": "1h", "duration": "1h", "location": 13},
            "location outside the furnace: it has 12 stave rows",
        ),
        ({"fault": "tuyere_leak", "start": "1h", "duration": "1h"}, "needs a location"),
        ({"fault": "hanging", "start": "1h", "duration": "1h", "location": 2}, "takes no location"),
        ({"fault": "hanging", "start": "2026-01-01T03:00:00Z", "end": "2h"}, "is not after start"),
        (
            {"fault": "hanging", "start": "2025-12-31T23:00:00Z", "duration": "2h"},
            "starts before the simulation",
        ),
    ],
)
def test_scenarios_are_checked_against_the_furnace(fault, match):
    scenario = Scenario.from_mapping({"faults": [fault]})
    with pytest.raises(InputError, match=match):
        FurnaceSimulator(SMALL, scenario)


def test_sensor_fault_on_an_unknown_tag_is_refused():
    scenario = Scenario.from_mapping(
        {"sensor_faults": [{"kind": "stuck", "tag": "blast_colour", "start": "1h", "duration": "1h"}]}
    )
    with pytest.raises(UnknownKeyError, match="sensor_faults.0.tag"):
        FurnaceSimulator(SMALL, scenario)


def test_scenario_text_in_toml_and_yaml():
    toml = (
        'random_sensor_faults_per_day = 0\n[[faults]]\nfault = "slip"\n'
        'start = 2026-01-01T01:00:00Z\nduration = "5min"\n'
    )
    yaml = "faults:\n  - fault: slip\n    start: 1h\n    end: 1h5min\n"
    assert Scenario.from_text(toml).faults[0].fault == "slip"
    assert Scenario.from_text(yaml, format="yaml").faults[0].end is not None
    with pytest.raises(FileFormatError, match="not valid TOML"):
        Scenario.from_text("faults = [", source="bad.toml")


def test_bad_steps_are_refused():
    with pytest.raises(InputError, match="step must be between"):
        FurnaceSimulator(SMALL, step_seconds=0)
    with pytest.raises(InputError, match="no time zone"):
        FurnaceSimulator(SMALL, start="2026-01-01T00:00:00")
    with pytest.raises(InputError, match="at least one step"):
        FurnaceSimulator(SMALL).advance(0)


def test_per_cast_tags_are_the_cast_table_columns(baseline):
    assert set(CAST_TAGS) <= set(tag_catalogue(SMALL)["tag"])
    assert not set(CAST_TAGS) & set(baseline.values.columns)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**31), step=st.sampled_from([1.0, 5.0, 30.0]), faults=st.integers(0, 200))
def test_invariants_hold_for_any_seed_and_step(seed, step, faults):
    result = simulate(
        SMALL, "20min", seed=seed, step_seconds=step, scenario=Scenario(random_sensor_faults_per_day=faults)
    )
    v, q = result.values, result.quality
    assert v.isna().eq(q.eq(QUALITY_BAD)).all().all()  # NaN exactly where quality is bad
    assert (v.index[1:] - v.index[:-1] == pd.Timedelta(seconds=step)).all()
    assert v["charge_count"].is_monotonic_increasing
    gas = v[["top_gas_co", "top_gas_co2", "top_gas_h2"]].sum(axis=1)
    assert gas.dropna().between(40, 60).all()  # the rest is N2
    assert (result.labels["end"] > result.labels["start"]).all()


def test_simulator_constants_match_their_sources_and_flag_the_assumptions():
    from greenmet.refdata import load_table

    table = load_table("simulator_constants").set_index("name")
    # VAI chapter (Klinger et al. 2010, doi:10.5772/7075): hot metal 94.5 % Fe; reference note
    # §1.2: O2 purity 0.995 in the enthalpy RAFT code.
    assert table.loc["iron_in_hot_metal", "value"] == 94.5
    assert table.loc["oxygen_purity", "value"] == 0.995
    assert not table.loc[["iron_in_hot_metal", "oxygen_purity"], "needs_verification"].any()
    assumptions = table[table["source"].str.contains("assumption|Practice")]
    assert assumptions["needs_verification"].all() and len(assumptions) >= 8


def test_no_step_of_the_model_is_a_long_method():
    """issue 12 §5: ``advance`` was one 263-line method; each stage is now its own method, short
    enough to read on one screen (docstrings included)."""
    import inspect

    lengths = {
        name: len(inspect.getsource(member).splitlines())
        for name, member in inspect.getmembers(FurnaceSimulator, inspect.isfunction)
    }
    assert lengths["advance"] <= 60
    assert max(lengths.values()) <= 100, max(lengths, key=lengths.__getitem__)


def test_a_restored_state_continues_the_run_bit_for_bit():
    """issue 13 §3: a restart continued from the seed, not from where the run stopped."""
    import json

    scenario = Scenario.from_mapping(
        {
            "random_sensor_faults_per_day": 200.0,
            "faults": [{"fault": "slip", "start": "50min", "duration": "10min"}],
            "sensor_faults": [
                {"tag": "top_pressure", "kind": "stuck", "start": "55min", "duration": "30min"}
            ],
        }
    )
    whole = FurnaceSimulator(SMALL, scenario, seed=4)
    first, second = whole.advance(3600), whole.advance(3600)
    stopped = FurnaceSimulator(SMALL, scenario, seed=4)
    stopped.advance(3600)
    saved = json.loads(json.dumps(stopped.state()))  # as written to and read from the state file
    resumed = FurnaceSimulator(SMALL, scenario, seed=4)
    resumed.restore(saved)
    again = resumed.advance(3600)
    assert resumed.now == whole.now and again.timestamps[0] == first.timestamps[-1] + 1_000_000
    np.testing.assert_array_equal(again.values, second.values)
    np.testing.assert_array_equal(again.quality, second.quality)
    pd.testing.assert_frame_equal(resumed.casts(), whole.casts())
    pd.testing.assert_frame_equal(resumed.labels(), whole.labels())
    other = FurnaceSimulator(SMALL, scenario, seed=5)
    with pytest.raises(InputError, match="another run"):
        other.restore(saved)
    with pytest.raises(InputError, match="not a simulator state"):
        other.restore({"format": "something else"})


def test_a_measured_series_with_a_value_ending_in_point_15_is_not_taken_for_kelvin():
    """A simulated day stopped with SuspectUnitError when one noisy blast-temperature reading
    was 1222.1500007 degC; a series is kelvin-like only if all of it is."""
    from greenmet.blast_furnace._guards import check_kelvin
    from greenmet.errors import SuspectUnitError

    series = np.array([1221.93, 1222.1500007, 1222.41])
    assert check_kelvin(series, "blast_temperature") is not None
    with pytest.raises(SuspectUnitError, match="temperature in K"):
        check_kelvin(np.array([1373.15, 1473.15]), "blast_temperature")
    with pytest.raises(SuspectUnitError, match="temperature in K"):
        check_kelvin(1373.15, "blast_temperature")
