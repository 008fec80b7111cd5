"""Reference data: emission factors, standards' limits and constants, every row with its source.

Tables are CSV files in ``refdata/tables/``, declared in ``refdata/catalog.toml``: the key columns
that identify a row, the value columns and the column that holds each value's unit. Each row
carries ``source`` (document, edition, table or page) and ``needs_verification`` (``true`` for a
value that is not yet confirmed from the primary text; such values flow on but are reported as
provisional). Tables are loaded and validated once, on first use; callers receive copies, so
nothing outside this module can change the shipped data.

The validation on load checks: declared columns present, keys unique, values finite numbers,
every unit parses with :data:`greenmet.units.ureg`, every row has a source. A failure is a
packaging defect and raises :class:`~greenmet.errors.ReferenceDataError`.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from greenmet.errors import ReferenceDataError, UnknownKeyError

__all__ = ["Factor", "catalog", "factor", "gwp", "load_table", "table_names"]

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no", ""}


@dataclass(frozen=True)
class Factor:
    """One reference value with its unit and provenance.

    Attributes
    ----------
    table
        The reference table the value comes from.
    key
        The key columns and their values that select the row.
    value
        The number, in ``unit``.
    unit
        A unit string understood by :func:`greenmet.units.parse_unit`.
    source
        Document, edition and table or page.
    needs_verification
        True when the value is not yet confirmed from the primary text.
    """

    table: str
    key: tuple[tuple[str, Any], ...]
    value: float
    unit: str
    source: str
    needs_verification: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            **{k: v for k, v in self.key},
            "value": self.value,
            "unit": self.unit,
            "source": self.source,
            "needs_verification": self.needs_verification,
        }


@cache
def catalog() -> dict[str, dict[str, Any]]:
    """The declarations of every shipped table (``catalog.toml``)."""
    text = resources.files("greenmet.refdata").joinpath("catalog.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)["table"]


def table_names() -> list[str]:
    """Names of every shipped reference table."""
    return sorted(catalog())


def load_table(name: str) -> pd.DataFrame:
    """A validated copy of reference table ``name``.

    Raises
    ------
    UnknownKeyError
        If no table has that name.
    ReferenceDataError
        If the shipped table fails validation.
    """
    return _load_validated(name).copy()


@cache
def _load_validated(name: str) -> pd.DataFrame:
    declarations = catalog()
    if name not in declarations:
        raise UnknownKeyError(
            "no reference table of that name", field="table", value=name,
            fix=f"use one of {', '.join(sorted(declarations))}",
        )
    spec = declarations[name]
    path = resources.files("greenmet.refdata").joinpath("tables", f"{name}.csv")
    with resources.as_file(path) as file:
        frame = pd.read_csv(file, dtype=str, keep_default_na=False, comment=None)
    _validate(name, spec, frame)
    for column in spec["values"]:
        frame[column] = frame[column].astype(float)
    frame["needs_verification"] = frame["needs_verification"].str.lower().isin(_TRUE)
    return frame


def _validate(name: str, spec: dict[str, Any], frame: pd.DataFrame) -> None:
    from greenmet.units import parse_unit  # deferred: units reads the gwp table lazily too

    keys: list[str] = spec["key"]
    values: list[str] = spec["values"]
    units: dict[str, str] = spec.get("units", {value: "unit" for value in values})
    required = [*keys, *values, *set(units.values()), "source", "needs_verification"]
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ReferenceDataError(
            f"table {name!r} lacks declared columns", value=missing,
            fix="add the columns to the CSV or correct catalog.toml",
        )
    duplicated = frame.duplicated(subset=keys, keep=False)
    if duplicated.any():
        rows = (frame.index[duplicated] + 2).tolist()  # +2: header line and 1-based rows
        raise ReferenceDataError(
            f"table {name!r} has duplicate keys {keys}", value=rows,
            fix="make each key unique, or add a key column (edition, year)",
        )
    for row_number, row in enumerate(frame.to_dict("records"), start=2):
        if not row["source"].strip():
            raise ReferenceDataError(
                f"table {name!r} row {row_number} has no source", field="source",
                fix="every shipped row names its document, edition and table",
            )
        if row["needs_verification"].strip().lower() not in _TRUE | _FALSE:
            raise ReferenceDataError(
                f"table {name!r} row {row_number}: needs_verification is not true/false",
                field="needs_verification", value=row["needs_verification"],
            )
        for column in values:
            try:
                number = float(row[column])
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                raise ReferenceDataError(
                    f"table {name!r} row {row_number}: value is not a finite number",
                    field=column, value=row[column],
                )
            parse_unit(row[units[column]], field=f"{name}.{units[column]} (row {row_number})")


def factor(table: str, **key: Any) -> Factor:
    """The one row of ``table`` selected by its key columns.

    Examples
    --------
    >>> factor("gwp", metric="AR5GWP100", gas="CF4").value
    6630.0

    Raises
    ------
    UnknownKeyError
        If no row matches; the message lists the values that exist.
    """
    spec = catalog().get(table)
    frame = _load_validated(table)
    if spec is None:  # pragma: no cover - _load_validated raised already
        raise UnknownKeyError("unknown table", value=table)
    key_columns: list[str] = spec["key"]
    unknown = set(key) - set(key_columns)
    if unknown or set(key) != set(key_columns):
        raise UnknownKeyError(
            f"table {table!r} is keyed by {key_columns}", value=sorted(key),
            fix=f"pass exactly {key_columns}",
        )
    mask = pd.Series(True, index=frame.index)
    for column, wanted in key.items():
        mask &= frame[column] == str(wanted)
        if not mask.any():
            known = sorted(frame.loc[frame[column] != "__", column].unique())
            raise UnknownKeyError(
                f"{column} not in reference table {table!r}", field=column, value=wanted,
                fix=f"use one of {', '.join(map(str, known))}",
            )
    row = frame[mask].iloc[0]
    value_column = spec["values"][0]
    unit_column = spec.get("units", {value_column: "unit"})[value_column]
    return Factor(
        table=table,
        key=tuple((column, key[column]) for column in key_columns),
        value=float(row[value_column]),
        unit=str(row[unit_column]),
        source=str(row["source"]),
        needs_verification=bool(row["needs_verification"]),
    )


def gwp(gas: str, metric: str) -> float:
    """Global-warming potential of ``gas`` under ``metric`` (``"AR5GWP100"`` …). [dimensionless]"""
    return factor("gwp", metric=metric, gas=gas).value
