"""``greenmet bf health ROOT``: the health check (高炉体检) of a furnace over a shift, day, week or month.

A thin shell over :func:`greenmet.storage.furnace_period.read_period_data` (the historian's
1-minute roll-ups and the casts) and :func:`greenmet.monitoring.health.health_check`. Periods are
in the plant's time zone (``_furnace.json``): ``--period shift --date D --shift N``, ``--period day
--date D``, ``--period week --date D`` (seven plant days from D), ``--period month --date YYYY-MM``,
or ``--start/--end``. The shared period options are used by ``greenmet bf report`` too.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import pandas as pd
import typer

from greenmet.cli._common import Format, Language, echo_json, guarded
from greenmet.cli.historian import _one
from greenmet.errors import InputError

if TYPE_CHECKING:
    from greenmet.monitoring.health import HealthCheck, HealthWeights, Period

__all__ = ["choose_period", "health", "load_weights"]

Root = Annotated[Path, typer.Argument(help="Historian root directory (holds site=…/furnace=…).")]
Site = Annotated[str | None, typer.Option("--site", help="Site; needed when ROOT holds several.")]
Furnace = Annotated[str | None, typer.Option("--furnace", help="Furnace; needed when the site has several.")]
PeriodKind = Annotated[
    str, typer.Option("--period", help="shift, day, week, month, or custom (--start/--end).")
]
Date = Annotated[
    str | None,
    typer.Option(
        "--date", help="Plant day (YYYY-MM-DD; YYYY-MM for a month). Default: the last ended period."
    ),
]
Shift = Annotated[int | None, typer.Option("--shift", help="Shift number of the plant day (1 = first).")]
ShiftStarts = Annotated[
    str | None, typer.Option("--shift-starts", help="Local shift start times, default 00:00,08:00,16:00.")
]
Start = Annotated[str | None, typer.Option("--start", help="Start of a custom period (ISO 8601 with zone).")]
End = Annotated[
    str | None, typer.Option("--end", help="End of a custom period, exclusive (ISO 8601 with zone).")
]
Weights = Annotated[
    Path | None, typer.Option("--weights", help="Weights file (TOML, like monitoring/health_weights.toml).")
]


def load_weights(path: Path | None) -> HealthWeights:
    """The weights of ``path`` laid over greenmet's defaults (the defaults when None)."""
    from greenmet.errors import FileFormatError
    from greenmet.monitoring.health import default_health_weights, health_weights

    if path is None:
        return default_health_weights()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FileFormatError(
            f"cannot read the weights file: {exc}",
            field="--weights",
            value=str(path),
            fix="give an existing TOML file",
        ) from exc
    return health_weights(text, file_name=str(path))


def choose_period(
    kind: str,
    date: str | None,
    shift: int | None,
    start: str | None,
    end: str | None,
    time_zone: str,
    shift_starts: str | None,
    now: pd.Timestamp | None = None,
) -> Period:
    """The period the options name; without ``--date``, the last one that has ended."""
    from greenmet.monitoring.health import (
        custom_period,
        day_period,
        parse_shift_starts,
        period_of,
        shift_period,
    )
    from greenmet.storage.queries import to_utc

    starts = parse_shift_starts(shift_starts)
    now = now if now is not None else pd.Timestamp.now(tz="UTC")
    if kind == "custom" or start is not None or end is not None:
        if start is None or end is None:
            raise InputError(
                "a custom period needs --start and --end",
                field="--start/--end",
                value=[start, end],
                fix="give both, e.g. --start 2026-01-01T00:00+08:00 --end …",
            )
        return custom_period(to_utc(start, "start"), to_utc(end, "end"), time_zone)
    if kind == "shift":
        if date is None:
            current = period_of(now, "shift", time_zone, starts)
            return period_of(current.start - pd.Timedelta(microseconds=1), "shift", time_zone, starts)
        if shift is None:
            raise InputError(
                "a shift needs its number",
                field="--shift",
                value=None,
                fix=f"give --shift 1 to {len(starts)}",
            )
        return shift_period(date, shift, time_zone, starts)
    if kind == "day":
        if date is None:
            current = period_of(now, "day", time_zone)
            return period_of(current.start - pd.Timedelta(microseconds=1), "day", time_zone)
        return day_period(date, time_zone)
    if kind == "week":
        first = (
            dt.date.fromisoformat(date) if date else (now.tz_convert(time_zone).date() - dt.timedelta(days=7))
        )
        return custom_period(
            day_period(first, time_zone).start,
            day_period(first + dt.timedelta(days=6), time_zone).end,
            time_zone,
            "week",
        )
    if kind == "month":
        if date is None:
            local = now.tz_convert(time_zone)
            year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
        else:
            try:
                year, month = (int(part) for part in date.split("-")[:2])
            except ValueError as exc:
                raise InputError("malformed month", field="--date", value=date, fix="write YYYY-MM") from exc
        first = dt.date(year, month, 1)
        following = dt.date(year + (month == 12), month % 12 + 1, 1)
        return custom_period(
            day_period(first, time_zone).start, day_period(following, time_zone).start, time_zone, "month"
        )
    raise InputError(
        "unknown period", field="--period", value=kind, fix="use shift, day, week, month or custom"
    )


def _render(check: HealthCheck, language: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from greenmet.i18n import label

    def l10n(key: str) -> str:
        return label(key, language, "greenmet.monitoring.health")

    score = "–" if math.isnan(check.overall_score) else f"{check.overall_score:.1f}"
    table = Table(title=f"{l10n('title_health')}: {score} ({check.grade})")
    for column in ("group", "indicator", "value", "unit", "score", "trend", "reason"):
        table.add_column(l10n(f"column_{column}"))
    for row in check.indicators.to_dict("records"):
        value, score_value = float(row["value"]), float(row["score"])
        table.add_row(
            l10n(str(row["group"])),
            l10n(str(row["indicator"])),
            "–" if math.isnan(value) else f"{value:.4g}",
            str(row["unit"]),
            "–" if math.isnan(score_value) else f"{score_value:.0f}",
            l10n(str(row["trend"])) if row["trend"] else "",
            str(row[f"reason_{language}"]),
        )
    console = Console(width=160)
    console.print(table)
    if check.provisional:
        console.print(f"{l10n('provisional')}: {l10n('provisional_text')}")


@guarded
def health(
    root: Root,
    site: Site = None,
    furnace: Furnace = None,
    period: PeriodKind = "day",
    date: Date = None,
    shift: Shift = None,
    start: Start = None,
    end: End = None,
    shift_starts: ShiftStarts = None,
    weights: Weights = None,
    output_format: Annotated[
        Format, typer.Option("--format", help="table, json or xlsx (with --out).")
    ] = Format.table,
    out: Annotated[Path | None, typer.Option("--out", help="The .xlsx file to write.")] = None,
    language: Annotated[Language, typer.Option("--language", help="Labels in en or zh.")] = Language.en,
    no_trends: Annotated[bool, typer.Option("--no-trends", help="Skip the trends (faster).")] = False,
) -> None:
    """Health check (高炉体检): scored indicators, groups and grade of a shift, day, week or month."""
    from greenmet.io.furnace_report import write_health_xlsx
    from greenmet.monitoring.health import health_check
    from greenmet.storage.furnace_period import furnace_time_zone, read_period_data

    site, furnace = _one(root, site, furnace)
    chosen = choose_period(
        period, date, shift, start, end, furnace_time_zone(root, site, furnace), shift_starts
    )
    loaded = load_weights(weights)
    data = read_period_data(
        root,
        site,
        furnace,
        chosen.start,
        chosen.end,
        fuel_rate_tag=str(loaded.settings.get("fuel_rate_tag", "calc_fuel_rate_kg_per_thm")),
    )
    check = health_check(data, loaded, trends=not no_trends)
    if output_format is Format.json:
        echo_json(
            {
                "site": site,
                "furnace": furnace,
                "period": chosen.kind,
                "label": chosen.label(),
                **check.to_dict(),
            }
        )
    elif output_format is Format.xlsx:
        if out is None:
            raise InputError(
                "--format xlsx needs --out", field="--out", value=None, fix="give --out health.xlsx"
            )
        path = write_health_xlsx(out, check, language.value, site=site, furnace=furnace)
        typer.echo(str(path))
    else:
        _render(check, language.value)
