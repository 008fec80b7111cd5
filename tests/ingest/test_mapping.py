"""Mapping files: valid YAML and CSV, and every kind of bad file with a message naming row and fix."""

from __future__ import annotations

import pandas as pd
import pytest

from greenmet.errors import FileFormatError, InputError, UnitError, UnknownKeyError
from greenmet.ingest.mapping import HEALTH_TAGS, MappingRow, TagMap, catalogue_from, load_mapping

CATALOGUE = pd.DataFrame({
    "tag": ["blast_volume", "blast_temperature", "top_pressure"],
    "unit": ["Nm3/min", "degC", "kPa"],
    "low": [0.0, 0.0, 0.0],
    "high": [10000.0, 1400.0, 400.0],
})


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_mapping_converts_units_and_ranges(tmp_path):
    path = _write(tmp_path, "m.yaml", """
site: demo
furnace: bf1
time_zone: Asia/Shanghai
tags:
  - {vendor_tag: FI1021.PV, tag: blast_volume, unit: "Nm3/h", low: 0, high: 360000}
  - {vendor_tag: TI1030.PV, tag: blast_temperature, unit: degF}
  - {vendor_tag: PI2001.RAW, tag: top_pressure, unit: MPa, scale: 0.001, offset: 0.0, furnace: bf2}
""")
    mapping = load_mapping(path, CATALOGUE)
    assert len(mapping) == 3 and mapping.time_zone == "Asia/Shanghai"
    factor, shift = mapping.linear("FI1021.PV")
    assert factor == pytest.approx(1 / 60) and shift == 0.0
    assert mapping.range("FI1021.PV") == (pytest.approx(0.0), pytest.approx(6000.0))
    factor, shift = mapping.linear("TI1030.PV")
    # degF -> degC: (F - 32) * 5/9, so 212 degF is 100 degC.
    assert factor * 212 + shift == pytest.approx(100.0)
    assert mapping.range("TI1030.PV") == (0.0, 1400.0)  # the catalogue's range, already in degC
    factor, shift = mapping.linear("PI2001.RAW")
    assert factor * 250 + shift == pytest.approx(250.0)  # 250 counts * 0.001 MPa = 250 kPa
    assert mapping.destinations() == [("demo", "bf1"), ("demo", "bf2")]
    assert mapping.row("PI2001.RAW").furnace == "bf2"
    assert list(mapping.to_frame().columns)[:3] == ["vendor_tag", "tag", "site"]


def test_csv_mapping_with_defaults_from_the_caller(tmp_path):
    path = _write(tmp_path, "m.csv", "vendor_tag,tag,unit,low,high\n"
                                     "FI1021.PV,blast_volume,Nm3/min,,\n"
                                     "\n"
                                     "TI1030.PV,blast_temperature,K,300,1700\n")
    mapping = load_mapping(path, CATALOGUE, site="demo", furnace="bf1")
    assert list(mapping) == ["FI1021.PV", "TI1030.PV"]
    low, high = mapping.range("TI1030.PV")
    assert (low, high) == (pytest.approx(26.85), pytest.approx(1426.85))
    assert mapping.range("FI1021.PV") == (0.0, 10000.0)


@pytest.mark.parametrize("text, error, message", [
    ("vendor_tag,tag,unit\nA,blast_volume,Nm3/min\nA,top_pressure,kPa\n", FileFormatError,
     r"m.csv, row 3: vendor_tag: vendor tag mapped twice \(first in row 2\).*keep one row"),
    ("vendor_tag,tag,unit\nA,blast_volum,Nm3/min\n", UnknownKeyError,
     r"row 2: tag: tag is not in the tag catalogue.*did you mean blast_volume"),
    ("vendor_tag,tag,unit\nA,blast_volume,kg\n", UnitError,
     r"row 2: unit: unit 'kg' of vendor tag 'A' does not convert to 'Nm3/min'"),
    ("vendor_tag,tag,unit\nA,blast_volume,furlongs per fortnight squared\n", UnitError, r"row 2: unit"),
    ("vendor_tag,tag\nA,blast_volume\n", FileFormatError, r"row 1: columns: the mapping file lacks columns"),
    ("vendor_tag,tag,unit,colour\nA,blast_volume,Nm3/min,red\n", FileFormatError, r"unknown columns.*colour"),
    ("vendor_tag,tag,unit,low\nA,blast_volume,Nm3/min,lots\n", FileFormatError,
     r"row 2: low: invalid mapping row.*correct 'low'"),
    ("vendor_tag,tag,unit\nA,Blast Volume,Nm3/min\n", FileFormatError, r"row 2: tag: invalid mapping row"),
    ("vendor_tag,tag,unit\nA,blast_volume,Nm3/min,extra\n", FileFormatError,
     r"row 2.*more cells than the header"),
    ("vendor_tag,tag,unit,low,high\nA,blast_volume,Nm3/min,10,5\n", FileFormatError,
     r"row 2: low: low is above"),
    ("vendor_tag,tag,unit\nA,blast_volume,Nm3/min\nB,blast_volume,Nm3/h\n", FileFormatError,
     r"row 3: tag: two vendor tags write 'blast_volume' of demo/bf1 \(first in row 2\)"),
    ("vendor_tag,tag,unit\n", FileFormatError, r"the mapping has no rows"),
])
def test_bad_csv_mappings_name_the_row_and_the_fix(tmp_path, text, error, message):
    path = _write(tmp_path, "m.csv", text)
    with pytest.raises(error, match=message):
        load_mapping(path, CATALOGUE, site="demo", furnace="bf1")


def test_missing_site_names_the_fix(tmp_path):
    path = _write(tmp_path, "m.csv", "vendor_tag,tag,unit\nA,blast_volume,Nm3/min\n")
    with pytest.raises(FileFormatError, match=r"row 2: site: .*add the column 'site'"):
        load_mapping(path, CATALOGUE)


@pytest.mark.parametrize("text, message", [
    ("tags: [\n  {vendor_tag: A\n", r"not valid YAML"),
    ("site: demo\n", r"needs a list under 'tags'"),
    ("site: demo\nfurnace: bf1\ncolour: red\ntags: []\n", r"unknown keys.*colour"),
    ("site: demo\nfurnace: bf1\ntags:\n  - just a string\n", r"row 4: tags: a mapping row must be a table"),
    ("site: demo\nfurnace: bf1\ntags:\n  - {vendor_tag: A, tag: blast_volume, unit: Nm3/min, colour: red}\n",
     r"row 4: colour: .*remove 'colour'"),
])
def test_bad_yaml_mappings(tmp_path, text, message):
    with pytest.raises(FileFormatError, match=message):
        load_mapping(_write(tmp_path, "m.yaml", text), CATALOGUE)


def test_an_unknown_time_zone_is_refused_at_the_check(tmp_path):
    # Before: the check passed and only the import refused the zone.
    text = ("site: demo\nfurnace: bf1\ntime_zone: Asia/Shanghia\n"
            "tags:\n  - {vendor_tag: A, tag: blast_volume, unit: Nm3/min}\n")
    with pytest.raises(InputError, match=r"row 3: time_zone: unknown time zone.*did you mean Asia/Shanghai"):
        load_mapping(_write(tmp_path, "m.yaml", text), CATALOGUE)
    with pytest.raises(InputError, match="unknown time zone"):
        row = MappingRow(vendor_tag="X", tag="blast_volume", unit="Nm3/min", site="s", furnace="f")
        TagMap.from_rows([row], CATALOGUE, time_zone="Mars/Olympus")


def test_file_problems(tmp_path):
    with pytest.raises(FileFormatError, match="mapping file not found"):
        load_mapping(tmp_path / "absent.yaml", CATALOGUE)
    with pytest.raises(FileFormatError, match="unknown mapping file type.*yaml"):
        load_mapping(_write(tmp_path, "m.txt", "x"), CATALOGUE)
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(FileFormatError, match="cannot read the mapping file.*UTF-8"):
        load_mapping(tmp_path / "bin.csv", CATALOGUE)


def test_catalogue_shapes_and_health_tags():
    specs = catalogue_from({"blast_volume": "Nm3/min"})
    assert specs["blast_volume"].unit == "Nm3/min"
    assert set(HEALTH_TAGS) <= set(specs)
    with pytest.raises(FileFormatError, match="lacks columns"):
        catalogue_from(pd.DataFrame({"tag": ["a"]}))
    with pytest.raises(FileFormatError, match="table or a mapping"):
        catalogue_from(["blast_volume"])


def test_from_rows_and_unknown_vendor_tag():
    mapping = TagMap.from_rows([MappingRow(vendor_tag="X", tag="blast_volume", unit="Nm3/min", site="s",
                                           furnace="f")], CATALOGUE)
    assert "X" in mapping and mapping.spec("X").unit == "Nm3/min"
    with pytest.raises(UnknownKeyError, match="vendor tag not in the mapping.*did you mean X"):
        mapping.linear("X1")
