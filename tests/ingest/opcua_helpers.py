"""Test doubles for OPC UA ingestion: a small tag server whose output is known, and a TCP proxy to cut.

``TagServer`` serves a few tags in the address space of the plant-data contract and writes a
known value to each every ``interval_s`` with an exact source timestamp, so a test can compare
what the historian holds with what was produced, point by point. Its history storage survives a
stop: while the server is down the producer keeps recording into that storage (like a DCS that
buffers while its OPC UA gateway restarts), so after the restart the gap can be read back.

``TcpProxy`` sits between client and server; ``cut()`` drops every connection and stops
listening, ``restore()`` listens again: the server stays up and keeps its history.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import socket
import sys
import threading
import time
from pathlib import Path

import pandas as pd
from asyncua import Server, ua
from asyncua.server.history import HistoryDict

from greenmet.ingest.mapping import TagMap
from greenmet.ingest.opcua_client import OpcUaIngest
from greenmet.storage.manifest import snapshot

NAMESPACE_URI = "urn:greenmet:simulator"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _KeptHistory(HistoryDict):
    """In-memory history that a restarted server can take over."""

    async def new_historized_node(self, node_id, period, count=0):
        if node_id not in self._datachanges:
            await super().new_historized_node(node_id, period, count)


def value_of(number: int, step: int) -> float:
    """The value tag ``number`` has at ``step``: known to the tests."""
    return 100.0 + number * 10.0 + (step % 7) * 0.5


class TagServer:
    def __init__(
        self,
        port: int,
        tags: list[str],
        *,
        furnace: str = "T1",
        interval_s: float = 0.05,
        history: bool = True,
        clock_offset_s: float = 0.0,
        constant: bool = False,
    ) -> None:
        self.port = port
        self.clock_offset = dt.timedelta(seconds=clock_offset_s)  # a source clock that is wrong
        self.tags = tags
        self.furnace = furnace
        self.interval_s = interval_s
        self.history = history
        self.constant = constant  # a stuck sensor: the value never changes, the timestamps do
        self.storage = _KeptHistory()
        self.produced: list[tuple[str, int]] = []  # (tag, source timestamp in µs)
        self._server: Server | None = None
        self._nodes: dict[str, ua.NodeId] = {}
        self._producer: asyncio.Task | None = None
        self._step = 0
        self._last: dict[str, ua.DataValue] = {}
        self._previous = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
        self.origin = dt.datetime.now(dt.UTC).replace(microsecond=0)

    @property
    def endpoint(self) -> str:
        return f"opc.tcp://127.0.0.1:{self.port}"

    async def start(self) -> None:
        server = Server()
        await server.init()
        server.set_endpoint(self.endpoint)
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        server.iserver.history_manager.set_storage(self.storage)
        index = await server.register_namespace(NAMESPACE_URI)
        root = await server.nodes.objects.add_folder(
            ua.NodeId(f"Furnace_{self.furnace}", index), f"{index}:Furnace_{self.furnace}"
        )
        folder = await root.add_folder(ua.NodeId(f"{self.furnace}.blast", index), f"{index}:blast")
        variables = []
        for tag in self.tags:
            node_id = ua.NodeId(f"{self.furnace}.{tag}", index)
            variable = await folder.add_variable(
                node_id, f"{index}:{tag}", 0.0, varianttype=ua.VariantType.Double
            )
            variables.append(variable)
            self._nodes[tag] = node_id
        for number, tag in enumerate(self.tags):
            # A restarted server shows the last value with its timestamp; a new one an initial
            # value, which is a produced point like any other.
            if tag not in self._last:
                self._record(tag, self._next_value(number, 0))
            await server.write_attribute_value(self._nodes[tag], self._last[tag])
        if self.history:
            await server.historize_node_data_change(variables, period=None)
        await server.start()
        self._server = server

    async def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            await server.stop()

    def start_producing(self) -> None:
        self._producer = asyncio.create_task(self._produce())

    async def stop_producing(self) -> None:
        if self._producer is not None:
            self._producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._producer

    def _next_value(self, number: int, step: int) -> ua.DataValue:
        # Source timestamps from the clock, strictly increasing, microsecond resolution.
        stamp = max(
            dt.datetime.now(dt.UTC) + self.clock_offset, self._previous + dt.timedelta(microseconds=1)
        )
        self._previous = stamp
        return ua.DataValue(
            ua.Variant(value_of(number, 0 if self.constant else step), ua.VariantType.Double),
            SourceTimestamp=stamp,
            ServerTimestamp=stamp,
        )

    def step_clock(self, offset_s: float) -> None:
        """Set the source clock to be ``offset_s`` off (a clock corrected by the operator)."""
        self.clock_offset = dt.timedelta(seconds=offset_s)
        self._previous = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

    def _record(self, tag: str, data: ua.DataValue) -> None:
        micros = (data.SourceTimestamp - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(
            microseconds=1
        )
        self._last[tag] = data
        self.produced.append((tag, micros))

    async def _produce(self) -> None:
        while True:
            self._step += 1
            for number, tag in enumerate(self.tags):
                data = self._next_value(number, self._step)
                if self._server is not None:
                    await self._server.write_attribute_value(self._nodes[tag], data)
                elif self.history:
                    await self.storage.save_node_value(self._nodes[tag], data)
                self._record(tag, data)
            await asyncio.sleep(self.interval_s)


class TcpProxy:
    """A TCP relay that can drop its connections and stop listening for a while."""

    def __init__(self, port: int, upstream_port: int) -> None:
        self.port = port
        self.upstream_port = upstream_port
        self._server: asyncio.base_events.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def endpoint(self) -> str:
        return f"opc.tcp://127.0.0.1:{self.port}"

    async def restore(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            writer.close()
            return
        self._writers.update({writer, up_writer})

        async def pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    target.write(data)
                    await target.drain()
            except (OSError, asyncio.CancelledError):
                pass
            finally:
                target.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


# -- shared by the OPC UA ingestion tests ----------------------------------------------------
TAGS = ["blast_volume", "blast_temperature", "top_pressure", "top_temperature"]
UNITS = {
    "blast_volume": "Nm3/min",
    "blast_temperature": "degC",
    "top_pressure": "kPa",
    "top_temperature": "degC",
}
CATALOGUE = {tag: UNITS[tag] for tag in TAGS}


def _mapping(furnace="T1", vendor_unit=None):
    return TagMap.from_rows(
        [
            {
                "vendor_tag": f"{furnace}.{tag}",
                "tag": tag,
                "unit": (vendor_unit or {}).get(tag, UNITS[tag]),
                "site": "demo",
                "furnace": furnace.lower(),
            }
            for tag in TAGS
        ],
        CATALOGUE,
    )


def _acked(path):
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    pairs = [tuple(line.split("\t")) for line in lines if line.count("\t") == 1]
    return [(tag, int(stamp)) for tag, stamp in pairs if not tag.startswith("ingest_")]


def _stored(root, furnace="t1"):
    files = snapshot(Path(root) / "site=demo" / f"furnace={furnace}").parts  # the live parts
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


async def _until(condition, timeout_s=10.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return False


def _fast(**options):
    defaults = {
        "write_interval_s": 0.1,
        "flush_interval_s": 0.5,
        "reconnect_initial_s": 0.2,
        "reconnect_max_s": 1.0,
        "history_delay_s": 0.3,
        "health_interval_s": 0.5,
        "request_timeout_s": 2.0,
    }
    return {**defaults, **options}


def _serve_in_thread(server: TagServer, stop: threading.Event) -> threading.Thread:
    def target():
        async def main():
            await server.start()
            server.start_producing()
            while not stop.is_set():
                await asyncio.sleep(0.05)
            await server.stop_producing()
            await server.stop()

        asyncio.run(main())

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def write_mapping_files(directory) -> None:
    """``mapping.csv`` and ``catalogue.csv`` of the four test tags, for the CLI."""
    (directory / "mapping.csv").write_text(
        "vendor_tag,tag,unit\n" + "".join(f"T1.{t},{t},{UNITS[t]}\n" for t in TAGS), encoding="utf-8"
    )
    (directory / "catalogue.csv").write_text(
        "tag,unit\n" + "".join(f"{t},{UNITS[t]}\n" for t in TAGS), encoding="utf-8"
    )


def ingest_command(endpoint: str, directory, ack, *extra: str) -> list[str]:
    """``greenmet ingest opcua`` of the files of :func:`write_mapping_files` into ``directory/h``."""
    return [
        sys.executable,
        "-c",
        "from greenmet.cli import main; main()",
        "ingest",
        "opcua",
        "--endpoint",
        endpoint,
        "--mapping",
        str(directory / "mapping.csv"),
        "--catalogue",
        str(directory / "catalogue.csv"),
        "--site",
        "demo",
        "--furnace",
        "t1",
        "--historian",
        str(directory / "h"),
        "--ack-log",
        str(ack),
        *extra,
    ]


async def start_behind_proxy(directory, **options) -> tuple[TagServer, TcpProxy, OpcUaIngest]:
    """A producing tag server, a proxy in front of it and an ingestion through the proxy.

    The ingestion writes to ``directory/h``, logs acknowledgements to ``directory/ack.txt`` and
    starts at the server's origin (so its first points come from history); not yet running.
    """
    server = TagServer(free_port(), TAGS)
    await server.start()
    proxy = TcpProxy(free_port(), server.port)
    await proxy.restore()
    server.start_producing()
    ingest = OpcUaIngest(
        proxy.endpoint,
        _mapping(),
        directory / "h",
        ack_log=directory / "ack.txt",
        start_after={t: server.origin for t in TAGS},
        **_fast(**options),
    )
    return server, proxy, ingest
