"""China's GHG accounting method for iron and steel enterprises (``cn-steel``).

Implements GB/T 32151.5-2015 *Requirements of the greenhouse gas emission accounting and
reporting — Part 5: Iron and steel production enterprise* and the NDRC 2013 guideline for steel
enterprises (发改办气候〔2013〕2526号), whose equations it restates:

.. math::

    E = E_{combustion} + E_{process} + E_{electricity} + E_{heat} - R_{fixed}

- :math:`E_{combustion} = \\sum_i AD_i \\cdot NCV_i \\cdot CC_i \\cdot OF_i \\cdot 44/12` over the
  fossil fuels, with :math:`AD_i` the net consumption (consumed − exported). By-product gases
  (coke-oven, blast-furnace and converter gas) produced and consumed inside the boundary are not
  activity data: their carbon is already counted in the coal and coke that made them. Only gas
  exported across the boundary is entered (direction ``out``) and is subtracted through its
  carbon (GB/T 32151.5-2015 §6.2; 2013 guideline §5.1).
- :math:`E_{process} = \\sum_j AD_j \\cdot EF_j` over fluxes (limestone 0.440, dolomite 0.471 t
  CO2/t), electrodes (3.663) and carbon-bearing purchased iron and alloys (pig iron 0.172, DRI
  0.073, ferro-alloys) (GB/T 32151.5-2015 §6.3, Appendix B Table B.2).
- :math:`R_{fixed} = \\sum_p AD_p \\cdot EF_p` over the carbon leaving in products and sold
  by-products (crude steel 0.0154, pig iron sold 0.172, methanol 1.375 t CO2/t;
  GB/T 32151.5-2015 §6.4).
- :math:`E_{electricity} = (AD_{purchased} - AD_{sold}) \\cdot EF_{grid}` with the grid factor of the
  reporting year (MEE & NBS announcements), and the same for heat with 0.11 t CO2/GJ.

Every default factor comes from the ``materials``, ``grid_factors`` and ``heat_factors``
reference tables; lines using a factor flagged ``needs_verification`` are reported as
provisional in ``CarbonResult.warnings``.

The arithmetic is in :func:`cn_steel_lines`, which works on the long tables of any number of
installations (``activity_frames``); :func:`compute_cn_steel` runs it for one installation.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from greenmet.carbon.activity import ActivityData, ActivityFrames, activity_frames
from greenmet.carbon.cn_common import (
    carbon_balance,
    energy_lines,
    grid_year_notes,
    material_lines,
    prepare_flows,
)
from greenmet.carbon.factors import CO2_PER_C, material_factor_frame
from greenmet.carbon.options import CnSteelOptions
from greenmet.carbon.results import (
    LABELS,
    CarbonResult,
    build_result,
    empty_lines,
    installation_records,
    lines_frame,
)
from greenmet.errors import UnknownKeyError
from greenmet.i18n import Message

__all__ = ["DEFAULT_EDITION", "EDITIONS", "cn_steel_lines", "cn_steel_results", "compute_cn_steel"]

METHOD = "cn-steel"

EDITIONS: dict[str, str] = {
    "gbt-32151.5-2015": "GB/T 32151.5-2015, Appendix B default factors",
    "ndrc-2013": "NDRC 2013 steel guideline (发改办气候〔2013〕2526号), Appendix 2 default factors",
}
"""Editions whose default factors ``cn-steel`` can use. As far as checked they share the values
of the ``materials`` table (rows with edition ``any``); an edition-specific row overrides."""

DEFAULT_EDITION: str = CnSteelOptions.model_fields["edition"].default
"""The national standard is the default: it is the current normative text of the 2013 method."""


def _check_edition(edition: str) -> None:
    if edition not in EDITIONS:
        raise UnknownKeyError("unknown edition of the China steel method", field="edition", value=edition,
                              fix=f"use one of {', '.join(EDITIONS)}")


def cn_steel_lines(
    frames: ActivityFrames, options: CnSteelOptions | None = None, **keywords: Any
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Emission lines, carbon balance and grid factor of many steel installations at once.

    Parameters
    ----------
    frames
        Long tables of one or many installations (:func:`~greenmet.carbon.activity.activity_frames`).
    options
        The options (:class:`~greenmet.carbon.options.CnSteelOptions`: edition, grid region,
        basis and year, fixed carbon from production); or give them as ``keywords``.

    Returns
    -------
    tuple of pandas.DataFrame
        ``(lines, balance, grid)``: emission lines (:data:`~greenmet.carbon.results.LINE_COLUMNS`),
        carbon balance per installation, and the grid factor used per installation.
    """
    options = CnSteelOptions.of(options, keywords)
    edition = options.edition
    _check_edition(edition)
    prepared = prepare_flows(frames.flows, edition=edition)
    parts = [material_lines(prepared, method=METHOD)]
    extra_out = None
    if options.fixed_carbon_from_production and not frames.production.empty:
        fixed, extra_out = _fixed_carbon_from_production(frames, prepared, edition)
        parts.append(fixed)
    electricity_heat, grid = energy_lines(frames.energy, frames.installations, method=METHOD, edition=edition,
                                          grid_region=options.grid_region, grid_basis=options.grid_basis,
                                          grid_factor_year=options.grid_factor_year)
    parts.append(electricity_heat)
    non_empty = [p for p in parts if not p.empty]
    lines = lines_frame(pd.concat(non_empty, ignore_index=True)) if non_empty else empty_lines()
    balance = carbon_balance(prepared, lines, extra_carbon_out=extra_out)
    return lines, balance, grid


def _fixed_carbon_from_production(frames: ActivityFrames, prepared: pd.DataFrame,
                                  edition: str) -> tuple[pd.DataFrame, pd.Series]:
    """Lines for carbon fixed in products that appear only under ``production``."""
    factors = material_factor_frame(edition)
    products = factors[(factors["category"] == "product") & (factors["co2_factor_t_per_unit"] > 0)]
    p = frames.production.merge(products, left_on="product", right_on="material", how="inner")
    already = prepared.loc[prepared["sign"] < 0, ["installation_id", "material"]].drop_duplicates()
    p = p.merge(already, on=["installation_id", "material"], how="left", indicator=True)
    p = p[p["_merge"] == "left_only"].copy()
    if p.empty:
        return empty_lines(), pd.Series(dtype=float)
    p["activity_ref"] = -p["quantity_t"]
    p["factor"] = p["co2_factor_t_per_unit"]
    p["emissions_t"] = p["activity_ref"] * p["factor"]
    p["emissions_t_co2e"] = p["emissions_t"]
    p["needs_verification"] = p["default_needs_verification"].astype(bool)
    p = p.assign(method=METHOD, process=None, source_stream=p["product"], category="fixed_carbon",
                 scope="scope_1", gas="CO2", activity_unit="t", factor_unit="t/t")
    carbon_out = (p["quantity_t"] * p["factor"] / CO2_PER_C).groupby(p["installation_id"]).sum()
    return lines_frame(p), carbon_out


def cn_steel_results(frames: ActivityFrames, lines: pd.DataFrame, balance: pd.DataFrame,
                     grid: pd.DataFrame, options: CnSteelOptions) -> list[CarbonResult]:
    """One :class:`~greenmet.carbon.results.CarbonResult` per installation from the frame results.

    Adds a warning where the grid factor used on an electricity line is not the reporting year's
    (factors are published about two years late) and where the installation is not a steel
    installation.
    """
    results = []
    lines_by_id = dict(tuple(lines.groupby("installation_id", sort=False)))
    balance_by_id = balance.set_index("installation_id")
    production_by_id = dict(tuple(frames.production.groupby("installation_id", sort=False)))
    stale = grid_year_notes(frames, grid, lines)
    for installation in installation_records(frames.installations):
        key = installation["installation_id"]
        notes = [stale[key]] if key in stale else []
        if installation["sector"] != "steel":
            notes.append(Message("warn_sector_not_steel", LABELS, sector=[installation["sector"]]))
        production = production_by_id.get(key, frames.production.iloc[0:0])
        results.append(build_result(
            method=METHOD, method_edition=options.edition, installation=installation,
            lines=lines_by_id.get(key, empty_lines()), production=production, gwp_metric="CO2 only",
            balance=balance_by_id.loc[key].to_dict() | {"installation_id": key}
            if key in balance_by_id.index else None,
            warnings=notes, options=options.model_dump(),
        ))
    return results


def compute_cn_steel(activity: ActivityData, options: CnSteelOptions | None = None, **keywords: Any
                     ) -> CarbonResult:
    """Emissions of a steel enterprise by China's method (GB/T 32151.5-2015).

    ``E = E_combustion + E_process + E_electricity + E_heat − R_fixed`` (see the module
    docstring for each term, its equation and its source).

    Parameters
    ----------
    activity
        Activity data of one installation (many installations: :func:`cn_steel_lines` on
        :func:`~greenmet.carbon.activity.activity_frames`).
    options
        :class:`~greenmet.carbon.options.CnSteelOptions`, or the same as keywords:
        ``edition`` (``"gbt-32151.5-2015"`` default, or ``"ndrc-2013"``), ``grid_region``
        (``"national"`` default, a grid region, a province, or ``"province"``), ``grid_basis``
        (``"average"`` default, ``"average_excl_market_nonfossil"``, ``"fossil"``,
        ``"ets_reporting"``), ``grid_factor_year`` (default the reporting year, or the latest
        earlier published) and ``fixed_carbon_from_production`` (True). The ``[options]`` of
        the activity file apply through :func:`greenmet.carbon.compute`.

    Returns
    -------
    CarbonResult
        Lines (scope 1: combustion, process, carbonate, electrode, fixed carbon; scope 2:
        electricity and heat), totals by scope, intensity per product, carbon balance.

    Raises
    ------
    UnknownKeyError
        Unknown edition, or no grid factor for the region and basis.

    Examples
    --------
    Natural gas, 1 × 10^4 Nm3 at the defaults (NCV 389.31 GJ/10^4 Nm3, CC 15.3 t C/TJ, OF 0.99)
    emits 389.31 × 0.0153 × 0.99 × 44/12 = 21.62 t CO2.
    """
    options = CnSteelOptions.of(options, keywords)
    frames = activity_frames(activity)
    lines, balance, grid = cn_steel_lines(frames, options)
    return cn_steel_results(frames, lines, balance, grid, options)[0]
