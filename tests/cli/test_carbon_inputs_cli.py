"""Absurd and impossible carbon inputs are refused through the CLI with the field and the fix."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from greenmet.cli import app
from greenmet.cli._common import ERROR_EXIT_CODE

runner = CliRunner()

STEEL = """\
[installation]
id = "cli-absurd"
name = "CLI plant"
sector = "steel"

[period]
start = 2024-01-01
end = 2024-12-31

[[materials]]
material = "coke"
direction = "in"
quantity = {coke}
unit = "t"
process = "blast_furnace"
role = "reductant"

[[energy]]
carrier = "electricity"
direction = "purchased"
quantity = 200.0
unit = "MWh"

[[production]]
product = "crude_steel"
quantity = 1000.0
unit = "t"
"""


def _report(tmp_path: Path, text: str) -> dict:
    path = tmp_path / "plant.toml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(app, ["carbon", "report", str(path), "--format", "json"])
    assert result.exit_code == ERROR_EXIT_CODE, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("coke", ["1e300", "nan", "inf"])
def test_absurd_quantity_is_refused_with_field_and_fix(tmp_path, coke):
    error = _report(tmp_path, STEEL.format(coke=coke))
    assert error["ok"] is False
    assert error["field"] == "materials[0].quantity"
    assert error["fix"]
    assert len(json.dumps(error)) < 2000  # no 300-digit numbers anywhere


def test_reporting_year_outside_the_period_is_refused(tmp_path):
    error = _report(tmp_path, "reporting_year = 2031\n" + STEEL.format(coke=400))
    assert error["field"] == "reporting_year"
    assert "outside the period 2024-01-01 to 2024-12-31" in error["message"]
    assert "give a year of the period (2024)" in error["fix"]


def test_aluminium_electricity_in_kwh_as_mwh_is_refused_through_the_cli(tmp_path):
    text = copy.copy(STEEL.format(coke=400)).replace('sector = "steel"', 'sector = "aluminium"')
    text = text.replace('quantity = 200.0\nunit = "MWh"', 'quantity = 13500000000.0\nunit = "kWh"')
    text = text.replace('product = "crude_steel"', 'product = "primary_aluminium"')
    error = _report(tmp_path, text)
    assert error["error"] == "suspect_unit"
    assert "13500 MWh/t" in error["message"] and "physically impossible" in error["message"]
    assert "theoretical minimum 6.3 MWh/t" in error["fix"] and "energy.gov" in error["fix"]
