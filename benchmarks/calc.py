"""Benchmark: the blast-furnace calculation sheet over a year of hourly states.

Ours: :func:`greenmet.blast_furnace.state.calculation_sheet_frame` on all 8,760 rows at once
(every function works on whole columns).

Peer (headline): the plain loop a user writes over the rows, each state's values passed as Python
floats through the same functions (:func:`~greenmet.blast_furnace.state.calculation_sheet_values`
calls every function of the package on scalars; it is also the one-state path of
``calculation_sheet``). Same quantities, checked equal to 1e-9.

Secondary line, for comparison with earlier figures: the same function called on one-row frames,
as the first version of this benchmark did (mostly pandas overhead per call).

Run: ``python benchmarks/calc.py [--rows N] [--loop-rows M] [--frame-rows K]``. The scalar loop is
timed on M rows (default 1,000) and the one-row-frame loop on K rows (default 50); both are scaled
linearly to N and say so.
"""

from __future__ import annotations

import argparse
import time
import tomllib
from importlib import resources

import numpy as np
import pandas as pd

from greenmet.blast_furnace.state import (
    calculation_sheet_frame,
    calculation_sheet_values,
    state_from_mapping,
    state_to_columns,
)


def hourly_states(rows: int, seed: int = 0) -> pd.DataFrame:
    """A year of plausible hourly states around the shipped 2,500 m3 example."""
    example = resources.files("greenmet.blast_furnace").joinpath("examples", "state_2500m3.toml")
    text = example.read_text("utf-8")
    base = state_to_columns(state_from_mapping(tomllib.loads(text)))
    rng = np.random.default_rng(seed)
    index = pd.date_range("2026-01-01", periods=rows, freq="h", name="time")
    frame = pd.DataFrame({key: np.full(rows, value) for key, value in base.items()}, index=index)
    frame["blast_temperature_degC"] += rng.normal(0, 15, rows)
    frame["blast_humidity_g_per_nm3"] += rng.normal(0, 2, rows)
    frame["production_t_per_day"] *= 1 + rng.normal(0, 0.03, rows)
    frame["coal_rate_kg_per_thm"] += rng.normal(0, 5, rows)
    shift = rng.normal(0, 0.5, rows)
    frame["top_gas.CO_percent"] += shift
    frame["top_gas.CO2_percent"] -= shift
    frame["hot_metal_temperature_degC"] += rng.normal(0, 8, rows)
    frame["hot_metal.Si_percent"] = (frame["hot_metal.Si_percent"] + rng.normal(0, 0.08, rows)).clip(0.1)
    return frame


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=8760)
    parser.add_argument("--loop-rows", type=int, default=1000)
    parser.add_argument("--frame-rows", type=int, default=50)
    args = parser.parse_args()
    states = hourly_states(args.rows)
    loop_rows = min(args.loop_rows, args.rows)
    frame_rows = min(args.frame_rows, args.rows)
    calculation_sheet_values(states.iloc[0].to_dict())  # warm the caches (reference tables) for both

    start = time.perf_counter()
    vectorised = calculation_sheet_frame(states)
    vector_s = time.perf_counter() - start

    records = states.iloc[:loop_rows].to_dict("records")
    start = time.perf_counter()
    looped = [calculation_sheet_values(record) for record in records]
    loop_s = (time.perf_counter() - start) * args.rows / loop_rows

    start = time.perf_counter()
    for i in range(frame_rows):
        calculation_sheet_frame(states.iloc[[i]])
    frame_s = (time.perf_counter() - start) * args.rows / frame_rows

    numeric = vectorised.columns.drop("flags")
    loop_values = pd.DataFrame(looped, columns=numeric).to_numpy(dtype=float)
    same = np.allclose(loop_values, vectorised.iloc[:loop_rows][numeric].to_numpy(dtype=float), rtol=1e-9,
                       equal_nan=True)

    print(f"states: {args.rows} hourly rows x {states.shape[1]} input columns -> {len(numeric)} quantities")
    print(f"ours, vectorised calculation_sheet_frame:            {vector_s:9.3f} s")
    scaled = "" if loop_rows == args.rows else f" (timed on {loop_rows} rows, scaled)"
    print(f"peer, plain loop of scalars through the functions:   {loop_s:9.3f} s{scaled}"
          f"  ({1e3 * loop_s / args.rows:.2f} ms per state)")
    print(f"ratio peer / ours: {loop_s / vector_s:,.0f}x; same results: {same}")
    print(f"secondary: loop of calculation_sheet_frame on one-row frames {frame_s:9.3f} s "
          f"(timed on {frame_rows} rows, scaled; {frame_s / vector_s:,.0f}x ours)")


if __name__ == "__main__":
    main()
