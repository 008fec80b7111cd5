"""Allowances of China's national ETS: allocation, surplus or deficit, and its cost (S5).

Allocation rules are data (reference table ``allowance_rules``, one row per year, sector, method
and product), so that a new year's plan is a new row, not new code. Three rule forms:

- ``verified_emissions``: ``A = share · E_verified(year)`` — the 2024 rule for steel and
  aluminium (MEE, 2024–2025 allowance total and allocation plan, 18 Nov 2025: 2024 allowances
  equal the verified 2024 emissions);
- ``pre_allocation_share``: ``A = share · E_verified(year − 1)`` — the 2025 pre-allocation of
  the same plan (70 % of the previous year's verified emissions);
- ``benchmark``: ``A = share · Σ_p B_p · Q_p · F_p`` with the benchmark ``B_p`` [t CO2 per t of
  product p], the output ``Q_p`` [t] and the adjustment factor ``F_p`` — the form the market
  uses for intensity-based allocation (the power sector since 2019–2020); later years' benchmarks
  enter as rows of the table.

The position is ``surplus = A − E_covered`` (negative: a deficit to buy) and its cost at a price
``C = max(−surplus, 0) · price``. The covered emissions are the direct (scope 1) emissions: the
work plan of 2025 brings fuel combustion and industrial-process emissions of steel and aluminium
(CF4 and C2F6 included) under control, not purchased electricity and heat.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from greenmet.carbon.results import CarbonResult
from greenmet.errors import InputError, UnknownKeyError
from greenmet.refdata import load_table

__all__ = ["COVERED_SCOPES", "AllowancePosition", "allowance", "allowance_rules", "covered_emissions"]

COVERED_SCOPES: tuple[str, ...] = ("scope_1",)
"""Scopes of a result that the national ETS controls for steel and aluminium (direct only)."""

_METHOD_SECTOR = {"cn-steel": "steel", "cn-aluminium": "aluminium"}


@dataclass(frozen=True)
class AllowancePosition:
    """Allowance, covered emissions and their balance for one installation and year.

    Attributes
    ----------
    year
        Compliance year.
    sector
        ``"steel"`` or ``"aluminium"``.
    rule
        Rule form used (``verified_emissions``, ``pre_allocation_share``, ``benchmark``).
    allowance_t_co2e
        Allowances allocated. [t]
    covered_emissions_t_co2e
        Emissions that must be surrendered for (direct emissions). [t]
    surplus_t_co2e
        allowance − covered emissions; negative is a deficit. [t]
    price_cny_per_t
        Price used for the cost. [CNY/t]
    cost_cny
        Cost of buying the deficit (0 with a surplus). [CNY]
    surplus_value_cny
        Value of the surplus at the price (0 with a deficit). [CNY]
    source
        The rule's source.
    needs_verification
        True when the rule is not confirmed from the primary text.
    """

    year: int
    sector: str
    rule: str
    allowance_t_co2e: float
    covered_emissions_t_co2e: float
    surplus_t_co2e: float
    price_cny_per_t: float | None
    cost_cny: float | None
    surplus_value_cny: float | None
    source: str
    needs_verification: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with unit-suffixed keys."""
        return dict(self.__dict__)


def allowance_rules(year: int | None = None, sector: str | None = None) -> pd.DataFrame:
    """The shipped allocation rules, optionally for one year and sector."""
    table = load_table("allowance_rules")
    table["year"] = table["year"].astype(int)
    if year is not None:
        table = table[table["year"] == int(year)]
    if sector is not None:
        table = table[table["sector"] == sector]
    return table.reset_index(drop=True)


def covered_emissions(result: CarbonResult, scopes: tuple[str, ...] = COVERED_SCOPES) -> float:
    """Emissions of ``result`` under the ETS (sum of ``scopes``). [t]"""
    return float(sum(result.totals_t_co2e.get(scope, 0.0) for scope in scopes))


def allowance(
    result: CarbonResult,
    year: int | None = None,
    *,
    sector: str | None = None,
    previous_verified_t_co2e: float | None = None,
    production_t: dict[str, float] | None = None,
    price_cny_per_t: float | None = None,
    rules: pd.DataFrame | None = None,
    scopes: tuple[str, ...] = COVERED_SCOPES,
) -> AllowancePosition:
    """Allowance of an installation for a year, its surplus or deficit and the cost at a price.

    Parameters
    ----------
    result
        Result of ``cn-steel`` or ``cn-aluminium`` for the compliance year (its covered
        emissions are the verified emissions of the year).
    year
        Compliance year; default the year of the result's period start.
    sector
        ``"steel"`` or ``"aluminium"``; default from the result's method.
    previous_verified_t_co2e
        Verified emissions of the previous year, for the ``pre_allocation_share`` rule. [t]
    production_t
        Output by product for the ``benchmark`` rule; default the result's production. [t]
    price_cny_per_t
        Allowance price for the cost. [CNY/t]
    rules
        Rule table to use instead of the shipped ``allowance_rules`` (same columns).
    scopes
        Scopes counted as covered emissions (default direct only).

    Returns
    -------
    AllowancePosition

    Raises
    ------
    UnknownKeyError
        No rule for the year and sector.
    InputError
        A rule that needs an input not given (previous year's emissions, production), or a
        negative price.

    Examples
    --------
    2024 (allowance = verified emissions): surplus 0. 2025 pre-allocation: 70 % of 2024.
    """
    if sector is None:
        sector = _METHOD_SECTOR.get(result.method)
        if sector is None:
            raise InputError("cannot tell the ETS sector from the method", field="sector",
                             value=result.method, fix="pass sector='steel' or sector='aluminium'")
    year = int(year if year is not None else result.period_start.year)
    if price_cny_per_t is not None and (not math.isfinite(price_cny_per_t) or price_cny_per_t < 0):
        raise InputError("price is negative or not finite", field="price_cny_per_t", value=price_cny_per_t,
                         fix="give the allowance price in CNY per t CO2")
    table = allowance_rules() if rules is None else rules.assign(year=rules["year"].astype(int))
    chosen = table[(table["year"] == year) & (table["sector"] == sector)]
    if chosen.empty:
        years = sorted(table.loc[table["sector"] == sector, "year"].unique())
        raise UnknownKeyError(
            f"no allocation rule for {sector} in {year}", field="year", value=year,
            fix=f"use a year with a rule ({', '.join(map(str, years))}) or pass rules= with the year's plan")
    methods = chosen["method"].unique()
    if len(methods) > 1:
        raise InputError(f"rules for {sector} {year} mix methods", field="rules", value=list(methods),
                         fix="give one rule form per year and sector")
    rule = str(methods[0])
    covered = covered_emissions(result, scopes)
    if rule == "verified_emissions":
        allocated = float(chosen["share"].iloc[0]) * covered
    elif rule == "pre_allocation_share":
        if previous_verified_t_co2e is None:
            raise InputError("the pre-allocation rule needs the previous year's verified emissions",
                             field="previous_verified_t_co2e", value=None,
                             fix=f"pass the verified emissions of {year - 1} in t CO2e")
        if not math.isfinite(previous_verified_t_co2e) or previous_verified_t_co2e < 0:
            raise InputError("previous verified emissions negative or not finite",
                             field="previous_verified_t_co2e", value=previous_verified_t_co2e,
                             fix="give the verified emissions in t CO2e")
        allocated = float(chosen["share"].iloc[0]) * previous_verified_t_co2e
    elif rule == "benchmark":
        output = production_t if production_t is not None else result.production_t
        missing = sorted(set(chosen["product"]) - set(output))
        if missing:
            raise InputError("the benchmark rule needs the output of these products", field="production_t",
                             value=missing, fix="pass production_t={product: tonnes}")
        quantities = chosen["product"].astype(str).map(lambda product: float(output[product]))
        allocated = float((chosen["share"].astype(float) * chosen["benchmark"].astype(float) * quantities
                           * chosen["adjustment"].astype(float)).sum())
    else:
        raise UnknownKeyError("unknown allocation rule form", field="method", value=rule,
                              fix="use verified_emissions, pre_allocation_share or benchmark")
    surplus = allocated - covered
    cost = value = None
    if price_cny_per_t is not None:
        cost = max(0.0, -surplus) * price_cny_per_t
        value = max(0.0, surplus) * price_cny_per_t
    return AllowancePosition(
        year=year, sector=sector, rule=rule, allowance_t_co2e=allocated, covered_emissions_t_co2e=covered,
        surplus_t_co2e=surplus, price_cny_per_t=price_cny_per_t, cost_cny=cost, surplus_value_cny=value,
        source="; ".join(dict.fromkeys(chosen["source"].astype(str))),
        needs_verification=bool(chosen["needs_verification"].astype(bool).any()),
    )

