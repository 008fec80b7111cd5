"""tests/validation/ holds only checks against sources a reader can open.

A validation module names its sources in its docstring (a public repository path at a commit, or
a document with number and edition), and no test there leans on the team's unpublished reference
notes; calibration, hand calculations and transcription checks live elsewhere.
"""

import ast
import re
from pathlib import Path

import pytest

VALIDATION = Path(__file__).resolve().parent / "validation"
MODULES = sorted(p for p in VALIDATION.glob("test_*.py"))
# A repository path at a commit ("owner/name … @0e94b7a…") or a numbered document ("IR 2025/2547",
# "GB/T 32151.5-2015", "ISO 14404-1:2013", "doi:…").
OPENABLE = re.compile(
    r"[\w.-]+/[\w.-]+.*@[0-9a-f]{7,40}|\b(?:ISO|GB/T|EN|IR|Regulation) [\w./:-]+\d|doi:10\."
)
UNPUBLISHED = re.compile(r"reference note|research note|team note|rule of thumb", re.IGNORECASE)


def test_there_are_validation_modules():
    assert MODULES


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_validation_module_names_openable_sources(path):
    docstring = ast.get_docstring(ast.parse(path.read_text("utf-8"))) or ""
    assert OPENABLE.search(docstring), f"{path.name}: the module docstring names no openable source"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_validation_module_does_not_lean_on_unpublished_notes(path):
    hits = [line.strip() for line in path.read_text("utf-8").splitlines() if UNPUBLISHED.search(line)]
    assert hits == []


def test_the_patterns_tell_openable_from_unpublished():
    assert OPENABLE.search("USTBifrt/Blast_Furnace_Calculation_Models @0e94b7aaf5aae42")
    assert not OPENABLE.search("the team's reference note §1.2")
    assert UNPUBLISHED.search("# RAFT sensitivities (reference note §1.2)")
