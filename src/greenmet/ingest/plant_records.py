"""Import a plant's own records (charges, material analyses, cast analyses, hot-metal
destinations) from CSV or Excel into the furnace's record files beside the historian.

The file has a header row with the columns of the kind (``docs/dev/plant_data_contract.md``;
extra columns are ignored, names are matched without regard to case and surrounding blanks).
Every row is checked before anything is written
(:func:`greenmet.storage.plant_records.validate_plant_records`): an unknown material, a
negative mass, a missing value, a time that does not parse, a duplicate key refuse the whole
file with the row, column and value and how to fix it; a valid file is merged in one atomic
replacement, so an import is all or nothing. Times without a zone are read in the plant's time
zone (``time_zone``, else the furnace's stored one in ``_furnace.json``).

A charge whose lot has no stored analysis is refused as well (import the analyses first), since
the online calculation and traceability would lack its chemistry; ``allow_pending_analyses``
imports such charges and lists their lots in the report (the laboratory's results may follow).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from greenmet.errors import FileFormatError, InputError, Location
from greenmet.ingest.files import _chunks
from greenmet.storage.furnace_metadata import read_furnace_metadata
from greenmet.storage.parts import furnace_directory
from greenmet.storage.plant_records import (
    KINDS,
    PLANT_RECORD_COLUMNS,
    PLANT_RECORD_SCHEMAS,
    empty_plant_records,
    read_plant_records,
    validate_plant_records,
    write_plant_records,
)

__all__ = ["PlantRecordsReport", "import_plant_records", "read_plant_records_file"]

_ROWS = 1_000_000


@dataclass
class PlantRecordsReport:
    """What :func:`import_plant_records` did."""

    kind: str
    file: str
    rows: int
    destination: str
    """The record file merged into."""
    lots_pending_analysis: list[str] = field(default_factory=list)
    """Lots of imported charges with no analysis yet (only with ``allow_pending_analyses``)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _time_zone(name: str | None, directory: Path) -> ZoneInfo | None:
    if name is None:
        stored = read_furnace_metadata(directory).get("time_zone")
        name = stored if isinstance(stored, str) else None
    if name is None:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError("unknown IANA time zone", field="time_zone", value=name,
                         fix="give a zone such as Asia/Shanghai or UTC") from exc


def _localise(frame: pd.DataFrame, column: str, zone: ZoneInfo | None, path: Path) -> pd.Series:
    """Cells of a time column as text with a zone: aware cells as they are, naive ones (text or
    Excel dates) read in ``zone``."""
    values = frame[column]
    out: list[str | None] = []
    for position, cell in enumerate(values.tolist()):
        blank = isinstance(cell, str) and not cell.strip()
        if cell is None or blank or (isinstance(cell, float) and pd.isna(cell)):
            out.append(None)
            continue
        try:
            stamp = pd.Timestamp(cell.strip() if isinstance(cell, str) else cell)
        except (ValueError, TypeError):
            out.append(str(cell))  # the validation names it as not a time
            continue
        if stamp.tzinfo is None:
            if zone is None:
                raise InputError(
                    "time without a time zone, and no plant time zone is known",
                    field=column, value=str(cell),
                    fix="give --time-zone (e.g. Asia/Shanghai), or write times with a zone (…Z, +08:00)",
                    location=Location(file=str(path), row=int(frame["_row"].iloc[position])),
                )
            try:
                stamp = stamp.tz_localize(zone, ambiguous="raise", nonexistent="raise")
            except (ValueError, TypeError) as exc:  # pytz-style AmbiguousTimeError is a ValueError
                raise InputError(
                    "local time repeated or skipped by a daylight-saving change",
                    field=column,
                    value=str(cell),
                    fix="write the time with its UTC offset",
                    location=Location(file=str(path), row=int(frame["_row"].iloc[position])),
                ) from exc
        out.append(stamp.isoformat())
    return pd.Series(out, index=values.index, dtype="object")


def read_plant_records_file(path: str | Path, kind: str, *, sheet: str | None = None,
                            time_zone: str | ZoneInfo | None = None) -> pd.DataFrame:
    """The rows of a CSV (``.csv``), Excel (``.xlsx``) or Parquet file of plant records of
    ``kind``, with the kind's columns (as read, not yet validated), naive times localised in
    ``time_zone``, and ``_row``, the row of the file (the header is row 1).

    Raises
    ------
    FileFormatError
        If the file does not parse, is empty or lacks a column.
    InputError
        A naive time without a time zone to read it in.
    """
    source = Path(path)
    if kind not in KINDS:
        empty_plant_records(kind)  # raises the designed error naming the kinds
    if not source.is_file():
        raise FileFormatError("no such file", field="file", value=str(source),
                              fix="give the path of a .csv or .xlsx file")
    parts = [
        chunk.assign(_row=range(first, first + len(chunk))) for first, chunk in _chunks(source, _ROWS, sheet)
    ]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    renamed = {column: str(column).strip().lower() for column in frame.columns if column != "_row"}
    frame = frame.rename(columns=renamed)
    schema = PLANT_RECORD_SCHEMAS[kind]
    nullable = {f.name for f in schema if f.nullable}
    missing = [c for c in PLANT_RECORD_COLUMNS[kind] if c not in frame.columns and c not in nullable]
    if missing:
        raise FileFormatError(
            f"the file lacks columns of {kind}",
            field="columns",
            value=missing,
            fix=f"give a header row with {', '.join(PLANT_RECORD_COLUMNS[kind])} "
                "(docs/dev/plant_data_contract.md)",
            location=Location(file=str(source), row=1),
        )
    if frame.empty:
        raise FileFormatError("the file has no rows", field="file", value=str(source),
                              fix="export the records with their header row and at least one row",
                              location=Location(file=str(source)))
    zone = ZoneInfo(time_zone) if isinstance(time_zone, str) else time_zone
    for f in schema:
        if f.name in frame.columns and str(f.type).startswith("timestamp"):
            frame[f.name] = _localise(frame, f.name, zone, source)
    return frame[[c for c in (*PLANT_RECORD_COLUMNS[kind], "_row") if c in frame.columns]]


def _lots_without_analysis(root: Path, site: str, furnace: str, charges: pd.DataFrame) -> list[str]:
    """Lots of ``charges`` without a stored analysis, in file order."""
    analysed = set(read_plant_records(root, site, furnace, "material_analyses")["lot_id"])
    return [str(lot) for lot in pd.unique(charges["lot_id"]) if lot not in analysed]


def import_plant_records(path: str | Path, kind: str, root: str | Path, site: str, furnace: str, *,
                         sheet: str | None = None, time_zone: str | None = None,
                         allow_pending_analyses: bool = False) -> PlantRecordsReport:
    """Validate a file of plant records of ``kind`` and merge it into the furnace's record file,
    all rows or none.

    Parameters
    ----------
    path
        ``.csv`` (UTF-8, header row), ``.xlsx`` or ``.parquet``.
    kind
        ``charges``, ``material_analyses``, ``cast_analyses`` or ``hot_metal_destinations``.
    root, site, furnace
        Historian root and the furnace's partition.
    sheet
        Sheet of a workbook (default: the first).
    time_zone
        IANA zone of times written without one (default: the furnace's stored zone).
    allow_pending_analyses
        Import charges whose lots have no analysis yet (listed in the report) instead of
        refusing the file.

    Raises
    ------
    FileFormatError
        The file does not parse or lacks columns.
    InputError, UnknownKeyError
        A bad row (see :func:`greenmet.storage.plant_records.validate_plant_records`), or charges
        whose lots have no analysis.
    StorageError
        The record file cannot be written.
    """
    source = Path(path)
    directory = furnace_directory(root, site, furnace)
    zone = _time_zone(time_zone, directory)
    frame = read_plant_records_file(source, kind, sheet=sheet, time_zone=zone)
    checked = validate_plant_records(kind, frame, source=str(source))
    pending: list[str] = []
    if kind == "charges":
        pending = _lots_without_analysis(Path(root), site, furnace, checked)
        if pending and not allow_pending_analyses:
            first = pending[0]
            row = int(frame["_row"].iloc[int((checked["lot_id"] == first).to_numpy().argmax())])
            raise InputError(
                f"{len(pending)} lot(s) charged without an analysis",
                field="lot_id",
                value=pending if len(pending) > 1 else first,
                fix="import their material analyses first (--kind material_analyses), or import the charges "
                    "with --allow-pending-analyses and the analyses when the laboratory reports them",
                location=Location(file=str(source), row=row),
            )
    destination = write_plant_records(directory, kind, checked)
    return PlantRecordsReport(kind=kind, file=str(source), rows=len(checked), destination=str(destination),
                              lots_pending_analysis=pending)
