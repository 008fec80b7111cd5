"""Lever potential (S3): an exact decomposition of the CO2 difference between two scenarios, and the
paper's four-stage pathway mapped to the years of a scenario.

Decomposition: additive LMDI-I (Ang 2005, Energy Policy 33(7):867, doi 10.1016/j.enpol.2003.10.010;
Ang 2015, Energy Policy 86:233, doi 10.1016/j.enpol.2015.07.007). Emissions are a sum of terms,
each a product of factors, C = sum_k prod_f x_kf; the change from A to B splits into one effect per
factor, sum_k L(C_k^B, C_k^A) ln(x_kf^B / x_kf^A), with the logarithmic mean
L(a, b) = (a - b) / (ln a - ln b), L(a, a) = a. The effects add up to C^B - C^A exactly. Zero
values are replaced by 1e-100 (the small-value strategy of Ang & Liu 2007, Energy Policy
35(1):238, doi 10.1016/j.enpol.2005.11.001), which changes no sum beyond rounding. Terms that are
negative in both scenarios (BF-BOF's electricity export credit) are decomposed on their absolute
value and keep their sign.

Terms of the outlook (per year): steel scope 1 by route = production x route share x direct
intensity (the capture rate for BF-BOF+CCUS); steel scope 2 by route = production x route share x
electricity per tonne (with grid hydrogen for H2-DRI) x grid factor; aluminium = production x
(primary or recycled share) x intensity (x power factor for the smelters' electricity).

Levers: each factor belongs to one lever of the paper's list (demand and material efficiency,
scrap and EAF, hydrogen, CCUS, clean power, other route shifts, aluminium recycling, aluminium
process and power).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from greenmet.errors import InputError
from greenmet.i18n import label
from greenmet.mfa.projection import OutlookResult, route_intensities
from greenmet.mfa.scenario import ROUTES, OutlookScenario, interpolate

__all__ = ["LEVERS", "PATHWAY_STAGES", "lever_decomposition", "lmdi_additive", "pathway_stages"]

_SMALL = 1e-100

_LEVER_KEYS = (
    "demand",
    "scrap_eaf",
    "hydrogen",
    "ccus",
    "clean_power",
    "electricity_and_hydrogen_origin",
    "other_routes",
    "aluminium_demand",
    "aluminium_recycling",
    "aluminium_power",
    "aluminium_process",
)
# lever -> (English, Chinese) from labels.toml
LEVERS: dict[str, tuple[str, str]] = {
    key: (label(f"lever_{key}", "en", "greenmet.mfa"), label(f"lever_{key}", "zh", "greenmet.mfa"))
    for key in _LEVER_KEYS
}


def _log_mean(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = np.asarray(a, float), np.asarray(b, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (a - b) / (np.log(a) - np.log(b))
    return np.where(np.isclose(a, b, rtol=1e-14, atol=0.0), a, out)


def lmdi_additive(
    terms_a: list[dict[str, np.ndarray]],
    terms_b: list[dict[str, np.ndarray]],
    signs: list[float] | None = None,
) -> dict[str, np.ndarray]:
    """Additive LMDI-I effects of each factor between A and B (module docstring).

    Parameters
    ----------
    terms_a, terms_b
        The same terms in A and B, each a mapping factor name -> value (arrays broadcast, e.g. over
        years); factor values must be >= 0 [unit of the factor]
    signs
        +1 or -1 per term (a term's sign); None: all +1 [dimensionless]

    Returns
    -------
    dict
        Factor name -> effect; the effects add up to sum(sign x prod(B)) - sum(sign x prod(A))
        [unit of the terms' product]
    """
    if len(terms_a) != len(terms_b):
        raise InputError(
            "A and B must have the same terms", field="terms", value=(len(terms_a), len(terms_b))
        )
    signs = signs or [1.0] * len(terms_a)
    effects: dict[str, np.ndarray] = {}
    for term_a, term_b, sign in zip(terms_a, terms_b, signs, strict=True):
        if set(term_a) != set(term_b):
            raise InputError(
                "a term has different factors in A and B",
                field="terms",
                value=sorted(set(term_a) ^ set(term_b)),
            )
        values_a = {k: np.maximum(np.asarray(v, float), _SMALL) for k, v in term_a.items()}
        values_b = {k: np.maximum(np.asarray(v, float), _SMALL) for k, v in term_b.items()}
        if any(np.any(np.asarray(v) < 0) for v in (*term_a.values(), *term_b.values())):
            raise InputError(
                "LMDI factors must be >= 0", field="terms", fix="move a constant sign into 'signs'"
            )
        product_a = np.prod(np.broadcast_arrays(*values_a.values()), axis=0)
        product_b = np.prod(np.broadcast_arrays(*values_b.values()), axis=0)
        weight = _log_mean(product_b, product_a)
        for name in term_a:
            effect = sign * weight * np.log(values_b[name] / values_a[name])
            effects[name] = effects.get(name, 0.0) + effect
    return effects


def _route_lever(route: str) -> str:
    return {"scrap_eaf": "scrap_eaf", "h2_dri": "hydrogen", "bf_bof_ccus": "ccus"}.get(route, "other_routes")


def _terms(scenario: OutlookScenario, result: OutlookResult, years: np.ndarray):
    frame = result.frame.loc[years]
    intensities = route_intensities()
    production = frame["crude_steel_production_mt"].to_numpy()
    grid = frame["grid_emission_factor_kg_per_kwh"].to_numpy()
    capture = interpolate(scenario.steel.ccus_capture_rate, years)
    terms: list[dict[str, np.ndarray]] = []
    signs: list[float] = []
    levers: dict[str, str] = {"steel_production": "demand", "clean_power": "clean_power"}
    kg_h2 = intensities.hydrogen_gj_per_t * 1000.0 / intensities.hydrogen_mj_per_kg
    for index, route in enumerate(ROUTES):
        share = frame[f"steel_route_share_{route}"].to_numpy()
        levers[f"share:{route}"] = _route_lever(route)
        direct = np.full(len(years), intensities.scope1_t_per_t[index])
        if route == "bf_bof_ccus":
            direct = (intensities.scope1_t_per_t[index] + intensities.captured_t_per_t[index]) * (
                1.0 - capture
            )
            levers["direct:bf_bof_ccus"] = "ccus"
        else:
            levers[f"direct:{route}"] = "other_routes"
        terms.append({"steel_production": production, f"share:{route}": share, f"direct:{route}": direct})
        signs.append(1.0)
        electricity = intensities.electricity_gj_per_t[index] / 3.6
        if scenario.steel.hydrogen_origin == "grid_electrolysis":
            electricity = electricity + kg_h2[index] * intensities.electrolysis_kwh_per_kg_h2 / 1000.0
        levers[f"electricity:{route}"] = "electricity_and_hydrogen_origin"
        terms.append(
            {
                "steel_production": production,
                f"share:{route}": share,
                f"electricity:{route}": np.full(len(years), abs(electricity)),
                "clean_power": grid,
            }
        )
        signs.append(-1.0 if electricity < 0 else 1.0)
    if scenario.aluminium is not None and "aluminium_production_mt" in frame:
        al = intensities.aluminium
        made = frame["aluminium_production_mt"].to_numpy()
        primary = frame["aluminium_primary_mt"].to_numpy()
        recycled = frame["aluminium_recycled_mt"].to_numpy()
        # the primary share absorbs metal above the capacity cap (not made at home)
        primary_share = np.divide(primary, made, out=np.zeros_like(made), where=made > 0)
        recycled_share = np.divide(recycled, made, out=np.zeros_like(made), where=made > 0)
        power = np.divide(
            frame["aluminium_scope_2_mt_co2"].to_numpy(),
            primary * al["electricity_mwh_per_t"],
            out=np.zeros_like(made),
            where=primary > 0,
        )
        levers.update(
            {
                "aluminium_production": "aluminium_demand",
                "share:primary_aluminium": "aluminium_recycling",
                "share:recycled_aluminium": "aluminium_recycling",
                "direct:primary_aluminium": "aluminium_process",
                "direct:recycled_aluminium": "aluminium_process",
                "electricity:primary_aluminium": "aluminium_process",
                "aluminium_power_factor": "aluminium_power",
            }
        )
        terms += [
            {
                "aluminium_production": made,
                "share:primary_aluminium": primary_share,
                "direct:primary_aluminium": np.full(len(years), al["direct_t_per_t"]),
            },
            {
                "aluminium_production": made,
                "share:primary_aluminium": primary_share,
                "electricity:primary_aluminium": np.full(len(years), al["electricity_mwh_per_t"]),
                "aluminium_power_factor": power,
            },
            {
                "aluminium_production": made,
                "share:recycled_aluminium": recycled_share,
                "direct:recycled_aluminium": np.full(len(years), al["recycled_t_per_t"]),
            },
        ]
        signs += [1.0, 1.0, 1.0]
    return terms, signs, levers


def lever_decomposition(
    scenario_a: OutlookScenario,
    result_a: OutlookResult,
    scenario_b: OutlookScenario,
    result_b: OutlookResult,
    years: list[int] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Each lever's contribution to the CO2 difference B - A, by year (LMDI-I, exact).

    Parameters
    ----------
    scenario_a, result_a, scenario_b, result_b
        Two projected scenarios on the same years (A is the reference, e.g. the baseline).
    years
        Years to decompose; None: the years after A's history.

    Returns
    -------
    pandas.DataFrame
        Index ``year``; one column per lever (Mt CO2, negative = a cut), ``total_difference_mt_co2``
        and ``co2_a_mt``, ``co2_b_mt``. The lever columns add up to the difference in every year.
    """
    if not result_a.frame.index.equals(result_b.frame.index):
        raise InputError(
            "the two results cover different years",
            field="years",
            fix="project both scenarios over the same horizon",
        )
    if years is None:
        years = result_a.frame.index[result_a.frame.index > scenario_a.history_end_year].to_numpy()
    years = np.asarray(years, dtype=int)
    missing = sorted(set(years.tolist()) - set(result_a.frame.index.tolist()))
    if missing:
        raise InputError("years outside the projection", field="years", value=missing[:5])
    terms_a, signs_a, levers = _terms(scenario_a, result_a, years)
    terms_b, signs_b, levers_b = _terms(scenario_b, result_b, years)
    if signs_a != signs_b or len(terms_a) != len(terms_b):
        raise InputError(
            "the two scenarios differ in structure (aluminium in one only, or hydrogen origin flips a sign)",
            field="scenario",
            fix="compare scenarios with the same sections",
        )
    effects = lmdi_additive(terms_a, terms_b, signs_a)
    table = pd.DataFrame(index=pd.Index(years, name="year"))
    route_mix = np.zeros(years.shape)
    for route in ROUTES:
        route_mix = route_mix + np.broadcast_to(effects.pop(f"share:{route}"), years.shape)
    for lever, part in _allocate_route_mix(route_mix, result_a, result_b, years).items():
        table[f"{lever}_mt_co2"] = table.get(f"{lever}_mt_co2", 0.0) + part
    for factor, effect in effects.items():
        lever = {**levers, **levers_b}[factor]
        column = f"{lever}_mt_co2"
        table[column] = table.get(column, 0.0) + np.broadcast_to(effect, years.shape)
    table["total_difference_mt_co2"] = (
        result_b.frame.loc[years, "total_co2_mt"].to_numpy()
        - result_a.frame.loc[years, "total_co2_mt"].to_numpy()
    )
    table["co2_a_mt"] = result_a.frame.loc[years, "total_co2_mt"].to_numpy()
    table["co2_b_mt"] = result_b.frame.loc[years, "total_co2_mt"].to_numpy()
    return table


def _allocate_route_mix(
    route_mix: np.ndarray, result_a: OutlookResult, result_b: OutlookResult, years: np.ndarray
) -> dict[str, np.ndarray]:
    """Split the route-mix effect (the sum of LMDI's share effects, exact) among the routes gaining share.

    Each route that gains share gets the part ``gain x (mean intensity of the routes losing share -
    its own intensity)`` of the total, intensities (t CO2/t, scope 1+2) taken from A; the parts
    add up to the route-mix effect. greenmet's allocation rule: LMDI gives one effect per share,
    which credits the cut to the route that loses share (BF-BOF) instead of the lever that
    replaces it. With no share gained, the whole effect goes to ``other_routes``.
    """
    frame_a, frame_b = result_a.frame.loc[years], result_b.frame.loc[years]
    production = frame_a["crude_steel_production_mt"].to_numpy()
    intensity = {
        route: np.divide(
            frame_a[f"steel_scope_1_{route}_mt_co2"].to_numpy()
            + frame_a[f"steel_scope_2_{route}_mt_co2"].to_numpy(),
            frame_a[f"steel_production_{route}_mt"].to_numpy(),
            out=np.full(len(years), np.nan),
            where=frame_a[f"steel_production_{route}_mt"].to_numpy() > 0,
        )
        for route in ROUTES
    }
    # a route absent from A takes its intensity from B
    for route in ROUTES:
        missing = np.isnan(intensity[route])
        if missing.any():
            made_b = frame_b[f"steel_production_{route}_mt"].to_numpy()
            from_b = np.divide(
                frame_b[f"steel_scope_1_{route}_mt_co2"].to_numpy()
                + frame_b[f"steel_scope_2_{route}_mt_co2"].to_numpy(),
                made_b,
                out=np.zeros(len(years)),
                where=made_b > 0,
            )
            intensity[route] = np.where(missing, from_b, intensity[route])
    change = {
        route: frame_b[f"steel_route_share_{route}"].to_numpy()
        - frame_a[f"steel_route_share_{route}"].to_numpy()
        for route in ROUTES
    }
    losses = {route: np.maximum(-change[route], 0.0) for route in ROUTES}
    lost = sum(losses.values())
    losing_intensity = np.divide(
        sum(losses[r] * intensity[r] for r in ROUTES), lost, out=np.zeros(len(years)), where=lost > 0
    )
    weights = {
        route: np.maximum(change[route], 0.0) * (losing_intensity - intensity[route]) * production
        for route in ROUTES
    }
    total_weight = sum(weights.values())
    parts: dict[str, np.ndarray] = {
        lever: np.zeros(len(years)) for lever in ("scrap_eaf", "hydrogen", "ccus", "other_routes")
    }
    usable = np.abs(total_weight) > 1e-12
    for route in ROUTES:
        share = np.divide(weights[route], total_weight, out=np.zeros(len(years)), where=usable)
        parts[_route_lever(route)] += share * route_mix
    parts["other_routes"] += np.where(usable, 0.0, route_mix)
    return parts


# The paper's Fig. 3: four stages of green development of the metallurgical industry.
PATHWAY_STAGES: tuple[dict[str, str], ...] = tuple(
    {
        "stage": str(n),
        "en": label(f"stage_{n}", "en", "greenmet.mfa"),
        "zh": label(f"stage_{n}", "zh", "greenmet.mfa"),
        "measures_en": label(f"stage_{n}_measures", "en", "greenmet.mfa"),
        "measures_zh": label(f"stage_{n}_measures", "zh", "greenmet.mfa"),
    }
    for n in (1, 2, 3, 4)
)

# greenmet's own thresholds (the paper gives the stages, not the indicators that separate them):
LOW_CARBON_SHARE_STAGE_3 = 0.5  # low-carbon routes make more than half of crude steel: "dominant"
LOW_CARBON_SHARE_STAGE_2 = 0.2  # low-carbon routes past demonstration scale
RESIDUAL_SHARE_STAGE_4 = 0.3  # CO2 at or below 30 % of its peak: "deep decarbonisation"
LOW_CARBON_ROUTES = ("scrap_eaf", "gas_dri", "h2_dri", "bf_bof_ccus")
PAPER_BASE_YEAR = 2020  # the paper's base year: stage 1 is where it starts


def pathway_stages(scenario: OutlookScenario, result: OutlookResult) -> pd.DataFrame:
    """The paper's four-stage pathway (Fig. 3) mapped to years and indicators of a scenario.

    Stage 1 runs from the paper's base year (2020) to the CO2 peak; stage 2 starts after the peak
    once low-carbon routes (scrap-EAF, gas-DRI, H2-DRI, BF-BOF+CCUS) make 20 % of crude steel,
    stage 3 when they make 50 %, stage 4 when CO2 falls to 30 % of its peak. These thresholds are greenmet's
    own (the paper names the stages, not their indicators). A stage the scenario does not reach
    by its last year has no start.

    Returns
    -------
    pandas.DataFrame
        One row per stage: ``stage``, ``name_en``, ``name_zh``, ``measures_en``, ``measures_zh``,
        ``start_year``, ``end_year``, ``co2_at_start_mt``, ``low_carbon_route_share_at_start``,
        ``eaf_share_at_start``.
    """
    frame = result.frame
    years = frame.index.to_numpy()
    co2 = frame["total_co2_mt"].to_numpy()
    low_carbon = np.zeros(len(years))
    for route in LOW_CARBON_ROUTES:
        low_carbon = low_carbon + frame[f"steel_route_share_{route}"].to_numpy()
    peak_index = int(np.argmax(co2))
    peak_year = int(years[peak_index])
    after = years > peak_year

    def first(mask: np.ndarray) -> int | None:
        hits = np.flatnonzero(mask & after)
        return int(years[hits[0]]) if hits.size else None

    start_2 = first(low_carbon >= LOW_CARBON_SHARE_STAGE_2)
    start_3 = first(low_carbon >= LOW_CARBON_SHARE_STAGE_3)
    start_4 = first(co2 <= RESIDUAL_SHARE_STAGE_4 * co2[peak_index])
    if start_2 is None and (start_3 is not None or start_4 is not None):
        start_2 = peak_year + 1
    first_year = max(int(years[0]), min(PAPER_BASE_YEAR, peak_year))
    starts: list[int | None] = [first_year, start_2, start_3, start_4]
    for index in range(2, 4):  # a later stage cannot start before an earlier one
        current, previous = starts[index], starts[index - 1]
        if current is not None and previous is not None:
            starts[index] = max(current, previous + 1)
    rows = []
    for index, stage in enumerate(PATHWAY_STAGES):
        start = starts[index]
        later = [s for s in starts[index + 1 :] if s is not None]
        end = (
            (later[0] - 1) if later and start is not None else (int(years[-1]) if start is not None else None)
        )
        row = {
            "stage": int(stage["stage"]),
            "name_en": stage["en"],
            "name_zh": stage["zh"],
            "measures_en": stage["measures_en"],
            "measures_zh": stage["measures_zh"],
            "start_year": start,
            "end_year": end,
        }
        if start is not None:
            position = start - int(years[0])
            row.update(
                {
                    "co2_at_start_mt": float(co2[position]),
                    "low_carbon_route_share_at_start": float(np.asarray(low_carbon)[position]),
                    "eaf_share_at_start": float(frame["steel_route_share_scrap_eaf"].to_numpy()[position]),
                }
            )
        rows.append(row)
    return pd.DataFrame(rows)
