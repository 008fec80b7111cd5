"""CBAM: published default values, mark-ups and the PFC slope case (IR 2025/2621, IR 2025/2547)."""

from __future__ import annotations

import pytest

from greenmet.carbon.activity import ActivityData
from greenmet.carbon.cbam import compute_cbam, default_value, heat_emission_factor_default, pfc_slope
from greenmet.units import co2_equivalent


def test_china_hot_rolled_flat_default_and_2026_markup():
    # IR 2025/2621 Annex I, China, CN 7208: 3.187 t CO2e/t (research note §4.3, [T] transcription
    # Ddscully/dlt-dbt-duckdb-evidence @c68a320); +10 % in 2026 -> 3.5057. Tolerance: float rounding.
    value = default_value("7208", "CN", 2026)
    assert value["direct"] == 3.187
    assert value["total_with_markup"] == pytest.approx(3.5057, abs=1e-9)
    assert value["production_route"] == "C"


def test_china_cold_rolled_stainless_matches_the_published_cross_check():
    # SMM (research note §4.3): China CN 7219 cold-rolled stainless, base 5.59, 6.15 with the 2026
    # mark-up; 5.59 x 1.1 = 6.149 [C]. The annex gives 5.59 for 7219 31 00 to 7219 90 (cold-rolled);
    # the press figure is rounded to two decimals, hence abs 0.005 against 6.15.
    value = default_value("7219 32 10", "CN", 2026)
    assert value["direct"] == 5.59
    assert value["total_with_markup"] == pytest.approx(6.149, abs=1e-9)
    assert value["total_with_markup"] == pytest.approx(6.15, abs=0.005)


def test_china_unwrought_aluminium_and_agglomerated_ore():
    # IR 2025/2621 Annex I, China: 7601 3.0 (route K, direct only); 2601 12 0.20 direct + 0.06
    # indirect (the only iron/steel good with an indirect default). Exact table values.
    aluminium = default_value("7601", "CN")
    assert (aluminium["direct"], aluminium["indirect_reported"], aluminium["production_route"]) == (
        3.0,
        False,
        "K",
    )
    ore = default_value("2601 12 00", "CN", 2027)
    assert ore["total"] == pytest.approx(0.26)
    assert ore["total_with_markup"] == pytest.approx(0.26 * 1.2)


def test_row_level_fallback_for_an_empty_china_cell():
    # IR 2025/2621: where a listed country shows no value, the row of 'Other countries and
    # territories' is used, all columns from that row (int_cbam_default_factors.sql). China has no
    # DRI (7203) value; the fallback row gives 1.325.
    value = default_value("7203", "CN")
    assert (value["country_table"], value["direct"], value["indirect"]) == ("other", 1.325, 0.0)


def test_pfc_slope_cwpb_at_aem_0_1():
    # IR 2025/2547 Annex II B.7: CWPB SEF_CF4 0.143 (kg CF4/t Al)/(AE-min/cell-day), F_C2F6 0.121;
    # GWP AR5 CF4 6630, C2F6 11100 (Annex II G Table 6). Research note §0: 0.114 t CO2e/t Al [C];
    # exact value 0.1140150; the note rounds to 3 decimals, hence abs 5e-4.
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
