"""Monitoring routes and pages: alerts (filters, pages, detail with diagnosis, acknowledge and close
with the audit log, roles)."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from tests.monitoring.trace_expert_fixtures import FURNACE, SITE, START, write_furnace, write_records
from tests.service.conftest import PASSWORD, log_in

from greenmet.monitoring.alerts import AlertEvent
from greenmet.service.auth import hash_password
from greenmet.service.settings import ServiceSettings
from greenmet.storage import users
from greenmet.storage.alerts import record_alert_events
from greenmet.storage.records import RecordStore
from greenmet.web.app import create_app

HANGING_AT = START + pd.Timedelta(minutes=176)  # the fixture's hanging has built up by then


def _events() -> list[AlertEvent]:
    """A hanging still active (critical), a sensor fault cleared, and 60 old stave warnings cleared."""
    evidence = (("pressure_differential", 190.0, 175.0, ">"),)
    events = [
        AlertEvent(
            "hanging_rule",
            "hanging",
            "process",
            "critical",
            "raised",
            HANGING_AT,
            HANGING_AT,
            evidence,
            ("countermeasure_check_cooling_water",),
            "burden hanging",
            "悬料",
        ),
        AlertEvent("stuck", "sensor_stuck", "equipment", "info", "raised", START, START),
        AlertEvent(
            "stuck", "sensor_stuck", "equipment", "info", "cleared", START, START + pd.Timedelta("30min")
        ),
    ]
    for number in range(60):
        at = START + pd.Timedelta(minutes=number)
        for state, when in (("raised", at), ("cleared", at + pd.Timedelta("20s"))):
            events.append(
                AlertEvent(
                    "stave_rule",
                    "hearth_wall_temperature_rise",
                    "process",
                    "warning",
                    state,
                    at,
                    when,
                    location=f"stave_row_{number:02d}",
                )
            )
    return sorted(events, key=lambda event: event.at)


@pytest.fixture
def monitored(tmp_path, _cheap_password_hashing):
    """A service on a tiny historian (three hours ending in a hanging) with 62 stored alerts."""
    write_records(write_furnace(tmp_path / "historian"))
    with RecordStore(tmp_path / "records.duckdb") as records:
        for role in users.ROLES:
            users.add_user(records, role, hash_password(PASSWORD), role, actor="test", language="en")
        record_alert_events(records, SITE, FURNACE, _events())
    settings = ServiceSettings(data_directory=tmp_path)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        yield client


def _alert_id(client: TestClient, fault_kind: str) -> int:
    items = client.get("/api/alerts", params={"limit": 1000}).json()["items"]
    return next(int(item["id"]) for item in items if item["fault_kind"] == fault_kind)


def test_alerts_are_filtered_and_paged(monitored):
    log_in(monitored, "viewer")
    everything = monitored.get("/api/alerts").json()
    assert everything["total"] == 62 and len(everything["items"]) == 50
    assert everything["items"][0]["fault_kind"] == "hanging"  # newest first
    second = monitored.get("/api/alerts", params={"limit": 50, "offset": 50}).json()
    assert len(second["items"]) == 12
    ids = {i["id"] for i in everything["items"]} | {i["id"] for i in second["items"]}
    assert len(ids) == 62
    critical = monitored.get("/api/alerts", params={"severity": "critical"}).json()
    assert [i["fault_kind"] for i in critical["items"]] == ["hanging"]
    assert critical["items"][0]["evidence"][0]["tag"] == "pressure_differential"
    equipment = monitored.get("/api/alerts", params={"category": "equipment"}).json()
    assert [i["fault_kind"] for i in equipment["items"]] == ["sensor_stuck"]
    period = monitored.get(
        "/api/alerts", params={"start": "2026-01-01T00:10:00Z", "end": "2026-01-01T00:20:00Z"}
    ).json()
    assert period["total"] == 10
    assert monitored.get("/api/alerts", params={"mode": "replay"}).json()["total"] == 0
    wrong = monitored.get("/api/alerts", params={"severity": "loud"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "severity"
    assert monitored.get("/api/alerts", params={"status": "gone"}).json()["field"] == "status.0"
    assert monitored.get("/api/alerts", params={"start": "yesterday"}).json()["field"] == "start"
    both = monitored.get("/api/alerts", params=[("status", "open"), ("status", "closed")]).json()
    assert both["total"] == 62  # nobody has acknowledged any yet
    assert monitored.get("/api/alerts", params={"status": "acknowledged"}).json()["total"] == 0
    assert monitored.get("/api/alerts", params={"limit": 0}).status_code == 422


def test_operator_acknowledges_and_closes_with_the_audit_log(monitored):
    csrf = log_in(monitored, "operator")
    hanging = _alert_id(monitored, "hanging")
    headers = {"X-CSRF-Token": csrf}
    done = monitored.post(f"/api/alerts/{hanging}/acknowledge", json={"comment": "on it"}, headers=headers)
    assert done.status_code == 200, done.text
    assert done.json()["alert"]["status"] == "acknowledged"
    assert done.json()["alert"]["acknowledged_by"] == "operator"
    again = monitored.post(f"/api/alerts/{hanging}/acknowledge", headers=headers)
    assert again.status_code == 422 and "acknowledged by operator" in again.json()["message"]
    active = monitored.post(f"/api/alerts/{hanging}/close", json={}, headers=headers)
    assert active.status_code == 422 and "still active" in active.json()["message"]
    closed = monitored.post(
        f"/api/alerts/{hanging}/close", json={"comment": "blast reduced", "force": True}, headers=headers
    )
    assert closed.json()["alert"]["status"] == "closed"
    assert [row["action"] for row in closed.json()["audit"]] == ["alert.acknowledge", "alert.close"]
    assert closed.json()["audit"][1]["details"]["comment"] == "blast reduced"
    listed = monitored.get("/api/alerts", params={"status": "closed"}).json()
    assert [i["id"] for i in listed["items"]] == [hanging]
    assert monitored.post("/api/alerts/999999/acknowledge", headers=headers).status_code == 404


def test_a_viewer_cannot_acknowledge(monitored):
    csrf = log_in(monitored, "viewer")
    hanging = _alert_id(monitored, "hanging")
    refused = monitored.post(f"/api/alerts/{hanging}/acknowledge", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    assert monitored.get(f"/api/alerts/{hanging}").json()["alert"]["status"] == "open"
    page = monitored.get(f"/alerts/{hanging}")
    assert page.status_code == 200 and 'id="acknowledge"' not in page.text


def test_detail_explains_the_alert_with_the_expert_rules(monitored):
    log_in(monitored, "viewer")
    hanging = _alert_id(monitored, "hanging")
    detail = monitored.get(f"/api/alerts/{hanging}").json()
    assert detail["alert"]["countermeasures"] == ["countermeasure_check_cooling_water"]
    diagnosis = monitored.get(f"/api/alerts/{hanging}/diagnosis").json()["diagnosis"]
    assert diagnosis["alert"] == "hanging" and "hanging" in diagnosis["active_alerts"]
    assert [d["rule"] for d in diagnosis["diagnoses"]] == ["hanging"]  # the historian ends in a hanging
    assert diagnosis["alert_rules"][0]["status"] == "fired" and diagnosis["actions"]
    zh = monitored.get(f"/api/alerts/{hanging}/diagnosis", params={"language": "zh"}).json()["diagnosis"]
    assert zh["diagnoses"][0]["title"] != diagnosis["diagnoses"][0]["title"]


def test_pages_list_and_act_in_both_languages(monitored):
    csrf = log_in(monitored, "operator")
    page = monitored.get("/alerts", params={"severity": "critical"})
    assert page.status_code == 200 and page.text.count('data-alert-id="') == 1
    assert 'id="next-page"' in monitored.get("/alerts").text
    hanging = _alert_id(monitored, "hanging")
    detail = monitored.get(f"/alerts/{hanging}")
    assert 'id="acknowledge"' in detail.text and "pressure_differential" in detail.text
    acted = monitored.post(
        f"/alerts/{hanging}/acknowledge", data={"csrf_token": csrf, "comment": "seen"}, follow_redirects=False
    )
    assert acted.status_code == 303
    monitored.cookies.set("greenmet_language", "zh")
    chinese = monitored.get(f"/alerts/{hanging}")
    assert "已确认" in chinese.text and "专家诊断" in chinese.text
    assert 'id="acknowledge"' not in chinese.text


def test_health_check_of_a_period_with_its_indicators(monitored):
    log_in(monitored, "viewer")
    period = {"start": "2026-01-01T00:00:00Z", "end": "2026-01-01T03:00:00Z", "trends": "false"}
    health = monitored.get(f"/api/furnaces/{SITE}/{FURNACE}/health", params=period).json()
    assert health["period"] == "custom" and health["period_start"].startswith("2026-01-01T00:00")
    indicators = health["indicators"]
    assert indicators and {"indicator", "weight"} <= set(indicators[0])
    assert any(row["score"] is not None for row in indicators)  # the tiny historian has data to score
    unknown = monitored.get("/api/furnaces/plant/nowhere/health", params=period)
    assert unknown.status_code == 404 and unknown.json()["field"] == "furnace"
    half = monitored.get(f"/api/furnaces/{SITE}/{FURNACE}/health", params={"start": period["start"]})
    assert half.status_code == 422 and half.json()["field"] == "start/end"


def test_engineer_makes_a_report_viewer_lists_and_downloads_it(monitored):
    csrf = log_in(monitored, "viewer")
    body = {
        "site": SITE,
        "furnace": FURNACE,
        "kind": "shift",
        "at": "2026-01-01T01:00:00Z",
        "formats": ["xlsx"],
        "languages": ["zh"],
    }
    refused = monitored.post("/api/reports", json=body, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 403
    monitored.cookies.clear()
    csrf = log_in(monitored, "engineer")
    made = monitored.post("/api/reports", json=body, headers={"X-CSRF-Token": csrf})
    assert made.status_code == 200, made.text
    (report_id,) = made.json()["report_ids"]
    listed = monitored.get("/api/reports", params={"site": SITE}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == report_id
    assert listed["items"][0]["created_by"] == "engineer" and "file_path" not in listed["items"][0]
    download = monitored.get(f"/api/reports/{report_id}/file")
    assert download.status_code == 200 and download.content.startswith(b"PK")  # an xlsx is a zip
    audit = monitored.app.state.records.query(
        "SELECT actor, action FROM audit_log WHERE action = 'report_created'"
    )
    assert audit["actor"].tolist() == ["engineer"]
    assert monitored.get("/api/reports/999/file").status_code == 404


def test_health_and_report_pages(monitored):
    csrf = log_in(monitored, "engineer")
    page = monitored.get(
        "/health",
        params={"furnace": f"{SITE}/{FURNACE}", "start": "2026-01-01T00:00", "end": "2026-01-01T03:00"},
    )
    assert page.status_code == 200 and 'id="health-score"' in page.text
    assert page.text.count('class="indicator"') >= 5
    assert 'id="make-report"' in monitored.get("/reports").text
    made = monitored.post(
        "/reports",
        data={"csrf_token": csrf, "furnace": f"{SITE}/{FURNACE}", "kind": "shift", "at": "2026-01-01T01:00"},
        follow_redirects=False,
    )
    assert made.status_code == 303
    listed = monitored.get("/reports").text
    assert listed.count('class="download"') == 4  # xlsx and pdf in zh and en
    monitored.cookies.clear()
    log_in(monitored, "viewer")
    assert 'id="make-report"' not in monitored.get("/reports").text
    monitored.cookies.set("greenmet_language", "zh")
    assert "炉长报告" in monitored.get("/reports").text


def test_a_cast_is_traced_back_and_forth_and_a_lot_into_its_casts(monitored):
    log_in(monitored, "viewer")
    base = f"/api/furnaces/{SITE}/{FURNACE}/trace"
    cast = monitored.get(f"{base}/casts/3", params={"working_volume_m3": 200}).json()
    # the fixture's charges: 200 m3 / 0.88 fill / 21.1 m3 per charge = 107.7 min of residence
    assert cast["residence_time_h"] == pytest.approx(107.66 / 60, rel=1e-3)
    assert {row["lot_id"] for row in cast["lots"]} == {"COK-1", "SIN-A", "SIN-B"}
    assert [row["steelmaking_heat_id"] for row in cast["destinations"]] == ["HEAT-000042"]
    assert "sensor_stuck" in {row["fault_kind"] for row in cast["alerts"]}  # from the service's records
    lot = monitored.get(f"{base}/lots/SIN-A", params={"working_volume_m3": 200}).json()
    assert {row["cast_id"]: row["lot_mass_t"] for row in lot["casts"]} == {"2": 40.0, "3": 80.0}
    assert monitored.get(f"{base}/lots/NOPE", params={"working_volume_m3": 200}).status_code == 404
    assert monitored.get(f"{base}/casts/3").status_code == 422  # the working volume is needed


def test_trace_page_walks_from_a_lot_to_its_casts(monitored):
    log_in(monitored, "viewer")
    where = {"furnace": f"{SITE}/{FURNACE}", "working_volume_m3": 200}
    lot = monitored.get("/trace", params={**where, "lot": "SIN-A"})
    assert lot.status_code == 200 and 'data-table="casts"' in lot.text and "cast=3" in lot.text
    cast = monitored.get("/trace", params={**where, "cast": "3"})
    assert 'data-table="lots"' in cast.text and "HEAT-000042" in cast.text
    assert monitored.get("/trace", params={**where, "cast": "3", "working_volume_m3": 0}).status_code == 422
