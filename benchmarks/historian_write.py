"""Benchmark: bulk write into the historian (validation + fsynced write-ahead log + sorted,
de-duplicated, zstd Parquet parts) against a plain ``pyarrow.parquet.write_table`` of the same
points (peer: one zstd file, no log, no sort, no de-duplication, no validation).

Data: ``--tags`` tags at 1 s for ``--seconds`` seconds, long format, in time order as an
ingestion delivers them (all tags of a second, then the next second), values a rounded random walk.
Written in batches of ``--batch`` points, each batch one ``Historian.write`` (one fsync), then one
flush. Prints points per second of both, their ratio, and the peak resident memory of each phase
above the memory held before it (sampled every 2 ms by psutil).

Run: ``python benchmarks/historian_write.py [--tags 100] [--seconds 100000] [--batch 1000000]``.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.parquet as pq

from greenmet.storage import POINT_SCHEMA, Historian


class PeakMemory:
    """Peak resident set size above the level at entry, sampled in a thread [B]."""

    def __init__(self, interval_s: float = 0.002) -> None:
        self.interval_s = interval_s
        self.process = psutil.Process()
        self.peak_bytes = 0

    def __enter__(self) -> PeakMemory:
        self.baseline = self.process.memory_info().rss
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self) -> None:
        while not self.stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self.process.memory_info().rss - self.baseline)
            time.sleep(self.interval_s)

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        self.thread.join()
        self.peak_bytes = max(self.peak_bytes, self.process.memory_info().rss - self.baseline)


def make_points(tags: int, seconds: int, seed: int = 0) -> pa.Table:
    rng = np.random.default_rng(seed)
    start_us = 1_735_689_600_000_000  # 2025-01-01T00:00:00Z
    ts = np.repeat(start_us + np.arange(seconds, dtype=np.int64) * 1_000_000, tags)
    names = np.array([f"stave_temperature_r{i // 20:02d}_s{i % 20:02d}" for i in range(tags)], dtype=object)
    tag_indices = np.tile(np.arange(tags, dtype=np.int32), seconds)
    walk = np.cumsum(rng.normal(0.0, 0.05, (seconds, tags)), axis=0) + 60.0
    values = np.round(walk.reshape(-1), 2)
    return pa.table({
        "ts": pa.array(ts, pa.timestamp("us", tz="UTC")),
        "tag": pa.DictionaryArray.from_arrays(pa.array(tag_indices), pa.array(names, pa.string()))
        .cast(pa.string()),
        "value": pa.array(values, pa.float64()),
        "quality": pa.array(np.zeros(len(ts), dtype=np.uint8), pa.uint8()),
    }, schema=POINT_SCHEMA)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000_000)
    parser.add_argument("--buffer", type=int, default=2_000_000, help="Historian max_buffer_points")
    parser.add_argument("--directory", type=Path, default=None, help="where to write (a temporary directory)")
    arguments = parser.parse_args()

    table = make_points(arguments.tags, arguments.seconds)
    points = table.num_rows
    base = Path(tempfile.mkdtemp(prefix="greenmet-bench-", dir=arguments.directory))
    try:
        with PeakMemory() as ours_memory:
            started = time.perf_counter()
            with Historian(base / "historian", "bench", "bf1", max_buffer_points=arguments.buffer,
                           future_tolerance_s=None) as historian:
                for offset in range(0, points, arguments.batch):
                    historian.write(table.slice(offset, arguments.batch))
                write_s = time.perf_counter() - started
                historian.flush()
            ours_s = time.perf_counter() - started
        with PeakMemory() as peer_memory:
            started = time.perf_counter()
            pq.write_table(table, base / "peer.parquet", compression="zstd")
            peer_s = time.perf_counter() - started
        ours_bytes = sum(p.stat().st_size for p in (base / "historian").rglob("*.parquet"))
        peer_bytes = (base / "peer.parquet").stat().st_size
    finally:
        shutil.rmtree(base, ignore_errors=True)

    print(f"points: {points:,} ({arguments.tags} tags x {arguments.seconds:,} s), "
          f"batches of {arguments.batch:,}")
    print(f"greenmet Historian (validate + fsynced WAL + sorted parts): {ours_s:.2f} s = "
          f"{points / ours_s:,.0f} points/s  (writes, with the automatic flush every {arguments.buffer:,} "
          f"points, {write_s:.2f} s; last flush {ours_s - write_s:.2f} s); "
          f"{ours_bytes / 2**20:.1f} MiB of parts; "
          f"peak memory +{ours_memory.peak_bytes / 2**20:.0f} MiB")
    print(f"peer pyarrow.parquet.write_table (one zstd file):          {peer_s:.2f} s = "
          f"{points / peer_s:,.0f} points/s; {peer_bytes / 2**20:.1f} MiB on disk; "
          f"peak memory +{peer_memory.peak_bytes / 2**20:.0f} MiB")
    print(f"ratio (historian time / peer time): {ours_s / peer_s:.2f}")


if __name__ == "__main__":
    main()
