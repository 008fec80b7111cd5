"""One engine, live and replay: a live run on the simulator's OPC UA server, replayed from the
historian it filled, gives the same alerts; derived tags are written by the process holding the
furnace's writer; alerts land in the records store and can be acknowledged while it runs."""

from __future__ import annotations

import asyncio
import socket

import numpy as np
import pandas as pd
import pytest

from greenmet.blast_furnace.simulator import FurnaceConfig, tag_catalogue
from greenmet.engines.monitoring import MonitoringEngine, monitor_live, replay
from greenmet.ingest.mapping import load_mapping, mapping_template
from greenmet.ingest.opcua_client import OpcUaIngest
from greenmet.simulation.opcua_server import SimulatorServer
from greenmet.storage import queries
from greenmet.storage.alerts import acknowledge_alert, list_alerts, open_records
from tiny_detectors import AboveReference

# A small furnace (54 tags) keeps the server quick.
CONFIG = FurnaceConfig(
    furnace_id="T1",
    working_volume_m3=1000,
    hearth_diameter_m=8,
    throat_diameter_m=6,
    tuyeres=4,
    stave_rows=2,
    staves_per_row=2,
    hearth_thermocouples=2,
    uptakes=2,
    stockrods=2,
    tapholes=2,
)
WATCHED = ["blast_temperature", "top_gas_co", "top_pressure", "stave_temperature_r01_s01", "blast_volume"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _detectors():
    return [AboveReference(tag, raise_after=3, clear_after=3) for tag in WATCHED]


class _MinuteMean:
    def step(self, seconds: pd.DataFrame) -> pd.DataFrame:
        means = seconds["blast_temperature"].resample("1min").mean()
        return pd.DataFrame(
            {
                "ts": means.index,
                "tag": "calc_blast_temperature_mean",
                "value": means.to_numpy(),
                "quality": np.zeros(len(means), "uint8"),
            }
        )


@pytest.mark.slow
def test_a_live_run_replayed_from_its_historian_gives_the_same_alerts(tmp_path):
    catalogue = tag_catalogue(CONFIG)
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text(
        mapping_template(catalogue, site="demo", furnace="T1", vendor_prefix="T1."), "utf-8"
    )
    mapping = load_mapping(mapping_file, catalogue)
    root, records = tmp_path / "historian", tmp_path / "records.duckdb"
    live_events = []
    acknowledged = []
    # 30 simulated seconds per wall second; the simulated clock starts an hour ago, so no point
    # is in the historian's future
    start = (pd.Timestamp.now(tz="UTC") - pd.Timedelta(hours=1)).floor("s")
    engine = MonitoringEngine(
        _detectors(), catalogue["tag"], chunk_s=10, lateness_s=90.0, minute_calculation=_MinuteMean()
    )

    def on_events(events):
        live_events.extend(events)
        if not acknowledged:  # an operator acknowledges while the engine runs
            with open_records(records) as store:
                [first] = list_alerts(store, limit=1)["id"]
                acknowledge_alert(store, int(first), "zhang.wei")
                acknowledged.append(int(first))

    async def scenario():
        simulator = SimulatorServer(
            CONFIG,
            endpoint=f"opc.tcp://127.0.0.1:{_free_port()}",
            speed=30,
            update_interval_s=0.1,
            start=start,
        )
        await simulator.start()
        try:
            ingest = OpcUaIngest(
                simulator.endpoint,
                mapping,
                root,
                write_interval_s=0.1,
                flush_interval_s=0.5,
                health_interval_s=1.0,
                request_timeout_s=2.0,
            )

            async def stop_when_enough() -> None:
                # 20 chunks of 10 s: at least two whole minutes after the one the run starts in
                while engine.report.chunks < 20:
                    await asyncio.sleep(0.2)
                ingest.stop()

            stopper = asyncio.create_task(stop_when_enough())
            try:
                return await monitor_live(
                    ingest, engine, "demo", "T1", records_path=records, on_events=on_events
                )
            finally:
                stopper.cancel()
        finally:
            await simulator.stop()

    report = asyncio.run(asyncio.wait_for(scenario(), 180))
    assert report.late_points == 0 and report.missed_batches == 0
    assert report.chunks >= 20 and report.missing == {}
    assert {event.state for event in live_events} >= {"raised", "cleared"}

    replayed = MonitoringEngine(
        _detectors(), queries.known_tags(root, "demo", "T1"), chunk_s=10, mode="replay"
    )
    replay_events = replay(replayed, root, "demo", "T1", report.first_time, report.end_time, window_s=60)
    assert replay_events == live_events
    assert (replayed.report.chunks, replayed.report.samples) == (report.chunks, report.samples)

    # the derived minutes went into the historian through the ingestion's writer (one per furnace)
    points = queries.open_points(root, "demo", "T1")
    derived = queries.run(points.filter(points.tag == "calc_blast_temperature_mean"))
    assert len(derived) == report.derived_points >= 2
    assert (derived["ts"].dt.second == 0).all()

    with open_records(records) as store:
        stored = list_alerts(store, limit=None)
    episodes = {event.key for event in live_events}
    assert len(stored) == len(episodes) and set(stored["mode"]) == {"live"}
    assert stored.loc[stored["id"] == acknowledged[0], "status"].item() in {"acknowledged", "closed"}
    last = {event.key: event for event in live_events}
    for _, row in stored.iterrows():
        event = last[row["dedup_key"].removeprefix("live|")]
        assert (row["state"], row["severity"], row["rule"]) == (event.state, event.severity, event.detector)
