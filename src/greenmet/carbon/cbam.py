"""Embedded emissions of CBAM goods: iron, steel and aluminium (IR 2025/2547, IR 2025/2621).

Editions
--------
``"IR2025/2547"`` (default)
    Commission Implementing Regulation (EU) 2025/2547, methods of the definitive period (from
    1 January 2026). Indirect emissions are not counted for iron, steel and aluminium goods
    (Reg. (EU) 2023/956 Annex II), except for sintered ore (CN 2601 12), whose indirect
    emissions enter the goods made from it through the asymmetric precursor rule
    (Annex I §3.1; EU CBAM communication template, "Indir.em relevant? (definitive)").
``"IR2023/1773"``
    Commission Implementing Regulation (EU) 2023/1773, transitional period (1 Oct 2023 –
    31 Dec 2025): the same attribution and recursion, indirect emissions counted for every good.
    Its default values were global only and are not shipped.

Equations
---------
Mass balance of a process (Annex II B.3.2, Eq. 12–15), outputs with negative activity data:

.. math:: Em = f \\sum_k AD_k \\, CC_k, \\qquad f = 3.664\\ t\\,CO_2/t\\,C

Attributed direct emissions of a process (Annex III A.3, Eq. 55 as quoted in a public CBAM
application; the OJ text was not read):

.. math:: AttrEm_{dir} = DirEm^* + Em_{H,imp} - Em_{H,exp} + WG_{corr,imp} - WG_{corr,exp} - Em_{el,prod}

with measurable heat valued at the supplier's factor or, without one, the natural-gas factor
56.1 t CO2/TJ over a 90 % boiler efficiency (Annex III A.2.2), and the waste-gas corrections
V·NCV·EF_NG·Corr_η with Corr_η = 0.667 (IR 2023/1773 Annex III, recalled, provisional).

PFC of primary aluminium (Annex II B.7), slope method
CF4 = AEM·SEF_CF4/1000·Pr_Al and overvoltage method CF4 = OVC·(AEO/CE)·Pr_Al·0.001;
C2F6 = CF4·F_C2F6; both divided by the collection efficiency when measured in ducts; CO2e with
the AR5 GWPs CF4 6630, C2F6 11100 (Annex II G Table 6).

Specific embedded emissions of a complex good (Annex III B, Eq. 59–63), applied recursively:

.. math:: SEE_g = \\frac{AttrEm_g + \\sum_i M_i \\, SEE_i}{AL_g}

M_i the total mass of precursor i consumed (losses and scrap included), AL_g the goods leaving
the process that can be sold or used as precursor. Scrap, by-products and waste carry zero
embedded emissions (Annex II F); precursors from the EU or from the countries of
Reg. (EU) 2023/956 Annex III (Iceland, Liechtenstein, Norway, Switzerland) count as zero.
The recursion is solved as one sparse linear system over every process of every installation,
(diag(AL) − M)·SEE = AttrEm + Σ purchased M·SEE, after checking that the precursor graph has
no cycle.

Default values (IR 2025/2621 Annex I, table ``cbam_default_values``: China and the "Other
countries and territories" fallback, CN 2601 12, 72 and 76) with the mark-ups of table
``cbam_markups`` (+10 % 2026, +20 % 2027, +30 % 2028). The fallback rule is row-level: where a
listed country has no value, every column comes from the fallback row.

Mark-up rule applied to precursor default values (:data:`MARKUP_RULE`): unless ``markup_year``
is given, the mark-up of the reporting year of the activity data applies (none before 2026, the
transitional period of IR 2023/1773, whose default values carried none). IR 2025/2621 sets
default values for goods other than electricity *including* mark-ups (recitals 3-4: a
conservative approach so that embedded emissions are not underestimated when default values are
used), and IR 2025/2547 Art. 15 lets the operator combine actual values with such default values
for precursors. Every precursor line and ``value_source`` says which value, which mark-up and
why.

Goods of one CN code made by several processes (routes) keep their SEE per process in
``goods``; the SEE reported per CN code (``cn_codes``, ``intensity_t_co2e_per_t``, the batch
column) is the production-weighted mean over the processes, SEE_cn = Σ_p AL_p,cn·SEE_p / Σ_p
AL_p,cn, as the EU CBAM communication template for installations reports a CN code made in
several production processes (sheets Summary_Processes and Summary_Products; IR 2023/1773 Annex
IV, content of the communication). The result warns when the processes' SEE differ.

A certificate-cost sketch (benchmark × CBAM factor × price) is *not* provided: the steel
benchmarks of IR 2025/2620 and the cross-sectoral correction factor for 2026–2030 could not be
sourced, and a cost built on invented numbers would mislead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import spsolve

from greenmet.carbon.method_inputs import (
    CBAM_CATEGORIES,
    CbamCarbonPrice,
    CbamGood,
    CbamInputs,
    CbamPfc,
    CbamPrecursor,
    CbamPrecursorUse,
    CbamProcess,
    CbamSourceStream,
    clean_cn_code,
)
from greenmet.carbon.results import LABELS, CarbonResult, build_result, empty_lines, lines_frame
from greenmet.errors import InputError, SuspectUnitError, UnknownKeyError
from greenmet.i18n import Message
from greenmet.refdata import factor, load_table
from greenmet.units import co2_equivalent

if TYPE_CHECKING:
    from greenmet.carbon.activity import ActivityData

__all__ = [
    "CBAM_CATEGORIES",
    "EDITIONS",
    "EU_AND_EXEMPT_COUNTRIES",
    "MARKUP_RULE",
    "CbamCarbonPrice",
    "CbamGood",
    "CbamInputs",
    "CbamPfc",
    "CbamPrecursor",
    "CbamPrecursorUse",
    "CbamProcess",
    "CbamResult",
    "CbamSourceStream",
    "CbamTables",
    "attributed_direct_emissions",
    "cbam_tables",
    "communication",
    "compute_cbam",
    "default_value",
    "default_values",
    "heat_emission_factor_default",
    "mass_balance_emissions",
    "multi_process_warnings",
    "pfc_overvoltage",
    "pfc_slope",
    "see_by_cn_code",
    "specific_embedded_emissions",
]

METHOD = "cbam"
EDITIONS: dict[str, str] = {
    "IR2025/2547": "Commission Implementing Regulation (EU) 2025/2547 (definitive period); "
    "default values IR 2025/2621",
    "IR2023/1773": "Commission Implementing Regulation (EU) 2023/1773 (transitional period)",
}

MARKUP_RULE = (
    "mark-up of the reporting year on precursor default values unless markup_year is given "
    "(IR 2025/2621 recitals 3-4 and Annex I: default values for goods other than electricity include "
    "a mark-up, +10 % 2026, +20 % 2027, +30 % 2028; IR 2025/2547 Art. 15: combined use of actual "
    "and default values for precursors; none before 2026, the transitional period of IR 2023/1773)"
)
"""The rule :func:`compute_cbam` applies when ``markup_year`` is not given (shown in ``value_source``)."""

_REPORTING_YEAR = "reporting_year"

EU_AND_EXEMPT_COUNTRIES: frozenset[str] = frozenset(
    {
        # EU member states (ISO 3166-1 alpha-2; Greece as GR and EL)
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "EL",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        # Reg. (EU) 2023/956 Annex III point 1: countries outside the customs territory to which
        # CBAM does not apply
        "IS",
        "LI",
        "NO",
        "CH",
    }
)
"""Origins whose precursors carry zero embedded emissions (IR 2025/2547 Annex III B)."""

_INDIRECT_COUNTED_DEFINITIVE = frozenset({"sintered_ore"})
_PRODUCT_GROUP = {"26": "iron_steel", "72": "iron_steel", "73": "iron_steel", "76": "aluminium"}
_ZERO_CATEGORIES = frozenset({"scrap"})
_SCRAP_CN_PREFIXES = ("7204", "7602")


@cache
def _constant(name: str) -> float:
    return factor("cbam_constants", name=name).value


@cache
def _constant_verify(name: str) -> bool:
    return factor("cbam_constants", name=name).needs_verification


@cache
def _constant_source(name: str) -> str:
    return factor("cbam_constants", name=name).source


def heat_emission_factor_default() -> float:
    """Factor of imported measurable heat without supplier data: 56.1 / 0.9 = 62.3 t CO2/TJ.

    IR 2025/2547 Annex III A.2.2: the standard factor of natural gas (Annex II G Table 1) over
    a reference boiler efficiency of 90 %. [tCO2/TJ]
    """
    return _constant("ef_natural_gas") / _constant("heat_boiler_efficiency")


# ------------------------------------------------------------------------------ formulas
def mass_balance_emissions(quantity: Any, carbon_content: Any, outgoing: Any = False) -> Any:
    """Emissions of source streams by mass balance, f·AD·CC (IR 2025/2547 Annex II B.3.2, Eq. 12–15).

    Parameters
    ----------
    quantity
        Activity data AD of each stream, positive. [t]
    carbon_content
        Carbon content CC. [t/t]
    outgoing
        True for streams leaving the process (products, slag, dust, exported gas): their AD is
        counted negative.

    Returns
    -------
    Emissions of each stream (negative for outgoing carbon), f = 3.664 t CO2/t C. [tCO2]
    """
    sign = np.where(np.asarray(outgoing, dtype=bool), -1.0, 1.0)
    result = _constant("carbon_to_co2") * sign * quantity * carbon_content
    if isinstance(quantity, pd.Series):
        return pd.Series(result, index=quantity.index)
    return result if np.ndim(result) else float(result)


def attributed_direct_emissions(
    direct_emissions: Any,
    heat_imported: Any = 0.0,
    heat_imported_factor: Any = None,
    heat_exported: Any = 0.0,
    heat_exported_factor: Any = None,
    waste_gas_imported: Any = 0.0,
    waste_gas_exported: Any = 0.0,
    electricity_production_emissions: Any = 0.0,
) -> Any:
    """AttrEm_dir = DirEm* + Em_H,imp − Em_H,exp + WG_corr,imp − WG_corr,exp − Em_el,prod.

    IR 2025/2547 Annex III A.3, Eq. 55 (form quoted in a public CBAM application), heat
    default Annex III A.2.2, waste-gas correction V·NCV·EF_NG·Corr_η after IR 2023/1773 Annex III
    (Corr_η = 0.667, provisional).

    Parameters
    ----------
    direct_emissions
        DirEm*, directly attributable emissions of the process. [tCO2e]
    heat_imported, heat_exported
        Measurable heat imported / exported. [TJ]
    heat_imported_factor, heat_exported_factor
        Their emission factors; None: :func:`heat_emission_factor_default`. [tCO2/TJ]
    waste_gas_imported, waste_gas_exported
        Energy V·NCV of waste gas imported / exported. [TJ]
    electricity_production_emissions
        Em_el,prod. [tCO2e]

    Returns
    -------
    Attributed direct emissions. [tCO2e]
    """
    default = heat_emission_factor_default()
    imp = default if heat_imported_factor is None else heat_imported_factor
    exp = default if heat_exported_factor is None else heat_exported_factor
    wg = _constant("ef_natural_gas") * _constant("waste_gas_correction_efficiency")
    return (
        direct_emissions
        + heat_imported * imp
        - heat_exported * exp
        + waste_gas_imported * wg
        - waste_gas_exported * wg
        - electricity_production_emissions
    )


@cache
def _pfc_factors(method: str, technology: str) -> tuple[float, float]:
    table = load_table("cbam_pfc_factors")
    hit = table[(table["method"] == method) & (table["technology"] == technology)]
    if not len(hit):
        known = sorted(table.loc[table["method"] == method, "technology"])
        raise UnknownKeyError(
            f"no {method}-method PFC factor for this cell technology",
            field="technology",
            value=technology,
            fix=f"use one of {', '.join(known)} (IR 2025/2547 Annex II B.7)"
            + ("; or the slope method" if method == "overvoltage" else ""),
        )
    return float(hit["cf4_factor"].iloc[0]), float(hit["c2f6_ratio"].iloc[0])


def pfc_slope(
    anode_effect_minutes: Any, production: Any, technology: str, collection_efficiency: Any = 1.0
) -> tuple[Any, Any]:
    """CF4 and C2F6 by the slope method (IR 2025/2547 Annex II B.7).

    CF4 = AEM·SEF_CF4/1000·Pr_Al, C2F6 = CF4·F_C2F6, both divided by the collection efficiency.

    Parameters
    ----------
    anode_effect_minutes
        AEM, anode-effect minutes per cell-day (frequency × mean duration). [min/d]
    production
        Primary aluminium produced, Pr_Al. [t]
    technology
        Cell technology of the slope table (``"CWPB"``, ``"SWPB"``, ``"VSS"``, ``"HSS"``,
        ``"PFPB-L"``, ``"PFPB-M"``).
    collection_efficiency
        Fraction collected where duct emissions are measured (1 for whole-cell factors). [dimensionless]

    Returns
    -------
    (cf4, c2f6)
        Masses of CF4 and C2F6. [t]
    """
    sef, ratio = _pfc_factors("slope", technology)
    cf4 = anode_effect_minutes * sef / 1000.0 * production / collection_efficiency
    return cf4, cf4 * ratio


def pfc_overvoltage(
    anode_effect_overvoltage: Any,
    current_efficiency: Any,
    production: Any,
    technology: str,
    collection_efficiency: Any = 1.0,
) -> tuple[Any, Any]:
    """CF4 and C2F6 by the overvoltage method (IR 2025/2547 Annex II B.7).

    CF4 = OVC·(AEO/CE)·Pr_Al·0.001 with CE in percent in the formula (IPCC 2006 Vol. 3 Ch. 4
    Eq. 4.27, as IR 2025/2547 Annex II B.7 takes it over), C2F6 = CF4·F_C2F6. CE is *given* as a
    fraction, like every share in greenmet (:mod:`greenmet.carbon.shares`), and multiplied by 100
    here; a CE above 1 is refused, since 94 read as a fraction would divide the PFC by 100.

    Parameters
    ----------
    anode_effect_overvoltage
        AEO. [mV]
    current_efficiency
        CE, a fraction in (0, 1]. [dimensionless]
    production
        Pr_Al. [t]
    technology
        ``"CWPB"`` or ``"SWPB"`` (the technologies with an overvoltage coefficient).
    collection_efficiency
        As in :func:`pfc_slope`. [dimensionless]

    Returns
    -------
    (cf4, c2f6)
        Masses of CF4 and C2F6. [t]
    """
    if np.any(np.asarray(current_efficiency, dtype=float) > 1.0):
        raise SuspectUnitError(
            "current efficiency above 1: it is a fraction here", field="current_efficiency",
            value=current_efficiency, fix="give CE as a fraction, e.g. 0.94 for 94 %")
    ovc, ratio = _pfc_factors("overvoltage", technology)
    ce_percent = 100.0 * np.asarray(current_efficiency, dtype=float)
    cf4 = ovc * (anode_effect_overvoltage / ce_percent) * production * 0.001 / collection_efficiency
    return cf4, cf4 * ratio


# ------------------------------------------------------------------------- default values
@cache
def _defaults_table() -> pd.DataFrame:
    return load_table("cbam_default_values")


def _markup(cn_code: str, year: int | None) -> tuple[float, str]:
    if year is None:
        return 0.0, "no mark-up"
    group = _PRODUCT_GROUP.get(cn_code[:2])
    table = load_table("cbam_markups")
    rows = table[(table["product_group"] == group) & (table["year"] == str(year))]
    if not len(rows):
        years = sorted(table.loc[table["product_group"] == group, "year"])
        if year < 2026:
            return 0.0, "no mark-up before the definitive period"
        raise UnknownKeyError(
            "no CBAM mark-up published for this year in the shipped table",
            field="year",
            value=year,
            fix=f"use one of {', '.join(years)}, or year=None for base values",
        )
    return float(rows["markup"].iloc[0]) / 100.0, str(rows["source"].iloc[0])


def default_value(
    cn_code: str, country: str, year: int | None = None, *, fallback: bool = False
) -> dict[str, Any]:
    """The CBAM default value of a good from a country (IR 2025/2621 Annex I), with its mark-up.

    Parameters
    ----------
    cn_code
        CN code, 4 to 8 digits. A code longer than the table's entry takes the longest entry that
        is its prefix; a shorter code is accepted only if every table entry under it has the same
        value.
    country
        Country of origin, ISO 3166-1 alpha-2. Shipped: China (``"CN"``). Where China's cell is
        empty (e.g. DRI, CN 7203) the "Other countries and territories" row is used, per the
        annex's row-level fallback rule.
    year
        Year of import for the mark-up (+10 % 2026, +20 % 2027, +30 % 2028); None for base values.
    fallback
        True to use the "Other countries and territories" table for a country whose own rows are
        not shipped (correct only if that country is not listed in IR 2025/2621 Annex I).

    Returns
    -------
    dict
        ``cn_code`` (table entry), ``country_table`` (``"CN"`` or ``"other"``), ``direct``,
        ``indirect``, ``total`` (base values), ``markup_fraction``, ``direct_with_markup``,
        ``indirect_with_markup``, ``total_with_markup`` [tCO2e/t], ``production_route``,
        ``source``, ``needs_verification``.

    Raises
    ------
    UnknownKeyError
        CN code not in the shipped table, country not shipped (without ``fallback``), or no
        mark-up for ``year``.
    InputError
        A short CN code whose sub-headings have different values.
    """
    return dict(_default_value(clean_cn_code(cn_code), country.upper(), year, fallback))


@cache
def _default_value(code: str, country: str, year: int | None, fallback: bool) -> dict[str, Any]:
    table = _defaults_table()
    if country in EU_AND_EXEMPT_COUNTRIES:
        raise InputError(
            "goods from the EU or from CBAM-exempt countries have no default value",
            field="country",
            value=country,
            fix="their embedded emissions count as zero (IR 2025/2547 Annex III B)",
        )
    shipped = set(table["country"]) - {"other"}
    if country in shipped:
        tables = [country, "other"]
    elif fallback:
        tables = ["other"]
    else:
        raise UnknownKeyError(
            "default values of this country are not shipped",
            field="country",
            value=country,
            fix=f"shipped: {', '.join(sorted(shipped))} and the 'Other countries and territories' table; "
            "pass "
            "fallback=True (use_default with fallback) only if the country is not listed in IR 2025/2621 "
            "Annex I, or give the supplier's actual values",
        )
    row = None
    for name in tables:
        row = _match(table[table["country"] == name], code)
        if row is not None:
            break
    if row is None:
        known = sorted({c[:4] for c in table["cn_code"]})
        raise UnknownKeyError(
            "CN code not in the shipped CBAM default table",
            field="cn_code",
            value=code,
            fix=f"shipped headings: {', '.join(known)} (iron and steel, aluminium)",
        )
    markup, markup_source = _markup(code, year)
    indirect = float(row["indirect"])
    direct = float(row["direct"])
    return {
        "cn_code": str(row["cn_code"]),
        "country_table": str(row["country"]),
        "direct": direct,
        "indirect": indirect,
        "total": direct + indirect,
        "indirect_reported": str(row["indirect_reported"]) == "true",
        "markup_fraction": markup,
        "direct_with_markup": direct * (1 + markup),
        "indirect_with_markup": indirect * (1 + markup),
        "total_with_markup": (direct + indirect) * (1 + markup),
        "production_route": str(row["production_route"]),
        "source": str(row["source"]) + ("" if markup == 0 else f"; mark-up: {markup_source}"),
        "needs_verification": bool(row["needs_verification"]),
    }


def _match(rows: pd.DataFrame, code: str) -> pd.Series | None:
    codes = rows["cn_code"]
    prefix = rows[codes.map(lambda c: code.startswith(c))]
    if len(prefix):
        return prefix.iloc[int(np.argmax(prefix["cn_code"].str.len().to_numpy()))]
    under = rows[codes.str.startswith(code)]
    if not len(under):
        return None
    if under[["direct", "indirect"]].drop_duplicates().shape[0] > 1:
        choices = ", ".join(f"{c} ({d:g})" for c, d in zip(under["cn_code"], under["direct"], strict=True))
        raise InputError(
            "CN code is too short: its sub-headings have different default values",
            field="cn_code",
            value=code,
            fix=f"give the full code, one of {choices}",
        )
    return under.iloc[0]


def default_values(goods: pd.DataFrame, year: int | None = None, *, fallback: bool = False) -> pd.DataFrame:
    """Default values of many goods at once.

    ``goods`` has columns ``cn_code, country``; the result has the fields of :func:`default_value`.
    """
    cache_: dict[tuple[str, str], dict[str, Any]] = {}
    records = []
    for cn, country in zip(goods["cn_code"], goods["country"], strict=True):
        key = (str(cn), str(country))
        if key not in cache_:
            cache_[key] = default_value(key[0], key[1], year, fallback=fallback)
        records.append(cache_[key])
    out = pd.DataFrame.from_records(records, index=goods.index)
    out.insert(0, "requested_cn_code", goods["cn_code"].to_numpy())
    out.insert(1, "country", goods["country"].to_numpy())
    return out


# ------------------------------------------------------------------------------- recursion
def specific_embedded_emissions(processes: pd.DataFrame, uses: pd.DataFrame) -> pd.DataFrame:
    """SEE of every process by the recursion of IR 2025/2547 Annex III B, solved at once.

    Parameters
    ----------
    processes
        One row per process (any number of installations): ``key`` (unique), ``activity_level``
        AL [t], and one or more right-hand-side columns whose names start with ``attributed_``
        (e.g. ``attributed_direct``, ``attributed_indirect``) holding the process's own
        attributed emissions plus the embedded emissions of its *purchased* precursors
        (Σ M_i·SEE_i) [tCO2e].
    uses
        Internal precursor consumption: ``consumer``, ``precursor`` (keys of ``processes``),
        ``mass`` M_i [t].

    Returns
    -------
    pandas.DataFrame
        Index ``key``; for each ``attributed_<x>`` column a ``see_<x>`` column. [tCO2e/t]

    Raises
    ------
    InputError
        A process with zero activity level, or a cycle in the precursor graph.
    """
    keys = processes["key"].tolist()
    n = len(keys)
    position = {k: i for i, k in enumerate(keys)}
    al = processes["activity_level"].to_numpy(dtype=float)
    zero = al <= 0
    if zero.any():
        raise InputError(
            "process has zero activity level (no goods produced)",
            field="goods",
            value=[keys[i] for i in np.flatnonzero(zero)],
            fix="give the mass of goods leaving each process in the period",
        )
    rows = uses["consumer"].map(position).to_numpy()
    cols = uses["precursor"].map(position).to_numpy()
    mass = uses["mass"].to_numpy(dtype=float)
    graph = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    count, labels = connected_components(graph, directed=True, connection="strong")
    if count < n:
        sizes = np.bincount(labels)
        cyclic = [keys[i] for i in range(n) if sizes[labels[i]] > 1]
        raise InputError(
            "precursor cycle: processes consume each other's goods",
            field="precursors",
            value=cyclic,
            fix="break the cycle; goods returned to an upstream process are "
            "scrap or by-products with zero embedded emissions (Annex II F)",
        )
    matrix = sparse.diags(al, format="csr") - sparse.csr_matrix((mass, (rows, cols)), shape=(n, n))
    rhs_columns = [c for c in processes.columns if c.startswith("attributed_")]
    rhs = processes[rhs_columns].to_numpy(dtype=float)
    solution = spsolve(matrix.tocsc(), rhs)
    solution = np.asarray(solution, dtype=float).reshape(n, len(rhs_columns))
    out = pd.DataFrame(
        solution,
        index=pd.Index(keys, name="key"),
        columns=["see_" + c[len("attributed_") :] for c in rhs_columns],
    )
    return out


# --------------------------------------------------------------------------------- result
@dataclass
class CbamResult(CarbonResult):
    """A :class:`CarbonResult` with the CBAM goods and precursor tables.

    Attributes
    ----------
    goods
        One row per process and CN code: ``process, category, route, cn_code, quantity_t,
        see_direct_t_co2e_per_t, see_indirect_t_co2e_per_t, see_total_t_co2e_per_t,
        default_value_share`` and the Annex IV parameters.
    cn_codes
        One row per CN code: the production-weighted SEE over the processes that make it
        (:func:`see_by_cn_code`); the values of ``intensity_t_co2e_per_t``.
    precursors
        One row per precursor use: ``consumer, precursor, origin, mass_t, see_direct_t_co2e_per_t,
        see_indirect_t_co2e_per_t, value_source``.
    country
        Country of the installation.
    carbon_price
        The carbon price due in the country of origin, if any.
    """

    goods: pd.DataFrame = field(default_factory=pd.DataFrame)
    cn_codes: pd.DataFrame = field(default_factory=pd.DataFrame)
    precursors: pd.DataFrame = field(default_factory=pd.DataFrame)
    country: str = ""
    carbon_price: CbamCarbonPrice | None = None

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        for name in ("goods", "cn_codes", "precursors"):
            frame = getattr(self, name).astype(object)
            out[name] = frame.where(frame.notna(), None).to_dict("records")
        return out


def _markup_year(markup_year: int | str | None, reporting_year: int, edition: str) -> tuple[int | None, str]:
    """The year whose mark-up applies, and why (for ``value_source``)."""
    if markup_year != _REPORTING_YEAR:
        if markup_year is None or markup_year == "base":
            return None, f"base value without mark-up (markup_year={markup_year} given)"
        return int(markup_year), f"mark-up year {markup_year} given"
    if edition == "IR2023/1773" or reporting_year < 2026:
        return None, f"no mark-up: reporting year {reporting_year} is before 2026; rule: {MARKUP_RULE}"
    return reporting_year, f"reporting year {reporting_year}; rule: {MARKUP_RULE}"


def _purchased_values(
    section: CbamInputs,
    edition: str,
    year: int | None,
    fallback: bool,
    why: str = "",
) -> dict[str, dict[str, Any]]:
    values: dict[str, dict[str, Any]] = {}
    for p in section.purchased_precursors:
        is_scrap = p.category in _ZERO_CATEGORIES or (p.cn_code or "").startswith(_SCRAP_CN_PREFIXES)
        if is_scrap:
            values[p.name] = {
                "direct": 0.0,
                "indirect": 0.0,
                "value_source": "zero: scrap (Annex II F)",
                "default": False,
                "needs_verification": False,
            }
        elif p.country.upper() in EU_AND_EXEMPT_COUNTRIES:
            values[p.name] = {
                "direct": 0.0,
                "indirect": 0.0,
                "default": False,
                "needs_verification": False,
                "value_source": "zero: origin in the EU or a CBAM-exempt country (Annex III B)",
            }
        elif p.use_default:
            if edition == "IR2023/1773":
                raise InputError(
                    "IR 2023/1773 default values are not shipped",
                    field="use_default",
                    value=p.name,
                    fix="give the supplier's values, or use edition 'IR2025/2547'",
                )
            # CbamPrecursor's validator guarantees a CN code whenever use_default is set.
            d = default_value(str(p.cn_code), p.country, year, fallback=fallback)
            markup = (f"+{100 * d['markup_fraction']:g} % mark-up of {year}" if d["markup_fraction"]
                      else "no mark-up")
            values[p.name] = {
                "direct": d["direct_with_markup"],
                "indirect": d["indirect_with_markup"],
                "value_source": (
                    f"default value CN {d['cn_code']} ({d['country_table']} table): direct {d['direct']:g} "
                    f"+ indirect {d['indirect']:g} t CO2e/t, {markup} ({why}); {d['source']}"),
                "default": True,
                "needs_verification": d["needs_verification"],
            }
        else:
            values[p.name] = {
                "direct": float(p.see_direct or 0.0),
                "indirect": float(p.see_indirect or 0.0),
                "value_source": "actual (communicated by the supplier)",
                "default": False,
                "needs_verification": False,
            }
    return values


def _process_lines(
    installation_id: str, process: CbamProcess, production_al: float, edition: str, gwp_metric: str
) -> tuple[list[dict[str, Any]], float, float]:
    """Emission lines of one process and its attributed direct and indirect emissions."""
    base = {"installation_id": installation_id, "method": METHOD, "process": process.name, "gas": "CO2"}
    lines: list[dict[str, Any]] = []
    mb_source = _constant_source("carbon_to_co2")
    for stream in process.source_streams:
        em = mass_balance_emissions(stream.quantity, stream.carbon_content, stream.direction == "out")
        sign = -1.0 if stream.direction == "out" else 1.0
        lines.append(
            {
                **base,
                "source_stream": stream.name,
                "category": "process",
                "scope": "scope_1",
                "activity_ref": sign * stream.quantity,
                "activity_unit": "t",
                "factor": stream.carbon_content * _constant("carbon_to_co2"),
                "factor_unit": "tCO2/t",
                "factor_source": "measured carbon content x f; " + mb_source,
                "needs_verification": False,
                "emissions_t": em,
            }
        )
    if process.direct_emissions:
        lines.append(
            {
                **base,
                "source_stream": "direct_emissions",
                "category": "process",
                "scope": "scope_1",
                "activity_ref": process.direct_emissions,
                "activity_unit": "tCO2e",
                "factor": 1.0,
                "factor_unit": "t/t",
                "factor_source": "DirEm* determined by the operator",
                "needs_verification": False,
                "emissions_t": process.direct_emissions,
            }
        )
    heat_default = heat_emission_factor_default()
    heat_verify = _constant_verify("heat_boiler_efficiency")
    for name, amount, ef, sign in (
        ("heat_imported", process.heat_imported, process.heat_imported_factor, 1.0),
        ("heat_exported", process.heat_exported, process.heat_exported_factor, -1.0),
    ):
        if amount:
            lines.append(
                {
                    **base,
                    "source_stream": name,
                    "category": "purchased_heat" if sign > 0 else "sold_heat",
                    "scope": "scope_1",
                    "activity_ref": sign * amount,
                    "activity_unit": "TJ",
                    "factor": heat_default if ef is None else ef,
                    "factor_unit": "tCO2/TJ",
                    "factor_source": "natural gas 56.1 t CO2/TJ / 0.9 (IR 2025/2547 Annex III A.2.2)"
                    if ef is None
                    else "supplier's factor",
                    "needs_verification": ef is None and heat_verify,
                    "emissions_t": sign * amount * (heat_default if ef is None else ef),
                }
            )
    wg = _constant("ef_natural_gas") * _constant("waste_gas_correction_efficiency")
    for name, amount, sign in (
        ("waste_gas_imported", process.waste_gas_imported, 1.0),
        ("waste_gas_exported", process.waste_gas_exported, -1.0),
    ):
        if amount:
            lines.append(
                {
                    **base,
                    "source_stream": name,
                    "category": "combustion",
                    "scope": "scope_1",
                    "activity_ref": sign * amount,
                    "activity_unit": "TJ",
                    "factor": wg,
                    "factor_unit": "tCO2/TJ",
                    "factor_source": "EF_NG 56.1 t CO2/TJ x Corr_eta 0.667 (IR 2023/1773 Annex III)",
                    "needs_verification": _constant_verify("waste_gas_correction_efficiency"),
                    "emissions_t": sign * amount * wg,
                }
            )
    if process.electricity_production_emissions:
        lines.append(
            {
                **base,
                "source_stream": "electricity_produced",
                "category": "sold_electricity",
                "scope": "scope_1",
                "activity_ref": -process.electricity_production_emissions,
                "activity_unit": "tCO2e",
                "factor": 1.0,
                "factor_unit": "t/t",
                "factor_source": "Em_el,prod (IR 2025/2547 Annex III A.3)",
                "needs_verification": False,
                "emissions_t": -process.electricity_production_emissions,
            }
        )
    if process.pfc is not None:
        pfc = process.pfc
        if pfc.method == "slope":
            cf4, c2f6 = pfc_slope(
                pfc.anode_effect_minutes, production_al, pfc.technology, pfc.collection_efficiency
            )
        else:
            cf4, c2f6 = pfc_overvoltage(
                pfc.anode_effect_overvoltage,
                pfc.current_efficiency,
                production_al,
                pfc.technology,
                pfc.collection_efficiency,
            )
        for gas, mass in (("CF4", cf4), ("C2F6", c2f6)):
            lines.append(
                {
                    **base,
                    "source_stream": "anode_effects",
                    "category": "pfc",
                    "scope": "scope_1",
                    "gas": gas,
                    "activity_ref": production_al,
                    "activity_unit": "t",
                    "factor": mass / production_al if production_al else 0.0,
                    "factor_unit": "t/t",
                    "factor_source": f"IR 2025/2547 Annex II B.7 {pfc.method} method, {pfc.technology}",
                    "needs_verification": False,
                    "emissions_t": mass,
                    "emissions_t_co2e": co2_equivalent(mass, gas, gwp_metric=gwp_metric),
                }
            )
    for line in lines:
        line.setdefault("emissions_t_co2e", line["emissions_t"])
    attributed_direct = float(sum(line["emissions_t_co2e"] for line in lines))
    counted = edition == "IR2023/1773" or process.category in _INDIRECT_COUNTED_DEFINITIVE
    indirect = 0.0
    if process.electricity_consumed:
        ef = float(process.electricity_factor or 0.0)
        indirect = process.electricity_consumed * ef if counted else 0.0
        lines.append(
            {
                **base,
                "source_stream": "electricity",
                "category": "purchased_electricity",
                "scope": "scope_2",
                "activity_ref": process.electricity_consumed,
                "activity_unit": "MWh",
                "factor": ef if counted else 0.0,
                "factor_unit": "tCO2/MWh",
                "factor_source": "operator's electricity factor"
                if counted
                else "not counted: indirect emissions of iron, steel and aluminium goods "
                "(Reg. 2023/956 Annex II)",
                "needs_verification": False,
                "emissions_t": indirect,
                "emissions_t_co2e": indirect,
            }
        )
    return lines, attributed_direct, indirect


@dataclass
class CbamTables:
    """CBAM results of one or many installations as long tables (see :func:`cbam_tables`).

    Attributes
    ----------
    lines
        Emission lines (:data:`greenmet.carbon.results.LINE_COLUMNS`).
    goods
        One row per installation, process and CN code (``installation_id`` first, then the
        columns of :attr:`CbamResult.goods`).
    precursors
        One row per installation and precursor use (``installation_id`` first).
    cn_codes
        One row per installation and CN code: the production-weighted SEE over the processes
        that make it (:func:`see_by_cn_code`).
    """

    lines: pd.DataFrame
    goods: pd.DataFrame
    precursors: pd.DataFrame
    cn_codes: pd.DataFrame = field(default_factory=pd.DataFrame)


def _check_edition(edition: str) -> None:
    if edition not in EDITIONS:
        raise InputError(
            "unknown CBAM edition", field="edition", value=edition, fix=f"use one of {', '.join(EDITIONS)}"
        )


def _section(activity: ActivityData) -> CbamInputs:
    section: CbamInputs | None = getattr(activity, "cbam", None)
    if section is None:
        raise InputError(
            "activity data has no 'cbam' section",
            field="cbam",
            value=activity.installation.id,
            fix="add a cbam section with processes, goods and precursors (docs/user_guide/carbon.md)",
        )
    return section


def cbam_tables(
    activities: Iterable[ActivityData],
    *,
    edition: str = "IR2025/2547",
    markup_year: int | str | None = _REPORTING_YEAR,
    fallback_defaults: bool = False,
    gwp_metric: str = "AR5GWP100",
) -> CbamTables:
    """SEE of the goods of many installations at once: one sparse solve over every process.

    Parameters
    ----------
    activities
        Activity data with ``cbam`` sections; installation ids must be unique.
    edition, markup_year, fallback_defaults, gwp_metric
        As in :func:`compute_cbam`.

    Returns
    -------
    CbamTables
        Lines, goods and precursor tables of all installations.

    Raises
    ------
    InputError
        Unknown edition, a missing ``cbam`` section, a repeated installation id, zero activity
        level, a precursor cycle.
    """
    _check_edition(edition)
    all_lines: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    use_rows: list[tuple[str, str, float]] = []
    precursor_rows: list[dict[str, Any]] = []
    sections: list[tuple[str, CbamInputs]] = []
    seen: set[str] = set()
    for activity in activities:
        iid = activity.installation.id
        if iid in seen:
            raise InputError(
                "installation id used twice in one batch",
                field="installation.id",
                value=iid,
                fix="give every installation-period its own id",
            )
        seen.add(iid)
        section = _section(activity)
        sections.append((iid, section))
        year, why = _markup_year(markup_year, activity.year, edition)
        purchased = _purchased_values(section, edition, year, fallback_defaults, why)
        origin = {p.name: p for p in section.purchased_precursors}
        internal = {p.name for p in section.processes}
        for process in section.processes:
            al = float(sum(g.quantity for g in process.goods))
            lines, direct, indirect = _process_lines(iid, process, al, edition, gwp_metric)
            bought_direct = bought_indirect = bought_default = 0.0
            for use in process.precursors:
                if use.precursor in internal:
                    use_rows.append((f"{iid}/{process.name}", f"{iid}/{use.precursor}", use.mass))
                    precursor_rows.append(
                        {
                            "installation_id": iid,
                            "consumer": process.name,
                            "precursor": use.precursor,
                            "origin": "own installation",
                            "mass_t": use.mass,
                            "value_source": "own process",
                        }
                    )
                    continue
                v = purchased[use.precursor]
                bought_direct += use.mass * v["direct"]
                bought_indirect += use.mass * v["indirect"]
                if v["default"]:
                    bought_default += use.mass * (v["direct"] + v["indirect"])
                p = origin[use.precursor]
                precursor_rows.append(
                    {
                        "installation_id": iid,
                        "consumer": process.name,
                        "precursor": use.precursor,
                        "origin": p.country,
                        "cn_code": p.cn_code,
                        "mass_t": use.mass,
                        "see_direct_t_co2e_per_t": v["direct"],
                        "see_indirect_t_co2e_per_t": v["indirect"],
                        "value_source": v["value_source"],
                    }
                )
                for part, value in (("direct", v["direct"]), ("indirect", v["indirect"])):
                    if value or part == "direct":
                        all_lines.append(
                            {
                                "installation_id": iid,
                                "method": METHOD,
                                "process": process.name,
                                "source_stream": f"{use.precursor}:{part}",
                                "category": "precursor",
                                "scope": "upstream",
                                "gas": "CO2e",
                                "activity_ref": use.mass,
                                "activity_unit": "t",
                                "factor": value,
                                "factor_unit": "tCO2e/t",
                                "factor_source": v["value_source"],
                                "needs_verification": v["needs_verification"],
                                "emissions_t": use.mass * value,
                                "emissions_t_co2e": use.mass * value,
                            }
                        )
            all_lines.extend(lines)
            rows.append(
                {
                    "key": f"{iid}/{process.name}",
                    "activity_level": al,
                    "attributed_direct": direct + bought_direct,
                    "attributed_indirect": indirect + bought_indirect,
                    "attributed_default": bought_default,
                }
            )
    processes = pd.DataFrame(
        rows,
        columns=["key", "activity_level", "attributed_direct", "attributed_indirect", "attributed_default"],
    )
    uses = pd.DataFrame(use_rows, columns=["consumer", "precursor", "mass"])
    see = specific_embedded_emissions(processes, uses)
    solved: dict[Any, Any] = see.to_dict("index")
    levels: dict[Any, Any] = processes.set_index("key")["activity_level"].to_dict()
    goods = pd.concat(
        [_goods_table(iid, section, solved, levels) for iid, section in sections], ignore_index=True
    )
    for row in precursor_rows:
        if row["value_source"] == "own process":
            values = solved[f"{row['installation_id']}/{row['precursor']}"]
            row["see_direct_t_co2e_per_t"] = float(values["see_direct"])
            row["see_indirect_t_co2e_per_t"] = float(values["see_indirect"])
    line_table = lines_frame(pd.DataFrame(all_lines)) if all_lines else empty_lines()
    return CbamTables(lines=line_table, goods=goods, precursors=pd.DataFrame(precursor_rows),
                      cn_codes=see_by_cn_code(goods))


def multi_process_warnings(tables: CbamTables) -> dict[str, list[str]]:
    """Warnings, by installation, for CN codes made by several processes with different SEE."""
    warnings: dict[str, list[str]] = {}
    goods = tables.goods
    for row in tables.cn_codes.to_dict("records"):
        iid, cn_code = str(row["installation_id"]), str(row["cn_code"])
        see = float(row["see_total_t_co2e_per_t"])
        made_by = goods[(goods["installation_id"] == iid) & (goods["cn_code"] == cn_code)]
        if len(made_by) < 2 or float(row["see_spread_t_co2e_per_t"]) <= 1e-9 * max(1.0, see):
            continue
        each = [Message("cbam_process_see", LABELS, process=[p], quantity_t=float(q), see=float(v))
                for p, q, v in zip(made_by["process"], made_by["quantity_t"],
                                   made_by["see_total_t_co2e_per_t"], strict=True)]
        warnings.setdefault(iid, []).append(Message(
            "warn_cbam_multi_process", LABELS, cn_code=cn_code, count=len(made_by), each=each, see=see))
    return warnings


def see_by_cn_code(goods: pd.DataFrame) -> pd.DataFrame:
    """The production-weighted SEE of each CN code over the processes that make it.

    SEE_cn = Σ_p AL_p,cn · SEE_p / Σ_p AL_p,cn for the direct, indirect and total SEE; the default
    value share is weighted by emissions (Σ AL·SEE·share / Σ AL·SEE). This is how the EU CBAM
    communication template for installations reports a CN code made in several production
    processes (one SEE per process in Summary_Processes, one per CN code in Summary_Products;
    IR 2023/1773 Annex IV).

    Parameters
    ----------
    goods
        The goods table of :func:`cbam_tables` (one row per process and CN code), with or
        without ``installation_id``.

    Returns
    -------
    pandas.DataFrame
        One row per (installation and) CN code: ``cn_code, quantity_t, see_direct_t_co2e_per_t,
        see_indirect_t_co2e_per_t, see_total_t_co2e_per_t, default_value_share, processes,
        see_spread_t_co2e_per_t`` (max − min of the processes' total SEE).
    """
    keys = [c for c in ("installation_id", "cn_code") if c in goods.columns]
    columns = [*keys, "quantity_t", "see_direct_t_co2e_per_t", "see_indirect_t_co2e_per_t",
               "see_total_t_co2e_per_t", "default_value_share", "processes", "see_spread_t_co2e_per_t"]
    if not len(goods):
        return pd.DataFrame(columns=columns)
    g = goods.assign(
        _direct=goods["quantity_t"] * goods["see_direct_t_co2e_per_t"],
        _indirect=goods["quantity_t"] * goods["see_indirect_t_co2e_per_t"],
        _total=goods["quantity_t"] * goods["see_total_t_co2e_per_t"],
        _default=goods["quantity_t"] * goods["see_total_t_co2e_per_t"] * goods["default_value_share"],
    )
    grouped = g.groupby(keys, sort=False)
    out = grouped[["quantity_t", "_direct", "_indirect", "_total", "_default"]].sum()
    quantity = out["quantity_t"].where(out["quantity_t"] > 0)
    out["see_direct_t_co2e_per_t"] = (out["_direct"] / quantity).fillna(0.0)
    out["see_indirect_t_co2e_per_t"] = (out["_indirect"] / quantity).fillna(0.0)
    out["see_total_t_co2e_per_t"] = (out["_total"] / quantity).fillna(0.0)
    out["default_value_share"] = (out["_default"] / out["_total"].where(out["_total"] > 0)).fillna(0.0)
    out["processes"] = grouped["process"].agg(lambda p: ", ".join(dict.fromkeys(map(str, p))))
    total = grouped["see_total_t_co2e_per_t"]
    out["see_spread_t_co2e_per_t"] = total.max() - total.min()
    return out.reset_index()[columns]


def compute_cbam(
    activity: ActivityData,
    *,
    edition: str = "IR2025/2547",
    markup_year: int | str | None = _REPORTING_YEAR,
    fallback_defaults: bool = False,
    gwp_metric: str = "AR5GWP100",
) -> CbamResult:
    """Specific embedded emissions of the CBAM goods of an installation (IR 2025/2547).

    Parameters
    ----------
    activity
        Activity data with a ``cbam`` section (processes, goods, precursors).
    edition
        ``"IR2025/2547"`` (definitive, default) or ``"IR2023/1773"`` (transitional: indirect
        emissions counted for every good).
    markup_year
        Year whose mark-up applies to precursor default values. Default ``"reporting_year"``:
        the rule :data:`MARKUP_RULE` (the mark-up of the activity's reporting year from 2026,
        none before); ``"base"`` (or None) for base values without mark-up. ``value_source`` of
        every precursor says which applied and why.
    fallback_defaults
        Use the "Other countries and territories" defaults for precursor origins whose own rows
        are not shipped.
    gwp_metric
        GWP set for PFC; AR5 per IR 2025/2547 Annex II G Table 6.

    Returns
    -------
    CbamResult
        Emission lines of the processes (mass balance, heat, waste gas, PFC, electricity) and of
        the purchased precursors (category ``precursor``); ``intensity_t_co2e_per_t`` maps each
        CN code to its production-weighted SEE over the processes that make it (direct + counted
        indirect, :func:`see_by_cn_code`); ``goods`` (one row per process and CN code),
        ``cn_codes`` and ``precursors`` feed :func:`communication`.

    Raises
    ------
    InputError
        No ``cbam`` section, unknown edition, zero activity level, precursor cycle.
    UnknownKeyError
        A default value that is not shipped.
    """
    from greenmet.carbon.activity import activity_frames

    _check_edition(edition)
    section = _section(activity)
    tables = cbam_tables(
        [activity],
        edition=edition,
        markup_year=markup_year,
        fallback_defaults=fallback_defaults,
        gwp_metric=gwp_metric,
    )
    installation = activity_frames(activity).installations.iloc[0]
    result = build_result(
        method=METHOD,
        method_edition=EDITIONS[edition],
        installation=installation,
        lines=tables.lines,
        production=pd.DataFrame({"product": [], "quantity_t": []}),
        gwp_metric=gwp_metric,
        options={"edition": edition, "markup_year": _markup_year(markup_year, activity.year, edition)[0],
                 "fallback_defaults": fallback_defaults},
    )
    goods = tables.goods.drop(columns="installation_id")
    cn_codes = tables.cn_codes.drop(columns="installation_id")
    result.intensity_t_co2e_per_t = {
        str(cn): float(v)
        for cn, v in zip(cn_codes["cn_code"], cn_codes["see_total_t_co2e_per_t"], strict=True)
    }
    result.warnings.extend(multi_process_warnings(tables).get(activity.installation.id, []))
    precursors = tables.precursors.drop(columns="installation_id", errors="ignore")
    return CbamResult(
        **{f: getattr(result, f) for f in CarbonResult.__dataclass_fields__},
        goods=goods,
        cn_codes=cn_codes,
        precursors=precursors,
        country=str(installation["country"]),
        carbon_price=section.carbon_price,
    )


def _goods_table(
    iid: str, section: CbamInputs, solved: dict[Any, Any], levels: dict[Any, Any]
) -> pd.DataFrame:
    records = []
    for process in section.processes:
        key = f"{iid}/{process.name}"
        values = solved[key]
        see_direct = float(values["see_direct"])
        see_indirect = float(values["see_indirect"])
        see_default = float(values["see_default"])
        total = see_direct + see_indirect
        al = float(levels[key])
        for good in process.goods:
            records.append(
                {
                    "installation_id": iid,
                    "process": process.name,
                    "category": process.category,
                    "route": process.route,
                    "cn_code": good.cn_code,
                    "quantity_t": good.quantity,
                    "see_direct_t_co2e_per_t": see_direct,
                    "see_indirect_t_co2e_per_t": see_indirect,
                    "see_total_t_co2e_per_t": total,
                    "default_value_share": see_default / total if total > 0 else 0.0,
                    "scrap_t_per_t": process.scrap_used / al,
                    "pre_consumer_scrap_percent": None
                    if process.pre_consumer_scrap_fraction is None
                    else 100.0 * process.pre_consumer_scrap_fraction,
                    "alloy_content_percent": {k: 100.0 * v for k, v in process.alloy_content.items()},
                    "reducing_agent": process.reducing_agent,
                }
            )
    return pd.DataFrame.from_records(records)


def communication(result: CbamResult) -> list[dict[str, Any]]:
    """The data an EU importer asks of the installation, one record per process and CN code.

    Fields follow the EU CBAM communication template for installations (sheet
    Summary_Communication) and IR 2025/2547 Annex IV §2: installation, country, period, CN code,
    aggregated goods category and production route, SEE direct and indirect [t CO2e/t], the
    share of the SEE that comes from default values, the precursors with their origin, mass per
    tonne and SEE, t scrap per t, % pre-consumer scrap, alloy content [%], main reducing agent,
    and the carbon price due in the country of origin. Each record also carries the
    production-weighted SEE of its CN code over every process that makes it (``cn_code_*``
    fields, :func:`see_by_cn_code`), the value an importer uses for that CN code.

    Parameters
    ----------
    result
        Output of :func:`compute_cbam`.

    Returns
    -------
    list of dict
        JSON-ready records with unit-suffixed keys.
    """
    price = result.carbon_price
    by_cn = result.cn_codes.set_index("cn_code") if len(result.cn_codes) else pd.DataFrame()
    records = []
    for good in result.goods.to_dict("records"):
        al = float(result.goods.loc[result.goods["process"] == good["process"], "quantity_t"].sum())
        precursors = []
        if len(result.precursors):
            used = result.precursors[result.precursors["consumer"] == good["process"]]
            for p in used.to_dict("records"):
                precursors.append(
                    {
                        "precursor": p["precursor"],
                        "origin": p["origin"],
                        "cn_code": _none(p.get("cn_code")),
                        "mass_t_per_t": float(p["mass_t"]) / al,
                        "see_direct_t_co2e_per_t": _none(p.get("see_direct_t_co2e_per_t")),
                        "see_indirect_t_co2e_per_t": _none(p.get("see_indirect_t_co2e_per_t")),
                        "value_source": p["value_source"],
                    }
                )
        records.append(
            {
                "installation_id": result.installation_id,
                "installation_name": result.installation_name,
                "country": result.country,
                "period_start": result.period_start.isoformat(),
                "period_end": result.period_end.isoformat(),
                "method_edition": result.method_edition,
                "cn_code": good["cn_code"],
                "aggregated_goods_category": good["category"],
                "production_route": good["route"],
                "process": good["process"],
                "see_direct_t_co2e_per_t": good["see_direct_t_co2e_per_t"],
                "see_indirect_t_co2e_per_t": good["see_indirect_t_co2e_per_t"],
                "see_total_t_co2e_per_t": good["see_total_t_co2e_per_t"],
                "default_value_share": good["default_value_share"],
                **_cn_code_fields(by_cn, good["cn_code"]),
                "precursors": precursors,
                "scrap_t_per_t": good["scrap_t_per_t"],
                "pre_consumer_scrap_percent": _none(good["pre_consumer_scrap_percent"]),
                "alloy_content_percent": good["alloy_content_percent"],
                "reducing_agent": good["reducing_agent"],
                "carbon_price_kind": None if price is None else price.kind,
                "carbon_price_per_t_co2e": None if price is None else price.price,
                "carbon_price_currency": None if price is None else price.currency,
                "carbon_price_covered_share": None if price is None else price.covered_share,
            }
        )
    return [_clean(record) for record in records]


def _cn_code_fields(by_cn: pd.DataFrame, cn_code: str) -> dict[str, Any]:
    if cn_code not in by_cn.index:
        return {}
    row = {str(k): v for k, v in by_cn.loc[cn_code].to_dict().items()}
    return {
        "cn_code_quantity_t": float(row["quantity_t"]),
        "cn_code_see_direct_t_co2e_per_t": float(row["see_direct_t_co2e_per_t"]),
        "cn_code_see_indirect_t_co2e_per_t": float(row["see_indirect_t_co2e_per_t"]),
        "cn_code_see_total_t_co2e_per_t": float(row["see_total_t_co2e_per_t"]),
        "cn_code_processes": str(row["processes"]),
    }


def _clean(value: Any) -> Any:
    """NaN → None, recursively through dicts and lists (JSON has no NaN)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return _none(value)


def _none(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
