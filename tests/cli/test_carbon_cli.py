"""``greenmet carbon …`` through typer's CliRunner: every verb, exit codes, the JSON error shape."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import tomli_w
from typer.testing import CliRunner

from greenmet.cli import app
from greenmet.cli._common import ERROR_EXIT_CODE

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]

STEEL = {
    "installation": {"id": "cli-1", "name": "CLI plant", "sector": "steel"},
    "period": {"start": "2024-01-01", "end": "2024-12-31"},
    "materials": [
        {
            "material": "coke",
            "direction": "in",
            "quantity": 400.0,
            "unit": "t",
            "process": "blast_furnace",
            "role": "reductant",
        }
    ],
    "energy": [{"carrier": "electricity", "direction": "purchased", "quantity": 200.0, "unit": "MWh"}],
    "production": [{"product": "crude_steel", "quantity": 1000.0, "unit": "t"}],
}


def _toml(path: Path, data: dict) -> Path:
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def test_template_writes_chinese_headers(tmp_path):
    out = tmp_path / "模板.xlsx"
    result = runner.invoke(app, ["carbon", "template", str(out), "--language", "zh"])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out)
    assert "物料" in book.sheetnames
    assert book["物料"]["A1"].value.startswith("物料")


def test_template_refuses_a_non_excel_name(tmp_path):
    result = runner.invoke(app, ["carbon", "template", str(tmp_path / "plant.csv")])
    assert result.exit_code == ERROR_EXIT_CODE
    assert "give a file name ending in .xlsx" in result.output


def test_schema_is_the_json_schema_of_activity_data():
    result = runner.invoke(app, ["carbon", "schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.output)
    assert schema["title"] == "ActivityData"
    assert {"installation", "period"} <= set(schema["required"])


def test_bad_input_gives_the_json_error_shape(tmp_path):
    data = json.loads(json.dumps(STEEL))
    data["materials"][0]["quantity"] = -3
    path = _toml(tmp_path / "bad.toml", data)
    result = runner.invoke(app, ["carbon", "report", str(path), "--format", "json"])
    assert result.exit_code == ERROR_EXIT_CODE
    error = json.loads(result.stdout)
    assert error["ok"] is False
    assert error["error"] == "input_error"
    assert error["field"] == "materials[0].quantity"
    assert error["file"].endswith("bad.toml")
    assert error["fix"]


def test_bad_input_in_excel_names_sheet_and_row_as_text(tmp_path):
    template = tmp_path / "plant.xlsx"
    assert runner.invoke(app, ["carbon", "template", str(template)]).exit_code == 0
    book = openpyxl.load_workbook(template)
    installation = book["installation"]
    for row, value in {2: "x", 3: "X plant", 6: "steel", 7: "2024-01-01", 8: "2024-12-31"}.items():
        installation.cell(row, 3).value = value
    book["materials"].append(["coke", "sideways", 1, "t"])
    book["production"].append(["crude_steel", 10, "t"])
    book.save(template)
    result = runner.invoke(app, ["carbon", "report", str(template)])
    assert result.exit_code == ERROR_EXIT_CODE
    assert re.search(r"plant\.xlsx, sheet 'materials', row 2: direction: .*'in' or 'out'", result.output)


def test_report_needs_a_file_or_an_example(tmp_path):
    result = runner.invoke(app, ["carbon", "report", "--format", "json"])
    assert result.exit_code == ERROR_EXIT_CODE
    assert json.loads(result.stdout)["field"] == "FILE"
    missing = runner.invoke(app, ["carbon", "report", str(tmp_path / "absent.toml")])
    assert missing.exit_code == ERROR_EXIT_CODE
    assert "file not found" in missing.output


def test_unknown_option_value_is_a_usage_error():
    result = runner.invoke(app, ["carbon", "report", "--example", "blast-furnace"])
    assert result.exit_code == 2  # click's usage error
    assert "blast-furnace" in result.output


def test_batch_refuses_an_unknown_table_format(tmp_path):
    _toml(tmp_path / "a.toml", STEEL)
    result = runner.invoke(app, ["carbon", "batch", str(tmp_path), "--out", str(tmp_path / "out.txt")])
    assert result.exit_code == ERROR_EXIT_CODE
    assert ".csv, .parquet, .xlsx" in result.output


def test_every_verb_is_documented_in_the_user_guide():
    from greenmet.cli.carbon import app as carbon_app

    guide = (ROOT / "docs" / "user_guide" / "carbon.md").read_text(encoding="utf-8")
    verbs = [command.name for command in carbon_app.registered_commands]
    assert {"template", "schema", "report", "batch"} <= set(verbs)
    for verb in verbs:
        assert f"### `greenmet carbon {verb}`" in guide, verb
        assert f"greenmet carbon {verb}" in guide
