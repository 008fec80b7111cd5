"""``greenmet bf expert rules|check|diagnose``."""

from __future__ import annotations

import json

from tests.monitoring.trace_expert_fixtures import FURNACE, SITE, write_furnace
from typer.testing import CliRunner

from greenmet.cli import app

runner = CliRunner()


def test_rules_lists_and_searches_in_both_languages():
    listed = runner.invoke(app, ["bf", "expert", "rules", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.output)
    ids = {row["id"] for row in rows}
    assert {"hanging", "tuyere_leak", "403B011", "403B015"} <= ids
    assert all(row["source"] for row in rows)
    found = runner.invoke(app, ["bf", "expert", "rules", "--search", "悬料", "--language", "zh"])
    assert found.exit_code == 0
    assert "悬料" in found.output and "1 rules" in found.output
    thermal = runner.invoke(app, ["bf", "expert", "rules", "--search", "炉温", "--format", "json"])
    assert {"403B011", "403B012", "thermal.cooling"} <= {row["id"] for row in json.loads(thermal.output)}


def test_check_refuses_an_unknown_tag_with_the_rule_and_accepts_a_good_file(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text("""
name = "plant"
version = "1"
[[rule]]
id = "dp.high"
kind = "diagnosis"
conclusion = "dp_high"
title_en = "Pressure differential high"
title_zh = "压差高"
source = "plant standard"
needs_verification = false
when = [{ tag = "pressure_differential", feature = "latest", op = ">=", value = 200, unit = "kPa" }]
actions = [{ en = "Reduce the blast.", zh = "减风。" }]
""", encoding="utf-8")
    result = runner.invoke(app, ["bf", "expert", "check", str(good)])
    assert result.exit_code == 0 and "1 rules, valid" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text(encoding="utf-8").replace("pressure_differential", "pressure_diff"),
                   encoding="utf-8")
    result = runner.invoke(app, ["bf", "expert", "check", str(bad)])
    assert result.exit_code == 2
    assert "dp.high" in result.output and "pressure_diff" in result.output
    missing = runner.invoke(app, ["bf", "expert", "check", str(tmp_path / "absent.toml")])
    assert missing.exit_code == 2 and "cannot read the rule file" in missing.output


def test_diagnose_gives_the_diagnosis_its_chain_the_actions_and_the_thermal_model(tmp_path):
    write_furnace(tmp_path)
    where = [str(tmp_path), "--site", SITE, "--furnace", FURNACE]
    result = runner.invoke(app, ["bf", "expert", "diagnose", *where, "--format", "json",
                                 "--alert", "hanging"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert [d["rule"] for d in payload["diagnoses"]] == ["hanging"]
    assert [step["rule"] for step in payload["chain"]][:2] == ["permeability.deteriorating", "hanging"]
    assert payload["alert_rules"][0]["status"] == "fired"
    assert payload["actions"] and payload["provisional"]
    assert payload["thermal_state"]["level"] is not None and payload["thermal_state"]["reasoning"]
    # rules whose tags this furnace lacks are named, not silently false
    lacking = {item["rule"] for item in payload["not_evaluated"]}
    assert "tuyere_leak" in lacking
    text = runner.invoke(app, ["bf", "expert", "diagnose", *where, "--language", "zh"])
    assert text.exit_code == 0
    assert "悬料" in text.output and "推理过程" in text.output and "建议措施" in text.output


def test_diagnose_explains_a_stored_alert_at_the_time_it_was_raised(tmp_path):
    import pandas as pd
    from tests.monitoring.trace_expert_fixtures import START

    from greenmet.monitoring.alerts import AlertEvent
    from greenmet.storage.alerts import list_alerts, open_records, record_alert_events

    write_furnace(tmp_path)
    records = tmp_path / "records.duckdb"
    raised = START + pd.Timedelta(minutes=175)
    store = open_records(records)
    try:
        record_alert_events(store, SITE, FURNACE, [
            AlertEvent("hanging_rule", "hanging", "process", "critical", "raised", raised, raised)])
        alert_id = int(list_alerts(store, site=SITE, furnace=FURNACE)["id"].iloc[0])
    finally:
        store.close()
    where = [str(tmp_path), "--site", SITE, "--furnace", FURNACE, "--records", str(records)]
    result = runner.invoke(app, ["bf", "expert", "diagnose", *where, "--alert-id", str(alert_id),
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["alert"] == "hanging" and payload["at"] == "2026-01-01T02:56:00+00:00"
    assert payload["active_alerts"] == ["hanging"]
    hanging = payload["alert_rules"][0]
    assert hanging["status"] == "fired"
    assert {c["condition"]: c["satisfied"] for c in hanging["conditions"]}["alert hanging active"]
    unknown = runner.invoke(app, ["bf", "expert", "diagnose", *where, "--alert-id", "999"])
    assert unknown.exit_code == 2 and "no alert of that id" in unknown.output
