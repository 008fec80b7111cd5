"""Read blast-furnace states from TOML, JSON or Excel files.

One state per file (:func:`read_furnace_state`):

- TOML or JSON: the fields of :class:`~greenmet.blast_furnace.state.FurnaceState` (see the
  example ``greenmet/blast_furnace/examples/state_2500m3.toml``);
- Excel (``.xlsx``): a sheet ``state`` (or the first sheet) with the columns ``quantity`` and
  ``value``; analyses and burden materials use dotted names (``coke_analysis.C``,
  ``burden.sinter.mass_kg_per_thm``, ``burden.sinter.Fe2O3``).

Many states (:func:`read_state_frame`): a CSV, Parquet or Excel table with one row per state and
the columns of :func:`~greenmet.blast_furnace.state.state_to_columns`.

Every error names the file, the sheet and row where known, the field and the fix.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from greenmet.blast_furnace.state import FurnaceState, state_from_mapping
from greenmet.errors import FileFormatError, GreenmetError, InputError, Location

__all__ = ["read_furnace_state", "read_state_frame", "state_mapping_from_rows"]

_MAPPINGS = ("coke_analysis", "coke_ash_analysis", "coal_analysis", "coal_ash_analysis", "top_gas_analysis",
             "hot_metal_analysis", "slag_analysis")


def read_furnace_state(path: str | os.PathLike[str]) -> FurnaceState:
    """Read and validate one furnace state.

    Parameters
    ----------
    path
        A ``.toml``, ``.json`` or ``.xlsx`` file.

    Raises
    ------
    FileFormatError
        If the file does not exist, does not parse or has an unknown suffix.
    InputError
        (and its subclasses CompositionError, SuspectUnitError) if a quantity is missing or wrong;
        the error's location names the file (and the Excel row).
    """
    file = Path(path)
    if not file.is_file():
        raise FileFormatError("no such file", field="INPUT", value=str(file),
                              fix="give the path of a furnace state (.toml, .json or .xlsx)")
    suffix = file.suffix.lower()
    rows: dict[str, int] = {}
    sheet: str | None = None
    try:
        if suffix == ".toml":
            data: Mapping[str, Any] = tomllib.loads(file.read_text(encoding="utf-8"))
        elif suffix == ".json":
            data = json.loads(file.read_text(encoding="utf-8"))
        elif suffix in (".xlsx", ".xlsm"):
            data, rows, sheet = _read_excel(file)
        else:
            raise FileFormatError("unknown file type", field="INPUT", value=file.suffix,
                                  fix="use .toml, .json or .xlsx", location=Location(str(file)))
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FileFormatError(f"file does not parse: {exc}", location=Location(str(file)),
                              fix="correct the syntax at the line given") from exc
    if not isinstance(data, Mapping):
        raise FileFormatError("the file does not hold a table of fields", location=Location(str(file)),
                              fix="write the state as key = value pairs (see the example state)")
    try:
        return state_from_mapping(data)
    except GreenmetError as error:
        row = _row_of(error.field, rows)
        error.location = Location(str(file), sheet, row)
        raise type(error)(error.problem, field=error.field, value=error.value, fix=error.fix,
                          location=error.location) from None


def _row_of(field: str | None, rows: Mapping[str, int]) -> int | None:
    if not field or not rows:
        return None
    candidates = [key for key in rows if key == field or key.startswith(field + ".")
                  or field.startswith(key)]
    return rows[candidates[0]] if candidates else None


def state_mapping_from_rows(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Turn (dotted quantity, value) pairs into the nested mapping of a furnace state."""
    data: dict[str, Any] = {}
    burden: dict[str, dict[str, Any]] = {}
    for quantity, value in pairs:
        parts = quantity.split(".")
        if parts[0] == "burden" and len(parts) == 3:
            material = burden.setdefault(parts[1], {"name": parts[1], "analysis": {}})
            if parts[2] == "mass_kg_per_thm":
                material["mass_kg_per_thm"] = value
            else:
                material["analysis"][parts[2]] = value
        elif parts[0] in _MAPPINGS and len(parts) == 2:
            data.setdefault(parts[0], {})[parts[1]] = value
        elif len(parts) == 1:
            data[quantity] = value
        else:
            raise InputError("quantity name not understood", field=quantity,
                             fix="use a field name, '<analysis>.<component>' or 'burden.<name>.<component>'")
    if burden:
        data["burden"] = list(burden.values())
    return data


def _read_excel(file: Path) -> tuple[dict[str, Any], dict[str, int], str]:
    try:
        book = pd.ExcelFile(file)
    except Exception as exc:  # openpyxl raises many kinds of errors for a damaged workbook
        raise FileFormatError(f"workbook does not open: {exc}", location=Location(str(file)),
                              fix="save the file as .xlsx from Excel or LibreOffice") from exc
    sheet = "state" if "state" in book.sheet_names else str(book.sheet_names[0])
    frame = pd.read_excel(book, sheet_name=sheet, dtype=object)
    columns = {str(c).strip().lower(): c for c in frame.columns}
    if "quantity" not in columns or "value" not in columns:
        raise FileFormatError("sheet lacks the columns 'quantity' and 'value'",
                              location=Location(str(file), sheet), value=list(map(str, frame.columns)),
                              fix="put the field names in a column 'quantity' and the numbers in 'value'")
    pairs: list[tuple[str, Any]] = []
    rows: dict[str, int] = {}
    for offset, (quantity, value) in enumerate(zip(frame[columns["quantity"]], frame[columns["value"]],
                                                   strict=True)):
        row = offset + 2  # header is row 1
        if pd.isna(quantity):
            continue
        name = str(quantity).strip()
        if pd.isna(value):
            raise InputError("value missing", field=name, location=Location(str(file), sheet, row),
                             fix="fill in the value or delete the row")
        rows[name] = row
        pairs.append((name, value))
    try:
        return state_mapping_from_rows(pairs), rows, sheet
    except InputError as error:
        raise InputError(error.problem, field=error.field, fix=error.fix,
                         location=Location(str(file), sheet, rows.get(error.field or ""))) from None


def read_state_frame(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read many states, one per row, with the columns of ``state_to_columns`` (CSV, Parquet, Excel).

    Raises
    ------
    FileFormatError
        If the file does not exist or does not parse.
    """
    file = Path(path)
    if not file.is_file():
        raise FileFormatError("no such file", field="INPUT", value=str(file),
                              fix="give a CSV, Parquet or Excel table of states")
    suffix = file.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(file)
        if suffix == ".parquet":
            return pd.read_parquet(file)
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(file)
    except Exception as exc:  # the readers raise parser-specific errors
        raise FileFormatError(f"table does not parse: {exc}", location=Location(str(file)),
                              fix="check the file type and its header row") from exc
    raise FileFormatError("unknown file type", field="INPUT", value=file.suffix,
                          fix="use .csv, .parquet or .xlsx", location=Location(str(file)))
