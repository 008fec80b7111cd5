import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenmet.blast_furnace.flame_temperature import (
    FORMULA_ENTHALPY_BALANCE,
    raceway_adiabatic_flame_temperature,
)
from greenmet.errors import InputError, SuspectUnitError

BASE = {"blast_temperature": 1200.0, "blast_volume": 1050.0, "oxygen_enrichment": 3.0, "blast_humidity": 15.0,
        "coal_rate": 160.0}


def test_result_carries_formula_id_and_gas():
    result = raceway_adiabatic_flame_temperature(**BASE)
    assert result.formula == FORMULA_ENTHALPY_BALANCE
    assert 1900 < result.temperature < 2400
    assert result.raceway_gas_co + result.raceway_gas_h2 + result.raceway_gas_n2 == pytest.approx(100.0)
    assert result.iterations < 20


def test_series_index_kept_and_nan_propagates():
    temperature = pd.Series([1150.0, np.nan, 1250.0], index=pd.Index([10, 20, 30], name="hour"))
    result = raceway_adiabatic_flame_temperature(temperature, 1050.0, 3.0, 15.0, 160.0)
    assert result.temperature.index.equals(temperature.index)
    assert math.isnan(result.temperature[20])
    assert result.temperature[30] > result.temperature[10]


def test_array_input():
    result = raceway_adiabatic_flame_temperature(np.array([1100.0, 1200.0]), 1050.0, 3.0, 15.0)
    assert isinstance(result.temperature, np.ndarray) and result.temperature.shape == (2,)


def test_kelvin_and_fahrenheit_refused():
    with pytest.raises(SuspectUnitError, match="blast_temperature.*1200 degC"):
        raceway_adiabatic_flame_temperature(**{**BASE, "blast_temperature": 1473.15})
    with pytest.raises(SuspectUnitError, match="degF"):
        raceway_adiabatic_flame_temperature(**{**BASE, "blast_temperature": 2192.0})


def test_enrichment_given_as_oxygen_content_refused():
    with pytest.raises(InputError, match="oxygen_enrichment: oxygen enrichment above 15 points"):
        raceway_adiabatic_flame_temperature(**{**BASE, "oxygen_enrichment": 80.0})


def test_negative_coal_refused():
    with pytest.raises(InputError, match="coal_rate: must not be negative"):
        raceway_adiabatic_flame_temperature(**{**BASE, "coal_rate": -1.0})


def test_hydrogen_and_natural_gas_cool_the_flame():
    base = raceway_adiabatic_flame_temperature(**BASE).temperature
    assert raceway_adiabatic_flame_temperature(**BASE, hydrogen_rate=30.0).temperature < base
    assert raceway_adiabatic_flame_temperature(**BASE, natural_gas_rate=30.0).temperature < base


operating = st.fixed_dictionaries({
    "blast_temperature": st.floats(900, 1270), "blast_volume": st.floats(800, 1400),
    "oxygen_enrichment": st.floats(0, 10), "blast_humidity": st.floats(0, 40),
    "coal_rate": st.floats(0, 250)})


@settings(max_examples=40, deadline=None)
@given(operating)
def test_monotone_in_blast_temperature_oxygen_moisture_and_coal(inputs):
    base = raceway_adiabatic_flame_temperature(**inputs).temperature
    assert raceway_adiabatic_flame_temperature(**{**inputs, "blast_temperature": inputs["blast_temperature"]
                                                  + 20}).temperature > base
    assert raceway_adiabatic_flame_temperature(**{**inputs, "oxygen_enrichment": inputs["oxygen_enrichment"]
                                                  + 0.5}).temperature > base
    assert raceway_adiabatic_flame_temperature(**{**inputs, "blast_humidity": inputs["blast_humidity"]
                                                  + 2}).temperature < base
    assert raceway_adiabatic_flame_temperature(**{**inputs, "coal_rate": inputs["coal_rate"]
                                                  + 5}).temperature < base
