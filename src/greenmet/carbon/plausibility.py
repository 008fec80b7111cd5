"""Plausibility of activity data: magnitudes and specific uses no installation can have.

A number can be finite, positive and in a convertible unit and still be impossible: 1e300 t of
coke, 13,500,000 kWh per tonne of aluminium (kWh typed where MWh was meant, three orders of
magnitude above the 13-15 MWh/t of real smelters), a supplier factor of 20 t CO2/MWh. The
thresholds are rows of the reference table ``plausibility_ranges``, each with the basis of the
threshold in words and its source:

- ``refuse_above``: above it the input is refused (:class:`~greenmet.errors.SuspectUnitError`
  for specific uses, :class:`~greenmet.errors.InputError` for magnitudes), naming the field, the
  value, the range and its source;
- ``theoretical_low``: below the physical minimum (e.g. ~6.3 MWh/t for Hall-Heroult
  electrolysis) the result carries a warning: the data miss something (own generation, a flow
  left out) or a unit is wrong;
- ``typical_low`` / ``typical_high``: outside the range of real plants, a warning.

:func:`check_magnitudes` and :func:`check_specific_uses` raise; :func:`specific_use_warnings`
returns the warnings, which :func:`greenmet.carbon.compute` adds to the result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from greenmet.errors import InputError, SuspectUnitError
from greenmet.i18n import Message, label, unit_label
from greenmet.refdata import load_table
from greenmet.units import convert

if TYPE_CHECKING:
    from greenmet.carbon.activity import ActivityColumns, ActivityData

__all__ = [
    "Range",
    "SpecificUse",
    "check_magnitudes",
    "check_section_amount",
    "check_specific_uses",
    "plausibility_range",
    "specific_use_warning_counts",
    "specific_use_warnings",
    "specific_uses",
]

_SOLID_FUEL_ROLES = frozenset({"fuel", "reductant"})
_LABELS = "greenmet.carbon"  # message templates of the warnings


@dataclass(frozen=True)
class Range:
    """One row of ``plausibility_ranges``; bounds in ``unit``, NaN where the row has none."""

    check: str
    subject: str
    per: str
    theoretical_low: float
    typical_low: float
    typical_high: float
    refuse_above: float
    unit: str
    basis: str
    source: str
    needs_verification: bool

    def describe(self) -> str:
        """The range in words with its basis and source, for messages."""
        parts = []
        if math.isfinite(self.typical_low) and math.isfinite(self.typical_high):
            parts.append(f"typical {self.typical_low:g}-{self.typical_high:g} {self.unit}")
        if math.isfinite(self.theoretical_low):
            parts.append(f"theoretical minimum {self.theoretical_low:g} {self.unit}")
        parts.append(f"refused above {self.refuse_above:g} {self.unit}")
        flag = "; provisional source" if self.needs_verification else ""
        return f"{'; '.join(parts)} ({self.basis}; source: {self.source}{flag})"


@cache
def _factor(from_unit: str, to_unit: str) -> float:
    """Multiplier from ``from_unit`` to ``to_unit`` (cached: every validation repeats the units)."""
    return float(convert(1.0, from_unit, to_unit))


def _number(text: Any) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


@cache
def plausibility_range(check: str) -> Range:
    """The row ``check`` of the reference table ``plausibility_ranges``."""
    table = load_table("plausibility_ranges").set_index("check")
    row = table.loc[check]
    return Range(check=check, subject=str(row["subject"]), per=str(row["per"]),
                 theoretical_low=_number(row["theoretical_low"]), typical_low=_number(row["typical_low"]),
                 typical_high=_number(row["typical_high"]), refuse_above=float(str(row["refuse_above"])),
                 unit=str(row["unit"]), basis=str(row["basis"]), source=str(row["source"]),
                 needs_verification=bool(row["needs_verification"]))


def check_section_amount(value: float, field: str) -> float:
    """Refuse an amount of a method section (cbam, iso14404, lci) beyond any installation.

    Raises
    ------
    InputError
        ``value`` above the ``section_amount`` row (1e10 of t, TJ, MWh or t CO2e).
    """
    limit = plausibility_range("section_amount")
    if value > limit.refuse_above:
        raise InputError(f"{field} = {value:.3g} is beyond any installation", field=field, value=value,
                         fix=f"give the amount of one installation and period; {limit.describe()}")
    return value


def _years(activity: ActivityData) -> float:
    return max(1.0, activity.period.days / 365.25)


def check_magnitudes(activity: ActivityData) -> None:
    """Refuse flows, production and supplier factors no installation can have in its period.

    Every material, energy and production quantity is compared, in its reference unit, with the
    world's annual total of its kind (rows ``annual_*``, scaled by the length of the period in
    years); supplier emission factors with the most carbon-intensive generation
    (``electricity_emission_factor``, ``heat_emission_factor``).

    Raises
    ------
    InputError
        Naming the field (``materials[3].quantity``), the value, the limit with its basis and
        the fix.
    """
    from greenmet.carbon.activity import ENERGY_REFERENCE_UNITS, flow_quantity_ref, known_materials

    years = _years(activity)
    for index, flow in enumerate(activity.materials):
        unit_ref = known_materials()[flow.material].unit_ref
        check = "annual_gas_amount" if unit_ref.endswith("Nm3") else "annual_mass_flow"
        _limit(check, flow_quantity_ref(flow), unit_ref, years, f"materials[{index}].quantity",
               f"{flow.quantity:g} {flow.unit} of {flow.material}")
    for index, energy in enumerate(activity.energy):
        reference = ENERGY_REFERENCE_UNITS[energy.carrier]
        quantity = energy.quantity * _factor(energy.unit, reference)
        check = "annual_electricity" if energy.carrier == "electricity" else "annual_energy"
        _limit(check, quantity, reference, years, f"energy[{index}].quantity",
               f"{energy.quantity:g} {energy.unit} of {energy.carrier}")
        if energy.emission_factor is not None and energy.emission_factor_unit is not None:
            factor = energy.emission_factor * _factor(energy.emission_factor_unit, f"t/{reference}")
            _limit(f"{energy.carrier}_emission_factor", factor, f"t/{reference}", 1.0,
                   f"energy[{index}].emission_factor",
                   f"{energy.emission_factor:g} {energy.emission_factor_unit}")
    for index, product in enumerate(activity.production):
        quantity = product.quantity * _factor(product.unit, "t")
        _limit("annual_mass_flow", quantity, "t", years, f"production[{index}].quantity",
               f"{product.quantity:g} {product.unit} of {product.product}")


def _limit(check: str, value: float, unit: str, scale: float, field: str, given: str) -> None:
    limit = plausibility_range(check)
    ceiling = limit.refuse_above * _factor(limit.unit, unit) * scale
    if value > ceiling:
        raise InputError(
            f"{given} is more than any installation can have ({value:.3g} {unit} > {ceiling:.3g} {unit})",
            field=field, value=given,
            fix=f"check the number and its unit; {limit.basis} (source: {limit.source})")


@dataclass(frozen=True)
class SpecificUse:
    """A specific use of the activity data, e.g. MWh of electricity per tonne of aluminium."""

    range: Range
    value: float
    field: str
    product: str


def specific_uses(activity: ActivityData) -> list[SpecificUse]:
    """The specific uses of ``activity`` that have a row in ``plausibility_ranges``.

    - net purchased electricity per tonne of ``primary_aluminium`` (aluminium smelters) and per
      tonne of ``crude_steel`` (steel plants) [MWh/t];
    - solid fuel and reductant charged to the blast furnace (material flows in mass with
      ``process = "blast_furnace"`` and role fuel or reductant) per tonne of ``hot_metal`` [t/t].

    A use is left out when its product or its flows are not in the data: the blast-furnace
    fuel rate also when the plant makes its own coke (a flow in with ``process = "coking"``), as
    the coke the furnace burns is then not a flow of the data.
    """
    from greenmet.carbon.activity import flow_quantity_ref, known_materials

    produced = {p.product: p.quantity * _factor(p.unit, "t") for p in activity.production}
    uses: list[SpecificUse] = []
    electricity = sum(
        (1.0 if e.direction == "purchased" else -1.0) * e.quantity * _factor(e.unit, "MWh")
        for e in activity.energy if e.carrier == "electricity")
    has_electricity = any(e.carrier == "electricity" for e in activity.energy)
    product = {"aluminium": "primary_aluminium", "steel": "crude_steel"}[activity.installation.sector]
    if has_electricity and produced.get(product, 0.0) > 0:
        check = f"electricity_per_{product}"
        uses.append(SpecificUse(plausibility_range(check), electricity / produced[product],
                                "energy", product))
    reductants = [
        flow_quantity_ref(f) for f in activity.materials
        if f.direction == "in" and f.process == "blast_furnace" and f.role in _SOLID_FUEL_ROLES
        and known_materials()[f.material].unit_ref == "t"]
    # Coke made inside (coal charged to process "coking") is not a flow of the data: the furnace's
    # coke rate cannot be seen, and the coal injected alone would look like a fuel rate far too low.
    makes_coke = any(f.direction == "in" and f.process == "coking" for f in activity.materials)
    if reductants and produced.get("hot_metal", 0.0) > 0 and not makes_coke:
        uses.append(SpecificUse(plausibility_range("reductant_per_hot_metal"),
                                sum(reductants) / produced["hot_metal"], "materials", "hot_metal"))
    return uses


def check_specific_uses(activity: ActivityData) -> None:
    """Refuse a specific use above its ``refuse_above`` threshold.

    Raises
    ------
    SuspectUnitError
        Naming the flows, the specific use, the range with its source, and the likely unit
        mistake (kWh given as MWh, kg as t).
    """
    for use in specific_uses(activity):
        limit = use.range
        if use.value > limit.refuse_above:
            ratio = use.value / limit.typical_high if math.isfinite(limit.typical_high) else math.nan
            hint = (" (about 1000 times typical: kWh entered as MWh, or kg as t?)"
                    if 300 <= ratio <= 3000 else "")
            raise SuspectUnitError(
                f"{limit.subject} per t {use.product} is {use.value:.6g} {limit.unit}, physically "
                f"impossible{hint}",
                field=use.field, value=f"{use.value:.6g} {limit.unit}",
                fix=f"check the quantities and units of {use.field} and of the {use.product} production; "
                    f"{limit.describe()}")


def specific_use_warnings(activity: ActivityData) -> list[str]:
    """Warnings for specific uses below the physical minimum or outside the typical range.

    Each is a :class:`~greenmet.i18n.Message`: the English text quotes the table row's subject,
    basis and source; the Chinese text names the subject (label ``subject_<check>``) and points
    to the row of ``plausibility_ranges`` for basis and source.
    """
    warnings: list[str] = []
    for use in specific_uses(activity):
        limit = use.range
        common = {
            "subject": {"en": limit.subject, "zh": label(f"subject_{limit.check}", "zh", _LABELS)},
            "product": [use.product],
            "value": use.value,
            "unit": {language: unit_label(limit.unit, language, _LABELS) for language in ("en", "zh")},
            "description": {"en": limit.describe(), "zh": label("plausibility_row", "zh", _LABELS).format(
                check=limit.check)},
        }
        if math.isfinite(limit.theoretical_low) and use.value < limit.theoretical_low:
            warnings.append(Message("warn_below_theoretical_minimum", _LABELS, low=limit.theoretical_low,
                                    **common))
        elif (math.isfinite(limit.typical_low) and math.isfinite(limit.typical_high)
              and not limit.typical_low <= use.value <= limit.typical_high):
            warnings.append(Message("warn_outside_typical_range", _LABELS, low=limit.typical_low,
                                    high=limit.typical_high, **common))
    return warnings


def _warned(check: str, value: np.ndarray) -> np.ndarray:
    """True where ``value`` draws the warning of :func:`specific_use_warnings` for row ``check``."""
    limit = plausibility_range(check)
    with np.errstate(invalid="ignore"):
        if math.isfinite(limit.theoretical_low):
            below = value < limit.theoretical_low
        else:
            below = np.zeros(len(value), dtype=bool)
        if math.isfinite(limit.typical_low) and math.isfinite(limit.typical_high):
            outside = ~((limit.typical_low <= value) & (value <= limit.typical_high))
        else:
            outside = np.zeros(len(value), dtype=bool)
    return below | outside


def specific_use_warning_counts(tables: ActivityColumns) -> np.ndarray:
    """Number of :func:`specific_use_warnings` of each installation, from the long tables at once.

    The same uses and thresholds as :func:`specific_uses` and :func:`specific_use_warnings`,
    as numpy sums by installation over the tables of
    :func:`~greenmet.carbon.activity.activity_columns` (quantities already in reference units:
    MWh of electricity, t of products and of solid fuels); one count per row of
    ``tables.installations``, in its order.
    """
    from greenmet.carbon.cn_arrays import column, positions

    ids = column(tables.installations, "installation_id")
    index = pd.Index(ids, dtype=object)
    count = len(ids)
    sectors = column(tables.installations, "sector")
    production = tables.production
    products = column(production, "product")
    product_at = positions(column(production, "installation_id"), index)
    quantity_t = column(production, "quantity_t", float)

    def produced(name: str) -> np.ndarray:
        """Tonnes of ``name`` per installation (the last row, as the dict of specific_uses); NaN if none."""
        out = np.full(count, np.nan)
        rows = np.flatnonzero(products == name)
        out[product_at[rows]] = quantity_t[rows]  # later rows overwrite earlier ones
        return out

    counts = np.zeros(count, dtype=np.int64)
    energy = tables.energy
    electric = column(energy, "carrier") == "electricity"
    energy_at = positions(column(energy, "installation_id"), index)[electric]
    signed = np.where(column(energy, "direction")[electric] == "purchased", 1.0, -1.0)
    electricity = np.bincount(energy_at, signed * column(energy, "quantity_ref", float)[electric], count)
    has_electricity = np.bincount(energy_at, minlength=count) > 0
    for sector, product in (("aluminium", "primary_aluminium"), ("steel", "crude_steel")):
        made = produced(product)
        chosen = (sectors == sector) & has_electricity & (np.nan_to_num(made) > 0)
        if chosen.any():
            with np.errstate(divide="ignore", invalid="ignore"):
                value = electricity / made
            counts += chosen & _warned(f"electricity_per_{product}", value)
    flows = tables.flows
    flow_at = positions(column(flows, "installation_id"), index)
    incoming = column(flows, "direction") == "in"
    process = column(flows, "process")
    solid = (incoming & (process == "blast_furnace") & np.isin(column(flows, "role"), list(_SOLID_FUEL_ROLES))
             & (column(flows, "unit_ref") == "t"))
    reductant = np.bincount(flow_at[solid], column(flows, "quantity_ref", float)[solid], count)
    has_reductant = np.bincount(flow_at[solid], minlength=count) > 0
    makes_coke = np.bincount(flow_at[incoming & (process == "coking")], minlength=count) > 0
    hot_metal = produced("hot_metal")
    chosen = has_reductant & (np.nan_to_num(hot_metal) > 0) & ~makes_coke
    if chosen.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            value = reductant / hot_metal
        counts += chosen & _warned("reductant_per_hot_metal", value)
    return counts
