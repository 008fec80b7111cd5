"""Activity-data models: every bad input raises the right greenmet error naming field and fix."""

from __future__ import annotations

import math
from datetime import date

import pytest

from greenmet.carbon.activity import (
    FLOW_COLUMNS,
    ActivityData,
    AluminiumSmelting,
    EnergyFlow,
    MaterialFlow,
    Production,
    activity_frames,
    known_materials,
    normalise,
)
from greenmet.errors import CompositionError, InputError, SuspectUnitError, UnitError, UnknownKeyError
from greenmet.refdata import load_table

BASE = {
    "installation": {"id": "plant-1", "name": "Plant 1", "sector": "steel"},
    "period": {"start": "2024-01-01", "end": "2024-12-31"},
}


def activity(**sections):
    return ActivityData(**BASE, **sections)


def flow(**fields):
    return {"material": "coke", "direction": "in", "quantity": 10.0, "unit": "t"} | fields


def test_reporting_year_defaults_to_the_start_year():
    assert activity().reporting_year == 2024
    assert activity().period.days == 366


def test_unknown_material_lists_close_matches():
    with pytest.raises(UnknownKeyError, match=r"material.*'cokee'.*did you mean 'coke'"):
        MaterialFlow(**flow(material="cokee"))
    with pytest.raises(UnknownKeyError, match=r"materials\[1\]\.material: .*'natural gas'.*'natural_gas'"):
        activity(materials=[flow(), flow(material="natural gas")])


@pytest.mark.parametrize("quantity", [-1.0, math.nan, math.inf])
def test_negative_or_non_finite_quantity(quantity):
    with pytest.raises(InputError, match=r"materials\[0\]\.quantity: quantity is (negative|not a finite)"):
        activity(materials=[flow(quantity=quantity)])


def test_end_before_start_is_a_zero_length_period():
    with pytest.raises(InputError, match=r"period\.end: period has zero or negative length"):
        ActivityData(installation=BASE["installation"], period={"start": "2024-02-01", "end": "2024-01-31"})


def test_one_day_period_is_allowed():
    data = ActivityData(installation=BASE["installation"],
                        period={"start": "2024-02-01", "end": "2024-02-01"})
    assert data.period.days == 1


def test_carbon_content_above_one():
    with pytest.raises(CompositionError, match=r"carbon_content: carbon content outside \[0, 1\].*1\.2"):
        activity(materials=[flow(carbon_content=1.2)])


def test_carbon_content_of_a_gas_is_per_reference_unit_and_may_exceed_one():
    gas = flow(material="blast_furnace_gas", unit="1e4 Nm3", carbon_content=2.2)
    assert activity(materials=[gas]).materials[0].carbon_content == 2.2


def test_oxidation_factor_outside_unit_interval():
    with pytest.raises(CompositionError, match=r"oxidation_factor: share outside 0-100 %"):
        activity(materials=[flow(oxidation_factor=150.0)])
    with pytest.raises(CompositionError, match=r"oxidation_factor: share outside 0-100 %"):
        activity(materials=[flow(oxidation_factor="101 %")])


def test_ncv_without_unit():
    with pytest.raises(InputError, match=r"ncv_unit: ncv given without ncv_unit"):
        activity(materials=[flow(ncv=28.0)])


def test_ncv_off_by_a_thousand_is_a_suspect_unit():
    # 28 435 'GJ/t' is the coke default 28.435 GJ/t given in MJ/t (or kJ/kg) but labelled GJ/t.
    with pytest.raises(SuspectUnitError, match=r"ncv: ncv is 1e\+03 times the default.*MJ/kg"):
        activity(materials=[flow(ncv=28435.0, ncv_unit="GJ/t")])


def test_ncv_in_another_unit_converts():
    data = activity(materials=[flow(ncv=28435.0, ncv_unit="MJ/t")])
    assert normalise(data)["ncv_gj_per_unit"].iloc[0] == pytest.approx(28.435)


def test_gas_ncv_per_ten_thousand_nm3():
    gas = flow(material="natural_gas", unit="Nm3", quantity=20000.0, ncv=38.9, ncv_unit="MJ/Nm3")
    row = normalise(activity(materials=[gas])).iloc[0]
    assert row["quantity_ref"] == pytest.approx(2.0)
    assert row["unit_ref"] == "1e4 Nm3"
    assert row["ncv_gj_per_unit"] == pytest.approx(389.0)


def test_unit_that_does_not_convert_says_in_words_what_to_give():
    # Coke has no molar mass: a volume of gas cannot become tonnes. The message names the kinds
    # of quantity in words, not pint's dimension algebra.
    expected = (r"materials\[0\]\.unit: coke cannot be converted from 'Nm3' \(a volume of gas at normal "
                r"conditions.*Fix: give coke as a mass \(t, kg\) or an energy \(GJ, TJ\) through its NCV")
    with pytest.raises(UnitError, match=expected) as caught:
        activity(materials=[flow(unit="Nm3")])
    assert "[substance]" not in str(caught.value) and "dimension" not in str(caught.value)


def test_unit_that_does_not_parse():
    with pytest.raises(UnitError, match=r"unit does not parse"):
        activity(materials=[flow(unit="tonnes of stuff")])


def test_zero_production():
    with pytest.raises(InputError, match=r"production\[0\]\.quantity: production is zero"):
        activity(production=[{"product": "crude_steel", "quantity": 0, "unit": "t"}])


def test_production_listed_twice():
    row = {"product": "crude_steel", "quantity": 1.0, "unit": "t"}
    with pytest.raises(InputError, match=r"production: product listed twice"):
        activity(production=[row, row])


def test_extra_field_is_refused_with_its_path():
    with pytest.raises(InputError, match=r"materials\[0\]\.colour: Extra inputs are not permitted"):
        activity(materials=[flow(colour="black")])


def test_steam_in_tonnes_needs_gj():
    with pytest.raises(UnitError, match=r"unit:.*give the heat in GJ"):
        EnergyFlow(carrier="heat", direction="purchased", quantity=100.0, unit="t")


def test_supplier_factor_needs_its_unit():
    with pytest.raises(InputError, match=r"emission_factor_unit: emission_factor given without"):
        EnergyFlow(carrier="electricity", direction="purchased", quantity=1.0, unit="MWh",
                   emission_factor=0.9)


def test_supplier_factor_converts_to_t_per_mwh():
    data = activity(energy=[{"carrier": "electricity", "direction": "purchased", "quantity": 1000.0,
                             "unit": "kWh", "emission_factor": 900.0, "emission_factor_unit": "g/kWh"}])
    energy = activity_frames(data).energy.iloc[0]
    assert energy["quantity_ref"] == pytest.approx(1.0)
    assert energy["emission_factor_t_per_unit"] == pytest.approx(0.9)


def test_production_needs_a_mass_unit():
    with pytest.raises(UnitError, match=r"unit"):
        Production(product="crude_steel", quantity=1.0, unit="MWh")


def test_net_anode_consumption_in_kg_per_t_is_suspect():
    with pytest.raises(SuspectUnitError, match=r"net_anode_consumption.*kg/t: divide by 1000"):
        AluminiumSmelting(technology="CWPB", anode_effect_frequency=0.1, anode_effect_duration=1.0,
                          net_anode_consumption=410.0)


def test_anode_sulphur_as_bare_percent_is_refused_and_with_its_sign_accepted():
    expected = r'anode_sulphur: share 2 is above 1.*give 0.02 or write the percent sign: "2 %"'
    with pytest.raises(SuspectUnitError, match=expected):
        AluminiumSmelting(technology="CWPB", anode_effect_frequency=0.1, anode_effect_duration=1.0,
                          net_anode_consumption=0.4, anode_sulphur=2.0)
    smelting = AluminiumSmelting(technology="CWPB", anode_effect_frequency=0.1, anode_effect_duration=1.0,
                                 net_anode_consumption=0.4, anode_sulphur="2 %", anode_ash=0.004)
    assert smelting.anode_sulphur == pytest.approx(0.02)
    assert smelting.anode_ash == pytest.approx(0.004)


def test_unknown_technology_names_the_field():
    with pytest.raises(InputError, match=r"aluminium\.technology"):
        activity(aluminium={"technology": "XYZ", "anode_effect_frequency": 0.1, "anode_effect_duration": 1.0,
                            "net_anode_consumption": 0.4})


def test_normalise_gives_the_contract_columns_in_reference_units():
    data = activity(materials=[flow(quantity=2500.0, unit="kg", carbon_content=0.86),
                               flow(material="limestone", quantity=3.0, direction="in")])
    table = normalise(data)
    assert tuple(table.columns) == FLOW_COLUMNS
    assert table["quantity_ref"].tolist() == pytest.approx([2.5, 3.0])
    assert table["carbon_content"].iloc[0] == 0.86 and math.isnan(table["carbon_content"].iloc[1])
    assert (table["installation_id"] == "plant-1").all()


def test_activity_frames_of_many_installations_and_duplicate_ids():
    one = activity(materials=[flow()])
    two = ActivityData(**(BASE | {"installation": {"id": "plant-2", "name": "P2", "sector": "steel"}}),
                       materials=[flow(), flow(material="limestone")])
    frames = activity_frames([one, two])
    assert len(frames.flows) == 3 and len(frames.installations) == 2
    assert frames.installations["reporting_year"].tolist() == [2024, 2024]
    with pytest.raises(InputError, match=r"installation\.id: installation id used twice"):
        activity_frames([one, one])


def test_inputs_are_not_mutated():
    raw = {**BASE, "materials": [flow()]}
    before = repr(raw)
    ActivityData.model_validate(raw)
    assert repr(raw) == before


def test_json_schema_exports():
    schema = ActivityData.model_json_schema()
    assert "materials" in schema["properties"] and "installation" in schema["required"]


def test_json_round_trip():
    data = activity(materials=[flow()], production=[{"product": "crude_steel", "quantity": 5.0}])
    again = ActivityData.model_validate_json(data.model_dump_json())
    assert again == data
    assert again.period.start == date(2024, 1, 1)


def test_every_material_has_one_reference_unit_and_category():
    table = load_table("materials")
    per_material = table.groupby("material")[["unit_ref", "category"]].nunique()
    assert (per_material == 1).all().all(), per_material[(per_material != 1).any(axis=1)]
    assert {"coke", "natural_gas", "limestone", "crude_steel", "anode", "scrap"} <= set(known_materials())
    assert known_materials()["natural_gas"].unit_ref == "1e4 Nm3"
