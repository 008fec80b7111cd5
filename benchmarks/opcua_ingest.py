"""OPC UA ingestion throughput: greenmet's subscription path into the historian vs a plain asyncua client.

Both clients run against the same servers, the same tags, for the same duration, one after the
other, each in its own process (so that each one's peak memory is its own):

- **peer**: a plain asyncua client that only receives — the documented iterator API
  (``client.create_subscription(..., handler=None)``, ``subscribe_data_change``,
  ``async for event in subscription``), counting data-change events;
- **greenmet**: :class:`greenmet.ingest.opcua_client.OpcUaIngest` — receive, convert units,
  de-duplicate, and write every point to the Parquet historian through its write-ahead log
  (points count once the historian acknowledged them). One ingestion per server, each writing
  its own furnace, all in one process and one event loop.

Servers run in their own processes (``--servers``, one per core helps: an asyncua server costs
far more CPU per value than the client): either a plain asyncua server with ``--tags`` Double
variables each rewritten ``--rate-hz`` times a second, or the simulator's server
(``--source simulator``, 239 tags of the 2,500 m³ preset). The sustained rate is measured over
``--duration`` seconds after ``--warmup`` seconds. The load average of the machine is printed:
on a shared machine other processes take CPU from the servers and the clients alike, so each
client also reports points per CPU-second of its own process (all its threads): what one core
would sustain for it if the servers kept up.

Run::

    python benchmarks/opcua_ingest.py                                   # 2 servers x 1,250 tags x 10 Hz
    python benchmarks/opcua_ingest.py --servers 1 --tags 2500 --duration 30
    python benchmarks/opcua_ingest.py --source simulator --servers 1 --update-interval-s 0.01 --speed 100
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NAMESPACE_URI = "urn:greenmet:simulator"


# -- servers -----------------------------------------------------------------------------------
async def serve(port: int, tags: int, rate_hz: float) -> None:
    from asyncua import Server, ua

    server = Server()
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{port}")
    server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
    index = await server.register_namespace(NAMESPACE_URI)
    root = await server.nodes.objects.add_folder(ua.NodeId("Furnace_BENCH", index), f"{index}:Furnace_BENCH")
    node_ids = []
    folder = root
    for number in range(tags):
        if number % 100 == 0:  # asyncua checks references in O(n) per added node: keep folders small
            name = f"staves_{number // 100:03d}"
            folder = await root.add_folder(ua.NodeId(f"BENCH.{name}", index), f"{index}:{name}")
        node_id = ua.NodeId(f"BENCH.stave_temperature_{number:05d}", index)
        await folder.add_variable(
            node_id, f"{index}:stave_temperature_{number:05d}", 0.0, varianttype=ua.VariantType.Double
        )
        node_ids.append(node_id)
    async with server:
        print("ready", flush=True)
        step = 0
        while True:
            tick = time.perf_counter()
            now = dt.datetime.now(dt.UTC)
            for number, node_id in enumerate(node_ids):
                value = 40.0 + (number % 50) + 0.01 * (step % 100)
                data = ua.DataValue(
                    ua.Variant(value, ua.VariantType.Double), SourceTimestamp=now, ServerTimestamp=now
                )
                await server.write_attribute_value(node_id, data)
            step += 1
            await asyncio.sleep(max(0.0, 1.0 / rate_hz - (time.perf_counter() - tick)))


async def serve_simulator(port: int, speed: float, update_interval_s: float) -> None:
    from greenmet.blast_furnace.simulator import preset
    from greenmet.simulation.opcua_server import SimulatorServer

    async with SimulatorServer(
        preset("2500m3"),
        endpoint=f"opc.tcp://127.0.0.1:{port}",
        speed=speed,
        update_interval_s=update_interval_s,
        history_hours=0.05,
    ):
        print("ready", flush=True)
        while True:
            await asyncio.sleep(3600)


# -- clients -----------------------------------------------------------------------------------
def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


async def _variable_ids(client, index: int, prefix: str) -> list[str]:
    from greenmet.ingest.opcua_client import browse_variables

    variables = await browse_variables(client)
    return [
        str(v.nodeid.Identifier)
        for v in variables
        if v.nodeid.NamespaceIndex == index and str(v.nodeid.Identifier).startswith(prefix)
    ]


async def plain_client(
    endpoints: list[str], prefix: str, warmup: float, duration: float, per_sub: int
) -> dict:
    from asyncua import Client
    from asyncua.common.subscription import DataChangeEvent

    count = 0
    tags = 0

    async def consume(subscription) -> None:
        nonlocal count
        async for event in subscription:
            if isinstance(event, DataChangeEvent):
                count += 1

    clients, tasks = [], []
    for endpoint in endpoints:
        # A long watchdog interval: on a saturated loop the default 1 s keep-alive probe times
        # out and the client declares the connection lost (greenmet's client uses 5 s).
        client = Client(endpoint, timeout=30, watchdog_intervall=10.0)
        await client.connect()
        clients.append(client)
        index = await client.get_namespace_index(NAMESPACE_URI)
        nodes = [
            client.get_node(f"ns={index};s={name}") for name in await _variable_ids(client, index, prefix)
        ]
        tags += len(nodes)
        for start in range(0, len(nodes), per_sub):
            subscription = await client.create_subscription(100, None, queue_maxsize=0)
            await subscription.subscribe_data_change(nodes[start : start + per_sub], queuesize=100)
            tasks.append(asyncio.create_task(consume(subscription)))
    await asyncio.sleep(warmup)
    first, started, cpu = count, time.perf_counter(), time.process_time()
    await asyncio.sleep(duration)
    received, elapsed, cpu = count - first, time.perf_counter() - started, time.process_time() - cpu
    for task in tasks:
        task.cancel()
    for client in clients:
        await client.disconnect()
    return {
        "client": "plain asyncua (receive only)",
        "tags": tags,
        "points": received,
        "seconds": elapsed,
        "points_per_s": received / elapsed,
        "points_per_cpu_s": received / cpu,
        "peak_rss_mib": _peak_rss_mib(),
    }


async def greenmet_client(
    endpoints: list[str], prefix: str, warmup: float, duration: float, per_sub: int, catalogue: str | None
) -> dict:
    from asyncua import Client

    from greenmet.ingest.mapping import TagMap, load_catalogue
    from greenmet.ingest.opcua_client import OpcUaIngest
    from greenmet.storage.manifest import snapshot

    with tempfile.TemporaryDirectory() as root:
        ingests = []
        tags = 0
        for number, endpoint in enumerate(endpoints):
            async with Client(endpoint, timeout=30) as client:
                index = await client.get_namespace_index(NAMESPACE_URI)
                names = await _variable_ids(client, index, prefix)
            short = [name.split(".", 1)[1] for name in names]
            units = (
                {tag: "degC" for tag in short}
                if catalogue is None
                else {tag: spec.unit for tag, spec in load_catalogue(catalogue).items()}
            )
            rows = [
                {
                    "vendor_tag": name,
                    "tag": tag,
                    "unit": units[tag],
                    "site": "bench",
                    "furnace": f"bench{number}",
                }
                for name, tag in zip(names, short, strict=True)
            ]
            tags += len(rows)
            ingests.append(
                OpcUaIngest(
                    endpoint,
                    TagMap.from_rows(rows, units),
                    root,
                    nodes_per_subscription=per_sub,
                    queue_size=100,
                    health_interval_s=1.0,
                    historian_options={"future_tolerance_s": None},
                )
            )
        runs = [asyncio.create_task(ingest.run()) for ingest in ingests]
        await asyncio.sleep(warmup)
        cpu = time.process_time()
        first, started = sum(i.health()["points_written"] for i in ingests), time.perf_counter()
        await asyncio.sleep(duration)
        healths = [i.health() for i in ingests]
        written, elapsed = sum(h["points_written"] for h in healths) - first, time.perf_counter() - started
        cpu = time.process_time() - cpu
        for ingest in ingests:
            ingest.stop()
        finals = await asyncio.gather(*runs)
        stored = sum(_stored_rows(path) for directory in Path(root).glob("site=*/furnace=*")
                     for path in snapshot(directory).parts)  # the live parts, from the manifest
    return {
        "client": "greenmet OpcUaIngest -> historian",
        "tags": tags,
        "points": written,
        "seconds": elapsed,
        "points_per_s": written / elapsed,
        "points_per_cpu_s": written / cpu,
        "peak_rss_mib": _peak_rss_mib(),
        "lag_s": max((h["lag_s"] or 0.0) for h in healths),
        "acknowledged_total": sum(f["points_written"] for f in finals),
        "stored_total": stored,
        "duplicates_dropped": sum(f["duplicates_dropped"] for f in finals),
        "errors": sum(f["errors"] for f in finals),
        "last_error": [f["last_error"] for f in finals],
    }


def _stored_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


# -- driver ------------------------------------------------------------------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _run_client(kind: str, args: argparse.Namespace, endpoints: list[str]) -> dict:
    command = [
        sys.executable,
        __file__,
        "--client",
        kind,
        "--endpoint",
        ",".join(endpoints),
        "--warmup",
        str(args.warmup),
        "--duration",
        str(args.duration),
        "--nodes-per-subscription",
        str(args.nodes_per_subscription),
        "--source",
        args.source,
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=args.warmup + args.duration + 300
    )
    if result.returncode != 0:
        raise SystemExit(f"{kind} client failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--source", choices=["bench", "simulator"], default="bench")
    parser.add_argument("--servers", type=int, default=2, help="server processes")
    parser.add_argument("--tags", type=int, default=1250, help="tags per server (bench source)")
    parser.add_argument("--rate-hz", type=float, default=10.0, help="updates of each tag per second (bench)")
    parser.add_argument("--speed", type=float, default=100.0, help="simulated s per wall s (simulator)")
    parser.add_argument("--update-interval-s", type=float, default=0.01, help="update interval (simulator)")
    parser.add_argument("--warmup", type=float, default=6.0)
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--nodes-per-subscription", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=2, help="rounds of (plain, greenmet)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--client", choices=["plain", "greenmet"], help=argparse.SUPPRESS)
    parser.add_argument("--endpoint", help=argparse.SUPPRESS)
    args = parser.parse_args()

    prefix = "BENCH." if args.source == "bench" else "BF2500."
    catalogue = None if args.source == "bench" else "2500m3"
    if args.serve:
        if args.source == "bench":
            asyncio.run(serve(args.port, args.tags, args.rate_hz))
        else:
            asyncio.run(serve_simulator(args.port, args.speed, args.update_interval_s))
        return
    if args.client is not None:
        endpoints = args.endpoint.split(",")
        if args.client == "plain":
            result = asyncio.run(
                plain_client(endpoints, prefix, args.warmup, args.duration, args.nodes_per_subscription)
            )
        else:
            result = asyncio.run(
                greenmet_client(
                    endpoints, prefix, args.warmup, args.duration, args.nodes_per_subscription, catalogue
                )
            )
        print(json.dumps(result))
        return

    servers, endpoints = [], []
    try:
        for _ in range(args.servers):
            port = _free_port()
            endpoints.append(f"opc.tcp://127.0.0.1:{port}")
            servers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        __file__,
                        "--serve",
                        "--port",
                        str(port),
                        "--source",
                        args.source,
                        "--tags",
                        str(args.tags),
                        "--rate-hz",
                        str(args.rate_hz),
                        "--speed",
                        str(args.speed),
                        "--update-interval-s",
                        str(args.update_interval_s),
                    ],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                )
            )
        for server in servers:
            if server.stdout is None or server.stdout.readline().strip() != "ready":
                raise SystemExit("a server did not start")
        if args.source == "bench":
            offered = (
                f"{args.servers} x {args.tags} tags x {args.rate_hz:g} Hz = "
                f"{args.servers * args.tags * args.rate_hz:,.0f} values/s offered"
            )
        else:
            offered = (
                f"{args.servers} x simulator 2500m3 (update {args.update_interval_s} s, speed {args.speed:g})"
            )
        print(
            f"servers: {offered}; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; "
            f"warm-up {args.warmup:g} s, measured {args.duration:g} s"
        )
        pairs = []
        for round_number in range(1, args.repeat + 1):
            # Alternate the two clients so that a change of the machine's load hits both.
            peer = _run_client("plain", args, endpoints)
            ours = _run_client("greenmet", args, endpoints)
            pairs.append((peer, ours))
            _report(round_number, peer, ours)
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
    if len(pairs) > 1:
        best_peer = max(p["points_per_s"] for p, _ in pairs)
        best_ours = max(o["points_per_s"] for _, o in pairs)
        print(
            f"best of {len(pairs)}: plain asyncua {best_peer:,.0f} points/s, "
            f"greenmet {best_ours:,.0f} points/s, ratio {best_ours / best_peer:.2f}"
        )


def _report(round_number: int, peer: dict, ours: dict) -> None:
    print(f"round {round_number} (load average {os.getloadavg()[0]:.1f}):")
    for result in (peer, ours):
        print(
            f"  {result['client']:<36} {result['points_per_s']:>10,.0f} points/s  "
            f"({result['points']:,} points in {result['seconds']:.1f} s, {result['tags']} tags)  "
            f"peak RSS {result['peak_rss_mib']:.0f} MiB, "
            f"{result['points_per_cpu_s']:,.0f} points per CPU-second"
        )
    print(
        f"  ratio greenmet / plain asyncua: {ours['points_per_s'] / peer['points_per_s']:.2f} (rate), "
        f"{ours['points_per_cpu_s'] / peer['points_per_cpu_s']:.2f} (points per client CPU-second)"
    )
    print(
        f"  greenmet: lag {ours['lag_s']:.3f} s, acknowledged {ours['acknowledged_total']:,}, "
        f"in Parquet after close {ours['stored_total']:,}, duplicates dropped {ours['duplicates_dropped']}, "
        f"errors {ours['errors']}"
    )


if __name__ == "__main__":
    main()
