"""Shared pieces of the CLI verbs: output formats, languages, error rendering."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

import typer

from greenmet.errors import GreenmetError

__all__ = ["ERROR_EXIT_CODE", "Format", "Language", "echo_json", "guarded"]

ERROR_EXIT_CODE = 2


class Format(StrEnum):
    """Output formats of CLI verbs."""

    json = "json"
    table = "table"
    xlsx = "xlsx"


class Language(StrEnum):
    """Languages of labels and reports."""

    en = "en"
    zh = "zh"


def echo_json(payload: Any) -> None:
    """Print ``payload`` as indented JSON (non-ASCII kept readable)."""
    typer.echo(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


F = TypeVar("F", bound=Callable[..., Any])


def guarded(function: F) -> F:
    """Turn a :class:`GreenmetError` raised by a verb into a clean message and exit status 2.

    With ``format=json`` among the verb's arguments the error is printed as the JSON error
    shape of :meth:`GreenmetError.to_dict` on stdout, so scripts can parse it.
    """

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except GreenmetError as error:
            output_format = kwargs.get("output_format") or kwargs.get("format")
            if output_format in (Format.json, "json"):
                echo_json(error.to_dict())
            else:
                typer.echo(f"error: {error}", err=True)
            raise typer.Exit(ERROR_EXIT_CODE) from None

    return wrapper  # type: ignore[return-value]
