"""Historian queries on DuckDB, each checked against a pandas computation of the same thing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from storage_helpers import make_points

from greenmet.errors import InputError
from greenmet.storage import QUALITY_BAD, Historian, queries

START, END = "2025-03-01T00:00:00Z", "2025-03-01T00:10:00Z"
TAGS = ["blast_volume", "top_pressure"]


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """Ten minutes of two tags at 1 s with a 40 s hole in top_pressure and a few bad points."""
    root = tmp_path_factory.mktemp("historian")
    frame = make_points(seconds=600)
    hole = (frame["tag"] == "top_pressure") & frame["ts"].between(
        pd.Timestamp("2025-03-01T00:03:00Z"), pd.Timestamp("2025-03-01T00:03:40Z"), inclusive="left")
    frame = frame[~hole].reset_index(drop=True)
    frame.loc[[10, 11, 500], "quality"] = QUALITY_BAD
    frame.loc[[10], "value"] = np.nan
    with Historian(root, "plant1", "bf1", time_zone="Asia/Shanghai") as historian:
        historian.write(frame.iloc[:700])
        historian.flush()
        historian.write(frame.iloc[700:])
    return root, frame


@pytest.fixture
def points(stored):
    return queries.open_points(stored[0], "plant1", "bf1", start=START, end=END)


def test_raw_range_is_half_open_and_sorted(stored, points):
    _, frame = stored
    result = queries.run(queries.raw_range(points, "blast_volume", "2025-03-01T00:01:00Z",
                                           "2025-03-01T00:02:00Z"))
    expected = frame[(frame["tag"] == "blast_volume")
                     & (frame["ts"] >= pd.Timestamp("2025-03-01T00:01:00Z"))
                     & (frame["ts"] < pd.Timestamp("2025-03-01T00:02:00Z"))]
    assert len(result) == 60
    assert result["ts"].tolist() == expected["ts"].tolist()
    np.testing.assert_array_equal(result["value"].to_numpy(), expected["value"].to_numpy())


def test_bucketed_against_pandas(stored, points):
    _, frame = stored
    result = queries.run(queries.bucketed(points, TAGS, START, END, bucket_s=60))
    good = frame[frame["quality"] != QUALITY_BAD].copy()
    good["bucket_start"] = good["ts"].dt.floor("60s")
    grouped = good.groupby(["tag", "bucket_start"])["value"]
    expected = pd.DataFrame({"value_min": grouped.min(), "value_max": grouped.max(),
                             "value_mean": grouped.mean(), "value_last": grouped.last()}).reset_index()
    everything = frame.assign(bucket_start=frame["ts"].dt.floor("60s"))
    counts = everything.groupby(["tag", "bucket_start"]).size().reset_index(name="point_count")
    expected = expected.merge(counts, on=["tag", "bucket_start"])
    assert len(result) == 20
    assert result["bucket_start"].tolist() == expected["bucket_start"].tolist()
    for column in ("value_min", "value_max", "value_mean", "value_last"):
        np.testing.assert_allclose(result[column], expected[column], rtol=1e-12)
    assert result["point_count"].tolist() == expected["point_count"].tolist()
    assert result["bad_count"].sum() == 3
    hole_bucket = result[(result["tag"] == "top_pressure")
                         & (result["bucket_start"] == pd.Timestamp("2025-03-01T00:03:00Z"))]
    assert hole_bucket["point_count"].item() == 20


def test_points_per_tag_sets_the_bucket_width(points):
    assert queries.bucket_width_s(START, END, points_per_tag=1000) == 1
    assert queries.bucket_width_s(START, END, points_per_tag=20) == 30  # 600 / 20
    assert queries.bucket_width_s(START, END, points_per_tag=7) == 120  # ceil(600 / 7) = 86 -> 2 min
    result = queries.run(queries.bucketed(points, TAGS, START, END, points_per_tag=7))
    assert result.groupby("tag").size().max() == 5
    assert result["point_count"].sum() == 1200 - 40


def test_last_values(points):
    result = queries.run(queries.last_values(points))
    assert result["tag"].tolist() == TAGS
    assert (result["ts"] == pd.Timestamp("2025-03-01T00:09:59Z")).all()
    before = queries.run(queries.last_values(points, "blast_volume", before="2025-03-01T00:00:11Z"))
    assert before["ts"].item() == pd.Timestamp("2025-03-01T00:00:10Z")
    good = queries.run(queries.last_values(points, "blast_volume", before="2025-03-01T00:00:06Z",
                                           good_only=True))
    # rows 10 and 11 of the frame are blast_volume and top_pressure at 00:00:05, both bad
    assert good["ts"].item() == pd.Timestamp("2025-03-01T00:00:04Z")


def test_gaps_find_the_hole_and_a_missing_tag(points):
    result = queries.run(queries.gaps(points, [*TAGS, "tuyere_velocity"], START, END, threshold_s=30))
    assert result["tag"].tolist() == ["top_pressure", "tuyere_velocity"]
    hole = result.iloc[0]
    assert hole["gap_start"] == pd.Timestamp("2025-03-01T00:02:59Z")
    assert hole["gap_end"] == pd.Timestamp("2025-03-01T00:03:40Z")
    assert hole["gap_duration_s"] == pytest.approx(41.0)
    assert result.iloc[1]["gap_duration_s"] == pytest.approx(600.0)
    trailing = queries.run(queries.gaps(points, TAGS, START, "2025-03-01T00:12:00Z", threshold_s=100))
    assert trailing["gap_start"].tolist() == [pd.Timestamp("2025-03-01T00:09:59Z")] * 2


def test_join_bucketed_puts_tags_side_by_side(points):
    wide = queries.run(queries.join_bucketed(points, TAGS, START, END, bucket_s=60))
    long = queries.run(queries.bucketed(points, TAGS, START, END, bucket_s=60))
    assert list(wide.columns) == ["bucket_start", *TAGS]
    assert len(wide) == 10
    pivot = long.pivot(index="bucket_start", columns="tag", values="value_mean").reset_index()
    np.testing.assert_allclose(wide[TAGS].to_numpy(), pivot[TAGS].to_numpy())
    last = queries.run(queries.join_bucketed(points, TAGS, START, END, bucket_s=60, how="last"))
    np.testing.assert_allclose(last["blast_volume"], long[long["tag"] == "blast_volume"]["value_last"])


def test_join_asof_carries_the_latest_value_forward(stored, points):
    _, frame = stored
    result = queries.run(queries.join_asof(points, "blast_volume", "top_pressure", START, END,
                                           tolerance_s=5))
    assert len(result) == 600
    other = frame[(frame["tag"] == "top_pressure") & (frame["quality"] != QUALITY_BAD)]
    expected = pd.merge_asof(result[["ts"]], other[["ts", "value"]], on="ts", tolerance=pd.Timedelta("5s"))
    np.testing.assert_array_equal(result["top_pressure"].to_numpy(), expected["value"].to_numpy())
    assert result["top_pressure"].isna().sum() == 35  # 00:03:05 … 00:03:39 is more than 5 s old


def test_tag_summary(points):
    summary = queries.run(queries.tag_summary(points))
    assert summary["point_count"].tolist() == [600, 560]
    assert summary["bad_count"].tolist() == [2, 1]


def test_partition_pruning_and_empty_results(stored):
    outside = queries.open_points(stored[0], "plant1", "bf1", start="2025-04-01T00:00:00Z",
                                  end="2025-04-02T00:00:00Z")
    assert queries.run(queries.raw_range(outside, TAGS, "2025-04-01T00:00:00Z", "2025-04-02T00:00:00Z")).empty
    nothing = queries.open_points(stored[0], "plant1", "no_such_furnace")
    assert queries.run(queries.last_values(nothing)).empty


def test_new_flushes_are_seen_by_a_table_opened_earlier(tmp_path):
    with Historian(tmp_path, "plant1", "bf1") as historian:
        historian.write(make_points(seconds=10))
        historian.flush()
        points = queries.open_points(tmp_path, "plant1", "bf1")
        historian.write(make_points(start="2025-03-01T00:00:10Z", seconds=10))
        historian.flush()
        assert len(queries.run(queries.raw_range(points, TAGS, START, END))) == 40


def test_plant_local_times_need_a_zone():
    with pytest.raises(InputError, match=r"start: the time has no time zone.*Fix: add an offset"):
        queries.to_utc("2025-03-01T08:00:00", "start")
    local = queries.to_utc("2025-03-01T08:00:00", "start", assume_time_zone="Asia/Shanghai")
    assert local == pd.Timestamp("2025-03-01T00:00:00Z")


@pytest.mark.parametrize(("call", "message"), [
    (lambda p: queries.raw_range(p, TAGS, END, START), r"end: the end of the time window is not after"),
    (lambda p: queries.raw_range(p, [], START, END), r"tags: give at least one tag"),
    (lambda p: queries.raw_range(p, TAGS, "yesterday-ish", END), r"start: not a date and time"),
    (lambda p: queries.bucketed(p, TAGS, START, END), r"give either a bucket width or a number"),
    (lambda p: queries.bucketed(p, TAGS, START, END, bucket_s=60, points_per_tag=10),
     r"give either a bucket width or a number"),
    (lambda p: queries.bucketed(p, TAGS, START, END, bucket_s=-1), r"bucket_s: the bucket width must be"),
    (lambda p: queries.bucketed(p, TAGS, START, END, points_per_tag=0), r"points_per_tag: .*positive"),
    (lambda p: queries.gaps(p, TAGS, START, END, threshold_s=0), r"threshold_s: the gap threshold"),
    (lambda p: queries.join_bucketed(p, TAGS, START, END, bucket_s=60, how="median"), r"how: unknown"),
    (lambda p: queries.join_asof(p, "blast_volume", ["blast_volume"], START, END),
     r"other_tags: give at least one tag other than the base"),
])
def test_bad_query_arguments(points, call, message):
    with pytest.raises(InputError, match=message):
        call(points)


def test_rollups_give_the_raw_result(stored):
    root, _ = stored
    points = queries.open_points(root, "plant1", "bf1", start=START, end=END)
    rollups = queries.open_rollups(root, "plant1", "bf1", start=START, end=END)
    assert rollups is not None
    for width in (60, 120, 300):
        raw = queries.run(queries.bucketed(points, TAGS, START, END, bucket_s=width))
        combined = queries.run(queries.bucketed(points, TAGS, START, END, bucket_s=width, rollups=rollups))
        pd.testing.assert_frame_equal(raw, combined, check_exact=False, rtol=1e-12)
    # a width that is not whole minutes falls back to the raw points, with the same answer
    raw = queries.run(queries.bucketed(points, TAGS, START, END, bucket_s=45))
    odd = queries.run(queries.bucketed(points, TAGS, START, END, bucket_s=45, rollups=rollups))
    pd.testing.assert_frame_equal(raw, odd)


def test_rollups_follow_merges_and_compaction(tmp_path):
    first = make_points(seconds=180)
    late = make_points(start="2025-03-01T00:00:30Z", seconds=60, seed=7)
    with Historian(tmp_path, "plant1", "bf1") as historian:
        historian.write(first)
        historian.flush()
        historian.write(late.assign(quality=np.where(np.arange(len(late)) % 3 == 0, QUALITY_BAD, 0)))
    points = queries.open_points(tmp_path, "plant1", "bf1")
    rollups = queries.open_rollups(tmp_path, "plant1", "bf1")
    raw = queries.run(queries.bucketed(points, TAGS, START, END, bucket_s=60))
    combined = queries.run(queries.bucketed(points, TAGS, START, END, bucket_s=60, rollups=rollups))
    pd.testing.assert_frame_equal(raw, combined, check_exact=False, rtol=1e-12)
    assert raw["bad_count"].sum() == 40


def test_parts_without_rollups_fall_back_and_compaction_builds_them(tmp_path):
    frame = make_points(seconds=120)
    partition = tmp_path / "site=plant1" / "furnace=bf1" / "date=2025-03-01"
    partition.mkdir(parents=True)
    frame.to_parquet(partition / "part-fromsimulator.parquet")  # another tool's bulk writer
    assert queries.open_rollups(tmp_path, "plant1", "bf1") is None
    with Historian(tmp_path, "plant1", "bf1") as historian:
        historian.compact()
    rollups = queries.open_rollups(tmp_path, "plant1", "bf1")
    points = queries.open_points(tmp_path, "plant1", "bf1")
    raw = queries.run(queries.bucketed(points, TAGS, START, END, bucket_s=60))
    combined = queries.run(queries.bucketed(points, TAGS, START, END, bucket_s=60, rollups=rollups))
    pd.testing.assert_frame_equal(raw, combined, check_exact=False, rtol=1e-12)
