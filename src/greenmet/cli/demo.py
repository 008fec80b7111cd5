"""``greenmet demo``: the simulated furnace, ingestion, monitoring and the web pages in one process."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import signal
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from greenmet.cli._common import guarded

__all__ = ["demo"]


def _first_login(settings: Any) -> tuple[str, str] | None:
    """On a data directory without users, an admin with a random password (also written, readable by
    the owner only, to ``first-login.txt``)."""
    from greenmet.service.auth import hash_password
    from greenmet.storage import users
    from greenmet.storage.records import RecordStore

    with RecordStore(settings.records_path) as records:
        if users.list_users(records):
            return None
        password = secrets.token_urlsafe(12)
        users.add_user(
            records,
            "admin",
            hash_password(password),
            "admin",
            actor="demo",
            display_name="Demo admin",
            language="zh",
        )
    note = settings.data_directory / "first-login.txt"
    note.write_text(f"user: admin\npassword: {password}\n", encoding="utf-8")
    note.chmod(0o600)
    return "admin", password


def _sample_installations(settings: Any) -> int:
    """The shipped example installations as uploads, once (so the carbon pages are not empty)."""
    from greenmet.service.routes.carbon import compute_report
    from greenmet.service.uploads import store_local_file
    from greenmet.storage.records import RecordStore

    with RecordStore(settings.records_path) as records:
        if not records.query("SELECT id FROM audit_log WHERE action = 'carbon.upload' LIMIT 1").empty:
            return 0
        examples = resources.files("greenmet.carbon").joinpath("examples")
        count = 0
        for entry in sorted(examples.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".toml"):
                continue
            with resources.as_file(entry) as path:
                name = store_local_file(Path(path), settings.uploads_directory, check=compute_report)
            records.audit("demo", "carbon.upload", "upload", name, {"file_name": entry.name})
            count += 1
    return count


@guarded
def demo(
    data: Annotated[
        Path, typer.Option("--data", help="Data directory (created; a second run continues it).")
    ] = Path("greenmet-demo"),
    host: Annotated[str, typer.Option("--host", help="Address of the web pages.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port of the web pages (0: any free port).")] = 8000,
    duration: Annotated[
        float | None,
        typer.Option("--duration", help="Stop after this many seconds (default: run until Ctrl-C)."),
    ] = None,
    speed: Annotated[float, typer.Option("--speed", help="Simulated seconds per second.")] = 1.0,
    preset_name: Annotated[
        str, typer.Option("--preset", help="Furnace preset: 5000m3 or 2500m3.")
    ] = "5000m3",
    warmup_hours: Annotated[
        float,
        typer.Option(
            "--warmup-hours",
            help="Hours of history simulated at the "
            "first start, for the detectors to learn from (at least 12).",
        ),
    ] = 13.0,
) -> None:
    """Run the demonstration plant and its web pages. 演示：模拟高炉、数据采集、监测预警与网页。"""
    import logging

    import uvicorn

    from greenmet.engines.plant import SimulatedPlant, free_local_port
    from greenmet.service.settings import ServiceSettings
    from greenmet.web.app import create_app

    # asyncua warns on every connection that the demo's loopback OPC UA has no security policy.
    logging.getLogger("asyncua").setLevel(logging.ERROR)
    settings = ServiceSettings(data_directory=data)
    plant = SimulatedPlant(data, preset_name=preset_name, speed=speed, warmup_hours=warmup_hours)
    typer.echo(f"preparing {data} (first start: {warmup_hours:g} h of history for the detectors) …")
    plant.prepare()
    account = _first_login(settings)
    samples = _sample_installations(settings)
    port = port or free_local_port()

    class _Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self) -> Any:  # this command handles Ctrl-C for all parts
            yield

    web_app = create_app(settings, feed=plant.feed)  # the live view streams the ingestion's batches
    server = _Server(uvicorn.Config(web_app, host=host, port=port, log_level="warning"))

    async def run() -> Any:
        loop = asyncio.get_running_loop()

        def stop() -> None:
            plant.stop()
            server.should_exit = True

        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop)
        web = asyncio.create_task(server.serve())
        while not server.started and not web.done():
            await asyncio.sleep(0.05)
        url = f"http://{'localhost' if host in ('127.0.0.1', 'localhost') else host}:{port}/"
        typer.echo(f"greenmet demo at {url}  (OPC UA: {plant.endpoint}; data: {data})")
        if account is not None:
            typer.echo(
                f"first login: user {account[0]}  password {account[1]}  (also in {data}/first-login.txt)"
            )
        if samples:
            typer.echo(f"{samples} sample carbon installations loaded")
        typer.echo("Ctrl-C stops everything; running again continues from the stored data.")
        try:
            return await plant.run(duration)
        finally:
            server.should_exit = True
            await web

    report = asyncio.run(run())
    typer.echo(
        f"stopped: {report.engine.get('chunks', 0)} minutes monitored, "
        f"{report.ingest.get('points_written', report.ingest.get('points', 0))} points ingested"
    )
