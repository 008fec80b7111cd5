"""Detectors of process faults and equipment faults (see :mod:`greenmet.monitoring.detectors.base`).

:func:`default_detectors` builds the set for a furnace from its tag names (the simulator's
catalogue spelling, :mod:`greenmet.blast_furnace.simulator.catalogue`): one detector per
process fault kind, and the equipment detectors, which are reported apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from greenmet.blast_furnace.simulator.catalogue import (
    CAST_TAGS,
    hearth_tag,
    stave_tag,
    stockrod_tag,
    top_temperature_tag,
    tuyere_tags,
)
from greenmet.monitoring.detectors.base import (
    Detector,
    DetectorSet,
    Episodes,
    Transition,
    check_frame,
    severity_name,
)
from greenmet.monitoring.detectors.equipment import (
    SensorDriftDetector,
    SensorFaultDetector,
    StockrodFailureDetector,
)
from greenmet.monitoring.detectors.process import (
    ChannellingDetector,
    HangingDetector,
    HearthWallDetector,
    ScaffoldingDetector,
    SlipDetector,
    ThermalStateDetector,
    TuyereLeakDetector,
)

__all__ = [
    "CALCULATED_TAGS",
    "ChannellingDetector",
    "Detector",
    "DetectorSet",
    "Episodes",
    "HangingDetector",
    "HearthWallDetector",
    "ScaffoldingDetector",
    "SensorDriftDetector",
    "SensorFaultDetector",
    "SlipDetector",
    "StockrodFailureDetector",
    "ThermalStateDetector",
    "Transition",
    "TuyereLeakDetector",
    "check_frame",
    "default_detectors",
    "severity_name",
]

CALCULATED_TAGS: tuple[str, ...] = (
    "pressure_differential",
    "permeability_index",
    "bosh_gas_volume",
    "raceway_adiabatic_flame_temperature",
    "top_gas_utilisation",
)
"""Tags a plant's control system calculates from measured ones: an instrument fault shows on
the measured tag, so the sensor detectors leave these out."""

DISCRETE_TAGS: tuple[str, ...] = ("charge_count", "cast_in_progress", "active_taphole")
"""Counters and states, not measurements: no stuck, spike or dropout check."""


HEARTH_DRIFT_FLOOR_K = 15.0
"""Least drift of a hearth thermocouple against its peers that is reported [K]: their slow
wander (hours) is larger than a day of normal data shows; greenmet's own choice."""


STAVE_DRIFT_FLOOR_K = 10.0
"""Least drift of a stave thermocouple against its row that is reported [K]: a scaffold cools
the staves of a row in proportion to their own excess temperature, which spreads them by a few
kelvin; greenmet's own choice."""


def _numbered(tags: set[str], pattern: str) -> list[str]:
    found = [(int(match.group(1)), tag) for tag in tags if (match := re.fullmatch(pattern, tag))]
    return [tag for _, tag in sorted(found)]


def _or_default(found: list[str], default: list[str]) -> list[str]:
    """The tags found, or (when too few) the catalogue's first names, which DetectorSet reports missing."""
    return found if len(found) >= 3 else default


def default_detectors(tags: Iterable[str]) -> DetectorSet:
    """The detectors for a furnace with ``tags``, as a :class:`DetectorSet`.

    Counts (stockrods, uptakes, stave rows, hearth thermocouples, tuyeres) come from the tag
    names. A detector whose tags the furnace lacks is kept in the set and listed in
    :attr:`DetectorSet.missing`.
    """
    available = set(tags)
    rods = _or_default(_numbered(available, r"stockrod_level_(\d+)"), [stockrod_tag(n) for n in (1, 2, 3)])
    tops = _or_default(
        _numbered(available, r"top_temperature_u(\d+)"), [top_temperature_tag(n) for n in (1, 2, 3)]
    )
    hearth = _or_default(
        _numbered(available, r"hearth_temperature_t(\d+)"), [hearth_tag(n) for n in (1, 2, 3)]
    )
    stave_numbers = sorted(
        (int(match.group(1)), int(match.group(2)), tag)
        for tag in available
        if (match := re.fullmatch(r"stave_temperature_r(\d+)_s(\d+)", tag))
    )
    rows: dict[int, list[str]] = {}
    for row, _, tag in stave_numbers:
        rows.setdefault(row, []).append(tag)
    stave_rows = (
        list(rows.values()) if len(rows) >= 3 else [[stave_tag(r, s) for s in (1, 2, 3)] for r in (1, 2, 3)]
    )
    tuyeres = sorted(
        {int(m.group(1)) for tag in available if (m := re.fullmatch(r"tuyere_water_inlet_flow_t(\d+)", tag))}
    )
    inlets = [tuyere_tags(n)[0] for n in tuyeres] or [tuyere_tags(1)[0]]
    outlets = [tuyere_tags(n)[1] for n in tuyeres] or [tuyere_tags(1)[1]]
    staves = [tag for row in stave_rows for tag in row]

    skip = set(CALCULATED_TAGS) | set(DISCRETE_TAGS) | set(CAST_TAGS)
    measured = sorted(tag for tag in available if tag not in skip)
    groups = {
        f"stave_row_{number:02d}": row for number, row in enumerate(stave_rows, start=1) if len(row) >= 3
    }
    groups["hearth"] = hearth
    if len(inlets) >= 3:
        groups["tuyere_inlets"] = inlets
    stave_flows = _numbered(available, r"stave_water_flow_r(\d+)")
    if len(stave_flows) >= 3:
        groups["stave_water_flows"] = stave_flows

    detectors: list[Detector] = [
        HangingDetector(rods),
        SlipDetector(rods),
        ChannellingDetector(tops),
        ScaffoldingDetector(stave_rows),
        ThermalStateDetector(
            "cold", top_temperatures=tops, stave_temperatures=staves, hearth_temperatures=hearth
        ),
        ThermalStateDetector(
            "hot", top_temperatures=tops, stave_temperatures=staves, hearth_temperatures=hearth
        ),
        TuyereLeakDetector(inlets, outlets),
        HearthWallDetector(hearth),
        StockrodFailureDetector(rods),
        SensorFaultDetector(measured, not_stuck=rods),
        SensorDriftDetector(
            groups,
            ring_groups=["hearth"],
            floors={
                group: HEARTH_DRIFT_FLOOR_K if group == "hearth" else STAVE_DRIFT_FLOOR_K
                for group in groups
                if group == "hearth" or group.startswith("stave_row")
            },
            relative_to={
                group: "stave_water_inlet_temperature" for group in groups if group.startswith("stave_row")
            },
        ),
    ]
    return DetectorSet(detectors, tags=available)
