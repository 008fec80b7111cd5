"""Hand calculations on published default factors: the arithmetic and units of each method.

Each expected value is worked out by hand (in the comment) from factors as the shipped tables
carry them, so these tests catch wiring, unit and sign errors; they cannot catch a wrong factor
or a wrong equation, because they repeat the method's own equation. Validation against published
worked examples is in tests/validation/; that the tables hold what their sources say is in
tests/refdata/test_transcription.py.
"""

from __future__ import annotations

import pytest

from greenmet.carbon import ActivityData, compute
from greenmet.carbon.cbam import compute_cbam, heat_emission_factor_default, pfc_slope
from greenmet.carbon.cn_aluminium import anode_co2, pfc_slope_emissions
from greenmet.carbon.iso14404 import compute_iso14404, iso14404_factor_table
from greenmet.carbon.lci import end_of_life_credit, published_steel_value_of_scrap
from greenmet.refdata import factor, gwp, load_table
from greenmet.units import co2_equivalent


def one_flow(material, quantity, unit):
    return ActivityData(installation={"id": "v", "name": "v", "sector": "steel"},
                        period={"start": "2022-01-01", "end": "2022-12-31"},
                        materials=[{"material": material, "direction": "in", "quantity": quantity,
                                    "unit": unit}])


def test_natural_gas_hand_case():
    # GB/T 32151.5-2015 Table B.1 (= NDRC 2013 steel guideline Appendix 2): natural gas NCV
    # 389.31 GJ/10^4 Nm3, 15.3 t C/TJ, OF 99 %: 389.31 × 0.0153 × 0.99 × 44/12 = 21.62 t CO2 per
    # 10^4 Nm3, worked by hand to 4 significant figures, hence abs 0.005.
    result = compute(one_flow("natural_gas", 1.0, "1e4 Nm3"), "cn-steel")
    assert result.total_t_co2e == pytest.approx(21.62, abs=0.005)
    # The same gas given as 10 000 Nm3 gives the same line.
    again = compute(one_flow("natural_gas", 10000.0, "Nm3"), "cn-steel")
    assert again.total_t_co2e == pytest.approx(result.total_t_co2e, rel=1e-12)


@pytest.mark.parametrize(
    ("material", "expected_t_co2_per_t"),
    [
        # NDRC 2013 guideline fuel table (two public transcriptions agree; see materials.csv):
        # anthracite 20.304 GJ/t × 27.49 t C/TJ × 0.94 × 44/12 = 1.9238 t CO2/t;
        # coke 28.447 GJ/t × 29.5 t C/TJ × 0.93 × 44/12 = 2.8615 t CO2/t.
        ("anthracite", 20.304 * 27.49e-3 * 0.94 * 44 / 12),
        ("coke", 28.447 * 29.5e-3 * 0.93 * 44 / 12),
    ],
)
def test_ndrc_2013_edition_uses_the_guidelines_own_fuel_table(material, expected_t_co2_per_t):
    # The two editions disagree on these solid fuels (the gbt-32151.5-2015 rows are unconfirmed);
    # both are kept and the edition is chosen explicitly. Tolerance: float arithmetic only.
    result = compute(one_flow(material, 1000.0, "t"), "cn-steel", edition="ndrc-2013")
    assert result.total_t_co2e == pytest.approx(1000.0 * expected_t_co2_per_t, rel=1e-9)
    default = compute(one_flow(material, 1000.0, "t"), "cn-steel")
    assert default.total_t_co2e != pytest.approx(result.total_t_co2e, rel=1e-6)


def test_process_factors_of_the_steel_guideline():
    # NDRC 2013 steel guideline Appendix 2 Table 2.2 as the materials table carries it: limestone 0.440,
    # dolomite 0.471, electrode 3.663 t CO2/t; crude steel fixed carbon 0.0154 t CO2/t.
    cases = [("limestone", 0.440), ("dolomite", 0.471), ("electrode", 3.663), ("pig_iron", 0.172),
             ("dri", 0.073)]
    for material, value in cases:
        assert compute(one_flow(material, 1.0, "t"), "cn-steel").total_t_co2e == pytest.approx(value)
    row = factor("materials", material="crude_steel", edition="any", parameter="co2_factor")
    assert row.value == 0.0154 and row.needs_verification


def test_pfc_slope_cwpb_case_by_hand_through_cn_aluminium():
    # By hand: IR 2025/2547 Annex II B.7 CWPB slope 0.143 and C2F6/CF4 0.121 at
    # AEM = 0.1 min/cell-day with AR5 GWPs 6630 / 11100 (Annex II G Table 6) give 0.114 t CO2e/t Al.
    slope = load_table("pfc_slope_factors").set_index(["edition", "technology"]).loc[("ir-2025-2547", "CWPB")]
    cf4, c2f6 = pfc_slope_emissions(1.0, 0.1, slope["slope_cf4"], slope["c2f6_ratio"])
    assert cf4 * gwp("CF4", "AR5GWP100") + c2f6 * gwp("C2F6", "AR5GWP100") == pytest.approx(0.114, abs=5e-4)
    smelter = ActivityData(
        installation={"id": "al", "name": "al", "sector": "aluminium"},
        period={"start": "2022-01-01", "end": "2022-12-31"},
        aluminium={"technology": "CWPB", "anode_effect_frequency": 0.1, "anode_effect_duration": 1.0,
                   "net_anode_consumption": 0.42},
        production=[{"product": "primary_aluminium", "quantity": 1.0}])
    result = compute(smelter, "cn-aluminium", edition="ir-2025-2547", gwp_metric="AR5GWP100")
    pfc = result.lines[result.lines["category"] == "pfc"]["emissions_t_co2e"].sum()
    assert pfc == pytest.approx(0.114, abs=5e-4)


def test_anode_co2_from_epa_defaults_is_about_one_and_a_half():
    # By hand: prebake anode CO2 ≈ 1.5 t CO2/t Al from the 40 CFR 98 Table F-2
    # defaults (S 2.0 %, ash 0.4 %) at a net anode consumption of 0.42 t/t; IPCC 2006 Tier 1 for
    # prebake is 1.6 (Table 4.10), which also counts pitch volatiles and packing coke, so the
    # Tier 2 figure must be a little below it.
    value = anode_co2(1.0, 0.42, 0.020, 0.004)
    assert value == pytest.approx(1.503, abs=0.001)
    tier1 = factor("anode_defaults", edition="ipcc-2006", parameter="tier1_co2_prebake").value
    assert 0.85 * tier1 < value < tier1


def test_pfc_slope_cwpb_at_aem_0_1():
    # IR 2025/2547 Annex II B.7: CWPB SEF_CF4 0.143 (kg CF4/t Al)/(AE-min/cell-day), F_C2F6 0.121;
    # GWP AR5 CF4 6630, C2F6 11100 (Annex II G Table 6). By hand 0.1140150 t CO2e/t Al, compared
    # at 3 decimals (abs 5e-4) and exactly below.
    cf4, c2f6 = pfc_slope(0.1, 1.0, "CWPB")
    co2e = co2_equivalent(cf4, "CF4", gwp_metric="AR5GWP100") + co2_equivalent(
        c2f6, "C2F6", gwp_metric="AR5GWP100"
    )
    assert co2e == pytest.approx(0.114, abs=5e-4)
    # by hand: CF4 0.1 x 0.143 = 0.0143 kg/t; C2F6 0.0143 x 0.121 kg/t; in t per t: / 1000
    assert co2e == pytest.approx((0.0143 * 6630 + 0.0143 * 0.121 * 11100) / 1000, rel=1e-12)


def test_pfc_slope_through_the_method():
    # The same case through compute_cbam: a smelter making 1000 t with AEM 0.1 has an SEE of
    # 0.114 t CO2e/t from PFC alone (no other emissions given).
    data = {
        "installation": {"id": "al", "name": "CWPB smelter", "sector": "aluminium"},
        "period": {"start": "2026-01-01", "end": "2026-12-31"},
        "cbam": {
            "processes": [
                {
                    "name": "potline",
                    "category": "unwrought_aluminium",
                    "pfc": {"technology": "CWPB", "anode_effect_minutes": 0.1},
                    "goods": [{"cn_code": "7601", "quantity": 1000.0}],
                }
            ]
        },
    }
    result = compute_cbam(ActivityData.model_validate(data))
    assert result.intensity_t_co2e_per_t["7601"] == pytest.approx(0.114, abs=5e-4)


def test_imported_heat_default_factor():
    # IR 2025/2547 Annex III A.2.2: natural gas 56.1 t CO2/TJ over 90 % efficiency = 62.33 [C].
    assert heat_emission_factor_default() == pytest.approx(62.333, abs=1e-3)


def _table():
    return iso14404_factor_table().set_index(["item", "kind"])


def test_electricity_world_average_is_9_8_gj_times_0_0514():
    # v5.1: 9.8 GJ/MWh x 0.0514 t CO2/GJ = 0.50372, published rounded as 0.504 (abs 5e-4).
    shipped = _table().loc[("electricity", "upstream"), "value"]
    assert shipped == pytest.approx(9.8 * 0.0514, abs=5e-4)


def test_steam_and_oxygen_conversions():
    # steam 0.195 t CO2/t at 3.8 GJ/t -> 0.051316 t CO2/GJ; oxygen 0.355 t CO2 per 1000 Nm3 and
    # 1000 Nm3 O2 = 1000/0.02241396954 mol x 31.998 g/mol = 1.42759 t -> 0.24867 t CO2/t.
    # Tolerance: the table stores 6 and 4 significant digits.
    table = _table()
    assert table.loc[("heat", "upstream"), "value"] == pytest.approx(0.195 / 3.8, rel=1e-5)
    o2_t = 1000 / 0.02241396954 * 31.998 / 1e6
    assert table.loc[("oxygen", "upstream"), "value"] == pytest.approx(0.355 / o2_t, abs=5e-5)


def test_exported_gas_earns_its_upstream_factor_as_net_credit():
    # ISO 14404 / worldsteel convention: an exported by-product gas earns a credit of its upstream
    # factor times the quantity sold (0.432 t CO2 per 1000 Nm3 converter gas, table value).
    data = {
        "installation": {"id": "g", "name": "gas exporter", "sector": "steel"},
        "period": {"start": "2024-01-01", "end": "2024-12-31"},
        "materials": [
            {"material": "coke", "direction": "in", "quantity": 1.0, "unit": "t", "process": "blast_furnace"},
            {"material": "converter_gas", "direction": "out", "quantity": 100.0, "unit": "Nm3"},
        ],
        "production": [{"product": "crude_steel", "quantity": 1.0}],
    }
    result = compute_iso14404(ActivityData.model_validate(data))
    gas = result.lines[result.lines["source_stream"] == "converter_gas"]
    assert gas["emissions_t"].sum() == pytest.approx(-0.1 * 0.432, rel=1e-12)


def test_recycled_content_label_would_overstate_the_credit():
    # Property of the formula: using a dataset's 2 % pre-consumer "recycled content" as S
    # gives a larger credit than the implied net scrap input does.
    vos = published_steel_value_of_scrap()
    assert end_of_life_credit(0.85, 0.02, vos) < end_of_life_credit(0.85, 0.0367, vos)
