"""Lifetime distributions of products in use and their survival tables.

A lifetime says how long a tonne of steel or aluminium stays in use after it entered the stock.
The survival table ``survival[t, c, ...]`` is the share of the inflow of cohort ``c`` (the year it
entered use) still in use at the end of year ``t``; it is zero above the diagonal (``t < c``).

The five distributions and their parameterisation are those of ODYM and flodym, so that results
can be compared number for number:

* ``fixed``: every item leaves when its age reaches ``mean``: survival = 1 if age < mean else 0.
* ``normal``: ``scipy.stats.norm.sf(age, loc=mean, scale=standard_deviation)``; no truncation at
  negative ages (the mass of negative ages leaves in the inflow year).
* ``folded_normal``: ``scipy.stats.foldnorm.sf(age, mean / sd, 0, scale=sd)``, where ``mean`` and
  ``standard_deviation`` are those of the normal distribution *before* folding.
* ``lognormal``: ``mean`` and ``standard_deviation`` are those of the lognormal distribution itself,
  converted to the parameters of the underlying normal by the method of moments:
  sigma = sqrt(ln(1 + sd^2 / mean^2)), mu = ln(mean / sqrt(1 + sd^2 / mean^2)) (flodym 1.1.0,
  ``LogNormalLifetime``; e.g. Limpert, Stahel & Abbt 2001, BioScience 51(5):341, Table 1).
* ``lognormal_odym``: ODYM's conversion (commit 0da9fcb, ``compute_sf``), which uses the ratio
  mean^2 / sd^2 where the moments need sd^2 / mean^2: sigma = sqrt(ln(1 + mean^2 / sd^2)),
  mu = ln(mean / sqrt(1 + mean^2 / sd^2)). The mean is kept but the spread is not (the two agree
  only when mean = sd, the case ODYM's own lognormal test uses). Offered only to reproduce ODYM
  results; greenmet found this while reproducing ODYM's type-split test arrays.
* ``weibull``: ``scipy.stats.weibull_min.sf(age, c=weibull_shape, scale=weibull_scale)``.

A cohort with a lifetime of zero (``mean`` = 0, or ``weibull_shape`` = 0) leaves in the year it
entered use (survival 0), as in ODYM.

Sources: IndEcol/ODYM ``src/odym/dynamic_stock_model.py`` (method ``compute_sf``) at commit
0da9fcbe862240379d92612c161c163ee0225547; pik-piam/flodym 1.1.0 ``flodym/lifetime_models.py``
(PyPI release 1.1.0); Pauliuk & Heeren 2020, J. Ind. Ecol. 24(3):446, doi 10.1111/jiec.12952.

Age convention
--------------
The age at which survival is evaluated at the end of year ``t`` for cohort ``c`` is
``t - c + offset``, with ``offset`` set by ``inflow_timing``:

* ``"end"``: inflow at the end of its year, age = t - c (ODYM's convention, and flodym's
  ``inflow_at="end"``);
* ``"middle"``: inflow in the middle of its year, age = t - c + 0.5 (flodym's default,
  ``inflow_at="middle"``; greenmet's default, because inflow is spread over the year);
* ``"start"``: inflow at the start of its year, age = t - c + 1 (flodym's ``inflow_at="start"``).

Parameters vary by cohort and by any other dimension: each parameter is a scalar or an array whose
first axis is the cohort (length 1 or the number of years) and whose further axes (sector, region,
product, Monte Carlo sample …) broadcast against each other, as in flodym.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import scipy.special
import scipy.stats

from greenmet.errors import InputError

__all__ = [
    "INFLOW_TIMINGS",
    "LIFETIME_KINDS",
    "InflowTiming",
    "Lifetime",
    "LifetimeKind",
    "age_offset",
    "survival_by_age",
    "survival_matrix",
]

LifetimeKind = Literal["fixed", "normal", "folded_normal", "lognormal", "lognormal_odym", "weibull"]
InflowTiming = Literal["end", "middle", "start"]
LIFETIME_KINDS: tuple[str, ...] = get_args(LifetimeKind)
INFLOW_TIMINGS: tuple[str, ...] = get_args(InflowTiming)

_PARAMETERS: dict[str, tuple[str, ...]] = {
    "fixed": ("mean",),
    "normal": ("mean", "standard_deviation"),
    "folded_normal": ("mean", "standard_deviation"),
    "lognormal": ("mean", "standard_deviation"),
    "lognormal_odym": ("mean", "standard_deviation"),
    "weibull": ("weibull_shape", "weibull_scale"),
}
_OFFSETS = {"end": 0.0, "middle": 0.5, "start": 1.0}


def age_offset(inflow_timing: str) -> float:
    """The age at the end of the inflow year under an inflow timing (0, 0.5 or 1) [year]."""
    if inflow_timing not in _OFFSETS:
        raise InputError(
            "unknown inflow timing",
            field="inflow_timing",
            value=inflow_timing,
            fix=f"use one of {', '.join(INFLOW_TIMINGS)} ('end' is ODYM's convention, "
            "'middle' flodym's default)",
        )
    return _OFFSETS[inflow_timing]


@dataclass(frozen=True)
class Lifetime:
    """A lifetime distribution whose parameters may vary by cohort and by other dimensions.

    Parameters
    ----------
    kind
        ``fixed``, ``normal``, ``folded_normal``, ``lognormal``, ``lognormal_odym`` or ``weibull``.
    mean
        Mean lifetime (fixed, normal, folded normal before folding, lognormal) [year]
    standard_deviation
        Standard deviation of the lifetime (normal, folded normal before folding, lognormal) [year]
    weibull_shape
        Shape parameter k of the Weibull distribution [dimensionless]
    weibull_scale
        Scale parameter lambda of the Weibull distribution [year]
    name
        What the lifetime belongs to, used in error messages (e.g. ``lifetime.construction``).

    Each parameter is a scalar or an array whose first axis is the cohort (length 1 for a lifetime
    that does not change by cohort) and whose other axes broadcast. Impossible parameters (negative
    or non-finite lifetimes, a zero spread of a non-zero lifetime) raise
    :class:`~greenmet.errors.InputError` naming the parameter.
    """

    kind: str
    mean: object = None
    standard_deviation: object = None
    weibull_shape: object = None
    weibull_scale: object = None
    name: str = "lifetime"
    _arrays: dict[str, np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in _PARAMETERS:
            raise InputError(
                "unknown lifetime distribution",
                field=f"{self.name}.kind",
                value=self.kind,
                fix=f"use one of {', '.join(LIFETIME_KINDS)}",
            )
        arrays: dict[str, np.ndarray] = {}
        for parameter in _PARAMETERS[self.kind]:
            raw = getattr(self, parameter)
            label = f"{self.name}.{parameter}"
            if raw is None:
                raise InputError(
                    f"a {self.kind} lifetime needs {parameter}",
                    field=label,
                    fix=f"give {', '.join(_PARAMETERS[self.kind])}",
                )
            try:
                array = np.array(raw, dtype=float)  # a copy: the caller's array is never kept
            except (TypeError, ValueError) as error:
                raise InputError("not a number or array of numbers", field=label, value=raw) from error
            if not np.all(np.isfinite(array)):
                raise InputError("must be finite", field=label, value=raw, fix="give finite numbers")
            if np.any(array < 0):
                raise InputError(
                    "a lifetime parameter cannot be negative",
                    field=label,
                    value=float(array.min()),
                    fix="give values >= 0",
                )
            arrays[parameter] = array
        try:
            np.broadcast_shapes(*(np.shape(a) for a in arrays.values()))
        except ValueError as error:
            raise InputError(
                "the lifetime parameters' shapes do not broadcast",
                field=self.name,
                value={k: np.shape(a) for k, a in arrays.items()},
                fix="give arrays of shape (cohorts or 1, *other dimensions)",
            ) from error
        if self.kind in ("normal", "folded_normal", "lognormal", "lognormal_odym"):
            mean, spread = np.broadcast_arrays(arrays["mean"], arrays["standard_deviation"])
            if np.any((spread == 0) & (mean > 0)):
                raise InputError(
                    f"a {self.kind} lifetime needs a standard deviation > 0",
                    field=f"{self.name}.standard_deviation",
                    value=0.0,
                    fix="give a spread > 0, or use kind = 'fixed' for a lifetime without spread",
                )
        if self.kind == "weibull":
            shape, scale = np.broadcast_arrays(arrays["weibull_shape"], arrays["weibull_scale"])
            if np.any((scale == 0) & (shape > 0)):
                raise InputError(
                    "a Weibull lifetime needs a scale > 0",
                    field=f"{self.name}.weibull_scale",
                    value=0.0,
                    fix="give weibull_scale > 0",
                )
        object.__setattr__(self, "_arrays", arrays)

    @property
    def parameters(self) -> dict[str, np.ndarray]:
        """Copies of the parameter arrays, by name."""
        return {name: array.copy() for name, array in self._arrays.items()}

    def _broadcast(self) -> tuple[tuple[int, ...], dict[str, np.ndarray]]:
        """Parameters as arrays of shape (cohorts or 1, *rest) and the shape ``rest``."""
        shapes = [a.shape if a.ndim else (1,) for a in self._arrays.values()]
        full = np.broadcast_shapes(*shapes)
        return full[1:], {
            k: np.broadcast_to(a.reshape(a.shape or (1,)), full) for k, a in self._arrays.items()
        }

    @property
    def varies_by_cohort(self) -> bool:
        """True when a parameter's first (cohort) axis is longer than 1."""
        return any(a.ndim > 0 and a.shape[0] > 1 for a in self._arrays.values())

    def survival(self, ages: np.ndarray, parameters: dict[str, np.ndarray]) -> np.ndarray:
        """Survival function at ``ages``, with parameter arrays broadcast against them [dimensionless]."""
        if self.kind == "fixed":
            return (ages < parameters["mean"]).astype(float)
        if self.kind == "weibull":
            shape, scale = parameters["weibull_shape"], parameters["weibull_scale"]
            alive = shape > 0
            safe_shape, safe_scale = np.where(alive, shape, 1.0), np.where(alive, scale, 1.0)
            values = scipy.stats.weibull_min.sf(ages, c=safe_shape, loc=0, scale=safe_scale)
            return np.where(alive, values, 0.0)
        mean, spread = parameters["mean"], parameters["standard_deviation"]
        alive = mean > 0
        safe_mean, safe_spread = np.where(alive, mean, 1.0), np.where(alive, spread, 1.0)
        if self.kind == "normal":
            # scipy.stats.norm.sf(x, loc, scale) is ndtr(-(x - loc) / scale); called directly (same
            # numbers) to skip the distribution machinery on large sample arrays
            values = scipy.special.ndtr((safe_mean - ages) / safe_spread)
        elif self.kind == "folded_normal":
            values = scipy.stats.foldnorm.sf(ages, safe_mean / safe_spread, 0, scale=safe_spread)
        else:  # lognormal: parameters of the distribution itself, converted to the normal's
            if self.kind == "lognormal":
                ratio = 1.0 + safe_spread * safe_spread / (safe_mean * safe_mean)
            else:  # ODYM's conversion, see the module docstring
                ratio = 1.0 + safe_mean * safe_mean / (safe_spread * safe_spread)
            mu = np.log(safe_mean / np.sqrt(ratio))
            sigma = np.sqrt(np.log(ratio))
            values = scipy.stats.lognorm.sf(ages, s=sigma, loc=0, scale=np.exp(mu))
        return np.where(alive, values, 0.0)


def _check_years(n_years: int) -> None:
    if not isinstance(n_years, (int, np.integer)) or isinstance(n_years, bool) or n_years < 1:
        raise InputError("the number of years must be a whole number >= 1", field="n_years", value=n_years)


def survival_matrix(lifetime: Lifetime, n_years: int, inflow_timing: str = "middle") -> np.ndarray:
    """Survival table of every cohort at the end of every year.

    ``survival[t, c, ...]`` = survival function of the lifetime of cohort ``c`` at age
    ``t - c + offset(inflow_timing)``, zero for ``t < c`` (see the module docstring for the sources
    and the conventions).

    Parameters
    ----------
    lifetime
        The distribution; its parameters' first axis is the cohort (length 1 or ``n_years``).
    n_years
        Number of years (and cohorts) of the model [dimensionless]
    inflow_timing
        ``"end"`` (ODYM), ``"middle"`` (flodym's default) or ``"start"``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_years, n_years, *rest)`` [dimensionless]
    """
    _check_years(n_years)
    offset = age_offset(inflow_timing)
    rest, parameters = lifetime._broadcast()
    cohorts_given = next(iter(parameters.values())).shape[0]
    if cohorts_given not in (1, n_years):
        raise InputError(
            "the lifetime's cohort axis does not match the years",
            field=lifetime.name,
            value=cohorts_given,
            fix=f"give 1 or {n_years} values along the first axis",
        )
    year = np.arange(n_years)
    ages = (year[:, None] - year[None, :]).astype(float) + offset  # (t, c)
    expand = (slice(None), slice(None)) + (None,) * len(rest)
    cohort_parameters = {k: a[None, ...] for k, a in parameters.items()}  # (1, c or 1, *rest)
    values = lifetime.survival(ages[expand], cohort_parameters)
    values = np.broadcast_to(values, (n_years, n_years, *rest)).copy()
    values[np.triu_indices(n_years, k=1)] = 0.0
    return values


def survival_by_age(lifetime: Lifetime, n_years: int, inflow_timing: str = "middle") -> np.ndarray:
    """Survival by age, for lifetimes that do not change by cohort.

    ``survival[a, ...]`` is the share of an inflow still in use ``a`` years after its inflow year
    (at age ``a + offset``); the survival table is then ``survival_matrix[t, c] = survival[t - c]``.
    This is the compact form used for many scenarios or samples at once.

    Parameters
    ----------
    lifetime
        The distribution; its parameters' first axis must have length 1 (no change by cohort).
    n_years
        Number of ages to evaluate [dimensionless]
    inflow_timing
        ``"end"`` (ODYM), ``"middle"`` (flodym's default) or ``"start"``.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_years, *rest)`` [dimensionless]
    """
    _check_years(n_years)
    if lifetime.varies_by_cohort:
        raise InputError(
            "this lifetime changes by cohort, so survival depends on more than the age",
            field=lifetime.name,
            fix="use survival_matrix for cohort-dependent lifetimes",
        )
    offset = age_offset(inflow_timing)
    rest, parameters = lifetime._broadcast()
    ages = np.arange(n_years, dtype=float) + offset
    expand = (slice(None),) + (None,) * len(rest)
    values = lifetime.survival(ages[expand], {k: a[0][None, ...] for k, a in parameters.items()})
    return np.broadcast_to(values, (n_years, *rest)).copy()
