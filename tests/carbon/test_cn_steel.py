"""cn-steel: the terms of GB/T 32151.5-2015, the frame functions and their invariants."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenmet.carbon import compute
from greenmet.carbon.activity import ActivityData, activity_frames
from greenmet.carbon.cn_steel import cn_steel_lines, compute_cn_steel
from greenmet.carbon.results import LINE_COLUMNS
from greenmet.errors import UnknownKeyError

CO2_PER_C = 44 / 12


def steel(materials=(), energy=(), production=({"product": "crude_steel", "quantity": 1000.0},), *,
          ident="s1", province=None, year=2022):
    return ActivityData(
        installation={"id": ident, "name": ident, "sector": "steel", "province": province},
        period={"start": f"{year}-01-01", "end": f"{year}-12-31"},
        materials=list(materials), energy=list(energy), production=list(production))


def m(material, quantity, unit="t", direction="in", **extra):
    return {"material": material, "direction": direction, "quantity": quantity, "unit": unit} | extra


def by_stream(result):
    return result.lines.groupby("source_stream")["emissions_t"].sum()


def test_combustion_of_coke_uses_ncv_carbon_and_oxidation():
    # GB/T 32151.5-2015 Table B.1 defaults for coke: 28.435 GJ/t, 29.5 t C/TJ, OF 93 %.
    result = compute_cn_steel(steel([m("coke", 100.0)]))
    expected = 100 * 28.435 * 29.5e-3 * 0.93 * CO2_PER_C
    assert by_stream(result)["coke"] == pytest.approx(expected, rel=1e-12)


def test_measured_carbon_content_and_oxidation_override_the_defaults():
    result = compute_cn_steel(steel([m("coke", 100.0, carbon_content=0.85, oxidation_factor=1.0)]))
    line = result.lines.set_index("source_stream").loc["coke"]
    assert line["emissions_t"] == pytest.approx(100 * 0.85 * CO2_PER_C)
    assert not line["needs_verification"]
    assert "measured" in line["factor_source"]


def test_measured_ncv_keeps_the_default_carbon_per_energy():
    gas = m("natural_gas", 2.0, unit="1e4 Nm3", ncv=360.0, ncv_unit="GJ/1e4 Nm3")
    result = compute_cn_steel(steel([gas]))
    assert by_stream(result)["natural_gas"] == pytest.approx(2 * 360 * 15.3e-3 * 0.99 * CO2_PER_C)


def test_process_terms_fluxes_electrodes_and_iron():
    result = compute_cn_steel(steel([m("limestone", 10.0), m("dolomite", 10.0), m("electrode", 1.0),
                                     m("pig_iron", 100.0), m("dri", 100.0), m("ferrochromium", 10.0)]))
    lines = result.lines.set_index("source_stream")
    assert lines.loc["limestone", "emissions_t"] == pytest.approx(4.40)
    assert lines.loc["dolomite", "emissions_t"] == pytest.approx(4.71)
    assert lines.loc["electrode", "emissions_t"] == pytest.approx(3.663)
    assert lines.loc["pig_iron", "emissions_t"] == pytest.approx(17.2)
    assert lines.loc["dri", "emissions_t"] == pytest.approx(7.3)
    assert lines.loc["ferrochromium", "emissions_t"] == pytest.approx(2.75)
    assert lines.loc["limestone", "category"] == "carbonate"
    assert lines.loc["electrode", "category"] == "electrode"
    assert lines.loc["pig_iron", "category"] == "process"


def test_carbon_fixed_in_crude_steel_is_deducted_once():
    result = compute_cn_steel(steel())
    fixed = result.lines.set_index("source_stream").loc["crude_steel"]
    assert fixed["category"] == "fixed_carbon" and fixed["emissions_t"] == pytest.approx(-15.4)
    # Given also as an outgoing flow, the flow is used and production adds nothing.
    again = compute_cn_steel(steel([m("crude_steel", 1000.0, direction="out")]))
    assert again.totals_t_co2e["total"] == pytest.approx(-15.4)
    off = compute_cn_steel(steel(), fixed_carbon_from_production=False)
    assert off.lines.empty


def test_exported_gas_is_subtracted_through_its_carbon():
    # Coal in, blast-furnace gas exported: E = AD_coal·EF_coal − AD_BFG·NCV·CC·OF·44/12.
    result = compute_cn_steel(steel([m("coking_coal", 100.0),
                                     m("blast_furnace_gas", 10.0, unit="1e4 Nm3", direction="out")]),
                              fixed_carbon_from_production=False)
    streams = by_stream(result)
    assert streams["blast_furnace_gas"] == pytest.approx(-10 * 33.0 * 70.8e-3 * 0.99 * CO2_PER_C)
    assert result.totals_t_co2e["scope_1"] == pytest.approx(streams.sum())


def test_zero_carbon_inputs_give_no_line():
    result = compute_cn_steel(steel([m("scrap", 1000.0), m("iron_ore", 1000.0)]),
                              fixed_carbon_from_production=False)
    assert result.lines.empty and result.totals_t_co2e == {"total": 0.0}


def test_net_purchased_electricity_and_heat():
    energy = [{"carrier": "electricity", "direction": "purchased", "quantity": 1000.0, "unit": "MWh"},
              {"carrier": "electricity", "direction": "sold", "quantity": 200.0, "unit": "MWh"},
              {"carrier": "heat", "direction": "purchased", "quantity": 100.0, "unit": "GJ"}]
    result = compute_cn_steel(steel(energy=energy), fixed_carbon_from_production=False)
    # 2022 national average 0.5366 t/MWh (MEE & NBS, Dec 2024); heat 0.11 t CO2/GJ.
    assert result.totals_t_co2e["scope_2"] == pytest.approx(800 * 0.5366 + 100 * 0.11)
    categories = set(result.lines["category"])
    assert categories == {"purchased_electricity", "sold_electricity", "purchased_heat"}


def test_grid_factor_year_region_and_basis_are_options():
    energy = [{"carrier": "electricity", "direction": "purchased", "quantity": 1000.0, "unit": "MWh"}]
    data = steel(energy=energy, province="Hebei", year=2024)
    kwargs = {"fixed_carbon_from_production": False}
    assert compute_cn_steel(data, **kwargs).totals_t_co2e["total"] == pytest.approx(536.6)
    assert compute_cn_steel(data, grid_factor_year=2021, **kwargs).total_t_co2e == pytest.approx(556.8)
    assert compute_cn_steel(data, grid_region="province", **kwargs).total_t_co2e == pytest.approx(725.2)
    assert compute_cn_steel(data, grid_region="north_china", **kwargs).total_t_co2e == pytest.approx(677.6)
    assert compute_cn_steel(data, grid_basis="average_excl_market_nonfossil",
                            **kwargs).total_t_co2e == pytest.approx(585.6)
    result = compute_cn_steel(data, **kwargs)
    assert any("grid factor of 2022 used for reporting year 2024" in w for w in result.warnings)


def test_supplier_specific_electricity_factor_overrides_the_grid():
    energy = [{"carrier": "electricity", "direction": "purchased", "quantity": 1000.0, "unit": "MWh",
               "emission_factor": 0.9, "emission_factor_unit": "t/MWh"}]
    result = compute_cn_steel(steel(energy=energy), fixed_carbon_from_production=False)
    assert result.total_t_co2e == pytest.approx(900.0)
    assert not result.lines["needs_verification"].any()


def test_unknown_region_edition_and_method():
    energy = [{"carrier": "electricity", "direction": "purchased", "quantity": 1.0, "unit": "MWh"}]
    with pytest.raises(UnknownKeyError, match=r"grid_region.*'atlantis'.*use one of"):
        compute_cn_steel(steel(energy=energy), grid_region="atlantis")
    with pytest.raises(UnknownKeyError, match=r"edition.*use one of gbt-32151.5-2015"):
        compute_cn_steel(steel(), edition="2099")
    with pytest.raises(UnknownKeyError, match=r"method.*no carbon method"):
        compute(steel(), "cn-steal")
    with pytest.raises(UnknownKeyError, match=r"no grid factor .* in or before 2019"):
        compute_cn_steel(steel(energy=energy, year=2019))


def test_editions_are_explicit_and_recorded():
    result = compute(steel([m("coke", 1.0)]), "cn-steel", edition="ndrc-2013")
    assert result.method_edition == "ndrc-2013" and result.options["edition"] == "ndrc-2013"


def test_result_shape_and_provisional_warning():
    result = compute_cn_steel(steel([m("coke", 10.0)]))
    assert tuple(result.lines.columns) == LINE_COLUMNS
    assert result.method == "cn-steel" and result.installation_id == "s1"
    assert result.intensity_t_co2e_per_t["crude_steel"] == pytest.approx(result.total_t_co2e / 1000)
    assert any("provisional factors" in w and "coke" in w for w in result.warnings)


def test_frame_function_matches_the_single_path_for_many_installations():
    plants = [steel([m("coke", 10.0 * (i + 1)), m("limestone", 5.0)],
                    [{"carrier": "electricity", "direction": "purchased", "quantity": 100.0, "unit": "MWh"}],
                    ident=f"p{i}") for i in range(5)]
    lines, balance, _ = cn_steel_lines(activity_frames(plants))
    batch = lines.groupby("installation_id")["emissions_t_co2e"].sum()
    for plant in plants:
        assert batch[plant.installation.id] == pytest.approx(compute_cn_steel(plant).total_t_co2e)
    assert balance["residual_fraction"].abs().max() < 1e-12


# ---------------------------------------------------------------- properties (hypothesis)
# Each example runs the frame function once over several generated installations, so the
# properties are checked on the vectorised path the batch uses.

STREAMS = ["coke", "coking_coal", "anthracite", "natural_gas", "coke_oven_gas", "diesel", "limestone",
           "dolomite", "electrode", "pig_iron", "dri", "scrap"]
GASES = {"natural_gas", "coke_oven_gas"}
flows_strategy = st.lists(
    st.tuples(st.sampled_from(STREAMS), st.floats(0.0, 1e5), st.sampled_from(["in", "out"]),
              st.one_of(st.none(), st.floats(0.0, 1.0))),
    min_size=1, max_size=12)


def _plant(flows, ident, scale=1.0):
    rows = [m(name, q * scale, unit="1e4 Nm3" if name in GASES else "t", direction=d,
              **({"carbon_content": c} if c is not None and name not in GASES else {}))
            for name, q, d, c in flows]
    electricity = [{"carrier": "electricity", "direction": "purchased", "quantity": 500.0 * scale,
                    "unit": "MWh"}]
    return steel(rows, electricity, [{"product": "crude_steel", "quantity": 1000.0 * scale}], ident=ident)


def _totals(plants, **options):
    lines, balance, _ = cn_steel_lines(activity_frames(plants), **options)
    return lines.groupby("installation_id")["emissions_t_co2e"].sum(), balance.set_index("installation_id")


def _magnitude(plants, **options):
    """Sum of |line emissions|: the scale of the rounding error of a sum with cancellations."""
    lines, _, _ = cn_steel_lines(activity_frames(plants), **options)
    return float(lines["emissions_t_co2e"].abs().sum())


@settings(max_examples=25, deadline=None)
@given(st.lists(flows_strategy, min_size=1, max_size=4))
def test_carbon_balance_closes(plants_flows):
    _, balance = _totals([_plant(flows, f"p{i}") for i, flows in enumerate(plants_flows)])
    scale = (balance["carbon_in_t"] + balance["carbon_out_t"]).clip(lower=1.0)
    assert (balance["residual_t"].abs() <= 1e-9 * scale).all()


@settings(max_examples=25, deadline=None)
@given(flows_strategy, st.floats(0.01, 100.0))
def test_emissions_scale_linearly_with_quantities(flows, factor):
    plants = [_plant(flows, "base"), _plant(flows, "scaled", factor)]
    totals, _ = _totals(plants, fixed_carbon_from_production=False)
    tolerance = 1e-12 * _magnitude(plants, fixed_carbon_from_production=False) + 1e-9
    assert totals["scaled"] == pytest.approx(totals["base"] * factor, rel=1e-9, abs=tolerance)


@settings(max_examples=25, deadline=None)
@given(flows_strategy, st.randoms(use_true_random=False))
def test_order_of_flows_does_not_matter(flows, random):
    shuffled = list(flows)
    random.shuffle(shuffled)
    plants = [_plant(flows, "first"), _plant(shuffled, "second")]
    totals, _ = _totals(plants)
    tolerance = 1e-12 * _magnitude(plants) + 1e-9
    assert totals["second"] == pytest.approx(totals["first"], rel=1e-12, abs=tolerance)


def test_lines_are_a_dataframe_with_numeric_columns():
    result = compute_cn_steel(steel([m("coke", 1.0)]))
    assert isinstance(result.lines, pd.DataFrame)
    assert result.lines["emissions_t"].dtype == float
