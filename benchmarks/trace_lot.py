"""Traceability over a month of charges: greenmet's vectorised joins vs a plain Python loop.

Thing: :func:`greenmet.monitoring.traceability.trace_lot` (and ``charge_descent``) on 30 days of
charges of a 2500 m3 furnace (7 charges an hour, six batches each: coke, sinter, pellet, lump
ore, nut coke, limestone; lots of 8 h) and casts every 2 h 20 min.

Peer: what a competent user would otherwise write without the library: for every charge, walk
forward through the later charges summing their volumes until the furnace is filled, interpolate
the arrival, then find the cast whose window holds it (a loop over Python lists with ``bisect``);
then sum the lot's masses by cast. Both sides include the per-charge volumes from the batch
masses and the same bulk densities and shrinkage, and must give the same lot masses per cast.

Run: ``python benchmarks/trace_lot.py [--days 30]``; prints both timings (best of three,
alternating, after the reference table is loaded once) and the ratio.
"""

from __future__ import annotations

import argparse
import bisect
import time

import numpy as np
import pandas as pd

from greenmet.monitoring.traceability import burden_descent_defaults, trace_lot

MASSES = {"coke": 11.0, "sinter": 42.7, "pellet": 8.6, "lump_ore": 5.7, "nut_coke": 1.07, "limestone": 0.29}


def records(days: float, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-01T00:00Z")
    count = int(days * 24 * 7)
    instants = start + pd.to_timedelta(np.cumsum(rng.uniform(7.5, 9.5, count)), unit="min")
    rows = []
    for number, at in enumerate(instants):
        lot = (at - start) // pd.Timedelta(hours=8)
        for batch, (material, mass) in enumerate(MASSES.items(), start=1):
            rows.append(
                (
                    str(number),
                    batch,
                    at + pd.Timedelta(seconds=40 * batch),
                    material,
                    f"{material[:3].upper()}-{lot:03d}",
                    mass * rng.uniform(0.98, 1.02),
                )
            )
    charges = pd.DataFrame(
        rows, columns=["charge_id", "batch_number", "charged_at", "material", "lot_id", "mass_t"]
    )
    ends = start + pd.timedelta_range("2h20min", periods=int(days * 24 * 60 / 140), freq="140min")
    casts = pd.DataFrame(
        {
            "cast_id": [str(n + 1) for n in range(len(ends))],
            "start": ends - pd.Timedelta("100min"),
            "end": ends,
        }
    )
    return charges, casts


def plain_loop(
    charges: pd.DataFrame, casts: pd.DataFrame, lot_id: str, working_volume_m3: float
) -> dict[str, float]:
    defaults = burden_descent_defaults()
    density, fill = defaults.bulk_density_t_per_m3, working_volume_m3 / (1 - defaults.shrinkage)
    per_charge: dict[str, list] = {}
    for row in charges.itertuples(index=False):
        entry = per_charge.setdefault(row.charge_id, [row.charged_at, 0.0, 0.0])
        entry[0] = min(entry[0], row.charged_at)
        entry[1] += row.mass_t / density[row.material]
        if row.lot_id == lot_id:
            entry[2] += row.mass_t
    ordered = sorted(per_charge.items(), key=lambda item: (item[1][0], item[0]))
    times = [entry[0].value for _, entry in ordered]
    volumes = [entry[1] for _, entry in ordered]
    ends = [t.value for t in sorted(casts["end"])]
    ids = [c for _, c in sorted(zip(casts["end"], casts["cast_id"], strict=True))]
    result: dict[str, float] = {}
    for i, (_, entry) in enumerate(ordered):
        if entry[2] == 0:
            continue
        filled, j = 0.0, i
        while j + 1 < len(ordered) and filled + volumes[j + 1] < fill:
            j += 1
            filled += volumes[j]
        if j + 1 >= len(ordered):
            continue  # not yet arrived
        share = (fill - filled) / volumes[j + 1]
        arrival = times[j] + share * (times[j + 1] - times[j])
        k = bisect.bisect_left(ends, arrival)
        if k < len(ends) and (k == 0 or arrival > ends[k - 1]) and k > 0:
            result[ids[k]] = result.get(ids[k], 0.0) + entry[2]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=float, default=30.0)
    args = parser.parse_args()
    charges, casts = records(args.days)
    lot = "SIN-040"
    burden_descent_defaults()  # load the reference table (and the unit registry) once, outside both timings
    greenmet_s = peer_s = float("inf")
    for _ in range(3):  # best of three, alternating
        began = time.perf_counter()
        found = trace_lot(lot, casts, charges, working_volume_m3=2500.0)
        greenmet_s = min(greenmet_s, time.perf_counter() - began)
        began = time.perf_counter()
        peer = plain_loop(charges, casts, lot, 2500.0)
        peer_s = min(peer_s, time.perf_counter() - began)
    ours = found.casts.set_index("cast_id")["lot_mass_t"].to_dict()
    if ours.keys() != peer.keys() or any(abs(ours[k] - peer[k]) > 1e-6 for k in ours):
        raise SystemExit(f"results differ: greenmet {ours} vs loop {peer}")
    print(
        f"{len(charges):,} batches in {charges['charge_id'].nunique():,} charges, {len(casts):,} casts; "
        f"lot {lot} in casts {sorted(ours, key=int)}"
    )
    print(f"greenmet trace_lot: {greenmet_s * 1000:8.1f} ms")
    print(f"plain Python loop : {peer_s * 1000:8.1f} ms")
    print(f"ratio loop/greenmet: {peer_s / greenmet_s:.1f}")


if __name__ == "__main__":
    main()
