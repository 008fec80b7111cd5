"""``greenmet outlook …`` through typer's CliRunner: every verb, outputs, the JSON error shape."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from greenmet.cli import app
from greenmet.cli._common import ERROR_EXIT_CODE

runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, ["outlook", *args])
    return result


def test_data_lists_filters_exports_and_plots(tmp_path):
    result = invoke("data", "--indicator", "crude_steel_production", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["meta"]["rows"] == 50
    assert all(row["source"] for row in payload["outlook_statistics"])
    chart = tmp_path / "fig2.svg"
    result = invoke(
        "data",
        "--table",
        "targets",
        "--format",
        "xlsx",
        "--output",
        str(tmp_path / "t.xlsx"),
        "--chart",
        str(chart),
    )
    assert result.exit_code == 0, result.output
    assert "<svg" in chart.read_text(encoding="utf-8")
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames == ["outlook_targets"]


def test_data_unknown_indicator_names_the_choices():
    result = invoke("data", "--indicator", "gold", "--format", "json")
    assert result.exit_code == ERROR_EXIT_CODE
    error = json.loads(result.output)
    assert error["field"] == "--indicator" and "crude_steel_production" in error["fix"]


@pytest.mark.parametrize("output_format", ["json", "csv", "xlsx", "iamc"])
def test_run_writes_every_format(tmp_path, output_format):
    suffix = {"iamc": "csv"}.get(output_format, output_format)
    target = tmp_path / f"run.{suffix}"
    result = invoke("run", "china_baseline", "--format", output_format, "--output", str(target))
    assert result.exit_code == 0, result.output
    if output_format == "json":
        payload = json.loads(target.read_text(encoding="utf-8"))
        assert payload["meta"]["co2_peak_year"] and payload["meta"]["provisional"] is True
        assert payload["outlook"][-1]["year"] == 2060
    elif output_format == "csv":
        frame = pd.read_csv(target, index_col="year")
        assert "total_co2_mt" in frame and frame.index[-1] == 2060
    elif output_format == "iamc":
        frame = pd.read_csv(target)
        assert list(frame.columns[:5]) == ["model", "scenario", "region", "variable", "unit"]
        assert "2060" in frame.columns and (frame["scenario"] == "china_baseline").all()
        assert "Emissions|CO2|Industry|Steel|Direct" in set(frame["variable"])
    else:
        assert set(openpyxl.load_workbook(target).sheetnames) == {"outlook", "pathway"}


def test_run_table_shows_summary_and_chart(tmp_path):
    chart = tmp_path / "run.html"
    result = invoke("run", "china_policy", "--chart", str(chart))
    assert result.exit_code == 0, result.output
    assert "co2_peak_year" in result.output and "pathway" in result.output
    assert "plotly" in chart.read_text(encoding="utf-8").lower()


def test_compare_and_potential(tmp_path):
    result = invoke("compare", "china_baseline", "deep_decarbonisation", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["meta"]["b"]["co2_residual_mt"] < payload["meta"]["a"]["co2_residual_mt"]
    chart = tmp_path / "wedges.png"
    result = invoke("potential", "china_baseline", "china_policy", "--format", "json", "--chart", str(chart))
    assert result.exit_code == 0, result.output
    assert chart.read_bytes()[:4] == b"\x89PNG"
    payload = json.loads(result.output.split("\n", 1)[1])  # first line: "wrote <chart>"
    row = payload["levers"][-1]
    levers = sum(v for k, v in row.items() if k.endswith("_mt_co2") and k != "total_difference_mt_co2")
    assert levers == pytest.approx(row["total_difference_mt_co2"], abs=1e-6)


def test_uncertainty_is_seeded(tmp_path):
    first = invoke(
        "uncertainty",
        "china_baseline",
        "--samples",
        "40",
        "--seed",
        "7",
        "--sobol-base",
        "8",
        "--format",
        "json",
    )
    second = invoke(
        "uncertainty",
        "china_baseline",
        "--samples",
        "40",
        "--seed",
        "7",
        "--sobol-base",
        "8",
        "--format",
        "json",
    )
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout) == json.loads(second.stdout)
    payload = json.loads(first.stdout)
    assert {row["input"] for row in payload["sobol_2060_co2"]} == {
        "steel.saturation_scale",
        "steel.lifetime_scale",
        "steel.old_scrap_recovery_scale",
        "grid_emission_factor_scale",
        "aluminium.saturation_scale",
    }
    band = payload["co2_bands_mt"][-1]
    assert band["p05"] <= band["p50"] <= band["p95"]


def test_bad_scenario_file_fails_with_the_file_key_and_fix(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\nparent = "china_baseline"\ncolour = 1\n', encoding="utf-8")
    result = invoke("run", str(path), "--format", "json")
    assert result.exit_code == ERROR_EXIT_CODE
    error = json.loads(result.output)
    assert error["field"] == "colour" and error["file"].endswith("bad.toml") and error["fix"]


def test_formats_that_need_a_file_say_so():
    result = invoke("run", "china_baseline", "--format", "xlsx")
    assert result.exit_code == ERROR_EXIT_CODE
    assert "--output" in result.output


def test_chinese_wedge_chart_and_stage_names(tmp_path):
    chart = tmp_path / "wedges.svg"
    result = invoke(
        "potential", "china_baseline", "deep_decarbonisation", "--language", "zh", "--chart", str(chart)
    )
    assert result.exit_code == 0, result.output
    assert "<svg" in chart.read_text(encoding="utf-8")
    result = invoke("run", "deep_decarbonisation", "--language", "zh")
    assert result.exit_code == 0, result.output
    assert "冶金行业实现深度脱碳" in result.output
