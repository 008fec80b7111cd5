"""The manifest of live parts: reader leases, adoption of other writers' parts, bounded part count,
damaged parts, and the layout written by greenmet before the manifest."""

from __future__ import annotations

import math
import os
import subprocess
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from storage_helpers import make_points, read_all

from greenmet.errors import GreenmetWarning, InputError
from greenmet.storage import Historian, queries
from greenmet.storage.manifest import read_manifest, reader_lease
from greenmet.storage.parts import list_parts
from greenmet.storage.rollups import compute_rollup
from greenmet.storage.sorting import sorted_unique

START, END = "2025-03-01T00:00:00Z", "2025-03-02T00:00:00Z"
TAGS = ["blast_volume", "top_pressure"]


def _directory(root):
    return root / "site=plant1" / "furnace=bf1"


def test_a_reader_lease_keeps_retired_parts_until_it_ends(tmp_path):
    directory = _directory(tmp_path)
    with Historian(tmp_path, "plant1", "bf1", retired_grace_s=0.0, background_compaction=False) as historian:
        for minute in range(3):
            historian.write(make_points(start=f"2025-03-01T00:0{minute}:00Z", seconds=60))
            historian.flush()
        old = list_parts(directory / "date=2025-03-01")
        with reader_lease(directory) as lease:
            assert lease is not None
            historian.compact()
            assert all(path.exists() for path in old)  # a reader may still hold them
            assert len(list_parts(directory / "date=2025-03-01")) == 1
        historian.compact(min_parts=5)  # nothing to merge; deletes what no reader holds
        assert not any(path.exists() for path in old)
        assert read_manifest(directory).retired == []


def test_a_lease_of_a_dead_reader_is_ignored(tmp_path):
    directory = _directory(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    with Historian(tmp_path, "plant1", "bf1", retired_grace_s=0.0, background_compaction=False) as historian:
        for minute in range(2):
            historian.write(make_points(start=f"2025-03-01T00:0{minute}:00Z", seconds=60))
            historian.flush()
        old = list_parts(directory / "date=2025-03-01")
        import socket

        (directory / ".readers").mkdir(exist_ok=True)
        (directory / ".readers" / f"{socket.gethostname()}-{dead.stdout.strip()}-abc.lease").touch()
        historian.compact()
        assert not any(path.exists() for path in old)
        assert not list((directory / ".readers").glob("*.lease"))


def test_without_a_lease_the_grace_period_keeps_retired_parts(tmp_path):
    directory = _directory(tmp_path)
    with Historian(tmp_path, "plant1", "bf1", background_compaction=False) as historian:
        for minute in range(2):
            historian.write(make_points(start=f"2025-03-01T00:0{minute}:00Z", seconds=60))
            historian.flush()
        old = list_parts(directory / "date=2025-03-01")
        historian.compact()
    assert all(path.exists() for path in old)
    assert sorted(read_manifest(directory).retired) == sorted(
        f"date=2025-03-01/{name}" for path in old for name in (path.name, "rollup1m-" + path.name[5:]))
    assert len(read_all(directory)) == 240


def test_bulk_written_parts_are_adopted_with_roll_ups(tmp_path):
    frame = make_points(seconds=600)
    with Historian(tmp_path, "plant1", "bf1", background_compaction=False) as historian:
        partition = _directory(tmp_path) / "date=2025-03-01"
        partition.mkdir(parents=True)
        table = sorted_unique(pa.Table.from_pandas(frame, preserve_index=False).cast(pa.schema([
            ("ts", pa.timestamp("us", tz="UTC")), ("tag", pa.dictionary(pa.int32(), pa.string())),
            ("value", pa.float64()), ("quality", pa.uint8())]))).table
        given, built = partition / "part-bulk-1.parquet", partition / "part-bulk-2.parquet"
        half = table.num_rows // 2
        pq.write_table(table.filter(pa.compute.less(table["ts"], table["ts"][half])), given)
        pq.write_table(table.filter(pa.compute.greater_equal(table["ts"], table["ts"][half])), built)
        assert read_all(_directory(tmp_path)).empty  # not live before adoption
        report = historian.adopt_parts([given, built], rollups={given: compute_rollup(pq.read_table(given))})
        assert report.parts_written == 2
        assert sorted(list_parts(partition)) == sorted([given, built])
        assert (partition / "rollup1m-bulk-1.parquet").exists()
        assert (partition / "rollup1m-bulk-2.parquet").exists()
        with pytest.raises(InputError, match="not a part file of this furnace"):
            historian.adopt_parts([tmp_path / "late.parquet"])
    points = queries.open_points(tmp_path, "plant1", "bf1")
    rollups = queries.open_rollups(tmp_path, "plant1", "bf1", backend=points.get_backend())
    from_rollups = queries.run(queries.bucketed(points, TAGS, START, END, bucket_s=120, rollups=rollups))
    from_raw = queries.run(queries.bucketed(points, TAGS, START, END, bucket_s=120))
    assert from_rollups["point_count"].sum() == len(frame)
    pd.testing.assert_frame_equal(from_rollups, from_raw, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("fanout", [2, 4, 8])
def test_frequent_small_flushes_keep_the_part_count_bounded(tmp_path, fanout):
    batches = 150
    with Historian(tmp_path, "plant1", "bf1", background_compaction=False, compaction_fanout=fanout,
                   retired_grace_s=0.0) as historian:
        most = 0
        for second in range(batches):  # one flush per 2 s of plant time, 2 tags
            start = pd.Timestamp(START) + pd.Timedelta(seconds=2 * second)
            historian.write(make_points(start=start, seconds=2, seed=second))
            historian.flush()
            historian.compact_small()
            most = max(most, historian.part_count()["2025-03-01"])
    # fewer than `fanout` parts per size class; size classes from 4 points up to all of them
    classes = math.floor(math.log(batches * 4, fanout)) - math.floor(math.log(4, fanout)) + 1
    assert most <= (fanout - 1) * classes
    stored = read_all(_directory(tmp_path))
    assert len(stored) == batches * 4 and not stored.duplicated(["tag", "ts"]).any()


def test_a_damaged_part_is_reported_and_the_rest_answers(tmp_path):
    with Historian(tmp_path, "plant1", "bf1", background_compaction=False) as historian:
        for minute in range(3):
            historian.write(make_points(start=f"2025-03-01T00:0{minute}:00Z", seconds=60, seed=minute))
            historian.flush()
    damaged = list_parts(_directory(tmp_path) / "date=2025-03-01")[1]
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    points = queries.open_points(tmp_path, "plant1", "bf1")
    with pytest.warns(GreenmetWarning, match=rf"{damaged.name} cannot be read.*historian check --repair"):
        result = queries.run(queries.raw_range(points, TAGS, START, END))
    assert len(result) == 240  # two of three parts
    writer = Historian(tmp_path, "plant1", "bf1")
    with pytest.warns(GreenmetWarning, match="moved to"), writer as historian:  # the writer sets it aside
        historian.compact()
    assert (_directory(tmp_path) / "_quarantine" / f"date=2025-03-01-{damaged.name}").exists()
    assert len(queries.run(queries.raw_range(points, TAGS, START, END))) == 240


def test_a_layout_without_manifest_is_read_and_taken_over(tmp_path):
    """Written by greenmet before the manifest: parts, hidden roll-ups, a .trash directory."""
    partition = _directory(tmp_path) / "date=2025-03-01"
    partition.mkdir(parents=True)
    frames = [make_points(start=f"2025-03-01T00:0{m}:00Z", seconds=60, seed=m) for m in range(2)]
    for number, frame in enumerate(frames):
        frame.to_parquet(partition / f"part-old{number}.parquet")
    legacy = compute_rollup(sorted_unique(pq.read_table(partition / "part-old0.parquet").cast(pa.schema([
        ("ts", pa.timestamp("us", tz="UTC")), ("tag", pa.dictionary(pa.int32(), pa.string())),
        ("value", pa.float64()), ("quality", pa.uint8())]))).table)
    pq.write_table(legacy, partition / ".part-old0.rollup1m")
    (_directory(tmp_path) / ".trash").mkdir()
    assert len(read_all(_directory(tmp_path))) == 240  # readers list the directory meanwhile
    with Historian(tmp_path, "plant1", "bf1", background_compaction=False):
        pass
    manifest = read_manifest(_directory(tmp_path))
    assert sorted(e.part for e in manifest.partitions["2025-03-01"]) == [
        "part-old0.parquet", "part-old1.parquet"]
    assert not (_directory(tmp_path) / ".trash").exists()
    assert not (partition / ".part-old0.rollup1m").exists()
    assert pq.read_table(partition / "rollup1m-old0.parquet").equals(legacy.cast(pq.read_schema(
        partition / "rollup1m-old0.parquet")))  # the hidden roll-up, renamed
    assert (partition / "rollup1m-old1.parquet").exists()  # built
    assert len(read_all(_directory(tmp_path))) == 240
    assert os.listdir(partition)
