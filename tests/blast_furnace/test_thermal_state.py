import numpy as np
import pandas as pd
import pytest

from greenmet.blast_furnace import thermal_state as ts
from greenmet.errors import InputError


def test_index_and_class():
    assert ts.thermal_state_index(1500.0, 0.45) == pytest.approx(0.0)
    assert ts.thermal_state_class(0.0) == "normal"
    index = pd.Series([-40.0, 20.0, np.nan], index=["a", "b", "c"])
    classes = ts.thermal_state_class(index)
    assert classes.tolist() == ["cold", "warm", ""]
    with pytest.raises(InputError, match="bands must increase"):
        ts.thermal_state_class(0.0, bands=(10, 0, 20, 30))


def test_equivalent_silicon():
    assert ts.equivalent_silicon(1490.0, 0.40) == pytest.approx(0.50)
