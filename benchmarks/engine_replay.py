"""Monitoring engine, replay data path: historian range → wide 1 s chunks → detectors.

Runs, on the same simulated history and in one process:

- **engine**: ``greenmet.engines.monitoring.replay`` with 60 s chunks read an hour at a time;
- **peer**: what a competent user would write by hand: per hour, one DuckDB query over the
  furnace's Parquet files that keeps the latest sample of each (second, tag) (bad samples NULL),
  a pandas ``pivot`` to one column per tag, ``reindex`` to every second, then 60 s slices.

Both hand every chunk to the same detector, which only counts the non-NaN cells, so the timing
is the data path (read, pivot, chunking) and both must count the same tag-samples. Wall-clock
and CPU time of each side, the ratio and the tag-samples per second are printed.

    python benchmarks/engine_replay.py [--hours 2] [--preset 2500m3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from greenmet.blast_furnace.simulator import preset as furnace_preset
from greenmet.engines.monitoring import MonitoringEngine, replay
from greenmet.simulation.history import write_history
from greenmet.storage import queries


class Counter:
    """A detector that reads every tag and counts the values it is given."""

    category = "process"

    def __init__(self, tags: list[str]) -> None:
        self.name = "counter"
        self.required_tags = tuple(tags)
        self.cells = 0
        self.rows = 0

    def fit(self, normal: pd.DataFrame) -> None:
        """Nothing to learn."""

    def step(self, chunk: pd.DataFrame) -> list:
        self.cells += int(np.count_nonzero(~np.isnan(chunk.to_numpy())))
        self.rows += len(chunk)
        return []


def _peer(
    root: Path,
    site: str,
    furnace: str,
    tags: list[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    detector: Counter,
) -> None:
    files = str(root / f"site={site}" / f"furnace={furnace}" / "date=*" / "part-*.parquet")
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    hour = pd.Timedelta(hours=1)
    low = start
    while low < end:
        high = min(low + hour, end)
        long = connection.execute(
            f"""SELECT date_trunc('second', ts) AS second, tag,
                       arg_max(CASE WHEN quality >= 128 THEN NULL ELSE value END, ts) AS value
                FROM read_parquet('{files}')
                WHERE ts >= ? AND ts < ? AND tag IN (SELECT unnest(?))
                GROUP BY ALL""",
            [low.to_pydatetime(), high.to_pydatetime(), tags],
        ).df()
        wide = long.pivot(index="second", columns="tag", values="value")
        grid = pd.date_range(low, high, freq="s", inclusive="left")
        wide = wide.reindex(index=grid, columns=tags)
        for first in range(0, len(wide), 60):
            detector.step(wide.iloc[first : first + 60])
        low = high


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--preset", default="2500m3")
    arguments = parser.parse_args()
    config = furnace_preset(arguments.preset)
    start = pd.Timestamp("2026-01-01T00:00:00Z")
    end = start + pd.Timedelta(hours=arguments.hours)
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        write_history(root, config, f"{int(arguments.hours * 3600)}s", seed=5, start=start)
        site, furnace = config.site, config.furnace_id
        tags = [t for t in queries.known_tags(root, site, furnace) if not t.startswith("ingest_")]

        engine_detector = Counter(tags)
        engine = MonitoringEngine([engine_detector], tags, chunk_s=60, mode="replay")
        wall, cpu = time.perf_counter(), time.process_time()
        replay(engine, root, site, furnace, start, end)
        engine_wall, engine_cpu = time.perf_counter() - wall, time.process_time() - cpu

        peer_detector = Counter(tags)
        wall, cpu = time.perf_counter(), time.process_time()
        _peer(root, site, furnace, tags, start, end, peer_detector)
        peer_wall, peer_cpu = time.perf_counter() - wall, time.process_time() - cpu

    if (engine_detector.cells, engine_detector.rows) != (peer_detector.cells, peer_detector.rows):
        raise SystemExit(
            f"the two sides differ: engine {engine_detector.cells} cells in {engine_detector.rows} "
            f"rows, peer {peer_detector.cells} in {peer_detector.rows}"
        )
    samples = engine_detector.cells
    print(
        f"{arguments.hours:g} h of the {arguments.preset} preset, {len(tags)} tags, {samples:,} tag-samples, "
        "60 s chunks read an hour at a time"
    )
    print(
        f"engine replay          wall {engine_wall:7.2f} s  cpu {engine_cpu:7.2f} s  "
        f"{samples / engine_cpu:,.0f} tag-samples per CPU second"
    )
    print(
        f"peer DuckDB + pandas   wall {peer_wall:7.2f} s  cpu {peer_cpu:7.2f} s  "
        f"{samples / peer_cpu:,.0f} tag-samples per CPU second"
    )
    print(f"ratio peer/engine      wall {peer_wall / engine_wall:5.2f}  cpu {peer_cpu / engine_cpu:5.2f}")


if __name__ == "__main__":
    main()
