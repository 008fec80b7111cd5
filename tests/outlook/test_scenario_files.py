"""Scenario files and presets: inheritance, and bad input named by file, key, value and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from greenmet.errors import FileFormatError, InputError, UnitError
from greenmet.outlook import PRESETS, load_outlook_scenario, merged_mapping


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_loads(preset):
    scenario = load_outlook_scenario(preset)
    assert scenario.name == preset
    assert scenario.steel.saturation_year > scenario.history_end_year


def test_child_overrides_parent_and_replaces_year_series_whole(tmp_path):
    path = write(
        tmp_path,
        "child.toml",
        """
name = "child"
parent = "china_baseline"
[steel.route_shares.bf_bof]
2030 = 0.6
[steel.route_shares.scrap_eaf]
2030 = 0.4
[steel.sectors.buildings]
saturation_stock_per_capita_t = "6500 kg"
""",
    )
    scenario = load_outlook_scenario(path)
    assert scenario.steel.route_shares["bf_bof"] == {2030: 0.6}  # the parent's 2020 point is gone
    assert scenario.steel.sectors["buildings"].saturation_stock_per_capita_t == pytest.approx(6.5)
    assert scenario.steel.sectors["buildings"].lifetime_mean_years == 40  # kept from the parent
    assert scenario.steel.sectors["machinery"].saturation_stock_per_capita_t == 1.3
    assert scenario.parent == "china_baseline"


def test_parent_by_relative_path_and_cycles(tmp_path):
    write(tmp_path, "base.toml", 'name = "base"\nparent = "china_policy"\n')
    child = write(tmp_path, "child.yaml", "name: child\nparent: base.toml\nend_year: 2055\n")
    mapping, _ = merged_mapping(child)
    assert mapping["end_year"] == 2055 and mapping["steel"]["energy_efficiency_gain_per_year"] == 0.01
    write(tmp_path, "a.toml", 'name = "a"\nparent = "b.toml"\n')
    write(tmp_path, "b.toml", 'name = "b"\nparent = "a.toml"\n')
    with pytest.raises(InputError, match="cycle"):
        load_outlook_scenario(tmp_path / "a.toml")


@pytest.mark.parametrize(
    ("body", "error", "match"),
    [
        ("colour = 'red'", InputError, r"bad\.toml: colour: Extra inputs.*\(got 'red'\).*remove the key"),
        (
            "[steel.route_shares.coke_oven]\n2030 = 0.0",
            InputError,
            r"bad\.toml: steel\.route_shares: route 'coke_oven' is not defined.*Fix: use the routes",
        ),
        (
            "[population_million]\n2070 = 1200",
            InputError,
            r"bad\.toml: population_million: has years outside the horizon.*2070.*Fix: move the point",
        ),
        (
            "[steel.route_shares.bf_bof]\n2030 = 0.7\n[steel.route_shares.scrap_eaf]\n2030 = 0.2",
            InputError,
            r"bad\.toml: steel\.route_shares: route shares must sum to 1"
            r".*in 2030 they sum to 0\.9.*Fix: make the shares",
        ),
        (
            "[steel.sectors.buildings]\nlifetime_mean_years = -5",
            InputError,
            r"bad\.toml: steel\.sectors\.buildings\.lifetime_mean_years: "
            r"Input should be greater than 0 \(got -5\)",
        ),
        (
            "[uncertainty.'steel.lifetime_scale']\nkind = 'uniform'\nlow = 1.2\nhigh = 0.8",
            InputError,
            r"uncertainty\.steel\.lifetime_scale: low must be below high",
        ),
        (
            "[uncertainty.'steel.lifetime_scale']\nkind = 'normal'\nmean = 1\nstandard_deviation = -1",
            InputError,
            r"standard_deviation must be > 0",
        ),
        (
            "[uncertainty.'steel.colour_scale']\nkind = 'normal'\nmean = 1\nstandard_deviation = 1",
            InputError,
            r"bad\.toml: uncertainty: uncertain input 'steel.colour_scale' is not known",
        ),
        (
            "[steel.sectors.buildings]\nsaturation_stock_per_capita_t = '13 parsecs'",
            UnitError,
            r"bad\.toml: steel\.sectors\.buildings\.saturation_stock_per_capita_t: "
            r"the quantity does not parse as a mass.*'13 parsecs'.*Fix",
        ),
    ],
)
def test_bad_scenarios_fail_at_load_naming_file_key_value_and_fix(tmp_path, body, error, match):
    path = write(tmp_path, "bad.toml", f'name = "bad"\nparent = "china_baseline"\n{body}\n')
    with pytest.raises(error, match=match):
        load_outlook_scenario(path)


def test_unreadable_and_unparsable_files(tmp_path):
    with pytest.raises(FileFormatError, match="TOML or YAML"):
        load_outlook_scenario(write(tmp_path, "s.txt", "x"))
    with pytest.raises(FileFormatError, match="not valid TOML"):
        load_outlook_scenario(write(tmp_path, "s.toml", "name = "))
    with pytest.raises(FileFormatError, match="cannot read"):
        load_outlook_scenario(tmp_path / "missing.toml")
    with pytest.raises(FileFormatError, match="preset names.*china_baseline"):
        load_outlook_scenario("china_basline")
