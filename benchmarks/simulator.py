"""Benchmark: simulated history of the 5,000 m3 furnace written to Parquet, against what a
competent user would otherwise write to make the same amount of synthetic plant data.

Run: ``python benchmarks/simulator.py [--days 1] [--model-hours 1] [--per-step-steps 600]``.

1. **Bulk history, like for like.** ``greenmet write_history`` (the furnace model with its
   balances, lags, faults and labels, parts in the historian layout, each made live through the
   historian with its 1-minute roll-up) against the *peer*: a plain NumPy script that gives
   every continuous tag of the same catalogue an AR(1) process around the middle of its range
   (the same measurement-noise process the model uses: phi = exp(-1 s / 15 s), ``scipy``'s
   ``lfilter``), builds the long table (ts, tag, value, quality) with pyarrow and writes it in
   the same 12-hour parts, same schema, zstd and encodings. The peer has no physics, no faults,
   no casts, no roll-ups and no manifest: it is the cost of producing and storing the same number
   of tag x samples, a floor for any generator. Printed: both times, both speed-ups over real
   time, the ratio, points per second, peak memory.
2. **Model only.** One simulated hour advanced as one chunk (``FurnaceSimulator.advance``)
   against the peer's generator for the same tags x samples, in memory, no files.
3. Secondary (the earlier peer, the library's own slow path): the model advanced one step per
   Python call, for ``--per-step-steps`` steps, against the same steps as one chunk.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.signal import lfilter

from greenmet.blast_furnace.simulator import FurnaceSimulator, preset, tag_catalogue
from greenmet.simulation.history import write_history

START = pd.Timestamp("2026-01-01T00:00:00Z")
PART_HOURS = 12


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024


def peer_values(low: np.ndarray, high: np.ndarray, steps: int, rng: np.random.Generator) -> np.ndarray:
    """The peer's generator: AR(1) noise (phi = exp(-1/15), stationary std 2 % of the range)
    around the middle of each tag's range; shape (tags, steps), tag-major."""
    phi = np.exp(-1.0 / 15.0)
    sigma = 0.02 * (high - low)
    shocks = rng.standard_normal((low.size, steps)) * (sigma * np.sqrt(1 - phi * phi))[:, None]
    noise = lfilter([1.0], [1.0, -phi], shocks, axis=1)
    return (low + high)[:, None] / 2 + noise


def peer_write(root: Path, tags: list[str], low: np.ndarray, high: np.ndarray, seconds: int) -> int:
    """The peer's history writer: the same tags x samples as long-format Parquet parts."""
    rng = np.random.default_rng(1)
    directory = root / "site=demo" / "furnace=peer"
    written = 0
    for first in range(0, seconds, PART_HOURS * 3600):
        steps = min(PART_HOURS * 3600, seconds - first)
        values = peer_values(low, high, steps, rng)
        stamps = START.value // 1000 + (first + np.arange(steps, dtype=np.int64)) * 1_000_000
        ts = np.tile(stamps, len(tags)).view("datetime64[us]")
        table = pa.table(
            {
                "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
                "tag": pa.DictionaryArray.from_arrays(
                    pa.array(np.repeat(np.arange(len(tags), dtype=np.int32), steps)), pa.array(tags)
                ),
                "value": values.ravel(),
                "quality": np.zeros(values.size, dtype=np.uint8),
            }
        )
        date = (START + pd.Timedelta(seconds=first)).date().isoformat()
        part = directory / f"date={date}" / f"part-{uuid.uuid4().hex}.parquet"
        part.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            table,
            part,
            compression="zstd",
            use_dictionary=["tag", "quality"],
            column_encoding={"ts": "DELTA_BINARY_PACKED", "value": "BYTE_STREAM_SPLIT"},
            store_schema=False,
        )
        written += table.num_rows
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=1.0)
    parser.add_argument("--model-hours", type=float, default=1.0)
    parser.add_argument("--per-step-steps", type=int, default=600)
    args = parser.parse_args()
    config = preset("5000m3")
    catalogue = tag_catalogue(config)
    simulator = FurnaceSimulator(config)
    continuous = catalogue.set_index("tag").loc[sorted(simulator.tags)]
    tags = list(continuous.index)
    low, high = continuous["low"].to_numpy(float), continuous["high"].to_numpy(float)
    seconds = int(args.days * 86400)
    print(
        f"furnace {config.furnace_id}: {len(catalogue)} tags ({len(tags)} continuous), 1-s steps, "
        f"{args.days:g} day(s); load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    simulator.advance(60)  # import and first-call costs out of the timing
    peer_values(low, high, 60, np.random.default_rng(0))

    with tempfile.TemporaryDirectory() as root:
        began, cpu = time.perf_counter(), time.process_time()
        report = write_history(root, config, f"{seconds}s", seed=1, start=START)
        greenmet_s, greenmet_cpu = time.perf_counter() - began, time.process_time() - cpu
    with tempfile.TemporaryDirectory() as root:
        began, cpu = time.perf_counter(), time.process_time()
        peer_points = peer_write(Path(root), tags, low, high, seconds)
        peer_s, peer_cpu = time.perf_counter() - began, time.process_time() - cpu
    print("1. bulk history to Parquet (simulate + write; greenmet also: faults, casts, roll-ups, manifest)")
    print(
        f"   greenmet write_history: {greenmet_s:7.2f} s, {seconds / greenmet_s:9,.0f}x real time, "
        f"{report.points / greenmet_s / 1e6:5.2f} M points/s ({report.points:,} points, "
        f"{len(report.parts)} parts + roll-ups)"
    )
    print(
        f"   peer (NumPy AR(1) + pyarrow): {peer_s:7.2f} s, {seconds / peer_s:9,.0f}x real time, "
        f"{peer_points / peer_s / 1e6:5.2f} M points/s ({peer_points:,} points)"
    )
    print(
        f"   ratio greenmet / peer: {greenmet_s / peer_s:.2f} wall clock, "
        f"{greenmet_cpu / peer_cpu:.2f} CPU time (CPU of all threads: greenmet {greenmet_cpu:.1f} s, "
        f"peer {peer_cpu:.1f} s; peak RSS {_peak_rss_mb():.0f} MB)"
    )

    steps = int(args.model_hours * 3600)
    model = FurnaceSimulator(config, seed=2)
    began = time.perf_counter()
    model.advance(steps)
    model_s = time.perf_counter() - began
    began = time.perf_counter()
    peer_values(low, high, steps, np.random.default_rng(2))
    peer_model_s = time.perf_counter() - began
    print(f"2. model only, {steps:,} steps x {len(tags)} tags in memory")
    print(
        f"   greenmet advance: {model_s:.3f} s; peer generator: {peer_model_s:.3f} s; "
        f"ratio greenmet / peer {model_s / peer_model_s:.1f}"
    )

    steps = args.per_step_steps
    chunked = FurnaceSimulator(config, seed=3)
    began = time.perf_counter()
    chunked.advance(steps)
    chunk_s = time.perf_counter() - began
    looped = FurnaceSimulator(config, seed=3)
    began = time.perf_counter()
    for _ in range(steps):
        looped.advance(1)
    loop_s = time.perf_counter() - began
    print(
        f"3. secondary (earlier peer: the library's own per-step path), {steps:,} steps: one chunk "
        f"{chunk_s:.3f} s, advance(1) per step {loop_s:.2f} s; ratio {loop_s / chunk_s:,.0f}x"
    )


if __name__ == "__main__":
    main()
