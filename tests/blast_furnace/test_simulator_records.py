"""Plant records of the simulated furnace (greenmet.blast_furnace.simulator.records): charges
from the charge counter, lot analyses, cast analyses, hot-metal destinations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenmet.blast_furnace.simulator import FurnaceSimulator, preset, simulate
from greenmet.blast_furnace.simulator.records import RECORD_KINDS
from greenmet.errors import InputError
from greenmet.refdata import factor
from greenmet.storage.plant_records import PLANT_RECORD_COLUMNS, validate_plant_records

CONFIG = preset("2500m3")


@pytest.fixture(scope="module")
def run():
    return simulate(CONFIG, "5h", seed=4)


def test_every_kind_is_produced_in_the_plant_format(run):
    for kind in RECORD_KINDS:
        frame = run.records[kind]
        assert len(frame), kind
        assert list(frame.columns) == list(PLANT_RECORD_COLUMNS[kind])
        pd.testing.assert_frame_equal(validate_plant_records(kind, frame), frame, check_dtype=False)


def test_one_charge_per_step_of_the_charge_counter_with_its_batches_in_belt_order(run):
    charges = run.records["charges"]
    counter = run.values["charge_count"]
    numbers = charges["charge_id"].astype(int)
    assert sorted(set(numbers)) == list(range(1, int(counter.iloc[-1]) + 1))
    first = charges[charges["batch_number"] == 1]
    for charge_id, at in zip(first["charge_id"], first["charged_at"], strict=True):
        assert counter.loc[at] == int(charge_id)
        assert counter.loc[at - pd.Timedelta(seconds=1)] == int(charge_id) - 1
    orders = {tuple(group) for _, group in charges.groupby("charge_id")["material"]}
    assert orders == {("coke", "sinter", "pellet", "lump_ore", "nut_coke", "limestone")}


def test_batch_masses_add_up_to_the_rates_per_tonne_of_hot_metal(run):
    charges = run.records["charges"]
    hot_metal_per_charge = CONFIG.hot_metal_rate_t_per_min * 60 / factor("simulator_constants",
                                                                        name="charges_per_hour").value
    per_charge = charges.groupby("material")["mass_t"].mean() / hot_metal_per_charge * 1000  # kg/tHM
    assert per_charge["coke"] + per_charge["nut_coke"] == pytest.approx(CONFIG.coke_rate_kg_per_thm, rel=0.01)
    ferrous = per_charge[["sinter", "pellet", "lump_ore"]].sum()
    nominal = factor("simulator_constants", name="ferrous_burden_rate").value * 1000
    assert ferrous == pytest.approx(nominal, rel=0.01)


def test_every_lot_charged_has_an_analysis_sampled_before_it_was_charged(run):
    charges, analyses = run.records["charges"], run.records["material_analyses"]
    sampled = analyses.groupby("lot_id")["sampled_at"].max()
    first_use = charges.groupby("lot_id")["charged_at"].min()
    assert set(first_use.index) <= set(sampled.index)
    assert (sampled.loc[first_use.index] <= first_use).all()
    assert "coal" in set(analyses["material"]), "injection coal is analysed too"


def test_chemical_analyses_sum_to_100_percent(run):
    analyses = run.records["material_analyses"]
    chemistry = analyses[~analyses["component"].isin(["tumbler_index", "M40", "M10", "CSR", "CRI"])
                         & ~analyses["component"].str.startswith("ash_")]
    totals = chemistry.groupby("lot_id")["value"].sum()
    assert np.allclose(totals, 100.0, atol=0.01), totals
    ash = analyses[analyses["component"].str.startswith("ash_")].groupby("lot_id")["value"].sum()
    assert np.allclose(ash, 100.0, atol=0.01)


def test_cast_analyses_agree_with_the_cast_records(run):
    casts, analyses = run.casts, run.records["cast_analyses"]
    wide = analyses.pivot_table(index="cast_id", columns=["sample", "component"], values="value")
    wide.index = wide.index.astype(int)
    wide = wide.loc[casts["cast_number"]]
    assert np.allclose(wide[("hot_metal", "Si")], casts["hot_metal_silicon_percent"].round(4), atol=1e-4)
    assert np.allclose(wide[("hot_metal", "S")], casts["hot_metal_sulphur_percent"].round(4), atol=1e-4)
    basicity = wide[("slag", "CaO")] / wide[("slag", "SiO2")]
    assert np.allclose(basicity, casts["slag_basicity"], rtol=2e-4)
    assert wide[("hot_metal", "C")].between(4.0, 5.5).all()
    stamps = analyses.groupby("cast_id")["sampled_at"].first()
    stamps.index = stamps.index.astype(int)
    assert (stamps.loc[casts["cast_number"]].to_numpy() == casts["end"].to_numpy()).all()


def test_destinations_hold_each_casts_hot_metal_in_torpedo_cars(run):
    casts, destinations = run.casts, run.records["hot_metal_destinations"]
    filled = destinations.groupby("cast_id")["mass_t"].sum()
    filled.index = filled.index.astype(int)
    assert np.allclose(filled.loc[casts["cast_number"]], casts["hot_metal_mass_t"], atol=0.01)
    assert (destinations["mass_t"] <= factor("simulator_constants", name="torpedo_capacity").value).all()
    assert (destinations["delivered_at"] > destinations["filled_at"]).all()
    ends = casts.set_index(casts["cast_number"].astype(str))["end"]
    assert (destinations["filled_at"] <= destinations["cast_id"].map(ends)).all()
    heats = destinations["steelmaking_heat_id"].dropna()
    assert heats.is_unique


def test_records_continue_across_a_saved_state_as_in_one_run():
    straight = FurnaceSimulator(CONFIG, seed=5)
    for _ in range(4):
        straight.advance(3600)
    first = FurnaceSimulator(CONFIG, seed=5)
    first.advance(3600)
    first.advance(3600)
    second = FurnaceSimulator(CONFIG, seed=5)
    second.restore(first.state())
    second.advance(3600)
    second.advance(3600)
    for kind in RECORD_KINDS:
        joined = pd.concat([first.plant_records(kind), second.plant_records(kind)], ignore_index=True)
        pd.testing.assert_frame_equal(joined, straight.plant_records(kind))


def test_a_state_saved_before_records_existed_continues_the_charge_numbers():
    simulator = FurnaceSimulator(CONFIG, seed=5)
    simulator.advance(3600)
    state = simulator.state()
    del state["records"]
    later = FurnaceSimulator(CONFIG, seed=5)
    later.restore(state)
    later.advance(1800)
    numbers = later.plant_records("charges")["charge_id"].astype(int)
    assert numbers.min() == int(simulator.plant_records("charges")["charge_id"].astype(int).max()) + 1


def test_unknown_kind_is_refused():
    with pytest.raises(InputError, match="no such kind of plant record"):
        FurnaceSimulator(CONFIG).plant_records("charge")


def test_residence_time_follows_the_burden_descent_of_the_simulated_charges():
    """The charges are dumped as the stock line descends, so the residence time computed from
    them (greenmet.monitoring.traceability.charge_descent) is the smelting cycle of normal
    operation and grows by about the stall when a hanging stops the descent."""
    from greenmet.blast_furnace.simulator import Scenario
    from greenmet.monitoring.traceability import burden_descent_defaults, charge_descent

    hanging = Scenario.from_mapping(
        {"random_sensor_faults_per_day": 0,
         "faults": [{"fault": "hanging", "start": "9h", "duration": "45min", "severity": 1.0}]}
    )
    run = simulate(CONFIG, "11h", seed=1, scenario=hanging, step_seconds=10)
    descent = charge_descent(run.records["charges"], working_volume_m3=CONFIG.working_volume_m3)
    descent = descent.dropna(subset=["residence_time_h"]).set_index("charged_at")["residence_time_h"]
    # normal operation: working volume / (1 - shrinkage) over the volume charged per hour
    charges = run.records["charges"]
    defaults = burden_descent_defaults()
    volume = (charges["mass_t"] / charges["material"].map(defaults.bulk_density_t_per_m3)).sum()
    hours = (charges["charged_at"].max() - charges["charged_at"].min()).total_seconds() / 3600
    cycle = CONFIG.working_volume_m3 / (1 - defaults.shrinkage) / (volume / hours)
    early = descent[descent.index < pd.Timestamp("2026-01-01T00:40Z")]
    assert early.to_numpy() == pytest.approx(cycle, rel=0.1)
    crossing = descent[descent.index > pd.Timestamp("2026-01-01T02:00Z")]  # arrive after the hang
    assert (crossing > early.max() + 0.5).all()
