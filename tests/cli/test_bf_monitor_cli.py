"""``greenmet bf monitor --replay`` and ``greenmet bf alerts list|ack|close`` on a small historian."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from greenmet.cli import app
from greenmet.storage import Historian
from greenmet.storage.points import POINT_SCHEMA

runner = CliRunner()
DETECTORS = "tiny_detectors:blast_temperature_detectors"
START, END = "2026-01-01T08:00:00Z", "2026-01-01T08:10:00Z"


@pytest.fixture
def historian(tmp_path):
    # blast temperature swings around its first value (a 2-minute period): alerts raise and clear
    stamps = pd.date_range(START, END, freq="s", inclusive="left", unit="us")
    seconds = np.arange(len(stamps))
    frames = [
        pd.DataFrame(
            {"ts": stamps, "tag": "blast_temperature", "value": 1200 + 5 * np.sin(2 * np.pi * seconds / 120)}
        ),
        pd.DataFrame({"ts": stamps, "tag": "top_pressure", "value": 250.0}),
    ]
    frame = pd.concat(frames, ignore_index=True).assign(quality=np.uint8(0))
    with Historian(tmp_path / "h", "plant1", "bf1") as writer:
        writer.write(pa.Table.from_pandas(frame, schema=POINT_SCHEMA, preserve_index=False))
    return tmp_path / "h"


def _monitor(historian, *extra):
    return runner.invoke(
        app,
        [
            "bf",
            "monitor",
            "--replay",
            "--historian",
            str(historian),
            "--site",
            "plant1",
            "--furnace",
            "bf1",
            "--start",
            START,
            "--end",
            END,
            "--detectors",
            DETECTORS,
            "--fit-hours",
            "0",
            *extra,
        ],
    )


def test_replay_prints_the_events_and_stores_them_for_the_alert_verbs(historian, tmp_path):
    records = tmp_path / "records.duckdb"
    result = _monitor(historian, "--records", str(records), "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["mode"] == "replay" and payload["chunks"] == 10
    assert payload["missing"] == {"needs_absent_tag": ["tag_the_furnace_lacks"]}
    states = [event["state"] for event in payload["events"]]
    assert states[0] == "raised" and "cleared" in states
    episodes = {event["key"] for event in payload["events"]}

    listed = runner.invoke(
        app, ["bf", "alerts", "list", "--records", str(records), "--mode", "replay", "--format", "json"]
    )
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    assert len(rows) == len(episodes) and {row["status"] for row in rows} == {"open"}
    assert (
        runner.invoke(app, ["bf", "alerts", "list", "--records", str(records)]).output.strip() == "no alerts"
    )

    cleared = next(row["id"] for row in rows if row["state"] == "cleared")
    ack = runner.invoke(
        app,
        [
            "bf",
            "alerts",
            "ack",
            str(cleared),
            "--records",
            str(records),
            "--user",
            "li.na",
            "--comment",
            "seen",
            "--language",
            "zh",
        ],
    )
    assert ack.exit_code == 0 and f"报警 {cleared} 已由 li.na 确认" in ack.output
    again = runner.invoke(
        app, ["bf", "alerts", "ack", str(cleared), "--records", str(records), "--user", "li.na"]
    )
    assert again.exit_code == 2 and "acknowledged by li.na" in again.output
    close = runner.invoke(
        app,
        [
            "bf",
            "alerts",
            "close",
            str(cleared),
            "--records",
            str(records),
            "--user",
            "li.na",
            "--format",
            "json",
        ],
    )
    assert close.exit_code == 0 and json.loads(close.output) == {"alert_id": cleared, "closed_by": "li.na"}
    table = runner.invoke(
        app,
        [
            "bf",
            "alerts",
            "list",
            "--records",
            str(records),
            "--mode",
            "all",
            "--status",
            "closed",
            "--language",
            "zh",
        ],
    )
    assert table.exit_code == 0 and "处理状态" in table.output and "closed" in table.output

    # a replay run again stores nothing twice and keeps what a person did
    assert _monitor(historian, "--records", str(records), "--format", "json").exit_code == 0
    rows_again = json.loads(
        runner.invoke(
            app, ["bf", "alerts", "list", "--records", str(records), "--mode", "replay", "--format", "json"]
        ).output
    )
    assert len(rows_again) == len(rows)
    assert {row["id"]: row["status"] for row in rows_again}[cleared] == "closed"


def test_replay_table_output_and_bad_requests(historian, tmp_path):
    table = _monitor(historian, "--language", "zh")
    assert table.exit_code == 0, table.output
    assert "报警事件" in table.output and "blast_temperature 高于" in table.output
    missing = runner.invoke(
        app, ["bf", "monitor", "--replay", "--historian", str(historian), "--detectors", DETECTORS]
    )
    assert missing.exit_code == 2 and "--site" in missing.output
    live = runner.invoke(app, ["bf", "monitor", "--historian", str(historian), "--detectors", DETECTORS])
    assert live.exit_code == 2 and "--endpoint" in live.output
    unknown = _monitor(historian, "--detectors", "no_such_module:build")
    assert unknown.exit_code == 2 and "--detectors" in unknown.output
    chunk = _monitor(historian, "--chunk-s", "7")
    assert chunk.exit_code == 2 and "chunk_s" in chunk.output
    close = runner.invoke(
        app, ["bf", "alerts", "close", "99", "--records", str(tmp_path / "r.duckdb"), "--user", "x"]
    )
    assert close.exit_code == 2 and "alert_id" in close.output


def test_live_runs_ingestion_and_the_engine_for_the_mapped_furnace(tmp_path):
    # No server answers: ingestion keeps trying for the duration and the engine sees nothing, but
    # the command wires mapping, furnace, detectors and records together and reports both.
    import socket

    from greenmet.blast_furnace.simulator import preset, tag_catalogue
    from greenmet.ingest.mapping import mapping_template

    config = preset("2500m3")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        mapping_template(
            tag_catalogue(config), site="plant1", furnace="bf1", tags=["blast_temperature", "top_pressure"]
        ),
        "utf-8",
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = [
        "bf",
        "monitor",
        "--endpoint",
        f"opc.tcp://127.0.0.1:{port}",
        "--mapping",
        str(mapping),
        "--catalogue",
        "2500m3",
        "--historian",
        str(tmp_path / "h"),
        "--records",
        str(tmp_path / "r.duckdb"),
        "--detectors",
        DETECTORS,
        "--fit-hours",
        "0",
    ]
    # with a design, the engine also computes the derived calc_* tags (none here: no minute came)
    result = runner.invoke(app, [*base, "--duration", "1", "--preset", "2500m3", "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["mode"] == "live" and payload["chunks"] == 0 and payload["events"] == []
    assert payload["missing"] == {"needs_absent_tag": ["tag_the_furnace_lacks"]}
    assert payload["ingest"]["connected"] is False and payload["ingest"]["errors"] >= 1
    assert payload["derived_points"] == 0 and payload["derived_inputs_lacking"] == {}
    other = runner.invoke(app, [*base, "--furnace", "bf9", "--duration", "1"])
    assert other.exit_code == 2 and "--furnace" in other.output and "bf1" in other.output
