"""Points as the historian takes them: the schema, the quality codes and the checks of a batch.

:func:`validate_points` turns a pandas DataFrame or pyarrow Table into :data:`POINT_SCHEMA`
(or the dictionary-encoded :data:`BUFFER_SCHEMA` the historian buffers and stores) and refuses
what cannot be stored faithfully, naming the column, the first offending value and its row.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from greenmet.errors import InputError

__all__ = [
    "BUFFER_SCHEMA",
    "EARLIEST_DEFAULT",
    "POINT_COLUMNS",
    "POINT_SCHEMA",
    "QUALITY_BAD",
    "QUALITY_GOOD",
    "QUALITY_UNCERTAIN",
    "WriteReceipt",
    "validate_points",
]

logger = logging.getLogger(__name__)

QUALITY_GOOD = 0
QUALITY_UNCERTAIN = 64
QUALITY_BAD = 128

POINT_SCHEMA = pa.schema([
    pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("tag", pa.string(), nullable=False),
    pa.field("value", pa.float64()),
    pa.field("quality", pa.uint8(), nullable=False),
])
POINT_COLUMNS = tuple(POINT_SCHEMA.names)
# what the historian buffers, logs and writes: the same, with tags dictionary-encoded
BUFFER_SCHEMA = pa.schema([
    POINT_SCHEMA.field("ts"),
    pa.field("tag", pa.dictionary(pa.int32(), pa.string()), nullable=False),
    POINT_SCHEMA.field("value"),
    POINT_SCHEMA.field("quality"),
])
_TAG_PATTERN = re.compile(r"^[a-z][a-z0-9_.]{0,127}$")
EARLIEST_DEFAULT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class WriteReceipt:
    """What :meth:`Historian.write` acknowledged."""

    #: Points acknowledged (durable in the write-ahead log).
    points: int
    #: Points whose value was NaN or infinite with a good or uncertain quality code, stored with
    #: quality 128 (bad) instead.
    flagged_bad: int


def _points_error(problem: str, column: str, value: Any, fix: str) -> InputError:
    return InputError(problem, field=column, value=value, fix=fix)


def _to_arrow(points: Any) -> pa.Table:
    if isinstance(points, pa.RecordBatch):
        points = pa.Table.from_batches([points])
    if isinstance(points, pd.DataFrame):
        columns = [str(c) for c in points.columns]
        _check_columns(columns)
        arrays = {}
        for name in columns:
            series = points[name]
            if name == "ts" and pd.api.types.is_datetime64_dtype(series.dtype):
                raise _naive_error(series.iloc[0] if len(series) else None)
            try:
                arrays[name] = pa.array(series, from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError) as exc:
                raise _points_error(f"column {name!r} has values of mixed or unsupported types ({exc})",
                                    name, str(series.dtype), _FIXES[name]) from None
        return pa.table(arrays)
    if isinstance(points, pa.Table):
        _check_columns(points.column_names)
        return points
    raise InputError("points must be a pandas DataFrame or a pyarrow Table", field="points",
                     value=type(points).__name__,
                     fix="pass a table with columns ts, tag, value and optionally quality")


_FIXES = {
    "ts": "give timestamps as timezone-aware datetimes (pandas datetime64[ns, UTC] or "
          "pyarrow timestamp with tz)",
    "tag": "give tag names as strings",
    "value": "give values as numbers (float or integer); use NaN with quality 128 for a bad value",
    "quality": "give quality codes as integers 0 (good), 64 (uncertain) or 128 (bad)",
}


def _naive_error(example: Any) -> InputError:
    return InputError("timestamps have no time zone, so the instant they name is ambiguous",
                      field="ts", value=str(example),
                      fix="localise them first, e.g. df['ts'] = df['ts'].dt.tz_localize('Asia/Shanghai'), "
                          "or give UTC timestamps")


def _check_columns(columns: list[str]) -> None:
    unknown = [c for c in columns if c not in POINT_COLUMNS]
    if unknown:
        raise InputError("unknown columns in the points", field="columns", value=unknown,
                         fix="give exactly the columns ts, tag, value and optionally quality "
                             "(long format, one row per point)")
    missing = [c for c in ("ts", "tag", "value") if c not in columns]
    if missing:
        raise InputError("missing columns in the points", field="columns", value=missing,
                         fix="give the columns ts, tag, value and optionally quality")
    if len(set(columns)) != len(columns):
        raise InputError("duplicated column names in the points", field="columns", value=columns,
                         fix="give each of ts, tag, value, quality once")


def _first_index(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def validate_points(
    points: Any,
    *,
    now: dt.datetime | None = None,
    future_tolerance_s: float | None = 86_400.0,
    earliest: dt.datetime | None = EARLIEST_DEFAULT,
    dictionary_tags: bool = False,
) -> tuple[pa.Table, int]:
    """Check a batch of points and return it in :data:`POINT_SCHEMA` with the flagged count.

    Parameters
    ----------
    points
        pandas DataFrame, pyarrow Table or RecordBatch with columns ``ts``, ``tag``, ``value``
        and optionally ``quality`` (0 when absent).
    now
        The present instant used for the clock-jump check; the system clock by default.
    future_tolerance_s
        Points later than ``now`` plus this many seconds are refused as a clock jump; ``None``
        turns the check off [s].
    earliest
        Points earlier than this instant are refused as a reset clock; ``None`` turns the check
        off.
    dictionary_tags
        Return ``tag`` dictionary-encoded (as the historian buffers and stores it).

    Returns
    -------
    (table, flagged_bad)
        The batch converted to the historian schema, and how many NaN or infinite values with a
        good or uncertain quality code were re-coded to quality 128 (bad).

    Raises
    ------
    InputError
        For unknown or missing columns, wrong types, naive timestamps, null timestamps or tags,
        malformed tag names, quality codes other than 0/64/128 and timestamps out of the
        plausible range. Each message names the column, the first offending value and its row
        (0-based position in the batch).
    """
    table = _to_arrow(points)
    n = table.num_rows

    # ts --------------------------------------------------------------------------------------
    ts = table.column("ts")
    if pa.types.is_string(ts.type) or pa.types.is_large_string(ts.type):
        raise _points_error("timestamps are text", "ts", ts[0].as_py() if n else None, _FIXES["ts"])
    if not pa.types.is_timestamp(ts.type):
        raise _points_error(f"timestamps have type {ts.type}, not a timestamp", "ts",
                            ts[0].as_py() if n else None, _FIXES["ts"])
    if ts.type.tz is None:
        raise _naive_error(ts[0].as_py() if n else None)
    if ts.null_count:
        row = _first_index(ts.is_null().to_numpy(zero_copy_only=False))
        raise _points_error(f"a timestamp is missing (row {row})", "ts", None,
                            "drop points without a timestamp")
    ts = pc.cast(ts, pa.timestamp("us", tz="UTC"), safe=False)
    ts_us = ts.cast(pa.int64()).to_numpy()
    if now is None:
        now = dt.datetime.now(dt.UTC)
    if future_tolerance_s is not None and n:
        limit = int((now.timestamp() + future_tolerance_s) * 1e6)
        late = ts_us > limit
        if late.any():
            row = _first_index(late)
            raise _points_error(
                f"{int(late.sum())} timestamps lie more than {future_tolerance_s:g} s in the future "
                f"(first at row {row}): the source clock jumped", "ts", ts[row].as_py().isoformat(),
                "correct the clock of the source, or raise future_tolerance_s for simulated data")
    if earliest is not None and n:
        early = ts_us < int(earliest.timestamp() * 1e6)
        if early.any():
            row = _first_index(early)
            raise _points_error(
                f"{int(early.sum())} timestamps lie before {earliest.isoformat()} (first at row {row}): "
                "the source clock was reset", "ts", ts[row].as_py().isoformat(),
                "correct the clock of the source, or pass an earlier 'earliest' for old archives")

    # tag -------------------------------------------------------------------------------------
    tag = table.column("tag")
    if pa.types.is_dictionary(tag.type):
        tag = pc.cast(tag, pa.string())
    if not (pa.types.is_string(tag.type) or pa.types.is_large_string(tag.type)):
        raise _points_error(f"tags have type {tag.type}, not text", "tag",
                            tag[0].as_py() if n else None, _FIXES["tag"])
    if tag.null_count:
        row = _first_index(tag.is_null().to_numpy(zero_copy_only=False))
        raise _points_error(f"a tag name is missing (row {row})", "tag", None, "give every point a tag")
    tag = pc.dictionary_encode(pc.cast(tag, pa.string()).combine_chunks())
    for name in tag.dictionary.to_pylist():
        if not _TAG_PATTERN.match(name):
            raise _points_error("malformed tag name", "tag", name,
                                "use greenmet glossary tag names: lower case letters, digits, '_' and '.', "
                                "starting with a letter, at most 128 characters (map vendor tags first)")

    # value -----------------------------------------------------------------------------------
    value = table.column("value")
    vtype = value.type
    if pa.types.is_null(vtype):
        value = pa.chunked_array([pa.nulls(n, pa.float64())]) if n else pa.chunked_array([], pa.float64())
    elif (pa.types.is_floating(vtype) or pa.types.is_integer(vtype) or pa.types.is_boolean(vtype)
          or pa.types.is_decimal(vtype)):
        value = pc.cast(value, pa.float64())
    else:
        kind = "text" if pa.types.is_string(vtype) or pa.types.is_large_string(vtype) else str(vtype)
        raise _points_error(f"values have type {kind}, not a number", "value",
                            value[0].as_py() if n else None, _FIXES["value"])
    values = value.to_numpy()  # nulls become NaN

    # quality ---------------------------------------------------------------------------------
    if "quality" in table.column_names:
        quality = table.column("quality")
        if not pa.types.is_integer(quality.type):
            raise _points_error(f"quality codes have type {quality.type}, not an integer", "quality",
                                quality[0].as_py() if n else None, _FIXES["quality"])
        if quality.null_count:
            row = _first_index(quality.is_null().to_numpy(zero_copy_only=False))
            raise _points_error(f"a quality code is missing (row {row})", "quality", None, _FIXES["quality"])
        codes = quality.to_numpy().astype(np.int64, copy=False)
        wrong = ((codes & 0x3F) != 0) | (codes > QUALITY_BAD)  # only 0, 64 and 128 pass
        if wrong.any():
            row = _first_index(wrong)
            raise _points_error(f"quality code not one of 0, 64, 128 (row {row})", "quality",
                                int(codes[row]), _FIXES["quality"])
        codes = codes.astype(np.uint8)
    else:
        codes = np.zeros(n, dtype=np.uint8)

    not_finite = ~np.isfinite(values)
    flag = not_finite & (codes != QUALITY_BAD)
    flagged = int(flag.sum())
    if flagged:
        codes = codes.copy()
        codes[flag] = QUALITY_BAD
        logger.warning("%d points with a NaN or infinite value and a good or uncertain quality code "
                       "were stored with quality 128 (bad)", flagged)
    if not_finite.any():
        values = np.where(np.isinf(values), np.nan, values)

    result = pa.table(
        [ts, tag, pa.array(values, pa.float64()), pa.array(codes, pa.uint8())],
        schema=BUFFER_SCHEMA,
    )
    return (result if dictionary_tags else result.cast(POINT_SCHEMA)), flagged

