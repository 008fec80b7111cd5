"""Activity data of an installation and a period: the one input of every carbon method.

The models follow ``docs/dev/carbon_contract.md``. They are pydantic v2 models with
``extra="forbid"``; every check at construction raises a :mod:`greenmet.errors` class naming the
field (as a path such as ``materials[2].quantity``), the offending value and the fix:

- a negative, NaN or infinite quantity (:class:`~greenmet.errors.InputError`);
- a period whose end is before its start (:class:`~greenmet.errors.InputError`);
- a measured carbon content or oxidation factor outside [0, 1]
  (:class:`~greenmet.errors.CompositionError`);
- an NCV without its unit (:class:`~greenmet.errors.InputError`), or an NCV a factor of about
  1000 away from the default of the material (:class:`~greenmet.errors.SuspectUnitError`);
- a material that the ``materials`` reference table does not know
  (:class:`~greenmet.errors.UnknownKeyError`, listing close matches);
- a unit that does not convert to the material's reference unit
  (:class:`~greenmet.errors.UnitError`, saying in words what to give instead); a fuel metered
  in energy (natural gas in GJ) converts through its NCV (the measured ``ncv`` or the default of
  the ``materials`` table, named on the emission line), a gas kept in mass (oxygen, t) converts
  from Nm3 through its molar mass (table ``gas_molar_masses``);
- a share given as a bare number above 1 (:mod:`greenmet.carbon.shares`: give 0.94 or "94 %");
- a production quantity of zero (:class:`~greenmet.errors.InputError`);
- a reporting year outside the period (:class:`~greenmet.errors.InputError`);
- a quantity, supplier factor or specific use no installation can have
  (:mod:`greenmet.carbon.plausibility`: 1e300 t, 13,500,000 kWh/t aluminium).

:func:`normalise` turns the material flows into one long table in reference units, the table
every method joins with the factor tables; :func:`activity_frames` does the same for the energy
flows, the production and the aluminium-smelting data of one or many installations, which is
what makes batch computation vectorised (one join and one group-by over all installations).

Method-specific optional sections (``cbam``, ``lci``) are added to :class:`ActivityData` as one
optional field each, ``cbam: CbamInputs | None = None``, with the section model defined in a
module that does not import this one (so that there is no import cycle).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from functools import cache
from itertools import chain
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from greenmet.carbon.method_inputs import CbamInputs, Iso14404Inputs, LciInputs
from greenmet.carbon.options import ActivityOptions
from greenmet.carbon.plausibility import check_magnitudes, check_specific_uses, plausibility_range
from greenmet.carbon.shares import OptionalShare
from greenmet.errors import (
    CompositionError,
    GreenmetError,
    InputError,
    SuspectUnitError,
    UnitError,
    UnknownKeyError,
)
from greenmet.refdata import load_table
from greenmet.units import Q_, convert, parse_unit

__all__ = [
    "FLOW_COLUMNS",
    "ActivityColumns",
    "ActivityData",
    "ActivityFrames",
    "AluminiumSmelting",
    "EnergyFlow",
    "Installation",
    "MaterialFlow",
    "Period",
    "Production",
    "StrictModel",
    "activity_columns",
    "activity_frames",
    "flow_quantity_ref",
    "known_materials",
    "normalise",
]

FLOW_COLUMNS: tuple[str, ...] = (
    "installation_id", "material", "direction", "process", "role", "quantity_ref", "unit_ref",
    "carbon_content", "ncv_gj_per_unit", "oxidation_factor", "ncv_source",
)
"""Columns of the table returned by :func:`normalise` (carbon_contract.md)."""

ENERGY_COLUMNS: tuple[str, ...] = (
    "installation_id", "carrier", "direction", "quantity_ref", "unit_ref",
    "emission_factor_t_per_unit",
)
PRODUCTION_COLUMNS: tuple[str, ...] = ("installation_id", "product", "quantity_t", "cn_code")
INSTALLATION_COLUMNS: tuple[str, ...] = (
    "installation_id", "installation_name", "country", "province", "sector", "period_start",
    "period_end", "reporting_year",
)
ALUMINIUM_COLUMNS: tuple[str, ...] = (
    "installation_id", "technology", "anode_effect_frequency_per_day", "anode_effect_duration_min",
    "net_anode_consumption_t_per_t", "anode_sulphur", "anode_ash",
)

Role = Literal["fuel", "reductant", "flux", "electrode", "feedstock", "product", "by_product"]
"""What a material flow does in the process (carbon_contract.md)."""

# Reference units of energy carriers: what the grid and heat factor tables are expressed per.
ENERGY_REFERENCE_UNITS: dict[str, str] = {"electricity": "MWh", "heat": "GJ"}

# An NCV this many times away from the default (either way) is taken as a unit mistake.
_SUSPECT_NCV_RATIO = 30.0


class MaterialInfo(NamedTuple):
    """What the ``materials`` reference table says about one material key."""

    unit_ref: str
    category: str
    default_ncv_gj_per_unit: float  # NaN when the material has no NCV
    ncv_source: str = ""  # source of the default NCV
    molar_mass_g_per_mol: float = math.nan  # gases kept in mass (table gas_molar_masses)


@cache
def known_materials() -> dict[str, MaterialInfo]:
    """Material keys of the ``materials`` reference table with their reference unit.

    Returns
    -------
    dict
        ``{material: MaterialInfo(unit_ref, category, default_ncv_gj_per_unit)}``.
    """
    table = load_table("materials")
    molar = load_table("gas_molar_masses").set_index("material")
    info: dict[str, MaterialInfo] = {}
    for material, rows in table.groupby("material", sort=True):
        ncv_rows = rows[rows["parameter"] == "ncv"]
        # the edition-independent row first: it is the NCV that converts an energy to the unit
        ncv_rows = ncv_rows.sort_values("edition", key=lambda e: e != "any", kind="stable")
        ncv, source = math.nan, ""
        if len(ncv_rows):
            first = ncv_rows.iloc[0]
            ncv = float(convert(float(first["value"]), str(first["unit"]),
                                f"GJ/({first['unit_ref']})"))
            source = str(first["source"])
        molar_mass = math.nan
        if material in molar.index:
            row = molar.loc[material]
            molar_mass = float(convert(float(str(row["value"])), str(row["unit"]), "g/mol"))
        info[str(material)] = MaterialInfo(str(rows["unit_ref"].iloc[0]), str(rows["category"].iloc[0]), ncv,
                                           source, molar_mass)
    return info


_DIMENSION_WORDS = (
    ("t", "a mass (t, kg)"),
    ("Nm3", "a volume of gas at normal conditions (Nm3, 10^4 Nm3)"),
    ("GJ", "an energy (GJ, TJ, MWh)"),
    ("m3", "an actual volume (m3), which needs the temperature and pressure: give Nm3"),
)


@cache
def _in_words(unit: str) -> str:
    """What kind of quantity ``unit`` measures, in words (raises UnitError if it does not parse)."""
    dimension = parse_unit(unit, field="unit").dimensionality
    for example, words in _DIMENSION_WORDS:
        if parse_unit(example).dimensionality == dimension:
            return words
    return f"a quantity in {unit}"


@cache
def _is_energy(unit: str) -> bool:
    try:
        return parse_unit(unit).dimensionality == parse_unit("GJ").dimensionality
    except UnitError:
        return False


@cache
def _is_gas_amount(unit: str) -> bool:
    try:
        return parse_unit(unit).dimensionality == parse_unit("Nm3").dimensionality
    except UnitError:
        return False


def accepted_units(material: str) -> str:
    """What a flow of ``material`` may be given in, in words (for error messages)."""
    info = known_materials()[material]
    kinds = [_in_words(info.unit_ref)]
    if math.isfinite(info.molar_mass_g_per_mol):
        kinds.append(_in_words("Nm3"))
    if math.isfinite(info.default_ncv_gj_per_unit):
        kinds.append("an energy (GJ, TJ) through its NCV")
    listed = ", ".join(kinds[:-1]) + (" or " if len(kinds) > 1 else "") + kinds[-1]
    return f"give {material.replace('_', ' ')} as {listed}"


def _ncv_of(flow: MaterialFlow) -> tuple[float, str]:
    """NCV of ``flow`` in GJ per reference unit and where it comes from (measured or default)."""
    info = known_materials()[flow.material]
    if flow.ncv is not None and flow.ncv_unit is not None:
        return flow.ncv * _conversion(flow.ncv_unit, f"GJ/({info.unit_ref})", "ncv_unit"), "measured"
    return info.default_ncv_gj_per_unit, f"default, {info.ncv_source}"


def flow_quantity_ref(flow: MaterialFlow) -> float:
    """Quantity of ``flow`` in its material's reference unit.

    A unit of the reference unit's dimension converts directly; an energy (a fuel metered in GJ)
    is divided by the NCV (measured ``ncv`` or the ``materials`` default); a volume of gas at
    normal conditions of a material kept in mass (oxygen) is multiplied by its molar mass
    (``gas_molar_masses``) over the molar volume of ``Nm3`` (``units.txt``, CODATA 2018).
    """
    unit_ref = known_materials()[flow.material].unit_ref
    if _is_energy(flow.unit) and not _is_energy(unit_ref):
        ncv, _ = _ncv_of(flow)
        return flow.quantity * _conversion(flow.unit, "GJ", "unit") / ncv
    if _is_gas_amount(flow.unit) and not _is_gas_amount(unit_ref):
        molar_mass = known_materials()[flow.material].molar_mass_g_per_mol
        mass = Q_(flow.quantity, parse_unit(flow.unit)).to("mol").magnitude * molar_mass
        return float(mass) * _conversion("g", unit_ref, "unit")
    return flow.quantity * _conversion(flow.unit, unit_ref, "unit")


@cache
def _conversion(from_unit: str, to_unit: str, field: str) -> float:
    """Multiplier from ``from_unit`` to ``to_unit`` (cached: batches repeat the same units)."""
    return float(convert(1.0, from_unit, to_unit, field=field))


def _check_quantity(value: float, field: str, *, strictly_positive: bool = False) -> float:
    if not math.isfinite(value):
        raise InputError("quantity is not a finite number", field=field, value=value,
                         fix="give a measured number (leave the row out if there is no flow)")
    if value < 0:
        raise InputError("quantity is negative", field=field, value=value,
                         fix="give a positive quantity and say where it goes with 'direction'")
    if strictly_positive and value == 0:
        raise InputError("production is zero", field=field, value=value,
                         fix="give the output of the period, or leave the product out")
    return value


def _error_from_validation(exc: ValidationError) -> GreenmetError:
    """The greenmet error behind a pydantic ValidationError, with the field path in ``field``."""
    first = exc.errors()[0]
    path = ""
    for part in first["loc"]:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    original = first.get("ctx", {}).get("error")
    more = f" ({exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
    if isinstance(original, GreenmetError):
        field = path if original.field is None else (
            path if path.endswith(original.field) else f"{path}.{original.field}" if path else original.field)
        return type(original)(original.problem + more, field=field or None, value=original.value,
                              fix=original.fix, location=original.location)
    kind = first["type"]
    fix = {
        "missing": "add this field",
        "extra_forbidden": "remove this field or correct its spelling (see `greenmet carbon schema`)",
        "literal_error": "use one of the allowed values",
    }.get(kind, "give a value of the type the schema asks for (see `greenmet carbon schema`)")
    return InputError(str(first["msg"]) + more, field=path or None, value=first.get("input"), fix=fix)


class StrictModel(BaseModel):
    """Base of the activity models: no extra fields, greenmet errors instead of ValidationError.

    Other input models (the enterprise file of :mod:`greenmet.evaluation`) derive from it too, so
    that every input error has the one shape.
    """

    model_config = ConfigDict(extra="forbid", frozen=False)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _error_from_validation(exc) from None

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any):
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise _error_from_validation(exc) from None

    @classmethod
    def model_validate_json(cls, json_data: Any, *args: Any, **kwargs: Any):
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except ValidationError as exc:
            raise _error_from_validation(exc) from None


class Installation(StrictModel):
    """The installation (plant or enterprise) that reports.

    Attributes
    ----------
    id
        Unique id; the key of a batch.
    name
        Name shown in reports.
    country
        ISO 3166-1 alpha-2 code.
    province
        Province, for provincial or regional grid factors.
    sector
        ``"steel"`` or ``"aluminium"``.
    """

    id: str = Field(min_length=1)
    name: str
    country: str = "CN"
    province: str | None = None
    sector: Literal["steel", "aluminium"]


class Period(StrictModel):
    """The reporting period, both ends inclusive."""

    start: date
    end: date

    @model_validator(mode="after")
    def _end_after_start(self) -> Period:
        if self.end < self.start:
            raise InputError("period has zero or negative length: end is before start", field="end",
                             value=self.end.isoformat(),
                             fix=f"give an end on or after the start {self.start.isoformat()} "
                                 "(both ends are inclusive)")
        return self

    @property
    def days(self) -> int:
        """Length of the period in days, both ends included. [d]"""
        return (self.end - self.start).days + 1


class MaterialFlow(StrictModel):
    """A material crossing the boundary of the installation in the period.

    Attributes
    ----------
    material
        Key of the ``materials`` reference table.
    direction
        ``"in"`` (consumed, purchased) or ``"out"`` (sold, exported, product).
    quantity
        Amount in ``unit``; zero or more, finite.
    unit
        Any unit convertible to the material's reference unit.
    process
        The process that consumes or releases the flow (``"blast_furnace"``, ``"eaf"`` …).
    role
        ``"fuel"``, ``"reductant"``, ``"flux"``, ``"electrode"``, ``"feedstock"``, ``"product"``,
        ``"by_product"``.
    carbon_content
        Measured carbon content, overriding the default: a mass fraction (t C per t) for
        materials measured in mass, t C per reference unit for gases.
    ncv
        Measured net calorific value, overriding the default, in ``ncv_unit``.
    ncv_unit
        Unit of ``ncv`` (``"GJ/t"``, ``"GJ/1e4 Nm3"``); required with ``ncv``.
    oxidation_factor
        Measured oxidation factor in [0, 1], overriding the default.
    """

    material: str
    direction: Literal["in", "out"]
    quantity: float
    unit: str
    process: str | None = None
    role: Role | None = None
    carbon_content: float | None = None
    ncv: float | None = None
    ncv_unit: str | None = None
    oxidation_factor: OptionalShare = None

    @field_validator("material")
    @classmethod
    def _known_material(cls, material: str) -> str:
        known = known_materials()
        if material not in known:
            close = difflib.get_close_matches(material, list(known), n=3, cutoff=0.6)
            hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
            raise UnknownKeyError(
                "material not in reference table 'materials'", field="material", value=material,
                fix=f"{hint}use a key of the 'materials' table (docs/nomenclature/carbon.md) "
                    f"such as {', '.join(sorted(known)[:8])} …",
            )
        return material

    @field_validator("quantity")
    @classmethod
    def _quantity(cls, quantity: float) -> float:
        return _check_quantity(quantity, "quantity")

    @model_validator(mode="after")
    def _units_and_measurements(self) -> MaterialFlow:
        info = known_materials()[self.material]
        self._check_unit(info)
        if self.carbon_content is not None:
            value = self.carbon_content
            if parse_unit(info.unit_ref).dimensionality == parse_unit("t").dimensionality:
                if not math.isfinite(value) or not 0.0 <= value <= 1.0:
                    raise CompositionError(
                        "carbon content outside [0, 1]", field="carbon_content", value=value,
                        fix="give a mass fraction t C / t, e.g. 0.86 for 86 % carbon")
            elif not math.isfinite(value) or value < 0:
                raise InputError("carbon content is negative or not finite", field="carbon_content",
                                 value=value, fix=f"give t C per {info.unit_ref}")
        if self.ncv is not None:
            if self.ncv_unit is None:
                raise InputError("ncv given without ncv_unit", field="ncv_unit", value=None,
                                 fix="add ncv_unit, e.g. 'GJ/t' or 'GJ/1e4 Nm3'")
            if not math.isfinite(self.ncv) or self.ncv <= 0:
                raise InputError("ncv is not a positive finite number", field="ncv", value=self.ncv,
                                 fix="give the measured net calorific value")
            ncv_ref = self.ncv * _conversion(self.ncv_unit, f"GJ/({info.unit_ref})", "ncv_unit")
            default = info.default_ncv_gj_per_unit
            if math.isfinite(default) and not (
                    default / _SUSPECT_NCV_RATIO <= ncv_ref <= default * _SUSPECT_NCV_RATIO):
                ratio = ncv_ref / default
                raise SuspectUnitError(
                    f"ncv is {ratio:.3g} times the default {default:g} GJ/{info.unit_ref} of "
                    f"{self.material}; did you give MJ/kg or kJ/kg as GJ/t, or MJ as GJ?",
                    field="ncv", value=f"{self.ncv} {self.ncv_unit}",
                    fix="check the unit of the laboratory report and put it in ncv_unit",
                )
        elif self.ncv_unit is not None:
            _conversion(self.ncv_unit, f"GJ/({info.unit_ref})", "ncv_unit")
        return self

    def _check_unit(self, info: MaterialInfo) -> None:
        try:
            _in_words(self.unit)  # cached parse
        except UnitError as exc:
            raise UnitError(exc.problem, field="unit", value=self.unit,
                            fix=accepted_units(self.material)) from None
        if _is_energy(self.unit) and math.isfinite(info.default_ncv_gj_per_unit):
            return  # converted through the NCV (flow_quantity_ref)
        if _is_gas_amount(self.unit) and math.isfinite(info.molar_mass_g_per_mol):
            return  # converted through the molar mass (flow_quantity_ref)
        try:
            _conversion(self.unit, info.unit_ref, "unit")
        except UnitError:
            raise UnitError(
                f"{self.material} cannot be converted from {self.unit!r} ({_in_words(self.unit)}) to its "
                f"reference unit {info.unit_ref!r} ({_in_words(info.unit_ref)})",
                field="unit", value=self.unit, fix=accepted_units(self.material)) from None


class EnergyFlow(StrictModel):
    """Electricity or heat bought or sold across the boundary.

    Attributes
    ----------
    carrier
        ``"electricity"`` or ``"heat"``.
    direction
        ``"purchased"`` or ``"sold"``.
    quantity
        Amount in ``unit`` (electricity in an energy unit such as MWh or kWh; heat in GJ: steam
        in tonnes needs its enthalpy, so give GJ).
    unit
        Unit of ``quantity``.
    emission_factor
        Supplier-specific factor that overrides the grid or heat default, in
        ``emission_factor_unit`` (``"t/MWh"``, ``"kg/kWh"``, ``"t/GJ"``).
    emission_factor_unit
        Unit of ``emission_factor``; required with it.
    process
        The process that uses (or, sold, recovers) the energy (``"eaf"``, ``"blast_furnace"`` …);
        optional for carbon accounting, needed for process energies
        (:mod:`greenmet.carbon.process_energy`). A site splits its electricity into one row per
        process.
    """

    carrier: Literal["electricity", "heat"]
    direction: Literal["purchased", "sold"]
    quantity: float
    unit: str
    emission_factor: float | None = None
    emission_factor_unit: str | None = None
    process: str | None = None

    @field_validator("quantity")
    @classmethod
    def _quantity(cls, quantity: float) -> float:
        return _check_quantity(quantity, "quantity")

    @model_validator(mode="after")
    def _units(self) -> EnergyFlow:
        reference = ENERGY_REFERENCE_UNITS[self.carrier]
        try:
            _conversion(self.unit, reference, "unit")
        except UnitError:
            extra = " (for steam give the heat in GJ, not tonnes)" if self.carrier == "heat" else ""
            try:
                given = f" ({_in_words(self.unit)})"
            except UnitError:
                given = ""
            raise UnitError(f"{self.carrier} cannot be given in {self.unit!r}{given}", field="unit",
                            value=self.unit,
                            fix=f"give {self.carrier} as an energy (MWh, kWh, GJ){extra}") from None
        if self.emission_factor is not None:
            if not math.isfinite(self.emission_factor) or self.emission_factor < 0:
                raise InputError("emission factor is negative or not finite", field="emission_factor",
                                 value=self.emission_factor, fix="give the supplier's factor, zero or more")
            if self.emission_factor_unit is None:
                raise InputError("emission_factor given without emission_factor_unit",
                                 field="emission_factor_unit", value=None,
                                 fix=f"add emission_factor_unit, e.g. 't/{reference}'")
            _conversion(self.emission_factor_unit, f"t/{reference}", "emission_factor_unit")
        return self


class Production(StrictModel):
    """Output of one product in the period (the denominator of intensities).

    Attributes
    ----------
    product
        Product key (``"crude_steel"``, ``"hot_metal"``, ``"primary_aluminium"`` …).
    quantity
        Output in ``unit``; strictly positive.
    unit
        A mass unit.
    cn_code
        Combined Nomenclature code for CBAM goods (``"7208"``, ``"7601"``).
    """

    product: str = Field(min_length=1)
    quantity: float
    unit: str = "t"
    cn_code: str | None = None

    @field_validator("quantity")
    @classmethod
    def _quantity(cls, quantity: float) -> float:
        return _check_quantity(quantity, "quantity", strictly_positive=True)

    @field_validator("unit")
    @classmethod
    def _mass_unit(cls, unit: str) -> str:
        _conversion(unit, "t", "unit")
        return unit


class AluminiumSmelting(StrictModel):
    """Electrolysis data of a primary aluminium smelter (anode and anode effects).

    Attributes
    ----------
    technology
        Cell technology: ``"CWPB"``, ``"SWPB"``, ``"VSS"``, ``"HSS"``, ``"PFPB-L"``, ``"PFPB-M"``.
    anode_effect_frequency
        Anode effects per cell-day. [1/d]
    anode_effect_duration
        Mean duration of an anode effect. [min]
    net_anode_consumption
        Net carbon anode consumed per tonne of aluminium. [t/t]
    anode_sulphur
        Sulphur mass fraction of the anode; default from the reference table. [dimensionless]
    anode_ash
        Ash mass fraction of the anode; default from the reference table. [dimensionless]
    """

    technology: Literal["CWPB", "SWPB", "VSS", "HSS", "PFPB-L", "PFPB-M"]
    anode_effect_frequency: float
    anode_effect_duration: float
    net_anode_consumption: float
    anode_sulphur: OptionalShare = None
    anode_ash: OptionalShare = None

    @field_validator("anode_effect_frequency", "anode_effect_duration")
    @classmethod
    def _non_negative(cls, value: float) -> float:
        return _check_quantity(value, "anode effect")

    @field_validator("net_anode_consumption")
    @classmethod
    def _anode(cls, value: float) -> float:
        _check_quantity(value, "net_anode_consumption")
        if value > 2.0:
            raise SuspectUnitError(
                "net anode consumption above 2 t per t Al", field="net_anode_consumption", value=value,
                fix="give tonnes of anode per tonne of aluminium (about 0.4); "
                    "a figure near 400 is kg/t: divide by 1000")
        return value

    @model_validator(mode="after")
    def _anode_effect_minutes(self) -> AluminiumSmelting:
        limit = plausibility_range("anode_effect_minutes")
        if self.anode_effect_minutes > limit.refuse_above:
            raise InputError(
                f"anode-effect minutes per cell-day {self.anode_effect_minutes:.4g} exceed the "
                f"{limit.refuse_above:g} minutes of a day", field="anode_effect_frequency",
                value=f"{self.anode_effect_frequency:g} x {self.anode_effect_duration:g} min",
                fix="give anode effects per cell-day (e.g. 0.03) and their mean duration in minutes "
                    "(e.g. 2.5); " + limit.describe())
        return self

    @property
    def anode_effect_minutes(self) -> float:
        """Anode-effect minutes per cell-day, AEM = frequency × duration. [min/d]"""
        return self.anode_effect_frequency * self.anode_effect_duration


class ActivityData(StrictModel):
    """All activity data of one installation for one period.

    Attributes
    ----------
    schema_version
        Version of this schema (1).
    installation
        Who reports.
    period
        Reporting period.
    reporting_year
        Year that selects year-indexed factors (grid factors); default the year of the start.
    materials
        Material flows across the boundary.
    energy
        Electricity and heat bought and sold.
    production
        Output by product.
    aluminium
        Electrolysis data; needed by ``cn-aluminium``.
    iso14404
        Route, DRI route and sold slag/CO2 for ``iso14404`` (:mod:`greenmet.carbon.method_inputs`).
    cbam
        Production processes, goods and precursors for ``cbam``.
    lci
        Products with recycling parameters for ``lci``.
    options
        Method options the file asks for (edition, GWP set, grid factor …;
        :mod:`greenmet.carbon.options`); command-line flags and keywords override them.
    """

    schema_version: Literal[1] = 1
    installation: Installation
    period: Period
    reporting_year: int | None = None
    materials: list[MaterialFlow] = Field(default_factory=list)
    energy: list[EnergyFlow] = Field(default_factory=list)
    production: list[Production] = Field(default_factory=list)
    aluminium: AluminiumSmelting | None = None
    iso14404: Iso14404Inputs | None = None
    cbam: CbamInputs | None = None
    lci: LciInputs | None = None
    options: ActivityOptions | None = None

    @model_validator(mode="before")
    @classmethod
    def _material_keys_with_their_row(cls, data: Any) -> Any:
        # The same check as MaterialFlow's, done here too so the error names the row
        # (``materials[3].material``): pydantic does not add the path to a KeyError.
        rows = data.get("materials") if isinstance(data, dict) else None
        if isinstance(rows, list):
            for index, row in enumerate(rows):
                material = row.get("material") if isinstance(row, dict) else None
                if isinstance(material, str):
                    try:
                        MaterialFlow._known_material(material)
                    except UnknownKeyError as exc:
                        raise UnknownKeyError(exc.problem, field=f"materials[{index}].material",
                                              value=exc.value, fix=exc.fix) from None
        return data

    @model_validator(mode="after")
    def _defaults_and_cross_checks(self) -> ActivityData:
        if self.reporting_year is None:
            self.reporting_year = self.period.start.year
        if not 1990 <= self.reporting_year <= 2100:
            raise InputError("reporting year out of range", field="reporting_year",
                             value=self.reporting_year, fix="give a calendar year such as 2024")
        first, last = self.period.start.year, self.period.end.year
        if not first <= self.reporting_year <= last:
            span = str(first) if first == last else f"{first} to {last}"
            raise InputError(
                f"reporting year {self.reporting_year} is outside the period "
                f"{self.period.start.isoformat()} to {self.period.end.isoformat()}",
                field="reporting_year", value=self.reporting_year,
                fix=f"give a year of the period ({span}) or leave reporting_year out (default: "
                    f"the year the period starts); a later grid-factor year is an option of the method")
        products = [p.product for p in self.production]
        duplicates = sorted({p for p in products if products.count(p) > 1})
        if duplicates:
            raise InputError("product listed twice in production", field="production",
                             value=duplicates, fix="give one row per product (sum the outputs)")
        check_magnitudes(self)
        check_specific_uses(self)
        return self

    @property
    def year(self) -> int:
        """The reporting year (never None after validation)."""
        return self.reporting_year if self.reporting_year is not None else self.period.start.year


class ActivityFrames(NamedTuple):
    """Long tables of one or many installations, in reference units.

    Attributes
    ----------
    installations
        One row per installation (:data:`INSTALLATION_COLUMNS`).
    flows
        One row per material flow (:data:`FLOW_COLUMNS`).
    energy
        One row per energy flow (:data:`ENERGY_COLUMNS`); quantities in MWh (electricity) or GJ
        (heat), supplier factors in t CO2 per that unit.
    production
        One row per product (:data:`PRODUCTION_COLUMNS`), in tonnes.
    aluminium
        One row per smelter with electrolysis data (:data:`ALUMINIUM_COLUMNS`).
    """

    installations: pd.DataFrame
    flows: pd.DataFrame
    energy: pd.DataFrame
    production: pd.DataFrame
    aluminium: pd.DataFrame


def normalise(activity: ActivityData) -> pd.DataFrame:
    """The material flows of ``activity`` as one long table in reference units.

    Parameters
    ----------
    activity
        Validated activity data.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FLOW_COLUMNS`: ``quantity_ref`` in ``unit_ref`` (the material's reference
        unit), measured ``carbon_content``, ``ncv_gj_per_unit`` (GJ per reference unit) and
        ``oxidation_factor`` where given, NaN otherwise.
    """
    return activity_frames([activity]).flows


def _flow_row(key: str, flow: MaterialFlow) -> tuple[Any, ...]:
    """One row of the flows table (:data:`FLOW_COLUMNS`), every conversion spelled out."""
    unit_ref = known_materials()[flow.material].unit_ref
    ncv, ncv_source = math.nan, None
    if flow.ncv is not None and flow.ncv_unit is not None:
        ncv = flow.ncv * _conversion(flow.ncv_unit, f"GJ/({unit_ref})", "ncv_unit")
    if _is_energy(flow.unit) and not _is_energy(unit_ref):
        # Metered in energy: the NCV that turned GJ into the reference unit is the NCV of
        # the emission, so that the emission is the energy given times carbon per GJ.
        ncv, origin = _ncv_of(flow)
        ncv_source = (f"quantity given as {flow.quantity:g} {flow.unit}, converted with NCV "
                      f"{ncv:g} GJ/{unit_ref} ({origin})")
    return (
        key, flow.material, flow.direction, flow.process, flow.role,
        flow_quantity_ref(flow), unit_ref,
        math.nan if flow.carbon_content is None else flow.carbon_content, ncv,
        math.nan if flow.oxidation_factor is None else flow.oxidation_factor, ncv_source,
    )


@cache
def _linear_factor(material: str, unit: str) -> float:
    """Multiplier from ``unit`` to ``material``'s reference unit; NaN where the conversion goes
    through an NCV (energy) or a molar mass (gas volume), which :func:`_flow_row` handles."""
    unit_ref = known_materials()[material].unit_ref
    if (_is_energy(unit) and not _is_energy(unit_ref)) or (
            _is_gas_amount(unit) and not _is_gas_amount(unit_ref)):
        return math.nan
    return _conversion(unit, unit_ref, "unit")


def _field_columns(models: list[Any], model: type[BaseModel]) -> dict[str, np.ndarray]:
    """The fields of ``models`` (instances of ``model``) as object columns, in one C-level pass.

    A validated pydantic model keeps its fields in ``__dict__`` in the order of ``model_fields``:
    the values of all models are chained into one flat array and reshaped, instead of a Python
    attribute read per field and model.
    """
    names = list(model.model_fields)
    dicts: Iterable[dict[str, Any]] = map(vars, models)  # the instance dicts
    flat = np.fromiter(chain.from_iterable(map(dict.values, dicts)), dtype=object)
    if len(flat) != len(models) * len(names) or any(list(vars(m)) != names for m in models[:1]):
        return {name: np.array([getattr(m, name) for m in models], dtype=object) for name in names}
    table = flat.reshape(len(models), len(names))
    return {name: np.ascontiguousarray(table[:, index]) for index, name in enumerate(names)}


def _multipliers(first: np.ndarray, second: np.ndarray,
                 multiplier: Callable[[Any, Any], float]) -> np.ndarray:
    """``multiplier(first[i], second[i])`` of every row, called once per distinct pair."""
    first_codes, _ = pd.factorize(first)
    second_codes, second_uniques = pd.factorize(second)
    pairs = pd.factorize(first_codes * max(len(second_uniques), 1) + second_codes)[0]
    seen = np.maximum.accumulate(pairs)  # pairs numbered by first appearance
    heads = np.flatnonzero(np.concatenate([[True], pairs[1:] > seen[:-1]]))
    return np.array([multiplier(first[row], second[row]) for row in heads.tolist()], dtype=float)[pairs]


def _installation_columns(items: Sequence[ActivityData]) -> dict[str, np.ndarray]:
    """The installations table (:data:`INSTALLATION_COLUMNS`) columnar."""
    if not items:
        return _columns([], INSTALLATION_COLUMNS)
    installation = _field_columns([activity.installation for activity in items], Installation)
    period = _field_columns([activity.period for activity in items], Period)
    return {
        "installation_id": installation["id"], "installation_name": installation["name"],
        "country": installation["country"], "province": installation["province"],
        "sector": installation["sector"], "period_start": period["start"], "period_end": period["end"],
        "reporting_year": np.array([activity.year for activity in items], dtype=np.int64),
    }


def _energy_columns(items: Sequence[ActivityData], ids: np.ndarray) -> dict[str, np.ndarray]:
    """The energy table (:data:`ENERGY_COLUMNS`) columnar: quantities in MWh (electricity) or GJ
    (heat) with one multiplier per carrier and unit; supplier factors converted per flow."""
    flows = list(chain.from_iterable(activity.energy for activity in items))
    floats = ("quantity_ref", "emission_factor_t_per_unit")
    if not flows:
        return _columns([], ENERGY_COLUMNS, floats)
    fields = _field_columns(flows, EnergyFlow)
    carrier_codes, carriers = pd.factorize(fields["carrier"])
    reference = np.array([ENERGY_REFERENCE_UNITS[c] for c in carriers], dtype=object)[carrier_codes]
    factor = np.full(len(flows), math.nan)
    for row in np.flatnonzero(fields["emission_factor"] != None).tolist():  # noqa: E711 (elementwise)
        flow = flows[row]
        if flow.emission_factor is not None and flow.emission_factor_unit is not None:
            factor[row] = flow.emission_factor * _conversion(flow.emission_factor_unit, f"t/{reference[row]}",
                                                             "emission_factor_unit")
    return {
        "installation_id": np.repeat(ids, [len(activity.energy) for activity in items]),
        "carrier": fields["carrier"], "direction": fields["direction"],
        "quantity_ref": fields["quantity"].astype(float) * _multipliers(
            fields["unit"], reference, lambda unit, ref: _conversion(unit, ref, "unit")),
        "unit_ref": reference, "emission_factor_t_per_unit": factor,
    }


def _production_columns(items: Sequence[ActivityData], ids: np.ndarray) -> dict[str, np.ndarray]:
    """The production table (:data:`PRODUCTION_COLUMNS`) columnar, in tonnes."""
    products = list(chain.from_iterable(activity.production for activity in items))
    if not products:
        return _columns([], PRODUCTION_COLUMNS, ("quantity_t",))
    fields = _field_columns(products, Production)
    tonnes = np.full(len(products), "t", dtype=object)
    return {
        "installation_id": np.repeat(ids, [len(activity.production) for activity in items]),
        "product": fields["product"],
        "quantity_t": fields["quantity"].astype(float) * _multipliers(
            fields["unit"], tonnes, lambda unit, ref: _conversion(unit, ref, "unit")),
        "cn_code": fields["cn_code"],
    }


def _flow_columns(items: Sequence[ActivityData], ids: np.ndarray) -> dict[str, np.ndarray]:
    """The flows table of ``items`` in one columnar pass (:func:`_field_columns`).

    A flow in a unit of its reference unit's dimension without a measured NCV converts with one
    multiplier per (material, unit), applied to the column; flows metered in energy or gas
    volume, or with a measured NCV, take :func:`_flow_row` (the same conversions per flow).
    """
    flows = list(chain.from_iterable(activity.materials for activity in items))
    if not flows:
        return _columns([], FLOW_COLUMNS, _FLOW_FLOATS)
    fields = _field_columns(flows, MaterialFlow)
    material = fields["material"]
    codes, uniques = pd.factorize(material)
    factors = _multipliers(material, fields["unit"], _linear_factor)
    materials = known_materials()
    ncv_given = fields["ncv"].astype(float)
    columns: dict[str, np.ndarray] = {
        "installation_id": np.repeat(ids, [len(activity.materials) for activity in items]),
        "material": material,
        "direction": fields["direction"],
        "process": fields["process"],
        "role": fields["role"],
        "quantity_ref": fields["quantity"].astype(float) * factors,
        "unit_ref": np.array([materials[m].unit_ref for m in uniques], dtype=object)[codes],
        "carbon_content": fields["carbon_content"].astype(float),
        "ncv_gj_per_unit": np.full(len(flows), math.nan),
        "oxidation_factor": fields["oxidation_factor"].astype(float),
        "ncv_source": np.full(len(flows), None, dtype=object),
    }
    for row in np.flatnonzero(np.isnan(factors) | ~np.isnan(ncv_given)).tolist():
        for name, value in zip(FLOW_COLUMNS, _flow_row(columns["installation_id"][row], flows[row]),
                               strict=True):
            columns[name][row] = value
    return columns


def activity_frames(activities: ActivityData | Iterable[ActivityData]) -> ActivityFrames:
    """The long tables of one or many installations, ready for the vectorised methods.

    The same tables as :func:`activity_columns`, as DataFrames.

    Parameters
    ----------
    activities
        One :class:`ActivityData` or an iterable of them (installation ids must be unique).

    Returns
    -------
    ActivityFrames
        The installations, flows, energy, production and aluminium tables.

    Raises
    ------
    InputError
        If two activities share an installation id.
    """
    return ActivityFrames(*_tables(activities, _frame))


def _tables(activities: ActivityData | Iterable[ActivityData], build: Any) -> tuple[Any, ...]:
    """The five tables of ``activities``, each made by ``build(rows, columns, floats)``."""
    items: Sequence[ActivityData] = [activities] if isinstance(activities, ActivityData) else list(activities)
    ids = [a.installation.id for a in items]
    if len(set(ids)) != len(ids):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        raise InputError("installation id used twice in one batch", field="installation.id",
                         value=duplicates, fix="give every installation-period its own id")
    aluminium = []
    for activity in items:
        if activity.aluminium is not None:
            al = activity.aluminium
            aluminium.append((activity.installation.id, al.technology, al.anode_effect_frequency,
                              al.anode_effect_duration, al.net_anode_consumption,
                              math.nan if al.anode_sulphur is None else al.anode_sulphur,
                              math.nan if al.anode_ash is None else al.anode_ash))
    id_array = np.array(ids, dtype=object)
    return (
        build(_installation_columns(items), INSTALLATION_COLUMNS),
        build(_flow_columns(items, id_array), FLOW_COLUMNS),
        build(_energy_columns(items, id_array), ENERGY_COLUMNS),
        build(_production_columns(items, id_array), PRODUCTION_COLUMNS),
        build(aluminium, ALUMINIUM_COLUMNS, floats=ALUMINIUM_COLUMNS[2:]),
    )


class ActivityColumns(NamedTuple):
    """The tables of :class:`ActivityFrames` as dicts of numpy arrays (column name → array)."""

    installations: dict[str, np.ndarray]
    flows: dict[str, np.ndarray]
    energy: dict[str, np.ndarray]
    production: dict[str, np.ndarray]
    aluminium: dict[str, np.ndarray]


def activity_columns(activities: ActivityData | Iterable[ActivityData]) -> ActivityColumns:
    """The tables of :func:`activity_frames` as dicts of numpy arrays (no DataFrame).

    For code that works on arrays (:mod:`greenmet.carbon.cn_arrays`): building five DataFrames
    costs more than computing one installation.
    """
    return ActivityColumns(*_tables(activities, _columns))


_FLOW_FLOATS = ("quantity_ref", "carbon_content", "ncv_gj_per_unit", "oxidation_factor")


def _frame(rows: list[tuple[Any, ...]] | dict[str, np.ndarray], columns: Sequence[str],
           floats: Sequence[str] = ()) -> pd.DataFrame:
    return pd.DataFrame(_columns(rows, columns, floats), columns=list(columns))


def _columns(rows: list[tuple[Any, ...]] | dict[str, np.ndarray], columns: Sequence[str],
             floats: Sequence[str] = ()) -> dict[str, np.ndarray]:
    """Rows as one numpy array per column: float columns as float, whole numbers as int64, others
    object (columns already built, a dict, are passed through)."""
    if isinstance(rows, dict):
        return rows
    if not rows:
        return {name: np.empty(0, dtype=float if name in floats else object) for name in columns}
    table = np.empty((len(rows), len(columns)), dtype=object)
    table[:] = rows
    data: dict[str, np.ndarray] = {}
    for index, name in enumerate(columns):
        values = table[:, index]
        if name in floats:
            data[name] = values.astype(float)
        elif type(values[0]) is int:
            data[name] = values.astype(np.int64)
        else:
            data[name] = values
    return data
