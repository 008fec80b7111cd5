"""The adapter from tags and plant records to the calculation-sheet inputs (hand-computed cases)."""

import numpy as np
import pandas as pd
import pytest
from tests.monitoring.online_fixtures import (
    CONSTANT_TAGS,
    DESIGN,
    PELLET,
    SINTER,
    START,
    minute_frame,
    records,
)

from greenmet.errors import InputError
from greenmet.monitoring.plant_state import FurnaceDesign, PlantRecords, plant_state_frame

WINDOW = pd.Timedelta(hours=4)


def _states(frame=None, recs=None, **kwargs):
    frame = minute_frame() if frame is None else frame
    return plant_state_frame(frame, records() if recs is None else recs, DESIGN, window=WINDOW, **kwargs)


def test_unit_conversions_of_the_tags():
    states = _states().states
    assert states["oxygen_volume_nm3_per_min"].iloc[-1] == pytest.approx(12_000.0 / 60.0)  # Nm3/h → Nm3/min
    assert states["cold_blast_volume_nm3_per_min"].iloc[-1] == 4300.0
    assert states["top_gas_temperature_degC"].iloc[-1] == pytest.approx(150.0)  # mean of the uptakes
    assert states["top_gas.N2_percent"].iloc[-1] == pytest.approx(100 - 23 - 21 - 3)
    # stave totals: flow 220 m3/h, flow-weighted rise (120*2 + 100*3)/220 K
    assert states["stave_water_flow_m3_per_h"].iloc[-1] == pytest.approx(220.0)
    assert states["stave_water_temperature_rise_K"].iloc[-1] == pytest.approx((120 * 2 + 100 * 3) / 220)


def test_rates_over_the_trailing_window():
    states = _states().states
    at = START + pd.Timedelta(minutes=299)  # window (59, 299]: casts at 119 and 239, 24 charges
    row = states.loc[at]
    assert row["production_t_per_day"] == pytest.approx(1000.0 * 24 / 4)
    assert row["coke_rate_kg_per_thm"] == pytest.approx(24 * 15.0 * 1000 / 1000.0)
    assert row["burden.sinter.mass_kg_per_thm"] == pytest.approx(24 * 45.0)
    assert row["burden.pellet.mass_kg_per_thm"] == pytest.approx(24 * 12.0)
    assert row["coal_rate_kg_per_thm"] == pytest.approx(40.0 * 4 * 1000 / 1000.0)  # t/h → kg/tHM
    # before the window is full there is no rate, never a rate of a partial window
    assert np.isnan(states["coke_rate_kg_per_thm"].iloc[WINDOW // pd.Timedelta(minutes=1) - 2])


def test_analyses_hold_from_their_sampling_time_on():
    recs = records()
    change = START + pd.Timedelta(hours=5)
    later = pd.DataFrame([{"lot_id": "sinter-2", "material": "sinter", "sampled_at": change,
                           "component": "CaO", "value": 12.0, "unit": "%"}])
    recs = PlantRecords(charges=recs.charges, cast_analyses=recs.cast_analyses,
                        material_analyses=pd.concat([recs.material_analyses, later], ignore_index=True))
    states = _states(recs=recs).states
    cao = states["burden.sinter.CaO_percent"]
    assert cao.loc[change - pd.Timedelta(minutes=1)] == SINTER["CaO"]
    assert cao.loc[change] == 12.0
    assert states["burden.pellet.CaO_percent"].iloc[-1] == PELLET["CaO"]


def test_an_analysis_sampled_later_is_not_used_before_and_an_old_one_expires():
    recs = records()
    shifted = recs.material_analyses.assign(sampled_at=START + pd.Timedelta(hours=3))
    states = _states(recs=PlantRecords(charges=recs.charges, material_analyses=shifted,
                                       cast_analyses=recs.cast_analyses)).states
    assert np.isnan(states["coal.C_percent"].loc[START + pd.Timedelta(minutes=179)])
    assert states["coal.C_percent"].loc[START + pd.Timedelta(minutes=180)] == 78.0
    expired = _states(recs=recs, analysis_max_age=pd.Timedelta(hours=2)).states
    assert np.isnan(expired["coal.C_percent"].iloc[-1])


def test_fractions_are_converted_to_percent():
    recs = records()
    fraction = recs.material_analyses.assign(value=recs.material_analyses["value"] / 100,
                                             unit="dimensionless")
    states = _states(recs=PlantRecords(charges=recs.charges, material_analyses=fraction,
                                       cast_analyses=recs.cast_analyses)).states
    assert states["burden.sinter.CaO_percent"].iloc[-1] == pytest.approx(SINTER["CaO"])


def test_missing_inputs_are_named_and_left_nan():
    frame = minute_frame().drop(columns=["coal_injection_rate"])
    result = _states(frame=frame, recs=records(analyses=False))
    assert "coal_injection_rate" in result.lacking
    assert "analysis of sinter" in result.lacking
    assert "coal analysis" in result.lacking
    assert result.states["coal_rate_kg_per_thm"].isna().all()
    assert result.states["burden.sinter.CaO_percent"].isna().all()
    # what does not need them is still there
    assert result.states["coke_rate_kg_per_thm"].iloc[-1] == pytest.approx(360.0)


def test_implausible_blast_temperature_becomes_nan_not_an_error():
    frame = minute_frame()
    frame.iloc[10, frame.columns.get_loc("blast_temperature")] = 1473.15  # a kelvin reading
    result = _states(frame=frame)
    assert np.isnan(result.states["blast_temperature_degC"].iloc[10])
    assert "blast_temperature" in result.lacking
    assert result.states["blast_temperature_degC"].iloc[11] == CONSTANT_TAGS["blast_temperature"]


def test_bad_input_is_refused_with_the_field():
    frame = minute_frame()
    with pytest.raises(InputError, match="consecutive whole minutes"):
        plant_state_frame(frame.iloc[::2], records(), DESIGN)
    with pytest.raises(InputError, match="UTC DatetimeIndex"):
        plant_state_frame(frame.reset_index(drop=True), records(), DESIGN)
    recs = records()
    negative = recs.charges.copy()
    negative.loc[3, "mass_t"] = -5.0
    with pytest.raises(InputError, match="charge C1 batch 1"):
        plant_state_frame(frame, PlantRecords(charges=negative), DESIGN)
    with pytest.raises(InputError, match="lack the columns"):
        PlantRecords(charges=recs.charges.drop(columns=["mass_t"]))
    bad_unit = recs.material_analyses.assign(unit="kg")
    with pytest.raises(InputError, match="not a share"):
        plant_state_frame(frame, PlantRecords(material_analyses=bad_unit), DESIGN)
    with pytest.raises(InputError, match="tuyeres"):
        FurnaceDesign.from_mapping({"working_volume_m3": 2500, "hearth_diameter_m": 11})


def test_rates_wait_for_a_window_covered_by_data():
    frame = minute_frame()
    frame.iloc[:30] = np.nan  # the data start half an hour late
    states = _states(frame=frame).states
    partial = START + pd.Timedelta(minutes=250)  # window (10, 250]: 19 minutes without data
    assert np.isnan(states.loc[partial, "coke_rate_kg_per_thm"])
    assert np.isnan(states.loc[partial, "production_t_per_day"])
    assert states.loc[START + pd.Timedelta(minutes=299), "coke_rate_kg_per_thm"] == pytest.approx(360.0)
    assert "window coverage" in _states(frame=frame).lacking


def test_a_component_an_analysis_does_not_name_is_zero():
    recs = records()
    no_feo = recs.material_analyses[~((recs.material_analyses["material"] == "sinter")
                                      & (recs.material_analyses["component"] == "FeO"))]
    states = _states(recs=PlantRecords(charges=recs.charges, material_analyses=no_feo,
                                       cast_analyses=recs.cast_analyses)).states
    assert states["burden.sinter.FeO_percent"].iloc[-1] == 0.0
    assert states["burden.sinter.CaO_percent"].iloc[-1] == SINTER["CaO"]
