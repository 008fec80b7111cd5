"""The green-evaluation routes of the API: standards rows, an enterprise evaluated from JSON."""

from __future__ import annotations

import pandas as pd
from tests.service.conftest import log_in

ENTERPRISE = {
    "id": "api-1",
    "name": "API works",
    "sector": "steel",
    "reporting_year": 2026,
    "processes": [
        {
            "process": "blast_furnace",
            "production": 1_000_000,
            "energy": 430_000,
            "energy_unit": "tce",
            "conditions": {"iron_ore_grade_percent": 62},
        }
    ],
    "stacks": [{"stack_id": "S1", "source_kind": "other_main_source"}],
}


def test_standards_rows_carry_their_source(service):
    log_in(service, "viewer")
    body = service.get("/api/evaluation/standards", params={"process": "bof"}).json()
    assert body["ok"] and body["total"] >= 6 and all(item["source"] for item in body["items"])
    refused = service.get("/api/evaluation/standards", params={"table": "gwp"})
    assert refused.status_code == 422 and refused.json()["field"] == "table"


def test_evaluate_posted_enterprise_with_cems_rows(service):
    csrf = log_in(service, "engineer")
    hours = pd.date_range("2026-05-01", periods=31 * 24, freq="h", tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    cems = [
        {
            "stack_id": "S1",
            "hour": h,
            "pollutant": "sulphur_dioxide",
            "concentration_mg_per_nm3": 20.0,
            "oxygen_percent": 12.0,
            "status": "N",
        }
        for h in hours
    ]
    response = service.post(
        "/api/evaluation/evaluate",
        json={"enterprise": ENTERPRISE, "cems": cems},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    evaluation = response.json()["evaluation"]
    energy = next(row for row in evaluation["indicators"] if row["area"] == "energy")
    assert energy["verdict"] == "fails_limit"  # 430 kgce/t above level 3 = 415
    assert evaluation["emissions_monthly"][0]["verdict"] == "meets"
    bad = {**ENTERPRISE, "processes": [{**ENTERPRISE["processes"][0], "production": 0}]}
    response = service.post(
        "/api/evaluation/evaluate", json={"enterprise": bad}, headers={"X-CSRF-Token": csrf}
    )
    assert response.status_code == 422 and "production" in response.json()["field"]
