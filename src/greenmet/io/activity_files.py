"""Read and write activity-data files: TOML, YAML, JSON and the bilingual Excel template.

An activity-data file describes one installation and one reporting period
(:class:`greenmet.carbon.activity.ActivityData`). Text formats hold the model's fields as nested
tables; the Excel template written by :func:`write_template` holds one sheet per section:

============  ==================================================================================
sheet         layout
============  ==================================================================================
installation  one row per field (field key, description, value): id, name, country, province,
              sector, period start and end, reporting year
materials     one row per material flow, one column per field of ``MaterialFlow``
energy        one row per electricity or heat flow (``EnergyFlow``)
production    one row per product (``Production``)
aluminium     one row per field of ``AluminiumSmelting`` (aluminium smelters only)
notes         how to fill the template (not read)
lists         the values of the drop-down lists (hidden, not read)
============  ==================================================================================

Sheet names and column headers are written in Chinese or English; the reader accepts either
language (and the field keys), so a template written in one language and filled in by someone
who renamed nothing reads back to the same :class:`ActivityData`.

Every error names the file, the sheet, the row (as Excel numbers it), the field, the offending
value and the fix: pydantic's ``ValidationError`` is translated into greenmet's errors.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from greenmet.errors import FileFormatError, GreenmetError, InputError, Location, UnknownKeyError
from greenmet.i18n import check_language, label, labels
from greenmet.io.atomic import atomic_write_with

if TYPE_CHECKING:
    from greenmet.carbon.activity import ActivityData

__all__ = [
    "ACTIVITY_SUFFIXES",
    "activity_files",
    "activity_to_dict",
    "example_names",
    "example_path",
    "read_activity",
    "read_activity_dir",
    "read_example",
    "write_template",
]

ACTIVITY_SUFFIXES: tuple[str, ...] = (".toml", ".yaml", ".yml", ".json", ".xlsx")
"""File name suffixes :func:`read_activity` understands."""

_LABELS = "greenmet.carbon"
_TEMPLATE_ROWS = 300  # rows of the table sheets that carry drop-down lists


# ------------------------------------------------------------------------------------------------
# Layout of the template (field keys follow greenmet.carbon.activity)


@dataclass(frozen=True)
class _Section:
    """One section of ActivityData as it appears in the template."""

    key: str  # attribute of ActivityData ("materials") or pseudo-section
    kind: str  # "fields" (one row per field) or "table" (one row per item)
    columns: tuple[str, ...]  # field keys, in template order
    required: tuple[str, ...] = ()  # columns a table sheet must have
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    open_choices: tuple[str, ...] = ()  # drop-downs that suggest but do not restrict
    dates: tuple[str, ...] = ()


_SECTOR = ("steel", "aluminium")
_DIRECTIONS = ("in", "out")
_ROLES = ("fuel", "reductant", "flux", "electrode", "feedstock", "product", "by_product")
_PROCESSES = (
    "coking",
    "sintering",
    "pelletising",
    "blast_furnace",
    "bof",
    "eaf",
    "rolling",
    "lime_kiln",
    "power_plant",
    "electrolysis",
    "anode_baking",
    "casting",
)
_CARRIERS = ("electricity", "heat")
_ENERGY_DIRECTIONS = ("purchased", "sold")
_TECHNOLOGIES = ("CWPB", "SWPB", "VSS", "HSS", "PFPB-L", "PFPB-M")
_MATERIAL_UNITS = ("t", "kg", "10^4 Nm3", "Nm3", "GJ", "m3", "kt")
_ENERGY_UNITS = ("MWh", "kWh", "GWh", "GJ", "TJ")
_NCV_UNITS = ("GJ/t", "GJ/10^4 Nm3", "MJ/kg", "MJ/Nm3")
_EF_UNITS = ("t/MWh", "kg/kWh", "t/GJ", "kg/GJ")
_PRODUCTS = (
    "crude_steel",
    "hot_metal",
    "hot_rolled_coil",
    "pig_iron",
    "dri",
    "primary_aluminium",
    "aluminium_ingot",
)

_INSTALLATION = _Section(
    "installation",
    "fields",
    ("id", "name", "country", "province", "sector", "period_start", "period_end", "reporting_year"),
    choices={"sector": _SECTOR},
    dates=("period_start", "period_end"),
)
_MATERIALS = _Section(
    "materials",
    "table",
    (
        "material",
        "direction",
        "quantity",
        "unit",
        "process",
        "role",
        "carbon_content",
        "ncv",
        "ncv_unit",
        "oxidation_factor",
    ),
    required=("material", "direction", "quantity", "unit"),
    choices={"direction": _DIRECTIONS, "role": _ROLES},
    open_choices=("material", "unit", "process", "ncv_unit"),
)
_ENERGY = _Section(
    "energy",
    "table",
    ("carrier", "direction", "quantity", "unit", "emission_factor", "emission_factor_unit"),
    required=("carrier", "direction", "quantity", "unit"),
    choices={"carrier": _CARRIERS, "direction": _ENERGY_DIRECTIONS},
    open_choices=("unit", "emission_factor_unit"),
)
_PRODUCTION = _Section(
    "production",
    "table",
    ("product", "quantity", "unit", "cn_code"),
    required=("product", "quantity", "unit"),
    open_choices=("product", "unit"),
)
_ALUMINIUM = _Section(
    "aluminium",
    "fields",
    (
        "technology",
        "anode_effect_frequency",
        "anode_effect_duration",
        "net_anode_consumption",
        "anode_sulphur",
        "anode_ash",
    ),
    choices={"technology": _TECHNOLOGIES},
)
_SECTIONS: tuple[_Section, ...] = (_INSTALLATION, _MATERIALS, _ENERGY, _PRODUCTION, _ALUMINIUM)
_REQUIRED_SHEETS = ("installation", "materials", "production")


def _open_choice_values(section: _Section, column: str) -> tuple[str, ...]:
    if column == "unit":
        return _ENERGY_UNITS if section.key == "energy" else _MATERIAL_UNITS
    if column == "ncv_unit":
        return _NCV_UNITS
    if column == "emission_factor_unit":
        return _EF_UNITS
    if column == "process":
        return _PROCESSES
    if column == "product":
        return _PRODUCTS
    if column == "material":
        return _known_materials()
    return ()


def _known_materials() -> tuple[str, ...]:
    """Keys of the ``materials`` reference table, if it is shipped."""
    from greenmet.refdata import load_table, table_names

    if "materials" not in table_names():
        return ()
    table = load_table("materials")
    column = "material" if "material" in table.columns else table.columns[0]
    return tuple(sorted(dict.fromkeys(str(value) for value in table[column])))


# ------------------------------------------------------------------------------------------------
# Writing the template


def _header(key: str, language: str) -> str:
    """Bilingual header: the chosen language first, the other one on a second line."""
    other = "en" if language == "zh" else "zh"
    first, second = label(key, language, _LABELS), label(key, other, _LABELS)
    return first if first == second else f"{first}\n{second}"


def _sheet_name(section: str, language: str) -> str:
    return label(f"sheet_{section}", language, _LABELS)[:31]


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


_CORE_KEYS = frozenset(
    {
        "schema_version",
        "installation",
        "period",
        "reporting_year",
        "materials",
        "energy",
        "production",
        "aluminium",
    }
)


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


# ------------------------------------------------------------------------------------------------
# Reading


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


# An origin maps a location path of the data (("materials", 3)) to where it came from.
_Origins = dict[tuple[Any, ...], Location]


def _normalise_header(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def _aliases(key: str) -> set[str]:
    entry = labels(_LABELS).get(key, {})
    names = {key, key.replace("_", " "), *entry.values()}
    return {_normalise_header(name) for name in names}


def _match_key(cell: Any, candidates: Iterable[str]) -> str | None:
    """The field key whose key or label (English or Chinese) a header cell shows."""
    if cell is None:
        return None
    text = str(cell)
    parts = {
        _normalise_header(text),
        *(_normalise_header(line) for line in text.splitlines() if line.strip()),
    }
    for key in candidates:
        if parts & _aliases(key):
            return key
    return None


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


# ------------------------------------------------------------------------------------------------
# Validation and error translation


def _validate(data: dict[str, Any], path: Path, origins: _Origins) -> ActivityData:
    from greenmet.carbon.activity import ActivityData

    try:
        return ActivityData.model_validate(data)
    except ValidationError as exc:
        raise _translate(exc, data, path, origins) from None
    except GreenmetError as exc:
        raise _relocate(exc, data, path, origins) from None


def _locate(loc: Sequence[Any], path: Path, origins: _Origins) -> Location:
    """The most specific known origin of a pydantic location path."""
    for length in range(len(loc), 0, -1):
        found = origins.get(tuple(loc[:length]))
        if found is not None:
            return found
    return Location(str(path))


def _field_name(loc: Sequence[Any], origins: _Origins) -> str:
    """``materials[2].quantity`` for text files; the column key for Excel rows."""
    if origins and len(loc) >= 3 and isinstance(loc[1], int) and (loc[0], loc[1]) in origins:
        return ".".join(str(part) for part in loc[2:])
    if origins and loc and loc[0] in ("installation", "period", "aluminium") and tuple(loc[:2]) in origins:
        return (
            "period_" + str(loc[1])
            if loc[0] == "period" and len(loc) > 1
            else ".".join(str(part) for part in loc[1:]) or str(loc[0])
        )
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _value_at(data: Any, loc: Sequence[Any]) -> Any:
    value = data
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


_FIXES = {
    "missing": "fill in this field",
    "float_parsing": "give a plain number (no units or thousands separators in the cell)",
    "float_type": "give a plain number",
    "int_parsing": "give a whole number",
    "int_from_float": "give a whole number",
    "date_parsing": "give a date as YYYY-MM-DD",
    "date_from_datetime_inexact": "give a date without a time of day",
    "date_type": "give a date as YYYY-MM-DD",
    "extra_forbidden": "remove this field or correct its spelling (see `greenmet carbon schema`)",
    "string_type": "give text",
    "finite_number": "give a finite number",
    "greater_than_equal": "give a value that is not negative",
    "greater_than": "give a value greater than zero",
    "less_than_equal": "give a smaller value",
    "bool_parsing": "give true or false",
    "dict_type": "give a table (section) of fields",
    "list_type": "give a list of rows",
}


def _translate(exc: ValidationError, data: dict[str, Any], path: Path, origins: _Origins) -> GreenmetError:
    """The first error of a pydantic ValidationError as a greenmet error with its location."""
    error = exc.errors()[0]
    loc = tuple(error.get("loc", ()))
    location = _locate(loc, path, origins)
    field_name = _field_name(loc, origins) if loc else None
    more = exc.error_count() - 1
    suffix = f" ({more} more error{'s' if more > 1 else ''} after this one)" if more else ""
    original = (error.get("ctx") or {}).get("error")
    if isinstance(original, GreenmetError):
        return type(original)(
            original.problem + suffix,
            field=field_name or original.field,
            value=original.value if original.value is not None else _value_at(data, loc),
            fix=original.fix,
            location=location,
        )
    kind = error.get("type", "")
    if kind == "literal_error":
        expected = (error.get("ctx") or {}).get("expected", "")
        fix = f"use one of {expected}"
    else:
        fix = _FIXES.get(kind, "correct the value (see `greenmet carbon schema` for every field)")
    value = None if kind == "missing" else error.get("input", _value_at(data, loc))
    if isinstance(value, dict | list):
        value = None
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    error_class = UnknownKeyError if kind == "extra_forbidden" else InputError
    return error_class(
        message[:1].lower() + message[1:] + suffix, field=field_name, value=value, fix=fix, location=location
    )


def _relocate(exc: GreenmetError, data: dict[str, Any], path: Path, origins: _Origins) -> GreenmetError:
    """Attach the file, sheet and row to an error raised while validating ``data``.

    The activity models name the offending field as a path (``materials[2].quantity``); errors
    raised before pydantic knows the path (an unknown material) name only the field, and the
    row is then found by the offending value.
    """
    if exc.location is not None and exc.location.file:
        return exc
    loc = _parse_path(exc.field) if exc.field else ()
    if not loc or (len(loc) == 1 and loc[0] not in data):
        loc = _find_value(data, exc.value, wanted=exc.field) or loc
    location = _locate(loc, path, origins) if loc else Location(str(path))
    field_name = _field_name(loc, origins) if loc else exc.field
    return type(exc)(exc.problem, field=field_name, value=exc.value, fix=exc.fix, location=location)


def _parse_path(text: str) -> tuple[Any, ...]:
    """``"materials[2].quantity"`` → ``("materials", 2, "quantity")``."""
    parts: list[Any] = []
    for piece in text.replace("]", "").split("."):
        name, *indices = piece.split("[")
        if name:
            parts.append(name)
        parts.extend(int(index) if index.isdigit() else index for index in indices)
    return tuple(parts)


def _find_value(
    data: Any, value: Any, prefix: tuple[Any, ...] = (), wanted: str | None = None
) -> tuple[Any, ...]:
    """The path of the first occurrence of ``value`` in nested ``data`` (empty when absent).

    With ``wanted``, only an occurrence under a key of that name counts.
    """
    if value is None:
        return ()
    for key, item in _children(data):
        if isinstance(item, dict | list):
            found = _find_value(item, value, (*prefix, key), wanted)
            if found:
                return found
        elif (
            item == value
            and not isinstance(item, bool)
            and (wanted is None or str(key) == wanted.rsplit(".", 1)[-1])
        ):
            return (*prefix, key)
    return ()


def _children(data: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(data, dict):
        yield from data.items()
    elif isinstance(data, list):
        yield from enumerate(data)


# ------------------------------------------------------------------------------------------------
# Shipped example plants


def _example_files() -> dict[str, Any]:
    """Short name → resource of each shipped example (``bf_bof_plant.toml`` → ``bf-bof``)."""
    from importlib import resources

    folder = resources.files("greenmet.carbon").joinpath("examples")
    if not folder.is_dir():
        return {}
    files = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            name = entry.name.removesuffix(".toml").replace("_", "-")
            for suffix in ("-plant", "-smelter"):
                name = name.removesuffix(suffix)
            files[name] = entry
    return files


def example_names() -> list[str]:
    """Names of the example plants shipped in ``greenmet/carbon/examples`` (``bf-bof`` …)."""
    return sorted(_example_files())


def example_path(name: str) -> Path:
    """The file of the shipped example plant ``name`` (``bf-bof``, ``scrap-eaf``, ``aluminium``)."""
    import difflib

    files = _example_files()
    wanted = name.strip().lower().replace("_", "-")
    if wanted not in files:
        close = difflib.get_close_matches(wanted, list(files), n=1)
        raise UnknownKeyError(
            "no example plant of that name",
            field="example",
            value=name,
            fix=f"use one of {', '.join(sorted(files))}"
            + (f" (did you mean {close[0]!r}?)" if close else ""),
        )
    return Path(str(files[wanted]))


def read_example(name: str) -> ActivityData:
    """The activity data of the shipped example plant ``name``."""
    return read_activity(example_path(name))
