"""One-minute roll-ups: per tag and UTC minute, min, max, sum, counts and last value of a part.

Each part has one roll-up file beside it; queries of whole minutes combine roll-ups instead of
scanning raw points (:func:`greenmet.storage.queries.bucketed`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from greenmet.io.atomic import atomic_path
from greenmet.storage.manifest import rollup_name
from greenmet.storage.parts import read_part
from greenmet.storage.points import QUALITY_BAD
from greenmet.storage.sorting import tag_codes

__all__ = ["ROLLUP_SCHEMA", "ROLLUP_WIDTH_S", "compute_rollup", "rollup_path", "write_rollup"]

ROLLUP_WIDTH_S = 60
ROLLUP_SCHEMA = pa.schema([
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
    """The 1-minute roll-up of a part: ``rollup1m-<id>.parquet`` beside ``part-<id>.parquet``.

    A plain Parquet name, so that every engine (Spark skips names starting with ``.`` or
    ``_``) reads it from the file list of the manifest; the ``part-*.parquet`` glob of older
    readers does not match it.
    """
    return part.with_name(rollup_name(part.name))


def compute_rollup(table: pa.Table) -> pa.Table:
    """Per tag and UTC minute: min, max, sum, counts and last value of a part's points.

    ``table`` must be sorted by tag then ts (as a part is). Min, max, sum, ``good_count`` and
    the last value use the points whose quality is not bad (128); a minute without such a point
    has nulls there. Parts of a partition never share a (tag, ts), so roll-ups of several parts
    combine exactly: min of minima, sum of sums, the last value with the latest ``last_ts``.
    """
    if table.num_rows == 0:
        return ROLLUP_SCHEMA.empty_table()
    codes, names = tag_codes(table.column("tag"))
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
    ], schema=ROLLUP_SCHEMA)


def write_rollup(part: Path) -> Path:
    """(Re)build the roll-up of an existing part, atomically; for parts written by other tools."""
    table = read_part(part)
    codes, _ = tag_codes(table.column("tag"))
    ts_us = table.column("ts").to_numpy().view(np.int64)
    order = np.lexsort((ts_us, codes))
    if np.any(np.diff(order) != 1):
        table = table.take(pa.array(order))
    target = rollup_path(part)
    with atomic_path(target) as temporary:
        pq.write_table(compute_rollup(table), temporary, compression="zstd")
    return target

