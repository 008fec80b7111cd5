"""Per-tag quality flags: out of range, stuck, spike, dropout, drift.

Every function takes the values of one tag — a :class:`pandas.Series` (best with a
:class:`~pandas.DatetimeIndex`), a numpy array or a list — and returns a boolean Series on the
input's index (a RangeIndex for arrays and lists) whose True marks a suspect point. Inputs are
never changed; flagged values are kept, the flags only mark them. NaN is a dropout, so the other
checks return False for NaN points.

References
----------
- pvanalytics (pvlib project, github.com/pvlib/pvanalytics, v0.1.3 archived as Zenodo record
  7448654, 2022): quality functions that return boolean series; the stuck-value test on
  consecutive differences follows the idea of its ``quality.gaps.stale_values_diff``
  (re-implemented here, with True meaning *stuck*).
- Hampel filter for spikes: F. R. Hampel, "The influence curve and its role in robust
  estimation", JASA 69(346), 383–393 (1974), doi:10.1080/01621459.1974.10482962; as a moving-window
  outlier identifier for process data: R. K. Pearson, "Outliers in process modeling and
  identification", IEEE Trans. Control Syst. Technol. 10(1), 55–63 (2002),
  doi:10.1109/87.974338.
- MAD consistency constant 1.4826 (= 1/Φ⁻¹(3/4)) for normal data: P. J. Rousseeuw and
  C. Croux, "Alternatives to the median absolute deviation", JASA 88(424), 1273–1283 (1993),
  doi:10.1080/01621459.1993.10476408.
- Drift as a persistent residual against a redundant reference (residual-based fault
  detection): R. Isermann, *Fault-Diagnosis Systems*, Springer (2006),
  doi:10.1007/3-540-30368-5.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from greenmet.errors import InputError

__all__ = [
    "MAD_TO_SIGMA",
    "QUALITY_BAD",
    "QUALITY_GOOD",
    "QUALITY_UNCERTAIN",
    "is_drift",
    "is_dropout",
    "is_out_of_range",
    "is_spike",
    "is_stuck",
    "longest_gap",
    "quality_code",
    "quality_flags",
]

QUALITY_GOOD = 0
"""Quality code of a good point: OPC UA StatusCode severity bits 00, shifted right by 24."""
QUALITY_UNCERTAIN = 64
"""Quality code of an uncertain point: severity bits 01 (OPC UA Part 4, §7.39 StatusCode)."""
QUALITY_BAD = 128
"""Quality code of a bad point: severity bits 10 (OPC UA Part 4, §7.39 StatusCode)."""

MAD_TO_SIGMA = 1.4826
"""Factor that turns a median absolute deviation into a standard deviation for normal data
(1/Φ⁻¹(3/4), Rousseeuw & Croux 1993). [dimensionless]"""


def _as_series(x: Any, name: str = "x") -> pd.Series:
    """``x`` as a float Series (a new object; the caller's data is never changed)."""
    if isinstance(x, pd.Series):
        series = x
    elif isinstance(x, pd.DataFrame):
        raise InputError("expected the values of one tag, got a table", field=name, value=type(x).__name__,
                         fix="pass one column (frame['tag']) or use quality_summary for a whole table")
    elif isinstance(x, (np.ndarray, list, tuple)):
        array = np.asarray(x)
        if array.ndim != 1:
            raise InputError("expected a one-dimensional sequence of values", field=name,
                             value=f"shape {array.shape}", fix="pass the values of one tag")
        series = pd.Series(array)
    else:
        raise InputError("expected a pandas Series, a numpy array or a list of numbers", field=name,
                         value=type(x).__name__, fix="pass the values of one tag")
    if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
        return series.astype("float64")
    try:
        return pd.to_numeric(series, errors="raise").astype("float64")
    except (TypeError, ValueError) as exc:
        raise InputError("values must be numbers (NaN for a missing value)", field=name,
                         value=str(series.dtype),
                         fix="convert text to numbers first; greenmet.ingest marks unparsable values "
                             "as bad quality") from exc


def _flags(values: np.ndarray, index: pd.Index, name: str) -> pd.Series:
    return pd.Series(np.asarray(values, dtype=bool), index=index, name=name)


def _check_positive_int(value: Any, field: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise InputError(f"must be a whole number of samples, at least {minimum}", field=field, value=value,
                         fix=f"use an integer >= {minimum}")
    return int(value)


def _check_finite(value: Any, field: str, *, positive: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise InputError("must be a number", field=field, value=value, fix="give a finite number") from exc
    if not math.isfinite(number) or (positive and number <= 0):
        raise InputError("must be a finite" + (" positive" if positive else "") + " number", field=field,
                         value=value, fix="give a finite" + (" positive" if positive else "") + " number")
    return number


def is_out_of_range(x: Any, low: float | None = None, high: float | None = None) -> pd.Series:
    """Flag values outside the plausible range ``[low, high]`` of the tag.

    The range is the measuring range or the physically possible range of the sensor (the
    ``low``/``high`` of the tag catalogue or of the mapping file); a value equal to a limit is in
    range. NaN is not out of range (it is a dropout, see :func:`is_dropout`).

    Parameters
    ----------
    x
        Values of one tag: Series, numpy array or list. [unit of the tag]
    low, high
        Lower and upper limits; ``None`` leaves that side open. [unit of the tag]

    Returns
    -------
    pandas.Series
        Boolean, on the index of ``x``, named ``is_out_of_range``; True where the value is below
        ``low`` or above ``high``.

    Raises
    ------
    InputError
        If both limits are None, a limit is not a finite number, or ``low > high``.
    """
    series = _as_series(x)
    if low is None and high is None:
        raise InputError("no limit given", field="low, high", value=None,
                         fix="give low, high or both (the tag's measuring range)")
    lower = -math.inf if low is None else _check_finite(low, "low")
    upper = math.inf if high is None else _check_finite(high, "high")
    if lower > upper:
        raise InputError("low is above high", field="low", value=(low, high), fix="swap the two limits")
    values = series.to_numpy()
    with np.errstate(invalid="ignore"):
        flagged = (values < lower) | (values > upper)
    return _flags(flagged, series.index, "is_out_of_range")


def is_stuck(x: Any, window: int = 6, *, rtol: float = 1e-5, atol: float = 1e-8) -> pd.Series:
    """Flag runs of at least ``window`` consecutive samples that do not change (a frozen sensor).

    Two consecutive samples are "unchanged" when ``|x[i] - x[i-1]| <= atol + rtol * |x[i-1]|``
    (the tolerance of :func:`numpy.isclose`). Every sample of a run of ``window`` or more
    consecutive unchanged samples is flagged, the first one included. NaN breaks a run. This is
    the consecutive-difference test of pvanalytics ``quality.gaps.stale_values_diff`` with all
    points of the run marked, re-implemented.

    Parameters
    ----------
    x
        Values of one tag, in time order. [unit of the tag]
    window
        Minimum number of consecutive samples of a stuck run, at least 2. [dimensionless]
    rtol
        Relative tolerance for "unchanged". [dimensionless]
    atol
        Absolute tolerance for "unchanged". [unit of the tag]

    Returns
    -------
    pandas.Series
        Boolean, on the index of ``x``, named ``is_stuck``.

    Raises
    ------
    InputError
        If ``window`` is not an integer >= 2 or a tolerance is negative.
    """
    series = _as_series(x)
    window = _check_positive_int(window, "window", 2)
    if _check_finite(rtol, "rtol") < 0 or _check_finite(atol, "atol") < 0:
        raise InputError("tolerances must not be negative", field="rtol, atol", value=(rtol, atol),
                         fix="use rtol >= 0 and atol >= 0")
    values = series.to_numpy()
    n = len(values)
    if n == 0:
        return _flags(np.zeros(0, dtype=bool), series.index, "is_stuck")
    unchanged = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        unchanged[1:] = np.abs(np.diff(values)) <= atol + rtol * np.abs(values[:-1])
    # A run starts wherever the sample differs from the previous one; run sizes by run id.
    run_id = np.cumsum(~unchanged)
    run_size = np.bincount(run_id)[run_id]
    flagged = (run_size >= window) & ~np.isnan(values)
    return _flags(flagged, series.index, "is_stuck")


def _rolling_centred(values: np.ndarray, window: int, function: Any) -> np.ndarray:
    """``function`` (nanmedian) over centred windows; edges use the part of the window inside."""
    half = window // 2
    padded = np.concatenate([np.full(half, np.nan), values, np.full(half, np.nan)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)
    counts = np.sum(~np.isnan(windows), axis=1)
    result = np.full(len(values), np.nan)
    enough = counts >= half + 1
    if enough.any():
        result[enough] = function(windows[enough], axis=1)
    return result


def is_spike(x: Any, window: int = 7, threshold: float = 5.0, *, min_deviation: float = 0.0) -> pd.Series:
    """Flag spikes with the Hampel identifier (moving median and MAD).

    A sample is a spike when its distance to the median of the centred window of ``window``
    samples exceeds ``threshold`` robust standard deviations,
    ``|x_i - med_i| > threshold · 1.4826 · MAD_i`` (Hampel 1974; Pearson 2002; the factor
    1.4826 makes the MAD a standard deviation for normal data, Rousseeuw & Croux 1993), and
    exceeds ``min_deviation``. The window is cut at both ends of the series; a window with fewer
    than ``window // 2 + 1`` valid samples gives no flag. A level step is not a spike: half the
    window sits on each side and the median follows the step.

    Parameters
    ----------
    x
        Values of one tag, in time order. [unit of the tag]
    window
        Odd number of samples of the centred window, at least 3. [dimensionless]
    threshold
        Number of robust standard deviations beyond which a sample is a spike. [dimensionless]
    min_deviation
        Smallest distance to the median that counts, so that a quantised or nearly constant
        signal (MAD = 0) is not flagged for its last digit. [unit of the tag]

    Returns
    -------
    pandas.Series
        Boolean, on the index of ``x``, named ``is_spike``.

    Raises
    ------
    InputError
        If ``window`` is not an odd integer >= 3, or ``threshold``/``min_deviation`` is negative.
    """
    series = _as_series(x)
    window = _check_positive_int(window, "window", 3)
    if window % 2 == 0:
        raise InputError("the window must have an odd number of samples", field="window", value=window,
                         fix=f"use {window + 1} (a centred window needs a middle sample)")
    if _check_finite(threshold, "threshold") < 0 or _check_finite(min_deviation, "min_deviation") < 0:
        raise InputError("must not be negative", field="threshold, min_deviation",
                         value=(threshold, min_deviation), fix="use values >= 0")
    values = series.to_numpy()
    if len(values) == 0:
        return _flags(np.zeros(0, dtype=bool), series.index, "is_spike")
    median = _rolling_centred(values, window, np.nanmedian)
    half = window // 2
    padded = np.concatenate([np.full(half, np.nan), values, np.full(half, np.nan)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, window)
    valid = ~np.isnan(median)
    mad = np.full(len(values), np.nan)
    if valid.any():
        mad[valid] = np.nanmedian(np.abs(windows[valid] - median[valid, None]), axis=1)
    with np.errstate(invalid="ignore"):
        deviation = np.abs(values - median)
        flagged = (deviation > threshold * MAD_TO_SIGMA * mad) & (deviation > min_deviation)
    return _flags(flagged & valid & ~np.isnan(values), series.index, "is_spike")


def _interval_seconds(value: Any, field: str) -> float:
    if isinstance(value, str):
        try:
            value = pd.Timedelta(value)
        except ValueError as exc:
            raise InputError("not a duration", field=field, value=value,
                             fix="write a duration such as '10s', '1min' or a number of seconds") from exc
    if isinstance(value, (pd.Timedelta, np.timedelta64)):
        return _check_finite(pd.Timedelta(value).total_seconds(), field, positive=True)
    return _check_finite(value, field, positive=True)


def _seconds_since_previous(index: pd.DatetimeIndex) -> np.ndarray:
    stamps = index.as_unit("ns").asi8.astype("float64") / 1e9
    gaps = np.full(len(stamps), np.nan)
    gaps[1:] = np.diff(stamps)
    return gaps


def _time_index(series: pd.Series, field: str) -> pd.DatetimeIndex:
    if not isinstance(series.index, pd.DatetimeIndex):
        raise InputError("gaps need timestamps", field=field, value=type(series.index).__name__,
                         fix="pass a Series with a DatetimeIndex")
    if not series.index.is_monotonic_increasing:
        raise InputError("timestamps are not in increasing order", field="x.index", value=None,
                         fix="sort the series by time first (series.sort_index())")
    return series.index


def is_dropout(x: Any, *, expected_interval: Any = None, gap_factor: float = 2.0) -> pd.Series:
    """Flag missing values and the samples that end a gap in the sampling.

    A sample is a dropout when its value is NaN, or — for a Series with a DatetimeIndex — when
    the time since the previous sample exceeds ``gap_factor · expected_interval`` (the sample
    that closes the gap is flagged, because the missing samples have no index to carry a
    flag; :func:`longest_gap` gives the gap lengths).

    Parameters
    ----------
    x
        Values of one tag. [unit of the tag]
    expected_interval
        Expected sampling interval: seconds, a string (``"10s"``) or a Timedelta. ``None``
        takes the median interval of ``x``. [s]
    gap_factor
        A gap is longer than ``gap_factor`` expected intervals, > 1. [dimensionless]

    Returns
    -------
    pandas.Series
        Boolean, on the index of ``x``, named ``is_dropout``.

    Raises
    ------
    InputError
        If ``expected_interval`` is given for data without timestamps, timestamps are not in
        increasing order, or ``gap_factor <= 1``.
    """
    series = _as_series(x)
    factor = _check_finite(gap_factor, "gap_factor")
    if factor <= 1:
        raise InputError("gap_factor must be greater than 1", field="gap_factor", value=gap_factor,
                         fix="use 1.5 or 2 (a gap longer than that many sampling intervals)")
    flagged = series.isna().to_numpy()
    if not isinstance(series.index, pd.DatetimeIndex):
        if expected_interval is not None:
            _time_index(series, "expected_interval")
        return _flags(flagged, series.index, "is_dropout")
    index = _time_index(series, "x.index")
    gaps = _seconds_since_previous(index)
    if expected_interval is None:
        positive = gaps[~np.isnan(gaps) & (gaps > 0)]
        if len(positive) == 0:
            return _flags(flagged, series.index, "is_dropout")
        interval = float(np.median(positive))
    else:
        interval = _interval_seconds(expected_interval, "expected_interval")
    with np.errstate(invalid="ignore"):
        flagged = flagged | (gaps > factor * interval)
    return _flags(flagged, series.index, "is_dropout")


def longest_gap(x: Any) -> float:
    """The longest time between two consecutive valid (non-NaN) samples.

    Parameters
    ----------
    x
        Values of one tag, a Series with a DatetimeIndex in increasing order. [unit of the tag]

    Returns
    -------
    float
        The longest gap; 0 with fewer than two valid samples. [s]
    """
    series = _as_series(x)
    index = _time_index(series, "x.index")
    valid = index[series.notna().to_numpy()]
    if len(valid) < 2:
        return 0.0
    return float(np.nanmax(_seconds_since_previous(valid)))


def is_drift(x: Any, reference: Any, *, window: int | str = 60, threshold: float,
             offset: float = 0.0) -> pd.Series:
    """Flag a slow drift of a sensor against a reference (redundant sensor, lab value or model).

    The residual ``r = x - reference`` is smoothed with a trailing moving median over ``window``
    (robust to spikes, which are :func:`is_spike`'s business); a sample is drifting when the
    smoothed residual departs from the expected ``offset`` by more than ``threshold``:
    ``|median(r)_window - offset| > threshold``. This is residual-based fault detection with
    a fixed threshold (Isermann 2006, doi:10.1007/3-540-30368-5) made robust with the median.
    With an integer window the first ``window - 1`` samples give no flag.

    Parameters
    ----------
    x
        Values of one tag. [unit of the tag]
    reference
        What the sensor should read: a scalar, an array of the same length or a Series (aligned
        on the index of ``x``; missing reference values give no flag). [unit of the tag]
    window
        Number of samples, or a duration such as ``"1h"`` for a Series with a DatetimeIndex.
        [dimensionless]
    threshold
        Allowed departure of the smoothed residual from ``offset``, > 0. [unit of the tag]
    offset
        Expected constant difference between sensor and reference. [unit of the tag]

    Returns
    -------
    pandas.Series
        Boolean, on the index of ``x``, named ``is_drift``.

    Raises
    ------
    InputError
        If the reference has the wrong length, the window is invalid or the threshold is not
        positive.
    """
    series = _as_series(x)
    limit = _check_finite(threshold, "threshold", positive=True)
    expected = _check_finite(offset, "offset")
    if isinstance(reference, pd.Series):
        ref = _as_series(reference, "reference").reindex(series.index)
    elif np.ndim(reference) == 0:
        ref = pd.Series(_check_finite(reference, "reference"), index=series.index, dtype="float64")
    else:
        ref_array = np.asarray(reference, dtype="float64")
        if ref_array.shape != (len(series),):
            raise InputError("reference has the wrong length", field="reference",
                             value=f"{ref_array.shape} for {len(series)} values",
                             fix="give one reference value per value of x, a scalar, or a Series")
        ref = pd.Series(ref_array, index=series.index)
    residual = pd.Series(series.to_numpy() - ref.to_numpy(), index=series.index)
    if isinstance(window, str):
        _time_index(series, "window")
        try:
            pd.Timedelta(window)
        except ValueError as exc:
            raise InputError("not a duration", field="window", value=window,
                             fix="write a duration such as '30min' or give a number of samples") from exc
        smoothed = residual.rolling(window, min_periods=1).median()
    else:
        count = _check_positive_int(window, "window", 1)
        smoothed = residual.rolling(count, min_periods=count).median()
    with np.errstate(invalid="ignore"):
        flagged = np.abs(smoothed.to_numpy() - expected) > limit
    return _flags(flagged & residual.notna().to_numpy(), series.index, "is_drift")


def _combine(flags: pd.Series | Iterable[pd.Series] | None, index: pd.Index) -> np.ndarray:
    if flags is None:
        return np.zeros(len(index), dtype=bool)
    if isinstance(flags, pd.Series):
        flags = [flags]
    result = np.zeros(len(index), dtype=bool)
    for flag in flags:
        array = np.asarray(flag, dtype=bool)
        if array.shape != (len(index),):
            raise InputError("flags of different lengths", field="flags", value=array.shape,
                             fix="compute every flag on the same values")
        result |= array
    return result


def quality_code(bad: pd.Series | Sequence[pd.Series] | None = None,
                 uncertain: pd.Series | Sequence[pd.Series] | None = None) -> pd.Series:
    """Quality codes of the historian from flags: 128 bad, 64 uncertain, 0 good.

    The codes are the severity bits of the OPC UA StatusCode (OPC 10000-4, §7.39: bits 30–31,
    00 good, 01 uncertain, 10 bad) shifted right by 24, as stored in the historian's ``quality``
    column. Bad wins over uncertain.

    Parameters
    ----------
    bad, uncertain
        A boolean Series or a list of them (combined with *or*), all on one index.

    Returns
    -------
    pandas.Series
        ``uint8`` codes on the index of the first flag given, named ``quality``.
    """
    first = bad if isinstance(bad, pd.Series) else (bad[0] if bad else None)
    if first is None:
        first = uncertain if isinstance(uncertain, pd.Series) else (uncertain[0] if uncertain else None)
    if first is None:
        raise InputError("no flags given", field="bad, uncertain", value=None,
                         fix="pass at least one boolean Series")
    index = first.index
    codes = np.full(len(index), QUALITY_GOOD, dtype=np.uint8)
    codes[_combine(uncertain, index)] = QUALITY_UNCERTAIN
    codes[_combine(bad, index)] = QUALITY_BAD
    return pd.Series(codes, index=index, name="quality")


def quality_flags(x: Any, low: float | None = None, high: float | None = None, *, stuck_window: int = 6,
                  spike_window: int = 7, spike_threshold: float = 5.0, spike_min_deviation: float = 0.0,
                  expected_interval: Any = None, gap_factor: float = 2.0) -> pd.DataFrame:
    """All the single-tag flags of one series, one boolean column per check.

    Parameters
    ----------
    x
        Values of one tag. [unit of the tag]
    low, high
        Plausible range; no out-of-range check when both are None. [unit of the tag]
    stuck_window
        See :func:`is_stuck` ``window``. [dimensionless]
    spike_window, spike_threshold, spike_min_deviation
        See :func:`is_spike`. [dimensionless], [dimensionless], [unit of the tag]
    expected_interval, gap_factor
        See :func:`is_dropout`. [s], [dimensionless]

    Returns
    -------
    pandas.DataFrame
        On the index of ``x``, boolean columns ``is_out_of_range``, ``is_stuck``, ``is_spike``,
        ``is_dropout``.
    """
    series = _as_series(x)
    if low is None and high is None:
        out_of_range = _flags(np.zeros(len(series), dtype=bool), series.index, "is_out_of_range")
    else:
        out_of_range = is_out_of_range(series, low, high)
    return pd.DataFrame({
        "is_out_of_range": out_of_range,
        "is_stuck": is_stuck(series, stuck_window),
        "is_spike": is_spike(series, spike_window, spike_threshold, min_deviation=spike_min_deviation),
        "is_dropout": is_dropout(series, expected_interval=expected_interval, gap_factor=gap_factor),
    }, index=series.index)
