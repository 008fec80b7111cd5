"""Results of the carbon methods: emission lines, totals, intensities, carbon balance.

Every method produces a table of *emission lines* (one row per source stream, category and gas,
columns :data:`LINE_COLUMNS`) for one or many installations. :func:`totals_by_scope`,
:func:`intensities` and :func:`carbon_balance_frame` summarise such a table for every
installation at once (group-bys, no loop per installation); :func:`build_result` packs one
installation's share into a :class:`CarbonResult`.

Signs: emissions are positive, deductions (carbon fixed in products, exported gases, sold
electricity and heat, credits) are negative lines, so that every total is a plain sum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from greenmet.i18n import Message

__all__ = [
    "BALANCE_COLUMNS",
    "CATEGORIES",
    "LINE_COLUMNS",
    "RESIDUAL_WARNING_FRACTION",
    "SCOPES",
    "CarbonBalance",
    "CarbonResult",
    "build_result",
    "carbon_balance_frame",
    "empty_lines",
    "factors_used",
    "installation_records",
    "intensities",
    "lines_frame",
    "make_result",
    "totals_by_scope",
]

LINE_COLUMNS: tuple[str, ...] = (
    "installation_id", "method", "process", "source_stream", "category", "scope", "gas",
    "activity_ref", "activity_unit", "factor", "factor_unit", "factor_source", "needs_verification",
    "emissions_t", "emissions_t_co2e",
)
"""Columns of an emission-line table (carbon_contract.md, ``EmissionLine``)."""

CATEGORIES: tuple[str, ...] = (
    "combustion", "process", "electrode", "anode", "pfc", "carbonate", "fixed_carbon",
    "purchased_electricity", "purchased_heat", "sold_electricity", "sold_heat", "upstream", "credit",
    "precursor",
)
SCOPES: tuple[str, ...] = ("scope_1", "scope_2", "scope_3", "upstream", "credit")

BALANCE_COLUMNS: tuple[str, ...] = (
    "installation_id", "carbon_in_t", "carbon_out_t", "carbon_emitted_t", "residual_t", "residual_fraction",
)

RESIDUAL_WARNING_FRACTION = 0.02
LABELS = "greenmet.carbon"  # the package whose labels.toml holds the warnings' message templates

INTENSITY_PRODUCTS: dict[str, tuple[str, ...]] = {
    "cn-steel": ("crude_steel",),
    "iso14404": ("crude_steel",),
    "cn-aluminium": ("primary_aluminium", "liquid_aluminium", "aluminium_ingot"),
}
"""The product each method's intensity is per tonne of (the first one present counts).

- ``cn-steel``: crude steel, the output basis of China's national carbon market for steel
  (GB/T 32151.5-2015 reports the enterprise's crude steel output; the MEE 2024-2025 allowance
  plan states steel intensities per tonne of crude steel).
- ``iso14404``: crude steel, ISO 14404-1:2013 and ISO 14404-2:2013 §1 (CO2 emission intensity of
  a site per tonne of crude steel).
- ``cn-aluminium``: P, the primary aluminium liquid tapped from electrolysis
  (CETS-AG-04.01-V01-2024 §8, production data: 原铝液产量); ingot only when no liquid metal is
  reported.

Hot metal, sinter or coke made and used inside a plant are intermediates, never an intensity
basis of these methods. Methods not listed (``cbam``: per tonne of each good, Implementing
Regulation (EU) 2023/1773 Annex IV; ``lci``: per declared unit of each product) report every
product they are given.
"""
"""A carbon balance whose residual exceeds this fraction of carbon in is reported as a warning."""

_FLOAT_COLUMNS = ("activity_ref", "factor", "emissions_t", "emissions_t_co2e")


def empty_lines() -> pd.DataFrame:
    """An emission-line table with no rows and the right columns and dtypes."""
    return lines_frame(pd.DataFrame(columns=list(LINE_COLUMNS)))


def lines_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` reduced to :data:`LINE_COLUMNS`, in that order, with float and bool dtypes.

    Raises
    ------
    KeyError
        If a column is missing (a programming error of the method that built the frame).
    """
    out = frame.loc[:, list(LINE_COLUMNS)].copy()
    for column in _FLOAT_COLUMNS:
        out[column] = out[column].astype(float)
    out["needs_verification"] = out["needs_verification"].astype(bool)
    return out.reset_index(drop=True)


@dataclass(frozen=True)
class CarbonBalance:
    """Carbon mass balance of an installation: carbon in = carbon out + carbon emitted as CO2.

    Attributes
    ----------
    carbon_in_t
        Carbon entering the boundary in materials. [t]
    carbon_out_t
        Carbon leaving in products, exported by-products and unoxidised residues. [t]
    carbon_emitted_t
        Carbon in the net direct emissions: CO2 × 12/44, CF4 × 12/88, C2F6 × 24/138. [t]
    residual_t
        carbon_in_t − carbon_out_t − carbon_emitted_t. [t]
    residual_fraction
        residual_t / carbon_in_t (NaN if no carbon comes in). [dimensionless]
    """

    carbon_in_t: float
    carbon_out_t: float
    carbon_emitted_t: float
    residual_t: float
    residual_fraction: float

    def to_dict(self) -> dict[str, float | None]:
        return {
            "carbon_in_t": self.carbon_in_t,
            "carbon_out_t": self.carbon_out_t,
            "carbon_emitted_t": self.carbon_emitted_t,
            "residual_t": self.residual_t,
            "residual_fraction": None if math.isnan(self.residual_fraction) else self.residual_fraction,
        }


@dataclass
class CarbonResult:
    """The result of one method for one installation and period.

    Attributes
    ----------
    method
        ``"cn-steel"``, ``"cn-aluminium"``, ``"iso14404"``, ``"cbam"``, ``"lci"``.
    method_edition
        Edition of the guideline or standard whose default factors were used.
    installation_id, installation_name
        Who reports.
    period_start, period_end
        The reporting period, inclusive.
    gwp_metric
        GWP set used for non-CO2 gases (``"AR5GWP100"`` …).
    lines
        Emission lines (:data:`LINE_COLUMNS`).
    totals_t_co2e
        Sum of ``emissions_t_co2e`` by scope, plus ``"total"``. [t]
    intensity_t_co2e_per_t
        Total emissions per tonne of the product the method defines (:data:`INTENSITY_PRODUCTS`;
        each product for methods that define none). [t/t]
    carbon_balance
        The carbon mass balance, where the method defines one.
    uncertainty
        Uncertainty figures where the guideline defines them.
    warnings
        Conditions the user should act on (balance residual > 2 %, provisional factors …), as
        :class:`greenmet.i18n.Message` texts: English as ``str``, ``render("zh")`` in Chinese.
    options
        The options the method ran with (edition, grid region …).
    options_source
        Where each option came from: ``default``, ``file`` (the activity file's ``[options]``),
        ``flag`` (command line), ``argument`` (Python keyword) or ``method`` (set by the method).
    production_t
        Output by product as reported; the intensities are per the products of
        :data:`INTENSITY_PRODUCTS` where the method defines one. [t]
    """

    method: str
    method_edition: str
    installation_id: str
    installation_name: str
    period_start: date
    period_end: date
    gwp_metric: str
    lines: pd.DataFrame
    totals_t_co2e: dict[str, float]
    intensity_t_co2e_per_t: dict[str, float]
    carbon_balance: CarbonBalance | None = None
    uncertainty: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    production_t: dict[str, float] = field(default_factory=dict)
    options_source: dict[str, str] = field(default_factory=dict)

    @property
    def total_t_co2e(self) -> float:
        """Total emissions, all scopes and deductions. [t]"""
        return self.totals_t_co2e["total"]

    def factors_used(self) -> pd.DataFrame:
        """The distinct factors of the lines with their sources (see :func:`factors_used`)."""
        return factors_used(self.lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; keys of values with units carry the unit suffix."""
        lines = self.lines.astype(object).where(self.lines.notna(), None)
        factors = self.factors_used().astype(object)
        factors = factors.where(factors.notna(), None)
        return {
            "method": self.method,
            "method_edition": self.method_edition,
            "installation_id": self.installation_id,
            "installation_name": self.installation_name,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "gwp_metric": self.gwp_metric,
            "options": {k: (v if isinstance(v, (str, int, float, bool)) or v is None else str(v))
                        for k, v in self.options.items()},
            "options_source": dict(self.options_source),
            "totals_t_co2e": dict(self.totals_t_co2e),
            "intensity_t_co2e_per_t": dict(self.intensity_t_co2e_per_t),
            "production_t": dict(self.production_t),
            "carbon_balance": None if self.carbon_balance is None else self.carbon_balance.to_dict(),
            "uncertainty": self.uncertainty,
            "warnings": list(self.warnings),
            "factors": factors.to_dict("records"),
            "lines": lines.to_dict("records"),
        }


def totals_by_scope(lines: pd.DataFrame) -> pd.DataFrame:
    """Emissions by installation and scope, plus a ``total`` column.

    Parameters
    ----------
    lines
        Emission lines of one or many installations.

    Returns
    -------
    pandas.DataFrame
        Index ``installation_id``; one column per scope present and ``total``, all in t CO2e.
    """
    table = lines.pivot_table(index="installation_id", columns="scope", values="emissions_t_co2e",
                              aggfunc="sum", fill_value=0.0, observed=True)
    table.columns = [str(c) for c in table.columns]
    table["total"] = table.sum(axis=1)
    return table


def intensities(totals: pd.DataFrame, production: pd.DataFrame, column: str = "total") -> pd.DataFrame:
    """Emissions per tonne of each product of each installation.

    Parameters
    ----------
    totals
        Output of :func:`totals_by_scope`.
    production
        Production table (``installation_id, product, quantity_t``).
    column
        Which total to divide (``"total"``, ``"scope_1"`` …).

    Returns
    -------
    pandas.DataFrame
        ``installation_id, product, quantity_t, intensity_t_co2e_per_t``.
    """
    merged = production.merge(totals[[column]].rename(columns={column: "emissions_t_co2e"}),
                              left_on="installation_id", right_index=True, how="left")
    merged["emissions_t_co2e"] = merged["emissions_t_co2e"].fillna(0.0)
    merged["intensity_t_co2e_per_t"] = merged["emissions_t_co2e"] / merged["quantity_t"]
    return merged[["installation_id", "product", "quantity_t", "intensity_t_co2e_per_t"]]


def carbon_balance_frame(carbon_in: pd.Series, carbon_out: pd.Series, lines: pd.DataFrame) -> pd.DataFrame:
    """Carbon balance of each installation.

    carbon in = carbon out + carbon emitted, with carbon emitted taken from the emission lines
    of scope 1 (direct, net of the deductions for carbon fixed in products and exported
    streams): CO2 × 12/44, CF4 × 12/88, C2F6 × 24/138 (the molar-mass ratios the China
    guidelines use for CO2, 44/12; the same integer masses for the perfluorocarbons).

    Parameters
    ----------
    carbon_in
        Carbon in materials entering, indexed by installation_id. [t]
    carbon_out
        Carbon leaving in products, exported by-products and unoxidised residues, same index. [t]
    lines
        Emission lines of the same installations.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BALANCE_COLUMNS`.
    """
    carbon_per_gas = {"CO2": 12.0 / 44.0, "CF4": 12.0 / 88.0, "C2F6": 24.0 / 138.0}
    direct = lines[lines["scope"] == "scope_1"]
    emitted = (direct["emissions_t"] * direct["gas"].map(carbon_per_gas).astype(float).fillna(0.0)).groupby(
        direct["installation_id"]).sum()
    ids = carbon_in.index.union(carbon_out.index).union(emitted.index)
    frame = pd.DataFrame(index=ids)
    frame.index.name = "installation_id"
    frame["carbon_in_t"] = carbon_in.reindex(ids).fillna(0.0)
    frame["carbon_out_t"] = carbon_out.reindex(ids).fillna(0.0)
    frame["carbon_emitted_t"] = emitted.reindex(ids).fillna(0.0)
    frame["residual_t"] = frame["carbon_in_t"] - frame["carbon_out_t"] - frame["carbon_emitted_t"]
    denominator = frame["carbon_in_t"].where(frame["carbon_in_t"] > 0)
    frame["residual_fraction"] = frame["residual_t"] / denominator
    return frame.reset_index()[list(BALANCE_COLUMNS)]


def factors_used(lines: pd.DataFrame) -> pd.DataFrame:
    """The distinct factors of an emission-line table, with source and verification flag."""
    columns = ["source_stream", "category", "gas", "factor", "factor_unit", "factor_source",
               "needs_verification"]
    return lines[columns].drop_duplicates().reset_index(drop=True)


def intensity_production(method: str, production: pd.DataFrame) -> pd.DataFrame:
    """The production rows a method's intensity is per (:data:`INTENSITY_PRODUCTS`).

    Works on one installation's rows or on many (``installation_id`` column): for each
    installation the first listed product it reports is kept.
    """
    products = INTENSITY_PRODUCTS.get(method)
    if products is None or production.empty:
        return production
    listed = production[production["product"].isin(products)]
    rank = listed["product"].map({product: position for position, product in enumerate(products)})
    if "installation_id" in listed.columns:
        first = rank.groupby(listed["installation_id"]).transform("min")
    else:
        first = pd.Series(rank.min(), index=listed.index)
    return listed[rank == first]


def _intensity_basis(method: str, production: dict[str, float]) -> dict[str, float]:
    """:func:`intensity_production` for one installation's production as a dict."""
    products = INTENSITY_PRODUCTS.get(method)
    if products is None:
        return production
    chosen = next((product for product in products if product in production), None)
    return {} if chosen is None else {chosen: production[chosen]}


def build_result(
    *,
    method: str,
    method_edition: str,
    installation: pd.Series | dict[str, Any],
    lines: pd.DataFrame,
    production: pd.DataFrame,
    gwp_metric: str,
    balance: pd.Series | dict[str, Any] | None = None,
    uncertainty: dict[str, Any] | None = None,
    warnings: list[str] | None = None,
    options: dict[str, Any] | None = None,
) -> CarbonResult:
    """Pack one installation's lines into a :class:`CarbonResult`.

    Adds the standard warnings: a carbon-balance residual above
    :data:`RESIDUAL_WARNING_FRACTION`, and the provisional factors (``needs_verification``).

    Parameters
    ----------
    method, method_edition, gwp_metric
        As in :class:`CarbonResult`.
    installation
        A row of the installations table (``installation_id, installation_name, period_start,
        period_end``).
    lines
        Emission lines of this installation.
    production
        Production rows of this installation (``product, quantity_t``).
    balance
        A row of :func:`carbon_balance_frame`, or None.
    uncertainty, warnings, options
        Passed through; warnings are extended.
    """
    production_t = {str(p): float(q) for p, q in zip(production["product"], production["quantity_t"],
                                                     strict=True)}
    return make_result(
        method=method, method_edition=method_edition, installation=installation, lines=lines_frame(lines),
        production=production_t, gwp_metric=gwp_metric,
        balance=None if balance is None else {key: balance[key] for key in BALANCE_COLUMNS[1:]},
        uncertainty=uncertainty, warnings=warnings, options=options,
    )


def make_result(
    *,
    method: str,
    method_edition: str,
    installation: pd.Series | dict[str, Any],
    lines: pd.DataFrame,
    production: dict[str, float],
    gwp_metric: str,
    balance: dict[str, Any] | None = None,
    uncertainty: dict[str, Any] | None = None,
    warnings: list[str] | None = None,
    options: dict[str, Any] | None = None,
) -> CarbonResult:
    """:func:`build_result` for lines already in :data:`LINE_COLUMNS` order and dtypes.

    Totals and the provisional streams come from the numpy columns of ``lines`` (no pandas
    group-by), so one installation's result costs microseconds, not milliseconds.

    Parameters
    ----------
    production
        Output by product. [t]
    balance
        ``carbon_in_t, carbon_out_t, carbon_emitted_t, residual_t, residual_fraction``, or None.
    """
    notes = list(warnings or [])
    scopes = lines["scope"].to_numpy(dtype=object)
    emissions = lines["emissions_t_co2e"].to_numpy(dtype=float)
    totals = {str(scope): float(emissions[scopes == scope].sum()) for scope in sorted(set(scopes.tolist()))}
    totals["total"] = float(emissions.sum())
    intensity = {product: totals["total"] / quantity
                 for product, quantity in _intensity_basis(method, production).items()}
    carbon_balance = None
    if balance is not None:
        carbon_balance = CarbonBalance(
            carbon_in_t=float(balance["carbon_in_t"]), carbon_out_t=float(balance["carbon_out_t"]),
            carbon_emitted_t=float(balance["carbon_emitted_t"]), residual_t=float(balance["residual_t"]),
            residual_fraction=float(balance["residual_fraction"]),
        )
        fraction = carbon_balance.residual_fraction
        if not math.isnan(fraction) and abs(fraction) > RESIDUAL_WARNING_FRACTION:
            notes.append(Message("warn_balance_residual", LABELS, fraction=fraction,
                                 limit=RESIDUAL_WARNING_FRACTION, residual_t=carbon_balance.residual_t))
    verify = lines["needs_verification"].to_numpy(dtype=bool)
    provisional = sorted(set(lines["source_stream"].to_numpy(dtype=object)[verify].tolist()))
    if provisional:
        notes.append(Message("warn_provisional_factors", LABELS, streams=provisional))
    return CarbonResult(
        method=method, method_edition=method_edition,
        installation_id=str(installation["installation_id"]),
        installation_name=str(installation["installation_name"]),
        period_start=_as_date(installation["period_start"]), period_end=_as_date(installation["period_end"]),
        gwp_metric=gwp_metric, lines=lines, totals_t_co2e=totals, intensity_t_co2e_per_t=intensity,
        carbon_balance=carbon_balance, uncertainty=uncertainty, warnings=notes, options=dict(options or {}),
        production_t=dict(production),
    )


def installation_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts with string keys."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _as_date(value: Any) -> date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
