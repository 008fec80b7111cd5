"""Benchmark: many installation-years through the vectorised batch and through the single path.

10,000 installation-years are generated in memory from the three shipped example plants
(BF-BOF, scrap-EAF, aluminium smelter): each copy scales the whole plant by a random size factor
and perturbs every flow by a few per cent (deterministic seed), so that the batch holds
distinct but realistic installations. The same activities then go

- through ``greenmet.carbon.batch.compute_batch`` (the thing: one concatenated flow table, each
  method's frame functions run once, group-by per installation), and
- through the single path, ``greenmet.carbon.compute`` per installation (the peer: what a loop
  over ``greenmet carbon report FILE`` does, without the file reading),

in one process. The script prints both times, the ratio (goal: batch ≥ 20× faster) and
installations per second, checks that both give the same totals, and times file reading
separately on a sample of files written to a temporary directory.

Run: ``python benchmarks/carbon_batch.py [--installations 10000] [--sample-files 200]``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from greenmet.carbon import compute
from greenmet.carbon.activity import ActivityData
from greenmet.carbon.batch import compute_batch, default_method
from greenmet.io.activity_files import activity_to_dict, read_activity_dir, read_example, write_template

EXAMPLES = ("bf-bof", "scrap-eaf", "aluminium")


def generate(count: int, seed: int = 20240101) -> list[ActivityData]:
    """``count`` installation-years scaled and perturbed from the shipped examples."""
    rng = np.random.default_rng(seed)
    bases = [activity_to_dict(read_example(name)) for name in EXAMPLES]
    activities = []
    for index in range(count):
        data = _perturbed(bases[index % len(bases)], rng, index)
        activities.append(ActivityData.model_validate(data))
    return activities


def _perturbed(base: dict, rng: np.random.Generator, index: int) -> dict:
    import copy

    data = copy.deepcopy(base)
    size = float(rng.uniform(0.3, 3.0))
    data["installation"]["id"] = f"{base['installation']['id']}-{index:05d}"
    data["installation"]["name"] = f"{base['installation']['name']} #{index}"
    for section in ("materials", "energy", "production"):
        for item in data.get(section, []):
            item["quantity"] = float(item["quantity"]) * size * float(rng.uniform(0.95, 1.05))
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--installations", type=int, default=10_000)
    parser.add_argument("--sample-files", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20240101)
    arguments = parser.parse_args()

    started = time.perf_counter()
    activities = generate(arguments.installations, arguments.seed)
    print(
        f"generated {len(activities)} installation-years in {time.perf_counter() - started:.1f} s "
        f"(examples {', '.join(EXAMPLES)}, seed {arguments.seed})"
    )

    started, started_cpu = time.perf_counter(), time.process_time()
    table = compute_batch(activities)
    batch_seconds = time.perf_counter() - started
    batch_cpu = time.process_time() - started_cpu

    started, started_cpu = time.perf_counter(), time.process_time()
    results = [compute(activity, default_method(activity)) for activity in activities]
    single_seconds = time.perf_counter() - started
    single_cpu = time.process_time() - started_cpu

    single_totals = np.array([result.totals_t_co2e["total"] for result in results])
    batch_totals = (
        table.set_index("installation_id")
        .loc[[a.installation.id for a in activities], "total_t_co2e"]
        .to_numpy()
    )
    worst = float(np.max(np.abs(batch_totals - single_totals) / np.maximum(np.abs(single_totals), 1.0)))

    count = len(activities)
    print(
        f"batch  (compute_batch, vectorised): {batch_seconds:8.2f} s  "
        f"{count / batch_seconds:10.0f} installations/s"
    )
    print(
        f"single (compute per installation) : {single_seconds:8.2f} s  "
        f"{count / single_seconds:10.0f} installations/s"
    )
    print(f"ratio single/batch: {single_seconds / batch_seconds:.1f}x wall-clock (goal >= 20x)")
    # CPU time of this process: the figure to trust on a shared, loaded machine.
    print(f"CPU time: batch {batch_cpu:.2f} s, single {single_cpu:.2f} s, "
          f"ratio {single_cpu / batch_cpu:.1f}x")
    print(f"largest relative difference of totals, batch vs single: {worst:.2e}")

    sample = activities[: arguments.sample_files]
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        half = len(sample) // 2
        import tomli_w

        for activity in sample[:half]:
            (directory / f"{activity.installation.id}.toml").write_text(
                tomli_w.dumps(activity_to_dict(activity)), encoding="utf-8"
            )
        for activity in sample[half:]:
            write_template(directory / f"{activity.installation.id}.xlsx", "en", activity=activity)
        started = time.perf_counter()
        read = read_activity_dir(directory)
        reading_seconds = time.perf_counter() - started
    print(
        f"file reading: {len(read)} files ({half} TOML, {len(sample) - half} Excel) "
        f"in {reading_seconds:.2f} s, "
        f"{len(read) / reading_seconds:.0f} files/s"
    )


if __name__ == "__main__":
    main()
