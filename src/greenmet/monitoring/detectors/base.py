"""The detector interface, a set of detectors, and the episode tracker they share.

A detector watches a few tags of one furnace. It learns what normal looks like on that
furnace (:meth:`Detector.fit` on a stretch of normal operation) and then reads the data chunk
by chunk (:meth:`Detector.step`), keeping its state between consecutive chunks, so a replay of
a month and a live feed of 1 s chunks give the same alerts. Frames are *wide*: a UTC
:class:`~pandas.DatetimeIndex` at 1 s and one column per tag, values in the tag's catalogue unit
(NaN for a gap or a bad-quality point).

:class:`Episodes` is the hysteresis and de-duplication all detectors share: an alarm condition
must hold for ``raise_after`` consecutive samples before an alert is raised, and the clear
condition for ``clear_after`` consecutive samples before it is cleared; in between (and on
NaN, where neither holds) the state is kept. So one fault episode gives one alert, not a
flicker of them. It works on whole arrays (samples × locations) with cumulative maxima, not
sample by sample in Python. Raise-delay / clear-delay hysteresis of this kind is the alarm
"on-delay / off-delay" of ANSI/ISA-18.2-2016, *Management of Alarm Systems for the Process
Industries*, §10 (alarm design: deadband and delays); the counts each detector uses are
greenmet's own choices, stated in that detector.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from greenmet.errors import InputError
from greenmet.monitoring.alerts import SEVERITIES, AlertEvent, Category

__all__ = ["Detector", "DetectorSet", "Episodes", "Transition", "check_frame", "severity_name"]


@runtime_checkable
class Detector(Protocol):
    """What the engine needs of a detector.

    Attributes
    ----------
    name
        Unique name within a :class:`DetectorSet` (used in :attr:`AlertEvent.detector`).
    category
        ``process`` or ``equipment``.
    required_tags
        Tags the detector reads; a :class:`DetectorSet` does not run it when one is missing.
    """

    name: str
    category: Category
    required_tags: tuple[str, ...]

    def fit(self, normal: pd.DataFrame) -> None:
        """Learn normal operation from a wide frame of the furnace's own normal data."""
        ...

    def step(self, chunk: pd.DataFrame) -> list[AlertEvent]:
        """Read the next chunk (after the previous one in time); return the events it caused."""
        ...


def check_frame(frame: pd.DataFrame, field: str = "chunk") -> pd.DatetimeIndex:
    """Check that ``frame`` is wide with an increasing UTC time index; return the index.

    Raises
    ------
    InputError
        If the index is not a time zone-aware :class:`~pandas.DatetimeIndex` in UTC, or not
        strictly increasing.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InputError(
            "expected a wide DataFrame (one column per tag)",
            field=field,
            value=type(frame).__name__,
            fix="pivot the samples to one column per tag",
        )
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise InputError(
            "the index must be a UTC DatetimeIndex",
            field=f"{field}.index",
            value="naive times" if isinstance(index, pd.DatetimeIndex) else type(index).__name__,
            fix="set the sample times as index, tz='UTC'",
        )
    if str(index.tz) != "UTC":
        raise InputError(
            "the index must be in UTC",
            field=f"{field}.index",
            value=str(index.tz),
            fix="convert with frame.tz_convert('UTC')",
        )
    if not (index.is_monotonic_increasing and index.is_unique):
        raise InputError(
            "times must be strictly increasing",
            field=f"{field}.index",
            value="unsorted or duplicate times",
            fix="sort by time and drop duplicates",
        )
    return index


@dataclass(frozen=True)
class Transition:
    """A change of an episode found by :meth:`Episodes.update`.

    ``position`` is the row of the chunk where it happened, ``column`` the location (0-based
    column of the condition arrays), ``level`` an index into ``SEVERITIES`` (0 info,
    1 warning, 2 critical), ``started_at`` the time the episode was raised.
    """

    state: str
    column: int
    position: int
    level: int
    started_at: pd.Timestamp


def _runs(condition: np.ndarray, carry: np.ndarray) -> np.ndarray:
    """Length of the run of True ending at each row (per column), continuing ``carry``."""
    rows = np.arange(1, condition.shape[0] + 1)[:, None]
    last_false = np.maximum.accumulate(np.where(condition, 0, rows), axis=0)
    runs = rows - last_false
    return np.where(last_false == 0, runs + carry[None, :], runs)


class Episodes:
    """Hysteresis and de-duplication of alarm conditions over ``columns`` locations.

    Parameters
    ----------
    columns
        Number of independent locations (1 for a whole-furnace fault, the number of stave rows
        for scaffolding …).
    raise_after
        Consecutive samples the alarm condition must hold before an episode is raised. [samples]
    clear_after
        Consecutive samples the clear condition must hold before it is cleared. [samples]
    """

    def __init__(self, columns: int = 1, *, raise_after: int = 1, clear_after: int = 1) -> None:
        if columns < 1 or raise_after < 1 or clear_after < 1:
            raise InputError(
                "columns, raise_after and clear_after must be at least 1",
                field="Episodes",
                value=(columns, raise_after, clear_after),
                fix="give positive counts",
            )
        self.columns = columns
        self.raise_after = raise_after
        self.clear_after = clear_after
        self.active = np.zeros(columns, dtype=bool)
        self.level = np.zeros(columns, dtype=np.int8)
        self.started_at: list[pd.Timestamp | None] = [None] * columns
        self._alarm_run = np.zeros(columns, dtype=np.int64)
        self._clear_run = np.zeros(columns, dtype=np.int64)

    def update(
        self,
        index: pd.DatetimeIndex,
        alarm: np.ndarray,
        clear: np.ndarray,
        level: np.ndarray | None = None,
    ) -> list[Transition]:
        """Advance by one chunk.

        Parameters
        ----------
        index
            Times of the chunk's rows.
        alarm, clear
            Boolean arrays of shape (rows,) or (rows, columns): the alarm condition and the
            clear condition (both False where the data say nothing, e.g. NaN).
        level
            Severity index per row and column (0 info, 1 warning, 2 critical); default 1.

        Returns
        -------
        list of Transition
            ``raised``, ``updated`` (the episode's highest level rose) and ``cleared`` events,
            in time order.
        """
        shape = (len(index), self.columns)
        alarm = np.asarray(alarm, dtype=bool).reshape(shape)
        clear = np.asarray(clear, dtype=bool).reshape(shape)
        if shape[0] == 0:
            return []
        # Columns with no alarm and no open episode cannot change state: only carry their runs.
        busy = alarm.any(axis=0) | self.active
        quiet = np.flatnonzero(~busy)
        if quiet.size:
            reversed_clear = clear[::-1, quiet]
            self._alarm_run[quiet] = 0
            self._clear_run[quiet] = np.where(
                reversed_clear.all(axis=0),
                shape[0] + self._clear_run[quiet],
                np.argmax(~reversed_clear, axis=0),
            )
        columns = np.flatnonzero(busy)
        if columns.size == 0:
            return []
        alarm, clear = alarm[:, columns], clear[:, columns]
        if level is None:
            levels = np.ones(alarm.shape, dtype=np.int8)
        else:
            levels = np.asarray(level, dtype=np.int8).reshape(shape)[:, columns]
        alarm_runs = _runs(alarm, self._alarm_run[columns])
        clear_runs = _runs(clear, self._clear_run[columns])
        self._alarm_run[columns] = alarm_runs[-1]
        self._clear_run[columns] = clear_runs[-1]
        turn_on = alarm_runs >= self.raise_after
        turn_off = (clear_runs >= self.clear_after) & ~turn_on
        rows = np.arange(1, shape[0] + 1)[:, None]
        decided = np.maximum.accumulate(np.where(turn_on | turn_off, rows, 0), axis=0)
        latest = turn_on[np.maximum(decided - 1, 0), np.arange(columns.size)]
        active = self.active[columns]
        state = np.where(decided == 0, active[None, :], latest)
        previous = np.vstack([active[None, :], state[:-1]])
        changed = state != previous
        events: list[Transition] = []
        for position in np.flatnonzero(changed.any(axis=0) | active).tolist():
            events.extend(
                self._column_events(
                    index,
                    int(columns[position]),
                    state[:, position],
                    changed[:, position],
                    levels[:, position],
                )
            )
        self.active[columns] = state[-1]
        events.sort(key=lambda event: (event.position, event.column))
        return events

    def _column_events(
        self, index: pd.DatetimeIndex, column: int, state: np.ndarray, changed: np.ndarray, levels: np.ndarray
    ) -> list[Transition]:
        events = []
        edges = np.flatnonzero(changed).tolist()
        edge_set = set(edges)
        bounds = [0, *edges, len(state)]
        for start, stop in pairwise(bounds):
            if start == stop:
                continue
            if state[start]:
                if start in edge_set:
                    self.started_at[column] = index[start]
                    self.level[column] = int(levels[start])
                    events.append(Transition("raised", column, start, int(levels[start]), index[start]))
                started = self.started_at[column] or index[start]
                running = np.maximum.accumulate(np.maximum(levels[start:stop], self.level[column]))
                for rise in np.flatnonzero(np.diff(running, prepend=self.level[column]) > 0):
                    position = start + int(rise)
                    events.append(Transition("updated", column, position, int(running[rise]), started))
                self.level[column] = int(running[-1])
            elif start in edge_set:
                started = self.started_at[column] or index[start]
                events.append(Transition("cleared", column, start, int(self.level[column]), started))
                self.started_at[column] = None
                self.level[column] = 0
        return events


class DetectorSet:
    """Many detectors over one furnace's wide frames, and which of them cannot run.

    Parameters
    ----------
    detectors
        The detectors; their names must be unique.
    tags
        Tags the furnace has. A detector needing a tag not in it is not run and listed in
        :attr:`missing`. If None, the columns of the first frame given to :meth:`fit` or
        :meth:`step` decide.

    A column a runnable detector needs that is absent from a later chunk is read as NaN (a
    gap): detectors keep their state through gaps instead of raising or clearing on them. A
    detector that cannot learn from the normal data given to :meth:`fit` (too short, a tag
    never measured) does not run either and is listed in :attr:`unfitted` with the reason.
    """

    def __init__(self, detectors: Iterable[Detector], tags: Iterable[str] | None = None) -> None:
        self.detectors: tuple[Detector, ...] = tuple(detectors)
        names = [detector.name for detector in self.detectors]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise InputError(
                "detector names must be unique",
                field="detectors.name",
                value=duplicates,
                fix="give each detector its own name",
            )
        self._runnable: tuple[Detector, ...] | None = None
        self._missing: dict[str, tuple[str, ...]] = {}
        self._unfitted: dict[str, str] = {}
        self._needed: list[str] = []
        self._last_time: pd.Timestamp | None = None
        if tags is not None:
            self._resolve(tags)

    def _resolve(self, tags: Iterable[str]) -> None:
        available = set(tags)
        runnable = []
        self._missing = {}
        for detector in self.detectors:
            lacking = tuple(tag for tag in detector.required_tags if tag not in available)
            if lacking:
                self._missing[detector.name] = lacking
            else:
                runnable.append(detector)
        self._runnable = tuple(runnable)
        self._needed = sorted({tag for detector in runnable for tag in detector.required_tags})

    @property
    def runnable(self) -> tuple[Detector, ...]:
        """Detectors that have every tag they need (empty until the tags are known)."""
        return self._runnable or ()

    @property
    def unfitted(self) -> dict[str, str]:
        """Per detector that could not learn from the normal data given to :meth:`fit`, why (it
        does not run)."""
        return dict(self._unfitted)

    @property
    def missing(self) -> dict[str, tuple[str, ...]]:
        """Per detector that cannot run, the tags it lacks."""
        return dict(self._missing)

    def coverage(self) -> pd.DataFrame:
        """One row per detector: ``detector``, ``category``, ``runnable``, ``missing_tags``,
        ``not_fitted`` (why it could not learn, if so)."""
        known = self._runnable is not None
        return pd.DataFrame(
            {
                "detector": [d.name for d in self.detectors],
                "category": [d.category for d in self.detectors],
                "runnable": [
                    known and d.name not in self._missing and d.name not in self._unfitted
                    for d in self.detectors
                ],
                "missing_tags": [", ".join(self._missing.get(d.name, ())) for d in self.detectors],
                "not_fitted": [self._unfitted.get(d.name, "") for d in self.detectors],
            }
        )

    def _complete(self, frame: pd.DataFrame) -> pd.DataFrame:
        absent = [tag for tag in self._needed if tag not in frame.columns]
        if absent:
            frame = frame.assign(**{tag: np.nan for tag in absent})
        return frame

    def fit(self, normal: pd.DataFrame) -> None:
        """Fit every runnable detector on a wide frame of normal operation."""
        check_frame(normal, "normal")
        if self._runnable is None:
            self._resolve(normal.columns)
        normal = self._complete(normal)
        fitted = []
        for detector in self.runnable:
            try:
                detector.fit(normal)
            except InputError as error:
                self._unfitted[detector.name] = str(error)
            else:
                fitted.append(detector)
        self._runnable = tuple(fitted)

    def step(self, chunk: pd.DataFrame) -> list[AlertEvent]:
        """Run every runnable detector on the next chunk; events in time order.

        Raises
        ------
        InputError
            If the chunk is not a wide UTC frame or starts before the previous one ended.
        """
        index = check_frame(chunk)
        if len(index) == 0:
            return []
        if self._last_time is not None and index[0] <= self._last_time:
            raise InputError(
                "chunk does not follow the previous one",
                field="chunk.index",
                value=str(index[0]),
                fix=f"give chunks in time order, after {self._last_time}",
            )
        if self._runnable is None:
            self._resolve(chunk.columns)
        self._last_time = index[-1]
        chunk = self._complete(chunk)
        events: list[AlertEvent] = []
        for detector in self.runnable:
            events.extend(detector.step(chunk))
        events.sort(key=lambda event: (event.at, event.detector))
        return events


def severity_name(level: int) -> str:
    """``info``, ``warning`` or ``critical`` for a level index 0, 1, 2."""
    return SEVERITIES[int(np.clip(level, 0, len(SEVERITIES) - 1))]
