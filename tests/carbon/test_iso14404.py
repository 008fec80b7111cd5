"""ISO 14404 method: line arithmetic, options, bad input, and invariants."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenmet.carbon import compute
from greenmet.carbon.activity import ActivityData, activity_frames
from greenmet.carbon.iso14404 import (
    compute_iso14404,
    iso14404_factor_table,
    iso14404_lines,
    worldsteel_electricity_factor,
)
from greenmet.errors import InputError, UnknownKeyError

BF_BOF = {
    "installation": {"id": "bf1", "name": "BF-BOF test", "sector": "steel"},
    "period": {"start": "2024-01-01", "end": "2024-12-31"},
    "materials": [
        {"material": "coking_coal", "direction": "in", "quantity": 600.0, "unit": "t", "process": "coking"},
        {"material": "coke", "direction": "in", "quantity": 50.0, "unit": "t", "process": "blast_furnace"},
        {"material": "natural_gas", "direction": "in", "quantity": 2.0, "unit": "1e4 Nm3"},
        {"material": "limestone", "direction": "in", "quantity": 80.0, "unit": "t"},
        {"material": "pellets", "direction": "in", "quantity": 400.0, "unit": "t"},
        {"material": "scrap", "direction": "in", "quantity": 150.0, "unit": "t"},
        {"material": "blast_furnace_gas", "direction": "out", "quantity": 30.0, "unit": "1e4 Nm3"},
    ],
    "energy": [
        {
            "carrier": "electricity",
            "direction": "purchased",
            "quantity": 300.0,
            "unit": "MWh",
            "emission_factor": 0.6,
            "emission_factor_unit": "t/MWh",
        },
        {
            "carrier": "electricity",
            "direction": "sold",
            "quantity": 50.0,
            "unit": "MWh",
            "emission_factor": 0.6,
            "emission_factor_unit": "t/MWh",
        },
    ],
    "production": [{"product": "crude_steel", "quantity": 1000.0, "unit": "t"}],
    "iso14404": {"blast_furnace_slag_sold": 250.0},
}


def _activity(**changes) -> ActivityData:
    data = copy.deepcopy(BF_BOF)
    data.update(changes)
    return ActivityData.model_validate(data)


def _line(result, stream, scope):
    lines = result.lines
    picked = lines[(lines["source_stream"] == stream) & (lines["scope"] == scope)]
    assert len(picked) == 1, (stream, scope, lines[["source_stream", "scope"]])
    return picked.iloc[0]


def test_each_line_is_quantity_times_the_tabulated_factor():
    result = compute_iso14404(_activity())
    table = iso14404_factor_table().set_index(["item", "kind"])["value"]
    coking = _line(result, "coking_coal", "scope_1")["emissions_t"]
    assert coking == pytest.approx(600 * table["coking_coal", "direct"])
    assert _line(result, "coke", "scope_1")["emissions_t"] == pytest.approx(50 * table["coke", "direct"])
    assert _line(result, "coke", "upstream")["emissions_t"] == pytest.approx(50 * table["coke", "upstream"])
    assert _line(result, "pellets", "upstream")["emissions_t"] == pytest.approx(400 * 0.137)
    assert _line(result, "limestone", "scope_1")["emissions_t"] == pytest.approx(80 * 0.440)
    # scrap carries zero burden
    assert _line(result, "scrap", "upstream")["emissions_t"] == 0.0
    # natural gas: 0.0561 t CO2/GJ x default NCV 389.31 GJ per 1e4 Nm3 (materials table)
    assert _line(result, "natural_gas", "scope_1")["emissions_t"] == pytest.approx(2 * 0.0561 * 389.31)
    # slag sold to cement: credit 0.550 t CO2/t
    assert _line(result, "blast_furnace_slag", "credit")["emissions_t"] == pytest.approx(-250 * 0.550)


def test_exported_by_product_gas_nets_to_its_upstream_factor():
    # worldsteel v5.1: direct part -EF_dir*sold plus value-in-use correction -(EF_up-EF_dir)*sold
    result = compute_iso14404(_activity())
    gas = result.lines[result.lines["source_stream"] == "blast_furnace_gas"]
    per_1e3_nm3 = 0.170
    assert gas["emissions_t"].sum() == pytest.approx(-30 * 10 * per_1e3_nm3)


def test_electricity_defaults_to_the_worldsteel_world_average_in_both_directions():
    result = compute_iso14404(_activity())
    assert worldsteel_electricity_factor() == 0.504
    assert _line(result, "electricity", "scope_2")["emissions_t"] == pytest.approx(300 * 0.504)
    assert _line(result, "electricity", "credit")["emissions_t"] == pytest.approx(-50 * 0.504)


def test_plant_and_numeric_electricity_factors_are_explicit_options():
    plant = compute_iso14404(_activity(), electricity_factor="plant")
    assert _line(plant, "electricity", "scope_2")["emissions_t"] == pytest.approx(300 * 0.6)
    assert not _line(plant, "electricity", "scope_2")["needs_verification"]
    number = compute_iso14404(_activity(), electricity_factor=0.5366)
    assert _line(number, "electricity", "credit")["emissions_t"] == pytest.approx(-50 * 0.5366)


def test_intensity_is_total_over_crude_steel():
    result = compute(_activity(), "iso14404")
    assert result.intensity_t_co2e_per_t["crude_steel"] == pytest.approx(result.total_t_co2e / 1000)
    assert result.method_edition.startswith("ISO 14404-1")
    assert set(result.totals_t_co2e) >= {"scope_1", "upstream", "scope_2", "credit", "total"}
    assert any("provisional" in w for w in result.warnings)


def test_measured_carbon_content_overrides_the_default():
    data = copy.deepcopy(BF_BOF)
    data["materials"][0]["carbon_content"] = 0.75
    result = compute_iso14404(ActivityData.model_validate(data))
    line = _line(result, "coking_coal", "scope_1")
    assert line["emissions_t"] == pytest.approx(600 * 0.75 * 44.009 / 12.011)
    assert not line["needs_verification"]


def test_dri_route_selects_the_upstream_factor():
    data = copy.deepcopy(BF_BOF)
    data["materials"].append({"material": "dri", "direction": "in", "quantity": 10.0, "unit": "t"})
    activity = ActivityData.model_validate(data)
    gas = compute_iso14404(activity)
    coal = compute_iso14404(activity, dri_route="coal_based")
    assert _line(gas, "dri", "upstream")["emissions_t"] == pytest.approx(10 * 0.780)
    assert _line(coal, "dri", "upstream")["emissions_t"] == pytest.approx(10 * 1.210)


def test_material_without_factor_is_reported_not_silently_dropped():
    data = copy.deepcopy(BF_BOF)
    data["materials"].append({"material": "sinter", "direction": "in", "quantity": 10.0, "unit": "t"})
    result = compute_iso14404(ActivityData.model_validate(data))
    assert any("sinter (in)" in w for w in result.warnings)


def test_eaf_route_is_inferred_from_the_flows():
    data = copy.deepcopy(BF_BOF)
    data["materials"] = [
        {"material": "electrode", "direction": "in", "quantity": 2.0, "unit": "t", "process": "eaf"},
        {"material": "scrap", "direction": "in", "quantity": 1100.0, "unit": "t", "process": "eaf"},
    ]
    data.pop("iso14404")
    result = compute_iso14404(ActivityData.model_validate(data))
    assert result.method_edition.startswith("ISO 14404-2")
    # electrode: direct 0.82 t C/t x 44.009/12.011 (IPCC 2006 Table 4.3, derived) + upstream 0.650
    assert _line(result, "electrode", "scope_1")["emissions_t"] == pytest.approx(2 * 3.004)
    assert _line(result, "electrode", "upstream")["emissions_t"] == pytest.approx(2 * 0.650)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"electricity_factor": "grid-ish"}, InputError, "unknown electricity factor"),
        ({"electricity_factor": -0.1}, InputError, "electricity factor is negative"),
        ({"dri_route": "hydrogen"}, InputError, "unknown DRI route"),
        ({"route": "open-hearth"}, InputError, "route not given and not recognisable"),
    ],
)
def test_bad_options_name_the_field(kwargs, error, match):
    with pytest.raises(error, match=match):
        compute_iso14404(_activity(), **kwargs)


def test_plant_factor_missing_on_a_flow_is_an_error():
    data = copy.deepcopy(BF_BOF)
    del data["energy"][1]["emission_factor"]
    del data["energy"][1]["emission_factor_unit"]
    with pytest.raises(InputError, match="no supplier factor"):
        compute_iso14404(ActivityData.model_validate(data), electricity_factor="plant")


def test_no_crude_steel_is_an_error():
    with pytest.raises(InputError, match="needs crude steel production"):
        compute_iso14404(_activity(production=[{"product": "hot_metal", "quantity": 900.0}]))


def test_route_that_cannot_be_inferred_is_an_error():
    data = copy.deepcopy(BF_BOF)
    data["materials"] = [{"material": "scrap", "direction": "in", "quantity": 10.0, "unit": "t"}]
    data.pop("iso14404")
    with pytest.raises(InputError, match="route not given"):
        compute_iso14404(ActivityData.model_validate(data))


def test_negative_slag_and_unknown_credit_item_are_refused():
    with pytest.raises(InputError, match="negative"):
        _activity(iso14404={"bof_slag_sold": -1.0})
    frames = activity_frames(_activity())
    credits = pd.DataFrame({"installation_id": ["bf1"], "item": ["tar"], "quantity_t": [1.0]})
    with pytest.raises(InputError, match="no ISO 14404 credit factor"):
        iso14404_lines(frames, credits=credits)


def test_unknown_method_name_lists_the_methods():
    with pytest.raises(UnknownKeyError, match="iso14404"):
        compute(_activity(), "iso-14404")


def test_many_installations_at_once_equal_one_by_one():
    first = _activity()
    data = copy.deepcopy(BF_BOF)
    data["installation"]["id"] = "bf2"
    for flow in data["materials"]:
        flow["quantity"] *= 2.5
    second = ActivityData.model_validate(data)
    credits = pd.DataFrame(
        {"installation_id": ["bf1", "bf2"], "item": "blast_furnace_slag", "quantity_t": [250.0, 250.0]}
    )
    lines, _ = iso14404_lines(activity_frames([first, second]), credits=credits)
    together = lines.groupby("installation_id")["emissions_t_co2e"].sum()
    assert together["bf1"] == pytest.approx(compute_iso14404(first).total_t_co2e)
    assert together["bf2"] == pytest.approx(compute_iso14404(second).total_t_co2e)


@settings(max_examples=25, deadline=None)
@given(scale=st.floats(min_value=0.01, max_value=1000.0))
def test_intensity_does_not_depend_on_plant_size(scale):
    # every line is linear in the flows: scaling flows, energy and output leaves the intensity
    base = compute_iso14404(_activity()).intensity_t_co2e_per_t["crude_steel"]
    data = copy.deepcopy(BF_BOF)
    for section in ("materials", "energy", "production"):
        for item in data[section]:
            item["quantity"] *= scale
    data["iso14404"]["blast_furnace_slag_sold"] *= scale
    scaled = compute_iso14404(ActivityData.model_validate(data)).intensity_t_co2e_per_t["crude_steel"]
    assert scaled == pytest.approx(base, rel=1e-9)


@settings(max_examples=25, deadline=None)
@given(sold=st.floats(min_value=0.0, max_value=1e5))
def test_exporting_more_electricity_never_raises_emissions(sold):
    data = copy.deepcopy(BF_BOF)
    data["energy"][1]["quantity"] = sold
    more = compute_iso14404(ActivityData.model_validate(data)).total_t_co2e
    data["energy"][1]["quantity"] = 0.0
    none = compute_iso14404(ActivityData.model_validate(data)).total_t_co2e
    assert more == pytest.approx(none - 0.504 * sold, rel=1e-9, abs=1e-6)
