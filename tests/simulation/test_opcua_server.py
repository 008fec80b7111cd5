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
