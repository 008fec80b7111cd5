"""Units a plant meters in: natural gas in GJ through its NCV, oxygen in Nm3; shares with their sign."""

from __future__ import annotations

import pytest

from greenmet.carbon import compute
from greenmet.carbon.activity import ActivityData, known_materials, normalise
from greenmet.carbon.shares import parse_share
from greenmet.errors import CompositionError, InputError, SuspectUnitError, UnitError
from greenmet.refdata import load_table

PERIOD = {"start": "2024-01-01", "end": "2024-12-31"}
NCV_NATURAL_GAS = 389.31  # GJ per 10^4 Nm3, materials table (NDRC 2013 steel guideline Table 2.1)


def steel(*materials, **sections) -> ActivityData:
    return ActivityData(installation={"id": "plant", "name": "Plant", "sector": "steel"}, period=PERIOD,
                        materials=list(materials),
                        production=[{"product": "crude_steel", "quantity": 1000.0}], **sections)


def gas(quantity: float, unit: str, **extra) -> dict:
    return {"material": "natural_gas", "direction": "in", "quantity": quantity, "unit": unit,
            "process": "reheating", "role": "fuel", **extra}


def test_natural_gas_in_gj_converts_through_its_ncv_and_names_it_on_the_line():
    in_gj = steel(gas(389.31e3, "GJ"))
    in_volume = steel(gas(1000.0, "1e4 Nm3"))
    row = normalise(in_gj).iloc[0]
    assert row["quantity_ref"] == pytest.approx(1000.0)
    assert row["ncv_gj_per_unit"] == pytest.approx(NCV_NATURAL_GAS)
    by_energy = compute(in_gj, "cn-steel")
    by_volume = compute(in_volume, "cn-steel")
    assert by_energy.totals_t_co2e["total"] == pytest.approx(by_volume.totals_t_co2e["total"], rel=1e-12)
    line = by_energy.lines[by_energy.lines["source_stream"].astype(str).str.contains("natural_gas")].iloc[0]
    assert "quantity given as 389310 GJ, converted with NCV 389.31 GJ/1e4 Nm3 (default, NDRC 2013" in \
        line["factor_source"]
    assert known_materials()["natural_gas"].ncv_source.startswith("NDRC 2013")
    # ISO 14404 prices natural gas per GJ (56.1 t CO2/TJ): the GJ given come back exactly
    iso = compute(in_gj, "iso14404", route="eaf").lines
    gas_line = iso[iso["source_stream"] == "natural_gas"].iloc[0]
    assert gas_line["emissions_t_co2e"] == pytest.approx(389.31e3 * 0.0561)
    assert "quantity given as 389310 GJ, converted with NCV 389.31" in gas_line["factor_source"]


def test_measured_ncv_is_the_one_that_converts_the_energy():
    activity = steel(gas(40e3, "GJ", ncv=36.0, ncv_unit="MJ/Nm3"))
    row = normalise(activity).iloc[0]
    assert row["quantity_ref"] == pytest.approx(40e3 / 360.0)
    assert "NCV 360 GJ/1e4 Nm3 (measured)" in row["ncv_source"]


def test_oxygen_in_nm3_and_thousand_nm3_converts_through_its_molar_mass():
    molar_mass = float(load_table("gas_molar_masses").set_index("material").loc["oxygen", "value"])
    tonnes_per_thousand_nm3 = 1000 / 22.41396954 * molar_mass / 1000  # kmol x kg/kmol -> t
    for quantity, unit in ((1.0e6, "Nm3"), (1.0e3, "1000 Nm3")):
        activity = steel({"material": "oxygen", "direction": "in", "quantity": quantity, "unit": unit})
        assert normalise(activity).iloc[0]["quantity_ref"] == pytest.approx(1000 * tonnes_per_thousand_nm3)
    # 1000 Nm3 of O2 = 1.4276 t (the conversion the worldsteel upstream factor of oxygen uses)
    assert tonnes_per_thousand_nm3 == pytest.approx(1.4276, rel=1e-4)
    in_tonnes = steel({"material": "oxygen", "direction": "in", "quantity": 1427.6, "unit": "t"})
    in_volume = steel({"material": "oxygen", "direction": "in", "quantity": 1.0e6, "unit": "Nm3"})
    iso = compute(in_volume, "iso14404", route="eaf").totals_t_co2e["total"]
    assert iso > 0
    assert iso == pytest.approx(compute(in_tonnes, "iso14404", route="eaf").totals_t_co2e["total"], rel=1e-4)


@pytest.mark.parametrize(
    ("material", "unit", "words"),
    [
        ("natural_gas", "t", r"give natural gas as a volume of gas at normal conditions "
                             r"\(Nm3, 10\^4 Nm3\) or an energy \(GJ, TJ\) through its NCV"),
        ("oxygen", "GJ", r"give oxygen as a mass \(t, kg\) or a volume of gas at normal conditions"),
        ("limestone", "MWh", r"give limestone as a mass \(t, kg\)$"),
    ],
)
def test_impossible_conversion_says_in_words_what_to_give(material, unit, words):
    with pytest.raises(UnitError, match=rf"materials\[0\]\.unit: {material} cannot be converted") as caught:
        steel({"material": material, "direction": "in", "quantity": 1.0, "unit": unit})
    assert caught.value.fix is not None
    assert __import__("re").search(words, caught.value.fix)
    assert "[mass]" not in str(caught.value) and "[length]" not in str(caught.value)


def test_electricity_in_tonnes_says_what_to_give():
    expected = (r"energy\[0\]\.unit: electricity cannot be given in 't' \(a mass.*"
                r"Fix: give electricity as an energy \(MWh, kWh, GJ\)")
    with pytest.raises(UnitError, match=expected):
        steel(energy=[{"carrier": "electricity", "direction": "purchased", "quantity": 1.0, "unit": "t"}])


@pytest.mark.parametrize(("given", "share"), [(0.94, 0.94), ("0.94", 0.94), ("94 %", 0.94), ("94%", 0.94),
                                              ("94 percent", 0.94), (1, 1.0), (0, 0.0), ("100 %", 1.0)])
def test_share_accepts_a_fraction_or_a_percentage_with_its_sign(given, share):
    assert parse_share(given, "current_efficiency") == pytest.approx(share)


def test_share_refuses_the_ambiguous_bare_percent():
    expected = r'current_efficiency: share 94 is above 1.*give 0.94 or write the percent sign: "94 %"'
    with pytest.raises(SuspectUnitError, match=expected):
        parse_share(94, "current_efficiency")
    with pytest.raises(CompositionError, match="share outside 0-100 %"):
        parse_share("120 %", "current_efficiency")
    with pytest.raises(CompositionError, match="share outside 0-100 %"):
        parse_share(-0.1, "current_efficiency")
    with pytest.raises(InputError, match="neither a number nor a percentage"):
        parse_share("ninety", "current_efficiency")
