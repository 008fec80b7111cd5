"""Benchmark: a Monte Carlo of the China steel and aluminium outlook, greenmet vs a flodym loop.

Ours: :func:`greenmet.outlook.uncertainty.monte_carlo` on the ``china_baseline`` preset (1950-2060,
six end-use sectors of steel and six of aluminium, five uncertain inputs), all samples projected as
arrays in chunks of 1,000: stocks, demand, scrap, routes, iron ore, energy and CO2.

Peer: what a competent user writes with flodym 1.1.0 (the reference library): for each sample, one
at a time, per metal, an ``InflowDrivenDSM`` over the historic years (to find the 2024 stock per
capita and its slope), the same saturation path, then a ``StockDrivenDSM`` over 1950-2060 with
``NormalLifetime`` by sector (``inflow_at="middle"``). The peer does only the stock models, not the
routes, scrap, energy and CO2 that ours computes as well, so the comparison favours the peer.

Identity: the total in-use stock of steel and aluminium of every peer sample is compared with ours,
year by year; entries where ours holds a surplus stock (the prescribed stock fell faster than
cohorts retire, so ours keeps the excess instead of a negative inflow) are excluded and counted.

The flodym loop is timed on ``--peer-samples`` samples (default 300) and scaled linearly to
``--samples`` (it says so); ``--peer-samples`` equal to ``--samples`` runs the whole loop.

Run: ``python benchmarks/outlook_mc.py [--samples 10000] [--peer-samples 300] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc

import numpy as np


def ours(samples: int, seed: int):
    from greenmet.outlook import load_outlook_scenario
    from greenmet.outlook.uncertainty import monte_carlo

    scenario = load_outlook_scenario("china_baseline")
    outputs = (
        "total_co2_mt",
        "steel_stock_mt",
        "aluminium_stock_mt",
        "steel_surplus_stock_mt",
        "aluminium_surplus_stock_mt",
        "steel_demand_mt",
    )
    monte_carlo(scenario, 10, seed, outputs=outputs, progress=False)  # warm-up: lazy imports and caches
    tracemalloc.start()
    start = time.perf_counter()
    result = monte_carlo(scenario, samples, seed, outputs=outputs, progress=False)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return scenario, result, elapsed, peak


def flodym_stocks(scenario, inputs: dict[str, np.ndarray], index: int) -> dict[str, np.ndarray]:
    """Total in-use stock of each metal for one sample, with flodym's dynamic stock models."""
    from flodym import Dimension, DimensionSet, InflowDrivenDSM, StockArray, StockDrivenDSM
    from flodym.lifetime_models import NormalLifetime

    from greenmet.mfa.projection import _hermite_per_capita
    from greenmet.mfa.scenario import interpolate

    years = np.arange(scenario.start_year, scenario.end_year + 1)
    n_history = scenario.history_end_year - scenario.start_year + 1
    population = interpolate(scenario.population_million, years) * 1e6
    out = {}
    for metal_name, metal in (("steel", scenario.steel), ("aluminium", scenario.aluminium)):
        sectors = list(metal.sectors.values())
        saturation_scale = inputs.get(f"{metal_name}.saturation_scale", np.ones(index + 1))[index]
        lifetime_scale = inputs.get(f"{metal_name}.lifetime_scale", np.ones(index + 1))[index]
        history_points = (
            metal.historic_crude_steel_production_mt
            if metal_name == "steel"
            else metal.historic_production_mt
        )
        production = interpolate(history_points, years)
        demand = (
            production[:n_history] * interpolate(metal.domestic_demand_share_of_production, years)[:n_history]
        )
        shares = np.array([s.share_of_demand for s in sectors])
        means = np.array([s.lifetime_mean_years for s in sectors]) * lifetime_scale
        spreads = np.array([s.lifetime_standard_deviation_years for s in sectors]) * lifetime_scale
        sector_dim = Dimension(letter="s", name="sector", dtype=str, items=list(metal.sectors))

        def dims(last: int, sector_dim: Dimension = sector_dim) -> DimensionSet:
            return DimensionSet(
                dim_list=[
                    Dimension(
                        letter="t", name="time", dtype=int, items=list(range(scenario.start_year, last + 1))
                    ),
                    sector_dim,
                ]
            )

        history_dims = dims(scenario.history_end_year)
        history = InflowDrivenDSM(
            dims=history_dims,
            lifetime_model=NormalLifetime(
                dims=history_dims,
                inflow_at="middle",
                mean=np.broadcast_to(means, (n_history, len(sectors))).copy(),
                std=np.broadcast_to(spreads, (n_history, len(sectors))).copy(),
            ),
            inflow=StockArray(dims=history_dims, values=demand[:, None] * shares[None, :]),
        )
        history.compute()
        per_capita = history.stock.values / population[:n_history, None] * 1e6
        saturation = np.array([s.saturation_stock_per_capita_t for s in sectors])[None, :] * saturation_scale
        path = _hermite_per_capita(
            per_capita[-1][None],
            (per_capita[-1] - per_capita[-2])[None],
            saturation,
            scenario.history_end_year,
            metal.saturation_year,
            years,
        )[:, 0, :]
        target = path * population[:, None] / 1e6
        target[:n_history] = history.stock.values
        full_dims = dims(scenario.end_year)
        model = StockDrivenDSM(
            dims=full_dims,
            lifetime_model=NormalLifetime(
                dims=full_dims,
                inflow_at="middle",
                mean=np.broadcast_to(means, (len(years), len(sectors))).copy(),
                std=np.broadcast_to(spreads, (len(years), len(sectors))).copy(),
            ),
            stock=StockArray(dims=full_dims, values=target),
        )
        model.compute()
        out[metal_name] = model.stock.values.sum(axis=1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--peer-samples", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    scenario, result, elapsed, peak = ours(args.samples, args.seed)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"greenmet: {args.samples} samples, steel + aluminium, {len(result.years)} years, 6 + 6 sectors: "
        f"{elapsed:.2f} s ({elapsed / args.samples * 1e3:.3f} ms/sample); "
        f"peak traced memory {peak / 2**20:.0f} MiB, "
        f"process max RSS {rss:.0f} MiB"
    )

    peer_samples = min(args.peer_samples, args.samples)
    start = time.perf_counter()
    worst, excluded, compared = 0.0, 0, 0
    for index in range(peer_samples):
        stocks = flodym_stocks(scenario, result.inputs, index)
        # steel: ours keeps a surplus where flodym would need a negative inflow; aluminium likewise
        for metal in ("steel", "aluminium"):
            mine = result.outputs[f"{metal}_stock_mt"][index]
            theirs = stocks[metal]
            mask = result.outputs[f"{metal}_surplus_stock_mt"][index] <= 1e-12
            difference = np.abs(mine - theirs)[mask]
            excluded += int((~mask).sum())
            compared += int(mask.sum())
            worst = max(worst, float(difference.max(initial=0.0)) / max(float(np.abs(theirs).max()), 1.0))
    peer = time.perf_counter() - start
    per_sample = peer / peer_samples
    scaled = per_sample * args.samples
    label = (
        "measured"
        if peer_samples == args.samples
        else f"measured on {peer_samples}, scaled to {args.samples}"
    )
    print(
        f"flodym 1.1.0 loop (stock models only): {per_sample * 1e3:.1f} ms/sample, {scaled:.1f} s for "
        f"{args.samples} samples ({label})"
    )
    print(f"ratio (flodym loop / greenmet): {scaled / elapsed:.0f}x")
    print(
        f"stocks identical: max relative difference {worst:.2e} over {compared} sample-years "
        f"({excluded} sample-years with a surplus stock excluded)"
    )


if __name__ == "__main__":
    main()
