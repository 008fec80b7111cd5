"""Write the bilingual Excel activity-data template (empty or filled with an installation)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from greenmet.i18n import check_language, label
from greenmet.io.activity_files.layout import (
    _CORE_KEYS,
    _LABELS,
    _SECTIONS,
    _TEMPLATE_ROWS,
    _header,
    _open_choice_values,
    _Section,
    _sheet_name,
)
from greenmet.io.atomic import atomic_write_with

if TYPE_CHECKING:
    from greenmet.carbon.activity import ActivityData

__all__ = ["activity_to_dict", "write_template"]


def activity_to_dict(activity: ActivityData) -> dict[str, Any]:
    """The plain, JSON-ready dictionary of ``activity`` (what a TOML/YAML/JSON file holds)."""
    return activity.model_dump(mode="json", exclude_none=True)


def write_template(
    path: str | os.PathLike[str],
    language: str = "en",
    *,
    activity: ActivityData | None = None,
) -> Path:
    """Write the Excel activity-data template, empty or filled with ``activity``.

    Parameters
    ----------
    path
        The ``.xlsx`` file to write (atomically).
    language
        ``"en"`` or ``"zh"``: the language of the sheet names and of the first line of every
        header; the other language is on the header's second line.
    activity
        Activity data to fill the template with (for example a shipped example plant); empty
        template when None.

    Returns
    -------
    Path
        The written file.
    """
    language = check_language(language)
    filled = activity_to_dict(activity) if activity is not None else None

    def write(target: Path) -> None:
        import xlsxwriter

        book = xlsxwriter.Workbook(str(target))
        header_format = book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}
        )
        key_format = book.add_format({"font_color": "#7F7F7F"})
        date_format = book.add_format({"num_format": "yyyy-mm-dd"})
        lists_name = _sheet_name("lists", language)
        list_columns = _list_columns()
        list_ranges = _list_ranges(list_columns, lists_name)
        for section in _SECTIONS:
            sheet = book.add_worksheet(_sheet_name(section.key, language))
            values = _section_values(filled, section)
            if section.kind == "fields":
                _write_fields_sheet(
                    sheet, section, language, values, list_ranges, header_format, key_format, date_format
                )
            else:
                _write_table_sheet(sheet, section, language, values, list_ranges, header_format)
        _write_extra_sections(book, filled, language, header_format)
        notes = book.add_worksheet(_sheet_name("notes", language))
        notes.set_column(0, 0, 120)
        notes.write(0, 0, label("notes_title", language, _LABELS), header_format)
        other = "en" if language == "zh" else "zh"
        for number in range(1, 8):
            notes.write(number, 0, f"{number}. {label(f'note_{number}', language, _LABELS)}")
            notes.write(number + 8, 0, f"{number}. {label(f'note_{number}', other, _LABELS)}")
        lists = book.add_worksheet(lists_name)
        for index, (key, values) in enumerate(list_columns.items()):
            lists.write(0, index, key)
            for row, value in enumerate(values, start=1):
                lists.write(row, index, value)
        lists.hide()
        book.close()

    return atomic_write_with(path, write)


def _write_extra_sections(
    book: Any, filled: dict[str, Any] | None, language: str, header_format: Any
) -> None:
    """The method-specific sections (``cbam``, ``iso14404``, ``lci`` …): one row each, as YAML text."""
    sheet = book.add_worksheet(_sheet_name("sections", language))
    sheet.write(0, 0, _header("section", language), header_format)
    sheet.write(0, 1, _header("section_content", language), header_format)
    sheet.set_column(0, 0, 18)
    wrap = book.add_format({"text_wrap": True, "valign": "top", "font_name": "Consolas"})
    sheet.set_column(1, 1, 100, wrap)
    extra = {key: value for key, value in (filled or {}).items() if key not in _CORE_KEYS}
    for row, (key, value) in enumerate(sorted(extra.items()), start=1):
        sheet.write(row, 0, key)
        sheet.write(row, 1, yaml.safe_dump(value, allow_unicode=True, sort_keys=False))


def _section_values(filled: dict[str, Any] | None, section: _Section) -> Any:
    if filled is None:
        return {} if section.kind == "fields" else []
    if section.key == "installation":
        merged = dict(filled.get("installation", {}))
        period = filled.get("period", {})
        merged["period_start"] = period.get("start")
        merged["period_end"] = period.get("end")
        merged["reporting_year"] = filled.get("reporting_year")
        return merged
    return filled.get(section.key) or ({} if section.kind == "fields" else [])


def _list_columns() -> dict[str, tuple[str, ...]]:
    """The drop-down lists, keyed ``section.column``."""
    columns: dict[str, tuple[str, ...]] = {}
    for section in _SECTIONS:
        for column, values in section.choices.items():
            columns[f"{section.key}.{column}"] = values
        for column in section.open_choices:
            values = _open_choice_values(section, column)
            if values:
                columns[f"{section.key}.{column}"] = values
    return columns


def _list_ranges(columns: Mapping[str, tuple[str, ...]], sheet_name: str) -> dict[str, str]:
    """Cell ranges of each list in the hidden lists sheet, one column per list."""
    ranges: dict[str, str] = {}
    for index, (key, values) in enumerate(columns.items()):
        letter = _column_letter(index)
        ranges[key] = f"='{sheet_name}'!${letter}$2:${letter}${len(values) + 1}"
    return ranges


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _validation(section: _Section, column: str, list_ranges: Mapping[str, str]) -> dict[str, Any] | None:
    source = list_ranges.get(f"{section.key}.{column}")
    if source is None:
        return None
    strict = column in section.choices
    return {
        "validate": "list",
        "source": source,
        # Enumerations of the model refuse other values; suggested lists (units, materials) only
        # inform, since any convertible unit and any known material is accepted.
        "error_type": "stop" if strict else "information",
        "error_title": column,
        "error_message": (
            "choose a value from the list"
            if strict
            else "not in the suggested list; greenmet checks it when the file is read"
        ),
    }


def _write_fields_sheet(
    sheet: Any,
    section: _Section,
    language: str,
    values: Mapping[str, Any],
    list_ranges: Mapping[str, str],
    header_format: Any,
    key_format: Any,
    date_format: Any,
) -> None:
    sheet.write(0, 0, _header("field_key", language), header_format)
    sheet.write(0, 1, _header("field_description", language), header_format)
    sheet.write(0, 2, _header("field_value", language), header_format)
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 46)
    sheet.set_column(2, 2, 28)
    sheet.freeze_panes(1, 0)
    for row, column in enumerate(section.columns, start=1):
        sheet.write(row, 0, column, key_format)
        sheet.write(row, 1, _header(column, language))
        value = values.get(column)
        if column in section.dates:
            if value is not None:
                sheet.write_datetime(row, 2, dt.datetime.fromisoformat(str(value)), date_format)
            else:
                sheet.write_blank(row, 2, None, date_format)
        elif value is not None:
            sheet.write(row, 2, value)
        rule = _validation(section, column, list_ranges)
        if rule is not None:
            sheet.data_validation(row, 2, row, 2, rule)


def _write_table_sheet(
    sheet: Any,
    section: _Section,
    language: str,
    rows: Sequence[Mapping[str, Any]],
    list_ranges: Mapping[str, str],
    header_format: Any,
) -> None:
    for index, column in enumerate(section.columns):
        sheet.write(0, index, _header(column, language), header_format)
        sheet.set_column(index, index, 18)
        rule = _validation(section, column, list_ranges)
        if rule is not None:
            sheet.data_validation(1, index, _TEMPLATE_ROWS, index, rule)
    sheet.set_row(0, 32)
    sheet.freeze_panes(1, 0)
    for row_index, item in enumerate(rows, start=1):
        for index, column in enumerate(section.columns):
            value = item.get(column)
            if value is not None:
                sheet.write(row_index, index, value)


