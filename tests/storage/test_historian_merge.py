"""Late, out-of-order and duplicated points; compaction, retention, full disk, replay after a crash."""

from __future__ import annotations

import datetime as dt
import errno
import threading

import numpy as np
import pandas as pd
import pytest
from storage_helpers import make_points, read_all

from greenmet.errors import InputError, StorageError
from greenmet.storage import Historian, queries
from greenmet.storage import parts as parts_module
from greenmet.storage.historian import list_parts


def _directory(root):
    return root / "site=plant1" / "furnace=bf1"


def _expected(*frames: pd.DataFrame) -> pd.DataFrame:
    """What a plain pandas de-duplication of everything written says: last write wins."""
    everything = pd.concat(frames, ignore_index=True)
    everything = everything.drop_duplicates(["tag", "ts"], keep="last")
    return everything.sort_values(["tag", "ts"], ignore_index=True)


def _assert_same(stored: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert stored["tag"].tolist() == expected["tag"].tolist()
    assert stored["ts"].tolist() == expected["ts"].tolist()
    np.testing.assert_array_equal(stored["value"].to_numpy(), expected["value"].to_numpy())
    assert stored["quality"].tolist() == expected["quality"].astype("uint8").tolist()


def test_duplicates_in_one_batch_last_wins(tmp_path):
    frame = make_points(seconds=10)
    again = frame.iloc[[3, 5]].assign(value=[-1.0, -2.0])
    batch = pd.concat([frame, again], ignore_index=True)
    with Historian(tmp_path, "plant1", "bf1") as historian:
        historian.write(batch)
    _assert_same(read_all(_directory(tmp_path)), _expected(batch))


def test_out_of_order_points_are_sorted(tmp_path):
    frame = make_points(seconds=50).sample(frac=1.0, random_state=3)
    with Historian(tmp_path, "plant1", "bf1") as historian:
        historian.write(frame)
    stored = read_all(_directory(tmp_path))
    part = next(_directory(tmp_path).glob("date=*/part-*.parquet"))
    assert pd.read_parquet(part)["ts"].is_monotonic_increasing is False  # two tags, each sorted
    for _, group in pd.read_parquet(part).groupby("tag", observed=True):
        assert group["ts"].is_monotonic_increasing
    _assert_same(stored, _expected(frame))


def test_late_points_merge_into_their_partition_and_overwrite(tmp_path):
    first = make_points(seconds=100)
    later = make_points(start="2025-03-01T00:01:40Z", seconds=100, seed=1)
    late = make_points(start="2025-03-01T00:00:30Z", seconds=20, seed=2)  # re-sent after a reconnect
    with Historian(tmp_path, "plant1", "bf1") as historian:
        historian.write(first)
        historian.flush()
        historian.write(later)
        report = historian.flush()
        assert report.partitions_merged == []  # in-order data is appended as a new part
        assert len(list_parts(_directory(tmp_path) / "date=2025-03-01")) == 2
        historian.write(late)
        report = historian.flush()
        assert report.partitions_merged == ["2025-03-01"]
    assert len(list_parts(_directory(tmp_path) / "date=2025-03-01")) == 1
    _assert_same(read_all(_directory(tmp_path)), _expected(first, later, late))


def test_points_across_midnight_split_by_utc_date(tmp_path):
    frame = make_points(start="2025-03-01T23:59:00Z", seconds=120)
    with Historian(tmp_path, "plant1", "bf1") as historian:
        historian.write(frame)
    dates = sorted(p.name for p in _directory(tmp_path).glob("date=*"))
    assert dates == ["date=2025-03-01", "date=2025-03-02"]
    for partition in _directory(tmp_path).glob("date=*"):
        day = partition.name[len("date="):]
        stored = pd.concat(pd.read_parquet(p) for p in list_parts(partition))
        assert (stored["ts"].dt.strftime("%Y-%m-%d") == day).all()
    _assert_same(read_all(_directory(tmp_path)), _expected(frame))


def test_compaction_merges_parts_and_keeps_every_point(tmp_path):
    frames = [make_points(start=f"2025-03-01T00:{m:02d}:00Z", seconds=60, seed=m) for m in range(6)]
    with Historian(tmp_path, "plant1", "bf1") as historian:
        for frame in frames:
            historian.write(frame)
            historian.flush()
        partition = _directory(tmp_path) / "date=2025-03-01"
        assert len(list_parts(partition)) == 6
        report = historian.compact()
        assert report.partitions_merged == ["2025-03-01"]
        assert len(list_parts(partition)) == 1
        assert historian.compact().partitions_merged == []  # nothing left to do
    _assert_same(read_all(_directory(tmp_path)), _expected(*frames))
    assert not list(_directory(tmp_path).glob(".new-*"))


def test_compaction_resolves_duplicates_written_by_another_tool(tmp_path):
    frame = make_points(seconds=20)
    with Historian(tmp_path, "plant1", "bf1") as historian:
        historian.write(frame)
    partition = _directory(tmp_path) / "date=2025-03-01"
    original = list_parts(partition)[0]
    newer = frame.assign(value=frame["value"] + 1000.0)
    newer.to_parquet(partition / "part-zzzz-external.parquet")  # the simulator's bulk writer, say
    with Historian(tmp_path, "plant1", "bf1") as historian:
        historian.compact()
    assert original not in list_parts(partition)  # merged with the adopted part
    _assert_same(read_all(_directory(tmp_path)), _expected(frame, newer))


def test_readers_never_see_a_partition_twice_during_compaction(tmp_path):
    frame = make_points(seconds=300)
    counts: list[int] = []
    stop = threading.Event()

    def reader():
        # the query path of greenmet.storage.queries: each run reads the manifest once, under a
        # reader lease, so the parts it lists stay on disk until it is done
        points = queries.open_points(tmp_path, "plant1", "bf1")
        expression = queries.raw_range(points, ["blast_volume", "top_pressure"],
                                       "2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z")
        while not stop.is_set():
            counts.append(len(queries.run(expression)))

    # no grace period: only the readers' leases keep retired parts on disk
    with Historian(tmp_path, "plant1", "bf1", retired_grace_s=0.0) as historian:
        for begin in range(0, len(frame), 200):
            historian.write(frame.iloc[begin:begin + 200])
            historian.flush()
        thread = threading.Thread(target=reader)
        thread.start()
        try:
            rounds = 0
            while rounds < 15 or len(counts) < 5:  # until the reader has overlapped a few swaps
                historian.compact(min_parts=1)
                rounds += 1
                assert thread.is_alive() or len(counts) >= 5, "the reader died"
        finally:
            stop.set()
            thread.join()
    assert counts and set(counts) == {len(frame)}


def test_retention_drops_old_partitions_only(tmp_path):
    frames = [make_points(start=f"2025-03-{day:02d}T12:00:00Z", seconds=10) for day in (1, 2, 3, 4)]
    with Historian(tmp_path, "plant1", "bf1") as historian:
        for frame in frames:
            historian.write(frame)
        report = historian.apply_retention(1, now=dt.datetime(2025, 3, 4, 6, tzinfo=dt.UTC))
        assert report.partitions_dropped == ["2025-03-01", "2025-03-02"]
        assert historian.partitions() == ["2025-03-03", "2025-03-04"]
        with pytest.raises(InputError, match=r"days: retention must be a whole number of days"):
            historian.apply_retention(-1)
    _assert_same(read_all(_directory(tmp_path)), _expected(*frames[2:]))


def test_disk_full_on_flush_keeps_every_acknowledged_point(tmp_path, monkeypatch):
    frame = make_points(seconds=30)

    def full_disk(table, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    historian = Historian(tmp_path, "plant1", "bf1")
    historian.write(frame)
    monkeypatch.setattr(parts_module, "write_parquet", full_disk)
    with pytest.raises(StorageError, match=r"path: the disk is full.*date=2025-03-01.*Fix: free space.*"
                                           r"nothing acknowledged was lost"):
        historian.flush()
    assert historian.buffered_points == len(frame)
    assert list((_directory(tmp_path) / ".wal").glob("wal-*.log"))
    assert not list(_directory(tmp_path).glob("date=*/*.parquet"))
    # the process dies while the disk is full: the next writer replays the log
    historian._wal.close()
    historian._release_lock()
    monkeypatch.undo()
    with Historian(tmp_path, "plant1", "bf1") as reopened:
        assert reopened.buffered_points == 0  # replayed and flushed on open
    _assert_same(read_all(_directory(tmp_path)), _expected(frame))
    assert not list((_directory(tmp_path) / ".wal").glob("wal-*.log"))


def test_disk_full_during_a_merge_leaves_the_old_partition(tmp_path, monkeypatch):
    first = make_points(seconds=30)
    late = make_points(seconds=10, seed=5)
    with Historian(tmp_path, "plant1", "bf1") as historian:
        historian.write(first)
        historian.flush()
        historian.write(late)
        monkeypatch.setattr(parts_module, "write_parquet",
                            lambda table, path: (_ for _ in ()).throw(OSError(errno.ENOSPC, "full")))
        with pytest.raises(StorageError, match="the disk is full"):
            historian.flush()
        _assert_same(read_all(_directory(tmp_path)), _expected(first))
        assert not list(_directory(tmp_path).glob(".new-*"))
        monkeypatch.undo()
    _assert_same(read_all(_directory(tmp_path)), _expected(first, late))


def test_unflushed_points_are_replayed_after_a_crash(tmp_path):
    frame = make_points(seconds=40)
    historian = Historian(tmp_path, "plant1", "bf1")
    historian.write(frame.iloc[:50])
    historian.flush()
    historian.write(frame.iloc[50:])
    historian._wal.close()  # what a crash leaves: log on disk, no flush, lock released by the OS
    historian._release_lock()
    with Historian(tmp_path, "plant1", "bf1"):
        pass
    _assert_same(read_all(_directory(tmp_path)), _expected(frame))


def test_buffer_limit_triggers_a_flush(tmp_path):
    with Historian(tmp_path, "plant1", "bf1", max_buffer_points=50) as historian:
        historian.write(make_points(seconds=20))
        assert historian.buffered_points == 40
        historian.write(make_points(start="2025-03-01T00:01:00Z", seconds=20))
        assert historian.buffered_points == 0
        assert len(list(_directory(tmp_path).glob("date=*/part-*.parquet"))) == 1


def test_leftovers_of_a_crash_are_cleaned_on_open(tmp_path):
    with Historian(tmp_path, "plant1", "bf1") as historian:
        historian.write(make_points(seconds=5))
    partition = _directory(tmp_path) / "date=2025-03-01"
    (partition / ".tmp-part-x.parquet-abc").write_bytes(b"half")
    (_directory(tmp_path) / ".new-date=2025-03-01-dead").mkdir()
    with Historian(tmp_path, "plant1", "bf1"):
        pass
    assert not list(partition.glob(".tmp-*"))
    assert not list(_directory(tmp_path).glob(".new-*"))
