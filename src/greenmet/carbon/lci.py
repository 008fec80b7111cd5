"""Product life-cycle inventory with closed-loop recycling (worldsteel methodology, ISO 20915:2018).

The LCI of 1 kg of product including end-of-life recycling is (worldsteel, *Life cycle inventory
methodology report*, 2017, §"recycling methodology"; ISO 20915:2018 Annex on end-of-life
recycling; aligned with ISO 14044:2006 §4.3.4.3 closed-loop allocation):

.. math::

    LCI = X - (RR - S) \\cdot Y \\cdot (X_{pr} - X_{re})

with X the cradle-to-gate LCI of the product, RR its end-of-life recovery rate, S the *net* scrap
input per kg of product (scrap bought minus scrap sold, home scrap excluded), Y the metallic yield
of secondary production (kg metal per kg scrap), X_pr the LCI of 100 % primary metal (for steel a
theoretical BOF slab with no scrap) and X_re the LCI of 100 % secondary metal (EAF from scrap).
``Y·(X_pr − X_re)`` is the *value of scrap*: the burden of scrap consumed and the credit of scrap
recovered. The term ``−(RR − S)·Y·(X_pr − X_re)`` is reported separately from the cradle-to-gate
result, as Module D of EN 15804 ("recycling credits should be reported separately", worldsteel
2017); it is a credit (negative) when more scrap is recovered than consumed and a burden when the
product consumes more net scrap than it returns.

Published anchors (``lci_parameters`` reference table, all [S] in the research note):

- worldsteel value of scrap ≈ 1.5 kg CO2e per kg scrap (Broadbent, Int J LCA 21:1658, 2016);
- steel plate (worldsteel 2023 dataset via ICE v4): cradle-to-gate 2.38, Module D −1.22, net
  1.16 kg CO2e/kg at RR = 0.85.

Pitfall: some datasets label their pre-consumer "recycled content" (e.g. 2 %). That is not S;
:class:`LciProduct` refuses a scrap input declared as such a label.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from greenmet.carbon.method_inputs import LciInputs, LciProduct
from greenmet.carbon.results import LABELS, CarbonResult, build_result, lines_frame
from greenmet.errors import InputError
from greenmet.i18n import Message
from greenmet.refdata import factor

if TYPE_CHECKING:
    from greenmet.carbon.activity import ActivityData

__all__ = [
    "LciInputs",
    "LciProduct",
    "compute_lci",
    "end_of_life_credit",
    "implied_scrap_input",
    "implied_value_of_scrap",
    "lci_frame",
    "lci_with_end_of_life",
    "published_steel_value_of_scrap",
    "value_of_scrap",
]

METHOD = "lci"
EDITION = "worldsteel LCI methodology 2017 / ISO 20915:2018"


def value_of_scrap(primary: Any, recycled: Any, metallic_yield: Any) -> Any:
    """Value of scrap, Y·(X_pr − X_re) (worldsteel LCI methodology 2017; ISO 20915:2018).

    Parameters
    ----------
    primary
        LCI of 100 % primary metal, X_pr. [kgCO2e/kg]
    recycled
        LCI of 100 % secondary metal from scrap, X_re. [kgCO2e/kg]
    metallic_yield
        Metallic yield of secondary production Y, kg metal per kg scrap. [kg/kg]

    Returns
    -------
    The burden of 1 kg scrap consumed, equal to the credit of 1 kg scrap recovered. [kgCO2e/kg]
    """
    return metallic_yield * (primary - recycled)


def end_of_life_credit(recovery_rate: Any, scrap_input: Any, scrap_value: Any) -> Any:
    """Module D: the end-of-life recycling term −(RR − S)·Y·(X_pr − X_re).

    Parameters
    ----------
    recovery_rate
        End-of-life recovery rate RR. [dimensionless]
    scrap_input
        Net scrap input S per kg product, home scrap excluded. [kg/kg]
    scrap_value
        Value of scrap Y·(X_pr − X_re), see :func:`value_of_scrap`. [kgCO2e/kg]

    Returns
    -------
    Negative for a net credit (RR > S), positive for a net burden. [kgCO2e/kg]
    """
    return -(recovery_rate - scrap_input) * scrap_value


def lci_with_end_of_life(cradle_to_gate: Any, recovery_rate: Any, scrap_input: Any, scrap_value: Any) -> Any:
    """LCI including end-of-life recycling, X − (RR − S)·Y·(X_pr − X_re) (ISO 20915:2018).

    Parameters
    ----------
    cradle_to_gate
        Cradle-to-gate LCI X of the product. [kgCO2e/kg]
    recovery_rate, scrap_input, scrap_value
        As in :func:`end_of_life_credit`.

    Returns
    -------
    The LCI with Module D added. [kgCO2e/kg]
    """
    return cradle_to_gate + end_of_life_credit(recovery_rate, scrap_input, scrap_value)


def implied_scrap_input(module_d: Any, recovery_rate: Any, scrap_value: Any) -> Any:
    """Net scrap input S that a published Module D implies: S = RR + D / (Y·(X_pr − X_re)).

    Parameters
    ----------
    module_d
        Published Module D (negative for a credit). [kgCO2e/kg]
    recovery_rate
        Recovery rate the dataset used. [dimensionless]
    scrap_value
        Value of scrap. [kgCO2e/kg]

    Returns
    -------
    S. [kg/kg]
    """
    return recovery_rate + module_d / scrap_value


def implied_value_of_scrap(module_d: Any, recovery_rate: Any, scrap_input: Any) -> Any:
    """Value of scrap that a published Module D implies: −D / (RR − S). [kgCO2e/kg]"""
    return -module_d / (recovery_rate - scrap_input)


def lci_frame(products: pd.DataFrame) -> pd.DataFrame:
    """LCI with end-of-life recycling for many products at once (vectorised).

    Parameters
    ----------
    products
        Columns ``cradle_to_gate``, ``recovery_rate``, ``scrap_input`` [kg/kg] and either
        ``value_of_scrap`` or ``metallic_yield``, ``primary``, ``recycled`` (NaN where absent).
        Other columns are kept.

    Returns
    -------
    pandas.DataFrame
        A copy with ``value_of_scrap_kg_co2e_per_kg``, ``module_d_kg_co2e_per_kg`` and
        ``lci_with_end_of_life_kg_co2e_per_kg`` added.
    """
    out = products.copy()
    given = out["value_of_scrap"] if "value_of_scrap" in out else pd.Series(np.nan, index=out.index)
    derived = (
        value_of_scrap(out["primary"], out["recycled"], out["metallic_yield"])
        if {"primary", "recycled", "metallic_yield"} <= set(out.columns)
        else pd.Series(np.nan, index=out.index)
    )
    out["value_of_scrap_kg_co2e_per_kg"] = given.where(given.notna(), derived)
    missing = out["value_of_scrap_kg_co2e_per_kg"].isna()
    if missing.any():
        raise InputError(
            "value of scrap missing",
            field="value_of_scrap",
            value=out.index[missing].tolist()[:5],
            fix="give value_of_scrap, or metallic_yield, primary and recycled",
        )
    out["module_d_kg_co2e_per_kg"] = end_of_life_credit(
        out["recovery_rate"], out["scrap_input"], out["value_of_scrap_kg_co2e_per_kg"]
    )
    out["lci_with_end_of_life_kg_co2e_per_kg"] = out["cradle_to_gate"] + out["module_d_kg_co2e_per_kg"]
    return out


def _product_rows(product: LciProduct) -> dict[str, Any]:
    return {
        "product": product.product,
        "metal": product.metal,
        "cradle_to_gate": product.cradle_to_gate,
        "recovery_rate": product.recovery_rate,
        "scrap_input": product.scrap_input,
        "metallic_yield": np.nan if product.metallic_yield is None else product.metallic_yield,
        "primary": np.nan if product.primary is None else product.primary,
        "recycled": np.nan if product.recycled is None else product.recycled,
        "value_of_scrap": np.nan if product.value_of_scrap is None else product.value_of_scrap,
    }


def compute_lci(activity: ActivityData, *, gwp_metric: str = "AR5GWP100") -> CarbonResult:
    """Product LCI with closed-loop recycling (worldsteel 2017 / ISO 20915:2018) of ``activity.lci``.

    Each product gives two emission lines, scaled by its output in ``activity.production`` (1 t
    declared unit when the product is not listed there, with a warning): the cradle-to-gate LCI
    X (category ``upstream``, scope ``scope_3``: a cradle-to-gate inventory includes every
    upstream stage) and Module D −(RR − S)·Y·(X_pr − X_re) (category ``credit``, scope ``credit``),
    so that cradle-to-gate and the recycling credit stay apart. 1 kg CO2e/kg = 1 t CO2e/t.

    Parameters
    ----------
    activity
        Activity data with an ``lci`` section.
    gwp_metric
        GWP set of the cradle-to-gate values the user supplied (recorded, not applied: the
        inputs are already CO2e).

    Returns
    -------
    CarbonResult
        ``intensity_t_co2e_per_t`` holds, per product, the LCI including end of life; the
        options record cradle-to-gate and Module D per product.

    Raises
    ------
    InputError
        If the activity has no ``lci`` section.
    """
    from greenmet.carbon.activity import activity_frames

    section: LciInputs | None = getattr(activity, "lci", None)
    if section is None:
        raise InputError(
            "activity data has no 'lci' section",
            field="lci",
            fix="add an lci section with the products' cradle_to_gate, recovery_rate, "
            "scrap_input and value_of_scrap (docs/user_guide/carbon.md)",
        )
    frames = activity_frames(activity)
    installation = frames.installations.iloc[0]
    table = lci_frame(pd.DataFrame([_product_rows(p) for p in section.products]))
    output = frames.production.set_index("product")["quantity_t"]
    table["quantity_t"] = table["product"].map(output)
    warnings: list[str] = []
    unlisted = table.loc[table["quantity_t"].isna(), "product"].tolist()
    if unlisted:
        warnings.append(Message("warn_lci_no_production", LABELS, products=unlisted))
    table["quantity_t"] = table["quantity_t"].fillna(1.0)
    lines = _lines(table, str(installation["installation_id"]))
    production = pd.DataFrame({"product": table["product"], "quantity_t": table["quantity_t"]})
    result = build_result(
        method=METHOD,
        method_edition=EDITION,
        installation=installation,
        lines=lines,
        production=production,
        gwp_metric=gwp_metric,
        warnings=warnings,
        options={"products": ", ".join(table["product"])},
    )
    result.intensity_t_co2e_per_t = dict(
        zip(table["product"], table["lci_with_end_of_life_kg_co2e_per_kg"], strict=True)
    )
    for product, gate, module_d in zip(
        table["product"], table["cradle_to_gate"], table["module_d_kg_co2e_per_kg"], strict=True
    ):
        result.options[f"{product}_cradle_to_gate_kg_co2e_per_kg"] = float(gate)
        result.options[f"{product}_module_d_kg_co2e_per_kg"] = float(module_d)
    return result


def _lines(table: pd.DataFrame, installation_id: str) -> pd.DataFrame:
    gate = pd.DataFrame(
        {
            "installation_id": installation_id,
            "method": METHOD,
            "process": table["product"],
            "source_stream": table["product"],
            "category": "upstream",
            "scope": "scope_3",
            "gas": "CO2e",
            "activity_ref": table["quantity_t"],
            "activity_unit": "t",
            "factor": table["cradle_to_gate"],
            "factor_unit": "kgCO2e/kg",
            "factor_source": "user input: cradle-to-gate LCI of the product (X)",
            "needs_verification": False,
            "emissions_t": table["quantity_t"] * table["cradle_to_gate"],
        }
    )
    credit = pd.DataFrame(
        {
            "installation_id": installation_id,
            "method": METHOD,
            "process": table["product"],
            "source_stream": table["product"] + ":module_d",
            "category": "credit",
            "scope": "credit",
            "gas": "CO2e",
            "activity_ref": table["quantity_t"],
            "activity_unit": "t",
            "factor": table["module_d_kg_co2e_per_kg"],
            "factor_unit": "kgCO2e/kg",
            "factor_source": "-(RR - S)*Y*(X_pr - X_re), worldsteel LCI methodology 2017 / ISO 20915:2018",
            "needs_verification": False,
            "emissions_t": table["quantity_t"] * table["module_d_kg_co2e_per_kg"],
        }
    )
    lines = pd.concat([gate, credit], ignore_index=True)
    lines["emissions_t_co2e"] = lines["emissions_t"]
    return lines_frame(lines)


def published_steel_value_of_scrap() -> float:
    """worldsteel value of scrap, 1.5 kg CO2e/kg (Broadbent 2016), from ``lci_parameters``. [kgCO2e/kg]"""
    return factor("lci_parameters", dataset="worldsteel_steel", parameter="value_of_scrap").value
