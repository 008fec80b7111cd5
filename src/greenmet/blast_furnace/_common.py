"""Shared helpers of the blast-furnace calculations: input coercion, output wrapping, constants.

Every public function of :mod:`greenmet.blast_furnace` accepts Python scalars, numpy arrays and
pandas Series. Plain arithmetic already keeps a Series' index; functions that need numpy
(``np.where``, iterations) coerce their inputs with :func:`as_float_array` and give the result
the shape and the index of the inputs back with :func:`like_inputs`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from greenmet.errors import InputError
from greenmet.refdata import factor, load_table

__all__ = [
    "MOLAR_VOLUME_NM3_PER_KMOL",
    "ArrayLike",
    "as_float_array",
    "constant",
    "like_inputs",
]

ArrayLike = Any
"""A scalar, a numpy array or a pandas Series (the public functions accept all three)."""

MOLAR_VOLUME_NM3_PER_KMOL = 22.414
"""Molar volume of an ideal gas at 0 degC, 101.325 kPa [Nm3/kmol] (CODATA 2018: 22.41397)."""


def as_float_array(value: ArrayLike, *, field: str) -> np.ndarray:
    """``value`` as a float numpy array (a copy never shares memory with the caller's data)."""
    try:
        if isinstance(value, pd.Series | pd.DataFrame):
            return np.array(value.to_numpy(dtype=float), dtype=float)
        return np.array(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError("not a number", field=field, value=value,
                         fix="give a number, a numpy array or a pandas Series of numbers") from exc


def like_inputs(result: np.ndarray, *inputs: ArrayLike, name: str | None = None) -> ArrayLike:
    """Give ``result`` the type of the inputs: a Series keeps the first Series' index, scalars
    give a float, arrays give an array."""
    for item in inputs:
        if isinstance(item, pd.Series):
            return pd.Series(np.broadcast_to(result, item.shape).copy(), index=item.index, name=name)
    if np.ndim(result) == 0:
        return float(result)
    return result


@cache
def constant(name: str) -> float:
    """A value of the reference table ``blast_furnace_constants`` in its table unit."""
    return factor("blast_furnace_constants", name=name).value


@cache
def shomate_table() -> dict[str, list[tuple[float, float, tuple[float, ...]]]]:
    """Shomate coefficient sets by species: [(t_min_K, t_max_K, (A..H)), ...] sorted by t_min."""
    frame = load_table("shomate")
    table: dict[str, list[tuple[float, float, tuple[float, ...]]]] = {}
    for row in frame.to_dict("records"):
        coefficients = tuple(float(row[key]) for key in "ABCDEFGH")
        table.setdefault(str(row["species"]), []).append(
            (float(row["t_min_K"]), float(row["t_max_K"]), coefficients))
    for rows in table.values():
        rows.sort()
    return table
