"""Energy limits of China's standards as versioned data: edition choice, corrections, verdicts.

The levels live in the reference table ``energy_limits`` (one row per standard, edition, process,
variant and level, with the table of the standard it comes from) and the corrections in
``energy_limit_corrections`` (their coefficients in rows, their formulas here). Level 1 is the
advanced level, level 2 the level for new and expanded plants, level 3 the limit that existing
plants must meet (GB 21346-2022 foreword: 先进值/准入值/限定值 renamed 1级/2级/3级).

Edition
    The edition in force on 31 December of the reporting year (``effective_from`` ≤ that day ≤
    ``effective_to``); greenmet's choice for a year in which an edition changes (GB 21256-2025
    takes effect on 2026-07-01, so 2026 is judged by the 2025 edition). A year no edition covers is
    an error; an explicit ``edition=`` overrides the choice.

Corrections (coefficients and the kind of each row in ``energy_limit_corrections``)
    ``share_above``   L += c × min(cap, max(0, x − reference))   (ore shares, scrap ratio, moisture)
    ``share_below``   L += c × min(cap, max(0, reference − x))   (GB 21256-2025 Table 3: 3.61 per
                      point of feed grade below 62 %, at most 5 points)
    ``flag``          L += c when the condition equals ``category`` (steel grades, wet quenching)
    ``interval``      L += c when reference ≤ x < cap              (coke-oven age)
    ``multiplier``    L_base × c when the condition equals ``category`` (all-stainless EAF,
                      GB 21256-2025 Table 5), applied before the additive corrections
    A correction whose condition is not given is not applied and is named in the result
    (``corrections_missing``), never guessed.

Verdicts (lower is better; "≤", so a value equal to a level meets it, as the standards compare)
    x ≤ L1 advanced; ≤ L2 new_plant_level; ≤ L3 meets_limit; > L3 fails_limit. Where a band has no
    level 2 (GB 21256-2025 Table 5, EAF below 70 t), L1 < x ≤ L3 is meets_limit.
    NDRC policy layer: x ≤ benchmark at_or_better_than_benchmark; ≤ baseline
    between_baseline_and_benchmark; else worse_than_baseline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from greenmet.errors import InputError, UnknownKeyError
from greenmet.refdata import load_table

__all__ = [
    "GB_VERDICTS",
    "POLICY_STANDARD",
    "POLICY_VERDICTS",
    "LevelSet",
    "apply_corrections",
    "choose_edition",
    "correction_delta",
    "energy_levels",
    "gb_verdicts",
    "policy_levels",
    "policy_verdicts",
    "standard_for_process",
]

POLICY_STANDARD = "NDRC benchmark"
"""The ``standard`` of the NDRC benchmark/baseline rows in ``energy_limits``."""

GB_VERDICTS: tuple[str, ...] = ("advanced", "new_plant_level", "meets_limit", "fails_limit")
POLICY_VERDICTS: tuple[str, ...] = (
    "at_or_better_than_benchmark",
    "between_baseline_and_benchmark",
    "worse_than_baseline",
)


@dataclass(frozen=True)
class LevelSet:
    """The levels that apply to one indicator after corrections.

    Attributes
    ----------
    standard, edition, process, variant
        Which rows of ``energy_limits`` they come from.
    unit
        Unit of the levels (``kgce/t``, ``kWh/t``).
    levels
        Level name → value after corrections (``"1"``, ``"2"``, ``"3"``; ``"benchmark"``,
        ``"baseline"``); a level the standard does not set is absent.
    base_levels
        The same before corrections.
    corrections_applied, corrections_missing
        Names of the corrections applied, and of those whose condition was not given.
    sources
        Sources of the level rows and of the corrections applied.
    needs_verification
        True if any row used is unconfirmed: results using it are provisional.
    electricity_basis
        Row of ``energy_conversion_factors`` the standard converts electricity with.
    """

    standard: str
    edition: str
    process: str
    variant: str
    unit: str
    levels: dict[str, float]
    base_levels: dict[str, float]
    corrections_applied: tuple[str, ...] = ()
    corrections_missing: tuple[str, ...] = ()
    sources: tuple[str, ...] = field(default=())
    needs_verification: bool = False
    electricity_basis: str = "calorific_equivalent"


@cache
def _limits() -> pd.DataFrame:
    table = load_table("energy_limits")
    table["from"] = pd.to_datetime(table["effective_from"]).dt.date
    table["to"] = pd.to_datetime(table["effective_to"].replace("", "2999-12-31")).dt.date
    return table


@cache
def _corrections() -> pd.DataFrame:
    return load_table("energy_limit_corrections")


def standard_for_process(process: str) -> str:
    """The mandatory standard (not the NDRC layer) whose tables hold ``process``.

    Raises
    ------
    UnknownKeyError
        If no standard has the process; the message lists the processes that exist.
    """
    table = _limits()
    rows = table[(table["process"] == process) & (table["standard"] != POLICY_STANDARD)]
    if rows.empty:
        known = sorted(table.loc[table["standard"] != POLICY_STANDARD, "process"].unique())
        raise UnknownKeyError(
            "process not in the energy-limit standards",
            field="process",
            value=process,
            fix=f"use one of {', '.join(known)}",
        )
    return str(rows["standard"].iloc[0])


def choose_edition(standard: str, year: int, edition: str | None = None) -> str:
    """The edition of ``standard`` for the reporting ``year`` (see the module docstring).

    Raises
    ------
    InputError
        If no edition is in force on 31 December of ``year``, or ``edition`` is not shipped.
    """
    table = _limits()
    rows = table[table["standard"] == standard]
    editions = sorted(rows["edition"].unique())
    if edition is not None:
        if edition not in editions:
            raise InputError(
                f"{standard} has no edition {edition!r}",
                field="edition",
                value=edition,
                fix=f"use one of {', '.join(editions)}",
            )
        return edition
    day = date(year, 12, 31)
    current = rows[(rows["from"] <= day) & (rows["to"] >= day)]
    if current.empty:
        spans = "; ".join(
            f"{ed}: {group['from'].min().isoformat()} to "
            f"{'open' if group['to'].max().year == 2999 else group['to'].max().isoformat()}"
            for ed, group in rows.groupby("edition")
        )
        raise InputError(
            f"no edition of {standard} covers the reporting year {year}",
            field="reporting_year",
            value=year,
            fix=f"editions shipped: {spans}; give a year they cover or name an edition",
        )
    return str(current["edition"].iloc[0])


def _rows(standard: str, edition: str, process: str, variant: str) -> pd.DataFrame:
    table = _limits()
    rows = table[
        (table["standard"] == standard) & (table["edition"] == edition) & (table["process"] == process)
    ]
    if rows.empty:
        edition_rows = table[(table["standard"] == standard) & (table["edition"] == edition)]
        raise UnknownKeyError(
            f"{standard}-{edition} has no process {process!r}",
            field="process",
            value=process,
            fix=f"processes of this edition: {', '.join(sorted(edition_rows['process'].unique()))}",
        )
    chosen = rows[rows["variant"] == variant]
    if chosen.empty:
        raise UnknownKeyError(
            f"{standard}-{edition} has no variant {variant!r} of {process}",
            field="variant",
            value=variant,
            fix=f"use one of {', '.join(sorted(rows['variant'].unique()))}",
        )
    return chosen


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(
            "condition is not a number",
            field=f"conditions.{name}",
            value=value,
            fix="give a number (percentages as 0-100, ages in years)",
        )
    number = float(value)
    if not math.isfinite(number):
        raise InputError(
            "condition is not a finite number",
            field=f"conditions.{name}",
            value=value,
            fix="give a measured number",
        )
    if name.endswith("_percent") and not 0.0 <= number <= 100.0:
        raise InputError(
            "percentage outside 0-100",
            field=f"conditions.{name}",
            value=value,
            fix="give the share in percent, 0 to 100",
        )
    return number


def apply_corrections(
    standard: str,
    edition: str,
    process: str,
    variant: str,
    base: Mapping[str, float],
    conditions: Mapping[str, Any],
) -> tuple[dict[str, float], list[str], list[str], list[str], bool]:
    """Correct the base ``levels`` for the ``conditions`` of the plant (module docstring).

    Parameters
    ----------
    standard, edition, process, variant
        The rows of ``energy_limit_corrections`` to use.
    base
        Level name → base value.
    conditions
        Condition name → value (``iron_ore_grade_percent``, ``scrap_ratio_percent``,
        ``steel_grade`` …).

    Returns
    -------
    tuple
        (corrected levels, corrections applied, corrections missing a condition, sources,
        needs_verification of any row applied).
    """
    table = _corrections()
    rows = table[
        (table["standard"] == standard)
        & (table["edition"] == edition)
        & (table["process"] == process)
        & table["variant"].isin(["*", variant])
    ]
    # A condition no edition of any standard uses for the process is a mistake (a typo); one that
    # another edition uses is simply not applied by this one.
    known = set(table.loc[table["process"] == process, "parameter"])
    stray = sorted(set(conditions) - known - _COMMON_CONDITIONS)
    if stray:
        raise UnknownKeyError(
            f"no edition of {standard} has a correction for these conditions of {process}",
            field="conditions",
            value=stray,
            fix=f"use {', '.join(sorted(known)) or 'no conditions'} for this process",
        )
    levels = dict(base)
    applied: list[str] = []
    missing: list[str] = []
    sources: list[str] = []
    provisional = False
    ordered = pd.concat([rows[rows["kind"] == "multiplier"], rows[rows["kind"] != "multiplier"]])
    for row in ordered.to_dict("records"):
        parameter, kind = row["parameter"], row["kind"]
        if parameter not in conditions:
            if kind not in ("flag", "multiplier") and row["correction"] not in missing:
                missing.append(row["correction"])
            continue
        value = conditions[parameter]
        coefficient, reference, cap = row["coefficient"], row["reference"], row["cap"]
        if kind in ("flag", "multiplier"):
            categories = set(rows.loc[rows["parameter"] == parameter, "category"]) | {
                _BASE_CATEGORY[parameter]
            }
            if str(value) not in categories:
                raise UnknownKeyError(
                    f"{parameter} {value!r} is not a category of {standard}-{edition} for {process}",
                    field=f"conditions.{parameter}",
                    value=value,
                    fix=f"use one of {', '.join(sorted(categories))}",
                )
            if str(value) != row["category"]:
                continue
            delta = coefficient
        else:
            delta = float(correction_delta(kind, coefficient, reference, cap, _number(value, parameter)))
        targets = list(levels) if row["level"] == "all" else [row["level"]] if row["level"] in levels else []
        for level in targets:
            levels[level] = levels[level] * delta if kind == "multiplier" else levels[level] + delta
        if targets and row["correction"] not in applied:
            applied.append(row["correction"])
            sources.append(row["source"])
            provisional |= bool(row["needs_verification"])
    return levels, applied, missing, sources, provisional


def correction_delta(kind: str, coefficient: float, reference: float, cap: float, x: Any) -> np.ndarray:
    """The additive correction of one ``energy_limit_corrections`` row for condition values ``x``.

    ``share_above``: c × clip(x − reference, 0, cap); ``share_below``: c × clip(reference − x, 0,
    cap); ``interval``: c where reference ≤ x < cap, else 0 (module docstring). NaN in ``x`` gives
    NaN (the caller decides what a missing condition means).

    Parameters
    ----------
    kind
        The row's kind.
    coefficient, reference, cap
        The row's numbers. [unit of the row]
    x
        Condition values, scalar or array. [unit of the condition]

    Returns
    -------
    numpy.ndarray
        The correction to add to the level. [unit of the level]
    """
    values = np.asarray(x, dtype=float)
    if kind == "share_above":
        return coefficient * np.clip(values - reference, 0.0, cap)
    if kind == "share_below":
        return coefficient * np.clip(reference - values, 0.0, cap)
    if kind == "interval":
        inside = (values >= reference) & (values < cap)
        return np.where(np.isnan(values), np.nan, np.where(inside, coefficient, 0.0))
    raise InputError(
        "not a numeric correction kind",
        field="kind",
        value=kind,
        fix="use share_above, share_below or interval",
    )


# Conditions the evaluation reads for other purposes (band choice), not corrections.
_COMMON_CONDITIONS = {"steel_grade"}
# The category of a flag condition that takes no correction (the standards' base case).
_BASE_CATEGORY = {"steel_grade": "ordinary", "quenching": "dry"}


def energy_levels(
    process: str,
    year: int,
    *,
    variant: str = "all",
    conditions: Mapping[str, Any] | None = None,
    edition: str | None = None,
) -> LevelSet:
    """Levels 1/2/3 of the mandatory standard for ``process`` after the plant's corrections.

    Parameters
    ----------
    process
        Process key of ``energy_limits`` (``"blast_furnace"``, ``"bof"``, ``"eaf"`` …).
    year
        Reporting year (chooses the edition).
    variant
        Band or indicator of the process (``"70t_and_above"``, ``"liquid_ac_power"``; ``"all"``).
    conditions
        Plant conditions for the corrections.
    edition
        Force an edition instead of the one in force.

    Returns
    -------
    LevelSet
        Levels, sources and verification status.
    """
    standard = standard_for_process(process)
    chosen = choose_edition(standard, year, edition)
    rows = _rows(standard, chosen, process, variant)
    base = {str(r["level"]): float(r["value"]) for r in rows.to_dict("records")}
    levels, applied, missing, correction_sources, provisional = apply_corrections(
        standard, chosen, process, variant, base, conditions or {}
    )
    return LevelSet(
        standard=standard,
        edition=chosen,
        process=process,
        variant=variant,
        unit=str(rows["unit"].iloc[0]),
        levels=levels,
        base_levels=base,
        corrections_applied=tuple(applied),
        corrections_missing=tuple(missing),
        sources=tuple(dict.fromkeys([*rows["source"], *correction_sources])),
        needs_verification=bool(rows["needs_verification"].any()) or provisional,
        electricity_basis=str(rows["electricity_basis"].iloc[0]),
    )


def policy_levels(
    process: str, year: int, *, variant: str = "all", edition: str | None = None
) -> LevelSet | None:
    """The NDRC benchmark and baseline of ``process`` for ``year``, or None where none applies.

    The policy layer is optional: a year before the 2021 edition, or a process or variant the
    NDRC tables do not list, gives None (the evaluation notes it) rather than an error.
    """
    table = _limits()
    rows = table[
        (table["standard"] == POLICY_STANDARD) & (table["process"] == process) & (table["variant"] == variant)
    ]
    if rows.empty:
        return None
    try:
        chosen = choose_edition(POLICY_STANDARD, year, edition)
    except InputError:
        if edition is not None:
            raise
        return None
    rows = rows[rows["edition"] == chosen]
    if rows.empty:
        return None
    levels = {str(r["level"]): float(r["value"]) for r in rows.to_dict("records")}
    return LevelSet(
        standard=POLICY_STANDARD,
        edition=chosen,
        process=process,
        variant=variant,
        unit=str(rows["unit"].iloc[0]),
        levels=levels,
        base_levels=dict(levels),
        sources=tuple(dict.fromkeys(rows["source"])),
        needs_verification=bool(rows["needs_verification"].any()),
    )


def gb_verdicts(value: Any, level_1: Any, level_2: Any, level_3: Any) -> np.ndarray:
    """Verdicts against levels 1/2/3, elementwise (NaN level 2 where the standard sets none).

    Parameters
    ----------
    value
        Indicator values. [unit of the levels]
    level_1, level_2, level_3
        Levels after corrections, same shape or scalars. [unit of the levels]

    Returns
    -------
    numpy.ndarray
        One of :data:`GB_VERDICTS` per value (object array).
    """
    x = np.asarray(value, dtype=float)
    l1, l2, l3 = (np.broadcast_to(np.asarray(v, dtype=float), x.shape) for v in (level_1, level_2, level_3))
    at_2 = np.where(np.isnan(l2), False, x <= l2)
    return np.select([x <= l1, at_2, x <= l3], list(GB_VERDICTS[:3]), default=GB_VERDICTS[3]).astype(object)


def policy_verdicts(value: Any, benchmark: Any, baseline: Any) -> np.ndarray:
    """Verdicts against the NDRC benchmark and baseline, elementwise (module docstring).

    Parameters
    ----------
    value
        Indicator values. [unit of the levels]
    benchmark, baseline
        Policy levels. [unit of the levels]

    Returns
    -------
    numpy.ndarray
        One of :data:`POLICY_VERDICTS` per value.
    """
    x = np.asarray(value, dtype=float)
    return np.select(
        [x <= np.asarray(benchmark, dtype=float), x <= np.asarray(baseline, dtype=float)],
        list(POLICY_VERDICTS[:2]),
        default=POLICY_VERDICTS[2],
    ).astype(object)
