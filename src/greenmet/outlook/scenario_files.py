"""Read outlook scenarios from TOML or YAML files and presets, merging each file onto its parent.

A scenario file may name ``parent``: a preset name (``china_baseline`` ...) or a path relative to
the file. The child's keys override the parent's; tables merge key by key, except year series
(tables whose keys are all years), which the child replaces whole. The merged mapping is validated
by :meth:`greenmet.mfa.scenario.OutlookScenario.from_mapping` (the pattern of REMIND-MFA's
scenario inheritance, pik-piam/remind-mfa config/scenarios, done with files instead of CSV).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from greenmet.errors import FileFormatError, InputError, Location
from greenmet.mfa.scenario import OutlookScenario

__all__ = ["PRESETS", "load_outlook_scenario", "merged_mapping", "preset_names", "preset_text"]

_FORMATS = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml"}
PRESETS: tuple[str, ...] = ("china_baseline", "china_policy", "high_circularity", "deep_decarbonisation")


def preset_names() -> list[str]:
    """Names of the shipped presets."""
    return list(PRESETS)


def preset_text(name: str) -> str:
    """The TOML text of a shipped preset."""
    if name not in PRESETS:
        raise InputError(
            "no preset of that name", field="preset", value=name, fix=f"use one of {', '.join(PRESETS)}"
        )
    return resources.files("greenmet.outlook").joinpath("presets", f"{name}.toml").read_text(encoding="utf-8")


def _is_series(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(str(key).strip().lstrip("-").isdigit() for key in value)
    )


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    merged = dict(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and not _is_series(value):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read(source: str, base: Path | None) -> tuple[dict[str, Any], str, Path | None]:
    if source in PRESETS:
        return (
            OutlookScenario.parse_text(preset_text(source), source=f"preset {source}"),
            f"preset {source}",
            None,
        )
    path = Path(source)
    if base is not None and not path.is_absolute():
        path = base / path
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise FileFormatError(
            "outlook scenarios are TOML or YAML files or preset names",
            field="scenario",
            value=str(source),
            fix=f"give a .toml/.yaml/.yml file or one of {', '.join(PRESETS)}",
            location=Location(file=str(path)),
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FileFormatError(
            f"cannot read the scenario file: {exc.strerror}",
            field="scenario",
            value=str(path),
            fix="check the path",
            location=Location(file=str(path)),
        ) from exc
    return OutlookScenario.parse_text(text, format=_FORMATS[suffix], source=str(path)), str(path), path.parent  # type: ignore[arg-type]


def merged_mapping(source: str | Path) -> tuple[dict[str, Any], str]:
    """The scenario mapping of ``source`` with its parents merged in, and the source's name."""
    chain: list[tuple[dict[str, Any], str]] = []
    seen: set[str] = set()
    current: str | None = str(source)
    base: Path | None = None
    while current is not None:
        data, name, folder = _read(current, base)
        key = name if folder is None else str(Path(name).resolve())
        if key in seen:
            raise InputError(
                "scenario parents form a cycle",
                field="parent",
                value=current,
                fix="remove the parent that points back",
                location=Location(file=chain[0][1]),
            )
        seen.add(key)
        chain.append((data, name))
        parent = data.get("parent")
        if parent is not None and not isinstance(parent, str):
            raise InputError(
                "parent must be a preset name or a file path",
                field="parent",
                value=parent,
                location=Location(file=name),
            )
        current, base = parent, folder if folder is not None else base
    merged: dict[str, Any] = {}
    for data, _ in reversed(chain):
        merged = _merge(merged, data)
    merged["parent"] = chain[0][0].get("parent")
    return merged, chain[0][1]


def load_outlook_scenario(source: str | Path) -> OutlookScenario:
    """Read, merge and validate a scenario file or preset.

    Raises
    ------
    FileFormatError
        If a file is missing, of another type or does not parse.
    InputError
        If the merged content does not validate; the message names the file, the key, the value
        and the fix.
    """
    mapping, name = merged_mapping(source)
    return OutlookScenario.from_mapping(mapping, source=name)
