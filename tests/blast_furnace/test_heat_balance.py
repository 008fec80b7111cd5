import numpy as np
import pandas as pd
import pytest

from greenmet.blast_furnace import heat_balance as hb


def test_gas_sensible_heat_against_janaf():
    # NIST-JANAF tables (Chase 1998): N2 H(1300 K) - H(298.15 K) = 31.503 kJ/mol; CO2 at 1000 K
    # 33.397 kJ/mol. 22.414 Nm3 = 1 kmol. Shomate fits reproduce the tables to < 0.1 %.
    value = hb.gas_sensible_heat(22.414, 1300.0 - 273.15, {"N2": 100.0})
    assert value == pytest.approx(1000 * 31.503, rel=1e-3)
    value = hb.gas_sensible_heat(22.414, 1000.0 - 273.15, {"CO2": 100.0})
    assert value == pytest.approx(1000 * 33.397, rel=1e-3)


def test_blast_sensible_heat_grows_with_temperature_series():
    temperature = pd.Series([1100.0, 1200.0], index=["a", "b"])
    value = hb.blast_sensible_heat(1000.0, temperature, 3.0, 15.0)
    assert list(value.index) == ["a", "b"] and value["b"] > value["a"]


def test_heat_balance_loss_is_closing_term():
    result = hb.heat_balance({"a": 100.0, "b": 50.0}, {"c": 120.0})
    assert result.heat_loss == pytest.approx(30.0) and result.heat_loss_share == pytest.approx(0.2)


def test_expenditure_terms_positive_and_linear():
    assert hb.iron_oxide_dissociation_heat(2.0) == pytest.approx(2 * hb.iron_oxide_dissociation_heat(1.0))
    assert hb.minor_element_reduction_heat(0.45, 0.2, 0.1) > 0
    assert hb.slag_heat(np.array([300.0, 400.0]))[1] > hb.slag_heat(300.0)
    assert hb.hot_metal_heat() == pytest.approx(1.25e6)


def test_lower_zone_heat_balance_more_blast_heat_more_surplus():
    base = hb.lower_zone_heat_balance(290.0, 1.8e6, 0.45, 94.5, 150_000.0, 300.0, 1500.0)
    hotter = hb.lower_zone_heat_balance(290.0, 2.0e6, 0.45, 94.5, 150_000.0, 300.0, 1500.0)
    assert hotter.heat_loss - base.heat_loss == pytest.approx(0.2e6)
    more_direct = hb.lower_zone_heat_balance(290.0, 1.8e6, 0.55, 94.5, 150_000.0, 300.0, 1500.0)
    assert more_direct.heat_loss < base.heat_loss
