"""OPC UA ingestion, live side: every sample (unchanged values too), visible to queries while it
runs, handed to in-process subscribers, described in the furnace metadata, health that adds up.
"""

from __future__ import annotations

import asyncio
import json

import pyarrow as pa
import pytest
from opcua_helpers import TAGS, UNITS, TagServer, _acked, _fast, _mapping, _until, free_port

from greenmet.errors import InputError
from greenmet.ingest.live import LiveBatch, LiveFeed
from greenmet.ingest.mapping import HEALTH_TAGS
from greenmet.ingest.opcua_client import OpcUaIngest
from greenmet.storage import queries


def _queried_points(root) -> int:
    points = queries.open_points(root, "demo", "t1")
    frame = queries.run(points.filter(points.tag.isin(TAGS)).select("tag", "ts"))
    return len(frame)


@pytest.mark.slow
def test_a_stuck_sensor_is_stored_sample_by_sample_visible_to_queries_and_fed_live(tmp_path):
    # A sensor stuck at one value: the server stamps every sample anew but the value never
    # changes. With the default data-change trigger (status and value) the server would send
    # only the first sample; ingestion subscribes with StatusValueTimestamp, so every one arrives.
    fed: list[LiveBatch] = []
    called: list[int] = []

    async def scenario():
        server = TagServer(free_port(), TAGS, constant=True, history=False)
        await server.start()
        server.start_producing()
        ingest = OpcUaIngest(
            server.endpoint,
            _mapping(),
            tmp_path / "h",
            ack_log=tmp_path / "ack.txt",
            **_fast(flush_interval_s=0.5, health_interval_s=60.0),
        )
        ingest.feed.add_callback(lambda batch: called.append(batch.points.num_rows))

        async def listen():
            async with ingest.feed.subscribe() as batches:
                async for batch in batches:
                    fed.append(batch)

        listener = asyncio.create_task(listen())
        run = asyncio.create_task(ingest.run())
        await _until(lambda: len(_acked(tmp_path / "ack.txt")) >= 40, 20)
        # While ingestion runs (nothing closed, no 2-million-point buffer filled), a historian
        # query returns the points: the writer flushes every flush_interval_s.
        seen = 0
        for _ in range(100):
            seen = await asyncio.to_thread(_queried_points, tmp_path / "h")
            if seen >= 40:
                break
            await asyncio.sleep(0.2)
        await server.stop_producing()
        await _until(lambda: set(_acked(tmp_path / "ack.txt")) >= set(server.produced), 20)
        ingest.stop()
        health = await run
        await asyncio.wait_for(listener, 10)  # the feed ends with the run
        await server.stop()
        return server, health, seen

    server, health, seen = asyncio.run(asyncio.wait_for(scenario(), 90))
    assert seen >= 40
    acked = _acked(tmp_path / "ack.txt")
    # every sample from the subscription's first one on (no history is read in this test)
    first = {tag: min(stamp for t, stamp in acked if t == tag) for tag in TAGS}
    expected = {(tag, stamp) for tag, stamp in server.produced if stamp >= first[tag]}
    assert len(expected) > 4 * 10
    assert set(acked) == expected and len(acked) == len(set(acked))
    # the live feed carried exactly what was acknowledged, with quality codes
    fed_points = [
        (tag, stamp)
        for batch in fed
        for tag, stamp in zip(
            batch.points.column("tag").to_pylist(),
            batch.points.column("ts").cast(pa.int64()).to_pylist(),
            strict=True,
        )
        if not tag.startswith("ingest_")
    ]
    assert sorted(fed_points) == sorted(acked)
    assert all(batch.points.column("quality").to_pylist() == [0] * batch.points.num_rows for batch in fed)
    assert {(batch.site, batch.furnace) for batch in fed} == {("demo", "t1")}
    assert sum(called) == sum(batch.points.num_rows for batch in fed) == health["points_written"]
    # the ingestion-fed historian describes its tags (unit and descriptions from the catalogue)
    metadata = json.loads((tmp_path / "h" / "site=demo" / "furnace=t1" / "_furnace.json").read_text())
    assert metadata["tags"]["blast_volume"]["unit"] == UNITS["blast_volume"]
    assert metadata["tags"]["blast_volume"]["vendor_tag"] == "T1.blast_volume"
    assert metadata["tags"]["ingest_lag_s"]["description_zh"] == HEALTH_TAGS["ingest_lag_s"].description_zh
    assert set(TAGS) | set(HEALTH_TAGS) <= set(metadata["tags"])


def test_points_per_s_of_a_short_run_is_what_it_wrote(tmp_path):
    # Everything is written at the end (one batch at stop) and the run is shorter than a health
    # interval: the rate must still be the points written over the run, not 0.0.
    async def scenario():
        server = TagServer(free_port(), TAGS, history=False)
        await server.start()
        server.start_producing()
        try:
            ingest = OpcUaIngest(
                server.endpoint,
                _mapping(),
                tmp_path / "h",
                **_fast(write_interval_s=60.0, health_interval_s=30.0),
            )
            return await ingest.run(1.5)
        finally:
            await server.stop_producing()
            await server.stop()

    health = asyncio.run(asyncio.wait_for(scenario(), 60))
    assert health["points_written"] > len(HEALTH_TAGS)
    assert health["points_per_s"] > 0.0


def test_a_slow_feed_subscriber_is_told_what_it_missed_and_a_failing_callback_does_not_stop_others():
    async def scenario():
        feed = LiveFeed()
        slow = feed.subscribe(max_batches=2)
        seen = []

        def broken(batch):
            raise RuntimeError("a subscriber's bug")

        feed.add_callback(broken)
        feed.add_callback(lambda batch: seen.append(batch.points.num_rows))
        for rows in (1, 2, 3, 4):
            table = pa.table({"tag": ["blast_volume"] * rows})
            feed.publish(LiveBatch("demo", "t1", table, None, 0))  # type: ignore[arg-type]
        feed.close()
        return [(batch.points.num_rows, batch.missed_batches) async for batch in slow], seen

    received, seen = asyncio.run(scenario())
    assert received == [(3, 2), (4, 0)]  # batches 1 and 2 were dropped for the slow reader
    assert seen == [1, 2, 3, 4]
    with pytest.raises(InputError, match="max_batches"):
        LiveFeed().subscribe(max_batches=0)
