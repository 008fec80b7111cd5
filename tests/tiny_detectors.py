"""A tiny detector of the tests' own, so the engine is tested apart from greenmet's detectors.

``AboveReference`` raises an alert while a tag stays above the first value it saw plus a
margin (with the shared hysteresis, ``Episodes``), and keeps every chunk it was given, so a test
can compare what two runs fed it. Its result does not depend on how the data are cut into
chunks: the reference is the first finite value of the run, and ``Episodes`` carries its
counts across chunks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from greenmet.monitoring.alerts import AlertEvent
from greenmet.monitoring.detectors import Episodes
from greenmet.monitoring.detectors.base import severity_name


class AboveReference:
    category = "process"

    def __init__(
        self,
        tag: str,
        *,
        margin: float = 0.0,
        raise_after: int = 2,
        clear_after: int = 2,
        name: str | None = None,
        fault_kind: str = "hot_furnace",
    ) -> None:
        self.tag = tag
        self.name = name or f"above_reference_{tag}"
        self.required_tags = (tag,)
        self.margin = margin
        self.fault_kind = fault_kind
        self.reference: float | None = None
        self.episodes = Episodes(1, raise_after=raise_after, clear_after=clear_after)
        self.chunks: list[pd.DataFrame] = []
        self.fitted_on: pd.DataFrame | None = None

    def fit(self, normal: pd.DataFrame) -> None:
        self.fitted_on = normal

    def step(self, chunk: pd.DataFrame) -> list[AlertEvent]:
        self.chunks.append(chunk.copy())
        values = chunk[self.tag].to_numpy(dtype=float)
        if self.reference is None:
            finite = values[np.isfinite(values)]
            if finite.size == 0:
                return []
            self.reference = float(finite[0])
        threshold = self.reference + self.margin
        with np.errstate(invalid="ignore"):
            alarm = values > threshold
            clear = values <= threshold
        events = []
        for change in self.episodes.update(chunk.index, alarm, clear):
            value = float(values[change.position])
            events.append(
                AlertEvent(
                    detector=self.name,
                    fault_kind=self.fault_kind,
                    category="process",
                    severity=severity_name(change.level),
                    state=change.state,
                    started_at=change.started_at,
                    at=chunk.index[change.position],
                    evidence=((self.tag, value, threshold, ">"),),
                    countermeasures=(),
                    message_en=f"{self.tag} above {threshold:g}",
                    message_zh=f"{self.tag} 高于 {threshold:g}",
                )
            )
        return events


class NeedsAbsentTag(AboveReference):
    """A detector whose tag the furnace lacks: the engine must say it cannot run."""

    def __init__(self) -> None:
        super().__init__("tag_the_furnace_lacks", name="needs_absent_tag")


def blast_temperature_detectors(tags):
    """Detectors for ``greenmet bf monitor --detectors tiny_detectors:blast_temperature_detectors``."""
    return [AboveReference("blast_temperature"), NeedsAbsentTag()]
