"""CO2 intensity of a steel site per ISO 14404-1 (BF-BOF route) and ISO 14404-2 (EAF route).

The method of the ISO 14404 series and of the worldsteel CO2 data collection (user guide v5.1,
structure identical in ISO 14404-1/-2:2024) counts CO2 only, on the site boundary, in three
categories (ISO 14404-4:2020 §3.1.2–3.1.4):

.. math::

    E = \\underbrace{\\sum_{in} m_i EF_{dir,i} - \\sum_{out} m_j EF_{dir,j}}_{direct}
      + \\underbrace{\\sum_{purchased} m_k EF_{up,k}}_{upstream}
      - \\underbrace{\\sum_{exported} m_l EF_{cr,l}}_{credit},
    \\qquad I = E / P_{crude\\ steel}

- *direct*: carbon of fuels, reductants, carbonates and electrodes entering the site, minus the
  carbon leaving in exported fuels and by-products;
- *upstream*: purchased pellets, DRI, pig iron, coke, burnt lime, oxygen, electrodes,
  electricity and steam, at the worldsteel v5.1 upstream factors;
- *credit*: exported electricity, steam, by-product gases and slag.

By-product gases (coke-oven, blast-furnace and converter gas) carry a direct factor and a
"value in use" upstream factor; the direct part counts (purchased − sold)·EF_dir and a correction
(EF_up − EF_dir)·(purchased − sold) is added, so that an export earns a net credit EF_up·sold
(worldsteel v5.1 as quoted in the research note, §1.2). Purchased scrap carries no burden and
home scrap is outside the method. Electricity in both directions is valued at the world-average
0.504 t CO2/MWh of worldsteel v5.1 (9.8 GJ/MWh × 0.0514 t CO2/GJ); the plant's own factor
(supplier-specific, given on the energy flows) or any number is an explicit option, which the
JISF ISO 14404 guide allows when "credible".

Factors: table ``iso14404_factors``. The direct factors of coal, coke and fuels tabulated in
ISO 14404-1 are not public; greenmet ships factors derived from IPCC 2006 (Vol. 2 Tables 1.2 and
1.4: NCV × CO2 EF; Vol. 3 Table 4.3: carbon contents) flagged ``needs_verification``. Fuels of
the ``materials`` table without an ISO row are valued from their carbon per energy
(GB/T 32151.5 defaults) with complete oxidation, also provisional. A measured carbon content on
a flow overrides every default (t C per reference unit × 44.009/12.011). ISO 14404 cannot be used
to compare processes inside a site or as a benchmark (ISO 14404-1 scope).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from greenmet.carbon.method_inputs import Iso14404Inputs
from greenmet.carbon.results import LABELS, CarbonResult, build_result, empty_lines, lines_frame
from greenmet.errors import InputError
from greenmet.i18n import Message
from greenmet.refdata import load_table
from greenmet.units import convert

if TYPE_CHECKING:
    from greenmet.carbon.activity import ActivityData, ActivityFrames

__all__ = [
    "BY_PRODUCT_GASES",
    "Iso14404Inputs",
    "compute_iso14404",
    "iso14404_factor_table",
    "iso14404_lines",
    "worldsteel_electricity_factor",
]

METHOD = "iso14404"
CO2_PER_C = 44.009 / 12.011
"""Mass ratio CO2/C from IUPAC 2021 standard atomic weights. [dimensionless]"""

BY_PRODUCT_GASES: frozenset[str] = frozenset({"coke_oven_gas", "blast_furnace_gas", "converter_gas"})
"""Materials valued with a direct factor and a value-in-use correction (worldsteel v5.1)."""

_DIRECT_CATEGORY = {"fuel": "combustion", "flux": "carbonate", "electrode": "electrode"}
_ALIASES = {"hot_metal": "pig_iron"}
_ROUTE_EDITION = {
    "bf-bof": "ISO 14404-1:2024 (worldsteel v5.1 factors)",
    "eaf": "ISO 14404-2:2024 (worldsteel v5.1 factors)",
}
_CREDIT_FIELDS = {
    "blast_furnace_slag_sold": "blast_furnace_slag",
    "bof_slag_sold": "bof_slag",
    "co2_sold": "co2",
}


@cache
def _factor_rows() -> pd.DataFrame:
    return load_table("iso14404_factors")


def iso14404_factor_table() -> pd.DataFrame:
    """The ISO 14404 factors with provenance (a copy of reference table ``iso14404_factors``)."""
    return _factor_rows().copy()


def worldsteel_electricity_factor() -> float:
    """World-average electricity factor of worldsteel v5.1, 0.504 t CO2/MWh. [tCO2/MWh]"""
    rows = _factor_rows()
    return float(rows.loc[(rows["item"] == "electricity") & (rows["kind"] == "upstream"), "value"].iloc[0])


@cache
def _material_factor(item: str, unit_ref: str, kind: str) -> tuple[float, str, str, bool, bool] | None:
    """(value per reference unit or per GJ, unit label, source, needs_verification, per_gj) or None."""
    from greenmet.carbon.activity import known_materials

    rows = _factor_rows()
    hit = rows[(rows["item"] == item) & (rows["kind"] == kind)]
    info = known_materials().get(item)
    material = item
    if len(hit):
        row = hit.iloc[0]
        unit = str(row["unit"])
        if unit.endswith("/GJ"):
            return float(row["value"]), "tCO2/GJ", str(row["source"]), bool(row["needs_verification"]), True
        value = float(convert(float(row["value"]), unit, f"tCO2/({unit_ref})", field="iso14404_factors.unit"))
        return value, f"tCO2/{unit_ref}", str(row["source"]), bool(row["needs_verification"]), False
    if kind != "direct" or info is None or info.category != "fuel":
        return None
    materials = load_table("materials")
    carbon = materials[
        (materials["material"] == material)
        & (materials["parameter"] == "carbon_per_energy")
        & (materials["edition"] == "any")
    ]
    if not len(carbon):
        return None
    per_tj = float(convert(float(carbon["value"].iloc[0]), str(carbon["unit"].iloc[0]), "t/TJ"))
    source = (
        f"derived, no ISO 14404 row: carbon per energy {per_tj:g} t C/TJ of the 'materials' table "
        f"({carbon['source'].iloc[0]}) x 44.009/12.011, oxidation 1"
    )
    return per_tj / 1000.0 * CO2_PER_C, "tCO2/GJ", source, True, True


def _factor_columns(flows: pd.DataFrame, kind: str, items: pd.Series) -> pd.DataFrame:
    """Factor per reference unit of each flow for ``kind`` (NaN where the method has none)."""
    from greenmet.carbon.activity import known_materials

    keys = pd.Series(list(zip(items, flows["unit_ref"], strict=True)), index=flows.index)
    empty: tuple[float, Any, Any, bool, bool] = (np.nan, None, None, False, False)
    found: dict[Any, tuple[float, Any, Any, bool, bool]] = {}
    for key in keys.unique():
        hit = _material_factor(key[0], key[1], kind)
        found[key] = empty if hit is None else hit
    table = pd.DataFrame.from_dict(
        found, orient="index", columns=["value", "unit", "source", "needs_verification", "per_gj"]
    )
    picked = table.reindex(pd.Index(keys.tolist(), tupleize_cols=False))
    picked.index = flows.index
    value = picked["value"].astype(float)
    per_gj = picked["per_gj"].astype(bool)
    out = pd.DataFrame(index=flows.index)
    out["unit"] = picked["unit"]
    out["source"] = picked["source"]
    out["needs_verification"] = picked["needs_verification"].astype(bool)
    if per_gj.any():
        default_ncv = flows["material"].map(
            lambda m: known_materials()[m].default_ncv_gj_per_unit if m in known_materials() else math.nan
        )
        ncv = flows["ncv_gj_per_unit"].where(flows["ncv_gj_per_unit"].notna(), default_ncv)
        missing = per_gj & ncv.isna()
        if missing.any():
            raise InputError(
                "no NCV to apply a per-GJ factor",
                field="ncv",
                value=sorted(flows.loc[missing, "material"].unique()),
                fix="give the measured ncv and ncv_unit of these flows",
            )
        value = value.where(~per_gj, value * ncv)
        out["unit"] = out["unit"].where(~per_gj, "tCO2/" + flows["unit_ref"].astype(str))
        ncv_note = (" x NCV (" + flows["ncv_source"].fillna("default NCV of the materials table") + ")"
                    if "ncv_source" in flows else " x NCV")
        out["source"] = out["source"].where(~per_gj, out["source"] + ncv_note)
    out["value"] = value
    return out


def iso14404_lines(
    frames: ActivityFrames,
    *,
    electricity_factor: str | float = "worldsteel",
    dri_route: str | Mapping[str, str] = "gas_based",
    credits: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """ISO 14404 emission lines of one or many installations at once (vectorised).

    Parameters
    ----------
    frames
        Output of :func:`greenmet.carbon.activity.activity_frames`.
    electricity_factor
        ``"worldsteel"`` (0.504 t CO2/MWh, both directions), ``"plant"`` (the supplier-specific
        factor of each energy flow, required on every electricity and heat flow), or a number
        applied to electricity in both directions. [tCO2/MWh]
    dri_route
        ``"gas_based"`` or ``"coal_based"`` (upstream factor of purchased DRI), one value or one
        per installation id.
    credits
        Extra credited exports: columns ``installation_id, item, quantity_t`` with items
        ``blast_furnace_slag``, ``bof_slag``, ``co2``.

    Returns
    -------
    (lines, uncovered)
        The emission lines (:data:`greenmet.carbon.results.LINE_COLUMNS`) and the flows the
        method has no factor for (``installation_id, material, direction``).

    Raises
    ------
    InputError
        On an unknown ``electricity_factor`` or ``dri_route``, a missing supplier factor with
        ``"plant"``, or a per-GJ factor without NCV.
    """
    flows = frames.flows
    parts: list[pd.DataFrame] = []
    uncovered = pd.DataFrame(columns=["installation_id", "material", "direction"])
    if len(flows):
        sign = np.where(flows["direction"] == "in", 1.0, -1.0)
        items = flows["material"].map(lambda m: _ALIASES.get(m, m))
        route = (
            flows["installation_id"].map(dict(dri_route))
            if isinstance(dri_route, Mapping)
            else pd.Series(dri_route, index=flows.index)
        )
        bad_route = ~route.isin(["gas_based", "coal_based"])
        if bad_route.any():
            raise InputError(
                "unknown DRI route",
                field="dri_route",
                value=sorted(map(str, route[bad_route].unique())),
                fix="use 'gas_based' or 'coal_based'",
            )
        up_items = items.where(items != "dri", "dri_" + route)
        measured = flows["carbon_content"] * CO2_PER_C
        direct = _factor_columns(flows, "direct", items)
        has_measured = measured.notna()
        direct["value"] = direct["value"].where(~has_measured, measured)
        direct["unit"] = direct["unit"].where(~has_measured, "tCO2/" + flows["unit_ref"].astype(str))
        direct["source"] = direct["source"].where(~has_measured, "measured carbon content x 44.009/12.011")
        direct["needs_verification"] = direct["needs_verification"] & ~has_measured
        upstream = _factor_columns(flows, "upstream", up_items)
        credit = _factor_columns(flows, "credit", items)
        from greenmet.carbon.activity import known_materials

        category = flows["material"].map(
            lambda m: (
                _DIRECT_CATEGORY.get(known_materials()[m].category, "process")
                if m in known_materials()
                else "process"
            )
        )
        is_gas = flows["material"].isin(BY_PRODUCT_GASES)

        def block(
            mask: pd.Series, factor: pd.DataFrame, value: pd.Series, cat: Any, scope: str, suffix: str = ""
        ) -> None:
            if not mask.any():
                return
            sub = flows[mask]
            parts.append(
                pd.DataFrame(
                    {
                        "installation_id": sub["installation_id"],
                        "method": METHOD,
                        "process": sub["process"].fillna("site"),
                        "source_stream": sub["material"] + suffix,
                        "category": cat[mask] if isinstance(cat, pd.Series) else cat,
                        "scope": scope,
                        "gas": "CO2",
                        "activity_ref": sub["quantity_ref"] * sign[mask.to_numpy()],
                        "activity_unit": sub["unit_ref"],
                        "factor": value[mask],
                        "factor_unit": factor["unit"][mask],
                        "factor_source": factor["source"][mask],
                        "needs_verification": factor["needs_verification"][mask],
                    }
                )
            )

        block(direct["value"].notna(), direct, direct["value"], category, "scope_1")
        inflow = pd.Series(sign > 0, index=flows.index)
        # by-product gases: value-in-use correction (EF_up - EF_dir) in both directions, a scope-3
        # charge in worldsteel v5.1; an export nets to -EF_up per unit
        correction = upstream["value"] - direct["value"]
        gas_fix = upstream.copy()
        gas_fix["source"] = upstream["source"] + " (value in use: EF_up - EF_direct)"
        block(is_gas & inflow & correction.notna(), gas_fix, correction, "upstream", "upstream")
        block(is_gas & ~inflow & correction.notna(), gas_fix, correction, "credit", "upstream")
        # other purchased goods: upstream; exported goods: credit factor, else their upstream factor
        block(
            ~is_gas & inflow & upstream["value"].notna(), upstream, upstream["value"], "upstream", "upstream"
        )
        has_credit = credit["value"].notna()
        block(~is_gas & ~inflow & has_credit, credit, credit["value"], "credit", "credit")
        block(
            ~is_gas & ~inflow & ~has_credit & upstream["value"].notna(),
            upstream,
            upstream["value"],
            "credit",
            "credit",
        )
        covered = direct["value"].notna() | upstream["value"].notna() | has_credit
        uncovered = flows.loc[~covered, ["installation_id", "material", "direction"]].drop_duplicates()
    parts.append(_energy_lines(frames.energy, electricity_factor))
    if credits is not None and len(credits):
        parts.append(_credit_lines(credits))
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty_lines(), uncovered
    lines = pd.concat(parts, ignore_index=True)
    lines["emissions_t"] = lines["activity_ref"] * lines["factor"]
    lines["emissions_t_co2e"] = lines["emissions_t"]
    return lines_frame(lines), uncovered.reset_index(drop=True)


def _energy_lines(energy: pd.DataFrame, electricity_factor: str | float) -> pd.DataFrame:
    if not len(energy):
        return pd.DataFrame()
    rows = _factor_rows()
    table = {(r.item, r.kind): r for r in rows.itertuples()}
    purchased = energy["direction"] == "purchased"
    kind = np.where(purchased, "upstream", "credit")
    ws = pd.Series(
        [table[(c, k)].value for c, k in zip(energy["carrier"], kind, strict=True)],
        index=energy.index,
        dtype=float,
    )
    source = pd.Series(
        [table[(c, k)].source for c, k in zip(energy["carrier"], kind, strict=True)],
        index=energy.index,
        dtype=object,
    )
    verify = pd.Series(
        [bool(table[(c, k)].needs_verification) for c, k in zip(energy["carrier"], kind, strict=True)],
        index=energy.index,
        dtype=bool,
    )
    if isinstance(electricity_factor, str):
        if electricity_factor == "plant":
            missing = energy["emission_factor_t_per_unit"].isna()
            if missing.any():
                raise InputError(
                    "electricity_factor='plant' but an energy flow has no supplier factor",
                    field="energy.emission_factor",
                    value=sorted(energy.loc[missing, "carrier"] + " " + energy.loc[missing, "direction"]),
                    fix="give emission_factor and emission_factor_unit on every energy flow, "
                    "or use electricity_factor='worldsteel'",
                )
            ws = energy["emission_factor_t_per_unit"].astype(float)
            source = pd.Series(
                "plant's own factor (supplier-specific, given on the energy flow)", index=energy.index
            )
            verify = pd.Series(False, index=energy.index)
        elif electricity_factor != "worldsteel":
            raise InputError(
                "unknown electricity factor",
                field="electricity_factor",
                value=electricity_factor,
                fix="use 'worldsteel' (0.504 t CO2/MWh), 'plant', or a number in t CO2/MWh",
            )
    else:
        number = float(electricity_factor)
        if not math.isfinite(number) or number < 0:
            raise InputError(
                "electricity factor is negative or not finite",
                field="electricity_factor",
                value=electricity_factor,
                fix="give t CO2/MWh, zero or more",
            )
        is_el = energy["carrier"] == "electricity"
        ws = ws.where(~is_el, number)
        source = source.where(~is_el, "user-given electricity factor (option electricity_factor)")
        verify = verify.where(~is_el, False)
    category = np.where(purchased, "purchased_", "sold_") + energy["carrier"].astype(str)
    sign = np.where(purchased, 1.0, -1.0)
    return pd.DataFrame(
        {
            "installation_id": energy["installation_id"],
            "method": METHOD,
            "process": "site",
            "source_stream": energy["carrier"],
            "category": category,
            "scope": np.where(purchased, "scope_2", "credit"),
            "gas": "CO2",
            "activity_ref": energy["quantity_ref"] * sign,
            "activity_unit": energy["unit_ref"],
            "factor": ws,
            "factor_unit": "tCO2/" + energy["unit_ref"].astype(str),
            "factor_source": source,
            "needs_verification": verify,
        }
    )


def _credit_lines(credits: pd.DataFrame) -> pd.DataFrame:
    rows = _factor_rows()
    credit_rows = rows[rows["kind"] == "credit"].set_index("item")
    unknown = set(credits["item"]) - set(credit_rows.index)
    if unknown:
        raise InputError(
            "no ISO 14404 credit factor for item",
            field="credits.item",
            value=sorted(unknown),
            fix=f"use one of {', '.join(sorted(credit_rows.index))}",
        )
    picked = credit_rows.loc[credits["item"]]
    return pd.DataFrame(
        {
            "installation_id": credits["installation_id"].to_numpy(),
            "method": METHOD,
            "process": "site",
            "source_stream": credits["item"].to_numpy(),
            "category": "credit",
            "scope": "credit",
            "gas": "CO2",
            "activity_ref": -credits["quantity_t"].to_numpy(dtype=float),
            "activity_unit": "t",
            "factor": picked["value"].to_numpy(dtype=float),
            "factor_unit": picked["unit"].to_numpy(),
            "factor_source": picked["source"].to_numpy(),
            "needs_verification": picked["needs_verification"].to_numpy(),
        }
    )


def _infer_route(frames: ActivityFrames) -> str | None:
    processes = set(frames.flows["process"].dropna()) if len(frames.flows) else set()
    materials = set(frames.flows["material"]) if len(frames.flows) else set()
    if "blast_furnace" in processes or "bof" in processes or {"coke", "coking_coal"} & materials:
        return "bf-bof"
    if "eaf" in processes or "electrode" in materials:
        return "eaf"
    return None


def compute_iso14404(
    activity: ActivityData,
    *,
    route: str | None = None,
    electricity_factor: str | float = "worldsteel",
    dri_route: str | None = None,
) -> CarbonResult:
    """CO2 emissions and intensity per tonne of crude steel of a steel site (ISO 14404-1/-2).

    Parameters
    ----------
    activity
        Activity data; production must list ``crude_steel``. The optional ``iso14404`` section
        gives the route, the DRI route and the sold slag and CO2.
    route
        ``"bf-bof"`` (ISO 14404-1) or ``"eaf"`` (ISO 14404-2); default: the section's route, else
        inferred from the flows (blast furnace, BOF or coke → bf-bof; EAF or electrodes → eaf).
    electricity_factor
        ``"worldsteel"`` (0.504 t CO2/MWh, worldsteel v5.1 world average, default), ``"plant"``
        (the supplier-specific factors given on the energy flows) or a number. [tCO2/MWh]
    dri_route
        ``"gas_based"`` (0.780 t CO2/t upstream) or ``"coal_based"`` (1.210 t CO2/t) for
        purchased DRI; default the section's value, else gas-based.

    Returns
    -------
    CarbonResult
        Lines by source stream in scopes ``scope_1`` (direct), ``upstream``, ``scope_2``
        (purchased electricity and heat) and ``credit``; ``intensity_t_co2e_per_t["crude_steel"]``
        is the ISO 14404 CO2 intensity. CO2 only.

    Raises
    ------
    InputError
        No crude steel in production, a route that cannot be inferred, or a bad option.
    """
    from greenmet.carbon.activity import activity_frames

    frames = activity_frames(activity)
    section: Iso14404Inputs = getattr(activity, "iso14404", None) or Iso14404Inputs()
    production = frames.production
    if not (production["product"] == "crude_steel").any():
        raise InputError(
            "ISO 14404 intensity needs crude steel production",
            field="production",
            value=sorted(production["product"]),
            fix="add a production row with product 'crude_steel' (t)",
        )
    chosen = route or section.route or _infer_route(frames)
    if chosen not in _ROUTE_EDITION:
        raise InputError(
            "route not given and not recognisable from the flows",
            field="route",
            value=chosen,
            fix="pass route='bf-bof' (ISO 14404-1) or route='eaf' (ISO 14404-2)",
        )
    credit_rows = [
        (activity.installation.id, item, getattr(section, field))
        for field, item in _CREDIT_FIELDS.items()
        if getattr(section, field) > 0
    ]
    credits = pd.DataFrame(credit_rows, columns=["installation_id", "item", "quantity_t"])
    lines, uncovered = iso14404_lines(
        frames,
        electricity_factor=electricity_factor,
        dri_route=dri_route or section.dri_route,
        credits=credits,
    )
    warnings: list[str] = []
    if len(uncovered):
        named = [Message("item_direction", LABELS, material=[m], direction=[d])
                 for m, d in zip(uncovered["material"], uncovered["direction"], strict=True)]
        warnings.append(Message("warn_iso14404_not_counted", LABELS, items=named))
    steel = production[production["product"] == "crude_steel"]
    result = build_result(
        method=METHOD,
        method_edition=_ROUTE_EDITION[chosen],
        installation=frames.installations.iloc[0],
        lines=lines,
        production=steel,
        gwp_metric="CO2 only",
        warnings=warnings,
        options={
            "route": chosen,
            "electricity_factor": electricity_factor,
            "dri_route": dri_route or section.dri_route,
        },
    )
    return result
