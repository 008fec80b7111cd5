"""Synthetic minute frames and plant records for the online-calculation tests (no simulator)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from greenmet.monitoring.plant_state import PLANT_RECORD_COLUMNS, FurnaceDesign, PlantRecords

START = pd.Timestamp("2026-03-01T00:00:00Z")
DESIGN = FurnaceDesign(working_volume_m3=2500, hearth_diameter_m=11, tuyeres=30, tuyere_diameter_m=0.13,
                       stave_rows=2)

SINTER = {"Fe2O3": 72.0, "FeO": 8.0, "SiO2": 5.2, "CaO": 10.0, "MgO": 1.8, "Al2O3": 1.8, "MnO": 0.3,
          "P2O5": 0.1, "S": 0.02, "other": 0.78}
PELLET = {"Fe2O3": 90.0, "FeO": 1.0, "SiO2": 4.0, "CaO": 1.5, "MgO": 0.8, "Al2O3": 0.9, "other": 1.8}
ASH = {"ash_SiO2": 50.0, "ash_Al2O3": 35.0, "ash_CaO": 4.0, "ash_MgO": 1.0, "ash_Fe2O3": 7.0,
       "ash_other": 3.0}
COKE = {"C": 86.0, "ash": 12.5, "volatile": 1.0, "S": 0.5, **ASH}
COAL = {"C": 78.0, "H": 4.0, "O": 5.0, "N": 1.0, "S": 0.5, "ash": 10.0, "moisture": 1.5, **ASH}
SLAG = {"CaO": 40.0, "SiO2": 33.0, "MgO": 9.0, "Al2O3": 15.0, "FeO": 0.5, "MnO": 0.3, "S": 1.0, "other": 1.2}
HOT_METAL = {"Si": 0.45, "Mn": 0.2, "P": 0.1, "S": 0.03}

CONSTANT_TAGS = {
    "blast_volume": 4300.0, "oxygen_flow": 12_000.0, "blast_temperature": 1200.0, "blast_humidity": 14.0,
    "blast_pressure": 380.0, "top_pressure": 210.0, "top_gas_co": 23.0, "top_gas_co2": 21.0,
    "top_gas_h2": 3.0, "top_temperature_u1": 140.0, "top_temperature_u2": 160.0, "coal_injection_rate": 40.0,
    "stave_water_inlet_temperature": 35.0, "stave_water_flow_r01": 120.0, "stave_water_flow_r02": 100.0,
    "stave_water_outlet_temperature_r01": 37.0, "stave_water_outlet_temperature_r02": 38.0,
}
CAST_EVERY = pd.Timedelta(hours=2)
CAST_MASS_T = 500.0


def minute_frame(hours: float = 6.0) -> pd.DataFrame:
    """Constant process tags, a cast of 500 t every 2 h (ending on the minute 119, 239 …)."""
    index = pd.date_range(START, periods=int(hours * 60), freq="min")
    frame = pd.DataFrame({tag: np.full(len(index), value) for tag, value in CONSTANT_TAGS.items()},
                         index=index)
    ends = index[(np.arange(len(index)) + 1) % int(CAST_EVERY / pd.Timedelta(minutes=1)) == 0]
    for tag, value in (("cast_hot_metal_mass", CAST_MASS_T), ("hot_metal_temperature", 1505.0),
                       ("hot_metal_silicon", 0.45)):
        frame[tag] = np.nan
        frame.loc[ends, tag] = value
    return frame


def records(hours: float = 6.0, *, coke_t: float = 15.0, sinter_t: float = 45.0, pellet_t: float = 12.0,
            analyses: bool = True) -> PlantRecords:
    """A charge every 10 min (coke, sinter, pellet), analyses sampled an hour before the start."""
    rows = []
    for number, at in enumerate(pd.date_range(START, periods=int(hours * 6), freq="10min")):
        batches = (("coke", coke_t), ("sinter", sinter_t), ("pellet", pellet_t))
        for batch, (material, mass) in enumerate(batches):
            rows.append({"charge_id": f"C{number}", "batch_number": batch + 1, "charged_at": at,
                         "material": material, "lot_id": f"{material}-1", "mass_t": mass})
    sampled = START - pd.Timedelta(hours=1)
    material_rows = []
    if analyses:
        for material, analysis in (("sinter", SINTER), ("pellet", PELLET), ("coke", COKE), ("coal", COAL)):
            material_rows += [{"lot_id": f"{material}-1", "material": material, "sampled_at": sampled,
                               "component": key, "value": value, "unit": "%"}
                              for key, value in analysis.items()]
    cast_rows = []
    for sample, analysis in (("hot_metal", HOT_METAL), ("slag", SLAG)):
        cast_rows += [{"cast_id": "0", "sampled_at": sampled, "sample": sample, "component": key,
                       "value": value, "unit": "%"} for key, value in analysis.items()]
    return PlantRecords(charges=pd.DataFrame(rows),
                        material_analyses=pd.DataFrame(material_rows, columns=list(
                            PLANT_RECORD_COLUMNS["material_analyses"])),
                        cast_analyses=pd.DataFrame(cast_rows))
