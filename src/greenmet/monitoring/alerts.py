"""Alert events: what a detector says about one episode of a fault.

One episode of a fault (a hanging, a stuck thermocouple) is one alert. A detector tells its
life in events that share the alert's :attr:`AlertEvent.key`: ``raised`` once when it starts,
``updated`` when it grows more severe, ``cleared`` once when it is over. The engine
(``greenmet.engines``) stores the events in the records store; acknowledgement and closure by a
person are kept there, not here.

Process faults (``category = "process"``: hanging, slip, cold hearth …) are kept apart from
equipment faults (``category = "equipment"``: a failed stockrod, a stuck, spiking, dropped-out
or drifting sensor) so that an operator does not take an instrument for the furnace.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, get_args

import pandas as pd

from greenmet.errors import InputError
from greenmet.i18n import label

__all__ = [
    "CATEGORIES",
    "COMPARISONS",
    "SEVERITIES",
    "STATES",
    "AlertEvent",
    "AlertState",
    "Category",
    "Comparison",
    "Evidence",
    "Severity",
    "countermeasure_text",
]

Category = Literal["process", "equipment"]
Severity = Literal["info", "warning", "critical"]
AlertState = Literal["raised", "updated", "cleared"]
Comparison = Literal[">", ">=", "<", "<=", "outside", "stuck", "missing"]

CATEGORIES: tuple[str, ...] = get_args(Category)
SEVERITIES: tuple[str, ...] = get_args(Severity)
STATES: tuple[str, ...] = get_args(AlertState)
COMPARISONS: tuple[str, ...] = get_args(Comparison)


class Evidence(NamedTuple):
    """One fact behind an alert: ``tag`` had ``value``, compared with ``threshold``.

    ``tag`` is a tag of the catalogue or a feature a detector computes from tags (its
    docstring names it, e.g. ``stockrod_descent_rate``); ``value`` and ``threshold`` are in the
    unit of that tag or feature; ``comparison`` says how the two were compared (``">"``:
    the value was above the threshold; ``"outside"``: outside a band whose half-width is the
    threshold; ``"stuck"``: unchanged for ``threshold`` seconds; ``"missing"``: no value for
    ``threshold`` seconds).
    """

    tag: str
    value: float
    threshold: float
    comparison: Comparison

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping; NaN becomes None."""
        return {
            "tag": self.tag,
            "value": None if math.isnan(self.value) else self.value,
            "threshold": None if math.isnan(self.threshold) else self.threshold,
            "comparison": self.comparison,
        }


def _utc(value: Any, name: str) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        raise InputError("time without a time zone", field=name, value=str(value),
                         fix="give UTC times (pd.Timestamp(..., tz='UTC'))")
    return stamp.tz_convert("UTC")


@dataclass(frozen=True)
class AlertEvent:
    """One event in the life of an alert.

    Attributes
    ----------
    detector
        Name of the detector that saw it (``Detector.name``).
    fault_kind
        What it is: a process fault kind of the simulator (``hanging`` … ``hearth_wall_temperature_rise``)
        or an equipment fault (``stockrod_failure``, ``sensor_stuck``, ``sensor_spike``,
        ``sensor_dropout``, ``sensor_drift``), the names of the simulator's fault labels.
    category
        ``process`` or ``equipment``.
    severity
        ``info``, ``warning`` or ``critical`` at this event (an ``updated`` event carries the
        new, higher severity; a ``cleared`` event the highest one reached).
    state
        ``raised``, ``updated`` or ``cleared``.
    started_at
        When the episode was raised (UTC); the same for all events of one alert.
    at
        When this event happened (UTC): the sample that crossed the threshold, not the time
        the chunk was processed.
    evidence
        The facts that made the detector decide (:class:`Evidence`).
    countermeasures
        Keys of suggested counter-measures in ``greenmet.monitoring``'s labels
        (:func:`countermeasure_text` gives the text in English or Chinese).
    message_en, message_zh
        One-line description for the operator, in English and Chinese.
    location
        Where, if the fault is local: ``stave_row_05``, ``uptake_02``, ``tuyere_07``,
        ``hearth_thermocouple_03``, ``stockrod_02`` (the simulator's label spelling), or the tag
        of a faulty sensor; None for whole-furnace faults.
    """

    detector: str
    fault_kind: str
    category: Category
    severity: Severity
    state: AlertState
    started_at: pd.Timestamp
    at: pd.Timestamp
    evidence: tuple[Evidence, ...] = ()
    countermeasures: tuple[str, ...] = ()
    message_en: str = ""
    message_zh: str = ""
    location: str | None = None

    def __post_init__(self) -> None:
        for name, allowed in (("category", CATEGORIES), ("severity", SEVERITIES), ("state", STATES)):
            if getattr(self, name) not in allowed:
                raise InputError(f"unknown alert {name}", field=name, value=getattr(self, name),
                                 fix=f"use one of {', '.join(allowed)}")
        if not self.detector:
            raise InputError("an alert needs the name of its detector", field="detector", value=self.detector,
                             fix="give Detector.name")
        if not self.fault_kind:
            raise InputError("an alert needs a fault kind", field="fault_kind", value=self.fault_kind,
                             fix="give the simulator's fault label, e.g. 'hanging' or 'sensor_stuck'")
        started = _utc(self.started_at, "started_at")
        at = _utc(self.at, "at")
        if at < started:
            raise InputError(f"event time is before the alert started ({started})", field="at", value=str(at),
                             fix="give an event time at or after started_at")
        object.__setattr__(self, "started_at", started)
        object.__setattr__(self, "at", at)
        evidence = tuple(Evidence(*item) for item in self.evidence)
        for item in evidence:
            if item.comparison not in COMPARISONS:
                raise InputError("unknown comparison in evidence", field="evidence.comparison",
                                 value=item.comparison, fix=f"use one of {', '.join(COMPARISONS)}")
        object.__setattr__(self, "evidence", evidence)
        object.__setattr__(self, "countermeasures", tuple(self.countermeasures))

    @property
    def key(self) -> str:
        """De-duplication key shared by the raised, updated and cleared events of one alert."""
        where = self.location or "-"
        return f"{self.detector}|{self.fault_kind}|{where}|{self.started_at.isoformat()}"

    def message(self, language: str) -> str:
        """The operator message in ``en`` or ``zh``."""
        return self.message_zh if language == "zh" else self.message_en

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping (times as ISO 8601 UTC strings), e.g. for the records store."""
        return {
            "key": self.key,
            "detector": self.detector,
            "fault_kind": self.fault_kind,
            "category": self.category,
            "severity": self.severity,
            "state": self.state,
            "started_at": self.started_at.isoformat(),
            "at": self.at.isoformat(),
            "location": self.location,
            "evidence": [item.to_dict() for item in self.evidence],
            "countermeasures": list(self.countermeasures),
            "message_en": self.message_en,
            "message_zh": self.message_zh,
        }


def countermeasure_text(key: str, language: str = "en") -> str:
    """The text of a counter-measure key of :attr:`AlertEvent.countermeasures`."""
    return label(key, language, "greenmet.monitoring")
