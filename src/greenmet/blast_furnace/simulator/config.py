"""The simulated furnace's geometry and nominal operating point, as validated data.

A :class:`FurnaceConfig` fixes what a furnace *has* (working volume, tuyeres, stave rows,
hearth thermocouples, uptakes, stockrods, tapholes) and where it normally *runs* (productivity,
blast temperature, oxygen enrichment, humidity, injection, top pressure). Everything the
simulator produces is scaled from it. Two presets stand for typical large Chinese furnaces
(reference note ``blast_furnace.md`` §1.1 gives the operating ranges; the geometric counts are
typical of furnaces of that size and are marked provisional, [L] in the note's terms).
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field, field_validator

from greenmet.errors import UnknownKeyError

__all__ = ["PRESETS", "FurnaceConfig", "preset"]


class FurnaceConfig(BaseModel):
    """Geometry, instrumentation and nominal operating point of a simulated blast furnace.

    Attributes
    ----------
    furnace_id
        Identifier used in tag paths and the historian partition (``furnace=<id>``).
    site
        Site name of the historian partition (``site=<site>``).
    time_zone
        The plant's IANA time zone, stored as historian metadata (timestamps are UTC).
    working_volume_m3
        Working (inner) volume. [m3]
    hearth_diameter_m, throat_diameter_m
        Inner diameters of hearth and throat. [m]
    tuyeres, stave_rows, staves_per_row, hearth_thermocouples, uptakes, stockrods, tapholes
        Instrument and equipment counts. [dimensionless]
    productivity_t_per_m3_day
        Nominal hot-metal productivity. [t/(m3*d)]
    specific_blast_nm3_per_thm
        Cold blast (air, without added oxygen) per tonne of hot metal. [Nm3/t]
    blast_temperature_degC, oxygen_enrichment_percent, blast_humidity_g_per_nm3
        Nominal hot-blast temperature [degC], O2 enrichment in points above 21 % [%]
        and blast moisture [g/Nm3].
    coal_rate_kg_per_thm, coke_rate_kg_per_thm
        Nominal pulverised-coal injection and coke rates. [kg/t]
    top_pressure_kPa, pressure_differential_kPa
        Nominal top pressure (gauge) and blast-to-top pressure difference. [kPa]
    top_gas_utilisation
        Nominal ηCO = CO2/(CO + CO2). [dimensionless]
    hot_metal_temperature_degC, hot_metal_silicon_percent
        Nominal hot-metal temperature [degC] and silicon [%].
    stave_water_flow_m3_per_h, tuyere_water_flow_m3_per_h
        Cooling water per stave row and per tuyere. [m3/h]
    cross_probe_arms, cross_probe_points_per_arm
        Above-burden cross-temperature probe (十字测温): arms from the centre to the wall (0: no
        probe) and thermocouples per arm besides the shared centre point. [dimensionless]
    tuyere_blast_meters
        Whether each tuyere's blast flow is measured (per-tuyere blast tags), as on furnaces with
        a flow meter in every tuyere stock.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    furnace_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")
    site: str = Field(default="demo", pattern=r"^[A-Za-z0-9_-]{1,32}$")
    time_zone: str = "Asia/Shanghai"
    working_volume_m3: float = Field(gt=100, le=7000)
    hearth_diameter_m: float = Field(gt=3, le=20)
    throat_diameter_m: float = Field(gt=3, le=15)
    tuyeres: int = Field(ge=4, le=60)
    stave_rows: int = Field(ge=2, le=30)
    staves_per_row: int = Field(ge=2, le=80)
    hearth_thermocouples: int = Field(ge=2, le=200)
    uptakes: int = Field(ge=1, le=8)
    stockrods: int = Field(ge=1, le=8)
    tapholes: int = Field(ge=1, le=6)
    productivity_t_per_m3_day: float = Field(default=2.4, gt=0.5, le=4.0)
    specific_blast_nm3_per_thm: float = Field(default=960.0, gt=500, le=1600)
    blast_temperature_degC: float = Field(default=1220.0, ge=800, le=1350)  # noqa: N815 (unit suffix, docs/dev/conventions.md)
    oxygen_enrichment_percent: float = Field(default=4.0, ge=0, le=15)
    blast_humidity_g_per_nm3: float = Field(default=14.0, ge=0, le=60)
    coal_rate_kg_per_thm: float = Field(default=160.0, ge=0, le=300)
    coke_rate_kg_per_thm: float = Field(default=340.0, ge=200, le=700)
    top_pressure_kPa: float = Field(default=230.0, gt=0, le=350)  # noqa: N815 (unit suffix, docs/dev/conventions.md)
    pressure_differential_kPa: float = Field(default=175.0, gt=50, le=260)  # noqa: N815 (unit suffix, docs/dev/conventions.md)
    top_gas_utilisation: float = Field(default=0.48, gt=0.3, lt=0.6)
    hot_metal_temperature_degC: float = Field(default=1505.0, ge=1400, le=1600)  # noqa: N815 (unit suffix, docs/dev/conventions.md)
    hot_metal_silicon_percent: float = Field(default=0.42, gt=0.1, le=1.5)
    stave_water_flow_m3_per_h: float = Field(default=160.0, gt=10, le=2000)
    tuyere_water_flow_m3_per_h: float = Field(default=32.0, gt=5, le=100)
    cross_probe_arms: int = Field(default=4, ge=0, le=8)
    cross_probe_points_per_arm: int = Field(default=5, ge=1, le=12)
    tuyere_blast_meters: bool = True

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}, e.g. 'Asia/Shanghai'") from exc
        return value

    @property
    def hot_metal_rate_t_per_min(self) -> float:
        """Nominal hot-metal production. [t/min]"""
        return self.productivity_t_per_m3_day * self.working_volume_m3 / 1440.0

    @property
    def blast_volume_nm3_per_min(self) -> float:
        """Nominal cold-blast volume. [Nm3/min]"""
        return self.specific_blast_nm3_per_thm * self.hot_metal_rate_t_per_min

    @property
    def throat_area_m2(self) -> float:
        """Cross-section of the throat, where the stockrods measure. [m2]"""
        return math.pi * self.throat_diameter_m**2 / 4.0

    @property
    def hearth_area_m2(self) -> float:
        """Cross-section of the hearth. [m2]"""
        return math.pi * self.hearth_diameter_m**2 / 4.0


PRESETS: dict[str, FurnaceConfig] = {
    "2500m3": FurnaceConfig(
        furnace_id="BF2500",
        working_volume_m3=2500.0,
        hearth_diameter_m=11.0,
        throat_diameter_m=7.8,
        tuyeres=30,
        stave_rows=12,
        staves_per_row=8,
        hearth_thermocouples=24,
        uptakes=4,
        stockrods=3,
        tapholes=3,
        top_pressure_kPa=200.0,
        pressure_differential_kPa=165.0,
        stave_water_flow_m3_per_h=120.0,
        tuyere_water_flow_m3_per_h=28.0,
    ),
    "5000m3": FurnaceConfig(
        furnace_id="BF5000",
        working_volume_m3=5000.0,
        hearth_diameter_m=14.5,
        throat_diameter_m=11.0,
        tuyeres=40,
        stave_rows=14,
        staves_per_row=12,
        hearth_thermocouples=48,
        uptakes=4,
        stockrods=4,
        tapholes=4,
        top_pressure_kPa=250.0,
        pressure_differential_kPa=180.0,
        stave_water_flow_m3_per_h=180.0,
        tuyere_water_flow_m3_per_h=34.0,
    ),
}
"""Preset furnaces. Geometry counts are typical of furnaces of this size [provisional]."""


def preset(name: str) -> FurnaceConfig:
    """The preset furnace ``name`` (``"2500m3"`` or ``"5000m3"``).

    Raises
    ------
    UnknownKeyError
        If there is no such preset.
    """
    if name not in PRESETS:
        raise UnknownKeyError(
            "no such furnace preset",
            field="preset",
            value=name,
            fix=f"use one of {', '.join(sorted(PRESETS))}",
        )
    return PRESETS[name]
