"""Derived tags: names, no duplicates of measured tags, values from the sheet, points."""

import numpy as np
import pandas as pd
import pytest
from tests.monitoring.online_fixtures import DESIGN, START, minute_frame, records

from greenmet.blast_furnace import gas, indices
from greenmet.blast_furnace.state import SHEET_QUANTITIES
from greenmet.errors import InputError
from greenmet.monitoring.derived import (
    DERIVED_PREFIX,
    derive_minutes,
    derived_catalogue,
    derived_tag,
    minute_values,
    stave_row_tag,
    to_points,
)

WINDOW = pd.Timedelta(hours=4)


@pytest.fixture(scope="module")
def derived():
    return derive_minutes(minute_frame(), records(), DESIGN, window=WINDOW)


def test_the_required_quantities_are_derived(derived):
    last = derived.values.iloc[-1]
    assert last["calc_coke_rate_kg_per_thm"] == pytest.approx(360.0)
    assert last["calc_fuel_rate_kg_per_thm"] == pytest.approx(360.0 + 160.0)
    assert last["calc_slag_rate_kg_per_thm"] > 0
    assert np.isfinite(last["calc_thermal_state_index_k"])
    # a furnace without the ηCO and RAFT tags gets them derived
    assert last["calc_top_gas_utilisation"] == pytest.approx(float(gas.top_gas_utilisation(23.0, 21.0)))
    assert 1900 < last["calc_raceway_adiabatic_flame_temperature_degc"] < 2500
    assert all(tag.startswith(DERIVED_PREFIX) for tag in derived.values.columns)


def test_stave_rows_add_up_to_the_sheet_total(derived):
    last = derived.values.iloc[-1]
    assert last[stave_row_tag(1)] == pytest.approx(float(indices.stave_heat_load(120.0, 2.0)))
    assert last[stave_row_tag(2)] == pytest.approx(float(indices.stave_heat_load(100.0, 3.0)))
    assert last[stave_row_tag(1)] + last[stave_row_tag(2)] == pytest.approx(last["calc_stave_heat_load_kw"])


def test_no_duplicate_of_a_measured_tag():
    frame = minute_frame()
    frame["top_gas_utilisation"] = 0.47
    frame["raceway_adiabatic_flame_temperature"] = 2150.0
    result = derive_minutes(frame, records(), DESIGN, window=WINDOW)
    assert "calc_top_gas_utilisation" not in result.values.columns
    assert "calc_raceway_adiabatic_flame_temperature_degc" not in result.values.columns
    assert result.left_out["calc_top_gas_utilisation"] == "top_gas_utilisation"
    catalogue = derived_catalogue(frame.columns)
    assert list(catalogue["tag"]) == list(result.values.columns)
    assert not set(catalogue["tag"]) & set(frame.columns)


def test_catalogue_describes_every_tag_in_both_languages():
    catalogue = derived_catalogue(minute_frame().columns)
    assert catalogue["tag"].is_unique
    assert (catalogue["description_zh"].str.len() > 0).all()
    row = catalogue.set_index("tag").loc["calc_fuel_rate_kg_per_thm"]
    assert row["unit"] == SHEET_QUANTITIES["fuel_rate_kg_per_thm"][0]
    description = catalogue.set_index("tag").loc[stave_row_tag(2), "description_en"]
    assert description.startswith("Heat load of stave row 2")
    with pytest.raises(InputError, match="not a quantity"):
        derived_tag("fuel_rate")


def test_one_minute_equals_the_same_minute_of_a_range(derived):
    frame = minute_frame()
    last = frame.index[-1]
    alone = derive_minutes(frame, records(), DESIGN, window=WINDOW, start=last)
    assert len(alone.values) == 1
    pd.testing.assert_series_equal(alone.values.iloc[0], derived.values.iloc[-1])


def test_points_carry_nan_as_bad_and_open_balances_as_uncertain(derived):
    points = to_points(derived)
    assert len(points) == derived.values.size
    assert set(points.columns) == {"ts", "tag", "value", "quality"}
    assert (points.loc[points["value"].isna(), "quality"] == 128).all()
    assert (points.loc[points["value"].notna(), "quality"] != 128).all()
    first = points[points["tag"] == "calc_coke_rate_kg_per_thm"].iloc[0]
    assert first["ts"] == START and np.isnan(first["value"])  # window not full yet
    flags_open = derived.quality["calc_p_balance_relative_residual"].iloc[-1]
    residual = derived.values["calc_p_balance_relative_residual"].iloc[-1]
    assert flags_open == (64 if abs(residual) > 0.05 else 0)


def test_minute_values_sum_event_tags():
    index = pd.date_range(START, periods=120, freq="s")
    seconds = pd.DataFrame({"blast_volume": np.arange(120.0), "cast_hot_metal_mass": np.nan}, index=index)
    seconds.iloc[10, 1] = 400.0
    seconds.iloc[20, 1] = 300.0
    minutes = minute_values(seconds)
    assert list(minutes["blast_volume"]) == [29.5, 89.5]
    assert minutes["cast_hot_metal_mass"].iloc[0] == 700.0
    assert np.isnan(minutes["cast_hot_metal_mass"].iloc[1])
