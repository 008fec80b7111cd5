"""Guards against values given in the wrong unit, shared by the functions and the furnace state.

Every public function of :mod:`greenmet.blast_furnace` and the validators of
:class:`~greenmet.blast_furnace.state.FurnaceState` (hence ``greenmet bf calc``) call the same
guards, so a value in the wrong unit is refused the same way in Python and on the command line:
a :class:`~greenmet.errors.SuspectUnitError` names the quantity, the value, the unit it looks
like and the value to give instead. NaN passes (NaN propagates through the functions by design).

Limits and their sources
------------------------
- Hot-blast temperature at most 1300 °C for a single value: hot blast ranges from 1600 to 2300 °F
  (870–1260 °C) depending on the stoves
  (https://science.blurtit.com/60428/what-temperatures-are-used-in-a-blast-furnace); the BKYL
  thermal-state rule model caps the blast temperature at ``BT_MAX = 1250`` (reference note
  blast_furnace.md §2.2). 1300 °C leaves 40 K above the highest of those. Arrays and Series are
  measured streams, where a sensor spike or drift (the simulator's are 10 % of a 0–1400 °C span)
  must not stop the calculation: they are refused above 1450 °C only.
- A single temperature in degC whose decimals are exactly .15 and that is a round number of
  degrees Celsius in kelvin (a multiple of 5 after subtracting 273.15) is a kelvin value converted
  by hand (T/K = t/°C + 273.15, BIPM SI Brochure, 9th ed. 2019, §2.3.1): 1373.15 is 1100 °C in K.
  A measured stream (array, Series) is taken for kelvin only if every value ends in .15.
- Oxygen enrichment at most 15 points above 21 % O2 for air-blown furnaces (the limit the
  furnace state has always applied; typical 3–6 points, reference note §1.1). A value above 21 is
  the O2 content of the blast, not the enrichment. Oxygen blast furnaces set ``limit`` higher.
- Hot-metal contents: Si at most 5 %, Mn 5 %, P 2.5 %, S 0.5 %, Ti 1.5 %, V 1.5 %, C 6 % (carbon
  saturation of iron is about 5.5 % at hearth temperatures, [C] relation of
  :func:`~greenmet.blast_furnace.mass_balance.hot_metal_carbon`; the others are several times
  the typical 0.3–0.5 % Si, 0.2 % Mn, 0.1 % P, 0.02–0.03 % S of reference note §1.1). A larger
  value is kg/tHM (ten times the percent) or hundredths of a percent.
- Hot-metal iron [Fe] between 1 and 100 %: 94.5 % typical (reference note §1.1, VAI); above 100
  it is kg/tHM, at or below 1 a mass fraction.
- Oxygen purity is a fraction in (0.21, 1]; between 1 and 100 it is percent.
- Coal carbon is 60–90 % of pulverised coal (78 % default, USTB notebook 75 %); at or below 1 it
  is a mass fraction.
"""

from __future__ import annotations

import numpy as np

from greenmet.blast_furnace._common import ArrayLike, as_float_array
from greenmet.errors import InputError, SuspectUnitError

__all__ = [
    "BLAST_TEMPERATURE_MAX_DEGC",
    "BLAST_TEMPERATURE_STREAM_MAX_DEGC",
    "ENRICHMENT_LIMIT_POINTS",
    "HOT_METAL_CONTENT_MAX_PERCENT",
    "check_blast_temperature",
    "check_coal_carbon",
    "check_hot_metal_content",
    "check_hot_metal_iron",
    "check_kelvin",
    "check_oxygen_enrichment",
    "check_oxygen_purity",
    "check_percent",
    "check_positive",
]

BLAST_TEMPERATURE_MAX_DEGC = 1300.0
"""Highest credible hot-blast temperature given as one value [degC] (module notes)."""

BLAST_TEMPERATURE_STREAM_MAX_DEGC = 1450.0
"""Highest hot-blast temperature accepted in an array or Series of measurements [degC]."""

ENRICHMENT_LIMIT_POINTS = 15.0
"""Highest oxygen enrichment of an air-blown furnace, points above 21 % O2 [%]."""

HOT_METAL_CONTENT_MAX_PERCENT = {"Si": 5.0, "Mn": 5.0, "P": 2.5, "S": 0.5, "Ti": 1.5, "V": 1.5, "C": 6.0}
"""Highest credible content of each element in hot metal [%] (module notes)."""

_T0 = 273.15


def _finite(array: np.ndarray) -> np.ndarray:
    return array[np.isfinite(array)]


def check_kelvin(value: ArrayLike, field: str) -> np.ndarray:
    """Refuse a degC temperature written in K (1373.15 = 1100 °C).

    A single value is kelvin-like when its decimals are .15 and it is a round Celsius value (a
    multiple of 5 °C) in K. A series only when every value ends in .15: a measured series (a
    simulator's or a plant's noisy readings) has a value such as 1222.1500007 now and then, which
    is Celsius.
    """
    array = as_float_array(value, field=field)
    finite = _finite(array)
    candidates = finite[finite >= _T0]
    if candidates.size:
        shifted = candidates - _T0
        kelvin_like = np.abs(shifted - np.round(shifted)) < 1e-6
        kelvin_like &= np.abs(candidates - np.round(candidates)) > 1e-6  # 1373.0 is a plain Celsius number
        if array.ndim == 0:
            kelvin_like &= np.abs(shifted / 5.0 - np.round(shifted / 5.0)) < 1e-6
            hits = candidates[kelvin_like]
        else:
            hits = candidates[kelvin_like] if kelvin_like.all() else candidates[:0]
        if hits.size:
            bad = float(hits[0])
            raise SuspectUnitError(
                "the value looks like a temperature in K (its decimals are .15)", field=field, value=bad,
                fix=f"give it in degC: {bad - _T0:.0f} degC if the value is in K")
    return array


def check_blast_temperature(value: ArrayLike, field: str = "blast_temperature", *,
                            low: float = 0.0) -> np.ndarray:
    """Hot-blast temperature in degC: refuse K and degF values (a single value above 1300 or a round
    Celsius value in K, a measured stream above 1450)."""
    array = check_kelvin(value, field)
    finite = _finite(array)
    limit = BLAST_TEMPERATURE_MAX_DEGC if array.ndim == 0 else BLAST_TEMPERATURE_STREAM_MAX_DEGC
    if finite.size and np.max(finite) > limit:
        bad = float(np.max(finite))
        raise SuspectUnitError(
            f"a hot-blast temperature above {limit:.0f} °C is not credible",
            field=field, value=bad,
            fix=(f"give it in degC: {bad - _T0:.0f} degC if the value is in K, "
                 f"{(bad - 32) / 1.8:.0f} degC if in degF"))
    if finite.size and np.min(finite) < low:
        bad = float(np.min(finite))
        if low > 0:
            raise SuspectUnitError(f"a hot-blast temperature below {low:.0f} °C is not credible", field=field,
                                   value=bad,
                                   fix="give the hot-blast temperature in degC (typically 1100–1250)")
        raise InputError("blast temperature below 0 °C", field=field, value=bad,
                         fix="give the hot-blast temperature in degC")
    return array


def check_oxygen_enrichment(value: ArrayLike, field: str = "oxygen_enrichment", *,
                            limit: float = ENRICHMENT_LIMIT_POINTS) -> np.ndarray:
    """Oxygen enrichment in points above 21 % O2: refuse the O2 content of the blast (e.g. 24)."""
    array = as_float_array(value, field=field)
    finite = _finite(array)
    if not finite.size:
        return array
    high, lowest = float(np.max(finite)), float(np.min(finite))
    if lowest < 0:
        raise InputError("oxygen enrichment below 0", field=field, value=lowest,
                         fix="give the percentage points of O2 above 21 % (0 for air)")
    if high > limit:
        if 21.0 <= high <= 100.0 and high - 21.0 <= limit:
            raise SuspectUnitError(
                "the value looks like the O2 content of the blast, not the enrichment above 21 %",
                field=field, value=high,
                fix=f"give the enrichment, {high - 21.0:g} points, not the O2 content")
        raise InputError(f"oxygen enrichment above {limit:g} points", field=field, value=high,
                         fix=("give the points above 21 % O2 (typically 3–6); for an oxygen blast furnace "
                              "raise the limit (enrichment_limit=)"))
    return array


def check_oxygen_purity(value: float, field: str = "oxygen_purity") -> float:
    """Purity of technical oxygen as a fraction in (0.21, 1]; percent (99.5) is refused with the fraction."""
    purity = float(value)
    if 1.0 < purity <= 100.0:
        raise SuspectUnitError("the oxygen purity looks like a percentage", field=field, value=value,
                               fix=f"give the O2 fraction, {purity / 100:g}, not {purity:g} %")
    if not 0.21 < purity <= 1.0:
        raise InputError("oxygen purity must lie between 0.21 and 1", field=field, value=value,
                         fix="give the O2 fraction of the enrichment oxygen, e.g. 0.995")
    return purity


def check_hot_metal_content(value: ArrayLike, element: str, field: str | None = None) -> np.ndarray:
    """A content of hot metal in mass %: refuse kg/tHM and hundredths of a percent (Si 49)."""
    name = field or f"hot_metal_{element}"
    array = as_float_array(value, field=name)
    finite = _finite(array)
    if not finite.size:
        return array
    limit = HOT_METAL_CONTENT_MAX_PERCENT[element]
    if np.min(finite) < 0:
        raise InputError("content below 0", field=name, value=float(np.min(finite)),
                         fix=f"give the {element} content of the hot metal in mass %")
    if np.max(finite) > limit:
        bad = float(np.max(finite))
        raise SuspectUnitError(
            f"hot metal with more than {limit:g} % {element} is not credible", field=name, value=bad,
            fix=(f"give the {element} content in mass %: {bad / 10:g} if the value is in kg/tHM, "
                 f"{bad / 100:g} if in hundredths of a percent"))
    return array


def check_hot_metal_iron(value: ArrayLike, field: str = "hot_metal_iron") -> np.ndarray:
    """Hot-metal [Fe] in mass %: refuse kg/tHM (943.6) and fractions (0.9436)."""
    array = as_float_array(value, field=field)
    finite = _finite(array)
    if not finite.size:
        return array
    if np.max(finite) > 100.0:
        bad = float(np.max(finite))
        raise SuspectUnitError("an iron content above 100 % looks like kg/tHM", field=field, value=bad,
                               fix=f"give [Fe] in mass %: {bad / 10:g} if the value is in kg/tHM")
    if np.min(finite) <= 1.0:
        bad = float(np.min(finite))
        raise SuspectUnitError("an iron content of at most 1 % looks like a mass fraction", field=field,
                               value=bad, fix=f"give [Fe] in mass %: {bad * 100:g}")
    return array


def check_coal_carbon(value: ArrayLike, field: str = "coal_carbon") -> np.ndarray:
    """Carbon of the injected coal in mass %: refuse a mass fraction (0.78)."""
    array = check_percent(value, field)
    finite = _finite(array)
    if finite.size and np.min(finite) <= 1.0:
        bad = float(np.min(finite))
        raise SuspectUnitError("a coal carbon content of at most 1 % looks like a mass fraction",
                               field=field, value=bad,
                               fix=f"give the coal analysis in mass %: {bad * 100:g}, not {bad:g}")
    return array


def check_percent(value: ArrayLike, field: str) -> np.ndarray:
    """A content in percent, 0 to 100."""
    array = as_float_array(value, field=field)
    finite = _finite(array)
    if finite.size and (np.min(finite) < 0 or np.max(finite) > 100):
        bad = float(np.min(finite) if np.min(finite) < 0 else np.max(finite))
        raise InputError("content outside 0–100 %", field=field, value=bad, fix="give the content in mass %")
    return array


def check_positive(value: ArrayLike, field: str, unit: str) -> np.ndarray:
    """A divisor that must be above 0 (a volume, a duration, an area, a count)."""
    array = as_float_array(value, field=field)
    finite = array[~np.isnan(array)]
    if finite.size and np.min(finite) <= 0:
        raise InputError("must be above 0", field=field, value=float(np.min(finite)),
                         fix=f"give {field} as a positive number in {unit}")
    return array
