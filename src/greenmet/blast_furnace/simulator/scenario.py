"""Scenarios: which faults happen when, how strongly and where, as validated data.

A scenario is read from TOML or YAML text (the pipeline layer reads the file, see
:func:`greenmet.simulation.load_scenario`)::

    name = "hanging then cold hearth"
    random_sensor_faults_per_day = 4

    [[faults]]
    fault = "hanging"
    start = "2h"            # offset from the simulation start, or an ISO time with offset
    duration = "40min"      # or end = "2h40min" / end = 2026-01-01T02:40:00Z
    severity = 0.8          # 0 < severity <= 1

    [[faults]]
    fault = "scaffolding"
    start = "6h"
    end = "12h"
    severity = 0.6
    location = 5            # stave row 5 (1-based)

    [[sensor_faults]]
    kind = "stuck"
    tag = "blast_temperature"
    start = "3h"
    duration = "20min"

``location`` is 1-based and means, by fault: ``scaffolding`` a stave row, ``channelling`` an
uptake, ``tuyere_leak`` a tuyere, ``hearth_wall_temperature_rise`` a hearth thermocouple,
``stockrod_failure`` a stockrod. The other faults act on the whole furnace and take no location.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from greenmet.blast_furnace.simulator.catalogue import tag_specs
from greenmet.blast_furnace.simulator.config import FurnaceConfig
from greenmet.errors import FileFormatError, InputError, Location, UnknownKeyError

__all__ = ["FaultEvent", "FaultKind", "ResolvedFault", "Scenario", "SensorFault", "SensorFaultKind"]


class FaultKind(StrEnum):
    """Process faults the simulator can inject (reference note blast_furnace.md §2.1)."""

    hanging = "hanging"
    slip = "slip"
    channelling = "channelling"
    scaffolding = "scaffolding"
    cold_hearth = "cold_hearth"
    hot_furnace = "hot_furnace"
    tuyere_leak = "tuyere_leak"
    hearth_wall_temperature_rise = "hearth_wall_temperature_rise"
    stockrod_failure = "stockrod_failure"


SensorFaultKind = Literal["stuck", "spike", "dropout", "drift"]

# What ``location`` counts, by fault, and the config attribute holding how many there are.
LOCATED: dict[FaultKind, tuple[str, str]] = {
    FaultKind.scaffolding: ("stave row", "stave_rows"),
    FaultKind.channelling: ("uptake", "uptakes"),
    FaultKind.tuyere_leak: ("tuyere", "tuyeres"),
    FaultKind.hearth_wall_temperature_rise: ("hearth thermocouple", "hearth_thermocouples"),
    FaultKind.stockrod_failure: ("stockrod", "stockrods"),
}

TimeSpec = datetime | timedelta


def _parse_time(value: Any) -> Any:
    """An offset ("6h", "90min", "1 days 02:00:00", seconds as a number) or an aware datetime."""
    if isinstance(value, datetime | timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=float(value))
    if isinstance(value, str):
        text = value.strip()
        try:
            return pd.Timedelta(text).to_pytimedelta()
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"{value!r} is neither an offset such as '6h' or '90min' nor an ISO time "
                "such as '2026-01-01T06:00:00+08:00'"
            ) from None
    return value


class _Window(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start: TimeSpec
    end: TimeSpec | None = None
    duration: timedelta | None = None

    @field_validator("start", "end", "duration", mode="before")
    @classmethod
    def _times(cls, value: Any) -> Any:
        return None if value is None else _parse_time(value)

    @field_validator("start", "end")
    @classmethod
    def _aware(cls, value: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError("give a time zone offset (e.g. 2026-01-01T06:00:00Z or +08:00)")
        if isinstance(value, timedelta) and value < timedelta(0):
            raise ValueError("an offset from the simulation start cannot be negative")
        return value

    @model_validator(mode="after")
    def _one_end(self) -> _Window:
        if (self.end is None) == (self.duration is None):
            raise ValueError("give exactly one of 'end' and 'duration'")
        if self.duration is not None and self.duration <= timedelta(0):
            raise ValueError("duration must be positive")
        if self.end is not None and type(self.end) is type(self.start) and self.end <= self.start:  # type: ignore[operator]
            raise ValueError(f"end ({self.end}) is not after start ({self.start})")
        return self

    def resolve(self, origin: pd.Timestamp) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Absolute UTC start and end for a simulation starting at ``origin``."""
        start = _absolute(self.start, origin)
        end = (
            start + pd.Timedelta(self.duration) if self.duration is not None else _absolute(self.end, origin)
        )
        return start, end


def _absolute(value: Any, origin: pd.Timestamp) -> pd.Timestamp:
    if isinstance(value, timedelta):
        return origin + pd.Timedelta(value)
    return pd.Timestamp(value).tz_convert("UTC")


class FaultEvent(_Window):
    """One process fault: which, when, how strong (0 < severity <= 1) and where."""

    fault: FaultKind
    severity: float = Field(default=0.7, gt=0.0, le=1.0)
    location: int | None = None


class SensorFault(_Window):
    """One instrument fault on one tag: stuck, spike, dropout (NaN, bad quality) or drift.

    ``magnitude`` is in the tag's unit: the spike height or the drift reached at the end
    (default: a tenth of the tag's range).
    """

    kind: SensorFaultKind
    tag: str
    magnitude: float | None = None


@dataclass(frozen=True)
class ResolvedFault:
    """A fault with absolute times, as written to the labels."""

    start: pd.Timestamp
    end: pd.Timestamp
    fault: str
    severity: float
    location: str | None
    index: int | None = None
    magnitude: float | None = None


class Scenario(BaseModel):
    """A fault-injection scenario.

    Attributes
    ----------
    name
        Free text, kept in the labels' metadata.
    faults
        Process faults (:class:`FaultEvent`).
    sensor_faults
        Instrument faults on named tags (:class:`SensorFault`).
    random_sensor_faults_per_day
        Rate of additional instrument faults drawn at random (they are labelled too). [1/d]
    disturbances
        Slow process disturbances (burden quality, ambient humidity, gas distribution);
        switch off for a clean baseline.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "scenario"
    faults: list[FaultEvent] = Field(default_factory=list)
    sensor_faults: list[SensorFault] = Field(default_factory=list)
    random_sensor_faults_per_day: float = Field(default=4.0, ge=0.0, le=1000.0)
    disturbances: bool = True

    @classmethod
    def from_mapping(cls, data: Any, *, source: str | None = None) -> Scenario:
        """Validate a parsed mapping; errors name the field, the value and the fix.

        Raises
        ------
        InputError
            If a field is missing, unknown or out of range.
        """
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            error = exc.errors()[0]
            field = ".".join(str(part) for part in error["loc"]) or "scenario"
            message = error["msg"]
            fix = "see the scenario format in docs/user_guide/simulator.md"
            if error["type"] == "enum":
                fix = f"use one of {', '.join(kind.value for kind in FaultKind)}"
            elif error["type"] == "literal_error":
                fix = "use one of stuck, spike, dropout, drift"
            elif error["type"] == "extra_forbidden":
                fix = "remove the field or check its spelling"
            raise InputError(
                message,
                field=field,
                value=error.get("input"),
                fix=fix,
                location=Location(file=source) if source else None,
            ) from None

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        format: Literal["toml", "yaml"] = "toml",
        source: str | None = None,
    ) -> Scenario:
        """Parse and validate scenario text in TOML or YAML.

        Raises
        ------
        FileFormatError
            If the text does not parse.
        InputError
            If the content does not validate.
        """
        try:
            data = tomllib.loads(text) if format == "toml" else yaml.safe_load(text)
        except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
            raise FileFormatError(
                f"scenario is not valid {format.upper()}: {exc}",
                field="scenario",
                fix=f"check the {format.upper()} syntax",
                location=Location(file=source) if source else None,
            ) from None
        return cls.from_mapping(data if data is not None else {}, source=source)

    def check(self, config: FurnaceConfig, origin: pd.Timestamp) -> list[ResolvedFault]:
        """Check the scenario against a furnace and resolve its times from ``origin``.

        Returns the faults with absolute times, in scenario order (process faults, then
        sensor faults).

        Raises
        ------
        InputError
            If a location is missing, not needed or outside the furnace, or an end is not after
            its start.
        UnknownKeyError
            If a sensor fault names a tag the furnace does not have.
        """
        resolved = []
        for number, event in enumerate(self.faults):
            field = f"faults.{number}"
            start, end = event.resolve(origin)
            if start < origin:
                raise InputError(
                    f"starts before the simulation ({origin})",
                    field=f"{field}.start",
                    value=str(start),
                    fix="give a start at or after the simulation start, or an offset such as '2h'",
                )
            if end <= start:
                raise InputError(
                    f"end ({end}) is not after start ({start})",
                    field=f"{field}.end",
                    value=str(end),
                    fix="give an end after the start, or a positive duration",
                )
            location = None
            if event.fault in LOCATED:
                what, attribute = LOCATED[event.fault]
                count = getattr(config, attribute)
                if event.location is None:
                    raise InputError(
                        f"{event.fault.value} needs a location ({what} 1..{count})",
                        field=f"{field}.location",
                        fix=f"add location = <{what} number>",
                    )
                if not 1 <= event.location <= count:
                    raise InputError(
                        f"location outside the furnace: it has {count} {what}s",
                        field=f"{field}.location",
                        value=event.location,
                        fix=f"give a {what} between 1 and {count}",
                    )
                location = f"{what.replace(' ', '_')}_{event.location:02d}"
            elif event.location is not None:
                raise InputError(
                    f"{event.fault.value} acts on the whole furnace and takes no location",
                    field=f"{field}.location",
                    value=event.location,
                    fix="remove location",
                )
            resolved.append(
                ResolvedFault(
                    start=start,
                    end=end,
                    fault=event.fault.value,
                    severity=event.severity,
                    location=location,
                    index=event.location,
                )
            )
        tags = {spec.tag for spec in tag_specs(config) if not spec.per_cast}
        for number, sensor in enumerate(self.sensor_faults):
            field = f"sensor_faults.{number}"
            if sensor.tag not in tags:
                raise UnknownKeyError(
                    "the furnace has no such continuous tag",
                    field=f"{field}.tag",
                    value=sensor.tag,
                    fix="use a tag of tag_catalogue(config)",
                )
            start, end = sensor.resolve(origin)
            if start < origin:
                raise InputError(
                    f"starts before the simulation ({origin})",
                    field=f"{field}.start",
                    value=str(start),
                    fix="give a start at or after the simulation start, or an offset such as '2h'",
                )
            if end <= start:
                raise InputError(
                    f"end ({end}) is not after start ({start})",
                    field=f"{field}.end",
                    value=str(end),
                    fix="give an end after the start, or a positive duration",
                )
            resolved.append(
                ResolvedFault(
                    start=start,
                    end=end,
                    fault=f"sensor_{sensor.kind}",
                    severity=1.0,
                    location=sensor.tag,
                    magnitude=sensor.magnitude,
                )
            )
        return resolved
