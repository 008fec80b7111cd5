"""OPC UA ingestion against a test server and the simulator's server: no point lost, none duplicated.

The tag server (``opcua_helpers.TagServer``) records every (tag, source timestamp) it produces,
so each test compares the set of points the historian acknowledged (the ``ack_log`` audit
trail, one line per acknowledged point) with what was produced: equal sets mean nothing lost,
equal lengths mean nothing written twice.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import threading
import time
from collections import Counter

import pytest
from asyncua import ua
from opcua_helpers import (
    CATALOGUE,
    TAGS,
    TagServer,
    _acked,
    _fast,
    _mapping,
    _serve_in_thread,
    _stored,
    _until,
    free_port,
    ingest_command,
    start_behind_proxy,
    write_mapping_files,
)

from greenmet.errors import InputError, UnknownKeyError
from greenmet.ingest.mapping import HEALTH_TAGS, TagMap
from greenmet.ingest.opcua_client import OpcUaIngest, ServerVariable, _match, _Node
from greenmet.storage import Historian


def test_every_point_arrives_once_with_units_converted_and_health_written(tmp_path):
    async def scenario():
        server = TagServer(free_port(), TAGS)
        await server.start()
        server.start_producing()
        # The vendor sends the blast volume in Nm3/h; greenmet stores Nm3/min.
        ingest = OpcUaIngest(
            server.endpoint,
            _mapping(vendor_unit={"blast_volume": "Nm3/h"}),
            tmp_path / "h",
            ack_log=tmp_path / "ack.txt",
            start_after={t: server.origin for t in TAGS},
            **_fast(),
        )
        run = asyncio.create_task(ingest.run())
        await asyncio.sleep(1.5)
        await _until(lambda: ingest.health()["connected"], 20)
        connected_at = time.time_ns() // 1000
        # a health point written while connected is acknowledged (no timing assumption)
        await _until(lambda: _health_acked_after(tmp_path / "ack.txt", connected_at), 20)
        await server.stop_producing()
        await _until(lambda: set(_acked(tmp_path / "ack.txt")) >= set(server.produced))
        ingest.stop()
        health = await run
        await server.stop()
        return server, health

    def _health_acked_after(path, stamp_us):
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        return any(
            line.startswith("ingest_connected\t") and int(line.split("\t")[1]) > stamp_us for line in lines
        )

    server, health = asyncio.run(asyncio.wait_for(scenario(), 60))
    acked = _acked(tmp_path / "ack.txt")
    assert set(acked) == set(
        server.produced
    )  # nothing lost: points before the subscription came from history
    assert len(acked) == len(set(acked))  # nothing twice
    assert health["history_points"] > 0 and health["nodes"] == 4 and health["unmatched"] == []
    assert health["points_written"] >= len(acked) and health["last_error"] is None
    stored = _stored(tmp_path / "h")
    assert len(stored) == health["points_written"]  # every stored point was counted as acknowledged
    volume = stored[stored["tag"] == "blast_volume"]
    # value_of(0, step) is 100 + (step % 7) * 0.5 Nm3/h -> divided by 60.
    assert volume["value"].between(100 / 60, 103 / 60).all()
    assert set(stored["tag"]) >= {
        "ingest_connected",
        "ingest_lag_s",
        "ingest_points_per_s",
        "ingest_reconnects",
    }
    connected = stored[stored["tag"] == "ingest_connected"].sort_values("ts")["value"]
    # connected while it ran (the first point may come before the first connection on a busy
    # machine); the last health point is written at stop
    assert 1.0 in set(connected) and connected.iloc[-1] == 0.0


@pytest.mark.slow
def test_a_cut_connection_is_refilled_from_history_without_duplicates(tmp_path):
    async def scenario():
        server, proxy, ingest = await start_behind_proxy(tmp_path)
        run = asyncio.create_task(ingest.run())
        await asyncio.sleep(1.0)
        await proxy.cut()  # the network goes away; the server keeps producing and historizing
        await _until(lambda: not ingest.health()["connected"], 5)
        disconnected = ingest.health()["connected"]
        await asyncio.sleep(1.5)
        await proxy.restore()
        await _until(lambda: ingest.health()["reconnects"] >= 1, 10)
        await asyncio.sleep(1.0)
        await server.stop_producing()
        await _until(lambda: set(_acked(tmp_path / "ack.txt")) >= set(server.produced))
        ingest.stop()
        health = await run
        await proxy.cut()
        await server.stop()
        return server, health, disconnected

    server, health, disconnected = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert disconnected is False
    acked = _acked(tmp_path / "ack.txt")
    assert set(acked) == set(server.produced)
    assert [pair for pair, n in Counter(acked).items() if n > 1] == []
    assert health["reconnects"] >= 1 and health["errors"] >= 1
    # the reconnection succeeded: the error of the cut is counted, not reported as current
    assert health["last_error"] is None


@pytest.mark.slow
def test_server_stopped_and_restarted_mid_run_loses_and_duplicates_nothing(tmp_path):
    async def scenario():
        port = free_port()
        server = TagServer(port, TAGS)
        await server.start()
        server.start_producing()
        ingest = OpcUaIngest(
            server.endpoint,
            _mapping(),
            tmp_path / "h",
            ack_log=tmp_path / "ack.txt",
            start_after={t: server.origin for t in TAGS},
            **_fast(),
        )
        run = asyncio.create_task(ingest.run())
        await asyncio.sleep(1.0)
        await server.stop()  # the producer keeps recording into the server's history storage
        await asyncio.sleep(1.5)
        await server.start()  # same port, same history
        await _until(lambda: ingest.health()["reconnects"] >= 1, 10)
        await asyncio.sleep(1.0)
        await server.stop_producing()
        await _until(lambda: set(_acked(tmp_path / "ack.txt")) >= set(server.produced))
        ingest.stop()
        health = await run
        await server.stop()
        return server, health

    server, health = asyncio.run(asyncio.wait_for(scenario(), 60))
    acked = _acked(tmp_path / "ack.txt")
    assert set(acked) == set(server.produced)
    assert len(acked) == len(set(acked))
    assert health["reconnects"] >= 1 and health["history_points"] > 0
    stored = _stored(tmp_path / "h")
    data = stored[~stored["tag"].str.startswith("ingest_")]
    assert len(data) == len(server.produced)


@pytest.mark.slow
def test_ingest_from_the_simulators_server(tmp_path):
    from greenmet.blast_furnace.simulator import preset, tag_catalogue
    from greenmet.ingest.mapping import load_mapping, mapping_template
    from greenmet.simulation.opcua_server import SimulatorServer

    config = preset("2500m3")
    catalogue = tag_catalogue(config)
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text(
        mapping_template(
            catalogue, site="demo", furnace=config.furnace_id, vendor_prefix=f"{config.furnace_id}."
        ),
        encoding="utf-8",
    )
    mapping = load_mapping(mapping_file, catalogue)

    async def scenario():
        simulator = SimulatorServer(
            config, endpoint=f"opc.tcp://127.0.0.1:{free_port()}", speed=5, update_interval_s=0.2
        )
        await simulator.start()
        ingest = OpcUaIngest(
            simulator.endpoint,
            mapping,
            tmp_path / "h",
            ack_log=tmp_path / "ack.txt",
            nodes_per_subscription=100,
            **_fast(),
        )
        run = asyncio.create_task(ingest.run())
        await _until(lambda: ingest.health()["points_written"] > 0, 20)
        await asyncio.sleep(1.5)
        ingest.stop()
        health = await run
        await simulator.stop()
        return health

    health = asyncio.run(asyncio.wait_for(scenario(), 90))
    assert health["nodes"] == len(catalogue) and health["unmatched"] == []
    assert health["last_error"] is None
    acked = _acked(tmp_path / "ack.txt")
    assert len(acked) == len(set(acked))
    stored = _stored(tmp_path / "h", config.furnace_id)
    assert set(catalogue["tag"]) <= set(stored["tag"])
    blast = stored[stored["tag"] == "blast_temperature"]
    assert blast["value"].dropna().between(900, 1400).all()


@pytest.mark.slow
def test_sigkill_mid_run_loses_no_acknowledged_point(tmp_path):
    server = TagServer(free_port(), TAGS, interval_s=0.02)
    stop = threading.Event()
    thread = _serve_in_thread(server, stop)
    write_mapping_files(tmp_path)
    ack = tmp_path / "ack.txt"
    command = ingest_command(server.endpoint, tmp_path, ack, "--health-interval-s", "0.5")
    try:
        time.sleep(0.5)
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 40
        while len(_acked(ack)) < 400 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
        process.stderr.close()
    finally:
        stop.set()
        thread.join(10)
    acked = _acked(ack)
    assert len(acked) >= 400
    # Reopening replays the write-ahead log; every acknowledged point must be there.
    Historian(tmp_path / "h", "demo", "t1").close()
    stored = _stored(tmp_path / "h")
    stamps = stored["ts"].astype("datetime64[us, UTC]").astype("int64")
    kept = set(zip(stored["tag"], stamps, strict=True))
    missing = [pair for pair in acked if pair not in kept]
    assert missing == []


def test_ambiguous_browse_names_and_bad_options():
    a = ServerVariable(ua.NodeId("A.x", 2), "x", "A/x", ("ns=2;s=A.x", "nsu=u;s=A.x", "A.x", "x", "A/x"), "u")
    b = ServerVariable(ua.NodeId("B.x", 2), "x", "B/x", ("ns=2;s=B.x", "nsu=u;s=B.x", "B.x", "x", "B/x"), "u")
    by_name = TagMap.from_rows(
        [{"vendor_tag": "x", "tag": "blast_volume", "unit": "Nm3/min", "site": "s", "furnace": "f"}],
        CATALOGUE,
    )
    with pytest.raises(InputError, match="matches 2 server nodes.*'ns=2;s=A.x' or 'A/x'"):
        _match(by_name, [a, b])
    by_path = TagMap.from_rows(
        [
            {"vendor_tag": "B/x", "tag": "blast_volume", "unit": "Nm3/min", "site": "s", "furnace": "f"},
            {"vendor_tag": "ns=2;s=A.x", "tag": "top_pressure", "unit": "kPa", "site": "s", "furnace": "f"},
            {"vendor_tag": "C.x", "tag": "top_temperature", "unit": "degC", "site": "s", "furnace": "f"},
        ],
        CATALOGUE,
    )
    matched, unmatched = _match(by_path, [a, b])
    assert matched["B/x"] is b and matched["ns=2;s=A.x"] is a and unmatched == ["C.x"]
    with pytest.raises(InputError, match="not an OPC UA endpoint"):
        OpcUaIngest("http://localhost", by_name, "/tmp/unused")
    with pytest.raises(InputError, match="batch_points: must be at least 1"):
        OpcUaIngest("opc.tcp://localhost:4840", by_name, "/tmp/unused", batch_points=0)


def test_status_codes_become_quality_codes_and_ranges_mark_uncertain():
    node = _Node(0, "v", ua.NodeId("v", 2), "u", "blast_volume", ("s", "f"), 2.0, 1.0, 0.0, 100.0, None)
    good = ua.DataValue(ua.Variant(10.0, ua.VariantType.Double))
    assert OpcUaIngest._convert(node, good) == (21.0, 0)
    uncertain = ua.DataValue(
        ua.Variant(10.0, ua.VariantType.Double),
        StatusCode=ua.StatusCode(ua.StatusCodes.UncertainLastUsableValue),
    )
    assert OpcUaIngest._convert(node, uncertain) == (21.0, 64)
    out_of_range = ua.DataValue(ua.Variant(60.0, ua.VariantType.Double))
    assert OpcUaIngest._convert(node, out_of_range) == (121.0, 64)
    bad = ua.DataValue(
        ua.Variant(None, ua.VariantType.Null), StatusCode=ua.StatusCode(ua.StatusCodes.BadSensorFailure)
    )
    value, quality = OpcUaIngest._convert(node, bad)
    assert value != value and quality == 128
    text = ua.DataValue(ua.Variant("offline", ua.VariantType.String))
    assert OpcUaIngest._convert(node, text)[1] == 128


def test_a_mapping_that_matches_nothing_on_the_server_stops_with_a_clear_error(tmp_path):
    async def scenario():
        server = TagServer(free_port(), TAGS, history=False)
        await server.start()
        try:
            ingest = OpcUaIngest(server.endpoint, _mapping(furnace="Z9"), tmp_path / "h", **_fast())
            await ingest.run(5)
        finally:
            await server.stop()

    with pytest.raises(UnknownKeyError, match="no vendor tag of the mapping is on the server"):
        asyncio.run(asyncio.wait_for(scenario(), 30))


def test_reconnection_waits_double_up_to_the_limit(tmp_path):
    # No server on the port: every attempt fails, so the waits follow 0.1 * 2^n capped at 0.4 s.
    ingest = OpcUaIngest(
        f"opc.tcp://127.0.0.1:{free_port()}",
        _mapping(),
        tmp_path / "h",
        reconnect_initial_s=0.1,
        reconnect_max_s=0.4,
        request_timeout_s=1.0,
    )
    assert [ingest.backoff_s(n) for n in range(1, 6)] == [0.1, 0.2, 0.4, 0.4, 0.4]
    health = asyncio.run(asyncio.wait_for(ingest.run(1.6), 30))
    assert ingest.waits_s[:4] == [0.1, 0.2, 0.4, 0.4]
    assert health["connected"] is False and health["reconnects"] == 0
    assert health["points_written"] == len(HEALTH_TAGS)
    # Every wait follows a failed attempt, and each failure is counted and kept as the last error.
    assert health["errors"] >= len(ingest.waits_s) >= 4 and "session:" in health["last_error"]


def test_a_gap_interrupted_during_its_refill_is_finished_by_the_next_session(tmp_path):
    # Tag 0 had its newest point at t=100 µs when the connection dropped. Timeline of what the
    # client sees (all µs): live 500 and 550 after the reconnect; the history read of the gap
    # returns 150 and is cut off; the connection drops again; the next history read returns the
    # whole history. Expected: every point once: 150 and 200 from the first gap (the live stream
    # delivers every change after the first live point), 560 from the second.
    ingest = OpcUaIngest("opc.tcp://127.0.0.1:1", _mapping(), tmp_path / "h")
    buffer = ingest._buffers[("demo", "t1")]
    node = _Node(
        0,
        "T1.blast_volume",
        ua.NodeId("T1.blast_volume", 2),
        "u",
        "blast_volume",
        ("demo", "t1"),
        1.0,
        0.0,
        -1e9,
        1e9,
        buffer,
    )
    ingest._nodes, ingest._watermark, ingest._gaps, ingest._open_end = [node], [100], [[]], [False]

    def value(us):
        stamp = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=us)
        return ua.DataValue(ua.Variant(float(us), ua.VariantType.Double), SourceTimestamp=stamp)

    async def live(*stamps):
        consumer = asyncio.create_task(ingest._consume())
        ingest._queue.put_nowait(
            [ua.MonitoredItemNotification(ClientHandle=0, Value=value(us)) for us in stamps]
        )
        await ingest._queue.join()
        consumer.cancel()

    async def scenario():
        ingest._open_gap()
        await live(500, 550)
        ingest._accept_history(node, [value(150)])  # the refill is cut off after one value
        ingest._open_gap()  # next session: the first gap is kept, a second one opens at 550
        await live(550)  # the subscription's initial value: already written
        history = [value(us) for us in (150, 200, 500, 550, 560)]
        ingest._accept_history(node, history)

    asyncio.run(scenario())
    assert sorted(buffer.ts) == [150, 200, 500, 550, 560]
    assert ingest.health()["duplicates_dropped"] == 1 and ingest.health()["history_points"] == 3


def test_a_source_clock_two_days_ahead_is_refused_loudly_unless_simulated_time_is_allowed(tmp_path):
    async def scenario(options):
        server = TagServer(free_port(), TAGS, clock_offset_s=2 * 86400, history=False)
        await server.start()
        server.start_producing()
        try:
            ingest = OpcUaIngest(
                server.endpoint,
                _mapping(),
                tmp_path / options["name"],
                **_fast(),
                historian_options=options["historian"],
            )
            return await ingest.run(1.5)
        finally:
            await server.stop_producing()
            await server.stop()

    refused = asyncio.run(asyncio.wait_for(scenario({"name": "strict", "historian": None}), 60))
    assert "historian refused" in refused["last_error"] and "clock jumped" in refused["last_error"]
    strict = _stored(tmp_path / "strict")
    assert set(strict["tag"]) == set(HEALTH_TAGS)  # the sane points of a refused batch are kept
    allowed = asyncio.run(
        asyncio.wait_for(scenario({"name": "simulated", "historian": {"future_tolerance_s": None}}), 60)
    )
    assert allowed["last_error"] is None
    assert len(_stored(tmp_path / "simulated").query("tag == 'blast_volume'")) >= 10
