"""Benchmark: the chart query (days x tags at 1 s, bucketed to 1,000 points per tag: min, max,
mean, last, counts), like for like.

1. Raw points, every side reading the same Parquet files (the furnace's live parts, from its
   manifest):
   - greenmet ``queries.bucketed`` (Ibis on DuckDB) over the raw points;
   - the same query written by hand in DuckDB SQL over the same file list: the engine's limit;
   - the peer a competent pandas user writes: ``pyarrow`` reader with columns and filters pushed
     down, one day at a time (all days at once would need ~10 GB as pandas objects), partial
     aggregates per (tag, bucket) combined at the end.
2. Roll-ups: greenmet answering from the 1-minute roll-ups the historian keeps beside each part,
   with the time it took to build them (here once, when the Historian adopts the generated
   parts; a live historian builds each part's roll-up as it writes the part) and the number of
   chart queries after which the build has paid for itself against the raw-point query.

All results are checked equal. The data are generated once with DuckDB straight into the
historian layout (one part per day, sorted by tag then ts, zstd) and reused on later runs.
Values are a smooth daily wave plus noise, rounded to 0.01 as a plant historian stores them.
Peak resident memory above the level before each phase is sampled by psutil.

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

from greenmet.storage import Historian, queries, snapshot

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
        if any(partition.glob("part-*.parquet")):  # generated on an earlier run
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


def live_parts(root: Path) -> list[Path]:
    return snapshot(root / f"site={SITE}" / f"furnace={FURNACE}").parts


def pandas_chart(files: list[Path], tags: list[str], start: pd.Timestamp, end: pd.Timestamp,
                 width_s: int) -> pd.DataFrame:
    origin = int(start.timestamp())
    partials = []
    for file in files:
        frame = pd.read_parquet(file, engine="pyarrow", columns=["ts", "tag", "value", "quality"],
                                filters=[("tag", "in", tags), ("ts", ">=", start), ("ts", "<", end)])
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


def duckdb_sql_chart(files: list[Path], tags: list[str], start: pd.Timestamp, end: pd.Timestamp,
                     width_s: int) -> pd.DataFrame:
    """The chart query as a DuckDB user writes it by hand over the same files."""
    origin_us, width_us = int(start.timestamp()) * 1_000_000, width_s * 1_000_000
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    frame = connection.execute(f"""
        SELECT tag,
               to_timestamp(({origin_us} + bucket * {width_us}) / 1e6) AS bucket_start,
               value_min, value_max, value_mean, value_last, point_count, bad_count
        FROM (
            SELECT tag, (epoch_us(ts) - {origin_us}) // {width_us} AS bucket,
                   min(value) FILTER (WHERE quality <> 128) AS value_min,
                   max(value) FILTER (WHERE quality <> 128) AS value_max,
                   avg(value) FILTER (WHERE quality <> 128) AS value_mean,
                   arg_max(value, ts) FILTER (WHERE quality <> 128) AS value_last,
                   count(*) AS point_count,
                   count(*) FILTER (WHERE quality = 128) AS bad_count
            FROM read_parquet(?)
            WHERE tag IN (SELECT unnest(?)) AND ts >= ? AND ts < ?
            GROUP BY ALL
        )
        ORDER BY tag, bucket_start
    """, [[str(f) for f in files], tags, start.to_pydatetime(), end.to_pydatetime()]).df()
    connection.close()
    frame["bucket_start"] = frame["bucket_start"].dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    return frame


def _check_equal(ours: pd.DataFrame, other: pd.DataFrame, limit: int) -> None:
    ours = ours.sort_values(["tag", "bucket_start"], ignore_index=True)
    other = other.sort_values(["tag", "bucket_start"], ignore_index=True)
    assert len(ours) == len(other) <= limit, (len(ours), len(other))
    assert (ours["bucket_start"].to_numpy() == other["bucket_start"].to_numpy()).all()
    for column in ("value_min", "value_max", "value_mean", "value_last", "point_count", "bad_count"):
        np.testing.assert_allclose(ours[column].to_numpy(float), other[column].to_numpy(float), rtol=1e-9)


def _best(function, repeat: int) -> tuple[float, pd.DataFrame, int]:
    timings = []
    with PeakMemory() as memory:
        for _ in range(repeat):
            began = time.perf_counter()
            result = function()
            timings.append(time.perf_counter() - began)
    return min(timings), result, memory.peak_bytes


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
    directory = arguments.root / f"site={SITE}" / f"furnace={FURNACE}"
    fresh = not (directory / "_parts.json").exists()
    started = time.perf_counter()
    with Historian(arguments.root, SITE, FURNACE, background_compaction=False) as historian:
        historian.compact()  # adopts the generated parts: builds and lists their 1-minute roll-ups
    build_s = time.perf_counter() - started
    files = live_parts(arguments.root)
    points = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
    size = sum(f.stat().st_size for f in files)
    rollup_size = sum(f.stat().st_size for f in snapshot(directory).rollups or [])
    print(f"  {points:,} points in {len(files)} files, {size / 2**30:.2f} GiB; "
          f"roll-ups {rollup_size / 2**20:.0f} MiB")
    if fresh:
        print(f"  roll-ups built (Historian adopting the parts) in {build_s:.1f} s "
              f"= {points / build_s / 1e6:,.1f} M points/s")
    else:
        print("  roll-ups were built on an earlier run "
              "(delete _parts.json and the rollup1m-* files to time it)")

    tags = tag_names(arguments.tags)
    end = START + pd.Timedelta(days=arguments.days)
    width_s = queries.bucket_width_s(START, end, points_per_tag=arguments.points)
    limit = arguments.tags * arguments.points

    def greenmet(use_rollups: bool) -> pd.DataFrame:
        table = queries.open_points(arguments.root, SITE, FURNACE, start=START, end=end)
        rollups = (queries.open_rollups(arguments.root, SITE, FURNACE, start=START, end=end,
                                        backend=table.get_backend()) if use_rollups else None)
        return queries.run(queries.bucketed(table, tags, START, end, points_per_tag=arguments.points,
                                            rollups=rollups))

    raw_s, raw, raw_memory = _best(lambda: greenmet(False), arguments.repeat)
    sql_s, sql, sql_memory = _best(lambda: duckdb_sql_chart(files, tags, START, end, width_s),
                                   arguments.repeat)
    pandas_s, peer, pandas_memory = _best(lambda: pandas_chart(files, tags, START, end, width_s), 1)
    rollup_s, ours, rollup_memory = _best(lambda: greenmet(True), arguments.repeat)
    for other in (sql, peer, ours):
        _check_equal(raw, other, limit)

    def rate(seconds: float) -> str:
        return f"{seconds:.2f} s = {points / seconds / 1e6:,.1f} M points/s"

    print(f"chart query: {arguments.tags} tags, {len(raw) // arguments.tags} buckets of {width_s} s per tag "
          f"(all results checked equal)")
    print("1. raw points, the same files on every side")
    print(f"   greenmet queries.bucketed on DuckDB:       best of {arguments.repeat} {rate(raw_s)}; "
          f"peak memory +{raw_memory / 2**20:.0f} MiB")
    print(f"   hand-written DuckDB SQL (engine's limit):  best of {arguments.repeat} {rate(sql_s)}; "
          f"peak memory +{sql_memory / 2**20:.0f} MiB")
    print(f"   peer pandas (pyarrow, columns+filters):    {rate(pandas_s)}; "
          f"peak memory +{pandas_memory / 2**20:.0f} MiB")
    print(f"   greenmet at {sql_s / raw_s:.2f} of the DuckDB SQL speed; "
          f"pandas / greenmet = {pandas_s / raw_s:.1f}")
    print("2. from the 1-minute roll-ups")
    print(f"   greenmet queries.bucketed with roll-ups:   best of {arguments.repeat} {rollup_s:.3f} s; "
          f"peak memory +{rollup_memory / 2**20:.0f} MiB")
    if fresh:
        queries_to_pay = build_s / max(raw_s - rollup_s, 1e-9)
        print(f"   plus the one-time roll-up build {build_s:.1f} s: pays for itself after "
              f"{queries_to_pay:.1f} chart queries against greenmet's raw query")
    print(f"   raw greenmet / roll-up greenmet = {raw_s / rollup_s:.0f}; pandas / roll-up greenmet = "
          f"{pandas_s / rollup_s:.0f} (the roll-up side excludes its build)")


if __name__ == "__main__":
    main()
