"""Enterprise files of the green evaluation: the enterprise (TOML/YAML/JSON), its CEMS hours
(CSV or Parquet) and, optionally, its carbon activity file.

An enterprise file is the :class:`~greenmet.evaluation.enterprise.Enterprise` model plus two
optional keys naming files beside it::

    cems_file = "works_cems.csv"              # columns of greenmet.evaluation.cems.CEMS_COLUMNS
    carbon_activity_file = "works_activity.toml"   # a greenmet carbon activity file

Everything is read before anything is evaluated (all or nothing); every error names the file, the
row (CEMS rows 0-based after the header) and the field.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from greenmet.carbon.activity import ActivityData
from greenmet.errors import FileFormatError, GreenmetError, Location
from greenmet.evaluation.cems import CEMS_COLUMNS
from greenmet.evaluation.enterprise import Enterprise
from greenmet.evaluation.evaluate import EvaluationResult, evaluate
from greenmet.io.activity_files.readers import read_activity, read_mapping_file

__all__ = [
    "ENTERPRISE_SUFFIXES",
    "EnterpriseFiles",
    "enterprise_files",
    "evaluate_files",
    "read_cems",
    "read_enterprise",
]

ENTERPRISE_SUFFIXES: tuple[str, ...] = (".toml", ".yaml", ".yml", ".json")


class EnterpriseFiles(NamedTuple):
    """An enterprise with the data read from the files it names."""

    enterprise: Enterprise
    cems: pd.DataFrame | None
    activity: ActivityData | None
    path: Path
    cems_path: Path | None = None


def read_cems(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Raw CEMS hours from a CSV or Parquet file (columns :data:`~greenmet.evaluation.cems.CEMS_COLUMNS`).

    Raises
    ------
    FileFormatError
        Missing file, unknown suffix, missing columns, or a file that does not parse.
    """
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(
            "CEMS file not found",
            field="cems_file",
            value=str(path),
            fix="give the path relative to the enterprise file",
        )
    try:
        if path.suffix.lower() == ".csv":
            frame = pd.read_csv(path, dtype={"stack_id": str, "pollutant": str, "status": str})
        elif path.suffix.lower() == ".parquet":
            frame = pd.read_parquet(path)
        else:
            raise FileFormatError(
                "not a CEMS file", field="cems_file", value=str(path), fix="give a .csv or .parquet file"
            )
    except (ValueError, OSError) as exc:
        raise FileFormatError(
            f"the CEMS file does not parse: {exc}",
            location=Location(str(path)),
            fix="give a CSV with a header row, or a Parquet file",
        ) from exc
    missing = [column for column in CEMS_COLUMNS if column not in frame.columns]
    if missing:
        raise FileFormatError(
            "CEMS file lacks columns",
            field="cems_file",
            value=missing,
            location=Location(str(path)),
            fix=f"give the columns {', '.join(CEMS_COLUMNS)}",
        )
    return frame[list(CEMS_COLUMNS)]


def read_enterprise(path: str | os.PathLike[str]) -> EnterpriseFiles:
    """Read an enterprise file and the CEMS and activity files it names.

    Raises
    ------
    FileFormatError
        A file is missing or does not parse.
    InputError, UnitError, UnknownKeyError
        A value fails validation; the error names the file and the field.
    """
    path = Path(path)
    if path.suffix.lower() not in ENTERPRISE_SUFFIXES or not path.is_file():
        raise FileFormatError(
            "not an enterprise file",
            field="path",
            value=str(path),
            fix=f"give an existing file ending in {', '.join(ENTERPRISE_SUFFIXES)}",
        )
    data: dict[str, Any] = dict(read_mapping_file(path))
    cems_name = data.pop("cems_file", None)
    activity_name = data.pop("carbon_activity_file", None)
    try:
        enterprise = Enterprise.model_validate(data)
    except GreenmetError as exc:
        raise type(exc)(
            exc.problem, field=exc.field, value=exc.value, fix=exc.fix, location=Location(str(path))
        ) from None
    cems_path = path.parent / str(cems_name) if cems_name else None
    cems = read_cems(cems_path) if cems_path is not None else None
    activity = read_activity(path.parent / str(activity_name)) if activity_name else None
    return EnterpriseFiles(enterprise, cems, activity, path, cems_path)


def evaluate_files(files: EnterpriseFiles, weights: dict[str, Any] | None = None) -> EvaluationResult:
    """Evaluate an enterprise read by :func:`read_enterprise`; an error in its CEMS hours names the
    CEMS file (and the row of the file: data row + 2 for the header and 1-based numbering)."""
    try:
        return evaluate(files.enterprise, cems=files.cems, activity=files.activity, weights=weights)
    except GreenmetError as exc:
        if files.cems_path is None or not str(exc.field or "").startswith("cems["):
            raise
        row = int(str(exc.field)[5:].split("]")[0]) + 2
        raise type(exc)(
            exc.problem,
            field=exc.field,
            value=exc.value,
            fix=exc.fix,
            location=Location(str(files.cems_path), row=row),
        ) from None


def enterprise_files(directory: str | os.PathLike[str]) -> list[Path]:
    """The enterprise files of ``directory`` (sorted; hidden files skipped).

    A file counts when it holds a top-level ``sector`` and ``processes`` or ``stacks`` (so that
    carbon activity files beside them are not taken for enterprises).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise FileFormatError(
            "not a directory", field="DIR", value=str(directory), fix="give a directory of enterprise files"
        )
    found = []
    for candidate in sorted(directory.iterdir()):
        if candidate.suffix.lower() not in ENTERPRISE_SUFFIXES or candidate.name.startswith((".", "~$")):
            continue
        data = read_mapping_file(candidate)
        if "sector" in data and "installation" not in data:
            found.append(candidate)
    if not found:
        raise FileFormatError(
            "no enterprise files in the directory",
            field="DIR",
            value=str(directory),
            fix="put enterprise .toml/.yaml/.json files in it (see docs/user_guide/evaluation.md)",
        )
    return found
