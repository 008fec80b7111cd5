"""Live latency: from a value's source timestamp on the OPC UA server to a historian query returning it.

One server process serves ``--tags`` Double variables (356 by default, the tag count of the
5,000 m³ preset), each written once a second with its source timestamp set to the server's
clock. Two clients run against it, one after the other, for ``--duration`` seconds each:

- **greenmet**: :class:`greenmet.ingest.opcua_client.OpcUaIngest` with its defaults (write-ahead
  log batches every 0.25 s, historian flush every ``--flush-interval-s``, the historian's
  background compaction) into a Parquet historian; the reader is the historian's query path
  (``greenmet.storage.queries.open_points``, DuckDB);
- **peer** (what a competent user would write without greenmet): a plain asyncua subscription
  (same publishing interval and data-change trigger) whose handler appends to a list, and a task
  that writes the list to a new Parquet file every ``--flush-interval-s`` (pyarrow, no write-ahead
  log, no de-duplication, no compaction); the reader is hand-written DuckDB SQL over the files.

In both cases a reader thread asks, every ``--poll-s`` seconds, for the points newer than the
newest it has seen and records, for each, its latency = wall clock when the query returned it −
its source timestamp. Polling adds up to ``--poll-s`` to each latency, for both sides alike.
Printed: p50/p95/max latency of each side, their ratio, the number of Parquet files at the end.
The target is greenmet's p95 < 5 s.

Run::

    python benchmarks/live_latency.py
    python benchmarks/live_latency.py --tags 1000 --duration 60 --flush-interval-s 1
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

NAMESPACE_URI = "urn:greenmet:latency"


async def serve(port: int, tags: int) -> None:
    import datetime as dt

    from asyncua import Server, ua

    server = Server()
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{port}")
    server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
    index = await server.register_namespace(NAMESPACE_URI)
    root = await server.nodes.objects.add_folder(ua.NodeId("Furnace_LAT", index), f"{index}:Furnace_LAT")
    node_ids = []
    folder = root
    for number in range(tags):
        if number % 100 == 0:
            folder = await root.add_folder(ua.NodeId(f"LAT.f{number}", index), f"{index}:f{number}")
        node_id = ua.NodeId(f"LAT.tag_{number:04d}", index)
        name = f"{index}:tag_{number:04d}"
        await folder.add_variable(node_id, name, 0.0, varianttype=ua.VariantType.Double)
        node_ids.append(node_id)
    async with server:
        step = 0
        while True:
            started = time.monotonic()
            stamp = dt.datetime.now(dt.UTC)
            for number, node_id in enumerate(node_ids):
                value = ua.DataValue(
                    ua.Variant(float(number + step % 10), ua.VariantType.Double),
                    SourceTimestamp=stamp,
                    ServerTimestamp=stamp,
                )
                await server.write_attribute_value(node_id, value)
            step += 1
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


class Poller(threading.Thread):
    """Ask ``fetch(cursor_us)`` for (tag, ts_us) newer than the cursor; record latencies."""

    def __init__(self, fetch, poll_s: float) -> None:
        super().__init__(daemon=True)
        self.fetch = fetch
        self.poll_s = poll_s
        self.latencies: list[float] = []
        self.stop = threading.Event()
        self.cursor = time.time_ns() // 1000

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                stamps = self.fetch(self.cursor)
            except Exception:  # a file swapped away between listing and reading: ask again
                stamps = np.array([], dtype=np.int64)
            now_us = time.time_ns() // 1000
            if len(stamps):
                self.latencies.extend(((now_us - stamps) / 1e6).tolist())
                self.cursor = int(stamps.max())
            self.stop.wait(self.poll_s)


async def greenmet_side(endpoint: str, tags: int, duration: float, flush_s: float, poll_s: float, root: Path):
    import ibis

    from greenmet.ingest.mapping import TagMap
    from greenmet.ingest.opcua_client import OpcUaIngest
    from greenmet.storage import queries

    names = [f"tag_{n:04d}" for n in range(tags)]
    units = {name: "degC" for name in names}
    rows = [{"vendor_tag": f"LAT.{name}", "tag": name, "unit": "degC", "site": "bench", "furnace": "lat"}
            for name in names]
    ingest = OpcUaIngest(endpoint, TagMap.from_rows(rows, units), root, flush_interval_s=flush_s,
                         read_history=False)
    backend = ibis.duckdb.connect()

    def fetch(cursor: int) -> np.ndarray:
        points = queries.open_points(root, "bench", "lat", backend=backend)
        frame = queries.run(points.filter(points.ts_us > cursor, ~points.tag.startswith("ingest_"))
                            .select("ts_us"), backend)
        return frame["ts_us"].to_numpy(dtype=np.int64)

    poller = Poller(fetch, poll_s)
    run = asyncio.create_task(ingest.run())
    poller.start()
    await asyncio.sleep(duration)
    poller.stop.set()
    ingest.stop()
    health = await run
    poller.join(30)
    from greenmet.storage.manifest import snapshot

    files = sum(len(snapshot(d).parts) for d in root.glob("site=*/furnace=*"))  # live parts
    return poller.latencies, files, health


async def peer_side(endpoint: str, tags: int, duration: float, flush_s: float, poll_s: float, root: Path):
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq
    from asyncua import Client, ua

    received: list[tuple[str, int, float]] = []
    epoch = np.datetime64("1970-01-01T00:00:00", "us")

    class Handler:
        def datachange_notification(self, node, value, data) -> None:
            stamp = data.monitored_item.Value.SourceTimestamp
            us = int((np.datetime64(stamp.replace(tzinfo=None), "us") - epoch).astype(np.int64))
            received.append((node.nodeid.Identifier, us, float(value)))

    root.mkdir(parents=True, exist_ok=True)

    async def writer() -> None:
        number = 0
        while True:
            await asyncio.sleep(flush_s)
            batch, received[:] = list(received), []
            if batch:
                tags_, stamps, values = zip(*batch, strict=True)
                table = pa.table({"tag": list(tags_), "ts_us": pa.array(stamps, pa.int64()),
                                  "value": list(values)})
                pq.write_table(table, root / f"batch-{number:06d}.parquet")
                number += 1

    connection = duckdb.connect()
    pattern = str(root / "batch-*.parquet")

    def fetch(cursor: int) -> np.ndarray:
        if not any(root.glob("batch-*.parquet")):
            return np.array([], dtype=np.int64)
        rows = connection.execute(f"SELECT ts_us FROM read_parquet('{pattern}') WHERE ts_us > ?",
                                  [cursor]).fetchall()
        return np.array([r[0] for r in rows], dtype=np.int64)

    async with Client(endpoint, timeout=30) as client:
        index = await client.get_namespace_index(NAMESPACE_URI)
        nodes = [client.get_node(ua.NodeId(f"LAT.tag_{n:04d}", index)) for n in range(tags)]
        subscription = await client.create_subscription(100, Handler())
        await subscription.subscribe_data_change(nodes, queuesize=100)
        write_task = asyncio.create_task(writer())
        poller = Poller(fetch, poll_s)
        poller.start()
        await asyncio.sleep(duration)
        poller.stop.set()
        write_task.cancel()
        poller.join(30)
    files = len(list(root.glob("batch-*.parquet")))
    return poller.latencies, files


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _summary(name: str, latencies: list[float], files: int) -> dict:
    array = np.asarray(latencies)
    p50, p95 = (float(np.percentile(array, q)) for q in (50, 95))
    print(f"{name:<10} points {len(array):>8}  p50 {p50:6.2f} s  p95 {p95:6.2f} s  max {array.max():6.2f} s  "
          f"parquet files at end {files}")
    return {"p50": p50, "p95": p95}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, default=356)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--flush-interval-s", type=float, default=2.0)
    parser.add_argument("--poll-s", type=float, default=0.25)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.tags))
        return
    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port), "--tags", str(args.tags)])
    endpoint = f"opc.tcp://127.0.0.1:{port}"
    try:
        time.sleep(3.0 + args.tags / 200)  # the server builds its address space
        print(f"{args.tags} tags at 1 Hz, {args.duration:.0f} s per side, flush every "
              f"{args.flush_interval_s} s, poll every {args.poll_s} s, load average {os.getloadavg()[0]:.2f}")
        with tempfile.TemporaryDirectory() as directory:
            common = (endpoint, args.tags, args.duration, args.flush_interval_s, args.poll_s)
            latencies, files, health = asyncio.run(greenmet_side(*common, Path(directory) / "g"))
            ours = _summary("greenmet", latencies, files)
            print(f"           health: points_written {health['points_written']}, errors {health['errors']}, "
                  f"last_error {health['last_error']}")
            latencies, files = asyncio.run(peer_side(*common, Path(directory) / "p"))
            theirs = _summary("peer", latencies, files)
        print(f"p95 ratio greenmet / peer: {ours['p95'] / theirs['p95']:.2f}; "
              f"target p95 < 5 s: {'met' if ours['p95'] < 5 else 'NOT met'}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
