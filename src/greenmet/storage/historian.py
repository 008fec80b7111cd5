"""The plant-data historian: points in, Parquet parts out, nothing acknowledged lost.

Layout (binding, ``docs/dev/plant_data_contract.md``)::

    ROOT/site=<site>/furnace=<furnace>/_parts.json          the live parts (readers start here)
    ROOT/site=<site>/furnace=<furnace>/date=<YYYY-MM-DD>/part-<id>.parquet      points
    ROOT/site=<site>/furnace=<furnace>/date=<YYYY-MM-DD>/rollup1m-<id>.parquet  its 1-minute roll-up
    ROOT/site=<site>/furnace=<furnace>/_furnace.json        time zone and tag metadata
    ROOT/site=<site>/furnace=<furnace>/_quarantine/         unreadable parts set aside
    ROOT/site=<site>/furnace=<furnace>/.wal/                write-ahead log
    ROOT/site=<site>/furnace=<furnace>/.readers/            leases of running queries

A part holds the columns ``ts`` (timestamp[us, UTC]), ``tag`` (string, dictionary-encoded),
``value`` (float64) and ``quality`` (uint8: 0 good, 64 uncertain, 128 bad), sorted by tag
then ts, zstd-compressed.

How a point travels:

1. :meth:`Historian.write` validates a batch, appends it to the write-ahead log and fsyncs.
   When ``write`` returns, the batch is *acknowledged*: a ``kill -9`` after that loses none of it.
2. :meth:`Historian.flush` (also called by ``write`` when the buffer is full, and by
   :meth:`Historian.close`) sorts the buffered points by (date, tag, ts), drops duplicates
   keeping the last write of each (tag, ts), and writes one new part (and its roll-up) per
   UTC date. A date whose existing points overlap the new ones in time for some tag (late or
   replayed points) is merged instead: its parts and the new points become one new part.
3. Then the manifest ``_parts.json`` is replaced in one atomic rename
   (:mod:`greenmet.storage.manifest`): the new parts become live and the merged ones retired,
   in one step, on every file system (no directory exchange is needed, so NFS, SMB and macOS
   get the same guarantee). Only then are the log segments deleted.
4. Retired files are deleted once no reader can hold them (reader leases and a grace period).

So a reader, which takes its file list from the manifest, sees each (tag, ts) once, and a
crash between any two steps leaves the last committed manifest intact: files written after it
are either adopted on the next open (a part, merged if it overlaps) or removed (a roll-up).

:meth:`Historian.compact` merges each partition's parts into one the same way; a background
thread (``background_compaction``) merges small parts as flushes add them, so the part count
stays bounded (:meth:`Historian.compact_small` does the same on request);
:meth:`Historian.apply_retention` drops whole partitions older than a number of days;
:meth:`Historian.adopt_parts` takes in parts written by another tool (the simulator's bulk
writer) with their roll-ups.

The pieces live in their own modules: :mod:`~greenmet.storage.points` (schema and the checks
of a batch), :mod:`~greenmet.storage.sorting` (sort and de-duplication kernels),
:mod:`~greenmet.storage.rollups` (1-minute roll-ups), :mod:`~greenmet.storage.parts` (part
files and the layout) and :mod:`~greenmet.storage.manifest` (the list of live parts, reader
leases). This module holds the writer and its file transactions; the names it re-exports keep
working.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import logging
import math
import os
import re
import shutil
import threading
import time
import uuid
import warnings
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.parquet as pq

from greenmet.errors import GreenmetWarning, InputError, StorageError
from greenmet.io.atomic import atomic_path, fsync_directory
from greenmet.storage import parts as parts_module
from greenmet.storage.furnace_metadata import FURNACE_METADATA, read_furnace_metadata, record_furnace_metadata
from greenmet.storage.manifest import (
    Manifest,
    PartEntry,
    live_lease_times,
    read_manifest,
    write_manifest,
)
from greenmet.storage.parts import (
    QUARANTINE_DIRECTORY,
    RANGES_KEY,
    date_name,
    furnace_directory,
    list_parts,
    part_error,
    part_ranges,
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

if TYPE_CHECKING:
    from greenmet.storage.check import Finding

try:  # POSIX only: one writer per furnace
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "POINT_SCHEMA",
    "QUALITY_BAD",
    "QUALITY_GOOD",
    "QUALITY_UNCERTAIN",
    "RETIRED_GRACE_S",
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
#: Retired files are kept at least this long, for readers that cannot take a lease [s].
RETIRED_GRACE_S = 900.0
# a lease must start this much after a retirement to prove its reader saw the new manifest [s]
_LEASE_MARGIN_S = 0.5


# ---------------------------------------------------------------------------------------------
# the historian
# ---------------------------------------------------------------------------------------------
@dataclass
class FlushReport:
    """What a flush, compaction, adoption or retention run did."""

    points: int = 0
    parts_written: int = 0
    partitions_merged: list[str] = field(default_factory=list)
    partitions_dropped: list[str] = field(default_factory=list)
    #: Parts set aside under ``_quarantine/`` because they could not be read.
    quarantined: list[str] = field(default_factory=list)


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
    retired_grace_s
        Keep a retired part at least this long after it left the manifest, for readers that
        cannot take a lease (no write access to the historian) [s]. Readers with a lease are
        waited for however long their query runs.
    background_compaction
        Merge small parts in a background thread as flushes add them, so the part count of a
        partition stays bounded (see :meth:`compact_small`).
    compaction_fanout
        Parts of a similar size (the same power of this number of rows) merged together once
        this many have gathered [dimensionless]. A partition then holds fewer than
        ``fanout`` parts per size class: about 40 for a day of 356 tags flushed every 2 s with
        the default 8, and each point is rewritten about once per size class.

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
        retired_grace_s: float = RETIRED_GRACE_S,
        background_compaction: bool = True,
        compaction_fanout: int = 8,
    ) -> None:
        for name, text in (("site", site), ("furnace", furnace)):
            if not isinstance(text, str) or not _NAME_PATTERN.match(text):
                raise InputError(f"malformed {name} name", field=name, value=text,
                                 fix="use letters, digits, '-' and '_' (at most 64 characters)")
        if max_buffer_points < 1:
            raise InputError("the buffer must hold at least one point", field="max_buffer_points",
                             value=max_buffer_points, fix="give a positive number")
        if (isinstance(compaction_fanout, bool) or not isinstance(compaction_fanout, int)
                or compaction_fanout < 2):
            raise InputError("the compaction fan-out must be a whole number of at least 2",
                             field="compaction_fanout", value=compaction_fanout, fix="give for example 8")
        if not math.isfinite(retired_grace_s) or retired_grace_s < 0:
            raise InputError("the grace period must be zero or more seconds", field="retired_grace_s",
                             value=retired_grace_s, fix="give for example 900")
        self.root = Path(root)
        self.site = site
        self.furnace = furnace
        self.directory = furnace_directory(root, site, furnace)
        self.max_buffer_points = max_buffer_points
        self.future_tolerance_s = future_tolerance_s
        self.earliest = earliest
        self.retired_grace_s = float(retired_grace_s)
        self.compaction_fanout = compaction_fanout
        self._lock = threading.RLock()
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._ranges: dict[str, dict[str, tuple[int, int]]] = {}
        self._manifest = Manifest()
        self._retired_at: dict[str, float] = {}
        self._pinned: set[str] = set()
        self._closed = False
        self._compactor: threading.Thread | None = None
        self._compactor_wake = threading.Event()
        self._compactor_stop = threading.Event()
        #: The last error of the background compaction (None when it last succeeded).
        self.compaction_error: StorageError | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError("cannot create the historian directory", field="root",
                               value=str(self.directory), fix="check the path and its permissions") from exc
        self._lock_file = self._acquire_lock()
        try:
            self.time_zone = self._init_metadata(time_zone)
            self._open_layout()
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
        if background_compaction:
            self._compactor = threading.Thread(target=self._compaction_loop, daemon=True,
                                               name=f"greenmet-compaction-{site}-{furnace}")
            self._compactor.start()

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
        self._stop_compactor()
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
        if time_zone is not None:
            try:
                zoneinfo.ZoneInfo(time_zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise InputError("unknown time zone", field="time_zone", value=time_zone,
                                 fix="give an IANA time zone name such as 'Asia/Shanghai' or 'UTC'") from None
        stored = read_furnace_metadata(self.directory).get("time_zone")
        chosen = str(time_zone or stored or "UTC")
        record_furnace_metadata(
            self.directory, time_zone=chosen,
            time_zone_fix=f"open it with time_zone={stored!r} or None; to change it, edit "
                          f"{self.directory / FURNACE_METADATA}")
        return chosen

    def describe_tags(self, tags: Mapping[str, Mapping[str, Any]]) -> bool:
        """Record what each tag is (unit, descriptions, range …) in the furnace's ``_furnace.json``.

        Entries replace those of the same tag; other tags are kept. Returns whether anything
        changed.
        """
        self._check_open()
        return record_furnace_metadata(self.directory, tags=tags)

    # -- the layout on open ----------------------------------------------------------------------
    def _partition_directory(self, date: str) -> Path:
        return self.directory / f"date={date}"

    def _open_layout(self) -> None:
        """Load the manifest (writing it for an older layout) and clean up what a crash left.

        Part files on disk that the manifest does not name were written by another tool or by
        a writer that crashed before its commit; they are adopted (merged when they overlap
        what is live, so nothing is counted twice). Roll-ups and temporary files that nothing
        names are removed.
        """
        for leftover in self.directory.glob(".tmp-*"):
            leftover.unlink(missing_ok=True)
        for leftover in itertools.chain(self.directory.glob(".new-*"), self.directory.glob(".trash")):
            shutil.rmtree(leftover, ignore_errors=True)  # left by greenmet before the manifest
        manifest = read_manifest(self.directory)
        self._manifest = manifest if manifest is not None else Manifest()
        now = time.time()
        self._retired_at = dict.fromkeys(self._manifest.retired, now)  # retired before a crash: wait again
        referenced = self._manifest.referenced()
        unlisted: dict[str, list[Path]] = {}
        for partition in sorted(self.directory.glob("date=*")):
            if not partition.is_dir():
                continue
            date = partition.name[len("date="):]
            for entry in partition.iterdir():
                relative = f"{partition.name}/{entry.name}"
                if relative in referenced:
                    continue
                if entry.name.startswith(".tmp-"):
                    entry.unlink(missing_ok=True)
                elif entry.name.startswith("part-") and entry.name.endswith(".parquet"):
                    unlisted.setdefault(date, []).append(entry)
        for date, found in unlisted.items():
            self._adopt(date, found)
        if manifest is None:
            self._commit(self._manifest.copy(), [])
        for partition in self.directory.glob("date=*"):  # roll-ups of no live part
            for entry in partition.iterdir():
                relative = f"{partition.name}/{entry.name}"
                orphan_rollup = entry.name.startswith("rollup1m-") or entry.name.endswith(".rollup1m")
                if orphan_rollup and relative not in self._manifest.referenced():
                    entry.unlink(missing_ok=True)
        self._collect_retired()

    def _adopt(self, date: str, found: Iterable[Path], rollups: Mapping[Path, pa.Table] | None = None
               ) -> FlushReport:
        """Make part files of ``date`` that the manifest does not name live, oldest first."""
        report = FlushReport()
        for path in sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name)):
            try:
                ranges = part_ranges(path)
                rows = pq.read_metadata(path).num_rows
            except (OSError, pa.ArrowException) as exc:
                report.quarantined.append(self._quarantine(path, exc))
                continue
            existing = self._partition_ranges(date)
            if _overlap(existing, ranges):
                self._rewrite_partition(date, None, adopted=path, report=report)
                report.partitions_merged.append(date)
                continue
            legacy = path.with_name(f".{path.stem}.rollup1m")
            target = rollup_path(path)
            try:
                if rollups is not None and path in rollups:
                    with atomic_path(target) as temporary:
                        pq.write_table(rollups[path], temporary, compression="zstd")
                elif legacy.is_file():
                    os.replace(legacy, target)
                elif not target.is_file():
                    write_rollup(path)
            except (OSError, pa.ArrowException) as exc:
                report.quarantined.append(self._quarantine(path, exc))
                continue
            manifest = self._manifest.copy()
            manifest.partitions.setdefault(date, []).append(PartEntry(path.name, target.name, rows))
            self._commit(manifest, [])
            self._ranges[date] = _union(existing, ranges)
            report.parts_written += 1
            report.points += rows
        return report

    def adopt_parts(self, parts: Iterable[str | os.PathLike[str]], *,
                    rollups: Mapping[str | os.PathLike[str], pa.Table] | None = None) -> FlushReport:
        """Make parts written by another tool into this furnace's ``date=…`` directories live.

        For bulk writers (the simulator's): write complete part files (``part-<id>.parquet`` in
        the historian schema, points of the directory's UTC date) with atomic renames, then
        call this. Each part gets its 1-minute roll-up: the table given in ``rollups`` (from
        :func:`~greenmet.storage.rollups.compute_rollup`, keyed by the part's path) or one built
        by reading the part back. A part whose points overlap live ones for some tag is merged
        with them (the adopted points win), so nothing is counted twice. Unreadable parts are
        moved to ``_quarantine/`` and listed in the report.
        """
        given = {Path(k).resolve(): v for k, v in (rollups or {}).items()}
        by_date: dict[str, list[Path]] = {}
        for item in parts:
            path = Path(item).resolve()
            partition = path.parent
            if (partition.parent != self.directory.resolve() or not partition.name.startswith("date=")
                    or not path.name.startswith("part-") or path.suffix != ".parquet"):
                raise InputError("not a part file of this furnace", field="parts", value=str(item),
                                 fix=f"write parts as {self.directory}/date=<YYYY-MM-DD>/part-<id>.parquet")
            if not path.is_file():
                raise InputError("the part file does not exist", field="parts", value=str(item),
                                 fix="write the part completely (temporary name, then rename) first")
            by_date.setdefault(partition.name[len("date="):], []).append(self._partition_directory(
                partition.name[len("date="):]) / path.name)
        report = FlushReport()
        with self._lock:
            self._check_open()
            live = self._manifest.referenced()
            for date, found in sorted(by_date.items()):
                fresh = [p for p in found if f"date={date}/{p.name}" not in live]
                keyed = {p: given[p.resolve()] for p in fresh if p.resolve() in given}
                done = self._adopt(date, fresh, keyed)
                report.points += done.points
                report.parts_written += done.parts_written
                report.partitions_merged += done.partitions_merged
                report.quarantined += done.quarantined
        self._compactor_wake.set()
        return report

    def _quarantine(self, path: Path, error: BaseException) -> str:
        """Move an unreadable file to ``_quarantine/`` (out of every reader's way) and say so."""
        quarantine = self.directory / QUARANTINE_DIRECTORY
        quarantine.mkdir(exist_ok=True)
        target = quarantine / f"{path.parent.name}-{path.name}"
        os.replace(path, target)
        fsync_directory(path.parent)
        message = (f"the part {path} cannot be read ({error}); moved to {target}. Its points are not "
                   "in query results; restore it from a backup or re-import that day")
        logger.error(message)
        warnings.warn(message, GreenmetWarning, stacklevel=3)
        return str(target)

    # -- commits -------------------------------------------------------------------------------
    def _commit(self, manifest: Manifest, retire: list[str]) -> None:
        """Replace the manifest: from here on readers see ``manifest``; ``retire`` goes later."""
        manifest.version = self._manifest.version + 1
        manifest.retired = sorted(set(manifest.retired) | set(retire))
        write_manifest(self.directory, manifest)
        self._manifest = manifest
        committed = time.time()
        for path in retire:
            self._retired_at[path] = committed

    def _collect_retired(self) -> None:
        """Delete the retired files that no reader can hold any more."""
        if not self._manifest.retired:
            return
        now = time.time()
        leases = live_lease_times(self.directory, now=now)
        gone = []
        for relative in self._manifest.retired:
            retired = self._retired_at.get(relative, now)
            if relative in self._pinned or now - retired < self.retired_grace_s:
                continue
            if any(started <= retired + _LEASE_MARGIN_S for started in leases):
                continue
            (self.directory / relative).unlink(missing_ok=True)
            gone.append(relative)
        if not gone:
            return
        manifest = self._manifest.copy()
        manifest.retired = [p for p in manifest.retired if p not in set(gone)]
        self._commit(manifest, [])
        for relative in gone:
            self._retired_at.pop(relative, None)
        for partition in self.directory.glob("date=*"):
            if partition.name[len("date="):] not in manifest.partitions:
                with contextlib.suppress(OSError):
                    partition.rmdir()  # only when empty

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
        self._collect_retired()
        if report.parts_written:
            self._compactor_wake.set()
        return report

    def _store(self, table: pa.Table) -> FlushReport:
        points = sorted_unique(table)
        report = FlushReport(points=points.table.num_rows)
        if not points.table.num_rows:
            return report
        starts = (points.days[1:] != points.days[:-1]).nonzero()[0] + 1
        bounds = [0, *starts.tolist(), len(points.days)]
        for begin, end in itertools.pairwise(bounds):  # one commit per date: a merge reads the last
            date = date_name(points.days[begin])
            day = points.slice(begin, end)
            new_ranges = day.tag_ranges()
            existing = self._partition_ranges(date)
            if _overlap(existing, new_ranges):
                self._rewrite_partition(date, day.table, report=report)
                report.partitions_merged.append(date)
            else:
                entry = self._write_part(self._partition_directory(date), day.table, new_ranges)
                manifest = self._manifest.copy()
                manifest.partitions.setdefault(date, []).append(entry)
                try:
                    self._commit(manifest, [])
                except BaseException:
                    self._remove_files(date, entry)
                    raise
                self._ranges[date] = _union(existing, new_ranges)
            report.parts_written += 1
        return report

    def _partition_ranges(self, date: str) -> dict[str, tuple[int, int]]:
        if date not in self._ranges:
            ranges: dict[str, tuple[int, int]] = {}
            for entry in self._manifest.partitions.get(date, []):
                path = self._partition_directory(date) / entry.part
                try:
                    ranges = _union(ranges, part_ranges(path))
                except (OSError, pa.ArrowException):  # unreadable: the merge will set it aside
                    continue
            self._ranges[date] = ranges
        return self._ranges[date]

    def _write_part(self, directory: Path, table: pa.Table, ranges: dict[str, tuple[int, int]]) -> PartEntry:
        """Write a part and its roll-up (neither live until a commit names them)."""
        metadata = {RANGES_KEY: json.dumps({k: list(v) for k, v in ranges.items()}).encode()}
        table = table.replace_schema_metadata(metadata)
        target = directory / f"part-{uuid.uuid4().hex}.parquet"
        rollup = rollup_path(target)
        try:
            with atomic_path(target) as temporary:
                parts_module.write_parquet(table, temporary)
            with atomic_path(rollup) as temporary:
                pq.write_table(compute_rollup(table), temporary, compression="zstd")
        except BaseException as exc:
            target.unlink(missing_ok=True)
            rollup.unlink(missing_ok=True)
            if isinstance(exc, OSError) and not isinstance(exc, StorageError):
                raise part_error(exc, target) from exc
            raise
        return PartEntry(target.name, rollup.name, table.num_rows)

    def _remove_files(self, date: str, entry: PartEntry) -> None:
        for name in (entry.part, entry.rollup):
            if name is not None:
                (self._partition_directory(date) / name).unlink(missing_ok=True)

    def _read_live(self, date: str, entries: list[PartEntry], report: FlushReport
                   ) -> tuple[list[pa.Table], list[PartEntry]]:
        """Read parts of ``date``; unreadable ones are quarantined and left out."""
        tables, readable = [], []
        for entry in entries:
            path = self._partition_directory(date) / entry.part
            try:
                tables.append(read_part(path))
                readable.append(entry)
            except (OSError, pa.ArrowException) as exc:
                if isinstance(exc, FileNotFoundError):
                    raise StorageError("a live part is missing", field="path", value=str(path),
                                       fix="run 'greenmet historian check --repair'") from exc
                report.quarantined.append(self._quarantine(path, exc))
        return tables, readable

    def _rewrite_partition(self, date: str, extra: pa.Table | None, *, adopted: Path | None = None,
                           report: FlushReport | None = None) -> None:
        """Merge a partition's parts (then ``adopted``, then ``extra``: later wins) into one part."""
        report = report if report is not None else FlushReport()
        entries = list(self._manifest.partitions.get(date, []))
        partition = self._partition_directory(date)
        # older parts first so that later writes win; live parts never overlap once written by
        # the historian, but adopted ones may
        entries.sort(key=lambda e: (_mtime(partition / e.part), e.part))
        tables, readable = self._read_live(date, entries, report)
        unreadable = [e for e in entries if e not in readable]
        if adopted is not None:
            tables.append(read_part(adopted))
        if extra is not None:
            tables.append(extra.replace_schema_metadata(None))
        merged = sorted_unique(pa.concat_tables([t.cast(BUFFER_SCHEMA) for t in tables]))
        ranges = merged.tag_ranges()
        manifest = self._manifest.copy()
        retire = [f"date={date}/{name}" for e in readable for name in (e.part, e.rollup) if name is not None]
        manifest.partitions[date] = [e for e in manifest.partitions.get(date, []) if e not in entries]
        if merged.table.num_rows:
            entry = self._write_part(partition, merged.table, ranges)
            manifest.partitions[date].append(entry)
        else:
            entry = None
        if not manifest.partitions[date]:
            del manifest.partitions[date]
        for e in unreadable:  # quarantined: its roll-up goes too
            if e.rollup is not None:
                retire.append(f"date={date}/{e.rollup}")
        try:
            self._commit(manifest, retire)
        except BaseException:
            if entry is not None:
                self._remove_files(date, entry)
            raise
        if adopted is not None:  # never seen by a reader: no need to wait
            adopted.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                adopted.with_name(f".{adopted.stem}.rollup1m").unlink()
                rollup_path(adopted).unlink()
        self._ranges[date] = ranges

    # -- maintenance ---------------------------------------------------------------------------
    def compact(self, *, min_parts: int = 2) -> FlushReport:
        """Merge the parts of every partition that has at least ``min_parts`` into one part.

        Flushes first. Builds the 1-minute roll-ups that parts lack. The merged part replaces
        the old ones in one manifest commit; points are neither lost nor duplicated
        (duplicates in adopted parts are resolved, newest file wins).
        """
        with self._lock:
            self._check_open()
            report = self._flush_locked()
            for date, entries in sorted(self._manifest.partitions.items()):
                if len(entries) >= min_parts:
                    self._rewrite_partition(date, None, report=report)
                    report.partitions_merged.append(date)
                elif any(e.rollup is None for e in entries):
                    self._rewrite_partition(date, None, report=report)  # writes the roll-ups
            self._collect_retired()
            return report

    def compact_small(self) -> FlushReport:
        """Merge parts of a similar size wherever ``compaction_fanout`` of them have gathered.

        What the background compaction does after each flush; call it yourself with
        ``background_compaction=False``. Reading and writing happen outside the writer's lock,
        so ``write`` and ``flush`` are not held up by a merge.
        """
        report = FlushReport()
        while True:
            with self._lock:
                self._check_open()
                plan = self._plan_merge()
                if plan is None:
                    self._collect_retired()
                    return report
                date, entries = plan
                self._pinned.update(f"date={date}/{e.part}" for e in entries)
            try:
                self._merge_group(date, entries, report)
            finally:
                with self._lock:
                    self._pinned.difference_update(f"date={date}/{e.part}" for e in entries)

    def _plan_merge(self) -> tuple[str, list[PartEntry]] | None:
        fanout = self.compaction_fanout
        for date, entries in sorted(self._manifest.partitions.items()):
            tiers: dict[int, list[PartEntry]] = {}
            for entry in entries:
                tier = int(math.log(max(entry.rows, 1), fanout) + 1e-9)
                tiers.setdefault(tier, []).append(entry)
            for tier in sorted(tiers):
                if len(tiers[tier]) >= fanout:
                    return date, tiers[tier]
        return None

    def _merge_group(self, date: str, entries: list[PartEntry], report: FlushReport) -> None:
        """Merge live parts of one partition outside the lock; commit if they are still live."""
        partition = self._partition_directory(date)
        tables = []
        for entry in entries:
            try:
                tables.append(read_part(partition / entry.part))
            except (OSError, pa.ArrowException):
                with self._lock:  # the locked path quarantines it
                    if all(e in self._manifest.partitions.get(date, []) for e in entries):
                        self._rewrite_partition(date, None, report=report)
                return
        merged = sorted_unique(pa.concat_tables([t.cast(BUFFER_SCHEMA) for t in tables]))
        entry = self._write_part(partition, merged.table, merged.tag_ranges())
        with self._lock:
            live = self._manifest.partitions.get(date, [])
            if self._closed or not all(e in live for e in entries):  # a merge of late points won
                self._remove_files(date, entry)
                return
            manifest = self._manifest.copy()
            manifest.partitions[date] = [e for e in live if e not in entries] + [entry]
            retire = [f"date={date}/{n}" for e in entries for n in (e.part, e.rollup) if n is not None]
            try:
                self._commit(manifest, retire)
            except BaseException:
                self._remove_files(date, entry)
                raise
            report.parts_written += 1
            report.points += entry.rows
            report.partitions_merged.append(date)

    def _compaction_loop(self) -> None:
        while not self._compactor_stop.is_set():
            self._compactor_wake.wait(timeout=60.0)
            self._compactor_wake.clear()
            if self._compactor_stop.is_set():
                return
            try:
                self.compact_small()
                self.compaction_error = None
            except StorageError as error:
                if self._closed:
                    return
                self.compaction_error = error
                logger.error("background compaction failed (the data stays as it is): %s", error)
            except Exception as error:  # never let the thread die silently
                logger.exception("background compaction failed")
                self.compaction_error = StorageError(f"background compaction failed: {error}", field="path",
                                                     value=str(self.directory),
                                                     fix="run 'greenmet historian check'")

    def _stop_compactor(self) -> None:
        thread = self._compactor
        if thread is None:
            return
        self._compactor_stop.set()
        self._compactor_wake.set()
        if thread is not threading.current_thread():
            thread.join()
        self._compactor = None

    def repair(self) -> list[Finding]:
        """Check every live file (:func:`~greenmet.storage.check.check_furnace`) and fix what it finds.

        Unreadable parts move to ``_quarantine/`` and leave the manifest (their points are gone
        from query results until restored); parts listed but missing leave the manifest;
        missing or unreadable roll-ups are rebuilt from their part. Parts on disk that the
        manifest does not name were adopted when this writer opened. Returns the findings,
        each with the action taken.
        """
        from greenmet.storage.check import check_furnace

        with self._lock:
            self._check_open()
            self._flush_locked()
            findings = check_furnace(self.directory)
            manifest = self._manifest.copy()
            retire: list[str] = []
            for finding in findings:
                date = finding.path.split("/", 1)[0][len("date="):]
                name = finding.path.split("/", 1)[1]
                entries = manifest.partitions.get(date, [])
                if finding.problem in ("part unreadable", "part missing"):
                    entry = next(e for e in entries if e.part == name)
                    entries.remove(entry)
                    if entry.rollup is not None:
                        retire.append(f"date={date}/{entry.rollup}")
                    if finding.problem == "part unreadable":
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore", GreenmetWarning)  # the finding says it
                            target = self._quarantine(self.directory / finding.path, OSError(finding.detail))
                        finding.action = f"moved to {target}"
                    else:
                        finding.action = "removed from _parts.json"
                    self._ranges.pop(date, None)
                elif finding.problem in ("roll-up missing", "roll-up unreadable"):
                    index, entry = next((i, e) for i, e in enumerate(entries)
                                        if rollup_path(Path(e.part)).name == name or e.rollup == name)
                    built = write_rollup(self._partition_directory(date) / entry.part)
                    entries[index] = PartEntry(entry.part, built.name, entry.rows)
                    finding.action = "roll-up rebuilt"
                if not entries:
                    manifest.partitions.pop(date, None)
            if any(f.action for f in findings):
                self._commit(manifest, retire)
                self._collect_retired()
            return findings

    def part_count(self) -> dict[str, int]:
        """Live parts per UTC date."""
        with self._lock:
            return {date: len(entries) for date, entries in sorted(self._manifest.partitions.items())}

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
            manifest = self._manifest.copy()
            retire = []
            for date in sorted(manifest.partitions):
                if date < cutoff:
                    retire += manifest.files(date)
                    del manifest.partitions[date]
                    self._ranges.pop(date, None)
                    report.partitions_dropped.append(date)
            if report.partitions_dropped:
                self._commit(manifest, retire)
                self._collect_retired()
            return report

    def partitions(self) -> list[str]:
        """UTC dates (YYYY-MM-DD) of the live partitions."""
        with self._lock:
            return sorted(self._manifest.partitions)


def _overlap(existing: dict[str, tuple[int, int]], new: dict[str, tuple[int, int]]) -> bool:
    return any(tag in existing and low <= existing[tag][1] and high >= existing[tag][0]
               for tag, (low, high) in new.items())


_Ranges = dict[str, tuple[int, int]]


def _union(first: _Ranges, second: _Ranges) -> _Ranges:
    result = dict(first)
    for tag, (low, high) in second.items():
        old = result.get(tag)
        result[tag] = (low, high) if old is None else (min(low, old[0]), max(high, old[1]))
    return result


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0
