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

The pieces live in their own modules: :mod:`~greenmet.storage.points` (schema and the checks
of a batch), :mod:`~greenmet.storage.sorting` (sort and de-duplication kernels),
:mod:`~greenmet.storage.rollups` (1-minute roll-ups) and :mod:`~greenmet.storage.parts` (part
files and the layout). This module holds the writer and its file transactions; the names it
re-exports keep working.
"""

from __future__ import annotations

import contextlib
import datetime as dt
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
import pyarrow as pa
import pyarrow.parquet as pq

from greenmet.errors import InputError, StorageError
from greenmet.io.atomic import atomic_path, atomic_write_text, fsync_directory
from greenmet.storage import parts as parts_module
from greenmet.storage.parts import (
    RANGES_KEY,
    date_name,
    exchange_directories,
    furnace_directory,
    list_parts,
    part_error,
    part_ranges,
    partitions,
    read_part,
)
from greenmet.storage.points import (
    BUFFER_SCHEMA,
    EARLIEST_DEFAULT,
    POINT_SCHEMA,
    QUALITY_BAD,
    QUALITY_GOOD,
    QUALITY_UNCERTAIN,
    WriteReceipt,
    validate_points,
)
from greenmet.storage.rollups import ROLLUP_WIDTH_S, compute_rollup, rollup_path, write_rollup
from greenmet.storage.sorting import sorted_unique
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
    "ROLLUP_WIDTH_S",
    "FlushReport",
    "Historian",
    "WriteReceipt",
    "compute_rollup",
    "furnace_directory",
    "list_parts",
    "rollup_path",
    "validate_points",
    "write_rollup",
]

logger = logging.getLogger(__name__)

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]{0,63}$")
_TRASH_GRACE_S = 300.0
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
        earliest: dt.datetime | None = EARLIEST_DEFAULT,
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
                self._buffer.append(table.cast(BUFFER_SCHEMA) if table.schema != BUFFER_SCHEMA else table)
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
        for partition in partitions(self.directory).values():
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
        points = sorted_unique(table)
        report = FlushReport(points=points.table.num_rows)
        if not points.table.num_rows:
            return report
        starts = np.flatnonzero(np.diff(points.days)) + 1
        bounds = [0, *starts.tolist(), len(points.days)]
        for begin, end in itertools.pairwise(bounds):
            date = date_name(points.days[begin])
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
                for tag, (low, high) in part_ranges(part).items():
                    old = ranges.get(tag)
                    ranges[tag] = (low, high) if old is None else (min(low, old[0]), max(high, old[1]))
            self._ranges[date] = ranges
        return self._ranges[date]

    def _write_part(self, directory: Path, table: pa.Table, ranges: dict[str, tuple[int, int]]) -> Path:
        metadata = {RANGES_KEY: json.dumps({k: list(v) for k, v in ranges.items()}).encode()}
        table = table.replace_schema_metadata(metadata)
        target = directory / f"part-{uuid.uuid4().hex}.parquet"
        try:
            with atomic_path(target) as temporary:
                parts_module.write_parquet(table, temporary)
            # the roll-up follows its part: a crash in between leaves a part without one, which
            # queries notice (they then aggregate the raw points) and compact() repairs
            with atomic_path(rollup_path(target)) as temporary:
                pq.write_table(compute_rollup(table), temporary, compression="zstd")
        except StorageError:
            raise
        except OSError as exc:
            raise part_error(exc, target) from exc
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
        tables = [read_part(p) for p in parts]
        if extra is not None:
            tables.append(extra.replace_schema_metadata(None))
        merged = sorted_unique(pa.concat_tables([t.cast(BUFFER_SCHEMA) for t in tables]))
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
            raise part_error(exc, partition) from exc
        self._ranges[date] = ranges

    def _swap_in(self, staging: Path, partition: Path) -> None:
        trash = self.directory / ".trash"
        trash.mkdir(exist_ok=True)
        retired = trash / f"{partition.name}-{uuid.uuid4().hex[:8]}"
        if not partition.exists():
            os.rename(staging, partition)
        elif exchange_directories(staging, partition):
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
            for date, partition in partitions(self.directory).items():
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
            for date, partition in partitions(self.directory).items():
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
        return list(partitions(self.directory))


