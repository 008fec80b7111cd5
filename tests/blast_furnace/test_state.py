import copy
import tomllib
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenmet.blast_furnace.state import (
    BALANCE_TOLERANCE,
    SHEET_COLUMNS,
    calculation_sheet,
    calculation_sheet_frame,
    state_from_mapping,
    state_to_columns,
)
from greenmet.errors import CompositionError, InputError, SuspectUnitError, UnknownKeyError


def example() -> dict:
    path = resources.files("greenmet.blast_furnace").joinpath("examples", "state_2500m3.toml")
    text = path.read_text("utf-8")
    return tomllib.loads(text)


def test_example_sheet_is_complete_and_balanced():
    sheet = calculation_sheet(state_from_mapping(example()))
    assert list(sheet.table.columns) == SHEET_COLUMNS
    assert sheet.value("top_gas_utilisation") == pytest.approx(21.5 / 44.0)
    assert 2000 < sheet.value("raceway_adiabatic_flame_temperature_degC") < 2300
    assert 1.1 < sheet.value("basicity_r2") < 1.4
    assert not sheet.flagged()["flags"].str.contains("balance_not_closed").any()
    assert sheet.table["label_zh"].str.len().min() > 0
    assert (sheet.table["label_en"] != sheet.table["quantity"]).all()  # every quantity has a label
    with pytest.raises(UnknownKeyError, match="quantity"):
        sheet.value("no_such_quantity")


def test_frame_equals_single_sheets():
    data = example()
    other = copy.deepcopy(data)
    other["blast_temperature_degC"] = 1150
    other["top_gas_analysis"]["CO"], other["top_gas_analysis"]["CO2"] = 23.5, 20.5
    states = [state_from_mapping(data), state_from_mapping(other)]
    frame = pd.DataFrame([state_to_columns(s) for s in states], index=pd.Index(["d1", "d2"], name="day"))
    result = calculation_sheet_frame(frame)
    assert list(result.index) == ["d1", "d2"]
    for key, state in zip(["d1", "d2"], states, strict=True):
        sheet = calculation_sheet(state)
        for row in sheet.table.itertuples():
            assert result.loc[key, row.quantity] == pytest.approx(row.value, rel=1e-12, nan_ok=True)


def test_frame_missing_column_named():
    frame = pd.DataFrame([state_to_columns(state_from_mapping(example()))])
    frame = frame.drop(columns=["working_volume_m3"])
    with pytest.raises(InputError, match="working_volume_m3: required quantity missing"):
        calculation_sheet_frame(frame)


def test_frame_flags_unclosed_balance_and_nan():
    columns = state_to_columns(state_from_mapping(example()))
    frame = pd.DataFrame([columns, {**columns, "burden.sinter.Fe2O3_percent": 50.0},
                          {**columns, "coke_rate_kg_per_thm": np.nan}])
    result = calculation_sheet_frame(frame)
    assert result.loc[0, "flags"] == ""
    assert "balance_not_closed:Fe" in result.loc[1, "flags"]
    assert np.isnan(result.loc[2, "fuel_rate_kg_per_thm"])


def test_missing_quantity_named():
    data = example()
    del data["blast_temperature_degC"]
    with pytest.raises(InputError, match="blast_temperature_degC: required quantity missing"):
        state_from_mapping(data)


def test_composition_not_100():
    data = example()
    data["slag_analysis"]["CaO"] = 30.0
    with pytest.raises(CompositionError, match=r"slag: slag analysis sums to 88.69 %, not 100 ± 1.5 %"):
        state_from_mapping(data)
    data = example()
    data["top_gas_analysis"] = {k: v / 100 for k, v in data["top_gas_analysis"].items()}
    with pytest.raises(CompositionError, match="not as decimals"):
        state_from_mapping(data)


def test_blast_temperature_in_kelvin_or_fahrenheit():
    data = example()
    data["blast_temperature_degC"] = 1473.15
    with pytest.raises(SuspectUnitError, match="blast_temperature_degC.*1200 degC if the value is in K"):
        state_from_mapping(data)
    data["blast_temperature_degC"] = 2192
    with pytest.raises(SuspectUnitError, match="1200 degC if in degF"):
        state_from_mapping(data)


def test_oxygen_enrichment_above_limit():
    data = example()
    data["oxygen_volume_nm3_per_min"] = 171 * 60  # given in Nm3/h
    with pytest.raises(InputError, match="oxygen_volume_nm3_per_min: oxygen enrichment of .* exceeds"):
        state_from_mapping(data)


def test_unknown_field_refused():
    data = {**example(), "blast_temprature_degC": 1200}
    with pytest.raises(InputError, match="blast_temprature_degC"):
        state_from_mapping(data)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.8, 1.2), st.floats(0.9, 1.1), st.floats(1100, 1250))
def test_cao_balance_closes_and_eta_in_range_for_generated_states(scale, production, blast_t):
    # Scaling every burden mass changes the CaO input; the slag rate follows from the CaO balance,
    # so that balance closes whatever the inputs; eta stays in [0, 1].
    data = example()
    for material in data["burden"]:
        material["mass_kg_per_thm"] *= scale
    data["production_t_per_day"] *= production
    data["blast_temperature_degC"] = blast_t
    sheet = calculation_sheet(state_from_mapping(data))
    assert abs(sheet.value("CaO_balance_relative_residual")) < 1e-12
    assert 0 <= sheet.value("top_gas_utilisation") <= 1
    assert BALANCE_TOLERANCE == 0.05


@settings(max_examples=25, deadline=None)
@given(st.floats(300, 420), st.floats(80, 200), st.floats(0.42, 0.52), st.floats(0.9, 1.1))
def test_carbon_balance_closes_for_consistent_generated_states(coke, coal, eta, production_scale):
    # Build the blast that a consistent furnace needs: the top gas carries the fuel carbon not
    # dissolved in hot metal (gas.top_gas_volume) and its N2 comes from the blast (N2 balance).
    from greenmet.blast_furnace import gas, mass_balance

    data = example()
    data["coke_rate_kg_per_thm"], data["coal_rate_kg_per_thm"] = coke, coal
    data["nut_coke_rate_kg_per_thm"] = 0.0
    data["production_t_per_day"] *= production_scale
    top = data["top_gas_analysis"]
    top["CO"], top["CO2"] = 44.0 * (1 - eta), 44.0 * eta
    hm = data["hot_metal_analysis"]
    hm_carbon = mass_balance.hot_metal_carbon(data["hot_metal_temperature_degC"], hm["Si"], hm["Mn"],
                                              hm["P"], hm["S"])
    fuel_carbon = coke * data["coke_analysis"]["C"] / 100 + coal * data["coal_analysis"]["C"] / 100
    carbon_gas = fuel_carbon - 10 * hm_carbon
    volume = gas.top_gas_volume(carbon_gas, top["CO"], top["CO2"], top["CH4"])
    per_thm = 1440.0 / data["production_t_per_day"]
    coal_n2 = coal * data["coal_analysis"]["N"] / 100 / 28.013 * 22.414
    oxygen, purity = data["oxygen_volume_nm3_per_min"], data["oxygen_purity"]
    data["cold_blast_volume_nm3_per_min"] = ((volume * top["N2"] / 100 - coal_n2) / per_thm
                                        - oxygen * (1 - purity)) / 0.79
    sheet = calculation_sheet(state_from_mapping(data))
    assert abs(sheet.value("C_balance_relative_residual")) < 1e-9
    assert sheet.value("top_gas_volume_nm3_per_thm") == pytest.approx(volume, rel=1e-9)


def _set(data: dict, path: str, value) -> dict:
    data = copy.deepcopy(data)
    target = data
    *parents, last = path.split(".")
    for part in parents:
        target = target[part]
    target[last] = value
    return data


@pytest.mark.parametrize("path", ["blast_temperature_degC", "production_t_per_day", "coal_rate_kg_per_thm",
                                  "blast_humidity_g_per_nm3", "hot_metal_analysis.Si", "top_gas_analysis.CO",
                                  "oxygen_purity", "hot_metal_temperature_degC"])
@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_nan_and_infinity_refused_with_the_field(path, value):
    with pytest.raises(InputError) as caught:
        state_from_mapping(_set(example(), path, value))
    assert caught.value.field in (path, path.replace("_analysis", ""), "top_gas")
    assert caught.value.fix


@pytest.mark.parametrize("path", ["production_t_per_day", "working_volume_m3", "coke_rate_kg_per_thm",
                                  "cold_blast_volume_nm3_per_min", "hot_blast_pressure_kPa",
                                  "blast_temperature_degC", "stave_water_flow_m3_per_h"])
def test_absurd_magnitudes_refused_with_the_field(path):
    with pytest.raises(InputError, match=f"{path}: .*Fix: ") as caught:
        state_from_mapping(_set(example(), path, 1e300))
    assert caught.value.field == path


@pytest.mark.parametrize(("path", "value", "pattern"), [
    ("oxygen_purity", 99.5, r"oxygen_purity: .*percentage.*0.995"),
    ("hot_metal_analysis.Si", 49, r"hot_metal.Si: .*0.49 if in hundredths"),
    ("hot_metal_temperature_degC", 1778.15, r"hot_metal_temperature_degC: .*1505 degC"),
    ("blast_temperature_degC", 1373.15, r"blast_temperature_degC: .*1100 degC"),
])
def test_state_shares_the_function_guards(path, value, pattern):
    with pytest.raises(SuspectUnitError, match=pattern):
        state_from_mapping(_set(example(), path, value))


def test_renamed_blast_field_is_explained():
    data = example()
    data["blast_volume_nm3_per_min"] = data.pop("cold_blast_volume_nm3_per_min")
    pattern = "blast_volume_nm3_per_min: field renamed.*cold_blast_volume_nm3_per_min"
    with pytest.raises(InputError, match=pattern):
        state_from_mapping(data)
    frame = pd.DataFrame([state_to_columns(state_from_mapping(example()))])
    with pytest.raises(InputError, match="column renamed"):
        calculation_sheet_frame(frame.rename(
            columns={"cold_blast_volume_nm3_per_min": "blast_volume_nm3_per_min"}))


def test_scalar_path_equals_the_frame_path():
    from greenmet.blast_furnace.state import calculation_sheet_values

    rows = []
    for blast_t, coal, si in ((1150.0, 120.0, 0.3), (1200.0, 150.0, 0.45), (1250.0, 180.0, 0.6)):
        data = example()
        data["blast_temperature_degC"], data["coal_rate_kg_per_thm"] = blast_t, coal
        data["hot_metal_analysis"]["Si"] = si
        rows.append(state_to_columns(state_from_mapping(data)))
    frame = calculation_sheet_frame(pd.DataFrame(rows))
    for i, row in enumerate(rows):
        values = calculation_sheet_values(row)
        expected = frame.iloc[i].drop("flags").to_dict()
        assert list(values) == list(expected)
        assert values == pytest.approx(expected, rel=1e-12, nan_ok=True)
    hot_metal_given = {**rows[0], "hot_metal.C_percent": 4.6}
    assert calculation_sheet_values(hot_metal_given)["hot_metal_carbon_percent"] == 4.6
