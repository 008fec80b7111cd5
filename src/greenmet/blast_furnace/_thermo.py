"""Ideal-gas enthalpies from the Shomate equation (NIST Chemistry WebBook, SRD 69).

The Shomate form (NIST-JANAF Thermochemical Tables, Chase 1998, as fitted in the NIST WebBook):

    Cp  = A + B t + C t^2 + D t^3 + E / t^2                    [J/(mol K)]
    H - H298 = A t + B t^2/2 + C t^3/3 + D t^4/4 - E/t + F - H   [kJ/mol],   t = T / 1000 K

with one coefficient set per temperature range (table ``shomate`` of :mod:`greenmet.refdata`).
Below the lowest range the lowest set is used (at 298.15 K the increment is 0 to 0.01 kJ/mol).
"""

from __future__ import annotations

from functools import cache

import numpy as np

from greenmet.blast_furnace._common import shomate_table

__all__ = ["formation_enthalpy", "heat_capacity", "sensible_enthalpy"]

T_REFERENCE_K = 298.15


@cache
def _sets(species: str) -> tuple[np.ndarray, np.ndarray]:
    """Lower bounds of the ranges [K] and the coefficient rows (A..H) of ``species``, by t_min."""
    sets = shomate_table()[species]
    return (np.array([t_min for t_min, _t_max, _values in sets]),
            np.array([values for _t_min, _t_max, values in sets]))


def _select(species: str, temperature_K: np.ndarray) -> np.ndarray:
    """Coefficients A..H for each temperature: the set whose range starts at or below it (the
    lowest set below the first range)."""
    t_min, rows = _sets(species)
    if np.ndim(temperature_K) == 0:  # one temperature: skip the array machinery
        position = int(np.searchsorted(t_min, temperature_K, side="right")) - 1
        return rows[min(max(position, 0), len(t_min) - 1)]
    index = np.clip(np.searchsorted(t_min, temperature_K, side="right") - 1, 0, len(t_min) - 1)
    return np.moveaxis(rows[index], -1, 0)


def sensible_enthalpy(species: str, temperature_K: np.ndarray) -> np.ndarray:
    """H(T) - H(298.15 K) of ``species`` (N2, O2, CO, H2, H2O) [kJ/mol]."""
    T = np.asarray(temperature_K, dtype=float)
    A, B, C, D, E, F, _G, H = _select(species, T)
    t = T / 1000.0
    return A * t + B * t**2 / 2 + C * t**3 / 3 + D * t**4 / 4 - E / t + F - H


def heat_capacity(species: str, temperature_K: np.ndarray) -> np.ndarray:
    """Isobaric molar heat capacity of ``species`` [kJ/(mol K)]."""
    T = np.asarray(temperature_K, dtype=float)
    A, B, C, D, E, _F, _G, _H = _select(species, T)
    t = T / 1000.0
    return (A + B * t + C * t**2 + D * t**3 + E / t**2) / 1000.0


def formation_enthalpy(species: str) -> float:
    """Standard enthalpy of formation at 298.15 K (the Shomate ``H`` coefficient) [kJ/mol]."""
    return shomate_table()[species][0][2][7]
