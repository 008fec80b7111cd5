"""Skill of the hot-metal forecasts against persistence on the simulated furnace.

Not a speed benchmark: it prints, per target and horizon, the latest-split RMSE and hit rate of
persistence (the peer: what a furnace chief forecasts without a model), the ridge model and
LightGBM, and the time training took. Rerun with another seed, preset or length::

    python benchmarks/hot_metal_forecast.py --days 40 --seed 11 --preset 2500m3

The simulator's silicon is a lag model of the heat input (docs/user_guide/simulator.md): read the
skill as skill on that model, not on a plant.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from greenmet.blast_furnace.simulator import Scenario, preset, simulate
from greenmet.monitoring.forecast import train_forecasters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=40)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--preset", default="2500m3")
    parser.add_argument("--step-seconds", type=float, default=10.0)
    args = parser.parse_args()
    started = time.perf_counter()
    result = simulate(
        preset(args.preset),
        f"{args.days}D",
        seed=args.seed,
        step_seconds=args.step_seconds,
        scenario=Scenario.from_text("random_sensor_faults_per_day = 0\n"),
    )
    minutes = result.values.resample("1min").mean()
    casts = result.casts.rename(columns={"cast_number": "cast_id", "end": "ended_at"})
    simulated = time.perf_counter() - started
    started = time.perf_counter()
    trained = train_forecasters(casts, minutes)
    elapsed = time.perf_counter() - started
    table = trained.latest_split().pivot_table(
        index=["target", "horizon"], columns="model", values=["rmse", "hit_rate"]
    )
    pd.set_option("display.width", 160)
    print(
        f"{len(casts)} casts over {args.days:g} days (simulated in {simulated:.1f} s); "
        f"training and scoring 3 models x 2 targets x 2 horizons: {elapsed:.1f} s"
    )
    print(table.round(4))
    for (target, horizon), row in table.iterrows():
        ratio = row[("rmse", "linear")] / row[("rmse", "persistence")]
        print(f"{target:12s} {horizon} cast(s) ahead: ridge RMSE / persistence RMSE = {ratio:.2f}")


if __name__ == "__main__":
    main()
