"""The historian in a few lines: write a shift of blast-furnace points, query them back.

Two hours of two tags at 10 s, written the way an ingestion does (small batches, some late,
one re-sent), then the raw points, a 15-minute chart, the last values and the gaps. The data
land in a temporary directory in the layout of docs/dev/plant_data_contract.md.
"""

import shutil
import tempfile

import numpy as np
import pandas as pd

from greenmet.storage import Historian, queries

root = tempfile.mkdtemp(prefix="greenmet-example-")
times = pd.date_range("2025-03-01T08:00", periods=720, freq="10s", tz="Asia/Shanghai")
frame = pd.DataFrame({
    "ts": times.repeat(2),
    "tag": np.tile(["blast_volume", "blast_temperature"], len(times)),
    "value": np.tile([5600.0, 1150.0], len(times)) + np.random.default_rng(1).normal(0, 5, 2 * len(times)),
})
dropout = frame["ts"].between(times[300], times[329]) & (frame["tag"] == "blast_volume")  # 5 minutes
frame = frame[~dropout]

with Historian(root, "plant1", "bf2", time_zone="Asia/Shanghai") as historian:
    for begin in range(0, len(frame), 200):  # batches as they arrive
        historian.write(frame.iloc[begin:begin + 200])
    historian.write(frame.iloc[100:120])  # a reconnect re-sends a batch: stored once
    historian.flush()

start, end = "2025-03-01T08:00:00+08:00", "2025-03-01T10:00:00+08:00"
points = queries.open_points(root, "plant1", "bf2", start=start, end=end)
rollups = queries.open_rollups(root, "plant1", "bf2", start=start, end=end, backend=points.get_backend())
raw = queries.run(queries.raw_range(points, ["blast_volume", "blast_temperature"], start, end))
chart = queries.run(queries.bucketed(points, ["blast_volume"], start, end, bucket_s=900, rollups=rollups))
latest = queries.run(queries.last_values(points))
holes = queries.run(queries.gaps(points, ["blast_volume", "blast_temperature"], start, end, threshold_s=60))
shutil.rmtree(root)
print(chart[["bucket_start", "value_min", "value_mean", "value_max", "point_count"]].to_string(index=False))
print(holes.to_string(index=False))


def test_every_point_is_stored_once_in_utc():
    assert len(raw) == len(frame)
    assert not raw.duplicated(["tag", "ts"]).any()
    assert raw["ts"].min() == pd.Timestamp("2025-03-01T00:00:00Z")


def test_the_chart_has_eight_quarter_hours_and_the_dropout_is_a_gap():
    assert len(chart) == 8 and chart["point_count"].sum() == 720 - 30
    assert holes["tag"].tolist() == ["blast_volume"]
    assert holes["gap_duration_s"].item() == 310.0  # 30 missing samples at 10 s, plus one step
    assert set(latest["ts"]) == {pd.Timestamp("2025-03-01T01:59:50Z")}
