"""The standards' own rules on boundary cases, reproduced by greenmet.evaluation.

Sources a reader can open:

- GB 21256-2025 《粗钢生产主要工序单位产品能源消耗限额》 Tables 3, 4 and 5, as transcribed with the
  PDF's page, clause, table and SHA-256 in adgo07/ECQuota-Insight
  data/definitions/gb-21256-2025.json @882a07e02e107340177d54ea6180ae45fd57bcda (blast furnace:
  level 3 = 415 + 3.61 × min(5, max(0, 62 − feed grade %)) + ore terms; converter, page 7, clause
  4.4, Table 4: level 3 = −12 + 0.23 × scrap ratio % + grade adder, "负值表示工序回收能源大于消耗
  能源"; EAF < 50 t, Table 5: levels 61 / — / 86, × 1.10 for all-stainless, − 0.8 × hot-metal
  ratio %; every indicator compared "lte", so a value equal to a level meets it).
- 环大气〔2019〕35号 (steel ultra-low emission, 28 Apr 2019): sinter machine head NOx 50 mg/m3 as an
  hourly mean, at least 95 % of the hours of each month; HJ 75-2017 for the O2 normalisation
  C = C' × (21 − O2_ref) / (21 − O2').
- IEA, Achieving Net Zero Heavy Industry Sectors in G7 Members (2022): near-zero steel 400 kg
  CO2e/t at 0 % scrap and 50 kg CO2e/t at 100 % scrap.
- ResponsibleSteel, Fundamentals for GHG Emissions Accounting and Classification v1.0 (2025): PL1
  at 20 % scrap is 2.80 − 2.30 × 0.20 = 2.34 t CO2e/t (the document's own worked example).

Tolerances: the standards print their levels to 0.01 kgce/t; the comparisons here are exact
(pytest.approx at 1e-9 only absorbs floating-point sums).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenmet.evaluation.cems import monthly_compliance, normalise_oxygen
from greenmet.evaluation.labels import grade_labels, label_thresholds
from greenmet.evaluation.standards import energy_levels, gb_verdicts


def _verdict(process, value, variant="all", **conditions):
    levels = energy_levels(process, 2026, variant=variant, conditions=conditions)
    return str(gb_verdicts(value, levels.levels["1"], levels.levels.get("2", np.nan), levels.levels["3"])[()])


def test_equality_meets_the_level_gb_21256_2025_table_3():
    # "lte": 415 kgce/t with a 62 % feed meets level 3; a hundredth more fails it.
    assert _verdict("blast_furnace", 415.0, iron_ore_grade_percent=62) == "meets_limit"
    assert _verdict("blast_furnace", 415.01, iron_ore_grade_percent=62) == "fails_limit"
    assert _verdict("blast_furnace", 361.0, iron_ore_grade_percent=62) == "advanced"


@pytest.mark.parametrize(
    ("grade", "correction"), [(62, 0.0), (65, 0.0), (60, 7.22), (57, 18.05), (50, 18.05)]
)
def test_ore_grade_correction_is_capped_at_five_points_table_3(grade, correction):
    levels = energy_levels("blast_furnace", 2026, conditions={"iron_ore_grade_percent": grade})
    assert levels.levels["3"] == pytest.approx(415 + correction, abs=1e-9)
    assert levels.levels["1"] == pytest.approx(361 + correction, abs=1e-9)


def test_negative_converter_energies_table_4():
    # Levels -30 / -28 / -12 kgce/t; negative = more energy recovered than used.
    assert _verdict("bof", -30.0, scrap_ratio_percent=0) == "advanced"
    assert _verdict("bof", -28.0, scrap_ratio_percent=0) == "new_plant_level"
    assert _verdict("bof", -12.0, scrap_ratio_percent=0) == "meets_limit"
    assert _verdict("bof", -11.9, scrap_ratio_percent=0) == "fails_limit"
    # 20 % scrap and deep-drawing steel: -12 + 0.23 x 20 + 1.5 = -5.9
    levels = energy_levels(
        "bof", 2026, conditions={"scrap_ratio_percent": 20, "steel_grade": "deep_drawing_pipeline"}
    )
    assert levels.levels["3"] == pytest.approx(-5.9, abs=1e-9)


def test_eaf_below_50_t_has_no_level_2_table_5():
    assert _verdict("eaf", 61.0, variant="below_50t") == "advanced"
    assert _verdict("eaf", 61.5, variant="below_50t") == "meets_limit"
    levels = energy_levels(
        "eaf",
        2026,
        variant="below_50t",
        conditions={"steel_grade": "stainless", "hot_metal_ratio_percent": 30},
    )
    assert levels.levels["3"] == pytest.approx(86 * 1.10 - 0.8 * 30, abs=1e-9)
    assert "2" not in levels.levels


def test_an_o2_normalised_hour_that_fails_the_ule_limit():
    # 45 mg/m3 NOx measured at 17 % O2 is 45 x (21 - 16)/(21 - 17) = 56.25 mg/m3 at 16 % O2:
    # above the 50 mg/m3 hourly limit although the measured value is below it.
    assert normalise_oxygen(45.0, 17.0, 16.0) == pytest.approx(56.25)
    hours = pd.date_range("2026-03-01", periods=31 * 24, freq="h", tz="UTC")
    cems = pd.DataFrame(
        {
            "stack_id": "sinter",
            "hour": hours,
            "pollutant": "nitrogen_oxides",
            "concentration_mg_per_nm3": 45.0,
            "oxygen_percent": 16.0,
            "status": "N",
        }
    )
    # 5 % of the hours at 17 % O2 still meets the 95 % rule; one more hour fails it.
    failing = int(0.05 * len(cems))
    stacks = pd.DataFrame(
        {
            "stack_id": ["sinter"],
            "source_kind": ["sinter_head"],
            "regulation": ["ULE steel"],
            "edition": ["2019"],
        }
    )
    cems.loc[: failing - 1, "oxygen_percent"] = 17.0
    month = monthly_compliance(cems, stacks).iloc[0]
    assert month["hours_compliant"] == len(cems) - failing and month["verdict"] == "meets"
    cems.loc[failing, "oxygen_percent"] = 17.0
    assert monthly_compliance(cems, stacks).iloc[0]["verdict"] == "fails"


def test_ends_of_the_scrap_sliding_scale():
    iea = label_thresholds("IEA", "2022", [0.0, 1.0])
    assert iea.loc["near_zero"].tolist() == pytest.approx([0.400, 0.050])
    assert label_thresholds("ResponsibleSteel", "2025", 0.20).loc["PL1", 0] == pytest.approx(2.34)
    # On the line is inside the grade ("at or below the threshold").
    assert grade_labels(0.050, 1.0, "IEA", "2022")["grade"].iloc[0] == "near_zero"
    assert grade_labels(0.051, 1.0, "IEA", "2022")["grade"].iloc[0] == "A"
