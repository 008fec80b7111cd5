"""Dynamic stock models: inflow-driven and stock-driven, by cohort, with a closed mass balance.

Notation (arrays are time-first, as in ODYM and flodym): ``inflow[c, ...]`` enters use in year
``c``; ``survival[t, c, ...]`` (from :func:`greenmet.mfa.lifetimes.survival_matrix`) is the share
of it still in use at the end of year ``t``.

* Inflow-driven: ``stock_by_cohort[t, c] = inflow[c] * survival[t, c]``;
  ``outflow_by_cohort[t, c] = stock_by_cohort[t - 1, c] - stock_by_cohort[t, c]`` for ``t > c`` and
  ``inflow[c] - stock_by_cohort[c, c]`` in the inflow year.
* Stock-driven: the lower-triangular system ``sum_c survival[t, c] inflow[c] = stock[t]`` solved
  year by year (forward substitution): ``inflow[t] = (stock[t] - sum_{c<t} stock_by_cohort[t, c])
  / survival[t, t]``.
* Mass balance, every year: ``inflow[t] - outflow[t] - (stock[t] - stock[t - 1]) = 0`` with
  ``stock[-1] = 0`` (historic cohorts are part of the time axis).

Sources: Pauliuk & Heeren 2020, J. Ind. Ecol. 24(3):446, doi 10.1111/jiec.12952; IndEcol/ODYM
``src/odym/dynamic_stock_model.py`` at commit 0da9fcbe862240379d92612c161c163ee0225547
(``compute_s_c_inflow_driven``, ``compute_o_c_from_s_c``, ``compute_stock_driven_model``,
``compute_stock_driven_model_initialstock``,
``compute_stock_driven_model_initialstock_typesplit_negativeinflowcorrect``); pik-piam/flodym
1.1.0 ``flodym/stocks.py`` (``InflowDrivenDSM``, ``StockDrivenDSM``).

Shrinking stocks
----------------
When a prescribed stock falls faster than its cohorts retire, the solved inflow would be negative.
``shrinking`` decides what happens (ODYM issue #10 discusses the trade-offs):

* ``"surplus"`` (default): no inflow that year; the stock stays above the prescribed one and the
  excess is reported in ``surplus_stock``.
* ``"early_retirement"``: no inflow; every older cohort loses the same fraction so that the stock
  meets the prescribed one; the extra outflow is reported in ``early_retirement``. This is ODYM's
  ``NegativeInflowCorrect=True`` (by S. Deetman and S. Pauliuk).
* ``"negative_inflow"``: the negative inflow is kept (ODYM's ``NegativeInflowCorrect=False`` and
  flodym's behaviour); only on request, since a negative inflow is not physical.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

import numpy as np

from greenmet.errors import BalanceError, InputError

__all__ = [
    "SHRINKING_RULES",
    "ShrinkingRule",
    "StockModelResult",
    "check_mass_balance",
    "inflow_driven",
    "inflow_driven_by_age",
    "inflow_from_stock_by_cohort",
    "stock_driven",
    "stock_driven_by_age",
]

ShrinkingRule = Literal["surplus", "early_retirement", "negative_inflow"]
SHRINKING_RULES: tuple[str, ...] = get_args(ShrinkingRule)


@dataclass(frozen=True)
class StockModelResult:
    """Stocks and flows of a dynamic stock model; arrays are time-first.

    Attributes
    ----------
    stock
        In-use stock at the end of each year [unit of inflow]
    inflow
        Inflow into use during each year [unit of inflow per year]
    outflow
        Outflow from use (end of life) during each year [unit of inflow per year]
    stock_by_cohort
        ``[t, c, ...]`` stock of cohort ``c`` at the end of year ``t``; None in the by-age forms.
    outflow_by_cohort
        ``[t, c, ...]`` outflow of cohort ``c`` during year ``t``; None in the by-age forms.
    surplus_stock
        Stock held above the prescribed stock (stock-driven, ``shrinking="surplus"``) [unit of inflow]
    early_retirement
        Extra outflow retired early to meet the prescribed stock
        (``shrinking="early_retirement"``) [unit of inflow per year]
    """

    stock: np.ndarray
    inflow: np.ndarray
    outflow: np.ndarray
    stock_by_cohort: np.ndarray | None
    outflow_by_cohort: np.ndarray | None
    surplus_stock: np.ndarray
    early_retirement: np.ndarray

    @property
    def stock_change(self) -> np.ndarray:
        """``stock[t] - stock[t - 1]`` with ``stock[-1] = 0`` [unit of inflow per year]"""
        return np.diff(self.stock, axis=0, prepend=np.zeros_like(self.stock[:1]))

    @property
    def balance(self) -> np.ndarray:
        """``inflow - outflow - stock_change`` per year, zero when it closes [unit of inflow per year]"""
        return self.inflow - self.outflow - self.stock_change


def check_mass_balance(result: StockModelResult, tolerance: float = 1e-9) -> None:
    """Raise :class:`~greenmet.errors.BalanceError` unless the balance closes in every year.

    ``tolerance`` is relative to the largest stock or flow of the model (greenmet's own
    threshold: 1e-9, far above rounding and far below any meaningful tonnage) [dimensionless].
    """
    scale = max(
        float(np.max(np.abs(result.stock), initial=0.0)),
        float(np.max(np.abs(result.inflow), initial=0.0)),
        1.0,
    )
    worst = float(np.max(np.abs(result.balance), initial=0.0))
    if worst > tolerance * scale:
        year = int(np.unravel_index(np.argmax(np.abs(result.balance)), result.balance.shape)[0])
        raise BalanceError(
            f"the stock model's mass balance does not close in year index {year}",
            field="balance",
            value=worst,
            fix="check the survival table (it must be <= 1 and non-increasing with age)",
        )


def _as_array(values: object, name: str) -> np.ndarray:
    try:
        array = np.array(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise InputError("not a number or array of numbers", field=name, value=values) from error
    if array.ndim == 0:
        raise InputError(
            "must be a series over years", field=name, value=values, fix="give one value per year"
        )
    if not np.all(np.isfinite(array)):
        raise InputError("must be finite", field=name, fix="replace NaN or infinite values")
    return array


def _check_survival(survival: object, n_years: int, rest: tuple[int, ...]) -> np.ndarray:
    table = _as_array(survival, "survival")
    if table.shape[:2] != (n_years, n_years):
        raise InputError(
            "the survival table must be (years, cohorts, ...) with one row and column per year",
            field="survival",
            value=table.shape,
            fix=f"give shape ({n_years}, {n_years}, ...)",
        )
    if np.any(table < 0) or np.any(table > 1):
        raise InputError("survival shares must lie in [0, 1]", field="survival", fix="check the lifetime")
    try:
        return np.broadcast_to(table, (n_years, n_years, *np.broadcast_shapes(table.shape[2:], rest))).copy()
    except ValueError as error:
        raise InputError(
            "the survival table's other dimensions do not match the series'",
            field="survival",
            value=table.shape,
            fix=f"give shape ({n_years}, {n_years}, *{rest})",
        ) from error


def _outflow_by_cohort(stock_by_cohort: np.ndarray, inflow: np.ndarray) -> np.ndarray:
    outflow = np.zeros_like(stock_by_cohort)
    outflow[1:] = stock_by_cohort[:-1] - stock_by_cohort[1:]
    n_years = inflow.shape[0]
    diagonal = np.arange(n_years)
    outflow[diagonal, diagonal] = inflow - stock_by_cohort[diagonal, diagonal]
    upper = np.triu_indices(n_years, k=1)
    outflow[upper] = 0.0
    return outflow


def inflow_from_stock_by_cohort(stock_by_cohort: object, survival_at_end: object) -> np.ndarray:
    """Inflows that left a given age structure: ``inflow[c] = stock_by_cohort[c] / survival[c]``.

    Parameters
    ----------
    stock_by_cohort
        Stock of each cohort at the end of the last historic year (the initial stock and its age
        structure), cohorts first [unit of stock]
    survival_at_end
        Survival of each cohort at the end of that year [dimensionless]

    Returns
    -------
    numpy.ndarray
        Inflow of each cohort [unit of stock per year]. A cohort with no stock left has inflow 0 (its
        past has no effect on the future). A stock that cannot have survived (survival 0) raises
        :class:`~greenmet.errors.InputError`. Source: ODYM ``compute_i_from_s`` (commit 0da9fcb).
    """
    stock = _as_array(stock_by_cohort, "initial_stock_by_cohort")
    alive = np.broadcast_to(_as_array(survival_at_end, "survival"), stock.shape)
    if np.any(stock < 0):
        raise InputError(
            "an initial stock cannot be negative", field="initial_stock_by_cohort", fix="give stocks >= 0"
        )
    impossible = (alive == 0) & (stock > 0)
    if np.any(impossible):
        cohort = int(np.argwhere(impossible)[0][0])
        raise InputError(
            "the initial stock holds a cohort that cannot have survived under the lifetime",
            field=f"initial_stock_by_cohort[{cohort}]",
            value=float(stock[impossible][0]),
            fix="lengthen the lifetime of that cohort or correct the age structure",
        )
    return np.divide(stock, alive, out=np.zeros_like(stock), where=alive != 0)


def inflow_driven(inflow: object, survival: object) -> StockModelResult:
    """Stock and outflow, by cohort, from inflow and lifetime (inflow-driven model).

    Parameters
    ----------
    inflow
        ``(years, ...)`` inflow into use [unit of inflow per year]
    survival
        ``(years, years, ...)`` survival table (from ``survival_matrix``) [dimensionless]

    Returns
    -------
    StockModelResult
        With cohort arrays; ``surplus_stock`` and ``early_retirement`` are zero.
    """
    flows = _as_array(inflow, "inflow")
    table = _check_survival(survival, flows.shape[0], flows.shape[1:])
    flows = np.broadcast_to(flows, (flows.shape[0], *table.shape[2:])).copy()
    stock_by_cohort = table * flows[None, ...]
    outflow_by_cohort = _outflow_by_cohort(stock_by_cohort, flows)
    zeros = np.zeros_like(flows)
    return StockModelResult(
        stock=stock_by_cohort.sum(axis=1),
        inflow=flows,
        outflow=outflow_by_cohort.sum(axis=1),
        stock_by_cohort=stock_by_cohort,
        outflow_by_cohort=outflow_by_cohort,
        surplus_stock=zeros,
        early_retirement=zeros.copy(),
    )


def _check_rule(shrinking: str) -> None:
    if shrinking not in SHRINKING_RULES:
        raise InputError(
            "unknown rule for shrinking stocks",
            field="shrinking",
            value=shrinking,
            fix=f"use one of {', '.join(SHRINKING_RULES)}",
        )


def stock_driven(
    stock: object,
    survival: object,
    *,
    initial_stock_by_cohort: object | None = None,
    inflow_shares: object | None = None,
    shrinking: str = "surplus",
) -> StockModelResult:
    """Inflow and outflow, by cohort, that keep a prescribed stock (stock-driven model).

    Parameters
    ----------
    stock
        ``(years, ...)`` prescribed in-use stock at the end of each year; entries of the historic
        years (before the first year without initial stock) are ignored and replaced by the stock of
        the initial cohorts [unit of stock]
    survival
        ``(years, years, ...)`` survival table, with a last axis of product types when
        ``inflow_shares`` is given [dimensionless]
    initial_stock_by_cohort
        ``(historic years, ...)`` the stock at the end of the last historic year by cohort (its age
        structure); the model solves from the next year on. None: no historic stock [unit of stock]
    inflow_shares
        ``(years, ..., types)`` split of each year's new inflow into product types with their own
        lifetimes (ODYM's type split); shares of a year sum to 1. Results then carry the type axis
        [dimensionless]
    shrinking
        ``"surplus"`` (default), ``"early_retirement"`` or ``"negative_inflow"`` (module docstring).

    Returns
    -------
    StockModelResult
        With cohort arrays; the mass balance closes in every year.
    """
    _check_rule(shrinking)
    target = _as_array(stock, "stock")
    if np.any(target < 0):
        raise InputError("a prescribed stock cannot be negative", field="stock", value=float(target.min()))
    n_years, rest = target.shape[0], target.shape[1:]
    typed = inflow_shares is not None
    if typed:
        shares = _as_array(inflow_shares, "inflow_shares")
        if shares.shape[0] != n_years or shares.ndim < 2:
            raise InputError(
                "inflow shares must be (years, ..., types)",
                field="inflow_shares",
                value=shares.shape,
            )
        sums = shares.sum(axis=-1)
        if np.any(shares < 0) or np.any(np.abs(sums - 1.0) > 1e-9):
            raise InputError(
                "inflow shares must be >= 0 and sum to 1 in every year",
                field="inflow_shares",
                value=float(np.max(np.abs(sums - 1.0))),
                fix="normalise the shares of each year",
            )
        n_types = shares.shape[-1]
        table = _check_survival(survival, n_years, (*rest, n_types))
        shares = np.broadcast_to(shares, (n_years, *table.shape[2:])).copy()
    else:
        table = _check_survival(survival, n_years, rest)[..., None]
        shares = np.ones((n_years, *table.shape[2:]))
    rest = table.shape[2:-1]
    target = np.broadcast_to(target, (n_years, *rest)).copy()
    cohorts = np.zeros_like(table)
    inflow = np.zeros((n_years, *table.shape[2:]))
    surplus = np.zeros((n_years, *rest))
    retired = np.zeros((n_years, *rest))
    first = 0
    if initial_stock_by_cohort is not None:
        initial = _as_array(initial_stock_by_cohort, "initial_stock_by_cohort")
        first = initial.shape[0]
        if not 0 < first < n_years:
            raise InputError(
                "the initial stock must cover fewer cohorts than there are years",
                field="initial_stock_by_cohort",
                value=first,
                fix=f"give 1 to {n_years - 1} historic cohorts",
            )
        if not typed:
            initial = initial[..., None]
        initial = np.broadcast_to(initial, (first, *table.shape[2:]))
        inflow[:first] = inflow_from_stock_by_cohort(initial, table[first - 1, :first])
        cohorts[:, :first] = table[:, :first] * inflow[None, :first]
    for year in range(first, n_years):
        existing = cohorts[year, :year].sum(axis=(0, -1))
        gap = target[year] - existing
        falling = gap < 0
        if shrinking == "negative_inflow":
            falling = np.zeros_like(falling)
        elif shrinking == "surplus":
            surplus[year] = np.where(falling, -gap, 0.0)
        else:
            fraction = np.divide(-gap, existing, out=np.zeros_like(gap), where=falling & (existing > 0))
            retired[year] = fraction * existing
            cohorts[year:, :year] *= (1.0 - fraction)[None, None, ..., None]
        diagonal = table[year, year]
        new = np.divide(
            shares[year] * gap[..., None], diagonal, out=np.zeros_like(diagonal), where=diagonal != 0
        )
        inflow[year] = np.where(falling[..., None], 0.0, new)
        cohorts[year:, year] = table[year:, year] * inflow[year][None, ...]
    outflow_by_cohort = _outflow_by_cohort(cohorts, inflow)
    if not typed:
        cohorts, outflow_by_cohort, inflow = cohorts[..., 0], outflow_by_cohort[..., 0], inflow[..., 0]
    return StockModelResult(
        stock=cohorts.sum(axis=1),
        inflow=inflow,
        outflow=outflow_by_cohort.sum(axis=1),
        stock_by_cohort=cohorts,
        outflow_by_cohort=outflow_by_cohort,
        surplus_stock=surplus,
        early_retirement=retired,
    )


def stock_driven_by_age(
    stock: object,
    survival_by_age: object,
    *,
    historic_inflow: object | None = None,
    shrinking: str = "surplus",
) -> StockModelResult:
    """Stock-driven model for lifetimes that do not change by cohort, without cohort arrays.

    The same equations as :func:`stock_driven`, with ``survival[t, c] = survival_by_age[t - c]``;
    memory grows with years x series instead of years^2 x series, so thousands of scenarios or
    Monte Carlo samples run as one array.

    Parameters
    ----------
    stock
        ``(years, ...)`` prescribed stock; ignored in the historic years [unit of stock]
    survival_by_age
        ``(years, ...)`` survival by age (:func:`~greenmet.mfa.lifetimes.survival_by_age`) [dimensionless]
    historic_inflow
        ``(historic years, ...)`` known inflow of the first years (the model is inflow-driven there
        and stock-driven after); None: stock-driven from the first year [unit of stock per year]
    shrinking
        ``"surplus"`` (default), ``"early_retirement"`` or ``"negative_inflow"``.

    Returns
    -------
    StockModelResult
        Totals only (``stock_by_cohort`` and ``outflow_by_cohort`` are None).
    """
    _check_rule(shrinking)
    target = _as_array(stock, "stock")
    if np.any(target < 0):
        raise InputError("a prescribed stock cannot be negative", field="stock", value=float(target.min()))
    n_years = target.shape[0]
    alive = _as_array(survival_by_age, "survival_by_age")
    if alive.shape[0] != n_years:
        raise InputError(
            "survival by age needs one value per year", field="survival_by_age", value=alive.shape
        )
    if np.any(alive < 0) or np.any(alive > 1):
        raise InputError(
            "survival shares must lie in [0, 1]", field="survival_by_age", fix="check the lifetime"
        )
    known = np.zeros((0,)) if historic_inflow is None else _as_array(historic_inflow, "historic_inflow")
    first = known.shape[0]
    if first > n_years:
        raise InputError("more historic inflows than years", field="historic_inflow", value=first)
    try:
        rest = np.broadcast_shapes(target.shape[1:], alive.shape[1:], known.shape[1:] if first else ())
    except ValueError as error:
        raise InputError(
            "the series' other dimensions do not broadcast",
            field="stock",
            value=(target.shape, alive.shape, known.shape),
        ) from error
    # time last inside: each year's sum over cohorts runs over contiguous memory
    target = np.moveaxis(np.broadcast_to(target, (n_years, *rest)), 0, -1)
    alive = np.ascontiguousarray(np.moveaxis(np.broadcast_to(alive, (n_years, *rest)), 0, -1))
    reversed_alive = alive[..., ::-1].copy()  # reversed_alive[..., n - 1 - a] = alive[..., a]
    effective = np.zeros((*rest, n_years))  # inflow divided by the retirement factor of its year
    inflow = np.zeros((*rest, n_years))
    totals = np.zeros((*rest, n_years))
    surplus = np.zeros((*rest, n_years))
    retired = np.zeros((*rest, n_years))
    factor = np.ones(rest)
    history_on = np.ones(rest)  # 0 once early retirement has wiped the historic cohorts
    historic = np.zeros((*rest, n_years))
    if first:
        inflow[..., :first] = np.moveaxis(np.broadcast_to(known, (first, *rest)), 0, -1)
        # the historic cohorts' stock in every year at once: a convolution of the known inflows with
        # the survival by age, by FFT (O(T log T) per series instead of O(T^2))
        historic = _convolve(np.moveaxis(known, 0, -1), alive)  # un-broadcast inflow: one spectrum per series
        totals[..., :first] = historic[..., :first]
    for year in range(first, n_years):
        # existing stock: historic cohorts (precomputed) plus later cohorts c in [first, year)
        ages = reversed_alive[
            ..., n_years - 1 - (year - first) : n_years - 1
        ]  # alive[year - first] ... alive[1]
        later = np.einsum("...c,...c->...", effective[..., first:year], ages)
        existing = factor * (history_on * historic[..., year] + later)
        gap = target[..., year] - existing
        falling = gap < 0
        if shrinking == "negative_inflow":
            falling = np.zeros_like(falling)
        elif shrinking == "surplus":
            surplus[..., year] = np.where(falling, -gap, 0.0)
        else:
            fraction = np.divide(-gap, existing, out=np.zeros_like(gap), where=falling & (existing > 0))
            retired[..., year] = fraction * existing
            existing = existing * (1.0 - fraction)
            wiped = fraction >= 1.0
            effective[..., first:year] *= np.where(wiped, 0.0, 1.0)[..., None]
            history_on = np.where(wiped, 0.0, history_on)
            factor = np.where(wiped, 1.0, factor * (1.0 - fraction))
        first_year_survival = alive[..., 0]
        new = np.divide(gap, first_year_survival, out=np.zeros_like(gap), where=first_year_survival != 0)
        inflow[..., year] = np.where(falling, 0.0, new)
        effective[..., year] = inflow[..., year] / factor
        totals[..., year] = existing + inflow[..., year] * first_year_survival
    stock_total = np.moveaxis(totals, -1, 0)
    inflow_total = np.moveaxis(inflow, -1, 0)
    change = np.diff(stock_total, axis=0, prepend=np.zeros_like(stock_total[:1]))
    return StockModelResult(
        stock=stock_total,
        inflow=inflow_total,
        outflow=inflow_total - change,
        stock_by_cohort=None,
        outflow_by_cohort=None,
        surplus_stock=np.moveaxis(surplus, -1, 0),
        early_retirement=np.moveaxis(retired, -1, 0),
    )


def _convolve(inflow: np.ndarray, alive: np.ndarray) -> np.ndarray:
    """``out[..., t] = sum_c inflow[..., c] * alive[..., t - c]`` for every year t (time last)."""
    n_years = alive.shape[-1]
    size = 1 << int(np.ceil(np.log2(n_years + inflow.shape[-1])))
    spectrum = np.fft.rfft(inflow, size, axis=-1) * np.fft.rfft(alive, size, axis=-1)
    return np.fft.irfft(spectrum, size, axis=-1)[..., :n_years]


def inflow_driven_by_age(inflow: object, survival_by_age: object) -> StockModelResult:
    """Inflow-driven model for lifetimes that do not change by cohort, without cohort arrays.

    Parameters
    ----------
    inflow
        ``(years, ...)`` inflow into use [unit of inflow per year]
    survival_by_age
        ``(years, ...)`` survival by age [dimensionless]

    Returns
    -------
    StockModelResult
        Totals only.
    """
    flows = _as_array(inflow, "inflow")
    return stock_driven_by_age(np.zeros_like(flows), survival_by_age, historic_inflow=flows)
