"""A furnace's metadata file, ``_furnace.json``: its time zone and what each tag is.

One reader and one merge for every writer (the historian on open, OPC UA ingestion from its
mapping, the simulator's bulk writer), so that a damaged file gets the same message everywhere
and an update never drops what another writer recorded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from greenmet.errors import InputError, StorageError
from greenmet.io.atomic import atomic_write_text

__all__ = ["FURNACE_METADATA", "read_furnace_metadata", "record_furnace_metadata"]

FURNACE_METADATA = "_furnace.json"
"""File name of the metadata beside a furnace's partitions."""


def read_furnace_metadata(directory: str | Path) -> dict[str, Any]:
    """The metadata of the furnace at ``directory`` (``{}`` when it has none yet)."""
    path = Path(directory) / FURNACE_METADATA
    if not path.exists():
        return {}
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StorageError(
            "cannot read the furnace metadata",
            field="path",
            value=str(path),
            fix="repair or delete _furnace.json (it holds the time zone and tags)",
        ) from exc
    if not isinstance(metadata, dict):
        raise StorageError(
            "the furnace metadata is not a JSON object",
            field="path",
            value=str(path),
            fix="repair or delete _furnace.json (it holds the time zone and tags)",
        )
    return metadata


def record_furnace_metadata(
    directory: str | Path,
    *,
    time_zone: str | None = None,
    tags: Mapping[str, Mapping[str, Any]] | None = None,
    time_zone_fix: str | None = None,
) -> bool:
    """Merge a time zone and tag descriptions into the furnace's metadata, atomically.

    Parameters
    ----------
    directory
        The furnace's directory (``ROOT/site=…/furnace=…``).
    time_zone
        The plant's IANA time zone; refused when the file already names another one.
    tags
        Per tag, its description (``unit``, ``description_en`` …); entries replace those of the
        same tag, other tags are kept.
    time_zone_fix
        The fix shown when the stored time zone differs (the caller knows its own option).

    Returns
    -------
    bool
        Whether the file changed (it is not rewritten when nothing is new).
    """
    path = Path(directory) / FURNACE_METADATA
    metadata = read_furnace_metadata(directory)
    changed = not path.exists()
    stored = metadata.get("time_zone")
    if time_zone is not None and stored not in (None, time_zone):
        raise InputError(
            f"the furnace's stored time zone is {stored!r}",
            field="time_zone",
            value=time_zone,
            fix=time_zone_fix or f"use time_zone={stored!r}; to change it, edit {path}",
        )
    if time_zone is not None and stored is None:
        metadata["time_zone"] = time_zone
        changed = True
    known = metadata.setdefault("tags", {})
    for tag, entry in (tags or {}).items():
        if known.get(tag) != dict(entry):
            known[tag] = dict(entry)
            changed = True
    if changed:
        atomic_write_text(path, json.dumps(metadata, indent=2, ensure_ascii=False))
    return changed
