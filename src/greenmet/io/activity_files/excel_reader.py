"""Read the Excel activity-data template back into plain data, remembering where each value came from."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from greenmet.errors import FileFormatError, Location
from greenmet.i18n import label
from greenmet.io.activity_files.layout import (
    _CORE_KEYS,
    _LABELS,
    _REQUIRED_SHEETS,
    _SECTIONS,
    _aliases,
    _match_key,
    _normalise_header,
    _Origins,
    _Section,
)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def _read_excel(path: Path) -> tuple[dict[str, Any], _Origins]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and XML errors for broken files
        raise FileFormatError(
            f"the file is not a readable Excel workbook: {exc}",
            location=Location(str(path)),
            fix="save it again as .xlsx (Excel 2007 or later)",
        ) from exc
    try:
        sheets = {}
        for section in _SECTIONS:
            aliases = _aliases(f"sheet_{section.key}") | {section.key}
            sheets[section.key] = next(
                (book[name] for name in book.sheetnames if _normalise_header(name) in aliases), None
            )
        for key in _REQUIRED_SHEETS:
            if sheets[key] is None:
                raise FileFormatError(
                    "the workbook lacks a sheet",
                    field=key,
                    value=book.sheetnames,
                    location=Location(str(path)),
                    fix=f"add the sheet {label(f'sheet_{key}', 'en', _LABELS)!r} "
                    f"({label(f'sheet_{key}', 'zh', _LABELS)}); "
                    "`greenmet carbon template` writes a complete template",
                )
        data: dict[str, Any] = {}
        origins: _Origins = {}
        for section in _SECTIONS:
            sheet = sheets[section.key]
            if sheet is None:
                continue
            rows = [tuple(_cell(value) for value in row) for row in sheet.iter_rows(values_only=True)]
            where = Location(str(path), sheet.title)
            if section.kind == "fields":
                values, value_rows = _read_fields(rows, section, where)
                if section.key == "installation":
                    _place_installation(values, value_rows, data, origins, where)
                elif any(value is not None for value in values.values()):
                    data[section.key] = values
                    for column, row in value_rows.items():
                        origins[(section.key, column)] = Location(str(path), sheet.title, row)
                    origins[(section.key,)] = where
            else:
                items, item_rows = _read_table(rows, section, where)
                data[section.key] = items
                origins[(section.key,)] = where
                for index, row in enumerate(item_rows):
                    origins[(section.key, index)] = Location(str(path), sheet.title, row)
        extra = next(
            (
                book[name]
                for name in book.sheetnames
                if _normalise_header(name) in _aliases("sheet_sections") | {"sections"}
            ),
            None,
        )
        if extra is not None:
            rows = [tuple(_cell(value) for value in row) for row in extra.iter_rows(values_only=True)]
            _read_extra_sections(rows, Location(str(path), extra.title), data, origins)
        return data, origins
    finally:
        book.close()


def _read_fields(
    rows: list[tuple[Any, ...]], section: _Section, where: Location
) -> tuple[dict[str, Any], dict[str, int]]:
    values: dict[str, Any] = {}
    value_rows: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        if number == 1 or not row:
            continue
        key = _match_key(row[0], section.columns)
        if key is None and len(row) > 1:
            key = _match_key(row[1], section.columns)
        if key is None:
            continue
        value = row[2] if len(row) > 2 else None
        if key in section.dates and isinstance(value, dt.datetime):
            value = value.date()
        values[key] = value
        value_rows[key] = number
    return values, value_rows


def _place_installation(
    values: dict[str, Any],
    value_rows: dict[str, int],
    data: dict[str, Any],
    origins: _Origins,
    where: Location,
) -> None:
    missing = [key for key in ("id", "name", "sector", "period_start", "period_end") if key not in values]
    if missing:
        raise FileFormatError(
            "the installation sheet lacks a field row",
            field=missing[0],
            location=where,
            fix=f"add a row with the field key {missing[0]!r} in column A and its value in column C",
        )
    installation = {key: values.get(key) for key in ("id", "name", "country", "province", "sector")}
    data["installation"] = {key: value for key, value in installation.items() if value is not None}
    if isinstance(data["installation"].get("id"), float | int):
        data["installation"]["id"] = _integer_text(data["installation"]["id"])
    data["period"] = {"start": values.get("period_start"), "end": values.get("period_end")}
    if values.get("reporting_year") is not None:
        data["reporting_year"] = values["reporting_year"]
    origins[("installation",)] = where
    for key, row in value_rows.items():
        located = Location(where.file, where.sheet, row)
        if key.startswith("period_"):
            origins[("period", key.removeprefix("period_"))] = located
        elif key == "reporting_year":
            origins[("reporting_year",)] = located
        else:
            origins[("installation", key)] = located
    origins[("period",)] = Location(where.file, where.sheet, value_rows.get("period_start"))


def _integer_text(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _read_table(
    rows: list[tuple[Any, ...]], section: _Section, where: Location
) -> tuple[list[dict[str, Any]], list[int]]:
    if not rows:
        raise FileFormatError(
            "the sheet is empty: it lacks its header row",
            location=where,
            field=section.required[0],
            fix="copy the header row from a template written by `greenmet carbon template`",
        )
    header = rows[0]
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = _match_key(cell, section.columns)
        if key is not None and key not in positions:
            positions[key] = index
    for key in section.required:
        if key not in positions:
            raise FileFormatError(
                "the sheet lacks a column",
                field=key,
                value=[cell for cell in header if cell is not None],
                location=Location(where.file, where.sheet, 1),
                fix=f"add the column {label(key, 'en', _LABELS)!r} / {label(key, 'zh', _LABELS)!r} "
                "to the header row (row 1)",
            )
    items: list[dict[str, Any]] = []
    numbers: list[int] = []
    for number, row in enumerate(rows[1:], start=2):
        item = {key: row[index] for key, index in positions.items() if index < len(row)}
        item = {key: value for key, value in item.items() if value is not None}
        if not item:
            continue
        if isinstance(item.get("cn_code"), float | int):
            item["cn_code"] = _integer_text(item["cn_code"])
        items.append(item)
        numbers.append(number)
    return items, numbers




def _read_extra_sections(
    rows: list[tuple[Any, ...]], where: Location, data: dict[str, Any], origins: _Origins
) -> None:
    for number, row in enumerate(rows[1:], start=2):
        if not row or row[0] is None:
            continue
        key = str(row[0])
        text = row[1] if len(row) > 1 else None
        located = Location(where.file, where.sheet, number)
        if key in _CORE_KEYS:
            raise FileFormatError(
                "a core section belongs on its own sheet",
                field=key,
                location=located,
                fix=f"move the {key} data to the sheet {label(f'sheet_{key}', 'en', _LABELS)!r}",
            )
        try:
            data[key] = yaml.safe_load(str(text)) if text is not None else None
        except yaml.YAMLError as exc:
            raise FileFormatError(
                f"the section text does not parse as YAML: {exc}",
                field=key,
                location=located,
                fix="write the section as YAML (as `greenmet carbon template --example` does)",
            ) from exc
        origins[(key,)] = located


