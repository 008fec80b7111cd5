"""A simulated blast furnace: configuration, tag catalogue, dynamic model and fault scenarios.

Pure numpy/pandas: the model never opens a file or a socket. The pipeline layer
(:mod:`greenmet.simulation`) writes its history to Parquet and serves it over OPC UA.

>>> from greenmet.blast_furnace.simulator import preset, simulate
>>> result = simulate(preset("2500m3"), "10min", seed=1)
>>> result.values["blast_volume"].between(3000, 5000).all()
True
"""

from greenmet.blast_furnace.simulator.catalogue import CAST_TAGS, SUBSYSTEMS, tag_catalogue
from greenmet.blast_furnace.simulator.config import PRESETS, FurnaceConfig, preset
from greenmet.blast_furnace.simulator.model import (
    CAST_COLUMNS,
    QUALITY_BAD,
    QUALITY_GOOD,
    FurnaceSimulator,
    SimulationChunk,
    SimulationResult,
    simulate,
)
from greenmet.blast_furnace.simulator.scenario import FaultEvent, FaultKind, Scenario, SensorFault

__all__ = [
    "CAST_COLUMNS",
    "CAST_TAGS",
    "PRESETS",
    "QUALITY_BAD",
    "QUALITY_GOOD",
    "SUBSYSTEMS",
    "FaultEvent",
    "FaultKind",
    "FurnaceConfig",
    "FurnaceSimulator",
    "Scenario",
    "SensorFault",
    "SimulationChunk",
    "SimulationResult",
    "preset",
    "simulate",
    "tag_catalogue",
]
