"""Shared fixtures. The unit registry is greenmet's own (never a second UnitRegistry)."""

from __future__ import annotations

import pytest

from greenmet.units import ureg


@pytest.fixture(scope="session")
def registry():
    return ureg
