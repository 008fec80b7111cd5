"""Benchmark: the blast-furnace calculation sheet over a year of hourly states.

Ours: :func:`greenmet.blast_furnace.state.calculation_sheet_frame` on all 8,760 rows at once
(every function works on whole columns). Baseline: a row-by-row loop calling the same function
on one-row frames, i.e. the same functions applied to one state at a time, as a spreadsheet or a
naive script would. Both produce the same numbers (checked). Prints both timings and the ratio.

Run: ``python benchmarks/calc.py [--rows N] [--loop-rows M]``. The loop is timed on M rows (default
500, about a minute) and scaled linearly to N; ``--loop-rows 8760`` times the whole loop (about
20 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import time
import tomllib
from importlib import resources

import numpy as np
import pandas as pd

from greenmet.blast_furnace.state import calculation_sheet_frame, state_from_mapping, state_to_columns


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
    parser.add_argument("--loop-rows", type=int, default=500)
    args = parser.parse_args()
    states = hourly_states(args.rows)
    loop_rows = min(args.loop_rows, args.rows)

    start = time.perf_counter()
    vectorised = calculation_sheet_frame(states)
    vector_s = time.perf_counter() - start

    start = time.perf_counter()
    pieces = [calculation_sheet_frame(states.iloc[[i]]) for i in range(loop_rows)]
    loop_s = (time.perf_counter() - start) * args.rows / loop_rows
    looped = pd.concat(pieces)
    numeric = vectorised.columns.drop("flags")
    same = np.allclose(looped[numeric].to_numpy(dtype=float), vectorised.iloc[:loop_rows][numeric].to_numpy(
        dtype=float), rtol=1e-9, equal_nan=True)

    print(f"states: {args.rows} hourly rows x {states.shape[1]} input columns -> {len(numeric)} quantities")
    print(f"vectorised calculation_sheet_frame: {vector_s:8.3f} s")
    scaled = "" if loop_rows == args.rows else f" (timed on {loop_rows} rows, scaled)"
    print(f"row-by-row loop of the same function: {loop_s:8.3f} s{scaled}")
    print(f"ratio loop / vectorised: {loop_s / vector_s:,.0f}x; same results: {same}")


if __name__ == "__main__":
    main()
