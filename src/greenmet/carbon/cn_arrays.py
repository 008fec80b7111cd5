"""The China steel method on numpy arrays: one code path for one installation and for many.

The same equations as :mod:`greenmet.carbon.cn_common` (GB/T 32151.5-2015 §6; NDRC 2013 steel
guideline §5), restated:

- per flow, carbon per reference unit ``C`` = measured carbon content, else ``NCV · CC`` for a
  fuel (measured NCV where given), else the material's ``EF · 12/44`` or default carbon content;
  oxidation ``OF`` = measured, else the fuel's default, else 1; emissions
  ``E = sign · AD · C · OF · 44/12`` (sign −1 for flows leaving the boundary);
- carbon fixed in products listed only under ``production``: ``R = AD · EF`` (Table B.2);
- electricity and heat: ``E = (AD_purchased − AD_sold) · EF`` with the grid factor of the
  reporting year (or the latest earlier published), heat 0.11 t CO2/GJ, or the supplier's factor;
- carbon balance: carbon in = carbon out + carbon emitted (CO2 × 12/44).

Why a second implementation: the pandas frame functions pay a fixed cost of some 100 µs per
operation, which made one installation take 50–70 ms and kept the batch slower per installation
than a plain Python loop (issue 12). Here every step is a numpy operation on integer codes
(installation, material, process) with the factor tables as arrays indexed by material code;
strings are looked up only for the emission lines that result. ``tests/carbon/test_cn_arrays.py``
checks equality with the frame functions.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from greenmet.carbon.activity import ActivityColumns, ActivityFrames
from greenmet.carbon.cn_common import GRID_SOURCE_PREFIX, MEASURED_SOURCE
from greenmet.carbon.factors import (
    CO2_PER_C,
    grid_factor_frame,
    grid_factor_table,
    heat_factor,
    material_factor_frame,
)
from greenmet.carbon.options import CnSteelOptions
from greenmet.carbon.results import BALANCE_COLUMNS, LINE_COLUMNS

__all__ = ["SteelArrays", "column", "positions", "shared_positions", "steel_arrays"]

_CATEGORY_BY_MATERIAL = {"flux": "carbonate", "electrode": "electrode", "anode": "anode"}
_SUPPLIER_SOURCE = "supplier-specific factor (activity data)"


@dataclass(frozen=True)
class _Factors:
    """The ``materials`` table of one edition as arrays indexed by material code."""

    index: pd.Index
    unit_ref: np.ndarray
    category: np.ndarray  # line category of an incoming flow
    is_fuel: np.ndarray
    ncv: np.ndarray
    carbon_per_energy: np.ndarray
    oxidation: np.ndarray
    co2_factor: np.ndarray
    carbon_content: np.ndarray
    source: np.ndarray
    verify: np.ndarray
    product_factor: np.ndarray  # t CO2/t of products with a fixed-carbon factor, else NaN
    sources_by_kind: np.ndarray  # (3, materials): fully measured, NCV measured, default
    factor_unit: np.ndarray


@cache
def _factors(edition: str) -> _Factors:
    frame = material_factor_frame(edition)
    source = frame["factor_source"].astype(str).tolist()
    unit_ref = frame["unit_ref"].astype(str).tolist()
    ncv = frame["default_ncv_gj_per_unit"].to_numpy(float)
    per_energy = frame["carbon_per_energy_t_per_gj"].to_numpy(float)
    co2 = frame["co2_factor_t_per_unit"].to_numpy(float)
    kind = frame["category"].astype(str).to_numpy(object)
    is_product = (kind == "product") & (co2 > 0)
    return _Factors(
        index=pd.Index(frame["material"].astype(str).to_numpy(object), dtype=object),
        unit_ref=frame["unit_ref"].astype(str).to_numpy(object),
        category=np.array([_CATEGORY_BY_MATERIAL.get(k, "process") for k in kind], dtype=object),
        is_fuel=~np.isnan(ncv) & ~np.isnan(per_energy),
        ncv=ncv,
        carbon_per_energy=per_energy,
        oxidation=frame["default_oxidation_factor"].to_numpy(float),
        co2_factor=co2,
        carbon_content=frame["default_carbon_content"].to_numpy(float),
        source=frame["factor_source"].astype(str).to_numpy(object),
        verify=frame["default_needs_verification"].fillna(False).to_numpy(bool),
        product_factor=np.where(is_product, co2, np.nan),
        sources_by_kind=np.array([[MEASURED_SOURCE] * len(frame),
                                  ["NCV measured; other parameters: " + s for s in source],
                                  list(source)], dtype=object),
        factor_unit=np.array(["t/t" if u == "t" else f"t/({u})" for u in unit_ref], dtype=object),
    )


@dataclass
class SteelArrays:
    """Result of :func:`steel_arrays`: emission lines and carbon balance of many installations.

    Attributes
    ----------
    ids
        Installation ids, in the order of ``frames.installations``.
    lines
        Emission lines as columns: ``installation`` (position in ``ids``), ``direct`` (scope 1)
        and the
        :data:`~greenmet.carbon.results.LINE_COLUMNS` but ``installation_id``, ``method`` and
        ``emissions_t_co2e`` (= ``emissions_t``, CO2 only), unordered; :meth:`line_columns`
        adds those and groups the lines by installation.
    balance
        ``carbon_in_t, carbon_out_t, carbon_emitted_t, residual_t, residual_fraction`` per
        installation (arrays aligned with ``ids``). [t]
    grid_columns
        The grid factor chosen per installation (the columns of
        :func:`~greenmet.carbon.factors.grid_factor_frame`, as arrays).
    stale_grid
        True where a grid-priced electricity line uses a factor of another year than the
        installation's reporting year.
    has_balance
        True where the installation has a material flow or a direct emission line (else its
        balance is empty and not reported).
    """

    ids: np.ndarray
    lines: Mapping[str, np.ndarray]
    balance: dict[str, np.ndarray]
    grid_columns: dict[str, np.ndarray]
    stale_grid: np.ndarray
    has_balance: np.ndarray

    @property
    def grid(self) -> pd.DataFrame:
        """The grid factor per installation (the columns of ``grid_factor_frame``)."""
        columns = {key: value for key, value in self.grid_columns.items() if key != "line_source"}
        return pd.DataFrame({"installation_id": self.ids, **columns})

    def line_columns(self) -> dict[str, np.ndarray]:
        """All :data:`LINE_COLUMNS` plus ``installation``, the lines of each installation together
        (material flows, fixed carbon, energy)."""
        order = np.argsort(self.lines["installation"], kind="stable")
        columns = {column: values[order] for column, values in self.lines.items()}
        columns["installation_id"] = self.ids[columns["installation"]]
        columns["method"] = _repeat("cn-steel", len(order))
        columns["emissions_t_co2e"] = columns["emissions_t"]
        return columns

    def lines_frame(self, *, categorical: bool = False) -> pd.DataFrame:
        """The lines as a DataFrame (:data:`LINE_COLUMNS`); ``categorical`` for big batches."""
        data: dict[str, Any] = {}
        lines = self.line_columns()
        for column in LINE_COLUMNS:
            values = lines[column]
            if values.dtype == object and categorical:
                data[column] = pd.Categorical(values)
            else:
                data[column] = values
        return pd.DataFrame(data, columns=list(LINE_COLUMNS))

    def balance_frame(self) -> pd.DataFrame:
        """The carbon balance as a DataFrame (:data:`BALANCE_COLUMNS`)."""
        frame = pd.DataFrame({"installation_id": self.ids, **self.balance}, columns=list(BALANCE_COLUMNS))
        return frame[self.has_balance].reset_index(drop=True)


def _first_appearance_groups(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group number of every row (groups numbered by first appearance) and each group's first row.

    A hash factorisation (no sort): ``pd.factorize`` numbers the keys in order of appearance.
    """
    group = pd.factorize(key)[0].astype(np.int64)
    if len(group) == 0:
        return group, np.empty(0, dtype=np.int64)
    # Numbers are given in order of appearance: a row opens its group iff its number exceeds
    # every number before it.
    seen = np.maximum.accumulate(group)
    first = np.flatnonzero(np.concatenate([[True], group[1:] > seen[:-1]]))
    return group, first


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A code per value and the distinct values; missing values (None, NaN) share the last code
    and keep the first of them as their value.

    ``pd.factorize(..., use_na_sentinel=False)`` gives the same grouping at twice the cost.
    """
    codes, uniques = pd.factorize(values)
    codes = codes.astype(np.int64)
    distinct = np.asarray(uniques, dtype=object)
    missing = codes < 0
    if missing.any():
        codes[missing] = len(distinct)
        distinct = np.concatenate([distinct, np.array([values[int(np.argmax(missing))]], dtype=object)])
    return codes, distinct


Table = pd.DataFrame | dict[str, np.ndarray]


def column(table: Table, name: str, dtype: Any = object) -> np.ndarray:
    """One column of a DataFrame or of a dict of arrays (``activity_columns``)."""
    if isinstance(table, dict):
        return np.asarray(table[name], dtype=dtype)
    if dtype is float:
        return table[name].to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(table[name].to_numpy(dtype=dtype), dtype=dtype)


_SHARED: ContextVar[dict[int, tuple[np.ndarray, pd.Index, np.ndarray]] | None] = ContextVar(
    "greenmet_shared_positions", default=None)


@contextmanager
def shared_positions() -> Iterator[None]:
    """Within the block, :func:`positions` of the same id array and the same ids is computed once.

    A batch locates the installation of every flow, energy and production row in
    :func:`steel_arrays`, again for the intensities and again for the plausibility warnings; the
    tables do not change meanwhile, so the block reuses the first answer (the array itself is
    kept and compared by identity, so a freed array's id cannot be mistaken for it).
    """
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def positions(values: np.ndarray, index: pd.Index) -> np.ndarray:
    """Position in ``index`` of each value; rows of one installation come together, so runs are
    located once each (ids compared by identity first, no hashing per row)."""
    shared = _SHARED.get()
    if shared is not None:
        known = shared.get(id(values))
        if known is not None and known[0] is values and (known[1] is index or known[1].equals(index)):
            return known[2]
        found = _positions(values, index)
        found.flags.writeable = False  # handed to several callers: none may change it
        shared[id(values)] = (values, index, found)
        return found
    return _positions(values, index)


def _positions(values: np.ndarray, index: pd.Index) -> np.ndarray:
    count = len(values)
    if count == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
    run_positions = index.get_indexer(pd.Index(values[starts], dtype=object, copy=False))
    lengths = np.diff(np.append(starts, count))
    return np.repeat(run_positions, lengths)


def _has(table: Table, name: str) -> bool:
    return name in (table if isinstance(table, dict) else table.columns)


def _rows(table: Table) -> int:
    return len(next(iter(table.values()))) if isinstance(table, dict) else len(table)


def steel_arrays(frames: ActivityFrames | ActivityColumns, options: CnSteelOptions) -> SteelArrays:
    """Emission lines, carbon balance and grid factor of many steel installations (numpy).

    Parameters
    ----------
    frames
        Tables of one or many installations (:func:`~greenmet.carbon.activity.activity_frames`
        or, faster, :func:`~greenmet.carbon.activity.activity_columns`).
    options
        The options of ``cn-steel``.
    """
    edition = options.edition
    factors = _factors(edition)
    ids = column(frames.installations, "installation_id")
    id_index = pd.Index(ids, dtype=object)
    count = len(ids)
    flows = frames.flows
    parts: list[dict[str, np.ndarray]] = []

    # --- material flows
    materials = column(flows, "material")
    inst = positions(column(flows, "installation_id"), id_index)
    code = factors.index.get_indexer(pd.Index(materials, dtype=object, copy=False))
    known = code >= 0
    code_safe = np.where(known, code, 0)
    incoming = column(flows, "direction", object) == "in"
    sign = np.where(incoming, 1.0, -1.0)
    quantity = column(flows, "quantity_ref", float)
    measured_cc = column(flows, "carbon_content", float)
    measured_ncv = column(flows, "ncv_gj_per_unit", float)
    measured_ox = column(flows, "oxidation_factor", float)
    is_fuel = factors.is_fuel[code_safe] & known
    ncv = np.where(np.isnan(measured_ncv), factors.ncv[code_safe], measured_ncv)
    co2_default = factors.co2_factor[code_safe]
    from_default = np.where(is_fuel, ncv * factors.carbon_per_energy[code_safe],
                            np.where(~np.isnan(co2_default), co2_default / CO2_PER_C,
                                     factors.carbon_content[code_safe]))
    from_default = np.where(known, from_default, np.nan)
    has_cc = ~np.isnan(measured_cc)
    carbon_per_unit = np.nan_to_num(np.where(has_cc, measured_cc, from_default), nan=0.0)
    default_ox = np.nan_to_num(np.where(is_fuel, factors.oxidation[code_safe], 1.0), nan=1.0)
    oxidation = np.where(np.isnan(measured_ox), default_ox, measured_ox)
    co2_factor = carbon_per_unit * oxidation * CO2_PER_C
    carbon = quantity * carbon_per_unit
    fully_measured = has_cc & (~np.isnan(measured_ox) | ~is_fuel)
    verify = ~fully_measured & factors.verify[code_safe] & known
    # Source kind: 0 fully measured, 1 NCV measured, 2 default factors.
    kind = np.where(fully_measured, 0, np.where(~np.isnan(measured_ncv) & ~has_cc, 1, 2))

    with_carbon = carbon_per_unit > 0
    if with_carbon.any():
        rows = np.flatnonzero(with_carbon)
        process_codes, processes = _codes(column(flows, "process")[rows])
        direction = incoming[rows].astype(np.int64)
        n_material = len(factors.index) + 1
        # A fuel metered in energy names the NCV it was converted with (activity.ncv_source):
        # flows with different notes stay on separate lines.
        notes = column(flows, "ncv_source")[rows] if _has(flows, "ncv_source") else np.full(len(rows), None)
        if (kind[rows] == 1).any():
            kept = notes.copy()
            kept[kind[rows] != 1] = None
            note_codes, _ = _codes(kept)
        else:
            note_codes = np.zeros(len(rows), dtype=np.int64)
        key = (((((inst[rows] * (len(processes) + 1) + process_codes) * n_material + code[rows] + 1) * 2
                 + direction) * 3 + kind[rows]) * 2 + verify[rows]) * (note_codes.max() + 1) + note_codes
        group, first = _first_appearance_groups(key)
        groups = len(first)
        signed = sign[rows] * quantity[rows]
        emissions = signed * co2_factor[rows]
        activity = np.bincount(group, signed, groups)
        emitted = np.bincount(group, emissions, groups)
        with np.errstate(all="ignore"):
            mean_factor = np.bincount(group, co2_factor[rows], groups) / np.bincount(group, minlength=groups)
        with np.errstate(all="ignore"):
            factor = np.where(activity != 0, emitted / activity, mean_factor)
        head = rows[first]
        head_code = code_safe[head]
        material = materials[head]
        unit = factors.unit_ref[head_code]
        source = factors.sources_by_kind[kind[head], head_code]
        noted = np.flatnonzero((kind[head] == 1) & (notes[first] != None))  # noqa: E711 (elementwise)
        for index in noted.tolist():
            source[index] = f"{notes[first][index]}; other parameters: {factors.source[head_code[index]]}"
        category = np.where(is_fuel[head], "combustion",
                            np.where(incoming[head], factors.category[head_code], "fixed_carbon"))
        process = processes[process_codes[first]]
        process[process == ""] = None
        parts.append({
            "installation": inst[head], "process": process,
            "source_stream": material, "category": category.astype(object),
            "scope": _repeat("scope_1", groups), "direct": np.ones(groups, dtype=bool),
            "gas": _repeat("CO2", groups), "activity_ref": activity, "activity_unit": unit,
            "factor": factor,
            "factor_unit": factors.factor_unit[head_code],
            "factor_source": source, "needs_verification": verify[head],
            "emissions_t": emitted,
        })

    # --- carbon fixed in products listed only under production (GB/T 32151.5-2015 §6.4)
    extra_out = np.zeros(count)
    production = frames.production
    if options.fixed_carbon_from_production and _rows(production):
        products = column(production, "product")
        product_code = factors.index.get_indexer(pd.Index(products, dtype=object, copy=False))
        product_factor = np.where(product_code >= 0, factors.product_factor[np.maximum(product_code, 0)],
                                  np.nan)
        product_inst = positions(column(production, "installation_id"), id_index)
        # A product that also leaves as a material flow is deducted there, not twice.
        leaving = ~incoming & known
        width = len(factors.index) + 1
        already = np.isin(product_inst * width + product_code + 1, inst[leaving] * width + code[leaving] + 1)
        keep = ~np.isnan(product_factor) & ~already
        if keep.any():
            rows = np.flatnonzero(keep)
            amount = column(production, "quantity_t", float)[rows]
            f = product_factor[rows]
            n = len(rows)
            c = product_code[rows]
            parts.append({
                "installation": product_inst[rows], "process": _repeat(None, n),
                "source_stream": products[rows],
                "category": _repeat("fixed_carbon", n), "scope": _repeat("scope_1", n),
                "direct": np.ones(n, dtype=bool),
                "gas": _repeat("CO2", n),
                "activity_ref": -amount, "activity_unit": _repeat("t", n), "factor": f,
                "factor_unit": _repeat("t/t", n), "factor_source": factors.source[c],
                "needs_verification": factors.verify[c], "emissions_t": -amount * f,
            })
            extra_out += np.bincount(product_inst[rows], amount * f / CO2_PER_C, count)

    # --- purchased and sold electricity and heat (scope 2)
    grid = _grid(frames.installations, options)
    stale = np.zeros(count, dtype=bool)
    energy = frames.energy
    if _rows(energy):
        parts.append(_energy_part(energy, grid, id_index, edition))
        grid_priced = parts[-1].pop("grid_priced")
        users = np.zeros(count, dtype=bool)
        users[parts[-1]["installation"][grid_priced]] = True
        years = column(frames.installations, "reporting_year", np.int64)
        stale = users & (grid["factor_year"] != years)

    lines = _Lines(parts)
    # --- carbon balance
    carbon_in = np.bincount(inst[incoming], carbon[incoming], count)
    unoxidised = sign * carbon * (1.0 - oxidation)
    carbon_out = np.bincount(inst, np.where(incoming, 0.0, carbon) + unoxidised, count) + extra_out
    direct = lines["direct"]
    emitted_carbon = np.bincount(lines["installation"][direct], lines["emissions_t"][direct] / CO2_PER_C,
                                 count)
    residual = carbon_in - carbon_out - emitted_carbon
    with np.errstate(all="ignore"):  # no carbon in, or a subnormal amount: no fraction, no warning
        fraction = np.where(carbon_in > 0, residual / carbon_in, np.nan)
    balance = {"carbon_in_t": carbon_in, "carbon_out_t": carbon_out, "carbon_emitted_t": emitted_carbon,
               "residual_t": residual, "residual_fraction": fraction}
    # As the frame functions: a balance only where carbon is accounted (a material flow or a
    # direct line); an installation with electricity only has none.
    has_balance = (np.bincount(inst, minlength=count) > 0) | (
        np.bincount(lines["installation"][direct], minlength=count) > 0)
    return SteelArrays(ids=ids, lines=lines, balance=balance, grid_columns=grid, stale_grid=stale,
                       has_balance=has_balance)


def _grid(installations: Table, options: CnSteelOptions) -> dict[str, np.ndarray]:
    """The grid factor of each installation, as :func:`~greenmet.carbon.factors.grid_factor_frame`.

    The same rule (the reporting year's factor, else the latest earlier one) on the cached
    table, one look-up per distinct region and year instead of a merge per call; where no
    factor exists the frame function raises its error.
    """
    table = grid_factor_table(options.grid_basis)
    count = _rows(installations)
    if options.grid_region == "province":
        regions = np.array([str(value).strip().lower() if isinstance(value, str) else ""
                            for value in column(installations, "province")], dtype=object)
    else:
        regions = np.full(count, options.grid_region, dtype=object)
    if options.grid_factor_year is not None:
        wanted = np.full(count, int(options.grid_factor_year), dtype=np.int64)
    else:
        wanted = column(installations, "reporting_year", np.int64)
    columns = {"grid_region": regions, "factor_year": np.zeros(count, dtype=np.int64),
               "factor_t_per_mwh": np.zeros(count), "factor_source": np.empty(count, dtype=object),
               "needs_verification": np.zeros(count, dtype=bool),
               "line_source": np.empty(count, dtype=object)}
    inverse, firsts = _first_appearance_groups(pd.factorize(regions)[0].astype(np.int64) * 10_000 + wanted)
    for number, first in enumerate(firsts.tolist()):
        rows = inverse == number
        empty = (np.empty(0, dtype=np.int64), np.empty(0), np.empty(0, dtype=object), np.empty(0, dtype=bool))
        years, values, sources, verify = table.get(str(regions[first]), empty)
        position = int(np.searchsorted(years, wanted[first], side="right")) - 1
        if position < 0:
            # No factor: the frame function raises its error naming region, basis and year.
            grid_factor_frame(pd.DataFrame(installations).iloc[[first]], region=options.grid_region,
                              basis=options.grid_basis, year=options.grid_factor_year)
        columns["factor_year"][rows] = years[position]
        columns["factor_t_per_mwh"][rows] = values[position]
        columns["factor_source"][rows] = sources[position]
        columns["line_source"][rows] = (f"{GRID_SOURCE_PREFIX}{regions[first]} {years[position]}: "
                                        f"{sources[position]}")
        columns["needs_verification"][rows] = verify[position]
    return columns


def _repeat(value: Any, count: int) -> np.ndarray:
    out = np.empty(count, dtype=object)
    out[:] = value
    return out


@cache
def _heat(edition: str) -> tuple[float, str, bool]:
    return heat_factor(edition)


def _energy_part(energy: Table, grid: dict[str, np.ndarray], id_index: pd.Index,
                 edition: str) -> dict[str, np.ndarray]:
    heat_value, heat_source, heat_verify = _heat(edition)
    inst = positions(column(energy, "installation_id"), id_index)
    electricity = column(energy, "carrier", object) == "electricity"
    purchased = column(energy, "direction", object) == "purchased"
    quantity = column(energy, "quantity_ref", float)
    supplier = column(energy, "emission_factor_t_per_unit", float)
    has_supplier = ~np.isnan(supplier)
    grid_value = grid["factor_t_per_mwh"][inst]
    grid_verify = grid["needs_verification"][inst]
    factor = np.where(has_supplier, supplier, np.where(electricity, grid_value, heat_value))
    verify = np.where(has_supplier, False, np.where(electricity, grid_verify, heat_verify))
    sign = np.where(purchased, 1.0, -1.0)
    activity = sign * quantity
    # The line's source as a code (0 supplier, 1 heat, 2 + the grid factor's number): the same
    # grouping as by the source text, whose strings are made only for the lines.
    grid_codes = pd.factorize(grid["line_source"])[0].astype(np.int64)
    source_codes = np.where(has_supplier, 0, np.where(electricity, 2 + grid_codes[inst], 1))
    factor_codes, _ = _codes(factor)
    key = (((inst * 2 + purchased) * 2 + electricity) * (source_codes.max() + 1) + source_codes) * (
        factor_codes.max() + 1) + factor_codes
    group, first = _first_appearance_groups(key)
    groups = len(first)
    electricity_first = electricity[first]
    carrier = np.where(electricity_first, "electricity", "heat").astype(object)
    source = np.where(has_supplier[first], _SUPPLIER_SOURCE,
                      np.where(electricity_first, grid["line_source"][inst[first]], heat_source))
    unit = column(energy, "unit_ref", object)[first]
    return {
        "installation": inst[first], "process": _repeat(None, groups), "source_stream": carrier,
        "category": (np.where(purchased[first], "purchased_", "sold_") + carrier.astype(str)).astype(object),
        "scope": _repeat("scope_2", groups), "direct": np.zeros(groups, dtype=bool),
        "gas": _repeat("CO2", groups),
        "activity_ref": np.bincount(group, activity, groups), "activity_unit": unit,
        "factor": factor[first], "factor_unit": ("t/" + unit.astype(str)).astype(object),
        "factor_source": source.astype(object), "needs_verification": verify[first].astype(bool),
        "emissions_t": np.bincount(group, activity * factor, groups),
        "grid_priced": (electricity & ~has_supplier)[first],
    }


class _Lines(Mapping[str, np.ndarray]):
    """The line columns of several parts, each concatenated when first read (a batch reads four)."""

    _COLUMNS = ("installation", "direct", *(c for c in LINE_COLUMNS
                                             if c not in ("installation_id", "method", "emissions_t_co2e")))
    _DTYPES: ClassVar[dict[str, Any]] = {
        "installation": np.int64, "direct": bool, "needs_verification": bool, "activity_ref": float,
        "factor": float, "emissions_t": float,
    }

    def __init__(self, parts: list[dict[str, np.ndarray]]) -> None:
        self._parts = parts
        self._done: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._done:
            if name not in self._COLUMNS:
                raise KeyError(name)
            dtype = self._DTYPES.get(name, object)
            values = [part[name] for part in self._parts]
            self._done[name] = np.concatenate(values).astype(dtype) if values else np.empty(0, dtype=dtype)
        return self._done[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._COLUMNS)

    def __len__(self) -> int:
        return len(self._COLUMNS)
