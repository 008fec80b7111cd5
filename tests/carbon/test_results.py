"""Results: totals, intensities, balance warning, factors used, JSON shape."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from greenmet.carbon.activity import ActivityData
from greenmet.carbon.cn_steel import compute_cn_steel
from greenmet.carbon.results import (
    LINE_COLUMNS,
    build_result,
    carbon_balance_frame,
    empty_lines,
    intensities,
    totals_by_scope,
)


def _line(installation, scope, emissions, gas="CO2", category="combustion", verify=False):
    return {"installation_id": installation, "method": "test", "process": None, "source_stream": "coke",
            "category": category, "scope": scope, "gas": gas, "activity_ref": 1.0, "activity_unit": "t",
            "factor": emissions, "factor_unit": "t/t", "factor_source": "test table",
            "needs_verification": verify,
            "emissions_t": emissions, "emissions_t_co2e": emissions}


LINES = pd.DataFrame([_line("a", "scope_1", 10.0), _line("a", "scope_2", 5.0), _line("b", "scope_1", 2.0),
                      _line("a", "scope_1", -1.0, category="fixed_carbon")])
PRODUCTION = pd.DataFrame({"installation_id": ["a", "a", "b"],
                           "product": ["crude_steel", "hot_metal", "crude_steel"],
                           "quantity_t": [10.0, 5.0, 4.0]})
INSTALLATION = {"installation_id": "a", "installation_name": "A", "period_start": "2024-01-01",
                "period_end": "2024-12-31"}


def test_totals_by_scope_and_intensities_for_many_installations():
    totals = totals_by_scope(LINES)
    assert totals.loc["a", "scope_1"] == 9.0 and totals.loc["a", "total"] == 14.0
    assert totals.loc["b", "total"] == 2.0
    table = intensities(totals, PRODUCTION).set_index(["installation_id", "product"])
    assert table.loc[("a", "hot_metal"), "intensity_t_co2e_per_t"] == pytest.approx(14.0 / 5.0)
    assert table.loc[("b", "crude_steel"), "intensity_t_co2e_per_t"] == pytest.approx(0.5)


def test_balance_residual_above_two_percent_is_a_warning():
    emitted_carbon = 9.0 * 12 / 44  # net direct CO2 of installation a, as carbon
    balance = carbon_balance_frame(pd.Series({"a": 100.0}), pd.Series({"a": 100.0 - emitted_carbon - 3.0}),
                                   LINES[LINES["installation_id"] == "a"]).iloc[0]
    assert balance["residual_t"] == pytest.approx(3.0) and balance["residual_fraction"] == pytest.approx(0.03)
    result = build_result(method="test", method_edition="e", installation=INSTALLATION,
                          lines=LINES[LINES["installation_id"] == "a"], production=PRODUCTION.iloc[:2],
                          gwp_metric="AR5GWP100", balance=balance)
    assert any("carbon balance residual +3.0%" in w for w in result.warnings)
    small = carbon_balance_frame(pd.Series({"a": 100.0}), pd.Series({"a": 100.0 - emitted_carbon - 1.0}),
                                 LINES[LINES["installation_id"] == "a"]).iloc[0]
    quiet = build_result(method="test", method_edition="e", installation=INSTALLATION,
                         lines=LINES[LINES["installation_id"] == "a"], production=PRODUCTION.iloc[:2],
                         gwp_metric="AR5GWP100", balance=small)
    assert not any("carbon balance" in w for w in quiet.warnings)


def test_to_dict_is_json_with_unit_suffixed_keys():
    data = ActivityData(installation={"id": "x", "name": "X", "sector": "steel"},
                        period={"start": "2022-01-01", "end": "2022-12-31"},
                        materials=[{"material": "coke", "direction": "in", "quantity": 10.0, "unit": "t"}],
                        production=[{"product": "crude_steel", "quantity": 10.0}])
    result = compute_cn_steel(data)
    payload = json.loads(json.dumps(result.to_dict()))
    assert {"totals_t_co2e", "intensity_t_co2e_per_t", "carbon_balance", "production_t", "factors",
            "lines"} <= set(payload)
    assert set(payload["carbon_balance"]) == {"carbon_in_t", "carbon_out_t", "carbon_emitted_t", "residual_t",
                                              "residual_fraction"}
    assert payload["lines"][0]["emissions_t_co2e"] == pytest.approx(result.lines["emissions_t_co2e"].iloc[0])
    assert payload["period_start"] == "2022-01-01"


def test_factors_used_lists_each_factor_with_its_source():
    data = ActivityData(installation={"id": "x", "name": "X", "sector": "steel"},
                        period={"start": "2022-01-01", "end": "2022-12-31"},
                        materials=[{"material": "coke", "direction": "in", "quantity": 10.0, "unit": "t"},
                                   {"material": "coke", "direction": "in", "quantity": 5.0, "unit": "t",
                                    "process": "sintering"}],
                        production=[{"product": "crude_steel", "quantity": 10.0}])
    factors = compute_cn_steel(data).factors_used()
    coke = factors[factors["source_stream"] == "coke"]
    assert len(coke) == 1 and "GB/T 32151.5-2015" in coke["factor_source"].iloc[0]


def test_empty_lines_have_the_contract_columns():
    assert tuple(empty_lines().columns) == LINE_COLUMNS and empty_lines().empty
