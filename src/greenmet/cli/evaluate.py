"""``greenmet evaluate …``: green evaluation of enterprises against China's standards and the labels.

Thin shell: files are read by :mod:`greenmet.io.evaluation_files`, the evaluation is
:func:`greenmet.evaluation.evaluate`, reports are written by :mod:`greenmet.io.evaluation_report`.
"""

from __future__ import annotations

import json
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from greenmet.cli._common import Language, echo_json, guarded
from greenmet.errors import FileFormatError, InputError, Location

__all__ = ["app"]

app = typer.Typer(
    help="Green evaluation: energy limits, ultra-low emission, resources, labels, green factory. 绿色评价。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

STANDARD_TABLES = (
    "energy_limits",
    "energy_limit_corrections",
    "emission_limits",
    "carbon_labels",
    "resource_benchmarks",
    "energy_conversion_factors",
    "evaluation_rules",
)


class ReportFormat(StrEnum):
    """Output formats of ``greenmet evaluate report``."""

    table = "table"
    json = "json"
    xlsx = "xlsx"
    pdf = "pdf"


class BatchFormat(StrEnum):
    """Output formats of ``greenmet evaluate batch``."""

    table = "table"
    json = "json"
    xlsx = "xlsx"


class ShortFormat(StrEnum):
    """Output formats of ``greenmet evaluate standards``."""

    table = "table"
    json = "json"


_LanguageOption = Annotated[
    Language, typer.Option("--language", "-l", help="Language of labels and reports.")
]
_OutOption = Annotated[Path | None, typer.Option("--out", "-o", help="File to write (xlsx, pdf; json too).")]
_WeightsOption = Annotated[
    Path | None, typer.Option("--weights", help="Green-factory weights TOML (default: the shipped file).")
]


def _weights(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise FileFormatError(
            f"the weights file cannot be read: {exc}",
            field="--weights",
            value=str(path),
            location=Location(str(path)),
            fix="start from greenmet/evaluation/green_factory_weights.toml",
        ) from exc


def _print_table(frame: Any, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for column in frame.columns:
        table.add_column(str(column), overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(*(_cell(v) for v in row))
    Console(width=200).print(table)


def _json_out(document: Any, out: Path | None) -> None:
    """Print ``document`` as JSON, or write it atomically to ``out`` and print the path."""
    from greenmet.io.atomic import atomic_write_text

    if out is None:
        echo_json(document)
    else:
        typer.echo(
            str(atomic_write_text(out, json.dumps(document, indent=2, ensure_ascii=False, default=str)))
        )


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if value != value:
            return "–"
        return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
    return str(value)


_TERMINAL_COLUMNS = (0, 2, 3, 5, 6, 10, 11, 12, 14, 15, 16)  # area … provisional; measures in xlsx/pdf/json


@app.command("report")
@guarded
def report(
    enterprise: Annotated[Path, typer.Argument(help="Enterprise file (.toml, .yaml, .json).")],
    output_format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ReportFormat.table,
    language: _LanguageOption = Language.en,
    out: _OutOption = None,
    weights: _WeightsOption = None,
    radar: Annotated[Path | None, typer.Option("--radar", help="Also write the radar chart as HTML.")] = None,
) -> None:
    """Evaluate one enterprise: verdict, gap and measures per indicator; green-factory score."""
    from greenmet.io import evaluation_report
    from greenmet.io.evaluation_files import evaluate_files, read_enterprise

    result = evaluate_files(read_enterprise(enterprise), _weights(weights))
    if radar is not None:
        typer.echo(str(evaluation_report.write_radar_html(radar, result, language.value)), err=True)
    stem = f"{result.enterprise_id}-evaluation-{result.reporting_year}"
    if output_format is ReportFormat.table:
        title = f"{result.enterprise_name} {result.reporting_year}" + (
            " (provisional)" if result.provisional else ""
        )
        table = evaluation_report.indicator_table(result, language.value)
        _print_table(table.iloc[:, list(_TERMINAL_COLUMNS)], title)
        for note in result.notes:
            typer.echo(f"note: {note}")
    elif output_format is ReportFormat.json:
        _json_out(result.to_dict(), out)
    elif output_format is ReportFormat.xlsx:
        typer.echo(
            str(evaluation_report.write_report_xlsx(out or Path(f"{stem}.xlsx"), result, language.value))
        )
    else:
        typer.echo(
            str(evaluation_report.write_report_pdf(out or Path(f"{stem}.pdf"), result, language.value))
        )


@app.command("batch")
@guarded
def batch(
    directory: Annotated[Path, typer.Argument(help="Directory of enterprise files.")],
    output_format: Annotated[
        BatchFormat, typer.Option("--format", "-f", help="Output format.")
    ] = BatchFormat.table,
    language: _LanguageOption = Language.en,
    out: _OutOption = None,
    weights: _WeightsOption = None,
) -> None:
    """Evaluate every enterprise of DIR and rank the fleet (fewest failures, then green-factory score)."""
    from rich.progress import track

    from greenmet.io import evaluation_report
    from greenmet.io.evaluation_files import enterprise_files, evaluate_files, read_enterprise

    paths = enterprise_files(directory)
    bundles = [read_enterprise(path) for path in paths]  # all read before anything is evaluated
    parsed = _weights(weights)
    results = [
        evaluate_files(bundle, parsed)
        for bundle in track(bundles, description="evaluating", transient=True, disable=len(bundles) < 20)
    ]
    fleet = evaluation_report.fleet_table(results)
    if output_format is BatchFormat.table:
        _print_table(fleet, "fleet")
    elif output_format is BatchFormat.json:
        _json_out(json.loads(fleet.to_json(orient="records", force_ascii=False)), out)
    else:
        typer.echo(
            str(
                evaluation_report.write_fleet_xlsx(
                    out or Path("fleet-evaluation.xlsx"), fleet, language.value
                )
            )
        )


@app.command("standards")
@guarded
def standards(
    table: Annotated[
        str, typer.Option("--table", "-t", help=f"One of {', '.join(STANDARD_TABLES)}.")
    ] = "energy_limits",
    process: Annotated[str | None, typer.Option("--process", help="Only rows of this process.")] = None,
    standard: Annotated[
        str | None, typer.Option("--standard", help="Only rows of this standard or scheme.")
    ] = None,
    output_format: Annotated[
        ShortFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ShortFormat.table,
) -> None:
    """List the shipped standards' rows with their source and verification status."""
    from greenmet.refdata import load_table

    if table not in STANDARD_TABLES:
        raise InputError(
            "not a table of the green evaluation",
            field="--table",
            value=table,
            fix=f"use one of {', '.join(STANDARD_TABLES)}",
        )
    rows = load_table(table)
    if process is not None:
        if "process" not in rows.columns:
            raise InputError(
                f"table {table} has no process column",
                field="--process",
                value=process,
                fix="use --table energy_limits or energy_limit_corrections",
            )
        rows = rows[rows["process"] == process]
    if standard is not None:
        column = next((c for c in ("standard", "scheme", "regulation") if c in rows.columns), None)
        if column is None:
            raise InputError(
                f"table {table} has no standard column",
                field="--standard",
                value=standard,
                fix="use --table energy_limits, emission_limits or carbon_labels",
            )
        rows = rows[rows[column] == standard]
    if output_format is ShortFormat.json:
        echo_json(json.loads(rows.to_json(orient="records", force_ascii=False)))
    else:
        shown = rows.drop(columns=[c for c in ("source",) if c in rows.columns])
        _print_table(shown, f"{table} ({len(rows)} rows; sources: --format json)")
