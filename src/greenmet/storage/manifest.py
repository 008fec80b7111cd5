"""The list of live parts of a furnace, replaced atomically: what every reader reads.

``ROOT/site=<site>/furnace=<furnace>/_parts.json`` names, per UTC date, the part files that
make up the furnace's points (with each part's 1-minute roll-up and row count), and the files
that a flush, merge, compaction or retention run *retired*. The writer changes the layout only
by writing new files first and then replacing this manifest (temporary file, fsync, rename,
fsync of the directory); so at every instant the manifest names a complete set of parts that
never share a (tag, ts), whatever crash happens between the steps.

Readers resolve their file list from the manifest (:func:`snapshot`), never from a directory
listing: a part that a merge is writing, or one it has replaced, is not in their list. Retired
files stay on disk until no reader can still hold them:

- a reader announces itself with a *lease* (an empty file under ``.readers/`` whose
  modification time is when the reader started, :func:`reader_lease`), created *before* it
  reads the manifest and removed when its query ends;
- the writer deletes a retired file only when every live lease is younger than the
  retirement, and at least ``grace_s`` seconds after it (a reader without write access to the
  historian cannot take a lease; the grace period covers it, and any clock skew).

A lease older than :data:`LEASE_MAX_AGE_S`, or one of a process of this host that no longer
exists, is stale and ignored.

A furnace without a manifest (written by an older greenmet or by another tool) is read by
listing ``date=*/part-*.parquet``; the first :class:`~greenmet.storage.historian.Historian`
that opens it writes the manifest.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from greenmet.errors import StorageError
from greenmet.io.atomic import atomic_write_text

__all__ = [
    "LEASE_MAX_AGE_S",
    "MANIFEST_NAME",
    "READERS_DIRECTORY",
    "Manifest",
    "PartEntry",
    "Snapshot",
    "live_lease_times",
    "read_manifest",
    "reader_lease",
    "rollup_name",
    "snapshot",
    "write_manifest",
]

logger = logging.getLogger(__name__)

MANIFEST_NAME = "_parts.json"
READERS_DIRECTORY = ".readers"
#: A lease older than this is left by a reader that died without removing it [s].
LEASE_MAX_AGE_S = 6 * 3600.0
_FORMAT = 1


def rollup_name(part_name: str) -> str:
    """File name of the roll-up of the part ``part_name``: ``rollup1m-<id>.parquet`` beside it."""
    stem = part_name[len("part-"):] if part_name.startswith("part-") else part_name
    return f"rollup1m-{stem}"


@dataclass(frozen=True)
class PartEntry:
    """One live part of a partition."""

    #: File name of the part inside its ``date=…`` directory.
    part: str
    #: File name of its roll-up in the same directory (None: none yet).
    rollup: str | None
    #: Points in the part [dimensionless].
    rows: int


@dataclass
class Manifest:
    """Live parts per UTC date and the retired files (paths relative to the furnace directory)."""

    version: int = 0
    partitions: dict[str, list[PartEntry]] = field(default_factory=dict)
    retired: list[str] = field(default_factory=list)

    def copy(self) -> Manifest:
        return Manifest(self.version, {d: list(e) for d, e in self.partitions.items()}, list(self.retired))

    def files(self, date: str) -> list[str]:
        """Relative paths of the parts and roll-ups of ``date``."""
        names = []
        for entry in self.partitions.get(date, []):
            names.append(f"date={date}/{entry.part}")
            if entry.rollup is not None:
                names.append(f"date={date}/{entry.rollup}")
        return names

    def referenced(self) -> set[str]:
        """Every path the manifest names (live or retired)."""
        paths = set(self.retired)
        for date in self.partitions:
            paths.update(self.files(date))
        return paths

    def to_json(self) -> str:
        return json.dumps({
            "format": _FORMAT,
            "version": self.version,
            "partitions": {
                date: [{"part": e.part, "rollup": e.rollup, "rows": e.rows} for e in entries]
                for date, entries in sorted(self.partitions.items())
            },
            "retired": sorted(self.retired),
        }, indent=1)


def read_manifest(directory: Path) -> Manifest | None:
    """The manifest of a furnace directory, or None when it has none (an older layout)."""
    path = directory / MANIFEST_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StorageError(f"cannot read the list of parts: {exc}", field="path", value=str(path),
                           fix="check the permissions of the historian directory") from exc
    try:
        data = json.loads(text)
        if data.get("format") != _FORMAT:
            raise ValueError(f"format {data.get('format')!r}")
        partitions = {
            str(date): [PartEntry(str(e["part"]), None if e.get("rollup") is None else str(e["rollup"]),
                                  int(e["rows"])) for e in entries]
            for date, entries in data["partitions"].items()
        }
        return Manifest(int(data["version"]), partitions, [str(p) for p in data.get("retired", [])])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StorageError(f"the list of parts is damaged ({exc})", field="path", value=str(path),
                           fix="run 'greenmet historian check --repair' on the historian root, which "
                               "rebuilds it from the part files") from exc


def write_manifest(directory: Path, manifest: Manifest) -> None:
    """Replace the manifest atomically (the commit point of every change of the layout)."""
    atomic_write_text(directory / MANIFEST_NAME, manifest.to_json())


@dataclass(frozen=True)
class Snapshot:
    """The files one query reads: the parts of the selected dates and their roll-ups."""

    #: Part files, in date order.
    parts: list[Path]
    #: Roll-up files of those parts; None when some part has none.
    rollups: list[Path] | None
    #: Manifest version (None: an older layout without manifest).
    version: int | None


def snapshot(directory: Path, first_date: str | None = None, last_date: str | None = None) -> Snapshot:
    """The live parts of the UTC dates from ``first_date`` to ``last_date`` (both included)."""

    def selected(date: str) -> bool:
        return (first_date is None or date >= first_date) and (last_date is None or date <= last_date)

    manifest = read_manifest(directory)
    parts: list[Path] = []
    rollups: list[Path] | None = []
    if manifest is None:
        for partition in sorted(directory.glob("date=*")):
            if not partition.is_dir() or not selected(partition.name[len("date="):]):
                continue
            for part in sorted(partition.glob("part-*.parquet")):
                parts.append(part)
                rollup = part.with_name(rollup_name(part.name))
                if rollups is not None and rollup.is_file():
                    rollups.append(rollup)
                else:
                    rollups = None
        return Snapshot(parts, rollups, None)
    for date in sorted(manifest.partitions):
        if not selected(date):
            continue
        for entry in manifest.partitions[date]:
            parts.append(directory / f"date={date}" / entry.part)
            if rollups is not None and entry.rollup is not None:
                rollups.append(directory / f"date={date}" / entry.rollup)
            else:
                rollups = None
    return Snapshot(parts, rollups, manifest.version)


# ---------------------------------------------------------------------------------------------
# reader leases
# ---------------------------------------------------------------------------------------------
@contextlib.contextmanager
def reader_lease(directory: Path) -> Iterator[Path | None]:
    """Announce a reader of ``directory`` for the duration of the ``with`` block.

    Take the lease before reading the manifest. Yields the lease file, or None where the
    reader may not write into the historian (it then relies on the writer's grace period).
    """
    readers = directory / READERS_DIRECTORY
    lease = readers / f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:12]}.lease"
    try:
        readers.mkdir(exist_ok=True)
        descriptor = os.open(lease, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        os.close(descriptor)
    except OSError as exc:
        logger.debug("no reader lease in %s (%s); relying on the grace period", directory, exc)
        yield None
        return
    try:
        yield lease
    finally:
        with contextlib.suppress(OSError):
            lease.unlink()


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def live_lease_times(directory: Path, *, now: float | None = None) -> list[float]:
    """Start times of the live reader leases of ``directory`` [s since 1970]; removes stale ones."""
    readers = directory / READERS_DIRECTORY
    if not readers.is_dir():
        return []
    now = time.time() if now is None else now
    host = socket.gethostname()
    times = []
    for lease in readers.glob("*.lease"):
        try:
            started = lease.stat().st_mtime
        except OSError:
            continue  # removed meanwhile: its reader is done
        pieces = lease.stem.rsplit("-", 2)
        host_name, pid_text = (pieces[0], pieces[1]) if len(pieces) == 3 else ("", "")
        stale = now - started > LEASE_MAX_AGE_S
        if not stale and host_name == host and pid_text.isdigit():
            stale = not _process_exists(int(pid_text))
        if stale:
            with contextlib.suppress(OSError):
                lease.unlink()
            continue
        times.append(started)
    return times
