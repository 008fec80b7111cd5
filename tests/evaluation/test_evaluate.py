"""Evaluation of one enterprise: verdicts, gaps, annual gaps, derived scrap share (greenmet.evaluation)."""

from __future__ import annotations

import pandas as pd
import pytest

from greenmet.carbon.process_energy import process_energy, scrap_share
from greenmet.errors import InputError, UnitError
from greenmet.evaluation import Enterprise, evaluate
from greenmet.io.activity_files.examples import read_example


def _enterprise(**changes):
    data = {
        "id": "e1",
        "name": "Example works",
        "sector": "steel",
        "reporting_year": 2026,
        "processes": [
            {
                "process": "blast_furnace",
                "production": 1_000_000,
                "energy": 400_000,
                "energy_unit": "tce",
                "conditions": {"iron_ore_grade_percent": 58},
            },
            {
                "process": "bof",
                "production": 1_100_000,
                "energy": -30_000,
                "energy_unit": "tce",
                "electricity": 25_000_000,
                "conditions": {"scrap_ratio_percent": 15},
            },
        ],
        "transport": [{"mode": "rail", "mass_t": 7_000_000}, {"mode": "road_other", "mass_t": 3_000_000}],
        "resources": [{"indicator": "fresh_water_per_tonne", "value": 3.0, "unit": "m3/t"}],
        "carbon": {"intensity": 1.9, "scrap_share": 0.15, "production_t": 1_100_000},
    }
    data.update(changes)
    return Enterprise(**data)


def test_blast_furnace_verdict_gap_and_annual_tce():
    result = evaluate(_enterprise())
    row = result.indicators.query("area == 'energy' and process == 'blast_furnace'").iloc[0]
    # 400 kgce/t against level 3 = 415 + 3.61 x 4 = 429.44: meets the limit, next level 2 = 384.44
    assert row["value"] == pytest.approx(400.0)
    assert row["verdict"] == "meets_limit" and row["level_3"] == pytest.approx(429.44)
    assert row["gap"] == pytest.approx(400 - 384.44)
    assert row["annual_gap"] == pytest.approx((400 - 384.44) * 1_000_000 / 1000)
    assert row["annual_gap_unit"] == "tce" and row["measures"] == "measures_blast_furnace"


def test_converter_uses_the_standards_electricity_factor():
    result = evaluate(_enterprise())
    row = result.indicators.query("area == 'energy' and process == 'bof'").iloc[0]
    # -30,000 tce + 25 GWh x 0.1229 kgce/kWh over 1.1 Mt
    assert row["value"] == pytest.approx((-30_000_000 + 25_000_000 * 0.1229) / 1_100_000)


def test_transport_resources_and_labels():
    table = evaluate(_enterprise()).indicators.set_index(["area", "standard"], drop=False)
    transport = table.loc[("transport", "ULE steel")]
    assert transport["verdict"] == "fails" and transport["value"] == pytest.approx(0.7)
    water = table.query("area == 'resources'")
    assert set(water["verdict"]) == {"worse_than_reference", "at_or_better_than_reference"}
    iea = table.loc[("carbon_label", "IEA")]
    # 1.9 t/t at s = 0.15: band D line 5 x (0.40 - 0.35 x 0.15) = 1.7375 < 1.9,
    # band E line 6 x 0.3475 = 2.085
    assert iea["verdict"] == "E" and iea["next_level"] == "D"


def test_provisional_when_unconfirmed_rows_are_used():
    assert evaluate(_enterprise()).provisional


def test_scrap_share_and_process_energy_from_the_activity_data():
    activity = read_example("bf-bof")
    share = scrap_share(activity)
    assert share.value == pytest.approx(1.0 / 5.4)
    energies = process_energy(activity).set_index("process")
    assert energies.loc["blast_furnace", "fuel_in_kgce"] > 0
    result = evaluate(
        _enterprise(
            processes=[{"process": "bof", "production": 5_000_000, "energy": -50_000, "energy_unit": "tce"}]
        ),
        activity=activity,
    )
    row = result.indicators.query("area == 'energy'").iloc[0]
    assert "scrap_ratio" in row["corrections"]
    assert row["level_3"] == pytest.approx(-12 + 0.23 * 100 / 5.4)


def test_bad_input_names_the_field():
    with pytest.raises(InputError, match="production is zero"):
        _enterprise(processes=[{"process": "bof", "production": 0, "energy": 1, "energy_unit": "tce"}])
    with pytest.raises(UnitError, match="electricity goes in 'electricity'"):
        _enterprise(processes=[{"process": "bof", "production": 1, "energy": 1, "energy_unit": "kWh"}])
    with pytest.raises(UnitError, match="does not convert to kgce"):
        _enterprise(processes=[{"process": "bof", "production": 1, "energy": 1, "energy_unit": "t"}])
    with pytest.raises(InputError, match=r"processes\[0\]"):
        evaluate(_enterprise(reporting_year=2012))
    with pytest.raises(InputError, match="CEMS hours given but no stacks"):
        evaluate(_enterprise(), cems=pd.DataFrame({"stack_id": ["x"]}))


def test_aluminium_smelter_in_kwh_per_tonne_and_the_asi_threshold():
    smelter = Enterprise(
        id="al",
        name="Smelter",
        sector="aluminium",
        reporting_year=2025,
        processes=[
            {
                "process": "aluminium_electrolysis",
                "variant": "liquid_ac_power",
                "production": 500_000,
                "electricity": 500_000 * 13_200,
                "electricity_unit": "kWh",
            }
        ],
        carbon={"intensity": 9.0, "production_t": 500_000},
    )
    table = evaluate(smelter).indicators
    energy = table.query("area == 'energy'").iloc[0]
    # GB 21346-2022 Table 1: 12,950 / 13,000 / 13,350 kWh/t; 13,200 meets level 3, 200 kWh/t above level 2
    assert (energy["verdict"], energy["unit"], energy["annual_gap_unit"]) == ("meets_limit", "kWh/t", "kWh")
    assert energy["annual_gap"] == pytest.approx(200 * 500_000)
    asi = table.query("standard == 'ASI' and edition == 'v2'").iloc[0]
    assert asi["verdict"] == "below_all_grades" and asi["gap"] == pytest.approx(1.0)
    with pytest.raises(InputError, match="judged in kWh/t"):
        evaluate(
            Enterprise(
                id="al",
                name="s",
                sector="aluminium",
                reporting_year=2025,
                processes=[
                    {
                        "process": "aluminium_electrolysis",
                        "variant": "liquid_ac_power",
                        "production": 1,
                        "energy": 1,
                        "energy_unit": "tce",
                    }
                ],
            )
        )


def test_a_2025_report_uses_the_2013_edition_and_ignores_its_unused_conditions():
    result = evaluate(_enterprise(reporting_year=2025))
    row = result.indicators.query("area == 'energy' and process == 'blast_furnace'").iloc[0]
    assert (row["edition"], row["level_3"], row["corrections"]) == ("2013", 435.0, "")
    assert row["needs_verification"]
