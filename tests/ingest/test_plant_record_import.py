"""Importing a plant's own records (greenmet ingest plant-records): all rows or none, every bad
row named with its file row, column and value."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from greenmet.cli import app
from greenmet.errors import FileFormatError, InputError, UnknownKeyError
from greenmet.ingest.plant_records import import_plant_records
from greenmet.storage.furnace_metadata import record_furnace_metadata
from greenmet.storage.parts import furnace_directory
from greenmet.storage.plant_records import plant_records_path, read_plant_records

ANALYSES = """lot_id,material,sampled_at,component,value,unit
SIN-1,sinter,2026-01-01T00:00:00Z,SiO2,5.2,%
SIN-1,sinter,2026-01-01T00:00:00Z,CaO,9.5,%
COK-1,coke,2026-01-01T00:00:00Z,ash,12.4,%
"""
CHARGES = """Charge_ID , batch_number,charged_at,material,lot_id,mass_t,operator
101,1,2026-01-01 08:00:00,coke,COK-1,11.0,Li
101,2,2026-01-01 08:00:20,sinter,SIN-1,43.2,Li
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_analyses_then_charges_in_the_plant_time_zone(tmp_path):
    root = tmp_path / "lake"
    analyses = write(tmp_path, "a.csv", ANALYSES)
    report = import_plant_records(analyses, "material_analyses", root, "demo", "BF1")
    assert report.rows == 3
    report = import_plant_records(write(tmp_path, "c.csv", CHARGES), "charges", root, "demo", "BF1",
                                  time_zone="Asia/Shanghai")
    assert report.rows == 2 and report.lots_pending_analysis == []
    charges = read_plant_records(root, "demo", "BF1", "charges")
    assert charges["charged_at"].tolist() == [pd.Timestamp("2026-01-01T00:00:00Z"),
                                              pd.Timestamp("2026-01-01T00:00:20Z")]
    assert "operator" not in charges.columns


def test_naive_times_use_the_furnaces_stored_zone_or_are_refused(tmp_path):
    root = tmp_path / "lake"
    import_plant_records(write(tmp_path, "a.csv", ANALYSES), "material_analyses", root, "demo", "BF1")
    with pytest.raises(InputError, match=r"c.csv, row 2: charged_at: time without a time zone, and no plant"):
        import_plant_records(write(tmp_path, "c.csv", CHARGES), "charges", root, "demo", "BF1")
    record_furnace_metadata(furnace_directory(root, "demo", "BF1"), time_zone="Asia/Shanghai")
    import_plant_records(tmp_path / "c.csv", "charges", root, "demo", "BF1")
    assert read_plant_records(root, "demo", "BF1", "charges")["charged_at"].min() == pd.Timestamp(
        "2026-01-01T00:00:00Z")


def test_charges_of_lots_without_analysis_are_refused_unless_allowed(tmp_path):
    root = tmp_path / "lake"
    path = write(tmp_path, "c.csv", CHARGES)
    with pytest.raises(InputError, match=r"row 2: lot_id: 2 lot\(s\) charged without an analysis"):
        import_plant_records(path, "charges", root, "demo", "BF1", time_zone="UTC")
    assert not plant_records_path(furnace_directory(root, "demo", "BF1"), "charges").exists()
    report = import_plant_records(path, "charges", root, "demo", "BF1", time_zone="UTC",
                                  allow_pending_analyses=True)
    assert report.lots_pending_analysis == ["COK-1", "SIN-1"]


@pytest.mark.parametrize(
    ("old", "new", "error", "message"),
    [
        ("43.2", "-43.2", InputError, r"c.csv, row 3: mass_t: negative mass \(got -43.2\)"),
        (",sinter,", ",ore,", UnknownKeyError, r"row 3: material: unknown charged material \(got 'ore'\)"),
        ("101,2,", "101,1,", InputError, r"row 3: charge_id, batch_number: two rows with the same key"),
        ("08:00:20", "8 o'clock", InputError, r"row 3: charged_at: not a time"),
        (",43.2,", ",,", InputError, r"row 3: mass_t: mass missing"),
    ],
)
def test_one_bad_row_refuses_the_whole_file(tmp_path, old, new, error, message):
    root = tmp_path / "lake"
    import_plant_records(write(tmp_path, "a.csv", ANALYSES), "material_analyses", root, "demo", "BF1")
    path = write(tmp_path, "c.csv", CHARGES.replace(old, new))
    with pytest.raises(error, match=message):
        import_plant_records(path, "charges", root, "demo", "BF1", time_zone="UTC")
    assert read_plant_records(root, "demo", "BF1", "charges").empty


def test_an_analysis_without_value_or_a_file_without_a_column_is_refused(tmp_path):
    root = tmp_path / "lake"
    with pytest.raises(InputError, match=r"row 3: value: analysis value missing"):
        import_plant_records(write(tmp_path, "a.csv", ANALYSES.replace("9.5", "")), "material_analyses",
                             root, "demo", "BF1")
    with pytest.raises(FileFormatError, match=r"lacks columns of material_analyses.*'unit'"):
        import_plant_records(write(tmp_path, "b.csv", "lot_id,material,sampled_at,component,value\n"),
                             "material_analyses", root, "demo", "BF1")
    assert read_plant_records(root, "demo", "BF1", "material_analyses").empty


def test_an_excel_workbook_with_date_cells(tmp_path):
    root = tmp_path / "lake"
    frame = pd.DataFrame(
        {
            "cast_id": ["C1", "C1"],
            "sampled_at": [pd.Timestamp("2026-01-01 10:00"), pd.Timestamp("2026-01-01 10:00")],
            "sample": ["hot_metal", "slag"],
            "component": ["Si", "CaO"],
            "value": [0.45, 41.0],
            "unit": ["%", "%"],
        }
    )
    path = tmp_path / "casts.xlsx"
    frame.to_excel(path, sheet_name="lab", index=False)
    import_plant_records(path, "cast_analyses", root, "demo", "BF1", sheet="lab", time_zone="Asia/Shanghai")
    stored = read_plant_records(root, "demo", "BF1", "cast_analyses")
    assert stored["sampled_at"].unique().tolist() == [pd.Timestamp("2026-01-01T02:00:00Z")]
    assert stored.set_index("component")["value"].to_dict() == {"CaO": 41.0, "Si": 0.45}


def test_cli_imports_and_reports_errors_as_json(tmp_path):
    root = tmp_path / "lake"
    runner = CliRunner()
    analyses = write(tmp_path, "a.csv", ANALYSES)
    result = runner.invoke(app, ["ingest", "plant-records", str(analyses), "--kind", "material_analyses",
                                 "--historian", str(root), "--site", "demo", "--furnace", "BF1",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"] == 3
    bad = write(tmp_path, "c.csv", CHARGES.replace("43.2", "-1"))
    result = runner.invoke(app, ["ingest", "plant-records", str(bad), "--kind", "charges", "--historian",
                                 str(root), "--site", "demo", "--furnace", "BF1", "--time-zone", "UTC",
                                 "--format", "json"])
    assert result.exit_code == 2
    error = json.loads(result.output)
    assert (error["field"], error["row"]) == ("mass_t", 3)
