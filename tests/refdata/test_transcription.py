"""The reference tables hold the figures of the documents they cite, unchanged.

Each test compares shipped rows with the figures as the cited source states them. This is a
transcription check (a typo in a table row fails it), not validation of a method.
"""

from __future__ import annotations

import pytest

from greenmet.blast_furnace import operating_line
from greenmet.carbon.iso14404 import iso14404_factor_table
from greenmet.refdata import factor

# worldsteel CO2 data collection user guide v5.1, upstream-factor table, as quoted in the research
# note §1.2 ([S]; the team note is not public, the guide's JISF copy is the document to check
# against): item -> t CO2 per unit. Exact figures: the table must carry them unchanged.
V51_UPSTREAM = {
    "pellets": 0.137,
    "dri_gas_based": 0.780,
    "dri_coal_based": 1.210,
    "pig_iron": 1.855,
    "coke": 0.224,
    "lime": 0.950,
    "electricity": 0.504,
    "electrode": 0.650,
}


V51_GASES = {
    "coke_oven_gas": (0.836, 0.977),
    "blast_furnace_gas": (0.891, 0.170),
    "converter_gas": (1.512, 0.432),
}


def _table():
    return iso14404_factor_table().set_index(["item", "kind"])


def test_upstream_factors_are_the_v51_figures():
    table = _table()
    for item, value in V51_UPSTREAM.items():
        assert table.loc[(item, "upstream"), "value"] == value, item
        assert table.loc[(item, "upstream"), "needs_verification"], item  # [S]: provisional


def test_by_product_gas_factors_per_1000_nm3():
    table = _table()
    for gas, (direct, upstream) in V51_GASES.items():
        assert table.loc[(gas, "direct"), "value"] == direct
        assert table.loc[(gas, "upstream"), "value"] == upstream
        assert table.loc[(gas, "direct"), "unit"] == "tCO2/(1e3 Nm3)"


# USTB ironmaking course workbook, USTBifrt/Blast_Furnace_Calculation_Models
# Blast_Furnace_Mass_Energy_Balance-Cd_C_Diagram-Rist_Diagram.xlsx @ce08cb9e5146a38f8598cabcf2dbfd49d09f2be2,
# Sheet1: heats C263:C265 and the CO excess coefficient n(T), D229:I230.
USTB_HEATS = {"heat_carbon_to_co": 9800.0, "heat_co_to_co2": 12650.0, "heat_h2_to_h2o": 10800.0}
USTB_N_TABLE = {700: 2.50, 800: 2.88, 900: 3.17, 1000: 3.52, 1100: 3.82, 1200: 4.12}


def test_heats_are_the_ustb_workbook_figures():
    for name, value in USTB_HEATS.items():
        assert factor("blast_furnace_constants", name=name).value == value, name


def test_co_excess_table_is_the_ustb_workbook_row():
    for temperature, n in USTB_N_TABLE.items():
        assert operating_line.co_excess_coefficient(temperature) == pytest.approx(n, abs=1e-12), temperature
    # The W point at 900 degC is 1 + 1/n: 1 + 1/3.17 = 1.3155 (three decimals in the workbook's
    # chart, hence 5e-4); its ordinate is O/Fe of wustite, 1.05.
    x_w, y_w = operating_line.wustite_point(900)
    assert x_w == pytest.approx(1.315, abs=5e-4)
    assert y_w == 1.05
