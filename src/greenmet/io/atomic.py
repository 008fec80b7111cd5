"""Write a file completely or not at all.

A report, a Parquet part or a settings file is first written to a temporary file in the same
directory, flushed and fsynced, then renamed over the target. ``os.replace`` is atomic on POSIX
and Windows when both paths are on the same file system, so a reader sees the old file or the
new one, never half of one; a crash leaves at most a ``.tmp-*`` file that the next write of the
same target removes. New files get the mode a plain ``open`` would give (``0666`` less the
umask), and a path that cannot be written raises a :class:`~greenmet.errors.StorageError` that
names it and the fix, never a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from greenmet.errors import StorageError

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "atomic_write_with", "fsync_directory"]


def _output_error(exc: OSError, target: Path, where: Path) -> StorageError:
    """A designed error for a file that cannot be written: the path, the cause and the fix."""
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return StorageError("cannot write here: permission denied (or a read-only file system)",
                            field="path", value=str(where),
                            fix=f"write {target.name} to a directory you may write to (another --out), "
                                "or get write permission on this one")
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageError("the disk is full", field="path", value=str(where),
                            fix="free space on that file system or write somewhere else")
    if isinstance(exc, NotADirectoryError) or exc.errno == errno.ENOTDIR:
        return StorageError("a part of the path is a file, not a directory", field="path", value=str(where),
                            fix="give a path whose directories are directories")
    return StorageError(f"cannot write the file: {exc.strerror or exc}", field="path", value=str(target),
                        fix="check the path, its permissions and the file system")


def _create_temporary(target: Path) -> Path:
    """A new empty file beside ``target`` whose mode follows the umask (0666 & ~umask), as
    ``open(..., "w")`` would; ``tempfile.mkstemp`` makes 0600 files that other accounts (a
    dashboard, a Spark job) cannot read."""
    for _ in range(100):
        temporary = target.parent / f".tmp-{target.name}-{uuid.uuid4().hex[:12]}"
        try:
            descriptor = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0),
                                 0o666)
        except FileExistsError:
            continue
        os.close(descriptor)
        return temporary
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target.parent))


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success move it over ``target``.

    Whatever the body writes to the yielded path becomes ``target`` only when the body returns
    without an exception. On an exception the temporary file is removed and ``target`` is left
    as it was. The new file's mode follows the umask.

    Raises
    ------
    StorageError
        When ``target`` is a directory, or its directory cannot be created or written to
        (permissions, a read-only file system, a full disk): naming the path and the fix.
    """
    target = Path(target)
    if target.is_dir():
        example = target / ("output" + (target.suffix or ".out"))
        raise StorageError("the output path is a directory", field="path", value=str(target),
                           fix=f"give a file name inside it, e.g. {example}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _output_error(exc, target, target.parent) from exc
    try:
        temporary = _create_temporary(target)
    except OSError as exc:
        raise _output_error(exc, target, target.parent) from exc
    try:
        yield temporary  # what the body raises is the caller's to explain
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    try:
        _fsync(temporary)
        os.replace(temporary, target)
        fsync_directory(target.parent)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise _output_error(exc, target, target) from exc


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
