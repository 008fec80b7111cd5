"""Furnace-chief / shift reports (炉长报告) and health checks as Excel workbooks and PDF files, zh or en.

The content comes from :func:`greenmet.monitoring.health.report.furnace_report`; every label
from ``greenmet/monitoring/health/labels.toml``. The workbook (through
:func:`greenmet.io.excel.write_workbook`) has the sheets summary, production, operations,
hot-metal quality, casts, alerts, health groups, health indicators and hourly, with native
Excel charts (hourly trends, hot-metal temperature and silicon by cast, group scores). The
PDF holds the same tables and charts drawn with reportlab's graphics, Chinese set in the
embedded CJK font (:mod:`greenmet.io.pdf_fonts`). Both are written atomically.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from greenmet import __version__
from greenmet.errors import InputError
from greenmet.i18n import check_language, label, unit_label
from greenmet.io.atomic import atomic_write_with
from greenmet.io.excel import write_workbook
from greenmet.io.pdf_fonts import needs_cjk_font, register_cjk_font
from greenmet.io.pdf_tables import grid_table

if TYPE_CHECKING:
    from greenmet.monitoring.health.check import HealthCheck
    from greenmet.monitoring.health.report import FurnaceReport

__all__ = [
    "health_sheets",
    "report_sheets",
    "write_furnace_report_pdf",
    "write_furnace_report_xlsx",
    "write_health_xlsx",
]

_LABELS = "greenmet.monitoring.health"


def _l(key: str, language: str) -> str:
    return label(key, language, _LABELS)


def _header(column: str, language: str) -> str:
    return _l(f"column_{column}", language)


def _localise(
    frame: pd.DataFrame, language: str, *, quantity_columns: tuple[str, ...] = ("quantity",)
) -> pd.DataFrame:
    table = frame.copy()
    for column in quantity_columns:
        if column in table.columns:
            table[column] = table[column].map(lambda v: _l(str(v), language) if isinstance(v, str) else v)
    if "unit" in table.columns:
        table["unit"] = table["unit"].map(lambda v: unit_label(str(v), language) if isinstance(v, str) else v)
    for column in table.columns:
        if isinstance(table[column].dtype, pd.DatetimeTZDtype):
            table[column] = table[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return table.rename(columns={c: _header(str(c), language) for c in table.columns})


def _header_lines(report: FurnaceReport, language: str) -> list[tuple[str, str]]:
    period = report.period
    zone = period.time_zone
    start = period.start.tz_convert(zone).strftime("%Y-%m-%d %H:%M")
    end = period.end.tz_convert(zone).strftime("%Y-%m-%d %H:%M")
    kind = _l(f"period_{period.kind}", language)
    lines = [
        (_l("site", language), report.site),
        (_l("furnace", language), report.furnace),
        (_l("period", language), f"{kind} {period.label()}"),
        (_l("local_time", language), f"{start} – {end} ({zone})"),
        (_l("utc_time", language), f"{period.start:%Y-%m-%d %H:%M} – {period.end:%Y-%m-%d %H:%M} UTC"),
    ]
    if report.health.provisional:
        lines.append((_l("provisional", language), _l("provisional_text", language)))
    return lines


def _summary_table(report: FurnaceReport, language: str) -> pd.DataFrame:
    rows = []
    for key, value in report.summary.items():
        if key == "period_label":
            continue
        if isinstance(value, bool):
            value = _l("yes", language) if value else _l("no", language)
        rows.append({"quantity": key, "value": value})
    for item in report.missing:
        key, _, tag = item.partition(":")
        rows.append({"quantity": "note", "value": _l(key, language).format(tag=tag)})
    return _localise(pd.DataFrame(rows), language)


def health_sheets(check: HealthCheck, language: str) -> dict[str, pd.DataFrame]:
    """The health check's two tables, localised: groups and indicators."""
    groups = check.groups.copy()
    groups["group"] = groups["group"].map(lambda g: _l(g, language))
    indicators = check.indicators.copy()
    indicators["group"] = indicators["group"].map(lambda g: _l(g, language))
    indicators["indicator"] = indicators["indicator"].map(lambda g: _l(g, language))
    indicators["trend"] = indicators["trend"].map(lambda t: _l(t, language) if t else "")
    indicators["status"] = indicators["status"].map(lambda t: _l(t, language))
    indicators["reason"] = indicators[f"reason_{language}"]
    indicators = indicators.drop(columns=["reason_en", "reason_zh"])
    return {
        _l("sheet_health_groups", language): _localise(groups, language, quantity_columns=()),
        _l("sheet_health_indicators", language): _localise(indicators, language, quantity_columns=()),
    }


def report_sheets(report: FurnaceReport, language: str = "en") -> dict[str, pd.DataFrame]:
    """Sheet name → localised table of the report."""
    language = check_language(language)
    casts = report.casts.drop(columns=[c for c in ("start",) if c in report.casts.columns])
    alerts = report.alerts.drop(columns=["message_zh" if language == "en" else "message_en"])
    hourly = report.hourly.reset_index()
    return {
        _l("sheet_summary", language): _summary_table(report, language),
        _l("sheet_production", language): _localise(report.production, language),
        _l("sheet_operations", language): _localise(report.operations, language),
        _l("sheet_quality", language): _localise(report.hot_metal_quality, language),
        _l("sheet_casts", language): _localise(casts, language, quantity_columns=()),
        _l("sheet_alerts", language): _localise(alerts, language, quantity_columns=()),
        **health_sheets(report.health, language),
        _l("sheet_hourly", language): _localise(hourly, language, quantity_columns=()),
    }


def _title(report: FurnaceReport, language: str) -> str:
    return f"{_l(f'title_{report.period.kind}', language)} — {report.furnace}"


def write_furnace_report_xlsx(
    path: str | os.PathLike[str], report: FurnaceReport, language: str = "en"
) -> Path:
    """Write the report as an Excel workbook with charts (atomically) and return its path."""
    language = check_language(language)
    sheets = report_sheets(report, language)
    names = list(sheets)
    casts_sheet, groups_sheet, hourly_sheet = names[4], names[6], names[8]

    def charts(book: Any, worksheets: Mapping[str, Any], header_row: int) -> None:
        first = header_row + 1
        hourly = sheets[hourly_sheet]
        for offset, column in enumerate(hourly.columns[1:], start=1):
            last = first + len(hourly) - 1
            if len(hourly) < 2:
                break
            chart = book.add_chart({"type": "line"})
            chart.add_series(
                {
                    "name": str(column),
                    "categories": [hourly_sheet, first, 0, last, 0],
                    "values": [hourly_sheet, first, offset, last, offset],
                }
            )
            chart.set_title({"name": str(column)})
            chart.set_legend({"none": True})
            chart.set_size({"width": 520, "height": 240})
            worksheets[hourly_sheet].insert_chart(
                header_row + 1 + 13 * (offset - 1), len(hourly.columns) + 1, chart
            )
        casts = sheets[casts_sheet]
        if len(casts) >= 2:
            for position, key in enumerate(("hot_metal_temperature_degC", "hot_metal_silicon_percent")):
                header = _header(key, language)
                if header not in casts.columns:
                    continue
                column_number = list(casts.columns).index(header)
                chart = book.add_chart({"type": "line"})
                chart.add_series(
                    {
                        "name": header,
                        "categories": [casts_sheet, first, 0, first + len(casts) - 1, 0],
                        "values": [casts_sheet, first, column_number, first + len(casts) - 1, column_number],
                        "marker": {"type": "circle"},
                    }
                )
                chart.set_title({"name": header})
                chart.set_legend({"none": True})
                worksheets[casts_sheet].insert_chart(header_row + 2 + len(casts) + 16 * position, 1, chart)
        groups = sheets[groups_sheet]
        chart = book.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": _l("column_score", language),
                "categories": [groups_sheet, first, 0, first + len(groups) - 1, 0],
                "values": [groups_sheet, first, 1, first + len(groups) - 1, 1],
            }
        )
        chart.set_title({"name": _l("chart_group_scores", language)})
        chart.set_x_axis({"min": 0, "max": 100})
        chart.set_legend({"none": True})
        worksheets[groups_sheet].insert_chart(header_row + 2 + len(groups), 0, chart)

    return write_workbook(
        path,
        sheets,
        title=_title(report, language),
        header_lines=_header_lines(report, language),
        decorate=charts,
    )


def write_health_xlsx(
    path: str | os.PathLike[str],
    check: HealthCheck,
    language: str = "en",
    *,
    site: str = "",
    furnace: str = "",
) -> Path:
    """Write a health check (groups and indicators) as an Excel workbook."""
    language = check_language(language)
    score = "–" if math.isnan(check.overall_score) else f"{check.overall_score:.1f}"
    header = [
        (_l("site", language), site),
        (_l("furnace", language), furnace),
        (
            _l("utc_time", language),
            f"{check.period_start:%Y-%m-%d %H:%M} – {check.period_end:%Y-%m-%d %H:%M} UTC",
        ),
        (_l("health_score", language), f"{score} ({check.grade})"),
    ]
    if check.provisional:
        header.append((_l("provisional", language), _l("provisional_text", language)))
    return write_workbook(
        path,
        health_sheets(check, language),
        title=f"{_l('title_health', language)} — {furnace}",
        header_lines=header,
    )


def _format(value: Any, digits: int = 2) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if math.isinf(value):
            return "∞" if value > 0 else "−∞"
        return f"{value:,.{digits}f}"
    if isinstance(value, pd.Timestamp):
        return "–" if pd.isna(value) else value.strftime("%m-%d %H:%M")
    return str(value)


def _pdf_modules() -> Any:
    try:
        import reportlab  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise InputError(
            "PDF reports need reportlab",
            field="format",
            value="pdf",
            fix="pip install 'greenmet[reports]', or use --format xlsx",
        ) from exc


def _line_chart(series: list[tuple[str, list[tuple[float, float]]]], font: str, title: str) -> Any:
    from reportlab.graphics.charts.lineplots import LinePlot
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    drawing = Drawing(470, 130)
    drawing.add(String(5, 118, title, fontName=font, fontSize=8))
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 45, 15, 410, 95
    plot.data = [points for _, points in series]
    palette = [colors.HexColor("#1f77b4"), colors.HexColor("#d62728"), colors.HexColor("#2ca02c")]
    for index in range(len(series)):
        plot.lines[index].strokeColor = palette[index % len(palette)]
    plot.xValueAxis.labels.fontName = font
    plot.yValueAxis.labels.fontName = font
    plot.xValueAxis.labels.fontSize = plot.yValueAxis.labels.fontSize = 6
    drawing.add(plot)
    return drawing


def _bar_chart(names: list[str], values: list[float], font: str, title: str) -> Any:
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    drawing = Drawing(470, 30 + 16 * len(names))
    drawing.add(String(5, 18 + 16 * len(names), title, fontName=font, fontSize=8))
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 110, 10, 340, 14 * len(names)
    chart.data = [[0.0 if math.isnan(v) else v for v in values]]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, 100
    chart.categoryAxis.categoryNames = names
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontSize = 6
    chart.bars[0].fillColor = colors.HexColor("#4e79a7")
    drawing.add(chart)
    return drawing


def write_furnace_report_pdf(
    path: str | os.PathLike[str], report: FurnaceReport, language: str = "en"
) -> Path:
    """Write the report as a PDF with tables and charts (atomically) and return its path.

    Chinese text is set in an open CJK TrueType font embedded as a subset
    (:mod:`greenmet.io.pdf_fonts`). Needs the ``reports`` extra (reportlab).
    """
    language = check_language(language)
    _pdf_modules()
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    sheets = report_sheets(report, language)
    header = _header_lines(report, language)
    texts = [_title(report, language)] + [f"{k} {v}" for k, v in header]
    for frame in sheets.values():
        texts.extend(str(c) for c in frame.columns)
        texts.extend(str(v) for v in frame.astype(str).to_numpy().ravel().tolist()[:2000])
    font = register_cjk_font() if language == "zh" or needs_cjk_font(texts) else "Helvetica"
    styles = {
        "title": ParagraphStyle("title", fontName=font, fontSize=14, leading=19, spaceAfter=6),
        "heading": ParagraphStyle(
            "heading", fontName=font, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4
        ),
        "body": ParagraphStyle("body", fontName=font, fontSize=7.5, leading=9.5),
    }

    def escape(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def table(frame: pd.DataFrame, widths: list[float] | None = None, limit: int = 60) -> Any:
        rows = [[Paragraph(escape(str(c)), styles["body"]) for c in frame.columns]]
        for values in frame.head(limit).itertuples(index=False):
            rows.append([Paragraph(escape(_format(v)), styles["body"]) for v in values])
        return grid_table(rows, widths, grid_width=0.3)

    names = list(sheets)
    story: list[Any] = [Paragraph(escape(_title(report, language)), styles["title"])]
    story.append(
        table(
            pd.DataFrame(header, columns=[_l("column_quantity", language), _l("column_value", language)]),
            [45, 125],
        )
    )
    story.append(Paragraph(escape(names[0]), styles["heading"]))
    story.append(table(sheets[names[0]], [90, 80]))
    for position in (1, 2, 3):
        story.append(Paragraph(escape(names[position]), styles["heading"]))
        story.append(table(sheets[names[position]]))
    story.append(Paragraph(escape(_l("sheet_health_groups", language)), styles["heading"]))
    groups = report.health.groups
    story.append(
        _bar_chart(
            [_l(g, language) for g in groups["group"]],
            groups["score"].tolist(),
            font,
            f"{_l('chart_group_scores', language)}: {_format(report.health.overall_score, 1)}"
            f" ({report.health.grade})",
        )
    )
    indicators = report.health.indicators
    compact = pd.DataFrame(
        {
            _l("column_indicator", language): [_l(n, language) for n in indicators["indicator"]],
            _l("column_value", language): indicators["value"],
            _l("column_unit", language): [unit_label(u, language) for u in indicators["unit"]],
            _l("column_score", language): indicators["score"],
            _l("column_band", language): [
                f"{_format(lo)} – {_format(hi)}"
                for lo, hi in zip(indicators["good_low"], indicators["good_high"], strict=True)
            ],
            _l("column_trend", language): [_l(t, language) if t else "" for t in indicators["trend"]],
            _l("column_reason", language): indicators[f"reason_{language}"],
        }
    )
    story.append(table(compact, [45, 20, 17, 14, 30, 14, 30]))
    hourly = report.hourly
    if len(hourly) >= 2:
        story.append(Paragraph(escape(names[8]), styles["heading"]))
        hours = ((hourly.index - hourly.index[0]) / pd.Timedelta(hours=1)).to_numpy(dtype=float)
        for tag in hourly.columns:
            values = hourly[tag].to_numpy(dtype=float)
            points = [(float(h), float(v)) for h, v in zip(hours, values, strict=True) if not math.isnan(v)]
            if len(points) >= 2:
                story.append(
                    _line_chart(
                        [(tag, points)],
                        font,
                        f"{_l(str(tag), language)} ({_l('hours_from_start', language)})",
                    )
                )
    casts = report.casts
    if len(casts) >= 2 and "hot_metal_temperature_degC" in casts.columns:
        for key in ("hot_metal_temperature_degC", "hot_metal_silicon_percent"):
            values = pd.to_numeric(casts[key], errors="coerce").to_numpy(dtype=float)
            points = [(float(i + 1), float(v)) for i, v in enumerate(values) if not math.isnan(v)]
            if len(points) >= 2:
                story.append(
                    _line_chart([(key, points)], font, f"{_l(key, language)} ({_l('by_cast', language)})")
                )
    story.append(Paragraph(escape(names[4]), styles["heading"]))
    story.append(table(sheets[names[4]]))
    story.append(Paragraph(escape(names[5]), styles["heading"]))
    alerts = sheets[names[5]]
    story.append(
        table(alerts) if len(alerts) else Paragraph(escape(_l("no_alerts", language)), styles["body"])
    )
    story.append(Spacer(1, 4 * mm))

    def write(target: Path) -> None:
        document = SimpleDocTemplate(
            str(target),
            pagesize=A4,
            leftMargin=15 * mm,
            rightMargin=15 * mm,
            topMargin=15 * mm,
            bottomMargin=15 * mm,
            title=_title(report, language),
            author=f"greenmet {__version__}",
        )
        document.build(story)

    return atomic_write_with(path, write)
