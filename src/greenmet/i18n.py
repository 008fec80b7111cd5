"""Chinese and English labels for reports and the command line.

Each package that shows labels ships a ``labels.toml`` beside its modules::

    [scope_1]
    en = "Direct emissions (scope 1)"
    zh = "直接排放（范围一）"

:func:`label` looks a key up in the labels of a package. A missing key falls back to the key
itself so that a report never fails for want of a translation, and a test checks that every
key used has both languages.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from greenmet.errors import InputError

__all__ = ["LANGUAGES", "Language", "check_language", "label", "labels"]

Language = Literal["en", "zh"]
LANGUAGES: tuple[str, ...] = ("en", "zh")


def check_language(language: str) -> Language:
    """Return ``language`` if greenmet speaks it, else raise :class:`InputError`."""
    if language not in LANGUAGES:
        raise InputError("unknown language", field="language", value=language,
                         fix="use 'en' (English) or 'zh' (中文)")
    return language  # type: ignore[return-value]


@cache
def labels(package: str) -> dict[str, dict[str, str]]:
    """All labels of ``package`` (for example ``"greenmet.carbon"``), empty if it has none."""
    try:
        text = resources.files(package).joinpath("labels.toml").read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return tomllib.loads(text)


def label(key: str, language: str, package: str) -> str:
    """The label of ``key`` in ``language``, from the labels of ``package``."""
    entry = labels(package).get(key)
    if entry is None:
        return key
    return entry.get(check_language(language), key)
