"""Plant records beside the historian (greenmet.storage.plant_records): schema, validation,
atomic merge, reader with a time window."""

from __future__ import annotations

import threading

import pandas as pd
import pyarrow.parquet as pq
import pytest

from greenmet.errors import InputError, StorageError, UnknownKeyError
from greenmet.storage.parts import furnace_directory
from greenmet.storage.plant_records import (
    KINDS,
    PLANT_RECORD_COLUMNS,
    PLANT_RECORD_SCHEMAS,
    plant_records_path,
    read_plant_records,
    validate_plant_records,
    write_plant_records,
)


def charges(charge_id: str = "7", **changes) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "charge_id": [charge_id, charge_id],
            "batch_number": [1, 2],
            "charged_at": ["2026-01-01T08:00:00Z", "2026-01-01T16:00:20+08:00"],
            "material": ["coke", "sinter"],
            "lot_id": ["COK-1", "SIN-1"],
            "mass_t": [11.0, 43.2],
        }
    )
    return frame.assign(**changes)


def test_records_round_trip_with_the_contract_schema_and_a_time_window(tmp_path):
    directory = furnace_directory(tmp_path, "demo", "BF1")
    path = write_plant_records(directory, "charges", charges())
    assert path == directory / "_charges.parquet"
    assert pq.read_schema(path).remove_metadata() == PLANT_RECORD_SCHEMAS["charges"]
    everything = read_plant_records(tmp_path, "demo", "BF1", "charges")
    assert list(everything.columns) == list(PLANT_RECORD_COLUMNS["charges"])
    # +08:00 is converted: both batches are at 08:00 UTC, 20 s apart
    assert everything["charged_at"].tolist() == [
        pd.Timestamp("2026-01-01T08:00:00Z"),
        pd.Timestamp("2026-01-01T08:00:20Z"),
    ]
    window = read_plant_records(tmp_path, "demo", "BF1", "charges", start="2026-01-01T08:00:10Z",
                                end="2026-01-01T09:00:00Z")
    assert window["material"].tolist() == ["sinter"]
    assert read_plant_records(tmp_path, "demo", "BF1", "charges", end="2026-01-01T08:00:00Z").empty


def test_a_kind_never_written_reads_as_an_empty_frame_with_its_columns(tmp_path):
    for kind in KINDS:
        frame = read_plant_records(tmp_path, "demo", "BF1", kind)
        assert frame.empty and list(frame.columns) == list(PLANT_RECORD_COLUMNS[kind])


def test_a_row_with_a_stored_key_replaces_it_and_others_are_kept(tmp_path):
    directory = furnace_directory(tmp_path, "demo", "BF1")
    write_plant_records(directory, "charges", charges())
    write_plant_records(directory, "charges", charges().iloc[[1]].assign(mass_t=44.0))
    write_plant_records(directory, "charges", charges("8"))
    stored = read_plant_records(tmp_path, "demo", "BF1", "charges")
    assert len(stored) == 4
    assert stored.loc[(stored.charge_id == "7") & (stored.batch_number == 2), "mass_t"].item() == 44.0


def test_two_writers_at_once_lose_no_rows(tmp_path):
    directory = furnace_directory(tmp_path, "demo", "BF1")
    errors: list[BaseException] = []

    def write(first: int) -> None:
        try:
            for number in range(first, first + 15):
                write_plant_records(directory, "charges", charges(str(number)))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(first,)) for first in (0, 100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(read_plant_records(tmp_path, "demo", "BF1", "charges")) == 60


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"material": ["coke", "unobtainium"]}, UnknownKeyError, r"row 2: material: unknown charged"),
        ({"material": ["coke", "coal"]}, UnknownKeyError, r"unknown charged material \(got 'coal'\)"),
        ({"mass_t": [11.0, -1.0]}, InputError, r"row 2: mass_t: negative mass"),
        ({"mass_t": [11.0, None]}, InputError, r"mass_t: mass missing"),
        ({"charged_at": ["2026-01-01 08:00", "2026-01-01T08:00:20Z"]}, InputError, "without a time zone"),
        ({"charged_at": ["yesterday", "2026-01-01T08:00:20Z"]}, InputError, "not a time"),
        ({"batch_number": [1, 1]}, InputError, "two rows with the same key"),
        ({"batch_number": [1, 1.5]}, InputError, "not a whole number"),
        ({"lot_id": ["COK 1", "SIN-1"]}, InputError, "malformed lot id"),
        ({"lot_id": ["COK-1", ""]}, InputError, "lot id missing"),
    ],
)
def test_bad_records_are_refused_naming_the_row_field_and_value(changes, error, message, tmp_path):
    with pytest.raises(error, match=message):
        write_plant_records(tmp_path, "charges", charges(**changes), source="charges.csv")
    assert not plant_records_path(tmp_path, "charges").exists(), "nothing is written when a row is bad"


def test_analyses_need_a_value_a_known_sample_and_a_unit_that_parses():
    good = pd.DataFrame({"cast_id": ["1"], "sampled_at": ["2026-01-01T02:00:00Z"], "sample": ["slag"],
                         "component": ["CaO"], "value": [41.0], "unit": ["%"]})
    assert validate_plant_records("cast_analyses", good)["value"].item() == 41.0
    with pytest.raises(InputError, match="analysis value missing"):
        validate_plant_records("cast_analyses", good.assign(value=[None]))
    with pytest.raises(UnknownKeyError, match="unknown sample"):
        validate_plant_records("cast_analyses", good.assign(sample=["steel"]))
    with pytest.raises(InputError, match="unit does not parse"):
        validate_plant_records("cast_analyses", good.assign(unit=["percent of nothing"]))
    with pytest.raises(InputError, match="lack columns"):
        validate_plant_records("cast_analyses", good.drop(columns=["sample"]))


def test_destinations_may_lack_a_heat_but_not_arrive_before_they_were_filled():
    row = pd.DataFrame({"cast_id": ["1"], "vessel_id": ["TPC-01"], "vessel_kind": ["torpedo"],
                        "mass_t": [260.0],
                        "filled_at": ["2026-01-01T02:00:00Z"], "steelmaking_heat_id": [None],
                        "delivered_at": ["2026-01-01T03:00:00Z"]})
    checked = validate_plant_records("hot_metal_destinations", row)
    assert checked["steelmaking_heat_id"].isna().all()
    assert validate_plant_records("hot_metal_destinations", row.drop(columns=["delivered_at"]))[
        "delivered_at"].isna().all()
    with pytest.raises(InputError, match="delivered before it was tapped"):
        validate_plant_records("hot_metal_destinations", row.assign(delivered_at=["2026-01-01T01:00:00Z"]))
    with pytest.raises(UnknownKeyError, match="unknown vessel kind"):
        validate_plant_records("hot_metal_destinations", row.assign(vessel_kind=["bucket"]))


def test_unknown_kind_and_naive_window_are_refused(tmp_path):
    with pytest.raises(UnknownKeyError, match="no such kind of plant record"):
        read_plant_records(tmp_path, "demo", "BF1", "charge")
    with pytest.raises(InputError, match="start: time without a time zone"):
        read_plant_records(tmp_path, "demo", "BF1", "charges", start="2026-01-01")


def test_an_unreadable_file_is_a_storage_error_naming_it(tmp_path):
    directory = furnace_directory(tmp_path, "demo", "BF1")
    directory.mkdir(parents=True)
    (directory / "_charges.parquet").write_bytes(b"not parquet")
    with pytest.raises(StorageError, match="_charges.parquet"):
        read_plant_records(tmp_path, "demo", "BF1", "charges")
    with pytest.raises(StorageError, match="cannot merge"):
        write_plant_records(directory, "charges", charges())
