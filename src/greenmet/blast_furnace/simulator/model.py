"""A dynamic blast-furnace model that advances in vectorised chunks.

The model is a set of balances and lags, not a CFD model. Each chunk (an hour of 1-s steps by
default) is computed with whole-array numpy operations:

1. **Operating inputs** (blast volume, hot-blast temperature, O2 enrichment, humidity, coal
   injection) wander around the furnace's nominal point as slow AR(1) processes (operator moves,
   raw-material and ambient disturbances) and react to faults.
2. **Gas and balances.** Oxygen flow follows the mixing definition of enrichment
   (:func:`greenmet.blast_furnace.gas.oxygen_volume_for_enrichment`); hot-metal production
   follows the oxygen blown (each tonne needs a fixed amount of blast oxygen); carbon gasified per
   tonne rises with faults that spoil indirect reduction, and ηCO follows from the oxygen balance
   (blast oxygen + ore oxygen = oxygen in CO + CO2), so top-gas CO, CO2 and H2 (N2 as tracer)
   close the carbon and oxygen balances. Bosh gas and RAFT are computed with
   :func:`~greenmet.blast_furnace.gas.bosh_gas_volume` and
   :func:`~greenmet.blast_furnace.flame_temperature.raceway_adiabatic_flame_temperature`.
3. **Pressures.** ΔP scales with bosh gas to the power 1.7 times a burden resistance that faults
   raise (hanging, scaffold, hot furnace) or lower (channelling, cold furnace); PI = V_B/ΔP.
4. **Burden.** Stockrods read a sawtooth: the stock line descends at production × burden
   volume / throat area and is topped up one charge at a time; hanging stalls it, a slip drops it.
5. **Thermal state.** Heat input (RAFT deviation, heat demand, faults) passes through two
   first-order lags (1.5 h each), which drives hot-metal temperature and silicon, sampled per cast.
6. **Walls.** Stave and hearth thermocouples, cooling-water temperature rise (Q = ρ c V̇ ΔT) and
   tuyere cooling-water in/out flows.
7. **Instruments.** AR(1) measurement noise per tag, then sensor faults (stuck, spike, dropout →
   NaN with bad quality, drift) from the scenario and at random; every fault is labelled.

The fault signatures follow reference note ``blast_furnace.md`` §2.1; the constants of the
model (time constants, gains) are plausible values chosen for a demonstration furnace, not
fitted to a plant, and are documented in ``docs/user_guide/simulator.md``.

Determinism: for a given configuration, scenario, seed, start and chunk length, the output is
identical bit for bit (each chunk draws from ``numpy.random.default_rng([seed, chunk_number])``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from greenmet.blast_furnace.flame_temperature import raceway_adiabatic_flame_temperature
from greenmet.blast_furnace.gas import bosh_gas_volume, oxygen_volume_for_enrichment, top_gas_utilisation
from greenmet.blast_furnace.simulator.catalogue import (
    CAST_TAGS,
    cross_temperature_tags,
    hearth_tag,
    stave_tag,
    stockrod_tag,
    tag_catalogue,
    tag_specs,
    top_pressure_tag,
    top_temperature_tag,
    tuyere_blast_tag,
    tuyere_tags,
)
from greenmet.blast_furnace.simulator.config import FurnaceConfig
from greenmet.blast_furnace.simulator.records import RECORD_KINDS, SimulatedRecords, empty_records
from greenmet.blast_furnace.simulator.scenario import ResolvedFault, Scenario
from greenmet.errors import InputError
from greenmet.refdata import factor

__all__ = [
    "QUALITY_BAD",
    "QUALITY_GOOD",
    "FurnaceSimulator",
    "SimulationChunk",
    "SimulationResult",
    "simulate",
]

QUALITY_GOOD = 0
QUALITY_BAD = 128

_MOLAR_VOLUME = 22.414  # Nm3/kmol, ideal gas at 0 degC, 101.325 kPa (CODATA 2018: 22.41397)


def _constant(name: str) -> float:
    """A value of reference table ``simulator_constants`` (sources and provisional flags there)."""
    return factor("simulator_constants", name=name).value


_OXYGEN_PURITY = _constant("oxygen_purity")
_COAL_HYDROGEN = _constant("coal_hydrogen")  # % of coal
_HYDROGEN_UTILISATION = _constant("hydrogen_utilisation")
_IRON_IN_HOT_METAL = _constant("iron_in_hot_metal") / 100
_ORE_OXYGEN_BY_HYDROGEN = _constant("ore_oxygen_removed_by_hydrogen")  # kmol O per tHM
_BURDEN_VOLUME_ORE_M3_PER_T = _constant("ferrous_burden_rate") / _constant("ferrous_bulk_density")
_COKE_BULK_DENSITY = _constant("coke_bulk_density")  # t/m3
_CHARGES_PER_HOUR = _constant("charges_per_hour")
_STOCK_LINE_AFTER_CHARGE_M = _constant("stock_line_after_charge")
_TUYERE_LEAK_M3_PER_H = _constant("tuyere_leak_flow")
_DP_EXPONENT = _constant("pressure_differential_exponent")
_THERMAL_LAG_S = _constant("thermal_lag") * 3600
_SILICON_PER_KELVIN = _constant("silicon_per_kelvin")
_COARSE = 60  # steps between points of the slow processes
_STATE_FORMAT = "greenmet-simulator-state/1"

_DRIVERS = (
    "blast",
    "blast_temperature",
    "oxygen",
    "humidity",
    "coal",
    "heat_demand",
    "resistance",
    "top_pressure",
    "gas_efficiency",
    "wall",
    "water_temperature",
    "basicity",
)
_DRIVER_TAU_H = (3.0, 2.0, 2.0, 8.0, 2.0, 4.0, 1.5, 1.0, 3.0, 3.0, 12.0, 6.0)

# Tag families added after the first release of the model: their measurement noise comes from a
# random stream of its own, and random sensor faults are drawn among the other tags only, so the
# tags a seeded run had before keep their values exactly.
_LATER_FAMILIES = frozenset({"cross_temperature_centre", "cross_temperature", "tuyere_blast_volume"})

# Ramps (seconds, or a share of the fault's duration when below 1) of each process fault.
_RAMP = {
    "hanging": 120.0,
    "slip": 1.0,
    "channelling": 300.0,
    "scaffolding": 0.25,
    "cold_hearth": 0.3,
    "hot_furnace": 0.3,
    "tuyere_leak": 600.0,
    "hearth_wall_temperature_rise": 0.6,
    "stockrod_failure": 1.0,
}


@dataclass
class SimulationChunk:
    """A block of consecutive steps of all continuous tags.

    Attributes
    ----------
    timestamps
        Step times as int64 microseconds since 1970-01-01 UTC, shape (n,).
    tags
        Names of the continuous tags, in column order.
    values
        Measured values, shape (n, len(tags)); NaN only where quality is bad.
    quality
        0 good, 128 bad (contract quality codes), shape (n, len(tags)), uint8.
    casts
        Casts that ended inside this chunk (see :meth:`FurnaceSimulator.casts`).
    records
        Plant records made in this chunk, by kind (``charges``, ``material_analyses``,
        ``cast_analyses``, ``hot_metal_destinations``; see
        :mod:`greenmet.blast_furnace.simulator.records`). A record's time may lie up to a few
        minutes after the chunk's last step (the batches of a charge started in it, the delivery
        of a torpedo car filled in it).
    """

    timestamps: np.ndarray
    tags: tuple[str, ...]
    values: np.ndarray
    quality: np.ndarray
    casts: pd.DataFrame
    records: dict[str, pd.DataFrame] = field(default_factory=dict)

    def frame(self) -> pd.DataFrame:
        """The values as a wide DataFrame indexed by UTC time."""
        index = pd.DatetimeIndex(self.timestamps.astype("datetime64[us]"), name="ts").tz_localize("UTC")
        return pd.DataFrame(self.values, index=index, columns=list(self.tags))

    def quality_frame(self) -> pd.DataFrame:
        """The quality codes as a wide DataFrame indexed by UTC time."""
        index = pd.DatetimeIndex(self.timestamps.astype("datetime64[us]"), name="ts").tz_localize("UTC")
        return pd.DataFrame(self.quality, index=index, columns=list(self.tags))


@dataclass
class SimulationResult:
    """Everything :func:`simulate` produced: wide values and quality, casts, labels, and the
    plant records by kind (:meth:`FurnaceSimulator.plant_records`)."""

    values: pd.DataFrame
    quality: pd.DataFrame
    casts: pd.DataFrame
    labels: pd.DataFrame
    catalogue: pd.DataFrame = field(repr=False)
    records: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class _SlowProcesses:
    """Slow AR(1) drivers of one chunk (rows: steps): the shared drivers in the order of
    ``_DRIVERS``, then per stave (n, rows, per row), hearth thermocouple, uptake and stockrod."""

    drivers: np.ndarray
    stave: np.ndarray
    hearth: np.ndarray
    uptake: np.ndarray
    stockrod: np.ndarray


@dataclass(frozen=True, slots=True)
class _FaultIntensities:
    """Process-fault intensities per step (window × severity, 0..1) and slip transients."""

    hang: np.ndarray
    hang_window: np.ndarray
    channelling_by_uptake: np.ndarray
    channelling: np.ndarray
    scaffold_by_row: np.ndarray
    scaffold: np.ndarray
    cold: np.ndarray
    hot: np.ndarray
    leak_by_tuyere: np.ndarray
    hearth_rise: np.ndarray
    slip_jump: np.ndarray
    slip_pulse: np.ndarray
    slip_cooling: np.ndarray
    slip_scatter: np.ndarray


@dataclass(frozen=True, slots=True)
class _OperatingInputs:
    """True operating inputs per step: blast [Nm3/min], hot-blast temperature [degC],
    enrichment [%], humidity [g/Nm3], coal [kg/min], technical oxygen [Nm3/min]."""

    blast: np.ndarray
    blast_temperature: np.ndarray
    enrichment: np.ndarray
    humidity: np.ndarray
    coal_kg_per_min: np.ndarray
    oxygen: np.ndarray


@dataclass(frozen=True, slots=True)
class _GasBalance:
    """Production [t/min], tuyere water leak [m3/h per tuyere], ηCO and top-gas species [kmol/min]."""

    production: np.ndarray
    leak_m3_per_h: np.ndarray
    eta: np.ndarray
    co: np.ndarray
    co2: np.ndarray
    hydrogen: np.ndarray
    dry: np.ndarray


@dataclass(frozen=True, slots=True)
class _Pressures:
    """Pressure differential, top and blast pressure per step. [kPa]"""

    differential: np.ndarray
    top: np.ndarray
    blast: np.ndarray


@dataclass(frozen=True, slots=True)
class _Burden:
    """Charges counted, stock-line phase within a charge [m] and the top-temperature dip [K]."""

    charges: np.ndarray
    phase: np.ndarray
    dip: np.ndarray


class _CoarseAR:
    """Slow AR(1) processes on a grid of ``_COARSE`` steps, linearly interpolated per step."""

    def __init__(self, phi: np.ndarray, sigma: np.ndarray, rng: np.random.Generator) -> None:
        self.phi = phi
        self.innovation = sigma * np.sqrt(1.0 - phi**2)
        self.grid_first = 0
        self.grid = (rng.standard_normal(phi.size) * sigma)[None, :]

    def sample(self, first_step: int, n: int, rng: np.random.Generator) -> np.ndarray:
        last_needed = (first_step + n - 1) // _COARSE + 1
        have_last = self.grid_first + self.grid.shape[0] - 1
        if last_needed > have_last:
            extra = last_needed - have_last
            shocks = rng.standard_normal((extra, self.phi.size)) * self.innovation
            rows = [self.grid[-1]]
            for shock in shocks:
                rows.append(self.phi * rows[-1] + shock)
            self.grid = np.vstack([self.grid, np.asarray(rows[1:])])
        drop = first_step // _COARSE - self.grid_first
        if drop > 0:
            self.grid = self.grid[drop:]
            self.grid_first += drop
        steps = np.arange(first_step, first_step + n)
        position = steps / _COARSE - self.grid_first
        lower = np.floor(position).astype(np.int64)
        fraction = (position - lower)[:, None]
        return self.grid[lower] * (1.0 - fraction) + self.grid[lower + 1] * fraction


def _ar1(shocks: np.ndarray, sigma: np.ndarray, phi: float, state: np.ndarray) -> np.ndarray:
    """AR(1) noise x[t] = phi x[t-1] + e[t] from standard-normal ``shocks`` (tags, n), stationary
    std ``sigma``; updates ``state``."""
    shocks *= (sigma * np.sqrt(1.0 - phi * phi))[:, None]
    out, final = lfilter([1.0], [1.0, -phi], shocks, axis=-1, zi=state[:, None])
    state[:] = final[:, 0]
    return out


def _lag(signal: np.ndarray, phi: float, state: list[float]) -> np.ndarray:
    """First-order lag y[t] = phi y[t-1] + (1 - phi) u[t]; ``state`` holds phi * y[-1]."""
    out, final = lfilter([1.0 - phi], [1.0, -phi], signal, zi=np.array(state[:1]))
    state[0] = float(final[0])
    return out


class FurnaceSimulator:
    """A simulated blast furnace producing the tags of :func:`tag_catalogue` step by step.

    Parameters
    ----------
    config
        The furnace (see :func:`~greenmet.blast_furnace.simulator.preset`).
    scenario
        Faults to inject; default: no process faults, random sensor faults at the default rate.
    seed
        Seed of every random draw. [dimensionless]
    start
        Time of the first step (UTC, or any aware time). [s]
    step_seconds
        Step length; 1 s is the plant historian's usual resolution. [s]
    prefetch
        Draw the next chunk's measurement noise in a background thread while this chunk is
        computed (numpy releases the GIL while it fills arrays). The data are the same either way;
        call :meth:`close` when done.

    Raises
    ------
    InputError
        If the step is not positive or the scenario does not fit the furnace.
    """

    def __init__(
        self,
        config: FurnaceConfig,
        scenario: Scenario | None = None,
        *,
        seed: int = 0,
        start: str | pd.Timestamp = "2026-01-01T00:00:00Z",
        step_seconds: float = 1.0,
        prefetch: bool = False,
    ) -> None:
        if not step_seconds > 0 or step_seconds > 3600:
            raise InputError(
                "step must be between 0 and 3600 s",
                field="step_seconds",
                value=step_seconds,
                fix="use 1 (plant historian resolution) up to 60",
            )
        origin = pd.Timestamp(start)
        if origin.tzinfo is None:
            raise InputError(
                "start time has no time zone",
                field="start",
                value=str(start),
                fix="give a UTC time such as 2026-01-01T00:00:00Z",
            )
        self.config = config
        self.scenario = scenario if scenario is not None else Scenario()
        self.seed = int(seed)
        self.origin = origin.tz_convert("UTC")
        self.step_seconds = float(step_seconds)
        self._faults = self.scenario.check(config, self.origin)
        self._random_faults: list[ResolvedFault] = []
        self._stuck_values: dict[int, float] = {}
        # alphabetical, the order of historian parts: chunks go to disk without reordering
        self._specs = sorted(
            (spec for spec in tag_specs(config) if not spec.per_cast), key=lambda spec: spec.tag
        )
        self.tags: tuple[str, ...] = tuple(spec.tag for spec in self._specs)
        self._column = {tag: number for number, tag in enumerate(self.tags)}
        later = np.array([spec.family in _LATER_FAMILIES for spec in self._specs], dtype=bool)
        self._base_rows = np.flatnonzero(~later)
        self._later_rows = np.flatnonzero(later)
        self._low = np.array([spec.low for spec in self._specs])
        self._high = np.array([spec.high for spec in self._specs])
        self._step = 0
        self._chunk_number = 0
        self._setup_constants()
        self._setup_static(np.random.default_rng([self.seed, 2**31 - 1]))
        self._records = SimulatedRecords(config, self.seed, self.origin, self.step_seconds)
        self._record_frames: dict[str, list[pd.DataFrame]] = {kind: [] for kind in RECORD_KINDS}
        self._prefetch = prefetch
        self._pending: tuple[tuple[int, int], Future[np.ndarray]] | None = None
        self._executor: ThreadPoolExecutor | None = None

    def _shocks(self, chunk_number: int, n: int) -> np.ndarray:
        """Standard-normal measurement shocks of one chunk, from their own random stream (the
        tags of later families from a second one, see ``_LATER_FAMILIES``)."""
        base = np.random.default_rng([self.seed, chunk_number, 1]).standard_normal((self._base_rows.size, n))
        if not self._later_rows.size:
            return base
        shocks = np.empty((len(self.tags), n))
        shocks[self._base_rows] = base
        later = np.random.default_rng([self.seed, chunk_number, 3])
        shocks[self._later_rows] = later.standard_normal((self._later_rows.size, n))
        return shocks

    def _measurement_shocks(self, chunk_number: int, n: int) -> np.ndarray:
        pending, self._pending = self._pending, None
        if pending is not None and pending[0] == (chunk_number, n):
            shocks = pending[1].result()
        else:
            shocks = self._shocks(chunk_number, n)
        if self._prefetch:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="greenmet-noise")
            self._pending = ((chunk_number + 1, n), self._executor.submit(self._shocks, chunk_number + 1, n))
        return shocks

    def close(self) -> None:
        """Stop the prefetch thread (if any); the simulator can still advance afterwards."""
        self._pending = None
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    # -- set-up ------------------------------------------------------------------------------
    def _setup_constants(self) -> None:
        c = self.config
        self.P0 = c.hot_metal_rate_t_per_min
        self.BV0 = c.blast_volume_nm3_per_min
        vo2 = float(
            oxygen_volume_for_enrichment(self.BV0, c.oxygen_enrichment_percent, oxygen_purity=_OXYGEN_PURITY)
        )
        self.VO2_0 = vo2
        self.O_blast_per_t = self._blast_oxygen(self.BV0, vo2, c.blast_humidity_g_per_nm3) / self.P0
        iron_kmol = 1000 * _IRON_IN_HOT_METAL / 55.845
        self.O_ore_per_t = 1.5 * iron_kmol - _ORE_OXYGEN_BY_HYDROGEN
        self.C_gas_per_t = (self.O_blast_per_t + self.O_ore_per_t) / (1.0 + c.top_gas_utilisation)
        self.bosh0 = float(
            bosh_gas_volume(
                self.BV0,
                vo2,
                c.blast_humidity_g_per_nm3,
                c.coal_rate_kg_per_thm * self.P0 * 60,
                _COAL_HYDROGEN,
                oxygen_purity=_OXYGEN_PURITY,
            )
        )
        raft = raceway_adiabatic_flame_temperature(
            c.blast_temperature_degC,
            (self.BV0 + vo2) * (1 + c.blast_humidity_g_per_nm3 * 1.244e-3),
            c.oxygen_enrichment_percent,
            c.blast_humidity_g_per_nm3,
            c.coal_rate_kg_per_thm * self.P0,
        )
        self.RAFT0 = float(raft.temperature)
        burden_volume = _BURDEN_VOLUME_ORE_M3_PER_T + c.coke_rate_kg_per_thm / 1000 / _COKE_BULK_DENSITY
        self.burden_volume_per_t = burden_volume
        self.descent0 = self.P0 / 60 * burden_volume / c.throat_area_m2  # m/s
        self.layer = self.descent0 * 3600 / _CHARGES_PER_HOUR

    @staticmethod
    def _blast_oxygen(
        blast: np.ndarray | float, oxygen: np.ndarray | float, humidity: np.ndarray | float
    ) -> np.ndarray | float:
        """Oxygen atoms blown: air and technical O2, plus the O of blast moisture. [kmol/min]"""
        return (
            2 * (0.21 * blast + _OXYGEN_PURITY * oxygen) / _MOLAR_VOLUME
            + humidity * (blast + oxygen) / 1000 / 18.015
        )

    def _setup_static(self, rng: np.random.Generator) -> None:
        c = self.config
        rows, per_row = c.stave_rows, c.staves_per_row
        height = (np.arange(rows) + 0.5) / rows  # 0 at the bottom row
        # Bosh and belly rows run hottest; the values are typical of cast-iron/copper staves [L].
        row_profile = 55.0 + 45.0 * np.sin(np.pi * np.clip(height * 1.1, 0, 1)) ** 2
        self.stave_base = row_profile[:, None] + rng.normal(0.0, 6.0, (rows, per_row))
        self.stave_cols = np.array(
            [[self._column[stave_tag(r + 1, s + 1)] for s in range(per_row)] for r in range(rows)]
        )
        self.hearth_base = rng.uniform(140.0, 420.0, c.hearth_thermocouples)
        self.hearth_cols = np.array([self._column[hearth_tag(n + 1)] for n in range(c.hearth_thermocouples)])
        self.tuyere_offset = rng.normal(0.0, 0.03, c.tuyeres)
        self.tuyere_bias = rng.normal(0.0, 0.08, c.tuyeres)
        self.tuyere_cols = np.array(
            [[self._column[name] for name in tuyere_tags(n + 1)] for n in range(c.tuyeres)]
        )
        self.stave_flow_offset = rng.normal(0.0, 0.02, rows)
        self.uptake_cols = np.array([self._column[top_temperature_tag(n + 1)] for n in range(c.uptakes)])
        self.uptake_pressure_cols = np.array(
            [self._column[top_pressure_tag(n + 1)] for n in range(c.uptakes)]
        )
        self.stockrod_cols = np.array([self._column[stockrod_tag(n + 1)] for n in range(c.stockrods)])
        self.stockrod_offset = rng.normal(0.0, 0.05, c.stockrods)
        # slow processes: shared drivers, then per stave, hearth thermocouple, uptake, stockrod
        taus = [
            *_DRIVER_TAU_H,
            *[0.75] * (rows * per_row),
            *[8.0] * c.hearth_thermocouples,
            *[0.3] * c.uptakes,
            *[0.5] * c.stockrods,
        ]
        phi = np.exp(-_COARSE * self.step_seconds / (np.array(taus) * 3600.0))
        sigma = np.ones(phi.size)
        if not self.scenario.disturbances:
            sigma[: len(_DRIVERS)] = 0.0
        self._slow = _CoarseAR(phi, sigma, rng)
        self._fast_sigma = self._noise_sigma()
        fast_state = np.empty(len(self.tags))
        fast_state[self._base_rows] = rng.standard_normal(self._base_rows.size)
        fast_state[self._later_rows] = rng.standard_normal(self._later_rows.size)
        self._fast_state = fast_state * self._fast_sigma * 0.3
        self._setup_probe_and_tuyere_blast(np.random.default_rng([self.seed, 2**31 - 4]))
        self._fast_phi = float(np.exp(-self.step_seconds / 15.0))
        self._thermal_state = [0.0]
        self._thermal_state2 = [0.0]
        self._descent = 0.0
        self._production = 0.0
        self._cast_rng = np.random.default_rng([self.seed, 2**31 - 2])
        self._casts: list[dict] = []
        self._schedule: list[tuple[int, int, int]] = []
        self._last_cast_production = 0.0
        self._spike_state = np.zeros(1)

    def _setup_probe_and_tuyere_blast(self, rng: np.random.Generator) -> None:
        """Columns and static offsets of the cross-temperature probe and the tuyere blast meters."""
        c = self.config
        arms, points = c.cross_probe_arms, c.cross_probe_points_per_arm
        names = cross_temperature_tags(arms, points)
        self.probe_centre_col = self._column[names[0]] if names else None
        self.probe_cols = np.array([self._column[name] for name in names[1:]], dtype=np.int64)
        # radial position of each point (fraction of the throat radius) and the uptake sector an arm crosses
        self.probe_radius = np.arange(1, points + 1) / (points + 0.5)
        self.probe_sector = (np.arange(arms) * c.uptakes) // max(arms, 1)
        self.probe_offset = rng.normal(0.0, 5.0, arms * points + 1)
        meters = [tuyere_blast_tag(n + 1) for n in range(c.tuyeres)] if c.tuyere_blast_meters else []
        self.tuyere_blast_cols = np.array([self._column[name] for name in meters], dtype=np.int64)
        share = 1.0 + rng.normal(0.0, 0.03, c.tuyeres)  # unequal tuyere stocks and blowpipes
        self.tuyere_blast_share = share / share.sum()
        self.tuyere_sector = (np.arange(c.tuyeres) * c.uptakes) // c.tuyeres

    def _noise_sigma(self) -> np.ndarray:
        c = self.config
        sigma = np.zeros(len(self.tags))
        by_tag = {
            "blast_volume": 0.003 * self.BV0,
            "blast_pressure": 1.0,
            "blast_temperature": 1.5,
            "oxygen_enrichment": 0.02,
            "oxygen_flow": 0.004 * self.VO2_0 * 60,
            "blast_humidity": 0.2,
            "raceway_adiabatic_flame_temperature": 0.0,
            "coal_injection_rate": 0.004 * c.coal_rate_kg_per_thm * self.P0 * 60 / 1000,
            "coal_injection_pressure": 8.0,
            "top_pressure": 1.0,
            "top_gas_co": 0.08,
            "top_gas_co2": 0.08,
            "top_gas_h2": 0.03,
            "shaft_pressure_lower": 1.0,
            "shaft_pressure_upper": 1.0,
            "stave_water_inlet_temperature": 0.05,
        }
        for number, spec in enumerate(self._specs):
            if spec.tag in by_tag:
                sigma[number] = by_tag[spec.tag]
            elif spec.family == "top_temperature":
                sigma[number] = 3.0
            elif spec.family == "stockrod_level":
                sigma[number] = 0.015
            elif spec.family == "stave_temperature":
                sigma[number] = 0.6
            elif spec.family == "stave_water_flow":
                sigma[number] = 0.004 * c.stave_water_flow_m3_per_h
            elif spec.family == "stave_water_outlet_temperature":
                sigma[number] = 0.03
            elif spec.family == "hearth_temperature":
                sigma[number] = 0.4
            elif spec.family.startswith("tuyere_water"):
                sigma[number] = 0.12
            elif spec.family.startswith("cross_temperature"):
                sigma[number] = 4.0
            elif spec.family == "tuyere_blast_volume":
                sigma[number] = 0.006 * (self.BV0 + self.VO2_0) / c.tuyeres
        return sigma

    # -- fault profiles ----------------------------------------------------------------------
    def _step_of(self, time: pd.Timestamp) -> float:
        return (time - self.origin).total_seconds() / self.step_seconds

    def _profile(self, kind: str, steps: np.ndarray, count: int = 1, *, weighted: bool = True) -> np.ndarray:
        """Intensity (window × severity) of process faults ``kind``: shape (n, count)."""
        out = np.zeros((steps.size, count))
        for fault in self._faults:
            if fault.fault != kind:
                continue
            first, last = self._step_of(fault.start), self._step_of(fault.end)
            if last < steps[0] or first > steps[-1] + 1:
                continue
            ramp = _RAMP[kind]
            ramp_steps = max(1.0, ramp * (last - first) if ramp < 1 else ramp / self.step_seconds)
            up = np.clip((steps - first + 1) / ramp_steps, 0.0, 1.0)
            down = np.clip((last - steps) / ramp_steps, 0.0, 1.0)
            window = np.minimum(up, down) * (fault.severity if weighted else 1.0)
            column = 0 if fault.index is None else fault.index - 1
            out[:, column] = np.maximum(out[:, column], window)
        return out

    def _slip_events(self, steps: np.ndarray) -> list[tuple[float, float, float]]:
        return [
            (self._step_of(f.start), f.severity, self._step_of(f.end))
            for f in self._faults
            if f.fault == "slip"
            and steps[0] - 4 * 3600 / self.step_seconds <= self._step_of(f.start) <= steps[-1]
        ]

    # -- the model ---------------------------------------------------------------------------
    def advance(self, steps: int) -> SimulationChunk:
        """Simulate the next ``steps`` steps and return them.

        The chunk is computed in the order of the module docstring, one method per stage:
        slow drivers and fault intensities (:meth:`_slow_processes`, :meth:`_fault_intensities`),
        operating inputs (:meth:`_operating_inputs`), gas and balances (:meth:`_gas_balance`),
        pressures (:meth:`_pressures`), burden (:meth:`_burden`), thermal state
        (:meth:`_thermal_response`), true tag values (:meth:`_true_values`), instruments
        (:meth:`_measure`, then the sensor faults) and the casts that ended.

        Raises
        ------
        InputError
            If ``steps`` is not positive.
        """
        if steps < 1:
            raise InputError(
                "number of steps must be positive",
                field="steps",
                value=steps,
                fix="advance by at least one step",
            )
        # The order of the calls below is the order of the random draws: keep it, or seeded
        # runs change.
        rng = np.random.default_rng([self.seed, self._chunk_number])
        self._chunk_number += 1
        k = np.arange(self._step, self._step + steps)
        slow = self._slow_processes(k, rng)
        faults = self._fault_intensities(k)
        inputs = self._operating_inputs(slow.drivers, faults)
        gas = self._gas_balance(inputs, slow.drivers, faults)
        pressures = self._pressures(inputs, slow.drivers, faults, rng)
        burden = self._burden(gas.production, faults)
        thermal, cumulative = self._thermal_response(inputs, gas.production, slow.drivers, faults)
        values = self._true_values(k, slow, faults, inputs, gas, pressures, burden, thermal, rng)
        self._measure(values, burden.charges)
        quality = np.zeros(values.shape, dtype=np.uint8)
        self._draw_random_sensor_faults(rng, k)
        self._apply_instrument_faults(values, quality, k, rng)
        casts = self._finish_casts(k, thermal, cumulative, slow.drivers[:, 11])
        timestamps = (self.origin.value // 1000 + np.round(k * self.step_seconds * 1e6)).astype(np.int64)
        records = self._records.advance(timestamps, burden.charges, casts)
        for kind, frame in records.items():
            if len(frame):
                self._record_frames[kind].append(frame)
        self._step += steps
        return SimulationChunk(
            timestamps=timestamps, tags=self.tags, values=values.T, quality=quality.T, casts=casts,
            records=records,
        )

    def _slow_processes(self, k: np.ndarray, rng: np.random.Generator) -> _SlowProcesses:
        """Step 1a: the slow AR(1) drivers of this chunk, split by what they drive."""
        c = self.config
        n = k.size
        slow = self._slow.sample(int(k[0]), n, rng)
        offset = len(_DRIVERS)
        rows, per_row = c.stave_rows, c.staves_per_row
        stave = slow[:, offset : offset + rows * per_row].reshape(n, rows, per_row)
        offset += rows * per_row
        hearth = slow[:, offset : offset + c.hearth_thermocouples]
        offset += c.hearth_thermocouples
        uptake = slow[:, offset : offset + c.uptakes]
        offset += c.uptakes
        rod = slow[:, offset : offset + c.stockrods]
        return _SlowProcesses(
            drivers=slow[:, : len(_DRIVERS)], stave=stave, hearth=hearth, uptake=uptake, stockrod=rod
        )

    def _fault_intensities(self, k: np.ndarray) -> _FaultIntensities:
        """Step 1b: the intensity of each process fault at each step, and the slip transients."""
        c = self.config
        n = k.size
        chan_u = self._profile("channelling", k, c.uptakes)
        scaf_r = self._profile("scaffolding", k, c.stave_rows)
        slip_jump = np.zeros(n)
        slip_pulse = np.zeros(n)  # pressure spike, decays in minutes
        slip_cooling = np.zeros(n)  # unprepared burden reaching the hearth, 30-90 min later
        slip_scatter = np.zeros(n)
        for first, severity, last in self._slip_events(k):
            since = (k - first) * self.step_seconds
            after = since >= 0
            jump_at = int(np.ceil(first - k[0]))
            if 0 <= jump_at < n:
                slip_jump[jump_at] += 0.6 + 1.4 * severity
            slip_pulse += np.where(after, severity * np.exp(-np.clip(since, 0, None) / 90.0), 0.0)
            slip_scatter += np.where(after & (k < last), severity, 0.0)  # scatter while labelled
            slip_cooling += severity * np.exp(-(((since - 3600.0) / 1500.0) ** 2))
        return _FaultIntensities(
            hang=self._profile("hanging", k)[:, 0],
            hang_window=self._profile("hanging", k, weighted=False)[:, 0],
            channelling_by_uptake=chan_u,
            channelling=np.clip(chan_u.sum(axis=1), 0.0, 1.0),
            scaffold_by_row=scaf_r,
            scaffold=np.clip(scaf_r.sum(axis=1), 0.0, 1.0),
            cold=self._profile("cold_hearth", k)[:, 0],
            hot=self._profile("hot_furnace", k)[:, 0],
            leak_by_tuyere=self._profile("tuyere_leak", k, c.tuyeres),
            hearth_rise=self._profile("hearth_wall_temperature_rise", k, c.hearth_thermocouples),
            slip_jump=slip_jump,
            slip_pulse=slip_pulse,
            slip_cooling=slip_cooling,
            slip_scatter=slip_scatter,
        )

    def _operating_inputs(self, d: np.ndarray, f: _FaultIntensities) -> _OperatingInputs:
        """Step 1c: true blast, hot-blast temperature, enrichment, humidity, coal and O2 flow."""
        c = self.config
        blast = self.BV0 * (
            1
            + 0.006 * d[:, 0]
            - 0.08 * f.hang
            - 0.04 * f.channelling
            + 0.03 * f.cold
            - 0.03 * f.hot
            - 0.05 * f.slip_pulse
        )
        enrichment = np.clip(
            c.oxygen_enrichment_percent + 0.15 * d[:, 2] - 1.0 * f.hang_window * f.hang, 0.0, None
        )
        return _OperatingInputs(
            blast=blast,
            blast_temperature=c.blast_temperature_degC + 8.0 * d[:, 1],
            enrichment=enrichment,
            humidity=np.clip(c.blast_humidity_g_per_nm3 + 1.5 * d[:, 3], 0.5, None),
            coal_kg_per_min=c.coal_rate_kg_per_thm * self.P0 * blast / self.BV0 * (1 + 0.025 * d[:, 4]),
            oxygen=np.asarray(oxygen_volume_for_enrichment(blast, enrichment, oxygen_purity=_OXYGEN_PURITY)),
        )

    def _gas_balance(self, inputs: _OperatingInputs, d: np.ndarray, f: _FaultIntensities) -> _GasBalance:
        """Step 2: production from blast oxygen, carbon and oxygen balance, top-gas species."""
        blast, oxygen, humidity = inputs.blast, inputs.oxygen, inputs.humidity
        blast_oxygen = np.asarray(self._blast_oxygen(blast, oxygen, humidity))
        production = blast_oxygen / self.O_blast_per_t  # t/min
        leak_m3_per_h = _TUYERE_LEAK_M3_PER_H * f.leak_by_tuyere  # water lost per tuyere
        leak_kmol = leak_m3_per_h.sum(axis=1) * 1000 / 60 / 18.015  # kmol H2O/min
        delta = (
            0.006 * d[:, 5]
            + 0.005 * d[:, 8]
            + 0.07 * f.channelling
            + 0.05 * f.cold
            - 0.03 * f.hot
            + 0.04 * f.slip_pulse
            + 0.02 * f.scaffold
        )
        carbon_per_t = self.C_gas_per_t * (1 + delta)
        eta = (self.O_blast_per_t + self.O_ore_per_t + leak_kmol / production) / carbon_per_t - 1.0
        carbon = production * carbon_per_t  # kmol C/min
        co, co2 = carbon * (1 - eta), carbon * eta
        water_kmol = humidity * (blast + oxygen) / 1000 / 18.015
        hydrogen_in = water_kmol + inputs.coal_kg_per_min * _COAL_HYDROGEN / 100 / 2.016 + leak_kmol
        hydrogen = (1 - _HYDROGEN_UTILISATION) * hydrogen_in
        nitrogen = (0.79 * blast + (1 - _OXYGEN_PURITY) * oxygen) / _MOLAR_VOLUME
        return _GasBalance(
            production=production,
            leak_m3_per_h=leak_m3_per_h,
            eta=eta,
            co=co,
            co2=co2,
            hydrogen=hydrogen,
            dry=co + co2 + hydrogen + nitrogen,
        )

    def _pressures(
        self, inputs: _OperatingInputs, d: np.ndarray, f: _FaultIntensities, rng: np.random.Generator
    ) -> _Pressures:
        """Step 3: ΔP from bosh gas and burden resistance, top pressure with its spikes."""
        c = self.config
        n = d.shape[0]
        bosh = np.asarray(
            bosh_gas_volume(
                inputs.blast,
                inputs.oxygen,
                inputs.humidity,
                inputs.coal_kg_per_min * 60,
                _COAL_HYDROGEN,
                oxygen_purity=_OXYGEN_PURITY,
            )
        )
        resistance = (
            1
            + 0.03 * d[:, 6]
            + 0.40 * f.hang
            + 0.15 * f.scaffold
            - 0.12 * f.channelling
            - 0.06 * f.cold
            + 0.08 * f.hot
            - 0.10 * f.slip_pulse
        )
        dp = c.pressure_differential_kPa * (bosh / self.bosh0) ** _DP_EXPONENT * resistance
        spike_rate = 0.004 * (f.channelling > 0) + 0.004 * (f.slip_scatter > 0)
        impulses = (
            (rng.random(n) < spike_rate)
            * rng.uniform(8.0, 25.0, n)
            * np.maximum(f.channelling, f.slip_scatter)
        )
        impulses += 25.0 * f.slip_jump / 2.0
        spikes, self._spike_state = lfilter(
            [1.0], [1.0, -np.exp(-self.step_seconds / 20.0)], impulses, zi=self._spike_state
        )
        top = c.top_pressure_kPa * (1 + 0.01 * d[:, 7]) + spikes
        return _Pressures(differential=dp, top=top, blast=top + dp)

    def _burden(self, production: np.ndarray, f: _FaultIntensities) -> _Burden:
        """Step 4: stock-line descent (stalled by hanging, dropped by a slip) and charges."""
        c = self.config
        stall = np.clip(f.hang_window * 1.2, 0.0, 1.0)
        speed = production * self.burden_volume_per_t / 60 / c.throat_area_m2 * (1 - stall)
        descent = self._descent + np.cumsum(speed * self.step_seconds + f.slip_jump)
        self._descent = float(descent[-1])
        charges = np.floor(descent / self.layer)
        phase = descent - charges * self.layer
        dip = -30.0 * np.exp(-phase / (self.descent0 * 240.0))
        return _Burden(charges=charges, phase=phase, dip=dip)

    def _thermal_response(
        self, inputs: _OperatingInputs, production: np.ndarray, d: np.ndarray, f: _FaultIntensities
    ) -> tuple[np.ndarray, np.ndarray]:
        """Step 5: the lagged thermal deviation [K] and the cumulative production [t]."""
        raft = np.asarray(
            raceway_adiabatic_flame_temperature(
                inputs.blast_temperature,
                (inputs.blast + inputs.oxygen) * (1 + inputs.humidity * 1.244e-3),
                inputs.enrichment,
                inputs.humidity,
                inputs.coal_kg_per_min,
            ).temperature
        )
        heat = (
            0.35 * (raft - self.RAFT0)
            - 10.0 * d[:, 5]
            - 120.0 * f.cold
            + 90.0 * f.hot
            - 20.0 * f.leak_by_tuyere.sum(axis=1)
            - 25.0 * f.channelling
            - 40.0 * f.slip_cooling
            - 15.0 * f.scaffold
        )
        dt = self.step_seconds
        lag = float(np.exp(-dt / _THERMAL_LAG_S))
        thermal = _lag(_lag(heat, lag, self._thermal_state), lag, self._thermal_state2)
        cumulative = self._production + np.cumsum(production * dt / 60)
        self._production = float(cumulative[-1])
        return thermal, cumulative

    def _true_values(
        self,
        k: np.ndarray,
        slow: _SlowProcesses,
        f: _FaultIntensities,
        inputs: _OperatingInputs,
        gas: _GasBalance,
        pressures: _Pressures,
        burden: _Burden,
        thermal: np.ndarray,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """Step 6: every continuous tag's true value, tag-major (len(tags), n)."""
        c = self.config
        n = k.size
        d = slow.drivers
        top, dp, blast_pressure = pressures.top, pressures.differential, pressures.blast
        values = np.empty((len(self.tags), n))  # tag-major: each tag's series is contiguous
        col = self._column
        values[col["blast_volume"]] = inputs.blast
        values[col["blast_pressure"]] = blast_pressure
        values[col["blast_temperature"]] = inputs.blast_temperature
        values[col["oxygen_enrichment"]] = inputs.enrichment
        values[col["oxygen_flow"]] = inputs.oxygen * 60
        values[col["blast_humidity"]] = inputs.humidity
        values[col["coal_injection_rate"]] = inputs.coal_kg_per_min * 60 / 1000
        values[col["coal_injection_pressure"]] = blast_pressure + 450.0 + 20 * d[:, 4]
        values[col["top_pressure"]] = top
        values[col["top_gas_co"]] = 100 * gas.co / gas.dry
        values[col["top_gas_co2"]] = 100 * gas.co2 / gas.dry
        values[col["top_gas_h2"]] = 100 * gas.hydrogen / gas.dry
        values[col["shaft_pressure_lower"]] = top + 0.62 * dp
        values[col["shaft_pressure_upper"]] = top + (0.28 + 0.12 * f.scaffold) * dp
        top_base = (
            150.0
            + 150.0 * (c.top_gas_utilisation - gas.eta)
            + 10.0 * d[:, 9]
            + 30.0 * f.hot
            - 35.0 * f.cold
            + burden.dip
        )
        chan_u = f.channelling_by_uptake
        scatter = rng.standard_normal((n, c.uptakes))
        values[self.uptake_cols] = (
            top_base[:, None]
            + 8.0 * slow.uptake
            + 180.0 * chan_u
            + (40.0 * chan_u + 25.0 * f.slip_scatter[:, None]) * scatter
        ).T
        # Each uptake's pressure gauge reads the common top pressure plus a local flow term that
        # scatters more in a channelling sector; it reuses the uptake scatter drawn above, so the
        # random stream (and every seeded run) is unchanged by these tags.
        values[self.uptake_pressure_cols] = (top[:, None] + (0.5 + 4.0 * chan_u) * scatter).T
        rod_noise = 0.08 * slow.stockrod + self.stockrod_offset
        rod_slip = 0.5 * f.slip_pulse[:, None] * (np.arange(c.stockrods) == 0)  # N-S difference after a slip
        values[self.stockrod_cols] = (
            _STOCK_LINE_AFTER_CHARGE_M + burden.phase[:, None] + rod_noise + rod_slip
        ).T
        values[col["charge_count"]] = burden.charges
        self._probe_values(values, top_base, f, slow, scatter)
        self._wall_values(values, d, f, slow, thermal)
        inlet = c.tuyere_water_flow_m3_per_h * (1 + self.tuyere_offset)
        values[self.tuyere_cols[:, 0]] = inlet[:, None]
        values[self.tuyere_cols[:, 1]] = (inlet[None, :] - self.tuyere_bias[None, :] - gas.leak_m3_per_h).T
        if self.tuyere_blast_cols.size:
            # Each tuyere takes its share of the blast (air and oxygen); a channel draws more gas
            # through the tuyeres of its sector (greenmet's own choice of gain: +6 % at severity 1).
            weight = self.tuyere_blast_share[None, :] * (1.0 + 0.06 * chan_u[:, self.tuyere_sector])
            weight /= weight.sum(axis=1, keepdims=True)
            values[self.tuyere_blast_cols] = ((inputs.blast + inputs.oxygen)[:, None] * weight).T
        in_cast, taphole = self._cast_columns(k)
        values[col["cast_in_progress"]] = in_cast
        values[col["active_taphole"]] = taphole
        return values

    def _probe_values(
        self, values: np.ndarray, top_base: np.ndarray, f: _FaultIntensities, slow: _SlowProcesses,
        scatter: np.ndarray,
    ) -> None:
        """Step 6 (cross-temperature probe): a radial profile above the burden, hot in the centre
        (central gas flow) and cool at the wall, T(r) = T_wall + (T_centre - T_wall) exp(-(r/0.35)^2);
        a channel heats the wall side of its sector (temperature rising with r^2), a scaffold cools
        the wall side, a hot or cold furnace shifts the centre. The shape follows reference note
        ``blast_furnace.md`` §2.1 (probe abnormal with channelling); the gains are greenmet's own
        demonstration values, not fitted to a plant."""
        if self.probe_centre_col is None:
            return
        n = top_base.size
        excess = top_base - 150.0
        centre = 450.0 + 1.2 * excess + 80.0 * f.hot - 100.0 * f.cold + 10.0 * slow.uptake.mean(axis=1)
        wall = (
            110.0
            + 0.5 * excess[:, None]
            + 8.0 * slow.uptake[:, self.probe_sector]
            - 30.0 * f.scaffold[:, None]
            + 25.0 * f.slip_scatter[:, None] * scatter[:, self.probe_sector]
        )
        shape = np.exp(-((self.probe_radius / 0.35) ** 2))
        channel = 280.0 * f.channelling_by_uptake[:, self.probe_sector][:, :, None] * self.probe_radius**2
        profile = wall[:, :, None] + (centre[:, None, None] - wall[:, :, None]) * shape + channel
        values[self.probe_centre_col] = centre + self.probe_offset[0]
        values[self.probe_cols] = profile.reshape(n, -1).T + self.probe_offset[1:, None]

    def _wall_values(
        self,
        values: np.ndarray,
        d: np.ndarray,
        f: _FaultIntensities,
        slow: _SlowProcesses,
        thermal: np.ndarray,
    ) -> None:
        """Step 6 (walls): stave and hearth thermocouples, stave cooling water (Q = ρ c V̇ ΔT)."""
        c = self.config
        n = d.shape[0]
        col = self._column
        wall = (3.0 * d[:, 9] + 6.0 * f.hot - 4.0 * f.cold)[:, None, None]
        water_in = 38.0 + 1.5 * d[:, 10]
        scaffold_cooling = 0.7 * f.scaffold_by_row[:, :, None] * (self.stave_base[None] - 38.0)
        stave = self.stave_base[None] + wall + 4.0 * slow.stave - scaffold_cooling
        values[self.stave_cols.ravel()] = stave.reshape(n, -1).T
        values[col["stave_water_inlet_temperature"]] = water_in
        flow = c.stave_water_flow_m3_per_h * (1 + self.stave_flow_offset)
        base_excess = (self.stave_base - 38.0).mean(axis=1)
        # Q = rho c V dT with 1.5 K nominal rise: heat load follows the row's wall excess temperature.
        rise = (
            1.5
            * (stave.mean(axis=2) - water_in[:, None])
            / base_excess[None, :]
            * c.stave_water_flow_m3_per_h
            / flow[None, :]
        )
        for row in range(c.stave_rows):
            values[col[f"stave_water_flow_r{row + 1:02d}"]] = flow[row]
            values[col[f"stave_water_outlet_temperature_r{row + 1:02d}"]] = water_in + rise[:, row]
        rise_t = f.hearth_rise
        hot_spot = rise_t + 0.4 * np.roll(rise_t, 1, axis=1) + 0.4 * np.roll(rise_t, -1, axis=1)
        values[self.hearth_cols] = (
            self.hearth_base[None] + 3.0 * slow.hearth + 0.25 * thermal[:, None] + 260.0 * hot_spot
        ).T

    def _measure(self, values: np.ndarray, charges: np.ndarray) -> None:
        """Step 7a: add AR(1) measurement noise, then recompute the calculated tags (ΔP, PI,
        bosh gas, RAFT, ηCO) from the measured values, as a plant's DCS does; in place."""
        col = self._column
        n = values.shape[1]
        in_cast = values[col["cast_in_progress"]].copy()
        taphole = values[col["active_taphole"]].copy()
        values += _ar1(
            self._measurement_shocks(self._chunk_number - 1, n),
            self._fast_sigma,
            self._fast_phi,
            self._fast_state,
        )
        values[col["oxygen_enrichment"]] = np.clip(values[col["oxygen_enrichment"]], 0.0, None)
        values[col["blast_humidity"]] = np.clip(values[col["blast_humidity"]], 0.0, None)
        measured_dp = values[col["blast_pressure"]] - values[col["top_pressure"]]
        values[col["pressure_differential"]] = measured_dp
        values[col["permeability_index"]] = values[col["blast_volume"]] / measured_dp
        measured_blast = values[col["blast_volume"]]
        measured_oxygen = values[col["oxygen_flow"]] / 60
        measured_humidity = values[col["blast_humidity"]]
        measured_coal = values[col["coal_injection_rate"]] * 1000
        values[col["bosh_gas_volume"]] = bosh_gas_volume(
            measured_blast,
            measured_oxygen,
            measured_humidity,
            measured_coal,
            _COAL_HYDROGEN,
            oxygen_purity=_OXYGEN_PURITY,
        )
        values[col["raceway_adiabatic_flame_temperature"]] = raceway_adiabatic_flame_temperature(
            values[col["blast_temperature"]],
            (measured_blast + measured_oxygen) * (1 + measured_humidity * 1.244e-3),
            values[col["oxygen_enrichment"]],
            measured_humidity,
            measured_coal / 60,
        ).temperature
        values[col["top_gas_utilisation"]] = top_gas_utilisation(
            values[col["top_gas_co"]], values[col["top_gas_co2"]]
        )
        # discrete tags carry no measurement noise
        values[col["cast_in_progress"]] = in_cast
        values[col["active_taphole"]] = taphole
        values[col["charge_count"]] = charges

    # -- casts -------------------------------------------------------------------------------
    def _extend_schedule(self, until_step: int) -> None:
        order = [*range(1, self.config.tapholes + 1, 2), *range(2, self.config.tapholes + 1, 2)]
        while not self._schedule or self._schedule[-1][1] <= until_step:
            previous_end = self._schedule[-1][1] if self._schedule else 0
            gap = self._cast_rng.uniform(10, 25) * 60 / self.step_seconds
            duration = self._cast_rng.uniform(100, 150) * 60 / self.step_seconds
            start = int(previous_end + gap)
            taphole = order[len(self._schedule) % len(order)]
            self._schedule.append((start, int(start + duration), taphole))

    def _cast_columns(self, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        self._extend_schedule(int(k[-1]) + 1)
        in_cast = np.zeros(k.size)
        taphole = np.zeros(k.size)
        for start, end, hole in self._schedule:
            if end < k[0] or start > k[-1]:
                continue
            mask = (k >= start) & (k < end)
            in_cast[mask] = 1.0
            taphole[mask] = hole
        return in_cast, taphole

    def _finish_casts(
        self, k: np.ndarray, thermal: np.ndarray, cumulative: np.ndarray, basicity_driver: np.ndarray
    ) -> pd.DataFrame:
        c = self.config
        finished = []
        for number, (start, end, hole) in enumerate(self._schedule):
            if not k[0] <= end - 1 <= k[-1]:
                continue
            index = int(end - 1 - k[0])
            theta = float(thermal[index])
            mass = float(cumulative[index]) - self._last_cast_production
            self._last_cast_production = float(cumulative[index])
            rng = self._cast_rng
            record = {
                "cast_number": number + 1,
                "start": self._time(start),
                "end": self._time(end - 1),
                "taphole": hole,
                "hot_metal_temperature_degC": c.hot_metal_temperature_degC + theta + rng.normal(0, 6.0),
                "hot_metal_silicon_percent": max(
                    0.08, c.hot_metal_silicon_percent + _SILICON_PER_KELVIN * theta + rng.normal(0, 0.03)
                ),
                "hot_metal_sulphur_percent": max(0.005, 0.028 - 0.00012 * theta + rng.normal(0, 0.003)),
                "slag_basicity": 1.18 + 0.02 * float(basicity_driver[index]) + rng.normal(0, 0.015),
                "hot_metal_mass_t": mass,
            }
            finished.append(record)
        self._casts.extend(finished)
        return _cast_frame(finished)

    def _time(self, step: float) -> pd.Timestamp:
        return self.origin + pd.Timedelta(seconds=step * self.step_seconds)

    def casts(self) -> pd.DataFrame:
        """Casts finished so far: number (the cast id), start, end, taphole, hot-metal
        temperature [degC], silicon [%], sulphur [%], slag basicity R2 [dimensionless],
        hot-metal mass [t], duration [min]."""
        return _cast_frame(self._casts)

    def plant_records(self, kind: str) -> pd.DataFrame:
        """Plant records of ``kind`` made so far by this simulator (since it was built or
        restored): ``charges``, ``material_analyses``, ``cast_analyses`` or
        ``hot_metal_destinations``, in the columns of :mod:`greenmet.storage.plant_records`.

        Raises
        ------
        InputError
            If ``kind`` is not one of these.
        """
        if kind not in self._record_frames:
            raise InputError(
                "no such kind of plant record",
                field="kind",
                value=kind,
                fix=f"use one of {', '.join(RECORD_KINDS)}",
            )
        frames = self._record_frames[kind]
        if not frames:
            return empty_records(kind)
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].copy()

    # -- instrument faults -------------------------------------------------------------------
    def _draw_random_sensor_faults(self, rng: np.random.Generator, k: np.ndarray) -> None:
        rate = self.scenario.random_sensor_faults_per_day * k.size * self.step_seconds / 86400.0
        candidates = [
            int(number)
            for number in self._base_rows
            if self._specs[number].family
            not in (
                "charge_count",
                "cast_in_progress",
                "active_taphole",
                "raceway_adiabatic_flame_temperature",
                "top_gas_utilisation",
                "permeability_index",
                "pressure_differential",
                "bosh_gas_volume",
            )
        ]
        minutes = {"stuck": (10, 60), "spike": (5, 30), "dropout": (1, 30), "drift": (120, 720)}
        for _ in range(rng.poisson(rate)):
            kind = str(rng.choice(["stuck", "spike", "dropout", "drift"]))
            column = int(rng.choice(candidates))
            first = float(rng.uniform(k[0], k[-1] + 1))
            length = rng.uniform(*minutes[kind]) * 60
            start = self._time(round(first))
            end = start + pd.Timedelta(seconds=round(length))
            self._random_faults.append(
                ResolvedFault(
                    start=start, end=end, fault=f"sensor_{kind}", severity=1.0, location=self.tags[column]
                )
            )

    def _apply_instrument_faults(
        self, values: np.ndarray, quality: np.ndarray, k: np.ndarray, rng: np.random.Generator
    ) -> None:
        faults = [f for f in self._faults if f.fault.startswith("sensor_") or f.fault == "stockrod_failure"]
        for number, fault in enumerate([*faults, *self._random_faults]):
            first, last = self._step_of(fault.start), self._step_of(fault.end)
            if last <= k[0] or first > k[-1]:
                continue
            a = int(max(0, np.ceil(first - k[0])))
            b = int(min(k.size, np.ceil(last - k[0])))
            if a >= b:
                continue
            if fault.fault == "stockrod_failure":
                column = int(self.stockrod_cols[(fault.index or 1) - 1])
                kind = "stuck"
            else:
                column = self._column[str(fault.location)]
                kind = fault.fault.removeprefix("sensor_")
            magnitude = (
                fault.magnitude
                if fault.magnitude is not None
                else 0.1 * (self._high[column] - self._low[column])
            )
            key = number
            if kind == "stuck":
                value = self._stuck_values.setdefault(key, float(values[column, a]))
                values[column, a:b] = value
            elif kind == "dropout":
                values[column, a:b] = np.nan
                quality[column, a:b] = QUALITY_BAD
            elif kind == "drift":
                fraction = (k[a:b] - first) / max(last - first, 1.0)
                values[column, a:b] += magnitude * fraction
            else:  # spike: a few samples far off the signal, about one per minute
                hits = rng.random(b - a) < self.step_seconds / 60.0
                if first >= k[0]:
                    hits[0] = True
                sign = np.where(rng.random(b - a) < 0.5, -1.0, 1.0)
                values[column, a:b] += np.where(hits, sign * magnitude, 0.0)

    def labels(self) -> pd.DataFrame:
        """Ground-truth labels of all faults injected so far: ``start``, ``end`` (UTC),
        ``fault``, ``severity`` [0..1], ``location`` (None for whole-furnace faults; the tag
        for sensor faults)."""
        now = self._time(self._step)
        rows = [
            {"start": f.start, "end": f.end, "fault": f.fault, "severity": f.severity, "location": f.location}
            for f in [*self._faults, *self._random_faults]
            if f.start < now
        ]
        frame = pd.DataFrame(rows, columns=["start", "end", "fault", "severity", "location"])
        frame["start"] = pd.to_datetime(frame["start"], utc=True)
        frame["end"] = pd.to_datetime(frame["end"], utc=True)
        frame["severity"] = frame["severity"].astype("float64")
        return frame.sort_values(["start", "fault"], kind="stable").reset_index(drop=True)

    # -- state -------------------------------------------------------------------------------
    def fingerprint(self) -> str:
        """SHA-256 of the configuration, scenario, seed, start and step: a state only continues
        the run it was taken from."""
        text = json.dumps(
            {
                "config": self.config.model_dump(mode="json"),
                "scenario": self.scenario.model_dump(mode="json"),
                "seed": self.seed,
                "origin": self.origin.isoformat(),
                "step_seconds": self.step_seconds,
            },
            sort_keys=True,
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def state(self) -> dict[str, Any]:
        """Everything that evolves as the model advances, as plain JSON-able values.

        :meth:`restore` on a simulator built with the same configuration, scenario, seed, start
        and step continues bit for bit as this one would (floats are kept at full precision:
        JSON's shortest round-trip representation). Taken between chunks; a prefetched chunk of
        noise is not part of it (it is redrawn from its own seed).
        """
        return {
            "format": _STATE_FORMAT,
            "fingerprint": self.fingerprint(),
            "origin": self.origin.isoformat(),
            "step": self._step,
            "chunk_number": self._chunk_number,
            "random_faults": [
                {
                    "start": fault.start.isoformat(),
                    "end": fault.end.isoformat(),
                    "fault": fault.fault,
                    "severity": fault.severity,
                    "location": fault.location,
                    "index": fault.index,
                    "magnitude": fault.magnitude,
                }
                for fault in self._random_faults
            ],
            "stuck_values": [[key, value] for key, value in self._stuck_values.items()],
            "slow_grid_first": self._slow.grid_first,
            "slow_grid": self._slow.grid.tolist(),
            "fast_state": self._fast_state.tolist(),
            "thermal_state": [*self._thermal_state, *self._thermal_state2],
            "descent": self._descent,
            "production": self._production,
            "last_cast_production": self._last_cast_production,
            "spike_state": self._spike_state.tolist(),
            "cast_random_state": self._cast_rng.bit_generator.state,
            "casts": [
                {**cast, "start": cast["start"].isoformat(), "end": cast["end"].isoformat()}
                for cast in self._casts
            ],
            "schedule": [list(entry) for entry in self._schedule],
            "records": self._records.state(),
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from a :meth:`state` of the same run (see there).

        Raises
        ------
        InputError
            If the state is of another format or another run (configuration, scenario, seed,
            start or step differ).
        """
        if not isinstance(state, dict) or state.get("format") != _STATE_FORMAT:
            raise InputError(
                "not a simulator state of this version",
                field="state.format",
                value=state.get("format") if isinstance(state, dict) else type(state).__name__,
                fix="delete the state file to start afresh",
            )
        if state.get("fingerprint") != self.fingerprint():
            raise InputError(
                "the saved state is of another run (furnace, scenario, seed, start or step differ)",
                field="state.fingerprint",
                value=str(state.get("origin")),
                fix="use the settings the state was saved with, or delete the state file to start afresh",
            )
        self.close()
        self._step = int(state["step"])
        self._chunk_number = int(state["chunk_number"])
        self._random_faults = [
            ResolvedFault(
                start=pd.Timestamp(fault["start"]),
                end=pd.Timestamp(fault["end"]),
                fault=fault["fault"],
                severity=float(fault["severity"]),
                location=fault["location"],
                index=fault["index"],
                magnitude=fault["magnitude"],
            )
            for fault in state["random_faults"]
        ]
        self._stuck_values = {int(key): float(value) for key, value in state["stuck_values"]}
        self._slow.grid_first = int(state["slow_grid_first"])
        self._slow.grid = np.array(state["slow_grid"], dtype=float).reshape(-1, self._slow.phi.size)
        self._fast_state = np.array(state["fast_state"], dtype=float)
        thermal = state["thermal_state"]
        self._thermal_state, self._thermal_state2 = [float(thermal[0])], [float(thermal[1])]
        self._descent = float(state["descent"])
        self._production = float(state["production"])
        self._last_cast_production = float(state["last_cast_production"])
        self._spike_state = np.array(state["spike_state"], dtype=float)
        self._cast_rng.bit_generator.state = state["cast_random_state"]
        self._casts = [
            {**cast, "start": pd.Timestamp(cast["start"]), "end": pd.Timestamp(cast["end"])}
            for cast in state["casts"]
        ]
        self._schedule = [(int(a), int(b), int(c)) for a, b, c in state["schedule"]]
        if "records" in state:
            self._records.restore(state["records"])
        else:  # a state saved before the simulator made plant records: continue from its charge count
            self._records = SimulatedRecords(self.config, self.seed, self.origin, self.step_seconds)
            self._records.restore_charge_count(int(np.floor(self._descent / self.layer)))
        self._record_frames = {kind: [] for kind in RECORD_KINDS}

    @property
    def step(self) -> int:
        """Number of steps simulated so far (the index of the next step)."""
        return self._step

    @property
    def now(self) -> pd.Timestamp:
        """Time of the next step to be simulated (UTC)."""
        return self._time(self._step)

    def run(self, steps: int, *, chunk_steps: int = 3600) -> Iterator[SimulationChunk]:
        """Yield chunks of ``chunk_steps`` (the last may be shorter) until ``steps`` are done."""
        if chunk_steps < 1:
            raise InputError(
                "chunk must hold at least one step",
                field="chunk_steps",
                value=chunk_steps,
                fix="use 3600 (an hour of 1-s steps)",
            )
        done = 0
        while done < steps:
            size = min(chunk_steps, steps - done)
            yield self.advance(size)
            done += size

    def catalogue(self) -> pd.DataFrame:
        """The tag catalogue of this furnace (:func:`tag_catalogue`)."""
        return tag_catalogue(self.config)


def _cast_frame(records: list[dict]) -> pd.DataFrame:
    columns = [
        "cast_number",
        "start",
        "end",
        "taphole",
        "hot_metal_temperature_degC",
        "hot_metal_silicon_percent",
        "hot_metal_sulphur_percent",
        "slag_basicity",
        "hot_metal_mass_t",
    ]
    frame = pd.DataFrame(records, columns=columns)
    frame["start"] = pd.to_datetime(frame["start"], utc=True)
    frame["end"] = pd.to_datetime(frame["end"], utc=True)
    # from the first to the last step of the cast, as the casthouse records it [min]
    frame["cast_duration_min"] = (frame["end"] - frame["start"]).dt.total_seconds().astype("float64") / 60
    return frame.astype({"cast_number": "int64", "taphole": "int64"})


CAST_COLUMNS: dict[str, str] = {
    "hot_metal_temperature": "hot_metal_temperature_degC",
    "hot_metal_silicon": "hot_metal_silicon_percent",
    "hot_metal_sulphur": "hot_metal_sulphur_percent",
    "slag_basicity": "slag_basicity",
    "cast_hot_metal_mass": "hot_metal_mass_t",
    "cast_number": "cast_number",
    "cast_duration": "cast_duration_min",
}
"""Per-cast tag → column of the casts table."""

if set(CAST_COLUMNS) != set(CAST_TAGS):  # pragma: no cover - a packaging defect, caught by tests
    raise RuntimeError("cast tags and cast columns disagree")


def simulate(
    config: FurnaceConfig,
    duration: str | pd.Timedelta = "1h",
    *,
    scenario: Scenario | None = None,
    seed: int = 0,
    start: str | pd.Timestamp = "2026-01-01T00:00:00Z",
    step_seconds: float = 1.0,
) -> SimulationResult:
    """Simulate a furnace for ``duration`` in memory (for short spans: tests, notebooks).

    Parameters
    ----------
    config
        The furnace.
    duration
        Simulated time, e.g. ``"6h"``. [s]
    scenario, seed, start, step_seconds
        As for :class:`FurnaceSimulator`.

    Returns
    -------
    SimulationResult
        Wide values and quality (index: UTC time, columns: continuous tags), casts and labels.
    """
    span = pd.Timedelta(duration)
    steps = int(span.total_seconds() // step_seconds)
    if steps < 1:
        raise InputError(
            "duration shorter than one step",
            field="duration",
            value=str(duration),
            fix="give a duration such as '6h'",
        )
    simulator = FurnaceSimulator(config, scenario, seed=seed, start=start, step_seconds=step_seconds)
    chunks = list(simulator.run(steps))
    values = pd.concat([chunk.frame() for chunk in chunks])
    quality = pd.concat([chunk.quality_frame() for chunk in chunks])
    return SimulationResult(
        values=values,
        quality=quality,
        casts=simulator.casts(),
        labels=simulator.labels(),
        catalogue=simulator.catalogue(),
        records={kind: simulator.plant_records(kind) for kind in RECORD_KINDS},
    )
