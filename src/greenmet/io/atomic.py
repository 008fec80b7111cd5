"""Write a file completely or not at all.

A report, a Parquet part or a settings file is first written to a temporary file in the same
directory, flushed and fsynced, then renamed over the target. ``os.replace`` is atomic on POSIX
and Windows when both paths are on the same file system, so a reader sees the old file or the
new one, never half of one; a crash leaves at most a ``.tmp-*`` file that the next write of the
same target removes.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from greenmet.errors import StorageError

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "atomic_write_with", "fsync_directory"]


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success move it over ``target``.

    Whatever the body writes to the yielded path becomes ``target`` only when the body returns
    without an exception. On an exception the temporary file is removed and ``target`` is left
    as it was.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError("cannot create the directory", field="path", value=str(target.parent),
                           fix="check the path and its permissions") from exc
    handle, name = tempfile.mkstemp(prefix=f".tmp-{target.name}-", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        _fsync(temporary)
        os.replace(temporary, target)
        fsync_directory(target.parent)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _fsync(path: Path) -> None:
    with open(path, "rb+") as stream:
        os.fsync(stream.fileno())


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new file in ``directory`` durable (a no-op where directories cannot be opened)."""
    if os.name != "posix":  # directories cannot be opened for fsync on Windows
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically and return the target path."""
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)
    return Path(target)


def atomic_write_text(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically and return the target path."""
    return atomic_write_bytes(target, text.encode(encoding))


def atomic_write_with(target: str | os.PathLike[str], writer: Callable[[Path], None]) -> Path:
    """Call ``writer(temporary_path)`` and move the result over ``target`` atomically."""
    with atomic_path(target) as temporary:
        writer(temporary)
    return Path(target)
