"""``greenmet bf forecast``: train from the historian or from a plant's files, store versions,
predict with operator-ready models only, refuse damaged models and bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from greenmet.blast_furnace.simulator import Scenario, preset, simulate
from greenmet.cli import app
from greenmet.simulation.history import write_casts
from greenmet.storage import Historian
from greenmet.storage.hot_metal_history import default_model_store
from greenmet.storage.parts import furnace_directory

TAGS = [
    "blast_volume",
    "blast_temperature",
    "blast_humidity",
    "oxygen_enrichment",
    "coal_injection_rate",
    "raceway_adiabatic_flame_temperature",
    "top_gas_utilisation",
    "permeability_index",
]
runner = CliRunner()


@pytest.fixture(scope="module")
def plant(tmp_path_factory):
    """A week of the simulated 2,500 m3 furnace at 1-minute steps: historian, casts and the same
    data as a plant's files."""
    root = tmp_path_factory.mktemp("forecast")
    config = preset("2500m3")
    result = simulate(
        config,
        "7D",
        seed=5,
        step_seconds=60,
        scenario=Scenario.from_text("random_sensor_faults_per_day = 0\n"),
    )
    long = result.values[TAGS].stack().rename("value").reset_index()
    long.columns = ["ts", "tag", "value"]
    historian = root / "historian"
    with Historian(historian, config.site, config.furnace_id, time_zone=config.time_zone) as writer:
        writer.write(long)
    write_casts(furnace_directory(historian, config.site, config.furnace_id), result.casts)
    assays = root / "assays.csv"
    result.casts.rename(columns={"cast_number": "cast_id", "end": "ended_at"})[
        ["cast_id", "ended_at", "hot_metal_silicon_percent", "hot_metal_temperature_degC"]
    ].to_csv(assays, index=False)
    tag_file = root / "tags.csv"
    local = long.assign(ts=long["ts"].dt.tz_convert("Asia/Shanghai").dt.tz_localize(None))
    local.to_csv(tag_file, index=False)  # plant local time without an offset: needs --time-zone
    return {
        "root": root,
        "historian": historian,
        "site": config.site,
        "furnace": config.furnace_id,
        "assays": assays,
        "tags": tag_file,
        "casts": len(result.casts),
    }


def _source(plant):
    return ["--historian", str(plant["historian"]), "--site", plant["site"], "--furnace", plant["furnace"]]


SMALL = ["--splits", "2", "--min-train-casts", "20"]


def test_train_from_the_historian_stores_a_version_and_predicts(plant, tmp_path):
    out = runner.invoke(
        app,
        [
            "bf",
            "forecast",
            "train",
            *_source(plant),
            *SMALL,
            "--format",
            "json",
            "--plot",
            str(tmp_path / "chart.html"),
        ],
    )
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    store = default_model_store(plant["historian"], plant["site"], plant["furnace"])
    assert (store / payload["version"] / "metadata.json").exists()
    latest = pd.DataFrame(payload["latest_split"])
    assert set(latest["model"]) == {"persistence", "linear", "lightgbm"}
    assert set(latest["target"]) == {"silicon", "temperature"} and set(latest["horizon"]) == {1, 2}
    assert "plotly" in (tmp_path / "chart.html").read_text(encoding="utf-8")[:100000].lower()

    predicted = runner.invoke(
        app, ["bf", "forecast", "predict", *_source(plant), "--format", "json", "--all"]
    )
    assert predicted.exit_code == 0, predicted.output
    every = pd.DataFrame(json.loads(predicted.output)["forecasts"])
    assert len(every) == len(latest)
    assert (every["after_cast_id"] == str(plant["casts"])).all()
    shown = runner.invoke(app, ["bf", "forecast", "predict", *_source(plant), "--format", "json"])
    operator = pd.DataFrame(json.loads(shown.output)["forecasts"])
    # operators see at most one model per target and horizon, and only one that beat persistence
    assert not operator.duplicated(["target", "horizon"]).any()
    if not operator.empty:
        assert operator["operator_ready"].all() and "persistence" not in set(operator["model"])
    ready = latest[latest["operator_ready"]]
    assert len(operator) == ready[["target", "horizon"]].drop_duplicates().shape[0]

    listed = runner.invoke(app, ["bf", "forecast", "models", *_source(plant), "--language", "zh"])
    assert listed.exit_code == 0 and payload["version"] in listed.output


def test_train_from_plant_files_needs_the_time_zone(plant, tmp_path):
    files = [
        "--assays",
        str(plant["assays"]),
        "--tag-file",
        str(plant["tags"]),
        "--store",
        str(tmp_path / "m"),
    ]
    refused = runner.invoke(
        app, ["bf", "forecast", "train", *files, *SMALL, "--target", "silicon", "--horizon", "1"]
    )
    assert refused.exit_code == 2 and "time zone" in refused.output
    out = runner.invoke(
        app,
        [
            "bf",
            "forecast",
            "train",
            *files,
            *SMALL,
            "--target",
            "silicon",
            "--horizon",
            "1",
            "--time-zone",
            "Asia/Shanghai",
            "--format",
            "json",
        ],
    )
    assert out.exit_code == 0, out.output
    assert {row["model"] for row in json.loads(out.output)["latest_split"]} == {
        "persistence",
        "linear",
        "lightgbm",
    }


def test_a_damaged_model_file_is_refused(plant, tmp_path):
    store = tmp_path / "store"
    trained = runner.invoke(
        app,
        [
            "bf",
            "forecast",
            "train",
            *_source(plant),
            *SMALL,
            "--target",
            "silicon",
            "--horizon",
            "1",
            "--store",
            str(store),
            "--format",
            "json",
        ],
    )
    assert trained.exit_code == 0, trained.output
    version = json.loads(trained.output)["version"]
    model_file = store / version / "forecasters.joblib"
    model_file.write_bytes(model_file.read_bytes()[:-10] + b"0123456789")
    out = runner.invoke(app, ["bf", "forecast", "predict", *_source(plant), "--store", str(store)])
    assert out.exit_code == 2 and "SHA-256" in out.output


def test_bad_sources_are_refused_with_the_fix(plant):
    both = runner.invoke(app, ["bf", "forecast", "train", *_source(plant), "--assays", str(plant["assays"])])
    assert both.exit_code == 2 and "either from the historian or from files" in both.output
    unknown = runner.invoke(app, ["bf", "forecast", "train", *_source(plant), "--tag", "blast_volum"])
    assert unknown.exit_code == 2 and "blast_volume" in unknown.output  # the closest known name
    empty = runner.invoke(
        app, ["bf", "forecast", "train", *_source(plant), "--start", "2030-01-01T00:00:00Z"]
    )
    assert empty.exit_code == 2 and "no casts" in empty.output
    none = runner.invoke(app, ["bf", "forecast", "predict", "--store", str(plant["root"] / "nothing")])
    assert none.exit_code == 2 and "train first" in none.output
