"""``greenmet bf report make|list|query``: furnace-chief / shift reports (炉长报告).

``make`` writes the report of a shift or plant day as Excel and/or PDF in Chinese and/or English
and records each file in the records store's ``reports`` table; with ``--schedule`` it keeps
running and makes every shift's and day's report once the period has ended. ``list`` shows the
recorded reports of past periods with their key figures; ``query`` computes the key figures of
every shift or day of a window from the historian (report queries over past periods). A thin
shell over :mod:`greenmet.storage.furnace_reports`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from greenmet.cli._common import Format, Language, echo_json, guarded
from greenmet.cli.bf_health import (
    Date,
    Furnace,
    Root,
    Shift,
    ShiftStarts,
    Site,
    Weights,
    choose_period,
    load_weights,
)
from greenmet.cli.historian import _one
from greenmet.errors import InputError

__all__ = ["app"]

app = typer.Typer(
    help="Furnace-chief / shift reports. 炉长报告。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

Records = Annotated[
    Path | None, typer.Option("--records", help="Records store (DuckDB file): alerts, casts, reports.")
]
Kind = Annotated[str, typer.Option("--period", help="shift or day.")]


def _frame_out(frame: pd.DataFrame, output_format: Format, out: Path | None) -> None:
    if output_format is Format.json:
        echo_json(frame.astype(object).where(frame.notna(), None).to_dict("records"))
    elif output_format is Format.xlsx:
        from greenmet.io.excel import write_workbook

        if out is None:
            raise InputError(
                "--format xlsx needs --out", field="--out", value=None, fix="give --out figures.xlsx"
            )
        table = frame.copy()
        for column in table.columns:
            if isinstance(table[column].dtype, pd.DatetimeTZDtype):
                table[column] = table[column].dt.tz_localize(None)
        typer.echo(str(write_workbook(out, {"figures": table}, title="greenmet")))
    else:
        with pd.option_context("display.width", 200, "display.max_columns", 30, "display.max_rows", 500):
            typer.echo(frame.to_string(index=False) if len(frame) else "(none)")


@app.command("make")
@guarded
def make(
    root: Root,
    out: Annotated[Path, typer.Option("--out", help="Directory of the report files.")],
    site: Site = None,
    furnace: Furnace = None,
    period: Kind = "shift",
    date: Date = None,
    shift: Shift = None,
    shift_starts: ShiftStarts = None,
    records: Records = None,
    file_format: Annotated[
        list[str] | None, typer.Option("--format", help="xlsx and/or pdf (repeat the option); default both.")
    ] = None,
    language: Annotated[
        list[Language] | None, typer.Option("--language", help="zh and/or en (repeat); default both.")
    ] = None,
    weights: Weights = None,
    user: Annotated[str, typer.Option("--user", help="Who asks for the report (recorded).")] = "greenmet",
    schedule: Annotated[
        bool,
        typer.Option(
            "--schedule", help="Keep running: make each shift's and day's report once it has ended."
        ),
    ] = False,
    delay_s: Annotated[
        float, typer.Option("--delay-s", help="Wait after a period's end for late data [s].")
    ] = 300.0,
    poll_s: Annotated[float, typer.Option("--poll-s", help="How often the schedule looks [s].")] = 60.0,
    catch_up_hours: Annotated[
        float, typer.Option("--catch-up-hours", help="At start, make missed reports this far back [h].")
    ] = 24.0,
    iterations: Annotated[
        int | None, typer.Option("--iterations", help="Stop the schedule after this many rounds.")
    ] = None,
) -> None:
    """Make a furnace-chief report (炉长报告) of a shift or day, or keep making them (--schedule)."""
    from greenmet.monitoring.health import parse_shift_starts
    from greenmet.storage.alerts import open_records
    from greenmet.storage.furnace_period import furnace_time_zone
    from greenmet.storage.furnace_reports import make_furnace_report, run_report_schedule

    site, furnace = _one(root, site, furnace)
    formats = file_format or ["xlsx", "pdf"]
    languages = [item.value for item in (language or [Language.zh, Language.en])]
    loaded = load_weights(weights)
    if schedule:
        if records is None:
            raise InputError(
                "--schedule needs --records",
                field="--records",
                value=None,
                fix="give the records store, where made reports are recorded",
            )
        kinds = ("shift", "day") if date is None and shift is None and period == "shift" else (period,)
        runs = run_report_schedule(
            root,
            site,
            furnace,
            records_path=records,
            out_dir=out,
            kinds=kinds,
            formats=formats,
            languages=languages,
            weights=loaded,
            shift_starts=parse_shift_starts(shift_starts),
            delay_s=delay_s,
            catch_up=pd.Timedelta(hours=catch_up_hours),
            iterations=iterations,
            poll_s=poll_s,
        )
        for run in runs:
            for path in run.files:
                typer.echo(str(path))
        return
    if period not in ("shift", "day"):
        raise InputError(
            "a furnace-chief report covers a shift or a day",
            field="--period",
            value=period,
            fix="use --period shift or --period day (greenmet bf health covers weeks and months)",
        )
    chosen = choose_period(
        period, date, shift, None, None, furnace_time_zone(root, site, furnace), shift_starts
    )
    if records is None:
        run = make_furnace_report(
            root,
            site,
            furnace,
            chosen,
            out_dir=out,
            formats=formats,
            languages=languages,
            weights=loaded,
            created_by=user,
        )
    else:
        with open_records(records) as store:
            run = make_furnace_report(
                root,
                site,
                furnace,
                chosen,
                out_dir=out,
                records=store,
                formats=formats,
                languages=languages,
                weights=loaded,
                created_by=user,
            )
    for path in run.files:
        typer.echo(str(path))


@app.command("list")
@guarded
def list_command(
    records: Annotated[Path, typer.Option("--records", help="Records store (DuckDB file).")],
    site: Site = None,
    furnace: Furnace = None,
    period: Annotated[str | None, typer.Option("--period", help="shift or day (default both).")] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Periods starting at or after (ISO 8601).")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Periods starting before (ISO 8601).")] = None,
    output_format: Annotated[Format, typer.Option("--format", help="table, json or xlsx.")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", help="The .xlsx file (with --format xlsx).")] = None,
) -> None:
    """Recorded furnace-chief reports of past periods with their key figures."""
    from greenmet.storage.alerts import open_records
    from greenmet.storage.furnace_reports import list_reports
    from greenmet.storage.queries import to_utc

    kind = f"furnace_chief_{period}" if period else None
    with open_records(records) as store:
        frame = list_reports(
            store,
            site=site,
            furnace=furnace,
            kind=kind,
            start=to_utc(start, "start") if start else None,
            end=to_utc(end, "end") if end else None,
        )
    if output_format is Format.table and len(frame):
        shown = [
            "period_start",
            "kind",
            "language",
            "file_format",
            "hot_metal_mass_t",
            "coal_rate_kg_per_thm",
            "hot_metal_silicon_percent",
            "alert_count",
            "health_score",
            "health_grade",
            "file_path",
        ]
        frame = frame[[c for c in shown if c in frame.columns]]
    _frame_out(frame, output_format, out)


@app.command("query")
@guarded
def query(
    root: Root,
    start: Annotated[str, typer.Option("--start", help="Window start (ISO 8601 with zone).")],
    end: Annotated[str, typer.Option("--end", help="Window end, exclusive (ISO 8601 with zone).")],
    site: Site = None,
    furnace: Furnace = None,
    period: Kind = "day",
    shift_starts: ShiftStarts = None,
    records: Records = None,
    weights: Weights = None,
    output_format: Annotated[Format, typer.Option("--format", help="table, json or xlsx.")] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", help="The .xlsx file (with --format xlsx).")] = None,
) -> None:
    """Report query over past periods: the key figures of every shift or day of a window."""
    from greenmet.monitoring.health import parse_shift_starts
    from greenmet.storage.alerts import open_records
    from greenmet.storage.furnace_reports import period_figures
    from greenmet.storage.queries import to_utc

    site, furnace = _one(root, site, furnace)
    window = (to_utc(start, "start"), to_utc(end, "end"))
    starts = parse_shift_starts(shift_starts)
    loaded = load_weights(weights)
    if records is None:
        frame = period_figures(root, site, furnace, *window, period, weights=loaded, shift_starts=starts)
    else:
        with open_records(records) as store:
            frame = period_figures(
                root, site, furnace, *window, period, records=store, weights=loaded, shift_starts=starts
            )
    _frame_out(frame, output_format, out)
