"""Furnace-chief reports end to end: a simulated shift read from the historian's roll-ups, files
written in both languages and formats, rows recorded in ``reports``, queries and the schedule."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import openpyxl
import pandas as pd
import pytest

from greenmet.blast_furnace.simulator import preset
from greenmet.errors import InputError
from greenmet.monitoring.health import day_period, health_check, shift_period
from greenmet.simulation.history import write_history
from greenmet.storage.furnace_period import (
    furnace_time_zone,
    read_casts,
    read_period_alerts,
    read_period_data,
)
from greenmet.storage.furnace_reports import (
    due_periods,
    list_reports,
    make_furnace_report,
    period_figures,
    run_report_schedule,
)
from greenmet.storage.records import RecordStore

SITE, FURNACE = "demo", "BF2500"
# The simulated 9 hours from 2026-01-01 23:00 UTC hold the Shanghai shift 2026-01-02 #2 (08:00-16:00
# local = 00:00-08:00 UTC).
SHIFT = ("2026-01-02", 2)


@pytest.fixture(scope="module")
def historian(tmp_path_factory):
    root = tmp_path_factory.mktemp("historian")
    write_history(root, preset("2500m3"), "9h", seed=5, start="2026-01-01T23:00:00Z", part_hours=12)
    return root


@pytest.fixture
def records(tmp_path):
    with RecordStore(tmp_path / "records.duckdb") as store:
        yield store


def _shift():
    return shift_period(*SHIFT, "Asia/Shanghai")


def test_period_data_come_from_rollups_with_families_and_casts(historian):
    period = _shift()
    assert furnace_time_zone(historian, SITE, FURNACE) == "Asia/Shanghai"
    data = read_period_data(historian, SITE, FURNACE, period.start, period.end)
    assert len(data.minutes) == 480
    assert {"blast_pressure", "top_temperature_u1", "stave_water_inlet_temperature"} <= set(
        data.minutes.columns
    )
    assert data.hours is not None and len(data.hours) == 8
    assert "hearth_temperature_t24" in data.hours.columns
    casts = data.period_casts()
    assert len(casts) >= 2
    assert casts["end"].between(period.start, period.end, inclusive="left").all()
    check = health_check(data)
    evaluated = set(check.indicators.loc[check.indicators["status"] == "evaluated", "indicator"])
    assert {"stave_heat_load_kW", "hearth_temperature_max_degC", "coal_rate_kg_per_thm"} <= evaluated
    assert check.not_evaluated["indicator"].tolist() == ["fuel_rate_kg_per_thm"]  # no derived tags written


def _add_alert(records, raised, cleared, severity="warning", comment=None):
    alert_id = records.insert(
        "alerts",
        [
            {
                "site": SITE,
                "furnace": FURNACE,
                "rule": "hanging",
                "severity": severity,
                "message_en": "hanging suspected",
                "message_zh": "疑似悬料",
                "raised_at": raised,
                "cleared_at": cleared,
            }
        ],
    )[0]
    if comment is not None:
        records.insert(
            "acknowledgements",
            [
                {
                    "alert_id": alert_id,
                    "user_name": "chief wang",
                    "acknowledged_at": raised + dt.timedelta(minutes=5),
                    "comment": comment,
                }
            ],
        )
    return alert_id


def test_alerts_active_in_the_period_with_their_actions(records):
    period = _shift()
    start = period.start.to_pydatetime()
    inside = _add_alert(
        records, start + dt.timedelta(hours=1), start + dt.timedelta(hours=2), "critical", "reduced blast 5 %"
    )
    before_still_open = _add_alert(records, start - dt.timedelta(hours=3), None)
    _add_alert(records, start - dt.timedelta(hours=5), start - dt.timedelta(hours=4))  # over before
    _add_alert(records, start + dt.timedelta(hours=9), None)  # after the shift
    alerts, acknowledgements = read_period_alerts(records, SITE, FURNACE, period.start, period.end)
    assert sorted(alerts["alert_id"]) == sorted([inside, before_still_open])
    assert acknowledgements["action"].tolist() == ["reduced blast 5 %"]
    assert dict(zip(alerts["alert_id"], alerts["status"], strict=True)) == {
        inside: "acknowledged",
        before_still_open: "open",
    }


def test_report_files_in_both_languages_recorded_with_figures_and_audit(historian, records, tmp_path):
    period = _shift()
    _add_alert(records, period.start.to_pydatetime() + dt.timedelta(hours=1), None, "critical", "cut O2")
    run = make_furnace_report(historian, SITE, FURNACE, period, out_dir=tmp_path / "out", records=records)
    assert sorted(p.name for p in run.files) == [
        "demo_BF2500_shift_2026-01-02_s2_en.pdf",
        "demo_BF2500_shift_2026-01-02_s2_en.xlsx",
        "demo_BF2500_shift_2026-01-02_s2_zh.pdf",
        "demo_BF2500_shift_2026-01-02_s2_zh.xlsx",
    ]
    assert all(p.stat().st_size > 1000 for p in run.files)
    assert run.files[0].read_bytes()[:4] == b"PK\x03\x04" and run.files[1].read_bytes()[:5] == b"%PDF-"
    book = openpyxl.load_workbook(tmp_path / "out" / "demo_BF2500_shift_2026-01-02_s2_zh.xlsx")
    assert {
        "概要",
        "产量与消耗",
        "铁水质量",
        "出铁",
        "报警与处置",
        "体检分项",
        "体检指标",
        "小时趋势",
    } <= set(book.sheetnames)
    alerts = book["报警与处置"]
    header_row = next(row for row in range(1, 20) if alerts.cell(row=row, column=1).value == "报警号")
    assert alerts.cell(row=header_row + 1, column=10).value == "cut O2"
    with zipfile.ZipFile(tmp_path / "out" / "demo_BF2500_shift_2026-01-02_s2_zh.xlsx") as archive:
        charts = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
    assert len(charts) == 4 + 2 + 1  # hourly trends, casts' temperature and Si, group scores
    rows = list_reports(records, site=SITE, furnace=FURNACE, kind="furnace_chief_shift")
    assert len(rows) == 4 and set(rows["language"]) == {"en", "zh"} and set(rows["shift_number"]) == {2}
    assert (rows["hot_metal_mass_t"] > 0).all() and (rows["alert_count"] == 1).all()
    assert rows["file_sha256"].str.len().eq(64).all()
    audit = records.query("SELECT action, details FROM audit_log")
    assert audit["action"].tolist() == ["report_created"]
    assert len(json.loads(audit["details"][0])["files"]) == 4


def test_report_queries_over_past_periods_read_the_window_once(historian, records, tmp_path):
    figures = period_figures(
        historian,
        SITE,
        FURNACE,
        pd.Timestamp("2026-01-01T23:00Z"),
        pd.Timestamp("2026-01-02T09:00Z"),
        "shift",
        records=records,
    )
    assert figures["shift_number"].tolist() == [2]  # the only whole shift in the window
    assert figures["health_grade"].iloc[0] in "ABCD"
    report = make_furnace_report(
        historian, SITE, FURNACE, _shift(), out_dir=tmp_path, formats=("xlsx",), languages=("en",)
    ).report
    assert figures["hot_metal_mass_t"].iloc[0] == pytest.approx(report.summary["hot_metal_mass_t"])
    assert figures["coal_rate_kg_per_thm"].iloc[0] == pytest.approx(report.summary["coal_rate_kg_per_thm"])


def test_schedule_makes_each_ended_period_once_and_catches_up(historian, tmp_path):
    records_path = tmp_path / "records.duckdb"
    now = pd.Timestamp("2026-01-02T08:10Z")  # the shift ended 10 min ago
    runs = run_report_schedule(
        historian,
        SITE,
        FURNACE,
        records_path=records_path,
        out_dir=tmp_path / "out",
        kinds=("shift",),
        formats=("xlsx",),
        languages=("en",),
        delay_s=300,
        catch_up=pd.Timedelta(hours=9),
        iterations=2,
        clock=lambda: now,
        sleep=lambda seconds: None,
    )
    assert [run.report.period.label() for run in runs] == ["2026-01-02 #2"]  # once, not in round 2
    with RecordStore(records_path) as store:
        assert len(list_reports(store)) == 1
        assert (
            due_periods(
                store, SITE, FURNACE, "shift", "Asia/Shanghai", now=now, since=now - pd.Timedelta(hours=9)
            )
            == []
        )


def test_a_day_without_data_gives_a_reduced_report_not_an_error(historian, records, tmp_path):
    period = day_period("2026-02-01", "Asia/Shanghai")
    run = make_furnace_report(
        historian,
        SITE,
        FURNACE,
        period,
        out_dir=tmp_path,
        records=records,
        formats=("xlsx",),
        languages=("en",),
    )
    assert "missing_casts" in run.report.missing
    assert run.report.health.grade == "-"
    assert run.report.summary["cast_count"] == 0


def test_bad_format_and_broken_casts_file_are_refused(historian, records, tmp_path):
    with pytest.raises(InputError, match="unknown format"):
        make_furnace_report(historian, SITE, FURNACE, _shift(), out_dir=tmp_path, formats=("docx",))
    broken = tmp_path / "site=demo" / "furnace=BF2500"
    broken.mkdir(parents=True)
    (broken / "_casts.parquet").write_bytes(b"not parquet")
    with pytest.raises(Exception, match="casts file cannot be read"):
        read_casts(tmp_path, SITE, FURNACE)


def test_lab_cast_analyses_replace_the_casthouse_values_and_add_casts(tmp_path):
    from greenmet.simulation.history import write_casts
    from greenmet.storage.parts import furnace_directory
    from greenmet.storage.plant_records import write_plant_records

    directory = furnace_directory(tmp_path, SITE, FURNACE)
    directory.mkdir(parents=True)
    write_casts(
        directory,
        pd.DataFrame(
            {
                "cast_number": [1],
                "start": [pd.Timestamp("2026-01-01T00:00Z")],
                "end": [pd.Timestamp("2026-01-01T02:00Z")],
                "taphole": [1],
                "hot_metal_temperature_degC": [1500.0],
                "hot_metal_silicon_percent": [0.40],
                "hot_metal_sulphur_percent": [0.03],
                "slag_basicity": [1.2],
                "hot_metal_mass_t": [600.0],
            }
        ),
    )
    sampled = [pd.Timestamp("2026-01-01T02:00Z")] * 4 + [pd.Timestamp("2026-01-01T04:10Z")]
    write_plant_records(
        directory,
        "cast_analyses",
        pd.DataFrame(
            {
                "cast_id": ["1", "1", "1", "1", "2"],
                "sampled_at": sampled,
                "sample": ["hot_metal", "hot_metal", "slag", "slag", "hot_metal"],
                "component": ["Si", "C", "CaO", "SiO2", "Si"],
                "value": [0.45, 4.8, 40.0, 32.0, 0.50],
                "unit": ["%"] * 5,
            }
        ),
    )
    casts = read_casts(tmp_path, SITE, FURNACE).set_index("cast_id")
    assert casts.loc["1", "hot_metal_silicon_percent"] == 0.45  # the lab's, not the casthouse's 0.40
    assert casts.loc["1", "hot_metal_sulphur_percent"] == 0.03  # kept where the lab is silent
    assert casts.loc["1", "slag_basicity"] == pytest.approx(1.25)
    assert casts.loc["1", "hot_metal_carbon_percent"] == 4.8
    assert casts.loc["2", "end"] == pd.Timestamp("2026-01-01T04:10Z")  # known from the lab only
    window = read_casts(
        tmp_path, SITE, FURNACE, pd.Timestamp("2026-01-01T03:00Z"), pd.Timestamp("2026-01-01T05:00Z")
    )
    assert window["cast_id"].tolist() == ["2"]


def test_means_from_rollups_equal_the_means_of_the_raw_points(historian):
    from greenmet.storage.furnace_period import _means
    from greenmet.storage.queries import open_points, open_rollups

    start, end = pd.Timestamp("2026-01-02T01:00Z"), pd.Timestamp("2026-01-02T03:00Z")
    points = open_points(historian, SITE, FURNACE, start=start, end=end)
    rollups = open_rollups(historian, SITE, FURNACE, start=start, end=end, backend=points.get_backend())
    tags = ["blast_pressure", "hearth_temperature_t03"]
    for width_s, name in ((60, "minute_start"), (3600, "hour_start")):
        from_rollups = _means(points, rollups, tags, start, end, width_s, name)
        from_points = _means(points, None, tags, start, end, width_s, name)
        assert len(from_rollups) == 7200 // width_s
        pd.testing.assert_frame_equal(from_rollups, from_points, check_exact=False, rtol=1e-12,
                                      check_names=False, check_freq=False)
