"""Outlook scenarios: the validated model of a scenario file (``OutlookScenario``).

A scenario sets, for China 1950-2060: population, the historic production of steel and aluminium,
per-capita stock saturation (level and year) by end-use sector, lifetimes, trade, scrap recovery,
route shares over time (BF-BOF, scrap-EAF, gas-DRI, H2-DRI, BF-BOF+CCUS, smelting reduction),
energy intensities, the grid emission factor trajectory, hydrogen origin, CCUS capture rates and
the distributions of uncertain inputs. Time series are piecewise-linear points ``{year = value}``,
held constant before the first and after the last point.

"Scenario" names the simulator's fault scenario elsewhere in greenmet; this is ``OutlookScenario``.
Files are read, and parents merged, in :mod:`greenmet.outlook`; this module validates the merged
mapping (:meth:`OutlookScenario.from_mapping`) and never opens a file.
"""

from __future__ import annotations

import math
import re
import tomllib
from typing import Any, Literal

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from greenmet.errors import FileFormatError, InputError, Location, UnitError

__all__ = [
    "DISTRIBUTION_KINDS",
    "ROUTES",
    "UNCERTAIN_INPUTS",
    "AluminiumSettings",
    "Distribution",
    "OutlookScenario",
    "SectorSettings",
    "SteelSettings",
    "interpolate",
]

ROUTES: tuple[str, ...] = ("bf_bof", "scrap_eaf", "gas_dri", "h2_dri", "bf_bof_ccus", "smelting_reduction")
DISTRIBUTION_KINDS: tuple[str, ...] = ("normal", "uniform", "triangular", "lognormal")
# Inputs a scenario may declare uncertain: each is a multiplier (1 = the scenario's value) or,
# for the efficiency gain, the value itself.
UNCERTAIN_INPUTS: dict[str, str] = {
    "steel.saturation_scale": "multiplies every steel sector's per-capita saturation level",
    "steel.lifetime_scale": "multiplies every steel sector's mean lifetime and its spread",
    "steel.old_scrap_recovery_scale": "multiplies the recovery rate of end-of-life steel",
    "steel.energy_efficiency_gain_per_year": "replaces the yearly energy-intensity gain of the routes",
    "grid_emission_factor_scale": "multiplies the grid emission factor trajectory",
    "aluminium.saturation_scale": "multiplies the aluminium per-capita saturation level",
    "aluminium.lifetime_scale": "multiplies every aluminium sector's lifetime",
}

Series = dict[int, float]


def interpolate(points: Series, years: np.ndarray) -> np.ndarray:
    """Piecewise-linear values of ``{year: value}`` points at ``years``, constant outside [dimensionless]"""
    keys = sorted(points)
    return np.interp(years, keys, [points[k] for k in keys])


def _parse_mass_in_tonnes(value: Any, field: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        from greenmet.units import ureg

        try:
            quantity: Any = ureg.Quantity(value)
            return float(quantity.to("t").magnitude)
        except Exception as error:  # pint raises several classes for text it cannot read
            raise UnitError(
                "the quantity does not parse as a mass",
                field=field,
                value=value,
                fix="give a number of tonnes or a mass with its unit, e.g. '13 t' or '450 kg'",
            ) from error
    raise InputError("not a number or a mass with a unit", field=field, value=value)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Distribution(_Model):
    """A distribution of an uncertain input (Monte Carlo).

    ``normal``: mean, standard_deviation (> 0); ``uniform``: low < high; ``triangular``:
    low <= mode <= high, low < high; ``lognormal``: mean > 0, standard_deviation > 0 of the
    distribution itself (moments converted as for lifetimes).
    """

    kind: Literal["normal", "uniform", "triangular", "lognormal"]
    mean: float | None = None
    standard_deviation: float | None = None
    low: float | None = None
    high: float | None = None
    mode: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Distribution:
        need = {
            "normal": ("mean", "standard_deviation"),
            "lognormal": ("mean", "standard_deviation"),
            "uniform": ("low", "high"),
            "triangular": ("low", "mode", "high"),
        }[self.kind]
        missing = [name for name in need if getattr(self, name) is None]
        if missing:
            raise ValueError(f"a {self.kind} distribution needs {', '.join(missing)}")
        values = [getattr(self, name) for name in need]
        if not all(math.isfinite(v) for v in values):
            raise ValueError("distribution parameters must be finite")
        if (
            self.kind in ("normal", "lognormal")
            and self.standard_deviation is not None
            and self.standard_deviation <= 0
        ):
            raise ValueError("standard_deviation must be > 0")
        if self.kind == "lognormal" and self.mean is not None and self.mean <= 0:
            raise ValueError("a lognormal distribution needs mean > 0")
        if self.kind in ("uniform", "triangular") and not (self.low or 0.0) < (self.high or 0.0):
            raise ValueError("low must be below high")
        if self.kind == "triangular" and not (self.low or 0.0) <= (self.mode or 0.0) <= (self.high or 0.0):
            raise ValueError("mode must lie between low and high")
        return self

    def sample(self, generator: np.random.Generator, size: int) -> np.ndarray:
        """``size`` draws [unit of the input]"""
        if self.kind == "normal":
            return generator.normal(float(self.mean or 0.0), float(self.standard_deviation or 0.0), size)
        if self.kind == "uniform":
            return generator.uniform(float(self.low or 0.0), float(self.high or 0.0), size)
        if self.kind == "triangular":
            low, mode, high = float(self.low or 0.0), float(self.mode or 0.0), float(self.high or 0.0)
            return generator.triangular(low, mode, high, size)
        mean, spread = float(self.mean or 1.0), float(self.standard_deviation or 1.0)
        sigma2 = math.log(1.0 + spread * spread / (mean * mean))
        return generator.lognormal(math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2), size)

    def ppf(self, quantiles: np.ndarray) -> np.ndarray:
        """Inverse cumulative distribution, to map Sobol samples in [0, 1] [unit of the input]"""
        import scipy.stats

        if self.kind == "normal":
            return scipy.stats.norm.ppf(quantiles, self.mean, self.standard_deviation)
        if self.kind == "uniform":
            return scipy.stats.uniform.ppf(quantiles, self.low, float(self.high or 0) - float(self.low or 0))
        if self.kind == "triangular":
            low, high, mode = float(self.low or 0), float(self.high or 0), float(self.mode or 0)
            return scipy.stats.triang.ppf(quantiles, (mode - low) / (high - low), low, high - low)
        mean, spread = float(self.mean or 1.0), float(self.standard_deviation or 1.0)
        sigma2 = math.log(1.0 + spread * spread / (mean * mean))
        return scipy.stats.lognorm.ppf(
            quantiles, math.sqrt(sigma2), 0, math.exp(math.log(mean) - sigma2 / 2.0)
        )


class SectorSettings(_Model):
    """One end-use sector: its share of historic demand, lifetime and per-capita saturation."""

    share_of_demand: float = Field(ge=0.0, le=1.0)
    lifetime_kind: Literal["fixed", "normal", "folded_normal", "lognormal", "weibull"] = "normal"
    lifetime_mean_years: float = Field(gt=0.0)
    lifetime_standard_deviation_years: float = Field(gt=0.0)
    saturation_stock_per_capita_t: float = Field(ge=0.0)

    @field_validator("saturation_stock_per_capita_t", mode="before")
    @classmethod
    def _mass(cls, value: Any) -> float:
        return _parse_mass_in_tonnes(value, "saturation_stock_per_capita_t")


def _check_series(name: str, points: Series, low: float | None = None, high: float | None = None) -> None:
    if not points:
        raise ValueError(f"{name}: needs at least one point {{year = value}}")
    for year, value in points.items():
        if not math.isfinite(value):
            raise ValueError(f"{name}: the value of {year} must be finite")
        if low is not None and value < low:
            raise ValueError(f"{name}: the value of {year}, {value}, is below {low}")
        if high is not None and value > high:
            raise ValueError(f"{name}: the value of {year}, {value}, is above {high}")


class SteelSettings(_Model):
    """Steel: history, stocks, trade, scrap and routes."""

    historic_crude_steel_production_mt: Series
    domestic_demand_share_of_production: Series = Field(default_factory=lambda: {2020: 0.934})
    saturation_year: int
    sectors: dict[str, SectorSettings]
    old_scrap_recovery_rate: Series
    new_scrap_rate: float = Field(ge=0.0, lt=1.0)
    home_scrap_rate: float = Field(ge=0.0, lt=1.0)
    route_shares: dict[str, Series]
    fallback_route: str = "bf_bof"
    energy_intensity_kgce_per_t: dict[str, float] = Field(default_factory=dict)
    energy_efficiency_gain_per_year: float = Field(default=0.0, ge=-0.1, le=0.1)
    ccus_capture_rate: Series = Field(default_factory=lambda: {2020: 0.85})
    hydrogen_origin: Literal["grid_electrolysis", "dedicated_renewable"] = "grid_electrolysis"
    domestic_iron_ore_mt: Series

    @model_validator(mode="after")
    def _check(self) -> SteelSettings:
        _check_series("historic_crude_steel_production_mt", self.historic_crude_steel_production_mt, 0.0)
        _check_series(
            "domestic_demand_share_of_production", self.domestic_demand_share_of_production, 0.01, 2.0
        )
        _check_series("old_scrap_recovery_rate", self.old_scrap_recovery_rate, 0.0, 1.0)
        _check_series("ccus_capture_rate", self.ccus_capture_rate, 0.0, 1.0)
        _check_series("domestic_iron_ore_mt", self.domestic_iron_ore_mt, 0.0)
        if not self.sectors:
            raise ValueError("sectors: steel needs at least one sector")
        total = sum(sector.share_of_demand for sector in self.sectors.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"sectors: the share_of_demand of the sectors must sum to 1 (they sum to {total:.6g})"
            )
        for route in [*self.route_shares, *self.energy_intensity_kgce_per_t, self.fallback_route]:
            if route not in ROUTES:
                raise ValueError(
                    f"route_shares: route {route!r} is not defined; routes are {', '.join(ROUTES)}"
                )
        for route, points in self.route_shares.items():
            _check_series(f"route_shares.{route}", points, 0.0, 1.0)
        years = sorted({year for points in self.route_shares.values() for year in points})
        for year in years:
            total = sum(
                float(interpolate(points, np.array([year]))[0]) for points in self.route_shares.values()
            )
            if abs(total - 1.0) > 1e-6:
                raise ValueError(
                    f"route_shares: route shares must sum to 1 in every year; "
                    f"in {year} they sum to {total:.6g}"
                )
        return self


class AluminiumSettings(_Model):
    """Aluminium: primary (with alumina) and recycled, stocks by sector, power."""

    historic_production_mt: Series
    domestic_demand_share_of_production: Series = Field(default_factory=lambda: {2020: 0.9})
    saturation_year: int
    sectors: dict[str, SectorSettings]
    old_scrap_recovery_rate: Series
    new_scrap_rate: float = Field(ge=0.0, lt=1.0)
    primary_capacity_cap_mt: float = Field(gt=0.0)
    renewable_power_share: Series
    power_emission_factor_2020_kg_per_kwh: float = Field(ge=0.0)

    @model_validator(mode="after")
    def _check(self) -> AluminiumSettings:
        _check_series("historic_production_mt", self.historic_production_mt, 0.0)
        _check_series("old_scrap_recovery_rate", self.old_scrap_recovery_rate, 0.0, 1.0)
        _check_series("renewable_power_share", self.renewable_power_share, 0.0, 1.0)
        total = sum(sector.share_of_demand for sector in self.sectors.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"sectors: the share_of_demand of the sectors must sum to 1 (they sum to {total:.6g})"
            )
        return self


class OutlookScenario(_Model):
    """A national outlook scenario (validated at load; see the module docstring)."""

    name: str
    description: str = ""
    parent: str | None = None
    region: str = "china"
    start_year: int = 1950
    history_end_year: int = 2024
    end_year: int = 2060
    inflow_timing: Literal["end", "middle", "start"] = "middle"
    shrinking: Literal["surplus", "early_retirement", "negative_inflow"] = "surplus"
    population_million: Series
    grid_emission_factor_kg_per_kwh: Series
    steel: SteelSettings
    aluminium: AluminiumSettings | None = None
    uncertainty: dict[str, Distribution] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> OutlookScenario:
        if not self.start_year < self.history_end_year < self.end_year:
            raise ValueError("history_end_year: years must satisfy start_year < history_end_year < end_year")
        _check_series("population_million", self.population_million, 0.0)
        _check_series("grid_emission_factor_kg_per_kwh", self.grid_emission_factor_kg_per_kwh, 0.0, 2.0)
        series = {
            "population_million": self.population_million,
            "grid_emission_factor_kg_per_kwh": self.grid_emission_factor_kg_per_kwh,
            **{f"steel.route_shares.{k}": v for k, v in self.steel.route_shares.items()},
            "steel.historic_crude_steel_production_mt": self.steel.historic_crude_steel_production_mt,
            "steel.old_scrap_recovery_rate": self.steel.old_scrap_recovery_rate,
        }
        for name, points in series.items():
            outside = [year for year in points if not self.start_year <= year <= self.end_year]
            if outside:
                raise ValueError(
                    f"{name}: has years outside the horizon {self.start_year}-{self.end_year}: {outside}"
                )
        for metal in (self.steel, self.aluminium):
            if metal is not None and not self.history_end_year < metal.saturation_year <= self.end_year:
                raise ValueError("saturation_year: must lie after history_end_year and not after end_year")
        for name in self.uncertainty:
            if name not in UNCERTAIN_INPUTS:
                raise ValueError(
                    f"uncertainty: uncertain input {name!r} is not known; "
                    f"use one of {', '.join(UNCERTAIN_INPUTS)}"
                )
        if any(name.startswith("aluminium.") for name in self.uncertainty) and self.aluminium is None:
            raise ValueError(
                "uncertainty: aluminium inputs are uncertain but the scenario has no aluminium section"
            )
        return self

    @classmethod
    def from_mapping(cls, data: Any, *, source: str | None = None) -> OutlookScenario:
        """Validate a parsed (and parent-merged) mapping; errors name the file, key, value and fix.

        Raises
        ------
        InputError
            If a key is unknown or a value invalid.
        """
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"]) or "scenario"
            original = (error.get("ctx") or {}).get("error")
            if isinstance(original, UnitError):
                raise UnitError(
                    original.problem,
                    field=field,
                    value=original.value,
                    fix=original.fix,
                    location=Location(file=source) if source else None,
                ) from None
            message = str(error["msg"]).removeprefix("Value error, ")
            key, separator, rest = message.partition(": ")
            if separator and re.fullmatch(r"[a-z_][\w.]*", key):
                field = key if field == "scenario" else f"{field}.{key}"
                message = rest
            fix = "see the scenario format in docs/user_guide/outlook.md"
            if error["type"] == "extra_forbidden":
                fix = "remove the key or check its spelling (docs/user_guide/outlook.md lists the keys)"
            elif "sum to 1" in message:
                fix = "make the shares of each year add up to 1 (give every route the same years)"
            elif "route" in message:
                fix = f"use the routes {', '.join(ROUTES)}"
            elif "outside the horizon" in message:
                fix = "move the point inside the horizon or widen start_year/end_year"
            value = error.get("input")
            raise InputError(
                message,
                field=field,
                value=None if isinstance(value, (dict, list)) else value,
                fix=fix,
                location=Location(file=source) if source else None,
            ) from None

    @staticmethod
    def parse_text(
        text: str, *, format: Literal["toml", "yaml"] = "toml", source: str | None = None
    ) -> dict[str, Any]:
        """Parse scenario text into a mapping (before parents are merged).

        Raises
        ------
        FileFormatError
            If the text does not parse.
        """
        try:
            data = tomllib.loads(text) if format == "toml" else yaml.safe_load(text)
        except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
            raise FileFormatError(
                f"scenario is not valid {format.upper()}: {exc}",
                field="scenario",
                fix=f"check the {format.upper()} syntax",
                location=Location(file=source) if source else None,
            ) from None
        if not isinstance(data, dict):
            raise FileFormatError(
                "a scenario is a table of keys",
                field="scenario",
                location=Location(file=source) if source else None,
            )
        return data

    @classmethod
    def from_text(
        cls, text: str, *, format: Literal["toml", "yaml"] = "toml", source: str | None = None
    ) -> OutlookScenario:
        """Parse and validate a scenario without a parent."""
        return cls.from_mapping(cls.parse_text(text, format=format, source=source), source=source)
