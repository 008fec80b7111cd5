"""Every bad input to Historian.write: a clear error naming the field and the fix, or a flag."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from storage_helpers import make_points, read_all

from greenmet.errors import InputError, StorageError
from greenmet.storage import QUALITY_BAD, Historian, validate_points


@pytest.fixture
def historian(tmp_path):
    with Historian(tmp_path, "plant1", "bf1") as opened:
        yield opened


def _frame(**columns):
    base = {"ts": pd.to_datetime(["2025-03-01T00:00:00Z", "2025-03-01T00:00:01Z"]),
            "tag": ["blast_volume", "blast_volume"], "value": [1.0, 2.0], "quality": [0, 0]}
    base.update(columns)
    return pd.DataFrame(base)


def test_unknown_column(historian):
    with pytest.raises(InputError, match=r"columns: unknown columns.*'unit'.*Fix: give exactly"):
        historian.write(_frame(unit=["m3", "m3"]))


def test_missing_column(historian):
    with pytest.raises(InputError, match=r"missing columns.*'value'"):
        historian.write(_frame().drop(columns="value"))


def test_not_a_table(historian):
    with pytest.raises(InputError, match=r"points: .*DataFrame or a pyarrow Table.*list"):
        historian.write([("2025-03-01", "blast_volume", 1.0)])


def test_naive_timestamps_pandas(historian):
    with pytest.raises(InputError, match=r"ts: timestamps have no time zone.*tz_localize"):
        historian.write(_frame(ts=pd.to_datetime(["2025-03-01 00:00", "2025-03-01 00:01"])))


def test_naive_timestamps_arrow(historian):
    table = pa.table({"ts": pa.array([dt.datetime(2025, 3, 1)], pa.timestamp("us")),
                      "tag": ["blast_volume"], "value": [1.0]})
    with pytest.raises(InputError, match=r"ts: timestamps have no time zone"):
        historian.write(table)


def test_timestamps_as_text(historian):
    with pytest.raises(InputError, match=r"ts: timestamps are text"):
        historian.write(_frame(ts=["2025-03-01T00:00:00Z", "2025-03-01T00:00:01Z"]))


def test_timestamps_as_numbers(historian):
    with pytest.raises(InputError, match=r"ts: timestamps have type int64, not a timestamp"):
        historian.write(_frame(ts=[1740787200, 1740787201]))


def test_values_as_text(historian):
    with pytest.raises(InputError, match=r"value: values have type text, not a number.*'12.5'"):
        historian.write(_frame(value=["12.5", "13.0"]))


def test_values_of_mixed_types(historian):
    with pytest.raises(InputError, match=r"value: column 'value' has values of mixed or unsupported types"):
        historian.write(_frame(value=[1.0, "high"]))


def test_missing_tag(historian):
    with pytest.raises(InputError, match=r"tag: a tag name is missing \(row 1\)"):
        historian.write(_frame(tag=["blast_volume", None]))


def test_vendor_tag_name_is_refused(historian):
    with pytest.raises(InputError, match=r"tag: malformed tag name.*'FIC-101.PV'.*map vendor tags"):
        historian.write(_frame(tag=["FIC-101.PV", "blast_volume"]))


@pytest.mark.parametrize("code", [1, 192, 255])
def test_quality_code_out_of_the_contract(historian, code):
    with pytest.raises(InputError, match=rf"quality: quality code not one of 0, 64, 128 \(row 1\).*{code}"):
        historian.write(_frame(quality=[0, code]))


def test_quality_as_float(historian):
    with pytest.raises(InputError, match=r"quality: quality codes have type double"):
        historian.write(_frame(quality=[0.0, 64.0]))


def test_missing_timestamp(historian):
    with pytest.raises(InputError, match=r"ts: a timestamp is missing \(row 1\)"):
        historian.write(_frame(ts=pd.to_datetime(["2025-03-01T00:00:00Z", None], utc=True)))


def test_clock_jump_into_the_future(historian):
    future = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=400)
    with pytest.raises(InputError, match=r"ts: 1 timestamps lie more than 86400 s in the future.*jumped"):
        historian.write(_frame(ts=[pd.Timestamp("2025-03-01T00:00:00Z"), future]))
    assert historian.buffered_points == 0


def test_clock_reset_to_1970(historian):
    with pytest.raises(InputError, match=r"before 2000-01-01.*clock was reset"):
        historian.write(_frame(ts=pd.to_datetime(["1970-01-01T00:00:00Z", "2025-03-01T00:00:00Z"])))


def test_clock_checks_can_be_relaxed_for_simulated_or_archived_data():
    frame = _frame(ts=pd.to_datetime(["1995-01-01T00:00:00Z", "2090-01-01T00:00:00Z"]))
    table, _ = validate_points(frame, future_tolerance_s=None, earliest=None)
    assert table.num_rows == 2


def test_nan_with_good_quality_is_flagged_bad_not_dropped(tmp_path):
    frame = _frame(value=[np.nan, np.inf], quality=[0, 64])
    with Historian(tmp_path, "plant1", "bf1") as historian:
        receipt = historian.write(frame)
    assert receipt.points == 2 and receipt.flagged_bad == 2
    stored = read_all(tmp_path / "site=plant1" / "furnace=bf1")
    assert stored["quality"].tolist() == [QUALITY_BAD, QUALITY_BAD]
    assert stored["value"].isna().all()


def test_null_values_become_bad_nan(historian):
    table, flagged = validate_points(pa.table({
        "ts": pa.array([dt.datetime(2025, 3, 1, tzinfo=dt.UTC)], pa.timestamp("us", tz="UTC")),
        "tag": ["blast_volume"], "value": pa.array([None], pa.float64())}))
    assert flagged == 1
    assert table.column("quality").to_pylist() == [QUALITY_BAD]


def test_nan_with_bad_quality_passes_unflagged(historian):
    receipt = historian.write(_frame(value=[np.nan, 1.0], quality=[QUALITY_BAD, 0]))
    assert receipt.flagged_bad == 0


def test_integer_and_boolean_values_are_stored_as_float():
    table, _ = validate_points(_frame(value=[1, 2]))
    assert table.column("value").type == pa.float64()
    table, _ = validate_points(_frame(value=[True, False]))
    assert table.column("value").to_pylist() == [1.0, 0.0]


def test_other_time_zones_are_converted_to_utc(tmp_path):
    local = pd.to_datetime(["2025-03-01T07:30:00", "2025-03-01T08:30:00"]).tz_localize("Asia/Shanghai")
    with Historian(tmp_path, "plant1", "bf1") as historian:
        historian.write(_frame(ts=local))
    directory = tmp_path / "site=plant1" / "furnace=bf1"
    # 07:30 in Shanghai is 23:30 UTC the day before: the partition is the UTC date.
    assert sorted(p.name for p in directory.glob("date=*")) == ["date=2025-02-28", "date=2025-03-01"]
    assert read_all(directory)["ts"].tolist() == [pd.Timestamp("2025-02-28T23:30:00Z"),
                                                  pd.Timestamp("2025-03-01T00:30:00Z")]


def test_sub_microsecond_timestamps_are_truncated():
    frame = _frame(ts=pd.to_datetime(["2025-03-01T00:00:00.0000019Z", "2025-03-01T00:00:01.0000000Z"]))
    table, _ = validate_points(frame)
    assert table.column("ts")[0].value == 1740787200000001


def test_empty_batch_acknowledges_nothing(historian):
    receipt = historian.write(make_points(seconds=0))
    assert receipt.points == 0 and historian.buffered_points == 0


def test_time_zone_is_kept_and_a_mismatch_refused(tmp_path):
    with Historian(tmp_path, "plant1", "bf1", time_zone="Asia/Shanghai") as historian:
        assert historian.time_zone == "Asia/Shanghai"
    with Historian(tmp_path, "plant1", "bf1") as historian:
        assert historian.time_zone == "Asia/Shanghai"
    with pytest.raises(InputError, match=r"time_zone: the furnace's stored time zone is 'Asia/Shanghai'"):
        Historian(tmp_path, "plant1", "bf1", time_zone="Europe/Berlin")


def test_unknown_time_zone(tmp_path):
    with pytest.raises(InputError, match=r"time_zone: unknown time zone.*Mars/Olympus"):
        Historian(tmp_path, "plant1", "bf1", time_zone="Mars/Olympus")


def test_malformed_site_name(tmp_path):
    with pytest.raises(InputError, match=r"site: malformed site name.*'a/b'"):
        Historian(tmp_path, "a/b", "bf1")


def test_one_writer_per_furnace(tmp_path):
    with Historian(tmp_path, "plant1", "bf1"):
        with pytest.raises(StorageError, match=r"another process is writing.*one writer"):
            Historian(tmp_path, "plant1", "bf1")
        with Historian(tmp_path, "plant1", "bf2"):  # another furnace is independent
            pass
    with Historian(tmp_path, "plant1", "bf1"):  # the lock is released on close
        pass


def test_closed_historian_refuses_writes(tmp_path):
    historian = Historian(tmp_path, "plant1", "bf1")
    historian.close()
    historian.close()  # idempotent
    with pytest.raises(StorageError, match="the historian is closed"):
        historian.write(_frame())
