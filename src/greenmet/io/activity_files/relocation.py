"""Validate read data as ActivityData and relocate every error to its file, sheet and row.

pydantic's ``ValidationError`` and greenmet errors raised inside the models are translated into
greenmet errors that name the file, the sheet, the row (as Excel numbers it), the field, the value
and the fix.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from greenmet.errors import GreenmetError, InputError, Location, UnknownKeyError
from greenmet.io.activity_files.layout import _Origins

if TYPE_CHECKING:
    from greenmet.carbon.activity import ActivityData


def _validate(data: dict[str, Any], path: Path, origins: _Origins) -> ActivityData:
    from greenmet.carbon.activity import ActivityData

    try:
        return ActivityData.model_validate(data)
    except ValidationError as exc:
        raise _translate(exc, data, path, origins) from None
    except GreenmetError as exc:
        raise _relocate(exc, data, path, origins) from None


def _locate(loc: Sequence[Any], path: Path, origins: _Origins) -> Location:
    """The most specific known origin of a pydantic location path."""
    for length in range(len(loc), 0, -1):
        found = origins.get(tuple(loc[:length]))
        if found is not None:
            return found
    return Location(str(path))


def _field_name(loc: Sequence[Any], origins: _Origins) -> str:
    """``materials[2].quantity`` for text files; the column key for Excel rows."""
    if origins and len(loc) >= 3 and isinstance(loc[1], int) and (loc[0], loc[1]) in origins:
        return ".".join(str(part) for part in loc[2:])
    if origins and loc and loc[0] in ("installation", "period", "aluminium") and tuple(loc[:2]) in origins:
        return (
            "period_" + str(loc[1])
            if loc[0] == "period" and len(loc) > 1
            else ".".join(str(part) for part in loc[1:]) or str(loc[0])
        )
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _value_at(data: Any, loc: Sequence[Any]) -> Any:
    value = data
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value


_FIXES = {
    "missing": "fill in this field",
    "float_parsing": "give a plain number (no units or thousands separators in the cell)",
    "float_type": "give a plain number",
    "int_parsing": "give a whole number",
    "int_from_float": "give a whole number",
    "date_parsing": "give a date as YYYY-MM-DD",
    "date_from_datetime_inexact": "give a date without a time of day",
    "date_type": "give a date as YYYY-MM-DD",
    "extra_forbidden": "remove this field or correct its spelling (see `greenmet carbon schema`)",
    "string_type": "give text",
    "finite_number": "give a finite number",
    "greater_than_equal": "give a value that is not negative",
    "greater_than": "give a value greater than zero",
    "less_than_equal": "give a smaller value",
    "bool_parsing": "give true or false",
    "dict_type": "give a table (section) of fields",
    "list_type": "give a list of rows",
}


def _translate(exc: ValidationError, data: dict[str, Any], path: Path, origins: _Origins) -> GreenmetError:
    """The first error of a pydantic ValidationError as a greenmet error with its location."""
    error = exc.errors()[0]
    loc = tuple(error.get("loc", ()))
    location = _locate(loc, path, origins)
    field_name = _field_name(loc, origins) if loc else None
    more = exc.error_count() - 1
    suffix = f" ({more} more error{'s' if more > 1 else ''} after this one)" if more else ""
    original = (error.get("ctx") or {}).get("error")
    if isinstance(original, GreenmetError):
        return type(original)(
            original.problem + suffix,
            field=field_name or original.field,
            value=original.value if original.value is not None else _value_at(data, loc),
            fix=original.fix,
            location=location,
        )
    kind = error.get("type", "")
    if kind == "literal_error":
        expected = (error.get("ctx") or {}).get("expected", "")
        fix = f"use one of {expected}"
    else:
        fix = _FIXES.get(kind, "correct the value (see `greenmet carbon schema` for every field)")
    value = None if kind == "missing" else error.get("input", _value_at(data, loc))
    if isinstance(value, dict | list):
        value = None
    message = str(error.get("msg", "invalid value"))
    message = message.removeprefix("Value error, ")
    error_class = UnknownKeyError if kind == "extra_forbidden" else InputError
    return error_class(
        message[:1].lower() + message[1:] + suffix, field=field_name, value=value, fix=fix, location=location
    )


def _relocate(exc: GreenmetError, data: dict[str, Any], path: Path, origins: _Origins) -> GreenmetError:
    """Attach the file, sheet and row to an error raised while validating ``data``.

    The activity models name the offending field as a path (``materials[2].quantity``); errors
    raised before pydantic knows the path (an unknown material) name only the field, and the
    row is then found by the offending value.
    """
    if exc.location is not None and exc.location.file:
        return exc
    loc = _parse_path(exc.field) if exc.field else ()
    if not loc or (len(loc) == 1 and loc[0] not in data):
        loc = _find_value(data, exc.value, wanted=exc.field) or loc
    location = _locate(loc, path, origins) if loc else Location(str(path))
    field_name = _field_name(loc, origins) if loc else exc.field
    return type(exc)(exc.problem, field=field_name, value=exc.value, fix=exc.fix, location=location)


def _parse_path(text: str) -> tuple[Any, ...]:
    """``"materials[2].quantity"`` → ``("materials", 2, "quantity")``."""
    parts: list[Any] = []
    for piece in text.replace("]", "").split("."):
        name, *indices = piece.split("[")
        if name:
            parts.append(name)
        parts.extend(int(index) if index.isdigit() else index for index in indices)
    return tuple(parts)


def _find_value(
    data: Any, value: Any, prefix: tuple[Any, ...] = (), wanted: str | None = None
) -> tuple[Any, ...]:
    """The path of the first occurrence of ``value`` in nested ``data`` (empty when absent).

    With ``wanted``, only an occurrence under a key of that name counts.
    """
    if value is None:
        return ()
    for key, item in _children(data):
        if isinstance(item, dict | list):
            found = _find_value(item, value, (*prefix, key), wanted)
            if found:
                return found
        elif (
            item == value
            and not isinstance(item, bool)
            and (wanted is None or str(key) == wanted.rsplit(".", 1)[-1])
        ):
            return (*prefix, key)
    return ()


def _children(data: Any) -> Iterator[tuple[Any, Any]]:
    if isinstance(data, dict):
        yield from data.items()
    elif isinstance(data, list):
        yield from enumerate(data)


