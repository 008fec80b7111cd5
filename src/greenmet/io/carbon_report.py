"""Carbon reports for people: an Excel workbook a verifier accepts, a printable PDF summary, a
terminal table, JSON; in Chinese or English.

All labels come from ``greenmet/carbon/labels.toml``. The workbook (through
:func:`greenmet.io.excel.write_workbook`) has these sheets:

================  ===============================================================================
sheet             content
================  ===============================================================================
summary           installation, period, method and edition, GWP metric, totals by scope,
                  intensity per product, allowance position when given
emission lines    every emission line: process, source stream, category, scope, gas, activity
                  data and unit, factor, factor unit and source, status, emissions
carbon balance    carbon in, out, emitted, residual and residual fraction (when the method
                  computes a balance)
factors used      each distinct factor with its unit and source; values that need verification
                  are marked provisional
warnings          the result's warnings (carbon-balance residual, provisional factors …)
allowance         the allowance position (only when an allowance is given)
================  ===============================================================================
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from greenmet import __version__
from greenmet.i18n import Message, check_language, label, name_label, render, unit_label
from greenmet.io.atomic import atomic_write_with
from greenmet.io.excel import write_workbook
from greenmet.io.pdf_fonts import needs_cjk_font, register_cjk_font
from greenmet.io.pdf_tables import grid_table

if TYPE_CHECKING:
    from rich.console import Console

    from greenmet.carbon.results import CarbonResult

__all__ = [
    "allowance_items",
    "factors_table",
    "lines_table",
    "render_batch_table",
    "render_table",
    "report_sheets",
    "result_to_json",
    "summary_table",
    "write_batch_table",
    "write_report_pdf",
    "write_report_xlsx",
]

_LABELS = "greenmet.carbon"
_LINE_COLUMNS = (
    "process",
    "source_stream",
    "category",
    "scope",
    "gas",
    "activity_ref",
    "activity_unit",
    "factor",
    "factor_unit",
    "factor_source",
    "needs_verification",
    "emissions_t",
    "emissions_t_co2e",
)
_BALANCE_FIELDS = ("carbon_in_t", "carbon_out_t", "carbon_emitted_t", "residual_t", "residual_fraction")


def _l(key: str, language: str) -> str:
    return label(key, language, _LABELS)


def _scope_label(scope: str, language: str) -> str:
    return _l(scope, language)


def _category_label(category: Any, language: str) -> str:
    if not isinstance(category, str):
        return ""
    text = _l(f"category_{category}", language)
    return category if text == f"category_{category}" else text


def _name(name: Any, language: str) -> str:
    """A source stream, process or product by its name in ``language`` (blank for none)."""
    if not isinstance(name, str):
        return ""
    return name_label(name, language, _LABELS)


def _edition(edition: str, language: str) -> str:
    """An edition by its label (``edition:<id>``) where the id is a description, else as written."""
    key = f"edition:{edition}"
    text = _l(key, language)
    return edition if text == key else text


def _option_label(key: str, language: str) -> str:
    """The label of an option; per-product options (``plate_module_d_kg_co2e_per_kg``) by parts."""
    text = _l(key, language)
    if text != key:
        return text
    for suffix in ("cradle_to_gate_kg_co2e_per_kg", "module_d_kg_co2e_per_kg"):
        if key.endswith(f"_{suffix}"):
            return f"{_name(key.removesuffix(f'_{suffix}'), language)}: {_l(suffix, language)}"
    return key


def _unit(unit: Any, language: str) -> str:
    """A unit spelled for ``language`` (``tCO2e/t`` → ``吨二氧化碳当量/吨``)."""
    return unit_label(str(unit), language, _LABELS) if isinstance(unit, str) else ""


def _intensity_label(product: str, language: str) -> str:
    return _l("intensity_per", language).format(product=_name(product, language))


def _intensity_unit(product: str, language: str) -> str:
    return _unit(f"t CO2e/t {product}", language)


def _warning_texts(result: CarbonResult, language: str) -> list[str]:
    """The result's warnings in ``language`` (message keys rendered, see :class:`greenmet.i18n.Message`)."""
    return [render(warning, language) for warning in result.warnings]


def _gwp_metric(metric: str, language: str) -> str:
    key = f"gwp_{metric}"
    text = _l(key, language)
    return metric if text == key else text


def _status(needs_verification: Any, language: str) -> str:
    return _l("provisional" if bool(needs_verification) else "confirmed", language)


def _period(result: CarbonResult) -> str:
    return f"{result.period_start} – {result.period_end}"


def _header_lines(result: CarbonResult, language: str) -> list[tuple[str, str]]:
    return [
        (_l("installation", language), f"{result.installation_name} ({result.installation_id})"),
        (_l("period", language), _period(result)),
        (_l("method", language), f"{_l(result.method, language)} [{result.method}]"),
        (_l("method_edition", language), _edition(str(result.method_edition), language)),
        (_l("gwp_metric", language), _gwp_metric(str(result.gwp_metric), language)),
        *_option_lines(result, language),
        (_l("generated_by", language), f"greenmet {__version__}"),
    ]


def _option_lines(result: CarbonResult, language: str) -> list[tuple[str, str]]:
    """Every option in force and where it came from (default, activity file, flag …)."""
    sources = getattr(result, "options_source", {}) or {}
    lines = []
    for key, value in result.options.items():
        source = sources.get(key)
        if value is None:
            shown = "–"
        elif isinstance(value, Message):
            shown = value.render(language)
        elif isinstance(value, bool):
            shown = _l("yes" if value else "no", language)
        elif isinstance(value, str):
            shown = ", ".join(_name(part, language) for part in value.split(", "))  # "national", "slope"
        else:
            shown = str(value)
        if source:
            shown += f" ({_l(f'option_source_{source}', language)})"
        lines.append((f"{_l('option_prefix', language)}: {_option_label(key, language)}", shown))
    return lines


def result_to_json(result: CarbonResult, allowance: Any = None) -> dict[str, Any]:
    """The JSON document of a result (``CarbonResult.to_dict()``), with the allowance if given."""
    document = result.to_dict()
    if allowance is not None:
        document["allowance"] = _as_mapping(allowance)
    return document


def _as_mapping(value: Any) -> dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    for method in ("to_dict", "model_dump", "_asdict"):
        function = getattr(value, method, None)
        if callable(function):
            return dict(function())
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return dataclasses.asdict(value)
    return dict(vars(value))


def summary_table(result: CarbonResult, language: str = "en", allowance: Any = None) -> pd.DataFrame:
    """The summary figures as (item, value, unit) rows, labels in ``language``.

    Totals by scope, intensity per product and, with an allowance, its numeric fields. The
    identity of the report (installation, period, method and edition, GWP metric) is in the
    title block of every sheet (:func:`write_report_xlsx`), so the value column holds numbers
    only and gets a number format.
    """
    language = check_language(language)
    rows: list[tuple[str, float, str]] = []
    for scope, value in result.totals_t_co2e.items():
        rows.append((_scope_label(scope, language), float(value), _unit("t CO2e", language)))
    for product, value in result.intensity_t_co2e_per_t.items():
        rows.append((_intensity_label(product, language), float(value), _intensity_unit(product, language)))
    if allowance is not None:
        units = {
            "allowance_t_co2e": "t CO2e",
            "covered_emissions_t_co2e": "t CO2e",
            "surplus_t_co2e": "t CO2e",
            "price_cny_per_t": "CNY/t CO2e",
            "cost_cny": "CNY",
            "surplus_value_cny": "CNY",
        }
        mapping = _as_mapping(allowance)
        for key, unit in units.items():
            amount = mapping.get(key)
            if isinstance(amount, int | float) and not isinstance(amount, bool):
                rows.append((_l(key, language), float(amount), _unit(unit, language)))
    return pd.DataFrame(
        rows, columns=[_l("item", language), _l("value", language), _l("unit_header", language)]
    ).astype({_l("value", language): float})


def allowance_items(allowance: Any, language: str = "en") -> list[tuple[str, Any]]:
    """The fields of an allowance position as (label, value) pairs."""
    items = []
    for key, value in _as_mapping(allowance).items():
        if isinstance(value, dict | list):
            continue
        if key == "needs_verification":
            items.append((_l("allowance_status", language), _status(value, language)))
        elif key == "year":
            items.append((_l(key, language), str(value)))  # a year, not a quantity: no separator
        elif key in ("sector", "rule") and isinstance(value, str):
            items.append((_l(key, language), _name(value, language)))
        else:
            items.append((_l(key, language), "–" if value is None else value))
    return items


def lines_table(result: CarbonResult, language: str = "en") -> pd.DataFrame:
    """The emission lines with translated headers, categories, scopes and factor status."""
    language = check_language(language)
    lines = result.lines
    table = pd.DataFrame({column: lines[column] for column in _LINE_COLUMNS if column in lines.columns})
    if "category" in table:
        table["category"] = [_category_label(value, language) for value in table["category"]]
    for column in ("process", "source_stream"):
        if column in table:
            table[column] = [_name(value, language) for value in table[column]]
    for column in ("activity_unit", "factor_unit"):
        if column in table:
            table[column] = [_unit(value, language) for value in table[column]]
    if "scope" in table:
        table["scope"] = [_scope_label(str(value), language) for value in table["scope"]]
    if "needs_verification" in table:
        table["needs_verification"] = [_status(value, language) for value in table["needs_verification"]]
    if "factor" in table:
        # Factors span 1e-6 (PFC per t Al) to 1e2: keep full precision (Excel "General"), not the
        # fixed three decimals of the other number columns.
        table["factor"] = table["factor"].astype(object)
    if "emissions_t" in table:
        table["emissions_t"] = table["emissions_t"].astype(object)  # t of CF4/C2F6 can be < 0.001
    table.columns = [_l(column, language) for column in table.columns]
    return table.reset_index(drop=True)


def factors_table(result: CarbonResult, language: str = "en") -> pd.DataFrame:
    """Each distinct factor of the result (stream, value, unit, source) and how many lines use it."""
    language = check_language(language)
    keys = [
        column
        for column in (
            "source_stream",
            "category",
            "factor",
            "factor_unit",
            "factor_source",
            "needs_verification",
        )
        if column in result.lines.columns
    ]
    lines = result.lines[keys].copy()
    if lines.empty:
        return pd.DataFrame(columns=[_l(key, language) for key in keys] + [_l("uses", language)])
    lines["needs_verification"] = lines.get("needs_verification", False)
    grouped = (
        lines.astype({"factor_source": str, "factor_unit": str})
        .groupby(keys, dropna=False, sort=False)
        .size()
        .rename("uses")
        .reset_index()
    )
    if "category" in grouped:
        grouped["category"] = [_category_label(value, language) for value in grouped["category"]]
    grouped["source_stream"] = [_name(value, language) for value in grouped["source_stream"]]
    grouped["factor_unit"] = [_unit(value, language) for value in grouped["factor_unit"]]
    grouped["needs_verification"] = [_status(value, language) for value in grouped["needs_verification"]]
    if "factor" in grouped:
        grouped["factor"] = grouped["factor"].astype(object)  # full precision, as in lines_table
    grouped.columns = [_l(column, language) for column in grouped.columns]
    return grouped


def _balance_table(result: CarbonResult, language: str) -> pd.DataFrame:
    balance = result.carbon_balance
    columns = [_l("item", language), _l("value", language)]
    if balance is None:
        return pd.DataFrame([(_l("no_balance", language), math.nan)], columns=columns)
    mapping = _as_mapping(balance)
    rows = [(_l(key, language), float(mapping[key])) for key in _BALANCE_FIELDS if key in mapping]
    return pd.DataFrame(rows, columns=columns)


def _warnings_table(result: CarbonResult, language: str) -> pd.DataFrame:
    warnings = _warning_texts(result, language) or [_l("no_warnings", language)]
    return pd.DataFrame({_l("warning", language): warnings})


def report_sheets(
    result: CarbonResult, language: str = "en", allowance: Any = None
) -> dict[str, pd.DataFrame]:
    """The sheets of the Excel report, in order, named in ``language``."""
    language = check_language(language)
    sheets = {
        _l("sheet_summary", language): summary_table(result, language, allowance),
        _l("sheet_lines", language): lines_table(result, language),
        _l("sheet_balance", language): _balance_table(result, language),
        _l("sheet_factors", language): factors_table(result, language),
        _l("sheet_warnings", language): _warnings_table(result, language),
    }
    if allowance is not None:
        sheets[_l("sheet_allowance", language)] = pd.DataFrame(
            allowance_items(allowance, language), columns=[_l("item", language), _l("value", language)]
        )
    return sheets


def write_report_xlsx(
    path: str | os.PathLike[str], result: CarbonResult, language: str = "en", allowance: Any = None
) -> Path:
    """Write the Excel report of ``result`` (atomically) and return its path.

    Parameters
    ----------
    path
        The ``.xlsx`` file.
    result
        The computed result.
    language
        ``"en"`` or ``"zh"``.
    allowance
        An allowance position (from :mod:`greenmet.carbon.allowances`) to add, or None.
    """
    language = check_language(language)
    return write_workbook(
        path,
        report_sheets(result, language, allowance),
        title=f"{_l('report_title', language)} — {result.installation_name}",
        header_lines=_header_lines(result, language),
    )


def _format_number(value: Any, digits: int = 3) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        if isinstance(value, int):
            return f"{value:,}"
        if math.isnan(value):
            return "–"
        return f"{value:,.{digits}f}"
    return str(value)


def write_report_pdf(
    path: str | os.PathLike[str], result: CarbonResult, language: str = "en", allowance: Any = None
) -> Path:
    """Write a printable one-to-two-page PDF of the report's summary and return its path.

    Chinese text (every ``zh`` report, and any text the PDF standard fonts cannot show) is set in
    an open CJK TrueType font embedded as a subset, so that every viewer shows it
    (:mod:`greenmet.io.pdf_fonts` says where the font comes from). Needs the ``reports`` extra
    (reportlab).
    """
    language = check_language(language)
    try:
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.lib.units import mm
        from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        from greenmet.errors import InputError

        raise InputError(
            "PDF reports need reportlab",
            field="format",
            value="pdf",
            fix="pip install 'greenmet[reports]', or use --format xlsx",
        ) from exc

    # The content first as plain text (kind, payload), so that the font can be chosen from it.
    blocks: list[tuple[str, Any]] = [("title", _l("report_title", language))]
    blocks.append(("table", ([[key, value] for key, value in _header_lines(result, language)], [55, 115])))
    unit_row = [_l("item", language), _l("value", language), _l("unit_header", language)]
    blocks.append(("heading", _l("totals", language)))
    blocks.append(("table", ([unit_row] + [
        [_scope_label(scope, language), float(value), _unit("t CO2e", language)]
        for scope, value in result.totals_t_co2e.items()
    ], [90, 40, 40])))
    blocks.append(("heading", _l("intensity", language)))
    blocks.append(("table", ([unit_row] + [
        [_intensity_label(product, language), float(value), _intensity_unit(product, language)]
        for product, value in result.intensity_t_co2e_per_t.items()
    ], [90, 40, 40])))
    blocks.append(("heading", _l("sheet_balance", language)))
    balance = _balance_table(result, language)
    blocks.append(("table", ([list(balance.columns), *balance.values.tolist()], [125, 45])))
    if allowance is not None:
        blocks.append(("heading", _l("sheet_allowance", language)))
        blocks.append(("table", ([[_l("item", language), _l("value", language)]]
                                 + [list(item) for item in allowance_items(allowance, language)], [125, 45])))
    blocks.append(("heading", _l("sheet_warnings", language)))
    for warning in _warning_texts(result, language) or [_l("no_warnings", language)]:
        blocks.append(("body", f"• {warning}"))

    texts = [_l("report_title", language)]
    for kind, payload in blocks:
        if kind == "table":
            texts.extend(str(cell) for row in payload[0] for cell in row)
        else:
            texts.append(payload)
    font = register_cjk_font() if language == "zh" or needs_cjk_font(texts) else "Helvetica"
    styles = {
        "title": ParagraphStyle("title", fontName=font, fontSize=15, leading=20, spaceAfter=6),
        "heading": ParagraphStyle("heading", fontName=font, fontSize=11.5, leading=15, spaceBefore=8,
                                  spaceAfter=4),
        "body": ParagraphStyle("body", fontName=font, fontSize=8.5, leading=11),
    }

    def table(rows: list[list[Any]], widths: list[float]) -> Table:
        cells = [[Paragraph(_escape(_format_number(cell)), styles["body"]) for cell in row] for row in rows]
        return grid_table(cells, widths)

    story: list[Any] = [
        table(*payload) if kind == "table" else Paragraph(_escape(payload), styles[kind])
        for kind, payload in blocks
    ]
    story.append(Spacer(1, 4 * mm))

    def write(target: Path) -> None:
        document = SimpleDocTemplate(
            str(target),
            pagesize=A4,
            leftMargin=20 * mm,
            rightMargin=20 * mm,
            topMargin=18 * mm,
            bottomMargin=18 * mm,
            title=_l("report_title", language),
            author=f"greenmet {__version__}",
        )
        document.build(story)

    return atomic_write_with(path, write)


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_table(
    result: CarbonResult,
    language: str = "en",
    *,
    console: Console | None = None,
    allowance: Any = None,
    max_lines: int = 40,
) -> None:
    """Print the result as readable terminal tables (summary, totals, intensity, lines, warnings)."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    language = check_language(language)
    console = console or Console()
    head = Table(
        title=f"{_l('report_title', language)} — {result.installation_name}",
        show_header=False,
        title_justify="left",
    )
    head.add_column(style="bold")
    head.add_column()
    for key, value in _header_lines(result, language)[:-1]:
        head.add_row(escape(key), escape(value))
    console.print(head)

    totals = Table(title=_l("totals", language), title_justify="left")
    totals.add_column(_l("item", language))
    totals.add_column(_l("value", language), justify="right")
    totals.add_column(_l("unit_header", language))
    for scope, total in result.totals_t_co2e.items():
        totals.add_row(
            _scope_label(scope, language),
            _format_number(float(total), 1),
            _unit("t CO2e", language),
            style="bold" if scope == "total" else None,
        )
    for product, intensity in result.intensity_t_co2e_per_t.items():
        totals.add_row(
            _intensity_label(product, language),
            _format_number(float(intensity), 3),
            _intensity_unit(product, language),
            style="bold green",
        )
    console.print(totals)

    lines = result.lines
    if not lines.empty:
        shown = lines.sort_values("emissions_t_co2e", key=lambda s: s.abs(), ascending=False).head(max_lines)
        detail = Table(title=_l("sheet_lines", language), title_justify="left")
        for column in (
            "process",
            "source_stream",
            "category",
            "scope",
            "emissions_t_co2e",
            "needs_verification",
        ):
            numeric = column == "emissions_t_co2e"
            detail.add_column(
                escape(_l(column, language)),
                justify="right" if numeric else "left",
                no_wrap=numeric or column == "source_stream",
            )
        for row in shown.to_dict("records"):
            scope = str(row.get("scope"))
            scope_text = _l(f"{scope}_short", language)
            detail.add_row(
                escape(_name(row.get("process"), language)),
                escape(_name(row.get("source_stream"), language)),
                escape(_category_label(row.get("category"), language)),
                escape(scope if scope_text == f"{scope}_short" else scope_text),
                _format_number(float(row["emissions_t_co2e"]), 1),
                _l(
                    "provisional_short" if bool(row.get("needs_verification")) else "confirmed_short",
                    language,
                ),
            )
        console.print(detail)

    if result.carbon_balance is not None:
        balance = _balance_table(result, language)
        table = Table(title=_l("sheet_balance", language), title_justify="left", show_header=False)
        table.add_column()
        table.add_column(justify="right")
        for key, value in balance.values.tolist():
            table.add_row(escape(str(key)), _format_number(value, 3))
        console.print(table)
    if allowance is not None:
        table = Table(title=_l("sheet_allowance", language), title_justify="left", show_header=False)
        table.add_column()
        table.add_column(justify="right")
        for key, value in allowance_items(allowance, language):
            table.add_row(escape(str(key)), _format_number(value, 1))
        console.print(table)
    for warning in _warning_texts(result, language):
        console.print(
            f"[yellow]{escape(_l('warning', language))}:[/yellow] {escape(warning)}", highlight=False
        )


# ------------------------------------------------------------------------------------------------
# Batch tables


def _batch_header(column: str, language: str) -> str:
    """A readable header for a column of the batch table (machine names stay in CSV/Parquet)."""
    if column.startswith("intensity_") and column.endswith("_t_co2e_per_t"):
        product = column.removeprefix("intensity_").removesuffix("_t_co2e_per_t")
        return f"{_intensity_label(product, language)} [{_unit('t CO2e/t', language)}]"
    if column.endswith("_t_co2e") and column.removesuffix("_t_co2e") in _SCOPE_KEYS:
        return f"{_l(column.removesuffix('_t_co2e'), language)} [{_unit('t CO2e', language)}]"
    key = {"residual_t_c": "residual_t_c", "warnings_count": "warnings_count"}.get(column, column)
    return _l(key, language)


_SCOPE_KEYS = ("scope_1", "scope_2", "scope_3", "upstream", "credit", "precursor", "total")


def write_batch_table(path: str | os.PathLike[str], table: pd.DataFrame, language: str = "en") -> Path:
    """Write the batch result table as ``.csv``, ``.parquet`` or ``.xlsx`` (atomically).

    CSV and Parquet keep the machine column names (with unit suffixes); the Excel workbook shows
    labels in ``language``.
    """
    from greenmet.errors import InputError
    from greenmet.io.atomic import atomic_write_text

    language = check_language(language)
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".csv":
        return atomic_write_text(target, table.to_csv(index=False))
    if suffix == ".parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError as exc:  # pragma: no cover - depends on the installed extras
            raise InputError(
                "Parquet needs pyarrow",
                field="out",
                value=str(target),
                fix="pip install 'greenmet[platform]', or write .csv",
            ) from exc
        return atomic_write_with(target, lambda temporary: table.to_parquet(temporary, index=False))
    if suffix == ".xlsx":
        shown = table.rename(columns={column: _batch_header(column, language) for column in table.columns})
        return write_workbook(
            target, {_l("sheet_summary", language): shown}, title=_l("batch_title", language)
        )
    raise InputError(
        "unknown table format",
        field="out",
        value=str(target),
        fix="give a file ending in .csv, .parquet or .xlsx",
    )


def render_batch_table(
    table: pd.DataFrame, language: str = "en", *, console: Console | None = None, max_rows: int = 50
) -> None:
    """Print the batch result table (the first ``max_rows`` installations) in the terminal.

    Compact headers: scopes and totals in t CO2e, intensities in t CO2e per t of the product.
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    language = check_language(language)
    console = console or Console()
    shown = Table(
        title=f"{_l('batch_title', language)} ({len(table)}): {_l('batch_units', language)}",
        title_justify="left",
    )
    headers: dict[str, str] = {"installation_id": "id", "method": _l("method_short", language)}
    for column in table.columns:
        if column.endswith("_t_co2e"):
            scope = column.removesuffix("_t_co2e")
            text = _l(f"{scope}_short", language)
            headers[column] = scope if text == f"{scope}_short" else text
    for column in table.columns:
        if column.startswith("intensity_"):
            headers[column] = _name(column.removeprefix("intensity_").removesuffix("_t_co2e_per_t"), language)
    headers["warnings_count"] = _l("warnings_short", language)
    columns = [column for column in headers if column in table.columns]
    for column in columns:
        numeric = pd.api.types.is_numeric_dtype(table[column])
        shown.add_column(
            escape(headers[column]),
            justify="right" if numeric else "left",
            no_wrap=True,
            min_width={"installation_id": 12, "method": 8}.get(column, 5),
        )
    for row in table.head(max_rows).to_dict("records"):
        shown.add_row(
            *[
                escape(_format_number(row[c], 3 if "intensity" in c or "fraction" in c else 0))
                for c in columns
            ]
        )
    console.print(shown)
    if len(table) > max_rows:
        console.print(f"… {len(table) - max_rows} more; write them all with --out results.csv")
