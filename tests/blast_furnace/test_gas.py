import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from greenmet.blast_furnace import gas
from greenmet.errors import InputError


def test_top_gas_utilisation_types_and_nan():
    assert gas.top_gas_utilisation(22.0, 22.0) == pytest.approx(0.5)
    array = gas.top_gas_utilisation(np.array([22.0, np.nan]), np.array([22.0, 20.0]))
    assert array[0] == pytest.approx(0.5) and math.isnan(array[1])
    series = gas.top_gas_utilisation(pd.Series([20.0, 25.0], index=["x", "y"]), pd.Series([20.0, 25.0],
                                                                                           index=["x", "y"]))
    assert list(series.index) == ["x", "y"] and series.tolist() == [0.5, 0.5]
    assert math.isnan(gas.top_gas_utilisation(0.0, 0.0))


def test_top_gas_utilisation_rejects_negative():
    with pytest.raises(InputError, match="top_gas_co2: must not be negative"):
        gas.top_gas_utilisation(20.0, -1.0)


@given(st.floats(0, 100), st.floats(0, 100))
def test_top_gas_utilisation_between_zero_and_one(co, co2):
    value = gas.top_gas_utilisation(co, co2)
    assert math.isnan(value) if co + co2 == 0 else 0.0 <= value <= 1.0


def test_hydrogen_utilisation():
    assert gas.hydrogen_utilisation(3.0, 1.0) == pytest.approx(0.25)


def test_oxygen_enrichment_round_trip():
    blast = pd.Series([4000.0, 4200.0], index=pd.date_range("2026-01-01", periods=2, freq="h"))
    oxygen = gas.oxygen_volume_for_enrichment(blast, 3.5, oxygen_purity=0.995)
    back = gas.oxygen_enrichment(blast, oxygen, oxygen_purity=0.995)
    assert back.index.equals(blast.index)
    assert np.allclose(back, 3.5)


def test_oxygen_enrichment_physical_limit():
    with pytest.raises(InputError, match="oxygen_enrichment: oxygen enrichment above 15 points"):
        gas.oxygen_volume_for_enrichment(4000.0, 80.0, oxygen_purity=0.995)
    with pytest.raises(InputError, match="oxygen_enrichment: oxygen enrichment must be below 78.5"):
        gas.oxygen_volume_for_enrichment(4000.0, 80.0, oxygen_purity=0.995, enrichment_limit=100.0)
    with pytest.raises(InputError, match="oxygen_purity"):
        gas.oxygen_enrichment(4000.0, 100.0, oxygen_purity=99.5)


def test_blast_oxygen_fraction_matches_ustb_simplification():
    # Unenriched: 0.21 + 0.29 f (USTB notebook).
    f = gas.moisture_volume_fraction(12.0)
    assert gas.blast_oxygen_fraction(0.0, 12.0) == pytest.approx(0.21 + 0.29 * f)


def test_bosh_gas_composition_sums_to_100():
    bosh = gas.bosh_gas(4300.0, 170.0, 15.0, 37500.0, 4.0)
    assert bosh.co + bosh.n2 + bosh.h2 == pytest.approx(100.0)
    assert bosh.volume == pytest.approx(gas.bosh_gas_volume(4300.0, 170.0, 15.0, 37500.0, 4.0))


def test_bosh_gas_natural_gas_and_hydrogen_add_volume():
    base = gas.bosh_gas_volume(4000.0, 100.0, 10.0)
    assert gas.bosh_gas_volume(4000.0, 100.0, 10.0, natural_gas_injection=10.0) == pytest.approx(base + 20.0)
    assert gas.bosh_gas_volume(4000.0, 100.0, 10.0, hydrogen_injection=10.0) == pytest.approx(base + 10.0)


def test_top_gas_volume_and_nitrogen_balance_round_trip():
    volume = gas.top_gas_volume(370.0, 22.5, 21.5, 0.2)
    assert volume == pytest.approx(370.0 / 12.011 * 22.414 / 0.442)
    blast = gas.cold_blast_volume_from_nitrogen(volume, 52.3)
    assert blast == pytest.approx(volume * 0.523 / 0.79)


def test_bosh_gas_index():
    assert gas.bosh_gas_index(math.pi * 25.0, 10.0) == pytest.approx(1.0)
