"""OPC UA ingestion: subscribe to a server's tags and write them to the historian, losing nothing.

:class:`OpcUaIngest` browses the server, matches its Variables to the vendor tags of a mapping
(:mod:`greenmet.ingest.mapping`), subscribes to them and writes what arrives to one
:class:`~greenmet.storage.Historian` per (site, furnace). How it is built:

- **Receiving.** Each subscription's publish callback puts the data-change notifications of one
  publish response, as one list, on an :class:`asyncio.Queue` and returns: it never blocks
  (FreeOpcUa/opcua-asyncio#1252). A consumer task converts them (unit, scale, range, quality) into
  columnar buffers; a writer task hands the buffers to :meth:`Historian.write` in a worker thread
  every ``write_interval_s`` or ``batch_points``. Points are *acknowledged* when that call returns
  (they are in the historian's write-ahead log); each acknowledged batch then goes to the
  in-process :attr:`OpcUaIngest.feed` (:mod:`greenmet.ingest.live`).
- **Visible within seconds.** Historian queries read Parquet parts, not the write-ahead log, so
  every ``flush_interval_s`` the writer flushes the historians; the historian's background
  compaction (:meth:`Historian.compact_small`) merges the small parts this makes, which keeps
  the number of parts per day bounded. A compaction failure is reported in ``last_error``.
- **Every sample.** Monitored items use the data-change trigger StatusValueTimestamp
  (OPC 10000-4 §7.22.2, DataChangeFilter), so a value that did not change but carries a new
  source timestamp (a stuck sensor, a steady set point) is delivered and stored.
- **Large tag counts.** Nodes are split into subscriptions of at most ``nodes_per_subscription``
  and connections of at most ``nodes_per_connection`` (the maintainers advise several client
  connections for thousands of tags, FreeOpcUa/opcua-asyncio#1516).
- **Server gone.** A lost connection (socket closed, keep-alive failed) ends the session; the
  client reconnects with exponential back-off (``reconnect_initial_s`` doubling up to
  ``reconnect_max_s``), subscribes again and, where the server offers history, reads the gap with
  HistoryRead (OPC 10000-11, ReadRawModifiedDetails) from the last point it had of each tag.
  The gaps still owed are kept on disk (:mod:`greenmet.ingest.owed`), so a run killed before
  its refill was acknowledged is refilled by the next run.
- **No duplicates.** Each tag keeps a watermark, the newest source timestamp accepted. A live
  value with the watermark's timestamp is the same sample again (the initial value of a new
  subscription) and is dropped; an older one means the source clock stepped back: it is kept
  (the historian merges late points), the step is counted and reported (``clock_steps``,
  ``clock_step_s``, ``last_error``) and the watermark follows the clock. A history value is
  taken only if it falls in one of the tag's
  gaps (after the last point before a loss and before the first live point after it) and is
  newer than what history already gave for that gap. A gap is kept until a history read has
  covered it, so a connection lost during the refill leaves the rest for the next session. No
  (tag, source timestamp) is written twice, and the historian's own last-write-wins merge is
  never needed for ingestion (except after a clock step back).
- **Health as data.** :meth:`OpcUaIngest.health` returns ``connected``, ``lag_s``,
  ``points_per_s``, ``last_error`` (cleared by a session that starts without error),
  ``reconnects``, the clock steps and counters; every ``health_interval_s`` the
  numeric ones are written as points of the ``ingest_*`` tags (see
  :data:`greenmet.ingest.mapping.HEALTH_TAGS`).

Quality codes follow the contract: the severity bits of the OPC UA StatusCode (bits 30–31,
OPC 10000-4 §7.39) shifted right by 24: 0 good, 64 uncertain, 128 bad. A value outside the
mapping's range is stored as uncertain; a value that is not a number as NaN, bad.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from asyncua import Client, ua
from asyncua.common.subscription import Subscription

from greenmet.errors import GreenmetError, InputError, StorageError, UnknownKeyError
from greenmet.ingest.live import LiveBatch, LiveFeed
from greenmet.ingest.mapping import HEALTH_TAGS, TagMap
from greenmet.ingest.owed import load_owed, owed_path, save_owed, stored_stamps
from greenmet.quality import QUALITY_BAD, QUALITY_GOOD, QUALITY_UNCERTAIN
from greenmet.storage import POINT_SCHEMA, Historian

__all__ = ["IngestHealth", "OpcUaIngest", "ServerVariable", "browse_variables", "run_ingest"]

Gaps = list[list[Any]]

logger = logging.getLogger(__name__)

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ONE_US = dt.timedelta(microseconds=1)
_NO_POINT = -(2**63)


def _micros(stamp: dt.datetime) -> int:
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return (stamp - _EPOCH) // _ONE_US


def _now_us() -> int:
    return time.time_ns() // 1000


@dataclass
class IngestHealth:
    """The ingestion's own state, as data.

    Attributes
    ----------
    connected
        True while every connection of the current session is up.
    lag_s
        Age of the newest point of the last acknowledged batch when it was acknowledged. [s]
    points_per_s
        Points acknowledged per second over the last ``health_interval_s`` (over the whole run
        if it is shorter). [1/s]
    last_error
        The last error met (connection, history, storage, clock step), or None; a session that
        connects and subscribes without error clears it (``errors`` keeps counting).
    reconnects
        Sessions started after the first one. [dimensionless]
    clock_steps, clock_step_s
        Live values whose source timestamp was earlier than the tag's previous one (a source
        clock set back), and the last such step (negative). [dimensionless], [s]
    errors, points_received, points_written, duplicates_dropped, history_points, queue_points
        Counters since start: errors met, notifications received, points acknowledged by the
        historian, points dropped as already written, points recovered by HistoryRead, points
        received and not yet acknowledged. [dimensionless]
    nodes, unmatched
        Mapped vendor tags found on the server, and those not found.
    """

    connected: bool = False
    lag_s: float | None = None
    points_per_s: float = 0.0
    last_error: str | None = None
    reconnects: int = 0
    clock_steps: int = 0
    clock_step_s: float | None = None
    errors: int = 0
    points_received: int = 0
    points_written: int = 0
    duplicates_dropped: int = 0
    history_points: int = 0
    queue_points: int = 0
    nodes: int = 0
    unmatched: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The health as JSON-ready fields."""
        return asdict(self)


@dataclass
class _Buffer:
    """Accepted points of one destination, waiting for the writer (columnar)."""

    tag: list[str] = field(default_factory=list)
    ts: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    quality: list[int] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.ts)

    def take(self) -> pa.Table:
        table = pa.table(
            [
                pa.array(self.ts, pa.int64()).cast(pa.timestamp("us", tz="UTC")),
                pa.array(self.tag, pa.string()),
                pa.array(self.value, pa.float64()),
                pa.array(self.quality, pa.uint8()),
            ],
            schema=POINT_SCHEMA,
        )
        self.tag, self.ts, self.value, self.quality = [], [], [], []
        return table


@dataclass
class _Node:
    """A server Variable matched to a mapping row."""

    handle: int
    vendor_tag: str
    nodeid: ua.NodeId
    namespace_uri: str
    tag: str
    destination: tuple[str, str]
    factor: float
    shift: float
    low: float
    high: float
    buffer: _Buffer


@dataclass(frozen=True)
class ServerVariable:
    """A Variable found by browsing: its NodeId and the names a mapping may use for it."""

    nodeid: ua.NodeId
    browse_name: str
    path: str
    keys: tuple[str, ...]
    namespace_uri: str = ""


async def browse_variables(client: Client, *, concurrency: int = 8) -> list[ServerVariable]:
    """All Variables below the Objects folder outside namespace 0, found by browsing.

    Only Objects (folders) are descended into; properties of Variables are not listed. Each
    Variable is known by its NodeId string (``ns=2;s=BF1.blast_volume``), the same with the
    namespace URI (``nsu=urn:…;s=BF1.blast_volume``), its identifier (``BF1.blast_volume``),
    its browse name (``blast_volume``) and its browse path from Objects
    (``Furnace_BF1/blast/blast_volume``).
    """
    namespaces = await client.get_namespace_array()
    found: list[ServerVariable] = []
    frontier: list[tuple[Any, str]] = [(client.nodes.objects, "")]
    semaphore = asyncio.Semaphore(concurrency)

    async def children(node: Any) -> list[Any]:
        async with semaphore:
            return await node.get_children_descriptions()

    while frontier:
        results = await asyncio.gather(*(children(node) for node, _ in frontier))
        next_frontier = []
        for (_, prefix), descriptions in zip(frontier, results, strict=True):
            for description in descriptions:
                nodeid = description.NodeId
                if nodeid.NamespaceIndex == 0:
                    continue
                name = description.BrowseName.Name
                path = f"{prefix}/{name}" if prefix else name
                if description.NodeClass == ua.NodeClass.Object:
                    next_frontier.append((client.get_node(nodeid), path))
                elif description.NodeClass == ua.NodeClass.Variable:
                    plain = ua.NodeId(nodeid.Identifier, nodeid.NamespaceIndex, nodeid.NodeIdType)
                    text = plain.to_string()
                    uri = namespaces[nodeid.NamespaceIndex] if nodeid.NamespaceIndex < len(namespaces) else ""
                    with_uri = f"nsu={uri};{text.split(';', 1)[1]}" if ";" in text else text
                    found.append(
                        ServerVariable(
                            plain, name, path, (text, with_uri, str(nodeid.Identifier), name, path), uri
                        )
                    )
        frontier = next_frontier
    return found


def _match(mapping: TagMap, variables: list[ServerVariable]) -> tuple[dict[str, ServerVariable], list[str]]:
    """Vendor tag → NodeId, and the vendor tags not found. Ambiguous names raise."""
    by_key: dict[str, list[ServerVariable]] = {}
    for variable in variables:
        for key in dict.fromkeys(variable.keys):
            by_key.setdefault(key, []).append(variable)
    matched: dict[str, ServerVariable] = {}
    unmatched: list[str] = []
    for vendor_tag in mapping:
        key = vendor_tag
        with contextlib.suppress(Exception):  # a vendor tag that is a NodeId string: normalise it
            if vendor_tag.startswith(("ns=", "i=", "s=", "g=", "b=")):
                key = ua.NodeId.from_string(vendor_tag).to_string()
        candidates = by_key.get(key) or by_key.get(vendor_tag) or []
        if len(candidates) > 1:
            raise InputError(
                f"vendor tag matches {len(candidates)} server nodes",
                field="vendor_tag",
                value=vendor_tag,
                fix="use the NodeId (ns=…;s=…) or the browse path in the mapping, e.g. "
                f"{candidates[0].keys[0]!r} or {candidates[0].path!r}",
            )
        if candidates:
            matched[vendor_tag] = candidates[0]
        else:
            unmatched.append(vendor_tag)
    return matched, unmatched


class _QueueingSubscription(Subscription):
    """A subscription whose publish callback queues each publish's notifications as one list.

    asyncua's handler mode starts a task per notification and its iterator mode wraps each one
    in event objects; at tens of thousands of values per second both cost more than the
    conversion itself. This callback does no work but a ``put_nowait``.
    """

    def __init__(
        self, session: Any, params: ua.CreateSubscriptionParameters, queue: asyncio.Queue[Any], on_status: Any
    ) -> None:
        super().__init__(session, params, handler=_NO_HANDLER)
        self._queue = queue
        self._on_status = on_status

    async def publish_callback(self, publish_result: ua.PublishResult) -> None:
        self.last_publish_at = time.monotonic()
        message = publish_result.NotificationMessage
        if message.NotificationData is None:
            return
        self.last_sequence_number = int(message.SequenceNumber)
        for notification in message.NotificationData:
            if isinstance(notification, ua.DataChangeNotification):
                self._queue.put_nowait(notification.MonitoredItems)
            elif isinstance(notification, ua.StatusChangeNotification):
                self._on_status(notification.Status)


class _NoHandler:
    """Stands in for a handler: notifications never reach it (see _QueueingSubscription)."""


_NO_HANDLER = _NoHandler()


class OpcUaIngest:
    """Subscribe to an OPC UA server's mapped tags and write them to the historian.

    Parameters
    ----------
    endpoint
        ``opc.tcp://host:port[/path]``.
    mapping
        Vendor tag (NodeId string, identifier, browse name or browse path) → greenmet tag.
    historian_root
        Root of the historian; one :class:`~greenmet.storage.Historian` per (site, furnace) is
        opened for the whole run (a furnace has one writer).
    publishing_interval_ms
        Publishing interval requested for each subscription. [ms]
    sampling_interval_ms
        Sampling interval requested for each monitored item (0: as fast as the server can). [ms]
    queue_size
        Server-side queue of each monitored item, so that values changing faster than the
        publishing interval are all delivered. [dimensionless]
    nodes_per_subscription, nodes_per_connection
        Split of large tag counts. [dimensionless]
    batch_points, write_interval_s
        A batch is written (acknowledged) when it holds this many points or is this old.
        [dimensionless], [s]
    flush_interval_s
        The historians are flushed to Parquet parts this often, so that queries see a value at
        most about this long after it was acknowledged (their background compaction merges
        the parts). [s]
    reconnect_initial_s, reconnect_max_s
        Back-off after a failed or lost session: doubles from the first to the second. [s]
    read_history, history_delay_s
        Read the gap with HistoryRead after a reconnect, this long after subscribing (so that
        the server's history has caught up). [s]
    health_interval_s
        Health points are written this often. [s]
    health_destination
        (site, furnace) that receives the ``ingest_*`` points; the mapping's first by default.
    request_timeout_s
        Timeout of each OPC UA request. [s]
    watchdog_interval_s
        The server is probed this often, with this timeout, to find a connection that is open but
        dead (a closed socket is noticed at once). Short values on a saturated event loop give
        false losses. [s]
    ack_log
        If given, every acknowledged point is appended to this file as ``tag<TAB>ts_us`` (an
        audit trail of what the historian acknowledged).
    historian_options
        Keyword arguments for each Historian.
    start_after
        ``{tag: timestamp}`` or ``{(site, furnace, tag): timestamp}``: treat these as already
        written and read the gap since then from the server's history at the first connect.
    resume
        Start after the newest point of each mapped tag already in the historian (read once the
        historians are open, so points of a killed run replayed from the write-ahead log count):
        a restarted ingestion refills the time it was down, without writing anything twice.
    """

    def __init__(
        self,
        endpoint: str,
        mapping: TagMap,
        historian_root: str | Path,
        *,
        publishing_interval_ms: float = 100.0,
        sampling_interval_ms: float = 0.0,
        queue_size: int = 100,
        nodes_per_subscription: int = 1000,
        nodes_per_connection: int = 3000,
        batch_points: int = 50_000,
        write_interval_s: float = 0.25,
        flush_interval_s: float = 2.0,
        reconnect_initial_s: float = 0.5,
        reconnect_max_s: float = 30.0,
        read_history: bool = True,
        history_delay_s: float = 1.0,
        health_interval_s: float = 5.0,
        health_destination: tuple[str, str] | None = None,
        request_timeout_s: float = 4.0,
        watchdog_interval_s: float = 5.0,
        ack_log: str | Path | None = None,
        historian_options: dict[str, Any] | None = None,
        start_after: Mapping[Any, dt.datetime] | None = None,
        resume: bool = False,
    ) -> None:
        if not endpoint.startswith("opc.tcp://"):
            raise InputError(
                "not an OPC UA endpoint",
                field="endpoint",
                value=endpoint,
                fix="write it as opc.tcp://host:port, e.g. opc.tcp://127.0.0.1:4840",
            )
        for name, number in (
            ("nodes_per_subscription", nodes_per_subscription),
            ("nodes_per_connection", nodes_per_connection),
            ("batch_points", batch_points),
        ):
            if number < 1:
                raise InputError("must be at least 1", field=name, value=number, fix="give a positive number")
        for name, seconds in (
            ("write_interval_s", write_interval_s),
            ("flush_interval_s", flush_interval_s),
            ("reconnect_initial_s", reconnect_initial_s),
            ("reconnect_max_s", reconnect_max_s),
            ("health_interval_s", health_interval_s),
            ("request_timeout_s", request_timeout_s),
            ("watchdog_interval_s", watchdog_interval_s),
        ):
            if not seconds > 0:
                raise InputError(
                    "must be a positive duration", field=name, value=seconds, fix="give seconds > 0"
                )
        self.endpoint = endpoint
        self.mapping = mapping
        self.historian_root = Path(historian_root)
        self.publishing_interval_ms = publishing_interval_ms
        self.sampling_interval_ms = sampling_interval_ms
        self.queue_size = queue_size
        self.nodes_per_subscription = nodes_per_subscription
        self.nodes_per_connection = nodes_per_connection
        self.batch_points = batch_points
        self.write_interval_s = write_interval_s
        self.flush_interval_s = flush_interval_s
        self.reconnect_initial_s = reconnect_initial_s
        self.reconnect_max_s = reconnect_max_s
        self.read_history = read_history
        self.history_delay_s = history_delay_s
        self.health_interval_s = health_interval_s
        destinations = mapping.destinations()
        self.health_destination = health_destination or destinations[0]
        self.request_timeout_s = request_timeout_s
        self.watchdog_interval_s = watchdog_interval_s
        self.ack_log = Path(ack_log) if ack_log is not None else None
        self.historian_options = historian_options or {}
        self._start_after: dict[Any, dt.datetime] = dict(start_after or {})
        self.resume = resume
        self._health = IngestHealth()
        self._buffers: dict[tuple[str, str], _Buffer] = {d: _Buffer() for d in destinations}
        self._buffers.setdefault(self.health_destination, _Buffer())
        self._nodes: list[_Node] = []
        self._resolved: dict[str, ServerVariable] | None = None
        self._watermark: list[int] = []
        # Per tag, the gaps still to read from history: [start, end, filled] in µs, exclusive
        # bounds; end None until the first live point after the reconnect; filled is the newest
        # point taken from history for the gap. A gap stays until a history read covered it,
        # so a loss during the refill leaves it for the next session.
        self._gaps: list[list[list[Any]]] = []
        self._open_end: list[bool] = []
        # Gaps owed durably (see greenmet.ingest.owed): loaded at start, per (site, furnace, tag);
        # the history values already stored in them, per handle; the in-memory version of the
        # gaps and the version last written to disk.
        self._loaded_owed: dict[tuple[str, str, str], Gaps] = {}
        self._foreign_owed: dict[tuple[str, str, str], Gaps] = {}
        self._known_stored: dict[tuple[str, str, str], set[int]] = {}
        self._stored_in_gap: list[set[int]] = []
        self._owed_version = 0
        self._saved_version = -1
        self._flush_lock = asyncio.Lock()
        self._historians: dict[tuple[str, str], Historian] = {}
        self._ack: TextIO | None = None
        self._flushed_at = time.monotonic()
        self._compaction_errors: dict[tuple[str, str], str] = {}
        self.feed = LiveFeed()
        """Acknowledged batches, for in-process subscribers (:class:`~greenmet.ingest.live.LiveFeed`)."""
        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._stop = asyncio.Event()
        self._closing = asyncio.Event()
        self._lost = asyncio.Event()
        self._sessions = 0
        self.waits_s: list[float] = []
        """Waits before each reconnection attempt so far, in order. [s]"""
        self._pending = 0
        self._rate_samples: collections.deque[tuple[float, int]] = collections.deque()

    # -- public ------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        """The current health (see :class:`IngestHealth`) as a dict."""
        self._health.queue_points = self._pending + sum(len(b) for b in self._buffers.values())
        self._update_rate()
        return self._health.to_dict()

    def stop(self) -> None:
        """Ask :meth:`run` to finish: it writes what it holds and returns."""
        self._stop.set()

    async def write_points(self, site: str, furnace: str, points: pa.Table) -> int:
        """Write points computed in this process through the furnace's historian writer.

        One writer per furnace: while :meth:`run` runs, this ingestion holds the writer of each
        furnace it feeds, so the monitoring engine (:mod:`greenmet.engines.monitoring`) writes
        its derived tags here. The points are acknowledged like ingested ones and published on
        :attr:`feed`; returns how many were stored. Raises :class:`StorageError` when the run
        is not holding that furnace's writer (not started, or closing).
        """
        historian = self._historians.get((site, furnace))
        if historian is None:
            raise StorageError("this ingestion does not hold the furnace's historian writer now",
                               field="site/furnace", value=f"{site}/{furnace}",
                               fix="write while run() runs, for a furnace of the mapping")
        receipt = await asyncio.to_thread(historian.write, points)
        self.feed.publish(LiveBatch(site, furnace, points, dt.datetime.now(dt.UTC)))
        return receipt.points

    async def run(self, duration_s: float | None = None) -> dict[str, Any]:
        """Ingest until :meth:`stop` is called or ``duration_s`` has passed; return the health.

        Everything received is written before this returns (unless the historian refuses it,
        which is reported in ``last_error``).
        """
        self._stop = asyncio.Event()
        self._closing = asyncio.Event()
        self._queue = asyncio.Queue()
        self._flush_lock = asyncio.Lock()
        self._rate_samples = collections.deque([(time.monotonic(), self._health.points_written)])
        self.feed.reopen()
        historians = self._historians = {}
        self._ack = None
        try:
            for site, furnace in self._buffers:
                historians[(site, furnace)] = await asyncio.to_thread(
                    Historian, self.historian_root, site, furnace, **self.historian_options
                )
            await asyncio.to_thread(self._record_tag_metadata)
            await asyncio.to_thread(self._prepare_resume)
            if self.ack_log is not None:
                self._ack = open(self.ack_log, "a", encoding="utf-8")  # noqa: SIM115 - closed in finally
            self._flushed_at = time.monotonic()
            consumer = asyncio.create_task(self._consume(), name="greenmet-ingest-consume")
            writer = asyncio.create_task(self._write_loop(), name="greenmet-ingest-write")
            health = asyncio.create_task(self._health_loop(), name="greenmet-ingest-health")
            timer = asyncio.create_task(self._stop_after(duration_s)) if duration_s is not None else None
            try:
                await self._session_loop()
            finally:
                for task in (timer, health):
                    if task is not None:
                        task.cancel()
                await self._queue.join()
                consumer.cancel()
                self._health.connected = False
                self._health_points()
                self._closing.set()
                await writer
                await self._flush_all(final=True)
                self._update_rate()
        finally:
            for historian in historians.values():
                try:
                    await asyncio.to_thread(historian.close)
                except GreenmetError as error:
                    self._record_error(f"closing the historian: {error}")
            if self._ack is not None:
                self._ack.close()
                self._ack = None
            self.feed.close()
        return self.health()

    def _record_tag_metadata(self) -> None:
        """Write unit, range and descriptions of the mapped tags into each furnace's ``_furnace.json``.

        The entries have the shape the simulator's bulk writer uses (``unit``, ``description_en``,
        ``description_zh``, ``low``, ``high``) plus the ``vendor_tag``; the health tags are
        described in the furnace that receives them. Other tags' entries are kept.
        """
        described: dict[tuple[str, str], dict[str, dict[str, Any]]] = {d: {} for d in self._historians}
        for vendor_tag in self.mapping:
            row = self.mapping.row(vendor_tag)
            spec = self.mapping.spec(vendor_tag)
            low, high = self.mapping.range(vendor_tag)
            described.setdefault((row.site, row.furnace), {})[row.tag] = {
                "unit": spec.unit, "description_en": spec.description_en,
                "description_zh": spec.description_zh, "low": low, "high": high, "vendor_tag": vendor_tag,
            }
        for spec in HEALTH_TAGS.values():
            described[self.health_destination][spec.tag] = {
                "unit": spec.unit, "description_en": spec.description_en,
                "description_zh": spec.description_zh, "low": spec.low, "high": spec.high,
            }
        for destination, tags in described.items():
            historian = self._historians.get(destination)
            if historian is None or not tags:
                continue
            historian.describe_tags(tags)

    def _prepare_resume(self) -> None:
        """Read the gaps an earlier run still owed and, with ``resume``, each tag's newest point."""
        owed: dict[tuple[str, str, str], Gaps] = {}
        for site, furnace in self._historians:
            for tag, gaps in load_owed(owed_path(self.historian_root, site, furnace)).items():
                owed[(site, furnace, tag)] = gaps
        newest: dict[tuple[str, str, str], dt.datetime] = {}
        if self.resume or owed:
            newest = self._newest_written()
        if self.resume:
            self._start_after.update(newest)
        newest_us = {key: _micros(stamp) for key, stamp in newest.items()}
        for key, gaps in owed.items():
            # An open end was closed by a live point that may be stored: the gap runs at most to
            # the tag's newest stored point. Nothing stored since its start: it stays open.
            last = newest_us.get(key)
            if gaps[-1][1] is None and last is not None and last > gaps[-1][0]:
                gaps[-1][1] = last + 1
        self._loaded_owed = owed
        self._known_stored = {}
        for site, furnace in self._historians:
            mine = {key[2]: gaps for key, gaps in owed.items() if key[:2] == (site, furnace)}
            newest_here = {key[2]: us for key, us in newest_us.items() if key[:2] == (site, furnace)}
            for tag, stamps in stored_stamps(self.historian_root, site, furnace, mine, newest_here).items():
                self._known_stored[(site, furnace, tag)] = stamps
        if owed:
            logger.info("%d tags have gaps owed by an earlier run; they are read from history", len(owed))

    def _newest_written(self) -> dict[tuple[str, str, str], dt.datetime]:
        """The newest point of each mapped tag in the historian, per (site, furnace)."""
        from greenmet.storage import queries

        newest: dict[tuple[str, str, str], dt.datetime] = {}
        for site, furnace in self.mapping.destinations():
            tags = [row.tag for row in self.mapping.rows if (row.site, row.furnace) == (site, furnace)]
            table = queries.open_points(self.historian_root, site, furnace)
            frame = queries.run(queries.last_values(table, tags))
            for tag, stamp in zip(frame["tag"], frame["ts"], strict=True):
                newest[(site, furnace, str(tag))] = pd.Timestamp(stamp).tz_convert("UTC").to_pydatetime()
        return newest

    def backoff_s(self, failures: int) -> float:
        """Wait before the next connection attempt after ``failures`` failed sessions in a row. [s]

        ``reconnect_initial_s · 2^(failures - 1)``, at most ``reconnect_max_s``; the first wait
        after a session that ran for a while is ``reconnect_initial_s``.
        """
        return float(min(self.reconnect_initial_s * 2 ** max(failures - 1, 0), self.reconnect_max_s))

    # -- sessions ----------------------------------------------------------------------------
    async def _stop_after(self, duration_s: float) -> None:
        await asyncio.sleep(duration_s)
        self.stop()

    async def _session_loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                await self._session()
            except (InputError, UnknownKeyError):
                raise  # a mapping that does not fit the server: reconnecting will not help
            except Exception as error:  # connection, protocol and timeout errors of asyncua alike
                self._record_error(f"session: {type(error).__name__}: {error}")
            finally:
                self._health.connected = False
            if self._stop.is_set():
                break
            # A session that lasted longer than the longest wait was a success: start over.
            failures = 0 if time.monotonic() - started > self.reconnect_max_s else failures + 1
            delay = self.backoff_s(failures)
            self.waits_s.append(delay)
            logger.info("reconnecting to %s in %.1f s", self.endpoint, delay)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)

    async def _connect(self) -> Client:
        client = Client(
            self.endpoint, timeout=self.request_timeout_s, watchdog_intervall=self.watchdog_interval_s
        )
        client.session_timeout = 60_000

        async def lost(error: Exception) -> None:
            logger.warning("connection to %s lost: %r", self.endpoint, error)
            self._record_error(f"connection lost: {error!r}")
            self._lost.set()

        client.connection_lost_callback = lost
        await asyncio.wait_for(client.connect(), self.request_timeout_s * 2)
        return client

    async def _session(self) -> None:
        self._lost = asyncio.Event()
        errors_before = self._health.errors
        clients: list[Client] = []
        history_task: asyncio.Task[None] | None = None
        try:
            clients.append(await self._connect())
            if self._resolved is None:
                await self._resolve(clients[0])
            else:
                await self._renumber_namespaces(clients[0])
            connections = max(1, math.ceil(len(self._nodes) / self.nodes_per_connection))
            for _ in range(connections - 1):
                clients.append(await self._connect())
            if self.read_history:  # without history a gap cannot be refilled: none is owed
                self._open_gap()
            # The gaps are on disk before the subscription can deliver (and the writer
            # acknowledge) a live point that moves a tag's newest point past its gap.
            await self._flush_all()
            for number, client in enumerate(clients):
                nodes = self._nodes[
                    number * self.nodes_per_connection : (number + 1) * self.nodes_per_connection
                ]
                for start in range(0, len(nodes), self.nodes_per_subscription):
                    await self._subscribe(client, nodes[start : start + self.nodes_per_subscription])
            if self._sessions:
                self._health.reconnects += 1
            self._sessions += 1
            self._health.connected = True
            if self._health.errors == errors_before:  # connected and subscribed: the old error is past
                self._health.last_error = None
            logger.info(
                "subscribed to %d tags of %s over %d connection(s)",
                len(self._nodes),
                self.endpoint,
                len(clients),
            )
            if self.read_history and any(self._gaps):
                history_task = asyncio.create_task(self._read_gap(clients[0]))
            stop = asyncio.create_task(self._stop.wait())
            lost = asyncio.create_task(self._lost.wait())
            try:
                await asyncio.wait({stop, lost}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stop.cancel()
                lost.cancel()
            if history_task is not None and not self._lost.is_set():
                await history_task  # finish the gap before a clean stop
        finally:
            self._health.connected = False
            if history_task is not None and not history_task.done():
                history_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await history_task
            await asyncio.gather(*(self._disconnect(c) for c in clients))

    async def _disconnect(self, client: Client) -> None:
        try:
            await asyncio.wait_for(client.disconnect(), self.request_timeout_s)
        except Exception:  # the server may already be gone: drop the socket
            with contextlib.suppress(Exception):
                client.disconnect_socket()

    async def _resolve(self, client: Client) -> None:
        variables = await browse_variables(client)
        matched, unmatched = _match(self.mapping, variables)
        self._health.unmatched = unmatched
        if unmatched:
            logger.warning(
                "%d vendor tags of the mapping are not on %s: %s",
                len(unmatched),
                self.endpoint,
                ", ".join(unmatched[:10]),
            )
        if not matched:
            raise UnknownKeyError(
                "no vendor tag of the mapping is on the server",
                field="vendor_tag",
                value=unmatched[:5],
                fix="check the mapping's vendor_tag column against the "
                "server's NodeIds or browse names (greenmet ingest browse)",
            )
        nodes = []
        for handle, (vendor_tag, variable) in enumerate(matched.items()):
            row = self.mapping.row(vendor_tag)
            factor, shift = self.mapping.linear(vendor_tag)
            low, high = self.mapping.range(vendor_tag)
            destination = (row.site, row.furnace)
            nodes.append(
                _Node(
                    handle,
                    vendor_tag,
                    variable.nodeid,
                    variable.namespace_uri,
                    row.tag,
                    destination,
                    factor,
                    shift,
                    -math.inf if low is None else low,
                    math.inf if high is None else high,
                    self._buffers[destination],
                )
            )
        self._nodes = nodes
        self._resolved = matched
        self._health.nodes = len(nodes)
        self._watermark = [_NO_POINT] * len(nodes)
        self._gaps = [[] for _ in nodes]
        self._open_end = [False] * len(nodes)
        self._stored_in_gap = [set() for _ in nodes]
        for node in nodes:
            stamp = self._start_after.get((*node.destination, node.tag), self._start_after.get(node.tag))
            if stamp is not None:
                self._watermark[node.handle] = _micros(pd.Timestamp(stamp).to_pydatetime())
        owed = dict(self._loaded_owed)
        for node in nodes:
            key = (*node.destination, node.tag)
            gaps = owed.pop(key, None)
            if not gaps:
                continue
            handle = node.handle
            self._gaps[handle] = [list(gap) for gap in gaps]
            self._stored_in_gap[handle] = self._known_stored.get(key, set())
            if gaps[-1][1] is None:  # nothing stored since the gap opened: read on from its start
                self._open_end[handle] = True
                self._watermark[handle] = max(self._watermark[handle], gaps[-1][2])
        self._foreign_owed = owed  # tags not on the server (now): their debt stays on disk

    async def _renumber_namespaces(self, client: Client) -> None:
        """A restarted server may number its namespaces differently: follow the URIs."""
        namespaces = await client.get_namespace_array()
        for node in self._nodes:
            if node.namespace_uri in namespaces:
                index = namespaces.index(node.namespace_uri)
                if index != node.nodeid.NamespaceIndex:
                    node.nodeid = ua.NodeId(node.nodeid.Identifier, ua.Int16(index), node.nodeid.NodeIdType)

    def _open_gap(self) -> None:
        """Before subscribing again: every tag with a point has a gap from its newest point on.

        A tag whose previous gap never saw a live point keeps that gap (same start).
        """
        for handle, newest in enumerate(self._watermark):
            if newest == _NO_POINT:
                continue
            gaps = self._gaps[handle]
            if gaps and gaps[-1][1] is None:
                continue
            gaps.append([newest, None, newest])
            self._open_end[handle] = True
            self._owed_version += 1

    async def _subscribe(self, client: Client, nodes: list[_Node]) -> None:
        params = ua.CreateSubscriptionParameters()
        params.RequestedPublishingInterval = self.publishing_interval_ms
        params.RequestedLifetimeCount = 10_000
        params.RequestedMaxKeepAliveCount = client.get_keepalive_count(self.publishing_interval_ms)
        params.MaxNotificationsPerPublish = 0
        params.PublishingEnabled = True
        params.Priority = 0
        subscription = _QueueingSubscription(client.uaclient.session, params, self._queue, self._on_status)
        await subscription.init()
        requests = []
        for node in nodes:
            item = ua.ReadValueId()
            item.NodeId = node.nodeid
            item.AttributeId = ua.AttributeIds.Value
            parameters = ua.MonitoringParameters()
            parameters.ClientHandle = node.handle
            parameters.SamplingInterval = self.sampling_interval_ms
            parameters.QueueSize = self.queue_size
            parameters.DiscardOldest = True
            parameters.Filter = ua.DataChangeFilter(Trigger=ua.DataChangeTrigger.StatusValueTimestamp)
            request = ua.MonitoredItemCreateRequest()
            request.ItemToMonitor = item
            request.MonitoringMode = ua.MonitoringMode.Reporting
            request.RequestedParameters = parameters
            requests.append(request)
        results = await subscription.create_monitored_items(requests)
        failed = [
            (node.vendor_tag, result)
            for node, result in zip(nodes, results, strict=True)
            if isinstance(result, ua.StatusCode)
        ]
        if failed:
            self._record_error(f"{len(failed)} monitored items refused, first {failed[0][0]}: {failed[0][1]}")

    def _on_status(self, status: ua.StatusCode) -> None:
        if not status.is_good():
            self._record_error(f"subscription status {status}")
            self._lost.set()

    # -- history -----------------------------------------------------------------------------
    async def _read_gap(self, client: Client) -> None:
        await asyncio.sleep(self.history_delay_s)
        end = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        semaphore = asyncio.Semaphore(8)
        refused: list[str] = []

        async def read(node: _Node) -> None:
            gaps = self._gaps[node.handle]
            if not gaps:
                return
            start = _EPOCH + dt.timedelta(microseconds=min(gap[2] for gap in gaps))
            async with semaphore:
                try:
                    values = await client.get_node(node.nodeid).read_raw_history(
                        start, end, return_bounds=False
                    )
                except ua.UaStatusCodeError as error:
                    refused.append(f"{node.vendor_tag}: {error}")
                    values = []
            self._accept_history(node, values)
            # Read up to now: every gap of the tag is closed (or, refused, cannot be filled).
            gaps.clear()
            self._open_end[node.handle] = False
            self._stored_in_gap[node.handle] = set()
            self._owed_version += 1

        await asyncio.gather(*(read(node) for node in self._nodes))
        if refused:
            self._record_error(
                f"history not available for {len(refused)} tags (first {refused[0]}); "
                "points of the gap are missing"
            )

    def _accept_history(self, node: _Node, values: list[ua.DataValue]) -> None:
        """Take the history values that fall in a gap of the tag and were not taken before."""
        handle = node.handle
        buffer = node.buffer
        gaps = self._gaps[handle]
        stored = self._stored_in_gap[handle] if handle < len(self._stored_in_gap) else set()
        accepted = 0
        for data_value in values:
            stamp = data_value.SourceTimestamp or data_value.ServerTimestamp
            if stamp is None:
                continue
            us = _micros(stamp)
            if us in stored:  # a gap owed by an earlier run: this point did reach the historian
                continue
            for gap in gaps:
                _, gap_end, filled = gap
                if us <= filled:
                    continue
                if gap_end is None:  # no live point yet: the gap runs up to the newest point
                    if us <= self._watermark[handle]:
                        continue
                    self._watermark[handle] = us
                elif us >= gap_end:
                    continue
                gap[2] = us
                value, quality = self._convert(node, data_value)
                buffer.tag.append(node.tag)
                buffer.ts.append(us)
                buffer.value.append(value)
                buffer.quality.append(quality)
                accepted += 1
                break
        self._health.history_points += accepted
        if accepted:
            self._owed_version += 1

    # -- receiving ---------------------------------------------------------------------------
    @staticmethod
    def _convert(node: _Node, data_value: ua.DataValue) -> tuple[float, int]:
        status = data_value.StatusCode
        code = status.value if status is not None else 0
        quality = (code >> 24) & 0xC0
        if quality > QUALITY_BAD:
            quality = QUALITY_BAD
        variant = data_value.Value
        raw = variant.Value if variant is not None else None
        try:
            value = float(raw) * node.factor + node.shift  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return math.nan, QUALITY_BAD
        if value != value:  # NaN
            return value, QUALITY_BAD
        if quality == QUALITY_GOOD and not node.low <= value <= node.high:
            quality = QUALITY_UNCERTAIN
        return value, quality

    async def _consume(self) -> None:
        queue = self._queue
        convert = self._convert
        while True:
            items = await queue.get()
            try:
                nodes = self._nodes
                watermark = self._watermark
                open_end = self._open_end
                gaps = self._gaps
                received = duplicates = steps = closed = 0
                step_us, step_tag = 0, ""
                now = None
                for item in items:
                    handle = item.ClientHandle
                    if handle >= len(nodes):
                        continue
                    node = nodes[handle]
                    data_value = item.Value
                    stamp = data_value.SourceTimestamp or data_value.ServerTimestamp
                    if stamp is not None:
                        us = (stamp - _EPOCH) // _ONE_US if stamp.tzinfo is not None else _micros(stamp)
                    else:
                        now = now or _now_us()
                        us = now
                    received += 1
                    newest = watermark[handle]
                    if us <= newest:
                        if us == newest:  # the same sample again (a new subscription's first value)
                            duplicates += 1
                            continue
                        # Earlier than a value already taken: the source clock was set back.
                        # Keep the point, follow the clock, report the step.
                        steps += 1
                        if not step_tag:
                            step_us, step_tag = us - newest, node.tag
                    watermark[handle] = us
                    if open_end[handle]:  # the first live point closes the tag's gap
                        gaps[handle][-1][1] = us
                        open_end[handle] = False
                        closed += 1
                    value, quality = convert(node, data_value)
                    buffer = node.buffer
                    buffer.tag.append(node.tag)
                    buffer.ts.append(us)
                    buffer.value.append(value)
                    buffer.quality.append(quality)
                self._health.points_received += received
                self._health.duplicates_dropped += duplicates
                if closed:
                    self._owed_version += 1
                if steps:
                    self._health.clock_steps += steps
                    self._health.clock_step_s = step_us / 1e6
                    self._record_error(
                        f"source clock stepped back by {-step_us / 1e6:.3f} s ({steps} tags, first "
                        f"{step_tag}): the points are kept and stored before later ones"
                    )
            except Exception as error:  # a defect here must not stop ingestion; it is reported
                self._record_error(f"notification not understood: {type(error).__name__}: {error}")
            finally:
                queue.task_done()

    # -- writing -----------------------------------------------------------------------------
    async def _write_loop(self) -> None:
        # Ends between batches when _closing is set, never in the middle of a write: a write
        # cancelled while its thread runs on would be stored but not counted nor logged.
        while not self._closing.is_set():
            deadline = time.monotonic() + self.write_interval_s
            while time.monotonic() < deadline and not self._closing.is_set():
                if sum(len(b) for b in self._buffers.values()) >= self.batch_points:
                    break
                await asyncio.sleep(min(0.02, self.write_interval_s))
            await self._flush_all()
            if time.monotonic() - self._flushed_at >= self.flush_interval_s:
                await self._flush_historians()

    async def _flush_all(self, final: bool = False) -> None:
        """Write every buffer, then record on disk the gaps still owed as of these batches."""
        async with self._flush_lock:
            # Cut the batches and snapshot the gaps together (no await in between): the
            # snapshot accounts for exactly the points in these batches and those before.
            tables = [(d, b.take()) for d, b in self._buffers.items() if len(b)]
            snapshot = self._owed_snapshot() if self._owed_version > self._saved_version else None
            acknowledged = True
            for destination, table in tables:
                self._pending += table.num_rows
                try:
                    acknowledged &= await self._write(destination, table, final=final)
                finally:
                    self._pending -= table.num_rows
            if snapshot is not None and acknowledged:
                await self._save_owed(*snapshot)

    def _owed_snapshot(self) -> tuple[int, dict[tuple[str, str], dict[str, Gaps]]]:
        owed: dict[tuple[str, str], dict[str, Gaps]] = {d: {} for d in self._historians}
        for (site, furnace, tag), gaps in self._foreign_owed.items():
            owed.setdefault((site, furnace), {})[tag] = [list(gap) for gap in gaps]
        for node in self._nodes:
            gaps = self._gaps[node.handle]
            if gaps:
                owed.setdefault(node.destination, {})[node.tag] = [list(gap) for gap in gaps]
        return self._owed_version, owed

    async def _save_owed(self, version: int, owed: dict[tuple[str, str], dict[str, Gaps]]) -> None:
        try:
            for (site, furnace), tags in owed.items():
                await asyncio.to_thread(save_owed, owed_path(self.historian_root, site, furnace), tags)
        except GreenmetError as error:  # kept in memory; written with the next batch
            self._record_error(f"cannot record the gaps still owed: {error}")
            return
        self._saved_version = max(self._saved_version, version)

    async def _flush_historians(self) -> None:
        """Make what was acknowledged visible to queries; report a failed background compaction."""
        self._flushed_at = time.monotonic()
        for destination, historian in self._historians.items():
            try:
                if historian.buffered_points:
                    await asyncio.to_thread(historian.flush)
            except GreenmetError as error:  # the points stay in the write-ahead log
                self._record_error(f"historian flush: {error}")
            failure = historian.compaction_error
            message = None if failure is None else str(failure)
            if message is not None and self._compaction_errors.get(destination) != message:
                self._record_error(f"historian compaction: {message}")
            self._compaction_errors[destination] = message or ""

    async def _write(self, destination: tuple[str, str], table: pa.Table, *, final: bool) -> bool:
        """Hand ``table`` to the historian until acknowledged; False if given up (at shutdown)."""
        historian = self._historians[destination]
        delay = self.reconnect_initial_s
        attempts = 0
        while True:
            try:
                receipt = await asyncio.to_thread(historian.write, table)
                break
            except StorageError as error:
                # Nothing acknowledged: keep the batch and retry (a full disk may be cleared).
                attempts += 1
                self._record_error(f"historian: {error}")
                if final and attempts >= 3:
                    logger.error("giving up %d unacknowledged points at shutdown: %s", table.num_rows, error)
                    return False
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.reconnect_max_s)
            except InputError as error:
                # The historian refuses the batch: a source clock far in the future. Keep the
                # points it accepts (health points, tags of sane sources), report the rest loudly.
                self._record_error(f"historian refused {table.num_rows} points: {error}")
                tolerance = historian.future_tolerance_s
                if tolerance is None:
                    return True
                limit = _now_us() + int(tolerance * 1e6) - 1_000_000
                plausible = pc.less_equal(table.column("ts").cast(pa.int64()), limit)
                kept = table.filter(plausible)
                if kept.num_rows in (0, table.num_rows):
                    return True
                table = kept
        self._health.points_written += receipt.points
        self._rate_samples.append((time.monotonic(), self._health.points_written))
        stamps = table.column("ts").cast(pa.int64()).to_numpy()
        if len(stamps):
            self._health.lag_s = max(0.0, (_now_us() - int(stamps.max())) / 1e6)
        if self._ack is not None:
            tags = table.column("tag").to_pylist()
            lines = zip(tags, stamps.tolist(), strict=True)
            self._ack.write("".join(f"{tag}\t{stamp}\n" for tag, stamp in lines))
            self._ack.flush()
        self.feed.publish(LiveBatch(destination[0], destination[1], table, dt.datetime.now(dt.UTC)))
        return True

    # -- health ------------------------------------------------------------------------------
    def _record_error(self, message: str) -> None:
        self._health.errors += 1
        self._health.last_error = message
        logger.warning("%s", message)

    async def _health_loop(self) -> None:
        while True:
            await asyncio.sleep(self.health_interval_s)
            self._health_points()

    def _update_rate(self) -> None:
        """``points_per_s`` over the last ``health_interval_s`` (the whole run if it is shorter).

        Computed from the acknowledgements (time, points written so far) kept for one interval,
        so a run shorter than the interval, or a rate read just after a quiet moment, still
        reports what was written.
        """
        now = time.monotonic()
        samples = self._rate_samples
        window_start = now - self.health_interval_s
        while len(samples) > 1 and samples[1][0] <= window_start:
            samples.popleft()
        if not samples:
            return
        # samples[0] is the last acknowledgement before the window, or the run's start
        then, written = samples[0]
        elapsed = now - max(then, window_start)
        if elapsed > 0:
            self._health.points_per_s = (self._health.points_written - written) / elapsed

    def _health_points(self) -> None:
        self._update_rate()
        health = self.health()
        now = _now_us()
        buffer = self._buffers[self.health_destination]
        for tag, value in (
            ("ingest_connected", 1.0 if health["connected"] else 0.0),
            ("ingest_lag_s", health["lag_s"] if health["lag_s"] is not None else math.nan),
            ("ingest_points_per_s", health["points_per_s"]),
            ("ingest_reconnects", float(health["reconnects"])),
            ("ingest_errors", float(health["errors"])),
            ("ingest_queue_points", float(health["queue_points"])),
            ("ingest_clock_steps", float(health["clock_steps"])),
            ("ingest_clock_step_s", health["clock_step_s"] if health["clock_step_s"] is not None else 0.0),
        ):
            buffer.tag.append(tag)
            buffer.ts.append(now)
            buffer.value.append(float(value))
            buffer.quality.append(QUALITY_BAD if value != value else QUALITY_GOOD)


def run_ingest(
    endpoint: str,
    mapping: TagMap,
    historian_root: str | Path,
    *,
    duration_s: float | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Run :class:`OpcUaIngest` in a new event loop until ``duration_s`` (or Ctrl-C); return the health."""
    ingest = OpcUaIngest(endpoint, mapping, historian_root, **options)

    async def main() -> dict[str, Any]:
        return await ingest.run(duration_s)

    return asyncio.run(main())
