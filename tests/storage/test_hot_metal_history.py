"""The forecast's casts: the lab's analyses replace the casthouse's (storage.hot_metal_history)."""

from __future__ import annotations

import pandas as pd
import pytest

from greenmet.errors import UnknownKeyError
from greenmet.simulation.history import write_casts
from greenmet.storage.hot_metal_history import read_cast_analyses
from greenmet.storage.parts import furnace_directory
from greenmet.storage.plant_records import write_plant_records


def test_lab_silicon_replaces_the_casthouse_value(tmp_path):
    directory = furnace_directory(tmp_path, "p", "bf1")
    directory.mkdir(parents=True)
    ends = pd.to_datetime(["2026-01-01T02:00:00Z", "2026-01-01T04:30:00Z"])
    write_casts(
        directory,
        pd.DataFrame(
            {
                "cast_number": [1, 2],
                "start": ends - pd.Timedelta(hours=2),
                "end": ends,
                "taphole": [1, 2],
                "hot_metal_temperature_degC": [1500.0, 1505.0],
                "hot_metal_silicon_percent": [0.40, 0.45],
                "hot_metal_sulphur_percent": [0.03, 0.03],
                "slag_basicity": [1.2, 1.2],
                "hot_metal_mass_t": [600.0, 610.0],
            }
        ),
    )
    write_plant_records(
        directory,
        "cast_analyses",
        pd.DataFrame(
            {
                "cast_id": ["2"],
                "sampled_at": [ends[1] + pd.Timedelta(minutes=20)],
                "sample": ["hot_metal"],
                "component": ["Si"],
                "value": [0.52],
                "unit": ["%"],
            }
        ),
    )
    casts = read_cast_analyses(tmp_path, "p", "bf1")
    assert list(casts["cast_id"]) == ["1", "2"]
    assert list(casts["hot_metal_silicon_percent"]) == [0.40, 0.52]
    assert list(casts["hot_metal_temperature_degC"]) == [1500.0, 1505.0]
    assert list(read_cast_analyses(tmp_path, "p", "bf1", start="2026-01-01T03:00:00Z")["cast_id"]) == ["2"]
    with pytest.raises(UnknownKeyError, match="no casts"):
        read_cast_analyses(tmp_path, "p", "other")
