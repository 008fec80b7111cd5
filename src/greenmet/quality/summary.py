"""Quality summary of many tags: share of flagged samples by kind and longest gap, per period."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import numpy as np
import pandas as pd

from greenmet.errors import InputError
from greenmet.quality.flags import _seconds_since_previous, quality_flags

__all__ = ["SUMMARY_COLUMNS", "quality_summary"]

SUMMARY_COLUMNS = ("n_points", "share_out_of_range", "share_stuck", "share_spike", "share_dropout",
                   "share_flagged", "longest_gap_s")
"""Columns of :func:`quality_summary` after ``tag`` (and ``period_start``)."""

_FLAG_TO_SHARE = {"is_out_of_range": "share_out_of_range", "is_stuck": "share_stuck",
                  "is_spike": "share_spike", "is_dropout": "share_dropout"}


def _tag_series(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """One time-indexed Series per tag, from a wide or a long (``ts, tag, value``) table."""
    if not isinstance(frame, pd.DataFrame):
        raise InputError("expected a DataFrame", field="frame", value=type(frame).__name__,
                         fix="pass a wide table (time index, one column per tag) or a long one "
                             "(columns ts, tag, value)")
    if {"ts", "tag", "value"} <= set(frame.columns):
        result = {}
        for tag, group in frame.groupby("tag", sort=True, observed=True):
            series = pd.Series(group["value"].to_numpy(dtype="float64"),
                               index=pd.DatetimeIndex(group["ts"]), name=str(tag))
            result[str(tag)] = series.sort_index(kind="stable")
        return result
    if not isinstance(frame.index, pd.DatetimeIndex):
        raise InputError("a wide table needs a DatetimeIndex", field="frame.index",
                         value=type(frame.index).__name__,
                         fix="set the timestamp column as index, or pass columns ts, tag, value")
    return {str(column): frame[column].sort_index(kind="stable") for column in frame.columns}


Limits = Mapping[str, tuple[float | None, float | None]]


def quality_summary(frame: pd.DataFrame, *, limits: Limits | None = None, period: str | None = None,
                    **flag_options: Any) -> pd.DataFrame:
    """Share of flagged samples by kind and the longest gap, per tag and per period.

    Flags are computed per tag on the whole series with :func:`greenmet.quality.quality_flags`
    (so a stuck run that crosses a period boundary counts in both periods), then counted per
    period. ``longest_gap_s`` of a period is the longest time between two consecutive valid
    samples whose later sample falls in the period.

    Parameters
    ----------
    frame
        Either wide (a DatetimeIndex, one column per tag) or long (columns ``ts``, ``tag``,
        ``value``, as the historian returns it). [unit of each tag]
    limits
        Plausible range per tag, ``{tag: (low, high)}``; tags without limits get no
        out-of-range check. [unit of each tag]
    period
        A fixed duration such as ``"1h"``, ``"8h"`` (a shift) or ``"1D"``; ``None`` summarises
        the whole frame. Periods start at multiples of the duration from the Unix epoch, in the
        time zone of the index (UTC for historian data). [s]
    **flag_options
        Passed to :func:`greenmet.quality.quality_flags` (``stuck_window``, ``spike_window``,
        ``spike_threshold``, ``spike_min_deviation``, ``expected_interval``, ``gap_factor``).

    Returns
    -------
    pandas.DataFrame
        One row per tag (and period): ``tag``, ``period_start`` (with ``period``),
        ``n_points`` [dimensionless], ``share_out_of_range``, ``share_stuck``, ``share_spike``,
        ``share_dropout``, ``share_flagged`` (any flag) [dimensionless, 0..1], ``longest_gap_s``
        [s].

    Raises
    ------
    InputError
        If the table has neither layout, ``period`` is not a fixed duration, or a limit names a
        tag that is not in the table.
    """
    series_by_tag = _tag_series(frame)
    limits = dict(limits or {})
    unknown = sorted(set(limits) - set(series_by_tag))
    if unknown:
        raise InputError("limits given for tags that are not in the table", field="limits", value=unknown,
                         fix="check the tag names (columns of a wide table, 'tag' of a long one)")
    if period is not None:
        try:
            step = pd.Timedelta(period)
        except ValueError as exc:
            raise InputError("period is not a fixed duration", field="period", value=period,
                             fix="use a duration such as '1h', '8h' or '1D'") from exc
        if step <= pd.Timedelta(0):
            raise InputError("period must be positive", field="period", value=period, fix="use e.g. '1D'")
    rows = []
    for tag, series in series_by_tag.items():
        low, high = limits.get(tag, (None, None))
        flags = quality_flags(series, low, high, **flag_options)
        valid = series.notna().to_numpy()
        gaps = np.zeros(len(series))
        if valid.sum() >= 2:
            valid_gaps = _seconds_since_previous(cast(pd.DatetimeIndex, series.index)[valid])
            valid_gaps[0] = 0.0
            gaps[valid] = valid_gaps
        table = flags.assign(is_flagged=flags.any(axis=1), gap_s=gaps)
        if period is None:
            groups: Any = [(None, table)]
        else:
            groups = table.groupby(cast(pd.DatetimeIndex, table.index).floor(period), sort=True)
        for start, group in groups:
            n_points = len(group)
            row: dict[str, Any] = {"tag": tag}
            if period is not None:
                row["period_start"] = start
            row["n_points"] = n_points
            for flag, share in _FLAG_TO_SHARE.items():
                row[share] = float(group[flag].mean()) if n_points else 0.0
            row["share_flagged"] = float(group["is_flagged"].mean()) if n_points else 0.0
            row["longest_gap_s"] = float(group["gap_s"].max()) if n_points else 0.0
            rows.append(row)
    columns = ["tag", *(["period_start"] if period is not None else []), *SUMMARY_COLUMNS]
    return pd.DataFrame(rows, columns=columns)
