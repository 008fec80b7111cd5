"""Every figure of the source paper's digest (seed DIGEST.md) is in an outlook table or derived from one.

Transcription checks (not validation): each case names the paper's figure as the digest states it,
reads the table row (or derives it from rows) and compares within the paper's rounding. Where the
paper disagrees with its source, the table keeps the source's value and the paper's figure sits in
``paper_value``; the case checks both.
"""

from __future__ import annotations

import pandas as pd
import pytest

from greenmet.refdata import factor, load_table


def stat(indicator: str, year: int, definition: str, region: str = "china") -> float:
    return factor(
        "outlook_statistics", indicator=indicator, region=region, year=year, definition=definition
    ).value


def paper(indicator: str, year: int, definition: str, region: str = "china") -> float:
    table = load_table("outlook_statistics")
    row = table[
        (table.indicator == indicator)
        & (table.region == region)
        & (table.year == str(year))
        & (table.definition == definition)
    ]
    return float(row["paper_value"].iloc[0])


def target(name: str, year: int, source_id: str, column: str = "value") -> float:
    table = load_table("outlook_targets")
    row = table[(table.target == name) & (table.year == str(year)) & (table.source_id == source_id)]
    assert len(row) == 1, (name, year, source_id)
    return float(row[column].iloc[0])


# (figure as the digest states it, value from the tables, the digest's number, tolerance of its rounding)
STEEL = [
    (
        "China crude steel 2020 1.065e9 t",
        lambda: stat("crude_steel_production", 2020, "production"),
        1065,
        0.5,
    ),
    (
        "... 56.7 % of world",
        lambda: (
            stat("crude_steel_production", 2020, "production")
            / stat("crude_steel_production", 2020, "production", "world")
        ),
        0.567,
        0.0005,
    ),
    (
        "apparent consumption 9.95e8 t",
        lambda: stat("apparent_steel_consumption", 2020, "apparent_consumption"),
        995,
        0.5,
    ),
    ("exports 5.14e7 t", lambda: stat("steel_exports", 2020, "exports"), 51.4, 0.05),
    ("imports 3.79e7 t", lambda: stat("steel_imports", 2020, "imports"), 37.9, 0.05),
    (
        "steel export ratio 2019 6.6 %",
        lambda: stat("steel_export_ratio", 2019, "share_of_production"),
        0.066,
        5e-4,
    ),
    (
        "iron ore import share of consumption 82.35 % (2020)",
        lambda: stat("iron_ore_import_dependence", 2020, "import_share_of_consumption"),
        0.8235,
        5e-5,
    ),
    (
        "external dependence 85 %",
        lambda: stat("iron_ore_import_dependence", 2020, "external_dependence_paper"),
        0.85,
        5e-3,
    ),
    (
        "~80 % of imports from Australia and Brazil",
        lambda: stat("iron_ore_imports_from_australia_and_brazil", 2020, "share_of_imports"),
        0.80,
        5e-3,
    ),
    ("98 % lean ore", lambda: stat("domestic_iron_ore_lean_share", 2020, "share_of_reserves"), 0.98, 5e-3),
    ("~35 % Fe", lambda: stat("iron_ore_average_grade", 2020, "fe_content"), 0.35, 5e-3),
    (
        "~64 % Fe elsewhere",
        lambda: stat("iron_ore_average_grade", 2020, "fe_content_major_exporters", "world"),
        0.64,
        5e-3,
    ),
    (
        "Simandou > 2.25e9 t inferred",
        lambda: stat("simandou_iron_ore_resource", 2020, "inferred_minimum", "guinea"),
        2250,
        5,
    ),
    (
        "Simandou up to 5e9 t",
        lambda: stat("simandou_iron_ore_resource", 2020, "upper_estimate", "guinea"),
        5000,
        50,
    ),
    (
        "Simandou 66 % Fe",
        lambda: stat("simandou_iron_ore_grade", 2020, "fe_content_low", "guinea"),
        0.66,
        5e-3,
    ),
    (
        "Simandou 67 % Fe",
        lambda: stat("simandou_iron_ore_grade", 2020, "fe_content_high", "guinea"),
        0.67,
        5e-3,
    ),
    (
        "scrap 2.6e8 t used in 2020 (utilisation)",
        lambda: stat("steel_scrap_use", 2020, "total_utilisation"),
        260,
        5,
    ),
    (
        "avoiding ~4.16e8 t CO2 = 2.6e8 t x 1.6 t/t",
        lambda: (
            stat("steel_scrap_use", 2020, "total_utilisation")
            * stat("scrap_co2_avoidance_factor", 2020, "china_rule_of_thumb")
        ),
        416,
        0.5,
    ),
    (
        "~4.1e8 t of 62 % Fe concentrate",
        lambda: stat("scrap_ore_equivalent", 2020, "concentrate_62_percent_fe"),
        410,
        5,
    ),
    (
        "target 3.2e8 t scrap by 2025",
        lambda: target("steel_scrap_use", 2025, "ndrc_circular_economy_2021"),
        320,
        5,
    ),
    ("scrap ratio 30 %", lambda: target("scrap_ratio", 2025, "miit_guideline"), 0.30, 5e-3),
    (
        "EAF steel 20 % (the guideline's aim; its floor is 15 %)",
        lambda: target("eaf_share", 2025, "miit_guideline", "high"),
        0.20,
        5e-3,
    ),
    (
        "0.551 tce per tonne of steel (2020)",
        lambda: stat("steel_energy_intensity", 2020, "paper_headline") / 1000,
        0.551,
        5e-4,
    ),
    (
        "-3.7 % vs 2015",
        lambda: (
            stat("steel_energy_intensity", 2020, "paper_headline")
            / stat("steel_energy_intensity", 2015, "paper_13th_plan_start")
            - 1
        ),
        -0.037,
        5e-4,
    ),
    (
        "0.572 tce/t at the start of the 13th plan",
        lambda: stat("steel_energy_intensity", 2015, "paper_13th_plan_start") / 1000,
        0.572,
        5e-4,
    ),
    (
        "0.554 tce/t at the end of the 13th plan",
        lambda: stat("steel_energy_intensity", 2020, "paper_13th_plan_end") / 1000,
        0.554,
        5e-4,
    ),
    (
        "steel > 13 % of national energy",
        lambda: stat("steel_share_of_national_energy", 2020, "paper_lower_bound"),
        0.13,
        5e-3,
    ),
    (
        "fresh water per tonne -4.34 %",
        lambda: stat("fresh_water_per_tonne_change", 2020, "steel_vs_2019"),
        -0.0434,
        5e-5,
    ),
    ("COD -10.11 %", lambda: stat("cod_emissions_change", 2020, "steel_vs_2019"), -0.1011, 5e-5),
    ("SO2 -14.38 %", lambda: stat("so2_emissions_change", 2020, "steel_vs_2019"), -0.1438, 5e-5),
    (
        "13th plan SO2 -48 % per tonne",
        lambda: stat("so2_per_tonne_change", 2020, "steel_13th_plan"),
        -0.48,
        5e-3,
    ),
    (
        "13th plan NOx -18 % per tonne",
        lambda: stat("nox_per_tonne_change", 2020, "steel_13th_plan"),
        -0.18,
        5e-3,
    ),
    (
        "13th plan particulates -39 % per tonne",
        lambda: stat("particulates_per_tonne_change", 2020, "steel_13th_plan"),
        -0.39,
        5e-3,
    ),
    ("capacity cut 1.5e8 t", lambda: stat("steel_capacity_cut", 2020, "13th_plan"), 150, 5),
    ("plus 1.4e8 t of ditiaogang", lambda: stat("steel_capacity_cut", 2020, "ditiaogang_13th_plan"), 140, 5),
]

NONFERROUS = [
    (
        "10 non-ferrous metals 2020: source 61.68 Mt kept",
        lambda: stat("ten_nonferrous_metals_production", 2020, "production"),
        61.68,
        0.005,
    ),
    (
        "... the paper's 6.188e7 t noted",
        lambda: paper("ten_nonferrous_metals_production", 2020, "production"),
        61.88,
        0.005,
    ),
    ("refined copper 1.003e7 t", lambda: stat("refined_copper_production", 2020, "production"), 10.03, 0.005),
    (
        "refined copper +7.4 %",
        lambda: stat("refined_copper_production_growth", 2020, "vs_previous_year"),
        0.074,
        5e-4,
    ),
    (
        "copper products 2.046e7 t",
        lambda: stat("copper_products_production", 2020, "production"),
        20.46,
        0.005,
    ),
    ("alumina 7.313e7 t", lambda: stat("alumina_production", 2020, "production"), 73.13, 0.005),
    (
        "electrolytic aluminium 3.708e7 t",
        lambda: stat("primary_aluminium_production", 2020, "production"),
        37.08,
        0.005,
    ),
    (
        "electrolytic aluminium +4.9 %",
        lambda: stat("primary_aluminium_production_growth", 2020, "vs_previous_year"),
        0.049,
        5e-4,
    ),
    (
        "aluminium products 5.779e7 t",
        lambda: stat("aluminium_products_production", 2020, "production"),
        57.79,
        0.005,
    ),
    (
        "aluminium capacity cap 4.5e7 t",
        lambda: target("aluminium_capacity_cap", 2018, "capacity_cap"),
        45,
        0.05,
    ),
    (
        "recycled non-ferrous 1.45e7 t",
        lambda: stat("recycled_nonferrous_production", 2020, "cu_al_pb_zn"),
        14.5,
        0.05,
    ),
    (
        "... 23.5 %",
        lambda: (
            stat("recycled_nonferrous_production", 2020, "cu_al_pb_zn")
            / stat("ten_nonferrous_metals_production", 2020, "production")
        ),
        0.235,
        5e-4,
    ),
    ("recycled copper 3.25e6 t", lambda: stat("recycled_copper_production", 2020, "production"), 3.25, 0.005),
    (
        "... 32.4 % of refined copper",
        lambda: (
            stat("recycled_copper_production", 2020, "production")
            / stat("refined_copper_production", 2020, "production")
        ),
        0.324,
        5e-4,
    ),
    (
        "recycled aluminium 7.4e6 t",
        lambda: stat("recycled_aluminium_production", 2020, "production"),
        7.4,
        0.05,
    ),
    (
        "... 20 % of electrolytic aluminium",
        lambda: (
            stat("recycled_aluminium_production", 2020, "production")
            / stat("primary_aluminium_production", 2020, "production")
        ),
        0.20,
        5e-3,
    ),
    (
        "recycled lead 2.4e6 t (the paper prints 2.4e7)",
        lambda: stat("recycled_lead_production", 2020, "production"),
        2.4,
        0.05,
    ),
    (
        "... the paper's printed 2.4e7 t noted",
        lambda: paper("recycled_lead_production", 2020, "production"),
        24.0,
        0.05,
    ),
    (
        "recycled lead 37.25 %",
        lambda: stat("recycled_lead_share", 2020, "share_of_refined_lead"),
        0.3725,
        5e-5,
    ),
    (
        "target 2025 recycled non-ferrous 2e7 t",
        lambda: target("recycled_nonferrous_production", 2025, "ndrc_circular_economy_2021"),
        20,
        0.5,
    ),
    (
        "... of which Cu 4e6 t",
        lambda: target("recycled_copper_production", 2025, "ndrc_circular_economy_2021"),
        4.0,
        0.05,
    ),
    (
        "... Al 1.15e7 t",
        lambda: target("recycled_aluminium_production", 2025, "ndrc_circular_economy_2021"),
        11.5,
        0.05,
    ),
    (
        "... Pb 2.9e6 t",
        lambda: target("recycled_lead_production", 2025, "ndrc_circular_economy_2021"),
        2.9,
        0.05,
    ),
    (
        "recycling rate of non-ferrous resources in China ~30 %",
        lambda: stat("nonferrous_recycling_rate", 2020, "paper_estimate"),
        0.30,
        5e-3,
    ),
    (
        "> 70 % in developed countries",
        lambda: stat("nonferrous_recycling_rate", 2020, "paper_estimate_lower_bound", "developed_countries"),
        0.70,
        5e-3,
    ),
    (
        "recycled share target +15 %",
        lambda: target("nonferrous_recycled_share_increase", 2025, "paper", "low"),
        0.15,
        5e-3,
    ),
    ("... to +50 %", lambda: target("nonferrous_recycled_share_increase", 2025, "paper", "high"), 0.50, 5e-3),
    (
        "apparent consumption of 10 non-ferrous metals 2025: 8.162e7 t",
        lambda: stat("ten_nonferrous_metals_apparent_consumption", 2025, "paper_forecast"),
        81.62,
        0.005,
    ),
    ("non-ferrous CO2 6.6e8 t", lambda: stat("nonferrous_co2_emissions", 2020, "paper"), 660, 5),
    ("... 4.7 % of national", lambda: stat("nonferrous_share_of_national_co2", 2020, "paper"), 0.047, 5e-4),
    ("aluminium CO2 5.5e8 t", lambda: stat("aluminium_co2_emissions", 2020, "paper"), 550, 5),
    (
        "electrolysis ~64.6 % of the sector",
        lambda: stat("aluminium_electrolysis_share_of_nonferrous_co2", 2020, "paper"),
        0.646,
        5e-4,
    ),
    (
        "Cu, Pb, Zn smelting ~9 %",
        lambda: stat("cu_pb_zn_smelting_share_of_nonferrous_co2", 2020, "paper"),
        0.09,
        5e-3,
    ),
    (
        "Cu and Al rolling ~10 %",
        lambda: stat("cu_al_rolling_share_of_nonferrous_co2", 2020, "paper"),
        0.10,
        5e-3,
    ),
    (
        "copper smelting 0.212 tce/t",
        lambda: stat("copper_smelting_energy_intensity", 2020, "average") / 1000,
        0.212,
        5e-4,
    ),
    (
        "... best < 0.15 tce/t",
        lambda: stat("copper_smelting_energy_intensity", 2020, "best_upper_bound") / 1000,
        0.15,
        5e-3,
    ),
    (
        "lead 0.467 tce/t (2012)",
        lambda: stat("lead_smelting_energy_intensity", 2012, "average") / 1000,
        0.467,
        5e-4,
    ),
    (
        "... 0.345 tce/t (2020)",
        lambda: stat("lead_smelting_energy_intensity", 2020, "average") / 1000,
        0.345,
        5e-4,
    ),
    (
        "aluminium comprehensive energy -1 % in 2020",
        lambda: stat("aluminium_comprehensive_energy_change", 2020, "vs_previous_year"),
        -0.01,
        5e-4,
    ),
    (
        "electrolytic Al ultra-low particulates < 10 mg/m3",
        lambda: stat("electrolytic_aluminium_ultra_low_particulates", 2020, "key_regions_limit"),
        10,
        0.5,
    ),
    (
        "... SO2 35 mg/m3",
        lambda: stat("electrolytic_aluminium_ultra_low_so2", 2020, "key_regions_limit"),
        35,
        0.5,
    ),
    (
        "... fluoride < 1 mg/m3",
        lambda: stat("electrolytic_aluminium_ultra_low_fluoride", 2020, "key_regions_limit"),
        1,
        0.05,
    ),
    (
        "copper smelting sulphur capture 99 %",
        lambda: stat("copper_smelting_sulphur_capture", 2020, "paper"),
        0.99,
        5e-3,
    ),
    (
        "red-mud utilisation > 25 %",
        lambda: stat("red_mud_utilisation", 2020, "paper_lower_bound"),
        0.25,
        5e-3,
    ),
    (
        "inert anodes: current efficiency 97 %",
        lambda: stat("inert_anode_current_efficiency", 2020, "paper", "world"),
        0.97,
        5e-3,
    ),
    ("tailings stock 2.07e10 t", lambda: stat("tailings_stock", 2020, "all_metals"), 20700, 50),
    ("... Cu 3.5e9 t", lambda: stat("tailings_stock", 2020, "copper"), 3500, 50),
    ("... W 4.5e8 t", lambda: stat("tailings_stock", 2020, "tungsten"), 450, 5),
    ("tailings utilised 3.35e8 t", lambda: stat("tailings_utilisation", 2020, "mass"), 335, 0.5),
    ("... 28 %", lambda: stat("tailings_utilisation_rate", 2020, "paper"), 0.28, 5e-3),
    (
        "nickel ore external dependence 90 %",
        lambda: stat("nickel_ore_import_dependence", 2020, "external_dependence"),
        0.90,
        5e-3,
    ),
    (
        "rare-earth consumption 57 % of world",
        lambda: stat("rare_earth_consumption_share_of_world", 2020, "paper"),
        0.57,
        5e-3,
    ),
    (
        "clean energy target: 45 % renewable share by 2050",
        lambda: target("renewable_energy_share", 2050, "paper"),
        0.45,
        5e-3,
    ),
]


@pytest.mark.parametrize(
    ("figure", "value", "expected", "tolerance"), STEEL + NONFERROUS, ids=[c[0] for c in STEEL + NONFERROUS]
)
def test_every_digest_figure_is_in_a_table_or_derived_from_one(figure, value, expected, tolerance):
    assert value() == pytest.approx(expected, abs=tolerance), figure


def test_rows_that_only_the_paper_states_are_provisional():
    table = load_table("outlook_statistics")
    paper_only = table["source"].str.startswith("source paper")
    assert paper_only.sum() > 30
    assert table.loc[paper_only, "needs_verification"].all()


def test_scrap_definitions_are_kept_apart():
    # steelmaking consumption (BIR, CMI) and total utilisation (NDRC) of the same year differ
    consumption = stat("steel_scrap_use", 2020, "steelmaking_consumption")
    utilisation = stat("steel_scrap_use", 2020, "total_utilisation")
    assert consumption == pytest.approx(220.3) and utilisation == pytest.approx(260)


def test_crude_steel_series_cover_2000_to_2024_for_china_and_the_world():
    table = load_table("outlook_statistics")
    rows = table[table.indicator == "crude_steel_production"]
    for region in ("china", "world"):
        years = sorted(int(y) for y in rows[rows.region == region]["year"])
        assert years == list(range(2000, 2025)), region


def test_targets_carry_a_range_where_the_policy_gives_one():
    table = load_table("outlook_targets")
    assert ((table["low"] <= table["value"]) & (table["value"] <= table["high"])).all()
    eaf = table[(table.target == "eaf_share") & (table.year == "2025")].iloc[0]
    assert (eaf["low"], eaf["high"]) == (0.15, 0.20)
    scrap = table[(table.target == "steel_scrap_use") & (table.source_id == "range")].iloc[0]
    assert (scrap["low"], scrap["high"]) == (300, 320)


def test_grid_factor_trajectories_extend_the_grid_factors_table():
    table = load_table("grid_factors")
    for basis in ("projection_mpp_bau", "projection_mpp_decarbonised"):
        rows = table[table.basis == basis]
        assert sorted(int(y) for y in rows.year)[0] == 2020 and sorted(int(y) for y in rows.year)[-1] == 2050
        assert pd.Series(rows.sort_values("year")["value"].to_numpy()).is_monotonic_decreasing
