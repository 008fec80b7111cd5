"""The tag catalogue of a simulated furnace: name, subsystem, unit, range, description.

The catalogue is the contract between the simulator, the historian and the ingestion client
(``docs/dev/plant_data_contract.md``): units are fixed per tag here and never travel with a
point. Tag names are glossary names; numbered instruments carry a zero-padded suffix
(``stave_temperature_r05_s12``, ``tuyere_water_inlet_flow_t07``) so that names sort in plant order.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from greenmet.blast_furnace.simulator.config import FurnaceConfig
from greenmet.i18n import labels

__all__ = [
    "CAST_TAGS",
    "SUBSYSTEMS",
    "TagSpec",
    "cross_temperature_tags",
    "hearth_tag",
    "stave_tag",
    "stockrod_tag",
    "tag_catalogue",
    "tag_specs",
    "top_pressure_tag",
    "top_temperature_tag",
    "tuyere_blast_tag",
    "tuyere_tags",
]

SUBSYSTEMS: tuple[str, ...] = (
    "blast",
    "injection",
    "top_gas",
    "burden",
    "shaft",
    "staves",
    "hearth",
    "tuyeres",
    "casthouse",
)

CAST_TAGS: tuple[str, ...] = (
    "cast_duration",
    "cast_hot_metal_mass",
    "cast_number",
    "hot_metal_silicon",
    "hot_metal_sulphur",
    "hot_metal_temperature",
    "slag_basicity",
)
"""Tags with one point per cast (at the cast's end), not one per step. A plant's casthouse system
reports each cast as one record; over OPC UA and in the historian its fields arrive as these tags,
all with the cast's end as source timestamp and tied together by ``cast_number`` (the cast id);
the cast's start is its end minus ``cast_duration``."""

_PACKAGE = "greenmet.blast_furnace.simulator"


@dataclass(frozen=True)
class TagSpec:
    """One tag: its name, subsystem, unit, plausible range and label key with format fields."""

    tag: str
    subsystem: str
    unit: str
    low: float
    high: float
    family: str
    fields: tuple[tuple[str, int], ...] = ()

    @property
    def per_cast(self) -> bool:
        """True for tags with one point per cast."""
        return self.tag in CAST_TAGS


def stave_tag(row: int, stave: int) -> str:
    """Tag name of the stave thermocouple in ``row`` at position ``stave`` (both 1-based)."""
    return f"stave_temperature_r{row:02d}_s{stave:02d}"


def hearth_tag(number: int) -> str:
    """Tag name of hearth thermocouple ``number`` (1-based)."""
    return f"hearth_temperature_t{number:02d}"


def stockrod_tag(number: int) -> str:
    """Tag name of stockrod ``number`` (1-based)."""
    return f"stockrod_level_{number}"


def top_pressure_tag(number: int) -> str:
    """Tag name of the top pressure measured in uptake ``number`` (1-based)."""
    return f"top_pressure_u{number}"


def top_temperature_tag(number: int) -> str:
    """Tag name of the top-gas temperature in uptake ``number`` (1-based)."""
    return f"top_temperature_u{number}"


def cross_temperature_tags(arms: int, points_per_arm: int) -> list[str]:
    """Tag names of a cross-temperature probe: the centre point, then each arm's points from the
    centre outwards (``cross_temperature_a2_p05``: arm 2, fifth point from the centre). Empty when
    there is no probe (``arms`` 0)."""
    if arms < 1:
        return []
    return ["cross_temperature_centre"] + [
        f"cross_temperature_a{arm}_p{point:02d}"
        for arm in range(1, arms + 1)
        for point in range(1, points_per_arm + 1)
    ]


def tuyere_blast_tag(number: int) -> str:
    """Tag name of the blast flow through tuyere ``number`` (1-based)."""
    return f"tuyere_blast_volume_t{number:02d}"


def tuyere_tags(number: int) -> tuple[str, str]:
    """Tag names of the inlet and outlet cooling-water flow of tuyere ``number`` (1-based)."""
    return f"tuyere_water_inlet_flow_t{number:02d}", f"tuyere_water_outlet_flow_t{number:02d}"


def tag_specs(config: FurnaceConfig) -> list[TagSpec]:
    """All tags of ``config`` in plant order (continuous tags first, then per-cast tags)."""
    blast = config.blast_volume_nm3_per_min
    top = config.top_pressure_kPa
    blast_pressure = top + config.pressure_differential_kPa
    pci_t_per_h = config.coal_rate_kg_per_thm * config.hot_metal_rate_t_per_min * 60 / 1000
    specs = [
        TagSpec("blast_volume", "blast", "Nm3/min", 0.0, 1.5 * blast, "blast_volume"),
        TagSpec("blast_pressure", "blast", "kPa", 0.0, 1.6 * blast_pressure, "blast_pressure"),
        TagSpec("blast_temperature", "blast", "degC", 0.0, 1400.0, "blast_temperature"),
        TagSpec("oxygen_enrichment", "blast", "%", 0.0, 15.0, "oxygen_enrichment"),
        TagSpec("oxygen_flow", "blast", "Nm3/h", 0.0, 0.3 * blast * 60, "oxygen_flow"),
        TagSpec("blast_humidity", "blast", "g/Nm3", 0.0, 60.0, "blast_humidity"),
        TagSpec(
            "raceway_adiabatic_flame_temperature",
            "blast",
            "degC",
            1600.0,
            2700.0,
            "raceway_adiabatic_flame_temperature",
        ),
        TagSpec("coal_injection_rate", "injection", "t/h", 0.0, 2.0 * pci_t_per_h, "coal_injection_rate"),
        TagSpec("coal_injection_pressure", "injection", "kPa", 0.0, 1500.0, "coal_injection_pressure"),
        TagSpec("top_pressure", "top_gas", "kPa", 0.0, 1.6 * top, "top_pressure"),
    ]
    specs += [
        TagSpec(top_pressure_tag(n), "top_gas", "kPa", 0.0, 1.6 * top, "top_pressure_uptake", (("n", n),))
        for n in range(1, config.uptakes + 1)
    ]
    specs += [
        TagSpec(top_temperature_tag(n), "top_gas", "degC", 0.0, 600.0, "top_temperature", (("n", n),))
        for n in range(1, config.uptakes + 1)
    ]
    if config.cross_probe_arms:
        specs.append(
            TagSpec("cross_temperature_centre", "top_gas", "degC", 0.0, 1000.0, "cross_temperature_centre")
        )
        specs += [
            TagSpec(
                f"cross_temperature_a{arm}_p{point:02d}",
                "top_gas",
                "degC",
                0.0,
                1000.0,
                "cross_temperature",
                (("arm", arm), ("point", point)),
            )
            for arm in range(1, config.cross_probe_arms + 1)
            for point in range(1, config.cross_probe_points_per_arm + 1)
        ]
    specs += [
        TagSpec("top_gas_co", "top_gas", "%", 0.0, 40.0, "top_gas_co"),
        TagSpec("top_gas_co2", "top_gas", "%", 0.0, 40.0, "top_gas_co2"),
        TagSpec("top_gas_h2", "top_gas", "%", 0.0, 15.0, "top_gas_h2"),
        TagSpec("top_gas_utilisation", "top_gas", "dimensionless", 0.0, 1.0, "top_gas_utilisation"),
        TagSpec("pressure_differential", "shaft", "kPa", 0.0, 400.0, "pressure_differential"),
        TagSpec(
            "permeability_index",
            "shaft",
            "Nm3/(min*kPa)",
            0.0,
            3.0 * blast / config.pressure_differential_kPa,
            "permeability_index",
        ),
        TagSpec("bosh_gas_volume", "shaft", "Nm3/min", 0.0, 2.5 * blast, "bosh_gas_volume"),
        TagSpec("shaft_pressure_lower", "shaft", "kPa", 0.0, 1.6 * blast_pressure, "shaft_pressure_lower"),
        TagSpec("shaft_pressure_upper", "shaft", "kPa", 0.0, 1.6 * blast_pressure, "shaft_pressure_upper"),
    ]
    specs += [
        TagSpec(stockrod_tag(n), "burden", "m", 0.0, 6.0, "stockrod_level", (("n", n),))
        for n in range(1, config.stockrods + 1)
    ]
    specs.append(TagSpec("charge_count", "burden", "count", 0.0, 1e7, "charge_count"))
    specs += [
        TagSpec(
            stave_tag(r, s), "staves", "degC", 0.0, 700.0, "stave_temperature", (("row", r), ("stave", s))
        )
        for r in range(1, config.stave_rows + 1)
        for s in range(1, config.staves_per_row + 1)
    ]
    specs.append(
        TagSpec("stave_water_inlet_temperature", "staves", "degC", 0.0, 80.0, "stave_water_inlet_temperature")
    )
    specs += [
        TagSpec(
            f"stave_water_flow_r{r:02d}",
            "staves",
            "m3/h",
            0.0,
            2.0 * config.stave_water_flow_m3_per_h,
            "stave_water_flow",
            (("n", r),),
        )
        for r in range(1, config.stave_rows + 1)
    ]
    specs += [
        TagSpec(
            f"stave_water_outlet_temperature_r{r:02d}",
            "staves",
            "degC",
            0.0,
            90.0,
            "stave_water_outlet_temperature",
            (("n", r),),
        )
        for r in range(1, config.stave_rows + 1)
    ]
    specs += [
        TagSpec(hearth_tag(n), "hearth", "degC", 0.0, 1200.0, "hearth_temperature", (("n", n),))
        for n in range(1, config.hearth_thermocouples + 1)
    ]
    if config.tuyere_blast_meters:
        per_tuyere = (blast + 0.3 * blast) / config.tuyeres  # air plus the most oxygen the range allows
        specs += [
            TagSpec(tuyere_blast_tag(n), "tuyeres", "Nm3/min", 0.0, 2.0 * per_tuyere, "tuyere_blast_volume",
                    (("n", n),))
            for n in range(1, config.tuyeres + 1)
        ]
    for n in range(1, config.tuyeres + 1):
        inlet, outlet = tuyere_tags(n)
        specs.append(
            TagSpec(
                inlet,
                "tuyeres",
                "m3/h",
                0.0,
                2.0 * config.tuyere_water_flow_m3_per_h,
                "tuyere_water_inlet_flow",
                (("n", n),),
            )
        )
        specs.append(
            TagSpec(
                outlet,
                "tuyeres",
                "m3/h",
                0.0,
                2.0 * config.tuyere_water_flow_m3_per_h,
                "tuyere_water_outlet_flow",
                (("n", n),),
            )
        )
    specs += [
        TagSpec("cast_in_progress", "casthouse", "dimensionless", 0.0, 1.0, "cast_in_progress"),
        TagSpec(
            "active_taphole", "casthouse", "dimensionless", 0.0, float(config.tapholes), "active_taphole"
        ),
        TagSpec("hot_metal_temperature", "casthouse", "degC", 1300.0, 1650.0, "hot_metal_temperature"),
        TagSpec("hot_metal_silicon", "casthouse", "%", 0.0, 3.0, "hot_metal_silicon"),
        TagSpec("hot_metal_sulphur", "casthouse", "%", 0.0, 0.2, "hot_metal_sulphur"),
        TagSpec("slag_basicity", "casthouse", "dimensionless", 0.5, 2.0, "slag_basicity"),
        TagSpec("cast_hot_metal_mass", "casthouse", "t", 0.0, 3000.0, "cast_hot_metal_mass"),
        TagSpec("cast_number", "casthouse", "count", 0.0, 1e7, "cast_number"),
        TagSpec("cast_duration", "casthouse", "min", 0.0, 600.0, "cast_duration"),
    ]
    return specs


def tag_catalogue(config: FurnaceConfig) -> pd.DataFrame:
    """The tag catalogue of a furnace, as the plant-data contract fixes it.

    Parameters
    ----------
    config
        The furnace.

    Returns
    -------
    pandas.DataFrame
        One row per tag, columns ``tag, subsystem, unit, low, high, description_en,
        description_zh``; ``unit`` parses with :func:`greenmet.units.parse_unit`; ``low``/``high``
        are the instrument range in that unit.
    """
    texts = labels(_PACKAGE)
    rows = []
    for spec in tag_specs(config):
        entry = texts.get(spec.family, {})
        fields = dict(spec.fields)
        rows.append(
            {
                "tag": spec.tag,
                "subsystem": spec.subsystem,
                "unit": spec.unit,
                "low": spec.low,
                "high": spec.high,
                "description_en": entry.get("en", spec.family).format(**fields),
                "description_zh": entry.get("zh", spec.family).format(**fields),
            }
        )
    return pd.DataFrame(
        rows, columns=["tag", "subsystem", "unit", "low", "high", "description_en", "description_zh"]
    )
