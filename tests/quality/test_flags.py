"""Quality flags on tiny hand-made series: exact boolean results, every input type, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenmet.errors import InputError
from greenmet.quality import (
    QUALITY_BAD,
    QUALITY_GOOD,
    QUALITY_UNCERTAIN,
    is_drift,
    is_dropout,
    is_out_of_range,
    is_spike,
    is_stuck,
    longest_gap,
    quality_code,
    quality_flags,
)

NAN = np.nan


def _times(n, freq="10s"):
    return pd.date_range("2025-03-01 00:00", periods=n, freq=freq, tz="UTC")


# --- is_out_of_range ---------------------------------------------------------------------------

def test_out_of_range_marks_values_beyond_either_limit_and_keeps_limits_in_range():
    result = is_out_of_range([-1.0, 0.0, 5.0, 10.0, 11.0, NAN], 0.0, 10.0)
    assert result.tolist() == [True, False, False, False, True, False]
    assert result.name == "is_out_of_range"


def test_out_of_range_with_one_open_side():
    assert is_out_of_range([1, 5, 9], high=5).tolist() == [False, False, True]
    assert is_out_of_range([1, 5, 9], low=5).tolist() == [True, False, False]


@pytest.mark.parametrize("values", [
    [1.0, 20.0, 3.0],
    np.array([1.0, 20.0, 3.0]),
    (1, 20, 3),
    pd.Series([1.0, 20.0, 3.0], index=pd.Index(["a", "b", "c"])),
    pd.Series([1, 20, 3], index=_times(3)),
])
def test_every_input_type_gives_a_series_on_the_input_index(values):
    result = is_out_of_range(values, 0, 10)
    assert result.tolist() == [False, True, False]
    expected_index = values.index if isinstance(values, pd.Series) else pd.RangeIndex(3)
    pd.testing.assert_index_equal(result.index, expected_index)
    assert result.dtype == bool


def test_out_of_range_refuses_swapped_limits_and_no_limits():
    with pytest.raises(InputError, match="low is above high.*swap"):
        is_out_of_range([1.0], 10, 0)
    with pytest.raises(InputError, match="no limit given"):
        is_out_of_range([1.0])
    with pytest.raises(InputError, match="finite number"):
        is_out_of_range([1.0], float("nan"), 1)


def test_text_values_are_refused_with_a_fix():
    with pytest.raises(InputError, match="values must be numbers.*marks unparsable"):
        is_out_of_range(pd.Series(["1.0", "abc"]), 0, 1)
    with pytest.raises(InputError, match="one tag, got a table"):
        is_stuck(pd.DataFrame({"a": [1.0]}))
    with pytest.raises(InputError, match="one-dimensional"):
        is_stuck(np.zeros((2, 2)))
    with pytest.raises(InputError, match="Series, a numpy array or a list"):
        is_stuck(3.0)


def test_numeric_text_and_booleans_are_read_as_numbers():
    assert is_out_of_range(pd.Series(["1", "20"]), 0, 10).tolist() == [False, True]
    assert is_stuck([True, True, True], 3).tolist() == [True, True, True]


# --- is_stuck ----------------------------------------------------------------------------------

def test_stuck_marks_every_sample_of_a_long_enough_run():
    values = [1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 4.0, 4.0]
    assert is_stuck(values, window=3).tolist() == [
        False, True, True, True, False, False, True, True, True, True]


def test_stuck_run_is_broken_by_nan_and_nan_is_never_stuck():
    values = [5.0, 5.0, NAN, 5.0, 5.0, 5.0]
    assert is_stuck(values, window=3).tolist() == [False, False, False, True, True, True]


def test_stuck_tolerances():
    values = [100.0, 100.0005, 100.0009, 100.5]
    assert is_stuck(values, window=3, rtol=1e-5).tolist() == [True, True, True, False]
    assert is_stuck(values, window=3, rtol=0.0, atol=0.0).tolist() == [False] * 4


def test_stuck_on_empty_input_is_empty():
    assert is_stuck([], window=2).tolist() == []


@pytest.mark.parametrize("window", [1, 0, 2.5, True])
def test_stuck_refuses_a_bad_window(window):
    with pytest.raises(InputError, match="whole number of samples, at least 2"):
        is_stuck([1.0, 1.0], window=window)


def test_stuck_refuses_negative_tolerance():
    with pytest.raises(InputError, match="must not be negative"):
        is_stuck([1.0, 1.0], rtol=-1)


# --- is_spike ----------------------------------------------------------------------------------

def test_spike_marks_a_single_outlier_in_noise():
    values = [10.0, 10.2, 9.9, 10.1, 30.0, 10.0, 9.8, 10.1, 10.0]
    assert is_spike(values, window=5).tolist() == [False] * 4 + [True] + [False] * 4


def test_spike_is_not_a_level_step():
    values = [0.0] * 5 + [8.0] * 5
    assert not is_spike(values, window=5).any()


def test_spike_on_a_constant_signal_with_min_deviation():
    values = [1.0, 1.0, 1.0, 1.01, 1.0, 1.0, 1.0]
    # MAD is 0: any departure is "infinitely many sigmas" unless min_deviation filters it.
    assert is_spike(values, window=5).tolist() == [False, False, False, True, False, False, False]
    assert not is_spike(values, window=5, min_deviation=0.05).any()


def test_spike_ignores_nan_and_flags_nothing_where_the_window_is_mostly_nan():
    values = [NAN, NAN, NAN, 50.0, NAN, NAN, NAN]
    assert not is_spike(values, window=5).any()
    values = [1.0, 1.1, NAN, 40.0, 0.9, 1.0, 1.05]
    assert is_spike(values, window=5).tolist() == [False, False, False, True, False, False, False]


@pytest.mark.parametrize("window, message", [(4, "odd number.*use 5"), (1, "at least 3")])
def test_spike_refuses_a_bad_window(window, message):
    with pytest.raises(InputError, match=message):
        is_spike([1.0, 2.0, 3.0], window=window)


# --- is_dropout / longest_gap -----------------------------------------------------------------

def test_dropout_marks_nan_and_the_sample_that_ends_a_gap():
    index = _times(8).delete([3, 4])  # samples at 0, 10, 20, 50, 60, 70 s
    series = pd.Series([1.0, NAN, 3.0, 4.0, 5.0, 6.0], index=index)
    assert is_dropout(series).tolist() == [False, True, False, True, False, False]
    assert is_dropout(series, expected_interval="20s").tolist() == [False, True, False, False, False, False]
    assert is_dropout(series, expected_interval=10, gap_factor=4).tolist() == [False, True] + [False] * 4


def test_dropout_without_timestamps_only_marks_nan():
    assert is_dropout([1.0, NAN, 2.0]).tolist() == [False, True, False]
    with pytest.raises(InputError, match="gaps need timestamps"):
        is_dropout([1.0, 2.0], expected_interval="10s")


def test_dropout_refuses_unsorted_times_and_bad_options():
    series = pd.Series([1.0, 2.0], index=_times(2)[::-1])
    with pytest.raises(InputError, match="not in increasing order.*sort_index"):
        is_dropout(series)
    with pytest.raises(InputError, match="greater than 1"):
        is_dropout(pd.Series([1.0], index=_times(1)), gap_factor=1)
    with pytest.raises(InputError, match="not a duration"):
        is_dropout(pd.Series([1.0], index=_times(1)), expected_interval="soon")


def test_longest_gap_skips_nan_samples():
    index = _times(6).delete(3)  # 0, 10, 20, 40, 50 s
    series = pd.Series([1.0, 2.0, NAN, 4.0, 5.0], index=index)
    assert longest_gap(series) == 30.0
    assert longest_gap(series.iloc[:1]) == 0.0


# --- is_drift ----------------------------------------------------------------------------------

def test_drift_against_a_constant_reference_with_a_sample_window():
    values = np.array([0.0, 0.1, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5])
    # trailing medians of 3: -, -, 0.0, 0.1, 0.5, 1.0, 1.5, 2.0 -> above 0.8 from index 5
    assert is_drift(values, 0.0, window=3, threshold=0.8).tolist() == [False] * 5 + [True] * 3


def test_drift_against_a_reference_series_with_an_offset_and_time_window():
    index = _times(6, "1min")
    reference = pd.Series([100.0] * 6, index=index)
    sensor = pd.Series([102.0, 102.0, 102.1, 104.0, 104.2, 104.1], index=index)
    result = is_drift(sensor, reference, window="2min", threshold=1.0, offset=2.0)
    # A 2-min trailing window holds two samples: medians of the residual 2.0, 2.0, 2.05, 3.05,
    # 4.1, 4.15 -> departures from the 2.0 offset above 1.0 from the fourth sample on.
    assert result.tolist() == [False, False, False, True, True, True]


def test_drift_without_reference_value_gives_no_flag():
    index = _times(3)
    reference = pd.Series([0.0, 0.0], index=index[:2])
    sensor = pd.Series([5.0, 5.0, 5.0], index=index)
    assert is_drift(sensor, reference, window=1, threshold=1.0).tolist() == [True, True, False]


def test_drift_bad_input():
    with pytest.raises(InputError, match="wrong length"):
        is_drift([1.0, 2.0], [1.0], threshold=1)
    with pytest.raises(InputError, match="finite positive"):
        is_drift([1.0], 0.0, threshold=0)
    with pytest.raises(InputError, match="gaps need timestamps"):
        is_drift([1.0], 0.0, window="1h", threshold=1)


# --- quality_code, quality_flags --------------------------------------------------------------

def test_quality_code_bad_wins_over_uncertain():
    bad = pd.Series([True, False, False, False])
    uncertain = [pd.Series([True, True, False, False]), pd.Series([False, False, False, True])]
    codes = quality_code(bad=bad, uncertain=uncertain)
    assert codes.tolist() == [QUALITY_BAD, QUALITY_UNCERTAIN, QUALITY_GOOD, QUALITY_UNCERTAIN]
    assert codes.dtype == np.uint8
    with pytest.raises(InputError, match="no flags given"):
        quality_code()
    with pytest.raises(InputError, match="different lengths"):
        quality_code(bad=bad, uncertain=pd.Series([True]))


def test_quality_flags_gathers_every_check():
    index = _times(7)
    series = pd.Series([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 99.0], index=index)
    flags = quality_flags(series, 0, 50, stuck_window=6)
    assert list(flags.columns) == ["is_out_of_range", "is_stuck", "is_spike", "is_dropout"]
    assert flags["is_out_of_range"].tolist() == [False] * 6 + [True]
    assert flags["is_stuck"].tolist() == [True] * 6 + [False]
    assert not flags["is_dropout"].any()
    assert not quality_flags(series)["is_out_of_range"].any()


# --- invariants --------------------------------------------------------------------------------

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
values_with_nan = st.lists(st.one_of(finite, st.just(NAN)), min_size=0, max_size=40)


@given(value=finite, length=st.integers(min_value=2, max_value=50))
def test_a_constant_series_is_stuck_everywhere(value, length):
    window = min(length, 6)
    assert is_stuck([value] * length, window=window).all()
    assert not is_spike([value] * max(length, 3), window=3).any()


@settings(max_examples=60)
@given(values=values_with_nan)
def test_flags_never_change_the_values_and_keep_the_index(values):
    index = pd.date_range("2025-01-01", periods=len(values), freq="1s", tz="UTC")
    series = pd.Series(values, index=index, dtype="float64")
    before = series.copy()
    results = [
        is_out_of_range(series, -10, 10), is_stuck(series), is_spike(series), is_dropout(series),
        is_drift(series, 0.0, window=3, threshold=1.0),
    ]
    pd.testing.assert_series_equal(series, before)
    for result in results:
        pd.testing.assert_index_equal(result.index, index)
        assert result.dtype == bool
        assert len(result) == len(values)
    # NaN is a dropout and nothing else.
    nan = series.isna().to_numpy()
    assert results[3].to_numpy()[nan].all()
    for result in (results[0], results[1], results[2], results[4]):
        assert not result.to_numpy()[nan].any()


@settings(max_examples=40)
@given(values=st.lists(st.integers(-1000, 1000), min_size=3, max_size=30), shift=st.integers(-10**6, 10**6))
def test_shifting_a_series_does_not_change_stuck_spike_or_drift_flags(values, shift):
    # Stuck, spike and drift look at differences and medians, so adding a constant (to the
    # reference too) changes nothing. Whole numbers keep every difference exact in float64.
    series = pd.Series(values, dtype="float64")
    moved = series + shift
    assert is_stuck(series, 3, rtol=0).equals(is_stuck(moved, 3, rtol=0))
    assert is_spike(series, 3).equals(is_spike(moved, 3))
    before = is_drift(series, 0.0, window=2, threshold=5.0)
    assert before.equals(is_drift(moved, shift, window=2, threshold=5.0))
