"""ISO 14404 for many steel sites: the vectorised line table against one call per site.

N installations are copied from the shipped BF-BOF and scrap-EAF examples (every flow scaled by a
site-specific factor). They go through ``iso14404_lines`` on one concatenated flow table (the
thing) and through ``compute_iso14404`` per installation (the peer), in one process; the script
checks that the totals agree and prints both timings, the ratio and installations per second.

    python benchmarks/iso14404_batch.py [N]
"""

from __future__ import annotations

import copy
import sys
import time

from greenmet.carbon.activity import ActivityData, activity_frames
from greenmet.carbon.iso14404 import compute_iso14404, iso14404_lines
from greenmet.io.activity_files import activity_to_dict, read_example


def installations(n: int) -> list[ActivityData]:
    bases = [activity_to_dict(read_example(name)) for name in ("bf-bof", "scrap-eaf")]
    out = []
    for i in range(n):
        data = copy.deepcopy(bases[i % 2])
        data["installation"]["id"] = f"site-{i}"
        scale = 0.5 + (i % 11) / 10
        for section in ("materials", "energy", "production"):
            for item in data.get(section, []):
                item["quantity"] *= scale
        out.append(ActivityData.model_validate(data))
    return out


def main(n: int) -> None:
    items = installations(n)
    start = time.perf_counter()
    lines, _ = iso14404_lines(activity_frames(items))
    totals = lines.groupby("installation_id")["emissions_t_co2e"].sum()
    batch = time.perf_counter() - start
    start = time.perf_counter()
    singles = {item.installation.id: compute_iso14404(item).total_t_co2e for item in items}
    loop = time.perf_counter() - start
    worst = max(abs(totals[k] - v) / abs(v) for k, v in singles.items())
    print(f"{n} installations, {len(lines)} lines; largest relative difference {worst:.1e}")
    print(f"iso14404_lines (one table):       {batch:8.3f} s  {n / batch:10.0f} installations/s")
    print(f"compute_iso14404 loop (baseline): {loop:8.3f} s  {n / loop:10.0f} installations/s")
    print(f"ratio loop / batch:               {loop / batch:8.1f} x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
