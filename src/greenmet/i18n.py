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

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any, Literal

from greenmet.errors import InputError

__all__ = [
    "LANGUAGES",
    "Language",
    "Message",
    "check_language",
    "label",
    "labels",
    "name_label",
    "render",
    "unit_label",
]

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


def name_label(name: str, language: str, package: str) -> str:
    """The display name of a machine name (material, process, product) in ``language``.

    Chinese text shows the ``zh`` of the ``name_<name>`` label; English text keeps the machine
    name the activity file and the JSON use (``crude_steel``), so that a reader finds it in both.
    Names without a label (a plant's own stream names, CN codes) are shown as they are; compound
    names (``scrap:direct``) part by part.
    """
    if check_language(language) == "en":
        return name
    if ":" in name:
        return ":".join(name_label(part, language, package) for part in name.split(":"))
    if f"name_{name}" not in labels(package):
        return name
    return label(f"name_{name}", language, package)


_LIST_SEPARATOR = {"en": ", ", "zh": "、"}


def _format(key: str, package: str, language: str, params: dict[str, Any]) -> str:
    template = label(key, language, package)
    shown = {
        name: value[language]
        if isinstance(value, dict)
        else _LIST_SEPARATOR[language].join(
            item.render(language) if isinstance(item, Message) else name_label(str(item), language, package)
            for item in value
        )
        if isinstance(value, list | tuple)
        else value
        for name, value in params.items()
    }
    return template.format(**shown)


class Message(str):
    """A user-facing text with parameters, shown in English and renderable in Chinese.

    ``Message("grid_factor_year", "greenmet.carbon", factor_year=2022, reporting_year=2024)``
    is the ``str`` of the English template ``grid_factor_year`` of ``greenmet.carbon``'s labels
    filled with the parameters; :meth:`render` fills the template of another language. A list or
    tuple parameter is a list of machine names (each shown with :func:`name_label`) or of
    messages (each rendered), joined as the language joins a list; a dict parameter gives its
    text per language (``{"en": …, "zh": …}``, for texts that come from reference tables).
    """

    key: str
    package: str
    params: dict[str, Any]

    def __new__(cls, key: str, package: str, /, **params: Any) -> Message:
        if key not in labels(package):
            raise InputError("unknown message key", field="key", value=key,
                             fix=f"add [{key}] with en and zh to the labels.toml of {package}")
        message = super().__new__(cls, _format(key, package, "en", params))
        message.key, message.package, message.params = key, package, dict(params)
        return message

    def __getnewargs_ex__(self) -> tuple[tuple[str, str], dict[str, Any]]:
        return (self.key, self.package), self.params

    def render(self, language: str) -> str:
        """The text in ``language``."""
        return _format(self.key, self.package, check_language(language), self.params)


def render(text: str, language: str) -> str:
    """``text`` in ``language`` if it is a :class:`Message`, else ``text`` unchanged."""
    return text.render(language) if isinstance(text, Message) else str(text)


_UNIT_TOKEN = re.compile(r"1e4 Nm3|10\^4 Nm3|[A-Za-z_][A-Za-z0-9_]*|\s+|.")
_UNIT_OPERATOR = {"zh": {"*": "·", " ": ""}, "en": {}}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@cache
def unit_label(unit: str, language: str, names: str | None = None) -> str:
    """The spelling of ``unit`` (a pint-style unit string) for people reading ``language``.

    A whole unit with its own ``unit:`` label in ``greenmet/labels.toml`` is shown as labelled;
    otherwise each symbol is looked up (``t`` → ``吨``, ``MWh`` → ``兆瓦时``) and the operators
    kept (``*`` becomes ``·`` and spaces between symbols go in Chinese). A word that is not a
    unit (``crude_steel`` in ``t CO2e/t crude_steel``) is shown with its ``name_`` label from the
    labels of the package ``names``; anything else is kept as written.
    """
    language = check_language(language)
    table = labels("greenmet")
    whole = table.get(f"unit:{unit.strip()}")
    if whole is not None:
        return whole[language]
    parts: list[str] = []
    for token in _UNIT_TOKEN.findall(unit):
        entry = table.get(f"unit:{token}")
        if entry is not None:
            parts.append(entry[language])
        elif names is not None and _WORD.fullmatch(token):
            parts.append(name_label(token, language, names))
        else:
            parts.append(_UNIT_OPERATOR[language].get(token[:1] if token.isspace() else token, token))
    return "".join(parts)
