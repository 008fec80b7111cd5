"""Low-carbon labels: grade a carbon intensity against sliding-scale and fixed thresholds.

Every scheme of table ``carbon_labels`` is a set of lines threshold_g(s) = a_g − b_g × s, with s the
scrap share of the metallic charge (0..1) and b_g = 0 for fixed thresholds (GSCC, ASI). A product
with intensity y earns the best grade g (lowest ``rank``) with y ≤ threshold_g(s) ("≤": equality
meets the line). Sources, per row of the table:

- IEA near-zero 400 − 350·s kg CO2e/t and bands A–E at 2× … 6× that line (IEA 2022, *Achieving
  Net Zero Heavy Industry Sectors in G7 Members*);
- ResponsibleSteel progress levels PL1–PL4, y ≤ b − m·s (Fundamentals v1.0, 2025);
- T/CISA 452-2024 classes A–E (as reported in JRC141817, 2025, Table 4; provisional);
- GSCC product thresholds by target year (flat / long), ASI smelter thresholds (8 t, V2).

A scrap share outside [0, 1] is an error (never clipped): the lines are defined on that interval
only.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from greenmet.errors import InputError, UnknownKeyError
from greenmet.refdata import load_table
from greenmet.units import convert

__all__ = ["LABEL_COLUMNS", "grade_labels", "label_thresholds", "schemes"]

LABEL_COLUMNS: tuple[str, ...] = (
    "scheme",
    "edition",
    "grade",
    "next_grade",
    "threshold_t_co2e_per_t",
    "next_threshold_t_co2e_per_t",
    "gap_t_co2e_per_t",
    "needs_verification",
    "source",
)


@cache
def _labels() -> pd.DataFrame:
    table = load_table("carbon_labels")
    table["rank"] = table["rank"].astype(int)
    scale = np.array([convert(1.0, unit, "t/t") for unit in table["unit"]], dtype=float)
    table["intercept_t_per_t"] = table["intercept"] * scale
    table["slope_t_per_t"] = table["slope"] * scale
    return table


def schemes() -> list[tuple[str, str]]:
    """The (scheme, edition) pairs shipped in ``carbon_labels``."""
    table = _labels()
    return sorted(set(zip(table["scheme"], table["edition"], strict=True)))


def label_thresholds(scheme: str, edition: str, scrap_share: Any) -> pd.DataFrame:
    """Thresholds of every grade of a scheme at the scrap share(s) given.

    Parameters
    ----------
    scheme, edition
        Keys of ``carbon_labels`` (``"IEA"``, ``"2022"``).
    scrap_share
        Scrap share of the metallic charge, scalar or array. [dimensionless]

    Returns
    -------
    pandas.DataFrame
        One row per grade (ordered best first), one column per scrap share; values in t CO2e/t.
    """
    rows = _scheme(scheme, edition)
    s = np.atleast_1d(_share(scrap_share))
    values = (
        rows["intercept_t_per_t"].to_numpy()[:, None] - rows["slope_t_per_t"].to_numpy()[:, None] * s[None, :]
    )
    return pd.DataFrame(values, index=rows["grade"].to_numpy())


def _scheme(scheme: str, edition: str) -> pd.DataFrame:
    table = _labels()
    rows = table[(table["scheme"] == scheme) & (table["edition"] == edition)].sort_values("rank")
    if rows.empty:
        raise UnknownKeyError(
            "no label scheme of that name and edition",
            field="scheme",
            value=f"{scheme} {edition}",
            fix="use one of " + ", ".join(f"{a} {b}" for a, b in schemes()),
        )
    return rows


def _share(value: Any) -> np.ndarray:
    s = np.asarray(value, dtype=float)
    if np.isnan(s).any() or (s < 0).any() or (s > 1).any():
        raise InputError(
            "scrap share outside [0, 1]",
            field="scrap_share",
            value=value,
            fix="give the scrap share of the metallic charge as a fraction 0..1",
        )
    return s


def grade_labels(intensity_t_co2e_per_t: Any, scrap_share: Any, scheme: str, edition: str) -> pd.DataFrame:
    """The grade of each intensity under one scheme, vectorised over plants.

    Parameters
    ----------
    intensity_t_co2e_per_t
        Carbon intensity on the scheme's basis, scalar or array. [t/t]
    scrap_share
        Scrap share of the metallic charge, scalar or array of the same length. [dimensionless]
    scheme, edition
        Keys of ``carbon_labels``.

    Returns
    -------
    pandas.DataFrame
        One row per intensity, columns :data:`LABEL_COLUMNS`: the best grade met (``None`` if
        none), the next better grade and its threshold, and the gap to it (intensity minus that
        threshold, t CO2e/t; NaN at the best grade).
    """
    rows = _scheme(scheme, edition)
    y = np.atleast_1d(np.asarray(intensity_t_co2e_per_t, dtype=float))
    s = np.broadcast_to(np.atleast_1d(_share(scrap_share)), y.shape)
    if np.isnan(y).any() or (y < 0).any():
        raise InputError(
            "carbon intensity is negative or missing",
            field="intensity_t_co2e_per_t",
            value=intensity_t_co2e_per_t,
            fix="give the intensity in t CO2e per t of product",
        )
    thresholds = (
        rows["intercept_t_per_t"].to_numpy()[:, None] - rows["slope_t_per_t"].to_numpy()[:, None] * s[None, :]
    )
    met = y[None, :] <= thresholds  # grades best first
    grades = rows["grade"].to_numpy(dtype=object)
    any_met = met.any(axis=0)
    best = np.where(any_met, met.argmax(axis=0), len(grades))  # index of the best grade met
    next_index = best - 1  # the next better grade; -1 at the best grade
    columns = np.arange(len(y))
    grade = grades[np.minimum(best, len(grades) - 1)].copy()
    grade[~any_met] = None
    has_next = next_index >= 0
    safe_next = np.clip(next_index, 0, len(grades) - 1)
    next_threshold = np.where(has_next, thresholds[safe_next, columns], np.nan)
    threshold = np.where(any_met, thresholds[np.minimum(best, len(grades) - 1), columns], np.nan)
    provisional = bool(rows["needs_verification"].any())
    return pd.DataFrame(
        {
            "scheme": scheme,
            "edition": edition,
            "grade": grade,
            "next_grade": np.where(has_next, grades[safe_next], None),
            "threshold_t_co2e_per_t": threshold,
            "next_threshold_t_co2e_per_t": next_threshold,
            "gap_t_co2e_per_t": y - next_threshold,
            "needs_verification": provisional,
            "source": "; ".join(dict.fromkeys(rows["source"])),
        }
    )
