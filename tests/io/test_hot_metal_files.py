"""A plant's assay table and process-tag file for the hot-metal forecast (greenmet.io.hot_metal_files)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenmet.errors import FileFormatError, InputError
from greenmet.io.hot_metal_files import read_assay_table, read_process_tag_file


def test_long_and_wide_tag_files_give_the_same_minutes(tmp_path):
    ts = pd.date_range("2025-03-01T08:00:00+08:00", periods=180, freq="20s")
    wide = pd.DataFrame({"ts": ts.astype(str), "blast_volume": np.arange(180.0), "blast_temperature": 1200.0})
    wide.to_csv(tmp_path / "wide.csv", index=False)
    long = wide.melt(id_vars="ts", var_name="tag", value_name="value").assign(quality=0)
    long.loc[0, "quality"] = 128  # a bad point is left out of the mean, as in the historian
    long.to_csv(tmp_path / "long.csv", index=False)
    from_wide = read_process_tag_file(tmp_path / "wide.csv")
    from_long = read_process_tag_file(tmp_path / "long.csv")
    assert str(from_wide.index.tz) == "UTC" and len(from_wide) == 60
    assert from_wide["blast_volume"].iloc[0] == pytest.approx(1.0)  # (0 + 1 + 2) / 3
    assert from_long["blast_volume"].iloc[0] == pytest.approx(1.5)  # (1 + 2) / 2: the bad 0 dropped
    pd.testing.assert_series_equal(
        from_wide["blast_volume"].iloc[1:],
        from_long["blast_volume"].iloc[1:],
        check_names=False,
        check_freq=False,
    )


def test_assays_need_their_zone_columns_and_numbers(tmp_path):
    path = tmp_path / "assays.csv"
    path.write_text(
        "cast_id,ended_at,hot_metal_silicon_percent\nA1,2025-03-01T10:00:00,0.41\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="time zone"):
        read_assay_table(path)
    table = read_assay_table(path, time_zone="Asia/Shanghai")
    assert table["ended_at"].iloc[0] == pd.Timestamp("2025-03-01T02:00:00Z")
    path.write_text(
        "cast_id,ended_at,hot_metal_silicon_percent\nA1,2025-03-01T10:00:00Z,0,41\n", encoding="utf-8"
    )
    with pytest.raises(FileFormatError):
        read_assay_table(path)
    path.write_text(
        "cast_id,ended_at,hot_metal_silicon_percent\nA1,2025-03-01T10:00:00Z,high\n", encoding="utf-8"
    )
    with pytest.raises(FileFormatError, match="row 2"):
        read_assay_table(path)
    path.write_text("cast,ended_at\nA1,2025-03-01T10:00:00Z\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="cast_id"):
        read_assay_table(path)
    with pytest.raises(FileFormatError, match="no such file"):
        read_assay_table(tmp_path / "missing.csv")
