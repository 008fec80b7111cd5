"""The shipped example plants are plausible plants, and each method reports its intensity per
tonne of the product the method defines (not per tonne of an intermediate such as hot metal).

The ranges below are the ones the example files cite beside each ratio (worldsteel fact sheet
"Steel and raw materials" 2022, NBS 2023 output, IAI and CNIA smelter power figures): a change
that makes an example implausible again, such as 1 t hot metal and 0.1 t scrap per t crude
steel, fails here.
"""

from __future__ import annotations

import pandas as pd
import pytest

from greenmet.carbon import compute
from greenmet.carbon.results import intensity_production
from greenmet.io.activity_files import read_example


def _flows(name: str) -> tuple[dict[str, float], dict[str, float], dict[str, float]]:
    activity = read_example(name)
    materials = {m.material: m.quantity for m in activity.materials if m.unit == "t"}
    energy = {e.carrier: e.quantity for e in activity.energy if e.unit == "MWh"}
    production = {p.product: p.quantity for p in activity.production}
    return materials, energy, production


def test_bf_bof_example_charges_less_hot_metal_than_it_makes_crude_steel():
    materials, _energy, production = _flows("bf-bof")
    steel = production["crude_steel"]
    hot_metal = production["hot_metal"] / steel
    # NBS 2023: 871.01 Mt pig iron for 1,019.08 Mt crude steel = 0.855 nationwide; BF-BOF plants
    # run 0.80-0.95 t hot metal per t crude steel with 10-20 % scrap in the converter charge.
    assert 0.80 <= hot_metal <= 0.95
    metallic_charge = hot_metal + materials["scrap"] / steel
    assert 1.04 <= metallic_charge <= 1.12  # converter metallic yield 0.89-0.96
    # worldsteel: about 450 kg coke per t pig iron; coke from coking coal at a yield of 0.70-0.80.
    coke_per_hot_metal = materials["coking_coal"] / production["hot_metal"]
    assert 0.40 / 0.80 <= coke_per_hot_metal <= 0.50 / 0.70
    assert 0.10 <= materials["anthracite"] / production["hot_metal"] <= 0.20  # PCI 100-200 kg/tHM
    # worldsteel: 1.6 t iron ore per t pig iron (sinter feed and pellets together).
    ore = (materials["iron_ore"] + materials["pellets"]) / production["hot_metal"]
    assert ore == pytest.approx(1.6, abs=0.1)


def test_scrap_eaf_example_uses_a_plausible_charge_and_electricity():
    materials, energy, production = _flows("scrap-eaf")
    steel = production["crude_steel"]
    assert 1.05 <= materials["scrap"] / steel <= 1.15  # all-scrap charge, metallic yield 0.87-0.95
    assert 0.35 <= energy["electricity"] / steel <= 0.75  # MWh/t; world EAF route 0.639 (worldsteel)


def test_aluminium_example_uses_13_to_14_mwh_per_t_and_the_alumina_stoichiometry_needs():
    materials, energy, production = _flows("aluminium")
    aluminium = production["primary_aluminium"]
    assert 13.0 <= energy["electricity"] / aluminium <= 14.0  # MWh/t AC (IAI, CNIA)
    assert 1.889 <= materials["alumina"] / aluminium <= 1.96  # 101.96 / (2 x 26.98) = 1.889 t/t


@pytest.mark.parametrize(
    ("example", "method", "product"),
    [
        ("bf-bof", "cn-steel", "crude_steel"),
        ("bf-bof", "iso14404", "crude_steel"),
        ("scrap-eaf", "cn-steel", "crude_steel"),
        ("aluminium", "cn-aluminium", "primary_aluminium"),
    ],
)
def test_intensity_is_per_the_product_the_method_defines(example, method, product):
    result = compute(read_example(example), method)
    assert set(result.intensity_t_co2e_per_t) == {product}
    assert result.intensity_t_co2e_per_t[product] == pytest.approx(
        result.total_t_co2e / result.production_t[product]
    )


def test_the_bf_bof_plant_still_reports_its_hot_metal_output():
    result = compute(read_example("bf-bof"), "cn-steel")
    assert result.production_t["hot_metal"] == pytest.approx(4.4e6)
    assert "hot_metal" not in result.intensity_t_co2e_per_t


def test_intensity_production_keeps_the_first_listed_product_of_each_installation():
    production = pd.DataFrame(
        {
            "installation_id": ["a", "a", "b", "b", "c"],
            "product": ["aluminium_ingot", "primary_aluminium", "aluminium_ingot", "anode", "anode"],
            "quantity_t": [90.0, 100.0, 80.0, 40.0, 10.0],
        }
    )
    kept = intensity_production("cn-aluminium", production)
    assert kept[["installation_id", "product"]].values.tolist() == [
        ["a", "primary_aluminium"],
        ["b", "aluminium_ingot"],
    ]
    assert intensity_production("cbam", production) is production  # CBAM: per good, all of them


def test_batch_has_no_intensity_per_hot_metal():
    from greenmet.carbon.batch import compute_batch

    table = compute_batch([read_example(name) for name in ("bf-bof", "scrap-eaf", "aluminium")])
    intensities = [column for column in table.columns if column.startswith("intensity_")]
    assert intensities == [
        "intensity_crude_steel_t_co2e_per_t",
        "intensity_primary_aluminium_t_co2e_per_t",
    ]


def test_integrated_plant_making_its_own_coke_gets_no_fuel_rate_warning():
    # The BF-BOF example enters the coking coal (process "coking") and the injected coal
    # (process "blast_furnace"), as GB/T 32151.5 asks; the coke the furnace burns is made inside
    # and is no flow of the file, so a fuel rate from the injected coal alone (0.15 t/tHM)
    # would be a false alarm.
    from greenmet.carbon.plausibility import specific_use_warnings

    assert specific_use_warnings(read_example("bf-bof")) == []
