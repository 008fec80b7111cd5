"""File import: layouts, formats, time zones and every kind of bad row, read back from the historian."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from greenmet.errors import FileFormatError, InputError, UnknownKeyError
from greenmet.ingest.files import detect_layout, import_file, read_points
from greenmet.ingest.mapping import load_mapping
from greenmet.storage.manifest import snapshot

CATALOGUE = pd.DataFrame(
    {
        "tag": ["blast_volume", "blast_temperature", "top_pressure"],
        "unit": ["Nm3/min", "degC", "kPa"],
        "low": [0.0, 0.0, 0.0],
        "high": [10000.0, 1400.0, 400.0],
    }
)

MAPPING = """
site: demo
furnace: bf1
time_zone: Europe/Berlin
tags:
  - {vendor_tag: FI1021.PV, tag: blast_volume, unit: "Nm3/h", low: 0, high: 360000}
  - {vendor_tag: TI1030.PV, tag: blast_temperature, unit: degC}
  - {vendor_tag: PI2001.PV, tag: top_pressure, unit: MPa, furnace: bf2}
"""


@pytest.fixture
def mapping(tmp_path):
    path = tmp_path / "mapping.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    return load_mapping(path, CATALOGUE)


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _stored(root, furnace="bf1"):
    files = snapshot(Path(root) / "site=demo" / f"furnace={furnace}").parts  # the live parts
    if not files:
        return pd.DataFrame(columns=["ts", "tag", "value", "quality"])
    table = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return table.sort_values(["tag", "ts"]).reset_index(drop=True)


@pytest.mark.parametrize("chunk_rows", [3, 1000])
def test_wide_csv_with_every_kind_of_bad_cell(tmp_path, mapping, chunk_rows):
    # Europe/Berlin leaves summer time on 2025-10-26 at 03:00 CEST -> 02:00 CET: 02:00-02:59 twice.
    path = _write(
        tmp_path,
        "wide.csv",
        (
            "Timestamp,FI1021.PV,TI1030.PV,XX.PV\n"
            "2025-10-26 01:59:00,300000,1150,1\n"  # 23:59 UTC
            "2025-10-26 02:00:00,300060,abc,1\n"  # first 02:00 (CEST) = 00:00 UTC; 'abc' wrong type
            "2025-10-26 02:30:00,,1151,1\n"  # 00:30 UTC; empty cell: no sample
            "2025-10-26 02:00:00,300120,1152,1\n"  # second 02:00 (CET) = 01:00 UTC
            "2025-10-26 02:30:00,300180,NaN,1\n"  # 01:30 UTC; NaN
            "2025-10-26 03:00:00,999999,1153,1\n"  # 02:00 UTC; 16 667 Nm3/min is out of range
            "2025-10-26 02:10:00,300000,1153,1\n"  # the clock jumped back: 01:10 UTC, out of order
            "2025-10-26 03:00:00,300300,1153,1\n"  # same instant again: volume differs, temperature same
        ),
    )
    report = import_file(path, mapping, tmp_path / "hist", chunk_rows=chunk_rows)
    assert report.layout == "wide" and report.rows_read == 8
    assert report.unmapped == ["XX.PV"] and report.destinations == ["demo/bf1"]
    assert (report.wrong_type, report.missing, report.empty_cells) == (1, 1, 1)
    assert report.out_of_order == 2  # both tags at 02:10 local
    assert report.out_of_range == 1
    assert (report.duplicates_dropped, report.duplicates_conflicting) == (1, 1)
    assert report.ambiguous_time == 9  # cells in the repeated hour: 02:00, 02:30, 02:00, 02:30, 02:10
    # In chunks of 3 rows the two 03:00 rows fall in different chunks: both go to the historian,
    # whose merge keeps the last; in one chunk the import folds them itself. Stored data are equal.
    assert report.points_written == (14 if chunk_rows == 3 else 13)

    stored = _stored(tmp_path / "hist")
    utc = pd.to_datetime(
        [
            "2025-10-25 23:59",
            "2025-10-26 00:00",
            "2025-10-26 00:30",
            "2025-10-26 01:00",
            "2025-10-26 01:10",
            "2025-10-26 01:30",
            "2025-10-26 02:00",
        ],
        utc=True,
    )
    temperature = stored[stored["tag"] == "blast_temperature"]
    assert list(temperature["ts"]) == list(utc)
    np.testing.assert_array_equal(temperature["value"], [1150, np.nan, 1151, 1152, 1153, np.nan, 1153])
    assert temperature["quality"].tolist() == [0, 128, 64, 64, 64, 128, 0]
    volume = stored[stored["tag"] == "blast_volume"]
    assert list(volume["ts"]) == [utc[0], utc[1], utc[3], utc[4], utc[5], utc[6]]
    # Nm3/h -> Nm3/min; the conflicting duplicate at 02:00 UTC keeps the last value, marked uncertain.
    np.testing.assert_allclose(volume["value"], [5000, 5001, 5002, 5000, 5003, 5005])
    assert volume["quality"].tolist() == [0, 64, 64, 64, 64, 64]


def test_long_csv_with_a_quality_column_and_offsets(tmp_path, mapping):
    path = _write(
        tmp_path,
        "long.csv",
        (
            "time,tagname,value,status\n"
            "2025-03-01T08:00:00+08:00,FI1021.PV,300000,Good\n"
            "2025-03-01T08:00:00+08:00,PI2001.PV,0.25,Good\n"
            "2025-03-01T08:00:10+08:00,FI1021.PV,,Bad\n"
            "2025-03-01T08:00:10+08:00,PI2001.PV,0.26,Uncertain\n"
            "2025-03-01T08:00:20+08:00,ZZ.PV,1,Good\n"
        ),
    )
    assert detect_layout(["time", "tagname", "value", "status"], mapping) == "long"
    report = import_file(path, mapping, tmp_path / "hist")
    assert report.layout == "long" and report.unmapped == ["ZZ.PV"]
    assert report.destinations == ["demo/bf1", "demo/bf2"]
    bf1, bf2 = _stored(tmp_path / "hist"), _stored(tmp_path / "hist", "bf2")
    assert bf1["ts"].tolist() == list(
        pd.to_datetime(["2025-03-01 00:00:00", "2025-03-01 00:00:10"], utc=True)
    )
    assert bf1["quality"].tolist() == [0, 128] and np.isnan(bf1["value"].iloc[1])
    np.testing.assert_allclose(bf2["value"], [250.0, 260.0])  # MPa -> kPa
    assert bf2["quality"].tolist() == [0, 64]


def test_parquet_and_excel_exports(tmp_path, mapping):
    times = pd.date_range("2025-03-01 08:00", periods=4, freq="10s", tz="Asia/Shanghai")
    frame = pd.DataFrame(
        {
            "timestamp": times,
            "FI1021.PV": [300000.0, 300060, np.nan, 300120],
            "TI1030.PV": [1150.0, 1151, 1152, 1153],
        }
    )
    frame.to_parquet(tmp_path / "export.parquet")
    report = import_file(tmp_path / "export.parquet", mapping, tmp_path / "hist_pq")
    assert report.points_written == 7 and report.missing == 0  # the NaN cell of a wide file is no sample
    stored = _stored(tmp_path / "hist_pq")
    assert stored["ts"].min() == pd.Timestamp("2025-03-01 00:00", tz="UTC")

    excel = frame.assign(timestamp=times.tz_localize(None), **{"TI1030.PV": [1150, "Bad", 1152, 1153]})
    excel.to_excel(tmp_path / "export.xlsx", index=False)
    report = import_file(tmp_path / "export.xlsx", mapping, tmp_path / "hist_xl", time_zone="Asia/Shanghai")
    assert report.wrong_type == 1 and report.points_written == 7
    stored = _stored(tmp_path / "hist_xl")
    assert stored["ts"].min() == pd.Timestamp("2025-03-01 00:00", tz="UTC")
    assert (stored["quality"] == 128).sum() == 1


def test_progress_is_reported_per_chunk(tmp_path, mapping):
    lines = "".join(f"2025-03-01 08:00:{second:02d},{300000 + second}\n" for second in range(10))
    path = _write(tmp_path, "w.csv", "ts,FI1021.PV\n" + lines)
    calls = []
    import_file(
        path, mapping, tmp_path / "hist", chunk_rows=4, on_progress=lambda done, total: calls.append(done)
    )
    assert calls == [4, 8, 10]


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "ts,FI1021.PV\n2025-03-01 08:00,1\nyesterday,2\n",
            r"wide.csv, row 3: ts: missing or unparsable timestamp",
        ),
        ("ts,FI1021.PV\n2025-03-30 02:30,1\n", r"row 2: ts: this local time does not exist in Europe/Berlin"),
        (
            "ts,FI1021.PV\n2025-03-01T08:00+01:00,1\n2025-03-01 09:00,2\n",
            r"row 3: ts: some timestamps carry a UTC offset and some do not",
        ),
        ("ts,FI1021.PV\n2999-01-01 00:00,1\n", r"row 2: ts: timestamp more than a day in the future"),
        ("ts,AA,BB\n2025-03-01 08:00,1,2\n", r"row 1: columns: no column of the file is a vendor tag"),
        ("ts,FI1021.PV\n", r"the file has no data rows"),
        ("ts,FI1021.PV\n45000.5,1\n", r"row 2: ts: the time column holds numbers"),
    ],
)
def test_rows_that_cannot_become_points_stop_with_row_and_fix(tmp_path, mapping, text, message):
    with pytest.raises((FileFormatError, UnknownKeyError), match=message):
        import_file(_write(tmp_path, "wide.csv", text), mapping, tmp_path / "hist")


def test_naive_timestamps_need_a_time_zone(tmp_path):
    path = _write(tmp_path, "m.csv", "vendor_tag,tag,unit\nFI1021.PV,blast_volume,Nm3/min\n")
    plain = load_mapping(path, CATALOGUE, site="demo", furnace="bf1")
    export = _write(tmp_path, "w.csv", "ts,FI1021.PV\n2025-03-01 08:00,1\n")
    with pytest.raises(FileFormatError, match=r"timestamps have no time zone.*--time-zone"):
        import_file(export, plain, tmp_path / "hist")
    with pytest.raises(InputError, match="unknown time zone"):
        import_file(export, plain, tmp_path / "hist", time_zone="Mars/Olympus")
    report = import_file(export, plain, tmp_path / "hist", time_zone="UTC")
    assert report.points_written == 1


def test_long_layout_options_and_strict(tmp_path, mapping):
    path = _write(
        tmp_path, "l.csv", "when,point,reading\n2025-03-01 08:00,FI1021.PV,1\n2025-03-01 08:00,QQ,2\n"
    )
    with pytest.raises(FileFormatError, match="a long export needs a value column.*--value-column"):
        import_file(path, mapping, tmp_path / "hist", layout="long")
    with pytest.raises(UnknownKeyError, match="not in the mapping.*without --strict"):
        import_file(path, mapping, tmp_path / "hist", layout="long", value_column="reading", strict=True)
    report = import_file(
        path, mapping, tmp_path / "hist", layout="long", time_column="when", value_column="reading"
    )
    assert report.points_written == 1 and report.unmapped == ["QQ"]
    with pytest.raises(FileFormatError, match="no such time column"):
        import_file(path, mapping, tmp_path / "hist", time_column="clock")


def test_file_problems(tmp_path, mapping):
    with pytest.raises(FileFormatError, match="file not found"):
        list(read_points(tmp_path / "absent.csv", mapping))
    with pytest.raises(FileFormatError, match="unknown export type"):
        list(read_points(_write(tmp_path, "x.json", "{}"), mapping))
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(FileFormatError, match="Parquet file does not read"):
        list(read_points(tmp_path / "broken.parquet", mapping))
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    # A broken workbook is the file's fault, not the sheet's: the fix must not send the user to --sheet.
    with pytest.raises(FileFormatError, match="not a readable Excel workbook") as broken:
        list(read_points(tmp_path / "broken.xlsx", mapping))
    assert broken.value.field == "file" and "--sheet" not in broken.value.fix


def test_a_missing_sheet_names_the_sheets_there_are(tmp_path, mapping):
    path = tmp_path / "export.xlsx"
    pd.DataFrame({"ts": ["2025-03-01 08:00:00"], "TI1030.PV": [1150.0]}).to_excel(
        path, sheet_name="Data", index=False
    )
    with pytest.raises(FileFormatError, match=r"no such sheet.*give one of the sheets with --sheet: Data"):
        list(read_points(path, mapping, sheet="Daten"))
    with pytest.raises(FileFormatError, match="no such sheet number"):
        list(read_points(path, mapping, sheet=3))


def test_a_file_without_a_time_column_is_refused_not_read_as_years(tmp_path, mapping):
    # Before: the first value column was taken as the time and 1150 became the year 1150.
    path = _write(tmp_path, "notime.csv", "TI1030.PV,FI1021.PV\n1150,300000\n1151,300100\n")
    with pytest.raises(FileFormatError, match=r"no time column.*--time-column") as error:
        import_file(path, mapping, tmp_path / "hist")
    assert error.value.location.row == 1
    assert not (tmp_path / "hist").exists()
    # An unnamed first column of numbers is no time column either.
    path = _write(tmp_path, "unnamed.csv", "x,TI1030.PV\n2025,1150\n2026,1151\n")
    with pytest.raises(FileFormatError, match="no time column"):
        list(read_points(path, mapping))
    # An unnamed first column of dates still is.
    path = _write(tmp_path, "dates.csv", "x,TI1030.PV\n2025-03-01 08:00,1150\n")
    assert sum(len(p) for batch in read_points(path, mapping) for p in batch.values()) == 1


def test_a_reset_source_clock_names_file_and_row_and_creates_nothing(tmp_path, mapping):
    path = _write(
        tmp_path,
        "old.csv",
        "Timestamp,TI1030.PV\n2025-03-01 08:00:00,1150\n1900-01-01 00:00:00,1151\n",
    )
    # Before: "row 0", no file name, a fix naming a keyword the CLI has not, and an empty historian.
    with pytest.raises(FileFormatError, match=r"old\.csv, row 3: Timestamp: timestamp before 2000") as error:
        import_file(path, mapping, tmp_path / "hist")
    assert "--earliest" in error.value.fix
    assert not (tmp_path / "hist").exists()
    # With an earlier bound the archive imports.
    import datetime as dt

    report = import_file(path, mapping, tmp_path / "hist", earliest=dt.datetime(1890, 1, 1, tzinfo=dt.UTC))
    assert report.points_written == 2 and len(_stored(tmp_path / "hist")) == 2


def test_a_bad_row_late_in_the_file_stores_nothing(tmp_path, mapping):
    # Before: the chunks before the bad row were written and acknowledged, silently.
    good = "".join(f"2025-03-01 08:{m:02d}:{s:02d},{1150 + s}\n" for m in range(10) for s in range(60))
    path = _write(tmp_path, "late.csv", "ts,TI1030.PV\n" + good + "garbage,1\n")
    with pytest.raises(FileFormatError, match=r"row 602: ts: missing or unparsable timestamp"):
        import_file(path, mapping, tmp_path / "hist", chunk_rows=50)
    assert not (tmp_path / "hist").exists()
    assert not list(tmp_path.glob(".greenmet-import-*"))  # the spool is gone too
    # An existing historian keeps what it had and gains nothing from the failed file.
    first = _write(tmp_path, "first.csv", "ts,TI1030.PV\n2025-02-01 08:00:00,1100\n")
    import_file(first, mapping, tmp_path / "hist")
    with pytest.raises(FileFormatError):
        import_file(path, mapping, tmp_path / "hist", chunk_rows=50)
    assert _stored(tmp_path / "hist")["value"].tolist() == [1100.0]


def test_importing_the_same_file_twice_stores_each_point_once(tmp_path, mapping):
    # What makes "run it again" the recovery for an import killed while writing.
    path = _write(tmp_path, "w.csv", "ts,TI1030.PV\n2025-03-01 08:00,1150\n2025-03-01 08:00:10,1151\n")
    import_file(path, mapping, tmp_path / "hist")
    import_file(path, mapping, tmp_path / "hist")
    from greenmet.storage import Historian

    with Historian(tmp_path / "hist", "demo", "bf1") as historian:
        historian.flush()
    assert _stored(tmp_path / "hist")["value"].tolist() == [1150.0, 1151.0]


def test_a_row_repeated_across_a_chunk_boundary_is_folded(tmp_path, mapping):
    path = _write(
        tmp_path,
        "w.csv",
        "ts,TI1030.PV\n2025-03-01 08:00,1150\n2025-03-01 08:00:10,1151\n"
        "2025-03-01 08:00:10,1151\n2025-03-01 08:00:20,1152\n",
    )
    report = import_file(path, mapping, tmp_path / "hist", chunk_rows=2)
    assert report.duplicates_dropped == 1 and report.points_written == 3
    assert _stored(tmp_path / "hist")["quality"].tolist() == [0, 0, 0]
