"""Frame functions shared by the China methods (``cn-steel``, ``cn-aluminium``).

Each function works on the long tables of :func:`greenmet.carbon.activity.activity_frames` for
any number of installations at once: merges with the factor tables, column arithmetic and
group-bys, never a Python loop over flows.

Equations (GB/T 32151.5-2015 §6 and the NDRC 2013 steel guideline §5; the same structure in
the NDRC 2013 aluminium guideline and CETS-AG-04.01-V01-2024 §6–7):

- combustion, per fuel i: ``E = AD_i · NCV_i · CC_i · OF_i · 44/12`` with ``AD`` the net
  consumption (in − out; exported fuels and by-product gases are subtracted), ``NCV`` in GJ per
  unit, ``CC`` in t C/GJ, ``OF`` the oxidation factor;
- carbon-bearing materials with a factor per tonne (carbonates, electrodes, purchased pig iron,
  DRI and ferro-alloys): ``E = AD · EF``; when they leave the boundary (products, sold pig
  iron) the same expression is a deduction ("carbon fixed in products", ``R = AD · EF``);
- a measured carbon content ``C`` [t C per unit] replaces ``NCV · CC`` (or ``EF · 12/44``):
  ``E = AD · C · OF · 44/12``;
- net purchased electricity and heat: ``E = (AD_purchased − AD_sold) · EF`` with the grid or
  heat factor, or a supplier-specific factor where given.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from greenmet.carbon.factors import CO2_PER_C, grid_factor_frame, heat_factor, material_factor_frame
from greenmet.carbon.results import LABELS, LINE_COLUMNS, carbon_balance_frame, empty_lines, lines_frame
from greenmet.i18n import Message

__all__ = [
    "carbon_balance",
    "energy_lines",
    "grid_year_notes",
    "material_lines",
    "prepare_flows",
]

MEASURED_SOURCE = "measured by the reporting entity (activity data)"

GRID_SOURCE_PREFIX = "grid factor "
"""Start of ``factor_source`` on electricity lines that use the grid factor table."""

# Category of a material line from the 'category' column of the materials table.
_CATEGORY_BY_MATERIAL = {"flux": "carbonate", "electrode": "electrode", "anode": "anode"}


def prepare_flows(flows: pd.DataFrame, *, edition: str) -> pd.DataFrame:
    """Join the flows with the default factors and compute carbon and CO2 per flow.

    Parameters
    ----------
    flows
        Flow table of :func:`~greenmet.carbon.activity.normalise` (one or many installations).
    edition
        Edition key of the ``materials`` table.

    Returns
    -------
    pandas.DataFrame
        The flows with added columns: ``sign`` (+1 in, −1 out), ``is_fuel``,
        ``carbon_per_unit_t`` [t C per reference unit], ``oxidation`` [dimensionless],
        ``co2_factor_t_per_unit`` [t CO2 per reference unit, oxidation included],
        ``carbon_t`` [t C, unsigned], ``category``, ``factor_source``, ``needs_verification``.
    """
    factors = material_factor_frame(edition).drop(columns=["unit_ref"])
    f = flows.merge(factors, on="material", how="left", validate="many_to_one")
    f["sign"] = np.where(f["direction"] == "in", 1.0, -1.0)
    f["is_fuel"] = f["default_ncv_gj_per_unit"].notna() & f["carbon_per_energy_t_per_gj"].notna()
    ncv = f["ncv_gj_per_unit"].fillna(f["default_ncv_gj_per_unit"])
    from_default = np.where(
        f["is_fuel"], ncv * f["carbon_per_energy_t_per_gj"],
        np.where(f["co2_factor_t_per_unit"].notna(), f["co2_factor_t_per_unit"] / CO2_PER_C,
                 f["default_carbon_content"]))
    measured_carbon = f["carbon_content"].notna()
    f["carbon_per_unit_t"] = f["carbon_content"].where(measured_carbon, from_default).fillna(0.0)
    default_oxidation = f["default_oxidation_factor"].where(f["is_fuel"], 1.0).fillna(1.0)
    f["oxidation"] = f["oxidation_factor"].fillna(default_oxidation)
    f["co2_factor_t_per_unit"] = f["carbon_per_unit_t"] * f["oxidation"] * CO2_PER_C
    f["carbon_t"] = f["quantity_ref"] * f["carbon_per_unit_t"]
    material_category = f["category"].map(_CATEGORY_BY_MATERIAL)
    f["category"] = np.where(
        f["is_fuel"], "combustion",
        np.where(f["direction"] == "out", "fixed_carbon", material_category.fillna("process")))
    fully_measured = measured_carbon & (f["oxidation_factor"].notna() | ~f["is_fuel"])
    f["needs_verification"] = ~fully_measured & f["default_needs_verification"].fillna(False).astype(bool)
    for column in ("sign", "carbon_per_unit_t", "oxidation", "co2_factor_t_per_unit", "carbon_t"):
        f[column] = f[column].astype(float)
    measured_ncv = f["ncv_gj_per_unit"].notna() & ~measured_carbon
    # A fuel metered in energy carries the NCV it was converted with (activity.ncv_source).
    ncv_note = f["ncv_source"].fillna("NCV measured") if "ncv_source" in f else "NCV measured"
    f["factor_source"] = np.where(
        fully_measured, MEASURED_SOURCE,
        np.where(measured_ncv, ncv_note + "; other parameters: " + f["factor_source"].astype(str),
                 f["factor_source"].astype(str)))
    return f


def material_lines(prepared: pd.DataFrame, *, method: str) -> pd.DataFrame:
    """Emission lines of the material flows, one per installation, process, material, direction and source.

    Flows with no carbon (ores, scrap, alumina …) give no line. Outgoing flows give negative
    lines (exported fuels: category ``combustion``; products: ``fixed_carbon``).

    Parameters
    ----------
    prepared
        Output of :func:`prepare_flows`.
    method
        Method name written in the ``method`` column.

    Returns
    -------
    pandas.DataFrame
        Emission lines (:data:`~greenmet.carbon.results.LINE_COLUMNS`), scope 1, gas CO2.
    """
    f = prepared[prepared["carbon_per_unit_t"] > 0].copy()
    if f.empty:
        return empty_lines()
    f["activity_signed"] = f["sign"] * f["quantity_ref"]
    f["emissions_t"] = f["activity_signed"] * f["co2_factor_t_per_unit"]
    f["process"] = f["process"].fillna("")
    # Flows with measured and with default factors stay on separate lines (source in the key).
    keys = ["installation_id", "process", "material", "category", "direction", "unit_ref", "factor_source",
            "needs_verification"]
    grouped = f.groupby(keys, sort=False, dropna=False).agg(
        activity_ref=("activity_signed", "sum"), emissions_t=("emissions_t", "sum"),
        mean_factor=("co2_factor_t_per_unit", "mean"),
    ).reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        effective = grouped["emissions_t"] / grouped["activity_ref"]
    grouped["factor"] = effective.where(grouped["activity_ref"] != 0, grouped["mean_factor"])
    grouped["factor_unit"] = "t/" + grouped["unit_ref"].where(grouped["unit_ref"] == "t",
                                                              "(" + grouped["unit_ref"] + ")")
    grouped["activity_unit"] = grouped["unit_ref"]
    grouped["source_stream"] = grouped["material"]
    grouped["process"] = grouped["process"].replace("", None)
    grouped["method"] = method
    grouped["scope"] = "scope_1"
    grouped["gas"] = "CO2"
    grouped["emissions_t_co2e"] = grouped["emissions_t"]
    return lines_frame(grouped)


def energy_lines(energy: pd.DataFrame, installations: pd.DataFrame, *, method: str, edition: str,
                 grid_region: str = "national", grid_basis: str = "average",
                 grid_factor_year: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Emission lines of purchased and sold electricity and heat (scope 2).

    Sold electricity and heat are negative lines with the same factor (net purchase, GB/T
    32151.5-2015 §6.5–6.6). A supplier-specific ``emission_factor`` replaces the default.

    Parameters
    ----------
    energy
        Energy table of :func:`~greenmet.carbon.activity.activity_frames`.
    installations
        Installations table (reporting year and province select the grid factor).
    method
        Method name written in the ``method`` column.
    edition
        Edition of the heat factor.
    grid_region, grid_basis, grid_factor_year
        Passed to :func:`~greenmet.carbon.factors.grid_factor_frame`.

    Returns
    -------
    tuple of pandas.DataFrame
        The emission lines, and the grid factor chosen per installation.
    """
    grid = grid_factor_frame(installations, region=grid_region, basis=grid_basis, year=grid_factor_year)
    if energy.empty:
        return empty_lines(), grid
    heat_value, heat_source, heat_verify = heat_factor(edition)
    e = energy.merge(grid, on="installation_id", how="left")
    is_electricity = e["carrier"] == "electricity"
    default = np.where(is_electricity, e["factor_t_per_mwh"], heat_value)
    default_source = np.where(
        is_electricity,
        GRID_SOURCE_PREFIX + e["grid_region"].astype(str) + " " + e["factor_year"].astype(str) + ": "
        + e["factor_source"].astype(str),
        heat_source)
    default_verify = np.where(is_electricity, e["needs_verification"].fillna(False).astype(bool), heat_verify)
    supplier = e["emission_factor_t_per_unit"].notna()
    e["factor"] = e["emission_factor_t_per_unit"].where(supplier, default)
    e["factor_source"] = np.where(supplier, "supplier-specific factor (activity data)", default_source)
    e["needs_verification"] = np.where(supplier, False, default_verify)
    sign = np.where(e["direction"] == "purchased", 1.0, -1.0)
    e["activity_ref"] = sign * e["quantity_ref"]
    e["emissions_t"] = e["activity_ref"] * e["factor"]
    e["emissions_t_co2e"] = e["emissions_t"]
    e["category"] = np.where(e["direction"] == "purchased", "purchased_", "sold_") + e["carrier"]
    e["activity_unit"] = e["unit_ref"]
    e["factor_unit"] = "t/" + e["unit_ref"]
    e["source_stream"] = e["carrier"]
    e["process"] = None
    e["method"] = method
    e["scope"] = "scope_2"
    e["gas"] = "CO2"
    keys = ["installation_id", "category", "source_stream", "activity_unit", "factor_unit", "factor",
            "factor_source", "needs_verification", "method", "scope", "gas"]
    e["process"] = ""
    grouped = e.groupby([*keys, "process"], sort=False, dropna=False)[
        ["activity_ref", "emissions_t", "emissions_t_co2e"]].sum().reset_index()
    grouped["process"] = None
    return lines_frame(grouped[list(LINE_COLUMNS)]), grid


def carbon_balance(prepared: pd.DataFrame, lines: pd.DataFrame,
                   extra_carbon_in: pd.Series | None = None,
                   extra_carbon_out: pd.Series | None = None) -> pd.DataFrame:
    """Carbon balance of each installation from its prepared flows and its emission lines.

    carbon in = Σ carbon of incoming flows (+ ``extra_carbon_in``);
    carbon out = Σ carbon of outgoing flows + unoxidised carbon Σ sign·AD·C·(1 − OF)
    (+ ``extra_carbon_out``, e.g. carbon fixed in products given only as production);
    carbon emitted = net direct emissions of the lines, as carbon.

    Parameters
    ----------
    prepared
        Output of :func:`prepare_flows`.
    lines
        Emission lines of the same installations.
    extra_carbon_in, extra_carbon_out
        Carbon not carried by a flow row, indexed by installation_id. [t]

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~greenmet.carbon.results.BALANCE_COLUMNS`.
    """
    incoming = prepared["sign"] > 0
    carbon_in = prepared.loc[incoming, "carbon_t"].groupby(prepared.loc[incoming, "installation_id"]).sum()
    unoxidised = prepared["sign"] * prepared["carbon_t"] * (1.0 - prepared["oxidation"])
    out_flows = prepared["carbon_t"].where(~incoming, 0.0) + unoxidised
    carbon_out = out_flows.groupby(prepared["installation_id"]).sum()
    for extra, target in ((extra_carbon_in, "in"), (extra_carbon_out, "out")):
        if extra is not None and len(extra):
            if target == "in":
                carbon_in = carbon_in.add(extra, fill_value=0.0)
            else:
                carbon_out = carbon_out.add(extra, fill_value=0.0)
    return carbon_balance_frame(carbon_in, carbon_out, lines)


def grid_year_message(factor_year: int, reporting_year: int) -> Message:
    """The warning that the grid factor of another year than the reporting year was used."""
    return Message("warn_grid_factor_year", LABELS, factor_year=factor_year, reporting_year=reporting_year)


def grid_year_notes(frames: Any, grid: pd.DataFrame, lines: pd.DataFrame) -> dict[str, str]:
    """A note per installation whose electricity lines use a grid factor of another year.

    Only installations with an electricity line priced at the grid factor get the note: a
    supplier-specific factor or no electricity at all uses no grid factor (issue 12).

    Returns
    -------
    dict
        installation id → the warning text.
    """
    electricity = lines["category"].isin(["purchased_electricity", "sold_electricity"]) & lines[
        "factor_source"].astype(str).str.startswith(GRID_SOURCE_PREFIX)
    users = set(lines.loc[electricity, "installation_id"])
    if not users:
        return {}
    years = frames.installations.set_index("installation_id")["reporting_year"]
    notes: dict[str, str] = {}
    for key, factor_year in zip(grid["installation_id"], grid["factor_year"], strict=True):
        if key in users and int(factor_year) != int(years[key]):
            notes[key] = grid_year_message(int(factor_year), int(years[key]))
    return notes
