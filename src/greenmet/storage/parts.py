"""Part files and the directory layout of the historian.

``ROOT/site=<site>/furnace=<furnace>/date=<YYYY-MM-DD>/part-<uuid>.parquet``; see
``docs/dev/plant_data_contract.md``.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from greenmet.errors import StorageError
from greenmet.storage.points import BUFFER_SCHEMA, POINT_COLUMNS, POINT_SCHEMA
from greenmet.storage.sorting import tag_ranges

__all__ = ["QUARANTINE_DIRECTORY", "RANGES_KEY", "date_name", "furnace_directory", "list_parts", "part_error",
           "part_ranges", "read_part", "unreadable_file", "write_parquet"]

RANGES_KEY = b"greenmet.tag_ranges"
# results of checking a file, by (path, size, modification time): None when readable
_CHECKED: dict[tuple[str, int, int], str | None] = {}
_CHECKED_LOCK = threading.Lock()
#: Where unreadable parts are moved, beside ``date=…`` (readers and Spark skip ``_`` names).
QUARANTINE_DIRECTORY = "_quarantine"


def write_parquet(table: pa.Table, path: Path) -> None:
    """Write one part; a module-level function so that tests can make the disk fill up."""
    # Sorted by tag then ts, the timestamps of a part climb in small steps: delta encoding
    # stores them in a few bits each (a day of 100 tags at 1 s: 2.5 times smaller than plain).
    pq.write_table(table, path, compression="zstd", use_dictionary=["tag", "quality"],
                   column_encoding={"ts": "DELTA_BINARY_PACKED"},
                   coerce_timestamps="us", write_statistics=True, row_group_size=1 << 20)


def read_part(path: Path) -> pa.Table:
    table = pq.read_table(path, columns=list(POINT_COLUMNS)).replace_schema_metadata(None)
    return table.cast(BUFFER_SCHEMA) if table.schema != BUFFER_SCHEMA else table


def part_ranges(path: Path) -> dict[str, tuple[int, int]]:
    metadata = pq.read_schema(path).metadata or {}
    if RANGES_KEY in metadata:
        return {k: (int(v[0]), int(v[1])) for k, v in json.loads(metadata[RANGES_KEY]).items()}
    return tag_ranges(pq.read_table(path, columns=["tag", "ts"]).cast(
        pa.schema([POINT_SCHEMA.field("tag"), POINT_SCHEMA.field("ts")])))


def date_name(day: int) -> str:
    return (dt.date(1970, 1, 1) + dt.timedelta(days=int(day))).isoformat()


def furnace_directory(root: str | os.PathLike[str], site: str, furnace: str) -> Path:
    """``ROOT/site=<site>/furnace=<furnace>``."""
    return Path(root) / f"site={site}" / f"furnace={furnace}"


def list_parts(partition: Path) -> list[Path]:
    """The live parts of a partition directory ``…/date=<YYYY-MM-DD>``, as the queries read them.

    Taken from the furnace's manifest (:mod:`greenmet.storage.manifest`); for a furnace
    without one, the files ``part-*.parquet`` in the directory.
    """
    from greenmet.storage.manifest import read_manifest

    manifest = read_manifest(partition.parent)
    if manifest is None:
        if not partition.is_dir():
            return []
        return sorted(p for p in partition.glob("part-*.parquet") if p.is_file())
    date = partition.name[len("date="):]
    return sorted(partition / entry.part for entry in manifest.partitions.get(date, []))


def part_error(exc: OSError, path: Path) -> StorageError:
    message = str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT) or "No space left" in message:
        return StorageError("the disk is full; the points stay in the write-ahead log and memory",
                            field="path", value=str(path),
                            fix="free space on the file system that holds the historian root (or apply "
                                "retention), then flush again; nothing acknowledged was lost")
    return StorageError(f"cannot write a Parquet part: {exc}", field="path", value=str(path),
                        fix="check the path, its permissions and the file system; the points stay in the "
                            "write-ahead log")


def unreadable_file(path: Path) -> str | None:
    """Why ``path`` cannot be read as a part, or None when it can (checked once per file version)."""
    try:
        status = path.stat()
    except OSError as exc:
        return str(exc)
    key = (str(path), status.st_size, status.st_mtime_ns)
    with _CHECKED_LOCK:
        if key in _CHECKED:
            return _CHECKED[key]
    try:
        table = pq.read_table(path)  # every page
        if path.name.startswith("part-"):  # and the columns the historian needs
            table.select(list(POINT_COLUMNS)).cast(POINT_SCHEMA)
        problem = None
    except (OSError, KeyError, ValueError, pa.ArrowException) as exc:
        problem = str(exc) or type(exc).__name__
    with _CHECKED_LOCK:
        _CHECKED[key] = problem
    return problem
