"""The simulated furnace served as an OPC UA server (asyncua), in real time or accelerated.

Address space (``docs/dev/plant_data_contract.md``)::

    Objects/
      Furnace_<id>/                      namespace urn:greenmet:simulator
        blast/ injection/ top_gas/ burden/ shaft/ staves/ hearth/ tuyeres/ casthouse/
          <tag>                          Variable, Double, NodeId ns=<idx>;s=<id>.<tag>
            EngineeringUnits             EUInformation (UNECE code where one exists)
            EURange                      Range(low, high)

Every step is served: each update publishes every simulated second due since the last one, in
order, each value with its own source timestamp (so a late loop skips nothing, and a client that
subscribes with ``DataChangeTrigger.StatusValueTimestamp`` receives unchanged values too, as a
stuck sensor sends them). Every sample is kept in an in-memory history (:class:`ArrayHistory`,
numpy rings) for ``history_hours`` of simulated time, so a client that lost its connection can
read the gap with ``read_raw_history``. Source timestamps are *simulated* time, running ``speed``
times faster than real time from ``start`` (default: the wall clock at :meth:`SimulatorServer.start`,
or, with ``historian_root``, where the saved run stopped). Casts are served as the casthouse
reports them: the per-cast tags (``cast_number`` is the cast id) all stamped with the cast's end.

Use it as an async context manager::

    async with SimulatorServer(preset("2500m3"), endpoint="opc.tcp://127.0.0.1:4841", speed=60) as server:
        ...

Stopping closes the listening socket, so a new server can start on the same port at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from typing import cast as typed

import numpy as np
import pandas as pd
from asyncua import Server, ua
from asyncua.server.history import HistoryDict, UaNodeAlreadyHistorizedError

from greenmet.blast_furnace.simulator import (
    CAST_COLUMNS,
    QUALITY_BAD,
    SUBSYSTEMS,
    FurnaceConfig,
    FurnaceSimulator,
    Scenario,
    SimulationChunk,
    tag_catalogue,
)
from greenmet.errors import InputError, StorageError
from greenmet.io.atomic import atomic_write_text
from greenmet.simulation.history import furnace_directory, write_casts, write_labels, write_simulated_records
from greenmet.storage.plant_records import PLANT_RECORD_TIME_COLUMN

__all__ = ["NAMESPACE_URI", "ArrayHistory", "SimulatorServer"]

logger = logging.getLogger(__name__)

NAMESPACE_URI = "urn:greenmet:simulator"
_UNECE_URI = "http://www.opcfoundation.org/UA/units/un/cefact"
# UNECE Recommendation 20 common codes, encoded as OPC UA Part 8 §5.6.3 prescribes
# (each character's ASCII value shifted into one Int32).
_UNECE_CODES = {"degC": "CEL", "kPa": "KPA", "%": "P1", "m": "MTR", "m3/h": "MQH", "t": "TNE", "kW": "KWT"}
_CHUNK_STEPS = 300
_STATE_FILE = "_simulator_state.json"
_STATE_INTERVAL_S = 5.0  # wall-clock time between state writes while serving


def _unit_id(code: str | None) -> int:
    if code is None:
        return -1
    value = 0
    for character in code:
        value = (value << 8) | ord(character)
    return value


def _node_id(identifier: str | int, index: int = 0) -> ua.NodeId:
    """A NodeId (asyncua annotates its fields with its own integer and string classes)."""
    return ua.NodeId(typed(Any, identifier), typed(Any, index))


def _data_value(value: float | None, source: datetime, server: datetime, status: int = 0) -> ua.DataValue:
    """A Double sample with its source and server timestamps; ``None`` (a Null variant) with a
    bad ``status``."""
    variant = (
        ua.Variant(None, ua.VariantType.Null) if value is None else ua.Variant(value, ua.VariantType.Double)
    )
    return ua.DataValue(
        variant,
        StatusCode=ua.StatusCode(typed(Any, status)),
        SourceTimestamp=typed(Any, source),
        ServerTimestamp=typed(Any, server),
    )


class _Ring:
    """A fixed-size ring of (time, value, status) for one node, oldest first when read."""

    def __init__(self, size: int) -> None:
        self.time = np.zeros(size)
        self.value = np.zeros(size)
        self.status = np.zeros(size, dtype=np.uint32)
        self.next = 0
        self.full = False

    def append(self, stamp: float, value: float, status: int) -> None:
        self.time[self.next], self.value[self.next], self.status[self.next] = stamp, value, status
        self.next = (self.next + 1) % self.time.size
        self.full = self.full or self.next == 0

    def ordered(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not self.full:
            return self.time[: self.next], self.value[: self.next], self.status[: self.next]
        order = np.r_[self.next : self.time.size, 0 : self.next]
        return self.time[order], self.value[order], self.status[order]


class ArrayHistory(HistoryDict):
    """In-memory history of data changes kept in numpy rings (20 bytes a point).

    asyncua's ``HistoryDict`` keeps every ``DataValue`` object (about 320 bytes each): two hours
    of 360 tags at 1 s would take about 800 MB. This storage keeps the last ``count`` values of
    each node as arrays and builds ``DataValue`` objects only for what a client reads; reads
    follow ``HistoryDict`` (forward or reverse by the order of start and end, ``nb_values``,
    a continuation point past ``max_history_data_response_size``). Events are kept as in
    ``HistoryDict``.
    """

    def __init__(self, default_count: int = 7200) -> None:
        super().__init__()
        self.default_count = default_count
        self._rings: dict[ua.NodeId, _Ring] = {}

    async def new_historized_node(self, node_id: ua.NodeId, period: timedelta | None, count: int = 0) -> None:
        if node_id in self._rings:
            raise UaNodeAlreadyHistorizedError(node_id)
        self._rings[node_id] = _Ring(count or self.default_count)

    async def save_node_value(self, node_id: ua.NodeId, datavalue: ua.DataValue) -> None:
        stamp = datavalue.SourceTimestamp or datavalue.ServerTimestamp or datetime.now(UTC)
        raw = datavalue.Value.Value if datavalue.Value is not None else None
        value = float(raw) if isinstance(raw, int | float) else math.nan
        status = datavalue.StatusCode.value if datavalue.StatusCode is not None else 0
        self.append(node_id, stamp.timestamp(), value, status)

    def append(self, node_id: ua.NodeId, stamp_s: float, value: float, status: int) -> None:
        """Keep one sample (the fast path of :meth:`save_node_value`). [s since 1970 UTC]"""
        ring = self._rings.get(node_id)
        if ring is not None:
            ring.append(stamp_s, value, status)

    async def read_node_history(
        self, node_id: ua.NodeId, start: datetime | None, end: datetime | None, nb_values: int
    ) -> tuple[list[ua.DataValue], datetime | None]:
        ring = self._rings.get(node_id)
        if ring is None:
            return [], None
        epoch = ua.get_win_epoch()
        start = epoch if start is None else start
        end = epoch if end is None else end
        stamps, values, statuses = ring.ordered()
        if start == epoch:
            index = np.flatnonzero(stamps >= start.timestamp())[::-1]
        elif end == epoch:
            index = np.flatnonzero(stamps >= start.timestamp())
        elif start > end:
            index = np.flatnonzero((stamps >= end.timestamp()) & (stamps <= start.timestamp()))[::-1]
        else:
            index = np.flatnonzero((stamps >= start.timestamp()) & (stamps <= end.timestamp()))
        if nb_values and index.size > nb_values:
            index = index[:nb_values]
        continuation = None
        if index.size > self.max_history_data_response_size:
            first_left_out = float(stamps[index[self.max_history_data_response_size]])
            continuation = datetime.fromtimestamp(first_left_out, tz=UTC)
            index = index[: self.max_history_data_response_size]
        results = []
        for i in index:
            status = int(statuses[i])
            value = None if ua.StatusCode(typed(Any, status)).is_bad() else float(values[i])
            stamp = datetime.fromtimestamp(stamps[i], tz=UTC)
            results.append(_data_value(value, stamp, stamp, status))
        return results, continuation


class SimulatorServer:
    """An OPC UA server publishing a simulated furnace's tags.

    Parameters
    ----------
    config
        The furnace.
    endpoint
        Listening endpoint, e.g. ``opc.tcp://127.0.0.1:4840``.
    speed
        Simulated seconds per wall-clock second (1 = real time). [dimensionless]
    scenario
        Faults to inject; the labels are available from :meth:`labels`.
    seed
        Seed of the simulation. [dimensionless]
    update_interval_s
        Wall-clock time between value updates; every simulated step due since the last update
        is served, each with its own source timestamp. [s]
    start
        Simulated time of the first step (an aware time, e.g. ``2026-01-01T00:00:00Z``);
        default: the wall-clock time of :meth:`start`, to the second.
    historian_root
        Historian root this furnace's data go to. If given, the ground truth is written beside
        the furnace's partitions as the simulator produces it (``_labels.parquet``: the faults;
        ``_casts.parquet``: each cast once it has ended, before its tags are served) and the
        simulator's clock and state go to ``_simulator_state.json`` there, so a restart
        continues the run where it stopped instead of starting again from the seed at the wall
        clock. All three files are replaced atomically.
    history_hours
        Simulated time kept in the in-memory history of every variable (every sample). [h]
    clock
        Wall clock in seconds (monotonic); replaceable to test a late update loop. [s]
    """

    def __init__(
        self,
        config: FurnaceConfig,
        *,
        endpoint: str = "opc.tcp://127.0.0.1:4840",
        speed: float = 1.0,
        scenario: Scenario | None = None,
        seed: int = 0,
        update_interval_s: float = 1.0,
        history_hours: float = 2.0,
        start: str | pd.Timestamp | None = None,
        historian_root: str | Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < speed <= 100_000:
            raise InputError(
                "speed must be between 0 and 100000",
                field="speed",
                value=speed,
                fix="use 1 for real time, 60 for a minute per second",
            )
        if not 0.01 <= update_interval_s <= 60:
            raise InputError(
                "update interval must be between 0.01 and 60 s",
                field="update_interval_s",
                value=update_interval_s,
                fix="use 1 (once a second)",
            )
        if not endpoint.startswith("opc.tcp://"):
            raise InputError(
                "endpoint is not an OPC UA TCP URL",
                field="endpoint",
                value=endpoint,
                fix="write it as opc.tcp://HOST:PORT, e.g. opc.tcp://127.0.0.1:4840",
            )
        if start is not None:
            origin = pd.Timestamp(start)
            if origin.tzinfo is None:
                raise InputError(
                    "start time has no time zone",
                    field="start",
                    value=str(start),
                    fix="give a UTC time such as 2026-01-01T00:00:00Z",
                )
            start = origin.tz_convert("UTC")
        self.start_time: pd.Timestamp | None = start
        self.directory = furnace_directory(historian_root, config) if historian_root is not None else None
        self.config = config
        self.endpoint = endpoint
        self.speed = float(speed)
        self.scenario = scenario
        self.seed = seed
        self.update_interval_s = float(update_interval_s)
        self.history_hours = float(history_hours)
        self.namespace_index: int | None = None
        self.node_ids: dict[str, ua.NodeId] = {}
        self._server: Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._simulator: FurnaceSimulator | None = None
        self._chunk: SimulationChunk | None = None
        self._chunk_first = 0
        self._published_step = -1
        self._first_step = 0
        self._updates = 0
        self._clock = clock
        self._started_wall = 0.0
        self._pending_casts: list[dict[str, Any]] = []
        self._pending_records: dict[str, pd.DataFrame] = {}
        self._next_record_at: pd.Timestamp | None = None
        self._published_stamp: pd.Timestamp | None = None
        self._history: ArrayHistory | None = None
        self._chunk_state: dict[str, Any] | None = None
        self._labels_written = 0
        self._state_written = 0.0

    # -- life cycle --------------------------------------------------------------------------
    async def __aenter__(self) -> SimulatorServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        """Build the address space, start listening and start updating values."""
        if self.running:
            return
        # first, so that a saved state of another run is refused before anything listens
        self._simulator, self._first_step = self._open_simulator()
        server = Server()
        await server.init()
        server.set_endpoint(self.endpoint)
        server.set_server_name(f"greenmet simulated blast furnace {self.config.furnace_id}")
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        self.namespace_index = await server.register_namespace(NAMESPACE_URI)
        variables = await self._build_address_space(server, self.namespace_index)
        self._chunk, self._chunk_state, self._published_step, self._updates = None, None, -1, 0
        self._pending_casts, self._labels_written = [], 0
        self._pending_records, self._next_record_at = {}, None
        if self._first_step == 0:
            self._published_stamp = None
        # Every sample is kept: one ring slot per simulated step of ``history_hours``.
        history_steps = int(self.history_hours * 3600 / self._simulator.step_seconds) + 10
        self._history = ArrayHistory(history_steps)
        server.iserver.history_manager.set_storage(self._history)
        for variable in variables:
            await variable.write_attribute(
                ua.AttributeIds.Historizing, ua.DataValue(ua.Variant(True, ua.VariantType.Boolean))
            )
            await variable.set_attr_bit(ua.AttributeIds.AccessLevel, ua.AccessLevel.HistoryRead)
            await variable.set_attr_bit(ua.AttributeIds.UserAccessLevel, ua.AccessLevel.HistoryRead)
            await self._history.new_historized_node(variable.nodeid, None, history_steps)
        self._server = server
        self._started_wall = self._clock()
        await self._publish(self._first_step)
        self._save_state()
        await server.start()
        self._task = asyncio.create_task(self._run(), name=f"greenmet-simulator-{self.config.furnace_id}")
        logger.info(
            "simulator %s serving %d tags at %s (speed %g)",
            self.config.furnace_id,
            len(variables),
            self.endpoint,
            self.speed,
        )

    async def stop(self) -> None:
        """Stop updating and close the server (the port is free when this returns)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._server is not None:
            server, self._server = self._server, None
            await server.stop()
            self._save_state()
            self._write_labels(force=True)

    # -- clock, state and ground truth on disk -----------------------------------------------
    @property
    def state_path(self) -> Path | None:
        """Where the simulated clock and state are kept (None without ``historian_root``)."""
        return None if self.directory is None else self.directory / _STATE_FILE

    def _open_simulator(self) -> tuple[FurnaceSimulator, int]:
        """A fresh simulator, or the saved one continued; and the first step to serve."""
        path = self.state_path
        saved: dict[str, Any] | None = None
        if path is not None and path.exists():
            try:
                saved = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise StorageError(
                    "cannot read the simulator state",
                    field="path",
                    value=str(path),
                    fix="repair or delete the file to start afresh",
                ) from exc
        if saved is None:
            origin = self.start_time if self.start_time is not None else pd.Timestamp(datetime.now(UTC))
            simulator = FurnaceSimulator(self.config, self.scenario, seed=self.seed, start=origin.floor("s"))
            return simulator, 0
        state = saved.get("simulator") if isinstance(saved, dict) else None
        if not isinstance(state, dict) or "published_step" not in saved:
            raise StorageError(
                "the simulator state file is incomplete",
                field="path",
                value=str(path),
                fix="delete the file to start afresh",
            )
        origin = pd.Timestamp(str(state.get("origin")))
        if self.start_time is not None and origin != self.start_time:
            raise InputError(
                f"the saved run started at {origin.isoformat()}",
                field="start",
                value=self.start_time.isoformat(),
                fix=f"leave out --start to continue the saved run, or delete {path} to start afresh",
            )
        simulator = FurnaceSimulator(self.config, self.scenario, seed=self.seed, start=origin)
        simulator.restore(state)  # refuses a state of another run, naming the fix
        published = int(saved["published_step"])
        self._published_stamp = simulator.origin + pd.Timedelta(seconds=published * simulator.step_seconds)
        logger.info("simulator %s continues at %s", self.config.furnace_id, self._published_stamp)
        return simulator, published + 1

    def _save_state(self) -> None:
        """Write the state of the chunk being served and the last step served, atomically.

        The state is the model's at the start of the current chunk: a restart re-simulates that
        chunk (the same data, bit for bit) and serves from the step after the last one served.
        """
        path = self.state_path
        if path is None or self._chunk_state is None or self._published_step < 0:
            return
        document = {"simulator": self._chunk_state, "published_step": self._published_step}
        atomic_write_text(path, json.dumps(document))
        self._state_written = time.monotonic()

    def _write_labels(self, *, force: bool = False) -> None:
        """Merge the labels into ``_labels.parquet`` when faults were added (or ``force``)."""
        if self.directory is None or self._simulator is None:
            return
        labels = self._simulator.labels()
        if force or len(labels) != self._labels_written:
            write_labels(self.directory, labels)
            self._labels_written = len(labels)

    # -- address space -----------------------------------------------------------------------
    async def _build_address_space(self, server: Server, index: int) -> list[Any]:
        furnace = self.config.furnace_id
        root = await server.nodes.objects.add_folder(
            _node_id(f"Furnace_{furnace}", index), f"{index}:Furnace_{furnace}"
        )
        folders = {
            name: await root.add_folder(_node_id(f"{furnace}.{name}", index), f"{index}:{name}")
            for name in SUBSYSTEMS
        }
        variables = []
        for row in tag_catalogue(self.config).to_dict("records"):
            tag, unit = str(row["tag"]), str(row["unit"])
            node_id = _node_id(f"{furnace}.{tag}", index)
            variable = await folders[str(row["subsystem"])].add_variable(
                node_id, f"{index}:{tag}", math.nan, varianttype=ua.VariantType.Double
            )
            await variable.write_attribute(
                ua.AttributeIds.Description,
                ua.DataValue(
                    ua.Variant(
                        ua.LocalizedText(str(row["description_en"]), "en"), ua.VariantType.LocalizedText
                    )
                ),
            )
            units = ua.EUInformation(
                NamespaceUri=_UNECE_URI,
                UnitId=_unit_id(_UNECE_CODES.get(unit)),
                DisplayName=ua.LocalizedText(unit),
                Description=ua.LocalizedText(unit),
            )
            await variable.add_property(
                _node_id(f"{furnace}.{tag}.EngineeringUnits", index),
                ua.QualifiedName("EngineeringUnits", 0),
                units,
                datatype=_node_id(ua.ObjectIds.EUInformation),
            )
            await variable.add_property(
                _node_id(f"{furnace}.{tag}.EURange", index),
                ua.QualifiedName("EURange", 0),
                ua.Range(Low=float(row["low"]), High=float(row["high"])),
                datatype=_node_id(ua.ObjectIds.Range),
            )
            self.node_ids[tag] = node_id
            variables.append(variable)
        return variables

    # -- updating ----------------------------------------------------------------------------
    @property
    def simulator_origin(self) -> datetime:
        """Start of the simulated clock (UTC)."""
        return self._started_simulator().origin.to_pydatetime()

    @property
    def simulated_time(self) -> pd.Timestamp:
        """Simulated time of the last published values (UTC)."""
        simulator = self._started_simulator()
        return simulator.origin + pd.Timedelta(seconds=max(self._published_step, 0) * simulator.step_seconds)

    @property
    def published_step(self) -> int:
        """Index of the last simulated step served (-1 before the first)."""
        return self._published_step

    def labels(self) -> pd.DataFrame:
        """Ground-truth labels of the faults injected so far."""
        return self._started_simulator().labels()

    def _started_simulator(self) -> FurnaceSimulator:
        if self._simulator is None:
            raise InputError("the server has not been started", field="server", fix="call start() first")
        return self._simulator

    def _due_step(self) -> int:
        """The step the simulated clock has reached: ``speed`` simulated seconds per wall second
        since :meth:`start`, counted from the first step served."""
        simulator = self._started_simulator()
        elapsed = self._clock() - self._started_wall
        return self._first_step + int(elapsed * self.speed / simulator.step_seconds)

    async def _run(self) -> None:
        try:
            while True:
                await asyncio.sleep(self.update_interval_s)
                await self.catch_up()
        except asyncio.CancelledError:
            raise
        except Exception:  # keep the server alive for diagnosis; the failure is logged
            logger.exception("simulator update loop failed")

    async def catch_up(self) -> int:
        """Serve every step from the last one served up to the simulated clock, in order.

        A loop that wakes late (a busy machine, a long garbage collection) publishes each sample
        it missed, with that sample's own source timestamp, rather than jumping to the newest:
        a subscriber with a timestamp-sensitive trigger (``DataChangeTrigger.StatusValueTimestamp``)
        receives every second, repeated values included, and the history holds every sample.
        Returns the number of steps served.
        """
        due = self._due_step()
        served = 0
        while self._published_step < due and self._server is not None:
            await self._publish(self._published_step + 1)
            served += 1
            await asyncio.sleep(0)  # let clients be served during a long catch-up
        return served

    def _row(self, step: int) -> tuple[SimulationChunk, int]:
        """The chunk holding ``step`` and the row of ``step`` in it; the model advances in chunks
        of ``_CHUNK_STEPS`` (fixed, so a run is the same whatever the timing of the loop)."""
        simulator = self._started_simulator()
        while self._chunk is None or step >= self._chunk_first + self._chunk.timestamps.size:
            self._chunk_first = simulator.step
            if self.directory is not None:
                self._chunk_state = simulator.state()
            self._chunk = simulator.advance(_CHUNK_STEPS)
            served = self._published_stamp
            casts = typed(list[dict[str, Any]], self._chunk.casts.to_dict("records"))
            self._pending_casts.extend(c for c in casts if served is None or c["end"] > served)
            self._queue_records(self._chunk.records)
            self._write_labels()
        return self._chunk, step - self._chunk_first

    async def _publish(self, step: int) -> None:
        """Write every tag's sample of ``step`` (and any cast that ended at it) and keep it in
        the history."""
        if step <= self._published_step or self._server is None:
            return
        chunk, row = self._row(step)
        stamp = datetime.fromtimestamp(int(chunk.timestamps[row]) / 1e6, tz=UTC)
        now = datetime.now(UTC)
        values = chunk.values[row]
        quality = chunk.quality[row]
        for number, tag in enumerate(chunk.tags):
            value = float(values[number])
            if quality[number] == QUALITY_BAD or np.isnan(value):
                await self._write(tag, None, stamp, now, ua.StatusCodes.BadSensorFailure)
            else:
                await self._write(tag, value, stamp, now)
        if self._published_step < 0:  # per-cast tags have no value before the first cast ends
            for tag in CAST_COLUMNS:
                await self._write(
                    tag, None, stamp, now, ua.StatusCodes.BadWaitingForInitialData, history=False
                )
        await self._publish_casts(stamp, now)
        self._publish_records(pd.Timestamp(stamp))
        self._published_step = step
        self._published_stamp = pd.Timestamp(stamp)
        self._updates += 1
        if time.monotonic() - self._state_written >= _STATE_INTERVAL_S:
            self._save_state()

    def _queue_records(self, records: dict[str, pd.DataFrame]) -> None:
        """Keep the plant records of a new chunk until the served clock reaches their time (a
        lot's analysis, sampled at the lot's start, is due at once). After a restart the chunk
        being served is made again: its records replace the identical rows already stored."""
        if self.directory is None:
            return
        for kind, frame in records.items():
            if not len(frame):
                continue
            pending = self._pending_records.get(kind)
            if pending is not None:
                frame = pd.concat([pending, frame], ignore_index=True)
            self._pending_records[kind] = frame
        self._next_record_at = min(
            (frame[PLANT_RECORD_TIME_COLUMN[kind]].min() for kind, frame in self._pending_records.items()),
            default=None,
        )

    def _publish_records(self, stamp: pd.Timestamp) -> None:
        """Merge the plant records whose time (charged, sampled, filled) is at or before ``stamp``
        into the furnace's record files: a record appears when the simulated plant makes it."""
        if self._next_record_at is None or stamp < self._next_record_at or self.directory is None:
            return
        due: dict[str, pd.DataFrame] = {}
        for kind, frame in list(self._pending_records.items()):
            ready = (frame[PLANT_RECORD_TIME_COLUMN[kind]] <= stamp).to_numpy()
            if ready.any():
                due[kind] = frame[ready]
                rest = frame[~ready]
                if len(rest):
                    self._pending_records[kind] = rest
                else:
                    del self._pending_records[kind]
        write_simulated_records(self.directory, due)
        self._next_record_at = min(
            (frame[PLANT_RECORD_TIME_COLUMN[kind]].min() for kind, frame in self._pending_records.items()),
            default=None,
        )

    async def _publish_casts(self, stamp: datetime, now: datetime) -> None:
        """Serve the per-cast tags of every cast that ended at or before ``stamp``."""
        ended = [cast for cast in self._pending_casts if cast["end"].to_pydatetime() <= stamp]
        if not ended:
            return
        self._pending_casts = [cast for cast in self._pending_casts if cast["end"].to_pydatetime() > stamp]
        if self.directory is not None:  # the record first, then the tags that announce it
            write_casts(self.directory, pd.DataFrame(ended))
        for cast in ended:
            cast_stamp = cast["end"].to_pydatetime()
            for tag, column in CAST_COLUMNS.items():
                await self._write(tag, float(cast[column]), cast_stamp, now)

    async def _write(
        self,
        tag: str,
        value: float | None,
        stamp: datetime,
        now: datetime,
        status: int = 0,
        *,
        history: bool = True,
    ) -> None:
        """Write one sample (source timestamp ``stamp``) and keep it in the history.

        The history is written here, sample by sample, not through asyncua's internal
        history subscription: that subscription reports on change only (an unchanged value is
        never kept) and, with its queue of one, keeps only the last of several writes between
        two of its publishing cycles.
        """
        server = self._server
        if server is None:
            return
        node_id = self.node_ids[tag]
        await server.write_attribute_value(node_id, _data_value(value, stamp, now, status))
        if history and self._history is not None:
            self._history.append(node_id, stamp.timestamp(), math.nan if value is None else value, status)
