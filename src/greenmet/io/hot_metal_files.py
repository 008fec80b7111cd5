"""A plant's own hot-metal assays and process tags as files, for the hot-metal forecast.

Assays (CSV or Excel), one row per cast::

    cast_id, ended_at, hot_metal_silicon_percent, hot_metal_temperature_degC
    C-20250301-01, 2025-03-01T02:40:00+08:00, 0.42, 1502

Process tags (CSV or Parquet), long (``ts, tag, value[, quality]``, the historian's shape) or
wide (``ts`` and one column per tag). Values are in the units of the plant-data nomenclature
(``docs/nomenclature/plant_data.md``). Times must carry a time zone, or ``time_zone`` names the
plant's. Both are read whole and checked before anything is computed.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from greenmet.errors import FileFormatError, InputError, Location

__all__ = ["read_assay_table", "read_process_tag_file"]

_ASSAY_COLUMNS = ("cast_id", "ended_at")
_QUALITY_BAD = 128


def _read_table(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise FileFormatError("no such file", field="path", value=str(path), fix="check the path")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path)
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(path)
        if suffix == ".parquet":
            return pd.read_parquet(path)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(
            f"cannot read the file: {exc}",
            field="path",
            value=str(path),
            fix="give a CSV (UTF-8), an .xlsx workbook or a Parquet file",
        ) from exc
    raise FileFormatError("unknown file type", field="path", value=suffix, fix="give .csv, .xlsx or .parquet")


def _times(values: pd.Series, column: str, path: Path, time_zone: str | None) -> pd.Series:
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = values.astype("string")  # numbers are not times (a shifted column, an epoch)
    try:
        parsed = pd.to_datetime(values, utc=False, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise FileFormatError(
            "a time does not parse",
            field=column,
            value=str(exc),
            location=Location(str(path)),
            fix="write times as ISO 8601",
        ) from exc
    if parsed.isna().any():
        row = int(np.flatnonzero(parsed.isna().to_numpy())[0])
        raise FileFormatError(
            "a time is missing",
            field=column,
            value=None,
            location=Location(str(path), row=row + 2),
            fix="give every row its time",
        )
    if getattr(parsed.dt, "tz", None) is None:
        if time_zone is None:
            raise InputError(
                "times carry no time zone",
                field=column,
                value=str(parsed.iloc[0]),
                fix="write the offset (e.g. +08:00) or give the plant's time zone (--time-zone)",
            )
        parsed = parsed.dt.tz_localize(time_zone, ambiguous="raise", nonexistent="raise")
    return parsed.dt.tz_convert("UTC")


def read_assay_table(path: str | os.PathLike[str], *, time_zone: str | None = None) -> pd.DataFrame:
    """Read a plant's cast assays: ``cast_id``, ``ended_at`` (UTC) and the analysis columns present.

    Raises
    ------
    FileFormatError
        Missing columns, a time that does not parse, a non-numeric analysis (with its row).
    InputError
        Times without a time zone and no ``time_zone``.
    """
    source = Path(path)
    table = _read_table(source)
    missing = [column for column in _ASSAY_COLUMNS if column not in table.columns]
    if missing:
        raise FileFormatError(
            "the assay table lacks columns",
            field="columns",
            value=missing,
            location=Location(str(source)),
            fix="give cast_id, ended_at, hot_metal_silicon_percent, hot_metal_temperature_degC",
        )
    frame = pd.DataFrame(
        {
            "cast_id": table["cast_id"].astype(str),
            "ended_at": _times(table["ended_at"], "ended_at", source, time_zone),
        }
    )
    for column in ("hot_metal_silicon_percent", "hot_metal_temperature_degC"):
        if column not in table.columns:
            continue
        numbers = pd.to_numeric(table[column], errors="coerce")
        bad = numbers.isna() & table[column].notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise FileFormatError(
                "an analysis is not a number",
                field=column,
                value=table[column].iloc[row],
                location=Location(str(source), row=row + 2),
                fix="write a number or leave it empty",
            )
        frame[column] = numbers.astype("float64")
    return frame


def read_process_tag_file(path: str | os.PathLike[str], *, time_zone: str | None = None) -> pd.DataFrame:
    """Read process tags and return their 1-minute means (UTC minute starts, one column per tag).

    Long files drop bad points (``quality`` 128) before averaging, as the historian's roll-ups do.
    Every minute from the first to the last is a row (NaN where a tag has no value).
    """
    source = Path(path)
    table = _read_table(source)
    if "ts" not in table.columns:
        raise FileFormatError(
            "the tag file has no ts column",
            field="columns",
            value=list(table.columns)[:8],
            location=Location(str(source)),
            fix="name the time column ts",
        )
    ts = _times(table["ts"], "ts", source, time_zone)
    if {"tag", "value"} <= set(table.columns):
        values = pd.to_numeric(table["value"], errors="coerce")
        keep = values.notna()
        if "quality" in table.columns:
            keep &= pd.to_numeric(table["quality"], errors="coerce").fillna(0).to_numpy() < _QUALITY_BAD
        long = pd.DataFrame({"ts": ts[keep], "tag": table["tag"][keep].astype(str), "value": values[keep]})
        wide = long.pivot_table(
            index=long["ts"].dt.floor("min"), columns="tag", values="value", aggfunc="mean"
        )
    else:
        numeric = table.drop(columns=["ts"]).apply(pd.to_numeric, errors="coerce")
        wide = numeric.groupby(ts.dt.floor("min").to_numpy()).mean()
        wide.index = pd.DatetimeIndex(wide.index).tz_localize("UTC") if wide.index.tz is None else wide.index
    if wide.empty:
        raise FileFormatError(
            "the tag file holds no numeric values",
            field="value",
            value=str(source),
            fix="give numbers in the value column (long) or in the tag columns (wide)",
        )
    grid = pd.date_range(wide.index.min(), wide.index.max(), freq="1min", name="minute_start")
    wide = wide.reindex(grid).astype("float64")
    wide.columns = [str(column) for column in wide.columns]
    return wide
