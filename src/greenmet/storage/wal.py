"""Write-ahead log of the historian: what ``write`` acknowledged survives ``kill -9``.

A log is a directory of append-only *segments* ``wal-<number>.log`` (number zero-padded, so
that names sort in write order). A segment is a sequence of frames::

    magic  b"GMW1"        4 bytes
    length                8 bytes, little-endian unsigned, bytes of payload
    crc32                 4 bytes, little-endian unsigned, zlib.crc32 of the payload
    payload               an Arrow IPC stream holding one record batch table

:meth:`WriteAheadLog.append` writes one frame and calls ``fsync`` before it returns, so a
frame that was appended is on disk. A crash in the middle of an append leaves a *torn tail*:
a frame whose header or payload is incomplete or whose CRC does not match. :func:`read_segment`
stops at the first such frame and reports it; everything before it is intact. After a failed
append the log truncates the segment back to its last good frame and starts a new segment, so
that a torn frame is always the last frame of its segment and no acknowledged frame ever
follows one.

The historian rotates to a new segment when it flushes its buffer to Parquet, and deletes the
segments whose points are in Parquet parts. On open it replays whatever segments remain.
"""

from __future__ import annotations

import errno
import logging
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from greenmet.errors import StorageError
from greenmet.io.atomic import fsync_directory

__all__ = ["SegmentContents", "WriteAheadLog", "read_segment"]

logger = logging.getLogger(__name__)

MAGIC = b"GMW1"
_HEADER = struct.Struct("<4sQI")
_SEGMENT_PREFIX = "wal-"
_SEGMENT_SUFFIX = ".log"
_IPC_OPTIONS = pa.ipc.IpcWriteOptions(compression="lz4")


def _segment_name(number: int) -> str:
    return f"{_SEGMENT_PREFIX}{number:012d}{_SEGMENT_SUFFIX}"


def _segment_number(path: Path) -> int | None:
    name = path.name
    if not (name.startswith(_SEGMENT_PREFIX) and name.endswith(_SEGMENT_SUFFIX)):
        return None
    digits = name[len(_SEGMENT_PREFIX):-len(_SEGMENT_SUFFIX)]
    return int(digits) if digits.isdigit() else None


def _encode(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=_IPC_OPTIONS) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def _decode(payload: bytes) -> pa.Table:
    with pa.ipc.open_stream(pa.py_buffer(payload)) as reader:
        return reader.read_all()


@dataclass(frozen=True)
class SegmentContents:
    """What :func:`read_segment` recovered from one segment."""

    path: Path
    tables: list[pa.Table]
    #: Byte offset of the end of the last intact frame.
    good_bytes: int
    #: True when bytes after the last intact frame were ignored (a torn or corrupt tail).
    torn_tail: bool


def read_segment(path: str | os.PathLike[str]) -> SegmentContents:
    """Read every intact frame of a segment, stopping at the first torn or corrupt frame."""
    path = Path(path)
    data = path.read_bytes()
    tables: list[pa.Table] = []
    offset = 0
    torn = False
    while offset < len(data):
        if len(data) - offset < _HEADER.size:
            torn = True
            break
        magic, length, crc = _HEADER.unpack_from(data, offset)
        start = offset + _HEADER.size
        end = start + length
        if magic != MAGIC or end > len(data):
            torn = True
            break
        payload = data[start:end]
        if zlib.crc32(payload) != crc:
            torn = True
            break
        try:
            tables.append(_decode(payload))
        except (pa.ArrowInvalid, OSError):  # a CRC collision on garbage; treat as torn
            torn = True
            break
        offset = end
    if torn:
        logger.warning("write-ahead log %s: ignored %d bytes of a torn tail after byte %d",
                       path, len(data) - offset, offset)
    return SegmentContents(path=path, tables=tables, good_bytes=offset, torn_tail=torn)


class WriteAheadLog:
    """An append-only, fsynced log of Arrow tables in a directory.

    Parameters
    ----------
    directory
        Where the segments live; created if missing.
    segment_bytes
        Rotate to a new segment once the current one is larger than this [B].
    """

    def __init__(self, directory: str | os.PathLike[str], *, segment_bytes: int = 256 * 2**20) -> None:
        self.directory = Path(directory)
        self.segment_bytes = segment_bytes
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError("cannot create the write-ahead log directory", field="path",
                               value=str(self.directory), fix="check the path and its permissions") from exc
        numbers = [n for n in map(_segment_number, self.directory.iterdir()) if n is not None]
        self._next_number = max(numbers, default=0) + 1
        self._descriptor: int | None = None
        self._current: Path | None = None
        self._current_size = 0

    # -- reading -------------------------------------------------------------------------
    def segments(self) -> list[Path]:
        """The segments on disk, oldest first."""
        found = [(n, p) for p in self.directory.iterdir() if (n := _segment_number(p)) is not None]
        return [p for _, p in sorted(found)]

    def replay(self) -> Iterator[tuple[Path, pa.Table]]:
        """Yield ``(segment, table)`` for every intact frame of every segment, oldest first."""
        for segment in self.segments():
            if segment == self._current:
                continue
            for table in read_segment(segment).tables:
                yield segment, table

    # -- writing -------------------------------------------------------------------------
    def _open_new_segment(self) -> tuple[int, Path]:
        self._close_current()
        path = self.directory / _segment_name(self._next_number)
        self._next_number += 1
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
            fsync_directory(self.directory)
        except OSError as exc:
            raise _storage_error(exc, path) from exc
        self._descriptor, self._current, self._current_size = descriptor, path, 0
        return descriptor, path

    def _close_current(self) -> None:
        if self._descriptor is not None:
            try:
                os.close(self._descriptor)
            finally:
                self._descriptor = None
                self._current = None
                self._current_size = 0

    def append(self, table: pa.Table) -> None:
        """Append ``table`` as one frame and fsync; on return the table is durable."""
        payload = _encode(table)
        frame = _HEADER.pack(MAGIC, len(payload), zlib.crc32(payload)) + payload
        if self._descriptor is None or self._current is None or self._current_size >= self.segment_bytes:
            descriptor, path = self._open_new_segment()
        else:
            descriptor, path = self._descriptor, self._current
        before = self._current_size
        try:
            view = memoryview(frame)
            while view:
                written = os.write(descriptor, view)
                view = view[written:]
            os.fsync(descriptor)
        except OSError as exc:
            # Cut the partial frame off, then never append to this segment again, so that a
            # torn frame can only ever be the last one of a segment.
            try:
                os.ftruncate(descriptor, before)
                os.fsync(descriptor)
            except OSError:
                logger.warning("write-ahead log %s: could not truncate a failed append", path)
            self._close_current()
            raise _storage_error(exc, path) from exc
        self._current_size = before + len(frame)

    def rotate(self) -> list[Path]:
        """Close the current segment and return every segment written so far (to delete later)."""
        self._close_current()
        return self.segments()

    def delete(self, segments: list[Path]) -> None:
        """Delete segments whose contents are safely in Parquet parts."""
        for segment in segments:
            segment.unlink(missing_ok=True)
        fsync_directory(self.directory)

    def close(self) -> None:
        """Close the current segment (segments stay on disk until :meth:`delete`)."""
        self._close_current()


def _storage_error(exc: OSError, path: Path) -> StorageError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageError("the disk is full; the points of this call were not acknowledged",
                            field="path", value=str(path),
                            fix="free space on the file system that holds the historian root, then "
                                "write again; points acknowledged before are safe in the write-ahead log")
    return StorageError(f"cannot write the write-ahead log: {exc.strerror or exc}", field="path",
                        value=str(path), fix="check the path, its permissions and the file system")

