"""Shifts and plant days in the plant's time zone."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from greenmet.errors import InputError
from greenmet.monitoring.health import (
    day_period,
    parse_shift_starts,
    period_of,
    periods_between,
    shift_period,
)


def test_shanghai_day_and_shifts_are_utc_instants_eight_hours_earlier():
    day = day_period("2026-01-02", "Asia/Shanghai")
    assert day.start == pd.Timestamp("2026-01-01T16:00Z")
    assert day.end == pd.Timestamp("2026-01-02T16:00Z")
    second = shift_period("2026-01-02", 2, "Asia/Shanghai")
    assert second.start == pd.Timestamp("2026-01-02T00:00Z")
    assert second.end == pd.Timestamp("2026-01-02T08:00Z")
    third = shift_period("2026-01-02", 3, "Asia/Shanghai")
    assert third.end == day.end


def test_a_daylight_saving_day_has_23_hours_and_shifts_tile_it():
    day = day_period("2026-03-29", "Europe/Berlin")
    assert day.end - day.start == pd.Timedelta(hours=23)
    shifts = periods_between(day.start, day.end, "shift", "Europe/Berlin")
    assert len(shifts) == 3
    assert shifts[0].start == day.start and shifts[-1].end == day.end


def test_custom_shift_starts_and_the_shift_containing_an_instant():
    starts = parse_shift_starts("06:00,18:00")
    assert starts == (dt.time(6), dt.time(18))
    night = period_of(pd.Timestamp("2026-01-02T01:00Z"), "shift", "UTC", starts)
    # 01:00 belongs to the night shift that began at 18:00 the day before
    assert night.plant_day == dt.date(2026, 1, 1) and night.shift_number == 2


def test_periods_between_returns_whole_periods_only():
    days = periods_between(pd.Timestamp("2026-01-01T03:00Z"), pd.Timestamp("2026-01-04T00:00Z"), "day", "UTC")
    assert [p.plant_day for p in days] == [dt.date(2026, 1, 2), dt.date(2026, 1, 3)]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: parse_shift_starts("8 o'clock"), "malformed shift start"),
        (lambda: parse_shift_starts("08:00,08:00"), "distinct"),
        (lambda: shift_period("2026-01-01", 4, "UTC"), "no such shift"),
        (lambda: day_period("2026-01-01", "Mars/Olympus"), "unknown time zone"),
    ],
)
def test_bad_period_arguments_name_the_field(call, match):
    with pytest.raises(InputError, match=match):
        call()
