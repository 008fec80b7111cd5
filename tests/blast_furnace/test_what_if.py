import pytest

from greenmet.blast_furnace.what_if import OperatingPoint, coke_rate_change, coke_rate_from_balances
from greenmet.errors import UnknownKeyError


def test_model_gives_plausible_coke_rate():
    result = coke_rate_from_balances(OperatingPoint())
    assert 300 < result["coke_rate"] < 450
    assert 200 < result["slag_rate"] < 400


def test_changes_are_finite_differences_not_constants():
    # Halving the step roughly halves the change (the model is smooth and close to linear).
    full = coke_rate_change(OperatingPoint(), "blast_temperature", 100.0)
    half = coke_rate_change(OperatingPoint(), "blast_temperature", 50.0)
    assert half == pytest.approx(full / 2, rel=0.1)
    # A different base gives a different answer.
    assert coke_rate_change(OperatingPoint(blast_temperature=1000.0), "blast_temperature", 100.0) != full


def test_unknown_variable():
    with pytest.raises(UnknownKeyError, match="variable: not an operating variable"):
        coke_rate_change(OperatingPoint(), "moon_phase", 1.0)
