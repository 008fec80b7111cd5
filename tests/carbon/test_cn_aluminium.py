"""cn-aluminium: anode, PFC (slope and default factors), editions, GWP metric, balance check."""

from __future__ import annotations

import pytest

from greenmet.carbon import compute
from greenmet.carbon.activity import ActivityData, activity_frames
from greenmet.carbon.cn_aluminium import (
    anode_co2,
    cn_aluminium_lines,
    compute_cn_aluminium,
    pfc_slope_emissions,
)
from greenmet.errors import InputError, UnknownKeyError

CO2_PER_C = 44 / 12


def smelter(technology="CWPB", frequency=0.05, duration=2.0, nac=0.41, materials=(), energy=(),
            production=({"product": "primary_aluminium", "quantity": 1000.0},), ident="al", **anode):
    return ActivityData(
        installation={"id": ident, "name": ident, "sector": "aluminium"},
        period={"start": "2022-01-01", "end": "2022-12-31"},
        aluminium={"technology": technology, "anode_effect_frequency": frequency,
                   "anode_effect_duration": duration, "net_anode_consumption": nac, **anode},
        materials=list(materials), energy=list(energy), production=list(production))


def lines_by(result, column="source_stream"):
    return result.lines.groupby([column, "gas"])[["emissions_t", "emissions_t_co2e"]].sum()


def test_anode_co2_formula():
    # E = P·NC·(1 − S − A)·44/12 with the 40 CFR 98 Table F-2 defaults S = 2.0 %, ash = 0.4 %.
    assert anode_co2(1000.0, 0.41, 0.02, 0.004) == pytest.approx(1000 * 0.41 * 0.976 * CO2_PER_C)
    result = compute_cn_aluminium(smelter())
    expected = 1000 * 0.41 * 0.976 * CO2_PER_C
    assert lines_by(result).loc[("anode", "CO2"), "emissions_t"] == pytest.approx(expected)


def test_measured_anode_sulphur_and_ash_are_used():
    result = compute_cn_aluminium(smelter(anode_sulphur=0.03, anode_ash=0.01))
    anode = result.lines.set_index("source_stream").loc["anode"]
    assert anode["emissions_t"] == pytest.approx(1000 * 0.41 * 0.96 * CO2_PER_C)
    assert not anode["needs_verification"]


def test_pfc_slope_method_and_gwp():
    # IR 2025/2547 Annex II B.7: CWPB slope 0.143, C2F6/CF4 0.121; AEM = 0.05 × 2 = 0.1 min/cell-day.
    result = compute_cn_aluminium(smelter(), gwp_metric="AR5GWP100")
    pfc = lines_by(result)
    cf4 = 0.1 * 0.143 * 1000 / 1000
    assert pfc.loc[("anode_effect", "CF4"), "emissions_t"] == pytest.approx(cf4)
    assert pfc.loc[("anode_effect", "C2F6"), "emissions_t"] == pytest.approx(cf4 * 0.121)
    assert pfc.loc[("anode_effect", "CF4"), "emissions_t_co2e"] == pytest.approx(cf4 * 6630)
    assert result.gwp_metric == "AR5GWP100"
    other = compute_cn_aluminium(smelter(), gwp_metric="AR6GWP100")
    assert lines_by(other).loc[("anode_effect", "CF4"), "emissions_t_co2e"] == pytest.approx(cf4 * 7380)


def test_pfc_slope_function_accepts_arrays():
    cf4, c2f6 = pfc_slope_emissions(1.0, 0.1, 0.143, 0.121)
    assert (cf4, c2f6) == pytest.approx((1.43e-5, 1.43e-5 * 0.121))


def test_editions_choose_factors_and_default_gwp():
    ndrc = compute_cn_aluminium(smelter(technology="SWPB"), edition="ndrc-2013")
    assert ndrc.gwp_metric == "SARGWP100" and ndrc.method_edition == "ndrc-2013"
    # IPCC 2006 Table 4.16 slope for SWPB (0.272) against IR 2025/2547 (0.233).
    eu = compute_cn_aluminium(smelter(technology="SWPB"), edition="ir-2025-2547")
    assert lines_by(ndrc).loc[("anode_effect", "CF4"), "emissions_t"] == pytest.approx(0.1 * 0.272)
    assert lines_by(eu).loc[("anode_effect", "CF4"), "emissions_t"] == pytest.approx(0.1 * 0.233)
    cets = compute_cn_aluminium(smelter())
    assert any("not confirmed" in w for w in cets.warnings)


def test_default_factor_pfc_method():
    # NDRC 2013 guideline defaults 0.034 / 0.0034 kg per t Al, SAR GWPs 6500 / 9200.
    result = compute_cn_aluminium(smelter(), edition="ndrc-2013", pfc_method="default_factor")
    pfc = lines_by(result)
    assert pfc.loc[("anode_effect", "CF4"), "emissions_t_co2e"] == pytest.approx(0.034 * 6500)
    assert pfc.loc[("anode_effect", "C2F6"), "emissions_t_co2e"] == pytest.approx(0.0034 * 9200)
    tier1 = compute_cn_aluminium(smelter(), edition="ir-2025-2547", pfc_method="default_factor")
    assert lines_by(tier1).loc[("anode_effect", "CF4"), "emissions_t"] == pytest.approx(0.4)
    assert tier1.uncertainty is not None and "+380" in tier1.uncertainty["pfc"]


def test_technology_missing_from_an_edition():
    with pytest.raises(UnknownKeyError, match=r"aluminium\.technology.*PFPB-M.*use one of CWPB"):
        compute_cn_aluminium(smelter(technology="PFPB-M"), edition="ndrc-2013")


def test_bad_options():
    with pytest.raises(UnknownKeyError, match=r"edition"):
        compute_cn_aluminium(smelter(), edition="cets-2099")
    with pytest.raises(UnknownKeyError, match=r"pfc_method"):
        compute_cn_aluminium(smelter(), pfc_method="overvoltage")
    with pytest.raises(UnknownKeyError, match=r"gwp_metric|metric"):
        compute_cn_aluminium(smelter(), gwp_metric="AR9")


def test_electrolysis_without_aluminium_production():
    with pytest.raises(InputError, match=r"production: electrolysis data given but no primary aluminium"):
        compute_cn_aluminium(smelter(production=[{"product": "alumina_sold", "quantity": 1.0}]))


def test_electricity_is_scope_2_and_direct_is_scope_1():
    energy = [{"carrier": "electricity", "direction": "purchased", "quantity": 13500.0, "unit": "MWh"}]
    materials = [{"material": "soda_ash", "direction": "in", "quantity": 10.0, "unit": "t"}]
    result = compute_cn_aluminium(smelter(energy=energy, materials=materials))
    assert result.totals_t_co2e["scope_2"] == pytest.approx(13500 * 0.5366)
    direct = result.lines[result.lines["scope"] == "scope_1"]
    assert set(direct["category"]) == {"anode", "pfc", "carbonate"}
    assert result.options["ets_controlled"].startswith("scope_1")


def test_anode_flow_is_a_balance_check_not_a_second_emission():
    # Listing the anode consumed (carbon 97.6 %) must not double the anode CO2; a quantity that
    # disagrees with P·NC shows up as a carbon-balance residual and a warning (> 2 %).
    matching = [{"material": "anode", "direction": "in", "quantity": 410.0, "unit": "t"}]
    result = compute_cn_aluminium(smelter(materials=matching))
    assert (result.lines["source_stream"] == "anode").sum() == 1
    assert abs(result.carbon_balance.residual_fraction) < 0.01
    assert not any("carbon balance residual" in w for w in result.warnings)
    wrong = [{"material": "anode", "direction": "in", "quantity": 500.0, "unit": "t"}]
    off = compute_cn_aluminium(smelter(materials=wrong))
    assert off.carbon_balance.residual_fraction == pytest.approx((500 - 410) / 500, rel=0.01)
    assert any("carbon balance residual +18" in w for w in off.warnings)


def test_frame_function_for_many_smelters():
    plants = [smelter(nac=0.40 + 0.01 * i, ident=f"s{i}") for i in range(4)]
    lines, balance, _ = cn_aluminium_lines(activity_frames(plants))
    totals = lines.groupby("installation_id")["emissions_t_co2e"].sum()
    for plant in plants:
        assert totals[plant.installation.id] == pytest.approx(compute(plant, "cn-aluminium").total_t_co2e)
    assert len(balance) == 4
