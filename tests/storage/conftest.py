"""Fixtures of the storage tests."""

from __future__ import annotations

import pytest
from storage_helpers import make_points


@pytest.fixture
def points():
    return make_points
