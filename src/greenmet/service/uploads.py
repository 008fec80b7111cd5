"""Uploaded files: size-limited, named by their SHA-256, never by what the client calls them.

A file is streamed to a hidden temporary file in the uploads directory, its size checked as it
arrives (413 past the limit, nothing kept), then checked by the reader of its kind (an activity
file that does not parse is refused with the reader's message, nothing kept) and renamed to
``<sha256><suffix>``. The client's file name only chooses the suffix, from a fixed list: a name
such as ``../../etc/passwd.toml`` cannot place a file anywhere else.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import HTTPException, UploadFile

from greenmet.errors import GreenmetError, InputError, UnknownKeyError
from greenmet.io.atomic import fsync_directory

__all__ = ["ACTIVITY_SUFFIXES", "store_upload", "stored_upload"]

ACTIVITY_SUFFIXES = (".toml", ".yaml", ".yml", ".json", ".xlsx")
_NAME = re.compile(r"^[0-9a-f]{64}\.[a-z]{3,4}$")
_CHUNK = 1 << 16


async def store_upload(
    upload: UploadFile,
    directory: Path,
    *,
    max_bytes: int,
    suffixes: tuple[str, ...],
    check: Callable[[Path], Any],
) -> tuple[str, Any]:
    """Keep an upload that passes ``check(path)``; return its stored name and what ``check`` returned."""
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix not in suffixes:
        raise HTTPException(
            status_code=415,
            detail=f"files of type {suffix or '(none)'!r} are not accepted; "
            f"give one of {', '.join(suffixes)}",
        )
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".upload-{uuid.uuid4().hex}{suffix}"
    digest = hashlib.sha256()
    size = 0
    try:
        with temporary.open("wb") as handle:
            while chunk := await upload.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise HTTPException(
                        status_code=413, detail=f"the file is larger than the limit of {max_bytes} bytes"
                    )
                digest.update(chunk)
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        if size == 0:
            raise InputError(
                "the file is empty", field="file", value=upload.filename, fix="upload the filled file"
            )
        result = check(temporary)
        name = f"{digest.hexdigest()}{suffix}"
        os.replace(temporary, directory / name)
        fsync_directory(directory)
        return name, result
    except (GreenmetError, HTTPException):
        raise
    finally:
        temporary.unlink(missing_ok=True)


def stored_upload(directory: Path, name: str) -> Path:
    """The path of a stored upload, refused unless ``name`` is exactly a stored name."""
    if not _NAME.match(name) or not (directory / name).is_file():
        raise UnknownKeyError("no such upload", field="upload", value=name, fix="upload the file again")
    return directory / name


def store_local_file(path: Path, directory: Path, *, check: Callable[[Path], Any]) -> str:
    """Keep a file from this machine as an upload (``greenmet demo``'s sample installations);
    return its stored name. The same checks and naming as :func:`store_upload`."""
    data = path.read_bytes()
    check(path)
    name = f"{hashlib.sha256(data).hexdigest()}{path.suffix.lower()}"
    directory.mkdir(parents=True, exist_ok=True)
    temporary = directory / f".upload-{uuid.uuid4().hex}{path.suffix.lower()}"
    try:
        temporary.write_bytes(data)
        os.replace(temporary, directory / name)
        fsync_directory(directory)
    finally:
        temporary.unlink(missing_ok=True)
    return name


async def keep_upload(
    request: Any,
    user_name: str,
    upload: UploadFile,
    *,
    suffixes: tuple[str, ...],
    check: Callable[[Path], Any],
    action: str,
) -> tuple[str, Any]:
    """:func:`store_upload` with the service's settings, then the audit row ``action`` (who
    uploaded which file under which stored name); return the stored name and what ``check`` gave."""
    settings = request.app.state.settings
    name, result = await store_upload(
        upload,
        settings.uploads_directory,
        max_bytes=settings.max_upload_bytes,
        suffixes=suffixes,
        check=check,
    )
    request.app.state.records.audit(user_name, action, "upload", name, {"file_name": upload.filename})
    return name, result


def recent_uploads(records: Any, action: str, limit: int = 20) -> list[dict[str, Any]]:
    """The latest uploads audited as ``action``: when, who, stored name, the client's file name."""
    frame = records.query(
        "SELECT occurred_at, actor, object_id, json_extract_string(details, '$.file_name') AS file_name "
        "FROM audit_log WHERE action = ? ORDER BY id DESC LIMIT ?",
        [action, limit],
    )
    return list(frame.to_dict(orient="records"))
