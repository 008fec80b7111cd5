"""Benchmark: the carbon batch and one installation's full result against a plain Python loop.

The peer is what a competent user writes instead of calling greenmet: a plain Python loop over
the installations' material and energy flows with the same default factors (taken once from
greenmet's ``materials``, ``grid_factors`` and ``heat_factors`` tables into dicts, outside the
timing), giving each installation's cn-steel total. It produces a number per installation and
nothing else: no emission lines, no factor sources, no carbon balance, no warnings.

The thing:

- ``compute_batch(activities, "cn-steel")``: every installation's emission lines with factor,
  source and verification flag, totals by scope, intensities, carbon balance and warning counts
  (greenmet.carbon.cn_arrays on numpy arrays);
- ``compute(activity, "cn-steel")`` for one installation: the full ``CarbonResult`` (lines
  DataFrame, totals, intensities, balance, warnings, options and their sources), what the web
  platform computes on request.

Both sides start from the same data in memory (file reading is timed separately, at the end).
The installations are copies of the shipped BF-BOF example,
each scaled by a random size and every flow perturbed by a few per cent (fixed seed). The
script checks that the loop and the batch give the same totals, prints wall-clock and CPU time
per installation for each side and their ratio, twice: (1) both starting from the long tables
(one row per flow in reference units, built once by ``activity_columns`` outside the timing, as a
plant data export holds them; the loop walks their rows), and (2) both starting from the
``ActivityData`` objects (the batch then builds the tables inside the timing). As a secondary
figure it prints the old peer (``compute`` called once per installation) against the batch.

Run: ``python benchmarks/carbon_batch.py [--installations 20000] [--single-repeats 200]``.
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import time
from pathlib import Path

import numpy as np

from greenmet.carbon import compute
from greenmet.carbon.activity import ActivityColumns, ActivityData, activity_columns
from greenmet.carbon.batch import compute_batch
from greenmet.carbon.factors import CO2_PER_C, grid_factor_table, heat_factor, material_factor_frame
from greenmet.io.activity_files import activity_to_dict, read_activity_dir, read_example, write_template
from greenmet.units import convert


def generate(count: int, seed: int = 20240101, example: str = "bf-bof") -> list[ActivityData]:
    """``count`` installation-years scaled and perturbed from a shipped example."""
    rng = np.random.default_rng(seed)
    base = activity_to_dict(read_example(example))
    activities = []
    for index in range(count):
        data = copy.deepcopy(base)
        size = float(rng.uniform(0.3, 3.0))
        data["installation"]["id"] = f"{base['installation']['id']}-{index:06d}"
        data["installation"]["name"] = f"{base['installation']['name']} #{index}"
        for section in ("materials", "energy", "production"):
            for item in data.get(section, []):
                item["quantity"] = float(item["quantity"]) * size * float(rng.uniform(0.95, 1.05))
        activities.append(ActivityData.model_validate(data))
    return activities


# ------------------------------------------------------------------------------- the peer
def peer_factors(edition: str = "gbt-32151.5-2015") -> dict:
    """The default factors as plain dicts, the way a user would copy them out of the tables."""
    materials = {}
    for row in material_factor_frame(edition).itertuples():
        if not np.isnan(row.default_ncv_gj_per_unit) and not np.isnan(row.carbon_per_energy_t_per_gj):
            co2 = row.default_ncv_gj_per_unit * row.carbon_per_energy_t_per_gj * row.default_oxidation_factor
            co2 *= CO2_PER_C
        elif not np.isnan(row.co2_factor_t_per_unit):
            co2 = row.co2_factor_t_per_unit
        elif not np.isnan(row.default_carbon_content):
            co2 = row.default_carbon_content * CO2_PER_C
        else:
            co2 = 0.0
        materials[row.material] = (row.unit_ref, co2, row.category == "product" and co2 > 0)
    years, values, _, _ = grid_factor_table("average")["national"]
    return {"materials": materials, "grid": dict(zip(years.tolist(), values.tolist(), strict=True)),
            "heat": heat_factor(edition)[0], "units": {}}


def plain_loop_rows(tables: ActivityColumns, factors: dict) -> dict[str, float]:
    """The same loop over the rows of the long tables (quantities already in reference units)."""
    materials, totals, leaving = factors["materials"], {}, set()
    flows, production, energy = tables.flows, tables.production, tables.energy
    for key, material, direction, amount in zip(flows["installation_id"].tolist(), flows["material"].tolist(),
                                                 flows["direction"].tolist(), flows["quantity_ref"].tolist(),
                                                 strict=True):
        co2 = materials[material][1]
        if direction == "in":
            totals[key] = totals.get(key, 0.0) + amount * co2
        else:
            totals[key] = totals.get(key, 0.0) - amount * co2
            leaving.add((key, material))
    for key, product, amount in zip(production["installation_id"].tolist(), production["product"].tolist(),
                                    production["quantity_t"].tolist(), strict=True):
        _, co2, fixed = materials.get(product, ("t", 0.0, False))
        if fixed and (key, product) not in leaving:
            totals[key] = totals.get(key, 0.0) - amount * co2
    years = dict(zip(tables.installations["installation_id"].tolist(),
                     tables.installations["reporting_year"].tolist(), strict=True))
    for key, carrier, direction, amount, supplier in zip(
            energy["installation_id"].tolist(), energy["carrier"].tolist(), energy["direction"].tolist(),
            energy["quantity_ref"].tolist(), energy["emission_factor_t_per_unit"].tolist(), strict=True):
        if supplier == supplier:  # not NaN: the supplier's factor
            factor = supplier
        elif carrier == "electricity":
            factor = factors["grid"][max(y for y in factors["grid"] if y <= years[key])]
        else:
            factor = factors["heat"]
        signed = amount if direction == "purchased" else -amount
        totals[key] = totals.get(key, 0.0) + signed * factor
    return totals


def plain_loop(activities: list[ActivityData], factors: dict) -> dict[str, float]:
    """cn-steel total per installation: Σ AD·EF over flows, − fixed carbon, + net electricity and heat."""
    materials, units, totals = factors["materials"], factors["units"], {}
    for activity in activities:
        total, leaving = 0.0, set()
        for flow in activity.materials:
            unit_ref, co2, _ = materials[flow.material]
            if (flow.unit, unit_ref) not in units:
                units[(flow.unit, unit_ref)] = float(convert(1.0, flow.unit, unit_ref))
            amount = flow.quantity * units[(flow.unit, unit_ref)]
            if flow.direction == "in":
                total += amount * co2
            else:
                total -= amount * co2
                leaving.add(flow.material)
        for product in activity.production:
            unit_ref, co2, fixed = materials.get(product.product, ("t", 0.0, False))
            if fixed and product.product not in leaving:
                total -= product.quantity * co2  # tonnes in the generated data
        year = max(y for y in factors["grid"] if y <= activity.year)
        for energy in activity.energy:
            factor = factors["grid"][year] if energy.carrier == "electricity" else factors["heat"]
            if energy.emission_factor is not None:
                factor = energy.emission_factor
            signed = energy.quantity if energy.direction == "purchased" else -energy.quantity
            total += signed * factor
        totals[activity.installation.id] = total
    return totals


# ------------------------------------------------------------------------------------- timing
def _check(table, totals: dict[str, float]) -> None:
    batch = table.set_index("installation_id")["total_t_co2e"]
    loop = np.array([totals[key] for key in batch.index])
    worst = float(np.max(np.abs(batch.to_numpy() - loop) / np.abs(loop)))
    print(f"   (largest relative difference of totals, batch vs loop: {worst:.1e})")


def _compare(count: int, loop: tuple, loop_name: str, batch: tuple, batch_name: str):
    """Time the loop and the batch (best of three wall, mean CPU), check, print; return both timings."""
    totals, loop_wall, loop_cpu = timed(*loop, repeats=3)
    table, batch_wall, batch_cpu = timed(*batch, repeats=3)
    _check(table, totals)
    _line(loop_name, loop_wall, loop_cpu, count)
    _line(batch_name, batch_wall, batch_cpu, count)
    print(f"   ratio loop/batch: {loop_wall / batch_wall:.2f}x wall, {loop_cpu / batch_cpu:.2f}x CPU "
          "(above 1: the batch is faster)")
    return (loop_wall, loop_cpu), (batch_wall, batch_cpu)


def _line(name: str, wall: float, cpu: float, count: int) -> None:
    print(f"   {name:<52}: {wall / count * 1e6:8.2f} µs wall {cpu / count * 1e6:8.2f} µs CPU")


def timed(function, *args, repeats: int = 1):
    """(result, wall seconds per call, CPU seconds per call), best of ``repeats`` for wall time."""
    best_wall, cpu_total, result = float("inf"), 0.0, None
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = function(*args)
        best_wall = min(best_wall, time.perf_counter() - started)
        cpu_total += time.process_time() - started_cpu
    return result, best_wall, cpu_total / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--installations", type=int, default=20_000)
    parser.add_argument("--single-repeats", type=int, default=200)
    parser.add_argument("--old-peer-sample", type=int, default=200)
    parser.add_argument("--sample-files", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20240101)
    arguments = parser.parse_args()

    activities = generate(arguments.installations, arguments.seed)
    count = len(activities)
    factors = peer_factors()
    print(f"{count} copies of the BF-BOF example (seed {arguments.seed}); cn-steel, edition gbt-32151.5-2015")

    # Warm both sides (imports, cached tables), then best of three for the wall clock.
    plain_loop(activities[:10], factors)
    compute_batch(activities[:10], "cn-steel")
    tables = activity_columns(activities)
    plain_loop_rows(tables, factors)

    print("\n1. from the long tables (activity_columns: one row per flow, in reference units, as a")
    print("   plant data export or `greenmet carbon batch` holds them), per installation:")
    _compare(count, (plain_loop_rows, tables, factors), "plain Python loop over the rows (total only)",
             (compute_batch, tables, "cn-steel"), "compute_batch (lines, sources, balance, warnings)")
    print("\n2. from the ActivityData objects (the batch builds the long tables itself):")
    _, (objects_wall, objects_cpu) = _compare(
        count, (plain_loop, activities, factors), "plain Python loop over the objects (total only)",
        (compute_batch, activities, "cn-steel"), "compute_batch (the same, tables included)")

    one = activities[0]
    compute(one, "cn-steel")
    result, single_wall, single_cpu = timed(compute, one, "cn-steel", repeats=arguments.single_repeats)
    one_total, one_loop_wall, _ = timed(plain_loop, [one], factors, repeats=arguments.single_repeats)
    print(f"\none installation, full CarbonResult (compute, best of {arguments.single_repeats}): "
          f"{single_wall * 1e3:.2f} ms wall, {single_cpu * 1e3:.2f} ms CPU (mean); goal < 5 ms")
    print(f"  the plain loop for the same installation: {one_loop_wall * 1e3:.3f} ms "
          f"(its total {one_total[one.installation.id]:.6g} vs {result.total_t_co2e:.6g} t CO2e)")

    sample = activities[: arguments.old_peer_sample]
    _, old_wall, old_cpu = timed(lambda items: [compute(a, "cn-steel") for a in items], sample)
    print(f"\nsecondary (the old peer): compute once per installation, {len(sample)} installations: "
          f"{old_wall / len(sample) * 1e3:.2f} ms each; batch/old ratio "
          f"{(old_wall / len(sample)) / (objects_wall / count):.0f}x wall, "
          f"{(old_cpu / len(sample)) / (objects_cpu / count):.0f}x CPU")

    files = activities[: arguments.sample_files]
    with tempfile.TemporaryDirectory() as folder:
        import tomli_w

        directory = Path(folder)
        half = len(files) // 2
        for activity in files[:half]:
            (directory / f"{activity.installation.id}.toml").write_text(
                tomli_w.dumps(activity_to_dict(activity)), encoding="utf-8")
        for activity in files[half:]:
            write_template(directory / f"{activity.installation.id}.xlsx", "en", activity=activity)
        _, reading, _ = timed(read_activity_dir, directory)
    print(f"\nfile reading (not in the figures above): {len(files)} files ({half} TOML, "
          f"{len(files) - half} Excel) in {reading:.2f} s, {len(files) / reading:.0f} files/s")


if __name__ == "__main__":
    main()
