"""Furnace-chief / shift reports (炉长报告): made, written, recorded in ``reports``, queried, scheduled.

:func:`make_furnace_report` reads a shift or plant day (:mod:`greenmet.storage.furnace_period`),
checks the furnace's health, builds the report (:func:`greenmet.monitoring.health.report.furnace_report`),
writes it in every asked language and format (:mod:`greenmet.io.furnace_report`, atomic files)
and then records one row per file in the records store's ``reports`` table with its SHA-256, the
language, the shift number and the key figures as JSON (migration 0004), together with an
audit-log row, in one transaction. A report made again for the same period replaces its files
and adds new rows; :func:`list_reports` shows the latest row of each file.

:func:`due_periods` and :func:`run_report_schedule` make the reports of the shifts or days that
have ended and are not yet recorded (catching up after a pause); :func:`period_figures` answers
report queries over past periods from the historian directly, one row per shift or day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from greenmet.errors import InputError
from greenmet.io.furnace_report import write_furnace_report_pdf, write_furnace_report_xlsx
from greenmet.monitoring.health import (
    DEFAULT_SHIFT_STARTS,
    HealthWeights,
    Period,
    default_health_weights,
    health_check,
    periods_between,
)
from greenmet.monitoring.health.report import FurnaceReport, furnace_report
from greenmet.storage.furnace_period import (
    furnace_time_zone,
    read_period_alerts,
    read_period_data,
)
from greenmet.storage.records import RecordStore

__all__ = [
    "REPORT_FORMATS",
    "ReportRun",
    "due_periods",
    "list_reports",
    "make_furnace_report",
    "period_figures",
    "report_path",
    "run_report_schedule",
    "summary_json",
]

logger = logging.getLogger(__name__)

REPORT_FORMATS = ("xlsx", "pdf")
_ONE_DAY = pd.Timedelta(days=1)
_WRITERS: dict[str, Callable[[Path, FurnaceReport, str], Path]] = {
    "xlsx": write_furnace_report_xlsx,
    "pdf": write_furnace_report_pdf,
}


@dataclass(frozen=True)
class ReportRun:
    """What :func:`make_furnace_report` produced: the report, its files and their ``reports`` ids."""

    report: FurnaceReport
    files: list[Path] = field(default_factory=list)
    report_ids: list[int] = field(default_factory=list)


def summary_json(summary: dict[str, Any]) -> str:
    """JSON text of a report's key figures (NaN as null)."""

    def clean(value: Any) -> Any:
        if isinstance(value, float) and value != value:
            return None
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        return value

    return json.dumps(clean(summary), ensure_ascii=False, default=str)


def report_path(
    out_dir: str | os.PathLike[str], site: str, furnace: str, period: Period, language: str, file_format: str
) -> Path:
    """``OUT/<site>_<furnace>_<shift|day>_<plant day>[_s<n>]_<language>.<format>``."""
    day = period.plant_day.isoformat() if period.plant_day else period.start.strftime("%Y%m%dT%H%M")
    shift = f"_s{period.shift_number}" if period.shift_number else ""
    return Path(out_dir) / f"{site}_{furnace}_{period.kind}_{day}{shift}_{language}.{file_format}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_choice(values: Sequence[str], allowed: Sequence[str], field_name: str) -> list[str]:
    chosen = list(dict.fromkeys(values))
    unknown = [v for v in chosen if v not in allowed]
    if unknown or not chosen:
        raise InputError(
            f"unknown {field_name}",
            field=field_name,
            value=unknown or chosen,
            fix=f"use one or more of {', '.join(allowed)}",
        )
    return chosen


def build_furnace_report(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    period: Period,
    *,
    records: RecordStore | None = None,
    weights: HealthWeights | None = None,
) -> FurnaceReport:
    """Read the period, check the health, collect the alerts and build the report (no file)."""
    weights = weights if weights is not None else default_health_weights()
    fuel_rate_tag = str(weights.settings.get("fuel_rate_tag", "calc_fuel_rate_kg_per_thm"))
    data = read_period_data(
        root, site, furnace, period.start, period.end, records=records, fuel_rate_tag=fuel_rate_tag
    )
    check = health_check(data, weights)
    alerts = acknowledgements = None
    if records is not None:
        alerts, acknowledgements = read_period_alerts(records, site, furnace, period.start, period.end)
    return furnace_report(
        data,
        check,
        period,
        site=site,
        furnace=furnace,
        alerts=alerts,
        acknowledgements=acknowledgements,
        weights=weights,
    )


def make_furnace_report(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    period: Period,
    *,
    out_dir: str | os.PathLike[str],
    records: RecordStore | None = None,
    formats: Sequence[str] = REPORT_FORMATS,
    languages: Sequence[str] = ("zh", "en"),
    weights: HealthWeights | None = None,
    created_by: str = "greenmet",
) -> ReportRun:
    """Make the furnace-chief report of ``period``: files in ``out_dir``, rows in ``reports``.

    Parameters
    ----------
    root, site, furnace
        The historian and the furnace.
    period
        A shift or plant day (:func:`greenmet.monitoring.health.shift_period`, ``day_period``).
    out_dir
        Directory of the files (created when missing).
    records
        The records store: its casts and alerts are read, and each file is recorded in
        ``reports`` with an audit row. None writes the files only.
    formats, languages
        ``xlsx`` and/or ``pdf``; ``zh`` and/or ``en``.
    weights
        Health-check weights (greenmet's defaults when None).
    created_by
        Who asked for the report (``reports.created_by``, the audit actor).
    """
    formats = _check_choice(formats, REPORT_FORMATS, "format")
    languages = _check_choice(languages, ("en", "zh"), "language")
    report = build_furnace_report(root, site, furnace, period, records=records, weights=weights)
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for language in languages:
        for file_format in formats:
            target = report_path(directory, site, furnace, period, language, file_format)
            files.append(_WRITERS[file_format](target, report, language))
    ids: list[int] = []
    if records is not None:
        ids = _record(records, report, files, created_by)
    return ReportRun(report, files, ids)


def _record(records: RecordStore, report: FurnaceReport, files: list[Path], created_by: str) -> list[int]:
    """Insert one ``reports`` row per file and one audit row, in one transaction."""
    now = dt.datetime.now(dt.UTC)
    summary = summary_json(report.summary)
    rows = []
    for path in files:
        language = path.stem.rsplit("_", 1)[1]
        title = f"{report.kind} {report.site}/{report.furnace} {report.period.label()}"
        rows.append(
            [
                report.kind,
                title,
                report.site,
                report.furnace,
                report.period.start.to_pydatetime(),
                report.period.end.to_pydatetime(),
                now,
                created_by,
                str(path.resolve()),
                path.suffix.lstrip("."),
                _sha256(path),
                language,
                report.period.shift_number,
                summary,
            ]
        )

    def run(cursor: Any) -> list[int]:  # RecordStore.write runs it in one transaction
        ids = []
        for row in rows:
            result = cursor.execute(
                "INSERT INTO reports (kind, title, site, furnace, period_start, period_end, created_at, "
                "created_by, file_path, file_format, file_sha256, language, shift_number, summary) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                row,
            )
            ids.append(int(result.fetchone()[0]))
        details = json.dumps(
            {"files": [r[8] for r in rows], "period": report.period.label()}, ensure_ascii=False
        )
        cursor.execute(
            "INSERT INTO audit_log (occurred_at, actor, action, object_type, object_id, details) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [now, created_by, "report_created", "reports", ",".join(map(str, ids)), details],
        )
        return ids

    return records.write(run)


def list_reports(
    records: RecordStore,
    *,
    site: str | None = None,
    furnace: str | None = None,
    kind: str | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Recorded reports whose period starts in ``[start, end)``, the latest row per file, by period.

    Columns: those of ``reports`` with the key figures of ``summary`` spread into columns
    (``hot_metal_mass_t``, ``health_score``, ``health_grade`` …).
    """
    conditions: list[str] = []
    parameters: list[Any] = []
    for column, value in (("site", site), ("furnace", furnace), ("kind", kind)):
        if value is not None:
            conditions.append(f"{column} = ?")
            parameters.append(value)
    if start is not None:
        conditions.append("period_start >= ?")
        parameters.append(start.to_pydatetime())
    if end is not None:
        conditions.append("period_start < ?")
        parameters.append(end.to_pydatetime())
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    frame = records.query(
        f"SELECT * FROM reports {where} "
        "QUALIFY row_number() OVER (PARTITION BY file_path ORDER BY id DESC) = 1 "
        "ORDER BY period_start, kind, language, file_format",
        parameters,
    )
    if frame.empty:
        return frame
    figures = pd.DataFrame([json.loads(text) if isinstance(text, str) else {} for text in frame["summary"]])
    figures = figures.drop(columns=[c for c in figures.columns if c in frame.columns])
    return pd.concat([frame.drop(columns=["summary"]).reset_index(drop=True), figures], axis=1)


def due_periods(
    records: RecordStore,
    site: str,
    furnace: str,
    kind: str,
    time_zone: str,
    *,
    now: pd.Timestamp,
    since: pd.Timestamp,
    shift_starts: Sequence[dt.time] = DEFAULT_SHIFT_STARTS,
) -> list[Period]:
    """Shifts or days that ended between ``since`` and ``now`` and have no report recorded yet."""
    periods = periods_between(since, now, kind, time_zone, shift_starts) if now > since else []
    if not periods:
        return []
    done = records.query(
        "SELECT DISTINCT period_start FROM reports WHERE site = ? AND furnace = ? AND kind = ? "
        "AND period_start >= ?",
        [site, furnace, f"furnace_chief_{kind}", periods[0].start.to_pydatetime()],
    )
    recorded = {pd.Timestamp(v).tz_convert("UTC") for v in done["period_start"]}
    return [p for p in periods if p.start not in recorded]


def run_report_schedule(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    *,
    records_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    kinds: Sequence[str] = ("shift", "day"),
    formats: Sequence[str] = REPORT_FORMATS,
    languages: Sequence[str] = ("zh", "en"),
    weights: HealthWeights | None = None,
    shift_starts: Sequence[dt.time] = DEFAULT_SHIFT_STARTS,
    delay_s: float = 300.0,
    catch_up: pd.Timedelta = _ONE_DAY,
    iterations: int | None = None,
    clock: Callable[[], pd.Timestamp] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    poll_s: float = 60.0,
) -> list[ReportRun]:
    """Make each shift's and day's report once it has ended (plus ``delay_s`` for late data).

    Every ``poll_s`` the schedule looks for periods that ended at least ``delay_s`` ago, within
    ``catch_up`` of the first look, and have no row in ``reports``; it makes them and records
    them, so a restarted schedule neither repeats nor skips a period. The records file is opened
    for each round only (:func:`greenmet.storage.alerts.open_records`), so other commands can
    use it meanwhile. ``iterations`` stops after that many rounds (None: until interrupted).
    """
    from greenmet.storage.alerts import open_records

    clock = clock if clock is not None else (lambda: pd.Timestamp.now(tz="UTC"))
    time_zone = furnace_time_zone(root, site, furnace)
    since = clock() - catch_up
    made: list[ReportRun] = []
    round_number = 0
    while iterations is None or round_number < iterations:
        round_number += 1
        now = clock() - pd.Timedelta(seconds=delay_s)
        with open_records(records_path) as records:
            for kind in kinds:
                for period in due_periods(
                    records, site, furnace, kind, time_zone, now=now, since=since, shift_starts=shift_starts
                ):
                    logger.info("making the %s report of %s", kind, period.label())
                    made.append(
                        make_furnace_report(
                            root,
                            site,
                            furnace,
                            period,
                            out_dir=out_dir,
                            records=records,
                            formats=formats,
                            languages=languages,
                            weights=weights,
                            created_by="greenmet-schedule",
                        )
                    )
        if iterations is None or round_number < iterations:
            sleep(poll_s)
    return made


def period_figures(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    kind: str,
    *,
    records: RecordStore | None = None,
    weights: HealthWeights | None = None,
    shift_starts: Sequence[dt.time] = DEFAULT_SHIFT_STARTS,
) -> pd.DataFrame:
    """Report query over past periods: one row of key figures per shift or plant day in ``[start, end)``.

    The window is read once and cut into periods; each row has the period's limits, plant day,
    shift number and the summary of its report (production, rates, hot-metal means, alerts,
    health score and grade; the health check without trends).
    """
    weights = weights if weights is not None else default_health_weights()
    time_zone = furnace_time_zone(root, site, furnace)
    periods = periods_between(start, end, kind, time_zone, shift_starts)
    if not periods:
        return pd.DataFrame()
    fuel_rate_tag = str(weights.settings.get("fuel_rate_tag", "calc_fuel_rate_kg_per_thm"))
    data = read_period_data(
        root, site, furnace, periods[0].start, periods[-1].end, records=records, fuel_rate_tag=fuel_rate_tag
    )
    rows = []
    for period in periods:
        part = data.slice(period.start, period.end)
        check = health_check(part, weights, trends=False)
        alerts = acknowledgements = None
        if records is not None:
            alerts, acknowledgements = read_period_alerts(records, site, furnace, period.start, period.end)
        report = furnace_report(
            part,
            check,
            period,
            site=site,
            furnace=furnace,
            alerts=alerts,
            acknowledgements=acknowledgements,
            weights=weights,
        )
        rows.append(
            {
                "period_start": period.start,
                "period_end": period.end,
                "plant_day": period.plant_day,
                "shift_number": period.shift_number,
                **report.summary,
            }
        )
    return pd.DataFrame(rows)
