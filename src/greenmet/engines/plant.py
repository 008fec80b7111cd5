"""A whole simulated plant in one process: the furnace serving OPC UA, ingestion into the historian,
the monitoring engine writing alerts and derived tags (what ``greenmet demo`` runs under the pages).

Data directory layout (the same the web service reads)::

    DATA/historian/                 plant time series (and the simulator's casts, labels, clock)
    DATA/records.duckdb             alerts, acknowledgements, users, reports, audit log
    DATA/mapping.yaml               the ingestion's mapping of the simulator's tags

First start: ``warmup_hours`` of history before now are simulated into the historian at once, so
that the detectors learn the furnace's normal operation and the trends have a past; then the
simulator serves from now on. Later starts find the history and the simulator's saved clock and
state (``SimulatorServer(historian_root=…)``) and continue where they stopped.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from greenmet.blast_furnace.simulator import FurnaceConfig, Scenario, preset, tag_catalogue
from greenmet.storage.parts import furnace_directory

__all__ = ["DEMO_SCENARIO", "PlantRun", "SimulatedPlant", "demo_scenario_text", "free_local_port"]

_DEMO_CYCLE: tuple[tuple[str, str, float, int | None], ...] = (
    # fault, duration, severity, location (tuyere or uptake where the fault needs one)
    ("hanging", "20min", 0.9, None),
    ("hot_furnace", "40min", 0.8, None),
    ("tuyere_leak", "30min", 0.9, 7),
    ("channelling", "30min", 0.8, 2),
    ("slip", "5min", 0.9, None),
    ("cold_hearth", "60min", 0.8, None),
    ("hearth_wall_temperature_rise", "60min", 0.8, 5),
    ("scaffolding", "60min", 0.8, 6),
)


def demo_scenario_text(days: int = 30, first_min: int = 4, every_min: int = 90) -> str:
    """The demonstration's fault scenario: the first fault ``first_min`` minutes after the
    simulator's origin, then one every ``every_min`` minutes, cycling through the fault kinds, for
    ``days`` (a resumed run keeps the same scenario, so faults keep coming after a restart)."""
    lines = ["random_sensor_faults_per_day = 4", ""]
    count = (days * 24 * 60 - first_min) // every_min
    for k in range(count):
        fault, duration, severity, location = _DEMO_CYCLE[k % len(_DEMO_CYCLE)]
        lines += [
            "[[faults]]",
            f'fault = "{fault}"',
            f'start = "{first_min + k * every_min}min"',
            f'duration = "{duration}"',
            f"severity = {severity}",
        ]
        if location is not None:
            lines.append(f"location = {location}")
        lines.append("")
    return "\n".join(lines)


DEMO_SCENARIO = demo_scenario_text()
"""The demonstration's fault scenario (times from the simulator's origin, see :func:`demo_scenario_text`)."""


def free_local_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PlantRun:
    """What a run of the plant did."""

    warmup_points: int = 0
    fitted_on: str = ""
    engine: dict[str, Any] = field(default_factory=dict)
    ingest: dict[str, Any] = field(default_factory=dict)


class SimulatedPlant:
    """The simulated furnace, its ingestion and its monitoring engine on one data directory.

    Parameters
    ----------
    data_directory
        Where the historian, the records store and the mapping live (created if missing).
    preset_name
        Furnace preset (``5000m3`` or ``2500m3``).
    speed
        Simulated seconds per wall-clock second.
    scenario
        Faults to inject (default :data:`DEMO_SCENARIO`).
    detectors
        ``factory(tags) -> detectors`` (default ``greenmet.monitoring.detectors.default_detectors``).
    warmup_hours
        Hours of history simulated before now on the first start; the detectors need at least
        twelve hours of normal operation (the cold-hearth detector) to learn from. [h]
    """

    def __init__(
        self,
        data_directory: str | Path,
        *,
        preset_name: str = "5000m3",
        speed: float = 1.0,
        scenario: Scenario | None = None,
        detectors: Callable[[Iterable[str]], Any] | None = None,
        warmup_hours: float = 13.0,
        seed: int = 0,
    ) -> None:
        self.data_directory = Path(data_directory)
        self.preset_name = preset_name
        self.config: FurnaceConfig = preset(preset_name)
        self.speed, self.seed, self.warmup_hours = speed, seed, warmup_hours
        self.scenario = scenario if scenario is not None else Scenario.from_text(DEMO_SCENARIO)
        self.detectors = detectors
        self.endpoint = f"opc.tcp://127.0.0.1:{free_local_port()}"
        self.run_report = PlantRun()
        self._simulator: Any = None
        self._ingest: Any = None
        from greenmet.ingest.live import LiveFeed

        self.feed = LiveFeed()
        """Every batch the ingestion stores, relayed across restarts of the ingestion (web live view)."""

    @property
    def historian_root(self) -> Path:
        return self.data_directory / "historian"

    @property
    def records_path(self) -> Path:
        return self.data_directory / "records.duckdb"

    @property
    def site(self) -> str:
        return self.config.site

    @property
    def furnace(self) -> str:
        return self.config.furnace_id

    def _has_history(self) -> bool:
        return (furnace_directory(self.historian_root, self.site, self.furnace) / "_parts.json").exists()

    def prepare(self) -> None:
        """Create the data directory, the mapping and, on a first start, the warm-up history."""
        from greenmet.ingest.mapping import mapping_template
        from greenmet.io.atomic import atomic_write_text
        from greenmet.simulation.history import write_history

        self.data_directory.mkdir(parents=True, exist_ok=True)
        mapping = self.data_directory / "mapping.yaml"
        if not mapping.exists():
            atomic_write_text(
                mapping,
                mapping_template(
                    tag_catalogue(self.config),
                    site=self.site,
                    furnace=self.furnace,
                    vendor_prefix=f"{self.furnace}.",
                ),
            )
        if not self._has_history() and self.warmup_hours > 0:
            now = pd.Timestamp.now(tz="UTC").floor("min")
            start = (now - pd.Timedelta(hours=self.warmup_hours)).floor("h")
            report = write_history(
                self.historian_root,
                self.config,
                now - start,
                seed=self.seed,
                start=start,
                part_hours=1,
                scenario=Scenario.from_text("random_sensor_faults_per_day = 0\n"),
            )
            self.run_report.warmup_points = report.points

    def _engine(self) -> Any:
        from greenmet.engines.derived import LiveDerivation, load_design
        from greenmet.engines.monitoring import MonitoringEngine, read_wide

        tags = list(tag_catalogue(self.config)["tag"])
        factory = self.detectors
        if factory is None:
            from greenmet.monitoring.detectors import default_detectors

            factory = default_detectors
        minute = LiveDerivation(
            self.historian_root, self.site, self.furnace, load_design(preset_name=self.preset_name)
        )
        engine = MonitoringEngine(
            factory(tags), tags, chunk_s=60, lateness_s=10.0, mode="live", minute_calculation=minute
        )
        end = pd.Timestamp.now(tz="UTC")
        start = end - pd.Timedelta(hours=max(self.warmup_hours, 1.0) + 1.0)
        needed = sorted({tag for detector in engine.detectors.runnable for tag in detector.required_tags})
        engine.fit(read_wide(self.historian_root, self.site, self.furnace, needed, start, end))
        self.run_report.fitted_on = f"{start.isoformat()} to {end.isoformat()}"
        return engine

    def _first_start(self) -> pd.Timestamp | None:
        """Where a fresh simulator starts: right after the history (no hole between the warm-up and
        the live data, which the engine would read as every sensor dropping out). None when a saved
        run continues (it knows its own clock)."""
        from greenmet.storage import queries

        if (
            furnace_directory(self.historian_root, self.site, self.furnace) / "_simulator_state.json"
        ).exists():
            return None
        if not self._has_history():
            return None
        points = queries.open_points(self.historian_root, self.site, self.furnace)
        last = queries.run(points.ts.max().name("last").as_table())["last"].iloc[0]
        return None if pd.isna(last) else pd.Timestamp(last).floor("s") + pd.Timedelta(seconds=1)

    async def run(self, duration_s: float | None = None) -> PlantRun:
        """Start the simulator, ingestion and engine; run until :meth:`stop` or ``duration_s``."""
        from greenmet.engines.monitoring import monitor_live
        from greenmet.ingest.mapping import load_mapping
        from greenmet.ingest.opcua_client import OpcUaIngest
        from greenmet.simulation.opcua_server import SimulatorServer

        # Blocking work (simulating the warm-up, reading hours of history to fit the detectors) runs
        # in a thread: the web pages share this event loop and must answer meanwhile.
        await asyncio.to_thread(self.prepare)
        engine = await asyncio.to_thread(self._engine)
        first_start = await asyncio.to_thread(self._first_start)
        self._simulator = SimulatorServer(
            self.config,
            endpoint=self.endpoint,
            speed=self.speed,
            scenario=self.scenario,
            seed=self.seed,
            historian_root=self.historian_root,
            start=first_start,
        )
        await self._simulator.start()
        try:
            mapping = load_mapping(self.data_directory / "mapping.yaml", tag_catalogue(self.config))
            self._ingest = OpcUaIngest(
                self.endpoint,
                mapping,
                self.historian_root,
                historian_options={"future_tolerance_s": None} if self.speed > 1 else None,
            )
            self._ingest.feed.add_callback(self.feed.publish)
            report = await monitor_live(
                self._ingest,
                engine,
                self.site,
                self.furnace,
                records_path=self.records_path,
                duration_s=duration_s,
            )
            self.run_report.engine = report.to_dict()
            self.run_report.ingest = self._ingest.health()
        finally:
            await self._simulator.stop()
        return self.run_report

    def stop(self) -> None:
        """Ask the run to end (ingestion stops, the engine flushes, the simulator saves its state)."""
        if self._ingest is not None:
            self._ingest.stop()
