"""Green-evaluation reports: terminal table, JSON, Excel workbook and PDF with a radar chart, in
Chinese or English; the fleet ranking of many enterprises.

Labels come from ``greenmet/evaluation/labels.toml``. The radar chart shows each indicator's
position between its floor and its target on one 0–1 scale (:func:`radar_points`): energy per
process from level 3 (0) to level 1 (1) of its standard after corrections, and the green-factory
indicators from their baseline (0) to their leading value (1). It is drawn with Plotly
(``radar_figure``, interactive HTML) and, for the PDF, with matplotlib (a PNG embedded in the page).
"""

from __future__ import annotations

import io
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from greenmet import __version__
from greenmet.errors import InputError
from greenmet.evaluation.evaluate import EvaluationResult
from greenmet.i18n import check_language, label
from greenmet.io.atomic import atomic_write_text, atomic_write_with
from greenmet.io.excel import write_workbook
from greenmet.io.pdf_fonts import find_cjk_font, needs_cjk_font, register_cjk_font

__all__ = [
    "FLEET_COLUMNS",
    "fleet_table",
    "indicator_table",
    "radar_figure",
    "radar_points",
    "write_fleet_xlsx",
    "write_radar_html",
    "write_report_pdf",
    "write_report_xlsx",
]

_LABELS = "greenmet.evaluation"
_TABLE_COLUMNS = (
    "area",
    "indicator",
    "process",
    "standard",
    "edition",
    "value",
    "unit",
    "level_1",
    "level_2",
    "level_3",
    "verdict",
    "next_level",
    "gap",
    "gap_percent",
    "annual_gap",
    "annual_gap_unit",
    "needs_verification",
    "measures",
)
_HEADERS = {
    "zh": {
        "area": "类别",
        "indicator": "指标",
        "process": "工序/排放口",
        "standard": "标准",
        "edition": "版本",
        "value": "数值",
        "unit": "单位",
        "level_1": "1级/标杆",
        "level_2": "2级",
        "level_3": "3级/基准/要求",
        "verdict": "判定",
        "next_level": "下一目标",
        "gap": "差距",
        "gap_percent": "差距 %",
        "annual_gap": "年度差距",
        "annual_gap_unit": "年度差距单位",
        "needs_verification": "待核实",
        "measures": "典型措施",
    },
}
FLEET_COLUMNS: tuple[str, ...] = (
    "rank",
    "enterprise_id",
    "enterprise_name",
    "sector",
    "indicators",
    "failing",
    "green_factory_score",
    "green_factory_grade",
    "provisional",
)


def _l(key: str, language: str) -> str:
    return label(key, language, _LABELS)


def indicator_table(result: EvaluationResult, language: str = "en") -> pd.DataFrame:
    """The indicators for people: verdicts and measures in ``language``, headers translated in zh."""
    language = check_language(language)
    table = result.indicators.loc[:, list(_TABLE_COLUMNS)].copy()
    table["area"] = [_l(f"area_{a}", language) for a in table["area"]]
    table["verdict"] = [
        _l(f"verdict_{v}", language) if f"verdict_{v}" != _l(f"verdict_{v}", language) else v
        for v in table["verdict"]
    ]
    table["measures"] = [_l(m, language) if m else "" for m in table["measures"]]
    table["needs_verification"] = ["provisional" if v else "" for v in table["needs_verification"]]
    if language == "zh":
        table["needs_verification"] = ["暂定" if v else "" for v in table["needs_verification"]]
        table = table.rename(columns=_HEADERS["zh"])
    return table


def radar_points(result: EvaluationResult) -> pd.DataFrame:
    """Indicator positions for the radar chart, 0 = floor (level 3 / baseline), 1 = target.

    Returns
    -------
    pandas.DataFrame
        Columns ``axis`` and ``position`` (clipped to 0..1.2 so that a far-off value stays on the
        chart).
    """
    rows = []
    energy = result.indicators[result.indicators["area"] == "energy"]
    for record in energy.to_dict("records"):
        floor, target = record["level_3"], record["level_1"]
        position = (floor - record["value"]) / (floor - target) if floor != target else float("nan")
        rows.append((f"{record['process']} ({record['standard']})", position))
    if result.green_factory is not None:
        for record in result.green_factory.indicators.to_dict("records"):
            if record["indicator"] != "product_energy":
                rows.append((str(record["indicator"]), float(record["fraction"])))
    frame = pd.DataFrame(rows, columns=["axis", "position"])
    frame["position"] = frame["position"].clip(0.0, 1.2)
    return frame


def radar_figure(result: EvaluationResult, language: str = "en") -> Any:
    """A Plotly radar chart of :func:`radar_points` with the floor and target rings."""
    try:
        import plotly.graph_objects as go
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise InputError(
            "radar charts need plotly", field="format", value="html", fix="pip install 'greenmet[reports]'"
        ) from exc
    points = radar_points(result)
    axes = [*points["axis"], points["axis"].iloc[0]] if len(points) else []
    figure = go.Figure()
    figure.add_trace(
        go.Scatterpolar(
            r=[1.0] * len(axes), theta=axes, name=_l("radar_target", language), line={"dash": "dash"}
        )
    )
    figure.add_trace(
        go.Scatterpolar(
            r=[*points["position"], *points["position"].iloc[:1]],
            theta=axes,
            fill="toself",
            name=result.enterprise_name,
        )
    )
    figure.update_layout(title=_l("radar_title", language), polar={"radialaxis": {"range": [0, 1.2]}})
    return figure


def write_radar_html(path: str | os.PathLike[str], result: EvaluationResult, language: str = "en") -> Path:
    """Write the radar chart as a self-contained HTML page (plotly.js inlined: works offline)."""
    html = radar_figure(result, language).to_html(include_plotlyjs=True, full_html=True)
    return atomic_write_text(path, html)


def _radar_png(result: EvaluationResult, language: str) -> bytes | None:
    points = radar_points(result)
    if len(points) < 3:
        return None
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    properties = None
    if language == "zh" or needs_cjk_font(list(points["axis"])):
        font_path, _ = find_cjk_font()
        font_manager.fontManager.addfont(str(font_path))
        properties = font_manager.FontProperties(fname=str(font_path))
    angles = np.linspace(0, 2 * math.pi, len(points), endpoint=False)
    closed = np.r_[angles, angles[:1]]
    figure, axis = plt.subplots(figsize=(5.5, 5.5), subplot_kw={"projection": "polar"})
    axis.plot(closed, np.ones_like(closed), linestyle="--", color="grey", label=_l("radar_target", language))
    values = np.r_[points["position"].to_numpy(), points["position"].to_numpy()[:1]]
    axis.plot(closed, values, color="#2E7D32")
    axis.fill(closed, values, color="#2E7D32", alpha=0.25)
    axis.set_xticks(angles)
    axis.set_xticklabels(list(points["axis"]), fontproperties=properties, fontsize=7)
    axis.set_ylim(0, 1.2)
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=150)
    plt.close(figure)
    return buffer.getvalue()


def _summary(result: EvaluationResult, language: str) -> list[tuple[str, str]]:
    lines = [
        (_l("enterprise", language), f"{result.enterprise_name} ({result.enterprise_id})"),
        (_l("reporting_year", language), str(result.reporting_year)),
        (_l("status", language), _l("provisional" if result.provisional else "final", language)),
    ]
    if result.green_factory is not None:
        score = result.green_factory
        overall = "–" if score.overall_score is None else f"{score.overall_score:.1f}"
        lines.append(
            (
                _l("green_factory", language),
                f"{score.quantitative_score:.1f} / {overall} ({_l('grade_' + score.grade, language)})",
            )
        )
    return lines


def write_report_xlsx(path: str | os.PathLike[str], result: EvaluationResult, language: str = "en") -> Path:
    """Write the evaluation workbook: indicators, monthly emissions, green factory, notes."""
    language = check_language(language)
    sheets = {
        _l("sheet_indicators", language): indicator_table(result, language),
        _l("sheet_emissions", language): result.emissions,
    }
    if result.green_factory is not None:
        sheets[_l("green_factory", language)] = result.green_factory.indicators
    sheets[_l("sheet_notes", language)] = pd.DataFrame({_l("sheet_notes", language): result.notes or ["–"]})
    return write_workbook(
        path, sheets, title=_l("report_title", language), header_lines=_summary(result, language)
    )


def _text(value: Any) -> str:
    if isinstance(value, float):
        return "–" if math.isnan(value) else f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return "" if value is None else str(value)


def write_report_pdf(path: str | os.PathLike[str], result: EvaluationResult, language: str = "en") -> Path:
    """Write a printable PDF: summary, radar chart, indicator verdicts and gaps, notes.

    Chinese text is set in the embedded CJK font of :mod:`greenmet.io.pdf_fonts`.
    """
    language = check_language(language)
    try:
        from reportlab.lib import colors
        from reportlab.lib.pagesizes import A4, landscape
        from reportlab.lib.styles import ParagraphStyle
        from reportlab.lib.units import mm
        from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise InputError(
            "PDF reports need reportlab",
            field="format",
            value="pdf",
            fix="pip install 'greenmet[reports]', or use --format xlsx",
        ) from exc
    table = indicator_table(result, language)
    shown = table.iloc[:, [0, 1, 2, 3, 5, 6, 9, 10, 12, 14, 15, 16]]
    texts = [*map(str, shown.columns), *(_text(v) for v in shown.to_numpy().ravel()), *result.notes]
    font = register_cjk_font() if language == "zh" or needs_cjk_font(texts) else "Helvetica"
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20, spaceAfter=6)
    body = ParagraphStyle("body", fontName=font, fontSize=7, leading=9)

    def cell(value: Any) -> Any:
        return Paragraph(_escape(_text(value)), body)

    story: list[Any] = [Paragraph(_escape(_l("report_title", language)), title)]
    story.append(
        Table([[cell(k), cell(v)] for k, v in _summary(result, language)], colWidths=[45 * mm, 150 * mm])
    )
    png = _radar_png(result, language)
    if png is not None:
        story.append(Image(io.BytesIO(png), width=95 * mm, height=95 * mm))
    rows = [[cell(h) for h in shown.columns], *[[cell(v) for v in row] for row in shown.to_numpy()]]
    grid = Table(rows, repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#DDEBF7")),
                ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [Spacer(1, 4 * mm), grid, Spacer(1, 4 * mm)]
    story += [Paragraph(_escape(f"• {note}"), body) for note in result.notes]

    def write(target: Path) -> None:
        document = SimpleDocTemplate(
            str(target),
            pagesize=landscape(A4),
            leftMargin=12 * mm,
            rightMargin=12 * mm,
            topMargin=12 * mm,
            bottomMargin=12 * mm,
            title=_l("report_title", language),
            author=f"greenmet {__version__}",
        )
        document.build(story)

    return atomic_write_with(path, write)


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def fleet_table(results: list[EvaluationResult]) -> pd.DataFrame:
    """Rank many enterprises: fewest failing indicators first, then the green-factory score.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FLEET_COLUMNS`, one row per enterprise.
    """
    rows = []
    failing_verdicts = {
        "fails_limit",
        "worse_than_baseline",
        "fails",
        "worse_than_reference",
        "below_all_grades",
    }
    for result in results:
        score = result.green_factory
        rows.append(
            (
                result.enterprise_id,
                result.enterprise_name,
                result.sector,
                len(result.indicators),
                int(result.indicators["verdict"].isin(failing_verdicts).sum()),
                float("nan") if score is None else score.quantitative_score,
                "" if score is None else score.grade,
                result.provisional,
            )
        )
    frame = pd.DataFrame(rows, columns=list(FLEET_COLUMNS[1:]))
    frame = frame.sort_values(
        ["failing", "green_factory_score", "enterprise_id"], ascending=[True, False, True], na_position="last"
    ).reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame


def write_fleet_xlsx(path: str | os.PathLike[str], fleet: pd.DataFrame, language: str = "en") -> Path:
    """Write the fleet ranking as a workbook."""
    language = check_language(language)
    return write_workbook(path, {_l("sheet_fleet", language): fleet}, title=_l("fleet_title", language))
