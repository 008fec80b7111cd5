"""Stock models: inverse round trip, shrinking stocks, mass balance, the by-age forms, bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from greenmet.errors import BalanceError, InputError
from greenmet.mfa import (
    Lifetime,
    StockModelResult,
    check_mass_balance,
    inflow_driven,
    inflow_from_stock_by_cohort,
    stock_driven,
    stock_driven_by_age,
    survival_by_age,
    survival_matrix,
)

KINDS = ["fixed", "normal", "folded_normal", "lognormal", "weibull"]


def _lifetime(kind, mean):
    if kind == "weibull":
        return Lifetime(kind, weibull_shape=2.0, weibull_scale=mean)
    if kind == "fixed":
        return Lifetime(kind, mean=mean)
    return Lifetime(kind, mean=mean, standard_deviation=0.3 * mean)


@given(
    inflow=st.lists(st.floats(0.0, 1e3), min_size=2, max_size=30),
    kind=st.sampled_from(["normal", "lognormal", "weibull", "folded_normal"]),
    mean=st.floats(2.0, 60.0),
    timing=st.sampled_from(["start", "middle", "end"]),
)
def test_inflow_to_stock_to_inflow_round_trip(inflow, kind, mean, timing):
    # flodym's practice: inflow-driven -> stock -> stock-driven gives the same inflow
    table = survival_matrix(_lifetime(kind, mean), len(inflow), timing)
    forward = inflow_driven(inflow, table)
    back = stock_driven(forward.stock, table, shrinking="negative_inflow")
    np.testing.assert_allclose(back.inflow, inflow, rtol=1e-7, atol=1e-6)
    check_mass_balance(forward)
    check_mass_balance(back)


SHRINKING = np.concatenate([np.linspace(5, 300, 30), np.linspace(290, 60, 20), np.full(10, 60.0)])


@pytest.mark.parametrize("rule", ["surplus", "early_retirement", "negative_inflow"])
def test_shrinking_stock_rules_close_the_balance_and_report(rule):
    table = survival_matrix(_lifetime("normal", 25.0), len(SHRINKING), "middle")
    result = stock_driven(SHRINKING, table, shrinking=rule)
    check_mass_balance(result)
    if rule == "negative_inflow":
        assert result.inflow.min() < 0
        np.testing.assert_allclose(result.stock, SHRINKING, atol=1e-9)
    elif rule == "surplus":
        assert result.inflow.min() >= 0
        # the stock stays above the prescribed one by exactly the reported surplus
        np.testing.assert_allclose(result.stock - result.surplus_stock, SHRINKING, atol=1e-9)
        assert result.surplus_stock.max() > 0
    else:
        assert result.inflow.min() >= 0
        np.testing.assert_allclose(result.stock, SHRINKING, atol=1e-9)
        assert result.early_retirement.max() > 0
        # retiring early raises the outflow by the reported amount against the cohorts' own outflow
        assert (result.outflow + 1e-9 >= result.early_retirement).all()


@pytest.mark.parametrize("rule", ["surplus", "early_retirement", "negative_inflow"])
def test_by_age_form_equals_cohort_form_for_every_rule(rule):
    lifetime = Lifetime("lognormal", mean=[[30.0, 12.0]], standard_deviation=[[9.0, 4.0]])
    n = len(SHRINKING)
    stock = np.stack([SHRINKING, SHRINKING * 0.3], axis=1)
    full = stock_driven(stock, survival_matrix(lifetime, n, "middle"), shrinking=rule)
    fast = stock_driven_by_age(stock, survival_by_age(lifetime, n, "middle"), shrinking=rule)
    for name in ("stock", "inflow", "outflow", "surplus_stock", "early_retirement"):
        np.testing.assert_allclose(getattr(fast, name), getattr(full, name), rtol=0, atol=1e-9, err_msg=name)


def test_early_retirement_to_zero_stock_then_regrowth():
    stock = np.array([10.0, 20, 30, 0, 0, 5, 10, 15])
    lifetime = Lifetime("normal", mean=6.0, standard_deviation=2.0)
    full = stock_driven(stock, survival_matrix(lifetime, 8, "end"), shrinking="early_retirement")
    fast = stock_driven_by_age(stock, survival_by_age(lifetime, 8, "end"), shrinking="early_retirement")
    np.testing.assert_allclose(full.stock, stock, atol=1e-12)
    np.testing.assert_allclose(fast.stock, stock, atol=1e-12)
    np.testing.assert_allclose(fast.inflow, full.inflow, atol=1e-12)


def test_historic_inflow_then_stock_driven_equals_initial_stock_by_cohort():
    lifetime = Lifetime("weibull", weibull_shape=1.8, weibull_scale=20.0)
    n, first = 30, 12
    history = np.linspace(1, 12, first)
    target = np.full(n, 100.0)
    table = survival_matrix(lifetime, n, "middle")
    historic_stock = inflow_driven(np.concatenate([history, np.zeros(n - first)]), table).stock_by_cohort[
        first - 1, :first
    ]
    full = stock_driven(target, table, initial_stock_by_cohort=historic_stock)
    fast = stock_driven_by_age(target, survival_by_age(lifetime, n, "middle"), historic_inflow=history)
    np.testing.assert_allclose(full.inflow[:first], history, rtol=1e-12)
    np.testing.assert_allclose(fast.inflow, full.inflow, atol=1e-9)
    np.testing.assert_allclose(fast.stock[first:], 100.0, atol=1e-9)


def test_lognormal_has_the_requested_mean_and_spread_and_odyms_conversion_does_not():
    ages = np.linspace(0, 400, 400_001)
    parameters = {"mean": np.array(30.0), "standard_deviation": np.array(10.0)}
    survival = Lifetime("lognormal", mean=30.0, standard_deviation=10.0).survival(ages, parameters)
    mean = np.trapezoid(survival, ages)  # E[X] = integral of the survival function
    second = np.trapezoid(2 * ages * survival, ages)  # E[X^2] = integral of 2x S(x)
    assert mean == pytest.approx(30.0, rel=1e-6)
    assert np.sqrt(second - mean**2) == pytest.approx(10.0, rel=1e-6)
    # ODYM's conversion puts the median at mean / sqrt(1 + mean^2 / sd^2) = 30 / sqrt(10), not at
    # the lognormal's 30 / sqrt(1 + 1/9): a much wider distribution with the same mean
    odym = Lifetime("lognormal_odym", mean=30.0, standard_deviation=10.0)
    assert odym.survival(np.array(30.0 / np.sqrt(10.0)), parameters) == pytest.approx(0.5, abs=1e-12)
    correct_median = np.array(30.0 / np.sqrt(1.0 + 1.0 / 9.0))
    assert Lifetime("lognormal", mean=30.0, standard_deviation=10.0).survival(
        correct_median, parameters
    ) == pytest.approx(0.5, abs=1e-12)


def test_lifetime_by_cohort_changes_the_survival_of_later_cohorts_only():
    mean = np.array([10.0] * 5 + [20.0] * 5)
    table = survival_matrix(Lifetime("normal", mean=mean, standard_deviation=0.3 * mean), 10, "end")
    constant = survival_matrix(Lifetime("normal", mean=10.0, standard_deviation=3.0), 10, "end")
    np.testing.assert_array_equal(table[:, :5], constant[:, :5])
    assert (table[6:, 5:6] > constant[6:, 5:6]).all()


def test_check_mass_balance_fails_on_a_broken_result():
    broken = StockModelResult(
        stock=np.array([1.0, 2.0]),
        inflow=np.array([1.0, 1.0]),
        outflow=np.array([0.0, 0.5]),
        stock_by_cohort=None,
        outflow_by_cohort=None,
        surplus_stock=np.zeros(2),
        early_retirement=np.zeros(2),
    )
    with pytest.raises(BalanceError, match="year index 1"):
        check_mass_balance(broken)


def test_inputs_are_not_mutated():
    inflow = np.array([1.0, 2.0, 3.0])
    mean = np.array([5.0])
    lifetime = Lifetime("normal", mean=mean, standard_deviation=1.0)
    table = survival_matrix(lifetime, 3)
    before = table.copy()
    inflow_driven(inflow, table)
    stock_driven(inflow, table)
    mean[0] = 99.0
    np.testing.assert_array_equal(lifetime.parameters["mean"], [5.0])
    np.testing.assert_array_equal(table, before)
    np.testing.assert_array_equal(inflow, [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Lifetime("gamma", mean=5), "kind.*use one of"),
        (lambda: Lifetime("normal", mean=5), "needs standard_deviation"),
        (lambda: Lifetime("normal", mean=-5, standard_deviation=1), "lifetime.mean.*cannot be negative"),
        (lambda: Lifetime("lognormal", mean=5, standard_deviation=0), "standard deviation > 0"),
        (lambda: Lifetime("weibull", weibull_shape=2, weibull_scale=0), "scale > 0"),
        (lambda: Lifetime("fixed", mean=float("nan")), "finite"),
        (lambda: Lifetime("normal", mean=[[1, 2]], standard_deviation=[[1, 2, 3]]), "do not broadcast"),
        (lambda: survival_matrix(Lifetime("fixed", mean=5), 10, "late"), "inflow_timing.*'end' is ODYM"),
        (lambda: survival_matrix(Lifetime("fixed", mean=[5, 6, 7]), 10), "cohort axis"),
        (lambda: survival_by_age(Lifetime("fixed", mean=[5, 6]), 2), "use survival_matrix"),
        (
            lambda: stock_driven([1, 2], survival_matrix(Lifetime("fixed", mean=5), 2), shrinking="x"),
            "shrinking",
        ),
        (lambda: stock_driven([1, -2], survival_matrix(Lifetime("fixed", mean=5), 2)), "cannot be negative"),
        (
            lambda: inflow_driven([1, 2, 3], survival_matrix(Lifetime("fixed", mean=5), 2)),
            "one row and column",
        ),
        (
            lambda: inflow_from_stock_by_cohort([1.0, 2.0], [0.0, 0.5]),
            r"initial_stock_by_cohort\[0\].*cannot have survived",
        ),
        (
            lambda: stock_driven([1, 2, 3], np.ones((3, 3, 1)), inflow_shares=[[0.5], [0.5], [1.0]]),
            "sum to 1",
        ),
    ],
)
def test_bad_input_names_the_field_and_the_fix(make, match):
    with pytest.raises(InputError, match=match):
        make()


@pytest.mark.parametrize("rule", ["surplus", "early_retirement", "negative_inflow"])
def test_by_age_form_with_history_equals_cohort_form_for_every_rule(rule):
    # history known (inflow-driven, convolved by FFT in the by-age form), then a stock that falls to
    # zero and regrows: every rule, both forms, same numbers
    lifetime = Lifetime("normal", mean=[[12.0, 25.0]], standard_deviation=[[3.6, 7.5]])
    n, first = 40, 15
    history = np.stack([np.linspace(1, 30, first), np.linspace(2, 10, first)], axis=1)
    target = np.concatenate(
        [np.zeros(first), np.linspace(300, 0, 12), np.zeros(3), np.linspace(10, 80, n - first - 15)]
    )
    target = np.stack([target, 0.5 * target], axis=1)
    table = survival_matrix(lifetime, n, "middle")
    padded = np.concatenate([history, np.zeros((n - first, 2))])
    initial = inflow_driven(padded, table).stock_by_cohort[first - 1, :first]
    full = stock_driven(target, table, initial_stock_by_cohort=initial, shrinking=rule)
    fast = stock_driven_by_age(
        target, survival_by_age(lifetime, n, "middle"), historic_inflow=history, shrinking=rule
    )
    for name in ("stock", "inflow", "outflow", "surplus_stock", "early_retirement"):
        np.testing.assert_allclose(getattr(fast, name), getattr(full, name), rtol=0, atol=1e-9, err_msg=name)
