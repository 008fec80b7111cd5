"""Benchmark: the chart query — 30 days x 100 tags at 1 s (259.2 million points) bucketed to
1,000 points per tag (min, max, mean, last, counts) — with greenmet's Ibis query on DuckDB
against pandas reading the same Parquet files (peer). greenmet answers from the 1-minute
roll-ups the historian keeps beside each part (built here by ``Historian.compact()`` since the
data are generated outside the historian); the same query over the raw points is timed too.

The data are generated once with DuckDB straight into the historian layout
(``ROOT/site=bench/furnace=bf1/date=…/part-….parquet``, one part per day, sorted by tag then ts,
zstd), reused on later runs; about 2 GB of disk. Values are a smooth daily wave plus noise,
rounded to 0.01 as a plant historian stores them.

The pandas peer reads one day at a time (all 30 days at once would need ~10 GB as pandas
objects), aggregates per (tag, bucket) and combines the partial aggregates (min of minima,
max of maxima, sum and count for the mean, value at the latest ts for last), which is what a
careful pandas user writes. Both results are checked equal. Peak resident memory above the
level before each phase is sampled by psutil.

Run: ``python benchmarks/historian_query.py [--root /tmp/greenmet-bench-historian] [--days 30]
[--tags 100] [--repeat 3]``.
"""

from __future__ import annotations

import argparse
import time
import uuid
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from historian_write import PeakMemory

from greenmet.storage import Historian, queries

START = pd.Timestamp("2025-01-01T00:00:00Z")
SITE, FURNACE = "bench", "bf1"


def tag_names(tags: int) -> list[str]:
    return [f"stave_temperature_r{i // 20:02d}_s{i % 20:02d}" for i in range(tags)]


def generate(root: Path, days: int, tags: int) -> None:
    directory = root / f"site={SITE}" / f"furnace={FURNACE}"
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    for day in range(days):
        date = (START + pd.Timedelta(days=day)).date().isoformat()
        partition = directory / f"date={date}"
        if any(partition.glob("part-*.parquet")):
            continue
        partition.mkdir(parents=True, exist_ok=True)
        temporary = partition / f".tmp-part-{uuid.uuid4().hex}"
        started = time.perf_counter()
        # k runs over tag-major, time-minor order, which is the order of a part: no sort needed
        # (DuckDB keeps the insertion order of a query without ORDER BY when writing a file).
        connection.execute(f"""
            COPY (
                SELECT TIMESTAMPTZ '{START.isoformat()}' + to_seconds({day * 86400} + k % 86400) AS ts,
                       'stave_temperature_r' || lpad((k // 86400 // 20)::VARCHAR, 2, '0')
                           || '_s' || lpad((k // 86400 % 20)::VARCHAR, 2, '0') AS tag,
                       round(100 + 20 * sin(2 * pi() * ({day * 86400} + k % 86400) / 86400.0 + k // 86400)
                             + (hash(k + {day * tags * 86400}) % 1000) / 1000.0, 2)::DOUBLE AS value,
                       0::UTINYINT AS quality
                FROM range({tags * 86400}) r(k)
            ) TO '{temporary}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1048576, PARQUET_VERSION V2)
        """)
        temporary.rename(partition / f"part-{uuid.uuid4().hex}.parquet")
        elapsed = time.perf_counter() - started
        print(f"  generated {date}: {tags * 86400:,} points in {elapsed:.1f} s", flush=True)
    connection.close()


def pandas_chart(root: Path, tags: list[str], start: pd.Timestamp, end: pd.Timestamp,
                 width_s: int) -> pd.DataFrame:
    origin = int(start.timestamp())
    partials = []
    files = sorted((root / f"site={SITE}" / f"furnace={FURNACE}").glob("date=*/part-*.parquet"))
    for file in files:
        frame = pq.read_table(file, columns=["ts", "tag", "value", "quality"]).to_pandas()
        frame = frame[frame["tag"].isin(tags) & (frame["ts"] >= start) & (frame["ts"] < end)]
        seconds = frame["ts"].dt.tz_convert(None).to_numpy().astype("datetime64[s]").astype(np.int64)
        frame = frame.assign(bucket=(seconds - origin) // width_s, bad=(frame["quality"] == 128).astype(int))
        good = frame[frame["bad"] == 0]
        grouped = good.groupby(["tag", "bucket"], observed=True)
        last_rows = good.loc[grouped["ts"].idxmax(), ["tag", "bucket", "ts", "value"]]
        partial = grouped["value"].agg(["min", "max", "sum", "count"]).reset_index()
        last_rows = last_rows.rename(columns={"ts": "last_ts", "value": "last"})
        partial = partial.merge(last_rows, on=["tag", "bucket"])
        counts = frame.groupby(["tag", "bucket"], observed=True).agg(point_count=("value", "size"),
                                                                      bad_count=("bad", "sum"))
        partials.append(partial.merge(counts.reset_index(), on=["tag", "bucket"], how="outer"))
    combined = pd.concat(partials, ignore_index=True)
    combined["tag"] = combined["tag"].astype(str)
    combined = combined.sort_values(["tag", "bucket", "last_ts"])
    grouped = combined.groupby(["tag", "bucket"])
    result = pd.DataFrame({
        "value_min": grouped["min"].min(),
        "value_max": grouped["max"].max(),
        "value_mean": grouped["sum"].sum() / grouped["count"].sum(),
        "value_last": grouped["last"].last(),
        "point_count": grouped["point_count"].sum().astype("int64"),
        "bad_count": grouped["bad_count"].sum().astype("int64"),
    }).reset_index()
    result.insert(1, "bucket_start", start + pd.to_timedelta(result.pop("bucket") * width_s, unit="s"))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/greenmet-bench-historian"))
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--tags", type=int, default=100)
    parser.add_argument("--points", type=int, default=1000, help="buckets per tag")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--raw-repeat", type=int, default=1, help="runs over the raw points")
    arguments = parser.parse_args()

    print(f"data: {arguments.root} ({arguments.days} days x {arguments.tags} tags at 1 s)")
    started = time.perf_counter()
    generate(arguments.root, arguments.days, arguments.tags)
    print(f"  ready in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with Historian(arguments.root, SITE, FURNACE) as historian:  # builds the 1-minute roll-ups
        historian.compact()
    print(f"  roll-ups checked or built by Historian.compact() in {time.perf_counter() - started:.1f} s")
    files = sorted((arguments.root / f"site={SITE}" / f"furnace={FURNACE}").glob("date=*/part-*.parquet"))
    points = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    size = sum(f.stat().st_size for f in files)
    print(f"  {points:,} points in {len(files)} files, {size / 2**30:.2f} GiB")

    tags = tag_names(arguments.tags)
    end = START + pd.Timedelta(days=arguments.days)
    width_s = queries.bucket_width_s(START, end, points_per_tag=arguments.points)

    timings, raw_timings = [], []
    with PeakMemory() as duckdb_memory:
        for _ in range(arguments.repeat):
            began = time.perf_counter()
            table = queries.open_points(arguments.root, SITE, FURNACE, start=START, end=end)
            rollups = queries.open_rollups(arguments.root, SITE, FURNACE, start=START, end=end,
                                           backend=table.get_backend())
            ours = queries.run(queries.bucketed(table, tags, START, end, points_per_tag=arguments.points,
                                                rollups=rollups))
            timings.append(time.perf_counter() - began)
    with PeakMemory() as raw_memory:
        for _ in range(arguments.raw_repeat):
            began = time.perf_counter()
            table = queries.open_points(arguments.root, SITE, FURNACE, start=START, end=end)
            raw = queries.run(queries.bucketed(table, tags, START, end, points_per_tag=arguments.points))
            raw_timings.append(time.perf_counter() - began)
    with PeakMemory() as pandas_memory:
        began = time.perf_counter()
        peer = pandas_chart(arguments.root, tags, START, end, width_s)
        pandas_s = time.perf_counter() - began

    if arguments.raw_repeat:
        pd.testing.assert_frame_equal(ours, raw, check_exact=False, rtol=1e-9)
    ours = ours.sort_values(["tag", "bucket_start"], ignore_index=True)
    peer = peer.sort_values(["tag", "bucket_start"], ignore_index=True)
    assert len(ours) == len(peer) <= arguments.tags * arguments.points, (len(ours), len(peer))
    assert (ours["bucket_start"].to_numpy() == peer["bucket_start"].to_numpy()).all()
    for column in ("value_min", "value_max", "value_mean", "value_last", "point_count", "bad_count"):
        np.testing.assert_allclose(ours[column].to_numpy(float), peer[column].to_numpy(float), rtol=1e-9)

    best, first = min(timings), timings[0]
    print(f"chart query: {arguments.tags} tags, at most {arguments.points} buckets per tag: "
          f"{len(ours) // arguments.tags} buckets of {width_s} s "
          f"(results of both checked equal)")
    print(f"greenmet queries.bucketed on DuckDB: best {best:.2f} s of {arguments.repeat} "
          f"(first {first:.2f} s) = {points / best / 1e6:,.0f} M points/s; "
          f"peak memory +{duckdb_memory.peak_bytes / 2**20:.0f} MiB")
    if raw_timings:
        print(f"  the same query over the raw points (no roll-ups), DuckDB: best {min(raw_timings):.2f} s of "
              f"{len(raw_timings)} = {points / min(raw_timings) / 1e6:,.0f} M points/s; "
              f"peak memory +{raw_memory.peak_bytes / 2**20:.0f} MiB")
    print(f"peer pandas, reading the same Parquet day by day: {pandas_s:.2f} s "
          f"= {points / pandas_s / 1e6:,.1f} M points/s; "
          f"peak memory +{pandas_memory.peak_bytes / 2**20:.0f} MiB")
    print(f"ratio (pandas time / DuckDB time): {pandas_s / best:.1f}"
          + (f"; raw-point DuckDB: {pandas_s / min(raw_timings):.1f}" if raw_timings else ""))


if __name__ == "__main__":
    main()
