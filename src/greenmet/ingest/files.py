"""Import CSV, Parquet and Excel exports of plant historians into the greenmet historian.

Two layouts are understood, detected from the header or given explicitly:

- **wide**: a timestamp column and one column per vendor tag (an empty cell is "no sample");
- **long**: one row per sample with a timestamp, a vendor-tag and a value column (and an
  optional quality/status column).

Every value goes through the mapping (:mod:`greenmet.ingest.mapping`): vendor tag → glossary
tag, linear scale/offset and unit conversion, plausible range, site and furnace. What is wrong
with a sample is kept and marked, never silently dropped, with the historian's quality codes
(OPC UA severity: 0 good, 64 uncertain, 128 bad):

============================================  ===========================================
condition                                     result
============================================  ===========================================
text that is not a number (``#N/A``, ``Bad``)  NaN, quality 128 (counted ``wrong_type``)
``NaN`` or, in the long layout, an empty value NaN, quality 128 (``missing``)
outside the mapping's range                   kept, quality 64 (``out_of_range``)
earlier than an earlier sample of the tag     kept, quality 64 (``out_of_order``): the
(a backwards clock jump, an unsorted file)    source clock is in doubt
the repeated hour of a DST change (naive      localised by file order (first pass daylight
timestamps)                                   time, second pass standard time), quality 64
                                              (``ambiguous_time``)
the same (tag, timestamp) twice, same value   one point kept (``duplicates_dropped``)
the same (tag, timestamp), another value      the last one kept, quality 64
                                              (``duplicates_conflicting``)
============================================  ===========================================

Rows that cannot become a point stop the import with an error naming the file, row and fix,
before anything of that chunk is written: an unparsable or missing timestamp, naive timestamps
without a time zone, a time that does not exist in the plant's zone (the skipped hour of a DST
change), a timestamp more than a day in the future (a forward clock jump).
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from greenmet.errors import FileFormatError, GreenmetError, InputError, Location, UnknownKeyError
from greenmet.ingest.mapping import TagMap, check_time_zone
from greenmet.quality import QUALITY_BAD, QUALITY_GOOD, QUALITY_UNCERTAIN
from greenmet.storage import Historian

__all__ = ["ImportReport", "detect_layout", "import_file", "read_points"]

logger = logging.getLogger(__name__)

Layout = Literal["auto", "wide", "long"]
ProgressCallback = Callable[[int, int | None], None]

_TIME_NAMES = ("ts", "timestamp", "time", "datetime", "date_time", "time_stamp", "date", "时间", "时间戳")
_TAG_NAMES = (
    "tag",
    "tagname",
    "tag_name",
    "vendor_tag",
    "name",
    "point",
    "pointname",
    "point_name",
    "位号",
    "点名",
)
_VALUE_NAMES = ("value", "val", "pv", "数值", "值")
_QUALITY_NAMES = ("quality", "status", "qualitycode", "quality_code", "质量")
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$", re.IGNORECASE)
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_FUTURE_TOLERANCE = pd.Timedelta(days=1)
HISTORIAN_EARLIEST: dt.datetime | None = inspect.signature(Historian).parameters["earliest"].default
"""The historian's own lower bound on timestamps (a source clock reset to 1900 or 1970 is refused)."""


@dataclass
class ImportReport:
    """What an import read, wrote and marked (counts are numbers of points unless said)."""

    file: str
    layout: str
    rows_read: int = 0
    points_written: int = 0
    points_bad: int = 0
    points_uncertain: int = 0
    wrong_type: int = 0
    missing: int = 0
    out_of_range: int = 0
    out_of_order: int = 0
    ambiguous_time: int = 0
    duplicates_dropped: int = 0
    duplicates_conflicting: int = 0
    empty_cells: int = 0
    unmapped: list[str] = field(default_factory=list)
    destinations: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready fields."""
        return asdict(self)


def _normal(name: Any) -> str:
    return str(name).strip().lower().replace(" ", "_")


def _find(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    by_normal = {_normal(c): c for c in columns}
    for candidate in candidates:
        if candidate in by_normal:
            return by_normal[candidate]
    return None


def detect_layout(columns: list[str], mapping: TagMap) -> Literal["wide", "long"]:
    """``"long"`` when the header has a tag and a value column and no mapped vendor tag, else ``"wide"``."""
    names = [str(c) for c in columns]
    if any(name in mapping for name in names):
        return "wide"
    if _find(names, _TAG_NAMES) and _find(names, _VALUE_NAMES):
        return "long"
    return "wide"


# ---------------------------------------------------------------------------------------------
# readers: each yields (first data row number as a person counts it, chunk of raw cells)
# ---------------------------------------------------------------------------------------------
def _csv_chunks(path: Path, rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    try:
        reader = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            chunksize=rows,
            encoding="utf-8-sig",
            skipinitialspace=True,
        )
        line = 2  # the header is line 1
        for chunk in reader:
            yield line, chunk
            line += len(chunk)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise FileFormatError(
            f"the CSV file does not parse ({str(exc).strip()})",
            field="file",
            value=str(path),
            fix="export it as comma-separated UTF-8 text with a header row",
            location=Location(file=str(path)),
        ) from None


def _parquet_chunks(path: Path, rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        row = 1
        for batch in parquet.iter_batches(batch_size=rows):
            frame = pa.Table.from_batches([batch]).to_pandas()
            yield row, frame
            row += len(frame)
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileFormatError(
            f"the Parquet file does not read ({exc})",
            field="file",
            value=str(path),
            fix="check that the file is a complete Parquet file",
            location=Location(file=str(path)),
        ) from None


def _excel_chunks(path: Path, rows: int, sheet: str | int | None) -> Iterator[tuple[int, pd.DataFrame]]:
    # Open the workbook first, so that a file that is not a workbook is not blamed on --sheet.
    try:
        workbook = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # openpyxl raises zipfile, XML and key errors for a broken file
        raise FileFormatError(
            f"the file is not a readable Excel workbook ({type(exc).__name__}: {exc})",
            field="file",
            value=str(path),
            fix="open it in Excel or WPS and save it again as .xlsx, or export the data as CSV",
            location=Location(file=str(path)),
        ) from None
    with workbook:
        names = [str(name) for name in workbook.sheet_names]
        if isinstance(sheet, str) and sheet not in names:
            raise FileFormatError(
                "no such sheet in the workbook",
                field="sheet",
                value=sheet,
                fix=f"give one of the sheets with --sheet: {', '.join(names)}",
                location=Location(file=str(path)),
            )
        if isinstance(sheet, int) and not 0 <= sheet < len(names):
            raise FileFormatError(
                "no such sheet number in the workbook",
                field="sheet",
                value=sheet,
                fix=f"the workbook has {len(names)} sheets ({', '.join(names)}); give a name with --sheet",
                location=Location(file=str(path)),
            )
        frame = pd.read_excel(workbook, sheet_name=0 if sheet is None else sheet, dtype=object)
    for start in range(0, len(frame), rows):
        yield start + 2, frame.iloc[start : start + rows]


def _chunks(path: Path, rows: int, sheet: str | int | None) -> Iterator[tuple[int, pd.DataFrame]]:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return _csv_chunks(path, rows)
    if suffix in (".parquet", ".pq"):
        return _parquet_chunks(path, rows)
    if suffix in (".xlsx", ".xlsm"):
        return _excel_chunks(path, rows, sheet)
    raise FileFormatError(
        "unknown export type",
        field="file",
        value=path.suffix,
        fix="give a .csv, .parquet or .xlsx file",
        location=Location(file=str(path)),
    )


def _total_rows(path: Path) -> int | None:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        try:
            return int(pq.ParquetFile(path).metadata.num_rows)
        except Exception:  # the reader reports the error with a row
            return None
    return None


# ---------------------------------------------------------------------------------------------
# timestamps
# ---------------------------------------------------------------------------------------------
@dataclass
class _State:
    """What an import remembers between chunks, per vendor tag / glossary tag."""

    naive_max: dict[str, pd.Timestamp] = field(default_factory=dict)
    utc_max: dict[str, int] = field(default_factory=dict)
    last_value: dict[str, float] = field(default_factory=dict)


def _row_error(path: Path, row: int, problem: str, column: str, value: Any, fix: str) -> FileFormatError:
    return FileFormatError(
        problem, field=column, value=value, fix=fix, location=Location(file=str(path), row=row)
    )


def _parse_times(
    raw: pd.Series,
    rows: np.ndarray,
    keys: np.ndarray,
    *,
    path: Path,
    column: str,
    time_zone: str | None,
    state: _State,
) -> tuple[np.ndarray, np.ndarray]:
    """UTC timestamps (int64 µs) and the ambiguous-time mask of raw time cells.

    Naive times are localised in ``time_zone``; the latest naive time per key is remembered in
    ``state`` so that the repeated hour of a DST change is recognised across chunks.
    """
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        parsed = raw.dt.tz_convert("UTC")
        aware = True
    elif pd.api.types.is_datetime64_dtype(raw.dtype):
        parsed, aware = raw, False
    else:
        if pd.api.types.is_numeric_dtype(raw.dtype):
            raise _row_error(
                path,
                int(rows[0]),
                "timestamps are numbers",
                column,
                raw.iloc[0],
                "export timestamps as dates and times (ISO 8601, e.g. 2025-03-01 08:00:00)",
            )
        text = raw.astype("string").str.strip()
        numeric = text.str.fullmatch(_NUMBER, na=False).to_numpy(dtype=bool)
        if numeric.any():
            # pandas reads "1150" as the year 1150 and "45321.5" as garbage: a number is never a time here.
            where = int(np.flatnonzero(numeric)[0])
            raise _row_error(
                path,
                int(rows[where]),
                "the time column holds numbers, not dates and times",
                column,
                text.iloc[where],
                "export timestamps as dates and times (ISO 8601, e.g. 2025-03-01 08:00:00), or name "
                "the timestamp column with --time-column",
            )
        has_offset = text.str.contains(_OFFSET, na=False).to_numpy()
        if has_offset.any() and not has_offset[text.notna().to_numpy()].all():
            where = int(np.flatnonzero(~has_offset & text.notna().to_numpy())[0])
            raise _row_error(
                path,
                int(rows[where]),
                "some timestamps carry a UTC offset and some do not",
                column,
                text.iloc[where],
                "export all timestamps the same way (with offsets, or all local)",
            )
        aware = bool(has_offset.any())
        try:
            parsed = pd.to_datetime(text, errors="coerce", utc=aware, format="mixed")
        except (ValueError, TypeError) as exc:
            raise _row_error(
                path,
                int(rows[0]),
                f"timestamps do not parse ({exc})",
                column,
                text.iloc[0],
                "export timestamps in ISO 8601 (2025-03-01 08:00:00)",
            ) from None
    missing = parsed.isna().to_numpy()
    if missing.any():
        where = int(np.flatnonzero(missing)[0])
        raise _row_error(
            path,
            int(rows[where]),
            "missing or unparsable timestamp",
            column,
            raw.iloc[where],
            "give every row a date and time (ISO 8601, e.g. 2025-03-01 08:00:00), or delete the row",
        )
    ambiguous = np.zeros(len(parsed), dtype=bool)
    if not aware:
        if time_zone is None:
            raise _row_error(
                path,
                int(rows[0]),
                "timestamps have no time zone",
                column,
                str(parsed.iloc[0]),
                "give the plant's time zone (--time-zone Asia/Shanghai, or time_zone in the "
                "mapping file); use UTC if the export is in UTC",
            )
        naive = pd.Series(parsed.to_numpy(), index=raw.index)
        parsed, ambiguous = _localise(
            naive, rows, keys, path=path, column=column, time_zone=time_zone, state=state
        )
        _remember_naive(naive, keys, state)
    values = pd.DatetimeIndex(parsed).as_unit("us").tz_convert("UTC").asi8
    return values, ambiguous


def _localise(
    naive: pd.Series,
    rows: np.ndarray,
    keys: np.ndarray,
    *,
    path: Path,
    column: str,
    time_zone: str,
    state: _State,
) -> tuple[pd.Series, np.ndarray]:
    """Localise naive times; ambiguous ones by file order (first pass DST, the repeat standard time)."""
    index = pd.DatetimeIndex(naive)
    try:
        return pd.Series(index.tz_localize(time_zone, ambiguous="raise", nonexistent="raise")), np.zeros(
            len(index), dtype=bool
        )
    except (ValueError, TypeError):
        pass  # pytz/zoneinfo errors are ValueError subclasses; handled below row by row
    nonexistent = np.asarray(
        index.tz_localize(time_zone, ambiguous="NaT", nonexistent="NaT").isna()
    ) & ~np.asarray(index.tz_localize(time_zone, ambiguous="NaT", nonexistent="shift_forward").isna())
    if nonexistent.any():
        where = int(np.flatnonzero(nonexistent)[0])
        raise _row_error(
            path,
            int(rows[where]),
            f"this local time does not exist in {time_zone} (the clock "
            "jumped forward for daylight saving time)",
            column,
            str(index[where]),
            "check the export: the source clock or its time zone is wrong; export in UTC if you can",
        )
    ambiguous = index.tz_localize(time_zone, ambiguous="NaT", nonexistent="raise").isna()
    is_dst = np.ones(len(index), dtype=bool)
    values = index.as_unit("ns").asi8
    for key in pd.unique(keys[ambiguous]):
        # Order by file row: in a wide file all cells of a row share its time, so "earlier" means
        # an earlier row, whichever column the cell is in.
        positions = np.flatnonzero(keys == key)
        unique_rows, first, inverse = np.unique(rows[positions], return_index=True, return_inverse=True)
        row_times = values[positions][first]
        seen = state.naive_max.get(str(key))
        before_rows = np.empty(len(unique_rows), dtype=np.int64)
        before_rows[0] = np.iinfo(np.int64).min if seen is None else seen.value
        before_rows[1:] = np.maximum(np.maximum.accumulate(row_times)[:-1], before_rows[0])
        is_dst[positions] = ~(before_rows[inverse] >= values[positions])
    localised = index.tz_localize(time_zone, ambiguous=is_dst, nonexistent="raise")
    return pd.Series(localised), np.asarray(ambiguous)


def _remember_naive(naive: pd.Series, keys: np.ndarray, state: _State) -> None:
    frame = pd.DataFrame({"key": keys, "ts": naive.to_numpy()})
    for key, latest in frame.groupby("key", sort=False)["ts"].max().items():
        old = state.naive_max.get(str(key))
        state.naive_max[str(key)] = latest if old is None or latest > old else old


# ---------------------------------------------------------------------------------------------
# values and flags
# ---------------------------------------------------------------------------------------------
def _parse_values(raw: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Numbers, the wrong-type mask and the missing mask of raw value cells."""
    if pd.api.types.is_bool_dtype(raw.dtype) or pd.api.types.is_numeric_dtype(raw.dtype):
        values = raw.to_numpy(dtype="float64", na_value=np.nan)
        return values, np.zeros(len(values), dtype=bool), np.isnan(values)
    # Text (CSV) or mixed cells (Excel): numbers as text parse, anything else is the wrong type.
    # Thousands separators are not removed: "1,5" may be a decimal comma, so it is refused, not misread.
    text = raw.astype("string").str.strip()
    empty = (text.isna() | (text == "")).to_numpy(dtype=bool)
    numbers = pd.to_numeric(text.mask(text == ""), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    nan_text = text.str.lower().isin(["nan", "-nan", "+nan"]).to_numpy(dtype=bool)
    wrong = np.isnan(numbers) & ~empty & ~nan_text
    missing = np.isnan(numbers) & ~wrong
    return numbers, wrong, missing


def _parse_quality(raw: pd.Series) -> np.ndarray:
    """Source quality: OPC UA status codes (32-bit or already shifted) or good/uncertain/bad text."""
    if pd.api.types.is_numeric_dtype(raw.dtype):
        codes = raw.fillna(0).to_numpy(dtype="int64")
        severity = np.where(codes > 255, (codes >> 24) & 0xC0, codes & 0xC0)
        return np.where(severity >= QUALITY_BAD, QUALITY_BAD, severity).astype(np.uint8)
    text = raw.astype("string").str.strip().str.lower().fillna("good")
    codes = np.full(len(text), QUALITY_GOOD, dtype=np.uint8)
    codes[text.str.startswith("uncertain").to_numpy(dtype=bool)] = QUALITY_UNCERTAIN
    codes[text.str.startswith("bad").to_numpy(dtype=bool)] = QUALITY_BAD
    return codes


# ---------------------------------------------------------------------------------------------
# the import
# ---------------------------------------------------------------------------------------------
def _long_cells(
    chunk: pd.DataFrame,
    first_row: int,
    layout: str,
    *,
    time_column: str,
    tag_column: str | None,
    value_column: str | None,
    quality_column: str | None,
    value_columns: list[str],
    report: ImportReport,
) -> pd.DataFrame:
    rows = np.arange(first_row, first_row + len(chunk))
    if layout == "long":
        cells = pd.DataFrame(
            {
                "row": rows,
                "time": chunk[time_column].to_numpy(),
                "vendor": chunk[str(tag_column)].astype(str).to_numpy(),
                "sequence": chunk[str(tag_column)].astype(str).to_numpy(),
                "raw": chunk[str(value_column)].to_numpy(),
            }
        )
        if quality_column is not None:
            cells["source_quality"] = _parse_quality(chunk[quality_column])
        return cells
    frames = []
    for column in value_columns:
        values = chunk[column]
        present = values.notna().to_numpy(dtype=bool, copy=True)
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            blank = values.astype("string").str.strip() == ""
            present &= ~blank.fillna(False).to_numpy(dtype=bool)
        report.empty_cells += int((~present).sum())
        frames.append(
            pd.DataFrame(
                {
                    "row": rows[present],
                    "time": chunk[time_column].to_numpy()[present],
                    "vendor": column,
                    "sequence": "",
                    "raw": values.to_numpy()[present],
                }
            )
        )
    if not frames:
        return pd.DataFrame({"row": [], "time": [], "vendor": [], "sequence": [], "raw": []})
    return pd.concat(frames, ignore_index=True)


def _first_time_like(chunk: pd.DataFrame, mapping: TagMap, path: Path) -> str:
    """The first column when it holds times; otherwise refuse: the file has no time column we can see."""
    first = str(chunk.columns[0])
    cells = chunk.iloc[:, 0].dropna()
    text = cells.astype("string").str.strip()
    looks_like_time = pd.api.types.is_datetime64_any_dtype(cells.dtype) or (
        len(text) > 0 and bool(text.str.contains(r"[-/:年T]", regex=True).all())
    )
    if first in mapping or not looks_like_time:
        raise FileFormatError(
            "no time column: no column is named like a timestamp and the first column "
            f"({first!r}) does not hold dates and times",
            field="time_column",
            value=first,
            fix="add a timestamp column to the export, or name it with --time-column "
            f"(columns: {', '.join(str(c) for c in chunk.columns[:12])})",
            location=Location(file=str(path), row=1),
        )
    return first


def read_points(
    path: str | Path,
    mapping: TagMap,
    *,
    layout: Layout = "auto",
    time_column: str | None = None,
    tag_column: str | None = None,
    value_column: str | None = None,
    time_zone: str | None = None,
    sheet: str | int | None = None,
    chunk_rows: int = 200_000,
    strict: bool = False,
    earliest: dt.datetime | None = HISTORIAN_EARLIEST,
    report: ImportReport | None = None,
    on_progress: ProgressCallback | None = None,
) -> Iterator[dict[tuple[str, str], pd.DataFrame]]:
    """Read an export chunk by chunk and yield historian points per (site, furnace).

    Parameters are those of :func:`import_file` (without the historian); ``report`` is filled
    as the chunks are read. Each yielded dict maps ``(site, furnace)`` to a DataFrame with the
    historian's columns ``ts`` (UTC), ``tag``, ``value`` (glossary unit) and ``quality``.
    """
    path = Path(path)
    if not path.exists():
        raise FileFormatError("file not found", field="file", value=str(path), fix="check the path")
    zone = time_zone or mapping.time_zone
    if zone is not None:
        check_time_zone(zone)
    report = report if report is not None else ImportReport(file=str(path), layout=layout)
    state = _State()
    total = _total_rows(path)
    done = 0
    chosen: str | None = None
    unmapped: dict[str, None] = {}
    for first_row, chunk in _chunks(path, chunk_rows, sheet):
        columns = [str(c) for c in chunk.columns]
        chunk.columns = columns
        if chosen is None:
            chosen = detect_layout(columns, mapping) if layout == "auto" else layout
            if chosen not in ("wide", "long"):
                raise InputError("unknown layout", field="layout", value=layout, fix="use auto, wide or long")
            report.layout = chosen
            time_column = time_column or _find(columns, _TIME_NAMES) or _first_time_like(chunk, mapping, path)
            if time_column not in columns:
                raise FileFormatError(
                    "no such time column",
                    field="time_column",
                    value=time_column,
                    fix=f"use one of {', '.join(columns)}",
                    location=Location(file=str(path), row=1),
                )
            quality_column = None
            if chosen == "long":
                tag_column = tag_column or _find(columns, _TAG_NAMES)
                value_column = value_column or _find(columns, _VALUE_NAMES)
                for name, given in (("tag_column", tag_column), ("value_column", value_column)):
                    if given is None or given not in columns:
                        raise FileFormatError(
                            f"a long export needs a {name.split('_')[0]} column",
                            field=name,
                            value=given,
                            fix=f"name it with --{name.replace('_', '-')} (columns: {', '.join(columns)})",
                            location=Location(file=str(path), row=1),
                        )
                quality_column = _find(
                    [c for c in columns if c not in (tag_column, value_column)], _QUALITY_NAMES
                )
                value_columns: list[str] = []
            else:
                value_columns = [c for c in columns if c != time_column and c in mapping]
                for c in columns:
                    if c != time_column and c not in mapping:
                        unmapped[c] = None
                if not value_columns:
                    raise UnknownKeyError(
                        "no column of the file is a vendor tag of the mapping",
                        field="columns",
                        value=columns[:10],
                        fix="check the mapping file's vendor_tag column, or "
                        "give --layout long for a file with tag and value columns",
                        location=Location(file=str(path), row=1),
                    )
        report.rows_read += len(chunk)
        cells = _long_cells(
            chunk,
            first_row,
            chosen,
            time_column=str(time_column),
            tag_column=tag_column,
            value_column=value_column,
            quality_column=quality_column,
            value_columns=value_columns,
            report=report,
        )
        if chosen == "long" and len(cells):
            known = cells["vendor"].map(lambda v: v in mapping).to_numpy(dtype=bool)
            for vendor in pd.unique(cells["vendor"].to_numpy()[~known]):
                unmapped[str(vendor)] = None
            cells = cells[known].reset_index(drop=True)
        if strict and unmapped:
            raise UnknownKeyError(
                "vendor tags in the file are not in the mapping",
                field="vendor_tag",
                value=sorted(unmapped)[:10],
                fix="add them to the mapping, or import without --strict to skip them",
                location=Location(file=str(path)),
            )
        if len(cells):
            yield _points(
                cells,
                mapping,
                path=path,
                time_column=str(time_column),
                zone=zone,
                state=state,
                report=report,
                earliest=earliest,
            )
        done += len(chunk)
        if on_progress is not None:
            on_progress(done, total)
    if chosen is None or report.rows_read == 0:
        raise FileFormatError(
            "the file has no data rows",
            field="file",
            value=str(path),
            fix="export at least one row below the header",
            location=Location(file=str(path)),
        )
    report.unmapped = sorted(unmapped)


def _points(
    cells: pd.DataFrame,
    mapping: TagMap,
    *,
    path: Path,
    time_column: str,
    zone: str | None,
    state: _State,
    report: ImportReport,
    earliest: dt.datetime | None,
) -> dict[tuple[str, str], pd.DataFrame]:
    rows = cells["row"].to_numpy()
    vendors = cells["vendor"].to_numpy()
    raw_time = pd.Series(cells["time"].to_numpy())
    if raw_time.dtype == object:
        inferred = pd.api.types.infer_dtype(raw_time, skipna=True)
        if inferred in ("datetime", "datetime64"):
            raw_time = pd.Series(pd.to_datetime(raw_time, errors="coerce", utc=_all_aware(raw_time)))
    ts, ambiguous = _parse_times(
        raw_time,
        rows,
        cells["sequence"].to_numpy(),
        path=path,
        column=time_column,
        time_zone=zone,
        state=state,
    )
    limit = int((pd.Timestamp.now(tz="UTC") + _FUTURE_TOLERANCE).timestamp() * 1e6)
    future = ts > limit
    if future.any():
        where = int(np.flatnonzero(future)[0])
        raise _row_error(
            path,
            int(rows[where]),
            "timestamp more than a day in the future: the source clock "
            "jumped forward, or the time zone is wrong",
            time_column,
            str(pd.Timestamp(ts[where], unit="us", tz="UTC")),
            "correct the export's clock or give the right --time-zone",
        )
    if earliest is not None:
        early = ts < int(earliest.timestamp() * 1e6)
        if early.any():
            where = int(np.flatnonzero(early)[0])
            raise _row_error(
                path,
                int(rows[where]),
                f"timestamp before {earliest:%Y-%m-%d}: the source clock was reset, or the column is "
                "not the timestamp",
                time_column,
                str(pd.Timestamp(ts[where], unit="us", tz="UTC")),
                "correct the export's clock; for an older archive give --earliest with a date before "
                "its first sample",
            )
    values, wrong, missing = _parse_values(cells["raw"])
    quality = np.where(wrong | missing, QUALITY_BAD, QUALITY_GOOD).astype(np.uint8)
    if "source_quality" in cells:
        quality = np.maximum(quality, cells["source_quality"].to_numpy(dtype=np.uint8))
    report.wrong_type += int(wrong.sum())
    report.missing += int(missing.sum())
    report.ambiguous_time += int(ambiguous.sum())

    table = mapping.to_frame().set_index("vendor_tag")
    target = table.loc[vendors]
    glossary = target["factor"].to_numpy() * values + target["shift"].to_numpy()
    low = target["low"].to_numpy(dtype="float64", na_value=np.nan)
    high = target["high"].to_numpy(dtype="float64", na_value=np.nan)
    with np.errstate(invalid="ignore"):
        out_of_range = (glossary < np.where(np.isnan(low), -np.inf, low)) | (
            glossary > np.where(np.isnan(high), np.inf, high)
        )
    report.out_of_range += int(out_of_range.sum())
    frame = pd.DataFrame(
        {
            "order": np.arange(len(ts)),
            "site": target["site"].to_numpy(),
            "furnace": target["furnace"].to_numpy(),
            "tag": target["tag"].to_numpy(),
            "ts": ts,
            "value": glossary,
            "quality": quality,
            "uncertain": out_of_range | ambiguous,
        }
    )
    frame = _order_and_duplicates(frame, state, report)
    frame["quality"] = np.where(
        frame["uncertain"].to_numpy() & (frame["quality"].to_numpy() < QUALITY_BAD),
        QUALITY_UNCERTAIN,
        frame["quality"].to_numpy(),
    ).astype(np.uint8)
    report.points_bad += int((frame["quality"] == QUALITY_BAD).sum())
    report.points_uncertain += int((frame["quality"] == QUALITY_UNCERTAIN).sum())
    result = {}
    for (site, furnace), group in frame.groupby(["site", "furnace"], sort=False):
        points = pd.DataFrame(
            {
                "ts": pd.to_datetime(group["ts"].to_numpy(), unit="us", utc=True),
                "tag": group["tag"].to_numpy(dtype=object),
                "value": group["value"].to_numpy(dtype="float64"),
                "quality": group["quality"].to_numpy(dtype=np.uint8),
            }
        )
        result[(str(site), str(furnace))] = points
    return result


def _all_aware(values: pd.Series) -> bool:
    return bool(values.map(lambda v: getattr(v, "tzinfo", None) is not None).all())


def _order_and_duplicates(frame: pd.DataFrame, state: _State, report: ImportReport) -> pd.DataFrame:
    """Mark samples earlier than an earlier sample of their tag; fold duplicated (tag, ts)."""
    key = frame["site"].astype(str) + "/" + frame["furnace"].astype(str) + "/" + frame["tag"].astype(str)
    frame = frame.assign(key=key.to_numpy())
    out_of_order = np.zeros(len(frame), dtype=bool)
    repeat_same = np.zeros(len(frame), dtype=bool)
    repeat_other = np.zeros(len(frame), dtype=bool)
    all_ts = frame["ts"].to_numpy()
    all_values = frame["value"].to_numpy()
    for group_key, positions in frame.groupby("key", sort=False).indices.items():
        name = str(group_key)
        ts = all_ts[positions]
        values = all_values[positions]
        running = np.maximum.accumulate(ts)
        previous_max = state.utc_max.get(name)
        before = np.empty(len(ts), dtype=np.int64)
        before[0] = np.iinfo(np.int64).min if previous_max is None else previous_max
        before[1:] = np.maximum(running[:-1], before[0])
        out_of_order[positions] = ts < before
        if previous_max is not None:
            # The last sample of the previous chunk sent again (a chunk boundary of an export that
            # repeats its last row): same value is a duplicate, another value a conflict.
            repeat = ts == previous_max
            same = np.isclose(values, state.last_value.get(name, np.nan), rtol=0, atol=0, equal_nan=True)
            repeat_same[positions] = repeat & same
            repeat_other[positions] = repeat & ~same
        latest = int(max(before[0], running[-1]))
        at_latest = np.flatnonzero(ts == latest)
        if len(at_latest):
            state.last_value[name] = float(values[at_latest[-1]])
        state.utc_max[name] = latest
    report.out_of_order += int(out_of_order.sum())
    report.duplicates_dropped += int(repeat_same.sum())
    report.duplicates_conflicting += int(repeat_other.sum())
    frame["uncertain"] = frame["uncertain"].to_numpy() | out_of_order | repeat_other
    frame = frame[~repeat_same]
    # Duplicated (tag, ts) within the chunk: equal values fold silently, different ones keep the last.
    duplicated = frame.duplicated(["key", "ts"], keep=False).to_numpy()
    if duplicated.any():
        dupes = frame[duplicated]
        grouped = dupes.groupby(["key", "ts"], sort=False)["value"]
        conflicting = grouped.transform(lambda v: v.nunique(dropna=False) > 1).to_numpy(dtype=bool)
        keep_last = ~dupes.duplicated(["key", "ts"], keep="last").to_numpy()
        report.duplicates_dropped += int((~keep_last & ~conflicting).sum())
        report.duplicates_conflicting += int((~keep_last & conflicting).sum())
        drop_index = dupes.index[~keep_last]
        mark_index = dupes.index[keep_last & conflicting]
        frame.loc[mark_index, "uncertain"] = True
        frame = frame.drop(index=drop_index)
    return frame.drop(columns="key")


def _spool_directory(root: Path) -> tempfile.TemporaryDirectory[str]:
    """A temporary directory beside the historian (its disk, not a small /tmp), else the system's."""
    try:
        return tempfile.TemporaryDirectory(prefix=".greenmet-import-", dir=root.parent)
    except OSError:
        return tempfile.TemporaryDirectory(prefix="greenmet-import-")


def _spool(
    spooled: list[tuple[tuple[str, str], Path]],
    spool_dir: str,
    batches: Iterator[dict[tuple[str, str], pd.DataFrame]],
) -> None:
    """Write each batch's points to an Arrow file in ``spool_dir``, remembering their destination."""
    import pyarrow as pa

    for batch in batches:
        for destination, points in batch.items():
            spool = Path(spool_dir) / f"{len(spooled):06d}.arrow"
            table = pa.Table.from_pandas(points, preserve_index=False)
            with pa.OSFile(str(spool), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            spooled.append((destination, spool))


def import_file(
    path: str | Path,
    mapping: TagMap,
    historian_root: str | Path,
    *,
    layout: Layout = "auto",
    time_column: str | None = None,
    tag_column: str | None = None,
    value_column: str | None = None,
    time_zone: str | None = None,
    sheet: str | int | None = None,
    chunk_rows: int = 200_000,
    strict: bool = False,
    earliest: dt.datetime | None = HISTORIAN_EARLIEST,
    on_progress: ProgressCallback | None = None,
    historian_options: dict[str, Any] | None = None,
) -> ImportReport:
    """Import a CSV, Parquet or Excel export into the historian, through a mapping: all or nothing.

    The whole file is read and checked first, its points spooled to a temporary Arrow file beside
    the historian; only when every row has become a point are they written. A bad row anywhere
    (the 300,002nd as much as the 2nd) therefore stores nothing and creates no historian
    directory, and the error names the file, the row and the fix. Writing is idempotent (the
    historian keeps one point per tag and timestamp), so an import interrupted while writing is
    completed by running it again.

    Parameters
    ----------
    path
        The export: ``.csv``, ``.parquet`` or ``.xlsx``.
    mapping
        The validated mapping (:func:`greenmet.ingest.mapping.load_mapping`).
    historian_root
        Root directory of the historian; one :class:`~greenmet.storage.Historian` is opened per
        (site, furnace) of the mapping that the file feeds.
    layout
        ``"auto"`` (detect), ``"wide"`` or ``"long"``.
    time_column, tag_column, value_column
        Column names; detected from common names (``timestamp``, ``tag``, ``value`` …) when None.
    time_zone
        IANA zone of naive timestamps (the mapping's ``time_zone`` when None). Timestamps with a
        UTC offset need none.
    sheet
        Sheet of an Excel workbook (the first when None).
    chunk_rows
        Rows read at a time. [dimensionless]
    strict
        Refuse vendor tags that are not in the mapping instead of skipping them.
    earliest
        Timestamps before this instant are refused as a reset source clock (the historian's
        default, 2000-01-01 UTC); give an earlier one for old archives, ``None`` for no bound.
    on_progress
        Called with (rows read, total rows or None) after each chunk (the CLI draws a bar).
    historian_options
        Keyword arguments for each :class:`~greenmet.storage.Historian` (``time_zone`` …).

    Returns
    -------
    ImportReport
        Counts of what was read, written and marked. ``points_written`` counts acknowledged
        points: they are in the historian's write-ahead log when this returns.

    Raises
    ------
    FileFormatError
        For a file that does not parse and for rows that cannot become points (see the module
        documentation); nothing of the file is written.
    UnknownKeyError
        When no column is a mapped vendor tag, or with ``strict`` for unmapped vendor tags.
    """
    import pyarrow as pa

    path = Path(path)
    root = Path(historian_root)
    report = ImportReport(file=str(path), layout=layout)
    options = dict(historian_options or {})
    if earliest is not HISTORIAN_EARLIEST:
        options.setdefault("earliest", earliest)
    with _spool_directory(root) as spool_dir:
        spooled: list[tuple[tuple[str, str], Path]] = []
        try:
            _spool(
                spooled,
                spool_dir,
                read_points(
                    path,
                    mapping,
                    layout=layout,
                    time_column=time_column,
                    tag_column=tag_column,
                    value_column=value_column,
                    time_zone=time_zone,
                    sheet=sheet,
                    chunk_rows=chunk_rows,
                    strict=strict,
                    earliest=earliest,
                    report=report,
                    on_progress=on_progress,
                ),
            )
        except GreenmetError as error:
            error.fix = (f"{error.fix}; " if error.fix else "") + (
                "nothing of this file was stored: correct it and run the same import again"
            )
            raise
        historians: dict[tuple[str, str], Historian] = {}
        try:
            for (site, furnace), spool in spooled:
                if (site, furnace) not in historians:
                    historians[(site, furnace)] = Historian(root, site, furnace, **options)
                    report.destinations.append(f"{site}/{furnace}")
                with pa.memory_map(str(spool)) as source:
                    points = pa.ipc.open_file(source).read_all().to_pandas()
                receipt = historians[(site, furnace)].write(points)
                report.points_written += receipt.points
        finally:
            for historian in historians.values():
                historian.close()
    logger.info(
        "imported %s: %d points written (%d bad, %d uncertain)",
        path,
        report.points_written,
        report.points_bad,
        report.points_uncertain,
    )
    return report
