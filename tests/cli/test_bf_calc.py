import json
from importlib import resources

import pandas as pd
from typer.testing import CliRunner

from greenmet.cli import app

runner = CliRunner()
EXAMPLE = resources.files("greenmet.blast_furnace").joinpath("examples", "state_2500m3.toml")


def test_calc_json_english_and_chinese():
    with resources.as_file(EXAMPLE) as path:
        result = runner.invoke(app, ["bf", "calc", str(path), "--format", "json"])
        assert result.exit_code == 0, result.output
        payload = json.loads(result.output)
        rows = {row["quantity"]: row for row in payload["rows"]}
        assert rows["top_gas_utilisation"]["label"] == "Top gas CO utilisation"
        assert rows["raceway_adiabatic_flame_temperature_degC"]["formula"] == "raft_enthalpy_shomate_v1"
        zh = runner.invoke(app, ["bf", "calc", str(path), "--format", "json", "--language", "zh"])
        zh_rows = {row["quantity"]: row for row in json.loads(zh.output)["rows"]}
        assert zh_rows["basicity_r2"]["label"] == "二元碱度R2"


def test_calc_table_and_xlsx(tmp_path):
    with resources.as_file(EXAMPLE) as path:
        table = runner.invoke(app, ["bf", "calc", str(path), "--language", "zh"])
        assert table.exit_code == 0 and "理论燃烧温度" in table.output
        # units and flags in Chinese too (issue 12): no degC, dimensionless or provisional
        assert "℃" in table.output and "无量纲" in table.output and "暂定" in table.output
        for english in ("degC", "dimensionless", "provisional"):
            assert english not in table.output
        out = tmp_path / "sheet.xlsx"
        written = runner.invoke(app, ["bf", "calc", str(path), "--format", "xlsx", "--out", str(out)])
        assert written.exit_code == 0, written.output
        assert len(pd.read_excel(out, header=None)) > 40
        no_out = runner.invoke(app, ["bf", "calc", str(path), "--format", "xlsx"])
        assert no_out.exit_code == 2 and "--out" in no_out.output


def test_calc_bad_input_json_error(tmp_path):
    bad = tmp_path / "bad.toml"
    with resources.as_file(EXAMPLE) as path:
        bad.write_text(path.read_text("utf-8").replace("blast_temperature_degC = 1200",
                                                        "blast_temperature_degC = 1473"))
    result = runner.invoke(app, ["bf", "calc", str(bad), "--format", "json"])
    assert result.exit_code == 2
    error = json.loads(result.output)
    assert error["error"] == "suspect_unit" and error["field"] == "blast_temperature_degC"
    assert error["file"].endswith("bad.toml")


def _bad_state(tmp_path, old, new):
    bad = tmp_path / "bad.toml"
    with resources.as_file(EXAMPLE) as path:
        text = path.read_text("utf-8")
    assert old in text
    bad.write_text(text.replace(old, new))
    return bad


def test_calc_refuses_nan_and_absurd_values(tmp_path):
    for old, new, field in [
        ("blast_temperature_degC = 1200", "blast_temperature_degC = nan", "blast_temperature_degC"),
        ("blast_humidity_g_per_nm3 = 15", "blast_humidity_g_per_nm3 = nan", "blast_humidity_g_per_nm3"),
        ("production_t_per_day = 6000", "production_t_per_day = 1e300", "production_t_per_day"),
        ("coal_rate_kg_per_thm = 150", "coal_rate_kg_per_thm = inf", "coal_rate_kg_per_thm"),
    ]:
        result = runner.invoke(app, ["bf", "calc", str(_bad_state(tmp_path, old, new)), "--format", "json"])
        assert result.exit_code == 2, result.output
        error = json.loads(result.output)
        assert error["field"] == field and error["fix"], error
        table = runner.invoke(app, ["bf", "calc", str(_bad_state(tmp_path, old, new))])
        assert table.exit_code == 2 and field in table.output


def test_calc_refuses_suspect_units(tmp_path):
    result = runner.invoke(app, ["bf", "calc", str(_bad_state(tmp_path, "oxygen_purity = 0.995",
                                                              "oxygen_purity = 99.5")), "--format", "json"])
    assert result.exit_code == 2
    error = json.loads(result.output)
    assert error["error"] == "suspect_unit" and "0.995" in error["fix"]
