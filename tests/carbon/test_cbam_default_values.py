"""CBAM default values: lookup by CN code and country, row-level fallback, mark-up by year.

The expected figures are those of the one public transcription the table was built from
(Ddscully/dlt-dbt-duckdb-evidence dbt/seeds/cbam_default_values.csv @c68a320 of Commission
Implementing Regulation (EU) 2025/2621 Annex I); the rows are flagged needs_verification until
checked against the Official Journal text. So these tests check the lookup, the fallback and the
mark-up arithmetic, not the values themselves.
"""

from __future__ import annotations

import pytest

from greenmet.carbon.cbam import default_value


def test_china_hot_rolled_flat_default_and_2026_markup():
    # IR 2025/2621 Annex I, China, CN 7208: 3.187 t CO2e/t (transcription
    # Ddscully/dlt-dbt-duckdb-evidence @c68a320); +10 % in 2026 -> 3.5057. Tolerance: float rounding.
    value = default_value("7208", "CN", 2026)
    assert value["direct"] == 3.187
    assert value["total_with_markup"] == pytest.approx(3.5057, abs=1e-9)
    assert value["production_route"] == "C"


def test_china_cold_rolled_stainless_matches_a_press_figure():
    # SMM press figure as quoted in the team reference note (not public): China CN 7219 cold-rolled
    # stainless, base 5.59, 6.15 with the 2026 mark-up; 5.59 x 1.1 = 6.149 [C]. The annex gives 5.59 for
    # 7219 31 00 to 7219 90 (cold-rolled); the press figure is rounded to two decimals, hence abs 0.005
    # against 6.15.
    value = default_value("7219 32 10", "CN", 2026)
    assert value["direct"] == 5.59
    assert value["total_with_markup"] == pytest.approx(6.149, abs=1e-9)
    assert value["total_with_markup"] == pytest.approx(6.15, abs=0.005)


def test_china_unwrought_aluminium_and_agglomerated_ore():
    # IR 2025/2621 Annex I, China: 7601 3.0 (route K, direct only); 2601 12 0.20 direct + 0.06
    # indirect (the only iron/steel good with an indirect default). Exact table values.
    aluminium = default_value("7601", "CN")
    assert (aluminium["direct"], aluminium["indirect_reported"], aluminium["production_route"]) == (
        3.0,
        False,
        "K",
    )
    ore = default_value("2601 12 00", "CN", 2027)
    assert ore["total"] == pytest.approx(0.26)
    assert ore["total_with_markup"] == pytest.approx(0.26 * 1.2)


def test_row_level_fallback_for_an_empty_china_cell():
    # IR 2025/2621: where a listed country shows no value, the row of 'Other countries and
    # territories' is used, all columns from that row (int_cbam_default_factors.sql). China has no
    # DRI (7203) value; the fallback row gives 1.325.
    value = default_value("7203", "CN")
    assert (value["country_table"], value["direct"], value["indirect"]) == ("other", 1.325, 0.0)
