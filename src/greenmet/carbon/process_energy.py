"""Scrap share and process energies from the activity data, for carbon labels and energy limits.

The carbon activity data already hold what the green evaluation needs besides emissions: how
much scrap and how much ore-based iron a steelworks charges, and the fuels and electricity each
process uses. This module derives both once, for every user (the label thresholds that slide with
the scrap share, the converter's scrap correction of GB 21256-2025, the energy limits per process).

Scrap share
    s = scrap / (scrap + ore-based iron) of the metallic charge, by mass. Scrap is the ``scrap``
    flowing in; ore-based iron is ``pig_iron``, ``hot_metal`` and ``dri`` flowing in plus the
    ``hot_metal`` the site produces itself (its ``production`` row), since an integrated works
    charges the hot metal of its own furnaces. This is the "scrap share of the metallic input" of
    the IEA near-zero definition (IEA, *Achieving Net Zero Heavy Industry Sectors in G7 Members*,
    2022) on a plain mass basis; ResponsibleSteel weights each input by its metallic fraction
    (0.98 scrap, 0.94 pig iron and DRI), which moves s by well under one percentage point.

Process energy
    E_p = sum over the fuels of process p of (in − out) × NCV / (29.3076 MJ/kgce)
          + (purchased − sold) electricity of p × f_el + (purchased − sold) heat of p / (29.3076 MJ/kgce)

    in kgce, with 1 kgce = 29.3076 MJ (GB/T 2589-2020 §4.6, the ``kgce`` of greenmet's registry),
    the NCV of each flow (measured, or the default of the ``materials`` table) and the electricity
    factor f_el of table ``energy_conversion_factors`` for the basis the standard prescribes
    (当量值 0.1229 kgce/kWh by default; never the unit conversion 3.6/29.3076 = 0.12284). Fuels
    leaving a process (recovered converter gas, blast-furnace gas) count negative, which is why the
    converter's energy is negative (GB 21256-2025 Table 4). Only flows that name their process
    count for it; the rest are summed under ``process = None`` so that nothing is dropped. The
    result is exact for the flows listed: a site file that lists only what crosses the site
    boundary (coking coal in, but not the coke the furnace takes from the site's own ovens) gives
    site totals, not the process energies of GB 21256, and the evaluation says so.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pandas as pd

from greenmet.carbon.activity import ActivityData, activity_frames, known_materials
from greenmet.errors import InputError
from greenmet.refdata import factor
from greenmet.units import convert

__all__ = [
    "PROCESS_ENERGY_COLUMNS",
    "ScrapShare",
    "electricity_factor",
    "process_energy",
    "scrap_share",
]

ORE_BASED_IRON: tuple[str, ...] = ("pig_iron", "hot_metal", "dri")
"""Materials counted as ore-based iron in the metallic charge."""

PROCESS_ENERGY_COLUMNS: tuple[str, ...] = (
    "installation_id",
    "process",
    "fuel_in_kgce",
    "fuel_out_kgce",
    "electricity_net_kwh",
    "electricity_kgce",
    "heat_net_gj",
    "heat_kgce",
    "energy_kgce",
    "electricity_basis",
    "electricity_factor_kgce_per_kwh",
)
"""Columns of :func:`process_energy`."""


class ScrapShare(NamedTuple):
    """The scrap share of the metallic charge and what it was computed from.

    Attributes
    ----------
    value
        s = scrap / (scrap + ore-based iron). [dimensionless]
    scrap_t
        Scrap charged. [t]
    ore_based_iron_t
        Pig iron, hot metal and DRI charged or produced on site. [t]
    """

    value: float
    scrap_t: float
    ore_based_iron_t: float


def scrap_share(activity: ActivityData) -> ScrapShare:
    """The scrap share of the metallic charge of a steelworks (see the module docstring).

    Parameters
    ----------
    activity
        Activity data of the site.

    Returns
    -------
    ScrapShare
        The share and its two masses.

    Raises
    ------
    InputError
        If the activity data hold neither scrap nor ore-based iron (no metallic charge to share).
    """
    frames = activity_frames([activity])
    flows = frames.flows
    incoming = flows[flows["direction"] == "in"]
    scrap = float(incoming.loc[incoming["material"] == "scrap", "quantity_ref"].sum())
    iron = float(incoming.loc[incoming["material"].isin(ORE_BASED_IRON), "quantity_ref"].sum())
    produced = frames.production
    iron += float(produced.loc[produced["product"] == "hot_metal", "quantity_t"].sum())
    if scrap + iron <= 0:
        raise InputError(
            "no metallic charge in the activity data: neither scrap nor pig iron, hot metal or DRI",
            field="materials",
            value=activity.installation.id,
            fix="add the scrap flowing in (material 'scrap', direction 'in') and the hot metal the "
            "site produces (production 'hot_metal') or buys (material 'pig_iron'/'dri'), or give "
            "the scrap share directly",
        )
    return ScrapShare(scrap / (scrap + iron), scrap, iron)


def electricity_factor(basis: str = "calorific_equivalent") -> tuple[float, str, bool]:
    """The kgce per kWh of electricity on ``basis``, with its source and verification flag.

    Parameters
    ----------
    basis
        ``"calorific_equivalent"`` (当量值, what the energy limits use) or
        ``"generation_equivalent"`` (等价值).

    Returns
    -------
    tuple
        (factor [kgce/kWh], source, needs_verification).
    """
    row = factor("energy_conversion_factors", carrier="electricity", basis=basis)
    return convert(row.value, row.unit, "kgce/kWh"), row.source, row.needs_verification


def process_energy(
    activity: ActivityData, *, electricity_basis: str = "calorific_equivalent"
) -> pd.DataFrame:
    """Energy used by each process of the activity data, in kgce (see the module docstring).

    Parameters
    ----------
    activity
        Activity data whose flows name their ``process``.
    electricity_basis
        Row of table ``energy_conversion_factors`` for electricity.

    Returns
    -------
    pandas.DataFrame
        One row per process (``None`` for flows without one), columns
        :data:`PROCESS_ENERGY_COLUMNS`; ``energy_kgce`` is the net energy of the process.
    """
    kgce_per_kwh, _, _ = electricity_factor(electricity_basis)
    kgce_per_gj = float(convert(1.0, "GJ", "kgce"))
    frames = activity_frames([activity])
    flows = frames.flows
    info = known_materials()
    is_fuel = flows["material"].map(lambda m: info[m].category == "fuel").astype(bool)
    fuels = flows[is_fuel].copy()
    ncv = fuels["ncv_gj_per_unit"].to_numpy(dtype=float)
    default = fuels["material"].map(lambda m: info[m].default_ncv_gj_per_unit).to_numpy(dtype=float)
    ncv = np.where(np.isnan(ncv), default, ncv)
    fuels["kgce"] = fuels["quantity_ref"].to_numpy(dtype=float) * ncv * kgce_per_gj
    fuels["process"] = fuels["process"].astype(object)
    energy = frames.energy.copy()
    processes = [flow.process for flow in activity.energy]
    energy["process"] = pd.Series(processes, index=energy.index, dtype=object)
    sign = np.where(energy["direction"] == "purchased", 1.0, -1.0)
    energy["signed"] = energy["quantity_ref"].to_numpy(dtype=float) * sign
    keys = sorted({*fuels["process"].dropna(), *energy["process"].dropna()})
    if fuels["process"].isna().any() or energy["process"].isna().any():
        keys.append(None)
    rows = []
    for process in keys:
        own_fuels = fuels[fuels["process"].isna()] if process is None else fuels[fuels["process"] == process]
        own_energy = (
            energy[energy["process"].isna()] if process is None else energy[energy["process"] == process]
        )
        fuel_in = float(own_fuels.loc[own_fuels["direction"] == "in", "kgce"].sum())
        fuel_out = float(own_fuels.loc[own_fuels["direction"] == "out", "kgce"].sum())
        electricity_mwh = float(own_energy.loc[own_energy["carrier"] == "electricity", "signed"].sum())
        heat_gj = float(own_energy.loc[own_energy["carrier"] == "heat", "signed"].sum())
        electricity_kwh = electricity_mwh * 1000.0
        electricity_kgce = electricity_kwh * kgce_per_kwh
        heat_kgce = heat_gj * kgce_per_gj
        total = fuel_in - fuel_out + electricity_kgce + heat_kgce
        if not math.isfinite(total):
            raise InputError(
                "process energy is not a finite number",
                field="materials",
                value=process,
                fix="check the quantities and NCVs of the process's flows",
            )
        rows.append(
            (
                activity.installation.id,
                process,
                fuel_in,
                fuel_out,
                electricity_kwh,
                electricity_kgce,
                heat_gj,
                heat_kgce,
                total,
                electricity_basis,
                kgce_per_kwh,
            )
        )
    return pd.DataFrame(rows, columns=list(PROCESS_ENERGY_COLUMNS))
