"""Benchmark: replay throughput of the fault detectors, in tag-samples per CPU-second.

Ours: :func:`greenmet.monitoring.detectors.default_detectors` (every process and equipment
detector of the 2500 m3 preset, 238 tags), fitted on 12 h of the furnace's normal operation,
stepped over ``--hours`` of simulated 1 s data in chunks of ``--chunk-s`` rows (one hour by
default, as a replay over the historian reads them). The data are simulated before timing and
held in memory: only the detectors are timed (CPU time of this process, one thread).

Peers, on the same frames, what a user would otherwise run:

1. **river** ``HalfSpaceTrees`` (the streaming anomaly-detection library, default 10 trees of
   height 8, window 250) learning and scoring every 1 s row of all tags, one row per Python
   call, as an online detector is fed; timed on ``--river-rows`` rows and scaled linearly (it
   says so). It is one model over all tags, with no fault kinds and no evidence: less work than
   ours per sample, so its rate is an upper bound for the like-for-like job.
2. **pandas per tag**: :func:`greenmet.quality.quality_flags` (rolling-window stuck, Hampel
   spike and gap checks written with pandas) called column by column over the same chunks:
   the per-tag data-quality flags only, without process detectors and without carrying state
   across chunks.

Printed: tag-samples per CPU-second of each, and the ratios. The bar of issue 14 is
≥ 1,000,000 tag-samples per second per core for the detectors in replay.

Run: ``python benchmarks/detector_throughput.py [--hours 6] [--chunk-s 3600] [--river-rows 2000]``.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from greenmet.blast_furnace.simulator import FurnaceSimulator, Scenario, preset
from greenmet.monitoring.detectors import default_detectors
from greenmet.quality import quality_flags


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hours", type=float, default=6.0)
    parser.add_argument("--chunk-s", type=int, default=3600)
    parser.add_argument("--river-rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args(argv)

    sim = FurnaceSimulator(preset("2500m3"), Scenario(random_sensor_faults_per_day=4.0), seed=args.seed)
    normal = next(sim.run(12 * 3600, chunk_steps=12 * 3600)).frame()
    chunks = [chunk.frame() for chunk in sim.run(int(args.hours * 3600), chunk_steps=args.chunk_s)]
    samples = sum(frame.size for frame in chunks)
    tags = normal.shape[1]

    detectors = default_detectors(normal.columns)
    detectors.fit(normal)
    start = time.process_time()
    events = 0
    for frame in chunks:
        events += len(detectors.step(frame))
    ours = samples / (time.process_time() - start)
    print(
        f"greenmet detectors ({len(detectors.runnable)} detectors, {tags} tags, chunks of {args.chunk_s} s): "
        f"{ours / 1e6:.2f} M tag-samples per CPU-second over {args.hours:g} h ({events} events)"
    )

    from river.anomaly import HalfSpaceTrees

    trees = HalfSpaceTrees(n_trees=10, height=8, window_size=250, seed=0)
    rows = pd.concat(chunks).iloc[: args.river_rows]
    low, high = normal.min(), normal.max()
    scaled = ((rows - low) / (high - low).where(high > low, 1.0)).clip(0, 1).fillna(0.5)
    records = scaled.to_dict(orient="records")
    start = time.process_time()
    for record in records:
        trees.score_one(record)
        trees.learn_one(record)
    river_rate = len(records) * tags / (time.process_time() - start)
    print(
        f"river HalfSpaceTrees, one row per call: {river_rate / 1e6:.3f} M tag-samples per CPU-second "
        f"(timed on {len(records)} rows, scaled linearly); ours / river = {ours / river_rate:.0f}x"
    )

    start = time.process_time()
    for frame in chunks:
        for tag in frame.columns:
            quality_flags(frame[tag])
    pandas_rate = samples / (time.process_time() - start)
    print(
        f"pandas per tag (greenmet.quality.quality_flags on each column of each chunk): "
        f"{pandas_rate / 1e6:.2f} M tag-samples per CPU-second; ours / pandas = {ours / pandas_rate:.1f}x"
    )
    print(f"bar: >= 1.00 M tag-samples per second per core: {'met' if ours >= 1e6 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
