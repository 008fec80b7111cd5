"""Shared parts of the detectors: trailing windows across chunks, robust statistics, events.

Everything works on whole chunks (rows × columns numpy arrays); the only Python loops run over
the few state changes of an alert, never over samples.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from greenmet.errors import InputError
from greenmet.i18n import Message
from greenmet.monitoring.alerts import AlertEvent, Category, Evidence
from greenmet.monitoring.detectors.base import Episodes, Transition, severity_name
from greenmet.quality.flags import MAD_TO_SIGMA

PACKAGE = "greenmet.monitoring"


class Trailing:
    """The last ``rows`` rows of an array, carried from one chunk to the next.

    :meth:`join` returns the carried rows followed by the chunk's rows, so that a window that
    starts in the previous chunk is computed exactly as if the data had come in one piece. The
    carry starts as ``fill`` (NaN: no data yet).
    """

    def __init__(self, rows: int, columns: int, fill: float = np.nan) -> None:
        self.rows = rows
        self.tail = np.full((rows, columns), fill)

    def join(self, chunk: np.ndarray) -> np.ndarray:
        full = np.concatenate([self.tail, chunk.reshape(len(chunk), -1)], axis=0)
        self.tail = full[len(full) - self.rows :].copy()
        return full


def moving_mean(full: np.ndarray, window: int, carried: int, min_share: float = 0.5) -> np.ndarray:
    """Trailing mean over ``window`` rows for the rows after the first ``carried`` rows.

    NaN is left out; a window with fewer than ``min_share`` of its rows finite gives NaN.
    ``carried`` must be at least ``window - 1``.
    """
    finite = np.isfinite(full)
    values = np.where(finite, full, 0.0)
    zeros = np.zeros((1, full.shape[1]))
    sums = np.concatenate([zeros, np.cumsum(values, axis=0)])
    counts = np.concatenate([zeros, np.cumsum(finite, axis=0)])
    first = carried - window + 1
    stop = full.shape[0] - window + 1
    total = sums[first + window : stop + window] - sums[first:stop]
    count = counts[first + window : stop + window] - counts[first:stop]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count >= max(1.0, min_share * window), total / count, np.nan)


def robust_location_scale(
    values: np.ndarray, floor: float | np.ndarray = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Column medians and MAD-based standard deviations (at least ``floor``), NaN left out.

    The MAD → σ factor 1.4826 is Rousseeuw & Croux (1993), doi:10.1080/01621459.1993.10476408
    (``greenmet.quality.MAD_TO_SIGMA``).
    """
    values = np.asarray(values, dtype=float).reshape(len(values), -1)
    if not np.isfinite(values).any(axis=0).all():
        raise InputError(
            "normal data have a column without any finite value",
            field="normal",
            value=int((~np.isfinite(values).any(axis=0)).sum()),
            fix="fit on a stretch of normal operation where every required tag was measured",
        )
    median = np.nanmedian(values, axis=0)
    scale = MAD_TO_SIGMA * np.nanmedian(np.abs(values - median), axis=0)
    return median, np.maximum(scale, floor)


def columns(frame: pd.DataFrame, tags: Sequence[str]) -> np.ndarray:
    """The ``tags`` columns of ``frame`` as a float array (rows × tags)."""
    return frame[list(tags)].to_numpy(dtype=float, na_value=np.nan)


def require_rows(normal: pd.DataFrame, rows: int, name: str) -> None:
    """Raise if ``normal`` is shorter than ``rows`` (the detector's longest window)."""
    if len(normal) < rows:
        raise InputError(
            f"{name} needs at least {rows} s of normal operation to learn from",
            field="normal",
            value=f"{len(normal)} rows",
            fix="fit on a longer stretch of normal operation (hours)",
        )


class EventMaker:
    """Turns :class:`Transition` objects into :class:`AlertEvent` objects for one detector.

    The message comes from the label ``alert_<fault_kind>`` of ``greenmet.monitoring`` (English
    and Chinese), with ``{location}`` filled in.
    """

    def __init__(
        self,
        detector: str,
        fault_kind: str,
        category: Category,
        countermeasures: tuple[str, ...],
        locations: Sequence[str | None] = (None,),
    ) -> None:
        self.detector = detector
        self.fault_kind = fault_kind
        self.category = category
        self.countermeasures = countermeasures
        self.locations = list(locations)

    def events(
        self,
        index: pd.DatetimeIndex,
        transitions: list[Transition],
        evidence: Callable[[Transition], tuple[Evidence, ...]],
        location_of: Callable[[Transition], str | None] | None = None,
    ) -> list[AlertEvent]:
        out = []
        for transition in transitions:
            location = self.locations[transition.column] if location_of is None else location_of(transition)
            message = Message(f"alert_{self.fault_kind}", PACKAGE, location=location or "")
            out.append(
                AlertEvent(
                    detector=self.detector,
                    fault_kind=self.fault_kind,
                    category=self.category,
                    severity=severity_name(transition.level),  # type: ignore[arg-type]
                    state=transition.state,  # type: ignore[arg-type]
                    started_at=transition.started_at,
                    at=index[transition.position],
                    evidence=evidence(transition),
                    countermeasures=self.countermeasures if transition.state != "cleared" else (),
                    message_en=str(message),
                    message_zh=message.render("zh"),
                    location=location,
                )
            )
        return out


def evidence_row(
    tags: Sequence[str], values: np.ndarray, thresholds: Sequence[float], comparisons: Sequence[str]
) -> tuple[Evidence, ...]:
    """Evidence tuples from parallel sequences (values rounded for display)."""
    return tuple(
        Evidence(tag, float(np.round(value, 4)), float(np.round(threshold, 4)), comparison)  # type: ignore[arg-type]
        for tag, value, threshold, comparison in zip(tags, values, thresholds, comparisons, strict=True)
    )


__all__ = [
    "PACKAGE",
    "Episodes",
    "EventMaker",
    "Trailing",
    "columns",
    "evidence_row",
    "moving_mean",
    "require_rows",
    "robust_location_scale",
]
