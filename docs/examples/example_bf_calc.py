"""Blast-furnace calculation sheet of the shipped 2,500 m3 example, a RAFT check and a what-if.

Run: ``python docs/examples/example_bf_calc.py`` (pytest also runs it and its test functions).
"""

import tomllib
from importlib import resources

import pandas as pd

from greenmet.blast_furnace.flame_temperature import raceway_adiabatic_flame_temperature
from greenmet.blast_furnace.gas import top_gas_utilisation
from greenmet.blast_furnace.state import (
    calculation_sheet,
    calculation_sheet_frame,
    state_from_mapping,
    state_to_columns,
)
from greenmet.blast_furnace.what_if import OperatingPoint, what_if_table

# 1. One state from its file, the whole sheet.
example = resources.files("greenmet.blast_furnace").joinpath("examples", "state_2500m3.toml")
state = state_from_mapping(tomllib.loads(example.read_text("utf-8")))
sheet = calculation_sheet(state)
print(sheet.table[["quantity", "value", "unit", "flags"]].head(12).to_string(index=False))

# 2. The same functions on a Series of hourly gas analyses: the index is kept.
hours = pd.date_range("2026-01-01", periods=3, freq="h")
co = pd.Series([22.5, 23.0, 22.0], index=hours)
co2 = pd.Series([21.5, 21.0, 22.0], index=hours)
eta = top_gas_utilisation(co, co2)
print(eta)

# 3. RAFT with its formula id, and its response to +100 °C blast.
base = raceway_adiabatic_flame_temperature(1200.0, 1050.0, 3.0, 15.0, 160.0)
hotter = raceway_adiabatic_flame_temperature(1300.0, 1050.0, 3.0, 15.0, 160.0)
rise = hotter.temperature - base.temperature
print(f"RAFT {base.temperature:.0f} °C ({base.formula}); +100 °C blast: {rise:+.0f} °C")

# 4. What-if: coke-rate changes derived from the balances.
for row in what_if_table(OperatingPoint()):
    change = row["coke_rate_change_kg_per_thm"]
    unit = "kg/kg" if row["variable"] == "replacement_ratio" else "kg/tHM"
    print(f"{row['variable']:>18} {row['step']:+6.1f} {row['unit']:<7} -> {change:+6.2f} {unit}")

# 5. Many states at once (here: the example and a hotter blast).
columns = state_to_columns(state)
frame = pd.DataFrame([columns, {**columns, "blast_temperature_degC": 1250.0}])
many = calculation_sheet_frame(frame)
print(many[["raceway_adiabatic_flame_temperature_degC", "top_gas_utilisation", "flags"]])


def test_sheet_values():
    assert sheet.value("top_gas_utilisation") == eta.iloc[0]
    assert sheet.value("productivity_t_per_m3_day") == 2.4
    assert not any("balance_not_closed" in flag for flag in sheet.table["flags"])


def test_raft_and_what_if_directions():
    assert 50 < hotter.temperature - base.temperature < 100
    assert base.formula == "raft_enthalpy_shomate_v1"
    rows = {row["variable"]: row["coke_rate_change_kg_per_thm"] for row in what_if_table(OperatingPoint())}
    assert rows["blast_temperature"] < 0 < rows["blast_humidity"]


def test_frame_rows():
    assert list(eta.index) == list(hours)
    raft = many["raceway_adiabatic_flame_temperature_degC"]
    assert raft[1] > raft[0]
