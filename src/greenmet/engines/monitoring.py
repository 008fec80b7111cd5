"""The monitoring engine: one engine for the live feed and for historian replays.

:class:`MonitoringEngine` turns long points (``ts, tag, value, quality``: the historian's point
schema, as the live feed and historian queries give them) into *wide 1 s chunks* and runs a
:class:`~greenmet.monitoring.detectors.DetectorSet` on them. Live and replay share every step
after the points arrive, so the same data give the same alerts (``tests/engines`` replays a live
run and compares):

- **A fixed grid.** Chunks are the windows ``[k·chunk_s, (k+1)·chunk_s)`` of UTC time (``chunk_s``
  divides an hour), whatever the arrival of the data: live batches of any size and replay reads
  of any window cut the same chunks. Each chunk's frame has one row per second of its window
  (NaN where a tag has no sample), one column per tag the runnable detectors need.
- **One value per second.** A sample belongs to the second it falls in (``floor(ts)``); of
  several samples of a tag in one second the latest counts. A bad-quality sample (128) is NaN;
  an uncertain one (64) keeps its value.
- **When a live chunk is complete.** Live points may arrive out of order (ingestion batches,
  history read after a reconnect). A chunk is processed once the tags' newest samples (their
  median over the tags, so one tag with a clock far ahead cannot close chunks alone) are
  ``lateness_s`` past its end (a watermark in data time, not wall-clock time, so a simulator
  running faster than real time behaves the same). A point arriving for a chunk already
  processed is *late*: it is counted (:attr:`EngineReport.late_points`), not used; the
  historian keeps it, so a replay of that span sees it. Set ``lateness_s`` above the largest
  delay between tags of one feed.
- **The edges.** The first live chunk starts at the grid window of the first point; the last is
  processed by :meth:`MonitoringEngine.finish` up to that median's last second. A replay covers
  ``[start, end)``; started on the grid and ended one second after the last live second, it cuts
  exactly the live run's chunks.

Detectors are stateful across chunks and the grid does not depend on the mode, so the
equivalence holds for any detector; with detectors whose result does not depend on the chunk
size (``greenmet.monitoring.detectors`` aims for that), a replay with bigger chunks (faster)
gives the same alerts too.

Live, the engine also hosts the per-minute derived tags (:class:`MinuteCalculation`, e.g.
online-calc's ``greenmet.engines.derived.LiveDerivation``): one writer per furnace means the
process holding the furnace's historian writer (the ingestion run by ``greenmet bf monitor``)
writes them. The engine hands each whole minute of 1 s values (every tag of the furnace, not
only the detectors') to the calculation once the minute is complete, and returns the points
it gives; :func:`monitor_live` writes them through the ingestion.

Detectors should not read derived ``calc_`` tags: they are stamped at the start of their minute
and written after it ended, so the live engine would count them late while a replay reads
them, and the two would differ.

Alerts go to the records store (:func:`greenmet.storage.alerts.record_alert_events`), with
``mode = live`` or ``replay``. The chunk size, lateness and the read window of replays are
greenmet's own defaults (no standard sets them): 60 s chunks keep the live delay near a minute
and the per-chunk overhead small.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from greenmet.errors import GreenmetError, InputError, StorageError
from greenmet.monitoring.alerts import AlertEvent
from greenmet.monitoring.detectors import Detector, DetectorSet
from greenmet.storage import Historian, queries
from greenmet.storage.alerts import open_records, record_alert_events
from greenmet.storage.binding import execute
from greenmet.storage.points import POINT_SCHEMA, QUALITY_BAD

if TYPE_CHECKING:
    import ibis.expr.types as ir

    from greenmet.ingest.opcua_client import OpcUaIngest

__all__ = [
    "DERIVED_TAG_PREFIX",
    "AlertSink",
    "EngineReport",
    "MinuteCalculation",
    "MonitoringEngine",
    "monitor_live",
    "read_wide",
    "replay",
]

logger = logging.getLogger(__name__)

DERIVED_TAG_PREFIX = "calc_"
"""Prefix of derived tags (online-calc's ``greenmet.monitoring.derived.DERIVED_PREFIX``). They are
written by the engine's minute calculation; the minute calculation is not given them as input."""

_US = 1_000_000
_SECONDS_PER_HOUR = 3600


class MinuteCalculation(Protocol):
    """A calculation the live engine runs on each complete minute (the derived tags).

    ``step(seconds)`` receives a wide frame of one or more whole minutes (UTC index at 1 s, a
    column per tag of the furnace, NaN for gaps and bad samples), minutes in time order, each
    once; it returns the points to write (``ts, tag, value, quality``, a DataFrame or an
    Arrow table), or None.
    """

    def step(self, seconds: pd.DataFrame) -> pd.DataFrame | pa.Table | None: ...


@dataclass
class EngineReport:
    """What an engine run did, as data.

    Attributes
    ----------
    mode
        ``live`` or ``replay``.
    chunks, rows
        Chunks processed and their 1 s rows. [dimensionless]
    samples
        Tag-samples given to the detectors (non-NaN cells of their chunks). [dimensionless]
    late_points
        Live points that arrived after their chunk was processed (not used; in the historian).
        [dimensionless]
    missed_batches
        Live-feed batches lost because the engine read too slowly (replay that span). [dimensionless]
    events
        Alert events produced. [dimensionless]
    derived_points
        Points of the minute calculation. [dimensionless]
    errors, last_error
        Live batches the engine could not process (bad data, a detector's refusal), and the last
        such error; monitoring goes on with the next batch. [dimensionless]
    first_time, end_time
        Start of the first chunk and end of the last one processed (UTC, ISO 8601).
    elapsed_s
        Wall-clock time spent in the engine (pivot and detectors, not waiting for data). [s]
    missing
        Detectors that cannot run, with the tags they lack.
    """

    mode: str
    chunks: int = 0
    rows: int = 0
    samples: int = 0
    late_points: int = 0
    missed_batches: int = 0
    events: int = 0
    derived_points: int = 0
    errors: int = 0
    last_error: str | None = None
    first_time: str | None = None
    end_time: str | None = None
    elapsed_s: float = 0.0
    missing: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def _check_chunk_s(chunk_s: int) -> int:
    if not isinstance(chunk_s, (int, np.integer)) or chunk_s < 1 or _SECONDS_PER_HOUR % int(chunk_s):
        raise InputError(
            "the chunk length must be a whole number of seconds that divides an hour",
            field="chunk_s",
            value=chunk_s,
            fix="give e.g. 10, 60, 600 or 3600",
        )
    return int(chunk_s)


def _points_arrays(
    points: pa.Table | pd.DataFrame, columns: dict[str, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(second µs, column, value) of the points of known tags; bad samples as NaN."""
    table = pa.Table.from_pandas(points, preserve_index=False) if isinstance(points, pd.DataFrame) else points
    missing = [name for name in POINT_SCHEMA.names if name not in table.column_names]
    if missing:
        raise InputError(
            "points lack columns of the historian's point schema",
            field="points",
            value=missing,
            fix="give ts, tag, value and quality",
        )
    if table.num_rows == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
    tag = table.column("tag")
    if pa.types.is_dictionary(tag.type):
        tag = tag.cast(pa.string())
    position = pc.index_in(tag, value_set=pa.array(list(columns), pa.string()))
    keep = pc.is_valid(position)
    table = table.filter(keep)
    position = position.filter(keep)
    ts = table.column("ts")
    if not pa.types.is_timestamp(ts.type) or ts.type.tz is None:
        raise InputError(
            "point times must be UTC timestamps",
            field="points.ts",
            value=str(ts.type),
            fix="give timestamp[us, tz=UTC] as in the historian",
        )
    ts_us = ts.cast(pa.timestamp("us", tz="UTC")).cast(pa.int64()).to_numpy(zero_copy_only=False)
    value = table.column("value").to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
    quality = table.column("quality").to_numpy(zero_copy_only=False)
    value[quality >= QUALITY_BAD] = np.nan
    return ts_us, position.to_numpy(zero_copy_only=False).astype(np.int64), value


class _Grid:
    """Buffers points of known tags and cuts them into wide 1 s frames on a fixed grid."""

    def __init__(self, tags: Sequence[str], chunk_s: int) -> None:
        self.tags = list(tags)
        self.columns = {tag: number for number, tag in enumerate(self.tags)}
        self.chunk_us = chunk_s * _US
        self._ts = np.empty(0, np.int64)
        self._column = np.empty(0, np.int64)
        self._value = np.empty(0, np.float64)
        self.next_us: int | None = None  # start of the next chunk to cut
        self.first_us: int | None = None  # the first point's time
        self._newest = np.full(len(self.tags), np.iinfo(np.int64).min, dtype=np.int64)  # per tag
        self.late = 0

    def add(self, ts_us: np.ndarray, column: np.ndarray, value: np.ndarray) -> None:
        if ts_us.size == 0:
            return
        if self.next_us is not None:
            late = ts_us < self.next_us
            if late.any():
                self.late += int(late.sum())
                keep = ~late
                ts_us, column, value = ts_us[keep], column[keep], value[keep]
                if ts_us.size == 0:
                    return
        else:
            first = int(ts_us.min())
            self.first_us = first
            # From the first point's second, not its chunk's start: seconds before a run's first
            # point are not data that dropped out (every sensor would be flagged at each start).
            self.next_us = first - first % _US
        np.maximum.at(self._newest, column, ts_us)
        self._ts = np.concatenate([self._ts, ts_us])
        self._column = np.concatenate([self._column, column])
        self._value = np.concatenate([self._value, value])

    @property
    def newest_us(self) -> int | None:
        """The median over the tags seen of each tag's newest sample time.

        A watermark one tag cannot move alone: a sensor whose clock jumps ahead (or a tag
        read back from history late) neither closes every chunk up to its time nor holds the
        others back.
        """
        seen = self._newest[self._newest > np.iinfo(np.int64).min]
        if seen.size == 0:
            return None
        return int(np.sort(seen)[(seen.size - 1) // 2])

    def start_at(self, start_us: int) -> None:
        """Begin the grid at ``start_us`` (a replay's start) instead of the first point's window."""
        self.next_us = start_us

    def cut(self, until_us: int, *, partial: bool = False) -> Iterable[pd.DataFrame]:
        """Frames of every chunk ending at or before ``until_us`` (with ``partial``, the last one
        may end at ``until_us`` inside its window)."""
        if self.next_us is None:
            return
        while True:
            start = self.next_us
            end = start - start % self.chunk_us + self.chunk_us
            if end > until_us:
                if not partial or until_us <= start:
                    return
                end = until_us
            inside = self._ts < end
            frame = self._frame(start, end, self._ts[inside], self._column[inside], self._value[inside])
            keep = ~inside
            self._ts, self._column, self._value = self._ts[keep], self._column[keep], self._value[keep]
            self.next_us = end
            yield frame

    def _frame(
        self, start_us: int, end_us: int, ts_us: np.ndarray, column: np.ndarray, value: np.ndarray
    ) -> pd.DataFrame:
        first_s = -(-start_us // _US)
        rows = -(-end_us // _US) - first_s
        data = np.full((rows, len(self.tags)), np.nan)
        if ts_us.size:
            order = np.argsort(ts_us, kind="stable")
            cell = (ts_us[order] // _US - first_s) * len(self.tags) + column[order]
            # the latest sample of each (second, tag): first occurrence in the reversed order
            cells, first = np.unique(cell[::-1], return_index=True)
            data.reshape(-1)[cells] = value[order][::-1][first]
        index = pd.date_range(pd.Timestamp(first_s, unit="s", tz="UTC"), periods=rows, freq="s", unit="us")
        return pd.DataFrame(data, index=index, columns=self.tags, copy=False)


class MonitoringEngine:
    """Runs detectors on wide 1 s chunks cut from long points on a fixed grid (see the module).

    Parameters
    ----------
    detectors
        A :class:`DetectorSet` or detectors. Fitted (:meth:`fit`) before the first chunk if
        they learn normal operation.
    tags
        The tags the furnace has: detectors lacking one are not run (see
        :attr:`EngineReport.missing`) and the minute calculation receives all of them except
        derived ones.
    chunk_s
        Length of a chunk; divides an hour. [s]
    lateness_s
        Live: a chunk is processed once a sample this much newer than its end has arrived. [s]
    minute_calculation
        Live only: called with each complete minute (see :class:`MinuteCalculation`).
    mode
        ``live`` or ``replay`` (recorded with the alerts).
    """

    def __init__(
        self,
        detectors: DetectorSet | Iterable[Detector],
        tags: Iterable[str],
        *,
        chunk_s: int = 60,
        lateness_s: float = 10.0,
        minute_calculation: MinuteCalculation | None = None,
        mode: str = "live",
    ) -> None:
        if mode not in ("live", "replay"):
            raise InputError("unknown engine mode", field="mode", value=mode, fix="use live or replay")
        if not lateness_s >= 0:
            raise InputError(
                "lateness must not be negative",
                field="lateness_s",
                value=lateness_s,
                fix="give seconds >= 0, e.g. 10",
            )
        self.chunk_s = _check_chunk_s(chunk_s)
        self.lateness_us = round(lateness_s * _US)
        self.tags = sorted(set(tags))
        members = detectors.detectors if isinstance(detectors, DetectorSet) else tuple(detectors)
        self.detectors = DetectorSet(members, tags=self.tags)
        self.minute_calculation = minute_calculation
        needed = {tag for detector in self.detectors.runnable for tag in detector.required_tags}
        if minute_calculation is not None:
            needed |= {tag for tag in self.tags if not tag.startswith(DERIVED_TAG_PREFIX)}
        self.detector_tags = sorted({tag for d in self.detectors.runnable for tag in d.required_tags})
        derived_inputs = [tag for tag in self.detector_tags if tag.startswith(DERIVED_TAG_PREFIX)]
        if derived_inputs and mode == "live":
            logger.warning(
                "detectors read derived tags %s: live they arrive after their minute, so the live "
                "alerts may differ from a replay's",
                derived_inputs,
            )
        self._grid = _Grid(sorted(needed), self.chunk_s)
        self._minute: list[pd.DataFrame] = []
        self._minute_from: pd.Timestamp | None = None
        self.report = EngineReport(mode=mode, missing={k: list(v) for k, v in self.detectors.missing.items()})

    # -- fitting ---------------------------------------------------------------------------------
    def fit(self, normal: pd.DataFrame) -> None:
        """Fit the runnable detectors on a wide frame of the furnace's normal operation."""
        self.detectors.fit(normal)

    # -- data in ---------------------------------------------------------------------------------
    @property
    def pivot_tags(self) -> list[str]:
        """The tags cut into chunks (the detectors' and, live, the minute calculation's)."""
        return list(self._grid.tags)

    def push(self, points: pa.Table | pd.DataFrame) -> tuple[list[AlertEvent], pa.Table | None]:
        """Add live points; process every chunk now complete. Returns (alert events, derived points)."""
        started = time.perf_counter()
        ts_us, column, value = _points_arrays(points, self._grid.columns)
        late_before = self._grid.late
        self._grid.add(ts_us, column, value)
        self.report.late_points += self._grid.late - late_before
        if self._grid.late > late_before:
            logger.warning(
                "%d points arrived after their chunk was processed; a replay of the span sees them",
                self._grid.late - late_before,
            )
        result: tuple[list[AlertEvent], pa.Table | None] = ([], None)
        watermark = self._grid.newest_us
        if watermark is not None:
            result = self._process(self._grid.cut(watermark - self.lateness_us + 1))
        self.report.elapsed_s += time.perf_counter() - started
        return result

    def finish(self) -> tuple[list[AlertEvent], pa.Table | None]:
        """Process what is buffered, up to the last second the tags have reached (the median of
        their newest samples: the end of a live run)."""
        watermark = self._grid.newest_us
        if watermark is None:
            return [], None
        started = time.perf_counter()
        end_us = (watermark // _US + 1) * _US
        result = self._process(self._grid.cut(end_us, partial=True))
        self.report.elapsed_s += time.perf_counter() - started
        return result

    def run_points(
        self, points: pa.Table | pd.DataFrame, start: Any, end: Any
    ) -> tuple[list[AlertEvent], pa.Table | None]:
        """Process the points of ``[start, end)`` (replay): chunks from ``start`` up to ``end``."""
        start_us, end_us = _instant_us(start, "start"), _instant_us(end, "end")
        if self._grid.next_us is None:
            self._grid.start_at(start_us)
        ts_us, column, value = _points_arrays(points, self._grid.columns)
        inside = (ts_us >= start_us) & (ts_us < end_us)
        self._grid.add(ts_us[inside], column[inside], value[inside])
        started = time.perf_counter()
        result = self._process(self._grid.cut(end_us, partial=True))
        self.report.elapsed_s += time.perf_counter() - started
        return result

    # -- processing ------------------------------------------------------------------------------
    def _process(self, frames: Iterable[pd.DataFrame]) -> tuple[list[AlertEvent], pa.Table | None]:
        events: list[AlertEvent] = []
        derived: list[pa.Table] = []
        for frame in frames:
            if frame.empty:
                continue
            report = self.report
            if report.first_time is None:
                report.first_time = frame.index[0].isoformat()
            report.end_time = (frame.index[-1] + pd.Timedelta(seconds=1)).isoformat()
            report.chunks += 1
            report.rows += len(frame)
            chunk = frame if len(self.detector_tags) == frame.shape[1] else frame[self.detector_tags]
            report.samples += int(np.count_nonzero(~np.isnan(chunk.to_numpy())))
            events.extend(self.detectors.step(chunk))
            if self.minute_calculation is not None:
                points = self._minutes(self.minute_calculation, frame)
                if points is not None:
                    derived.append(points)
        self.report.events += len(events)
        table = pa.concat_tables(derived) if derived else None
        if table is not None:
            self.report.derived_points += table.num_rows
        return events, table

    def _minutes(self, calculation: MinuteCalculation, frame: pd.DataFrame) -> pa.Table | None:
        """Hand the minutes ``frame`` completes to the calculation; keep the incomplete one.

        A minute is complete once its last second is in a processed chunk; the minutes a run
        starts and stops in are never handed over (they lack seconds; ``greenmet bf derive``
        computes them from the historian).
        """
        if self._minute_from is None:  # a run starting inside a minute skips that minute
            first = self._grid.first_us if self._grid.first_us is not None else frame.index[0].value // 1000
            self._minute_from = pd.Timestamp(first // _US, unit="s", tz="UTC").ceil("min")
        self._minute.append(frame)
        seconds = pd.concat(self._minute) if len(self._minute) > 1 else frame
        seconds = seconds[seconds.index >= self._minute_from]
        if seconds.empty:
            self._minute = []
            return None
        boundary = (seconds.index[-1] + pd.Timedelta(seconds=1)).floor("min")
        complete = seconds[seconds.index < boundary]
        rest = seconds[seconds.index >= boundary]
        self._minute = [rest] if len(rest) else []
        if complete.empty:
            return None
        inputs = complete[[tag for tag in complete.columns if not tag.startswith(DERIVED_TAG_PREFIX)]]
        result = calculation.step(inputs)
        if result is None:
            return None
        table = (
            pa.Table.from_pandas(result, preserve_index=False) if isinstance(result, pd.DataFrame) else result
        )
        return table.select(POINT_SCHEMA.names).cast(POINT_SCHEMA)


def _write_points(ingest: OpcUaIngest, site: str, furnace: str, table: pa.Table) -> None:
    with Historian(ingest.historian_root, site, furnace, **ingest.historian_options) as historian:
        historian.write(table)


def _instant_us(value: Any, name: str) -> int:
    stamp = queries.to_utc(value, name)
    return int(stamp.value // 1000)


def _windows(start_us: int, end_us: int, window_us: int) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """``[start, end)`` cut at the multiples of ``window_us`` since 1970 (on every chunk grid)."""
    bounds = [start_us, *range((start_us // window_us + 1) * window_us, end_us, window_us), end_us]
    return [
        (pd.Timestamp(low, unit="us", tz="UTC"), pd.Timestamp(high, unit="us", tz="UTC"))
        for low, high in itertools.pairwise(bounds)
    ]


def _read_points(points: ir.Table, tags: Sequence[str], low: pd.Timestamp, high: pd.Timestamp) -> pa.Table:
    """The points of ``tags`` in ``[low, high)`` as Arrow (no pandas strings, no sort: the pivot sorts)."""
    selected = points.filter(
        points.tag.isin(list(tags)), points.ts >= low.to_pydatetime(), points.ts < high.to_pydatetime()
    )
    return execute(selected.select(*POINT_SCHEMA.names), points.get_backend())


def read_wide(
    root: str | os.PathLike[str], site: str, furnace: str, tags: Sequence[str], start: Any, end: Any
) -> pd.DataFrame:
    """A historian range as one wide 1 s frame (the engine's pivot), e.g. normal data to fit on.

    Read an hour at a time, so only the wide frame and one hour of points are in memory.
    """
    start_us, end_us = _instant_us(start, "start"), _instant_us(end, "end")
    if end_us <= start_us:
        raise InputError("the range is empty", field="end", value=str(end), fix="give an end after the start")
    grid = _Grid(sorted(set(tags)), _SECONDS_PER_HOUR)
    grid.start_at(start_us)
    points = queries.open_points(root, site, furnace, start=queries.to_utc(start), end=queries.to_utc(end))
    frames: list[pd.DataFrame] = []
    for low, high in _windows(start_us, end_us, _SECONDS_PER_HOUR * _US):
        grid.add(*_points_arrays(_read_points(points, grid.tags, low, high), grid.columns))
        frames.extend(grid.cut(_instant_us(high, "end"), partial=True))
    return pd.concat(frames) if frames else pd.DataFrame(columns=grid.tags)


def replay(
    engine: MonitoringEngine,
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    start: Any,
    end: Any,
    *,
    window_s: int = _SECONDS_PER_HOUR,
    on_events: Callable[[list[AlertEvent]], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[AlertEvent]:
    """Run ``engine`` over the historian range ``[start, end)``, reading ``window_s`` at a time.

    Memory stays bounded by one read window. ``on_events`` receives each window's events (e.g.
    to store them); ``progress(done_s, total_s)`` is called after each window. Returns every
    event, in time order.

    Parameters
    ----------
    window_s
        Length of one historian read; a multiple of the engine's chunk length. [s]
    """
    if window_s < engine.chunk_s or window_s % engine.chunk_s:
        raise InputError(
            "the read window must be a multiple of the chunk length",
            field="window_s",
            value=window_s,
            fix=f"give a multiple of {engine.chunk_s}",
        )
    start_utc, end_utc = queries.to_utc(start, "start"), queries.to_utc(end, "end")
    if end_utc <= start_utc:
        raise InputError(
            "the replay range is empty", field="end", value=str(end), fix="give an end after the start"
        )
    points = queries.open_points(root, site, furnace, start=start_utc, end=end_utc)
    total_s = math.ceil((end_utc - start_utc).total_seconds())
    events: list[AlertEvent] = []
    # read windows on the grid (multiples of window_s since 1970, itself a multiple of the
    # chunk length), so a read never splits a chunk; only start and end may fall inside one
    start_us, end_us = _instant_us(start_utc, "start"), _instant_us(end_utc, "end")
    window_us = window_s * _US
    for low_utc, high_utc in _windows(start_us, end_us, window_us):
        frame = _read_points(points, engine.pivot_tags, low_utc, high_utc)
        found, _ = engine.run_points(frame, low_utc, high_utc)
        if found:
            events.extend(found)
            if on_events is not None:
                on_events(found)
        if progress is not None:
            progress(int((high_utc - start_utc).total_seconds()), total_s)
    return events


class AlertSink:
    """Stores alert events in the records store, keeping those it could not store yet.

    The records file is opened for each write (so ``greenmet bf alerts`` can use it between
    writes). When another process holds it longer than ``wait_s``, the events stay in
    :attr:`pending` and go with the next delivery, in order; the final delivery waits
    ``final_wait_s`` and raises if the file is still held, so no event is dropped silently.

    Parameters
    ----------
    records_path
        The records store; None keeps nothing (events only go to ``on_events``).
    wait_s, final_wait_s
        How long a delivery, and the last one, wait for the file. [s]
    """

    def __init__(
        self,
        records_path: str | os.PathLike[str] | None,
        site: str,
        furnace: str,
        *,
        on_events: Callable[[list[AlertEvent]], None] | None = None,
        wait_s: float = 10.0,
        final_wait_s: float = 60.0,
    ) -> None:
        self.records_path, self.site, self.furnace = records_path, site, furnace
        self.on_events = on_events
        self.wait_s, self.final_wait_s = wait_s, final_wait_s
        self.pending: list[AlertEvent] = []

    def deliver(self, events: list[AlertEvent], *, final: bool = False) -> None:
        """Store ``events`` with any still pending, then hand them to ``on_events``."""
        self.pending.extend(events)
        try:
            self._store()
        finally:
            if events and self.on_events is not None:
                self.on_events(events)
        if final and self.pending:
            self._store(wait_s=self.final_wait_s, final=True)

    def _store(self, wait_s: float | None = None, *, final: bool = False) -> None:
        if self.records_path is None or not self.pending:
            self.pending.clear()
            return
        try:
            with open_records(self.records_path, wait_s=self.wait_s if wait_s is None else wait_s) as records:
                record_alert_events(records, self.site, self.furnace, self.pending, mode="live")
        except StorageError as error:
            if final:
                raise
            logger.error("%d alert events wait for the records store: %s", len(self.pending), error)
            return
        self.pending.clear()


async def monitor_live(
    ingest: OpcUaIngest,
    engine: MonitoringEngine,
    site: str,
    furnace: str,
    *,
    records_path: str | os.PathLike[str] | None = None,
    duration_s: float | None = None,
    on_events: Callable[[list[AlertEvent]], None] | None = None,
    max_batches: int = 10_000,
) -> EngineReport:
    """Run ingestion and the engine together until ``duration_s`` or ``ingest.stop()``.

    Every batch the ingestion acknowledges for (``site``, ``furnace``) goes to the engine in a
    worker thread (ingestion is never held up); alert events are stored in ``records_path``
    (opened only for each write, so ``greenmet bf alerts`` can acknowledge meanwhile) and
    handed to ``on_events``; derived points are written through the ingestion (the furnace's
    one historian writer). At the end the rest is processed (:meth:`MonitoringEngine.finish`).
    """
    subscription = ingest.feed.subscribe(max_batches=max_batches)
    leftover: list[pa.Table] = []  # derived points the ingestion could not take (it was closing)
    sink = AlertSink(records_path, site, furnace, on_events=on_events)

    async def deliver(result: tuple[list[AlertEvent], pa.Table | None]) -> None:
        events, derived = result
        if derived is not None and derived.num_rows:
            try:
                await ingest.write_points(site, furnace, derived)
            except StorageError:
                leftover.append(derived)
        if events or sink.pending:
            await asyncio.to_thread(sink.deliver, events)

    async def consume() -> None:
        async for batch in subscription:
            if (batch.site, batch.furnace) != (site, furnace):
                continue
            if batch.missed_batches:
                engine.report.missed_batches += batch.missed_batches
                logger.warning(
                    "the engine missed %d live batches; replay that span for its alerts", batch.missed_batches
                )
            try:
                result = await asyncio.to_thread(engine.push, batch.points)
            except GreenmetError as error:  # bad data or a detector's refusal: the feed goes on
                engine.report.errors += 1
                engine.report.last_error = str(error)
                logger.error("the engine could not process a batch: %s", error)
                continue
            await deliver(result)

    consumer = asyncio.create_task(consume(), name="greenmet-monitoring-engine")
    try:
        await ingest.run(duration_s)
    finally:
        subscription.close()
        await consumer
    events, derived = await asyncio.to_thread(engine.finish)
    if derived is not None and derived.num_rows:
        leftover.append(derived)
    if leftover:  # the ingestion has let go of the furnace's writer: write them ourselves
        await asyncio.to_thread(_write_points, ingest, site, furnace, pa.concat_tables(leftover))
    await asyncio.to_thread(sink.deliver, events, final=True)
    return engine.report
