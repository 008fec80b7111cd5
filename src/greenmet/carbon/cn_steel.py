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

The arithmetic is in :func:`greenmet.carbon.cn_arrays.steel_arrays` (numpy, any number of
installations); :func:`cn_steel_lines` gives its lines as frames and :func:`compute_cn_steel`
runs it for one installation.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from greenmet.carbon.activity import ActivityColumns, ActivityData, ActivityFrames, activity_columns
from greenmet.carbon.cn_arrays import SteelArrays, column, steel_arrays
from greenmet.carbon.cn_common import grid_year_message
from greenmet.carbon.options import CnSteelOptions
from greenmet.carbon.results import (
    LABELS,
    LINE_COLUMNS,
    CarbonResult,
    lines_frame,
    make_result,
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
    _check_edition(options.edition)
    arrays = steel_arrays(frames, options)
    return lines_frame(arrays.lines_frame()), arrays.balance_frame(), arrays.grid


def cn_steel_results(
    frames: ActivityFrames | ActivityColumns, arrays: SteelArrays, options: CnSteelOptions
) -> list[CarbonResult]:
    """One :class:`~greenmet.carbon.results.CarbonResult` per installation from :func:`steel_arrays`.

    Adds a warning where the grid factor used on an electricity line is not the reporting year's
    (factors are published about two years late) and where the installation is not a steel
    installation.
    """
    installations = frames.installations
    lines = arrays.line_columns()
    position = lines["installation"]
    starts = np.searchsorted(position, np.arange(len(arrays.ids) + 1))
    production = frames.production
    product_position = pd.Index(arrays.ids).get_indexer(column(production, "installation_id"))
    products = column(production, "product")
    quantities = column(production, "quantity_t", float)
    years = column(installations, "reporting_year", np.int64)
    factor_years = arrays.grid_columns["factor_year"]
    sectors = column(installations, "sector")
    results = []
    records = {name: column(installations, name)
               for name in ("installation_id", "installation_name", "period_start", "period_end")}
    for index in range(len(arrays.ids)):
        installation = {name: values[index] for name, values in records.items()}
        rows = slice(starts[index], starts[index + 1])
        notes: list[str] = []
        if arrays.stale_grid[index]:
            notes.append(grid_year_message(int(factor_years[index]), int(years[index])))
        if sectors[index] != "steel":
            notes.append(Message("warn_sector_not_steel", LABELS, sector=[str(sectors[index])]))
        mine = product_position == index
        results.append(make_result(
            method=METHOD, method_edition=options.edition, installation=installation,
            lines=pd.DataFrame({column: lines[column][rows] for column in LINE_COLUMNS}),
            production=dict(zip(products[mine].tolist(), quantities[mine].tolist(), strict=True)),
            gwp_metric="CO2 only",
            balance={key: float(values[index]) for key, values in arrays.balance.items()}
            if arrays.has_balance[index] else None,
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
    _check_edition(options.edition)
    tables = activity_columns(activity)
    return cn_steel_results(tables, steel_arrays(tables, options), options)[0]
