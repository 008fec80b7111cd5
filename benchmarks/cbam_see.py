"""CBAM embedded emissions of many installations: one sparse solve against one call per installation.

Runs ``cbam_tables`` (all installations, one sparse linear solve over every process) and the
single-installation path ``compute_cbam`` in a loop, on the same N installations (the example
steel works of ``docs/examples/cbam_steel_works.toml`` with varied quantities), checks that they
agree, and prints both timings, the ratio and installations per second.

    python benchmarks/cbam_see.py [N]
"""

from __future__ import annotations

import copy
import sys
import time
from pathlib import Path

from greenmet.carbon.activity import ActivityData
from greenmet.carbon.cbam import cbam_tables, compute_cbam
from greenmet.io.activity_files import activity_to_dict, read_activity

ROOT = Path(__file__).resolve().parents[1]


def installations(n: int) -> list[ActivityData]:
    base = activity_to_dict(read_activity(ROOT / "docs" / "examples" / "cbam_steel_works.toml"))
    out = []
    for i in range(n):
        data = copy.deepcopy(base)
        data["installation"]["id"] = f"works-{i}"
        for process in data["cbam"]["processes"]:
            process["direct_emissions"] = process.get("direct_emissions", 0.0) * (1 + (i % 7) / 10)
        out.append(ActivityData.model_validate(data))
    return out


def main(n: int) -> None:
    items = installations(n)
    start = time.perf_counter()
    tables = cbam_tables(items)
    batch = time.perf_counter() - start
    start = time.perf_counter()
    singles = [compute_cbam(item) for item in items]
    loop = time.perf_counter() - start
    together = tables.goods.groupby("installation_id")["see_total_t_co2e_per_t"].sum()
    worst = max(abs(together[r.installation_id] - r.goods["see_total_t_co2e_per_t"].sum()) for r in singles)
    print(f"{n} installations, {len(tables.goods)} goods; largest difference {worst:.2e} t CO2e/t")
    print(f"cbam_tables (one solve):       {batch:8.3f} s  {n / batch:10.0f} installations/s")
    print(f"compute_cbam loop (baseline):  {loop:8.3f} s  {n / loop:10.0f} installations/s")
    print(f"ratio loop / batch:            {loop / batch:8.1f} x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
