"""ETS allowances: the three rule forms, surplus/deficit, cost, bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from greenmet.carbon.activity import ActivityData
from greenmet.carbon.allowances import allowance, allowance_rules, covered_emissions
from greenmet.carbon.cn_aluminium import compute_cn_aluminium
from greenmet.carbon.cn_steel import compute_cn_steel
from greenmet.errors import InputError, UnknownKeyError


@pytest.fixture(scope="module")
def steel_result():
    data = ActivityData(
        installation={"id": "s", "name": "s", "sector": "steel"},
        period={"start": "2024-01-01", "end": "2024-12-31"},
        materials=[{"material": "coke", "direction": "in", "quantity": 1000.0, "unit": "t"}],
        energy=[{"carrier": "electricity", "direction": "purchased", "quantity": 1000.0, "unit": "MWh"}],
        production=[{"product": "crude_steel", "quantity": 1000.0}])
    return compute_cn_steel(data)


@pytest.fixture(scope="module")
def aluminium_result():
    data = ActivityData(
        installation={"id": "a", "name": "a", "sector": "aluminium"},
        period={"start": "2024-01-01", "end": "2024-12-31"},
        aluminium={"technology": "CWPB", "anode_effect_frequency": 0.05, "anode_effect_duration": 2.0,
                   "net_anode_consumption": 0.41},
        energy=[{"carrier": "electricity", "direction": "purchased", "quantity": 13500.0, "unit": "MWh"}],
        production=[{"product": "primary_aluminium", "quantity": 1000.0}])
    return compute_cn_aluminium(data)


def test_covered_emissions_are_direct_only(steel_result):
    assert covered_emissions(steel_result) == pytest.approx(steel_result.totals_t_co2e["scope_1"])
    assert covered_emissions(steel_result) < steel_result.total_t_co2e


def test_2024_allowance_equals_verified_emissions(steel_result):
    # MEE plan of 18 Nov 2025: 2024 allowances = verified 2024 emissions, so no surplus or deficit.
    position = allowance(steel_result, 2024, price_cny_per_t=90.0)
    assert position.rule == "verified_emissions"
    assert position.allowance_t_co2e == pytest.approx(position.covered_emissions_t_co2e)
    assert position.surplus_t_co2e == pytest.approx(0.0) and position.cost_cny == pytest.approx(0.0)
    assert position.needs_verification


def test_2025_pre_allocation_is_70_percent_of_previous_year(aluminium_result):
    covered = covered_emissions(aluminium_result)
    position = allowance(aluminium_result, 2025, previous_verified_t_co2e=covered, price_cny_per_t=100.0)
    assert position.allowance_t_co2e == pytest.approx(0.7 * covered)
    assert position.surplus_t_co2e == pytest.approx(-0.3 * covered)
    assert position.cost_cny == pytest.approx(0.3 * covered * 100.0)
    assert position.surplus_value_cny == 0.0
    assert position.to_dict()["allowance_t_co2e"] == pytest.approx(0.7 * covered)


def test_benchmark_rule_from_data(aluminium_result):
    rules = pd.DataFrame([{"year": 2030, "sector": "aluminium", "method": "benchmark",
                           "product": "primary_aluminium", "share": 1.0, "benchmark": 1.5, "adjustment": 0.98,
                           "source": "test rule", "needs_verification": False}])
    position = allowance(aluminium_result, 2030, rules=rules, price_cny_per_t=80.0)
    assert position.allowance_t_co2e == pytest.approx(1.5 * 1000 * 0.98)
    expected = 1470.0 - covered_emissions(aluminium_result)
    assert position.surplus_t_co2e == pytest.approx(expected)
    assert position.surplus_value_cny == pytest.approx(max(expected, 0) * 80.0)
    assert not position.needs_verification


def test_shipped_benchmark_row_uses_the_result_production(aluminium_result):
    # The 2017 draft benchmark (9.1132 t/t, never adopted) is shipped as data for the rule form.
    position = allowance(aluminium_result, 2017)
    assert position.allowance_t_co2e == pytest.approx(9.1132 * 1000)


def test_bad_input(steel_result, aluminium_result):
    with pytest.raises(UnknownKeyError, match=r"year: no allocation rule for steel in 2031.*2024, 2025"):
        allowance(steel_result, 2031)
    with pytest.raises(InputError, match=r"previous_verified_t_co2e: the pre-allocation rule needs"):
        allowance(steel_result, 2025)
    with pytest.raises(InputError, match=r"price_cny_per_t: price is negative"):
        allowance(steel_result, 2024, price_cny_per_t=-1.0)
    with pytest.raises(InputError, match=r"production_t: the benchmark rule needs"):
        allowance(aluminium_result, 2017, production_t={"aluminium_ingot": 5.0})


def test_rules_table_is_data():
    rules = allowance_rules(2025)
    assert set(rules["method"]) == {"pre_allocation_share"}
    assert rules["share"].tolist() == [0.7, 0.7]


def test_prices_have_a_currency_unit_that_never_converts_to_another():
    from greenmet.errors import UnitError
    from greenmet.units import convert

    assert convert(80.0, "CNY/t", "CNY/kg") == pytest.approx(0.08)
    with pytest.raises(UnitError, match=r"cannot convert 'CNY' to 'EUR'"):
        convert(1.0, "CNY", "EUR")
