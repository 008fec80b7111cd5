"""Thermal state of the hearth from hot-metal temperature and silicon (炉温 / 炉热).

Furnace chiefs judge the hearth from the hot-metal temperature and its silicon content, which
rise and fall together (silicon reduction is endothermic and favoured by heat). The functions
below combine them into one index and a class; the weights and bands are explicit arguments
because they are plant practice, not physics.

References
----------
.. [USTB-NB] K. Li, USTB course notebook ``Blast Theoretical Fuel Rate Calculation.ipynb``
   (hot metal 1490 °C, Si 0.49–0.55 %).
.. [VAI] Klinger et al., "Expert Systems Controlling the Iron Making Process in Closed Loop
   Operation", in *Expert Systems*, InTech 2010, doi:10.5772/7075 (hot metal ≈ 1500 °C, 0.6 % Si).
"""

from __future__ import annotations

import numpy as np

from greenmet.blast_furnace._common import ArrayLike, as_float_array, like_inputs
from greenmet.blast_furnace._guards import check_hot_metal_content, check_kelvin
from greenmet.errors import InputError

__all__ = [
    "THERMAL_CLASSES",
    "equivalent_silicon",
    "thermal_state_class",
    "thermal_state_index",
]

THERMAL_CLASSES = ("cold", "cool", "normal", "warm", "hot")
"""Classes returned by :func:`thermal_state_class`, coldest first."""


def _check(hot_metal_temperature: ArrayLike, hot_metal_silicon: ArrayLike) -> None:
    check_kelvin(hot_metal_temperature, "hot_metal_temperature")
    check_hot_metal_content(hot_metal_silicon, "Si", "hot_metal_silicon")


def thermal_state_index(hot_metal_temperature: ArrayLike, hot_metal_silicon: ArrayLike, *,
                        target_temperature: float = 1500.0, target_silicon: float = 0.45,
                        temperature_per_silicon: float = 100.0) -> ArrayLike:
    r"""Thermal state index: hot-metal temperature deviation with silicon converted to kelvin.

    Parameters
    ----------
    hot_metal_temperature
        [degC]
    hot_metal_silicon
        [%]
    target_temperature
        Aim of the plant (about 1500 °C [VAI]_). [degC]
    target_silicon
        Aim of the plant (0.3–0.5 % in large Chinese furnaces, reference note §1.1). [%]
    temperature_per_silicon
        Kelvin counted per percent of silicon; plant practice, 100 K per 1 % Si here
        (i.e. 10 K per 0.1 % Si), to be set from the plant's own Si–T regression. [K/%]

    Returns
    -------
    Index in kelvin: 0 on target, positive when hot. [K]

    Notes
    -----
    .. math:: I_T = \frac{(T - T^*) + k\,([Si] - [Si]^*)}{2}

    Raises
    ------
    SuspectUnitError
        If the silicon looks like kg/tHM or hundredths of a percent, the temperature like kelvin.
    """
    _check(hot_metal_temperature, hot_metal_silicon)
    return ((hot_metal_temperature - target_temperature)
            + temperature_per_silicon * (hot_metal_silicon - target_silicon)) / 2.0


def equivalent_silicon(hot_metal_temperature: ArrayLike, hot_metal_silicon: ArrayLike, *,
                       target_temperature: float = 1500.0, temperature_per_silicon: float = 100.0
                       ) -> ArrayLike:
    r"""Silicon corrected to the target temperature, [Si] + (T* − T)/k. [%]

    Parameters
    ----------
    hot_metal_temperature
        [degC]
    hot_metal_silicon
        [%]
    target_temperature
        [degC]
    temperature_per_silicon
        [K/%]

    Notes
    -----
    .. math:: [Si]_{eq} = [Si] + (T^* - T)/k

    A hot-metal sample at low temperature carries less silicon than the hearth would at the target;
    the corrected value lets casts of different temperature be compared.

    Raises
    ------
    SuspectUnitError
        If the silicon looks like kg/tHM or hundredths of a percent, the temperature like kelvin.
    """
    _check(hot_metal_temperature, hot_metal_silicon)
    return hot_metal_silicon + (target_temperature - hot_metal_temperature) / temperature_per_silicon


def thermal_state_class(index: ArrayLike, *, bands: tuple[float, float, float, float] = (-30.0, -10.0,
                                                                                      10.0, 30.0)
                        ) -> ArrayLike:
    """Class of :func:`thermal_state_index`: cold, cool, normal, warm, hot.

    Parameters
    ----------
    index
        [K]
    bands
        Upper limits of cold, cool, normal and warm (plant practice; defaults ±10 K normal,
        ±30 K alarm). [K]

    Returns
    -------
    Class names (``""`` for NaN); a Series keeps its index.

    Raises
    ------
    InputError
        If the bands are not increasing.
    """
    if list(bands) != sorted(bands):
        raise InputError("bands must increase", field="bands", value=bands,
                         fix="give four increasing limits, e.g. (-30, -10, 10, 30)")
    values = as_float_array(index, field="index")
    codes = np.digitize(values, bands, right=True)
    names = np.array(THERMAL_CLASSES, dtype=object)[np.minimum(codes, 4)]
    names = np.where(np.isnan(values), "", names)
    if np.ndim(values) == 0:
        return str(names)
    return like_inputs(names, index, name="thermal_state_class")
