"""``greenmet ingest …`` through typer's CliRunner: file import, mapping template and check, errors."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from greenmet.cli import app
from greenmet.cli._common import ERROR_EXIT_CODE

runner = CliRunner()


def test_template_check_and_file_import(tmp_path):
    template = tmp_path / "mapping.yaml"
    result = runner.invoke(app, ["ingest", "mapping", "--template", str(template), "--catalogue", "2500m3"])
    assert result.exit_code == 0, result.output
    text = template.read_text(encoding="utf-8")
    assert "vendor_tag: BF2500.blast_volume" in text and "furnace: BF2500" in text

    result = runner.invoke(
        app, ["ingest", "mapping", str(template), "--catalogue", "2500m3", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {"vendor_tag": "BF2500.blast_volume", "tag": "blast_volume"}.items() <= rows[0].items()

    export = tmp_path / "export.csv"
    export.write_text(
        "timestamp,BF2500.blast_volume,BF2500.top_pressure\n"
        "2025-03-01 08:00:00,5600,210\n2025-03-01 08:00:10,5610,bad\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app,
        [
            "ingest",
            "file",
            str(export),
            "--mapping",
            str(template),
            "--catalogue",
            "2500m3",
            "--historian",
            str(tmp_path / "h"),
            "--time-zone",
            "Asia/Shanghai",
            "--no-progress",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (
        report["points_written"] == 4
        and report["wrong_type"] == 1
        and report["destinations"] == ["demo/BF2500"]
    )


def test_errors_exit_with_status_2_and_name_the_fix(tmp_path):
    mapping = tmp_path / "m.csv"
    mapping.write_text("vendor_tag,tag,unit\nA,blast_volume,kg\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", "mapping", str(mapping), "--site", "s", "--furnace", "f"])
    assert result.exit_code == ERROR_EXIT_CODE
    assert "row 2: unit" in result.output and "Fix:" in result.output

    result = runner.invoke(
        app, ["ingest", "mapping", str(mapping), "--catalogue", "9999m3", "--format", "json"]
    )
    assert result.exit_code == ERROR_EXIT_CODE
    assert json.loads(result.output)["error"] == "unknown_key"

    result = runner.invoke(app, ["ingest", "browse", "--endpoint", "http://nowhere"])
    assert result.exit_code == ERROR_EXIT_CODE and "opc.tcp://" in result.output
