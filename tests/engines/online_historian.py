"""A small furnace in a historian for the online-calculation engine tests (no simulator)."""

import numpy as np
import pandas as pd
from tests.monitoring.online_fixtures import START, minute_frame, records

from greenmet.storage import Historian
from greenmet.storage.parts import furnace_directory
from greenmet.storage.plant_records import write_plant_records

SITE, FURNACE = "demo", "BF1"
HOURS = 5
SAMPLE_S = 20


def seconds_frame(hours: float = HOURS) -> pd.DataFrame:
    """Samples every 20 s: the fixture's minute values with a ripple (so means matter); the
    per-cast tags once, at their minute."""
    minutes = minute_frame(hours)
    index = pd.date_range(START, periods=int(hours * 3600 / SAMPLE_S), freq=f"{SAMPLE_S}s")
    ripple = np.sin(np.arange(len(index)) / 7.0)
    continuous = [
        c
        for c in minutes.columns
        if c not in ("cast_hot_metal_mass", "hot_metal_temperature", "hot_metal_silicon")
    ]
    frame = minutes[continuous].reindex(index, method="ffill")
    frame = frame * (1 + 0.01 * ripple[:, None])
    for tag in ("cast_hot_metal_mass", "hot_metal_temperature", "hot_metal_silicon"):
        frame[tag] = minutes[tag].reindex(index)
    return frame


def _long(frame: pd.DataFrame) -> pd.DataFrame:
    long = frame.rename_axis("ts").reset_index().melt(id_vars="ts", var_name="tag", value_name="value")
    return long.dropna(subset=["value"]).assign(quality=0)


def write_furnace(root):
    """A furnace of 5 h: the fixture's tags sampled every 20 s, its charges and analyses."""
    with Historian(root, SITE, FURNACE, future_tolerance_s=None) as historian:
        historian.write(_long(seconds_frame()))
        historian.describe_tags({tag: {"unit": "-"} for tag in seconds_frame().columns})
    directory = furnace_directory(root, SITE, FURNACE)
    recs = records(HOURS)
    write_plant_records(directory, "charges", recs.charges)
    write_plant_records(directory, "material_analyses", recs.material_analyses)
    write_plant_records(directory, "cast_analyses", recs.cast_analyses)
    return root
