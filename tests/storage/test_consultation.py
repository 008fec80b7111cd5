"""Inputs of an expert consultation read from the historian and records store."""

from __future__ import annotations

import pandas as pd
import pytest
from tests.monitoring.trace_expert_fixtures import FURNACE, MINUTES, SITE, START, write_furnace

from greenmet.errors import InputError
from greenmet.monitoring.alerts import AlertEvent
from greenmet.monitoring.expert import assess_thermal_state, diagnose, shipped_rule_base
from greenmet.storage.alerts import open_records, record_alert_events
from greenmet.storage.consultation import active_alert_kinds, cast_states, consultation_window, furnace_casts


def test_window_holds_the_minutes_of_the_tags_the_rules_read(tmp_path):
    write_furnace(tmp_path)
    rules = shipped_rule_base()
    window = consultation_window(tmp_path, SITE, FURNACE, rules)
    assert len(window) == rules.window_minutes
    assert window.index[-1] == START + pd.Timedelta(minutes=MINUTES - 1)
    assert {"pressure_differential", "stockrod_level_1", "top_temperature_u2"} <= set(window.columns)
    assert "charge_count" not in window.columns  # no rule reads it
    earlier = consultation_window(tmp_path, SITE, FURNACE, rules, at="2026-01-01T02:00:00Z")
    assert earlier.index[-1] == pd.Timestamp("2026-01-01T02:00:00Z")
    # the data of the fixture end in a hanging: the rules find it from the stored points
    result = diagnose(rules, window)
    assert [e.rule.id for e in result.diagnoses] == ["hanging"]
    with pytest.raises(InputError, match="no points"):
        consultation_window(tmp_path, SITE, "empty", rules)


def test_cast_states_feed_the_thermal_model(tmp_path):
    write_furnace(tmp_path)
    assert furnace_casts(tmp_path, SITE, FURNACE)["cast_id"].tolist() == ["1", "2", "3"]
    states, present = cast_states(tmp_path, SITE, FURNACE)
    assert len(states) == 3
    assert states["burden_descent_rate"].round(1).tolist() == [8.0, 8.3, 8.6]
    assert (states["blast_volume"].diff().iloc[1:] > 40).all()  # +50 Nm3/min per cast
    assert present["hot_metal_temperature"] == 1470.0
    assert present["blast_temperature"] == pytest.approx(1200.0, rel=0.01)
    result = assess_thermal_state(states, **present)
    # the last cast's 15 minutes hold the hanging: PI falls, so 403B011 holds only one cast
    # earlier (403B013); at 02:00 both casts before show the cooling pattern
    assert "403B013" in result.rules
    early_states, early_present = cast_states(tmp_path, SITE, FURNACE, at="2026-01-01T02:30:00Z")
    assert len(early_states) == 2
    assert assess_thermal_state(early_states, **early_present).missing == ("three casts (got 2)",)


def test_active_alerts_come_from_the_records_store(tmp_path):
    records = tmp_path / "records.duckdb"
    started = START + pd.Timedelta(minutes=170)
    events = [AlertEvent("hanging_rule", "hanging", "process", "warning", "raised", started, started),
              AlertEvent("stuck", "sensor_stuck", "equipment", "info", "raised", START, START),
              AlertEvent("stuck", "sensor_stuck", "equipment", "info", "cleared", START,
                         START + pd.Timedelta(minutes=30))]
    store = open_records(records)
    try:
        record_alert_events(store, SITE, FURNACE, events)
    finally:
        store.close()
    assert active_alert_kinds(records, SITE, FURNACE, at=START + pd.Timedelta(minutes=175)) == ["hanging"]
    assert active_alert_kinds(records, SITE, FURNACE, at=START + pd.Timedelta(minutes=10)) == ["sensor_stuck"]
    assert active_alert_kinds(None, SITE, FURNACE) == []
    assert active_alert_kinds(tmp_path / "absent.duckdb", SITE, FURNACE) == []
