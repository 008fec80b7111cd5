"""``greenmet bf …``: blast-furnace verbs.

``greenmet bf calc INPUT`` prints the calculation sheet of a furnace state (:mod:`greenmet.cli.bf_calc`).
``greenmet bf simulate`` runs the simulated furnace: ``--opcua`` serves its tags over OPC UA
(with ``--out DIR``, its labels, casts and clock are kept beside that historian, so a restart
continues), ``--days N --out DIR`` writes N days of 1-s history in the historian layout.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Annotated

import typer

from greenmet.cli import bf_expert
from greenmet.cli._common import guarded
from greenmet.cli.bf_calc import calc
from greenmet.cli.bf_derive import derive
from greenmet.cli.bf_forecast import app as forecast_app
from greenmet.cli.bf_health import health
from greenmet.cli.bf_monitor import alerts_app, monitor
from greenmet.cli.bf_report import app as report_app
from greenmet.cli.bf_trace import trace
from greenmet.errors import InputError

__all__ = ["app"]

app = typer.Typer(
    help="Blast furnace: process calculations and the simulated furnace.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# ``greenmet bf calc INPUT``: the calculation sheet of a furnace state (greenmet.cli.bf_calc).
app.command("calc")(calc)
# ``greenmet bf monitor``: the monitoring engine, live or --replay (greenmet.cli.bf_monitor).
app.command("monitor")(monitor)
# ``greenmet bf alerts list|ack|close``: alerts in the records store (greenmet.cli.bf_monitor).
app.add_typer(alerts_app, name="alerts")
# ``greenmet bf forecast train|predict|models``: hot-metal quality forecasts (greenmet.cli.bf_forecast).
app.add_typer(forecast_app, name="forecast")
# ``greenmet bf trace ROOT --cast ID | --lot LOT``: quality traceability (greenmet.cli.bf_trace).
app.command("trace")(trace)
# ``greenmet bf expert rules|check|diagnose``: expert consultation (greenmet.cli.bf_expert).
app.add_typer(bf_expert.app, name="expert")
# ``greenmet bf health ROOT``: the health check 高炉体检 (greenmet.cli.bf_health).
app.command("health")(health)
# ``greenmet bf report make|list|query``: furnace-chief reports 炉长报告 (greenmet.cli.bf_report).
app.add_typer(report_app, name="report")
# ``greenmet bf derive``: the derived tags calc_* of a past range (greenmet.cli.bf_derive).
app.command("derive")(derive)


@app.command("simulate")
@guarded
def simulate(
    opcua: Annotated[bool, typer.Option("--opcua", help="Serve the tags over OPC UA until Ctrl-C.")] = False,
    endpoint: Annotated[str, typer.Option(help="OPC UA endpoint to listen on.")] = "opc.tcp://127.0.0.1:4840",
    speed: Annotated[float, typer.Option(help="Simulated seconds per wall-clock second (OPC UA).")] = 1.0,
    update_interval: Annotated[
        float,
        typer.Option(
            "--update-interval",
            help="Wall-clock seconds between OPC UA updates; every simulated second due is served.",
        ),
    ] = 1.0,
    days: Annotated[float | None, typer.Option(help="Days of history to write (with --out).")] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Historian root: history goes there (--days); with --opcua, labels, casts and the "
            "simulator's clock and state are kept beside it."
        ),
    ] = None,
    preset_name: Annotated[
        str, typer.Option("--preset", help="Furnace preset: 2500m3 or 5000m3.")
    ] = "5000m3",
    scenario: Annotated[Path | None, typer.Option(help="Fault scenario file (TOML or YAML).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 0,
    start: Annotated[
        str | None,
        typer.Option(
            help="Simulated time of the first step (UTC, ISO 8601). Default: 2026-01-01T00:00:00Z "
            "for --days; for --opcua the wall clock, or where the saved run stopped."
        ),
    ] = None,
    site: Annotated[str | None, typer.Option(help="Site name of the historian partition.")] = None,
    cross_probe_arms: Annotated[
        int | None,
        typer.Option("--cross-probe-arms", help="Arms of the cross-temperature probe (0: none; default 4)."),
    ] = None,
    tuyere_blast_meters: Annotated[
        bool,
        typer.Option("--tuyere-blast-meters/--no-tuyere-blast-meters", help="A blast meter in every tuyere."),
    ] = True,
) -> None:
    """Run the simulated blast furnace: serve OPC UA, or write history. 高炉模拟器。"""
    from pydantic import ValidationError

    from greenmet.blast_furnace.simulator import FurnaceConfig, preset
    from greenmet.simulation import load_scenario

    config = preset(preset_name)
    changes: dict[str, object] = {"tuyere_blast_meters": tuyere_blast_meters}
    if site is not None:
        changes["site"] = site
    if cross_probe_arms is not None:
        changes["cross_probe_arms"] = cross_probe_arms
    try:  # model_copy does not validate: rebuild, so a bad value is refused with its range
        config = FurnaceConfig(**{**config.model_dump(), **changes})
    except ValidationError as exc:
        problem = exc.errors()[0]
        raise InputError(
            str(problem["msg"]),
            field="--" + str(problem["loc"][0]).replace("_", "-"),
            value=problem.get("input"),
            fix="see greenmet bf simulate --help",
        ) from None
    loaded = load_scenario(scenario) if scenario is not None else None
    if opcua == (days is not None):
        raise InputError(
            "choose one mode", field="--opcua/--days", fix="give --opcua to serve, or --days N --out DIR"
        )
    if opcua:
        _serve(
            config,
            loaded,
            endpoint=endpoint,
            speed=speed,
            seed=seed,
            update_interval=update_interval,
            start=start,
            out=out,
        )
        return
    if out is None:
        raise InputError(
            "--days needs --out", field="--out", fix="give the historian root, e.g. --out data/lake"
        )
    if days is None or days <= 0:
        raise InputError("days must be positive", field="--days", value=days, fix="give e.g. --days 1")
    _write(config, loaded, out=out, days=days, seed=seed, start=start or "2026-01-01T00:00:00Z")


def _write(config, scenario, *, out: Path, days: float, seed: int, start: str) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from greenmet.simulation.history import write_history

    total = int(days * 86400)
    with Progress(
        TextColumn("[bold]simulating[/]"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f} %"),
        TimeRemainingColumn(),
    ) as bar:
        task = bar.add_task("simulate", total=total)
        report = write_history(
            out,
            config,
            f"{total}s",
            scenario=scenario,
            seed=seed,
            start=start,
            progress=lambda done, _total: bar.update(task, completed=done),
        )
    records = ", ".join(f"{count:,} {kind.replace('_', ' ')}" for kind, count in report.records.items())
    typer.echo(
        f"wrote {report.points:,} points, {report.casts} casts, {report.labels} labels, records: {records} "
        f"in {len(report.parts)} parts under {report.directory} "
        f"({report.elapsed_s:.1f} s, {total / max(report.elapsed_s, 1e-9):,.0f}x real time)"
    )


def _serve(
    config,
    scenario,
    *,
    endpoint: str,
    speed: float,
    seed: int,
    update_interval: float,
    start: str | None,
    out: Path | None,
) -> None:
    from greenmet.simulation.opcua_server import SimulatorServer

    server = SimulatorServer(
        config,
        endpoint=endpoint,
        speed=speed,
        scenario=scenario,
        seed=seed,
        update_interval_s=update_interval,
        start=start,
        historian_root=out,
    )

    async def run() -> None:
        async with server:
            kept = f"; labels, casts and state in {server.directory}" if server.directory else ""
            typer.echo(
                f"serving furnace {config.furnace_id} at {endpoint} (speed {speed:g}) "
                f"from {server.simulated_time.isoformat()}{kept}; Ctrl-C stops"
            )
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
