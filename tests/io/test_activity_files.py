"""Reading activity data from TOML, YAML, JSON and the Excel template; errors with their location."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
import tomli_w
import yaml

from greenmet.carbon.activity import ActivityData
from greenmet.errors import FileFormatError, InputError, SuspectUnitError, UnitError, UnknownKeyError
from greenmet.i18n import label
from greenmet.io.activity_files import (
    activity_to_dict,
    read_activity,
    read_activity_dir,
    write_template,
)

ACTIVITY = {
    "installation": {"id": "plant-1", "name": "Plant 1 钢铁", "sector": "steel", "province": "Hebei"},
    "period": {"start": "2024-01-01", "end": "2024-12-31"},
    "materials": [
        {
            "material": "coking_coal",
            "direction": "in",
            "quantity": 1000.0,
            "unit": "t",
            "process": "coking",
            "role": "fuel",
        },
        {
            "material": "natural_gas",
            "direction": "in",
            "quantity": 50.0,
            "unit": "10^4 Nm3",
            "ncv": 389.31,
            "ncv_unit": "GJ/10^4 Nm3",
        },
        {
            "material": "limestone",
            "direction": "in",
            "quantity": 120.5,
            "unit": "t",
            "role": "flux",
            "carbon_content": 0.12,
        },
    ],
    "energy": [{"carrier": "electricity", "direction": "purchased", "quantity": 400.0, "unit": "MWh"}],
    "production": [{"product": "crude_steel", "quantity": 800.0, "unit": "t", "cn_code": "7206"}],
}
ALUMINIUM = {
    "installation": {"id": "al-1", "name": "Smelter", "sector": "aluminium"},
    "period": {"start": "2024-01-01", "end": "2024-12-31"},
    "reporting_year": 2024,
    "materials": [{"material": "anode", "direction": "in", "quantity": 400.0, "unit": "t"}],
    "energy": [
        {
            "carrier": "electricity",
            "direction": "purchased",
            "quantity": 13500.0,
            "unit": "MWh",
            "emission_factor": 0.8,
            "emission_factor_unit": "t/MWh",
        }
    ],
    "production": [{"product": "primary_aluminium", "quantity": 1000.0, "unit": "t", "cn_code": "7601"}],
    "aluminium": {
        "technology": "PFPB-L",
        "anode_effect_frequency": 0.05,
        "anode_effect_duration": 2.0,
        "net_anode_consumption": 0.41,
        "anode_sulphur": 0.02,
    },
}


@pytest.fixture(params=[ACTIVITY, ALUMINIUM], ids=["steel", "aluminium"])
def activity(request) -> ActivityData:
    return ActivityData.model_validate(request.param)


def _write_text(path: Path, data: dict) -> Path:
    if path.suffix == ".toml":
        path.write_text(tomli_w.dumps(data), encoding="utf-8")
    elif path.suffix == ".json":
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".toml", ".yaml", ".yml", ".json"])
def test_text_formats_read_back_the_same_activity(tmp_path, activity, suffix):
    path = _write_text(tmp_path / f"plant{suffix}", activity_to_dict(activity))
    assert read_activity(path) == activity


@pytest.mark.parametrize("language", ["en", "zh"])
def test_template_round_trips_filled_activity(tmp_path, activity, language):
    path = write_template(tmp_path / "filled.xlsx", language, activity=activity)
    assert read_activity(path) == activity


def test_template_sheets_and_headers_follow_the_language(tmp_path):
    english = openpyxl.load_workbook(write_template(tmp_path / "en.xlsx", "en"))
    chinese = openpyxl.load_workbook(write_template(tmp_path / "zh.xlsx", "zh"))
    assert english.sheetnames[:5] == ["installation", "materials", "energy", "production", "aluminium"]
    assert chinese.sheetnames[:5] == ["企业信息", "物料", "电力热力", "产品产量", "电解铝"]
    # Both languages in every header, the chosen one first.
    assert english["materials"]["A1"].value == "Material\n物料"
    assert chinese["物料"]["A1"].value == "物料\nMaterial"
    assert chinese["电力热力"]["A1"].value.startswith("能源类型")


def test_template_has_drop_downs_for_enumerations(tmp_path):
    book = openpyxl.load_workbook(write_template(tmp_path / "en.xlsx", "en"))
    validations = {
        str(rule.sqref).split(":")[0]: rule for rule in book["materials"].data_validations.dataValidation
    }
    assert validations["B2"].type == "list"  # direction
    assert validations["B2"].errorStyle in (None, "stop")  # "stop" is the OOXML default
    assert validations["F2"].type == "list"  # role
    assert validations["D2"].errorStyle == "information"  # units are suggested, not imposed
    lists = book["lists"]
    assert lists.sheet_state == "hidden"
    columns = {
        lists.cell(1, c).value: [lists.cell(r, c).value for r in range(2, 80)]
        for c in range(1, lists.max_column + 1)
    }
    assert columns["materials.direction"][:2] == ["in", "out"]
    assert "electricity" in columns["energy.carrier"]
    assert "coking_coal" in columns["materials.material"]
    energy = {str(rule.sqref).split(":")[0] for rule in book["energy"].data_validations.dataValidation}
    assert {"A2", "B2"} <= energy
    assert book["notes"]["A1"].value == label("notes_title", "en", "greenmet.carbon")


def _fill_empty_template(path: Path, language: str) -> None:
    """Fill an empty template the way a person does: typing into cells."""
    book = openpyxl.load_workbook(path)
    names = {
        key: label(f"sheet_{key}", language, "greenmet.carbon")
        for key in ("installation", "materials", "energy", "production")
    }
    installation = book[names["installation"]]
    values = {
        "id": "typed-1",
        "name": "Typed plant",
        "country": "CN",
        "sector": "steel",
        "period_start": "2025-01-01",
        "period_end": "2025-06-30",
        "reporting_year": 2025,
    }
    for row in range(2, installation.max_row + 1):
        key = installation.cell(row, 1).value
        if key in values:
            installation.cell(row, 3).value = values[key]
    materials = book[names["materials"]]
    materials.append(["coke", "in", 200, "t", "blast_furnace", "reductant"])
    materials.append([None] * 4)
    materials.append(["limestone", "in", "15.5", "t", None, "flux"])
    book[names["energy"]].append(["electricity", "purchased", 300, "MWh"])
    book[names["production"]].append(["crude_steel", 1000, "t", 7206])
    book.save(path)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_empty_template_filled_by_hand_reads(tmp_path, language):
    path = write_template(tmp_path / "empty.xlsx", language)
    _fill_empty_template(path, language)
    activity = read_activity(path)
    assert activity.installation.id == "typed-1"
    assert str(activity.period.end) == "2025-06-30"
    assert [(m.material, m.quantity, m.role) for m in activity.materials] == [
        ("coke", 200.0, "reductant"),
        ("limestone", 15.5, "flux"),
    ]
    assert activity.energy[0].quantity == 300.0
    assert activity.production[0].cn_code == "7206"
    assert activity.aluminium is None


def test_reader_accepts_either_language_in_headers(tmp_path):
    # An English template whose headers someone replaced by the Chinese labels alone.
    path = write_template(tmp_path / "en.xlsx", "en", activity=ActivityData.model_validate(ACTIVITY))
    book = openpyxl.load_workbook(path)
    sheet = book["materials"]
    for cell in sheet[1]:
        cell.value = cell.value.splitlines()[1]
    sheet.title = "物料"
    book.save(path)
    assert read_activity(path) == ActivityData.model_validate(ACTIVITY)


def _broken(tmp_path: Path, change) -> Path:
    path = write_template(tmp_path / "plant.xlsx", "en", activity=ActivityData.model_validate(ACTIVITY))
    book = openpyxl.load_workbook(path)
    change(book)
    book.save(path)
    return path


def test_missing_column_names_the_column(tmp_path):
    path = _broken(tmp_path, lambda book: book["materials"].delete_cols(3))
    with pytest.raises(
        FileFormatError,
        match=r"plant\.xlsx, sheet 'materials', row 1: quantity: the sheet lacks "
        r"a column.*Fix: add the column 'Quantity' / '数量'",
    ) as caught:
        read_activity(path)
    assert caught.value.to_dict()["sheet"] == "materials"
    assert caught.value.field == "quantity"


def test_missing_sheet_names_the_sheet(tmp_path):
    path = _broken(tmp_path, lambda book: book.remove(book["production"]))
    with pytest.raises(FileFormatError, match=r"production: the workbook lacks a sheet"):
        read_activity(path)


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "error", "message"),
    [
        (
            "materials",
            (4, 3),
            -5,
            InputError,
            r"sheet 'materials', row 4: quantity: quantity is negative \(got -5",
        ),
        (
            "materials",
            (3, 1),
            "naturalgas",
            UnknownKeyError,
            r"sheet 'materials', row 3: material: material not in .*got 'naturalgas'"
            r".*did you mean 'natural_gas'",
        ),
        ("materials", (2, 4), "Nm3", UnitError,
         r"sheet 'materials', row 2: unit: coking_coal cannot be converted from 'Nm3'"),
        (
            "materials",
            (3, 8),
            0.389,
            SuspectUnitError,
            r"sheet 'materials', row 3: ncv: ncv is 0.000999 times",
        ),
        (
            "materials",
            (2, 3),
            "1,000",
            InputError,
            r"sheet 'materials', row 2: quantity: .*number.*got '1,000'",
        ),
        (
            "energy",
            (2, 2),
            "bought",
            InputError,
            r"sheet 'energy', row 2: direction: .*'purchased' or 'sold'",
        ),
        ("production", (2, 2), 0, InputError, r"sheet 'production', row 2: quantity: production is zero"),
        (
            "installation",
            (8, 3),
            "2023-01-01",
            InputError,
            r"sheet 'installation', row 8: period_end: period has zero or negative length",
        ),
    ],
)
def test_bad_cell_names_file_sheet_row_field_and_value(tmp_path, sheet, cell, value, error, message):
    def change(book):
        book[sheet].cell(*cell).value = value

    with pytest.raises(error, match=r"plant\.xlsx, " + message) as caught:
        read_activity(_broken(tmp_path, change))
    shape = caught.value.to_dict()
    assert shape["file"].endswith("plant.xlsx")
    assert shape["sheet"] == sheet
    assert shape["row"] == cell[0]
    assert shape["fix"]


def test_text_file_errors_name_the_path_of_the_field(tmp_path):
    data = json.loads(json.dumps(ACTIVITY))
    data["materials"][1]["quantity"] = -1
    path = _write_text(tmp_path / "plant.toml", data)
    with pytest.raises(
        InputError, match=r"plant\.toml: materials\[1\]\.quantity: quantity is negative"
    ) as caught:
        read_activity(path)
    assert caught.value.to_dict()["row"] is None


def test_text_file_unknown_field_and_syntax_error(tmp_path):
    data = json.loads(json.dumps(ACTIVITY))
    data["production"][0]["tonnes"] = 5
    with pytest.raises(InputError, match=r"plant\.yaml: production\[0\]\.tonnes: .*Fix: remove this field"):
        read_activity(_write_text(tmp_path / "plant.yaml", data))
    broken = tmp_path / "broken.toml"
    broken.write_text("[installation\nid = 1\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"broken\.toml: the file does not parse as TOML"):
        read_activity(broken)
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"does not hold a table of sections"):
        read_activity(listed)


def test_unknown_suffix_and_missing_file(tmp_path):
    with pytest.raises(FileFormatError, match=r"not an activity-data file.*\.toml, \.yaml"):
        read_activity(tmp_path / "plant.csv")
    with pytest.raises(FileFormatError, match=r"file not found"):
        read_activity(tmp_path / "absent.toml")
    not_excel = tmp_path / "fake.xlsx"
    not_excel.write_text("plain text", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"fake\.xlsx: the file is not a readable Excel workbook"):
        read_activity(not_excel)


def test_read_activity_dir_reads_every_format_and_skips_lock_files(tmp_path):
    steel = ActivityData.model_validate(ACTIVITY)
    aluminium = ActivityData.model_validate(ALUMINIUM)
    _write_text(tmp_path / "a.toml", activity_to_dict(steel))
    write_template(tmp_path / "b.xlsx", "zh", activity=aluminium)
    (tmp_path / "~$b.xlsx").write_bytes(b"lock")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    assert read_activity_dir(tmp_path) == [steel, aluminium]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileFormatError, match=r"no activity-data files in the directory"):
        read_activity_dir(empty)
    with pytest.raises(FileFormatError, match=r"not a directory"):
        read_activity_dir(tmp_path / "a.toml")


# A CBAM section of the shape greenmet.carbon.cbam reads (one process, one purchased precursor).
CBAM_SECTION = {
    "processes": [
        {
            "name": "bof",
            "category": "crude_steel",
            "route": "BOF",
            "direct_emissions": 100.0,
            "goods": [{"cn_code": "7207 11 14", "quantity": 1000.0}],
            "precursors": [{"precursor": "pig", "mass": 900.0}],
        }
    ],
    "purchased_precursors": [
        {"name": "pig", "category": "pig_iron", "cn_code": "7201", "country": "CN", "use_default": True}
    ],
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_method_sections_round_trip_through_the_template(tmp_path, language):
    activity = ActivityData.model_validate({**ACTIVITY, "cbam": CBAM_SECTION})
    path = write_template(tmp_path / "cbam.xlsx", language, activity=activity)
    book = openpyxl.load_workbook(path)
    sheet = book[label("sheet_sections", language, "greenmet.carbon")]
    assert sheet["A2"].value == "cbam"
    assert "purchased_precursors:" in sheet["B2"].value
    assert read_activity(path) == activity


def test_method_section_with_broken_yaml_names_the_row(tmp_path):
    activity = ActivityData.model_validate({**ACTIVITY, "cbam": CBAM_SECTION})
    path = write_template(tmp_path / "cbam.xlsx", "en", activity=activity)
    book = openpyxl.load_workbook(path)
    book["method sections"]["B2"].value = "processes: [unclosed"
    book.save(path)
    with pytest.raises(
        FileFormatError, match=r"sheet 'method sections', row 2: cbam: the section text does not"
    ):
        read_activity(path)


def test_a_raw_pydantic_error_is_translated_with_its_row(tmp_path):
    # The activity models already raise greenmet errors; a plain pydantic ValidationError (from a
    # model that does not) must still come out as a greenmet error with its file, sheet and row.
    from pydantic import BaseModel, ValidationError

    from greenmet.errors import Location
    from greenmet.io.activity_files.relocation import _translate

    class Flow(BaseModel):
        quantity: float

    class Data(BaseModel):
        materials: list[Flow]

    data = {"materials": [{"quantity": 1.0}, {"quantity": "lots"}]}
    with pytest.raises(ValidationError) as caught:
        Data.model_validate(data)
    origins = {("materials", 1): Location("plant.xlsx", "materials", 7)}
    error = _translate(caught.value, data, Path("plant.xlsx"), origins)
    assert isinstance(error, InputError)
    assert str(error).startswith(
        "plant.xlsx, sheet 'materials', row 7: quantity: input should be a valid number"
    )
    assert error.value == "lots"
    assert error.fix.startswith("give a plain number")
