"""greenmet.mfa against flodym 1.1.0 (pik-piam/flodym, PyPI release 1.1.0) on the same inputs.

flodym is a test dependency (pyproject extra ``test``). Both models run on identical inflows,
stocks and lifetimes that vary by cohort and by sector, in each of flodym's three inflow timings;
stocks, inflows and outflows must agree to 1e-9 (relative to the largest stock).
"""

from __future__ import annotations

import numpy as np
import pytest

flodym = pytest.importorskip("flodym")
from flodym import (  # noqa: E402
    Dimension,
    DimensionSet,
    InflowDrivenDSM,
    StockArray,
    StockDrivenDSM,
    lifetime_models,
)

from greenmet.mfa import (  # noqa: E402
    Lifetime,
    inflow_driven,
    inflow_driven_by_age,
    stock_driven,
    stock_driven_by_age,
    survival_by_age,
    survival_matrix,
)

YEARS = 40
SECTORS = ["construction", "machinery", "transport"]
DIMS = DimensionSet(
    dim_list=[
        Dimension(letter="t", name="time", dtype=int, items=list(range(1990, 1990 + YEARS))),
        Dimension(letter="s", name="sector", dtype=str, items=SECTORS),
    ]
)
RNG = np.random.default_rng(20261202)
MEAN = RNG.uniform(8.0, 40.0, (YEARS, len(SECTORS)))  # varies by cohort and sector
SPREAD = 0.3 * MEAN
INFLOW = RNG.uniform(10.0, 100.0, (YEARS, len(SECTORS)))


def _models(kind):
    if kind == "fixed":
        return Lifetime("fixed", mean=MEAN), lambda **kw: lifetime_models.FixedLifetime(mean=MEAN, **kw)
    if kind == "weibull":
        shape, scale = np.full_like(MEAN, 2.2), MEAN
        return (
            Lifetime("weibull", weibull_shape=shape, weibull_scale=scale),
            lambda **kw: lifetime_models.WeibullLifetime(weibull_shape=shape, weibull_scale=scale, **kw),
        )
    flodym_class = {
        "normal": lifetime_models.NormalLifetime,
        "folded_normal": lifetime_models.FoldedNormalLifetime,
        "lognormal": lifetime_models.LogNormalLifetime,
    }[kind]
    return (
        Lifetime(kind, mean=MEAN, standard_deviation=SPREAD),
        lambda **kw: flodym_class(mean=MEAN, std=SPREAD, **kw),
    )


KINDS = ["fixed", "normal", "folded_normal", "lognormal", "weibull"]
TIMINGS = ["start", "middle", "end"]


def _close(ours, theirs):
    scale = max(np.abs(theirs).max(), 1.0)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9 * scale)


@pytest.mark.parametrize("timing", TIMINGS)
@pytest.mark.parametrize("kind", KINDS)
def test_survival_table_equals_flodyms(kind, timing):
    ours, theirs = _models(kind)
    _close(survival_matrix(ours, YEARS, timing), theirs(dims=DIMS, inflow_at=timing).sf)


@pytest.mark.parametrize("timing", TIMINGS)
@pytest.mark.parametrize("kind", KINDS)
def test_inflow_driven_equals_flodyms(kind, timing):
    ours, theirs = _models(kind)
    model = InflowDrivenDSM(
        dims=DIMS,
        lifetime_model=theirs(dims=DIMS, inflow_at=timing),
        inflow=StockArray(dims=DIMS, values=INFLOW.copy()),
    )
    model.compute()
    result = inflow_driven(INFLOW, survival_matrix(ours, YEARS, timing))
    _close(result.stock, model.stock.values)
    _close(result.outflow, model.outflow.values)
    _close(result.stock_by_cohort, model.get_stock_by_cohort())
    _close(result.outflow_by_cohort, model.get_outflow_by_cohort())


@pytest.mark.parametrize("timing", TIMINGS)
@pytest.mark.parametrize("kind", ["normal", "lognormal", "weibull"])
def test_stock_driven_equals_flodyms(kind, timing):
    # a growing stock, so that no inflow is negative and every shrinking rule agrees with flodym
    stock = np.cumsum(INFLOW, axis=0) * 0.8
    ours, theirs = _models(kind)
    model = StockDrivenDSM(
        dims=DIMS,
        lifetime_model=theirs(dims=DIMS, inflow_at=timing),
        stock=StockArray(dims=DIMS, values=stock.copy()),
    )
    model.compute()
    result = stock_driven(stock, survival_matrix(ours, YEARS, timing))
    _close(result.inflow, model.inflow.values)
    _close(result.outflow, model.outflow.values)
    _close(result.stock, model.stock.values)


def test_stock_driven_keeps_negative_inflow_only_on_request_like_flodym():
    stock = np.concatenate([np.linspace(10, 400, 25), np.linspace(380, 150, YEARS - 25)])[:, None] * np.ones(
        3
    )
    ours, theirs = _models("normal")
    model = StockDrivenDSM(
        dims=DIMS,
        lifetime_model=theirs(dims=DIMS, inflow_at="middle"),
        stock=StockArray(dims=DIMS, values=stock.copy()),
    )
    model.compute()
    assert (model.inflow.values < 0).any()  # the case does shrink faster than cohorts retire
    table = survival_matrix(ours, YEARS, "middle")
    _close(stock_driven(stock, table, shrinking="negative_inflow").inflow, model.inflow.values)
    default = stock_driven(stock, table)
    assert (default.inflow >= 0).all() and default.surplus_stock.max() > 0


@pytest.mark.parametrize("timing", TIMINGS)
def test_by_age_forms_equal_flodym_for_lifetimes_constant_over_cohorts(timing):
    mean = MEAN[:1]  # by sector only
    ours = Lifetime("lognormal", mean=mean, standard_deviation=0.3 * mean)
    theirs = lifetime_models.LogNormalLifetime(
        dims=DIMS, inflow_at=timing, mean=np.repeat(mean, YEARS, 0), std=np.repeat(0.3 * mean, YEARS, 0)
    )
    flow_model = InflowDrivenDSM(
        dims=DIMS, lifetime_model=theirs, inflow=StockArray(dims=DIMS, values=INFLOW.copy())
    )
    flow_model.compute()
    by_age = survival_by_age(ours, YEARS, timing)
    _close(inflow_driven_by_age(INFLOW, by_age).stock, flow_model.stock.values)
    _close(inflow_driven_by_age(INFLOW, by_age).outflow, flow_model.outflow.values)
    stock = np.cumsum(INFLOW, axis=0) * 0.8
    stock_model = StockDrivenDSM(
        dims=DIMS,
        lifetime_model=theirs.model_copy(deep=True),
        stock=StockArray(dims=DIMS, values=stock.copy()),
    )
    stock_model.compute()
    result = stock_driven_by_age(stock, by_age)
    _close(result.inflow, stock_model.inflow.values)
    _close(result.outflow, stock_model.outflow.values)
    _close(result.stock, stock_model.stock.values)
