"""Benchmark: green evaluation of a fleet, 10,000 enterprises with a month of hourly CEMS data each.

Each synthetic enterprise has a blast furnace and a converter (energy per tonne with ore-grade and
scrap-ratio corrections, GB 21256-2025 and the NDRC layer) and 3 stacks × 3 pollutants of hourly
CEMS means for April 2026 (720 hours; 2 % of hours flagged invalid; O2 around the reference).

Ours: :func:`greenmet.evaluation.batch.fleet_energy` over all process records and
:func:`greenmet.evaluation.batch.fleet_cems_compliance` over the (series × hours) block, chunked.

Peer: the plain per-enterprise loop a competent user writes with the same tables: for each
enterprise, the levels looked up in a dict built once from ``energy_limits`` and corrected row by
row from ``energy_limit_corrections``, then the verdict; its 9 CEMS series as one pandas frame
(6,480 rows) merged with the limits, normalised to the reference O2, grouped by series and month
for the share of compliant valid hours. Same inputs, same outputs (checked equal on the sample).

Timings are process CPU time (the machine is shared; wall time is printed beside it). Both
sides include the evaluation only (data generation and the limit-table preparation of the
peer are outside the timers). The loop is timed on ``--loop`` enterprises (default 1,000) and
scaled linearly to the fleet; ``--loop 10000`` times it on the whole fleet.

Run: ``python benchmarks/evaluation_batch.py [--enterprises N] [--loop M] [--seed S]``.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import pandas as pd

from greenmet.evaluation.batch import fleet_cems_compliance, fleet_energy
from greenmet.refdata import load_table

STACKS = (("sinter_head", 16.0), ("hot_blast_stove", np.nan), ("other_main_source", np.nan))
POLLUTANTS = (("particulate_matter", 6.0), ("sulphur_dioxide", 25.0), ("nitrogen_oxides", 40.0))
HOURS = 30 * 24


def fleet(
    enterprises: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    ids = np.array([f"E{i:05d}" for i in range(enterprises)], dtype=object)
    records = pd.DataFrame(
        {
            "enterprise_id": np.repeat(ids, 2),
            "process": np.tile(["blast_furnace", "bof"], enterprises),
            "variant": "all",
            "reporting_year": 2026,
            "value": np.ravel(
                np.column_stack([rng.normal(395, 25, enterprises), rng.normal(-20, 8, enterprises)])
            ),
            "production_t": np.repeat(rng.uniform(1e6, 8e6, enterprises), 2),
        }
    )
    records["iron_ore_grade_percent"] = np.where(
        records["process"] == "blast_furnace", rng.uniform(55, 64, len(records)), np.nan
    )
    records["scrap_ratio_percent"] = np.where(
        records["process"] == "bof", rng.uniform(5, 25, len(records)), np.nan
    )
    series = pd.DataFrame(
        [(e, f"{kind}", kind, pollutant) for e in ids for kind, _ in STACKS for pollutant, _ in POLLUTANTS],
        columns=["enterprise_id", "stack_id", "source_kind", "pollutant"],
    )
    series["regulation"], series["edition"] = "ULE steel", "2019"
    typical = np.tile([level for _, level in POLLUTANTS], enterprises * len(STACKS)).astype(np.float32)
    scale = rng.uniform(0.5, 1.05, len(series)).astype(np.float32)  # some plants run near their limits
    concentration = (typical * scale)[:, None] * rng.lognormal(0.0, 0.18, (len(series), HOURS)).astype(
        np.float32
    )
    oxygen = np.repeat(
        rng.normal(16.0, 0.6, (enterprises * len(STACKS), HOURS)).astype(np.float32), len(POLLUTANTS), axis=0
    )
    valid = rng.random((len(series), HOURS)) > 0.02
    return records, series, concentration, oxygen, valid


def ours(records, series, concentration, oxygen, valid) -> tuple[pd.DataFrame, pd.DataFrame]:
    energy = fleet_energy(records)
    cems = fleet_cems_compliance(concentration, oxygen, valid, series, [0])
    return energy, cems


def peer_tables() -> tuple[dict, dict, pd.DataFrame]:
    """The limit tables as a plain user prepares them once: dicts and a small frame."""
    limits = load_table("energy_limits")
    base: dict = {}
    for row in limits.to_dict("records"):
        base.setdefault((row["standard"], row["edition"], row["process"], row["variant"]), {})[
            row["level"]
        ] = row["value"]
    corrections = load_table("energy_limit_corrections")
    rules: dict = {}
    for row in corrections[corrections["edition"] == "2025"].to_dict("records"):
        rules.setdefault(row["process"], []).append(row)
    emission = load_table("emission_limits")
    emission["reference_oxygen"] = pd.to_numeric(emission["reference_oxygen_percent"].replace("", np.nan))
    return base, rules, emission[["source_kind", "pollutant", "regulation", "limit", "reference_oxygen"]]


def peer(records, series, concentration, oxygen, valid, tables, count: int) -> tuple[list, list]:
    base, rules, emission = tables
    energy_out, cems_out = [], []
    by_enterprise = records.groupby("enterprise_id", sort=True).indices
    series_of = series.groupby("enterprise_id", sort=True).indices
    for enterprise in list(by_enterprise)[:count]:
        for i in by_enterprise[enterprise]:
            row = records.iloc[i]
            levels = dict(base[("GB 21256", "2025", row["process"], "all")])
            for rule in rules.get(row["process"], []):
                x = row.get(rule["parameter"], np.nan)
                if rule["kind"] == "share_above" and x == x:
                    delta = rule["coefficient"] * min(rule["cap"], max(0.0, x - rule["reference"]))
                elif rule["kind"] == "share_below" and x == x:
                    delta = rule["coefficient"] * min(rule["cap"], max(0.0, rule["reference"] - x))
                else:
                    continue
                levels = {k: v + delta for k, v in levels.items()}
            value = row["value"]
            verdict = (
                "advanced"
                if value <= levels["1"]
                else "new_plant_level"
                if value <= levels["2"]
                else "meets_limit"
                if value <= levels["3"]
                else "fails_limit"
            )
            energy_out.append((enterprise, row["process"], verdict, levels["3"]))
        rows = series_of[enterprise]
        frame = pd.DataFrame(
            {
                "series": np.repeat(np.arange(len(rows)), HOURS),
                "source_kind": np.repeat(series["source_kind"].to_numpy()[rows], HOURS),
                "pollutant": np.repeat(series["pollutant"].to_numpy()[rows], HOURS),
                "concentration": concentration[rows].ravel(),
                "oxygen": oxygen[rows].ravel(),
                "valid": valid[rows].ravel(),
            }
        ).merge(emission[emission["regulation"] == "ULE steel"], on=["source_kind", "pollutant"], how="left")
        ref = frame["reference_oxygen"]
        normalised = np.where(
            ref.notna(), frame["concentration"] * (21 - ref) / (21 - frame["oxygen"]), frame["concentration"]
        )
        frame["ok"] = frame["valid"] & (normalised <= frame["limit"])
        shares = frame.groupby("series").agg(valid=("valid", "sum"), ok=("ok", "sum"))
        share = (shares["ok"] / shares["valid"]).min()
        cems_out.append(
            (enterprise, float(share), "meets" if (shares["ok"] / shares["valid"] >= 0.95).all() else "fails")
        )
    return energy_out, cems_out


def peer_numpy(records, series, concentration, oxygen, valid, tables, count: int) -> list:
    """The same CEMS loop per enterprise in plain numpy on its 9 x 720 block (no pandas per enterprise)."""
    _, _, emission = tables
    keyed = series.merge(
        emission[emission["regulation"] == "ULE steel"], on=["source_kind", "pollutant"], how="left"
    )
    limit, reference = keyed["limit"].to_numpy(), keyed["reference_oxygen"].to_numpy()
    out = []
    for enterprise, rows in list(series.groupby("enterprise_id", sort=True).indices.items())[:count]:
        c, o, v = concentration[rows].astype(float), oxygen[rows].astype(float), valid[rows]
        ref = reference[rows][:, None]
        normalised = np.where(np.isnan(ref), c, c * (21 - ref) / (21 - o))
        share = (v & (normalised <= limit[rows][:, None])).sum(axis=1) / v.sum(axis=1)
        out.append((enterprise, float(share.min()), "meets" if (share >= 0.95).all() else "fails"))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=10_000)
    parser.add_argument(
        "--loop", type=int, default=1_000, help="enterprises the per-enterprise loop is timed on"
    )
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    data = fleet(args.enterprises, args.seed)
    cells = data[2].size
    print(
        f"fleet: {args.enterprises:,} enterprises, {len(data[0]):,} process records, "
        f"{len(data[1]):,} CEMS series x {HOURS} h = {cells:,} hourly values"
    )

    start, wall = time.process_time(), time.perf_counter()
    energy, cems = ours(*data)
    ours_s, ours_wall = time.process_time() - start, time.perf_counter() - wall
    tracemalloc.start()  # a second run for memory only: tracing slows every allocation
    ours(*data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"greenmet.evaluation.batch (vectorised): {ours_s:8.2f} s CPU ({ours_wall:.2f} s wall) for "
        f"{args.enterprises:,} enterprises (peak memory allocated while evaluating {peak / 1e6:,.0f} MB)"
    )
    tables = peer_tables()
    count = min(args.loop, args.enterprises)
    start, wall = time.process_time(), time.perf_counter()
    energy_loop, cems_loop = peer(*data, tables, count)
    loop_s, loop_wall = time.process_time() - start, time.perf_counter() - wall
    factor = args.enterprises / count
    note = "" if count == args.enterprises else f" (timed on {count:,}, scaled x{factor:g})"
    print(
        f"per-enterprise loop (dicts + pandas):  {loop_s * factor:8.2f} s CPU "
        f"({loop_wall * factor:.2f} s wall) "
        f"for {args.enterprises:,} enterprises{note}"
    )
    print(
        f"ratio loop / vectorised (CPU): {loop_s * factor / ours_s:.1f}x; "
        f"vectorised per enterprise {ours_s / args.enterprises * 1e3:.3f} ms CPU"
    )
    start = time.process_time()
    numpy_loop = peer_numpy(*data, tables, args.enterprises)
    numpy_s = time.process_time() - start
    print(
        f"per-enterprise loop, CEMS part in plain numpy "
        f"(all {args.enterprises:,}, energy part not included): "
        f"{numpy_s:8.2f} s CPU; ratio {numpy_s / ours_s:.1f}x"
    )
    check = pd.DataFrame(numpy_loop, columns=["enterprise_id", "share", "verdict"]).merge(
        cems, on="enterprise_id"
    )
    print(
        "numpy loop agrees on all enterprises: "
        f"{np.allclose(check['share'], check['lowest_compliant_share'])}"
    )

    loop_energy = pd.DataFrame(energy_loop, columns=["enterprise_id", "process", "verdict", "level_3"])
    merged = loop_energy.merge(energy, on=["enterprise_id", "process"], suffixes=("_loop", ""))
    same_energy = (merged["verdict_loop"] == merged["verdict"]).all() and np.allclose(
        merged["level_3_loop"], merged["level_3"]
    )
    loop_cems = pd.DataFrame(cems_loop, columns=["enterprise_id", "share", "verdict"]).merge(
        cems, on="enterprise_id"
    )
    same_cems = (
        np.allclose(loop_cems["share"], loop_cems["lowest_compliant_share"])
        and (loop_cems["verdict_x"] == loop_cems["verdict_y"]).all()
    )
    print(f"same results on the {count:,} looped enterprises: energy {same_energy}, CEMS {same_cems}")
    print(
        f"fleet: {int((energy['verdict'] == 'fails_limit').sum()):,} process records fail their limit; "
        f"{int((cems['verdict'] == 'fails').sum()):,} enterprises fail the 95 % hourly rule"
    )


if __name__ == "__main__":
    main()
