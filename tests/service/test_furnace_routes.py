"""The furnace live view's API on a tiny historian: two simulated hours at 60-s steps, ending now."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pandas as pd
import pyarrow as pa
import pytest
from fastapi.testclient import TestClient
from tests.service.conftest import PASSWORD, log_in

from greenmet.blast_furnace.simulator import Scenario, preset, simulate
from greenmet.engines.derived import derive_range, load_design
from greenmet.ingest.live import LiveBatch, LiveFeed
from greenmet.service.auth import hash_password
from greenmet.service.settings import ServiceSettings
from greenmet.storage import Historian, users
from greenmet.storage.records import RecordStore
from greenmet.web.app import create_app

PRESET = "2500m3"


def write_tiny_historian(directory, hours: int = 2, derive: bool = True) -> tuple[str, str, pd.Timestamp]:
    """``hours`` of the simulated furnace at 60-s steps ending at the current minute, with the
    derived (calc_) tags of the last half hour; returns site, furnace and the last minute."""
    config = preset(PRESET)
    end = pd.Timestamp.now(tz="UTC").floor("min")
    start = end - pd.Timedelta(hours=hours)
    result = simulate(
        config,
        f"{hours}h",
        seed=3,
        step_seconds=60,
        start=start,
        scenario=Scenario.from_text("random_sensor_faults_per_day = 0\n"),
    )
    long = result.values.stack().rename("value").reset_index()
    long.columns = ["ts", "tag", "value"]
    root = directory / "historian"
    with Historian(root, config.site, config.furnace_id, time_zone=config.time_zone) as writer:
        writer.write(long)
    if derive:
        derive_range(
            root,
            config.site,
            config.furnace_id,
            end - pd.Timedelta(minutes=30),
            end,
            load_design(preset_name=PRESET),
        )
    return config.site, config.furnace_id, pd.Timestamp(long["ts"].max())


@pytest.fixture(scope="module")
def historian(tmp_path_factory):
    directory = tmp_path_factory.mktemp("furnace")
    site, furnace, last = write_tiny_historian(directory)
    with RecordStore(directory / "records.duckdb") as records:
        users.add_user(records, "viewer", hash_password(PASSWORD), "viewer", actor="test", language="en")
    return {"directory": directory, "site": site, "furnace": furnace, "last": last}


@pytest.fixture
def client(historian):
    settings = ServiceSettings(data_directory=historian["directory"])
    with TestClient(create_app(settings), base_url="https://testserver") as test_client:
        log_in(test_client, "viewer")
        yield test_client


def _api(historian) -> str:
    return f"/api/furnaces/{historian['site']}/{historian['furnace']}"


def test_snapshot_arranges_staves_tuyeres_and_probe(client, historian):
    body = client.get(_api(historian) + "/snapshot").json()
    staves = body["staves"]
    assert len(staves["temperature_degC"]) == len(staves["rows"]) > 1
    assert all(len(row) == len(staves["staves"]) > 1 for row in staves["temperature_degC"])
    assert all(value is not None for row in staves["temperature_degC"] for value in row)
    tuyeres = body["tuyeres"]
    assert len(tuyeres["numbers"]) > 10
    assert len(tuyeres["tuyere_blast_volume_m3_per_min"]) == len(tuyeres["numbers"])
    assert set(tuyeres) >= {"tuyere_water_inlet_flow_m3_per_h", "tuyere_water_outlet_flow_m3_per_h"}
    arms = body["probe"]["arms"]
    assert arms and all(len(arm["positions"]) == len(arm["temperature_degC"]) > 1 for arm in arms.values())
    assert body["probe"]["centre_degC"] is not None
    assert "blast_volume" in body["live"]
    assert any(tag.startswith("calc_") for tag in body["live"])
    assert body["live"]["blast_volume"]["ts"] == historian["last"].isoformat()


def test_trend_uses_minute_buckets_over_the_period(client, historian):
    last = historian["last"]
    body = client.get(
        _api(historian) + "/trend",
        params={
            "tags": "blast_volume,top_gas_utilisation",
            "start": (last - pd.Timedelta(hours=2)).isoformat(),
            "end": last.isoformat(),
            "points_per_tag": 30,
        },
    ).json()
    assert body["bucket_s"] == 240  # two hours in 30 buckets, whole minutes for the roll-ups
    series = body["series"]["blast_volume"]
    assert 25 <= len(series["ts"]) <= 31
    assert all(
        lo <= mean <= hi
        for lo, mean, hi in zip(series["value_min"], series["value_mean"], series["value_max"], strict=True)
    )
    zoomed = client.get(
        _api(historian) + "/trend",
        params={
            "tags": "blast_volume",
            "start": (last - pd.Timedelta(minutes=20)).isoformat(),
            "end": last.isoformat(),
        },
    ).json()
    assert zoomed["bucket_s"] == 2  # a short window: finer buckets than the roll-ups
    default = client.get(_api(historian) + "/trend").json()  # the key tags the furnace records
    assert "blast_volume" in default["series"] and "hot_metal_silicon" not in default["series"]


def test_trend_refuses_unknown_tags_and_reversed_windows(client, historian):
    wrong = client.get(_api(historian) + "/trend", params={"tags": "blast_volum"})
    assert wrong.status_code == 404
    assert wrong.json()["field"] == "tags" and "blast_volume" in wrong.json()["fix"]
    reversed_window = client.get(
        _api(historian) + "/trend",
        params={"tags": "blast_volume", "start": "2026-01-02T00:00:00Z", "end": "2026-01-01T00:00:00Z"},
    )
    assert reversed_window.status_code == 422 and reversed_window.json()["field"] == "end"
    assert client.get("/api/furnaces/nowhere/BF9/trend").status_code == 404


def test_calculation_sheet_at_a_moment(client, historian):
    last = historian["last"]
    now = client.get(_api(historian) + "/calculation-sheet").json()
    tags = {item["tag"]: item for item in now["items"]}
    assert "calc_stave_heat_load_kw" in tags
    assert tags["calc_stave_heat_load_kw"]["unit"] == "kW" and tags["calc_stave_heat_load_kw"]["formula"]
    earlier = (last - pd.Timedelta(minutes=10)).isoformat()
    then = client.get(_api(historian) + "/calculation-sheet", params={"at": earlier}).json()
    assert then["items"] and all(pd.Timestamp(item["ts"]) <= pd.Timestamp(earlier) for item in then["items"])
    before_derivation = (last - pd.Timedelta(hours=1)).isoformat()
    assert (
        client.get(_api(historian) + "/calculation-sheet", params={"at": before_derivation}).json()["items"]
        == []
    )


def test_what_if_follows_the_operating_point(client):
    default = client.get("/api/bf/what-if").json()
    hotter = client.get("/api/bf/what-if", params={"blast_temperature": 1100}).json()
    assert hotter["operating_point"]["blast_temperature"] == 1100.0
    rows = {row["variable"]: row["coke_rate_change_kg_per_thm"] for row in default["items"]}
    assert rows["blast_temperature"] < 0  # hotter blast saves coke
    assert hotter["items"] != default["items"]
    bad = client.get("/api/bf/what-if", params={"blast_temperatur": 1100})
    assert bad.status_code == 422 and bad.json()["field"] == "blast_temperatur"
    assert client.get("/api/bf/what-if", params={"coal_rate": "nan"}).json()["field"] == "coal_rate"


def test_furnace_page_loads_plotly_and_its_script(client, historian):
    page = client.get(f"/furnaces/{historian['site']}/{historian['furnace']}")
    assert page.status_code == 200
    assert '<script src="/vendor/plotly.min.js"' in page.text and "/static/furnace.js" in page.text
    assert "<script>" not in page.text
    assert client.get("/furnaces/nowhere/BF9").status_code == 404


def _sse_events(text: str) -> list[dict]:
    return [json.loads(line[len("data: ") :]) for line in text.splitlines() if line.startswith("data: ")]


def test_stream_without_feed_starts_from_the_historian(client, historian):
    response = client.get(_api(historian) + "/stream", params={"max_events": 1})
    assert response.headers["content-type"].startswith("text/event-stream")
    (event,) = _sse_events(response.text)
    assert event["source"] == "historian"
    assert event["values"]["blast_volume"]["ts"] == historian["last"].isoformat()
    assert client.get(_api(historian) + "/stream", params={"poll_s": 0}).json()["field"] == "poll_s"


def test_stream_with_a_feed_sends_each_batch_of_its_furnace(historian):
    """The live path of ``greenmet demo``: a feed in the same event loop as the application."""
    import httpx

    feed = LiveFeed()
    settings = ServiceSettings(data_directory=historian["directory"])
    app = create_app(settings, feed=feed)
    stamp = pd.Timestamp.now(tz="UTC").floor("s")

    def batch(site: str, value: float) -> LiveBatch:
        points = pa.table(
            {
                "ts": pa.array([stamp, stamp], pa.timestamp("us", tz="UTC")),
                "tag": ["blast_volume", "calc_fuel_rate_kg_per_thm"],
                "value": [value, 512.5],
                "quality": pa.array([0, 0], pa.int16()),
            }
        )
        return LiveBatch(site, historian["furnace"], points, dt.datetime.now(dt.UTC))

    async def scenario() -> str:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as http:
                login = await http.post("/api/session", json={"user_name": "viewer", "password": PASSWORD})
                assert login.status_code == 200
                request = asyncio.create_task(http.get(_api(historian) + "/stream", params={"max_events": 2}))
                while not request.done():  # publish until the stream has subscribed and ended
                    feed.publish(batch("elsewhere", 1.0))
                    feed.publish(batch(historian["site"], 4321.0))
                    await asyncio.sleep(0.01)
                response = await request
                assert feed.subscribers == 0  # the stream's subscription is closed
                return response.text

    first, second = _sse_events(asyncio.run(scenario()))
    assert first["source"] == "historian"
    assert second == {
        "source": "feed",
        "values": {
            "blast_volume": {"value": 4321.0, "ts": stamp.isoformat()},
            "calc_fuel_rate_kg_per_thm": {"value": 512.5, "ts": stamp.isoformat()},
        },
    }
