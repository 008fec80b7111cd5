"""Check a furnace's files: every live part and roll-up readable, nothing listed missing.

:func:`check_furnace` only reads (every page of every live file, so it takes as long as a full
scan). :meth:`greenmet.storage.historian.Historian.repair` acts on what it finds: unreadable
parts are moved to ``_quarantine/`` and leave the manifest, missing ones leave the manifest,
missing or unreadable roll-ups are rebuilt from their part. ``greenmet historian check
[--repair]`` is the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from greenmet.storage.manifest import read_manifest, rollup_name
from greenmet.storage.parts import unreadable_file

__all__ = ["Finding", "check_furnace"]


@dataclass
class Finding:
    """One problem with one file of a furnace."""

    #: The file, relative to the furnace directory (``date=…/part-….parquet``).
    path: str
    #: ``part unreadable``, ``part missing``, ``roll-up unreadable``, ``roll-up missing`` or
    #: ``part not listed``.
    problem: str
    #: What the reader said, or why it matters.
    detail: str
    #: What a repair did (None: not repaired).
    action: str | None = None


def check_furnace(directory: Path) -> list[Finding]:
    """Read every live part and roll-up of the furnace at ``directory``; list what is wrong."""
    findings: list[Finding] = []
    manifest = read_manifest(directory)
    listed: set[str] = set()
    if manifest is not None:
        listed = manifest.referenced()
        live = [(date, e.part, e.rollup) for date, entries in sorted(manifest.partitions.items())
                for e in entries]
    else:
        live = [(p.parent.name[len("date="):], p.name, rollup_name(p.name))
                for p in sorted(directory.glob("date=*/part-*.parquet"))]
    for date, part, rollup in live:
        relative = f"date={date}/{part}"
        path = directory / relative
        if not path.exists():
            findings.append(Finding(relative, "part missing", "listed in _parts.json but not on disk"))
            continue
        problem = unreadable_file(path)
        if problem is not None:
            findings.append(Finding(relative, "part unreadable", problem))
            continue
        rollup_path = directory / f"date={date}" / (rollup or rollup_name(part))
        rollup_relative = f"date={date}/{rollup_path.name}"
        if rollup is None or not rollup_path.exists():
            findings.append(Finding(rollup_relative, "roll-up missing",
                                    "minute charts aggregate the raw points of this part instead"
                                    if manifest is None else "the roll-up query leaves this part out"))
        elif (problem := unreadable_file(rollup_path)) is not None:
            findings.append(Finding(rollup_relative, "roll-up unreadable", problem))
    if manifest is not None:
        for path in sorted(directory.glob("date=*/part-*.parquet")):
            relative = f"{path.parent.name}/{path.name}"
            if relative not in listed:
                findings.append(Finding(relative, "part not listed",
                                        "written by another tool or before a crash; a writer adopts it when "
                                        "it opens the furnace"))
    return findings
