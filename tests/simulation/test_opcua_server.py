"""The simulator's OPC UA server: address space of the contract, values, history, restart."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta

import pytest
from asyncua import Client, ua

from greenmet.blast_furnace.simulator import SUBSYSTEMS, FurnaceConfig, Scenario, tag_catalogue
from greenmet.errors import InputError
from greenmet.simulation.opcua_server import NAMESPACE_URI, SimulatorServer

# A small furnace keeps the address space (and the server's start-up) small.
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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_client_browses_the_address_space_and_reads_units_ranges_and_values():
    endpoint = f"opc.tcp://127.0.0.1:{free_port()}"
    catalogue = tag_catalogue(CONFIG).set_index("tag")

    async def scenario():
        async with SimulatorServer(CONFIG, endpoint=endpoint, speed=10, update_interval_s=0.1):
            await asyncio.sleep(0.5)
            async with Client(endpoint) as client:
                index = await client.get_namespace_index(NAMESPACE_URI)
                furnace = await client.nodes.objects.get_child(f"{index}:Furnace_T1")
                folders = {(await f.read_browse_name()).Name: f for f in await furnace.get_children()}
                assert set(folders) == set(SUBSYSTEMS)
                seen = {}
                for name, folder in folders.items():
                    for variable in await folder.get_children():
                        tag = (await variable.read_browse_name()).Name
                        assert variable.nodeid == ua.NodeId(f"T1.{tag}", index)
                        assert catalogue.loc[tag, "subsystem"] == name
                        seen[tag] = variable
                assert set(seen) == set(catalogue.index)
                node = seen["blast_pressure"]
                units = await (await node.get_child("0:EngineeringUnits")).read_value()
                assert units.DisplayName.Text == "kPa" and units.UnitId == 4935745  # UNECE "KPA"
                limits = await (await node.get_child("0:EURange")).read_value()
                assert (limits.Low, limits.High) == (
                    catalogue.loc["blast_pressure", "low"],
                    catalogue.loc["blast_pressure", "high"],
                )
                description = await node.read_description()
                assert description.Text == catalogue.loc["blast_pressure", "description_en"]
                assert await node.read_data_type_as_variant_type() == ua.VariantType.Double
                value = await node.read_value()
                assert (
                    catalogue.loc["blast_pressure", "low"] < value < catalogue.loc["blast_pressure", "high"]
                )
                first = await seen["charge_count"].read_data_value()
                await asyncio.sleep(0.6)
                later = await seen["charge_count"].read_data_value()
                assert later.SourceTimestamp > first.SourceTimestamp  # values keep moving

    asyncio.run(scenario())


def test_history_can_be_read_for_a_gap():
    endpoint = f"opc.tcp://127.0.0.1:{free_port()}"

    async def scenario():
        async with SimulatorServer(CONFIG, endpoint=endpoint, speed=30, update_interval_s=0.1) as server:
            await asyncio.sleep(1.5)
            async with Client(endpoint) as client:
                node = client.get_node(server.node_ids["top_pressure"])
                begin = server.simulator_origin - timedelta(minutes=1)
                history = await node.read_raw_history(begin, datetime.now(UTC) + timedelta(hours=1))
        assert len(history) >= 8
        stamps = [value.SourceTimestamp for value in history if value.SourceTimestamp is not None]
        assert stamps == sorted(stamps) and stamps[-1] - stamps[0] >= timedelta(seconds=20)
        assert all(isinstance(value.Value.Value, float) for value in history[1:])

    asyncio.run(scenario())


def test_the_server_restarts_on_the_same_port_and_serves_a_scenario():
    endpoint = f"opc.tcp://127.0.0.1:{free_port()}"
    scenario_model = Scenario.from_mapping(
        {"faults": [{"fault": "hanging", "start": "0s", "duration": "1h"}]}
    )

    async def scenario():
        server = SimulatorServer(
            CONFIG, endpoint=endpoint, speed=5, update_interval_s=0.2, scenario=scenario_model
        )
        for _ in range(2):
            await server.start()
            assert server.running
            async with Client(endpoint) as client:
                node = client.get_node(server.node_ids["blast_volume"])
                assert await node.read_value() > 0
            await server.stop()
            assert not server.running
        labels = server.labels()
        assert list(labels["fault"]) == ["hanging"]

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"speed": 0}, "speed must be between"),
        ({"update_interval_s": 0.0}, "update interval"),
        ({"endpoint": "http://127.0.0.1:4840"}, "opc.tcp://HOST:PORT"),
    ],
)
def test_bad_server_settings_are_refused(arguments, match):
    with pytest.raises(InputError, match=match):
        SimulatorServer(CONFIG, **arguments)


def test_array_history_keeps_the_last_values_and_reads_like_history_dict():
    from greenmet.simulation.opcua_server import ArrayHistory

    async def scenario():
        storage = ArrayHistory()
        storage.max_history_data_response_size = 3
        node = ua.NodeId("x", 2)
        await storage.new_historized_node(node, None, count=5)
        with pytest.raises(ua.UaError):
            await storage.new_historized_node(node, None, count=5)
        origin = datetime(2026, 1, 1, tzinfo=UTC)
        for second in range(8):  # 8 values into a ring of 5: seconds 3..7 remain
            status = ua.StatusCode(ua.StatusCodes.BadSensorFailure) if second == 6 else ua.StatusCode()
            await storage.save_node_value(
                node,
                ua.DataValue(
                    ua.Variant(float(second), ua.VariantType.Double),
                    StatusCode=status,
                    SourceTimestamp=origin + timedelta(seconds=second),
                ),
            )
        forward, more = await storage.read_node_history(node, origin, origin + timedelta(hours=1), 0)
        assert [v.Value.Value for v in forward] == [3.0, 4.0, 5.0]
        assert more == origin + timedelta(seconds=6)
        rest, more = await storage.read_node_history(node, more, origin + timedelta(hours=1), 0)
        assert [v.Value.Value for v in rest] == [None, 7.0] and rest[0].StatusCode.is_bad() and more is None
        backward, _ = await storage.read_node_history(node, origin + timedelta(seconds=5), origin, 2)
        assert [v.Value.Value for v in backward] == [5.0, 4.0]
        assert await storage.read_node_history(ua.NodeId("y", 2), origin, origin, 0) == ([], None)

    asyncio.run(scenario())


class _Collector:
    """Subscription handler keeping every notification's value and source timestamp per node."""

    def __init__(self) -> None:
        self.samples: dict[str, list[tuple[datetime, object]]] = {}

    def datachange_notification(self, node, value, data) -> None:
        sample = data.monitored_item.Value
        self.samples.setdefault(node.nodeid.Identifier, []).append((sample.SourceTimestamp, value))


async def _subscribe_every_sample(client: Client, nodes: list, handler: _Collector):
    """Subscribe as ingestion does: a timestamp-sensitive trigger and a queue, so an unchanged
    value with a new source timestamp is a notification of its own."""
    subscription = await client.create_subscription(50, handler)
    requests = []
    for handle, node in enumerate(nodes, start=1):
        parameters = ua.MonitoringParameters(
            ClientHandle=handle,
            SamplingInterval=0,
            QueueSize=1000,
            DiscardOldest=True,
            Filter=ua.DataChangeFilter(Trigger=ua.DataChangeTrigger.StatusValueTimestamp),
        )
        requests.append(
            ua.MonitoredItemCreateRequest(
                ItemToMonitor=ua.ReadValueId(NodeId=node.nodeid, AttributeId=ua.AttributeIds.Value),
                MonitoringMode=ua.MonitoringMode.Reporting,
                RequestedParameters=parameters,
            )
        )
    results = await subscription.create_monitored_items(requests)
    assert not [r for r in results if isinstance(r, ua.StatusCode)]
    return subscription


async def _until(condition, *, limit_s: float = 300.0) -> None:
    """Wait for ``condition()`` (a generous limit: this waits for delivery, it times nothing)."""
    for _ in range(int(limit_s / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)


def test_a_late_loop_skips_no_second_and_a_stuck_tag_repeats_every_sample():
    """issue 13 §1: the server jumped to the newest second when its loop woke late (4 of 63
    seconds skipped) and, reporting on change only, never sent or kept an unchanged value."""
    endpoint = f"opc.tcp://127.0.0.1:{free_port()}"
    stuck = Scenario.from_mapping(
        {
            "random_sensor_faults_per_day": 0,
            "sensor_faults": [{"tag": "blast_pressure", "kind": "stuck", "start": "0s", "duration": "1h"}],
        }
    )
    wall = [1000.0]  # the server's clock: it moves only when the test says so

    async def scenario():
        server = SimulatorServer(
            CONFIG, endpoint=endpoint, speed=1, update_interval_s=0.02, scenario=stuck, clock=lambda: wall[0]
        )
        async with server, Client(endpoint) as client:
            nodes = [client.get_node(server.node_ids[tag]) for tag in ("blast_pressure", "top_pressure")]
            handler = _Collector()
            await _subscribe_every_sample(client, nodes, handler)
            await _until(lambda: len(handler.samples.get("T1.blast_pressure", [])) >= 1)
            wall[0] += 4.6  # the loop wakes 4.6 s late: seconds 1..4 are due at once
            await _until(lambda: server.published_step >= 4)
            wall[0] += 0.3  # nothing new is due
            await asyncio.sleep(0.2)
            wall[0] += 2.0  # seconds 5 and 6
            await _until(
                lambda: all(
                    len(handler.samples.get(f"T1.{t}", [])) >= 7 for t in ("blast_pressure", "top_pressure")
                )
            )
            history = await nodes[0].read_raw_history(
                server.simulator_origin - timedelta(minutes=1),
                server.simulator_origin + timedelta(hours=1),
            )
        origin = server.simulator_origin
        expected = [origin + timedelta(seconds=second) for second in range(7)]
        assert server.published_step == 6
        for tag in ("T1.blast_pressure", "T1.top_pressure"):
            assert [stamp for stamp, _ in handler.samples[tag]] == expected
        repeated = [value for _, value in handler.samples["T1.blast_pressure"]]
        assert len(set(repeated)) == 1  # the stuck sensor's unchanged value, once per second
        assert [value.SourceTimestamp for value in history] == expected  # every sample kept
        assert [value.Value.Value for value in history] == repeated

    asyncio.run(scenario())


def test_labels_and_casts_are_written_beside_the_historian_and_casts_served_with_their_id(tmp_path):
    """issue 13 §3: over OPC UA the labels and casts stayed in memory and were lost on exit."""
    import pandas as pd

    from greenmet.blast_furnace.simulator import FurnaceSimulator
    from greenmet.simulation.history import furnace_directory
    from greenmet.storage.plant_records import (
        KINDS,
        PLANT_RECORD_KEYS,
        PLANT_RECORD_TIME_COLUMN,
        read_plant_records,
    )

    endpoint = f"opc.tcp://127.0.0.1:{free_port()}"
    faults = Scenario.from_mapping(
        {
            "random_sensor_faults_per_day": 0,
            "faults": [{"fault": "hanging", "start": "10min", "duration": "20min"}],
        }
    )
    wall = [0.0]
    directory = furnace_directory(tmp_path, CONFIG)
    reference = FurnaceSimulator(CONFIG, faults, start="2026-03-01T00:00:00Z")
    while reference.casts().empty:
        reference.advance(300)
    first_cast_end = int((reference.casts()["end"].iloc[0] - reference.origin).total_seconds())

    async def scenario():
        server = SimulatorServer(
            CONFIG,
            endpoint=endpoint,
            update_interval_s=0.02,
            scenario=faults,
            start="2026-03-01T00:00:00Z",
            historian_root=tmp_path,
            clock=lambda: wall[0],
        )
        async with server:
            wall[0] += first_cast_end  # up to the end of the first cast
            await _until(lambda: server.published_step >= first_cast_end, limit_s=600)
            casts = pd.read_parquet(directory / "_casts.parquet")
            stamp = server.simulated_time
            records = {
                kind: read_plant_records(tmp_path, CONFIG.site, CONFIG.furnace_id, kind) for kind in KINDS
            }
            async with Client(endpoint) as client:
                served = {
                    tag: await client.get_node(server.node_ids[tag]).read_data_value()
                    for tag in ("cast_number", "cast_duration", "cast_hot_metal_mass", "hot_metal_silicon")
                }
        return casts, served, records, stamp

    casts, served, records, stamp = asyncio.run(scenario())
    # plant records appear as the served clock reaches their time, the same as the model's
    for kind, stored in records.items():
        made = reference.plant_records(kind)
        column = PLANT_RECORD_TIME_COLUMN[kind]
        expected = made[made[column] <= stamp].sort_values(list(PLANT_RECORD_KEYS[kind]), kind="stable")
        assert len(stored), kind
        pd.testing.assert_frame_equal(stored, expected.reset_index(drop=True), check_dtype=False)
    labels = pd.read_parquet(directory / "_labels.parquet")
    assert list(labels["fault"]) == ["hanging"]
    assert labels["start"].iloc[0] == pd.Timestamp("2026-03-01T00:10:00Z")
    pd.testing.assert_frame_equal(casts, reference.casts().iloc[:1], check_dtype=False)
    last = casts.iloc[-1]
    for data in served.values():  # one record: every per-cast tag stamped with the cast's end
        assert data.SourceTimestamp.replace(tzinfo=UTC) == last["end"].to_pydatetime()
    assert served["cast_number"].Value.Value == last["cast_number"]
    assert served["cast_duration"].Value.Value == pytest.approx(
        (last["end"] - last["start"]).total_seconds() / 60
    )
    assert served["cast_hot_metal_mass"].Value.Value == last["hot_metal_mass_t"]
    assert served["hot_metal_silicon"].Value.Value == last["hot_metal_silicon_percent"]


def test_a_restart_continues_the_simulated_clock_and_state(tmp_path):
    """issue 13 §3: a restart began again from the seed with its clock at the wall clock."""
    from greenmet.blast_furnace.simulator import FurnaceSimulator

    endpoint = f"opc.tcp://127.0.0.1:{free_port()}"
    wall = [0.0]
    settings = {
        "endpoint": endpoint,
        "speed": 10,
        "update_interval_s": 0.02,
        "seed": 3,
        "start": "2026-02-01T00:00:00Z",
        "historian_root": tmp_path,
        "clock": lambda: wall[0],
    }

    async def serve_for(wall_seconds: float) -> tuple[int, float, object]:
        server = SimulatorServer(CONFIG, **settings)
        async with server:
            first = server.published_step
            wall[0] += wall_seconds
            await _until(lambda: server.published_step >= first + int(wall_seconds * 10))
            last = server.published_step
            async with Client(endpoint) as client:
                value = await client.get_node(server.node_ids["blast_volume"]).read_data_value()
        return first, last, value

    async def scenario():
        first_run = await serve_for(50.0)  # 500 simulated s: across a chunk boundary
        second_run = await serve_for(10.0)
        return first_run, second_run

    (first, last, _), (resumed, resumed_last, value) = asyncio.run(scenario())
    assert (first, last) == (0, 500)
    assert (resumed, resumed_last) == (501, 601)  # the next second, not the seed at the wall clock
    reference = FurnaceSimulator(CONFIG, seed=3, start="2026-02-01T00:00:00Z")
    chunks = [reference.advance(300) for _ in range(3)]
    expected = chunks[2].frame()["blast_volume"].iloc[601 - 600]
    assert value.Value.Value == expected
    assert value.SourceTimestamp.replace(tzinfo=UTC) == datetime(2026, 2, 1, 0, 10, 1, tzinfo=UTC)
    with pytest.raises(InputError, match="saved run started at"):
        asyncio.run(SimulatorServer(CONFIG, **{**settings, "start": "2026-05-01T00:00:00Z"}).start())


def test_cli_serving_options_are_checked_before_anything_listens():
    from typer.testing import CliRunner

    from greenmet.cli import app

    runner = CliRunner()
    refused = runner.invoke(app, ["bf", "simulate", "--opcua", "--update-interval", "0"])
    assert refused.exit_code == 2 and "update interval" in refused.output
    refused = runner.invoke(app, ["bf", "simulate", "--opcua", "--start", "2026-01-01T00:00:00"])
    assert refused.exit_code == 2 and "no time zone" in refused.output
