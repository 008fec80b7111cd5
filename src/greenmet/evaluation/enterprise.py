"""The enterprise file: what one enterprise reports for its green evaluation of one year.

Pydantic models with ``extra="forbid"`` (the base of the carbon activity models, so every input
error names the field path, the value and the fix). CEMS hours are a table beside the file
(:data:`greenmet.evaluation.cems.CEMS_COLUMNS`), read by :mod:`greenmet.io.evaluation_files`; the
carbon activity data may be given too, from which the scrap share and process energies are
derived (:mod:`greenmet.carbon.process_energy`).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from greenmet.carbon.activity import StrictModel
from greenmet.carbon.shares import OptionalShare
from greenmet.errors import InputError, UnitError
from greenmet.units import parse_unit

__all__ = [
    "CLEAN_TRANSPORT_MODES",
    "TRANSPORT_MODES",
    "CarbonFigures",
    "Enterprise",
    "GreenFactoryInputs",
    "ProcessRecord",
    "ResourceFigure",
    "Stack",
    "TransportVolume",
]

CLEAN_TRANSPORT_MODES: tuple[str, ...] = ("rail", "waterway", "pipeline", "tubular_belt", "closed_gallery")
"""Modes that count as clean transport (环大气〔2019〕35号: rail, waterway, pipeline, tubular belt
conveyor, closed gallery)."""
TRANSPORT_MODES: tuple[str, ...] = (*CLEAN_TRANSPORT_MODES, "road_new_energy", "road_china_vi", "road_other")

_ELECTRICAL = parse_unit("kWh")


def _finite(value: float, field: str, *, positive: bool = False) -> float:
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        what = "zero or negative" if positive else "negative"
        raise InputError(
            f"{field} is {what} or not finite",
            field=field,
            value=value,
            fix="give the annual figure"
            + (" (a production of zero has no per-tonne value)" if positive else ""),
        )
    return value


class ProcessRecord(StrictModel):
    """One process of the enterprise in the reporting year.

    Attributes
    ----------
    process
        Process key of the energy-limit standards (``blast_furnace``, ``bof``, ``eaf``, ``sintering``,
        ``aluminium_electrolysis`` …).
    variant
        Band or indicator (``70t_and_above``, ``liquid_ac_power``); ``all`` where the process has one.
    policy_variant
        Variant of the NDRC benchmark table if it differs (EAF: ``50t_and_above``); default ``variant``.
    production, production_unit
        Annual output of the process (a mass, > 0).
    energy, energy_unit
        Annual energy of the process except electricity, net of what it recovers (negative for a
        converter), in an energy unit that converts to kgce (``tce``, ``kgce``, ``GJ``); not kWh.
    electricity, electricity_unit
        Annual electricity of the process (``kWh``, ``MWh``), converted with the standard's factor.
    conditions
        Plant conditions for the corrections (``iron_ore_grade_percent``, ``scrap_ratio_percent``,
        ``steel_grade`` …).
    edition
        Force an edition of the standard (default: the one in force in the reporting year).
    """

    process: str
    variant: str = "all"
    policy_variant: str | None = None
    production: float
    production_unit: str = "t"
    energy: float | None = None
    energy_unit: str | None = None
    electricity: float | None = None
    electricity_unit: str = "kWh"
    conditions: dict[str, float | str] = Field(default_factory=dict)
    edition: str | None = None

    @field_validator("production")
    @classmethod
    def _production(cls, value: float) -> float:
        return _finite(value, "production", positive=True)

    @model_validator(mode="after")
    def _units(self) -> ProcessRecord:
        try:
            if parse_unit(self.production_unit).dimensionality != parse_unit("t").dimensionality:
                raise UnitError(
                    "production is not a mass",
                    field="production_unit",
                    value=self.production_unit,
                    fix="give the output in t",
                )
        except UnitError as exc:
            raise UnitError(
                exc.problem, field="production_unit", value=self.production_unit, fix="give t"
            ) from None
        if self.energy is not None:
            if not math.isfinite(self.energy):
                raise InputError(
                    "energy is not finite", field="energy", value=self.energy, fix="give the annual energy"
                )
            if self.energy_unit is None:
                raise InputError(
                    "energy given without energy_unit",
                    field="energy_unit",
                    value=None,
                    fix="add energy_unit: tce, kgce or GJ",
                )
            unit = parse_unit(self.energy_unit, field="energy_unit")
            if unit.dimensionality != parse_unit("kgce").dimensionality:
                raise UnitError(
                    f"energy in {self.energy_unit!r} does not convert to kgce",
                    field="energy_unit",
                    value=self.energy_unit,
                    fix="give the energy in tce, kgce or GJ",
                )
            if "watt_hour" in str(unit) or "watt * hour" in str(unit) or unit == _ELECTRICAL:
                raise UnitError(
                    "electricity goes in 'electricity', not in 'energy'",
                    field="energy_unit",
                    value=self.energy_unit,
                    fix="put kWh in electricity/electricity_unit: the standard converts it with its own "
                    "factor (0.1229 kgce/kWh), not the calorific unit conversion",
                )
        if self.electricity is not None:
            _finite(self.electricity, "electricity")
            if (
                parse_unit(self.electricity_unit, field="electricity_unit").dimensionality
                != _ELECTRICAL.dimensionality
            ):
                raise UnitError(
                    "electricity is not an energy",
                    field="electricity_unit",
                    value=self.electricity_unit,
                    fix="give kWh or MWh",
                )
        return self


class Stack(StrictModel):
    """A stack with CEMS: its id in the CEMS table, its kind of source, the rule that binds it."""

    stack_id: str
    source_kind: str
    regulation: str = "ULE steel"
    edition: str = "2019"


class TransportVolume(StrictModel):
    """Bulk materials and products moved in and out by one mode in the year [t]."""

    mode: Literal[
        "rail",
        "waterway",
        "pipeline",
        "tubular_belt",
        "closed_gallery",
        "road_new_energy",
        "road_china_vi",
        "road_other",
    ]
    mass_t: float

    @field_validator("mass_t")
    @classmethod
    def _mass(cls, value: float) -> float:
        return _finite(value, "mass_t")


class ResourceFigure(StrictModel):
    """One resource indicator of the enterprise (an indicator of table ``resource_benchmarks``)."""

    indicator: str
    value: float
    unit: str

    @field_validator("value")
    @classmethod
    def _value(cls, value: float) -> float:
        return _finite(value, "value")


class CarbonFigures(StrictModel):
    """Carbon intensity of the product for the labels.

    Attributes
    ----------
    intensity, intensity_unit
        Intensity on the labels' basis (t CO2e per t of crude steel or aluminium).
    production_t
        Output the intensity is per, for annual gaps.
    scrap_share
        Scrap share of the metallic charge (fraction or "23 %"); derived from the carbon activity
        data when left out.
    product_form
        ``flat`` or ``long`` (GSCC thresholds); None skips GSCC.
    """

    intensity: float
    intensity_unit: str = "t/t"
    production_t: float | None = None
    scrap_share: OptionalShare = None
    product_form: Literal["flat", "long"] | None = None

    @field_validator("intensity")
    @classmethod
    def _intensity(cls, value: float) -> float:
        return _finite(value, "intensity")


class GreenFactoryInputs(StrictModel):
    """Hard gates and extra quantitative figures of the green-factory score (GB/T 36132-2025)."""

    discharge_permit: bool
    no_major_accident_3_years: bool
    management_systems: bool
    figures: dict[str, float] = Field(default_factory=dict)


class Enterprise(StrictModel):
    """Everything one enterprise reports for one year's green evaluation."""

    schema_version: Literal[1] = 1
    id: str = Field(min_length=1)
    name: str
    sector: Literal["steel", "aluminium", "copper", "lead", "zinc", "nickel", "tin", "coking"]
    reporting_year: int
    province: str | None = None
    processes: list[ProcessRecord] = Field(default_factory=list)
    stacks: list[Stack] = Field(default_factory=list)
    transport: list[TransportVolume] = Field(default_factory=list)
    resources: list[ResourceFigure] = Field(default_factory=list)
    carbon: CarbonFigures | None = None
    green_factory: GreenFactoryInputs | None = None

    @model_validator(mode="after")
    def _checks(self) -> Enterprise:
        if not 1990 <= self.reporting_year <= 2100:
            raise InputError(
                "reporting year out of range",
                field="reporting_year",
                value=self.reporting_year,
                fix="give a calendar year such as 2026",
            )
        ids = [s.stack_id for s in self.stacks]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise InputError("stack listed twice", field="stacks", value=twice, fix="give each stack once")
        modes = [t.mode for t in self.transport]
        twice = sorted({m for m in modes if modes.count(m) > 1})
        if twice:
            raise InputError(
                "transport mode listed twice", field="transport", value=twice, fix="sum each mode once"
            )
        return self
