"""docs/dev/architecture.md describes the import-linter contracts that are in force.

The page is the project's record of its architecture; these tests fail when the layers of the
contract in pyproject.toml and the layers the page lists drift apart, or when code or docs point
to a design note that is not in the repository.
"""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "dev" / "architecture.md"


def _contracts():
    return tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["importlinter"]["contracts"]


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _documented_layers() -> list[str]:
    text = DOC.read_text("utf-8")
    block = re.search(r"## Layers.*?```\n(.*?)```", text, re.S)
    assert block, "architecture.md has no code block of layers under '## Layers'"
    rows = []
    for line in block.group(1).splitlines():
        # a row is the package expression, then two or more spaces and its description
        rows.append(_normalise(re.split(r"\s{2,}", line.strip())[0]))
    return [row for row in rows if row]


def test_documented_layers_are_the_contracts_layers():
    layered = [c for c in _contracts() if c["type"] == "layers"]
    assert len(layered) == 1
    assert _documented_layers() == [_normalise(layer) for layer in layered[0]["layers"]]


def test_forbidden_contract_is_documented():
    text = DOC.read_text("utf-8")
    for contract in (c for c in _contracts() if c["type"] == "forbidden"):
        assert contract["name"] in text
        for module in contract["source_modules"] + contract["forbidden_modules"]:
            assert f"`{module}`" in text, module


def test_no_reference_to_a_design_note_outside_the_repository():
    paths = [ROOT / "pyproject.toml", ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
    for folder in ("src", "tests", "docs"):
        paths += [p for p in (ROOT / folder).rglob("*") if p.suffix in {".py", ".md", ".toml", ".txt"}]
    needle = "DESIGN" + ".md"  # split so that this file does not match itself
    offenders = [str(p.relative_to(ROOT)) for p in paths if needle in p.read_text("utf-8", errors="replace")]
    assert offenders == []


def test_every_top_level_package_has_a_layer():
    # The layers contract is not exhaustive, so a new package outside it would escape the layer
    # rules: each top-level package or module of greenmet must be named in a layer.
    layered = next(c for c in _contracts() if c["type"] == "layers")
    named = set(re.findall(r"greenmet\.(\w+)", " ".join(layered["layers"])))
    source = ROOT / "src" / "greenmet"
    present = {p.name for p in source.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    present |= {p.stem for p in source.glob("*.py") if p.stem != "__init__"}
    assert present - named == set()
