"""Every verb that writes a file: a read-only place or a path that is a directory gets a designed
error naming the path and the fix (exit 2), never a traceback; files follow the umask."""

from __future__ import annotations

import os
import shutil
import stat
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from greenmet.cli import app
from greenmet.io.atomic import atomic_write_text

runner = CliRunner()
STATE = resources.files("greenmet.blast_furnace").joinpath("examples", "state_2500m3.toml")
PLANT = resources.files("greenmet.carbon").joinpath("examples", "bf_bof_plant.toml")


def _batch_directory(tmp_path: Path) -> Path:
    directory = tmp_path / "plants"
    directory.mkdir(exist_ok=True)
    with resources.as_file(PLANT) as plant:
        shutil.copy(plant, directory / "bf_bof_plant.toml")
    return directory


def _mapping(tmp_path: Path) -> Path:
    template = tmp_path / "mapping.yaml"
    if not template.exists():
        arguments = ["ingest", "mapping", "--template", str(template), "--catalogue", "2500m3"]
        result = runner.invoke(app, arguments)
        assert result.exit_code == 0, result.output
    return template


def _export(tmp_path: Path) -> Path:
    export = tmp_path / "export.csv"
    export.write_text("timestamp,BF2500.blast_volume\n2025-03-01 08:00:00,5600\n", encoding="utf-8")
    return export


def _example(verb: str, output_format: str, out: Path, *extra: str) -> list[str]:
    return ["carbon", verb, "--example", "bf-bof", *extra, "--format", output_format, "--out", str(out)]


# verb -> (file name it writes, arguments given the tmp_path and the output path)
FILE_VERBS = {
    "carbon template": ("plant.xlsx", lambda tmp, out: ["carbon", "template", str(out)]),
    "carbon report xlsx": ("r.xlsx", lambda tmp, out: _example("report", "xlsx", out)),
    "carbon report pdf": ("r.pdf", lambda tmp, out: _example("report", "pdf", out)),
    "carbon report json": ("r.json", lambda tmp, out: _example("report", "json", out)),
    "carbon allowance": ("a.json", lambda tmp, out: _example("allowance", "json", out, "--year", "2024",
                                                              "--price", "80")),
    "carbon batch": ("b.csv", lambda tmp, out: ["carbon", "batch", str(_batch_directory(tmp)), "--out",
                                                 str(out)]),
    "bf calc xlsx": ("c.xlsx", lambda tmp, out: ["bf", "calc", str(tmp / "state.toml"), "--format", "xlsx",
                                                  "--out", str(out)]),
    "bf calc json": ("c.json", lambda tmp, out: ["bf", "calc", str(tmp / "state.toml"), "--format", "json",
                                                  "--out", str(out)]),
    "ingest mapping --template": ("m.yaml", lambda tmp, out: ["ingest", "mapping", "--template", str(out),
                                                               "--catalogue", "2500m3"]),
}
# verbs whose output is a historian root directory
ROOT_VERBS = {
    "bf simulate --days": lambda tmp, out: ["bf", "simulate", "--days", "0.0005", "--out", str(out),
                                            "--preset", "2500m3"],
    "ingest file": lambda tmp, out: ["ingest", "file", str(_export(tmp)), "--mapping", str(_mapping(tmp)),
                                     "--catalogue", "2500m3", "--historian", str(out), "--time-zone",
                                     "Asia/Shanghai", "--no-progress"],
}


@pytest.fixture
def read_only_directory(tmp_path):
    """A directory this process cannot create files in (root ignores modes: /sys then)."""
    if os.geteuid() == 0:
        if not os.path.isdir("/sys") or _can_create("/sys"):
            pytest.skip("no directory this root process cannot write to")
        yield Path("/sys")
        return
    directory = tmp_path / "read-only"
    directory.mkdir()
    directory.chmod(0o555)
    yield directory
    directory.chmod(0o755)


def _can_create(directory: str) -> bool:
    probe = Path(directory) / ".greenmet-probe"
    try:
        probe.touch()
    except OSError:
        return False
    probe.unlink()
    return True


@pytest.fixture(autouse=True)
def _state(tmp_path):
    with resources.as_file(STATE) as state:
        shutil.copy(state, tmp_path / "state.toml")


def _assert_designed(result, path: Path) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert str(path) in result.output
    assert "Fix:" in result.output or '"fix"' in result.output


@pytest.mark.parametrize("verb", sorted(FILE_VERBS))
def test_a_read_only_directory_is_named_with_the_fix(tmp_path, read_only_directory, verb):
    name, arguments = FILE_VERBS[verb]
    result = runner.invoke(app, arguments(tmp_path, read_only_directory / name))
    _assert_designed(result, read_only_directory)
    assert "permission denied" in result.output


@pytest.mark.parametrize("verb", sorted(FILE_VERBS))
def test_an_output_path_that_is_a_directory_is_named_with_the_fix(tmp_path, verb):
    name, arguments = FILE_VERBS[verb]
    target = tmp_path / name
    target.mkdir()
    result = runner.invoke(app, arguments(tmp_path, target))
    _assert_designed(result, target)
    assert "is a directory" in result.output


@pytest.mark.parametrize("verb", sorted(ROOT_VERBS))
def test_a_historian_root_in_a_read_only_directory_is_named(tmp_path, read_only_directory, verb):
    result = runner.invoke(app, ROOT_VERBS[verb](tmp_path, read_only_directory / "lake"))
    _assert_designed(result, read_only_directory / "lake")


@pytest.mark.parametrize("verb", sorted(ROOT_VERBS))
def test_a_historian_root_that_is_a_file_is_named(tmp_path, verb):
    target = tmp_path / "lake"
    target.write_text("not a directory", encoding="utf-8")
    result = runner.invoke(app, ROOT_VERBS[verb](tmp_path, target))
    _assert_designed(result, target)


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_written_files_follow_the_umask(tmp_path, umask):
    previous = os.umask(umask)
    try:
        written = atomic_write_text(tmp_path / "report.json", "{}")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(written.stat().st_mode) == 0o666 & ~umask
