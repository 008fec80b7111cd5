"""``greenmet historian …``: query, compact, retention, info."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from greenmet.cli import app
from greenmet.storage import Historian

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "storage"))
from storage_helpers import make_points

runner = CliRunner()


@pytest.fixture
def root(tmp_path):
    with Historian(tmp_path, "plant1", "bf1", time_zone="Asia/Shanghai") as historian:
        historian.write(make_points(seconds=300))
        historian.flush()
        historian.write(make_points(start="2025-03-01T00:05:00Z", seconds=300, seed=1))
    return tmp_path


def _invoke(*args: str):
    return runner.invoke(app, ["historian", *args], env={"COLUMNS": "200"})


def test_query_raw_as_json(root):
    result = _invoke("query", str(root), "--tag", "blast_volume", "--start", "2025-03-01T00:00:00Z",
                     "--end", "2025-03-01T00:00:05Z", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [row["ts"] for row in rows][:2] == ["2025-03-01T00:00:00.000000Z", "2025-03-01T00:00:01.000000Z"]
    assert len(rows) == 5 and {row["tag"] for row in rows} == {"blast_volume"}


def test_query_local_times_use_the_plant_zone_and_buckets(root):
    # 08:00 in Shanghai is 00:00 UTC: ten minutes of data in 1-minute buckets
    result = _invoke("query", str(root), "--tag", "blast_volume", "--tag", "top_pressure",
                     "--start", "2025-03-01T08:00", "--end", "2025-03-01T08:10", "--bucket", "1min",
                     "--format", "csv")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(pd.io.common.StringIO(result.output))
    assert list(frame.columns) == ["tag", "bucket_start", "value_min", "value_max", "value_mean",
                                   "value_last", "point_count", "bad_count"]
    assert len(frame) == 20 and (frame["point_count"] == 60).all()
    assert frame["bucket_start"].iloc[0] == "2025-03-01T00:00:00.000000Z"


def test_query_points_per_tag_as_table(root):
    result = _invoke("query", str(root), "--tag", "top_pressure", "--start", "2025-03-01T00:00:00Z",
                     "--end", "2025-03-01T00:10:00Z", "--points", "5")
    assert result.exit_code == 0, result.output
    assert "top_pressure" in result.output and "value_mean" in result.output
    assert result.output.count("│ 120 ") == 5  # five 120-s buckets of 120 points


@pytest.mark.parametrize(("args", "message"), [
    (["--bucket", "1min", "--points", "5"], "give --bucket or --points, not both"),
    (["--bucket", "soon"], "--bucket: not a duration"),
    (["--site", "elsewhere"], "no such site/furnace"),
])
def test_query_bad_options(root, args, message):
    result = _invoke("query", str(root), "--tag", "blast_volume", "--start", "2025-03-01T00:00:00Z",
                     "--end", "2025-03-01T00:10:00Z", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_query_error_as_json(root):
    result = _invoke("query", str(root), "--tag", "blast_volume", "--start", "2025-03-01T00:10:00Z",
                     "--end", "2025-03-01T00:00:00Z", "--format", "json")
    assert result.exit_code == 2
    error = json.loads(result.output)
    assert error["ok"] is False and error["field"] == "end"


def test_info_compact_retention(root):
    info = json.loads(_invoke("info", str(root), "--format", "json").output)[0]
    assert info["time_zone"] == "Asia/Shanghai"
    assert info["file_count"] == 2 and info["point_count"] == 1200
    assert [tag["tag"] for tag in info["tags"]] == ["blast_volume", "top_pressure"]
    assert info["tags"][0]["first_ts"] == "2025-03-01T00:00:00.000000Z"

    compacted = json.loads(_invoke("compact", str(root), "--format", "json").output)
    assert compacted == [{"site": "plant1", "furnace": "bf1", "partitions_compacted": ["2025-03-01"]}]
    info = json.loads(_invoke("info", str(root), "--format", "json").output)[0]
    assert info["file_count"] == 1 and info["point_count"] == 1200

    keep_days = (dt.datetime.now(dt.UTC).date() - dt.date(2025, 3, 1)).days + 1
    kept = json.loads(_invoke("retention", str(root), "--days", str(keep_days), "--format", "json").output)
    assert kept[0]["partitions_dropped"] == []
    result = _invoke("retention", str(root), "--days", "0")
    assert result.exit_code == 0 and "dropped 1 partitions" in result.output
    assert "0 points" in _invoke("info", str(root)).output


def test_compact_while_another_writer_holds_the_lock(root):
    with Historian(root, "plant1", "bf1"):
        result = _invoke("compact", str(root))
    assert result.exit_code == 2
    assert "another process is writing" in result.output


def test_not_a_directory(tmp_path):
    result = _invoke("info", str(tmp_path / "missing"))
    assert result.exit_code == 2 and "not a directory" in result.output


def test_a_directory_that_is_not_a_historian_is_called_so(tmp_path):
    (tmp_path / "reports").mkdir()
    result = _invoke("query", str(tmp_path), "--tag", "blast_volume", "--start", "2025-03-01T00:00:00Z",
                     "--end", "2025-03-01T00:10:00Z")
    assert result.exit_code == 2
    assert "not a historian" in result.output and "--site" not in result.output


def test_a_misspelled_tag_is_named_with_the_closest_known_ones(root):
    result = _invoke("query", str(root), "--tag", "blast_volum", "--tag", "top_pressure",
                     "--start", "2025-03-01T00:00:00Z", "--end", "2025-03-01T00:10:00Z")
    assert result.exit_code == 2, result.output
    assert "unknown tags" in result.output and "blast_volum" in result.output
    assert "did you mean blast_volume" in result.output
    # a known tag without points in the window is an empty answer, not an error
    quiet = _invoke("query", str(root), "--tag", "blast_volume", "--start", "2025-03-05T00:00:00Z",
                    "--end", "2025-03-05T00:10:00Z", "--format", "json")
    assert quiet.exit_code == 0 and json.loads(quiet.output) == []


def test_check_finds_a_damaged_part_and_repair_quarantines_it(root):
    from greenmet.storage.parts import list_parts

    directory = root / "site=plant1" / "furnace=bf1"
    assert _invoke("check", str(root)).exit_code == 0
    damaged, whole = list_parts(directory / "date=2025-03-01")
    damaged.write_bytes(b"PAR1" + b"\0" * 100)
    (directory / "date=2025-03-01" / ("rollup1m-" + whole.name[len("part-"):])).unlink()
    found = _invoke("check", str(root), "--format", "json")
    assert found.exit_code == 1
    problems = {f["problem"]: f for f in json.loads(found.output)[0]["findings"]}
    assert set(problems) == {"part unreadable", "roll-up missing"}
    assert problems["part unreadable"]["path"] == f"date=2025-03-01/{damaged.name}"
    with pytest.warns(Warning):  # the query warns about the damaged part and answers from the rest
        query = _invoke("query", str(root), "--tag", "blast_volume", "--start", "2025-03-01T00:00:00Z",
                        "--end", "2025-03-01T00:10:00Z", "--format", "json")
    assert query.exit_code == 0 and len(json.loads(query.output)) == 300
    repaired = _invoke("check", str(root), "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert "moved to" in repaired.output and "roll-up rebuilt" in repaired.output
    assert (directory / "_quarantine" / f"date=2025-03-01-{damaged.name}").exists()
    assert _invoke("check", str(root)).exit_code == 0
