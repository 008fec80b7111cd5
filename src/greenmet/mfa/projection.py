"""The outlook projection: demand, stocks, scrap, routes, iron ore, energy and CO2, 1950-2060.

Method (per metal, per end-use sector, vectorised over Monte Carlo samples):

1. History (``start_year`` .. ``history_end_year``): domestic demand = production x
   ``domestic_demand_share_of_production``, split by the sectors' ``share_of_demand``; the in-use
   stock follows from the inflow-driven model (:mod:`greenmet.mfa.stocks`).
2. Future: stock-driven demand (Pauliuk, Wang & Mueller 2012, ES&T 46:148, doi 10.1021/es201904c;
   the standard method of REMIND-MFA, pik-piam/remind-mfa docs/methodology.md): the per-capita
   stock of each sector moves from its last historic level and slope to its saturation level in the
   saturation year along a cubic Hermite curve (same level and slope at both ends: no jump in
   demand, zero slope at saturation) and stays there; stock = per-capita stock x population.
   Shrinking stocks follow the scenario's ``shrinking`` rule (default: surplus reported).
3. Production = demand / domestic_demand_share_of_production (net trade).
4. Scrap: old = end-of-life outflow x recovery rate; new (fabrication) = production x
   ``new_scrap_rate``; home = production x ``home_scrap_rate``. The route mix asks for scrap at the
   routes' scrap intensities; when it asks for more than exists, scrap-EAF gives way to the fallback
   route until the scrap balances, and the shortfall is reported (``steel_scrap_shortfall_mt``,
   ``steel_eaf_share_requested`` vs ``steel_route_share_scrap_eaf``), never silently clipped.
5. Route intensities: table ``outlook_parameters`` (MPP Technology Business Cases); energy
   intensities fall by ``energy_efficiency_gain_per_year`` from 2020; scope 1 of BF-BOF+CCUS =
   emissivity without capture x (1 - capture rate); scope 2 = purchased electricity (MWh) x grid
   factor, plus grid electrolysis for H2-DRI when ``hydrogen_origin`` is ``grid_electrolysis``.
   Scope names as in :mod:`greenmet.carbon` (scope_1, scope_2).
6. Aluminium: recycled = min(old + new scrap, production); primary = production - recycled,
   capped at the capacity cap (the excess reported as ``aluminium_primary_above_cap_mt``);
   alumina = 1.92 t per t primary; CO2 = primary x (direct + electricity x power factor) +
   recycled x remelting factor, the power factor falling with the renewable share.

Every parameter row used carries ``needs_verification``; a result built on any such row is marked
provisional (``OutlookResult.provisional`` and the list ``provisional_inputs``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from greenmet.errors import InputError
from greenmet.mfa.lifetimes import Lifetime, survival_by_age
from greenmet.mfa.scenario import ROUTES, AluminiumSettings, OutlookScenario, SteelSettings, interpolate
from greenmet.mfa.stocks import stock_driven_by_age
from greenmet.refdata import load_table

__all__ = ["OutlookResult", "RouteIntensities", "project", "project_samples", "route_intensities"]

_GJ_PER_MWH = 3.6
_ENERGY_BASE_YEAR = 2020


@dataclass(frozen=True)
class RouteIntensities:
    """Per-route intensities (arrays in ``ROUTES`` order) from table ``outlook_parameters``."""

    scope1_t_per_t: np.ndarray
    captured_t_per_t: np.ndarray
    electricity_gj_per_t: np.ndarray
    scrap_t_per_t: np.ndarray
    iron_ore_t_per_t: np.ndarray
    hydrogen_gj_per_t: np.ndarray
    energy_kgce_per_t: np.ndarray
    electrolysis_kwh_per_kg_h2: float
    hydrogen_mj_per_kg: float
    aluminium: dict[str, float]
    provisional_inputs: tuple[str, ...]


@cache
def route_intensities() -> RouteIntensities:
    """The route and aluminium parameters of table ``outlook_parameters`` (sources per row)."""
    table = load_table("outlook_parameters")
    provisional: list[str] = []

    def value(group: str, item: str, parameter: str) -> float:
        row = table[(table.group == group) & (table["item"] == item) & (table.parameter == parameter)]
        if len(row) != 1:
            raise InputError("missing outlook parameter", field=f"{group}.{item}.{parameter}")
        if bool(row["needs_verification"].iloc[0]):
            provisional.append(f"{group}.{item}.{parameter}")
        return float(row["value"].iloc[0])

    def per_route(parameter: str) -> np.ndarray:
        return np.array([value("steel_route", route, parameter) for route in ROUTES])

    aluminium = {
        "direct_t_per_t": value("aluminium", "electrolysis", "direct_emission_intensity"),
        "electricity_mwh_per_t": value("aluminium", "electrolysis", "electricity_intensity"),
        "alumina_t_per_t": value("aluminium", "alumina", "alumina_per_aluminium"),
        "alumina_kgce_per_t": value("aluminium", "alumina", "energy_intensity"),
        "primary_kgce_per_t": value("aluminium", "electrolysis", "energy_intensity"),
        "recycled_kgce_per_t": value("aluminium", "recycling", "energy_intensity"),
        "recycled_t_per_t": value("aluminium", "recycling", "emission_intensity"),
    }
    return RouteIntensities(
        scope1_t_per_t=per_route("scope1_emission_intensity"),
        captured_t_per_t=per_route("captured_co2_intensity"),
        electricity_gj_per_t=per_route("electricity_intensity"),
        scrap_t_per_t=per_route("scrap_intensity"),
        iron_ore_t_per_t=per_route("iron_ore_intensity"),
        hydrogen_gj_per_t=per_route("hydrogen_intensity"),
        energy_kgce_per_t=per_route("energy_intensity"),
        electrolysis_kwh_per_kg_h2=value("hydrogen", "grid_electrolysis", "electricity_per_kg_h2"),
        hydrogen_mj_per_kg=value("hydrogen", "lower_heating_value", "energy_per_mass"),
        aluminium=aluminium,
        provisional_inputs=tuple(dict.fromkeys(provisional)),
    )


@dataclass(frozen=True)
class OutlookResult:
    """A projection: one row per year, unit-suffixed columns; for many samples, ``samples``.

    Attributes
    ----------
    scenario
        The scenario's name.
    frame
        Year-indexed table of the first (or only) sample.
    samples
        Column name -> array (samples, years) for the Monte Carlo outputs; empty for one run.
    warnings
        What the projection had to adjust (scrap shortfall, primary aluminium above the cap,
        surplus stock), in words.
    provisional_inputs
        Parameters used whose rows need verification.
    """

    scenario: str
    frame: pd.DataFrame
    samples: dict[str, np.ndarray] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    provisional_inputs: tuple[str, ...] = ()

    @property
    def provisional(self) -> bool:
        """True when a parameter row used is not yet verified."""
        return bool(self.provisional_inputs)

    def peak(self, column: str = "total_co2_mt") -> tuple[int, float]:
        """Year and value of the maximum of ``column`` [year, unit of the column]"""
        series = self.frame[column]
        year = int(series.to_numpy().argmax()) + int(series.index[0])
        return year, float(series.loc[year])

    def summary(self) -> dict[str, object]:
        """Peak year and value of CO2, the 2060 residual, demand and scrap figures, flags."""
        peak_year, peak_value = self.peak()
        last = self.frame.index.max()
        return {
            "scenario": self.scenario,
            "co2_peak_year": peak_year,
            "co2_peak_mt": round(peak_value, 3),
            "co2_residual_mt": round(float(self.frame.loc[last, "total_co2_mt"]), 3),
            "residual_year": int(last),
            "steel_demand_peak_year": self.peak("steel_demand_mt")[0],
            "steel_scrap_shortfall_mt_total": round(float(self.frame["steel_scrap_shortfall_mt"].sum()), 3),
            "provisional": self.provisional,
            "warnings": list(self.warnings),
        }


def _hermite_per_capita(
    level: np.ndarray, slope: np.ndarray, saturation: np.ndarray, start: int, end: int, years: np.ndarray
) -> np.ndarray:
    """Per-capita stock from ``level`` (slope ``slope``) at ``start`` to ``saturation`` (slope 0) at ``end``.

    Cubic Hermite basis h00 = 2x^3 - 3x^2 + 1, h10 = x^3 - 2x^2 + x, h01 = -2x^3 + 3x^2 over
    x = (year - start) / (end - start); constant at the saturation level after ``end`` [t]
    """
    span = float(end - start)
    x = np.clip((years - start) / span, 0.0, 1.0)[:, None, None]
    h00 = 2 * x**3 - 3 * x**2 + 1
    h10 = x**3 - 2 * x**2 + x
    h01 = -2 * x**3 + 3 * x**2
    path = h00 * level[None] + h10 * span * slope[None] + h01 * saturation[None]
    return np.maximum(path, 0.0)


def _stocks(
    metal: SteelSettings | AluminiumSettings,
    scenario: OutlookScenario,
    years: np.ndarray,
    historic_production: np.ndarray,
    saturation_scale: np.ndarray,
    lifetime_scale: np.ndarray,
):
    """Sector stocks and flows (years, samples, sectors) for one metal."""
    n_history = scenario.history_end_year - scenario.start_year + 1
    sectors = list(metal.sectors.values())
    shares = np.array([sector.share_of_demand for sector in sectors])
    demand_share = interpolate(metal.domestic_demand_share_of_production, years)
    historic_demand = historic_production[:n_history] * demand_share[:n_history]
    samples = saturation_scale.shape[0]
    inflow_history = np.broadcast_to(
        historic_demand[:, None, None] * shares[None, None, :], (n_history, samples, len(sectors))
    )
    kinds = {sector.lifetime_kind for sector in sectors}
    if len(kinds) != 1:
        survival = np.concatenate(
            [
                survival_by_age(
                    Lifetime(
                        sector.lifetime_kind,
                        mean=sector.lifetime_mean_years * lifetime_scale[None, :],
                        standard_deviation=sector.lifetime_standard_deviation_years * lifetime_scale[None, :],
                        weibull_shape=2.0,
                        weibull_scale=sector.lifetime_mean_years * lifetime_scale[None, :],
                        name=f"lifetime.{name}",
                    ),
                    len(years),
                    scenario.inflow_timing,
                )[..., None]
                for name, sector in metal.sectors.items()
            ],
            axis=-1,
        )
    else:
        means = (
            np.array([s.lifetime_mean_years for s in sectors])[None, None, :] * lifetime_scale[None, :, None]
        )
        spreads = (
            np.array([s.lifetime_standard_deviation_years for s in sectors])[None, None, :]
            * lifetime_scale[None, :, None]
        )
        kind = kinds.pop()
        lifetime = (
            Lifetime(
                kind,
                mean=means,
                standard_deviation=spreads,
                weibull_shape=2.0,
                weibull_scale=means,
                name="lifetime",
            )
            if kind != "fixed"
            else Lifetime("fixed", mean=means, name="lifetime")
        )
        survival = survival_by_age(lifetime, len(years), scenario.inflow_timing)
    # stock at the end of the last two historic years: sum_c inflow[c] x survival[year - c]
    last = np.einsum("cns,cns->ns", inflow_history, survival[n_history - 1 :: -1])
    before = np.einsum("cns,cns->ns", inflow_history[:-1], survival[n_history - 2 :: -1])
    population = interpolate(scenario.population_million, years) * 1e6
    level = last / population[n_history - 1] * 1e6  # Mt -> t per person
    slope = level - before / population[n_history - 2] * 1e6
    saturation = (
        np.array([s.saturation_stock_per_capita_t for s in sectors])[None, :] * saturation_scale[:, None]
    )
    path = _hermite_per_capita(
        level, slope, saturation, scenario.history_end_year, metal.saturation_year, years
    )
    target = path * population[:, None, None] / 1e6
    return stock_driven_by_age(target, survival, historic_inflow=inflow_history, shrinking=scenario.shrinking)


def project_samples(scenario: OutlookScenario, inputs: dict[str, np.ndarray] | None = None) -> OutlookResult:
    """Project a scenario for one or many samples of its uncertain inputs.

    Parameters
    ----------
    scenario
        The validated scenario.
    inputs
        Name (of :data:`greenmet.mfa.scenario.UNCERTAIN_INPUTS`) -> array of samples; all arrays
        the same length. None or empty: one run at the scenario's own values.

    Returns
    -------
    OutlookResult
        ``frame`` of the first sample; ``samples`` holds every output column as (samples, years).
    """
    inputs = dict(inputs or {})
    lengths = {len(np.atleast_1d(v)) for v in inputs.values()}
    if len(lengths) > 1:
        raise InputError("the sampled inputs have different lengths", field="inputs", value=sorted(lengths))
    samples = lengths.pop() if lengths else 1
    ones = np.ones(samples)

    def sampled(name: str, default: float = 1.0) -> np.ndarray:
        return np.asarray(inputs.get(name, default * ones), dtype=float)

    if np.any(sampled("steel.lifetime_scale") <= 0) or np.any(sampled("aluminium.lifetime_scale") <= 0):
        raise InputError(
            "a sampled lifetime scale is <= 0",
            field="uncertainty",
            fix="use a distribution that stays positive (lognormal or a bounded one)",
        )
    years = np.arange(scenario.start_year, scenario.end_year + 1)
    n_history = scenario.history_end_year - scenario.start_year + 1
    intensities = route_intensities()
    steel = scenario.steel
    out: dict[str, np.ndarray] = {}
    warnings: list[str] = []

    historic = interpolate(steel.historic_crude_steel_production_mt, years)
    flows = _stocks(
        steel,
        scenario,
        years,
        historic,
        np.maximum(sampled("steel.saturation_scale"), 0.0),
        sampled("steel.lifetime_scale"),
    )
    demand = flows.inflow.sum(axis=-1).T  # (samples, years)
    stock = flows.stock.sum(axis=-1).T
    end_of_life = flows.outflow.sum(axis=-1).T
    surplus = flows.surplus_stock.sum(axis=-1).T
    demand_share = interpolate(steel.domestic_demand_share_of_production, years)
    production = demand / demand_share[None, :]
    production[:, :n_history] = historic[None, :n_history]
    recovery = np.clip(
        interpolate(steel.old_scrap_recovery_rate, years)[None, :]
        * sampled("steel.old_scrap_recovery_scale")[:, None],
        0.0,
        1.0,
    )
    old_scrap = end_of_life * recovery
    new_scrap = production * steel.new_scrap_rate
    home_scrap = production * steel.home_scrap_rate
    available = old_scrap + new_scrap + home_scrap

    requested = np.stack(
        [interpolate(steel.route_shares.get(route, {scenario.start_year: 0.0}), years) for route in ROUTES]
    )  # (routes, years)
    eaf, fallback = ROUTES.index("scrap_eaf"), ROUTES.index(steel.fallback_route)
    scrap_rate = intensities.scrap_t_per_t
    asked = production * (scrap_rate @ requested)[None, :]
    shortfall = np.maximum(asked - available, 0.0)
    shares = np.broadcast_to(requested[None], (samples, len(ROUTES), len(years))).copy()
    future = years > scenario.history_end_year
    short = (shortfall > 1e-9) & future[None, :]  # history keeps the shares it was given
    if eaf != fallback and np.any(short):
        others = (
            scrap_rate @ requested
            - scrap_rate[eaf] * requested[eaf]
            - scrap_rate[fallback] * requested[fallback]
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            feasible = (
                available / production
                - others[None, :]
                - (requested[eaf] + requested[fallback])[None, :] * scrap_rate[fallback]
            ) / (scrap_rate[eaf] - scrap_rate[fallback])
        feasible = np.clip(np.nan_to_num(feasible), 0.0, requested[eaf][None, :])
        new_eaf = np.where(short, feasible, requested[eaf][None, :])
        shares[:, fallback] += shares[:, eaf] - new_eaf
        shares[:, eaf] = new_eaf
        years_short = years[short.any(axis=0)]
        warnings.append(
            f"the route mix asks for more scrap than exists in {len(years_short)} year(s) "
            f"({years_short.min()}-{years_short.max()}, up to {shortfall.max():.1f} Mt): "
            "scrap-EAF gives way to "
            f"{steel.fallback_route}; see steel_scrap_shortfall_mt"
        )
    by_route = production[:, None, :] * shares  # (samples, routes, years)
    scrap_used = np.einsum("r,srt->st", scrap_rate, by_route)
    iron_ore = np.einsum("r,srt->st", intensities.iron_ore_t_per_t, by_route)
    domestic_ore = interpolate(steel.domestic_iron_ore_mt, years)[None, :]
    ore_imports = np.maximum(iron_ore - domestic_ore, 0.0)
    gain = sampled("steel.energy_efficiency_gain_per_year", steel.energy_efficiency_gain_per_year)
    efficiency = (1.0 - gain[:, None]) ** np.maximum(years - _ENERGY_BASE_YEAR, 0)[None, :]
    energy_rates = intensities.energy_kgce_per_t.copy()
    for route, rate in steel.energy_intensity_kgce_per_t.items():
        energy_rates[ROUTES.index(route)] = rate
    energy = np.einsum("r,srt->st", energy_rates, by_route) * efficiency / 1000.0  # Mt x kgce/t -> Mtce
    capture = interpolate(steel.ccus_capture_rate, years)
    scope1_rates = np.broadcast_to(intensities.scope1_t_per_t[:, None], (len(ROUTES), len(years))).copy()
    ccus = ROUTES.index("bf_bof_ccus")
    uncaptured = intensities.scope1_t_per_t[ccus] + intensities.captured_t_per_t[ccus]
    scope1_rates[ccus] = uncaptured * (1.0 - capture)
    scope_1 = np.einsum("rt,srt->st", scope1_rates, by_route)
    captured = by_route[:, ccus] * uncaptured * capture[None, :]
    grid = (
        interpolate(scenario.grid_emission_factor_kg_per_kwh, years)[None, :]
        * sampled("grid_emission_factor_scale")[:, None]
    )  # kg/kWh = t/MWh
    electricity_mwh = np.einsum("r,srt->st", intensities.electricity_gj_per_t / _GJ_PER_MWH, by_route)
    hydrogen_mwh = np.zeros_like(electricity_mwh)
    if steel.hydrogen_origin == "grid_electrolysis":
        kg_h2_per_t = intensities.hydrogen_gj_per_t * 1000.0 / intensities.hydrogen_mj_per_kg
        hydrogen_mwh = np.einsum(
            "r,srt->st", kg_h2_per_t * intensities.electrolysis_kwh_per_kg_h2 / 1000.0, by_route
        )
    scope_2 = (electricity_mwh + hydrogen_mwh) * grid
    route_mwh = intensities.electricity_gj_per_t / _GJ_PER_MWH
    if steel.hydrogen_origin == "grid_electrolysis":
        route_mwh = route_mwh + kg_h2_per_t * intensities.electrolysis_kwh_per_kg_h2 / 1000.0
    route_scope_2 = by_route * route_mwh[None, :, None] * grid[:, None, :]
    out.update(
        {
            "population_million": np.broadcast_to(
                interpolate(scenario.population_million, years), demand.shape
            ),
            "steel_demand_mt": demand,
            "steel_stock_mt": stock,
            "steel_stock_per_capita_t": stock / out_population(scenario, years)[None, :],
            "steel_end_of_life_mt": end_of_life,
            "steel_surplus_stock_mt": surplus,
            "crude_steel_production_mt": production,
            "steel_old_scrap_mt": old_scrap,
            "steel_new_scrap_mt": new_scrap,
            "steel_home_scrap_mt": home_scrap,
            "steel_scrap_available_mt": available,
            "steel_scrap_used_mt": scrap_used,
            "steel_scrap_shortfall_mt": shortfall,
            "steel_eaf_share_requested": np.broadcast_to(requested[eaf], demand.shape),
            **{f"steel_route_share_{route}": shares[:, i] for i, route in enumerate(ROUTES)},
            **{f"steel_production_{route}_mt": by_route[:, i] for i, route in enumerate(ROUTES)},
            **{
                f"steel_scope_1_{route}_mt_co2": by_route[:, i] * scope1_rates[i][None, :]
                for i, route in enumerate(ROUTES)
            },
            **{f"steel_scope_2_{route}_mt_co2": route_scope_2[:, i] for i, route in enumerate(ROUTES)},
            "iron_ore_demand_mt": iron_ore,
            "iron_ore_imports_mt": ore_imports,
            "iron_ore_import_dependence": np.divide(
                ore_imports, iron_ore, out=np.zeros_like(iron_ore), where=iron_ore > 0
            ),
            "steel_energy_mtce": energy,
            "steel_scope_1_mt_co2": scope_1,
            "steel_scope_2_mt_co2": scope_2,
            "steel_captured_co2_mt": captured,
            "steel_co2_mt": scope_1 + scope_2,
            "grid_emission_factor_kg_per_kwh": np.broadcast_to(grid, demand.shape),
        }
    )
    if surplus.max() > 1e-9:
        warnings.append(
            f"the prescribed steel stock falls faster than cohorts retire: up to {surplus.max():.1f} Mt "
            "held as surplus stock (steel_surplus_stock_mt)"
        )
    total = out["steel_co2_mt"].copy()
    energy_total = energy.copy()
    if scenario.aluminium is not None:
        aluminium = _aluminium(scenario, scenario.aluminium, years, n_history, intensities, sampled, warnings)
        out.update(aluminium)
        total = total + aluminium["aluminium_co2_mt"]
        energy_total = energy_total + aluminium["aluminium_energy_mtce"]
    out["total_co2_mt"] = total
    out["total_energy_mtce"] = energy_total
    frame = pd.DataFrame(
        {name: np.asarray(values)[0] for name, values in out.items()}, index=pd.Index(years, name="year")
    )
    return OutlookResult(
        scenario=scenario.name,
        frame=frame,
        samples=out if samples > 1 else {},
        warnings=tuple(warnings),
        provisional_inputs=intensities.provisional_inputs,
    )


def out_population(scenario: OutlookScenario, years: np.ndarray) -> np.ndarray:
    """Population in persons per year, guarded against zero [dimensionless]"""
    return np.maximum(interpolate(scenario.population_million, years), 1e-9)


def _aluminium(
    scenario,
    metal: AluminiumSettings,
    years,
    n_history,
    intensities: RouteIntensities,
    sampled,
    warnings: list[str],
) -> dict[str, np.ndarray]:
    historic = interpolate(metal.historic_production_mt, years)
    flows = _stocks(
        metal,
        scenario,
        years,
        historic,
        np.maximum(sampled("aluminium.saturation_scale"), 0.0),
        sampled("aluminium.lifetime_scale"),
    )
    demand = flows.inflow.sum(axis=-1).T
    end_of_life = flows.outflow.sum(axis=-1).T
    demand_share = interpolate(metal.domestic_demand_share_of_production, years)
    production = demand / demand_share[None, :]
    production[:, :n_history] = historic[None, :n_history]
    recovery = interpolate(metal.old_scrap_recovery_rate, years)[None, :]
    scrap = end_of_life * recovery + production * metal.new_scrap_rate
    recycled = np.minimum(scrap, production)
    primary_needed = production - recycled
    primary = np.minimum(primary_needed, metal.primary_capacity_cap_mt)
    above_cap = primary_needed - primary
    future = years > scenario.history_end_year
    if np.any(above_cap[:, future] > 1e-9):
        warnings.append(
            f"primary aluminium above the capacity cap of {metal.primary_capacity_cap_mt:g} Mt by up to "
            f"{above_cap[:, future].max():.1f} Mt (aluminium_primary_above_cap_mt: imports or a breach)"
        )
    al = intensities.aluminium
    renewable = interpolate(metal.renewable_power_share, years)
    reference = float(interpolate(metal.renewable_power_share, np.array([2020]))[0])
    power_factor = (
        metal.power_emission_factor_2020_kg_per_kwh * (1.0 - renewable) / max(1.0 - reference, 1e-9)
    )
    power_factor = power_factor[None, :] * sampled("grid_emission_factor_scale")[:, None]
    alumina = primary * al["alumina_t_per_t"]
    scope_1 = primary * al["direct_t_per_t"] + recycled * al["recycled_t_per_t"]
    scope_2 = primary * al["electricity_mwh_per_t"] * power_factor
    energy = (
        primary * al["primary_kgce_per_t"]
        + alumina * al["alumina_kgce_per_t"]
        + recycled * al["recycled_kgce_per_t"]
    ) / 1000.0
    return {
        "aluminium_demand_mt": demand,
        "aluminium_stock_mt": flows.stock.sum(axis=-1).T,
        "aluminium_end_of_life_mt": end_of_life,
        "aluminium_surplus_stock_mt": flows.surplus_stock.sum(axis=-1).T,
        "aluminium_production_mt": production,
        "aluminium_scrap_available_mt": scrap,
        "aluminium_recycled_mt": recycled,
        "aluminium_primary_mt": primary,
        "aluminium_primary_above_cap_mt": above_cap,
        "alumina_mt": alumina,
        "aluminium_energy_mtce": energy,
        "aluminium_scope_1_mt_co2": scope_1,
        "aluminium_scope_2_mt_co2": scope_2,
        "aluminium_co2_mt": scope_1 + scope_2,
    }


def project(scenario: OutlookScenario) -> OutlookResult:
    """Project a scenario at its own values (one run); see :func:`project_samples`."""
    return project_samples(scenario)
