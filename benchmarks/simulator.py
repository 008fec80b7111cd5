"""Benchmark: one simulated day of the 5,000 m3 furnace written to Parquet, and the model's
vectorised chunks against a per-step Python loop of the same model.

Run: ``python benchmarks/simulator.py [--days 1] [--baseline-hours 1]``. Prints the elapsed
time, the speed-up over real time (goal >= 20,000x), points per second and the peak resident
memory of the process (``resource.getrusage``), then the baseline: the same
:class:`FurnaceSimulator` advanced one step per Python call for a simulated hour, against the
same hour advanced as one chunk; the ratio is the gain of vectorisation.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time

from greenmet.blast_furnace.simulator import FurnaceSimulator, preset, tag_catalogue
from greenmet.simulation.history import write_history


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=1.0)
    parser.add_argument("--baseline-hours", type=float, default=1.0)
    args = parser.parse_args()
    config = preset("5000m3")
    print(f"furnace {config.furnace_id}: {len(tag_catalogue(config))} tags, 1-s steps, {args.days:g} day(s)")
    FurnaceSimulator(config).advance(60)  # import and first-call costs out of the timing
    base_rss = _peak_rss_mb()
    with tempfile.TemporaryDirectory() as root:
        cpu_before = _cpu_s()
        report = write_history(root, config, f"{int(args.days * 86400)}s", seed=1)
        cpu = _cpu_s() - cpu_before
        simulated = report.steps
        print(
            f"greenmet write_history: {report.elapsed_s:.2f} s for {simulated:,} simulated s "
            f"-> {simulated / report.elapsed_s:,.0f}x real time (goal 20,000x)"
        )
        print(
            f"  {report.points:,} points, {report.points / report.elapsed_s / 1e6:.2f} M points/s, "
            f"{len(report.parts)} part(s), peak RSS {_peak_rss_mb():.0f} MB (before: {base_rss:.0f} MB)"
        )
        print(
            f"  CPU time {cpu:.2f} s (user + sys, all threads) -> {simulated / cpu:,.0f}x real time per CPU "
            f"second; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )

    steps = int(args.baseline_hours * 3600)
    vectorised = FurnaceSimulator(config, seed=2)
    began = time.perf_counter()
    vectorised.advance(steps)
    chunk_s = time.perf_counter() - began
    looped = FurnaceSimulator(config, seed=2)
    began = time.perf_counter()
    for _ in range(steps):
        looped.advance(1)
    loop_s = time.perf_counter() - began
    print(
        f"model only, {steps:,} steps: one vectorised chunk {chunk_s:.3f} s; "
        f"per-step Python loop (peer/baseline) {loop_s:.2f} s; ratio {loop_s / chunk_s:,.0f}x"
    )


if __name__ == "__main__":
    main()
