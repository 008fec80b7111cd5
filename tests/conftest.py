"""Shared fixtures. The unit registry is greenmet's own (never a second UnitRegistry)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from greenmet.units import ureg

# Hypothesis' per-example deadline is a timed assertion: on a loaded 2-core machine a first
# example that takes 400 ms instead of 10 ms fails a correct test. Properties are checked for
# their outcome only; speed is measured in benchmarks/.
settings.register_profile(
    "greenmet", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("greenmet")


@pytest.fixture(scope="session")
def registry():
    return ureg
