"""Documentation unit tests: what the code offers, the docs must say (datasette's practice)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest
import typer.main

import greenmet
from greenmet.cli import app
from greenmet.units import parse_unit

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# Packages whose public functions are physics/accounting and so carry units in brackets.
UNIT_PACKAGES = ("greenmet.carbon", "greenmet.blast_furnace", "greenmet.quality", "greenmet.mfa")
_SECTION = re.compile(r"^\s*(Parameters|Returns|Attributes|Other Parameters)\s*\n\s*-{3,}\s*$", re.M)
_NEXT_SECTION = re.compile(r"^\s*[A-Z][A-Za-z ]+\s*\n\s*-{3,}\s*$", re.M)
_TRAILING_UNIT = re.compile(r"\[([^\[\]]+)\]\s*$")


def _modules(package: str):
    module = importlib.import_module(package)
    yield module
    for info in pkgutil.walk_packages(getattr(module, "__path__", []), prefix=f"{package}."):
        yield importlib.import_module(info.name)


def _public_callables():
    for package in UNIT_PACKAGES:
        try:
            modules = list(_modules(package))
        except ModuleNotFoundError:
            continue
        for module in modules:
            for name, obj in vars(module).items():
                if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                    continue
                if inspect.isfunction(obj) or inspect.isclass(obj):
                    yield f"{module.__name__}.{name}", inspect.getdoc(obj) or ""


def _bracketed_units(doc: str):
    for match in _SECTION.finditer(doc):
        body = doc[match.end():]
        following = _NEXT_SECTION.search(body)
        body = body[: following.start()] if following else body
        # Entries are "name : type" lines followed by indented description paragraphs.
        for paragraph in re.split(r"\n(?=\S)", body):
            lines = [line for line in paragraph.strip().splitlines() if line.strip()]
            if len(lines) < 2:
                continue
            unit = _TRAILING_UNIT.search(lines[-1])
            # "[1]_" is a numpydoc citation; "[unit of the tag]" documents a generic function
            # whose values keep the unit of their input.
            if unit and not unit.group(1).endswith("_") and not unit.group(1).startswith("unit of"):
                yield lines[0].split(":")[0].strip(), unit.group(1)


def test_units_in_docstrings_parse_with_greenmets_registry():
    # docs/dev/conventions.md (pvlib style): units in square brackets, machine-checked, so that free-text
    # units cannot drift (pvlib's [W/m⁻²] was dimensionally wrong).
    bad = []
    for name, doc in _public_callables():
        for parameter, unit in _bracketed_units(doc):
            try:
                parse_unit(unit)
            except Exception as error:
                bad.append(f"{name}({parameter}): [{unit}] -> {error}")
    assert not bad, "\n".join(bad)


def _cli_verbs():
    command = typer.main.get_command(app)
    for group_name, group in getattr(command, "commands", {}).items():
        for verb in getattr(group, "commands", {}) or {"": group}:
            yield f"greenmet {group_name} {verb}".strip()


@pytest.mark.parametrize("verb", sorted(_cli_verbs()))
def test_every_cli_verb_is_in_a_user_guide(verb):
    guides = "\n".join(p.read_text(encoding="utf-8") for p in (DOCS / "user_guide").glob("*.md"))
    assert verb in guides, f"'{verb}' is not documented in docs/user_guide/*.md"


def test_nomenclature_index_links_exist():
    index = (DOCS / "nomenclature.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\((nomenclature/[^)]+)\)", index):
        assert (DOCS / target).exists(), target


def test_readme_has_the_two_setup_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.+?)\n```", readme, re.S)
    test_command = next(block for block in blocks if "pytest" in block)
    assert any("greenmet " in block for block in blocks), "README lacks the main-job command"
    assert test_command in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_version_is_exposed():
    assert re.fullmatch(r"\d+\.\d+\.\d+", greenmet.__version__)
