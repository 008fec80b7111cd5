"""Traceability read from the stores (greenmet.storage.traceability) and ``greenmet bf trace``."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from tests.monitoring.trace_expert_fixtures import FURNACE, SITE, START, write_furnace, write_records
from typer.testing import CliRunner

from greenmet.cli import app
from greenmet.errors import UnknownKeyError
from greenmet.monitoring.alerts import AlertEvent
from greenmet.storage.alerts import open_records, record_alert_events
from greenmet.storage.traceability import load_trace_records, trace_cast_from_store, trace_lot_from_store

runner = CliRunner()


@pytest.fixture
def furnace(tmp_path):
    write_records(write_furnace(tmp_path))
    records = tmp_path / "records.duckdb"
    store = open_records(records)
    try:
        raised = START + pd.Timedelta(minutes=50)
        record_alert_events(store, SITE, FURNACE, [
            AlertEvent("hanging_rule", "hanging", "process", "warning", "raised", raised, raised),
            AlertEvent("hanging_rule", "hanging", "process", "warning", "cleared", raised,
                       raised + pd.Timedelta(minutes=5)),
        ])
    finally:
        store.close()
    return tmp_path, records


def test_a_cast_is_traced_from_the_stores_with_its_state_and_alerts(furnace):
    root, records = furnace
    loaded = load_trace_records(root, SITE, FURNACE)
    assert len(loaded.casts) == 3 and len(loaded.charges) == 36
    trace, state = trace_cast_from_store(root, SITE, FURNACE, "3", working_volume_m3=200.0, records=records)
    # a charge is 20/1.8 + 5/0.5 = 21.1 m3; 200 m3 / 0.88 fill 10.77 charges = 107.7 min
    assert trace.residence_time_h == pytest.approx(107.66 / 60, rel=1e-3)
    assert trace.charges["charge_id"].tolist() == ["3", "4", "5", "6", "7"]
    assert trace.lots.set_index("lot_id")["mass_t"].to_dict() == {"COK-1": 25.0, "SIN-A": 80.0, "SIN-B": 20.0}
    assert trace.alerts["fault_kind"].tolist() == ["hanging"]
    assert trace.destinations["steelmaking_heat_id"].tolist() == ["HEAT-000042"]
    keys = {m.key for m in trace.missing}
    assert {"trace_lots_without_analysis", "trace_records_end"} <= keys
    means = state.set_index("tag")["value_mean"]
    assert means["blast_temperature"] == pytest.approx(1200.0, rel=0.01)
    assert "calc_fuel_rate_kg_per_thm" not in means  # the furnace has no derived tags


def test_a_lot_is_followed_into_its_casts(furnace):
    root, _ = furnace
    lot = trace_lot_from_store(root, SITE, FURNACE, "SIN-A", working_volume_m3=200.0)
    assert lot.casts.set_index("cast_id")["lot_mass_t"].to_dict() == {"2": 40.0, "3": 80.0}
    assert lot.destinations["cast_id"].tolist() == ["3"]
    with pytest.raises(UnknownKeyError, match="lot_id"):
        trace_lot_from_store(root, SITE, FURNACE, "NOPE", working_volume_m3=200.0)


def test_trace_command(furnace):
    root, records = furnace
    where = [str(root), "--site", SITE, "--furnace", FURNACE]
    listed = runner.invoke(app, ["bf", "trace", *where, "--list", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    assert [row["cast_id"] for row in json.loads(listed.output)] == ["1", "2", "3"]
    result = runner.invoke(app, ["bf", "trace", *where, "--cast", "3", "--working-volume", "200",
                                 "--records", str(records), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["residence_time_h"] == pytest.approx(1.794, abs=1e-3)
    assert payload["destinations"][0]["vessel_id"] == "TPC-07"
    assert payload["alerts"][0]["fault_kind"] == "hanging"
    assert "shrinkage:all" in payload["provisional"]
    text = runner.invoke(app, ["bf", "trace", *where, "--cast", "3", "--working-volume", "200", "-l", "zh"])
    assert text.exit_code == 0 and "铁水去向" in text.output and "SIN-B" in text.output
    assert "T 1470, Si 0.35, S 0.035" in text.output
    lot = runner.invoke(app, ["bf", "trace", *where, "--lot", "COK-1", "--working-volume", "200"])
    assert lot.exit_code == 0 and "COK-1" in lot.output
    both = runner.invoke(app, ["bf", "trace", *where, "--cast", "3", "--lot", "COK-1"])
    assert both.exit_code == 2 and "choose one" in both.output
    no_volume = runner.invoke(app, ["bf", "trace", *where, "--cast", "3"])
    assert no_volume.exit_code == 2 and "--working-volume" in no_volume.output
    unknown = runner.invoke(app, ["bf", "trace", *where, "--cast", "99", "--working-volume", "200"])
    assert unknown.exit_code == 2 and "no cast of that id" in unknown.output
