"""Default factors of the China methods as tables ready to join with the activity frames.

The reference tables (``refdata/tables``) hold one value per row with its own source; the
functions here pivot them into one row per material (or installation) for an edition, so that a
method is a merge and a few column operations over any number of installations.

Edition resolution: a row of the ``materials`` table whose ``edition`` is ``"any"`` applies to
every edition; a row of the chosen edition overrides it.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pandas as pd

from greenmet.errors import UnknownKeyError
from greenmet.refdata import load_table
from greenmet.units import convert

__all__ = [
    "CO2_PER_C",
    "grid_factor_frame",
    "grid_factor_table",
    "heat_factor",
    "material_factor_frame",
]

CO2_PER_C = 44.0 / 12.0
"""Mass ratio CO2/C used by the China guidelines (GB/T 32151.5-2015 Eq. 2: 44/12). [dimensionless]"""

_PARAMETER_UNITS = {
    "ncv": None,  # GJ per reference unit, converted per row
    "carbon_per_energy": "t/GJ",
    "oxidation_factor": "dimensionless",
    "co2_factor": None,  # t CO2 per reference unit
    "carbon_content": None,  # t C per reference unit
}


@cache
def _material_factor_frame(edition: str) -> pd.DataFrame:
    table = load_table("materials")
    chosen = table[table["edition"].isin([edition, "any"])].copy()
    chosen["_rank"] = np.where(chosen["edition"] == edition, 0, 1)
    chosen = chosen.sort_values("_rank").drop_duplicates(["material", "parameter"], keep="first")
    values = []
    columns = (chosen["value"].astype(float), chosen["unit"].astype(str), chosen["unit_ref"].astype(str),
               chosen["parameter"].astype(str))
    for number, unit, unit_ref, parameter in zip(*columns, strict=True):
        if parameter == "ncv":
            target = f"GJ/({unit_ref})"
        elif parameter in ("co2_factor", "carbon_content"):
            target = f"t/({unit_ref})"
        else:
            target = str(_PARAMETER_UNITS[parameter])
        values.append(float(convert(float(number), unit, target)))
    chosen["value_ref"] = values
    wide = chosen.pivot(index="material", columns="parameter", values="value_ref")
    for parameter in _PARAMETER_UNITS:
        if parameter not in wide.columns:
            wide[parameter] = math.nan
    sources = chosen.groupby("material")["source"].agg(lambda s: "; ".join(dict.fromkeys(s)))
    verify = chosen.groupby("material")["needs_verification"].any()
    meta = chosen.drop_duplicates("material").set_index("material")[["unit_ref", "category"]]
    frame = meta.join(wide[list(_PARAMETER_UNITS)]).join(sources.rename("factor_source")).join(
        verify.rename("default_needs_verification"))
    frame = frame.rename(columns={
        "ncv": "default_ncv_gj_per_unit", "carbon_per_energy": "carbon_per_energy_t_per_gj",
        "oxidation_factor": "default_oxidation_factor", "co2_factor": "co2_factor_t_per_unit",
        "carbon_content": "default_carbon_content",
    })
    return frame.reset_index()


def material_factor_frame(edition: str) -> pd.DataFrame:
    """Default factors of every material for ``edition``, one row per material.

    Parameters
    ----------
    edition
        Edition key of the ``materials`` table (rows with edition ``"any"`` apply to all).

    Returns
    -------
    pandas.DataFrame
        ``material, unit_ref, category, default_ncv_gj_per_unit, carbon_per_energy_t_per_gj,
        default_oxidation_factor, co2_factor_t_per_unit, default_carbon_content, factor_source,
        default_needs_verification`` (NaN where the table gives no value).
    """
    return _material_factor_frame(edition).copy()


def heat_factor(edition: str) -> tuple[float, str, bool]:
    """Default CO2 factor of purchased heat for ``edition``.

    Returns
    -------
    tuple
        (factor in t CO2/GJ, source, needs_verification).
    """
    table = load_table("heat_factors")
    rows = table[table["edition"].isin([edition, "any"]) & (table["carrier"] == "heat")]
    rows = rows.assign(_rank=np.where(rows["edition"] == edition, 0, 1)).sort_values("_rank")
    row = rows.iloc[0]
    return (float(convert(float(row["value"]), str(row["unit"]), "t/GJ")), str(row["source"]),
            bool(row["needs_verification"]))


@cache
def _grid_table() -> pd.DataFrame:
    table = load_table("grid_factors")
    table["year"] = table["year"].astype(int)
    table["factor_t_per_mwh"] = [float(convert(v, u, "t/MWh")) for v, u in zip(table["value"], table["unit"],
                                                                                strict=True)]
    return table


@cache
def grid_factor_table(basis: str) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """The grid factors of one basis by region: (years ascending, t CO2/MWh, sources, needs_verification)."""
    table = _grid_table()
    rows = table[table["basis"] == basis].sort_values("year")
    out = {}
    for region, group in rows.groupby("region", sort=False):
        out[str(region)] = (group["year"].to_numpy(dtype=np.int64), group["factor_t_per_mwh"].to_numpy(float),
                            group["source"].astype(str).to_numpy(object),
                            group["needs_verification"].fillna(False).to_numpy(bool))
    return out


def grid_factor_frame(installations: pd.DataFrame, *, region: str = "national", basis: str = "average",
                      year: int | None = None) -> pd.DataFrame:
    """The grid emission factor that applies to each installation.

    The factor of the reporting year is used; when the table has no factor for that year, the
    latest earlier year is used (China publishes factors two years late), and ``factor_year``
    says which.

    Parameters
    ----------
    installations
        Installations table (``installation_id, province, reporting_year``).
    region
        ``"national"``, a grid region (``"north_china"`` …), a province (``"hebei"`` …) or
        ``"province"`` to use each installation's own province.
    basis
        ``"average"``, ``"average_excl_market_nonfossil"``, ``"fossil"`` or ``"ets_reporting"``.
    year
        Force this factor year for every installation instead of the reporting year.

    Returns
    -------
    pandas.DataFrame
        ``installation_id, grid_region, factor_year, factor_t_per_mwh, factor_source,
        needs_verification``.

    Raises
    ------
    UnknownKeyError
        If no factor exists for the region and basis in or before the year.
    """
    table = _grid_table()
    wanted = installations[["installation_id"]].copy()
    if region == "province":
        wanted["grid_region"] = installations["province"].fillna("").astype(str).str.strip().str.lower()
    else:
        wanted["grid_region"] = region
    wanted["wanted_year"] = int(year) if year is not None else installations["reporting_year"].astype(int)
    candidates = table[table["basis"] == basis]
    merged = wanted.merge(candidates, left_on="grid_region", right_on="region", how="left")
    merged = merged[merged["year"].notna() & (merged["year"] <= merged["wanted_year"])]
    merged = merged.sort_values("year").drop_duplicates("installation_id", keep="last")
    missing = sorted(set(wanted["installation_id"]) - set(merged["installation_id"]))
    if missing:
        first = wanted.set_index("installation_id").loc[missing[0]]
        known = sorted(set(candidates["region"]))
        raise UnknownKeyError(
            f"no grid factor with basis {basis!r} for region {first['grid_region']!r} "
            f"in or before {int(first['wanted_year'])}",
            field="grid_region", value=first["grid_region"],
            fix=f"use one of {', '.join(known)}, or give a supplier-specific emission_factor",
        )
    merged = merged.rename(columns={"year": "factor_year", "source": "factor_source"})
    merged["factor_year"] = merged["factor_year"].astype(int)
    out = wanted[["installation_id"]].merge(
        merged[["installation_id", "grid_region", "factor_year", "factor_t_per_mwh", "factor_source",
                "needs_verification"]], on="installation_id", how="left")
    return out
