"""Data quality of a hot-blast temperature: flags named by what True means, and a per-shift summary.

An hour of one-minute samples of a hot-blast temperature with four things wrong: a spike, a
sensor frozen for ten minutes, a missing sample and a reading above the instrument range.
The flags find each of them; the values are left as they were.
"""

import numpy as np
import pandas as pd

from greenmet.quality import is_dropout, is_out_of_range, is_spike, is_stuck, quality_code, quality_summary

index = pd.date_range("2025-03-01 08:00", periods=60, freq="1min", tz="Asia/Shanghai")
rng = np.random.default_rng(7)
temperature = pd.Series(1150 + rng.normal(0, 2.0, 60), index=index, name="blast_temperature")
temperature.iloc[12] = 1185.0  # a spike
temperature.iloc[30:40] = 1151.3  # frozen transmitter
temperature.iloc[45] = np.nan  # missing sample
temperature.iloc[55] = 1420.0  # above the 0..1400 degC range of the instrument
before = temperature.copy()

# A MAD from seven samples is itself noisy: without a floor, a 2-sigma wobble of the noise can
# pass 5 robust sigmas. min_deviation says what a spike must at least be for this instrument.
spike = is_spike(temperature, window=7, threshold=5.0, min_deviation=10.0)
stuck = is_stuck(temperature, window=6)
dropout = is_dropout(temperature, expected_interval="1min")
out_of_range = is_out_of_range(temperature, 0, 1400)
codes = quality_code(bad=[dropout, out_of_range], uncertain=[spike, stuck])
summary = quality_summary(temperature.to_frame(), limits={"blast_temperature": (0, 1400)}, period="30min")
print(summary.to_string(index=False))


def test_each_fault_is_flagged_where_it_was_put():
    assert list(np.flatnonzero(spike)) == [12, 55]  # the 1420 degC reading is also a spike
    assert list(np.flatnonzero(stuck)) == list(range(30, 40))
    assert list(np.flatnonzero(dropout)) == [45]
    assert list(np.flatnonzero(out_of_range)) == [55]


def test_values_are_kept_and_codes_follow_the_flags():
    pd.testing.assert_series_equal(temperature, before)
    assert codes.iloc[45] == 128 and codes.iloc[55] == 128 and codes.iloc[12] == 64 and codes.iloc[0] == 0


def test_summary_per_half_hour():
    assert summary["n_points"].tolist() == [30, 30]
    assert summary["share_stuck"].tolist() == [0.0, 10 / 30]
    assert summary["longest_gap_s"].tolist() == [60.0, 120.0]
