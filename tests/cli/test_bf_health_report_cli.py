"""``greenmet bf health`` and ``greenmet bf report make|list|query`` on a simulated historian."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from greenmet.blast_furnace.simulator import preset
from greenmet.cli import app
from greenmet.cli.bf_health import choose_period
from greenmet.errors import InputError
from greenmet.simulation.history import write_history

runner = CliRunner()


@pytest.fixture(scope="module")
def historian(tmp_path_factory):
    root = tmp_path_factory.mktemp("historian")
    write_history(root, preset("2500m3"), "9h", seed=7, start="2026-01-01T23:00:00Z")
    return root


def test_health_json_names_grade_indicators_and_what_is_missing(historian):
    result = runner.invoke(
        app,
        [
            "bf",
            "health",
            str(historian),
            "--period",
            "shift",
            "--date",
            "2026-01-02",
            "--shift",
            "2",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["label"] == "2026-01-02 #2" and payload["grade"] in "ABCD"
    assert payload["period_start"].startswith("2026-01-02T00:00:00")
    missing = [r["indicator"] for r in payload["indicators"] if r["status"] == "not_evaluated"]
    assert missing == ["fuel_rate_kg_per_thm"]


def test_health_with_a_weights_file_and_a_bad_one(historian, tmp_path):
    weights = tmp_path / "weights.toml"
    weights.write_text("[groups]\nthermal_state = 0.0\nstability = 0.0\n", encoding="utf-8")
    arguments = [
        "bf",
        "health",
        str(historian),
        "--start",
        "2026-01-02T00:00Z",
        "--end",
        "2026-01-02T08:00Z",
        "--format",
        "json",
        "--no-trends",
    ]
    default = json.loads(runner.invoke(app, arguments).output)
    changed = json.loads(runner.invoke(app, [*arguments, "--weights", str(weights)]).output)
    assert changed["overall_score"] != default["overall_score"]
    weights.write_text("[groups]\nluck = 1.0\n", encoding="utf-8")
    result = runner.invoke(app, [*arguments, "--weights", str(weights)])
    assert result.exit_code == 2 and "unknown group" in result.output


def test_report_make_list_query(historian, tmp_path):
    records = tmp_path / "records.duckdb"
    out = tmp_path / "reports"
    result = runner.invoke(
        app,
        [
            "bf",
            "report",
            "make",
            str(historian),
            "--out",
            str(out),
            "--period",
            "shift",
            "--date",
            "2026-01-02",
            "--shift",
            "2",
            "--records",
            str(records),
            "--format",
            "xlsx",
            "--language",
            "zh",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("demo_BF2500_shift_2026-01-02_s2_zh.xlsx")
    listed = runner.invoke(app, ["bf", "report", "list", "--records", str(records), "--format", "json"])
    rows = json.loads(listed.output)
    assert len(rows) == 1 and rows[0]["language"] == "zh" and rows[0]["health_grade"] in "ABCD"
    queried = runner.invoke(
        app,
        [
            "bf",
            "report",
            "query",
            str(historian),
            "--start",
            "2026-01-01T23:00Z",
            "--end",
            "2026-01-02T08:00Z",
            "--period",
            "shift",
            "--format",
            "json",
        ],
    )
    figures = json.loads(queried.output)
    assert [f["shift_number"] for f in figures] == [2]
    assert figures[0]["hot_metal_mass_t"] == pytest.approx(rows[0]["hot_metal_mass_t"])


def test_report_refuses_a_month_and_a_schedule_without_records(historian, tmp_path):
    month = runner.invoke(
        app, ["bf", "report", "make", str(historian), "--out", str(tmp_path), "--period", "month"]
    )
    assert month.exit_code == 2 and "shift or a day" in month.output
    scheduled = runner.invoke(
        app, ["bf", "report", "make", str(historian), "--out", str(tmp_path), "--schedule"]
    )
    assert scheduled.exit_code == 2 and "--records" in scheduled.output


def test_period_choice_defaults_to_the_last_ended_period():
    now = pd.Timestamp("2026-01-02T09:30Z")  # 17:30 in Shanghai: shift 3 runs, shift 2 has ended
    shift = choose_period("shift", None, None, None, None, "Asia/Shanghai", None, now)
    assert (shift.plant_day.isoformat(), shift.shift_number) == ("2026-01-02", 2)
    day = choose_period("day", None, None, None, None, "Asia/Shanghai", None, now)
    assert day.plant_day.isoformat() == "2026-01-01"
    month = choose_period("month", "2026-02", None, None, None, "Asia/Shanghai", None, now)
    assert month.end - month.start == pd.Timedelta(days=28)
    with pytest.raises(InputError, match="needs its number"):
        choose_period("shift", "2026-01-02", None, None, None, "UTC", None, now)
