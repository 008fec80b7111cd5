"""What an OPC UA ingestion still owes the historian, kept on disk so that a crash cannot forget it.

After a (re)connection the ingestion owes each tag the points between its newest stored point
and the first live point of the new subscription; it reads them from the server's history a
moment later. Held only in memory, that debt died with the process: a run killed between its
first live batch (which moves the tag's newest point past the gap) and the history refill left
a permanent hole that ``--resume`` could not see. The debt is therefore written to
``<furnace>/.ingest-owed.json`` (atomically, :mod:`greenmet.io.atomic`):

- when gaps open, *before* the subscription can deliver a live point;
- after each acknowledged batch, from a snapshot taken when the batch was cut from the buffers,
  so a gap is forgotten only once the points that refilled it are acknowledged.

What is on disk is therefore always a superset of what is missing: a gap may still be listed
(or its end still open) although some of its points are stored. The next run reads the file,
closes any open end at the tag's newest stored point, and skips every history value already
stored (:func:`stored_stamps`), so it neither leaves a hole nor writes a point twice.

The file holds ``{"version": 1, "tags": {tag: [[start_us, end_us_or_null, filled_us], …]}}``:
exclusive bounds in µs since 1970 UTC; ``filled_us`` is the newest point of the gap known to be
written.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from greenmet.errors import StorageError
from greenmet.io.atomic import atomic_write_text
from greenmet.storage.historian import furnace_directory

__all__ = ["OWED_FILE", "load_owed", "owed_path", "save_owed", "stored_stamps"]

OWED_FILE = ".ingest-owed.json"
"""Name of the file, in the furnace's historian directory."""

Gap = list[Any]  # [start_us, end_us | None, filled_us]


def owed_path(root: str | os.PathLike[str], site: str, furnace: str) -> Path:
    """Where the gaps owed to one furnace are kept."""
    return furnace_directory(root, site, furnace) / OWED_FILE


def load_owed(path: Path) -> dict[str, list[Gap]]:
    """The gaps owed per tag (empty if the file does not exist).

    Raises
    ------
    StorageError
        If the file exists but does not read as the format above.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise StorageError(f"cannot read the gaps owed by an earlier ingestion ({exc})", field="path",
                           value=str(path), fix="check the file's permissions") from exc
    try:
        document = json.loads(text)
        tags = document["tags"]
        owed = {
            str(tag): [[int(start), None if end is None else int(end), int(filled)]
                       for start, end, filled in gaps]
            for tag, gaps in tags.items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise StorageError("the gaps owed by an earlier ingestion do not read", field="path",
                           value=str(path),
                           fix="the file is written atomically, so it was edited or damaged: delete it and "
                               "refill any known outage with `greenmet ingest opcua --resume` (which "
                               "reads from each tag's newest stored point)") from exc
    return {tag: gaps for tag, gaps in owed.items() if gaps}


def save_owed(path: Path, owed: dict[str, list[Gap]]) -> None:
    """Replace the file with ``owed`` (tags without gaps are left out)."""
    tags = {tag: [list(gap) for gap in gaps] for tag, gaps in owed.items() if gaps}
    atomic_write_text(path, json.dumps({"version": 1, "tags": tags}, separators=(",", ":")))


def stored_stamps(root: str | os.PathLike[str], site: str, furnace: str,
                  owed: dict[str, list[Gap]], newest: dict[str, int]) -> dict[str, set[int]]:
    """Timestamps [µs] already stored of each owed tag within its gaps (open ends up to ``newest``)."""
    if not owed:
        return {}
    from greenmet.storage import queries  # ibis: loaded only when there is something to look up

    start = min(gap[0] for gaps in owed.values() for gap in gaps)
    ends = [int(gap[1]) if gap[1] is not None else newest.get(tag, int(gap[0])) + 1
            for tag, gaps in owed.items() for gap in gaps]
    end = max(ends)
    if end <= start:
        return {tag: set() for tag in owed}
    points = queries.open_points(root, site, furnace, start=_instant(start), end=_instant(end + 1))
    inside = points.filter(points.tag.isin(list(owed)), points.ts_us > start, points.ts_us < end + 1)
    frame = queries.run(inside.select("tag", "ts_us"))
    stamps: dict[str, set[int]] = {tag: set() for tag in owed}
    for tag, us in zip(frame["tag"].tolist(), frame["ts_us"].tolist(), strict=True):
        stamps[str(tag)].add(int(us))
    return stamps


def _instant(us: int) -> Any:
    import pandas as pd

    return pd.Timestamp(us, unit="us", tz="UTC")
