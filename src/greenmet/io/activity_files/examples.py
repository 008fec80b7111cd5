"""The example plants shipped in ``greenmet/carbon/examples``, by short name."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from greenmet.errors import UnknownKeyError
from greenmet.io.activity_files.readers import read_activity

if TYPE_CHECKING:
    from greenmet.carbon.activity import ActivityData

__all__ = ["example_names", "example_path", "read_example"]


def _example_files() -> dict[str, Any]:
    """Short name → resource of each shipped example (``bf_bof_plant.toml`` → ``bf-bof``)."""
    from importlib import resources

    folder = resources.files("greenmet.carbon").joinpath("examples")
    if not folder.is_dir():
        return {}
    files = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".toml"):
            name = entry.name.removesuffix(".toml").replace("_", "-")
            for suffix in ("-plant", "-smelter"):
                name = name.removesuffix(suffix)
            files[name] = entry
    return files


def example_names() -> list[str]:
    """Names of the example plants shipped in ``greenmet/carbon/examples`` (``bf-bof`` …)."""
    return sorted(_example_files())


def example_path(name: str) -> Path:
    """The file of the shipped example plant ``name`` (``bf-bof``, ``scrap-eaf``, ``aluminium``)."""
    import difflib

    files = _example_files()
    wanted = name.strip().lower().replace("_", "-")
    if wanted not in files:
        close = difflib.get_close_matches(wanted, list(files), n=1)
        raise UnknownKeyError(
            "no example plant of that name",
            field="example",
            value=name,
            fix=f"use one of {', '.join(sorted(files))}"
            + (f" (did you mean {close[0]!r}?)" if close else ""),
        )
    return Path(str(files[wanted]))


def read_example(name: str) -> ActivityData:
    """The activity data of the shipped example plant ``name``."""
    return read_activity(example_path(name))
