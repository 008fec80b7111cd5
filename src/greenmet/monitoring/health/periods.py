"""Shifts, plant days and longer periods in the plant's time zone, as UTC instants.

A plant day runs from local midnight to local midnight (23 or 25 hours on a daylight-saving
change); its shifts start at ``shift_starts`` local times. greenmet's default is three 8-hour
shifts from midnight (00:00, 08:00, 16:00), a common Chinese pattern (夜班, 白班, 中班); plants
set their own. Every period is half-open, ``[period_start, period_end)``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from greenmet.errors import InputError

__all__ = [
    "DEFAULT_SHIFT_STARTS",
    "Period",
    "custom_period",
    "day_period",
    "parse_shift_starts",
    "period_of",
    "periods_between",
    "shift_period",
]

DEFAULT_SHIFT_STARTS: tuple[dt.time, ...] = (dt.time(0, 0), dt.time(8, 0), dt.time(16, 0))
_KINDS = ("shift", "day", "week", "month", "custom")


@dataclass(frozen=True)
class Period:
    """A reporting period: kind, UTC limits, and for shifts and days the plant day and shift."""

    kind: str
    start: pd.Timestamp
    end: pd.Timestamp
    time_zone: str = "UTC"
    plant_day: dt.date | None = None
    shift_number: int | None = None

    @property
    def duration_days(self) -> float:
        """Length of the period [d]."""
        return float((self.end - self.start) / pd.Timedelta(days=1))

    def label(self) -> str:
        """``2026-01-01 shift 2`` / ``2026-01-01`` / the local limits of a longer period."""
        if self.kind == "shift" and self.plant_day is not None:
            return f"{self.plant_day.isoformat()} #{self.shift_number}"
        if self.kind == "day" and self.plant_day is not None:
            return self.plant_day.isoformat()
        zone = zoneinfo.ZoneInfo(self.time_zone)
        first = self.start.tz_convert(zone).strftime("%Y-%m-%d %H:%M")
        last = self.end.tz_convert(zone).strftime("%Y-%m-%d %H:%M")
        return f"{first} – {last}"


def _zone(time_zone: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(
            "unknown time zone",
            field="time_zone",
            value=time_zone,
            fix="give an IANA name such as Asia/Shanghai",
        ) from exc


def parse_shift_starts(text: str | Sequence[str | dt.time] | None) -> tuple[dt.time, ...]:
    """Shift start times from ``"00:00,08:00,16:00"`` (or a sequence); None gives the default.

    Raises :class:`InputError` for a malformed time, a repeated time, or no time.
    """
    if text is None:
        return DEFAULT_SHIFT_STARTS
    items = [item.strip() for item in text.split(",")] if isinstance(text, str) else list(text)
    times: list[dt.time] = []
    for item in items:
        if isinstance(item, dt.time):
            times.append(item)
            continue
        try:
            times.append(dt.time.fromisoformat(item))
        except ValueError as exc:
            raise InputError(
                "malformed shift start",
                field="shift_starts",
                value=item,
                fix="write local times HH:MM separated by commas, e.g. 00:00,08:00,16:00",
            ) from exc
    if not times or len(set(times)) != len(times):
        raise InputError(
            "shift starts must be distinct and at least one",
            field="shift_starts",
            value=text,
            fix="e.g. 00:00,08:00,16:00",
        )
    return tuple(sorted(times))


def _local(day: dt.date, time: dt.time, zone: zoneinfo.ZoneInfo) -> pd.Timestamp:
    # a wall time missing in a spring-forward gap is taken after the gap (pandas "shift_forward")
    naive = pd.Timestamp(dt.datetime.combine(day, time))
    return naive.tz_localize(zone, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")


def day_period(day: dt.date | str, time_zone: str) -> Period:
    """The plant day ``day`` (local midnight to local midnight) as a :class:`Period`."""
    zone = _zone(time_zone)
    date = dt.date.fromisoformat(day) if isinstance(day, str) else day
    start = _local(date, dt.time(0), zone)
    return Period("day", start, _local(date + dt.timedelta(days=1), dt.time(0), zone), time_zone, date, None)


def shift_period(
    day: dt.date | str,
    shift_number: int,
    time_zone: str,
    shift_starts: Sequence[dt.time] = DEFAULT_SHIFT_STARTS,
) -> Period:
    """Shift ``shift_number`` (1-based) of the plant day ``day``.

    Shifts run from their start to the next shift's start; the last one to the first start of
    the next day. A first start after midnight belongs to the day it starts in.
    """
    zone = _zone(time_zone)
    date = dt.date.fromisoformat(day) if isinstance(day, str) else day
    starts = tuple(shift_starts)
    if not 1 <= shift_number <= len(starts):
        raise InputError(
            "no such shift",
            field="shift",
            value=shift_number,
            fix=f"give a shift number from 1 to {len(starts)} (shift starts {_text(starts)})",
        )
    start = _local(date, starts[shift_number - 1], zone)
    if shift_number < len(starts):
        end = _local(date, starts[shift_number], zone)
    else:
        end = _local(date + dt.timedelta(days=1), starts[0], zone)
    return Period("shift", start, end, time_zone, date, shift_number)


def _text(starts: Sequence[dt.time]) -> str:
    return ",".join(t.strftime("%H:%M") for t in starts)


def period_of(
    instant: pd.Timestamp, kind: str, time_zone: str, shift_starts: Sequence[dt.time] = DEFAULT_SHIFT_STARTS
) -> Period:
    """The shift or plant day containing ``instant`` (a UTC instant)."""
    zone = _zone(time_zone)
    local = instant.tz_convert(zone)
    if kind == "day":
        return day_period(local.date(), time_zone)
    if kind != "shift":
        raise InputError("unknown period kind", field="period", value=kind, fix="use shift or day")
    for day in (local.date() - dt.timedelta(days=1), local.date()):
        for number in range(1, len(shift_starts) + 1):
            period = shift_period(day, number, time_zone, shift_starts)
            if period.start <= instant < period.end:
                return period
    raise InputError(
        "the instant falls in no shift", field="instant", value=str(instant), fix="check the shift starts"
    )  # pragma: no cover - shifts tile the day


def periods_between(
    start: pd.Timestamp,
    end: pd.Timestamp,
    kind: str,
    time_zone: str,
    shift_starts: Sequence[dt.time] = DEFAULT_SHIFT_STARTS,
) -> list[Period]:
    """Every whole shift or plant day that starts at or after ``start`` and ends at or before ``end``."""
    if kind not in ("shift", "day"):
        raise InputError("unknown period kind", field="period", value=kind, fix="use shift or day")
    if end <= start:
        raise InputError(
            "the period ends before it starts", field="end", value=str(end), fix="give an end after the start"
        )
    periods: list[Period] = []
    current = period_of(start, kind, time_zone, shift_starts)
    if current.start < start:
        current = period_of(current.end, kind, time_zone, shift_starts)
    while current.end <= end:
        periods.append(current)
        current = period_of(current.end, kind, time_zone, shift_starts)
    return periods


def custom_period(start: pd.Timestamp, end: pd.Timestamp, time_zone: str, kind: str = "custom") -> Period:
    """A period of any length (``week``, ``month`` or ``custom``) between two UTC instants."""
    if kind not in _KINDS:
        raise InputError("unknown period kind", field="period", value=kind, fix=f"use one of {_KINDS}")
    if end <= start:
        raise InputError(
            "the period ends before it starts", field="end", value=str(end), fix="give an end after the start"
        )
    _zone(time_zone)
    return Period(kind, start, end, time_zone)
