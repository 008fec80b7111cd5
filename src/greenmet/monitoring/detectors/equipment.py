"""Detectors of equipment faults, reported apart from process faults (``category = "equipment"``).

- :class:`StockrodFailureDetector`: a stockrod that stops reading (the same value second after
  second while the burden moves).
- :class:`SensorFaultDetector`: stuck, spiking and dropped-out instruments over many tags at
  once, with the checks of :mod:`greenmet.quality.flags` (stuck value on consecutive
  differences after pvanalytics' ``stale_values_diff``; spikes as isolated outliers against a
  robust spread, after the Hampel identifier; dropouts as gaps) made incremental over chunks.
- :class:`SensorDriftDetector`: a slow drift of one instrument against its redundant peers
  (residual-based fault detection, R. Isermann, *Fault-Diagnosis Systems*, Springer 2006,
  doi:10.1007/3-540-30368-5), with the peers' normal offsets learnt from normal operation.

Hold times, multiples of the learnt spread and window lengths are greenmet's own choices, set
against the grading benchmark (``benchmarks/detection_grading.py``); each is a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

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
from greenmet.monitoring.detectors.process import _gt, _lt, _nanmedian

__all__ = ["SensorDriftDetector", "SensorFaultDetector", "StockrodFailureDetector"]


class _Equipment:
    category: Category = "equipment"

    def __init__(self, name: str, tags: Sequence[str]) -> None:
        self.name = name
        self.tags = tuple(tags)
        self.required_tags: tuple[str, ...] = self.tags
        self._fitted = False

    def _chunk(self, chunk: pd.DataFrame) -> pd.DatetimeIndex:
        if not self._fitted:
            raise InputError(
                f"detector {self.name} has not learnt normal operation yet",
                field=self.name,
                fix="call fit(normal) with a stretch of normal operation first",
            )
        return check_frame(chunk)


class StockrodFailureDetector(_Equipment):
    """A failed stockrod: its reading repeats exactly for ``stuck_s`` while it should move.

    A working stockrod reads a descending stock line with noise, so two equal consecutive
    readings are rare (checked on the normal data at :meth:`fit`), and a run of ``stuck_s``
    equal readings raises the alert. Clears after ``clear_s`` changing readings.

    Evidence feature: ``<tag>`` with comparison ``stuck`` (threshold: the run length [s]).
    """

    countermeasures = ("countermeasure_check_stockrod", "countermeasure_use_other_stockrods")

    def __init__(
        self, stockrods: Sequence[str], *, name: str = "stockrod_failure", stuck_s: int = 30, clear_s: int = 5
    ) -> None:
        super().__init__(name, stockrods)
        self.stuck, self.clear = stuck_s, clear_s
        locations = [f"stockrod_{number:02d}" for number in range(1, len(stockrods) + 1)]
        self._events = EventMaker(name, "stockrod_failure", "equipment", self.countermeasures, locations)
        self._reset()

    def _reset(self) -> None:
        self._trail = Trailing(1, len(self.tags))
        self._episodes = Episodes(len(self.tags), raise_after=self.stuck, clear_after=self.clear)

    def fit(self, normal: pd.DataFrame) -> None:
        require_rows(normal, 600, self.name)
        repeats = (np.diff(columns(normal, self.tags), axis=0) == 0).mean(axis=0)
        if (repeats >= 0.2).any():
            raise InputError(
                "stockrods repeat their reading on a fifth or more of the samples in normal operation; "
                "a failed rod cannot be told from a working one",
                field="stockrods",
                value=[tag for tag, share in zip(self.tags, repeats, strict=True) if share >= 0.2],
                fix="give stockrod tags at their raw resolution, not a deadbanded or held signal",
            )
        self._reset()
        self._fitted = True

    def step(self, chunk: pd.DataFrame) -> list[AlertEvent]:
        index = self._chunk(chunk)
        full = self._trail.join(columns(chunk, self.tags))
        change = np.diff(full, axis=0)
        same = change == 0
        transitions = self._episodes.update(index, same, np.isfinite(change) & ~same)

        def evidence(t: Transition) -> tuple[Evidence, ...]:
            return evidence_row(
                [self.tags[t.column]],
                np.array([full[t.position + 1, t.column]]),
                [float(self.stuck)],
                ["stuck"],
            )

        return self._events.events(index, transitions, evidence) if transitions else []


class SensorFaultDetector(_Equipment):
    """Stuck, spiking and dropped-out instruments, each reported with the tag as location.

    - stuck: the value repeats exactly for ``stuck_s`` (tags that repeat on a fifth or more of
      their samples in normal operation, such as counters, are left out at :meth:`fit`);
    - dropout: no value (NaN: missing or bad quality) for ``dropout_s``;
    - spike: at least ``spikes`` isolated outliers within ``spike_window_s``: a sample that
      jumps away from its predecessor and back by more than ``spike_sigmas`` learnt standard
      deviations of the tag's normal second-to-second change and ``local_ratio`` times the
      recent scatter (so a noisy process period is not taken for a spiking sensor), the
      sample after it returning to within half the jump and the one after that calm.

    Calculated tags (computed from measured ones, e.g. ΔP, permeability index) should not be
    given: the fault shows on the measured tag it comes from.
    """

    countermeasures = ("countermeasure_check_instrument",)

    def __init__(
        self,
        tags: Sequence[str],
        *,
        not_stuck: Sequence[str] = (),
        name: str = "sensors",
        stuck_s: int = 60,
        dropout_s: int = 10,
        spikes: int = 2,
        spike_window_s: int = 600,
        spike_sigmas: float = 10.0,
        local_ratio: float = 4.0,
        clear_s: int = 5,
    ) -> None:
        super().__init__(name, tags)
        self.stuck, self.dropout, self.spikes, self.spike_window = stuck_s, dropout_s, spikes, spike_window_s
        self.spike_sigmas, self.local_ratio, self.clear = spike_sigmas, local_ratio, clear_s
        self.not_stuck = tuple(not_stuck)
        self.stuck_watched = np.ones(len(self.tags), dtype=bool)
        self.change_scale = np.ones(len(self.tags))
        self._makers = {
            kind: EventMaker(name, f"sensor_{kind}", "equipment", self.countermeasures, self.tags)
            for kind in ("stuck", "spike", "dropout")
        }
        self._reset()

    def _reset(self) -> None:
        count = len(self.tags)
        self._trail = Trailing(63, count)
        self._spike_trail = Trailing(self.spike_window, count, fill=0.0)
        self._stuck = Episodes(count, raise_after=self.stuck, clear_after=self.clear)
        self._dropout = Episodes(count, raise_after=self.dropout, clear_after=self.clear)
        self._spike = Episodes(count, raise_after=1, clear_after=1)

    def fit(self, normal: pd.DataFrame) -> None:
        require_rows(normal, 3600, self.name)
        values = columns(normal, self.tags)
        # tags that repeat exactly in normal operation (counters, quantised signals) are not
        # checked for a stuck value; a stuck episode in the history does not make a tag look so
        repeats = (np.diff(values, axis=0) == 0).mean(axis=0)
        self.stuck_watched = (repeats < 0.2) & ~np.isin(self.tags, self.not_stuck)
        _, self.change_scale = robust_location_scale(np.diff(values, axis=0), 1e-9)
        self._reset()
        self._fitted = True

    def _spike_flags(self, full: np.ndarray) -> np.ndarray:
        """Isolated outliers, decided two samples late: row i of the chunk flags the sample i − 2
        when it jumped away from i − 3, came back at i − 1, and the signal stayed calm at i."""
        rows = self._trail.rows
        change = np.diff(full, axis=0, prepend=np.nan)
        scatter = np.sqrt(
            moving_mean(change**2, 60, rows - 3, min_share=0.8)
        )  # up to the sample before the jump
        count = len(full) - rows
        up = change[rows - 2 : rows - 2 + count]
        back = change[rows - 1 : rows - 1 + count]
        after = change[rows:]
        net = full[rows - 1 : rows - 1 + count] - full[rows - 3 : rows - 3 + count]
        threshold = np.fmax(self.spike_sigmas * self.change_scale, self.local_ratio * scatter[:count])
        with np.errstate(invalid="ignore"):
            return (
                (np.abs(up) > threshold)
                & (np.abs(back) > threshold)
                & (np.sign(up) != np.sign(back))
                & (np.abs(net) < 0.5 * np.abs(up))
                & (np.abs(after) < 0.5 * threshold)
            )

    def step(self, chunk: pd.DataFrame) -> list[AlertEvent]:
        index = self._chunk(chunk)
        raw = columns(chunk, self.tags)
        full = self._trail.join(raw)
        rows = self._trail.rows
        change = np.diff(full, axis=0)[rows - 1 :]
        same = (change == 0) & self.stuck_watched
        missing = np.isnan(raw)
        flags = self._spike_trail.join(self._spike_flags(full).astype(float))
        sums = np.concatenate([np.zeros((1, flags.shape[1])), np.cumsum(flags, axis=0)])
        counts = sums[self.spike_window + 1 :] - sums[1 : len(sums) - self.spike_window]
        found = {
            "stuck": (self._stuck.update(index, same, np.isfinite(change) & ~same), "stuck"),
            "dropout": (self._dropout.update(index, missing, ~missing), "missing"),
            "spike": (self._spike.update(index, counts >= self.spikes - 0.5, counts < 0.5), ">"),
        }
        events: list[AlertEvent] = []
        for kind, (transitions, comparison) in found.items():
            if not transitions:
                continue
            hold = {"stuck": self.stuck, "dropout": self.dropout, "spike": self.spikes}[kind]

            def evidence(
                t: Transition, comparison: str = comparison, hold: int = hold
            ) -> tuple[Evidence, ...]:
                value = counts[t.position, t.column] if comparison == ">" else raw[t.position, t.column]
                return evidence_row([self.tags[t.column]], np.array([value]), [float(hold)], [comparison])

            events.extend(self._makers[kind].events(index, transitions, evidence))
        events.sort(key=lambda event: event.at)
        return events


class SensorDriftDetector(_Equipment):
    """An instrument drifting away from its redundant peers.

    Peers are instruments that read the same quantity at other places (the thermocouples of a
    stave row, the hearth thermocouples, the stockrods, the cooling-water flow meters). Per
    tag, the residual is its value less the median of its group less its learnt normal offset,
    averaged over ``window_s``; an alert when its size exceeds ``drift_sigmas`` learnt standard
    deviations (and its group's floor) for ``hold_s``. In ``ring`` groups (hearth
    thermocouples in ring order) a residual whose neighbours rise with it is a hot spot in the
    wall, not a drifting instrument, and is left to :class:`HearthWallDetector`.

    Parameters
    ----------
    groups
        Group name → tags of the peers (at least three each).
    ring_groups
        Names of groups whose tags are in ring order.
    floors
        Group name → least residual that counts, in the tags' unit (default 0): for peers whose
        slow wander a day of normal data cannot show (hearth thermocouples).
    relative_to
        Group name → a reference tag (the stave cooling-water inlet temperature): each tag's
        excess over the reference is compared with its normal excess scaled by the group's median
        share of normal, so a process change that scales the whole group's excess (a scaffold
        insulating a stave row) is not a drift, while an instrument that adds its own offset is.
    """

    countermeasures = ("countermeasure_calibrate_instrument",)

    def __init__(
        self,
        groups: Mapping[str, Sequence[str]],
        *,
        ring_groups: Sequence[str] = (),
        floors: Mapping[str, float] | None = None,
        relative_to: Mapping[str, str] | None = None,
        name: str = "sensor_drift",
        drift_sigmas: float = 8.0,
        neighbour_share: float = 0.2,
        window_s: int = 600,
        hold_s: int = 300,
        clear_s: int = 600,
    ) -> None:
        small = {group: len(tags) for group, tags in groups.items() if len(tags) < 3}
        if small:
            raise InputError(
                "a drift group needs at least three peers",
                field="groups",
                value=small,
                fix="group instruments that read the same quantity, three or more",
            )
        tags = [tag for group in groups.values() for tag in group]
        self.references = dict(relative_to or {})
        super().__init__(name, tags)
        self.required_tags = (*self.tags, *sorted(set(self.references.values()) - set(self.tags)))
        self.groups = {group: tuple(members) for group, members in groups.items()}
        self._slices = []
        self._relative: list[tuple[slice, str]] = []
        self.floor = np.zeros(len(tags))
        start = 0
        for group, members in self.groups.items():
            self._slices.append((slice(start, start + len(members)), group in ring_groups))
            if group in self.references:
                self._relative.append((slice(start, start + len(members)), self.references[group]))
            self.floor[start : start + len(members)] = (floors or {}).get(group, 0.0)
            start += len(members)
        self.sigmas, self.share = drift_sigmas, neighbour_share
        self.window, self.hold, self.clear = window_s, hold_s, clear_s
        self.offset = np.zeros(len(tags))
        self.normal_excess = np.ones(len(tags))
        self._events = EventMaker(name, "sensor_drift", "equipment", self.countermeasures, self.tags)
        self._reset()

    def _reset(self) -> None:
        self._trail = Trailing(self.window, len(self.tags))
        self._episodes = Episodes(len(self.tags), raise_after=self.hold, clear_after=self.clear)

    def _residuals(self, frame: pd.DataFrame) -> np.ndarray:
        """Each tag less its learnt offset, less the median of its group's offset-corrected tags:
        with the offsets taken out the peers agree, so a few drifting peers barely move the median.
        In ``relative_to`` groups: the tag's excess over the reference less the group's median
        share of normal excess times its own normal excess (a scaling of the whole group cancels)."""
        values = columns(frame, self.tags) - self.offset
        residual = np.empty_like(values)
        relative = {part.start for part, _ in self._relative}
        for part, _ in self._slices:
            if part.start not in relative:
                residual[:, part] = values[:, part] - _nanmedian(values[:, part], axis=1)[:, None]
        for part, reference in self._relative:
            excess = values[:, part] - frame[reference].to_numpy(dtype=float)[:, None]
            share = _nanmedian(excess / self.normal_excess[part], axis=1)
            residual[:, part] = excess - share[:, None] * self.normal_excess[part]
        return moving_mean(self._trail.join(residual), self.window, self._trail.rows)

    def fit(self, normal: pd.DataFrame) -> None:
        require_rows(normal, 3600, self.name)
        self.offset = np.zeros(len(self.tags))
        self.normal_excess = np.ones(len(self.tags))
        values = columns(normal, self.tags)
        for part, reference in self._relative:
            excess = values[:, part] - normal[reference].to_numpy(dtype=float)[:, None]
            self.normal_excess[part] = np.maximum(np.nanmedian(excess, axis=0), 1.0)
        for _ in range(2):  # offsets against the raw median, then against the corrected one
            self._reset()
            shift, _ = robust_location_scale(self._residuals(normal))
            self.offset = self.offset + shift
        self._reset()
        _, self.scale = robust_location_scale(self._residuals(normal), 1e-6)
        self._reset()
        self._fitted = True

    def step(self, chunk: pd.DataFrame) -> list[AlertEvent]:
        index = self._chunk(chunk)
        residual = self._residuals(chunk)
        threshold = np.maximum(self.floor, self.sigmas * self.scale)
        size = np.abs(residual)
        alarm = _gt(size, threshold)
        for part, ring in self._slices:
            if ring:
                group = residual[:, part]
                same_way = np.fmax(
                    np.roll(group, 1, axis=1) * np.sign(group), np.roll(group, -1, axis=1) * np.sign(group)
                )
                alarm[:, part] &= ~_gt(same_way, self.share * np.abs(group))
        transitions = self._episodes.update(index, alarm, _lt(size, 0.5 * threshold))

        def evidence(t: Transition) -> tuple[Evidence, ...]:
            return evidence_row(
                [f"{self.tags[t.column]}_residual"],
                np.array([residual[t.position, t.column]]),
                [threshold[t.column]],
                ["outside"],
            )

        return self._events.events(index, transitions, evidence) if transitions else []
