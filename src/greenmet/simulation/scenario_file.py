"""Read a fault scenario from a TOML or YAML file (the domain model validates it)."""

from __future__ import annotations

from pathlib import Path

from greenmet.blast_furnace.simulator import Scenario
from greenmet.errors import FileFormatError, Location

__all__ = ["load_scenario"]

_FORMATS = {".toml": "toml", ".yaml": "yaml", ".yml": "yaml"}


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate the scenario file ``path`` (``.toml``, ``.yaml`` or ``.yml``).

    Raises
    ------
    FileFormatError
        If the file is missing, has another extension or does not parse.
    InputError
        If its content does not validate (the message names the field and the fix).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise FileFormatError(
            "scenario files are TOML or YAML",
            field="scenario",
            value=path.name,
            fix="use a .toml, .yaml or .yml file",
            location=Location(file=str(path)),
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FileFormatError(
            f"cannot read the scenario file: {exc.strerror}",
            field="scenario",
            value=str(path),
            fix="check the path",
            location=Location(file=str(path)),
        ) from exc
    return Scenario.from_text(text, format=_FORMATS[suffix], source=str(path))  # type: ignore[arg-type]
