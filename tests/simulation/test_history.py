"""Bulk history of the simulator: the Parquet layout of docs/dev/plant_data_contract.md, exactly."""

from __future__ import annotations

import json

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from greenmet.blast_furnace.simulator import CAST_TAGS, QUALITY_BAD, Scenario, preset, simulate, tag_catalogue
from greenmet.cli import app
from greenmet.errors import FileFormatError, InputError
from greenmet.simulation import load_scenario
from greenmet.simulation.history import PART_SCHEMA, write_history

CONFIG = preset("2500m3")
START = "2026-03-01T22:00:00Z"  # four hours across midnight UTC: two date partitions
SCENARIO = Scenario.from_mapping(
    {
        "random_sensor_faults_per_day": 0,
        "faults": [{"fault": "tuyere_leak", "start": "30min", "duration": "1h", "location": 3}],
        "sensor_faults": [{"kind": "dropout", "tag": "blast_pressure", "start": "10min", "duration": "2min"}],
    }
)


@pytest.fixture(scope="module")
def lake(tmp_path_factory):
    root = tmp_path_factory.mktemp("lake")
    seen = []
    report = write_history(
        root,
        CONFIG,
        "4h",
        scenario=SCENARIO,
        seed=9,
        start=START,
        progress=lambda done, total: seen.append((done, total)),
    )
    return root, report, seen


def test_partitions_are_hive_by_site_furnace_utc_date(lake):
    root, report, seen = lake
    directory = root / "site=demo" / "furnace=BF2500"
    assert report.directory == directory
    dates = sorted(p.name for p in directory.glob("date=*") if p.is_dir())
    assert dates == ["date=2026-03-01", "date=2026-03-02"]
    for part in report.parts:
        assert part.parent.parent == directory and part.name.startswith("part-") and part.suffix == ".parquet"
    assert not [p for p in root.rglob(".tmp-*")], "temporary files left behind"
    assert seen[-1] == (14400, 14400) and len(seen) >= 2


def test_part_schema_compression_and_sort_order_match_the_contract(lake):
    _, report, _ = lake
    total = 0
    for part in report.parts:
        assert pq.read_schema(part).remove_metadata() == PART_SCHEMA
        table = pq.read_table(part)
        assert table.schema.field("ts").type == pa.timestamp("us", tz="UTC")
        metadata = pq.ParquetFile(part).metadata
        for group in range(metadata.num_row_groups):
            for column in range(metadata.num_columns):
                assert metadata.row_group(group).column(column).compression == "ZSTD"
        tags = table.column("tag").combine_chunks().dictionary_encode()
        codes = tags.indices.to_numpy()
        stamps = table.column("ts").combine_chunks().cast(pa.int64()).to_numpy()
        boundary = np.flatnonzero(np.diff(codes) != 0) + 1
        run_tags = [tags.dictionary[codes[i]].as_py() for i in [0, *boundary]]
        assert run_tags == sorted(set(run_tags)), "not sorted by tag (or a tag in two runs)"
        steps = np.diff(stamps)
        steps[boundary - 1] = 1  # ts restarts at each new tag
        assert (steps > 0).all(), "not sorted by ts within a tag"
        frame = table.select(["ts", "value", "quality"]).to_pandas()
        date = part.parent.name.removeprefix("date=")
        assert frame["ts"].min().strftime("%Y-%m-%d") == frame["ts"].max().strftime("%Y-%m-%d") == date
        assert frame["value"].isna().eq(frame["quality"] == QUALITY_BAD).all()  # NaN only with bad quality
        assert set(frame["quality"].unique()) <= {0, 64, 128}
        total += len(frame)
    assert total == report.points


def test_history_holds_every_catalogue_tag_and_the_same_values_as_the_model(lake):
    _root, report, _ = lake
    table = pa.concat_tables([pq.read_table(part) for part in report.parts])
    assert set(pc.unique(table.column("tag")).to_pylist()) == set(tag_catalogue(CONFIG)["tag"])
    memory = simulate(CONFIG, "4h", scenario=SCENARIO, seed=9, start=START)
    frame = table.filter(
        pc.is_in(table.column("tag"), pa.array(["top_gas_h2", "blast_pressure", *CAST_TAGS]))
    )
    frame = frame.to_pandas()
    written = frame[frame["tag"] == "top_gas_h2"].set_index("ts")["value"]
    np.testing.assert_array_equal(written.to_numpy(), memory.values["top_gas_h2"].to_numpy())
    per_cast = frame[frame["tag"].isin(CAST_TAGS)]
    assert len(per_cast) == len(CAST_TAGS) * len(memory.casts) == len(CAST_TAGS) * report.casts > 0
    dropout = frame[(frame["tag"] == "blast_pressure") & frame["value"].isna()]
    assert len(dropout) == 120


def test_metadata_labels_and_casts_beside_the_data(lake):
    _root, report, _ = lake
    directory = report.directory
    metadata = json.loads((directory / "_furnace.json").read_text(encoding="utf-8"))
    assert metadata["time_zone"] == "Asia/Shanghai"
    catalogue = tag_catalogue(CONFIG).set_index("tag")
    assert set(metadata["tags"]) == set(catalogue.index)
    entry = metadata["tags"]["stave_temperature_r05_s08"]
    assert entry["unit"] == "degC" and "5" in entry["description_en"] and entry["description_zh"]
    labels = pq.read_table(directory / "_labels.parquet")
    assert labels.schema.names == ["start", "end", "fault", "severity", "location"]
    assert labels.schema.field("start").type == pa.timestamp("us", tz="UTC")
    assert labels.schema.field("severity").type == pa.float64()
    rows = labels.to_pandas()
    assert set(rows["fault"]) == {"tuyere_leak", "sensor_dropout"}
    assert set(rows["location"]) == {"tuyere_03", "blast_pressure"}
    assert rows.loc[rows["fault"] == "tuyere_leak", "start"].iloc[0] == pd.Timestamp("2026-03-01T22:30:00Z")
    casts = pq.read_table(directory / "_casts.parquet").to_pandas()
    assert len(casts) == report.casts and (casts["hot_metal_mass_t"] > 0).all()


def test_duckdb_reads_the_lake_with_hive_partitions(lake):
    root, report, _ = lake
    pattern = str(root / "site=*" / "furnace=*" / "date=*" / "part-*.parquet")
    count, dates = duckdb.sql(
        f"select count(*), count(distinct date) from read_parquet('{pattern}', hive_partitioning=true)"
    ).fetchall()[0]
    assert (count, dates) == (report.points, 2)


def test_writing_again_adds_parts_and_merges_labels(tmp_path):
    write_history(tmp_path, CONFIG, "15min", scenario=SCENARIO, seed=1, start="2026-03-01T00:00:00Z")
    report = write_history(tmp_path, CONFIG, "15min", scenario=SCENARIO, seed=1, start="2026-03-01T00:15:00Z")
    parts = list((report.directory / "date=2026-03-01").glob("part-*.parquet"))
    assert len(parts) == 2
    labels = pq.read_table(report.directory / "_labels.parquet").to_pandas()
    assert len(labels) == 2  # one dropout per run, at different times


def test_parts_split_a_date_at_part_hours_and_bad_lengths_are_refused(tmp_path):
    report = write_history(tmp_path, CONFIG, "3h", start="2026-03-01T05:00:00Z", part_hours=6)
    stamps = [pq.read_table(part, columns=["ts"]).column("ts") for part in report.parts]
    spans = [(pc.min(ts).as_py().hour, pc.max(ts).as_py().hour) for ts in stamps]
    assert spans == [(5, 5), (6, 7)]
    with pytest.raises(InputError, match="divide a day"):
        write_history(tmp_path, CONFIG, "1h", part_hours=5)


def test_a_furnace_with_another_time_zone_is_refused(tmp_path):
    write_history(tmp_path, CONFIG, "1min")
    other = CONFIG.model_copy(update={"time_zone": "Europe/Berlin"})
    with pytest.raises(InputError, match="stored time zone is 'Asia/Shanghai'"):
        write_history(tmp_path, other, "1min")


def test_scenario_files_load_and_bad_ones_are_refused(tmp_path):
    good = tmp_path / "s.yaml"
    good.write_text("faults:\n  - {fault: hanging, start: 1h, duration: 20min}\n", encoding="utf-8")
    assert load_scenario(good).faults[0].fault == "hanging"
    with pytest.raises(FileFormatError, match="TOML or YAML"):
        load_scenario(tmp_path / "s.json")
    with pytest.raises(FileFormatError, match="cannot read"):
        load_scenario(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[faults]]\nfault = "hanging"\nstart = "2h"\nend = "1h"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.toml: faults.0: Value error, end .* is not after start"):
        load_scenario(bad)


def test_cli_writes_history_and_refuses_bad_options(tmp_path):
    scenario = tmp_path / "scenario.toml"
    scenario.write_text('[[faults]]\nfault = "slip"\nstart = "5min"\nduration = "5min"\n', encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "bf",
            "simulate",
            "--days",
            "0.01",
            "--out",
            str(tmp_path / "lake"),
            "--preset",
            "2500m3",
            "--scenario",
            str(scenario),
            "--seed",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "points" in result.output and "real time" in result.output
    labels = pq.read_table(tmp_path / "lake" / "site=demo" / "furnace=BF2500" / "_labels.parquet").to_pandas()
    assert "slip" in set(labels["fault"])
    refused = runner.invoke(app, ["bf", "simulate", "--days", "1"])
    assert refused.exit_code == 2 and "--out" in refused.output
    refused = runner.invoke(app, ["bf", "simulate"])
    assert refused.exit_code == 2 and "choose one mode" in refused.output
    refused = runner.invoke(app, ["bf", "simulate", "--days", "1", "--out", str(tmp_path), "--preset", "9m3"])
    assert refused.exit_code == 2 and "2500m3, 5000m3" in refused.output


def test_every_part_is_live_in_the_historian_with_its_roll_up(lake):
    """issue 13 §3: the bulk writer wrote no roll-ups, so minute queries of simulated history
    fell back to raw scans (or the historian rebuilt them by reading every part back)."""
    from greenmet.storage.parts import RANGES_KEY, part_ranges, read_part
    from greenmet.storage.rollups import compute_rollup, rollup_path

    _, report, _ = lake
    assert len(report.rollups) == len(report.parts) == 2
    from greenmet.storage.manifest import read_manifest

    manifest = read_manifest(report.directory)
    assert manifest is not None
    live = {entry.part: entry.rollup for entries in manifest.partitions.values() for entry in entries}
    assert live == {part.name: rollup_path(part).name for part in report.parts}
    tags = set()
    for part in report.parts:
        written = pq.read_table(rollup_path(part)).to_pandas()
        rebuilt = compute_rollup(read_part(part)).to_pandas()  # what the historian builds
        for frame in (written, rebuilt):
            frame["tag"] = frame["tag"].astype(str)
        key = ["tag", "minute_start"]
        written = written.sort_values(key).reset_index(drop=True)
        rebuilt = rebuilt.sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(written, rebuilt)
        tags |= set(written["tag"])
        # the footer's per-tag ranges (read by adoption instead of the points) are the points'
        assert RANGES_KEY in (pq.read_schema(part).metadata or {})
        from_footer = part_ranges(part)
        stripped = pq.read_table(part).replace_schema_metadata(None)
        pq.write_table(stripped, part.with_name("copy.parquet"))
        assert from_footer == part_ranges(part.with_name("copy.parquet"))
        part.with_name("copy.parquet").unlink()
    assert tags >= {"blast_pressure", "cast_number"}  # continuous and per-cast tags


def test_plant_records_are_written_beside_the_casts_and_read_back(lake):
    from greenmet.storage.plant_records import KINDS, read_plant_records

    root, report, _ = lake
    assert set(report.records) == set(KINDS) and all(report.records.values())
    for kind in KINDS:
        assert (report.directory / f"_{kind}.parquet").exists()
        stored = read_plant_records(root, "demo", "BF2500", kind)
        assert len(stored) == report.records[kind]
    charges = read_plant_records(root, "demo", "BF2500", "charges")
    assert charges["charged_at"].min() >= pd.Timestamp(START)
    assert not [p for p in root.rglob(".tmp-*")]


def test_cli_probe_and_tuyere_meter_options(tmp_path):
    runner = CliRunner()
    arguments = ["bf", "simulate", "--days", "0.01", "--out", str(tmp_path), "--preset", "2500m3"]
    result = runner.invoke(app, [*arguments, "--cross-probe-arms", "2", "--no-tuyere-blast-meters"])
    assert result.exit_code == 0, result.output
    assert "charges" in result.output
    tags = json.loads((tmp_path / "site=demo" / "furnace=BF2500" / "_furnace.json").read_text())["tags"]
    assert len([tag for tag in tags if tag.startswith("cross_temperature_a")]) == 2 * 5
    assert not [tag for tag in tags if tag.startswith("tuyere_blast_volume")]
    refused = runner.invoke(app, [*arguments, "--cross-probe-arms", "9"])
    assert refused.exit_code == 2 and "--cross-probe-arms" in refused.output
