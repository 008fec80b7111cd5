"""The plant-data historian: points in, Parquet parts out, nothing acknowledged lost.

Layout (binding, ``docs/dev/plant_data_contract.md``)::

    ROOT/site=<site>/furnace=<furnace>/date=<YYYY-MM-DD>/part-<uuid>.parquet
    ROOT/site=<site>/furnace=<furnace>/_furnace.json        time zone and tag metadata
    ROOT/site=<site>/furnace=<furnace>/.wal/                write-ahead log (hidden from readers)

A part holds the columns ``ts`` (timestamp[us, UTC]), ``tag`` (string, dictionary-encoded),
``value`` (float64) and ``quality`` (uint8: 0 good, 64 uncertain, 128 bad), sorted by tag
then ts, zstd-compressed.

How a point travels:

1. :meth:`Historian.write` validates a batch, appends it to the write-ahead log and fsyncs.
   When ``write`` returns, the batch is *acknowledged*: a ``kill -9`` after that loses none of it.
2. :meth:`Historian.flush` (also called by ``write`` when the buffer is full, and by
   :meth:`Historian.close`) sorts the buffered points by (date, tag, ts), drops duplicates
   keeping the last write of each (tag, ts), and writes one part per UTC date atomically.
   A date whose existing points overlap the new ones in time for some tag (late or replayed
   points) is merged instead: the partition is rewritten into a hidden directory and swapped in
   with one atomic ``renameat2(RENAME_EXCHANGE)``; readers see the old partition or the new
   one, never both. Only then are the log segments deleted.
3. So within a partition no (tag, ts) appears twice: queries need no de-duplication.

:meth:`Historian.compact` merges each partition's parts into one the same way;
:meth:`Historian.apply_retention` drops whole partitions older than a number of days.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import itertools
import json
import logging
import os
import re
import shutil
import threading
import time
import uuid
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from greenmet.errors import InputError, StorageError
from greenmet.io.atomic import atomic_path, atomic_write_text, fsync_directory
from greenmet.storage.wal import WriteAheadLog

try:  # POSIX only: one writer per furnace
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "POINT_SCHEMA",
    "QUALITY_BAD",
    "QUALITY_GOOD",
    "QUALITY_UNCERTAIN",
    "FlushReport",
    "Historian",
    "WriteReceipt",
    "furnace_directory",
    "list_parts",
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
_COLUMNS = tuple(POINT_SCHEMA.names)
# what the historian buffers, logs and writes: the same, with tags dictionary-encoded
_BUFFER_SCHEMA = pa.schema([
    POINT_SCHEMA.field("ts"),
    pa.field("tag", pa.dictionary(pa.int32(), pa.string()), nullable=False),
    POINT_SCHEMA.field("value"),
    POINT_SCHEMA.field("quality"),
])
_DAY_US = 86_400_000_000
_TAG_PATTERN = re.compile(r"^[a-z][a-z0-9_.]{0,127}$")
_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")
_RANGES_KEY = b"greenmet.tag_ranges"
_TRASH_GRACE_S = 300.0
_EARLIEST_DEFAULT = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


# ---------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------
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
    unknown = [c for c in columns if c not in _COLUMNS]
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
    earliest: dt.datetime | None = _EARLIEST_DEFAULT,
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
        schema=_BUFFER_SCHEMA,
    )
    return (result if dictionary_tags else result.cast(POINT_SCHEMA)), flagged


# ---------------------------------------------------------------------------------------------
# sorting, de-duplication, parts
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Sorted:
    """Points sorted by (UTC day, tag, ts) without duplicate (tag, ts), with their sort keys."""

    table: pa.Table
    days: np.ndarray
    codes: np.ndarray
    ts_us: np.ndarray
    names: list[str]

    def slice(self, begin: int, end: int) -> _Sorted:
        return _Sorted(self.table.slice(begin, end - begin), self.days[begin:end], self.codes[begin:end],
                       self.ts_us[begin:end], self.names)

    def tag_ranges(self) -> dict[str, tuple[int, int]]:
        """Per tag, first and last ts [µs since 1970]; valid within one day's slice."""
        if not len(self.codes):
            return {}
        starts = np.flatnonzero(np.diff(self.codes)) + 1
        firsts = np.concatenate(([0], starts))
        lasts = np.concatenate((starts - 1, [len(self.codes) - 1]))
        return {self.names[int(self.codes[f])]: (int(self.ts_us[f]), int(self.ts_us[last]))
                for f, last in zip(firsts, lasts, strict=True)}


def _tag_codes(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Integer codes of the tags that sort like the tag names, and the sorted names."""
    chunks = [c if pa.types.is_dictionary(c.type) else pc.dictionary_encode(c) for c in column.chunks]
    dictionaries = [c.dictionary.to_pylist() for c in chunks]
    names = sorted(set().union(*dictionaries))
    rank = {name: code for code, name in enumerate(names)}
    parts = [np.asarray([rank[n] for n in dictionary], dtype=np.int32)[
                 chunk.indices.to_numpy(zero_copy_only=False)] if len(dictionary) else
             np.zeros(len(chunk), dtype=np.int32)
             for chunk, dictionary in zip(chunks, dictionaries, strict=True)]
    return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)), names


def _sorted_unique(table: pa.Table) -> _Sorted:
    """Sort ``table`` by (UTC day, tag, ts), keep the last row of each (tag, ts).

    Rows later in ``table`` win over earlier rows with the same key (last write wins). The
    result's tag column is dictionary-encoded with a sorted dictionary.
    """
    ts_us = table.column("ts").to_numpy().view(np.int64)  # timestamp[us] -> µs since 1970
    codes, names = _tag_codes(table.column("tag"))
    if not len(ts_us):
        empty = np.zeros(0, dtype=np.int64)
        return _Sorted(table.cast(_BUFFER_SCHEMA), empty, codes, empty, names)
    days = ts_us // _DAY_US
    order = _presorted_order(ts_us, codes, days, len(names))
    if order is not None:  # time-ordered input without duplicates: two linear-time sorts suffice
        return _take_sorted(table, order, ts_us, codes, days, names)
    span_bits = int(ts_us.max() - ts_us.min()).bit_length()
    code_bits = max(1, len(names).bit_length())
    day_bits = int(days.max() - days.min()).bit_length()
    if span_bits + code_bits + day_bits <= 62:  # one integer key: a single stable sort
        key = (((days - days.min()) << (code_bits + span_bits)) | (codes.astype(np.int64) << span_bits)
               | (ts_us - ts_us.min()))
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        keep = np.ones(len(order), dtype=bool)
        keep[:-1] = sorted_key[1:] != sorted_key[:-1]
    else:
        order = np.lexsort((ts_us, codes, days))  # stable: equal keys keep their write order
        s_ts, s_codes = ts_us[order], codes[order]
        keep = np.ones(len(order), dtype=bool)
        keep[:-1] = (s_ts[1:] != s_ts[:-1]) | (s_codes[1:] != s_codes[:-1])
    return _take_sorted(table, order[keep], ts_us, codes, days, names)


def _presorted_order(ts_us: np.ndarray, codes: np.ndarray, days: np.ndarray, tags: int) -> np.ndarray | None:
    """The sort order by (day, tag) when that alone sorts the points, else None.

    Ingestion delivers points in time order (all tags of an instant, then the next instant).
    Then a stable sort by tag, and by day, leaves each tag's points in time order, and numpy's
    stable sort of 16-bit integers is a radix sort. Returns None when a tag's timestamps are
    not strictly increasing after that (out-of-order points or duplicates need the full sort).
    """
    day_span = int(days.max() - days.min())
    if tags >= 2**15 or day_span >= 2**15:
        return None
    order = np.argsort(codes.astype(np.int16), kind="stable")
    if day_span:
        by_day = np.argsort((days[order] - days.min()).astype(np.int16), kind="stable")
        order = order[by_day]
    s_ts, s_codes = ts_us[order], codes[order]
    same_tag = s_codes[1:] == s_codes[:-1]
    if np.any(same_tag & (s_ts[1:] <= s_ts[:-1])):
        return None
    return order


def _take_sorted(table: pa.Table, order: np.ndarray, ts_us: np.ndarray, codes: np.ndarray,
                 days: np.ndarray, names: list[str]) -> _Sorted:
    values = table.column("value").to_numpy()
    quality = table.column("quality").to_numpy()
    codes, ts_us = codes[order], ts_us[order]
    result = pa.table([
        pa.array(ts_us).view(pa.timestamp("us", tz="UTC")),  # zero-copy
        pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(names, pa.string())),
        pa.array(values[order], pa.float64()),
        pa.array(quality[order], pa.uint8()),
    ], schema=_BUFFER_SCHEMA)
    return _Sorted(result, days[order], codes, ts_us, names)


def _tag_ranges(table: pa.Table) -> dict[str, tuple[int, int]]:
    if table.num_rows == 0:
        return {}
    grouped = pa.table({"tag": table.column("tag").cast(pa.string()),
                        "t": table.column("ts").cast(pa.int64())}) \
        .group_by("tag").aggregate([("t", "min"), ("t", "max")])
    return {
        tag: (int(low), int(high))
        for tag, low, high in zip(grouped.column("tag").to_pylist(), grouped.column("t_min").to_pylist(),
                                  grouped.column("t_max").to_pylist(), strict=True)
    }


ROLLUP_WIDTH_S = 60
_ROLLUP_SCHEMA = pa.schema([
    pa.field("tag", pa.dictionary(pa.int32(), pa.string()), nullable=False),
    pa.field("minute_start", pa.timestamp("us", tz="UTC"), nullable=False),
    pa.field("value_min", pa.float64()),
    pa.field("value_max", pa.float64()),
    pa.field("value_sum", pa.float64()),
    pa.field("good_count", pa.int64(), nullable=False),
    pa.field("point_count", pa.int64(), nullable=False),
    pa.field("bad_count", pa.int64(), nullable=False),
    pa.field("last_ts", pa.timestamp("us", tz="UTC")),
    pa.field("value_last", pa.float64()),
])


def rollup_path(part: Path) -> Path:
    """The 1-minute roll-up of a part: ``.<part stem>.rollup1m`` beside it.

    The leading dot hides it from readers of the layout, and the suffix from globs such as
    ``date=*/*.parquet`` (DuckDB's ``*`` matches a leading dot).
    """
    return part.with_name(f".{part.stem}.rollup1m")


def compute_rollup(table: pa.Table) -> pa.Table:
    """Per tag and UTC minute: min, max, sum, counts and last value of a part's points.

    ``table`` must be sorted by tag then ts (as a part is). Min, max, sum, ``good_count`` and
    the last value use the points whose quality is not bad (128); a minute without such a point
    has nulls there. Parts of a partition never share a (tag, ts), so roll-ups of several parts
    combine exactly: min of minima, sum of sums, the last value with the latest ``last_ts``.
    """
    if table.num_rows == 0:
        return _ROLLUP_SCHEMA.empty_table()
    codes, names = _tag_codes(table.column("tag"))
    ts_us = table.column("ts").to_numpy().view(np.int64)
    values = table.column("value").to_numpy()
    good = table.column("quality").to_numpy() != QUALITY_BAD
    minutes = ts_us // (ROLLUP_WIDTH_S * 1_000_000)
    change = np.ones(len(ts_us), dtype=bool)
    change[1:] = (codes[1:] != codes[:-1]) | (minutes[1:] != minutes[:-1])
    starts = np.flatnonzero(change)
    sizes = np.diff(np.append(starts, len(ts_us)))
    good_count = np.add.reduceat(good.astype(np.int64), starts)
    with np.errstate(invalid="ignore"):
        value_min = np.minimum.reduceat(np.where(good, values, np.inf), starts)
        value_max = np.maximum.reduceat(np.where(good, values, -np.inf), starts)
        value_sum = np.add.reduceat(np.where(good, values, 0.0), starts)
    last_index = np.maximum.reduceat(np.where(good, np.arange(len(ts_us)), -1), starts)
    none = good_count == 0
    last = np.where(none, 0, last_index)
    return pa.table([
        pa.DictionaryArray.from_arrays(pa.array(codes[starts], pa.int32()), pa.array(names, pa.string())),
        pa.array(minutes[starts] * ROLLUP_WIDTH_S * 1_000_000).view(pa.timestamp("us", tz="UTC")),
        pa.array(value_min, mask=none),
        pa.array(value_max, mask=none),
        pa.array(value_sum, mask=none),
        pa.array(good_count),
        pa.array(sizes.astype(np.int64)),
        pa.array(sizes - good_count),
        pa.array(ts_us[last], mask=none).view(pa.timestamp("us", tz="UTC")),
        pa.array(values[last], mask=none),
    ], schema=_ROLLUP_SCHEMA)


def write_rollup(part: Path) -> Path:
    """(Re)build the roll-up of an existing part, atomically; for parts written by other tools."""
    table = _read_part(part)
    codes, _ = _tag_codes(table.column("tag"))
    ts_us = table.column("ts").to_numpy().view(np.int64)
    order = np.lexsort((ts_us, codes))
    if np.any(np.diff(order) != 1):
        table = table.take(pa.array(order))
    target = rollup_path(part)
    with atomic_path(target) as temporary:
        pq.write_table(compute_rollup(table), temporary, compression="zstd")
    return target


def _write_parquet(table: pa.Table, path: Path) -> None:
    """Write one part; a module-level function so that tests can make the disk fill up."""
    # Sorted by tag then ts, the timestamps of a part climb in small steps: delta encoding
    # stores them in a few bits each (a day of 100 tags at 1 s: 2.5 times smaller than plain).
    pq.write_table(table, path, compression="zstd", use_dictionary=["tag", "quality"],
                   column_encoding={"ts": "DELTA_BINARY_PACKED"},
                   coerce_timestamps="us", write_statistics=True, row_group_size=1 << 20)


def _read_part(path: Path) -> pa.Table:
    table = pq.read_table(path, columns=list(_COLUMNS)).replace_schema_metadata(None)
    return table.cast(_BUFFER_SCHEMA) if table.schema != _BUFFER_SCHEMA else table


def _part_ranges(path: Path) -> dict[str, tuple[int, int]]:
    metadata = pq.read_schema(path).metadata or {}
    if _RANGES_KEY in metadata:
        return {k: (int(v[0]), int(v[1])) for k, v in json.loads(metadata[_RANGES_KEY]).items()}
    return _tag_ranges(pq.read_table(path, columns=["tag", "ts"]).cast(
        pa.schema([POINT_SCHEMA.field("tag"), POINT_SCHEMA.field("ts")])))


def _date_name(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def furnace_directory(root: str | os.PathLike[str], site: str, furnace: str) -> Path:
    """``ROOT/site=<site>/furnace=<furnace>``."""
    return Path(root) / f"site={site}" / f"furnace={furnace}"


def list_parts(partition: Path) -> list[Path]:
    """The parts of a partition directory: files ``part-*.parquet``, as the queries read them."""
    if not partition.is_dir():
        return []
    return sorted(p for p in partition.glob("part-*.parquet") if p.is_file())


def _partitions(directory: Path) -> dict[str, Path]:
    if not directory.is_dir():
        return {}
    return {p.name[len("date="):]: p for p in sorted(directory.iterdir())
            if p.is_dir() and p.name.startswith("date=")}


# renameat2(RENAME_EXCHANGE): swap two directories in one atomic step (Linux >= 3.15).
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange_directories(first: Path, second: Path) -> bool:
    """Atomically swap two paths; False where the system cannot (the caller falls back)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


# ---------------------------------------------------------------------------------------------
# the historian
# ---------------------------------------------------------------------------------------------
@dataclass
class FlushReport:
    """What a flush, compaction or retention run did."""

    points: int = 0
    parts_written: int = 0
    partitions_merged: list[str] = field(default_factory=list)
    partitions_dropped: list[str] = field(default_factory=list)


class Historian:
    """Writer of one furnace's plant data (one writer per furnace, enforced by a lock file).

    Parameters
    ----------
    root
        Historian root directory (created if missing).
    site, furnace
        Names of the site and furnace: letters, digits, '-' and '_'.
    time_zone
        IANA time zone of the plant (``"Asia/Shanghai"``), stored in ``_furnace.json``.
        ``None`` keeps the stored one (UTC for a new furnace). Timestamps are always UTC; the
        zone is metadata for display and for local-day reports.
    max_buffer_points
        ``write`` flushes once this many acknowledged points wait in memory [dimensionless].
    future_tolerance_s
        Refuse points later than now plus this [s]; ``None`` turns the clock-jump check off.
    earliest
        Refuse points earlier than this instant (a reset clock); ``None`` turns it off.
    wal_segment_bytes
        Size after which the write-ahead log starts a new segment [B].

    Use it as a context manager, or call :meth:`close`. On open, points acknowledged but not
    flushed by an earlier process (a crash, ``kill -9``) are replayed from the write-ahead log
    and flushed.
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        site: str,
        furnace: str,
        *,
        time_zone: str | None = None,
        max_buffer_points: int = 2_000_000,
        future_tolerance_s: float | None = 86_400.0,
        earliest: dt.datetime | None = _EARLIEST_DEFAULT,
        wal_segment_bytes: int = 256 * 2**20,
    ) -> None:
        for name, text in (("site", site), ("furnace", furnace)):
            if not isinstance(text, str) or not _NAME_PATTERN.match(text):
                raise InputError(f"malformed {name} name", field=name, value=text,
                                 fix="use letters, digits, '-' and '_' (at most 64 characters)")
        if max_buffer_points < 1:
            raise InputError("the buffer must hold at least one point", field="max_buffer_points",
                             value=max_buffer_points, fix="give a positive number")
        self.root = Path(root)
        self.site = site
        self.furnace = furnace
        self.directory = furnace_directory(root, site, furnace)
        self.max_buffer_points = max_buffer_points
        self.future_tolerance_s = future_tolerance_s
        self.earliest = earliest
        self._lock = threading.RLock()
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._ranges: dict[str, dict[str, tuple[int, int]]] = {}
        self._closed = False
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError("cannot create the historian directory", field="root",
                               value=str(self.directory), fix="check the path and its permissions") from exc
        self._lock_file = self._acquire_lock()
        try:
            self.time_zone = self._init_metadata(time_zone)
            self._clean_leftovers()
            self._wal = WriteAheadLog(self.directory / ".wal", segment_bytes=wal_segment_bytes)
            replayed = 0
            for _, table in self._wal.replay():
                self._buffer.append(table.cast(_BUFFER_SCHEMA) if table.schema != _BUFFER_SCHEMA else table)
                replayed += table.num_rows
            self._buffered = replayed
            if replayed:
                logger.info("replayed %d acknowledged points from the write-ahead log of %s", replayed,
                            self.directory)
                try:
                    self.flush()
                except StorageError as error:
                    logger.warning("could not flush replayed points yet: %s", error)
        except BaseException:
            self._release_lock()
            raise

    # -- life cycle ----------------------------------------------------------------------------
    def _acquire_lock(self) -> Any:
        wal_directory = self.directory / ".wal"
        wal_directory.mkdir(parents=True, exist_ok=True)
        handle = open(wal_directory / "LOCK", "a+")  # noqa: SIM115 - held for the writer's lifetime
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                handle.close()
                raise StorageError("another process is writing to this furnace's historian", field="path",
                                   value=str(self.directory),
                                   fix="stop the other writer (ingestion, import) or run this through it; "
                                       "a furnace has one writer") from None
        return handle

    def _release_lock(self) -> None:
        handle, self._lock_file = getattr(self, "_lock_file", None), None
        if handle is not None:
            handle.close()

    def __enter__(self) -> Historian:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Flush what is buffered and release the writer lock (idempotent)."""
        with self._lock:
            if self._closed:
                return
            try:
                self.flush()
            finally:
                self._closed = True
                self._wal.close()
                self._release_lock()

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("the historian is closed", field="historian", value=str(self.directory),
                               fix="open a new Historian")

    def _init_metadata(self, time_zone: str | None) -> str:
        path = self.directory / "_furnace.json"
        metadata: dict[str, Any] = {}
        if path.exists():
            try:
                metadata = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise StorageError("cannot read the furnace metadata", field="path", value=str(path),
                                   fix="repair or delete _furnace.json (it holds the time zone and tags)"
                                   ) from exc
        stored = metadata.get("time_zone")
        if time_zone is not None:
            try:
                zoneinfo.ZoneInfo(time_zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise InputError("unknown time zone", field="time_zone", value=time_zone,
                                 fix="give an IANA time zone name such as 'Asia/Shanghai' or 'UTC'") from None
            if stored is not None and stored != time_zone:
                raise InputError(f"the furnace's stored time zone is {stored!r}", field="time_zone",
                                 value=time_zone,
                                 fix=f"open it with time_zone={stored!r} or None; to change it, edit {path}")
        chosen = time_zone or stored or "UTC"
        if stored != chosen:
            metadata["time_zone"] = chosen
            metadata.setdefault("tags", {})
            atomic_write_text(path, json.dumps(metadata, indent=2, ensure_ascii=False))
        return str(chosen)

    def _clean_leftovers(self) -> None:
        """Remove what a crash can leave: temporary files, half-built or retired partitions."""
        for partition in _partitions(self.directory).values():
            for leftover in partition.glob(".tmp-*"):
                leftover.unlink(missing_ok=True)
        for leftover in self.directory.glob(".new-*"):
            shutil.rmtree(leftover, ignore_errors=True)
        self._empty_trash(grace_s=0.0)

    def _empty_trash(self, grace_s: float = _TRASH_GRACE_S) -> None:
        trash = self.directory / ".trash"
        if not trash.is_dir():
            return
        limit = time.time() - grace_s
        for entry in trash.iterdir():
            with contextlib.suppress(OSError):
                if entry.stat().st_mtime <= limit:
                    shutil.rmtree(entry, ignore_errors=True)

    # -- writing -------------------------------------------------------------------------------
    @property
    def buffered_points(self) -> int:
        """Acknowledged points not yet in Parquet parts."""
        return self._buffered

    def write(self, points: Any) -> WriteReceipt:
        """Validate ``points`` and make them durable; see :func:`validate_points` for the rules.

        Returns once the batch is fsynced to the write-ahead log (acknowledged). Raises
        :class:`InputError` for bad input (nothing written) and :class:`StorageError` when the
        log cannot be written (nothing acknowledged).
        """
        table, flagged = validate_points(points, future_tolerance_s=self.future_tolerance_s,
                                         earliest=self.earliest, dictionary_tags=True)
        if table.num_rows == 0:
            return WriteReceipt(points=0, flagged_bad=0)
        with self._lock:
            self._check_open()
            self._wal.append(table)
            self._buffer.append(table)
            self._buffered += table.num_rows
            if self._buffered >= self.max_buffer_points:
                try:
                    self._flush_locked()
                except StorageError as error:
                    logger.error("automatic flush failed; the points stay in the write-ahead log: %s", error)
        return WriteReceipt(points=table.num_rows, flagged_bad=flagged)

    def flush(self) -> FlushReport:
        """Move the buffered points into Parquet parts, then drop their write-ahead log segments.

        Raises :class:`StorageError` when a part cannot be written (a full disk); the points stay
        buffered and in the log, and the next flush (or the next open) writes them.
        """
        with self._lock:
            self._check_open()
            return self._flush_locked()

    def _flush_locked(self) -> FlushReport:
        segments = self._wal.rotate()
        report = FlushReport()
        if self._buffer:
            table = pa.concat_tables(self._buffer) if len(self._buffer) > 1 else self._buffer[0]
            report = self._store(table)
            self._buffer.clear()
            self._buffered = 0
        self._wal.delete(segments)
        self._empty_trash()
        return report

    def _store(self, table: pa.Table) -> FlushReport:
        points = _sorted_unique(table)
        report = FlushReport(points=points.table.num_rows)
        if not points.table.num_rows:
            return report
        starts = np.flatnonzero(np.diff(points.days)) + 1
        bounds = [0, *starts.tolist(), len(points.days)]
        for begin, end in itertools.pairwise(bounds):
            date = _date_name(points.days[begin])
            day = points.slice(begin, end)
            chunk = day.table
            new_ranges = day.tag_ranges()
            existing = self._partition_ranges(date)
            overlapping = any(
                tag in existing and low <= existing[tag][1] and high >= existing[tag][0]
                for tag, (low, high) in new_ranges.items()
            )
            if overlapping:
                self._rewrite_partition(date, chunk)
                report.partitions_merged.append(date)
            else:
                self._append_part(date, chunk, new_ranges)
                for tag, (low, high) in new_ranges.items():
                    old = existing.get(tag)
                    existing[tag] = (low, high) if old is None else (min(low, old[0]), max(high, old[1]))
            report.parts_written += 1
        return report

    def _partition_directory(self, date: str) -> Path:
        return self.directory / f"date={date}"

    def _partition_ranges(self, date: str) -> dict[str, tuple[int, int]]:
        if date not in self._ranges:
            ranges: dict[str, tuple[int, int]] = {}
            for part in list_parts(self._partition_directory(date)):
                for tag, (low, high) in _part_ranges(part).items():
                    old = ranges.get(tag)
                    ranges[tag] = (low, high) if old is None else (min(low, old[0]), max(high, old[1]))
            self._ranges[date] = ranges
        return self._ranges[date]

    def _write_part(self, directory: Path, table: pa.Table, ranges: dict[str, tuple[int, int]]) -> Path:
        metadata = {_RANGES_KEY: json.dumps({k: list(v) for k, v in ranges.items()}).encode()}
        table = table.replace_schema_metadata(metadata)
        target = directory / f"part-{uuid.uuid4().hex}.parquet"
        try:
            with atomic_path(target) as temporary:
                _write_parquet(table, temporary)
            # the roll-up follows its part: a crash in between leaves a part without one, which
            # queries notice (they then aggregate the raw points) and compact() repairs
            with atomic_path(rollup_path(target)) as temporary:
                pq.write_table(compute_rollup(table), temporary, compression="zstd")
        except StorageError:
            raise
        except OSError as exc:
            raise _part_error(exc, target) from exc
        return target

    def _append_part(self, date: str, table: pa.Table, ranges: dict[str, tuple[int, int]]) -> None:
        self._write_part(self._partition_directory(date), table, ranges)

    def _rewrite_partition(self, date: str, extra: pa.Table | None) -> None:
        """Merge a partition's parts (and ``extra``, which wins) into one part, swapped in atomically."""
        partition = self._partition_directory(date)
        parts = list_parts(partition)
        # older parts first so that later writes win; parts of one partition never overlap once
        # written by the historian, but parts written by others might.
        parts.sort(key=lambda p: (p.stat().st_mtime_ns, p.name))
        tables = [_read_part(p) for p in parts]
        if extra is not None:
            tables.append(extra.replace_schema_metadata(None))
        merged = _sorted_unique(pa.concat_tables([t.cast(_BUFFER_SCHEMA) for t in tables]))
        ranges = merged.tag_ranges()
        staging = self.directory / f".new-date={date}-{uuid.uuid4().hex[:8]}"
        try:
            staging.mkdir()
            self._write_part(staging, merged.table, ranges)
            self._swap_in(staging, partition)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if isinstance(exc, StorageError):
                raise
            raise _part_error(exc, partition) from exc
        self._ranges[date] = ranges

    def _swap_in(self, staging: Path, partition: Path) -> None:
        trash = self.directory / ".trash"
        trash.mkdir(exist_ok=True)
        retired = trash / f"{partition.name}-{uuid.uuid4().hex[:8]}"
        if not partition.exists():
            os.rename(staging, partition)
        elif _exchange_directories(staging, partition):
            os.rename(staging, retired)  # staging now holds the old partition
        else:  # readers may briefly see neither, never both
            os.rename(partition, retired)
            os.rename(staging, partition)
        if retired.exists():  # the grace period before deletion counts from now
            with contextlib.suppress(OSError):
                os.utime(retired)
        fsync_directory(self.directory)

    # -- maintenance ---------------------------------------------------------------------------
    def compact(self, *, min_parts: int = 2) -> FlushReport:
        """Merge the parts of every partition that has at least ``min_parts`` into one part.

        Flushes first. Builds the 1-minute roll-ups that parts written by other tools lack.
        The merged partition replaces the old one in one atomic swap; points are neither lost
        nor duplicated (duplicates written by other tools are resolved, newest file wins).
        """
        with self._lock:
            self._check_open()
            report = self._flush_locked()
            for date, partition in _partitions(self.directory).items():
                parts = list_parts(partition)
                if len(parts) >= min_parts:
                    self._rewrite_partition(date, None)
                    report.partitions_merged.append(date)
                else:
                    for part in parts:
                        if not rollup_path(part).exists():
                            write_rollup(part)
            return report

    def apply_retention(self, days: int, *, now: dt.datetime | None = None) -> FlushReport:
        """Drop the partitions whose UTC date is more than ``days`` days before today.

        Parameters
        ----------
        days
            Number of whole UTC days to keep before today's date [d]; 0 keeps only today.
        now
            The present instant (the system clock by default).
        """
        if isinstance(days, bool) or not isinstance(days, int) or days < 0:
            raise InputError("retention must be a whole number of days, zero or more", field="days",
                             value=days, fix="give for example 365")
        with self._lock:
            self._check_open()
            report = self._flush_locked()
            today = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).date()
            cutoff = (today - dt.timedelta(days=days)).isoformat()
            trash = self.directory / ".trash"
            for date, partition in _partitions(self.directory).items():
                if date < cutoff:
                    trash.mkdir(exist_ok=True)
                    retired = trash / f"{partition.name}-{uuid.uuid4().hex[:8]}"
                    os.rename(partition, retired)
                    os.utime(retired)
                    self._ranges.pop(date, None)
                    report.partitions_dropped.append(date)
            fsync_directory(self.directory)
            return report

    def partitions(self) -> list[str]:
        """UTC dates (YYYY-MM-DD) of the partitions on disk."""
        return list(_partitions(self.directory))


def _part_error(exc: OSError, path: Path) -> StorageError:
    message = str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in message:
        return StorageError("the disk is full; the points stay in the write-ahead log and memory",
                            field="path", value=str(path),
                            fix="free space on the file system that holds the historian root (or apply "
                                "retention), then flush again; nothing acknowledged was lost")
    return StorageError(f"cannot write a Parquet part: {exc}", field="path", value=str(path),
                        fix="check the path, its permissions and the file system; the points stay in the "
                            "write-ahead log")

