"""Derived tags written into the historian: replay over a range, live minute by minute, the CLI."""

import json

import numpy as np
import pandas as pd
import pytest
from tests.engines.online_historian import FURNACE, SITE, seconds_frame, write_furnace
from tests.monitoring.online_fixtures import DESIGN, START
from typer.testing import CliRunner

from greenmet.cli import app
from greenmet.engines.derived import LiveDerivation, derive_range, read_minutes
from greenmet.errors import InputError, StorageError
from greenmet.storage import Historian, queries
from greenmet.storage.furnace_metadata import read_furnace_metadata
from greenmet.storage.parts import furnace_directory

WINDOW = pd.Timedelta(hours=2)


@pytest.fixture
def historian_root(tmp_path):
    return write_furnace(tmp_path / "lake")


def _derived(root, start, end) -> pd.DataFrame:
    points = queries.open_points(root, SITE, FURNACE)
    frame = queries.run(
        points.filter(
            points.tag.startswith("calc_"), points.ts >= pd.Timestamp(start), points.ts < pd.Timestamp(end)
        ).select("ts", "tag", "value", "quality")
    )
    return frame.sort_values(["tag", "ts"]).reset_index(drop=True)


def test_replay_writes_queryable_derived_tags(historian_root):
    start, end = START + pd.Timedelta(hours=3), START + pd.Timedelta(hours=4)
    report = derive_range(historian_root, SITE, FURNACE, start, end, DESIGN, window=WINDOW)
    assert report.minutes == 60
    stored = _derived(historian_root, start, end)
    coke = stored[stored["tag"] == "calc_coke_rate_kg_per_thm"]
    assert len(coke) == 60
    # window (1 h, 3 h]: the cast at 1:59 (500 t), 12 charges of 15 t coke
    assert coke["value"].iloc[0] == pytest.approx(12 * 15.0 * 1000 / 500.0)
    metadata = read_furnace_metadata(furnace_directory(historian_root, SITE, FURNACE))["tags"]
    assert metadata["calc_fuel_rate_kg_per_thm"]["unit"] == "kg/tHM"
    assert "燃料比" in metadata["calc_fuel_rate_kg_per_thm"]["description_zh"]
    # a second run replaces the points instead of adding to them
    derive_range(historian_root, SITE, FURNACE, start, end, DESIGN, window=WINDOW)
    assert len(_derived(historian_root, start, end)) == len(stored)
    # derived tags are not read back as inputs
    assert not [
        c for c in read_minutes(historian_root, SITE, FURNACE, start, end).columns if c.startswith("calc_")
    ]


def test_live_minutes_equal_the_replay(historian_root):
    start, end = START + pd.Timedelta(hours=3), START + pd.Timedelta(hours=3, minutes=24)
    seconds = seconds_frame()
    live = LiveDerivation(historian_root, SITE, FURNACE, DESIGN, window=WINDOW)
    pieces = []
    at = start
    for minutes in (1, 2, 1, 10, 3, 7):  # the engine hands one or more whole minutes at a time
        until = at + pd.Timedelta(minutes=minutes)
        pieces.append(live.step(seconds.loc[(seconds.index >= at) & (seconds.index < until)]))
        at = until
    assert at == end
    live_points = pd.concat(pieces).sort_values(["tag", "ts"]).reset_index(drop=True)
    derive_range(historian_root, SITE, FURNACE, start, end, DESIGN, window=WINDOW)
    replay = _derived(historian_root, start, end)
    assert list(live_points["tag"]) == list(replay["tag"])
    assert (live_points["ts"].to_numpy() == replay["ts"].to_numpy()).all()
    np.testing.assert_allclose(
        live_points["value"].to_numpy(dtype=float),
        replay["value"].to_numpy(dtype=float),
        rtol=1e-9,
        atol=1e-9,
        equal_nan=True,
    )
    assert (live_points["quality"].to_numpy() == replay["quality"].to_numpy()).all()


def test_one_writer_per_furnace(historian_root):
    with (
        Historian(historian_root, SITE, FURNACE, future_tolerance_s=None),
        pytest.raises(StorageError, match="another process is writing"),
    ):
        derive_range(
            historian_root,
            SITE,
            FURNACE,
            START + pd.Timedelta(hours=3),
            START + pd.Timedelta(hours=3, minutes=5),
            DESIGN,
            window=WINDOW,
        )


def test_bad_ranges_are_refused(historian_root):
    with pytest.raises(InputError, match="whole minute"):
        derive_range(
            historian_root,
            SITE,
            FURNACE,
            START + pd.Timedelta(seconds=30),
            START + pd.Timedelta(hours=1),
            DESIGN,
        )
    with pytest.raises(InputError, match="empty"):
        derive_range(historian_root, SITE, FURNACE, START, START, DESIGN)
    with pytest.raises(StorageError, match="no such furnace"):
        derive_range(historian_root, SITE, "BF9", START, START + pd.Timedelta(hours=1), DESIGN)


def test_cli_derive(historian_root, tmp_path):
    design = tmp_path / "design.toml"
    design.write_text(
        "working_volume_m3 = 2500\nhearth_diameter_m = 11\ntuyeres = 30\n"
        "tuyere_diameter_m = 0.13\nstave_rows = 2\n",
        encoding="utf-8",
    )
    range_arguments = [
        "bf",
        "derive",
        "--root",
        str(historian_root),
        "--site",
        SITE,
        "--furnace",
        FURNACE,
        "--start",
        "2026-03-01T03:00Z",
        "--end",
        "2026-03-01T03:10Z",
    ]
    result = CliRunner().invoke(
        app, [*range_arguments, "--design", str(design), "--window-h", "2", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["minutes"] == 10
    assert "calc_thermal_state_index_k" in report["tags"]
    chinese = CliRunner().invoke(
        app, [*range_arguments, "--design", str(design), "--language", "zh", "--no-progress"]
    )
    assert chinese.exit_code == 0, chinese.output
    assert "已计算 demo/BF1" in chinese.output and "共 10 分钟" in chinese.output
    missing = CliRunner().invoke(app, range_arguments)
    assert missing.exit_code == 2
    assert "--design FILE or --preset" in missing.output


def test_the_monitoring_engine_hosts_the_live_derivation(historian_root):
    from greenmet.engines.monitoring import MonitoringEngine

    start, end = START + pd.Timedelta(hours=3), START + pd.Timedelta(hours=3, minutes=6)
    live = LiveDerivation(historian_root, SITE, FURNACE, DESIGN, window=WINDOW)
    seconds = seconds_frame()
    engine = MonitoringEngine([], seconds.columns, chunk_s=60, minute_calculation=live, mode="replay")
    points = queries.run(
        queries.open_points(historian_root, SITE, FURNACE).select("ts", "tag", "value", "quality")
    )
    _events, table = engine.run_points(points, start, end)
    hosted = table.to_pandas().sort_values(["tag", "ts"]).reset_index(drop=True)
    derive_range(historian_root, SITE, FURNACE, start, end, DESIGN, window=WINDOW)
    replay = _derived(historian_root, start, end)
    assert len(hosted) == len(replay) == 6 * len(replay["tag"].unique())
    np.testing.assert_allclose(
        hosted["value"].to_numpy(dtype=float),
        replay["value"].to_numpy(dtype=float),
        rtol=1e-9,
        atol=1e-9,
        equal_nan=True,
    )


def test_design_from_a_preset_or_a_file(tmp_path):
    from greenmet.engines.derived import load_design
    from greenmet.errors import FileFormatError

    design = load_design(preset_name="2500m3", tuyere_diameter_m=0.13)
    assert (design.working_volume_m3, design.tuyeres, design.stave_rows, design.tuyere_diameter_m) == (
        2500.0,
        30,
        12,
        0.13,
    )
    with pytest.raises(InputError, match="no such file"):
        load_design(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("working_volume_m3 = = 1", encoding="utf-8")
    with pytest.raises(FileFormatError, match="not valid TOML"):
        load_design(broken)
    with pytest.raises(InputError, match="--design FILE or --preset"):
        load_design(broken, "2500m3")
