"""``_furnace.json``: one reader and one merge for the historian, ingestion and the simulator."""

from __future__ import annotations

import json

import pytest

from greenmet.errors import InputError, StorageError
from greenmet.storage import Historian
from greenmet.storage.furnace_metadata import read_furnace_metadata, record_furnace_metadata


def test_describing_tags_keeps_the_time_zone_and_the_other_tags(tmp_path):
    with Historian(tmp_path, "demo", "bf1", time_zone="Asia/Shanghai") as historian:
        assert historian.describe_tags({"blast_volume": {"unit": "Nm3/min"}})
        assert not historian.describe_tags({"blast_volume": {"unit": "Nm3/min"}})  # nothing new: no rewrite
        historian.describe_tags({"top_pressure": {"unit": "kPa"}})
        directory = historian.directory
    metadata = read_furnace_metadata(directory)
    assert metadata["time_zone"] == "Asia/Shanghai"
    assert metadata["tags"] == {"blast_volume": {"unit": "Nm3/min"}, "top_pressure": {"unit": "kPa"}}
    # A second writer (the simulator's bulk writer) adds its tags without dropping these.
    record_furnace_metadata(
        directory, time_zone="Asia/Shanghai", tags={"hot_blast_temperature": {"unit": "degC"}}
    )
    assert set(read_furnace_metadata(directory)["tags"]) == {
        "blast_volume",
        "top_pressure",
        "hot_blast_temperature",
    }


def test_another_time_zone_is_refused_with_the_callers_fix(tmp_path):
    record_furnace_metadata(tmp_path, time_zone="Asia/Shanghai")
    with pytest.raises(InputError, match=r"stored time zone is 'Asia/Shanghai'.*use another --out"):
        record_furnace_metadata(tmp_path, time_zone="UTC", time_zone_fix="use another --out")
    assert (
        json.loads((tmp_path / "_furnace.json").read_text(encoding="utf-8"))["time_zone"] == "Asia/Shanghai"
    )


@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_a_damaged_metadata_file_names_the_file_and_the_fix(tmp_path, text):
    (tmp_path / "_furnace.json").write_text(text, encoding="utf-8")
    with pytest.raises(StorageError, match=r"_furnace\.json.*repair or delete _furnace\.json"):
        record_furnace_metadata(tmp_path, tags={"a": {}})
