"""OPC UA ingestion after trouble: a clock set back, a value repeated on re-subscription, and
ingestion killed again and again while it refills an outage.

As in ``test_opcua_client``, the tag server records every (tag, source timestamp) it produced and
the ack logs record every point the historian acknowledged; the historian itself is read at the
end to find holes and duplicates.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter

import pytest
from opcua_helpers import (
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

from greenmet.ingest.opcua_client import OpcUaIngest
from greenmet.ingest.owed import OWED_FILE


@pytest.mark.slow
def test_a_source_clock_set_back_keeps_every_value_and_reports_the_step(tmp_path):
    # The server's clock runs 600 s fast, then the operator corrects it: every later sample is
    # stamped earlier than the last one ingestion took. They must be stored, not dropped.
    async def scenario():
        server = TagServer(free_port(), TAGS, clock_offset_s=600.0, history=False)
        await server.start()
        server.start_producing()
        ingest = OpcUaIngest(
            server.endpoint, _mapping(), tmp_path / "h", ack_log=tmp_path / "ack.txt", **_fast()
        )
        run = asyncio.create_task(ingest.run())
        await _until(lambda: len(_acked(tmp_path / "ack.txt")) >= 20, 20)
        server.step_clock(0.0)
        corrected = len(server.produced)
        await _until(lambda: len(server.produced) >= corrected + 40, 20)
        await server.stop_producing()
        after = set(server.produced[corrected:])
        await _until(lambda: set(_acked(tmp_path / "ack.txt")) >= after, 20)
        ingest.stop()
        health = await run
        await server.stop()
        return health, after

    health, after = asyncio.run(asyncio.wait_for(scenario(), 90))
    acked = _acked(tmp_path / "ack.txt")
    assert after <= set(acked) and len(acked) == len(set(acked))
    assert health["clock_steps"] >= len(TAGS) and health["duplicates_dropped"] == 0
    # the step is 600 s less the time between the two samples
    assert -601.0 < health["clock_step_s"] < -590.0
    assert re.search(r"clock stepped back by 5\d\d\.\d+ s \(\d+ tags", health["last_error"])
    stored = _stored(tmp_path / "h")
    steps = stored[stored["tag"] == "ingest_clock_steps"]["value"]
    assert steps.max() >= len(TAGS)  # the step is in the health tags too


@pytest.mark.slow
def test_a_value_repeated_by_a_new_subscription_is_stored_once(tmp_path):
    # The server is quiet while the connection is cut: after the reconnection the subscription's
    # first notification of each tag is the sample ingestion already stored (same source
    # timestamp). It must be dropped, and counted.
    async def scenario():
        server, proxy, ingest = await start_behind_proxy(tmp_path)
        run = asyncio.create_task(ingest.run())
        await _until(lambda: len(_acked(tmp_path / "ack.txt")) >= 20, 20)
        await server.stop_producing()
        await _until(lambda: set(_acked(tmp_path / "ack.txt")) >= set(server.produced), 20)
        await proxy.cut()
        await _until(lambda: not ingest.health()["connected"], 10)
        await proxy.restore()
        await _until(lambda: ingest.health()["duplicates_dropped"] >= len(TAGS), 20)
        server.start_producing()
        await _until(lambda: len(server.produced) >= len(_acked(tmp_path / "ack.txt")) + 20, 20)
        await server.stop_producing()
        await _until(lambda: set(_acked(tmp_path / "ack.txt")) >= set(server.produced), 20)
        ingest.stop()
        health = await run
        await proxy.cut()
        await server.stop()
        return server, health

    server, health = asyncio.run(asyncio.wait_for(scenario(), 90))
    acked = _acked(tmp_path / "ack.txt")
    assert health["reconnects"] >= 1 and health["duplicates_dropped"] >= len(TAGS)
    assert set(acked) == set(server.produced)
    assert [pair for pair, n in Counter(acked).items() if n > 1] == []
    assert health["clock_steps"] == 0


def _command(server, tmp_path, ack, *extra):
    return ingest_command(server.endpoint, tmp_path, ack, "--flush-interval", "0.5", *extra)


def _run_until_acked(command, ack, points, timeout_s=60.0):
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout_s
    while len(_acked(ack)) < points and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    alive = process.poll() is None
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    error = process.stderr.read().decode() if process.stderr else ""
    process.stderr.close()
    assert alive, error[-2000:]
    return len(_acked(ack))


@pytest.mark.slow
def test_ingestion_killed_again_and_again_during_its_refill_leaves_no_hole_and_no_duplicate(tmp_path):
    # Each resumed run is killed (SIGKILL) as soon as its first live batch is acknowledged: its
    # newest point per tag is then past the outage, whose refill from history (a second later)
    # never happened. The next --resume must still refill that outage; after three such kills a
    # last run finishes. Every point the server produced over the whole span must be stored once.
    server = TagServer(free_port(), TAGS, interval_s=0.02)
    stop = threading.Event()
    thread = _serve_in_thread(server, stop)
    write_mapping_files(tmp_path)
    owed_file = tmp_path / "h" / "site=demo" / "furnace=t1" / OWED_FILE
    logs = [tmp_path / f"ack{n}.txt" for n in range(5)]
    owed_at_kill = []
    try:
        time.sleep(0.5)
        _run_until_acked(_command(server, tmp_path, logs[0]), logs[0], 200)
        for log in logs[1:4]:
            time.sleep(0.5)  # the outage: the server keeps producing and historizing
            _run_until_acked(_command(server, tmp_path, log, "--resume"), log, 1)
            owed = json.loads(owed_file.read_text(encoding="utf-8"))["tags"]
            owed_at_kill.append(sum(len(gaps) for gaps in owed.values()))
        time.sleep(0.5)
        last = subprocess.run(
            _command(server, tmp_path, logs[4], "--resume", "--duration", "4"),
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert last.returncode == 0, last.stderr[-2000:]
    finally:
        stop.set()
        thread.join(10)
    # the kills did fall between a live batch and the refill: gaps were owed at each kill
    assert all(count >= len(TAGS) for count in owed_at_kill), owed_at_kill
    assert json.loads(owed_file.read_text(encoding="utf-8"))["tags"] == {}  # all refilled at the end
    acked = [pair for log in logs for pair in _acked(log)]
    assert [pair for pair, n in Counter(acked).items() if n > 1] == []  # acknowledged once
    stored = _stored(tmp_path / "h")
    data = stored[~stored["tag"].str.startswith("ingest_")]
    stamps = data["ts"].astype("datetime64[us, UTC]").astype("int64")
    pairs = list(zip(data["tag"], stamps, strict=True))
    assert len(pairs) == len(set(pairs))  # stored once
    kept = set(pairs)
    first_log = _acked(logs[0])
    last_log = _acked(logs[4])
    for tag in TAGS:
        first_ts = min(ts for t, ts in first_log if t == tag)
        last_ts = max(ts for t, ts in last_log if t == tag)
        expected = {(t, ts) for t, ts in list(server.produced) if t == tag and first_ts <= ts <= last_ts}
        assert expected <= kept, f"{tag}: {len(expected - kept)} of {len(expected)} points missing"
