"""``greenmet carbon report|batch|allowance`` option flags: every library option is one command away."""

from __future__ import annotations

import json
from pathlib import Path

import tomli_w
from tests.carbon.test_cbam import STEEL as CBAM_PLANT
from typer.testing import CliRunner

from greenmet.cli import app
from greenmet.cli._common import ERROR_EXIT_CODE

runner = CliRunner()


def _json(arguments: list[str]) -> dict:
    result = runner.invoke(app, [*arguments, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_report_takes_the_edition_flag():
    default = _json(["carbon", "report", "--example", "bf-bof"])
    ndrc = _json(["carbon", "report", "--example", "bf-bof", "--edition", "ndrc-2013"])
    assert ndrc["method_edition"] == "ndrc-2013"
    assert ndrc["options_source"]["edition"] == "flag"
    assert default["options_source"]["edition"] == "default"
    assert ndrc["totals_t_co2e"]["total"] != default["totals_t_co2e"]["total"]


def test_iai_style_ar4_figure_is_one_command():
    document = _json(["carbon", "report", "--example", "aluminium", "--gwp-metric", "AR4"])
    assert document["gwp_metric"] == "AR4GWP100"
    assert document["options"]["gwp_metric"] == "AR4GWP100"
    assert not any("AR5" in warning for warning in document["warnings"])


def test_cbam_markup_is_one_command(tmp_path):
    path = tmp_path / "cbam.toml"
    path.write_text(tomli_w.dumps(CBAM_PLANT), encoding="utf-8")
    # without the flag the reporting year's mark-up applies (2026 plant: +10 %, cbam.MARKUP_RULE)
    default = _json(["carbon", "report", str(path), "--method", "cbam"])
    assert default["options"]["markup_year"] == 2026
    assert default["options_source"]["markup_year"] == "default"
    marked = _json(["carbon", "report", str(path), "--method", "cbam", "--markup-year", "2027"])
    assert marked["options"]["markup_year"] == 2027
    assert marked["options_source"]["markup_year"] == "flag"
    assert marked["totals_t_co2e"]["total"] > default["totals_t_co2e"]["total"]
    base = _json(["carbon", "report", str(path), "--method", "cbam", "--option", "markup_year=base"])
    assert base["options"]["markup_year"] is None
    assert base["totals_t_co2e"]["total"] < default["totals_t_co2e"]["total"]


def test_generic_option_and_file_options_with_their_source(tmp_path):
    data = dict(CBAM_PLANT) | {"options": {"grid_basis": "fossil"}}
    data.pop("cbam")
    path = tmp_path / "plant.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    document = _json(["carbon", "report", str(path), "--option", "grid_factor_year=2022"])
    assert document["options"]["grid_basis"] == "fossil"
    assert document["options_source"]["grid_basis"] == "file"
    assert document["options_source"]["grid_factor_year"] == "flag"
    table = runner.invoke(app, ["carbon", "report", str(path), "--option", "grid_factor_year=2022"],
                          env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    assert "fossil (activity file)" in table.output
    assert "2022 (command-line flag)" in table.output


def test_a_flag_the_method_lacks_is_refused_with_the_fix():
    result = runner.invoke(app, ["carbon", "report", "--example", "bf-bof", "--pfc-method", "slope"])
    assert result.exit_code == ERROR_EXIT_CODE
    assert "does not apply to method cn-steel" in result.output
    result = runner.invoke(app, ["carbon", "report", "--example", "bf-bof", "--option", "colour=red"])
    assert result.exit_code == ERROR_EXIT_CODE
    assert "no such option" in result.output


def test_batch_and_allowance_take_the_same_flags(tmp_path: Path):
    for name in ("bf-bof", "scrap-eaf"):
        out = tmp_path / f"{name}.xlsx"
        assert runner.invoke(app, ["carbon", "template", str(out), "--example", name]).exit_code == 0
    flags = ["--option", "grid_basis=fossil", "--edition", "ndrc-2013"]
    rows = _json(["carbon", "batch", str(tmp_path), *flags])
    assert {row["method_edition"] for row in rows} == {"ndrc-2013"}
    assert all("grid_basis=fossil" in row["options"] for row in rows)
    allowance = _json(["carbon", "allowance", "--example", "bf-bof", "--edition", "ndrc-2013"])
    assert allowance["options_source"]["edition"] == "flag"
