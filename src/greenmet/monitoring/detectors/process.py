"""Detectors of process faults: the metallurgist's rule checked against the furnace's own normal.

Each detector turns a few tags into a feature (burden descent rate, an uptake's temperature
excess, a stave row's temperature deficit …), learns in :meth:`fit` how that feature behaves in
the furnace's own normal operation (robust median and MAD-based spread, or a small least-squares
model), and raises an alert when the *rule* (direction and physical floor from the signature of
the fault) and the *model* (a deviation of several learnt standard deviations) agree for long
enough. Signatures: the reference note's table of abnormal conditions (hanging, slip,
channelling, scaffold-like wall cooling, cooling / hot furnace, tuyere water leak, hearth
thermocouple rise), after R. Geerdes, H. Toxopeus, C. van der Vliet, *Modern Blast Furnace
Ironmaking: an Introduction*, 4th ed., IOS Press 2020, doi:10.3233/STAL9781643681238, chapters on
burden descent and gas flow (hanging, slips, channelling, scaffolds), thermal control of the
furnace, and hearth and tuyere cooling.

Physical floors, multiples of the learnt spread, window lengths and hold times are greenmet's
own choices (no published plant thresholds were found; the reference note records the same
for tuyere leaks); they are set so that the grading benchmark
(``benchmarks/detection_grading.py``) meets its bars, and each is a constructor parameter so a
plant can set its own.

Units of the features: descent rate in m/min, temperatures in °C, flows in m³/h, ΔP in kPa.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from greenmet.errors import InputError
from greenmet.monitoring.alerts import AlertEvent, Category, Evidence
from greenmet.monitoring.detectors._common import (
    Episodes,
    EventMaker,
    Trailing,
    columns,
    evidence_row,
    moving_mean,
    require_rows,
    robust_location_scale,
)
from greenmet.monitoring.detectors.base import Transition, check_frame

__all__ = [
    "ChannellingDetector",
    "HangingDetector",
    "HearthWallDetector",
    "ScaffoldingDetector",
    "SlipDetector",
    "ThermalStateDetector",
    "TuyereLeakDetector",
]


def _nanmedian(values: np.ndarray, axis: int) -> np.ndarray:
    if not np.isnan(values).any():
        return np.median(values, axis=axis)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows stay NaN (a gap)
        return np.nanmedian(values, axis=axis)


def _gt(values: np.ndarray, threshold: float | np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.asarray(values > threshold)


def _lt(values: np.ndarray, threshold: float | np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.asarray(values < threshold)


class _Detector:
    """Common bookkeeping: name, required tags, fitted state, event making."""

    category: Category = "process"
    fault_kind: str = ""
    countermeasures: tuple[str, ...] = ()

    def __init__(
        self, name: str, required_tags: Sequence[str], locations: Sequence[str | None] = (None,)
    ) -> None:
        self.name = name
        self.required_tags: tuple[str, ...] = tuple(dict.fromkeys(required_tags))
        self._fitted = False
        self._events = EventMaker(name, self.fault_kind, self.category, self.countermeasures, locations)

    def _chunk(self, chunk: pd.DataFrame) -> pd.DatetimeIndex:
        if not self._fitted:
            raise InputError(
                f"detector {self.name} has not learnt normal operation yet",
                field=self.name,
                fix="call fit(normal) with a stretch of normal operation first",
            )
        return check_frame(chunk)

    def _emit(
        self, index: pd.DatetimeIndex, transitions: list[Transition], evidence: Any
    ) -> list[AlertEvent]:
        return self._events.events(index, transitions, evidence) if transitions else []


class _Descent:
    """Burden descent from stockrods and the charge counter: level + layer × charges [m].

    The stockrods measure the depth of the stock line; it deepens as the burden descends and
    jumps back by one layer when a charge is dumped. Adding the learnt layer thickness for each
    charge gives a continuous descent curve whose slope is the descent rate. The median of the
    rods ignores one failed rod.
    """

    def __init__(self, rods: Sequence[str], charge_count: str) -> None:
        self.rods = tuple(rods)
        self.charge_count = charge_count
        self.layer = np.nan

    def fit(self, normal: pd.DataFrame) -> None:
        level = _nanmedian(columns(normal, self.rods), axis=1)
        charges = normal[self.charge_count].to_numpy(dtype=float, na_value=np.nan)
        step = np.diff(charges)
        drop = -np.diff(level)
        charged = _gt(step, 0) & np.isfinite(drop)
        if charged.sum() < 3:
            raise InputError(
                "normal data hold fewer than three charges; the layer thickness cannot be learnt",
                field="normal",
                value=int(charged.sum()),
                fix="fit on at least an hour of normal operation with charging",
            )
        self.layer = float(np.median(drop[charged] / step[charged]))

    def curve(self, frame: pd.DataFrame) -> np.ndarray:
        level = _nanmedian(columns(frame, self.rods), axis=1)
        return np.asarray(
            level + self.layer * frame[self.charge_count].to_numpy(dtype=float, na_value=np.nan)
        )


class HangingDetector(_Detector):
    """Hanging (悬料): the stock line stops descending while the pressure drop rises.

    Rule: burden descent rate (slope of the descent curve over ``span_s``, from 60-s means)
    below ``stall_share`` of the furnace's learnt normal rate for ``hold_s``; severity critical
    when ΔP is also ``pressure_sigmas`` learnt standard deviations above its normal median.
    Clears when the rate is back above ``resume_share`` of normal for ``clear_s``.
    Signature: stock-line probes stall, ΔP ↑, PI ↓ (reference note §2.1; Geerdes et al. 2020,
    burden descent). Shares, spans and sigmas: greenmet's own.

    Evidence features: ``stockrod_descent_rate`` [m/min], ``pressure_differential`` [kPa].
    """

    fault_kind = "hanging"
    countermeasures = (
        "countermeasure_reduce_blast",
        "countermeasure_controlled_burden_drop",
        "countermeasure_cut_oxygen_and_coal",
    )

    def __init__(
        self,
        stockrods: Sequence[str],
        *,
        charge_count: str = "charge_count",
        pressure_differential: str = "pressure_differential",
        name: str = "hanging",
        stall_share: float = 0.25,
        resume_share: float = 0.6,
        span_s: int = 180,
        hold_s: int = 60,
        clear_s: int = 120,
        pressure_sigmas: float = 2.0,
    ) -> None:
        super().__init__(name, [*stockrods, charge_count, pressure_differential])
        self.descent = _Descent(stockrods, charge_count)
        self.pressure_differential = pressure_differential
        self.stall_share, self.resume_share, self.span = stall_share, resume_share, span_s
        self.pressure_sigmas = pressure_sigmas
        self.hold, self.clear = hold_s, clear_s
        self._reset()

    def _reset(self) -> None:
        self._trail = Trailing(self.span + 60, 2)
        self._episodes = Episodes(raise_after=self.hold, clear_after=self.clear)

    def _features(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        raw = np.column_stack(
            [self.descent.curve(frame), frame[self.pressure_differential].to_numpy(dtype=float)]
        )
        full = self._trail.join(raw)
        means = moving_mean(full, 60, self._trail.rows)
        lagged = moving_mean(full[: len(full) - self.span], 60, self._trail.rows - self.span)
        rate = (means[:, 0] - lagged[:, 0]) / self.span * 60.0
        return rate, means[:, 1]

    def fit(self, normal: pd.DataFrame) -> None:
        require_rows(normal, 4 * 3600, self.name)
        self.descent.fit(normal)
        self._reset()
        rate, pressure = self._features(normal)
        self.normal_rate = float(np.nanmedian(rate))
        if not self.normal_rate > 0:
            raise InputError(
                "the burden does not descend in the normal data",
                field="normal",
                value=self.normal_rate,
                fix="fit on normal operation with charging",
            )
        (self.pressure_median,), (self.pressure_scale,) = robust_location_scale(pressure, 0.5)
        self._reset()
        self._fitted = True

    def step(self, chunk: pd.DataFrame) -> list[AlertEvent]:
        index = self._chunk(chunk)
        rate, pressure = self._features(chunk)
        stall = self.stall_share * self.normal_rate
        high = self.pressure_median + self.pressure_sigmas * self.pressure_scale
        level = 1 + _gt(pressure, high).astype(np.int8)
        transitions = self._episodes.update(
            index, _lt(rate, stall), _gt(rate, self.resume_share * self.normal_rate), level
        )

        def evidence(t: Transition) -> tuple[Evidence, ...]:
            return evidence_row(
                ["stockrod_descent_rate", self.pressure_differential],
                np.array([rate[t.position], pressure[t.position]]),
                [stall if t.state != "cleared" else self.resume_share * self.normal_rate, high],
                ["<" if t.state != "cleared" else ">=", ">"],
            )

        return self._emit(index, transitions, evidence)


class SlipDetector(_Detector):
    """Slip (崩料/滑料): the burden drops suddenly; the top pressure jumps.

    Rule: the descent curve (5-s means) advances by more than ``drop_m`` and by more than
    ``drop_sigmas`` learnt standard deviations of its normal 20-s change within 20 s; critical
    when the top pressure (5-s mean) is also ``pressure_sigmas`` above its mean of the minute
    before. One alert per slip; it clears after ``clear_s`` without a further drop. The 0.3 m
    drop is the "DropBatch ≥ 0.3" driver of the reference note's signature table (§2.1);
    sigmas and times are greenmet's own.

    Evidence features: ``burden_drop`` [m], ``top_pressure_rise`` [kPa].
    """

    fault_kind = "slip"
    countermeasures = (
        "countermeasure_reduce_blast",
        "countermeasure_extra_coke",
        "countermeasure_find_root_cause",
    )

    def __init__(
        self,
        stockrods: Sequence[str],
        *,
        charge_count: str = "charge_count",
        top_pressure: str = "top_pressure",
        name: str = "slip",
        drop_m: float = 0.3,
        drop_sigmas: float = 8.0,
        pressure_sigmas: float = 5.0,
        clear_s: int = 900,
    ) -> None:
        super().__init__(name, [*stockrods, charge_count, top_pressure])
        self.descent = _Descent(stockrods, charge_count)
        self.top_pressure = top_pressure
        self.drop_m, self.drop_sigmas, self.pressure_sigmas = drop_m, drop_sigmas, pressure_sigmas
        self.clear = clear_s
        self._reset()

    def _reset(self) -> None:
        self._trail = Trailing(120, 2)
        self._episodes = Episodes(raise_after=1, clear_after=self.clear)

    def _features(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        raw = np.column_stack([self.descent.curve(frame), frame[self.top_pressure].to_numpy(dtype=float)])
        full = self._trail.join(raw)
        rows = self._trail.rows
        now = moving_mean(full, 5, rows)
        before = moving_mean(full[: len(full) - 20], 5, rows - 20)
        minute = moving_mean(full[: len(full) - 30], 60, rows - 30)
        return now[:, 0] - before[:, 0], now[:, 1] - minute[:, 1]

    def fit(self, normal: pd.DataFrame) -> None:
        require_rows(normal, 3600, self.name)
        self.descent.fit(normal)
        self._reset()
        drop, rise = self._features(normal)
        _, (self.drop_scale,) = robust_location_scale(drop, 0.005)
        _, (self.pressure_scale,) = robust_location_scale(rise, 0.1)
        self._reset()
        self._fitted = True

    def step(self, chunk: pd.DataFrame) -> list[AlertEvent]:
        index = self._chunk(chunk)
        drop, rise = self._features(chunk)
        threshold = max(self.drop_m, self.drop_sigmas * self.drop_scale)
        pressure = self.pressure_sigmas * self.pressure_scale
        alarm = _gt(drop, threshold)
        level = 1 + _gt(rise, pressure).astype(np.int8)
        transitions = self._episodes.update(index, alarm, ~alarm & np.isfinite(drop), level)

        def evidence(t: Transition) -> tuple[Evidence, ...]:
            return evidence_row(
                ["burden_drop", "top_pressure_rise"],
                np.array([drop[t.position], rise[t.position]]),
                [threshold, pressure],
                [">", ">"],
            )

        return self._emit(index, transitions, evidence)


class ChannellingDetector(_Detector):
    """Channelling (管道行程): one uptake runs hot and its temperature scatters.

    Rule, per uptake: the 60-s mean of its temperature above the median of all uptakes (less
    its learnt normal offset) exceeds ``excess_floor_K`` and ``excess_sigmas`` learnt standard
    deviations, while the scatter of its second-to-second changes (root mean square over 60 s)
    is ``scatter_ratio`` times its normal scatter. A drifting thermocouple has the excess but
    not the scatter. Critical above ``critical_K``. Signature: local top/uptake temperature ↑
    and scatter, ηCO ↓ (reference note §2.1; Geerdes et al. 2020, gas flow). Numbers are
    greenmet's own.

    Evidence features: ``uptake_temperature_excess`` [K], ``uptake_temperature_scatter`` [K],
    and ``top_gas_utilisation``.
    """

    fault_kind = "channelling"
    countermeasures = (
        "countermeasure_reduce_blast",
        "countermeasure_cut_oxygen_and_coal",
        "countermeasure_recharge_channel_sector",
    )

    def __init__(
        self,
        top_temperatures: Sequence[str],
        *,
        top_gas_utilisation: str = "top_gas_utilisation",
        name: str = "channelling",
        excess_floor_K: float = 30.0,
        excess_sigmas: float = 6.0,
        scatter_ratio: float = 3.0,
        critical_K: float = 90.0,
        hold_s: int = 30,
        clear_s: int = 300,
    ) -> None:
        locations = [f"uptake_{number:02d}" for number in range(1, len(top_temperatures) + 1)]
        super().__init__(name, [*top_temperatures, top_gas_utilisation], locations)
        if len(top_temperatures) < 3:
            raise InputError(
                "channelling needs at least three uptake temperatures to compare",
                field="top_temperatures",
                value=list(top_temperatures),
                fix="give every uptake's top temperature tag",
            )
        self.temperatures = tuple(top_temperatures)
        self.utilisation = top_gas_utilisation
        self.floor, self.sigmas, self.ratio, self.critical = (
            excess_floor_K,
            excess_sigmas,
            scatter_ratio,
            critical_K,
        )
        self.hold, self.clear = hold_s, clear_s
        self.offset = np.zeros(len(top_temperatures))
        self._reset()

    def _reset(self) -> None:
        self._trail = Trailing(61, len(self.temperatures))
        self._episodes = Episodes(len(self.temperatures), raise_after=self.hold, clear_after=self.clear)

    def _features(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        full = self._trail.join(columns(frame, self.temperatures))
        excess = full - _nanmedian(full, axis=1)[:, None] - self.offset
        change = np.diff(full, axis=0, prepend=np.nan)
        rows = self._trail.rows
        return moving_mean(excess, 60, rows), np.sqrt(moving_mean(change**2, 60, rows))

    def fit(self, normal: pd.DataFrame) -> None:
        require_rows(normal, 3600, self.name)
        self.offset = np.zeros(len(self.temperatures))
        self._reset()
        excess, scatter = self._features(normal)
        self.offset, self.scale = robust_location_scale(excess, 1.0)
        self.normal_scatter = np.nanmedian(scatter, axis=0)
        self._reset()
        self._fitted = True

    def step(self, chunk: pd.DataFrame) -> list[AlertEvent]:
        index = self._chunk(chunk)
        excess, scatter = self._features(chunk)
        threshold = np.maximum(self.floor, self.sigmas * self.scale)
        scattered = self.ratio * self.normal_scatter
        alarm = _gt(excess, threshold) & _gt(scatter, scattered)
        clear = _lt(excess, 0.5 * threshold)
        level = 1 + _gt(excess, self.critical).astype(np.int8)
        transitions = self._episodes.update(index, alarm, clear, level)
        utilisation = chunk[self.utilisation].to_numpy(dtype=float)

        def evidence(t: Transition) -> tuple[Evidence, ...]:
            p, c = t.position, t.column
            return evidence_row(
                [f"{self.temperatures[c]}_excess", f"{self.temperatures[c]}_scatter", self.utilisation],
                np.array([excess[p, c], scatter[p, c], utilisation[p]]),
                [threshold[c], scattered[c], np.nan],
                [">", ">", "<"],
            )

        return self._emit(index, transitions, evidence)


class ScaffoldingDetector(_Detector):
    """Scaffold (结厚): the upper shaft takes a larger share of the pressure drop, one stave row cools.

    Rule: the upper-shaft share of the pressure drop, (shaft upper pressure − top pressure) /
    ΔP, averaged over ``window_s``, above its learnt normal median by ``share_floor`` and
    ``share_sigmas`` learnt standard deviations, while some stave row's temperature deficit
    (row median, less its learnt normal, less the median deviation of all rows: what the whole
    furnace does), as a share of the row's normal excess over the cooling-water inlet
    temperature (a scaffold insulates the wall: the cooler a row runs, the less it can lose), is
    below ``-deficit_share``, for ``hold_s``. The alert names the row with
    the largest deficit when it is raised. Critical at twice the share threshold. Signature:
    wall temperatures ↓ in a zone, upper ΔP ↑ (reference note §2.1, weak edge / scaffold row;
    Geerdes et al. 2020, scaffolds). Numbers are greenmet's own.

    Evidence features: ``upper_shaft_pressure_share`` [dimensionless],
    ``stave_row_NN_temperature_deficit_share`` [dimensionless].
    """

    fault_kind = "scaffolding"
    countermeasures = ("countermeasure_open_edge", "countermeasure_wash_scaffold")

    def __init__(
        self,
        stave_rows: Sequence[Sequence[str]],
        *,
        shaft_pressure_upper: str = "shaft_pressure_upper",
        top_pressure: str = "top_pressure",
        pressure_differential: str = "pressure_differential",
        name: str = "scaffolding",
        share_floor: float = 0.015,
        share_sigmas: float = 6.0,
        deficit_share: float = 0.15,
        stave_water_inlet_temperature: str = "stave_water_inlet_temperature",
        window_s: int = 600,
        hold_s: int = 120,
        clear_s: int = 600,
    ) -> None:
        self.pressures = (shaft_pressure_upper, top_pressure, pressure_differential)
        self.inlet = stave_water_inlet_temperature
        super().__init__(
            name, [*self.pressures, self.inlet, *(tag for row in stave_rows for tag in row)], [None]
        )
        widths = {len(row) for row in stave_rows}
        if len(widths) != 1 or len(stave_rows) < 3:
            raise InputError(
                "scaffolding needs at least three stave rows with the same number of staves",
                field="stave_rows",
                value=[len(row) for row in stave_rows],
                fix="give every stave row's thermocouple tags",
            )
        self.rows = [tuple(row) for row in stave_rows]
        self.staves = [tag for row in self.rows for tag in row]
        self.width = widths.pop()
        self.share_floor, self.share_sigmas, self.floor = share_floor, share_sigmas, deficit_share
        self.excess = np.ones(len(stave_rows))
        self.window, self.hold, self.clear = window_s, hold_s, clear_s
        self.normal = np.zeros(len(stave_rows))
        self.share_median = 0.0
        self._location: str | None = None
        self._reset()

    def _reset(self) -> None:
        self._trail = Trailing(self.window, len(self.rows) + 1)
        self._episodes = Episodes(raise_after=self.hold, clear_after=self.clear)

    def _features(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        values = columns(frame, self.staves).reshape(len(frame), len(self.rows), self.width)
        deviation = _nanmedian(values, axis=2) - self.normal
        relative = (deviation - _nanmedian(deviation, axis=1)[:, None]) / self.excess
        upper, top, differential = (frame[tag].to_numpy(dtype=float) for tag in self.pressures)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = (upper - top) / differential
        means = moving_mean(
            self._trail.join(np.column_stack([share, relative])), self.window, self._trail.rows
        )
        return means[:, 0] - self.share_median, means[:, 1:]

    def fit(self, normal: pd.DataFrame) -> None:
        require_rows(normal, 4 * 3600, self.name)
        values = columns(normal, self.staves).reshape(len(normal), len(self.rows), self.width)
        self.normal = np.nanmedian(_nanmedian(values, axis=2), axis=0)
        inlet = float(np.nanmedian(normal[self.inlet].to_numpy(dtype=float)))
        self.excess = np.maximum(self.normal - inlet, 5.0)  # wall temperature above the cooling water [K]
        self.share_median = 0.0
        self._reset()
        share, _ = self._features(normal)
        (self.share_median,), (self.share_scale,) = robust_location_scale(share, 1e-4)
        self._reset()
        self._fitted = True

    def step(self, chunk: pd.DataFrame) -> list[AlertEvent]:
        index = self._chunk(chunk)
        share, relative = self._features(chunk)
        threshold = max(self.share_floor, self.share_sigmas * self.share_scale)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            coolest = np.nanmin(relative, axis=1)
        alarm = _gt(share, threshold) & _lt(coolest, -self.floor)
        level = 1 + _gt(share, 2 * threshold).astype(np.int8)
        transitions = self._episodes.update(index, alarm, _lt(share, 0.5 * threshold), level)

        def row_of(t: Transition) -> int:
            return int(np.nanargmin(relative[t.position])) if np.isfinite(relative[t.position]).any() else 0

        def location_of(t: Transition) -> str | None:
            if t.state == "raised":
                self._location = f"stave_row_{row_of(t) + 1:02d}"
            return self._location

        def evidence(t: Transition) -> tuple[Evidence, ...]:
            row = row_of(t)
            return evidence_row(
                ["upper_shaft_pressure_share", f"stave_row_{row + 1:02d}_temperature_deficit_share"],
                np.array([share[t.position] + self.share_median, relative[t.position, row]]),
                [self.share_median + threshold, -self.floor],
                [">", "<"],
            )

        return self._events.events(index, transitions, evidence, location_of) if transitions else []


# signs of (ηCO, blast volume, top temperature, wall temperature, hearth temperature, ΔP) when
# the furnace cools; a hot furnace is the mirror image (reference note §2.1, cooling / hot rows,
# and the BKYL thermal-state trend rules 403B011/403B012 there).
_COOLING_SIGNS = np.array([-1.0, 1.0, -1.0, -1.0, -1.0, -1.0])
_TEMPERATURE_FEATURES = [0, 2, 3, 4]  # ηCO and the three temperatures: the heat itself
_THERMAL_FEATURES = (
    "top_gas_utilisation",
    "blast_volume",
    "top_temperature_mean",
    "stave_temperature_median",
    "hearth_temperature_median",
    "pressure_differential",
)


class ThermalStateDetector(_Detector):
    """Cold hearth (炉凉) or hot furnace (炉热) from the joint drift of six signals.

    Six features, each a ``window_s`` mean: ηCO, blast volume, mean top temperature, median
    stave temperature, median hearth temperature, ΔP. Each is compared with its trailing
    baseline (exponential mean over ``baseline_h``, started at the learnt normal median and
    carried on from the normal data) and turned into a z-score with the spread of that
    deviation learnt on normal operation (MAD-based), signed so that
    cooling (``direction = "cold"``) or heating (``"hot"``) is positive and clipped at ±3 (one
    drifting sensor cannot decide alone). The rule: the mean signed score (without the highest
    and the lowest of the six) above
    ``score_threshold`` with at least ``min_votes`` features past one standard deviation in the
    expected direction, two of them among ηCO and the temperatures (blast volume and ΔP alone
    also move in a hanging), for ``hold_s``. Critical at 1.5 × the threshold. Directions: the cooling
    and hot rows of the reference note's signature table (PI, blast volume, top temperature,
    ηCO, body temperatures) and the BKYL trend rules 403B011/403B012 quoted there. Numbers are
    greenmet's own.

    Evidence features: the z-scores ``<feature>_z`` [dimensionless].
    """

    def __init__(
        self,
        direction: str,
        *,
        top_temperatures: Sequence[str],
        stave_temperatures: Sequence[str],
        hearth_temperatures: Sequence[str],
        top_gas_utilisation: str = "top_gas_utilisation",
        blast_volume: str = "blast_volume",
        pressure_differential: str = "pressure_differential",
        name: str | None = None,
        score_threshold: float = 1.8,
        min_votes: int = 4,
        window_s: int = 900,
        baseline_h: float = 12.0,
        hold_s: int = 600,
        clear_s: int = 1800,
    ) -> None:
        if direction not in ("cold", "hot"):
            raise InputError(
                "unknown direction", field="direction", value=direction, fix="use 'cold' or 'hot'"
            )
        self.fault_kind = "cold_hearth" if direction == "cold" else "hot_furnace"
        self.countermeasures = (
            ("countermeasure_add_heat", "countermeasure_extra_coke")
            if direction == "cold"
            else ("countermeasure_remove_heat",)
        )
        self.signs = _COOLING_SIGNS if direction == "cold" else -_COOLING_SIGNS
        self.groups = (tuple(top_temperatures), tuple(stave_temperatures), tuple(hearth_temperatures))
        self.singles = (top_gas_utilisation, blast_volume, pressure_differential)
        super().__init__(
            name or self.fault_kind, [*self.singles, *(tag for group in self.groups for tag in group)]
        )
        self.threshold, self.votes, self.window = score_threshold, min_votes, window_s
        self.hold, self.clear = hold_s, clear_s
        self.decay = float(np.exp(-1.0 / (baseline_h * 3600.0)))
        self.baseline = np.full(len(_THERMAL_FEATURES), np.nan)
        self._reset()

    def _reset(self) -> None:
        self._trail = Trailing(self.window, len(_THERMAL_FEATURES))
        self._episodes = Episodes(raise_after=self.hold, clear_after=self.clear)

    def _means(self, frame: pd.DataFrame) -> np.ndarray:
        tops, staves, hearth = (columns(frame, group) for group in self.groups)
        utilisation, blast, pressure = (frame[tag].to_numpy(dtype=float) for tag in self.singles)
        raw = np.column_stack(
            [
                utilisation,
                blast,
                _nanmedian(tops, axis=1),
                _nanmedian(staves, axis=1),
                _nanmedian(hearth, axis=1),
                pressure,
            ]
        )
        return moving_mean(self._trail.join(raw), self.window, self._trail.rows)

    def _deviations(self, frame: pd.DataFrame) -> np.ndarray:
        """Feature means less the trailing baseline (an exponential mean over ``baseline_h``, as of
        the sample before): slow wander of a day is followed, an upset of hours stands out."""
        means = self._means(frame)
        filled = np.where(np.isnan(means), self.baseline, means)
        baseline, _ = lfilter(
            [1.0 - self.decay], [1.0, -self.decay], filled, axis=0, zi=self.decay * self.baseline[None, :]
        )
        before = np.vstack([self.baseline[None, :], baseline[:-1]])
        self.baseline = baseline[-1].copy()
        return means - before

    def _scores(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        z = self._deviations(frame) / self.scale
        signed = np.clip(z * self.signs, -3.0, 3.0)
        # trimmed mean: the highest and the lowest signed score left out, so that one feature
        # still carrying an earlier upset (the hearth's lag) or one faulty instrument cannot decide
        ordered = np.sort(np.where(np.isnan(signed), 0.0, signed), axis=1)
        score = np.where(np.isnan(signed).all(axis=1), np.nan, ordered[:, 1:-1].mean(axis=1))
        passed = _gt(signed, 1.0)
        votes = passed.sum(axis=1)
        thermal_votes = passed[:, _TEMPERATURE_FEATURES].sum(axis=1)
        return z, score, np.where(thermal_votes >= 2, votes, 0)

    def fit(self, normal: pd.DataFrame) -> None:
        require_rows(normal, 12 * 3600, self.name)
        self._reset()
        self.median, _ = robust_location_scale(self._means(normal), 1e-6)
        self._reset()
        self.baseline = self.median.copy()
        _, self.scale = robust_location_scale(self._deviations(normal), 1e-6)
        self._reset()  # the baseline carries on from the end of the normal data
        self._fitted = True

    def step(self, chunk: pd.DataFrame) -> list[AlertEvent]:
        index = self._chunk(chunk)
        z, score, votes = self._scores(chunk)
        alarm = _gt(score, self.threshold) & (votes >= self.votes)
        level = 1 + _gt(score, 1.5 * self.threshold).astype(np.int8)
        transitions = self._episodes.update(index, alarm, _lt(score, 0.5 * self.threshold), level)

        def evidence(t: Transition) -> tuple[Evidence, ...]:
            p = t.position
            comparisons = ["<" if sign < 0 else ">" for sign in self.signs]
            return evidence_row(
                ["thermal_score", *(f"{name}_z" for name in _THERMAL_FEATURES)],
                np.array([score[p], *z[p]]),
                [self.threshold, *(1.0 * self.signs)],
                [">", *comparisons],
            )

        return self._emit(index, transitions, evidence)


class TuyereLeakDetector(_Detector):
    """Tuyere water leak (风口漏水): water in goes missing out, and the top gas carries more H₂.

    Rule, per tuyere: inlet − outlet cooling-water flow, less its learnt normal difference,
    averaged over ``window_s``, above ``loss_floor_m3_per_h`` and ``loss_sigmas`` learnt
    standard deviations, while top-gas H₂ is ``hydrogen_sigmas`` above what the learnt linear
    model of normal operation (H₂ from blast humidity and coal rate, least squares) predicts.
    A drifting flow meter shows the loss without the hydrogen. Critical above
    ``critical_m3_per_h``. Signature: top-gas H₂ ↑, inlet − outlet flow difference ↑ (reference
    note §2.1, which found no published plant thresholds). Numbers are greenmet's own.

    Evidence features: ``tuyere_NN_water_loss`` [m³/h], ``top_gas_h2_excess`` [%].
    """

    fault_kind = "tuyere_leak"
    countermeasures = ("countermeasure_throttle_tuyere_water", "countermeasure_replace_tuyere")

    def __init__(
        self,
        inlets: Sequence[str],
        outlets: Sequence[str],
        *,
        top_gas_h2: str = "top_gas_h2",
        blast_humidity: str = "blast_humidity",
        coal_injection_rate: str = "coal_injection_rate",
        name: str = "tuyere_leak",
        loss_floor_m3_per_h: float = 0.5,
        loss_sigmas: float = 6.0,
        hydrogen_sigmas: float = 3.0,
        critical_m3_per_h: float = 2.0,
        window_s: int = 120,
        hold_s: int = 60,
        clear_s: int = 300,
    ) -> None:
        if len(inlets) != len(outlets):
            raise InputError(
                "each tuyere needs an inlet and an outlet flow",
                field="outlets",
                value=(len(inlets), len(outlets)),
                fix="give the two tags of every tuyere",
            )
        locations = [f"tuyere_{number:02d}" for number in range(1, len(inlets) + 1)]
        super().__init__(
            name, [*inlets, *outlets, top_gas_h2, blast_humidity, coal_injection_rate], locations
        )
        self.inlets, self.outlets = tuple(inlets), tuple(outlets)
        self.hydrogen, self.drivers = top_gas_h2, (blast_humidity, coal_injection_rate)
        self.floor, self.sigmas, self.hydrogen_sigmas = loss_floor_m3_per_h, loss_sigmas, hydrogen_sigmas
        self.critical, self.window, self.hold, self.clear = critical_m3_per_h, window_s, hold_s, clear_s
        self.bias = np.zeros(len(inlets))
        self.coefficients = np.zeros(3)
        self._reset()

    def _reset(self) -> None:
        self._trail = Trailing(self.window, len(self.inlets) + 3)
        self._episodes = Episodes(len(self.inlets), raise_after=self.hold, clear_after=self.clear)

    def _means(self, frame: pd.DataFrame) -> np.ndarray:
        loss = columns(frame, self.inlets) - columns(frame, self.outlets) - self.bias
        raw = np.column_stack([loss, columns(frame, [self.hydrogen, *self.drivers])])
        return moving_mean(self._trail.join(raw), self.window, self._trail.rows)

    def _split(self, means: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        count = len(self.inlets)
        design = np.column_stack([np.ones(len(means)), means[:, count + 1 :]])
        return means[:, :count], means[:, count] - design @ self.coefficients

    def fit(self, normal: pd.DataFrame) -> None:
        require_rows(normal, 3600, self.name)
        self.bias = np.zeros(len(self.inlets))
        self.coefficients = np.zeros(3)
        self._reset()
        means = self._means(normal)
        count = len(self.inlets)
        self.bias, _ = robust_location_scale(means[:, :count])
        finite = np.isfinite(means).all(axis=1)
        design = np.column_stack([np.ones(finite.sum()), means[finite, count + 1 :]])
        self.coefficients = np.linalg.lstsq(design, means[finite, count], rcond=None)[0]
        means[:, :count] -= self.bias
        loss, excess = self._split(means)
        _, self.scale = robust_location_scale(loss, 0.05)
        _, (self.hydrogen_scale,) = robust_location_scale(excess, 0.005)
        self._reset()
        self._fitted = True

    def step(self, chunk: pd.DataFrame) -> list[AlertEvent]:
        index = self._chunk(chunk)
        loss, excess = self._split(self._means(chunk))
        threshold = np.maximum(self.floor, self.sigmas * self.scale)
        hydrogen = self.hydrogen_sigmas * self.hydrogen_scale
        alarm = _gt(loss, threshold) & _gt(excess, hydrogen)[:, None]
        level = 1 + _gt(loss, self.critical).astype(np.int8)
        transitions = self._episodes.update(index, alarm, _lt(loss, 0.5 * threshold), level)

        def evidence(t: Transition) -> tuple[Evidence, ...]:
            p, c = t.position, t.column
            return evidence_row(
                [f"tuyere_{c + 1:02d}_water_loss", "top_gas_h2_excess"],
                np.array([loss[p, c], excess[p]]),
                [threshold[c], hydrogen],
                [">", ">"],
            )

        return self._emit(index, transitions, evidence)


class HearthWallDetector(_Detector):
    """Hearth wall temperature rise (炉缸侵蚀 risk): one hearth thermocouple and its neighbours heat up.

    Rule, per thermocouple (in ring order): its ``window_s`` mean, less its learnt normal
    median and less the median deviation of all hearth thermocouples (what the whole hearth
    does), above ``rise_floor_K`` and ``rise_sigmas`` learnt standard deviations, with a
    neighbour risen by at least ``neighbour_share`` of it (a hot spot warms the refractory
    around it; a drifting thermocouple does not) and none risen more (the alert names the
    hottest point, not its warmed neighbours). Critical above ``critical_K``. Signature:
    hearth thermocouples ↑ in trend and level; BKYL alarms a point at its configured height
    (reference note §2.1). Numbers are greenmet's own.

    Evidence features: ``<tag>_rise`` [K], ``<tag>_neighbour_rise`` [K].
    """

    fault_kind = "hearth_wall_temperature_rise"
    countermeasures = (
        "countermeasure_titanium_addition",
        "countermeasure_more_hearth_cooling",
        "countermeasure_lower_productivity",
    )

    def __init__(
        self,
        hearth_temperatures: Sequence[str],
        *,
        name: str = "hearth_wall_temperature_rise",
        rise_floor_K: float = 15.0,
        rise_sigmas: float = 6.0,
        neighbour_share: float = 0.2,
        critical_K: float = 60.0,
        window_s: int = 300,
        hold_s: int = 120,
        clear_s: int = 600,
    ) -> None:
        locations = [f"hearth_thermocouple_{number:02d}" for number in range(1, len(hearth_temperatures) + 1)]
        super().__init__(name, hearth_temperatures, locations)
        if len(hearth_temperatures) < 3:
            raise InputError(
                "hearth rise needs at least three hearth thermocouples",
                field="hearth_temperatures",
                value=list(hearth_temperatures),
                fix="give the hearth thermocouples in ring order",
            )
        self.tags = tuple(hearth_temperatures)
        self.floor, self.sigmas, self.share, self.critical = (
            rise_floor_K,
            rise_sigmas,
            neighbour_share,
            critical_K,
        )
        self.window, self.hold, self.clear = window_s, hold_s, clear_s
        self.normal = np.zeros(len(self.tags))
        self._reset()

    def _reset(self) -> None:
        self._trail = Trailing(self.window, len(self.tags))
        self._episodes = Episodes(len(self.tags), raise_after=self.hold, clear_after=self.clear)

    def _features(self, frame: pd.DataFrame) -> np.ndarray:
        deviation = columns(frame, self.tags) - self.normal
        relative = deviation - _nanmedian(deviation, axis=1)[:, None]
        return moving_mean(self._trail.join(relative), self.window, self._trail.rows)

    def fit(self, normal: pd.DataFrame) -> None:
        require_rows(normal, 3600, self.name)
        self.normal = np.nanmedian(columns(normal, self.tags), axis=0)
        self._reset()
        _, self.scale = robust_location_scale(self._features(normal), 0.5)
        self._reset()
        self._fitted = True

    def step(self, chunk: pd.DataFrame) -> list[AlertEvent]:
        index = self._chunk(chunk)
        rise = self._features(chunk)
        neighbour = np.fmax(np.roll(rise, 1, axis=1), np.roll(rise, -1, axis=1))
        threshold = np.maximum(self.floor, self.sigmas * self.scale)
        alarm = _gt(rise, threshold) & _gt(neighbour, self.share * rise) & ~_gt(neighbour, rise)
        level = 1 + _gt(rise, self.critical).astype(np.int8)
        transitions = self._episodes.update(index, alarm, _lt(rise, 0.5 * threshold), level)

        def evidence(t: Transition) -> tuple[Evidence, ...]:
            p, c = t.position, t.column
            return evidence_row(
                [f"{self.tags[c]}_rise", f"{self.tags[c]}_neighbour_rise"],
                np.array([rise[p, c], neighbour[p, c]]),
                [threshold[c], self.share * rise[p, c]],
                [">", ">"],
            )

        return self._emit(index, transitions, evidence)
