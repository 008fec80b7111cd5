"""``greenmet carbon …`` through typer's CliRunner: every verb, exit codes, the JSON error shape."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest
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


def test_report_of_the_example_prints_a_readable_table():
    # README's main job.
    result = runner.invoke(app, ["carbon", "report", "--example", "bf-bof"])
    assert result.exit_code == 0, result.output
    assert "Emissions by scope" in result.output
    assert "Intensity per tonne of crude_steel" in result.output


def test_report_json_is_the_result_dict():
    result = runner.invoke(app, ["carbon", "report", "--example", "scrap-eaf", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["method"] == "cn-steel"
    assert document["totals_t_co2e"]["total"] > 0
    assert document["intensity_t_co2e_per_t"]["crude_steel"] > 0


@pytest.mark.parametrize(("output_format", "magic"), [("xlsx", b"PK"), ("pdf", b"%PDF")])
def test_report_writes_xlsx_and_pdf(tmp_path, output_format, magic):
    out = tmp_path / f"report.{output_format}"
    result = runner.invoke(
        app,
        [
            "carbon",
            "report",
            "--example",
            "aluminium",
            "--format",
            output_format,
            "--out",
            str(out),
            "--language",
            "zh",
        ],
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(magic)
    if output_format == "xlsx":
        book = openpyxl.load_workbook(out)
        assert book.sheetnames[:2] == ["汇总", "排放明细"]


def test_report_with_another_method_and_chinese_table():
    result = runner.invoke(
        app, ["carbon", "report", "--example", "bf-bof", "--method", "iso14404", "-l", "zh"]
    )
    assert result.exit_code == 0, result.output
    assert "按范围汇总排放" in result.output
    assert "ISO 14404" in result.output


def test_report_of_a_file(tmp_path):
    path = _toml(tmp_path / "plant.toml", STEEL)
    result = runner.invoke(
        app, ["carbon", "report", str(path), "--format", "json", "--out", str(tmp_path / "r.json")]
    )
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert document["installation_id"] == "cli-1"


def test_allowance_shows_the_position():
    result = runner.invoke(
        app,
        ["carbon", "allowance", "--example", "bf-bof", "--year", "2024", "--price", "80", "--format", "json"],
    )
    assert result.exit_code == 0, result.output
    position = json.loads(result.stdout)["allowance"]
    assert position["year"] == 2024
    assert position["surplus_t_co2e"] == pytest.approx(0.0, abs=1e-6)  # 2024: allowance = verified
    table = runner.invoke(
        app, ["carbon", "allowance", "--example", "aluminium", "--year", "2024", "--price", "80"]
    )
    assert table.exit_code == 0, table.output
    assert "Allowance [t CO2e]" in table.output


def test_allowance_errors_are_clean():
    missing = runner.invoke(
        app,
        ["carbon", "allowance", "--example", "bf-bof", "--year", "2025", "--price", "80", "--format", "json"],
    )
    assert missing.exit_code == ERROR_EXIT_CODE
    assert json.loads(missing.stdout)["field"] == "previous_verified_t_co2e"
    wrong = runner.invoke(app, ["carbon", "allowance", "--example", "bf-bof", "--method", "cbam"])
    assert wrong.exit_code == ERROR_EXIT_CODE
    assert "use --method cn-steel or --method cn-aluminium" in wrong.output
    unknown_year = runner.invoke(app, ["carbon", "allowance", "--example", "bf-bof", "--year", "2019"])
    assert unknown_year.exit_code == ERROR_EXIT_CODE
    assert "no allocation rule for steel in 2019" in unknown_year.output


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_batch_writes_one_table(tmp_path, suffix):
    folder = tmp_path / "plants"
    folder.mkdir()
    for index in range(3):
        data = json.loads(json.dumps(STEEL))
        data["installation"]["id"] = f"cli-{index}"
        data["materials"][0]["quantity"] = 100.0 * (index + 1)
        _toml(folder / f"plant-{index}.toml", data)
    assert (
        runner.invoke(
            app, ["carbon", "template", str(folder / "smelter.xlsx"), "--example", "aluminium"]
        ).exit_code
        == 0
    )
    out = tmp_path / f"results{suffix}"
    result = runner.invoke(app, ["carbon", "batch", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    import pandas as pd

    if suffix == ".csv":
        table = pd.read_csv(out)
    elif suffix == ".parquet":
        table = pd.read_parquet(out)
    else:
        table = pd.read_excel(out, header=3)
    assert len(table) == 4
    if suffix != ".xlsx":
        assert list(table["method"]) == ["cn-steel"] * 3 + ["cn-aluminium"]
        assert (table.loc[:2, "total_t_co2e"].diff().dropna() > 0).all()


def test_batch_prints_a_table_or_json(tmp_path):
    _toml(tmp_path / "a.toml", STEEL)
    shown = runner.invoke(app, ["carbon", "batch", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    assert "cli-1" in shown.output
    as_json = runner.invoke(
        app, ["carbon", "batch", str(tmp_path), "--format", "json", "--method", "iso14404"]
    )
    assert as_json.exit_code == 0, as_json.output
    rows = json.loads(as_json.stdout)
    assert rows[0]["installation_id"] == "cli-1"
    assert rows[0]["method"] == "iso14404"


def test_batch_error_names_the_file(tmp_path):
    data = json.loads(json.dumps(STEEL))
    data["materials"][0]["material"] = "cokes"
    _toml(tmp_path / "bad.toml", data)
    result = runner.invoke(app, ["carbon", "batch", str(tmp_path), "--format", "json"])
    assert result.exit_code == ERROR_EXIT_CODE
    error = json.loads(result.stdout)
    assert error["error"] == "unknown_key"
    assert error["file"].endswith("bad.toml")
    assert error["field"] == "materials[0].material"


def test_batch_names_both_files_of_a_duplicate_id(tmp_path):
    _toml(tmp_path / "a.toml", STEEL)
    _toml(tmp_path / "b.toml", STEEL)
    result = runner.invoke(app, ["carbon", "batch", str(tmp_path)])
    assert result.exit_code == ERROR_EXIT_CODE
    assert "installation id used twice in one batch: a.toml and b.toml" in result.output
