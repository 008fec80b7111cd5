"""Many installations at once: one result table, computed vectorised.

:func:`compute_batch` does not loop over the single-installation path. It concatenates the
normalised tables of all installations (:func:`greenmet.carbon.activity.activity_frames`), runs
the method's frame-level functions once over all of them (the same functions the
single-installation ``compute_<method>`` calls), and summarises by installation with group-bys:
totals by scope, intensity per product, carbon-balance residual and the number of warnings the
single result would carry. ``tests/carbon/test_batch.py`` checks equality with
:func:`greenmet.carbon.compute` installation by installation.

Result columns (one row per installation, in input order): ``installation_id``,
``installation_name``, ``period_start``, ``period_end``, ``method``, ``method_edition``,
``<scope>_t_co2e`` for every scope present in the batch and ``total_t_co2e`` [t CO2e],
``intensity_<product>_t_co2e_per_t`` for every product [t CO2e/t], ``residual_t_c`` [t C],
``residual_fraction`` [dimensionless], ``warnings_count``, ``options`` (every option in force,
``key=value; …``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from greenmet.carbon.options import (
    CbamOptions,
    CnAluminiumOptions,
    CnSteelOptions,
    Iso14404Options,
    LciOptions,
    MethodOptions,
    ResolvedOptions,
    resolve_options,
)
from greenmet.carbon.results import (
    INTENSITY_PRODUCTS,
    RESIDUAL_WARNING_FRACTION,
    intensity_production,
    totals_by_scope,
)
from greenmet.errors import InputError, UnknownKeyError

if TYPE_CHECKING:
    from greenmet.carbon.activity import ActivityColumns, ActivityData, ActivityFrames

__all__ = ["BATCH_METHODS", "MethodFrames", "compute_batch", "default_method"]

_DEFAULT_METHOD = {"steel": "cn-steel", "aluminium": "cn-aluminium"}


def default_method(activity: ActivityData) -> str:
    """The method of an installation's own national reporting: ``cn-steel`` or ``cn-aluminium``."""
    return _DEFAULT_METHOD[activity.installation.sector]


@dataclass
class MethodFrames:
    """What a method's frame-level functions give for many installations.

    Attributes
    ----------
    lines
        Emission lines of all installations (``results.LINE_COLUMNS``).
    production
        Denominators of the intensities: ``installation_id, product, quantity_t``. [t]
    edition
        Method edition per installation id.
    warnings
        Number of method-specific warnings per installation id (those the single path adds
        before :func:`greenmet.carbon.results.build_result`).
    balance
        Carbon balance per installation (``results.BALANCE_COLUMNS``), or None.
    intensity
        Intensities that replace total ÷ production (``installation_id, product,
        intensity_t_co2e_per_t``), or None.
    """

    lines: pd.DataFrame
    production: pd.DataFrame
    edition: pd.Series
    warnings: pd.Series
    balance: pd.DataFrame | None = None
    intensity: pd.DataFrame | None = None


_Adapter = Callable[..., MethodFrames]


def _sections(activities: list[ActivityData], name: str) -> list[Any]:
    return [getattr(activity, name, None) for activity in activities]


def _ids(frames: ActivityFrames) -> pd.Index:
    return pd.Index(frames.installations["installation_id"], name="installation_id")


def _count(flags: pd.Series, ids: pd.Index) -> pd.Series:
    """Boolean per installation (any row true) → 0/1 counts over every installation id."""
    return flags.groupby(level=0).any().reindex(ids, fill_value=False).astype(int)


# -------------------------------------------------------------------------------------- cn-steel


def _grid_year_warnings(frames: ActivityFrames, grid: pd.DataFrame, lines: pd.DataFrame,
                        ids: pd.Index) -> pd.Series:
    """1 where a grid-priced electricity line uses another year's factor (as the single path warns)."""
    from greenmet.carbon.cn_common import grid_year_notes

    stale = grid_year_notes(frames, grid, lines)
    return pd.Series(ids.isin(list(stale)).astype(int), index=ids)


def _cn_steel_table(items: list[ActivityData], options: MethodOptions) -> pd.DataFrame:
    """The batch table of ``cn-steel`` straight from the numpy arrays (no frames, no group-by)."""
    from greenmet.carbon.activity import activity_columns

    if not isinstance(options, CnSteelOptions):
        raise InputError("options of another method", field="options", value=type(options).__name__,
                         fix="give CnSteelOptions")
    return _steel_table(activity_columns(items), options)


def _steel_table(tables: ActivityColumns, options: CnSteelOptions) -> pd.DataFrame:
    from greenmet.carbon.cn_arrays import shared_positions

    with shared_positions():  # the rows' installations are located once, not three times
        return _steel_table_shared(tables, options)


def _steel_table_shared(tables: ActivityColumns, options: CnSteelOptions) -> pd.DataFrame:
    from greenmet.carbon.cn_arrays import column, positions, steel_arrays
    from greenmet.carbon.plausibility import specific_use_warning_counts

    arrays = steel_arrays(tables, options)
    installations = tables.installations
    count = len(arrays.ids)
    lines = arrays.lines
    position = lines["installation"]
    table: dict[str, Any] = {
        "installation_id": arrays.ids,
        "installation_name": column(installations, "installation_name"),
        "period_start": column(installations, "period_start"),
        "period_end": column(installations, "period_end"),
        "method": np.full(count, "cn-steel", dtype=object),
        "method_edition": np.full(count, options.edition, dtype=object),
    }
    emissions = lines["emissions_t"]  # CO2 only: t CO2e = t CO2
    total = np.bincount(position, emissions, count)
    direct = lines["direct"]  # cn-steel lines are scope 1 (direct) or scope 2 (electricity, heat)
    for scope, chosen in (("scope_1", direct), ("scope_2", ~direct)):
        if chosen.any():
            table[f"{scope}_t_co2e"] = np.bincount(position[chosen], emissions[chosen], count)
    table["total_t_co2e"] = total
    production = tables.production
    products = column(production, "product")
    product_position = positions(column(production, "installation_id"), pd.Index(arrays.ids, dtype=object))
    quantities = column(production, "quantity_t", float)
    done = np.zeros(count, dtype=bool)
    for product in INTENSITY_PRODUCTS["cn-steel"]:  # the first product of the list an installation makes
        chosen = (products == product) & ~done[product_position]
        if chosen.any():
            intensity = np.full(count, np.nan)
            intensity[product_position[chosen]] = total[product_position[chosen]] / quantities[chosen]
            table[f"intensity_{product}_t_co2e_per_t"] = intensity
            done[product_position[chosen]] = True
    fraction = np.where(arrays.has_balance, arrays.balance["residual_fraction"], np.nan)
    table["residual_t_c"] = np.where(arrays.has_balance, arrays.balance["residual_t"], np.nan)
    table["residual_fraction"] = fraction
    with np.errstate(invalid="ignore"):
        residual_warning = np.abs(np.nan_to_num(fraction)) > RESIDUAL_WARNING_FRACTION
    provisional = np.bincount(position[lines["needs_verification"]], minlength=count) > 0
    not_steel = column(installations, "sector") != "steel"
    table["warnings_count"] = (arrays.stale_grid.astype(int) + not_steel.astype(int)
                               + residual_warning.astype(int) + provisional.astype(int)
                               + specific_use_warning_counts(tables))
    return _order_columns(pd.DataFrame(table))


# ---------------------------------------------------------------------------------- cn-aluminium


def _cn_aluminium(
    activities: list[ActivityData], frames: ActivityFrames, options: CnAluminiumOptions
) -> MethodFrames:
    from greenmet.carbon import cn_aluminium

    ids = _ids(frames)
    lines, balance, grid = cn_aluminium.cn_aluminium_lines(frames, options)
    # The notes of cn_aluminium_results: the edition's note, no electrolysis data, grid year.
    no_smelter = (~ids.isin(frames.aluminium["installation_id"])).astype(int)
    warnings = (
        pd.Series(int(bool(cn_aluminium.edition_note(options))), index=ids)
        + pd.Series(no_smelter, index=ids)
        + _grid_year_warnings(frames, grid, lines, ids)
    )
    return MethodFrames(
        lines=lines,
        production=frames.production,
        edition=pd.Series(options.edition, index=ids),
        warnings=warnings,
        balance=balance,
    )


# ------------------------------------------------------------------------------------- ISO 14404


def _iso14404(
    activities: list[ActivityData], frames: ActivityFrames, options: Iso14404Options
) -> MethodFrames:
    from greenmet.carbon import iso14404
    from greenmet.carbon.method_inputs import Iso14404Inputs

    route, electricity_factor, dri_route = options.route, options.electricity_factor, options.dri_route
    ids = _ids(frames)
    sections = [section or Iso14404Inputs() for section in _sections(activities, "iso14404")]
    production = frames.production
    steel = production[production["product"] == "crude_steel"]
    lacking = ids.difference(pd.Index(steel["installation_id"]))
    if len(lacking):
        raise InputError(
            "ISO 14404 intensity needs crude steel production",
            field="production",
            value=sorted(lacking)[:10],
            fix="add a production row with product 'crude_steel' (t)",
        )
    flows = frames.flows
    # The inference of iso14404._infer_route, as group-bys: blast furnace, BOF or coke → bf-bof;
    # EAF or electrodes → eaf.
    by_installation = flows["installation_id"]
    bf = (
        (flows["process"].isin(["blast_furnace", "bof"]) | flows["material"].isin(["coke", "coking_coal"]))
        .groupby(by_installation)
        .any()
        .reindex(ids, fill_value=False)
    )
    eaf = (
        (flows["process"].eq("eaf") | flows["material"].eq("electrode"))
        .groupby(by_installation)
        .any()
        .reindex(ids, fill_value=False)
    )
    inferred = pd.Series(None, index=ids, dtype=object)
    inferred[eaf.to_numpy()] = "eaf"
    inferred[bf.to_numpy()] = "bf-bof"
    declared = pd.Series([section.route for section in sections], index=ids)
    routes = pd.Series(route, index=ids) if route else declared.where(declared.notna(), inferred)
    editions = routes.map(iso14404._ROUTE_EDITION)
    if editions.isna().any():
        raise InputError(
            "route not given and not recognisable from the flows",
            field="route",
            value=sorted(routes[editions.isna()].index)[:10],
            fix="pass route='bf-bof' (ISO 14404-1) or route='eaf' (ISO 14404-2)",
        )
    credits = pd.DataFrame(
        [
            (activity.installation.id, item, getattr(section, field))
            for activity, section in zip(activities, sections, strict=True)
            for field, item in iso14404._CREDIT_FIELDS.items()
            if getattr(section, field) > 0
        ],
        columns=["installation_id", "item", "quantity_t"],
    )
    dri = dri_route or {
        activity.installation.id: section.dri_route
        for activity, section in zip(activities, sections, strict=True)
    }
    lines, uncovered = iso14404.iso14404_lines(
        frames, electricity_factor=electricity_factor, dri_route=dri, credits=credits
    )
    warnings = _count(pd.Series(True, index=pd.Index(uncovered["installation_id"])), ids)
    return MethodFrames(lines=lines, production=steel, edition=editions, warnings=warnings)


# ------------------------------------------------------------------------------------------- LCI


def _lci(activities: list[ActivityData], frames: ActivityFrames, options: LciOptions) -> MethodFrames:
    from greenmet.carbon import lci

    ids = _ids(frames)
    sections = _sections(activities, "lci")
    lacking = [
        activity.installation.id
        for activity, section in zip(activities, sections, strict=True)
        if section is None
    ]
    if lacking:
        raise InputError(
            "activity data has no 'lci' section",
            field="lci",
            value=lacking[:10],
            fix="add an lci section with the products' cradle_to_gate, recovery_rate, "
            "scrap_input and value_of_scrap (docs/user_guide/carbon.md)",
        )
    rows = [
        {"installation_id": activity.installation.id, **lci._product_rows(product)}
        for activity, section in zip(activities, sections, strict=True)
        for product in section.products
    ]
    table = lci.lci_frame(pd.DataFrame(rows))
    table = table.merge(
        frames.production[["installation_id", "product", "quantity_t"]],
        on=["installation_id", "product"],
        how="left",
    )
    unlisted = table["quantity_t"].isna()
    warnings = _count(pd.Series(unlisted.to_numpy(), index=pd.Index(table["installation_id"])), ids)
    table["quantity_t"] = table["quantity_t"].fillna(1.0)
    lines = lci._lines(table, table["installation_id"])  # type: ignore[arg-type]  # a column, not one id
    intensity = table[["installation_id", "product"]].assign(
        intensity_t_co2e_per_t=table["lci_with_end_of_life_kg_co2e_per_kg"]
    )
    return MethodFrames(
        lines=lines,
        production=table[["installation_id", "product", "quantity_t"]],
        edition=pd.Series(lci.EDITION, index=ids),
        warnings=warnings,
        intensity=intensity,
    )


# ------------------------------------------------------------------------------------ registry

def _cbam(activities: list[ActivityData], frames: ActivityFrames, options: CbamOptions) -> MethodFrames:
    from greenmet.carbon import cbam

    edition = options.edition
    ids = _ids(frames)
    # cbam_tables solves the precursor recursion of every process of every installation in one
    # sparse system; the intensities are the goods' SEE, as in compute_cbam.
    tables = cbam.cbam_tables(
        activities,
        edition=edition,
        markup_year=options.markup_year,
        fallback_defaults=options.fallback_defaults,
        gwp_metric=options.gwp_metric,
    )
    # the production-weighted SEE of each CN code over its processes (cbam.see_by_cn_code)
    intensity = tables.cn_codes.rename(
        columns={"cn_code": "product", "see_total_t_co2e_per_t": "intensity_t_co2e_per_t"}
    )[["installation_id", "product", "intensity_t_co2e_per_t"]]
    return MethodFrames(
        lines=tables.lines,
        production=pd.DataFrame({"installation_id": [], "product": [], "quantity_t": []}),
        edition=pd.Series(cbam.EDITIONS[edition], index=ids),
        warnings=pd.Series({i: len(w) for i, w in cbam.multi_process_warnings(tables).items()},
                           dtype=int).reindex(ids, fill_value=0),
        intensity=intensity,
    )


def _framed(adapter: _Adapter, method: str) -> _Table:
    """A table function from an adapter over frame functions: frames, adapter, group-by summary."""

    def table(items: list[ActivityData], options: MethodOptions) -> pd.DataFrame:
        from greenmet.carbon.activity import activity_frames

        frames = activity_frames(items)
        return _summarise(frames, adapter(items, frames, options), method)

    return table


_Table = Callable[[list["ActivityData"], MethodOptions], pd.DataFrame]

BATCH_METHODS: dict[str, _Table] = {
    "cbam": _framed(_cbam, "cbam"),
    "cn-aluminium": _framed(_cn_aluminium, "cn-aluminium"),
    "cn-steel": _cn_steel_table,
    "iso14404": _framed(_iso14404, "iso14404"),
    "lci": _framed(_lci, "lci"),
}
"""Methods :func:`compute_batch` runs: ``cn-steel`` on numpy arrays
(:mod:`greenmet.carbon.cn_arrays`), the others as adapters over the method's frame functions."""


def compute_batch(
    activities: ActivityData | Iterable[ActivityData] | ActivityColumns,
    method: str | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Results of many installations at once, one row per installation (vectorised).

    Parameters
    ----------
    activities
        Activity data of the installations; installation ids must be unique. For ``cn-steel``
        also the long tables of :func:`~greenmet.carbon.activity.activity_columns` (as a plant
        data export holds them), computed with ``options`` only.
    method
        A key of :data:`BATCH_METHODS`; None gives each installation the default method of its
        sector (:func:`default_method`).
    **options
        Options of the method (:mod:`greenmet.carbon.options`); they override the ``[options]``
        of each activity file. Installations whose options differ are computed in one group per
        option set.

    Returns
    -------
    pandas.DataFrame
        The columns listed in the module docstring, in input order.

    Raises
    ------
    UnknownKeyError
        If the method is not known, or an option does not apply to it.
    InputError
        If two installations share an id, or an installation lacks what the method needs.
    """
    from greenmet.carbon.activity import ActivityColumns, ActivityData

    if isinstance(activities, ActivityColumns):
        return _columns_batch(activities, method, options)
    items = [activities] if isinstance(activities, ActivityData) else list(activities)
    if not items:
        raise InputError(
            "no installations to compute",
            field="activities",
            value=0,
            fix="give at least one activity-data file",
        )
    if method is not None and method not in BATCH_METHODS:
        raise UnknownKeyError(
            "no batch computation for that method",
            field="method",
            value=method,
            fix=f"use one of {', '.join(sorted(BATCH_METHODS))}",
        )
    groups: dict[tuple[str, MethodOptions], list[ActivityData]] = {}
    ignored: dict[str, int] = {}
    resolved_by_key: dict[tuple[str, tuple[tuple[str, Any], ...]], ResolvedOptions] = {}
    for activity in items:
        name = method or default_method(activity)
        from_file = activity.options.model_dump(exclude_none=True) if activity.options is not None else {}
        key = (name, tuple(sorted((k, repr(v)) for k, v in from_file.items())) if from_file else ())
        resolved = resolved_by_key.get(key)
        if resolved is None:
            resolved = resolved_by_key[key] = resolve_options(name, from_file, options, given_as="argument")
        if resolved.ignored:
            ignored[activity.installation.id] = len(resolved.ignored)
        groups.setdefault((name, resolved.options), []).append(activity)
    tables = [_compute_one_method(group, name, chosen) for (name, chosen), group in groups.items()]
    table = pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0]
    emissions = [column for column in table.columns if column.endswith("_t_co2e")]
    table[emissions] = table[emissions].fillna(0.0)  # a scope another method has: none here
    if ignored:
        table["warnings_count"] += table["installation_id"].map(ignored).fillna(0).astype(int)
    if len(tables) > 1:
        order = {activity.installation.id: position for position, activity in enumerate(items)}
        table = table.sort_values("installation_id", key=lambda ids: ids.map(order), kind="stable")
    return _order_columns(table.reset_index(drop=True))


def _columns_batch(tables: ActivityColumns, method: str | None, options: dict[str, Any]) -> pd.DataFrame:
    from greenmet.carbon.cn_arrays import column

    sectors = set(column(tables.installations, "sector").tolist())
    if method not in ("cn-steel", None) or (method is None and sectors - {"steel"}):
        raise InputError(
            "long tables are computed by cn-steel only",
            field="method",
            value=method or sorted(sectors),
            fix="give ActivityData objects for the other methods and sectors",
        )
    resolved = resolve_options("cn-steel", None, options, given_as="argument").options
    if not isinstance(resolved, CnSteelOptions):
        raise InputError("options of another method", field="options", value=type(resolved).__name__,
                         fix="give cn-steel options")
    table = _steel_table(tables, resolved)
    table["options"] = options_text(resolved)
    return table


def _compute_one_method(items: list[ActivityData], method: str, options: MethodOptions) -> pd.DataFrame:
    table = BATCH_METHODS[method](items, options)
    from greenmet.carbon.plausibility import specific_use_warnings

    table["options"] = options_text(options)
    if method != "cn-steel":  # cn-steel counts them on its tables (specific_use_warning_counts)
        # the specific-use warnings compute() adds (greenmet.carbon.plausibility)
        table["warnings_count"] += [len(specific_use_warnings(a)) for a in items]
    return table


def options_text(options: MethodOptions) -> str:
    """``key=value; …`` of every option in force (the batch table's ``options`` column)."""
    return "; ".join(f"{key}={value}" for key, value in options.model_dump().items() if value is not None)


def _summarise(frames: ActivityFrames, result: MethodFrames, method: str) -> pd.DataFrame:
    ids = _ids(frames)
    installations = frames.installations.set_index("installation_id")
    table = pd.DataFrame(index=ids)
    table["installation_name"] = installations["installation_name"]
    table["period_start"] = installations["period_start"]
    table["period_end"] = installations["period_end"]
    table["method"] = method
    table["method_edition"] = result.edition.reindex(ids)

    lines = result.lines
    totals = (
        totals_by_scope(lines).reindex(ids).fillna(0.0)
        if len(lines)
        else pd.DataFrame({"total": 0.0}, index=ids)
    )
    for column in totals.columns:
        table[f"{column}_t_co2e"] = totals[column].astype(float)

    if result.intensity is not None:
        intensity = result.intensity
    else:
        production = intensity_production(method, result.production).merge(
            totals[["total"]], left_on="installation_id", right_index=True
        )
        intensity = production.assign(intensity_t_co2e_per_t=production["total"] / production["quantity_t"])
    if len(intensity):
        wide = intensity.pivot_table(
            index="installation_id", columns="product", values="intensity_t_co2e_per_t", aggfunc="last"
        )
        for product in wide.columns:
            table[f"intensity_{product}_t_co2e_per_t"] = wide[product].reindex(ids).astype(float)

    if result.balance is not None and len(result.balance):
        balance = result.balance.set_index("installation_id").reindex(ids)
        table["residual_t_c"] = balance["residual_t"].astype(float)
        table["residual_fraction"] = balance["residual_fraction"].astype(float)
        with np.errstate(invalid="ignore"):
            residual_warning = (table["residual_fraction"].abs() > RESIDUAL_WARNING_FRACTION).astype(int)
    else:
        table["residual_t_c"] = math.nan
        table["residual_fraction"] = math.nan
        residual_warning = pd.Series(0, index=ids)
    if len(lines):
        provisional = (
            lines.groupby("installation_id")["needs_verification"].any().reindex(ids, fill_value=False)
        )
    else:
        provisional = pd.Series(False, index=ids)
    table["warnings_count"] = (
        result.warnings.reindex(ids, fill_value=0).astype(int)
        + residual_warning.astype(int)
        + provisional.astype(int)
    )
    return _order_columns(table.reset_index())


def _order_columns(table: pd.DataFrame) -> pd.DataFrame:
    head = ["installation_id", "installation_name", "period_start", "period_end", "method", "method_edition"]
    scopes = sorted(c for c in table.columns if c.endswith("_t_co2e") and c != "total_t_co2e")
    intensity = sorted(c for c in table.columns if c.startswith("intensity_"))
    tail = ["residual_t_c", "residual_fraction", "warnings_count", "options"]
    ordered = [*head, *scopes, "total_t_co2e", *intensity, *tail]
    return table[[c for c in ordered if c in table.columns]]
