import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from greenmet.blast_furnace import mass_balance as mb
from greenmet.errors import BalanceError, GreenmetWarning, InputError


def test_basicities():
    assert mb.basicity_binary(40.0, 33.0) == pytest.approx(40 / 33)
    assert mb.basicity_ternary(40.0, 33.0, 8.0) == pytest.approx(48 / 33)
    assert mb.basicity_quaternary(40.0, 33.0, 8.0, 15.0) == pytest.approx(1.0)
    assert mb.magnesia_alumina_ratio(8.0, 16.0) == pytest.approx(0.5)
    series = mb.basicity_binary(pd.Series([40.0, np.nan], index=["a", "b"]), 33.0)
    assert list(series.index) == ["a", "b"] and math.isnan(series["b"])


def test_slag_rate_from_cao_and_sulphur_partition():
    assert mb.slag_rate_from_cao(120.0, 40.0) == pytest.approx(300.0)
    assert mb.sulphur_partition(0.86, 0.025) == pytest.approx(34.4)


def test_component_flow_ignores_missing_contents():
    flow = mb.component_flow({"sinter": 1300.0, "pellets": 250.0}, {"sinter": 10.0})
    assert flow == pytest.approx(130.0)


def test_balance_closes_and_flags():
    result = mb.balance("CaO", 100.0, 98.0, tolerance=0.05)
    assert result.closes and result.residual == pytest.approx(2.0)
    bad = mb.balance("CaO", 100.0, 80.0, tolerance=0.05)
    assert not bad.closes
    with pytest.raises(BalanceError, match=r"CaO balance does not close: relative residual \+20.0%"):
        mb.check_balance(bad)
    with pytest.warns(GreenmetWarning, match="CaO balance"):
        mb.check_balance(bad, on_failure="warn")
    assert mb.check_balance(bad, on_failure="flag") is bad
    with pytest.raises(InputError, match="on_failure"):
        mb.check_balance(bad, on_failure="ignore")


def test_balance_on_series_keeps_index_and_flags_nan():
    inputs = pd.Series([100.0, np.nan], index=["d1", "d2"])
    result = mb.balance("Fe", inputs, pd.Series([99.0, 99.0], index=["d1", "d2"]), tolerance=0.02)
    assert list(result.closes.index) == ["d1", "d2"]
    assert bool(result.closes["d1"]) and not bool(result.closes["d2"])


@given(st.lists(st.tuples(st.floats(0, 2000), st.floats(0, 70)), min_size=1, max_size=5),
       st.floats(150, 500), st.floats(0.05, 3.0), st.floats(-0.3, 0.3))
def test_iron_balance_measures_an_independent_error(materials, slag_rate, slag_feo, error):
    # Inputs are generated independently; the iron input is checked against a plain sum, and the
    # hot metal is "weighed" with a relative error. The balance must report exactly that error
    # (sign and size) and close only when it is within the tolerance: a wrong flow, a wrong sign
    # or a wrong tolerance test fails here.
    masses = {f"m{i}": mass for i, (mass, _) in enumerate(materials)}
    contents = {f"m{i}": fe for i, (_, fe) in enumerate(materials)}
    fe_in = mb.component_flow(masses, contents)
    assert fe_in == pytest.approx(math.fsum(mass * fe / 100.0 for mass, fe in materials), rel=1e-12, abs=1e-9)
    slag_fe = slag_rate * slag_feo / 100.0 * 55.845 / 71.844  # Fe of the slag's FeO
    assume(fe_in > 2.0 * slag_fe and fe_in > 50.0)
    hot_metal_fe = (fe_in - slag_fe) * (1.0 + error)
    expected = -(fe_in - slag_fe) * error / fe_in
    assume(abs(abs(expected) - 0.05) > 1e-9)
    result = mb.balance("Fe", fe_in, hot_metal_fe + slag_fe, tolerance=0.05)
    assert result.residual == pytest.approx(fe_in - hot_metal_fe - slag_fe, abs=1e-9)
    assert result.relative_residual == pytest.approx(expected, abs=1e-12)
    assert bool(result.closes) is (abs(expected) <= 0.05)


def test_hot_metal_relations_vectorised():
    temperature = np.array([1450.0, 1500.0])
    carbon = mb.hot_metal_carbon(temperature, 0.45, 0.2, 0.1, 0.03)
    assert carbon[1] - carbon[0] == pytest.approx(50 * 2.45e-3)
