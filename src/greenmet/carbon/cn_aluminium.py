"""China's GHG accounting method for electrolytic aluminium smelting (``cn-aluminium``).

Implements the structure of CETS-AG-04.01-V01-2024 (MEE, *企业温室气体排放核算与报告指南
铝冶炼行业*, 13 Sep 2024, §6 electrolysis, §7 enterprise level) and of the NDRC 2013
electrolytic-aluminium guideline:

.. math::

    E = E_{combustion} + E_{anode} + E_{PFC} + E_{carbonate} \\;(+\\, E_{electricity} + E_{heat})

- :math:`E_{combustion} = \\sum_i AD_i \\cdot NCV_i \\cdot CC_i \\cdot OF_i \\cdot 44/12` (as in
  :mod:`greenmet.carbon.cn_steel`).
- :math:`E_{anode} = P \\cdot NC \\cdot (1 - S_a - A_a) \\cdot 44/12` with :math:`P` the primary
  aluminium produced [t], :math:`NC` the net anode consumption [t/t], :math:`S_a` and
  :math:`A_a` the sulphur and ash mass fractions of the anode (IAI 2006 protocol Appendix A
  §1.3.1 = IPCC 2006 Vol. 3 Eq. 4.21 = 40 CFR 98 Eq. F-5; defaults 2.0 % and 0.4 % from 40 CFR
  98 Subpart F Table F-2).
- PFC by the slope method: :math:`m_{CF_4} = AEM \\cdot SEF_{CF_4} \\cdot P / 1000` [t] and
  :math:`m_{C_2F_6} = m_{CF_4} \\cdot F_{C_2F_6/CF_4}`, with :math:`AEM` the anode-effect minutes
  per cell-day (frequency × duration); :math:`E_{PFC} = m_{CF_4} GWP_{CF_4} + m_{C_2F_6}
  GWP_{C_2F_6}` (IR 2025/2547 Annex II B.7; IPCC 2006 Vol. 3 Eq. 4.26). With
  ``pfc_method="default_factor"`` the guideline's default factors per tonne are used instead.
- :math:`E_{carbonate} = \\sum AD \\cdot EF` for limestone and soda ash.
- Electricity and heat are reported as indirect emissions (scope 2). The national ETS controls
  only the direct emissions (combustion, anode, PFC, carbonate) of aluminium smelters (MEE work
  plan for steel, cement and aluminium, 2025); the scope-1 total is that amount.

The GWP metric is always explicit in the result; each edition has a documented default.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from greenmet.carbon.activity import ActivityData, ActivityFrames, activity_frames
from greenmet.carbon.cn_common import (
    carbon_balance,
    energy_lines,
    grid_year_notes,
    material_lines,
    prepare_flows,
)
from greenmet.carbon.factors import CO2_PER_C
from greenmet.carbon.options import CnAluminiumOptions
from greenmet.carbon.results import (
    LABELS,
    CarbonResult,
    build_result,
    empty_lines,
    installation_records,
    lines_frame,
)
from greenmet.errors import InputError, UnknownKeyError
from greenmet.i18n import Message
from greenmet.refdata import gwp, load_table

__all__ = [
    "ALUMINIUM_PRODUCTS",
    "DEFAULT_EDITION",
    "EDITIONS",
    "anode_co2",
    "cn_aluminium_lines",
    "cn_aluminium_results",
    "compute_cn_aluminium",
    "pfc_slope_emissions",
]

METHOD = "cn-aluminium"

EDITIONS: dict[str, dict[str, Any]] = {
    "cets-ag-04.01-2024": {
        "title": "CETS-AG-04.01-V01-2024 (MEE 2024 aluminium smelting guideline)",
        "pfc_slope": "ir-2025-2547", "pfc_default": "ipcc-2006", "anode": "epa-subpart-f",
        "gwp_metric": "AR5GWP100", "materials": "any",
        "provisional": True,
        # the caveat, a message of labels.toml: Appendix A not confirmed, EU/EPA values stand in
        "note": "warn_edition_cets_2024_unconfirmed",
    },
    "ndrc-2013": {
        "title": "NDRC 2013 electrolytic-aluminium guideline (试行)",
        "pfc_slope": "ipcc-2006", "pfc_default": "ndrc-2013", "anode": "ndrc-2013",
        "gwp_metric": "SARGWP100", "materials": "any", "note": "", "provisional": False,
    },
    "ir-2025-2547": {
        "title": "EU IR 2025/2547 Annex II B.7 factors (for comparison with CBAM)",
        "pfc_slope": "ir-2025-2547", "pfc_default": "ipcc-2006", "anode": "epa-subpart-f",
        "gwp_metric": "AR5GWP100", "materials": "any", "note": "", "provisional": False,
    },
}
"""Editions of ``cn-aluminium``: which PFC slope table, default PFC factors, anode defaults and
default GWP metric each uses, and whether the edition's own defaults stand in unconfirmed
(``provisional``: its anode-default and PFC lines are then flagged ``needs_verification``)."""

DEFAULT_EDITION: str = CnAluminiumOptions.model_fields["edition"].default
"""The guideline in force for the national ETS since 13 Sep 2024."""

ALUMINIUM_PRODUCTS: tuple[str, ...] = ("primary_aluminium", "liquid_aluminium", "aluminium_ingot")
"""Production keys that give P, the aluminium produced by electrolysis (first one present wins)."""


def anode_co2(production, net_anode_consumption, sulphur, ash):
    """CO2 from prebake anode consumption.

    ``E = P · NC · (1 − S_a − A_a) · 44/12`` (IAI 2006 Aluminium Sector GHG Protocol Appendix A
    §1.3.1; IPCC 2006 Vol. 3 Ch. 4 Eq. 4.21; 40 CFR 98.63 Eq. F-5; CETS-AG-04.01-V01-2024 §6).

    Parameters
    ----------
    production
        Primary aluminium produced. [t]
    net_anode_consumption
        Net anode consumed per tonne of aluminium. [t/t]
    sulphur
        Sulphur mass fraction of the anode (default 0.020, 40 CFR 98 Table F-2). [dimensionless]
    ash
        Ash mass fraction of the anode (default 0.004, 40 CFR 98 Table F-2). [dimensionless]

    Returns
    -------
    CO2 emitted. [t]

    Examples
    --------
    >>> round(anode_co2(1.0, 0.42, 0.02, 0.004), 3)
    1.503
    """
    return production * net_anode_consumption * (1.0 - sulphur - ash) * CO2_PER_C


def pfc_slope_emissions(production, anode_effect_minutes, slope_cf4, c2f6_ratio):
    """CF4 and C2F6 from anode effects by the slope method.

    ``m_CF4 = AEM · SEF_CF4 · P / 1000`` and ``m_C2F6 = m_CF4 · F_C2F6/CF4`` (IR 2025/2547
    Annex II B.7; IPCC 2006 Vol. 3 Ch. 4 Eq. 4.26).

    Parameters
    ----------
    production
        Primary aluminium produced. [t]
    anode_effect_minutes
        Anode-effect minutes per cell-day (frequency × mean duration). [min/d]
    slope_cf4
        Slope coefficient, kg CF4 per t Al per (AE-min/cell-day). [kg/t/(min/d)]
    c2f6_ratio
        Weight fraction C2F6/CF4. [dimensionless]

    Returns
    -------
    tuple
        (CF4, C2F6) emitted. [t]

    Examples
    --------
    CWPB at AEM 0.1 with the IR 2025/2547 factors (0.143, 0.121), per tonne of aluminium:

    >>> cf4, c2f6 = pfc_slope_emissions(1.0, 0.1, 0.143, 0.121)
    >>> round(cf4 * 6630 + c2f6 * 11100, 4)
    0.1140
    """
    cf4 = anode_effect_minutes * slope_cf4 * production / 1000.0
    return cf4, cf4 * c2f6_ratio


def _check(edition: str, pfc_method: str) -> dict[str, Any]:
    if edition not in EDITIONS:
        raise UnknownKeyError("unknown edition of the China aluminium method", field="edition",
                              value=edition, fix=f"use one of {', '.join(EDITIONS)}")
    if pfc_method not in ("slope", "default_factor"):
        raise UnknownKeyError("unknown PFC method", field="pfc_method", value=pfc_method,
                              fix="use 'slope' (anode-effect data) or 'default_factor'")
    return EDITIONS[edition]


def gwp_metric_of(options: CnAluminiumOptions) -> str:
    """The GWP set a run uses: the option, else the edition's default."""
    return options.gwp_metric or str(EDITIONS[options.edition]["gwp_metric"])


def _aluminium_production(frames: ActivityFrames) -> pd.DataFrame:
    p = frames.production[frames.production["product"].isin(ALUMINIUM_PRODUCTS)].copy()
    p["_rank"] = p["product"].map({name: i for i, name in enumerate(ALUMINIUM_PRODUCTS)})
    p = p.sort_values("_rank").drop_duplicates("installation_id", keep="first")
    return p[["installation_id", "quantity_t"]].rename(columns={"quantity_t": "aluminium_t"})


def _line_frame(frame: pd.DataFrame, **constants: Any) -> pd.DataFrame:
    return lines_frame(frame.assign(**constants))


def cn_aluminium_lines(
    frames: ActivityFrames, options: CnAluminiumOptions | None = None, **keywords: Any
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Emission lines, carbon balance and grid factor of many aluminium smelters at once.

    Parameters
    ----------
    frames
        Long tables of one or many installations (:func:`~greenmet.carbon.activity.activity_frames`).
    options
        :class:`~greenmet.carbon.options.CnAluminiumOptions` (or the same as keywords): the
        edition (:data:`EDITIONS`: PFC slope table, PFC default factors, anode defaults, default
        GWP metric), ``gwp_metric`` (default the edition's), ``pfc_method`` (``"slope"`` or
        ``"default_factor"``) and the grid factor choice as in
        :func:`greenmet.carbon.cn_steel.compute_cn_steel`.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(lines, balance, grid)``.

    Raises
    ------
    InputError
        A smelter with electrolysis data but no primary-aluminium production, or the slope
        method without electrolysis data.
    UnknownKeyError
        A technology that the chosen edition's slope table does not cover.
    """
    options = CnAluminiumOptions.of(options, keywords)
    pfc_method = options.pfc_method
    spec = _check(options.edition, pfc_method)
    metric = gwp_metric_of(options)
    gwp_cf4, gwp_c2f6 = gwp("CF4", metric), gwp("C2F6", metric)
    prepared = prepare_flows(frames.flows, edition=spec["materials"])
    smelters = frames.aluminium.merge(_aluminium_production(frames), on="installation_id", how="left")
    lacking = smelters.loc[smelters["aluminium_t"].isna(), "installation_id"].tolist()
    if lacking:
        raise InputError("electrolysis data given but no primary aluminium production",
                         field="production", value=lacking[:5],
                         fix=f"add a production row with product {ALUMINIUM_PRODUCTS[0]!r}")
    # Anode carbon: from net anode consumption where the electrolysis section is given; the anode
    # material flows of those smelters enter the carbon balance only (no double counting).
    with_section = (prepared["installation_id"].isin(smelters["installation_id"])
                    & (prepared["material"] == "anode"))
    parts = [material_lines(prepared[~with_section], method=METHOD)]
    extra_in = None
    if not smelters.empty:
        anode, pfc, extra_in = _electrolysis_lines(smelters, spec, pfc_method, gwp_cf4, gwp_c2f6,
                                                   prepared[with_section])
        parts += [anode, pfc]
    electricity_heat, grid = energy_lines(frames.energy, frames.installations, method=METHOD,
                                          edition=spec["materials"], grid_region=options.grid_region,
                                          grid_basis=options.grid_basis,
                                          grid_factor_year=options.grid_factor_year)
    parts.append(electricity_heat)
    non_empty = [p for p in parts if not p.empty]
    lines = lines_frame(pd.concat(non_empty, ignore_index=True)) if non_empty else empty_lines()
    balance = carbon_balance(prepared, lines, extra_carbon_in=extra_in)
    return lines, balance, grid


def _electrolysis_lines(smelters: pd.DataFrame, spec: dict[str, Any], pfc_method: str, gwp_cf4: float,
                        gwp_c2f6: float, anode_flows: pd.DataFrame
                        ) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    defaults = load_table("anode_defaults")
    defaults = defaults[defaults["edition"] == spec["anode"]].set_index("parameter")
    s = smelters.copy()
    s["sulphur"] = s["anode_sulphur"].fillna(float(defaults.loc["sulphur", "value"]))
    s["ash"] = s["anode_ash"].fillna(float(defaults.loc["ash", "value"]))
    measured = s["anode_sulphur"].notna() & s["anode_ash"].notna()
    default_source = "; ".join(dict.fromkeys(defaults.loc[["sulphur", "ash"], "source"]))
    default_verify = bool(defaults.loc[["sulphur", "ash"], "needs_verification"].any()) or spec["provisional"]
    s["factor"] = s["net_anode_consumption_t_per_t"] * (1.0 - s["sulphur"] - s["ash"]) * CO2_PER_C
    s["emissions_t"] = anode_co2(s["aluminium_t"], s["net_anode_consumption_t_per_t"], s["sulphur"], s["ash"])
    anode = _line_frame(
        s.assign(activity_ref=s["aluminium_t"], emissions_t_co2e=s["emissions_t"],
                 factor_source=np.where(measured, "measured anode sulphur and ash (activity data)",
                                        "E = P·NC·(1−S−A)·44/12; defaults: " + default_source),
                 needs_verification=np.where(measured, False, default_verify)),
        method=METHOD, process="electrolysis", source_stream="anode", category="anode", scope="scope_1",
        gas="CO2", activity_unit="t", factor_unit="t/t")
    # Carbon of the anode consumed, for the balance where no anode material flow is given.
    anode_carbon = s.set_index("installation_id")["emissions_t"] / CO2_PER_C
    anode_carbon = anode_carbon[~anode_carbon.index.isin(anode_flows["installation_id"])]
    pfc = _pfc_lines(s, spec, pfc_method, gwp_cf4, gwp_c2f6)
    return anode, pfc, anode_carbon


def _pfc_lines(s: pd.DataFrame, spec: dict[str, Any], pfc_method: str, gwp_cf4: float,
               gwp_c2f6: float) -> pd.DataFrame:
    if pfc_method == "slope":
        table = load_table("pfc_slope_factors")
        table = table[table["edition"] == spec["pfc_slope"]]
        merged = s.merge(table, on="technology", how="left")
        unknown = merged.loc[merged["slope_cf4"].isna(), "technology"].unique().tolist()
        if unknown:
            raise UnknownKeyError(
                f"no slope factor for this technology in edition {spec['pfc_slope']!r}",
                field="aluminium.technology", value=unknown[0],
                fix=f"use one of {', '.join(sorted(table['technology']))}, or another edition")
        aem = merged["anode_effect_frequency_per_day"] * merged["anode_effect_duration_min"]
        cf4, c2f6 = pfc_slope_emissions(merged["aluminium_t"], aem, merged["slope_cf4"] / 1.0,
                                        merged["c2f6_ratio"])
        cf4_factor = aem * merged["slope_cf4"] / 1000.0
        c2f6_factor = cf4_factor * merged["c2f6_ratio"]
        source = "slope method, AEM × SEF (" + merged["source"].astype(str) + ")"
        verify = merged["needs_verification"].astype(bool)
    else:
        table = load_table("pfc_tier1")
        table = table[table["edition"] == spec["pfc_default"]]
        wide = table.pivot(index="technology", columns="gas", values="value")
        kg_to_t = 1e-3
        rows = s["technology"].where(s["technology"].isin(wide.index), "any")
        if not rows.isin(wide.index).all():
            raise UnknownKeyError(
                f"no default PFC factor for this technology in edition {spec['pfc_default']!r}",
                field="aluminium.technology", value=s.loc[~rows.isin(wide.index), "technology"].iloc[0],
                fix=f"use one of {', '.join(wide.index)}, or pfc_method='slope'")
        merged = s
        cf4_factor = pd.Series(wide.loc[rows, "CF4"].to_numpy() * kg_to_t, index=s.index)
        c2f6_factor = pd.Series(wide.loc[rows, "C2F6"].to_numpy() * kg_to_t, index=s.index)
        cf4, c2f6 = s["aluminium_t"] * cf4_factor, s["aluminium_t"] * c2f6_factor
        source = pd.Series("default factor per t Al: " + "; ".join(dict.fromkeys(table["source"])),
                           index=s.index)
        verify = pd.Series(bool(table["needs_verification"].any()), index=s.index)
    # Under a provisional edition the PFC factors stand in for the edition's own: never "confirmed".
    verify = verify | bool(spec["provisional"])
    common = dict(method=METHOD, process="electrolysis", category="pfc", scope="scope_1",
                  activity_unit="t", factor_unit="t/t")
    lines_cf4 = merged.assign(activity_ref=merged["aluminium_t"], factor=cf4_factor, emissions_t=cf4,
                              emissions_t_co2e=cf4 * gwp_cf4, factor_source=source, needs_verification=verify,
                              source_stream="anode_effect", gas="CF4", **common)
    lines_c2f6 = merged.assign(activity_ref=merged["aluminium_t"], factor=c2f6_factor, emissions_t=c2f6,
                               emissions_t_co2e=c2f6 * gwp_c2f6, factor_source=source,
                               needs_verification=verify, source_stream="anode_effect", gas="C2F6", **common)
    return lines_frame(pd.concat([lines_cf4, lines_c2f6], ignore_index=True))


def edition_note(options: CnAluminiumOptions) -> str:
    """The caveat of the edition, naming the GWP set actually used ('' when there is none).

    The caveat is the message ``EDITIONS[edition]["note"]`` of ``greenmet/carbon/labels.toml``.
    """
    spec = EDITIONS[options.edition]
    if not spec["note"]:
        return ""
    return Message(str(spec["note"]), LABELS, edition=options.edition, gwp_metric=gwp_metric_of(options))


def cn_aluminium_results(frames: ActivityFrames, lines: pd.DataFrame, balance: pd.DataFrame,
                         grid: pd.DataFrame, options: CnAluminiumOptions) -> list[CarbonResult]:
    """One :class:`~greenmet.carbon.results.CarbonResult` per smelter from the frame results."""
    spec = EDITIONS[options.edition]
    metric = gwp_metric_of(options)
    lines_by_id = dict(tuple(lines.groupby("installation_id", sort=False)))
    balance_by_id = balance.set_index("installation_id")
    production_by_id = dict(tuple(frames.production.groupby("installation_id", sort=False)))
    smelters = set(frames.aluminium["installation_id"])
    stale = grid_year_notes(frames, grid, lines)
    note = edition_note(options)
    results = []
    for installation in installation_records(frames.installations):
        key = installation["installation_id"]
        notes = [note] if note else []
        if key not in smelters:
            notes.append(Message("warn_no_electrolysis", LABELS))
        if key in stale:
            notes.append(stale[key])
        uncertainty = None
        if options.pfc_method == "default_factor" and spec["pfc_default"] == "ipcc-2006":
            uncertainty = {"pfc": "IPCC 2006 Vol. 3 Table 4.15: Tier 1 CWPB factors uncertain by "
                                  "−99 %/+380 %"}
        results.append(build_result(
            method=METHOD, method_edition=options.edition, installation=installation,
            lines=lines_by_id.get(key, empty_lines()),
            production=production_by_id.get(key, frames.production.iloc[0:0]), gwp_metric=metric,
            balance=balance_by_id.loc[key].to_dict() | {"installation_id": key}
            if key in balance_by_id.index else None,
            uncertainty=uncertainty, warnings=notes,
            options=options.model_dump() | {
                "gwp_metric": metric, "ets_controlled": Message("option_ets_controlled_direct", LABELS)},
        ))
    return results


def compute_cn_aluminium(activity: ActivityData, options: CnAluminiumOptions | None = None,
                         **keywords: Any) -> CarbonResult:
    """Emissions of an electrolytic aluminium smelter by China's method.

    ``E = E_combustion + E_anode + E_PFC + E_carbonate`` (direct, ETS-controlled) plus electricity
    and heat (indirect, scope 2); equations and sources in the module docstring.

    Parameters
    ----------
    activity
        Activity data of one smelter, with the ``aluminium`` section for anode and PFC.
    options
        :class:`~greenmet.carbon.options.CnAluminiumOptions`, or the same as keywords:
        ``edition`` (``"cets-ag-04.01-2024"`` default, ``"ndrc-2013"`` or ``"ir-2025-2547"``),
        ``gwp_metric`` (GWP set for CF4 and C2F6; default the edition's: AR5 for CETS 2024 and
        IR 2025/2547, SAR for NDRC 2013; ``"AR4GWP100"`` gives an IAI-style figure),
        ``pfc_method`` (``"slope"`` default or ``"default_factor"``), and ``grid_region``,
        ``grid_basis``, ``grid_factor_year`` as in :func:`greenmet.carbon.cn_steel.compute_cn_steel`
        (a captive power plant is entered as purchased electricity with its supplier factor).

    Returns
    -------
    CarbonResult
        Scope 1 (ETS-controlled) and scope 2 lines, totals, intensity per t Al, carbon balance.
    """
    options = CnAluminiumOptions.of(options, keywords)
    frames = activity_frames(activity)
    lines, balance, grid = cn_aluminium_lines(frames, options)
    return cn_aluminium_results(frames, lines, balance, grid, options)[0]
