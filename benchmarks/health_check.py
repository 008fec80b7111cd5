"""Benchmark: the health check (高炉体检) of a month of 1-s data, greenmet vs a competent pandas user.

The data: ``--days`` (30) of the 2500 m3 simulator at 1-s steps, every one of its 245 tags,
written once in the historian layout by ``greenmet.simulation.history.write_history`` (parts of
12 h with their 1-minute roll-ups; about 617 M points, 3.8 GB) and reused on later runs.

Both sides produce the same :class:`~greenmet.monitoring.health.PeriodData` (1-minute means of the
single tags, hourly means of the 108 family tags, the casts) and score it with the same
:func:`~greenmet.monitoring.health.health_check` (with trends); they differ in how they get the
means:

- greenmet: :func:`greenmet.storage.furnace_period.read_period_data`, which combines the
  historian's 1-minute roll-ups (sums and good counts) in DuckDB through Ibis. Timed cold (first
  call in the process, including the import of Ibis's DuckDB backend) and warm.
- the peer, what a competent pandas user writes without roll-ups: for each Parquet part of the
  furnace's manifest, ``pyarrow.parquet.read_table`` with the needed tags (the single tags and
  the family members listed in ``_furnace.json``) and good quality pushed down as filters and
  only the needed columns, then a pandas ``groupby`` of (tag, minute) and (tag, hour) sums and
  counts; the partial sums of all parts combined at the end (the whole month as pandas objects
  would not fit in memory). The casts are read the same way on both sides.

The two scores and every indicator value are checked equal (the means to 1e-9 relative).

Wall and CPU time (all threads of the process) are printed for each side: on a machine shared with
other work the wall time grows while the CPU time stays.

Run: ``python benchmarks/health_check.py [--root /tmp/greenmet-bench-health] [--days 30] [--no-peer]``.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

SITE, FURNACE = "demo", "BF2500"
START = pd.Timestamp("2026-01-01T00:00:00Z")


def generate(root: Path, days: int) -> None:
    from greenmet.blast_furnace.simulator import preset
    from greenmet.simulation.history import write_history

    if (root / f"site={SITE}" / f"furnace={FURNACE}" / "_parts.json").exists():
        return
    print(f"writing {days} days of the 2500 m3 simulator at 1 s to {root} (once) …", flush=True)
    began = time.perf_counter()
    report = write_history(root, preset("2500m3"), f"{days}D", seed=11, start=START)
    print(f"  {report.points:,} points in {time.perf_counter() - began:.0f} s", flush=True)


def peer(root: Path, start: pd.Timestamp, end: pd.Timestamp):  # type: ignore[no-untyped-def]
    """PeriodData from the raw parts with pyarrow + pandas (no roll-ups)."""
    from greenmet.monitoring.health import PeriodData
    from greenmet.storage.furnace_metadata import read_furnace_metadata
    from greenmet.storage.furnace_period import FAMILY_PREFIXES, minute_tags, read_casts
    from greenmet.storage.manifest import snapshot
    from greenmet.storage.parts import furnace_directory

    directory = furnace_directory(root, SITE, FURNACE)
    last_date = (end - pd.Timedelta(microseconds=1)).date().isoformat()
    parts = snapshot(directory, start.date().isoformat(), last_date).parts
    single = set(minute_tags()) | {f"top_temperature_u{u}" for u in range(1, 5)}
    # the family members as the furnace's metadata lists them, like greenmet does
    known = read_furnace_metadata(directory).get("tags") or {}
    families = {tag for tag in known if tag.startswith(FAMILY_PREFIXES)}
    sums_minute, sums_hour = [], []
    for part in parts:
        table = pq.read_table(part, columns=["ts", "tag", "value", "quality"],
                              filters=[("tag", "in", sorted(single | families)), ("quality", "!=", 128)])
        frame = table.to_pandas()
        frame["tag"] = frame["tag"].astype(str)
        is_family = frame["tag"].isin(families).to_numpy()
        minutes = frame[~is_family]
        sums_minute.append(minutes.groupby(["tag", minutes["ts"].dt.floor("min").rename("minute")])["value"]
                           .agg(["sum", "count"]))
        hours = frame[is_family]
        sums_hour.append(hours.groupby(["tag", hours["ts"].dt.floor("h").rename("hour")])["value"]
                         .agg(["sum", "count"]))

    def wide(pieces: list[pd.DataFrame], level: str) -> pd.DataFrame:
        total = pd.concat(pieces).groupby(level=[0, 1]).sum()
        means = (total["sum"] / total["count"]).rename("value").reset_index()
        means = means[(means[level] >= start) & (means[level] < end)]
        table = means.pivot(index=level, columns="tag", values="value")
        table.columns = [str(c) for c in table.columns]
        return table.sort_index()

    return PeriodData(start, end, wide(sums_minute, "minute"), wide(sums_hour, "hour"),
                      read_casts(root, SITE, FURNACE, start, end))


def compare(ours, theirs) -> None:  # type: ignore[no-untyped-def]
    a = ours.indicators.set_index("indicator")["value"]
    b = theirs.indicators.set_index("indicator")["value"]
    for name in a.index:
        if math.isnan(a[name]) and math.isnan(b[name]):
            continue
        assert math.isclose(a[name], b[name], rel_tol=1e-6, abs_tol=1e-9), (name, a[name], b[name])
    assert math.isclose(ours.overall_score, theirs.overall_score, rel_tol=1e-6), (ours.overall_score,
                                                                                   theirs.overall_score)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path("/tmp/greenmet-bench-health"))
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--no-peer", action="store_true", help="time greenmet only (the peer takes minutes)")
    arguments = parser.parse_args()
    generate(arguments.root, arguments.days)
    start, end = START, START + pd.Timedelta(days=arguments.days)

    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}
    began, began_cpu = time.perf_counter(), time.process_time()
    from greenmet.monitoring.health import health_check
    from greenmet.storage.furnace_period import read_period_data

    data = read_period_data(arguments.root, SITE, FURNACE, start, end)
    ours = health_check(data)
    timings["greenmet, cold (first call, imports included)"] = time.perf_counter() - began
    cpu["greenmet, cold (first call, imports included)"] = time.process_time() - began_cpu
    warm = []
    for _ in range(3):
        began, began_cpu = time.perf_counter(), time.process_time()
        data = read_period_data(arguments.root, SITE, FURNACE, start, end)
        read_s = time.perf_counter() - began
        ours = health_check(data)
        warm.append((time.perf_counter() - began, read_s, time.process_time() - began_cpu))
    best = min(warm)
    timings["greenmet, warm (best of 3)"] = best[0]
    cpu["greenmet, warm (best of 3)"] = best[2]
    print(f"greenmet: read {best[1]:.2f} s + score {best[0] - best[1]:.2f} s; "
          f"{data.minutes.shape[1]} tags at 1 min, "
          f"{data.hours.shape[1] if data.hours is not None else 0} at 1 h, "
          f"{len(data.casts)} casts; score {ours.overall_score:.2f} ({ours.grade})", flush=True)

    if arguments.no_peer:
        for name, seconds in timings.items():
            print(f"{name:<48} {seconds:8.2f} s wall {cpu[name]:8.2f} s CPU")
        return
    began, began_cpu = time.perf_counter(), time.process_time()
    theirs_data = peer(arguments.root, start, end)
    read_s = time.perf_counter() - began
    theirs = health_check(theirs_data)
    peer_s = time.perf_counter() - began
    timings["pandas peer (raw parts, pyarrow filters)"] = peer_s
    cpu["pandas peer (raw parts, pyarrow filters)"] = time.process_time() - began_cpu
    print(f"peer: read {read_s:.2f} s + score {peer_s - read_s:.2f} s", flush=True)
    compare(ours, theirs)
    print("indicator values and scores equal on both sides\n")
    reference = timings["greenmet, warm (best of 3)"]
    for name, seconds in timings.items():
        ratio = seconds / reference
        print(f"{name:<48} {seconds:8.2f} s wall ({ratio:6.1f}x greenmet warm) {cpu[name]:8.2f} s CPU")
    peer_name = "pandas peer (raw parts, pyarrow filters)"
    print(f"\npeer / greenmet warm: {timings[peer_name] / reference:.1f} (wall), "
          f"{cpu[peer_name] / cpu['greenmet, warm (best of 3)']:.1f} (CPU)")
    print(f"month budget < 10 s: greenmet warm {'met' if reference < 10 else 'NOT met'}, "
          f"cold {'met' if timings['greenmet, cold (first call, imports included)'] < 10 else 'NOT met'}")


if __name__ == "__main__":
    main()
