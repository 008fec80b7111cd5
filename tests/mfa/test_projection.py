"""The outlook projection: balances, the scrap constraint, peak and residual, presets' targets."""

from __future__ import annotations

import numpy as np
import pytest

from greenmet.mfa.projection import project, project_samples, route_intensities
from greenmet.mfa.scenario import ROUTES, OutlookScenario
from greenmet.outlook import load_outlook_scenario, merged_mapping
from greenmet.refdata import load_table


@pytest.fixture(scope="module")
def baseline():
    return project(load_outlook_scenario("china_baseline"))


def test_years_and_history(baseline):
    frame = baseline.frame
    assert frame.index[0] == 1950 and frame.index[-1] == 2060
    # history reproduces the production it was given (table outlook_statistics, worldsteel)
    assert frame.loc[2020, "crude_steel_production_mt"] == pytest.approx(1064.8)
    assert frame.loc[2020, "steel_demand_mt"] == pytest.approx(1064.8 * 0.934)


def test_stock_balance_closes_every_year(baseline):
    frame = baseline.frame
    for metal in ("steel", "aluminium"):
        change = frame[f"{metal}_stock_mt"].diff().fillna(frame[f"{metal}_stock_mt"].iloc[0])
        balance = frame[f"{metal}_demand_mt"] - frame[f"{metal}_end_of_life_mt"] - change
        assert np.abs(balance).max() < 1e-9 * frame[f"{metal}_stock_mt"].max()


def test_routes_add_up_and_emissions_follow_from_them(baseline):
    frame = baseline.frame
    by_route = sum(frame[f"steel_production_{route}_mt"] for route in ROUTES)
    np.testing.assert_allclose(by_route, frame["crude_steel_production_mt"], rtol=1e-12)
    intensities = route_intensities()
    scope_1 = sum(
        frame[f"steel_production_{route}_mt"] * intensities.scope1_t_per_t[i]
        for i, route in enumerate(ROUTES)
        if route != "bf_bof_ccus"
    )
    np.testing.assert_allclose(scope_1, frame["steel_scope_1_mt_co2"], rtol=1e-12)
    assert ((frame["iron_ore_import_dependence"] >= 0) & (frame["iron_ore_import_dependence"] <= 1)).all()
    np.testing.assert_allclose(frame["total_co2_mt"], frame["steel_co2_mt"] + frame["aluminium_co2_mt"])


def test_peak_and_residual_in_the_summary(baseline):
    summary = baseline.summary()
    year = int(baseline.frame["total_co2_mt"].idxmax())
    assert summary["co2_peak_year"] == year
    assert summary["co2_peak_mt"] == pytest.approx(baseline.frame["total_co2_mt"].max(), abs=1e-3)
    assert summary["co2_residual_mt"] == pytest.approx(baseline.frame.loc[2060, "total_co2_mt"], abs=1e-3)
    assert summary["provisional"] is True and baseline.provisional_inputs  # [R] rows are used


def _with(mapping_changes: dict) -> OutlookScenario:
    mapping, name = merged_mapping("china_baseline")
    for path, value in mapping_changes.items():
        target = mapping
        *parents, last = path.split(".")
        for key in parents:
            target = target.setdefault(key, {})
        target[last] = value
    return OutlookScenario.from_mapping(mapping, source=name)


def test_a_route_mix_asking_for_more_scrap_than_exists_is_reported_and_never_exceeds_it():
    greedy = _with(
        {
            "steel.route_shares": {
                "bf_bof": {"2020": 0.9, "2030": 0.1},
                "scrap_eaf": {"2020": 0.1, "2030": 0.9},
            }
        }
    )
    result = project(greedy)
    frame = result.frame
    future = frame.index > 2024
    assert frame.loc[future, "steel_scrap_shortfall_mt"].max() > 100  # asked for far more than exists
    # the route mix in use never takes more scrap than is available
    assert (
        frame.loc[future, "steel_scrap_used_mt"] <= frame.loc[future, "steel_scrap_available_mt"] + 1e-6
    ).all()
    short = future & (frame["steel_scrap_shortfall_mt"] > 0)
    assert (
        frame.loc[short, "steel_route_share_scrap_eaf"] < frame.loc[short, "steel_eaf_share_requested"]
    ).all()
    np.testing.assert_allclose(
        frame.loc[short, "steel_scrap_used_mt"], frame.loc[short, "steel_scrap_available_mt"]
    )
    assert any("more scrap than exists" in warning for warning in result.warnings)


def test_policy_preset_meets_the_papers_targets():
    targets = load_table("outlook_targets")
    eaf = targets[(targets.target == "eaf_share") & (targets.year == "2025")].iloc[0]
    result = project(load_outlook_scenario("china_policy"))
    frame = result.frame
    assert eaf["low"] <= frame.loc[2025, "steel_route_share_scrap_eaf"] <= eaf["high"]
    cap = float(targets[targets.target == "aluminium_capacity_cap"]["value"].iloc[0])
    assert (frame.loc[2025:, "aluminium_primary_mt"] <= cap + 1e-9).all()
    assert result.summary()["co2_peak_year"] < 2030  # the national goal: peak before 2030
    assert frame.loc[2030:2050, "total_co2_mt"].is_monotonic_decreasing


def test_presets_rank_by_ambition_in_2060():
    residual = {
        name: project(load_outlook_scenario(name)).frame.loc[2060, "total_co2_mt"]
        for name in ("china_baseline", "china_policy", "high_circularity", "deep_decarbonisation")
    }
    assert (
        residual["china_baseline"]
        > residual["china_policy"]
        > residual["high_circularity"]
        > residual["deep_decarbonisation"]
    )


def test_samples_match_single_runs_at_the_same_inputs():
    scenario = load_outlook_scenario("china_baseline")
    inputs = {
        "steel.saturation_scale": np.array([0.8, 1.0, 1.2]),
        "steel.lifetime_scale": np.array([1.1, 1.0, 0.9]),
    }
    many = project_samples(scenario, inputs)
    one = project(scenario)
    np.testing.assert_allclose(many.samples["total_co2_mt"][1], one.frame["total_co2_mt"], rtol=1e-12)
    assert many.samples["steel_stock_mt"][2, -1] > many.samples["steel_stock_mt"][0, -1]
