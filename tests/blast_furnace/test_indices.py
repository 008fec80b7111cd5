import numpy as np
import pandas as pd
import pytest

from greenmet.blast_furnace import indices as ix
from greenmet.errors import InputError


def test_rates_and_productivity():
    assert ix.coke_rate(2100.0, 6000.0, 120.0) == pytest.approx(370.0)
    assert ix.specific_rate(900.0, 6000.0) == pytest.approx(150.0)
    assert ix.productivity(4230.02, 1800.0) == pytest.approx(2.35, abs=0.001)
    fuel_t_per_day = 0.56 * 4230.0
    intensity = ix.smelting_intensity(fuel_t_per_day, 1800.0)
    assert 1000 * intensity / ix.productivity(4230.0, 1800.0) == pytest.approx(560.0)


def test_permeability_and_resistance_on_series():
    blast = pd.Series([4300.0, 4400.0], index=["a", "b"])
    pi = ix.permeability_index(blast, 380.0, 210.0)
    assert list(pi.index) == ["a", "b"] and pi["a"] == pytest.approx(4300 / 170)
    assert ix.resistance_coefficient(481.0, 311.0, 6000.0) > 0


def test_tuyere_velocity_and_energy():
    standard, actual = ix.tuyere_velocity(4500.0, 30, 0.13, 1200.0, 380.0)
    assert standard == pytest.approx(4 * 4500 / 60 / 30 / (np.pi * 0.13**2))
    assert 150 < actual < 300
    assert ix.tuyere_kinetic_energy(4500.0, 30, 0.13, 1200.0, 380.0) > 0


def test_burden_descent():
    assert ix.burden_descent_rate(1.5, 0.25) == pytest.approx(6.0)


def test_blast_reduction_events_found():
    index = pd.date_range("2026-01-01", periods=24 * 60, freq="min")
    blast = pd.Series(4300.0, index=index)
    blast.iloc[600:640] = 3000.0
    events = ix.blast_reduction_events(blast)
    assert len(events) == 1
    assert events.loc[0, "start"] == index[600] and events.loc[0, "samples"] == 40
    assert events.loc[0, "depth"] == pytest.approx(1 - 3000 / 4300)
    assert ix.blast_reduction_events(blast.iloc[:0]).empty
    with pytest.raises(InputError, match="drop_fraction"):
        ix.blast_reduction_events(blast, drop_fraction=10)
