"""A small furnace in a historian for the traceability and expert readers and commands.

Three hours of one point per minute (2026-01-01 00:00–03:00 UTC) of the tags the rules and the
thermal model read, steady with 0.2 % noise, then a hanging in the last ten minutes (pressure
differential and blast pressure up, permeability down, stockrods frozen); three casts ending at
01:00, 02:00 and 03:00 with the blast volume and permeability rising and the top temperature
and ηCO falling from cast to cast (a cooling trend, rule 403B011 twice).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from greenmet.simulation.history import write_casts
from greenmet.storage import Historian
from greenmet.storage.parts import furnace_directory

SITE, FURNACE = "plant", "bf9"
START = pd.Timestamp("2026-01-01T00:00:00Z")
MINUTES = 180
LEVELS = {"pressure_differential": 150.0, "permeability_index": 27.0, "blast_pressure": 380.0,
          "top_pressure": 220.0, "blast_volume": 4200.0, "top_gas_utilisation": 0.48,
          "blast_temperature": 1200.0, "coal_injection_rate": 40.0, "oxygen_enrichment": 3.5,
          "top_gas_h2": 3.0, "shaft_pressure_upper": 250.0, "top_temperature_u1": 150.0,
          "top_temperature_u2": 152.0, "raceway_adiabatic_flame_temperature": 2200.0}


def minute_values(seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.date_range(START, periods=MINUTES, freq="1min")
    frame = pd.DataFrame({tag: level + rng.normal(0, 0.002 * level, MINUTES)
                          for tag, level in LEVELS.items()}, index=index)
    hour = np.arange(MINUTES) // 60
    # cast to cast: blast volume +50 Nm3/min and PI +0.5 per hour, top T -8 K and etaCO -0.005
    frame["blast_volume"] += 50.0 * hour
    frame["permeability_index"] += 0.5 * hour
    frame["top_temperature_u1"] -= 8.0 * hour
    frame["top_temperature_u2"] -= 8.0 * hour
    frame["top_gas_utilisation"] -= 0.005 * hour
    # 8 charges per hour, 8.3 in the second hour and 8.6 in the third (descent faster)
    rate = np.array([8.0, 8.3, 8.6])[hour]
    frame["charge_count"] = np.cumsum(rate / 60.0)
    for rod in (1, 2):
        sawtooth = 0.3 * ((np.arange(MINUTES) % 7) / 7.0)
        frame[f"stockrod_level_{rod}"] = 1.2 + sawtooth + rng.normal(0, 0.01, MINUTES)
    last = slice(MINUTES - 10, MINUTES)
    frame.iloc[last, frame.columns.get_loc("pressure_differential")] += 40.0
    frame.iloc[last, frame.columns.get_loc("blast_pressure")] += 40.0
    frame.iloc[last, frame.columns.get_loc("permeability_index")] -= 5.0
    for rod in (1, 2):
        column = frame.columns.get_loc(f"stockrod_level_{rod}")
        frame.iloc[last, column] = frame.iloc[MINUTES - 11, column]
    return frame


def write_furnace(root: Path) -> Path:
    """Write the points and the casts; return the furnace directory."""
    frame = minute_values()
    long = frame.rename_axis("ts").reset_index().melt(id_vars="ts", var_name="tag", value_name="value")
    long["quality"] = np.uint8(0)
    with Historian(root, SITE, FURNACE, background_compaction=False) as historian:
        historian.write(long)
        historian.flush()
    directory = furnace_directory(root, SITE, FURNACE)
    ends = [START + pd.Timedelta(hours=h) for h in (1, 2, 3)]
    casts = pd.DataFrame({
        "cast_number": [1, 2, 3],
        "start": [end - pd.Timedelta(minutes=40) for end in ends],
        "end": ends,
        "taphole": [1, 2, 1],
        "hot_metal_temperature_degC": [1505.0, 1500.0, 1470.0],
        "hot_metal_silicon_percent": [0.45, 0.42, 0.35],
        "hot_metal_sulphur_percent": [0.03, 0.03, 0.035],
        "slag_basicity": [1.2, 1.2, 1.2],
        "hot_metal_mass_t": [600.0, 610.0, 590.0],
        "cast_duration_min": [40.0, 40.0, 40.0],
    })
    write_casts(directory, casts)
    return directory


def write_records(directory: Path) -> None:
    """Plant records of the fixture furnace: a charge every 10 min from 00:00 (20 t sinter of lot
    SIN-A before 01:00, SIN-B after; 5 t coke of lot COK-1), lot analyses of SIN-A and COK-1 only,
    a hot-metal analysis and a torpedo for cast 3 only."""
    from greenmet.storage.plant_records import write_plant_records

    rows = []
    for number in range(18):
        at = START + pd.Timedelta(minutes=10 * number)
        rows.append((str(number + 1), 1, at, "coke", "COK-1", 5.0))
        rows.append((str(number + 1), 2, at + pd.Timedelta(minutes=1), "sinter",
                     "SIN-A" if number < 6 else "SIN-B", 20.0))
    columns = ["charge_id", "batch_number", "charged_at", "material", "lot_id", "mass_t"]
    charges = pd.DataFrame(rows, columns=columns)
    write_plant_records(directory, "charges", charges)
    write_plant_records(directory, "material_analyses", pd.DataFrame({
        "lot_id": ["SIN-A", "SIN-A", "COK-1"], "material": ["sinter", "sinter", "coke"],
        "sampled_at": [START] * 3, "component": ["Fe", "SiO2", "ash"], "value": [57.0, 5.2, 12.5],
        "unit": ["%", "%", "%"]}))
    end = START + pd.Timedelta(hours=3)
    write_plant_records(directory, "cast_analyses", pd.DataFrame({
        "cast_id": ["3", "3"], "sampled_at": [end, end], "sample": ["hot_metal", "hot_metal"],
        "component": ["Si", "S"], "value": [0.35, 0.035], "unit": ["%", "%"]}))
    write_plant_records(directory, "hot_metal_destinations", pd.DataFrame({
        "cast_id": ["3"], "vessel_id": ["TPC-07"], "vessel_kind": ["torpedo"], "mass_t": [590.0],
        "filled_at": [end], "steelmaking_heat_id": ["HEAT-000042"],
        "delivered_at": [end + pd.Timedelta(minutes=50)]}))
