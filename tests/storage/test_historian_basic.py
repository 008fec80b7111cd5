"""Historian writes: parts in the contract layout, flush, reopen."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
from storage_helpers import make_points, read_all

from greenmet.storage import Historian


def test_write_flush_produces_contract_layout(tmp_path):
    frame = make_points(seconds=30)
    with Historian(tmp_path, "plant1", "bf2", time_zone="Asia/Shanghai") as historian:
        receipt = historian.write(frame)
        assert receipt.points == 60
        assert historian.buffered_points == 60
        historian.flush()
        assert historian.buffered_points == 0
    directory = tmp_path / "site=plant1" / "furnace=bf2"
    parts = list(directory.glob("date=2025-03-01/part-*.parquet"))
    assert len(parts) == 1
    table = pq.read_table(parts[0])
    assert table.schema.field("ts").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("quality").type == pa.uint8()
    assert table.column("tag").to_pylist() == sorted(table.column("tag").to_pylist())
    assert pq.ParquetFile(parts[0]).metadata.row_group(0).column(0).compression == "ZSTD"
    assert json.loads((directory / "_furnace.json").read_text())["time_zone"] == "Asia/Shanghai"
    stored = read_all(directory)
    assert len(stored) == 60
    expected = frame.sort_values(["tag", "ts"], ignore_index=True)
    assert stored["value"].tolist() == expected["value"].tolist()
    assert (stored["ts"] == expected["ts"]).all()
