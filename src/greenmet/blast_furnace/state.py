"""The furnace state (everything a calculation sheet needs) and the calculation sheet itself.

:class:`FurnaceState` is a validated pydantic model: a missing quantity, NaN or infinity, a value
beyond the range any blast furnace reaches (1e300), a composition that does not sum to 100 %
within :data:`COMPOSITION_TOLERANCE`, a value that looks like another unit (the guards of
:mod:`greenmet.blast_furnace._guards`, shared with the functions), or an oxygen enrichment above
the physical limit is refused with an error naming the quantity, the value and the fix.
:func:`calculation_sheet` computes the sheet for one state;
:func:`calculation_sheet_frame` computes the same quantities for many states at once (one row
per state, columns as produced by :func:`state_to_columns`), with the same functions working on
whole columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from greenmet.blast_furnace import (
    _guards,
    flame_temperature,
    gas,
    heat_balance,
    indices,
    mass_balance,
    operating_line,
    thermal_state,
    what_if,
)
from greenmet.blast_furnace._common import MOLAR_VOLUME_NM3_PER_KMOL
from greenmet.errors import CompositionError, GreenmetError, InputError
from greenmet.i18n import check_language, label

__all__ = [
    "BALANCE_TOLERANCE",
    "COMPOSITION_TOLERANCE",
    "SHEET_COLUMNS",
    "SHEET_QUANTITIES",
    "BurdenMaterial",
    "CalculationSheet",
    "FurnaceState",
    "calculation_sheet",
    "calculation_sheet_frame",
    "calculation_sheet_values",
    "state_from_mapping",
    "state_to_columns",
]

COMPOSITION_TOLERANCE = 1.5
"""Largest accepted |Σ analysis − 100| of a composition, in percentage points: chemical analyses
of burden and slag are rarely complete (minor oxides, loss on ignition), 1.5 points is what a
laboratory report usually leaves unexplained."""

BALANCE_TOLERANCE = 0.05
"""Largest |relative residual| of a component balance before it is flagged (5 %): analyses of
minor components (S, P, MgO) and weighed burden rates rarely agree better on a daily basis."""

_PKG = "greenmet.blast_furnace"
_M = mass_balance.MOLAR_MASS


def _check_composition(analysis: Mapping[str, float], what: str, *, required: tuple[str, ...] = ()
                       ) -> None:
    for key in required:
        if key not in analysis:
            raise InputError(f"{what} analysis lacks {key}", field=f"{what}.{key}",
                             fix=f"add {key} in percent to the {what} analysis")
    for key, value in analysis.items():
        if not 0 <= value <= 100:  # also NaN
            raise CompositionError("content outside 0–100 %", field=f"{what}.{key}", value=value,
                                   fix="give contents in mass or volume percent")
    total = sum(analysis.values())
    if abs(total - 100.0) > COMPOSITION_TOLERANCE:
        raise CompositionError(
            f"{what} analysis sums to {total:.2f} %, not 100 ± {COMPOSITION_TOLERANCE} %",
            field=what, value=round(total, 3),
            fix="complete the analysis (add an 'other' entry for the unanalysed rest) or correct the "
                "contents; fractions must be given in percent, not as decimals")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


RENAMED_FIELDS = {"blast_volume_nm3_per_min": "cold_blast_volume_nm3_per_min"}
"""Fields of earlier state files and their present names (``blast_volume`` now means the blast at
the tuyeres, air plus oxygen; the blower's air is ``cold_blast_volume``)."""

# Upper limits of the state's quantities: beyond what any blast furnace reaches, they catch a
# wrong unit or an absurd number (1e300). The largest furnaces have 5,500-6,000 m3 working volume
# and make 13,700-14,000 t/d (POSCO Gwangyang No. 1, 6,000 m3, donga.com 2013-06-10; Gwangyang
# No. 5, 5,500 m3, 13,700 t/d, pulsenews.co.kr 2016-06-08); coke, coal and blast rates per tonne
# and the pressures are bounded by several times the typical values of the reference note
# blast_furnace.md §1.1.
_MAX = {
    "working_volume_m3": 10_000.0, "hearth_diameter_m": 25.0, "tuyeres": 80, "production_t_per_day": 30_000.0,
    "coke_rate_kg_per_thm": 2_000.0, "nut_coke_rate_kg_per_thm": 500.0, "coal_rate_kg_per_thm": 500.0,
    "cold_blast_volume_nm3_per_min": 20_000.0, "oxygen_volume_nm3_per_min": 20_000.0,
    "hot_blast_pressure_kPa": 1_000.0, "top_pressure_kPa": 1_000.0, "stave_water_flow_m3_per_h": 100_000.0,
    "burden_mass_kg_per_thm": 5_000.0,
}


class BurdenMaterial(_Model):
    """One iron-bearing material or flux charged (sinter, pellets, lump ore, limestone …)."""

    name: str
    mass_kg_per_thm: float = Field(ge=0, le=_MAX["burden_mass_kg_per_thm"])
    analysis: dict[str, float]
    """Mass % of Fe2O3, FeO, SiO2, CaO, MgO, Al2O3, MnO, P2O5, S, other; sums to 100."""

    @model_validator(mode="after")
    def _composition(self) -> BurdenMaterial:
        _check_composition(self.analysis, f"burden {self.name}", required=("SiO2", "CaO"))
        return self


class FurnaceState(_Model):
    """Everything the calculation sheet needs, per furnace and period (a day, an hour)."""

    name: str = "blast furnace"
    working_volume_m3: float = Field(gt=0, le=_MAX["working_volume_m3"])
    hearth_diameter_m: float = Field(gt=0, le=_MAX["hearth_diameter_m"])
    tuyeres: int = Field(gt=0, le=_MAX["tuyeres"])
    tuyere_diameter_m: float = Field(gt=0, lt=1)
    production_t_per_day: float = Field(gt=0, le=_MAX["production_t_per_day"])
    burden: list[BurdenMaterial] = Field(min_length=1)
    coke_rate_kg_per_thm: float = Field(gt=0, le=_MAX["coke_rate_kg_per_thm"])
    nut_coke_rate_kg_per_thm: float = Field(default=0.0, ge=0, le=_MAX["nut_coke_rate_kg_per_thm"])
    coke_analysis: dict[str, float]
    """Mass % (dry): C (fixed carbon), ash, volatile, S; sums to 100."""
    coke_ash_analysis: dict[str, float]
    """Mass % of the ash: SiO2, Al2O3, CaO, MgO, Fe2O3, other."""
    coal_rate_kg_per_thm: float = Field(default=0.0, ge=0, le=_MAX["coal_rate_kg_per_thm"])
    coal_analysis: dict[str, float]
    """Mass % as injected: C, H, O, N, S, ash, moisture; sums to 100."""
    coal_ash_analysis: dict[str, float]
    cold_blast_volume_nm3_per_min: float = Field(gt=0, le=_MAX["cold_blast_volume_nm3_per_min"])
    """Cold blast (air) from the blower, without the technical oxygen (``cold_blast_volume``)."""
    oxygen_volume_nm3_per_min: float = Field(default=0.0, ge=0, le=_MAX["oxygen_volume_nm3_per_min"])
    oxygen_purity: float = 0.995
    blast_temperature_degC: float  # noqa: N815 - unit suffix as in docs/dev/conventions.md
    blast_humidity_g_per_nm3: float = Field(ge=0, le=100)
    hot_blast_pressure_kPa: float = Field(gt=0, le=_MAX["hot_blast_pressure_kPa"])  # noqa: N815
    top_pressure_kPa: float = Field(ge=0, le=_MAX["top_pressure_kPa"])  # noqa: N815
    top_gas_temperature_degC: float = Field(ge=0, le=600)  # noqa: N815
    top_gas_analysis: dict[str, float]
    """Volume % dry: CO, CO2, H2, CH4, N2; sums to 100."""
    hot_metal_temperature_degC: float = Field(ge=1200, le=1700)  # noqa: N815
    hot_metal_analysis: dict[str, float]
    """Mass %: Si, Mn, P, S, optional Ti, V and C (computed by the saturation relation if absent)."""
    slag_analysis: dict[str, float]
    """Mass %: CaO, SiO2, MgO, Al2O3, FeO, MnO, S, TiO2, other; sums to 100."""
    stave_water_flow_m3_per_h: float = Field(default=0.0, ge=0, le=_MAX["stave_water_flow_m3_per_h"])
    stave_water_temperature_rise_K: float = Field(default=0.0, ge=0, le=30)  # noqa: N815
    reserve_zone_temperature_degC: float = Field(default=950.0, ge=700, le=1200)  # noqa: N815

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            for old, new in RENAMED_FIELDS.items():
                if old in data:
                    raise InputError("field renamed", field=old, value=data[old],
                                     fix=f"call it {new} (air from the blower, without the technical oxygen)")
        return data

    @field_validator("blast_temperature_degC")
    @classmethod
    def _blast_temperature(cls, value: float) -> float:
        _guards.check_blast_temperature(value, "blast_temperature_degC", low=600.0)
        return value

    @field_validator("hot_metal_temperature_degC", "top_gas_temperature_degC",
                     "reserve_zone_temperature_degC", mode="before")
    @classmethod
    def _kelvin(cls, value: Any, info: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            _guards.check_kelvin(value, info.field_name)
        return value

    @field_validator("oxygen_purity")
    @classmethod
    def _purity(cls, value: float) -> float:
        return _guards.check_oxygen_purity(value)

    @model_validator(mode="after")
    def _compositions(self) -> FurnaceState:
        _check_composition(self.coke_analysis, "coke", required=("C", "ash"))
        _check_composition(self.coke_ash_analysis, "coke ash", required=("SiO2", "Al2O3"))
        _check_composition(self.coal_analysis, "coal", required=("C", "H", "ash"))
        _check_composition(self.coal_ash_analysis, "coal ash", required=("SiO2", "Al2O3"))
        _check_composition(self.top_gas_analysis, "top gas", required=("CO", "CO2", "N2"))
        _check_composition(self.slag_analysis, "slag", required=("CaO", "SiO2", "MgO", "Al2O3"))
        for key in ("Si", "Mn", "P", "S"):
            if key not in self.hot_metal_analysis:
                raise InputError(f"hot metal analysis lacks {key}", field=f"hot_metal.{key}",
                                 fix=f"add {key} in percent to hot_metal_analysis")
        for key, value in self.hot_metal_analysis.items():
            if key in _guards.HOT_METAL_CONTENT_MAX_PERCENT:
                _guards.check_hot_metal_content(value, key, f"hot_metal.{key}")
        _guards.check_coal_carbon(self.coal_analysis["C"], "coal.C")
        if sum(self.hot_metal_analysis.values()) > 10:
            raise CompositionError("hot metal C, Si, Mn, P, S … sum to more than 10 %",
                                   field="hot_metal_analysis", value=sum(self.hot_metal_analysis.values()),
                                   fix="give the contents in percent; Fe is computed by difference")
        limit = self.oxygen_purity - 0.21
        air, oxygen = self.cold_blast_volume_nm3_per_min, self.oxygen_volume_nm3_per_min
        enrichment = (0.21 * air + self.oxygen_purity * oxygen) / (air + oxygen) - 0.21
        if enrichment > min(limit, _guards.ENRICHMENT_LIMIT_POINTS / 100):
            raise InputError(
                f"oxygen enrichment of {100 * enrichment:.1f} points exceeds the 15-point limit of "
                "air-blown furnaces", field="oxygen_volume_nm3_per_min", value=self.oxygen_volume_nm3_per_min,
                fix="check that the oxygen flow is in Nm3/min like the blast volume")
        if self.hot_blast_pressure_kPa <= self.top_pressure_kPa:
            raise InputError("hot-blast pressure must exceed the top pressure",
                             field="hot_blast_pressure_kPa", value=self.hot_blast_pressure_kPa,
                             fix="give both as gauge pressures in kPa")
        return self


def state_from_mapping(data: Mapping[str, Any]) -> FurnaceState:
    """Build a :class:`FurnaceState` from a mapping, turning pydantic errors into greenmet errors
    that name the quantity, the value and the fix."""
    try:
        return FurnaceState.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        cause = first.get("ctx", {}).get("error")
        if isinstance(cause, InputError):
            raise cause from None
        if isinstance(cause, GreenmetError):
            raise cause from None
        field = ".".join(str(part) for part in first["loc"]) or None
        if first["type"] == "missing":
            raise InputError("required quantity missing", field=field,
                             fix=f"add {field} to the furnace state (see docs/nomenclature/blast_furnace.md)"
                             ) from None
        if first["type"] == "finite_number":
            raise InputError("not a finite number", field=field, value=first.get("input"),
                             fix="give the measured or planned value (NaN and infinity are not values); "
                                 "units are in the field name") from None
        if first["type"] in ("less_than_equal", "less_than"):
            raise InputError(f"{first['msg']}: beyond any blast furnace", field=field,
                             value=first.get("input"),
                             fix="check the value and its unit (the unit is in the field name)") from None
        if first["type"] == "extra_forbidden":
            raise InputError("not a field of the furnace state", field=field, value=first.get("input"),
                             fix="check the spelling (docs/nomenclature/blast_furnace.md lists the fields)"
                             ) from None
        raise InputError(first["msg"], field=field, value=first.get("input"),
                         fix="correct the value; units are in the field name") from None


def state_to_columns(state: FurnaceState) -> dict[str, float]:
    """Flatten a state into the columns used by :func:`calculation_sheet_frame`.

    Scalars keep their names; analyses become ``<part>.<component>_percent`` and burden
    materials ``burden.<name>.mass_kg_per_thm`` and ``burden.<name>.<oxide>_percent``.
    """
    columns: dict[str, float] = {}
    for name, value in state:
        if isinstance(value, int | float) and not isinstance(value, bool):
            columns[name] = float(value)
    parts = {"coke": state.coke_analysis, "coke_ash": state.coke_ash_analysis, "coal": state.coal_analysis,
             "coal_ash": state.coal_ash_analysis, "top_gas": state.top_gas_analysis,
             "hot_metal": state.hot_metal_analysis, "slag": state.slag_analysis}
    for part, analysis in parts.items():
        for key, value in analysis.items():
            columns[f"{part}.{key}_percent"] = float(value)
    for material in state.burden:
        columns[f"burden.{material.name}.mass_kg_per_thm"] = material.mass_kg_per_thm
        for key, value in material.analysis.items():
            columns[f"burden.{material.name}.{key}_percent"] = float(value)
    return columns


SHEET_COLUMNS = ["quantity", "value", "unit", "label_en", "label_zh", "formula", "flags"]
"""Columns of :attr:`CalculationSheet.table`."""

# quantity id → (unit, formula id, provisional?)
_SHEET: dict[str, tuple[str, str, bool]] = {
    "production_t_per_day": ("t/d", "input", False),
    "productivity_t_per_m3_day": ("t/(m3*d)", "productivity", False),
    "coke_rate_kg_per_thm": ("kg/tHM", "input", False),
    "coal_rate_kg_per_thm": ("kg/tHM", "input", False),
    "fuel_rate_kg_per_thm": ("kg/tHM", "fuel_rate", False),
    "smelting_intensity_t_per_m3_day": ("t/(m3*d)", "smelting_intensity", False),
    "oxygen_enrichment_percent": ("%", "oxygen_enrichment_mixing", False),
    "blast_volume_nm3_per_thm": ("Nm3/tHM", "specific_blast", False),
    "raceway_adiabatic_flame_temperature_degC": ("degC", flame_temperature.FORMULA_ENTHALPY_BALANCE, True),
    "bosh_gas_volume_nm3_per_min": ("Nm3/min", "bosh_gas_stoichiometric", False),
    "bosh_gas_index_m_per_min": ("m/min", "bosh_gas_index", False),
    "top_gas_utilisation": ("dimensionless", "eta_co", False),
    "top_gas_volume_nm3_per_thm": ("Nm3/tHM", "top_gas_nitrogen_balance", False),
    "permeability_index_nm3_per_min_kpa": ("Nm3/(min*kPa)", "permeability_index", False),
    "resistance_coefficient": ("dimensionless", "resistance_k_1.7", True),
    "tuyere_velocity_m_per_s": ("m/s", "tuyere_velocity_wisdri", False),
    "tuyere_kinetic_energy_kj_per_s": ("kJ/s", "tuyere_kinetic_energy_wisdri", False),
    "stave_heat_load_kw": ("kW", "stave_heat_load", False),
    "hot_metal_carbon_percent": ("%", "hot_metal_carbon_ustb", False),
    "hot_metal_iron_percent": ("%", "hot_metal_iron_difference", False),
    "slag_rate_kg_per_thm": ("kg/tHM", "slag_rate_cao_balance", False),
    "basicity_r2": ("dimensionless", "basicity_r2", False),
    "basicity_r3": ("dimensionless", "basicity_r3", False),
    "basicity_r4": ("dimensionless", "basicity_r4", False),
    "magnesia_alumina_ratio": ("dimensionless", "mgo_al2o3", False),
    "sulphur_partition": ("dimensionless", "sulphur_partition", False),
    "direct_reduction_degree": ("dimensionless", "rist_operating_line", False),
    "rist_slope": ("dimensionless", "rist_operating_line", False),
    "shaft_efficiency": ("dimensionless", "rist_shaft_efficiency", True),
    "carbon_rate_kg_per_thm": ("kg/tHM", "rist_operating_line", False),
    "minimum_carbon_rate_kg_per_thm": ("kg/tHM", "rist_w_point", False),
    "carbon_balance_fuel_rate_kg_per_thm": ("kg/tHM", "carbon_balance_ustb", False),
    "heat_income_kj_per_thm": ("kJ/tHM", "heat_balance_ustb", True),
    "heat_loss_kj_per_thm": ("kJ/tHM", "heat_balance_ustb", True),
    "heat_loss_share": ("dimensionless", "heat_balance_ustb", True),
    "lower_zone_heat_surplus_kj_per_thm": ("kJ/tHM", "lower_zone_heat_balance", True),
    "thermal_state_index_K": ("K", "thermal_state_index", True),
    "coke_change_blast_temperature_plus_100_kg_per_thm": ("kg/tHM", "what_if_balances", True),
    "coke_change_coal_plus_10_kg_per_thm": ("kg/tHM", "what_if_balances", True),
}
_BALANCED = ("Fe", "C", "O", "CaO", "SiO2", "MgO", "Al2O3", "S", "P")
for _component in _BALANCED:
    _SHEET[f"{_component}_balance_residual_kg_per_thm"] = ("kg/tHM", "component_balance", False)
    _SHEET[f"{_component}_balance_relative_residual"] = ("dimensionless", "component_balance", False)


SHEET_QUANTITIES: Mapping[str, tuple[str, str, bool]] = _SHEET
"""The quantities of the sheet, in order: quantity id → (unit, formula id, provisional)."""


class _Columns:
    """Access to the columns of a state frame, 0 for absent analyses."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def __call__(self, name: str, default: float | None = None) -> Any:
        if name in self.frame.columns:
            return self.frame[name].astype(float)
        if default is None:
            raise InputError("required quantity missing", field=name,
                             fix=f"add the column {name!r} (see docs/nomenclature/blast_furnace.md)")
        return pd.Series(default, index=self.frame.index, dtype=float)

    def burden_names(self) -> list[str]:
        return sorted({c.split(".")[1] for c in self.frame.columns
                       if c.startswith("burden.") and c.endswith(".mass_kg_per_thm")})

    def burden_flow(self, component: str) -> Any:
        total = pd.Series(0.0, index=self.frame.index)
        for name in self.burden_names():
            total = total + self(f"burden.{name}.mass_kg_per_thm") * self(
                f"burden.{name}.{component}_percent", 0.0) / 100.0
        return total


class _Scalars:
    """Access to the columns of one state as floats (the functions then work on scalars)."""

    def __init__(self, columns: Mapping[str, float]) -> None:
        self.columns = columns
        self.burden = [key[len("burden."):-len(".mass_kg_per_thm")] for key in columns
                       if key.startswith("burden.") and key.endswith(".mass_kg_per_thm")]

    def __call__(self, name: str, default: float | None = None) -> Any:
        if name in self.columns:
            return float(self.columns[name])
        if default is None:
            raise InputError("required quantity missing", field=name,
                             fix=f"add {name!r} (see docs/nomenclature/blast_furnace.md)")
        return default

    def burden_flow(self, component: str) -> Any:
        total = 0.0
        for name in self.burden:
            total += (float(self.columns[f"burden.{name}.mass_kg_per_thm"])
                      * float(self.columns.get(f"burden.{name}.{component}_percent", 0.0)) / 100.0)
        return total


def calculation_sheet_values(columns: Mapping[str, float]) -> dict[str, float]:
    """The quantities of the calculation sheet of one state, computed on scalars.

    Parameters
    ----------
    columns
        The flattened state of :func:`state_to_columns` (or one row of a state frame as a dict).

    Returns
    -------
    Quantity id → value, the ids of :data:`_SHEET` (units in the names), as floats.

    Notes
    -----
    The same computation as :func:`calculation_sheet_frame`, with every function of the package
    called on Python floats instead of columns: the path of one state (the web platform's
    request, :func:`calculation_sheet`) and the plain loop of ``benchmarks/calc.py``.

    Raises
    ------
    InputError
        If a required quantity is missing; SuspectUnitError if a value looks like another unit.
    """
    values = _compute_with(_Scalars(columns))
    return {name: float(values[name]) for name in _SHEET}


def _compute(frame: pd.DataFrame) -> dict[str, Any]:
    return _compute_with(_Columns(frame))


def _compute_with(c: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    production = c("production_t_per_day")
    volume = c("working_volume_m3")
    coke = c("coke_rate_kg_per_thm")
    nut = c("nut_coke_rate_kg_per_thm", 0.0)
    coal = c("coal_rate_kg_per_thm", 0.0)
    blast = c("cold_blast_volume_nm3_per_min")
    oxygen = c("oxygen_volume_nm3_per_min", 0.0)
    purity = c("oxygen_purity", 0.995)
    blast_T = c("blast_temperature_degC")
    humidity = c("blast_humidity_g_per_nm3")
    p_blast = c("hot_blast_pressure_kPa")
    p_top = c("top_pressure_kPa")
    hm_T = c("hot_metal_temperature_degC")
    si, mn = c("hot_metal.Si_percent"), c("hot_metal.Mn_percent")
    p, s = c("hot_metal.P_percent"), c("hot_metal.S_percent")
    ti, v = c("hot_metal.Ti_percent", 0.0), c("hot_metal.V_percent", 0.0)
    reserve_T = c("reserve_zone_temperature_degC", 950.0)

    out["production_t_per_day"] = production
    out["productivity_t_per_m3_day"] = indices.productivity(production, volume)
    out["coke_rate_kg_per_thm"] = coke + nut
    out["coal_rate_kg_per_thm"] = coal
    fuel = indices.fuel_rate(coke, coal, nut)
    out["fuel_rate_kg_per_thm"] = fuel
    out["smelting_intensity_t_per_m3_day"] = indices.smelting_intensity(fuel * production / 1000.0, volume)

    # Blast. The mixing definition is written out on columns (gas.oxygen_enrichment takes one purity).
    enrichment = 100.0 * ((0.21 * blast + purity * oxygen) / (blast + oxygen) - 0.21)
    out["oxygen_enrichment_percent"] = enrichment
    per_thm = 1440.0 / production
    wet_blast = gas.blast_volume_from_cold_blast(blast, oxygen) * per_thm  # blast_volume, Nm3/tHM
    out["blast_volume_nm3_per_thm"] = wet_blast
    raft = flame_temperature.raceway_adiabatic_flame_temperature(
        blast_T, wet_blast, enrichment, humidity, coal, c("coal.C_percent"), c("coal.H_percent"),
        c("coal.O_percent", 0.0), c("coal.N_percent", 0.0), c("coal.moisture_percent", 0.0))
    out["raceway_adiabatic_flame_temperature_degC"] = raft.temperature
    coal_per_hour = coal * production / 24.0
    bosh = gas.bosh_gas(blast, oxygen, humidity, coal_per_hour, c("coal.H_percent"))
    out["bosh_gas_volume_nm3_per_min"] = bosh.volume
    out["bosh_gas_index_m_per_min"] = gas.bosh_gas_index(bosh.volume, c("hearth_diameter_m"))

    # Top gas.
    co, co2 = c("top_gas.CO_percent"), c("top_gas.CO2_percent")
    h2, ch4, n2 = c("top_gas.H2_percent", 0.0), c("top_gas.CH4_percent", 0.0), c("top_gas.N2_percent")
    eta = gas.top_gas_utilisation(co, co2)
    out["top_gas_utilisation"] = eta
    f = gas.moisture_volume_fraction(humidity)
    blast_n2 = (blast * 0.79 + oxygen * (1 - purity)) * per_thm
    coal_n2 = coal * c("coal.N_percent", 0.0) / 100.0 / 28.013 * MOLAR_VOLUME_NM3_PER_KMOL
    top_volume = (blast_n2 + coal_n2) / (n2 / 100.0)
    out["top_gas_volume_nm3_per_thm"] = top_volume

    out["permeability_index_nm3_per_min_kpa"] = indices.permeability_index(blast, p_blast, p_top)
    out["resistance_coefficient"] = indices.resistance_coefficient(p_blast + 101.325, p_top + 101.325,
                                                                   bosh.volume)
    _standard, actual = indices.tuyere_velocity(blast + oxygen, c("tuyeres"), c("tuyere_diameter_m"), blast_T,
                                                p_blast)
    out["tuyere_velocity_m_per_s"] = actual
    out["tuyere_kinetic_energy_kj_per_s"] = indices.tuyere_kinetic_energy(
        blast + oxygen, c("tuyeres"), c("tuyere_diameter_m"), blast_T, p_blast)
    out["stave_heat_load_kw"] = indices.stave_heat_load(c("stave_water_flow_m3_per_h", 0.0),
                                                        c("stave_water_temperature_rise_K", 0.0))

    # Hot metal and slag.
    hm_c = c("hot_metal.C_percent", np.nan)
    hm_c = np.where(np.isnan(hm_c), mass_balance.hot_metal_carbon(hm_T, si, mn, p, s, ti), hm_c)
    if np.ndim(hm_c) == 0:
        hm_c = float(hm_c)
    out["hot_metal_carbon_percent"] = hm_c
    hm_fe = mass_balance.hot_metal_iron(hm_c, si, mn, p, s, ti, v)
    out["hot_metal_iron_percent"] = hm_fe
    slag_cao, slag_sio2 = c("slag.CaO_percent"), c("slag.SiO2_percent")
    slag_mgo, slag_al2o3 = c("slag.MgO_percent"), c("slag.Al2O3_percent")
    coke_ash_mass = (coke + nut) * c("coke.ash_percent") / 100.0
    coal_ash_mass = coal * c("coal.ash_percent") / 100.0

    def ash_flow(component: str) -> Any:
        return (coke_ash_mass * c(f"coke_ash.{component}_percent", 0.0)
                + coal_ash_mass * c(f"coal_ash.{component}_percent", 0.0)) / 100.0

    cao_in = c.burden_flow("CaO") + ash_flow("CaO")
    slag_rate = mass_balance.slag_rate_from_cao(cao_in, slag_cao)
    out["slag_rate_kg_per_thm"] = slag_rate
    out["basicity_r2"] = mass_balance.basicity_binary(slag_cao, slag_sio2)
    out["basicity_r3"] = mass_balance.basicity_ternary(slag_cao, slag_sio2, slag_mgo)
    out["basicity_r4"] = mass_balance.basicity_quaternary(slag_cao, slag_sio2, slag_mgo, slag_al2o3)
    out["magnesia_alumina_ratio"] = mass_balance.magnesia_alumina_ratio(slag_mgo, slag_al2o3)
    out["sulphur_partition"] = mass_balance.sulphur_partition(c("slag.S_percent", 0.0), s)

    # Component balances [kg/tHM].
    fe_in = (c.burden_flow("Fe2O3") * 2 * _M["Fe"] / _M["Fe2O3"] + c.burden_flow("FeO") * _M["Fe"] / _M["FeO"]
             + (ash_flow("Fe2O3")) * 2 * _M["Fe"] / _M["Fe2O3"])
    fe_out = 10.0 * hm_fe + slag_rate * c("slag.FeO_percent", 0.0) / 100.0 * _M["Fe"] / _M["FeO"]
    carbon_in = (coke + nut) * c("coke.C_percent") / 100.0 + coal * c("coal.C_percent") / 100.0
    top_carbon = top_volume * (co + co2 + ch4) / 100.0 / MOLAR_VOLUME_NM3_PER_KMOL * 12.011
    carbon_out = 10.0 * hm_c + top_carbon
    balances: dict[str, tuple[Any, Any]] = {"Fe": (fe_in, fe_out), "C": (carbon_in, carbon_out)}
    for oxide in ("CaO", "MgO", "Al2O3"):
        balances[oxide] = (c.burden_flow(oxide) + ash_flow(oxide),
                           slag_rate * c(f"slag.{oxide}_percent") / 100)
    balances["SiO2"] = (c.burden_flow("SiO2") + ash_flow("SiO2"),
                        slag_rate * slag_sio2 / 100 + 10.0 * si * _M["SiO2"] / _M["Si"])
    sulphur_in = (c.burden_flow("S") + (coke + nut) * c("coke.S_percent", 0.0) / 100
                  + coal * c("coal.S_percent", 0.0) / 100)
    balances["S"] = (sulphur_in, 10.0 * s + slag_rate * c("slag.S_percent", 0.0) / 100)
    balances["P"] = (c.burden_flow("P2O5") * 2 * _M["P"] / _M["P2O5"], 10.0 * p)
    # Oxygen: blast, coal and reducible burden oxides in; top gas CO, CO2 and H2O out. The H2O
    # formed by hydrogen reduction is not analysed: it follows from the hydrogen balance.
    o_per_nm3 = 2 * _M["O"] / MOLAR_VOLUME_NM3_PER_KMOL  # kg O per Nm3 of O2
    water = wet_blast * f
    blast_o = (wet_blast * (1 - f) * (0.21 + enrichment / 100.0) * o_per_nm3
               + water * _M["O"] / MOLAR_VOLUME_NM3_PER_KMOL)
    reducible_o = (c.burden_flow("Fe2O3") * 3 * _M["O"] / _M["Fe2O3"]
                   + c.burden_flow("FeO") * _M["O"] / _M["FeO"]
                   - slag_rate * c("slag.FeO_percent", 0.0) / 100 * _M["O"] / _M["FeO"]
                   + 10.0 * si * 2 * _M["O"] / _M["Si"] + 10.0 * mn * _M["O"] / _M["Mn"]
                   + 10.0 * p * 2.5 * _M["O"] / _M["P"])
    coal_h2 = coal * c("coal.H_percent") / 100.0 / 2.016 * MOLAR_VOLUME_NM3_PER_KMOL
    h2_in = water + coal_h2
    h2o_top = h2_in - top_volume * (h2 + 2 * ch4) / 100.0
    oxygen_in = blast_o + reducible_o + coal * c("coal.O_percent", 0.0) / 100
    oxygen_out = (top_volume * (co + 2 * co2) / 100.0 + h2o_top) * _M["O"] / MOLAR_VOLUME_NM3_PER_KMOL
    balances["O"] = (oxygen_in, oxygen_out)
    for component in _BALANCED:
        result = mass_balance.balance(component, *balances[component], tolerance=BALANCE_TOLERANCE)
        out[f"{component}_balance_residual_kg_per_thm"] = result.residual
        out[f"{component}_balance_relative_residual"] = result.relative_residual

    # Rist operating line and carbon balance.
    blast_oxygen = wet_blast * (1 - f) * (0.21 + enrichment / 100.0) + 0.5 * water  # Nm3 O2/tHM
    minor_o = (10.0 * (si * 2 / _M["Si"] + mn / _M["Mn"] + p * 2.5 / _M["P"])) / 2 * MOLAR_VOLUME_NM3_PER_KMOL
    burden_o_per_fe = reducible_o / _M["O"] / (fe_in / _M["Fe"])
    line = operating_line.rist_operating_line(eta, blast_oxygen, hm_fe, minor_o, burden_o_per_fe, reserve_T)
    rd = line.direct_reduction_degree
    out["direct_reduction_degree"] = rd
    out["rist_slope"] = line.slope
    out["shaft_efficiency"] = line.shaft_efficiency
    out["carbon_rate_kg_per_thm"] = line.carbon_rate
    out["minimum_carbon_rate_kg_per_thm"] = line.minimum_carbon_rate
    tuyere_c = mass_balance.carbon_burnt_at_tuyeres(blast * per_thm, oxygen * per_thm, f, oxygen_purity=1.0)
    fuels = {"coke": coke, "nut": nut, "coal": coal}
    fuel_c = {"coke": c("coke.C_percent"), "nut": c("coke.C_percent"), "coal": c("coal.C_percent")}
    cb = mass_balance.carbon_balance(tuyere_c, hm_c, rd, hm_fe, si, mn, p, slag_rate,
                                     c("slag.S_percent", 0.0), fuels, fuel_c, ti, v)
    out["carbon_balance_fuel_rate_kg_per_thm"] = cb.fuel_rate

    # Heat balance of the whole furnace.
    q_blast = heat_balance.blast_sensible_heat(wet_blast, blast_T, enrichment, humidity)
    direct_c = cb.carbon_direct_reduction_iron + cb.carbon_direct_reduction_minor
    co_oxidised = top_volume * co2 / 100.0
    h2_oxidised = np.maximum(h2o_top, 0.0)
    income = {
        "carbon_to_co": heat_balance.carbon_to_co_heat(tuyere_c + direct_c),
        "co_to_co2": heat_balance.co_to_co2_heat(co_oxidised),
        "h2_to_h2o": heat_balance.h2_to_h2o_heat(h2_oxidised),
        "blast": q_blast,
    }
    fe_from_fe2o3 = c.burden_flow("Fe2O3") * 2 * _M["Fe"] / _M["Fe2O3"]
    fe_from_feo = c.burden_flow("FeO") * _M["Fe"] / _M["FeO"]
    minor_heat = heat_balance.minor_element_reduction_heat(si, mn, p)
    expenditure = {
        "oxides": heat_balance.iron_oxide_dissociation_heat(fe_from_fe2o3, 0.0, fe_from_feo),
        "minor": minor_heat,
        "moisture": heat_balance.moisture_decomposition_heat(water),
        "coal": coal * 1000.0,
        "hot_metal": heat_balance.hot_metal_heat(1.0),
        "slag": heat_balance.slag_heat(slag_rate),
        "top_gas": heat_balance.gas_sensible_heat(top_volume, c("top_gas_temperature_degC"),
                                                  {"CO": co, "CO2": co2, "H2": h2, "CH4": ch4, "N2": n2}),
    }
    hb = heat_balance.heat_balance(income, expenditure)
    out["heat_income_kj_per_thm"] = hb.income
    out["heat_loss_kj_per_thm"] = hb.heat_loss
    out["heat_loss_share"] = hb.heat_loss_share
    lower = heat_balance.lower_zone_heat_balance(
        tuyere_c, q_blast, rd, hm_fe, minor_heat, slag_rate, bosh.volume * per_thm,
        reserve_zone_temperature=reserve_T, moisture_heat=expenditure["moisture"],
        coal_heat=expenditure["coal"])
    out["lower_zone_heat_surplus_kj_per_thm"] = lower.heat_loss
    out["thermal_state_index_K"] = thermal_state.thermal_state_index(hm_T, si)

    # What-if from the balance model at this operating point.
    point = what_if.OperatingPoint(
        blast_temperature=blast_T, oxygen_enrichment=enrichment, blast_humidity=humidity, coal_rate=coal,
        coal_carbon=c("coal.C_percent"), coal_hydrogen=c("coal.H_percent"), coke_carbon=c("coke.C_percent"),
        hot_metal_iron=hm_fe, hot_metal_carbon=hm_c, silicon=si, manganese=mn, phosphorus=p,
        direct_reduction_degree=np.clip(rd, 0.2, 0.7), reserve_zone_temperature=float(np.nanmean(reserve_T)))
    out["coke_change_blast_temperature_plus_100_kg_per_thm"] = what_if.coke_rate_change(
        point, "blast_temperature", 100.0)
    out["coke_change_coal_plus_10_kg_per_thm"] = what_if.coke_rate_change(point, "coal_rate", 10.0)
    return out


def calculation_sheet_frame(states: pd.DataFrame) -> pd.DataFrame:
    """The calculation sheet of many states at once.

    Parameters
    ----------
    states
        One row per state, columns as produced by :func:`state_to_columns` (the index is kept,
        e.g. hourly timestamps).

    Returns
    -------
    One row per state, one column per quantity id of the sheet (units in the names), plus
    ``flags`` (``;``-joined: ``balance_not_closed:<component>`` for balances beyond
    :data:`BALANCE_TOLERANCE`).

    Raises
    ------
    InputError
        If a required column is missing (named in the error).
    SuspectUnitError
        If a value looks like another unit (blast temperature in K or °F, Si 49, purity 99.5 …).
    """
    frame = states.copy()
    for old, new in RENAMED_FIELDS.items():
        if old in frame.columns and new not in frame.columns:
            raise InputError("column renamed", field=old,
                             fix=f"call it {new} (air from the blower, without the technical oxygen)")
    if "blast_temperature_degC" in frame.columns:
        _guards.check_blast_temperature(frame["blast_temperature_degC"], "blast_temperature_degC")
    if "oxygen_purity" in frame.columns:
        for purity in frame["oxygen_purity"].dropna().unique():
            _guards.check_oxygen_purity(purity)
    values = _compute(frame)
    result = pd.DataFrame({name: pd.Series(values[name], index=frame.index) for name in _SHEET},
                          index=frame.index)
    flags = pd.Series("", index=frame.index, dtype=object)
    for component in _BALANCED:
        bad = ~(result[f"{component}_balance_relative_residual"].abs() <= BALANCE_TOLERANCE)
        flags[bad] = flags[bad] + f";balance_not_closed:{component}"
    result["flags"] = flags.str.lstrip(";")
    return result


class CalculationSheet(BaseModel):
    """The calculation sheet of one state: a table of quantity, value, unit, labels, formula, flags."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    name: str
    table: pd.DataFrame

    def value(self, quantity: str) -> float:
        """The value of ``quantity`` (an id of the ``quantity`` column)."""
        rows = self.table.loc[self.table["quantity"] == quantity, "value"]
        if rows.empty:
            from greenmet.errors import UnknownKeyError

            raise UnknownKeyError("not a quantity of the calculation sheet", field="quantity", value=quantity,
                                  fix="see the 'quantity' column of the sheet")
        return float(rows.iloc[0])

    def flagged(self) -> pd.DataFrame:
        """Rows whose flags are not empty."""
        return self.table[self.table["flags"] != ""]

    def records(self, language: str = "en") -> list[dict[str, Any]]:
        """Rows as dicts with one ``label`` in ``language`` (for JSON output)."""
        check_language(language)
        rows = []
        for row in self.table.to_dict("records"):
            value = row["value"]
            rows.append({"quantity": row["quantity"], "label": row[f"label_{language}"],
                         "value": None if value is None or not np.isfinite(value) else float(value),
                         "unit": row["unit"], "formula": row["formula"], "flags": row["flags"]})
        return rows


def calculation_sheet(state: FurnaceState) -> CalculationSheet:
    """The full calculation sheet of one furnace state.

    Parameters
    ----------
    state
        A validated :class:`FurnaceState`.

    Returns
    -------
    CalculationSheet
        ``table`` with the columns of :data:`SHEET_COLUMNS`; balances beyond
        :data:`BALANCE_TOLERANCE` carry the flag ``balance_not_closed``, values that depend on
        provisional constants the flag ``provisional``.
    """
    values = calculation_sheet_values(state_to_columns(state))
    rows = []
    for name, (unit, formula, provisional) in _SHEET.items():
        value = values[name]
        flags = ["provisional"] if provisional else []
        if name.endswith("_relative_residual") and not abs(value) <= BALANCE_TOLERANCE:
            flags.append("balance_not_closed")
        rows.append({"quantity": name, "value": value, "unit": unit,
                     "label_en": label(name, "en", _PKG), "label_zh": label(name, "zh", _PKG),
                     "formula": formula, "flags": ";".join(flags)})
    return CalculationSheet(name=state.name, table=pd.DataFrame(rows, columns=SHEET_COLUMNS))
