"""Plant records beside the historian: charges, material analyses, cast analyses, hot-metal
destinations.

A plant's level-2 and laboratory systems report these as records, not as time series; greenmet
keeps them beside the furnace's historian partitions like ``_casts.parquet``, one Parquet file
per kind (``docs/dev/plant_data_contract.md``)::

    ROOT/site=<site>/furnace=<furnace>/_charges.parquet
    ROOT/site=<site>/furnace=<furnace>/_material_analyses.parquet
    ROOT/site=<site>/furnace=<furnace>/_cast_analyses.parquet
    ROOT/site=<site>/furnace=<furnace>/_hot_metal_destinations.parquet

Each file is replaced atomically (:mod:`greenmet.io.atomic`) under an exclusive lock on
``_plant_records.lock``, so two writers (the simulator serving live data and an import) never
lose each other's rows; rows with the key of an existing row replace it (a corrected analysis
replaces the first one). The simulator writes these files
(:mod:`greenmet.simulation.history`, :mod:`greenmet.simulation.opcua_server`) and
``greenmet ingest plant-records`` imports a plant's own (:mod:`greenmet.ingest.plant_records`);
both go through :func:`validate_plant_records`, so a file holds only valid rows.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from greenmet.errors import InputError, Location, StorageError, UnknownKeyError
from greenmet.io.atomic import atomic_path
from greenmet.refdata import load_table
from greenmet.storage.parts import furnace_directory
from greenmet.units import parse_unit

__all__ = [
    "CHARGED_MATERIALS",
    "INJECTED_MATERIALS",
    "KINDS",
    "MATERIALS",
    "PLANT_RECORD_COLUMNS",
    "PLANT_RECORD_KEYS",
    "PLANT_RECORD_SCHEMAS",
    "PLANT_RECORD_TIME_COLUMN",
    "SAMPLES",
    "VESSEL_KINDS",
    "PlantRecordKind",
    "empty_plant_records",
    "merge_records_file",
    "plant_records_path",
    "read_plant_records",
    "validate_plant_records",
    "write_plant_records",
]

_TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class PlantRecordKind:
    """One kind of plant record: its file, Arrow schema, key and time column."""

    name: str
    schema: pa.Schema
    key: tuple[str, ...]
    time_column: str

    @property
    def file_name(self) -> str:
        return f"_{self.name}.parquet"

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.schema.names)


def _schema(*fields: tuple[str, pa.DataType, bool]) -> pa.Schema:
    return pa.schema([pa.field(name, kind, nullable=nullable) for name, kind, nullable in fields])


_KINDS: dict[str, PlantRecordKind] = {
    "charges": PlantRecordKind(
        "charges",
        _schema(
            ("charge_id", pa.string(), False),
            ("batch_number", pa.int64(), False),
            ("charged_at", _TS, False),
            ("material", pa.string(), False),
            ("lot_id", pa.string(), False),
            ("mass_t", pa.float64(), False),
        ),
        ("charge_id", "batch_number"),
        "charged_at",
    ),
    "material_analyses": PlantRecordKind(
        "material_analyses",
        _schema(
            ("lot_id", pa.string(), False),
            ("material", pa.string(), False),
            ("sampled_at", _TS, False),
            ("component", pa.string(), False),
            ("value", pa.float64(), False),
            ("unit", pa.string(), False),
        ),
        ("lot_id", "material", "sampled_at", "component"),
        "sampled_at",
    ),
    "cast_analyses": PlantRecordKind(
        "cast_analyses",
        _schema(
            ("cast_id", pa.string(), False),
            ("sampled_at", _TS, False),
            ("sample", pa.string(), False),
            ("component", pa.string(), False),
            ("value", pa.float64(), False),
            ("unit", pa.string(), False),
        ),
        ("cast_id", "sample", "sampled_at", "component"),
        "sampled_at",
    ),
    "hot_metal_destinations": PlantRecordKind(
        "hot_metal_destinations",
        _schema(
            ("cast_id", pa.string(), False),
            ("vessel_id", pa.string(), False),
            ("vessel_kind", pa.string(), False),
            ("mass_t", pa.float64(), False),
            ("filled_at", _TS, False),
            ("steelmaking_heat_id", pa.string(), True),
            ("delivered_at", _TS, True),
        ),
        ("cast_id", "vessel_id", "filled_at"),
        "filled_at",
    ),
}

KINDS: tuple[str, ...] = tuple(_KINDS)
"""The kinds of plant record: ``charges``, ``material_analyses``, ``cast_analyses``,
``hot_metal_destinations``."""
PLANT_RECORD_SCHEMAS: dict[str, pa.Schema] = {name: kind.schema for name, kind in _KINDS.items()}
PLANT_RECORD_COLUMNS: dict[str, tuple[str, ...]] = {name: kind.columns for name, kind in _KINDS.items()}
PLANT_RECORD_KEYS: dict[str, tuple[str, ...]] = {name: kind.key for name, kind in _KINDS.items()}
PLANT_RECORD_TIME_COLUMN: dict[str, str] = {name: kind.time_column for name, kind in _KINDS.items()}

_DESCENT = load_table("burden_descent")
CHARGED_MATERIALS: tuple[str, ...] = tuple(_DESCENT.loc[_DESCENT["parameter"] == "bulk_density", "material"])
"""Materials a charge may hold: those with a bulk density in reference table ``burden_descent``
(sinter, pellet, lump_ore, coke, nut_coke, limestone, dolomite, quartzite, manganese_ore), so
that the descent of every charge can be computed (:mod:`greenmet.monitoring.traceability`)."""
INJECTED_MATERIALS: tuple[str, ...] = ("coal",)
"""Materials injected at the tuyeres: analysed, never charged."""
MATERIALS: tuple[str, ...] = (*CHARGED_MATERIALS, *INJECTED_MATERIALS)
"""Materials a material analysis may name."""
SAMPLES: tuple[str, ...] = ("hot_metal", "slag")
"""Samples of a cast analysis."""
VESSEL_KINDS: tuple[str, ...] = ("ladle", "torpedo")
"""Vessels hot metal is tapped into."""

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$")
_COMPONENT = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")
_LOCK_NAME = "_plant_records.lock"


def _kind(kind: str) -> PlantRecordKind:
    if kind not in _KINDS:
        raise UnknownKeyError(
            "no such kind of plant record", field="kind", value=kind, fix=f"use one of {', '.join(KINDS)}"
        )
    return _KINDS[kind]


def empty_plant_records(kind: str) -> pd.DataFrame:
    """An empty frame with the columns and dtypes of ``kind``."""
    return _kind(kind).schema.empty_table().to_pandas()


def plant_records_path(directory: str | Path, kind: str) -> Path:
    """``directory/_<kind>.parquet`` for a furnace directory ``ROOT/site=…/furnace=…``."""
    return Path(directory) / _kind(kind).file_name


def _row_location(frame: pd.DataFrame, position: int, source: str | None) -> Location:
    """Row of a frame as a person counts it: 1-based data row, header not counted, or the
    ``_row`` column an importer set (the row of the file)."""
    row = int(frame["_row"].iloc[position]) if "_row" in frame.columns else position + 1
    return Location(file=source, row=row)


def _first_bad(mask: np.ndarray) -> int | None:
    hits = np.flatnonzero(mask)
    return int(hits[0]) if hits.size else None


def _timestamps(frame: pd.DataFrame, column: str, *, required: bool, source: str | None) -> pd.Series:
    values = frame[column]
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        parsed = values.dt.tz_convert("UTC")
    else:
        text = values.astype("string")
        missing = text.isna() | (text.str.strip() == "")
        naive = ~missing & ~text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)\s*$", regex=True, na=False)
        if pd.api.types.is_datetime64_any_dtype(values) and len(values):
            naive = ~values.isna()
        parsed = pd.to_datetime(text.where(~missing), utc=True, errors="coerce", format="ISO8601")
        unparsed = ~missing & parsed.isna()
        where = _first_bad(unparsed.to_numpy(dtype=bool))
        if where is not None:
            raise InputError(
                "not a time",
                field=column,
                value=str(values.iloc[where]),
                fix="write an ISO 8601 time with a zone, e.g. 2026-01-01T08:00:00Z",
                location=_row_location(frame, where, source),
            )
        where = _first_bad(naive.to_numpy(dtype=bool))
        if where is not None:
            raise InputError(
                "time without a time zone",
                field=column,
                value=str(values.iloc[where]),
                fix="write times in UTC with a zone, e.g. 2026-01-01T08:00:00Z or 2026-01-01 16:00+08:00",
                location=_row_location(frame, where, source),
            )
    if required:
        where = _first_bad(parsed.isna().to_numpy(dtype=bool))
        if where is not None:
            raise InputError(
                "time missing",
                field=column,
                fix=f"every {column} needs a time",
                location=_row_location(frame, where, source),
            )
    return parsed.astype("datetime64[us, UTC]")


def _text(frame: pd.DataFrame, column: str, *, required: bool, pattern: re.Pattern[str] | None,
          allowed: tuple[str, ...] | None, source: str | None, what: str) -> pd.Series:
    values = frame[column].astype("string").str.strip()
    values = values.where(values != "")
    if required:
        where = _first_bad(values.isna().to_numpy(dtype=bool))
        if where is not None:
            raise InputError(
                f"{what} missing", field=column, fix=f"give every row a {column}",
                location=_row_location(frame, where, source),
            )
    present = values.notna().to_numpy(dtype=bool)
    if allowed is not None:
        bad = present & ~values.isin(allowed).to_numpy(dtype=bool)
        where = _first_bad(bad)
        if where is not None:
            raise UnknownKeyError(
                f"unknown {what}", field=column, value=str(values.iloc[where]),
                fix=f"use one of {', '.join(allowed)}", location=_row_location(frame, where, source),
            )
    if pattern is not None:
        bad = present & ~values.str.fullmatch(pattern.pattern).fillna(False).to_numpy(dtype=bool)
        where = _first_bad(bad)
        if where is not None:
            raise InputError(
                f"malformed {what}", field=column, value=str(values.iloc[where]),
                fix="use letters, digits and _ . : / - (an identifier starts with a letter or digit; "
                    "a component with a letter), at most 64 characters",
                location=_row_location(frame, where, source),
            )
    return values.astype(object).where(values.notna(), None)


def _numbers(frame: pd.DataFrame, column: str, *, source: str | None, minimum: float | None,
             what: str, fix: str) -> pd.Series:
    raw = frame[column]
    numbers = pd.to_numeric(raw, errors="coerce").astype("float64")
    blank = raw.isna() | (raw.astype("string").str.strip() == "")
    where = _first_bad(blank.to_numpy(dtype=bool))
    if where is not None:
        raise InputError(f"{what} missing", field=column, fix=fix,
                         location=_row_location(frame, where, source))
    bad = ~np.isfinite(numbers.to_numpy())
    where = _first_bad(bad)
    if where is not None:
        raise InputError(f"{what} is not a number", field=column, value=str(raw.iloc[where]), fix=fix,
                         location=_row_location(frame, where, source))
    if minimum is not None:
        where = _first_bad((numbers < minimum).to_numpy())
        if where is not None:
            raise InputError(f"negative {what}", field=column, value=float(numbers.iloc[where]), fix=fix,
                             location=_row_location(frame, where, source))
    return numbers


def _units(frame: pd.DataFrame, source: str | None) -> pd.Series:
    units = _text(frame, "unit", required=True, pattern=None, allowed=None, source=source, what="unit")
    for text in pd.unique(units):
        try:
            parse_unit(str(text), field="unit")
        except InputError as exc:
            where = int(np.flatnonzero((units == text).to_numpy())[0])
            raise type(exc)(
                "unit does not parse", field="unit", value=str(text),
                fix="write a unit such as '%', 'mg/kg', 'degC', 'dimensionless'",
                location=_row_location(frame, where, source),
            ) from exc
    return units


def validate_plant_records(kind: str, frame: pd.DataFrame, *, source: str | None = None) -> pd.DataFrame:
    """Check plant records of ``kind`` and return them with the columns and dtypes of the kind.

    Times become UTC timestamps (text must carry a zone); identifiers, materials, samples,
    vessel kinds and units are checked; masses must be non-negative; analyses need a value.
    Extra columns are dropped; the caller's frame is not changed.

    Parameters
    ----------
    kind
        One of :data:`KINDS`.
    frame
        The records; a column ``_row`` (the row in a file) is used in error locations.
    source
        The file the records came from, named in errors.

    Raises
    ------
    UnknownKeyError
        Unknown kind, material, sample or vessel kind.
    InputError
        A missing column or value, a time without zone, a negative mass, a malformed id,
        a duplicate key, an unparseable unit.
    """
    spec = _kind(kind)
    missing = [column for column in spec.columns if column not in frame.columns]
    nullable = {field.name for field in spec.schema if field.nullable}
    if [column for column in missing if column not in nullable]:
        raise InputError(
            f"{kind} records lack columns",
            field="columns",
            value=missing,
            fix=f"give the columns {', '.join(spec.columns)} (docs/dev/plant_data_contract.md)",
            location=Location(file=source) if source else None,
        )
    data = frame.copy()
    for column in missing:
        data[column] = None
    out: dict[str, pd.Series] = {}
    for field in spec.schema:
        name = field.name
        required = not field.nullable
        if pa.types.is_timestamp(field.type):
            out[name] = _timestamps(data, name, required=required, source=source)
        elif name == "material":
            allowed = CHARGED_MATERIALS if kind == "charges" else MATERIALS
            out[name] = _text(data, name, required=True, pattern=None, allowed=allowed, source=source,
                              what="material" if kind != "charges" else "charged material")
        elif name == "sample":
            out[name] = _text(data, name, required=True, pattern=None, allowed=SAMPLES, source=source,
                              what="sample")
        elif name == "vessel_kind":
            out[name] = _text(data, name, required=True, pattern=None, allowed=VESSEL_KINDS, source=source,
                              what="vessel kind")
        elif name == "component":
            out[name] = _text(data, name, required=True, pattern=_COMPONENT, allowed=None, source=source,
                              what="component")
        elif name == "unit":
            out[name] = _units(data, source)
        elif name == "mass_t":
            out[name] = _numbers(data, name, source=source, minimum=0.0, what="mass",
                                 fix="give the mass in tonnes, zero or more")
        elif name == "value":
            out[name] = _numbers(data, name, source=source, minimum=None, what="analysis value",
                                 fix="give every analysed component its value (leave out a component "
                                     "that was not analysed)")
        elif name == "batch_number":
            numbers = _numbers(data, name, source=source, minimum=1.0, what="batch number",
                               fix="number the batches of a charge 1, 2, 3 …")
            where = _first_bad((numbers != np.round(numbers)).to_numpy())
            if where is not None:
                raise InputError("batch number is not a whole number", field=name,
                                 value=float(numbers.iloc[where]), fix="number the batches 1, 2, 3 …",
                                 location=_row_location(data, where, source))
            out[name] = numbers.astype("int64")
        else:  # identifiers
            out[name] = _text(data, name, required=required, pattern=_ID, allowed=None, source=source,
                              what=name.replace("_", " "))
    result = pd.DataFrame(out, index=data.index).reset_index(drop=True)
    if kind == "hot_metal_destinations":
        late = (result["delivered_at"] < result["filled_at"]).to_numpy(dtype=bool)
        where = _first_bad(late)
        if where is not None:
            raise InputError("hot metal delivered before it was tapped", field="delivered_at",
                             value=str(result["delivered_at"].iloc[where]),
                             fix="delivered_at must be at or after filled_at",
                             location=_row_location(data, where, source))
    duplicated = result.duplicated(subset=list(spec.key), keep="first").to_numpy()  # the repeat
    where = _first_bad(duplicated)
    if where is not None:
        raise InputError(
            f"two rows with the same key ({', '.join(spec.key)})",
            field=", ".join(spec.key),
            value=[str(result[column].iloc[where]) for column in spec.key],
            fix="keep one row per key (a corrected value replaces the stored one when imported alone)",
            location=_row_location(data, where, source),
        )
    return result


def _table(kind: PlantRecordKind, frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame[list(kind.columns)], schema=kind.schema, preserve_index=False)


@contextlib.contextmanager
def _exclusive(directory: Path) -> Iterator[None]:
    """An exclusive lock on ``directory/_plant_records.lock`` while a file is merged."""
    handle = os.open(directory / _LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        os.close(handle)


def merge_records_file(path: Path, frame: pd.DataFrame, schema: pa.Schema | None, keys: list[str]) -> None:
    """Merge ``frame`` into the Parquet file ``path``: rows with a stored key replace the stored
    row, the result sorted by ``keys`` and written atomically under the directory's records lock
    (the simulator's ``_labels.parquet`` and ``_casts.parquet`` are merged the same way).

    Raises
    ------
    StorageError
        If the file cannot be read or written (the old file is then left as it was).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _exclusive(path.parent):
            if path.exists():
                old = pq.read_table(path).to_pandas()
                frame = pd.concat([old, frame], ignore_index=True) if len(old) else frame
            frame = frame.drop_duplicates(subset=keys, keep="last").sort_values(keys, kind="stable")
            table = pa.Table.from_pandas(frame.reset_index(drop=True), schema=schema, preserve_index=False)
            with atomic_path(path) as temporary:
                pq.write_table(table, temporary, compression="zstd")
    except (OSError, pa.ArrowException) as exc:
        raise StorageError(
            "cannot merge records beside the historian",
            field="path",
            value=str(path),
            fix="check free disk space and permissions; an unreadable file can be moved aside",
        ) from exc


def write_plant_records(directory: str | Path, kind: str, frame: pd.DataFrame, *,
                        source: str | None = None) -> Path:
    """Validate records of ``kind`` and merge them into ``directory/_<kind>.parquet``.

    ``directory`` is the furnace directory ``ROOT/site=<site>/furnace=<furnace>``
    (:func:`greenmet.storage.parts.furnace_directory`). All rows are written or none: a bad row
    raises before anything is written.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    InputError, UnknownKeyError
        See :func:`validate_plant_records`.
    StorageError
        If the file cannot be written.
    """
    spec = _kind(kind)
    checked = validate_plant_records(kind, frame, source=source)
    path = plant_records_path(directory, kind)
    merge_records_file(path, checked, spec.schema, list(spec.key))
    return path


def _instant(value: str | pd.Timestamp | None, name: str) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise InputError("not a time", field=name, value=str(value),
                         fix="give an ISO 8601 time with a zone, e.g. 2026-01-01T00:00:00Z") from exc
    if stamp.tzinfo is None:
        raise InputError("time without a time zone", field=name, value=str(value),
                         fix="give a UTC time such as 2026-01-01T00:00:00Z")
    return stamp.tz_convert("UTC")


def read_plant_records(root: str | Path, site: str, furnace: str, kind: str,
                       start: str | pd.Timestamp | None = None,
                       end: str | pd.Timestamp | None = None) -> pd.DataFrame:
    """Plant records of one kind of a furnace, optionally within ``[start, end)`` of their time
    column (``charged_at``, ``sampled_at``, ``sampled_at``, ``filled_at``).

    Parameters
    ----------
    root, site, furnace
        The historian root and the furnace's partition.
    kind
        One of :data:`KINDS`.
    start, end
        Aware instants (UTC or with an offset); None leaves that side open.

    Returns
    -------
    pandas.DataFrame
        The columns of the kind (:data:`PLANT_RECORD_COLUMNS`), sorted by the kind's key; empty
        with the same columns when the furnace has no such records.

    Raises
    ------
    UnknownKeyError
        Unknown kind.
    InputError
        A start or end without time zone.
    StorageError
        If the file exists but cannot be read.
    """
    spec = _kind(kind)
    first, last = _instant(start, "start"), _instant(end, "end")
    path = plant_records_path(furnace_directory(root, site, furnace), kind)
    if not path.exists():
        return empty_plant_records(kind)
    filters = []
    if first is not None:
        filters.append((spec.time_column, ">=", first.to_pydatetime()))
    if last is not None:
        filters.append((spec.time_column, "<", last.to_pydatetime()))
    try:
        table = pq.read_table(path, filters=filters or None, schema=spec.schema)
    except (OSError, pa.ArrowException) as exc:
        raise StorageError(
            f"cannot read the {kind} records",
            field="path",
            value=str(path),
            fix="move the damaged file aside and import or simulate the records again",
        ) from exc
    return table.to_pandas().reset_index(drop=True)
