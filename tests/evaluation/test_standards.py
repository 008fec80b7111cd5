"""Energy limits: edition choice, corrections, verdicts (wiring of greenmet.evaluation.standards)."""

from __future__ import annotations

import numpy as np
import pytest

from greenmet.errors import InputError, UnknownKeyError
from greenmet.evaluation.standards import (
    choose_edition,
    energy_levels,
    gb_verdicts,
    policy_levels,
    policy_verdicts,
)
from greenmet.refdata import load_table


def test_edition_in_force_on_the_last_day_of_the_year():
    assert choose_edition("GB 21256", 2026) == "2025"
    assert choose_edition("GB 21256", 2025) == "2013"
    assert choose_edition("GB 21256", 2014) == "2013"


def test_a_year_no_edition_covers_is_an_error_naming_the_editions():
    with pytest.raises(
        InputError, match="no edition of GB 21256 covers the reporting year 2012.*2013: 2014-10-01"
    ):
        choose_edition("GB 21256", 2012)
    with pytest.raises(InputError, match="no edition"):
        energy_levels("aluminium_electrolysis", 2023, variant="liquid_ac_power")


def test_forced_edition_must_exist():
    with pytest.raises(InputError, match="has no edition '2007'"):
        choose_edition("GB 21256", 2026, "2007")


def test_unknown_process_and_variant_name_the_choices():
    with pytest.raises(UnknownKeyError, match="blast_furnace"):
        energy_levels("blast_furnaces", 2026)
    with pytest.raises(UnknownKeyError, match="70t_and_above"):
        energy_levels("eaf", 2026, variant="huge")


def test_blast_furnace_corrections_add_to_every_level():
    levels = energy_levels(
        "blast_furnace",
        2026,
        conditions={"iron_ore_grade_percent": 60, "vanadium_titanium_magnetite_percent": 10},
    )
    extra = 3.61 * 2 + 0.45 * 10
    assert levels.levels == pytest.approx({"1": 361 + extra, "2": 370 + extra, "3": 415 + extra})
    assert set(levels.corrections_applied) == {"iron_ore_grade", "vanadium_titanium_magnetite"}
    assert "rare_earth_ore" in levels.corrections_missing


def test_ore_grade_above_62_gives_no_deduction():
    levels = energy_levels("blast_furnace", 2026, conditions={"iron_ore_grade_percent": 66})
    assert levels.levels["3"] == 415


def test_eaf_stainless_multiplies_before_the_hot_metal_deduction():
    levels = energy_levels(
        "eaf",
        2026,
        variant="70t_and_above",
        conditions={"steel_grade": "stainless", "hot_metal_ratio_percent": 20},
    )
    assert levels.levels["3"] == pytest.approx(72 * 1.10 - 0.8 * 20)


def test_unknown_condition_and_category_are_errors():
    with pytest.raises(UnknownKeyError, match="has a correction for these conditions"):
        energy_levels("sintering", 2026, conditions={"iron_ore_grade_percent": 60})
    with pytest.raises(UnknownKeyError, match="steel_grade 'stainless' is not a category"):
        energy_levels("bof", 2026, conditions={"steel_grade": "stainless"})
    with pytest.raises(InputError, match="percentage outside 0-100"):
        energy_levels("bof", 2026, conditions={"scrap_ratio_percent": 120})


def test_wet_quenching_touches_level_3_only():
    levels = energy_levels("coking", 2026, variant="top_charging", conditions={"quenching": "wet"})
    assert levels.levels == {"1": 110, "2": 110, "3": pytest.approx(135 + 46.46)}
    assert levels.needs_verification


def test_verdicts_vectorised_with_a_missing_level_2():
    values = np.array([61, 70, 86, 86.01])
    assert list(gb_verdicts(values, 61, np.nan, 86)) == [
        "advanced",
        "meets_limit",
        "meets_limit",
        "fails_limit",
    ]
    assert list(gb_verdicts([-31, -29, -12, 0], -30, -28, -12)) == [
        "advanced",
        "new_plant_level",
        "meets_limit",
        "fails_limit",
    ]


def test_policy_layer_is_optional_before_2021():
    assert policy_levels("blast_furnace", 2019) is None
    levels = policy_levels("blast_furnace", 2024)
    assert levels is not None and levels.edition == "2023" and levels.needs_verification
    assert list(policy_verdicts([361, 400, 436], 361, 435)) == [
        "at_or_better_than_benchmark",
        "between_baseline_and_benchmark",
        "worse_than_baseline",
    ]


def test_correction_kinds_are_the_known_ones():
    kinds = set(load_table("energy_limit_corrections")["kind"])
    assert kinds <= {"share_above", "share_below", "flag", "multiplier", "interval"}
