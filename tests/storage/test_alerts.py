"""Alerts in the records store: one row per episode, acknowledgement and closure with their audit rows."""

from __future__ import annotations

import json
import multiprocessing
import time

import pandas as pd
import pytest

from greenmet.errors import InputError, StorageError, UnknownKeyError
from greenmet.monitoring.alerts import AlertEvent
from greenmet.storage.alerts import (
    acknowledge_alert,
    close_alert,
    list_alerts,
    open_records,
    record_alert_events,
)
from greenmet.storage.records import RecordStore

T0 = pd.Timestamp("2026-01-01T08:00:00Z")


def _event(
    state,
    at,
    *,
    severity="warning",
    started_at=T0,
    location="stave_row_01",
    category="process",
    evidence=(("stave_temperature_r01_s01", 92.0, 85.0, ">"),),
):
    return AlertEvent(
        detector="stave_rule",
        fault_kind="hearth_wall_temperature_rise",
        category=category,
        severity=severity,
        state=state,
        started_at=started_at,
        at=at,
        evidence=evidence,
        countermeasures=("countermeasure_check_cooling_water",),
        message_en="hearth wall hot",
        message_zh="炉缸侧壁温度升高",
        location=location,
    )


def _episode(start=T0, **changes):
    return [
        _event("raised", start, started_at=start, **changes),
        _event(
            "updated",
            start + pd.Timedelta("30s"),
            severity="critical",
            started_at=start,
            evidence=(("stave_temperature_r01_s01", 99.0, 95.0, ">"),),
            **changes,
        ),
        _event("cleared", start + pd.Timedelta("90s"), severity="critical", started_at=start, **changes),
    ]


@pytest.fixture
def store(tmp_path):
    with RecordStore(tmp_path / "records.duckdb") as opened:
        yield opened


def test_one_episode_is_one_row_that_follows_its_events(store):
    first = record_alert_events(store, "plant1", "bf1", _episode()[:2])
    frame = list_alerts(store)
    assert len(frame) == 1 and len(set(first)) == 1
    row = frame.iloc[0]
    assert (row["state"], row["severity"], row["status"]) == ("updated", "critical", "open")
    assert row["raised_at"] == T0 and pd.isna(row["cleared_at"])
    assert row["evidence"] == [
        {"tag": "stave_temperature_r01_s01", "value": 99.0, "threshold": 95.0, "comparison": ">"}
    ]
    assert row["countermeasures"] == ["countermeasure_check_cooling_water"]
    assert (row["rule"], row["fault_kind"], row["category"], row["location"], row["mode"]) == (
        "stave_rule",
        "hearth_wall_temperature_rise",
        "process",
        "stave_row_01",
        "live",
    )
    record_alert_events(store, "plant1", "bf1", _episode()[2:])
    row = list_alerts(store).iloc[0]
    assert row["state"] == "cleared" and row["cleared_at"] == T0 + pd.Timedelta("90s")


def test_recording_the_same_events_again_changes_nothing(store):
    record_alert_events(store, "plant1", "bf1", _episode())
    before = list_alerts(store)
    # a replay run twice, or an older event arriving after the episode cleared
    record_alert_events(store, "plant1", "bf1", _episode())
    record_alert_events(store, "plant1", "bf1", _episode()[:1])
    after = list_alerts(store)
    pd.testing.assert_frame_equal(before, after)
    assert after.iloc[0]["state"] == "cleared"


def test_live_and_replay_and_other_episodes_are_kept_apart(store):
    record_alert_events(store, "plant1", "bf1", _episode())
    record_alert_events(store, "plant1", "bf1", _episode(), mode="replay")
    record_alert_events(store, "plant1", "bf1", _episode(T0 + pd.Timedelta("1h")))
    record_alert_events(store, "plant1", "bf2", _episode())
    assert len(list_alerts(store)) == 3
    assert len(list_alerts(store, mode="replay")) == 1
    assert len(list_alerts(store, mode=None)) == 4
    assert len(list_alerts(store, furnace="bf1", start=T0 + pd.Timedelta("1min"))) == 1
    newest_first = list_alerts(store, furnace="bf1")["raised_at"].tolist()
    assert newest_first == sorted(newest_first, reverse=True)


def test_a_failing_batch_leaves_nothing_behind(store):
    # the second event is refused by the table's CHECK on severity (an event built past its own
    # checks): the first, valid one must not stay behind
    broken = _event("raised", T0, location="x")
    object.__setattr__(broken, "severity", "catastrophic")
    bad = [*_episode()[:1], broken]
    with pytest.raises(StorageError, match="rolled back"):
        record_alert_events(store, "plant1", "bf1", bad)
    assert list_alerts(store).empty
    with pytest.raises(InputError, match="unknown alert mode"):
        record_alert_events(store, "plant1", "bf1", _episode(), mode="test")


def test_acknowledgement_and_closure_each_write_their_audit_row(store):
    [alert_id] = set(record_alert_events(store, "plant1", "bf1", _episode()))
    acknowledge_alert(
        store, alert_id, "zhang.wei", "checking the cooling water", at=T0 + pd.Timedelta("2min")
    )
    assert list_alerts(store).iloc[0]["status"] == "acknowledged"
    assert list_alerts(store).iloc[0]["acknowledged_by"] == "zhang.wei"
    with pytest.raises(InputError, match="acknowledged by zhang.wei"):
        acknowledge_alert(store, alert_id, "li.na")
    close_alert(store, alert_id, "zhang.wei", "flow restored", at=T0 + pd.Timedelta("5min"))
    row = list_alerts(store).iloc[0]
    assert (row["status"], row["closed_by"], row["closing_comment"]) == (
        "closed",
        "zhang.wei",
        "flow restored",
    )
    audit = store.query("SELECT actor, action, object_type, object_id, details FROM audit_log ORDER BY id")
    assert audit["action"].tolist() == ["alert.acknowledge", "alert.close"]
    assert set(audit["object_id"]) == {str(alert_id)} and set(audit["object_type"]) == {"alert"}
    assert json.loads(audit["details"].iloc[1]) == {
        "comment": "flow restored",
        "forced": False,
        "state": "cleared",
    }
    with pytest.raises(InputError, match="closed by zhang.wei"):
        close_alert(store, alert_id, "zhang.wei")
    with pytest.raises(InputError, match="closed by zhang.wei"):
        acknowledge_alert(store, alert_id, "li.na")
    # later events of the episode never reopen what a person closed
    record_alert_events(store, "plant1", "bf1", _episode())
    assert list_alerts(store).iloc[0]["status"] == "closed"


def test_an_active_alert_closes_only_with_force_and_a_comment(store):
    [alert_id] = set(record_alert_events(store, "plant1", "bf1", _episode()[:1]))
    with pytest.raises(InputError, match="still active"):
        close_alert(store, alert_id, "li.na")
    with pytest.raises(InputError, match="needs a comment"):
        close_alert(store, alert_id, "li.na", force=True)
    assert list_alerts(store).iloc[0]["status"] == "open"  # nothing half-done
    assert store.query("SELECT count(*) AS n FROM audit_log")["n"].iloc[0] == 0
    close_alert(store, alert_id, "li.na", "thermocouple replaced: false alarm", force=True)
    row = list_alerts(store).iloc[0]
    # closing an unacknowledged alert acknowledges it first, in the same transaction
    assert (row["status"], row["acknowledged_by"], row["closed_by"]) == ("closed", "li.na", "li.na")
    actions = store.query("SELECT action FROM audit_log ORDER BY id")["action"].tolist()
    assert actions == ["alert.acknowledge", "alert.close"]


def test_bad_requests_name_the_field(store):
    with pytest.raises(UnknownKeyError, match="alert_id"):
        acknowledge_alert(store, 999, "li.na")
    [alert_id] = set(record_alert_events(store, "plant1", "bf1", _episode()))
    with pytest.raises(InputError, match="user"):
        acknowledge_alert(store, alert_id, "  ")
    with pytest.raises(InputError, match="status"):
        list_alerts(store, status="forgotten")
    with pytest.raises(InputError, match="time zone"):
        list_alerts(store, start="2026-01-01T00:00:00")
    assert store.query("SELECT count(*) AS n FROM acknowledgements")["n"].iloc[0] == 0


def _hold(path, ready, seconds):
    with RecordStore(path):
        ready.set()
        time.sleep(seconds)


def test_open_records_waits_for_another_process_to_let_go(tmp_path):
    path = tmp_path / "records.duckdb"
    RecordStore(path).close()
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    holder = context.Process(target=_hold, args=(path, ready, 1.0))
    holder.start()
    try:
        assert ready.wait(60)
        with pytest.raises(StorageError, match="another process held the records file"):
            open_records(path, wait_s=0.0)
        with open_records(path, wait_s=60.0) as store:  # the holder lets go after a second
            assert "alerts" in store.tables()
    finally:
        holder.join(60)
    assert holder.exitcode == 0
