"""Historian queries, written once as Ibis expressions, run on DuckDB or Apache Spark.

Bind the Parquet files of one furnace to a backend with :func:`open_points`, build a query
with one of the functions below, and run it with :func:`run`::

    points = open_points(root, "plant1", "bf2", start=start, end=end)   # DuckDB by default
    chart = run(bucketed(points, ["blast_volume"], start, end, points_per_tag=1000))

With ``backend=ibis.pyspark.connect(spark_session)`` the same expressions run on Spark over
the same files (a test compares both). The ``points`` table has the columns of the historian
layout: ``ts`` (UTC), ``tag``, ``value``, ``quality``. Within a furnace no (tag, ts) is stored
twice (the historian resolves duplicates when it writes), so no query de-duplicates.

Time windows are half-open, ``start <= ts < end``. Timestamps given as text or datetimes must
carry a time zone (or use ``assume_time_zone``), as in the historian.

Output columns (units: those of the tag, from the tag catalogue):

- :func:`raw_range`: ``ts, tag, value, quality``
- :func:`bucketed`: ``tag, bucket_start, value_min, value_max, value_mean, value_last,
  point_count, bad_count``
- :func:`last_values`: ``tag, ts, value, quality``
- :func:`gaps`: ``tag, gap_start, gap_end, gap_duration_s``
- :func:`join_bucketed`: ``bucket_start`` and one column per tag
- :func:`join_asof`: ``ts``, the base tag and one column per other tag
- :func:`tag_summary`: ``tag, first_ts, last_ts, point_count, bad_count``
"""

from __future__ import annotations

import contextlib
import difflib
import logging
import math
import os
import warnings
import zoneinfo
from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.datatypes as dtypes
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa

from greenmet.errors import InputError, StorageError
from greenmet.storage.binding import Binding, bind, execute
from greenmet.storage.furnace_metadata import read_furnace_metadata
from greenmet.storage.manifest import snapshot
from greenmet.storage.parts import furnace_directory
from greenmet.storage.points import POINT_SCHEMA, QUALITY_BAD
from greenmet.storage.rollups import ROLLUP_WIDTH_S

__all__ = [
    "bucket_width_s",
    "bucketed",
    "gaps",
    "join_asof",
    "join_bucketed",
    "known_tags",
    "last_values",
    "open_points",
    "open_rollups",
    "raw_range",
    "rollup_table",
    "run",
    "tag_summary",
    "to_utc",
    "unknown_tags",
]

_UTC = dtypes.Timestamp(timezone="UTC")


# ``max_by(value, key)``: the value at the largest key, a built-in aggregate of both DuckDB (alias
# of arg_max) and Spark. Ibis's own ``argmax`` compiles to an ordered FIRST(... ORDER BY) on
# DuckDB, which sorts every group and made the chart query several times slower.
# Microseconds since 1970 of a UTC timestamp: ``epoch_us`` in DuckDB, ``unix_micros`` in Spark.
# Ibis's ``epoch_seconds`` casts to a zone-less timestamp first, which on DuckDB is a per-row
# time-zone conversion that made bucketing five times slower than the aggregation itself.
@ibis.udf.scalar.builtin(name="epoch_us")
def _epoch_us_duckdb(ts: _UTC) -> dtypes.int64:  # type: ignore[valid-type]
    """Microseconds since 1970-01-01T00:00:00Z (DuckDB)."""


@ibis.udf.scalar.builtin(name="unix_micros")
def _epoch_us_spark(ts: _UTC) -> dtypes.int64:  # type: ignore[valid-type]
    """Microseconds since 1970-01-01T00:00:00Z (Spark)."""


@ibis.udf.agg.builtin(name="max_by")
def _value_at_latest(arg: float, key: _UTC) -> float:  # type: ignore[valid-type,empty-body]
    """The value of ``arg`` in the row with the largest ``key``."""


@ibis.udf.agg.builtin(name="max_by")
def _code_at_latest(arg: dtypes.int16, key: _UTC) -> dtypes.int16:  # type: ignore[valid-type]
    """The quality code in the row with the largest ``key``."""


logger = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# arguments
# ---------------------------------------------------------------------------------------------
def to_utc(value: Any, field: str = "time", *, assume_time_zone: str | None = None) -> pd.Timestamp:
    """An instant as a UTC :class:`pandas.Timestamp`.

    Parameters
    ----------
    value
        ISO 8601 text, :class:`datetime.datetime` or :class:`pandas.Timestamp`.
    field
        Name of the argument, for the error message.
    assume_time_zone
        IANA time zone for values without one (the plant's, from ``_furnace.json``); without
        it such values are refused.
    """
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise InputError("not a date and time", field=field, value=value,
                         fix="give ISO 8601 text such as 2025-03-01T08:00:00+08:00") from None
    if stamp is pd.NaT:
        raise InputError("not a date and time", field=field, value=value,
                         fix="give ISO 8601 text such as 2025-03-01T08:00:00+08:00")
    if stamp.tzinfo is None:
        if assume_time_zone is None:
            raise InputError("the time has no time zone", field=field, value=str(value),
                             fix="add an offset (2025-03-01T08:00:00+08:00) or Z for UTC")
        stamp = stamp.tz_localize(zoneinfo.ZoneInfo(assume_time_zone))
    return stamp.tz_convert("UTC")


def _window(start: Any, end: Any) -> tuple[pd.Timestamp, pd.Timestamp]:
    start_utc, end_utc = to_utc(start, "start"), to_utc(end, "end")
    if end_utc <= start_utc:
        raise InputError("the end of the time window is not after its start", field="end",
                         value=str(end_utc), fix=f"give an end later than {start_utc.isoformat()}")
    return start_utc, end_utc


def _tags(tags: str | Sequence[str]) -> list[str]:
    if isinstance(tags, str):
        tags = [tags]
    tags = list(tags)
    if not tags or not all(isinstance(t, str) and t for t in tags):
        raise InputError("give at least one tag name", field="tags", value=tags,
                         fix="pass tag names such as ['blast_volume', 'top_pressure']")
    return list(dict.fromkeys(tags))


def bucket_width_s(start: Any, end: Any, *, bucket_s: float | None = None,
                   points_per_tag: int | None = None) -> int:
    """Width of the time buckets in whole seconds (at least 1) [s].

    Give exactly one of ``bucket_s`` (the width [s], rounded up to whole seconds) or
    ``points_per_tag`` (the largest number of buckets per tag wanted across the window
    [dimensionless]; a width above a minute is then rounded up to whole minutes, so that the
    1-minute roll-ups serve the query).
    """
    start_utc, end_utc = _window(start, end)
    if (bucket_s is None) == (points_per_tag is None):
        raise InputError("give either a bucket width or a number of points per tag", field="bucket_s",
                         value=(bucket_s, points_per_tag), fix="pass bucket_s=60 or points_per_tag=1000")
    if bucket_s is not None:
        if not math.isfinite(bucket_s) or bucket_s <= 0:
            raise InputError("the bucket width must be positive", field="bucket_s", value=bucket_s,
                             fix="give a width in seconds, e.g. 60")
        return max(1, math.ceil(bucket_s))
    if points_per_tag is None or isinstance(points_per_tag, bool) or points_per_tag < 1:
        raise InputError("the number of points per tag must be a positive whole number",
                         field="points_per_tag", value=points_per_tag, fix="give e.g. 1000")
    span_s = (end_utc - start_utc).total_seconds()
    width = max(1, math.ceil(span_s / points_per_tag))
    if width > ROLLUP_WIDTH_S:  # whole minutes, so that the 1-minute roll-ups can serve the query
        width = math.ceil(width / ROLLUP_WIDTH_S) * ROLLUP_WIDTH_S
    return width


# ---------------------------------------------------------------------------------------------
# binding files to a backend
# ---------------------------------------------------------------------------------------------
def _dates(start: Any, end: Any) -> tuple[str | None, str | None]:
    first = to_utc(start, "start").date().isoformat() if start is not None else None
    last = (to_utc(end, "end") - pd.Timedelta(microseconds=1)).date().isoformat() if end is not None else None
    return first, last


def _view_name(kind: str, site: str, furnace: str, first: str | None, last: str | None) -> str:
    name = f"greenmet_{kind}_{site}_{furnace}_{first or 'all'}_{last or 'all'}"
    return "".join(c if c.isalnum() else "_" for c in name)


def open_points(root: str | os.PathLike[str], site: str, furnace: str, *, start: Any = None,
                end: Any = None, backend: Any = None) -> ir.Table:
    """The points of one furnace as an Ibis table (``ts, tag, value, quality, ts_us``).

    ``ts_us`` is ``ts`` in microseconds since 1970 (UTC), for arithmetic on time that every
    backend does fast.

    Parameters
    ----------
    root, site, furnace
        Where the historian keeps the furnace (``ROOT/site=<site>/furnace=<furnace>``).
    start, end
        Optional instants: only the parts of the UTC dates overlapping [start, end) are read.
    backend
        An Ibis connection: DuckDB (``ibis.duckdb.connect()``, the default, a new in-memory
        database) or PySpark (``ibis.pyspark.connect(session)``).

    The table is a view over the files the furnace's manifest lists (``_parts.json``). Every
    :func:`run` re-reads the manifest once, under a reader lease, and re-binds the view: a
    query reads one consistent snapshot (a compaction running meanwhile neither breaks it nor
    makes it count a point twice), and a table opened once still sees later flushes. Both
    engines read the same file list.
    """
    if backend is None:
        backend = ibis.duckdb.connect()
    first, last = _dates(start, end)
    directory = furnace_directory(root, site, furnace)
    table = bind(backend, Binding(_view_name("points", site, furnace, first, last), directory, first, last,
                                  "points"))
    epoch_us = _epoch_us_spark if backend.name == "pyspark" else _epoch_us_duckdb
    return table.select(ts=table.ts.cast(_UTC), tag=table.tag, value=table.value,
                        quality=table.quality.cast("uint8"), ts_us=epoch_us(table.ts.cast(_UTC)))


def open_rollups(root: str | os.PathLike[str], site: str, furnace: str, *, start: Any = None,
                 end: Any = None, backend: Any = None) -> ir.Table | None:
    """The 1-minute roll-ups of one furnace's parts as an Ibis table, or None.

    The same snapshot as :func:`open_points` on either engine (roll-ups are plain Parquet files
    named in the manifest). None for a furnace without a manifest (written by an older greenmet
    or another tool, not yet opened by a :class:`~greenmet.storage.historian.Historian`) where
    some part lacks its roll-up: :func:`bucketed` then aggregates the raw points. Columns:
    ``tag, minute_start, minute_us, value_min, value_max, value_sum, good_count, point_count,
    bad_count, last_ts, value_last``.
    """
    if backend is None:
        backend = ibis.duckdb.connect()
    first, last = _dates(start, end)
    directory = furnace_directory(root, site, furnace)
    taken = snapshot(directory, first, last)
    if taken.version is None and (taken.rollups is None or not taken.rollups):
        return None
    table = bind(backend, Binding(_view_name("rollups", site, furnace, first, last), directory, first, last,
                                  "rollups"))
    return rollup_table(table, backend)


def known_tags(root: str | os.PathLike[str], site: str, furnace: str) -> list[str]:
    """Every tag the furnace knows: those in its metadata (``_furnace.json``) and in its points."""
    directory = furnace_directory(root, site, furnace)
    tags: set[str] = set()
    with contextlib.suppress(StorageError):  # a damaged metadata file: the points still name their tags
        tags.update(str(tag) for tag in (read_furnace_metadata(directory).get("tags") or {}))
    points = open_points(root, site, furnace)
    tags.update(run(points.select("tag").distinct())["tag"].astype(str))
    return sorted(tags)


def unknown_tags(root: str | os.PathLike[str], site: str, furnace: str,
                 tags: str | Sequence[str]) -> dict[str, list[str]]:
    """The requested tags the furnace does not know, each with the closest known names."""
    requested = _tags(tags)
    known = known_tags(root, site, furnace)
    known_set = set(known)
    return {tag: difflib.get_close_matches(tag, known, n=3, cutoff=0.6)
            for tag in requested if tag not in known_set}


def rollup_table(table: ir.Table, backend: Any) -> ir.Table:
    """Roll-up rows bound to ``backend`` with the ``minute_us`` column :func:`bucketed` uses."""
    epoch_us = _epoch_us_spark if backend.name == "pyspark" else _epoch_us_duckdb
    return table.mutate(minute_start=table.minute_start.cast(_UTC), last_ts=table.last_ts.cast(_UTC),
                        minute_us=epoch_us(table.minute_start.cast(_UTC)))


def run(expression: ir.Table, backend: Any = None) -> pd.DataFrame:
    """Execute a query and return a DataFrame with UTC timestamps, whatever the backend.

    The furnace views the query reads are bound to one snapshot of their manifests first (see
    :func:`open_points`). A damaged part is left out with a
    :class:`~greenmet.errors.GreenmetWarning` naming it; the rest answers.
    """
    connection = backend if backend is not None else expression.get_backend()
    with warnings.catch_warnings():
        # ibis's PySpark backend reads a pandas option that pandas 3 deprecated
        warnings.filterwarnings("ignore", message="The 'future.infer_string' option is deprecated")
        table = execute(expression, connection)
    frame = table.to_pandas()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            series = frame[column]
            if isinstance(series.dtype, pd.DatetimeTZDtype):
                series = series.dt.tz_convert("UTC")
            else:  # Spark hands back naive values in the session zone, UTC by our setup
                series = series.dt.tz_localize("UTC")
            frame[column] = series.astype("datetime64[us, UTC]")
    if "quality" in frame.columns:
        frame["quality"] = frame["quality"].astype("uint8")
    return frame


# ---------------------------------------------------------------------------------------------
# queries
# ---------------------------------------------------------------------------------------------
def _in_window(points: ir.Table, tags: list[str], start: pd.Timestamp, end: pd.Timestamp) -> ir.Table:
    return points.filter(points.tag.isin(tags), points.ts >= start.to_pydatetime(),
                         points.ts < end.to_pydatetime())


def raw_range(points: ir.Table, tags: str | Sequence[str], start: Any, end: Any) -> ir.Table:
    """Every stored point of ``tags`` with ``start <= ts < end``, ordered by tag and ts."""
    tag_list = _tags(tags)
    start_utc, end_utc = _window(start, end)
    selected = _in_window(points, tag_list, start_utc, end_utc)
    return selected.select(*POINT_SCHEMA.names).order_by(["tag", "ts"])


def bucketed(points: ir.Table, tags: str | Sequence[str], start: Any, end: Any, *,
             bucket_s: float | None = None, points_per_tag: int | None = None,
             rollups: ir.Table | None = None) -> ir.Table:
    """Aggregates per tag and time bucket: the chart query.

    Buckets are ``bucket_width_s`` wide, aligned on ``start``; ``bucket_start`` names each.
    ``value_min``, ``value_max``, ``value_mean`` and ``value_last`` (the value at the latest ts
    of the bucket) use the points whose quality is not bad (128); ``point_count`` counts every
    point, ``bad_count`` the bad ones. Empty buckets produce no row.

    With ``rollups`` (from :func:`open_rollups`), when ``start``, ``end`` and the bucket width
    are whole minutes, the buckets are combined from the 1-minute roll-ups instead of the raw
    points: the same result (the mean up to rounding) from 60 times fewer rows.
    """
    tag_list = _tags(tags)
    start_utc, end_utc = _window(start, end)
    width = bucket_width_s(start_utc, end_utc, bucket_s=bucket_s, points_per_tag=points_per_tag)
    origin = math.floor(start_utc.timestamp())  # buckets start on whole seconds
    minute_us = ROLLUP_WIDTH_S * 1_000_000
    if (rollups is not None and width % ROLLUP_WIDTH_S == 0 and start_utc.value // 1000 % minute_us == 0
            and end_utc.value // 1000 % minute_us == 0):
        return _bucketed_from_rollups(rollups, tag_list, start_utc, end_utc, width, origin)
    selected = _in_window(points, tag_list, start_utc, end_utc)
    selected = selected.mutate(bucket=(selected.ts_us - origin * 1_000_000) // (width * 1_000_000),
                               good=selected.quality != QUALITY_BAD)
    good = selected.good
    aggregated = selected.group_by(["tag", "bucket"]).aggregate(
        value_min=selected.value.min(where=good),
        value_max=selected.value.max(where=good),
        value_mean=selected.value.mean(where=good),
        value_last=_value_at_latest(selected.value, selected.ts, where=good),
        point_count=selected.ts.count(),
        bad_count=(~good).ifelse(1, 0).sum(),
    )
    return aggregated.select(
        "tag",
        bucket_start=(aggregated.bucket * width + origin).as_timestamp("s").cast(_UTC),
        value_min=aggregated.value_min,
        value_max=aggregated.value_max,
        value_mean=aggregated.value_mean,
        value_last=aggregated.value_last,
        point_count=aggregated.point_count.cast("int64"),
        bad_count=aggregated.bad_count.cast("int64"),
    ).order_by(["tag", "bucket_start"])


def _bucketed_from_rollups(rollups: ir.Table, tags: list[str], start: pd.Timestamp, end: pd.Timestamp,
                           width: int, origin: int) -> ir.Table:
    start_us, end_us = start.value // 1000, end.value // 1000
    selected = rollups.filter(rollups.tag.isin(tags), rollups.minute_us >= start_us,
                              rollups.minute_us < end_us)
    selected = selected.mutate(bucket=(selected.minute_us - origin * 1_000_000) // (width * 1_000_000))
    aggregated = selected.group_by(["tag", "bucket"]).aggregate(
        value_min=selected.value_min.min(),
        value_max=selected.value_max.max(),
        value_sum=selected.value_sum.sum(),
        good_count=selected.good_count.sum(),
        value_last=_value_at_latest(selected.value_last, selected.last_ts),
        point_count=selected.point_count.sum(),
        bad_count=selected.bad_count.sum(),
    )
    return aggregated.select(
        "tag",
        bucket_start=(aggregated.bucket * width + origin).as_timestamp("s").cast(_UTC),
        value_min=aggregated.value_min,
        value_max=aggregated.value_max,
        value_mean=ibis.ifelse(aggregated.good_count > 0, aggregated.value_sum / aggregated.good_count,
                               ibis.null("float64")),
        value_last=aggregated.value_last,
        point_count=aggregated.point_count.cast("int64"),
        bad_count=aggregated.bad_count.cast("int64"),
    ).order_by(["tag", "bucket_start"])


def last_values(points: ir.Table, tags: str | Sequence[str] | None = None, *, before: Any = None,
                good_only: bool = False) -> ir.Table:
    """The latest point of each tag (of ``tags``, or of every tag), strictly before ``before``.

    With ``good_only`` the latest point whose quality is good (0) or uncertain (64).
    """
    selected = points
    if tags is not None:
        selected = selected.filter(selected.tag.isin(_tags(tags)))
    if before is not None:
        selected = selected.filter(selected.ts < to_utc(before, "before").to_pydatetime())
    if good_only:
        selected = selected.filter(selected.quality != QUALITY_BAD)
    return selected.group_by("tag").aggregate(
        ts=selected.ts.max(),
        value=_value_at_latest(selected.value, selected.ts),
        quality=_code_at_latest(selected.quality.cast("int16"), selected.ts).cast("uint8"),
    ).order_by("tag")


def gaps(points: ir.Table, tags: str | Sequence[str], start: Any, end: Any, *, threshold_s: float,
         good_only: bool = False) -> ir.Table:
    """Intervals longer than ``threshold_s`` in which a tag has no point [s].

    Counts the interval from ``start`` to a tag's first point, between consecutive points, and
    from its last point to ``end``; a tag without any point in the window has one gap covering
    it all. With ``good_only`` bad-quality points count as missing.
    """
    tag_list = _tags(tags)
    start_utc, end_utc = _window(start, end)
    if not math.isfinite(threshold_s) or threshold_s <= 0:
        raise InputError("the gap threshold must be positive", field="threshold_s", value=threshold_s,
                         fix="give a duration in seconds, e.g. 60")
    threshold_ms = threshold_s * 1000.0
    selected = _in_window(points, tag_list, start_utc, end_utc)
    if good_only:
        selected = selected.filter(selected.quality != QUALITY_BAD)
    window = ibis.window(group_by=selected.tag, order_by=selected.ts)
    with_previous = selected.select("tag", "ts", previous=selected.ts.lag().over(window))
    inner = with_previous.filter(with_previous.previous.notnull()).select(
        tag=with_previous.tag, gap_start=with_previous.previous, gap_end=with_previous.ts)

    start_literal = ibis.literal(start_utc.to_pydatetime(), type=_UTC)
    end_literal = ibis.literal(end_utc.to_pydatetime(), type=_UTC)
    requested = ibis.memtable(pa.table({"tag": pa.array(tag_list, pa.string())}))
    extent = selected.group_by("tag").aggregate(first=selected.ts.min(), last=selected.ts.max())
    edges = requested.left_join(extent, requested.tag == extent.tag).select(
        tag=requested.tag, first=extent.first, last=extent.last)
    leading = edges.select(tag=edges.tag, gap_start=start_literal,
                           gap_end=edges.first.fill_null(end_literal))
    trailing = edges.filter(edges.last.notnull()).select(tag=edges.tag, gap_start=edges.last,
                                                         gap_end=end_literal)
    candidates = ibis.union(inner, leading, trailing)
    candidates = candidates.mutate(
        gap_duration_s=candidates.gap_end.delta(candidates.gap_start, unit="millisecond") / 1000.0)
    return candidates.filter(candidates.gap_duration_s * 1000.0 > threshold_ms) \
        .order_by(["tag", "gap_start"])


def join_bucketed(points: ir.Table, tags: str | Sequence[str], start: Any, end: Any, *,
                  bucket_s: float | None = None, points_per_tag: int | None = None,
                  how: str = "mean") -> ir.Table:
    """Several tags side by side on a common time grid: one row per bucket, one column per tag.

    ``how`` is ``"mean"`` (mean of the good points in the bucket) or ``"last"`` (the good point
    with the latest ts). A bucket where a tag has no good point holds null for that tag.
    """
    tag_list = _tags(tags)
    if how not in ("mean", "last"):
        raise InputError("unknown aggregation", field="how", value=how, fix="use 'mean' or 'last'")
    per_tag = bucketed(points, tag_list, start, end, bucket_s=bucket_s, points_per_tag=points_per_tag)
    column = per_tag.value_mean if how == "mean" else per_tag.value_last
    wide = per_tag.group_by("bucket_start").aggregate(**{
        tag: column.max(where=per_tag.tag == tag) for tag in tag_list
    })
    return wide.order_by("bucket_start")


def join_asof(points: ir.Table, base_tag: str, other_tags: str | Sequence[str], start: Any, end: Any,
              *, tolerance_s: float | None = None) -> ir.Table:
    """For every point of ``base_tag``, the latest value of each other tag at or before its ts.

    Written with a cumulative window instead of an ASOF JOIN so that Spark, which lacks one,
    runs it too. Values of other tags older than ``tolerance_s`` are null [s]; bad-quality
    points of other tags are skipped. The window orders the whole selection, so keep the time
    window to what a chart or a model needs (days, not years).
    """
    others = [t for t in _tags(other_tags) if t != base_tag]
    if not others:
        raise InputError("give at least one tag other than the base tag", field="other_tags",
                         value=other_tags, fix="pass the tags to align on the base tag's timestamps")
    start_utc, end_utc = _window(start, end)
    lookback = pd.Timedelta(seconds=tolerance_s) if tolerance_s is not None else pd.Timedelta(0)
    selected = _in_window(points, [base_tag, *others], start_utc - lookback, end_utc)
    selected = selected.filter((selected.tag == base_tag) | (selected.quality != QUALITY_BAD))
    cumulative = ibis.range_window(order_by=selected.ts, preceding=None, following=0)
    marks = {f"_ts_{i}": ibis.ifelse(selected.tag == tag, selected.ts, ibis.null(_UTC)).max().over(cumulative)
             for i, tag in enumerate(others)}
    marked = selected.mutate(**marks)
    base = marked.filter(marked.tag == base_tag, marked.ts >= start_utc.to_pydatetime())
    result = base.select("ts", *marks.keys(), **{base_tag: base.value})
    for i, tag in enumerate(others):
        other = selected.filter(selected.tag == tag).select(_ots=selected.ts, _oval=selected.value)
        joined = result.left_join(other, result[f"_ts_{i}"] == other._ots)
        value = joined._oval
        if tolerance_s is not None:
            age_ms = joined.ts.delta(joined[f"_ts_{i}"], unit="millisecond")
            value = ibis.ifelse(age_ms <= tolerance_s * 1000.0, value, ibis.null("float64"))
        result = joined.select(*result.columns, **{tag: value})
    return result.select("ts", base_tag, *others).order_by("ts")


def tag_summary(points: ir.Table) -> ir.Table:
    """Per tag: first and last timestamp, number of points, number of bad-quality points."""
    return points.group_by("tag").aggregate(
        first_ts=points.ts.min(),
        last_ts=points.ts.max(),
        point_count=points.ts.count().cast("int64"),
        bad_count=(points.quality == QUALITY_BAD).ifelse(1, 0).sum().cast("int64"),
    ).order_by("tag")
