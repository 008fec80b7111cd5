"""quality_summary on hand-made tables, wide and long."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenmet.errors import InputError
from greenmet.quality import quality_summary
from greenmet.quality.summary import SUMMARY_COLUMNS


def _wide():
    index = pd.date_range("2025-03-01", periods=8, freq="1h", tz="UTC")
    return pd.DataFrame({
        "blast_temperature": [1150.0, 1152, 1149, 1151, 1150, 1400, 1151, 1150],
        "top_pressure": [220.0, 220, 220, 220, 220, 220, np.nan, 221],
    }, index=index)


def test_whole_period_summary_counts_each_kind():
    summary = quality_summary(_wide(), limits={"blast_temperature": (900, 1350)}, stuck_window=6)
    assert list(summary.columns) == ["tag", *SUMMARY_COLUMNS]
    blast = summary.set_index("tag").loc["blast_temperature"]
    assert blast["n_points"] == 8
    assert blast["share_out_of_range"] == pytest.approx(1 / 8)  # the 1400 degC sample
    assert blast["share_spike"] == pytest.approx(1 / 8)  # the same sample is also a spike
    assert blast["share_flagged"] == pytest.approx(1 / 8)
    assert blast["longest_gap_s"] == 3600.0
    top = summary.set_index("tag").loc["top_pressure"]
    assert top["share_stuck"] == pytest.approx(6 / 8)  # six equal hourly values
    assert top["share_dropout"] == pytest.approx(1 / 8)  # the NaN
    assert top["share_out_of_range"] == 0.0  # no limits given
    assert top["longest_gap_s"] == 7200.0  # 05:00 to 07:00 across the NaN


def test_summary_per_period_and_from_a_long_table():
    wide = _wide()
    long = wide.reset_index(names="ts").melt(id_vars="ts", var_name="tag", value_name="value")
    by_shift = quality_summary(long, period="4h", stuck_window=6)
    assert by_shift["period_start"].tolist() == [
        pd.Timestamp("2025-03-01 00:00", tz="UTC"), pd.Timestamp("2025-03-01 04:00", tz="UTC")] * 2
    top = by_shift[by_shift["tag"] == "top_pressure"]
    assert top["share_stuck"].tolist() == [1.0, 0.5]
    assert top["share_dropout"].tolist() == [0.0, 0.25]
    assert top["longest_gap_s"].tolist() == [3600.0, 7200.0]
    assert by_shift["n_points"].tolist() == [4, 4, 4, 4]


def test_summary_bad_input():
    with pytest.raises(InputError, match="needs a DatetimeIndex"):
        quality_summary(pd.DataFrame({"a": [1.0]}))
    with pytest.raises(InputError, match="expected a DataFrame"):
        quality_summary([1.0, 2.0])
    with pytest.raises(InputError, match="not in the table.*check the tag names"):
        quality_summary(_wide(), limits={"blast_volume": (0, 1)})
    with pytest.raises(InputError, match="not a fixed duration"):
        quality_summary(_wide(), period="monthly")


def test_summary_does_not_change_the_input():
    wide = _wide()
    before = wide.copy()
    quality_summary(wide, period="2h")
    pd.testing.assert_frame_equal(wide, before)
