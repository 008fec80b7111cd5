"""Stack emissions from raw CEMS hours: O2 normalisation and the monthly share of compliant hours.

Rules (table ``emission_limits`` and ``evaluation_rules``, each row with its source):

- Limits are hourly means at standard, dry conditions, in mg/Nm3, normalised to the source's
  reference O2 where one is set:  C_ref = C × (21 − O2_ref) / (21 − O2)  (the form of HJ 75-2017
  and the 2019 steel ultra-low-emission opinion, 环大气〔2019〕35号; 21 = O2 of dry air, row
  ``oxygen_in_air``). O2 at or above 21 % cannot be flue gas and is an error naming the row.
- An hour counts when its CEMS data flag is ``N`` (normal) and it has a concentration (and an O2
  where normalisation needs one). Other flags (HJ 212-2017 data flags: C calibration, M
  maintenance, D fault, F stopped, T over range, B communication fault, S manual entry …) make the
  hour invalid: flagged, counted and excluded, never silently dropped (a stopped stack reading
  ambient air, O2 ≈ 21 %, is such an hour; O2 at or above 21 % on a normal hour is an error).
  Hours of the calendar month without a row are counted as missing.
- The steel ultra-low-emission rule: hourly means meet the limit in at least 95 % of the (valid)
  hours of every month (``ule_min_compliant_hour_share``). A month without a valid hour has the
  verdict ``no_valid_hours``.
- Comparisons are "≤": an hour exactly at the limit complies.

:func:`compliance_counts` is the vectorised core over a block of series × hours (one call for a
fleet); :func:`monthly_compliance` validates a long CEMS table of one enterprise, pivots it into
that block and returns one row per stack, pollutant and month.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from greenmet.errors import InputError, UnknownKeyError
from greenmet.refdata import factor, load_table
from greenmet.units import convert

__all__ = [
    "CEMS_COLUMNS",
    "MONTHLY_COLUMNS",
    "POLLUTANTS",
    "VALID_FLAG",
    "compliance_counts",
    "emission_limit",
    "monthly_compliance",
    "normalise_oxygen",
]

CEMS_COLUMNS: tuple[str, ...] = (
    "stack_id",
    "hour",
    "pollutant",
    "concentration_mg_per_nm3",
    "oxygen_percent",
    "status",
)
"""Columns of a raw CEMS table (one row per stack, pollutant and hour; ``hour`` = start, UTC)."""

MONTHLY_COLUMNS: tuple[str, ...] = (
    "stack_id",
    "source_kind",
    "pollutant",
    "month",
    "hours_in_month",
    "hours_missing",
    "hours_invalid",
    "hours_valid",
    "hours_compliant",
    "compliant_share",
    "required_share",
    "verdict",
    "limit_mg_per_nm3",
    "reference_oxygen_percent",
    "max_hourly_mg_per_nm3",
    "needs_verification",
    "source",
)
"""Columns of :func:`monthly_compliance`."""

POLLUTANTS: tuple[str, ...] = ("particulate_matter", "sulphur_dioxide", "nitrogen_oxides", "fluoride")
VALID_FLAG = "N"
"""The CEMS data flag of a normal hour (HJ 212-2017)."""


@cache
def _oxygen_in_air() -> float:
    row = factor("evaluation_rules", rule="oxygen_in_air", edition="any")
    return float(convert(row.value, row.unit, "%"))


@cache
def _limits() -> pd.DataFrame:
    table = load_table("emission_limits")
    table["limit_mg_per_nm3"] = [
        convert(v, u, "mg/Nm3") for v, u in zip(table["limit"], table["unit"], strict=True)
    ]
    table["reference_oxygen"] = pd.to_numeric(table["reference_oxygen_percent"].replace("", np.nan))
    return table


def emission_limit(regulation: str, edition: str, source_kind: str, pollutant: str) -> dict[str, Any]:
    """The limit row of a source and pollutant: limit [mg/Nm3], reference O2 [%] (NaN if none).

    Raises
    ------
    UnknownKeyError
        If the regulation, source kind or pollutant is not in ``emission_limits``.
    """
    table = _limits()
    rows = table[(table["regulation"] == regulation) & (table["edition"] == edition)]
    if rows.empty:
        known = sorted({f"{a} {b}" for a, b in zip(table["regulation"], table["edition"], strict=True)})
        raise UnknownKeyError(
            "no emission regulation of that name and edition",
            field="regulation",
            value=f"{regulation} {edition}",
            fix=f"use one of {', '.join(known)}",
        )
    kind = rows[rows["source_kind"] == source_kind]
    if kind.empty:
        raise UnknownKeyError(
            f"{regulation} has no source kind {source_kind!r}",
            field="source_kind",
            value=source_kind,
            fix=f"use one of {', '.join(sorted(rows['source_kind'].unique()))}",
        )
    row = kind[kind["pollutant"] == pollutant]
    if row.empty:
        raise UnknownKeyError(
            f"{regulation} sets no {pollutant!r} limit for {source_kind}",
            field="pollutant",
            value=pollutant,
            fix=f"pollutants limited for this source: {', '.join(sorted(kind['pollutant']))}",
        )
    record = row.iloc[0]
    return {
        "limit_mg_per_nm3": float(record["limit_mg_per_nm3"]),
        "reference_oxygen_percent": float(record["reference_oxygen"]),
        "source": str(record["source"]),
        "needs_verification": bool(record["needs_verification"]),
    }


def normalise_oxygen(concentration: Any, oxygen_percent: Any, reference_oxygen_percent: Any) -> Any:
    """Concentration at the reference O2: C × (21 − O2_ref) / (21 − O2) (HJ 75-2017 form).

    Parameters
    ----------
    concentration
        Measured concentration, dry, standard conditions. [mg/Nm3]
    oxygen_percent
        Measured O2, dry; must be below 21 %. [%]
    reference_oxygen_percent
        Reference O2 of the source; NaN leaves the concentration as measured. [%]

    Returns
    -------
    numpy.ndarray or float
        Normalised concentration. [mg/Nm3]

    Raises
    ------
    InputError
        If an O2 value that the normalisation uses is at or above 21 %.
    """
    air = _oxygen_in_air()
    c = np.asarray(concentration, dtype=float)
    o2 = np.asarray(oxygen_percent, dtype=float)
    ref = np.asarray(reference_oxygen_percent, dtype=float)
    uses = np.broadcast_to(np.isfinite(ref), np.broadcast_shapes(c.shape, o2.shape, ref.shape))
    bad = uses & (np.broadcast_to(o2, uses.shape) >= air)
    if bad.any():
        where = np.argwhere(bad)[0]
        raise InputError(
            f"O2 at or above {air:g} % cannot be flue gas",
            field="oxygen_percent",
            value=float(np.broadcast_to(o2, uses.shape)[tuple(where)]),
            fix="check the O2 analyser (wet/dry basis, units) or flag the hour invalid",
        )
    with np.errstate(invalid="ignore", divide="ignore"):
        factor_ = np.where(uses, (air - ref) / (air - o2), 1.0)
    result = c * factor_
    return result if result.ndim else float(result)


def compliance_counts(
    concentration: np.ndarray,
    oxygen_percent: np.ndarray,
    valid: np.ndarray,
    limit_mg_per_nm3: np.ndarray,
    reference_oxygen_percent: np.ndarray,
    month_starts: Sequence[int] | np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Valid and compliant hours per series and month, for a block of series × hours.

    Parameters
    ----------
    concentration
        Hourly means, shape (series, hours), NaN where the hour has no value. [mg/Nm3]
    oxygen_percent
        O2 of the same hours (NaN where not measured). [%]
    valid
        True where the hour's data flag is normal, same shape.
    limit_mg_per_nm3
        Limit per series, shape (series,). [mg/Nm3]
    reference_oxygen_percent
        Reference O2 per series, NaN where none applies, shape (series,). [%]
    month_starts
        Index of the first hour of each month along the hours axis (hours sorted in time).

    Returns
    -------
    tuple of numpy.ndarray
        (valid hours, compliant hours, maximum normalised hourly mean [mg/Nm3]), each of shape
        (series, months).

    Raises
    ------
    InputError
        If a valid hour that needs normalisation has O2 at or above 21 %.
    """
    air = _oxygen_in_air()
    # Work in the precision of the data (float32 blocks stay float32: half the memory traffic).
    dtype = np.result_type(np.asarray(concentration).dtype, np.float32)
    concentration = np.asarray(concentration, dtype=dtype)
    oxygen_percent = np.asarray(oxygen_percent, dtype=dtype)
    ref = np.asarray(reference_oxygen_percent, dtype=float)
    rows = np.flatnonzero(np.isfinite(ref))  # series normalised to a reference O2
    ok = valid & np.isfinite(concentration)
    if rows.size:
        ok[rows] &= np.isfinite(oxygen_percent[rows])
        bad = ok[rows] & (oxygen_percent[rows] >= air)
        if bad.any():
            position, hour = (int(i) for i in np.argwhere(bad)[0])
            series = int(rows[position])
            raise InputError(
                f"O2 at or above {air:g} % cannot be flue gas (series {series}, hour {hour})",
                field="oxygen_percent",
                value=float(oxygen_percent[series, hour]),
                fix="check the O2 analyser (wet/dry basis, units) or flag the hour invalid",
            )
    normalised = concentration.copy()
    if rows.size:
        with np.errstate(invalid="ignore", divide="ignore"):
            normalised[rows] *= (air - ref[rows, None]).astype(dtype) / (
                dtype.type(air) - oxygen_percent[rows]
            )
    compliant = ok & (normalised <= np.asarray(limit_mg_per_nm3, dtype=float)[:, None].astype(dtype))
    starts = np.asarray(month_starts, dtype=np.intp)
    valid_hours = np.add.reduceat(ok, starts, axis=1, dtype=np.int32)
    compliant_hours = np.add.reduceat(compliant, starts, axis=1, dtype=np.int32)
    normalised[~ok] = -np.inf
    highest = np.maximum.reduceat(normalised, starts, axis=1).astype(float)
    return valid_hours, compliant_hours, np.where(np.isfinite(highest), highest, np.nan)


@cache
def _required_share(regulation: str) -> float:
    if regulation != "ULE steel":
        return 1.0  # a plain limit: every valid hour (no share rule in the standard)
    return float(factor("evaluation_rules", rule="ule_min_compliant_hour_share", edition="2019").value)


def monthly_compliance(cems: pd.DataFrame, stacks: pd.DataFrame) -> pd.DataFrame:
    """Monthly compliance of every stack and pollutant of one enterprise from raw CEMS hours.

    Parameters
    ----------
    cems
        Columns :data:`CEMS_COLUMNS`; ``hour`` the start of the hour (timezone-aware or UTC),
        ``status`` the CEMS data flag (``N`` normal).
    stacks
        One row per stack: ``stack_id``, ``source_kind``, ``regulation``, ``edition``.

    Returns
    -------
    pandas.DataFrame
        One row per stack, pollutant and calendar month, columns :data:`MONTHLY_COLUMNS`.

    Raises
    ------
    InputError
        Missing columns, an unknown stack, a duplicate hour, an hour not on the hour, a negative
        concentration, O2 at or above 21 %; each names the row (0-based) and the field.
    UnknownKeyError
        A pollutant the source's regulation sets no limit for.
    """
    missing = [c for c in CEMS_COLUMNS if c not in cems.columns]
    if missing:
        raise InputError(
            "CEMS table lacks columns",
            field="cems",
            value=missing,
            fix=f"give the columns {', '.join(CEMS_COLUMNS)}",
        )
    if cems.empty:
        return pd.DataFrame(columns=list(MONTHLY_COLUMNS))
    frame = cems.reset_index(drop=True)
    hours = pd.to_datetime(frame["hour"], utc=True).dt.tz_localize(None)  # naive UTC from here on
    _first_bad(hours.isna(), frame, "hour", "give the start of each hour as a timestamp")
    _first_bad(
        hours != hours.dt.floor("h"), frame, "hour", "give the start of each hour (minutes and seconds 0)"
    )
    known_stacks = stacks.set_index("stack_id")
    _first_bad(
        ~frame["stack_id"].isin(known_stacks.index),
        frame,
        "stack_id",
        f"declare the stack under [[stacks]] (known: {', '.join(map(str, known_stacks.index))})",
    )
    _first_bad(
        ~frame["pollutant"].isin(POLLUTANTS), frame, "pollutant", f"use one of {', '.join(POLLUTANTS)}"
    )
    concentration = pd.to_numeric(frame["concentration_mg_per_nm3"], errors="coerce").to_numpy(dtype=float)
    oxygen = pd.to_numeric(frame["oxygen_percent"], errors="coerce").to_numpy(dtype=float)
    _first_bad(
        pd.Series(concentration < 0),
        frame,
        "concentration_mg_per_nm3",
        "a concentration is zero or more; flag a faulty hour instead",
    )
    normal = frame["status"].astype(str).str.strip().to_numpy() == VALID_FLAG
    _first_bad(
        pd.Series(normal & (oxygen >= _oxygen_in_air())),
        frame,
        "oxygen_percent",
        "O2 at or above 21 % cannot be flue gas: check the analyser (wet/dry basis) or flag the hour",
    )
    duplicated = frame.assign(hour=hours).duplicated(["stack_id", "pollutant", "hour"], keep="first")
    _first_bad(
        duplicated, frame, "hour", "give one row per stack, pollutant and hour (average duplicates first)"
    )
    series = frame[["stack_id", "pollutant"]].drop_duplicates().sort_values(["stack_id", "pollutant"])
    limits = []
    for stack_id, pollutant in series.itertuples(index=False):
        stack = known_stacks.loc[stack_id]
        limits.append(
            emission_limit(
                str(stack["regulation"]), str(stack["edition"]), str(stack["source_kind"]), str(pollutant)
            )
        )
    series_index = pd.MultiIndex.from_frame(series)
    series_code = series_index.get_indexer(pd.MultiIndex.from_frame(frame[["stack_id", "pollutant"]]))
    first = hours.min().to_period("M").start_time
    last = (hours.max().to_period("M") + 1).start_time
    grid = pd.date_range(first, last, freq="h", inclusive="left")
    hour_code = ((hours - first) // pd.Timedelta(hours=1)).to_numpy(dtype=np.int64)
    shape = (len(series), len(grid))
    block_c = np.full(shape, np.nan)
    block_o = np.full(shape, np.nan)
    present = np.zeros(shape, dtype=bool)
    flag_ok = np.zeros(shape, dtype=bool)
    block_c[series_code, hour_code] = concentration
    block_o[series_code, hour_code] = oxygen
    present[series_code, hour_code] = True
    flag_ok[series_code, hour_code] = normal
    months = grid.to_period("M")
    month_starts = np.flatnonzero(np.r_[True, months[1:] != months[:-1]])
    limit = np.array([row["limit_mg_per_nm3"] for row in limits])
    reference = np.array([row["reference_oxygen_percent"] for row in limits])
    valid_hours, compliant_hours, highest = compliance_counts(
        block_c, block_o, flag_ok, limit, reference, month_starts
    )
    reported = np.add.reduceat(present, month_starts, axis=1)
    in_month = np.diff(np.r_[month_starts, len(grid)])
    rows = []
    for i, (stack_id, pollutant) in enumerate(series.itertuples(index=False)):
        stack = known_stacks.loc[stack_id]
        required = _required_share(str(stack["regulation"]))
        for m, start in enumerate(month_starts):
            valid_count = int(valid_hours[i, m])
            share = compliant_hours[i, m] / valid_count if valid_count else np.nan
            verdict = "no_valid_hours" if not valid_count else ("meets" if share >= required else "fails")
            rows.append(
                (
                    stack_id,
                    str(stack["source_kind"]),
                    pollutant,
                    str(months[int(start)]),
                    int(in_month[m]),
                    int(in_month[m] - reported[i, m]),
                    int(reported[i, m] - valid_count),
                    valid_count,
                    int(compliant_hours[i, m]),
                    share,
                    required,
                    verdict,
                    limits[i]["limit_mg_per_nm3"],
                    limits[i]["reference_oxygen_percent"],
                    float(highest[i, m]),
                    limits[i]["needs_verification"],
                    limits[i]["source"],
                )
            )
    return pd.DataFrame(rows, columns=list(MONTHLY_COLUMNS))


def _first_bad(mask: pd.Series, frame: pd.DataFrame, column: str, fix: str) -> None:
    hits = np.flatnonzero(np.asarray(mask, dtype=bool))
    if hits.size:
        row = int(hits[0])
        more = f" ({hits.size - 1} more rows)" if hits.size > 1 else ""
        raise InputError(
            f"CEMS row {row}: bad {column}{more}",
            field=f"cems[{row}].{column}",
            value=frame[column].iloc[row],
            fix=fix,
        )
