"""The static checks of CONTRIBUTING run with the tests, so CI fails when they fail."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_layers_respect_design_md():
    # import-linter contracts in pyproject.toml: interfaces > pipelines > domain > foundation.
    executable = shutil.which("lint-imports")
    if executable is None:
        pytest.skip("import-linter not installed (pip install -e '.[test]')")
    result = _run(executable)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean():
    result = _run(sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks", "docs")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_on_the_core():
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr
