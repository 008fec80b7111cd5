"""Read activity-data files (TOML, YAML, JSON, Excel) and directories of them."""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from greenmet.errors import FileFormatError, Location
from greenmet.io.activity_files.excel_reader import _read_excel
from greenmet.io.activity_files.relocation import _validate

if TYPE_CHECKING:
    from greenmet.carbon.activity import ActivityData

__all__ = ["ACTIVITY_SUFFIXES", "activity_files", "read_activity", "read_activity_dir", "read_mapping_file"]

ACTIVITY_SUFFIXES: tuple[str, ...] = (".toml", ".yaml", ".yml", ".json", ".xlsx")
"""File name suffixes :func:`read_activity` understands."""


def read_activity(path: str | os.PathLike[str]) -> ActivityData:
    """Read one activity-data file: ``.toml``, ``.yaml``/``.yml``, ``.json`` or ``.xlsx``.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    ActivityData
        The validated activity data.

    Raises
    ------
    FileFormatError
        The file does not exist, does not parse, or lacks a sheet or a column (named).
    InputError, UnitError, SuspectUnitError, CompositionError, UnknownKeyError
        A value fails validation; the error names the file, sheet, row, field, value and fix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in ACTIVITY_SUFFIXES:
        raise FileFormatError(
            "not an activity-data file",
            field="path",
            value=str(path),
            fix=f"give a file ending in {', '.join(ACTIVITY_SUFFIXES)}",
        )
    if not path.is_file():
        raise FileFormatError(
            "file not found",
            field="path",
            value=str(path),
            fix="check the path; `greenmet carbon template OUT.xlsx` writes a template",
        )
    if suffix == ".xlsx":
        data, origins = _read_excel(path)
    else:
        data, origins = _read_text(path, suffix), {}
    return _validate(data, path, origins)


def read_activity_dir(directory: str | os.PathLike[str], *, recursive: bool = False) -> list[ActivityData]:
    """Read every activity-data file of ``directory`` (sorted by name).

    Hidden files and Excel lock files (``~$…``) are skipped. The first bad file stops the read
    with an error naming it.

    Parameters
    ----------
    directory
        The directory.
    recursive
        Also read files in sub-directories.
    """
    return [read_activity(path) for path in activity_files(directory, recursive=recursive)]


def activity_files(directory: str | os.PathLike[str], *, recursive: bool = False) -> list[Path]:
    """The activity-data files of ``directory`` that :func:`read_activity_dir` reads, sorted."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileFormatError(
            "not a directory",
            field="directory",
            value=str(directory),
            fix="give a directory holding .toml, .yaml, .json or .xlsx activity files",
        )
    candidates: Iterable[Path] = directory.rglob("*") if recursive else directory.iterdir()
    files = sorted(
        path
        for path in candidates
        if path.is_file()
        and path.suffix.lower() in ACTIVITY_SUFFIXES
        and not path.name.startswith((".", "~$"))
    )
    if not files:
        raise FileFormatError(
            "no activity-data files in the directory",
            field="directory",
            value=str(directory),
            fix=f"put files ending in {', '.join(ACTIVITY_SUFFIXES)} in it",
        )
    return files


def read_mapping_file(path: Path) -> dict[str, Any]:
    """The table of sections of a UTF-8 ``.toml``, ``.json`` or ``.yaml`` file (other input files,
    such as the enterprise files of the green evaluation, share this reader and its errors)."""
    return _read_text(path, path.suffix.lower())


def _read_text(path: Path, suffix: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            "the file is not UTF-8 text",
            field="path",
            value=str(path),
            fix="save the file as UTF-8",
            location=Location(str(path)),
        ) from exc
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        raise FileFormatError(
            f"the file does not parse as {suffix[1:].upper()}: {exc}",
            location=Location(str(path)),
            fix="correct the syntax at the position named",
        ) from exc
    if not isinstance(data, dict):
        raise FileFormatError(
            "the file does not hold a table of sections",
            value=type(data).__name__,
            location=Location(str(path)),
            fix="start with [installation] / installation: sections (see the template)",
        )
    return data


