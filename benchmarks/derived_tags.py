"""Benchmark: the derived tags ``calc_*`` of a day of minutes, and of one live minute.

Input: one day of minute values of a 2,500 m3 furnace's tags (the blast, top gas, staves and a
cast every two hours, with noise) plus the 8 h window before it, a charge every 9 minutes
(coke, sinter, pellet, lump ore) and the analyses of the materials and casts: what
:func:`greenmet.monitoring.derived.derive_minutes` takes in replay.

Lines printed:

- ours, a day: ``derive_minutes`` over the 1,440 minutes (the adapter, the vectorised sheet,
  the stave rows), end to end.
- peer, a day: the plain loop a user writes: the same adapter once, then for every minute the
  one-state sheet (:func:`~greenmet.blast_furnace.state.calculation_sheet_values`, every function of
  the package on Python floats) and the stave rows, in Python. Same numbers, checked equal.
- a live minute: ``derive_minutes`` of the last minute alone (the window before it is handed in,
  as :class:`greenmet.engines.derived.LiveDerivation` does each minute). The issue asks for well
  under a second.

Run: ``python benchmarks/derived_tags.py [--minutes N] [--loop-minutes M] [--repeat R]``; the
loop is timed on M minutes (default 240) and scaled to N, and says so.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from greenmet.blast_furnace import indices
from greenmet.blast_furnace.state import calculation_sheet_values
from greenmet.monitoring.derived import derive_minutes, derived_tag, stave_row_tag
from greenmet.monitoring.plant_state import DEFAULT_WINDOW, FurnaceDesign, PlantRecords, plant_state_frame

START = pd.Timestamp("2026-03-01T00:00:00Z")
STAVE_ROWS = 12
DESIGN = FurnaceDesign(
    working_volume_m3=2500, hearth_diameter_m=11, tuyeres=30, tuyere_diameter_m=0.13, stave_rows=STAVE_ROWS
)
ANALYSES = {
    "sinter": {
        "Fe2O3": 72.0,
        "FeO": 8.0,
        "SiO2": 5.2,
        "CaO": 10.0,
        "MgO": 1.8,
        "Al2O3": 1.8,
        "MnO": 0.3,
        "P2O5": 0.1,
        "S": 0.02,
        "other": 0.78,
    },
    "pellet": {"Fe2O3": 90.0, "FeO": 1.0, "SiO2": 4.0, "CaO": 1.5, "MgO": 0.8, "Al2O3": 0.9, "other": 1.8},
    "lump_ore": {"Fe2O3": 88.0, "FeO": 0.5, "SiO2": 4.0, "CaO": 0.1, "MgO": 0.1, "Al2O3": 1.5, "other": 5.8},
    "coke": {
        "C": 86.0,
        "ash": 12.5,
        "volatile": 1.0,
        "S": 0.5,
        "ash_SiO2": 50.0,
        "ash_Al2O3": 35.0,
        "ash_CaO": 4.0,
        "ash_MgO": 1.0,
        "ash_Fe2O3": 7.0,
        "ash_other": 3.0,
    },
    "coal": {
        "C": 78.0,
        "H": 4.0,
        "O": 5.0,
        "N": 1.0,
        "S": 0.5,
        "ash": 10.0,
        "moisture": 1.5,
        "ash_SiO2": 50.0,
        "ash_Al2O3": 35.0,
        "ash_CaO": 4.0,
        "ash_MgO": 1.0,
        "ash_Fe2O3": 7.0,
        "ash_other": 3.0,
    },
}
CAST = {
    "hot_metal": {"Si": 0.45, "Mn": 0.2, "P": 0.1, "S": 0.03},
    "slag": {
        "CaO": 40.0,
        "SiO2": 33.0,
        "MgO": 9.0,
        "Al2O3": 15.0,
        "FeO": 0.5,
        "MnO": 0.3,
        "S": 1.0,
        "other": 1.2,
    },
}


def inputs(minutes: int, seed: int = 0) -> tuple[pd.DataFrame, PlantRecords]:
    """Minute values and plant records of ``minutes`` plus the window before them."""
    rng = np.random.default_rng(seed)
    total = minutes + int(DEFAULT_WINDOW / pd.Timedelta(minutes=1))
    index = pd.date_range(START - DEFAULT_WINDOW, periods=total, freq="min")
    nominal = {
        "blast_volume": 4300.0,
        "oxygen_flow": 12_000.0,
        "blast_temperature": 1200.0,
        "blast_humidity": 14.0,
        "blast_pressure": 380.0,
        "top_pressure": 210.0,
        "top_gas_co": 23.0,
        "top_gas_co2": 21.0,
        "top_gas_h2": 3.0,
        "coal_injection_rate": 40.0,
        "stave_water_inlet_temperature": 35.0,
    }
    nominal |= {f"top_temperature_u{n}": 150.0 for n in range(1, 5)}
    nominal |= {f"stave_water_flow_r{r:02d}": 120.0 for r in range(1, STAVE_ROWS + 1)}
    nominal |= {f"stave_water_outlet_temperature_r{r:02d}": 37.0 for r in range(1, STAVE_ROWS + 1)}
    frame = pd.DataFrame(
        {tag: value * (1 + 0.005 * rng.standard_normal(total)) for tag, value in nominal.items()}, index=index
    )
    ends = (np.arange(total) + 1) % 120 == 0
    for tag, value in (
        ("cast_hot_metal_mass", 500.0),
        ("hot_metal_temperature", 1505.0),
        ("hot_metal_silicon", 0.45),
    ):
        frame[tag] = np.where(ends, value * (1 + 0.01 * rng.standard_normal(total)), np.nan)
    charges = []
    for number, at in enumerate(pd.date_range(index[0], index[-1], freq="9min")):
        for batch, (material, mass) in enumerate(
            (("coke", 14.0), ("sinter", 40.0), ("pellet", 12.0), ("lump_ore", 5.0))
        ):
            charges.append(
                {
                    "charge_id": f"C{number}",
                    "batch_number": batch + 1,
                    "charged_at": at,
                    "material": material,
                    "lot_id": f"{material}-{number // 20}",
                    "mass_t": mass,
                }
            )
    sampled = pd.date_range(index[0] - pd.Timedelta(hours=6), index[-1], freq="6h")
    material_rows = [
        {
            "lot_id": f"{material}-{k}",
            "material": material,
            "sampled_at": at,
            "component": key,
            "value": value * (1 + 0.01 * rng.standard_normal()),
            "unit": "%",
        }
        for k, at in enumerate(sampled)
        for material, analysis in ANALYSES.items()
        for key, value in analysis.items()
    ]
    cast_rows = [
        {"cast_id": str(k), "sampled_at": at, "sample": sample, "component": key, "value": value, "unit": "%"}
        for k, at in enumerate(index[ends])
        for sample, analysis in CAST.items()
        for key, value in analysis.items()
    ]
    return frame, PlantRecords(
        charges=pd.DataFrame(charges),
        material_analyses=pd.DataFrame(material_rows),
        cast_analyses=pd.DataFrame(cast_rows),
    )


def plain_loop(frame: pd.DataFrame, records: PlantRecords, minutes: int) -> pd.DataFrame:
    """The peer: the adapter once, then the one-state sheet and the stave rows minute by minute."""
    states = plant_state_frame(frame, records, DESIGN).states.loc[START:]
    rows = {}
    for (at, state), (_, tags) in zip(
        states.iloc[:minutes].iterrows(), frame.loc[START:].iloc[:minutes].iterrows(), strict=True
    ):
        values = calculation_sheet_values({str(key): float(value) for key, value in state.items()})
        row = {derived_tag(name): value for name, value in values.items()}
        for r in range(1, STAVE_ROWS + 1):
            rise = tags[f"stave_water_outlet_temperature_r{r:02d}"] - tags["stave_water_inlet_temperature"]
            row[stave_row_tag(r)] = float(indices.stave_heat_load(tags[f"stave_water_flow_r{r:02d}"], rise))
        rows[at] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def best(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=1440)
    parser.add_argument("--loop-minutes", type=int, default=240)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame, records = inputs(args.minutes)
    ours_s, ours = best(lambda: derive_minutes(frame, records, DESIGN, start=START), args.repeat)
    loop_minutes = min(args.loop_minutes, args.minutes)
    loop_s, loop = best(lambda: plain_loop(frame, records, loop_minutes), 1)
    values = ours.values  # type: ignore[attr-defined]
    common = [c for c in loop.columns if c in values.columns]  # type: ignore[attr-defined]
    np.testing.assert_allclose(
        loop[common].to_numpy(float),
        values[common].iloc[:loop_minutes].to_numpy(float),
        rtol=1e-9,
        atol=1e-9,
        equal_nan=True,
    )
    loop_scaled = loop_s * args.minutes / loop_minutes
    last = frame.index[-1]
    minute_s, _ = best(lambda: derive_minutes(frame, records, DESIGN, start=last), max(args.repeat, 5))
    tags = values.shape[1]
    print(
        f"derived tags of {args.minutes} minutes ({tags} tags, {args.minutes * tags:,} values), "
        f"window {DEFAULT_WINDOW / pd.Timedelta(hours=1):g} h"
    )
    ours_ms, loop_ms = 1000 * ours_s / args.minutes, 1000 * loop_s / loop_minutes
    print(f"  greenmet derive_minutes (vectorised)      {ours_s:8.3f} s  {ours_ms:6.2f} ms/minute")
    print(
        f"  plain loop, one-state sheet per minute    {loop_scaled:8.3f} s  {loop_ms:6.2f} ms/minute"
        f"  (timed on {loop_minutes} minutes, scaled)"
    )
    print(f"  ratio loop / greenmet                     {loop_scaled / ours_s:8.1f}")
    print(f"one live minute (derive_minutes, start = the last minute): {1000 * minute_s:.0f} ms")


if __name__ == "__main__":
    main()
