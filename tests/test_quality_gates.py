"""The static checks of CONTRIBUTING run with the tests, so CI fails when they fail.

A missing tool skips its check on a developer's machine but fails it in CI (``CI=true``, as
set by GitHub Actions, GitLab CI and ``.ci/run``): a gate that silently skips is no gate.
"""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _require(found: bool, tool: str) -> None:
    """Skip locally, fail in CI, when ``tool`` is not installed."""
    if found:
        return
    message = f"{tool} not installed (pip install -e '.[test]')"
    if _in_ci():
        pytest.fail(f"{message}: the quality gate cannot run in CI")
    pytest.skip(message)


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_layers_follow_the_architecture():
    # import-linter contracts in pyproject.toml; the layers are described in
    # docs/dev/architecture.md.
    # The venv running the tests may not be on PATH: look beside its interpreter too.
    beside_python = str(Path(sys.executable).parent)
    executable = shutil.which("lint-imports") or shutil.which("lint-imports", path=beside_python)
    _require(executable is not None, "import-linter")
    assert executable is not None
    result = _run(executable)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean():
    _require(importlib.util.find_spec("ruff") is not None, "ruff")
    result = _run(sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks", "docs")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean():
    _require(importlib.util.find_spec("mypy") is not None, "mypy")
    result = _run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(("value", "in_ci"), [("true", True), ("1", True), ("TRUE", True), ("", False),
                                               ("false", False)])
def test_a_missing_tool_fails_in_ci_and_skips_elsewhere(monkeypatch, value, in_ci):
    monkeypatch.setenv("CI", value)
    outcome = pytest.fail.Exception if in_ci else pytest.skip.Exception
    with pytest.raises(outcome, match="no-such-tool not installed"):
        _require(False, "no-such-tool")
    _require(True, "no-such-tool")  # an installed tool never skips or fails here


def test_mypy_checks_every_module_of_src():
    # [tool.mypy] files must reach every module under src/greenmet (issue 12 §3): a module left
    # out is a module whose types nobody checks.
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mypy"]
    roots = [(ROOT / entry).resolve() for entry in config["files"]]
    modules = sorted((ROOT / "src" / "greenmet").rglob("*.py"))
    unchecked = [str(m.relative_to(ROOT)) for m in modules
                 if not any(m == r or r in m.parents for r in roots)]
    assert unchecked == []
