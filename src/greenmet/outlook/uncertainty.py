"""Monte Carlo over a scenario's uncertain inputs, percentile bands, and a Sobol sensitivity ranking.

Samples are drawn with ``numpy.random.default_rng(seed)`` in the sorted order of the input names, so
a seed reproduces a run exactly. The projection runs vectorised over samples in chunks (bounded
memory), with a progress bar. The global sensitivity of 2060 CO2 uses Saltelli's sampling and
Sobol indices from SALib (Herman & Usher 2017, JOSS 2(9):97, doi 10.21105/joss.00097; Saltelli et
al. 2010, Comput. Phys. Commun. 181:259, doi 10.1016/j.cpc.2009.09.018): quantiles drawn on [0, 1]
mapped through each distribution's inverse CDF.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm import tqdm

from greenmet.errors import InputError
from greenmet.mfa.projection import project_samples
from greenmet.mfa.scenario import OutlookScenario

__all__ = ["DEFAULT_OUTPUTS", "MonteCarloResult", "draw_inputs", "monte_carlo", "sobol_ranking"]

DEFAULT_OUTPUTS: tuple[str, ...] = (
    "total_co2_mt",
    "steel_co2_mt",
    "steel_demand_mt",
    "crude_steel_production_mt",
    "steel_stock_mt",
    "steel_scrap_available_mt",
    "steel_energy_mtce",
    "iron_ore_import_dependence",
)
PERCENTILES: tuple[float, ...] = (5.0, 25.0, 50.0, 75.0, 95.0)


@dataclass(frozen=True)
class MonteCarloResult:
    """Outputs of every sample (name -> samples x years), their percentile bands, the inputs drawn."""

    scenario: str
    years: np.ndarray
    inputs: dict[str, np.ndarray]
    outputs: dict[str, np.ndarray]
    seed: int

    def bands(self, output: str = "total_co2_mt") -> pd.DataFrame:
        """Percentiles 5, 25, 50, 75, 95 of ``output`` by year, plus the mean [unit of the output]"""
        if output not in self.outputs:
            raise InputError(
                "output not kept by this run",
                field="output",
                value=output,
                fix=f"use one of {', '.join(self.outputs)}",
            )
        values = self.outputs[output]
        table = pd.DataFrame(
            np.percentile(values, PERCENTILES, axis=0).T,
            index=pd.Index(self.years, name="year"),
            columns=[f"p{int(p):02d}" for p in PERCENTILES],
        )
        table["mean"] = values.mean(axis=0)
        return table

    def peak_years(self) -> np.ndarray:
        """CO2 peak year of each sample [year]"""
        return self.years[np.argmax(self.outputs["total_co2_mt"], axis=1)]


def draw_inputs(scenario: OutlookScenario, samples: int, seed: int) -> dict[str, np.ndarray]:
    """Draw ``samples`` values of every uncertain input of the scenario (sorted names, one generator)."""
    if samples < 1:
        raise InputError("the number of samples must be >= 1", field="samples", value=samples)
    if not scenario.uncertainty:
        raise InputError(
            "the scenario declares no uncertain inputs",
            field="uncertainty",
            fix='add [uncertainty."<input>"] tables (docs/user_guide/outlook.md)',
        )
    generator = np.random.default_rng(seed)
    return {
        name: scenario.uncertainty[name].sample(generator, samples) for name in sorted(scenario.uncertainty)
    }


def monte_carlo(
    scenario: OutlookScenario,
    samples: int,
    seed: int,
    *,
    outputs: tuple[str, ...] = DEFAULT_OUTPUTS,
    chunk: int = 1000,
    progress: bool = True,
) -> MonteCarloResult:
    """Run the projection for ``samples`` draws of the uncertain inputs.

    Parameters
    ----------
    scenario
        A scenario with an ``uncertainty`` section.
    samples, seed
        Number of samples and the seed of the generator (same seed, same result) [dimensionless]
    outputs
        Output columns to keep.
    chunk
        Samples projected at once (memory grows with it) [dimensionless]
    progress
        Show a progress bar on stderr.
    """
    inputs = draw_inputs(scenario, samples, seed)
    kept: dict[str, list[np.ndarray]] = {name: [] for name in outputs}
    years = np.arange(scenario.start_year, scenario.end_year + 1)
    with tqdm(total=samples, desc=f"outlook {scenario.name}", unit="sample", disable=not progress) as bar:
        for start in range(0, samples, chunk):
            part = {name: values[start : start + chunk] for name, values in inputs.items()}
            result = project_samples(scenario, part)
            size = len(next(iter(part.values())))
            for name in outputs:
                if name not in result.frame:
                    raise InputError("unknown output", field="outputs", value=name)
                values = result.samples.get(name) if size > 1 else result.frame[name].to_numpy()[None, :]
                kept[name].append(np.asarray(values)[:size])
            bar.update(size)
    return MonteCarloResult(
        scenario=scenario.name,
        years=years,
        inputs=inputs,
        outputs={name: np.concatenate(parts) for name, parts in kept.items()},
        seed=seed,
    )


def sobol_ranking(
    scenario: OutlookScenario,
    base_samples: int,
    seed: int,
    *,
    output: str = "total_co2_mt",
    year: int | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """First-order and total Sobol indices of ``output`` in ``year`` (default: the last year).

    Runs ``base_samples x (inputs + 2)`` projections (Saltelli's scheme without second-order terms).

    Returns
    -------
    pandas.DataFrame
        Index ``input``; ``first_order``, ``first_order_confidence``, ``total_order``,
        ``total_order_confidence``, ``rank`` (1 = largest total index) [dimensionless]
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    names = sorted(scenario.uncertainty)
    if not names:
        raise InputError("the scenario declares no uncertain inputs", field="uncertainty")
    year = scenario.end_year if year is None else year
    if not scenario.start_year <= year <= scenario.end_year:
        raise InputError("year outside the horizon", field="year", value=year)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    quantiles = sobol_sample.sample(problem, base_samples, calc_second_order=False, seed=seed)
    quantiles = np.clip(
        quantiles, 1e-6, 1.0 - 1e-6
    )  # the inverse CDF of unbounded laws at 0 or 1 is infinite
    inputs = {name: scenario.uncertainty[name].ppf(quantiles[:, i]) for i, name in enumerate(names)}
    values = []
    index = year - scenario.start_year
    chunk = 2000
    with tqdm(total=len(quantiles), desc="sobol", unit="sample", disable=not progress) as bar:
        for start in range(0, len(quantiles), chunk):
            part = {name: v[start : start + chunk] for name, v in inputs.items()}
            result = project_samples(scenario, part)
            size = len(next(iter(part.values())))
            column = (
                result.samples[output][:, index] if size > 1 else result.frame[output].to_numpy()[[index]]
            )
            values.append(column)
            bar.update(size)
    indices = sobol_analyze.analyze(problem, np.concatenate(values), calc_second_order=False, seed=seed)
    table = pd.DataFrame(
        {
            "first_order": indices["S1"],
            "first_order_confidence": indices["S1_conf"],
            "total_order": indices["ST"],
            "total_order_confidence": indices["ST_conf"],
        },
        index=pd.Index(names, name="input"),
    )
    table["rank"] = table["total_order"].rank(ascending=False, method="first").astype(int)
    return table.sort_values("rank")
