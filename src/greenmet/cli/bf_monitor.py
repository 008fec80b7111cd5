"""``greenmet bf monitor`` and ``greenmet bf alerts …``: the monitoring engine and its alerts.

``greenmet bf monitor`` runs OPC UA ingestion and the monitoring engine in one process (the
process that holds the furnace's historian writer also writes the derived tags); with
``--replay --start --end`` it runs the same engine over a historian range.
``greenmet bf alerts list|ack|close`` reads and updates the alerts in the records store.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import importlib
import signal
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from greenmet.cli._common import Format, Language, echo_json, guarded
from greenmet.errors import InputError, UnknownKeyError

__all__ = ["alerts_app", "monitor"]

_PACKAGE = "greenmet.engines"
_DEFAULT_DETECTORS = "greenmet.monitoring.detectors:default_detectors"

_RECORDS = Annotated[Path, typer.Option("--records", help="Records store (DuckDB file) of the alerts.")]
_FORMAT = Annotated[Format, typer.Option("--format", help="Output format: table or json.")]
_LANGUAGE = Annotated[Language, typer.Option("--language", help="Language of labels and messages: en or zh.")]
_USER = Annotated[
    str | None, typer.Option("--user", help="Who acknowledges or closes (default: the login name).")
]


def _label(key: str, language: Language, **values: Any) -> str:
    from greenmet.i18n import label

    return label(key, language.value, _PACKAGE).format(**values)


def _factory(spec: str) -> Callable[[Iterable[str]], Any]:
    """``module:function`` → the function building the detectors from the furnace's tags."""
    module_name, _, name = spec.partition(":")
    if not module_name or not name:
        raise InputError(
            "give the detectors as module:function",
            field="--detectors",
            value=spec,
            fix=f"e.g. --detectors {_DEFAULT_DETECTORS}",
        )
    try:
        function = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as error:
        raise UnknownKeyError(
            f"cannot load the detectors: {error}",
            field="--detectors",
            value=spec,
            fix=f"give an importable module:function, e.g. {_DEFAULT_DETECTORS}",
        ) from None
    if not callable(function):
        raise InputError(
            "the detectors must be built by a function of the tags",
            field="--detectors",
            value=spec,
            fix="point to a function taking the furnace's tags and returning detectors",
        )
    return function


def _utc(text: str | None, option: str) -> pd.Timestamp | None:
    from greenmet.storage.queries import to_utc

    return None if text is None else to_utc(text, option)


def _fit(
    engine: Any,
    root: Path,
    site: str,
    furnace: str,
    before: pd.Timestamp,
    fit_start: str | None,
    fit_end: str | None,
    fit_hours: float,
) -> str:
    """Fit the engine's detectors on normal operation read from the historian; say on what."""
    from greenmet.engines.monitoring import read_wide

    if fit_hours <= 0 and fit_start is None:
        return "not fitted (--fit-hours 0)"
    end = _utc(fit_end, "--fit-end") or before
    start = _utc(fit_start, "--fit-start") or end - pd.Timedelta(hours=fit_hours)
    tags = sorted({tag for detector in engine.detectors.runnable for tag in detector.required_tags})
    engine.fit(read_wide(root, site, furnace, tags, start, end))
    return f"{start.isoformat()} to {end.isoformat()}"


def _events_frame(events: list[Any], language: Language) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "at": [event.at.isoformat() for event in events],
            "state": [event.state for event in events],
            "severity": [event.severity for event in events],
            "category": [event.category for event in events],
            "fault_kind": [event.fault_kind for event in events],
            "location": [event.location for event in events],
            "detector": [event.detector for event in events],
            "message": [event.message(language.value) for event in events],
        }
    )


def _print_table(frame: pd.DataFrame, title: str, language: Language) -> None:
    from rich.console import Console
    from rich.table import Table

    if frame.empty:
        typer.echo(_label("no_alerts", language))
        return
    table = Table(title=title)
    for column in frame.columns:
        table.add_column(_label(column, language))
    for row in frame.itertuples(index=False):
        table.add_row(*("" if value is None or value is pd.NaT else str(value) for value in row))
    Console(width=200).print(table)


@guarded
def monitor(
    replay_mode: Annotated[
        bool, typer.Option("--replay", help="Run over a historian range (--start, --end) instead of live.")
    ] = False,
    historian: Annotated[Path, typer.Option("--historian", help="Historian root directory.")] = Path(
        "historian"
    ),
    records: Annotated[
        Path | None,
        typer.Option(
            "--records", help="Records store for the alerts (required live; optional with --replay)."
        ),
    ] = None,
    site: Annotated[
        str | None, typer.Option("--site", help="Site (live: of mapping rows that name none).")
    ] = None,
    furnace: Annotated[str | None, typer.Option("--furnace", help="Furnace.")] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Replay: first instant (ISO 8601 with zone).")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Replay: end instant, excluded.")] = None,
    endpoint: Annotated[str | None, typer.Option("--endpoint", help="Live: opc.tcp://host:port.")] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="Live: mapping file (.yaml or .csv).")
    ] = None,
    catalogue: Annotated[
        str, typer.Option("--catalogue", help="Live: tag catalogue (preset name or CSV) for the mapping.")
    ] = "5000m3",
    duration: Annotated[
        float | None, typer.Option("--duration", help="Live: stop after this many seconds (default: Ctrl-C).")
    ] = None,
    simulated_time: Annotated[
        bool,
        typer.Option(
            "--simulated-time", help="Live: accept source times far ahead (an accelerated simulator)."
        ),
    ] = False,
    detectors: Annotated[
        str,
        typer.Option("--detectors", help="module:function building the detectors from the furnace's tags."),
    ] = _DEFAULT_DETECTORS,
    fit_start: Annotated[
        str | None, typer.Option("--fit-start", help="Start of the normal data to learn from.")
    ] = None,
    fit_end: Annotated[
        str | None,
        typer.Option("--fit-end", help="End of the normal data (default: the start, or now live)."),
    ] = None,
    fit_hours: Annotated[
        float,
        typer.Option("--fit-hours", help="Hours of normal data before --fit-end to learn from (0: none)."),
    ] = 12.0,
    design: Annotated[
        Path | None,
        typer.Option(
            "--design",
            help="Live: furnace design TOML; with it (or --preset) the derived calc_* tags "
            "are computed each minute and written.",
        ),
    ] = None,
    design_preset: Annotated[
        str | None,
        typer.Option("--preset", help="Live: take the design of a simulator preset (2500m3, 5000m3)."),
    ] = None,
    tuyere_diameter_m: Annotated[
        float | None,
        typer.Option("--tuyere-diameter-m", help="Live: tuyere diameter for the derived tags [m]."),
    ] = None,
    chunk_s: Annotated[int, typer.Option("--chunk-s", help="Chunk length [s]; divides an hour.")] = 60,
    lateness_s: Annotated[
        float, typer.Option("--lateness-s", help="Live: wait this long (data time) for late samples [s].")
    ] = 10.0,
    output_format: _FORMAT = Format.table,
    language: _LANGUAGE = Language.en,
) -> None:
    """Run the monitoring engine live beside OPC UA ingestion, or over a historian range. 高炉监测预警。"""
    if output_format == Format.xlsx:
        raise InputError(
            "xlsx is not an output of this command",
            field="--format",
            value="xlsx",
            fix="use --format table or json",
        )
    factory = _factory(detectors)
    if replay_mode:
        payload, events = _replay(
            factory, historian, records, site, furnace, start, end, fit_start, fit_end, fit_hours, chunk_s
        )
    else:
        payload, events = _live(
            factory,
            historian,
            records,
            site,
            furnace,
            endpoint,
            mapping,
            catalogue,
            duration,
            simulated_time,
            fit_start,
            fit_end,
            fit_hours,
            chunk_s,
            lateness_s,
            (design, design_preset, tuyere_diameter_m),
        )
    if output_format == Format.json:
        echo_json({**payload, "events": [event.to_dict() for event in events]})
        return
    _print_table(_events_frame(events, language), _label("events_title", language), language)
    for key, value in payload.items():
        typer.echo(f"{key}: {value}")


def _replay(
    factory: Callable[[Iterable[str]], Any],
    historian: Path,
    records: Path | None,
    site: str | None,
    furnace: str | None,
    start: str | None,
    end: str | None,
    fit_start: str | None,
    fit_end: str | None,
    fit_hours: float,
    chunk_s: int,
) -> tuple[dict[str, Any], list[Any]]:
    from rich.progress import BarColumn, Progress, TextColumn

    from greenmet.engines.monitoring import MonitoringEngine, replay
    from greenmet.storage import queries
    from greenmet.storage.alerts import open_records, record_alert_events

    if site is None or furnace is None or start is None or end is None:
        lacking = [
            o
            for o, v in (("--site", site), ("--furnace", furnace), ("--start", start), ("--end", end))
            if v is None
        ]
        raise InputError(
            f"--replay needs {', '.join(lacking)}", field=lacking[0], fix=f"give {' '.join(lacking)}"
        )
    start_utc, end_utc = queries.to_utc(start, "--start"), queries.to_utc(end, "--end")
    tags = queries.known_tags(historian, site, furnace)
    engine = MonitoringEngine(
        factory(tags),
        tags,
        chunk_s=chunk_s,
        mode="replay",
    )
    fitted = _fit(engine, historian, site, furnace, start_utc, fit_start, fit_end, fit_hours)

    def store(events: list[Any]) -> None:
        if records is not None:
            with open_records(records) as opened:
                record_alert_events(opened, site, furnace, events, mode="replay")

    with Progress(
        TextColumn("[bold]replay[/]"), BarColumn(), TextColumn("{task.percentage:>5.1f} %"), transient=True
    ) as bar:
        task = bar.add_task("replay", total=1)
        events = replay(
            engine,
            historian,
            site,
            furnace,
            start_utc,
            end_utc,
            on_events=store,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    payload = {**engine.report.to_dict(), "fitted_on": fitted, "records": str(records) if records else None}
    return payload, events


def _live(
    factory: Callable[[Iterable[str]], Any],
    historian: Path,
    records: Path | None,
    site: str | None,
    furnace: str | None,
    endpoint: str | None,
    mapping: Path | None,
    catalogue: str,
    duration: float | None,
    simulated_time: bool,
    fit_start: str | None,
    fit_end: str | None,
    fit_hours: float,
    chunk_s: int,
    lateness_s: float,
    derive: tuple[Path | None, str | None, float | None],
) -> tuple[dict[str, Any], list[Any]]:
    from greenmet.engines.derived import LiveDerivation, load_design
    from greenmet.engines.monitoring import MonitoringEngine, monitor_live
    from greenmet.ingest.mapping import load_mapping
    from greenmet.ingest.opcua_client import OpcUaIngest

    if endpoint is None or mapping is None or records is None:
        lacking = [
            o
            for o, v in (("--endpoint", endpoint), ("--mapping", mapping), ("--records", records))
            if v is None
        ]
        raise InputError(
            f"live monitoring needs {', '.join(lacking)}",
            field=lacking[0],
            fix=f"give {' '.join(lacking)}, or --replay with --start and --end",
        )
    tag_map = load_mapping(mapping, catalogue, site=site)
    destinations = tag_map.destinations()
    chosen = [d for d in destinations if furnace is None or d[1] == furnace]
    if len(chosen) != 1:
        raise InputError(
            "choose the furnace to monitor",
            field="--furnace",
            value=furnace,
            fix=f"give --furnace, one of {sorted(d[1] for d in destinations)}",
        )
    watched_site, watched_furnace = chosen[0]
    tags = [row.tag for row in tag_map.rows if (row.site, row.furnace) == chosen[0]]
    design_file, design_preset, tuyere_diameter_m = derive
    derivation = None
    if design_file is not None or design_preset is not None:
        # this process holds the furnace's writer, so it writes the derived tags (one writer)
        derivation = LiveDerivation(
            historian,
            watched_site,
            watched_furnace,
            load_design(design_file, design_preset, tuyere_diameter_m=tuyere_diameter_m),
            measured=tags,
        )
    engine = MonitoringEngine(
        factory(tags),
        tags,
        chunk_s=chunk_s,
        lateness_s=lateness_s,
        minute_calculation=derivation,
        mode="live",
    )
    fitted = _fit(
        engine,
        historian,
        watched_site,
        watched_furnace,
        pd.Timestamp.now(tz="UTC"),
        fit_start,
        fit_end,
        fit_hours,
    )
    ingest = OpcUaIngest(
        endpoint,
        tag_map,
        historian,
        historian_options={"future_tolerance_s": None} if simulated_time else None,
    )
    events: list[Any] = []

    async def main() -> Any:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, ingest.stop)
        return await monitor_live(
            ingest,
            engine,
            watched_site,
            watched_furnace,
            records_path=records,
            duration_s=duration,
            on_events=events.extend,
        )

    report = asyncio.run(main())
    payload = {**report.to_dict(), "fitted_on": fitted, "records": str(records), "ingest": ingest.health()}
    if derivation is not None:
        payload["derived_inputs_lacking"] = derivation.lacking
    return payload, events


# -- greenmet bf alerts ------------------------------------------------------------------------
alerts_app = typer.Typer(
    help="Alerts in the records store: list, acknowledge, close. 报警：查询、确认、关闭。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@alerts_app.command("list")
@guarded
def list_command(
    records: _RECORDS,
    site: Annotated[str | None, typer.Option("--site", help="Only this site.")] = None,
    furnace: Annotated[str | None, typer.Option("--furnace", help="Only this furnace.")] = None,
    status: Annotated[
        list[str] | None, typer.Option("--status", help="open, acknowledged or closed (repeatable).")
    ] = None,
    mode: Annotated[str, typer.Option("--mode", help="live, replay or all.")] = "live",
    category: Annotated[str | None, typer.Option("--category", help="process or equipment.")] = None,
    start: Annotated[
        str | None, typer.Option("--start", help="Raised at or after (ISO 8601 with zone).")
    ] = None,
    end: Annotated[str | None, typer.Option("--end", help="Raised before.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many, newest first.")] = 100,
    output_format: _FORMAT = Format.table,
    language: _LANGUAGE = Language.en,
) -> None:
    """List alerts with their status, newest first. 报警列表。"""
    from greenmet.storage.alerts import list_alerts, open_records

    with open_records(records) as store:
        frame = list_alerts(
            store,
            site=site,
            furnace=furnace,
            status=status or None,
            mode=None if mode == "all" else mode,
            category=category,
            start=_utc(start, "--start"),
            end=_utc(end, "--end"),
            limit=limit,
        )
    if output_format == Format.json:
        echo_json(frame.astype(object).where(frame.notna(), None).to_dict("records"))
        return
    message = "message_zh" if language == Language.zh else "message_en"
    shown = (
        frame.assign(message=frame[message].where(frame[message].notna(), frame["message_en"]))
        if len(frame)
        else frame
    )
    columns = [
        "id",
        "raised_at",
        "severity",
        "category",
        "fault_kind",
        "location",
        "state",
        "status",
        "message",
    ]
    _print_table(shown[columns] if len(shown) else shown, _label("alerts_title", language), language)


@alerts_app.command("ack")
@guarded
def ack_command(
    alert_id: Annotated[int, typer.Argument(help="The alert's id (see `greenmet bf alerts list`).")],
    records: _RECORDS,
    user: _USER = None,
    comment: Annotated[str | None, typer.Option("--comment", help="What was seen or done.")] = None,
    output_format: _FORMAT = Format.table,
    language: _LANGUAGE = Language.en,
) -> None:
    """Acknowledge an alert (recorded with the audit log). 确认报警。"""
    from greenmet.storage.alerts import acknowledge_alert, open_records

    who = user or getpass.getuser()
    with open_records(records) as store:
        acknowledgement = acknowledge_alert(store, alert_id, who, comment)
    if output_format == Format.json:
        echo_json({"alert_id": alert_id, "acknowledgement_id": acknowledgement, "user": who})
    else:
        typer.echo(_label("acknowledged", language, alert_id=alert_id, user=who))


@alerts_app.command("close")
@guarded
def close_command(
    alert_id: Annotated[int, typer.Argument(help="The alert's id (see `greenmet bf alerts list`).")],
    records: _RECORDS,
    user: _USER = None,
    comment: Annotated[str | None, typer.Option("--comment", help="How it was dealt with.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Close an alert that is still active (needs --comment).")
    ] = False,
    output_format: _FORMAT = Format.table,
    language: _LANGUAGE = Language.en,
) -> None:
    """Close an alert once it is over (recorded with the audit log). 关闭报警。"""
    from greenmet.storage.alerts import close_alert, open_records

    who = user or getpass.getuser()
    with open_records(records) as store:
        close_alert(store, alert_id, who, comment, force=force)
    if output_format == Format.json:
        echo_json({"alert_id": alert_id, "closed_by": who})
    else:
        typer.echo(_label("closed", language, alert_id=alert_id, user=who))
