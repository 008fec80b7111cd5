"""greenmet's errors: one hierarchy, each class also the builtin a caller would catch.

::

    GreenmetError
    ├── InputError (ValueError)              bad value in user input: negative mass, zero period, NaN …
    │   ├── UnitError (ValueError)           a unit that does not parse or does not convert
    │   ├── SuspectUnitError (ValueError)    a value plausible only in another unit (NCV off by 1000)
    │   └── CompositionError (ValueError)    fractions out of [0, 1] or not summing to 100 %
    ├── UnknownKeyError (KeyError)           a material, factor, tag or table greenmet does not know
    ├── FileFormatError (ValueError)         a file that does not parse, or lacks a column
    ├── BalanceError (ValueError)            a mass/carbon/heat balance whose residual is out of tolerance
    ├── ReferenceDataError (ValueError)      a shipped reference table that fails its own validation
    └── StorageError (OSError)               a write that could not be completed atomically

Every message says what was wrong, the offending value, where it came from (file, row, field)
and how to fix it. Errors carry those parts as attributes so the CLI and the service can show
them in one shape (see :meth:`GreenmetError.to_dict`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "BalanceError",
    "CompositionError",
    "FileFormatError",
    "GreenmetError",
    "GreenmetWarning",
    "InputError",
    "Location",
    "ReferenceDataError",
    "StorageError",
    "SuspectUnitError",
    "UnitError",
    "UnknownKeyError",
]


@dataclass(frozen=True)
class Location:
    """Where an offending value came from: a file, a sheet, a row (1-based, as a person counts)."""

    file: str | None = None
    sheet: str | None = None
    row: int | None = None

    def __str__(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        return ", ".join(parts)


class GreenmetError(Exception):
    """Base class of every error greenmet raises on purpose.

    Parameters
    ----------
    problem
        What is wrong, in one sentence.
    field
        The name of the offending field, column, tag or parameter.
    value
        The offending value, shown with ``repr``.
    fix
        What the user should do about it.
    location
        The file, sheet and row the value came from, if it came from a file.
    """

    code = "greenmet_error"

    def __init__(
        self,
        problem: str,
        *,
        field: str | None = None,
        value: Any = None,
        fix: str | None = None,
        location: Location | None = None,
    ) -> None:
        self.problem = problem
        self.field = field
        self.value = value
        self.fix = fix
        self.location = location
        super().__init__(self._message())

    def _message(self) -> str:
        parts = []
        if self.location is not None and str(self.location):
            parts.append(f"{self.location}: ")
        if self.field is not None:
            parts.append(f"{self.field}: ")
        parts.append(self.problem)
        if self.value is not None:
            parts.append(f" (got {self.value!r})")
        if self.fix:
            parts.append(f". Fix: {self.fix}")
        return "".join(parts)

    def __str__(self) -> str:
        return self._message()

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments do not survive the default pickling; keep errors picklable
        # so that they cross process boundaries (batch workers, pint does the same).
        return (_rebuild, (type(self), self.problem, self.field, self.value, self.fix, self.location))

    def to_dict(self) -> dict[str, Any]:
        """The one JSON shape of an error, used by the CLI (``--format json``) and the service."""
        return {
            "ok": False,
            "error": self.code,
            "message": str(self),
            "field": self.field,
            "value": None if self.value is None else repr(self.value),
            "fix": self.fix,
            "file": self.location.file if self.location else None,
            "sheet": self.location.sheet if self.location else None,
            "row": self.location.row if self.location else None,
        }


def _rebuild(cls: type[GreenmetError], problem: str, field: Any, value: Any, fix: Any, location: Any):
    return cls(problem, field=field, value=value, fix=fix, location=location)


class InputError(GreenmetError, ValueError):
    """A value in user input that cannot be right: negative mass, zero-length period, NaN."""

    code = "input_error"


class UnitError(InputError):
    """A unit that does not parse, or that does not convert to the unit the field needs."""

    code = "unit_error"


class SuspectUnitError(InputError):
    """A value that is plausible only in another unit (an NCV a thousand times too large)."""

    code = "suspect_unit"


class CompositionError(InputError):
    """Mass or volume fractions outside [0, 1], or a composition that does not sum to 100 %."""

    code = "composition_error"


class UnknownKeyError(GreenmetError, KeyError):
    """A material, factor, table, tag or method that greenmet does not know."""

    code = "unknown_key"

    def __str__(self) -> str:  # KeyError would otherwise wrap the message in quotes
        return self._message()


class FileFormatError(GreenmetError, ValueError):
    """A file that does not parse, has a missing column or a malformed row."""

    code = "file_format"


class BalanceError(GreenmetError, ValueError):
    """A balance (mass, carbon, heat) whose residual exceeds its tolerance."""

    code = "balance_error"


class ReferenceDataError(GreenmetError, ValueError):
    """A shipped reference table that fails its own validation (a packaging defect)."""

    code = "reference_data"


class StorageError(GreenmetError, OSError):
    """A write that could not be completed; nothing was half-written."""

    code = "storage_error"


class GreenmetWarning(UserWarning):
    """A condition the user can act on that does not stop the calculation."""
