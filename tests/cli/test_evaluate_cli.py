"""``greenmet evaluate …`` through typer's CliRunner: report in every format, batch, standards, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import tomli_w
from typer.testing import CliRunner

from greenmet.cli import app
from greenmet.cli._common import ERROR_EXIT_CODE

runner = CliRunner()
EXAMPLE = (
    Path(__file__).resolve().parents[2] / "src" / "greenmet" / "evaluation" / "examples" / "steel_works.toml"
)


def _enterprise(directory: Path, name: str, bf_energy_tce: float, *, cems: bool = True) -> Path:
    data = {
        "id": name,
        "name": f"Works {name}",
        "sector": "steel",
        "reporting_year": 2026,
        "processes": [
            {
                "process": "blast_furnace",
                "production": 1_000_000,
                "energy": bf_energy_tce,
                "energy_unit": "tce",
                "conditions": {"iron_ore_grade_percent": 60},
            }
        ],
        "stacks": [{"stack_id": "S1", "source_kind": "sinter_head"}],
        "transport": [{"mode": "rail", "mass_t": 9e6}, {"mode": "road_other", "mass_t": 1e6}],
    }
    if cems:
        hours = pd.date_range("2026-04-01", periods=30 * 24, freq="h", tz="UTC")
        frame = pd.concat(
            [
                pd.DataFrame(
                    {
                        "stack_id": "S1",
                        "hour": hours,
                        "pollutant": pollutant,
                        "concentration_mg_per_nm3": value,
                        "oxygen_percent": 16.5,
                        "status": "N",
                    }
                )
                for pollutant, value in (
                    ("particulate_matter", 5.0),
                    ("sulphur_dioxide", 20.0),
                    ("nitrogen_oxides", 40.0),
                )
            ]
        )
        frame.loc[frame.index[:3], "status"] = "C"
        frame.to_csv(directory / f"{name}_cems.csv", index=False)
        data["cems_file"] = f"{name}_cems.csv"
    path = directory / f"{name}.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def test_report_json_has_verdicts_emissions_and_green_factory(tmp_path):
    path = _enterprise(tmp_path, "a", 400_000)
    result = runner.invoke(app, ["evaluate", "report", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    areas = {row["area"] for row in document["indicators"]}
    assert {"energy", "emissions", "transport"} <= areas
    months = document["emissions_monthly"]
    assert len(months) == 3 and all(m["verdict"] == "meets" for m in months)
    assert document["green_factory"]["quantitative_score"] is not None


@pytest.mark.parametrize("language", ["en", "zh"])
def test_report_xlsx_pdf_and_radar(tmp_path, language):
    path = _enterprise(tmp_path, "b", 400_000)
    xlsx, pdf, html = tmp_path / "r.xlsx", tmp_path / "r.pdf", tmp_path / "r.html"
    for fmt, out in (("xlsx", xlsx), ("pdf", pdf)):
        result = runner.invoke(
            app,
            [
                "evaluate",
                "report",
                str(path),
                "-f",
                fmt,
                "-o",
                str(out),
                "-l",
                language,
                "--radar",
                str(html),
            ],
        )
        assert result.exit_code == 0, result.output
    sheets = openpyxl.load_workbook(xlsx).sheetnames
    assert ("指标" if language == "zh" else "indicators") in sheets
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "scatterpolar" in html.read_text(encoding="utf-8")


def test_report_table_of_the_shipped_example():
    result = runner.invoke(app, ["evaluate", "report", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    assert "blast_furnace" in result.output and "scrap ratio" in result.output


def test_batch_ranks_the_fleet(tmp_path):
    _enterprise(tmp_path, "good", 370_000, cems=False)
    _enterprise(tmp_path, "bad", 450_000, cems=False)
    result = runner.invoke(app, ["evaluate", "batch", str(tmp_path), "--format", "json"])
    assert result.exit_code == 0, result.output
    fleet = json.loads(result.output)
    assert [row["enterprise_id"] for row in fleet] == ["good", "bad"]
    assert fleet[1]["failing"] > fleet[0]["failing"]


def test_standards_lists_rows_with_sources():
    result = runner.invoke(app, ["evaluate", "standards", "--process", "blast_furnace", "--format", "json"])
    rows = json.loads(result.output)
    assert {r["standard"] for r in rows} == {"GB 21256", "NDRC benchmark"}
    assert all(r["source"] for r in rows)


def test_bad_inputs_exit_2_with_the_field(tmp_path):
    path = _enterprise(tmp_path, "c", 400_000)
    cems = pd.read_csv(tmp_path / "c_cems.csv")
    cems = pd.concat([cems, cems.iloc[[5]]])
    cems.to_csv(tmp_path / "c_cems.csv", index=False)
    result = runner.invoke(app, ["evaluate", "report", str(path), "--format", "json"])
    assert result.exit_code == ERROR_EXIT_CODE
    error = json.loads(result.output)
    assert "bad hour" in error["message"] and error["file"].endswith("c_cems.csv")
    data = {
        "id": "d",
        "name": "d",
        "sector": "steel",
        "reporting_year": 2026,
        "processes": [{"process": "converter", "production": 1, "energy": 1, "energy_unit": "tce"}],
    }
    (tmp_path / "d.toml").write_text(tomli_w.dumps(data), encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "report", str(tmp_path / "d.toml")])
    assert result.exit_code == ERROR_EXIT_CODE and "processes[0]" in result.output and "bof" in result.output
    result = runner.invoke(app, ["evaluate", "standards", "--table", "gwp"])
    assert result.exit_code == ERROR_EXIT_CODE


def test_radar_points_are_on_the_floor_target_scale(tmp_path):
    from greenmet.evaluation import evaluate
    from greenmet.io.evaluation_files import read_enterprise
    from greenmet.io.evaluation_report import radar_points

    files = read_enterprise(_enterprise(tmp_path, "e", 400_000, cems=False))
    points = radar_points(evaluate(files.enterprise)).set_index("axis")["position"]
    levels_3, levels_1 = 415 + 3.61 * 2, 361 + 3.61 * 2
    assert points["blast_furnace (GB 21256)"] == pytest.approx((levels_3 - 400) / (levels_3 - levels_1))
    assert np.all((points >= 0) & (points <= 1.2))
