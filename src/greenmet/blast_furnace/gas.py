"""Blast, bosh gas and top gas: utilisation, oxygen enrichment, gas volumes.

Conventions (one meaning per name, ``docs/nomenclature/blast_furnace.md``): gas volumes are
normal cubic metres (0 degC, 101.325 kPa); analyses are volume percent of the dry gas.

- ``cold_blast_volume``: air from the blower, without the technical oxygen;
- ``oxygen_volume``: technical oxygen added to it (``oxygen_purity`` its O2 fraction);
- ``blast_volume``: the blast at the tuyeres, air plus technical oxygen, moisture included
  (:func:`blast_volume_from_cold_blast`);
- ``blast_humidity``: grams of water per Nm3 of blast [g/Nm3];
- ``moisture_fraction``: the same water as a volume fraction of the blast, f
  (:func:`moisture_volume_fraction`, :func:`blast_humidity_from_moisture_fraction`);
- ``oxygen_enrichment``: percentage points of O2 above 21 % in the dry blast.

References
----------
.. [USTB] K. Li, USTB ironmaking course, ``Blast_Furnace_Mass_Energy_Balance-Cd_C_Diagram-Rist_Diagram.xlsx``
   and ``Blast Theoretical Fuel Rate Calculation.ipynb``, repository USTBifrt/Blast_Furnace_Calculation_Models
   (commit 667545b).
.. [Rist] A. Rist, N. Meysson, "Étude graphique de la marche du haut fourneau", Revue de Métallurgie 62
   (1965) 995.
.. [ZJU] Plant data of a South-China blast furnace, ylkyc/ironmaking-zju (commit 16b976a): the bosh gas
   relation below reproduces the plant's bosh gas tag to -1.07 +/- 0.17 % (reference note
   blast_furnace.md section 1.2).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from greenmet.blast_furnace._common import (
    MOLAR_VOLUME_NM3_PER_KMOL,
    ArrayLike,
    as_float_array,
    constant,
    like_inputs,
)
from greenmet.blast_furnace._guards import (
    ENRICHMENT_LIMIT_POINTS,
    check_oxygen_enrichment,
    check_oxygen_purity,
)
from greenmet.errors import InputError

__all__ = [
    "BoshGas",
    "blast_humidity_from_moisture_fraction",
    "blast_oxygen_fraction",
    "blast_volume_from_cold_blast",
    "bosh_gas",
    "bosh_gas_index",
    "bosh_gas_volume",
    "cold_blast_volume_from_blast",
    "cold_blast_volume_from_nitrogen",
    "hydrogen_utilisation",
    "moisture_volume_fraction",
    "oxygen_enrichment",
    "oxygen_volume_for_enrichment",
    "top_gas_rist_abscissa",
    "top_gas_utilisation",
    "top_gas_volume",
]

AIR_OXYGEN_FRACTION = 0.21
"""Volume fraction of O2 in dry air as used throughout ironmaking practice (argon counted with N2)."""


def _nonnegative(value: ArrayLike, field: str, unit: str) -> np.ndarray:
    array = as_float_array(value, field=field)
    if np.any(array < 0):
        raise InputError(f"must not be negative [{unit}]", field=field,
                         value=float(array[array < 0].ravel()[0]),
                         fix=f"give {field} as a non-negative value in {unit}")
    return array


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1.0), np.nan)


def top_gas_utilisation(top_gas_co: ArrayLike, top_gas_co2: ArrayLike) -> ArrayLike:
    r"""CO utilisation of the top gas, ηCO.

    Parameters
    ----------
    top_gas_co
        CO content of the dry top gas. [%]
    top_gas_co2
        CO2 content of the dry top gas, in the same unit. [%]

    Returns
    -------
    ηCO, between 0 and 1; NaN where CO + CO2 is 0 or an input is NaN. [dimensionless]

    Notes
    -----
    .. math:: \eta_{CO} = \frac{CO_2}{CO + CO_2}

    [USTB]_ (heat balance sheet: CO 26.84 %, CO2 16.40 % give 0.379).

    Raises
    ------
    InputError
        If a content is negative.
    """
    co = _nonnegative(top_gas_co, "top_gas_co", "%")
    co2 = _nonnegative(top_gas_co2, "top_gas_co2", "%")
    return like_inputs(_ratio(co2, co + co2), top_gas_co, top_gas_co2, name="top_gas_utilisation")


def hydrogen_utilisation(top_gas_h2: ArrayLike, top_gas_h2o: ArrayLike) -> ArrayLike:
    r"""H2 utilisation of the top gas, ηH2 = H2O / (H2 + H2O).

    Parameters
    ----------
    top_gas_h2
        H2 content of the top gas. [%]
    top_gas_h2o
        H2O content of the top gas formed by reduction, same basis and unit. [%]

    Returns
    -------
    ηH2 between 0 and 1; NaN where H2 + H2O is 0. [dimensionless]

    Notes
    -----
    .. math:: \eta_{H_2} = \frac{H_2O}{H_2 + H_2O}

    [USTB]_. Top-gas H2O is rarely measured; a hydrogen balance (:func:`greenmet.blast_furnace.
    mass_balance.hydrogen_balance`) gives it from the hydrogen input.
    """
    h2 = _nonnegative(top_gas_h2, "top_gas_h2", "%")
    h2o = _nonnegative(top_gas_h2o, "top_gas_h2o", "%")
    return like_inputs(_ratio(h2o, h2 + h2o), top_gas_h2, top_gas_h2o, name="hydrogen_utilisation")


def top_gas_rist_abscissa(top_gas_utilisation: ArrayLike) -> ArrayLike:
    r"""Abscissa of the top gas on the Rist diagram, x = O/C = 1 + ηCO. [dimensionless]

    Parameters
    ----------
    top_gas_utilisation
        ηCO. [dimensionless]

    Notes
    -----
    .. math:: x_E = 1 + \eta_{CO}

    [Rist]_, [USTB]_ (Rist sheet).
    """
    return 1.0 + top_gas_utilisation


def moisture_volume_fraction(blast_humidity: ArrayLike) -> ArrayLike:
    r"""Volume fraction of water vapour in the blast, f.

    Parameters
    ----------
    blast_humidity
        Water in the blast per Nm3 of blast. [g/Nm3]

    Returns
    -------
    f [dimensionless]

    Notes
    -----
    .. math:: f = \varphi \cdot 1.244 / 1000

    with 1.244 Nm3 of vapour per kg of water (22.414/18.015; table ``blast_furnace_constants``).
    """
    return blast_humidity * constant("water_vapour_per_kg") / 1000.0


def blast_humidity_from_moisture_fraction(moisture_fraction: ArrayLike) -> ArrayLike:
    r"""Blast humidity from the volume fraction of water vapour (inverse of
    :func:`moisture_volume_fraction`).

    Parameters
    ----------
    moisture_fraction
        Volume fraction of water vapour in the blast, f (0.015 for 1.5 %). [dimensionless]

    Returns
    -------
    φ, water per Nm3 of blast. [g/Nm3]

    Notes
    -----
    .. math:: \varphi = 1000 f / 1.244

    with 1.244 Nm3 of vapour per kg of water (table ``blast_furnace_constants``). The USTB
    notebook's 1.5 % moisture is 12.06 g/Nm3.

    Raises
    ------
    InputError
        If f is outside [0, 1) (a percentage such as 1.5 is refused with the fraction to give).
    """
    f = as_float_array(moisture_fraction, field="moisture_fraction")
    finite = f[np.isfinite(f)]
    if finite.size and (np.min(finite) < 0 or np.max(finite) >= 1):
        bad = float(np.max(finite) if np.max(finite) >= 1 else np.min(finite))
        raise InputError("a volume fraction lies in [0, 1)", field="moisture_fraction", value=bad,
                         fix=f"give the fraction ({bad / 100:g} for {bad:g} %), or the humidity in g/Nm3 "
                             "as blast_humidity")
    return moisture_fraction * 1000.0 / constant("water_vapour_per_kg")


def blast_volume_from_cold_blast(cold_blast_volume: ArrayLike, oxygen_volume: ArrayLike = 0.0) -> ArrayLike:
    r"""Blast at the tuyeres from the air blown and the technical oxygen added.

    Parameters
    ----------
    cold_blast_volume
        Air from the blower, without the technical oxygen. [Nm3/min]
    oxygen_volume
        Technical oxygen added, same basis (per minute or per tonne of hot metal). [Nm3/min]

    Returns
    -------
    ``blast_volume``, in the basis of the inputs. [Nm3/min]

    Notes
    -----
    .. math:: V_{blast} = V_{cold} + V_{O_2}

    The definition of ``blast_volume`` in ``docs/nomenclature/blast_furnace.md`` (the blast of
    the flame temperature and of the blast sensible heat; the USTB notebook adds the oxygen to
    the blast the same way [USTB]_).
    """
    _nonnegative(cold_blast_volume, "cold_blast_volume", "Nm3/min")
    _nonnegative(oxygen_volume, "oxygen_volume", "Nm3/min")
    return cold_blast_volume + oxygen_volume


def cold_blast_volume_from_blast(blast_volume: ArrayLike, oxygen_volume: ArrayLike = 0.0) -> ArrayLike:
    r"""Air from the blower from the blast at the tuyeres (inverse of :func:`blast_volume_from_cold_blast`).

    Parameters
    ----------
    blast_volume
        Blast at the tuyeres, air plus technical oxygen. [Nm3/min]
    oxygen_volume
        Technical oxygen in it, same basis. [Nm3/min]

    Returns
    -------
    ``cold_blast_volume``. [Nm3/min]

    Notes
    -----
    .. math:: V_{cold} = V_{blast} - V_{O_2}

    Raises
    ------
    InputError
        If the oxygen exceeds the blast.
    """
    blast = _nonnegative(blast_volume, "blast_volume", "Nm3/min")
    oxygen = _nonnegative(oxygen_volume, "oxygen_volume", "Nm3/min")
    if np.any(oxygen > blast):
        raise InputError("technical oxygen larger than the blast it is part of", field="oxygen_volume",
                         value=float(np.max(oxygen)),
                         fix="give blast_volume as air plus oxygen, on the same basis as oxygen_volume")
    return blast_volume - oxygen_volume


def blast_oxygen_fraction(oxygen_enrichment: ArrayLike, blast_humidity: ArrayLike) -> ArrayLike:
    r"""Oxygen available for combustion per Nm3 of humid, enriched blast.

    Parameters
    ----------
    oxygen_enrichment
        Percentage points of O2 above 21 % in the dry blast. [%]
    blast_humidity
        Water in the blast. [g/Nm3]

    Returns
    -------
    Nm3 of O2 (free O2 plus half the H2O) per Nm3 of blast. [dimensionless]

    Notes
    -----
    .. math:: O_2 = (0.21 + OE/100)(1 - f) + 0.5 f

    which for unenriched blast is the USTB notebook's 0.21 + 0.29 f [USTB]_.

    Raises
    ------
    SuspectUnitError
        If the enrichment looks like the O2 content of the blast (24 for 3 points).
    """
    check_oxygen_enrichment(oxygen_enrichment)
    return _blast_oxygen_fraction(oxygen_enrichment, blast_humidity)


def _blast_oxygen_fraction(oxygen_enrichment: ArrayLike, blast_humidity: ArrayLike) -> ArrayLike:
    """:func:`blast_oxygen_fraction` without the unit guard (for what-if steps beyond its range)."""
    f = moisture_volume_fraction(blast_humidity)
    return (AIR_OXYGEN_FRACTION + oxygen_enrichment / 100.0) * (1.0 - f) + 0.5 * f


def _check_purity(oxygen_purity: float) -> None:
    check_oxygen_purity(oxygen_purity)


def oxygen_enrichment(cold_blast_volume: ArrayLike, oxygen_volume: ArrayLike, *,
                      oxygen_purity: float) -> ArrayLike:
    r"""Oxygen enrichment of the blast by the mixing definition.

    Parameters
    ----------
    cold_blast_volume
        Air from the blower, without the technical oxygen. [Nm3/min]
    oxygen_volume
        Technical oxygen added, same time basis. [Nm3/min]
    oxygen_purity
        O2 fraction of the technical oxygen (0.992 in one Chinese plant script, 0.995 in an
        enthalpy RAFT code, 0.999 in the USTB notebook: an explicit choice). [dimensionless]

    Returns
    -------
    OE in percentage points above 21 %. [%]

    Notes
    -----
    .. math:: OE = 100\left(\frac{0.21 V_B + p V_{O_2}}{V_B + V_{O_2}} - 0.21\right)

    [USTB]_; on the ZJU plant data this reproduces the plant's enrichment tag with correlation
    0.9993 for p = 0.995 [ZJU]_.

    Raises
    ------
    SuspectUnitError
        If the purity looks like a percentage (99.5 for 0.995).
    InputError
        If a volume is negative or the purity is not in (0.21, 1].
    """
    _check_purity(oxygen_purity)
    blast = _nonnegative(cold_blast_volume, "cold_blast_volume", "Nm3/min")
    oxygen = _nonnegative(oxygen_volume, "oxygen_volume", "Nm3/min")
    value = 100.0 * (_ratio(AIR_OXYGEN_FRACTION * blast + oxygen_purity * oxygen, blast + oxygen)
                     - AIR_OXYGEN_FRACTION)
    return like_inputs(value, cold_blast_volume, oxygen_volume, name="oxygen_enrichment")


def oxygen_volume_for_enrichment(cold_blast_volume: ArrayLike, oxygen_enrichment: ArrayLike, *,
                                 oxygen_purity: float, enrichment_limit: float = ENRICHMENT_LIMIT_POINTS
                                 ) -> ArrayLike:
    r"""Technical oxygen needed for a given enrichment (inverse of :func:`oxygen_enrichment`).

    Parameters
    ----------
    cold_blast_volume
        Air from the blower, without the technical oxygen. [Nm3/min]
    oxygen_enrichment
        Target percentage points above 21 %. [%]
    oxygen_purity
        O2 fraction of the technical oxygen. [dimensionless]
    enrichment_limit
        Highest enrichment accepted, 15 points for air-blown furnaces
        (:data:`~greenmet.blast_furnace._guards.ENRICHMENT_LIMIT_POINTS`). [%]

    Returns
    -------
    Oxygen flow in the time basis of the blast. [Nm3/min]

    Notes
    -----
    .. math:: V_{O_2} = \frac{OE/100 \cdot V_B}{p - 0.21 - OE/100}

    (the mixing definition solved for V_O2).

    Raises
    ------
    SuspectUnitError
        If the purity looks like a percentage, or the enrichment like the O2 content of the blast.
    InputError
        If the enrichment is negative or not below p - 0.21 (physically unreachable).
    """
    _check_purity(oxygen_purity)
    check_oxygen_enrichment(oxygen_enrichment, limit=enrichment_limit)
    blast = _nonnegative(cold_blast_volume, "cold_blast_volume", "Nm3/min")
    enrichment = _nonnegative(oxygen_enrichment, "oxygen_enrichment", "%") / 100.0
    limit = oxygen_purity - AIR_OXYGEN_FRACTION
    if np.any(enrichment >= limit):
        raise InputError(f"oxygen enrichment must be below {100 * limit:.1f} percentage points with "
                         f"oxygen of purity {oxygen_purity}", field="oxygen_enrichment",
                         value=float(np.max(enrichment) * 100),
                         fix="give the enrichment in percentage points above 21 % (e.g. 3.5)")
    return like_inputs(enrichment * blast / (limit - enrichment), cold_blast_volume, oxygen_enrichment,
                       name="oxygen_volume")


class BoshGas(NamedTuple):
    """Bosh (raceway) gas: volume and composition."""

    volume: ArrayLike
    """Bosh gas volume. [Nm3/min]"""
    co: ArrayLike
    """CO content. [%]"""
    n2: ArrayLike
    """N2 content. [%]"""
    h2: ArrayLike
    """H2 content. [%]"""


def bosh_gas(cold_blast_volume: ArrayLike, oxygen_volume: ArrayLike, blast_humidity: ArrayLike,
             coal_injection: ArrayLike = 0.0, coal_hydrogen: ArrayLike = 0.0,
             natural_gas_injection: ArrayLike = 0.0, hydrogen_injection: ArrayLike = 0.0,
             *, oxygen_purity: float = 1.0) -> BoshGas:
    r"""Bosh gas volume and composition from the tuyere inputs.

    Parameters
    ----------
    cold_blast_volume
        Air from the blower, without the technical oxygen (counted as dry air, as in the note). [Nm3/min]
    oxygen_volume
        Technical oxygen added. [Nm3/min]
    blast_humidity
        Water in the blast per Nm3 of blast (air + oxygen). [g/Nm3]
    coal_injection
        Pulverised coal injected. [kg/h]
    coal_hydrogen
        Hydrogen content of the coal. [%]
    natural_gas_injection
        Natural gas injected, taken as CH4. [Nm3/min]
    hydrogen_injection
        Hydrogen injected. [Nm3/min]
    oxygen_purity
        O2 fraction of the technical oxygen; the rest counts as N2. The note's formula
        assumes 1. [dimensionless]

    Returns
    -------
    BoshGas
        volume [Nm3/min] and CO, N2, H2 contents [%].

    Notes
    -----
    All oxygen burns carbon to CO, blast moisture gives H2 + CO, coal hydrogen leaves as H2:

    .. math:: V_{bosh} = 1.21 V_B + 2 V_{O_2} + \frac{44.8\,\varphi (V_B + V_{O_2})}{18000}
              + \frac{22.4\, m_{coal} H_{coal}}{2 \cdot 60} + 2 V_{CH_4} + V_{H_2}

    (H_coal as a mass fraction, m_coal in kg/h). The first four terms are the stoichiometric
    form of the reference note blast_furnace.md §1.2, which reproduces the ZJU plant's bosh gas
    tag to about -1 % [ZJU]_; the CH4 and H2 terms follow from the same stoichiometry
    (CH4 + ½O2 → CO + 2H2).
    """
    blast = _nonnegative(cold_blast_volume, "cold_blast_volume", "Nm3/min")
    oxygen = _nonnegative(oxygen_volume, "oxygen_volume", "Nm3/min")
    humidity = _nonnegative(blast_humidity, "blast_humidity", "g/Nm3")
    coal = _nonnegative(coal_injection, "coal_injection", "kg/h")
    hydrogen_fraction = _nonnegative(coal_hydrogen, "coal_hydrogen", "%") / 100.0
    methane = _nonnegative(natural_gas_injection, "natural_gas_injection", "Nm3/min")
    hydrogen = _nonnegative(hydrogen_injection, "hydrogen_injection", "Nm3/min")
    _check_purity(oxygen_purity)
    water = humidity * (blast + oxygen) / 1000.0 / 18.015 * MOLAR_VOLUME_NM3_PER_KMOL  # Nm3/min H2O
    co = 0.42 * blast + 2.0 * oxygen_purity * oxygen + water
    n2 = 0.79 * blast + (1.0 - oxygen_purity) * oxygen
    coal_h2 = MOLAR_VOLUME_NM3_PER_KMOL * coal * hydrogen_fraction / (2.016 * 60.0)
    h2 = water + coal_h2 + 2.0 * methane + hydrogen
    total = co + n2 + h2
    inputs = (cold_blast_volume, oxygen_volume, blast_humidity, coal_injection)
    return BoshGas(
        volume=like_inputs(total, *inputs, name="bosh_gas_volume"),
        co=like_inputs(100.0 * _ratio(co, total), *inputs, name="bosh_gas_co"),
        n2=like_inputs(100.0 * _ratio(n2, total), *inputs, name="bosh_gas_n2"),
        h2=like_inputs(100.0 * _ratio(h2, total), *inputs, name="bosh_gas_h2"),
    )


def bosh_gas_volume(cold_blast_volume: ArrayLike, oxygen_volume: ArrayLike, blast_humidity: ArrayLike,
                    coal_injection: ArrayLike = 0.0, coal_hydrogen: ArrayLike = 0.0,
                    natural_gas_injection: ArrayLike = 0.0, hydrogen_injection: ArrayLike = 0.0,
                    *, oxygen_purity: float = 1.0) -> ArrayLike:
    r"""Bosh gas volume, the volume part of :func:`bosh_gas` (same parameters). [Nm3/min]

    Notes
    -----
    .. math:: V_{bosh} = 1.21 V_B + 2 V_{O_2} + \frac{44.8\,\varphi (V_B + V_{O_2})}{18000}
              + \frac{22.4\, m_{coal} H_{coal}}{2 \cdot 60} + 2 V_{CH_4} + V_{H_2}

    Reference note blast_furnace.md §1.2, checked on [ZJU]_ plant data.
    """
    return bosh_gas(cold_blast_volume, oxygen_volume, blast_humidity, coal_injection, coal_hydrogen,
                    natural_gas_injection, hydrogen_injection, oxygen_purity=oxygen_purity).volume


def bosh_gas_index(bosh_gas_volume: ArrayLike, hearth_diameter: ArrayLike) -> ArrayLike:
    r"""Bosh gas index: bosh gas volume per hearth cross-section.

    Parameters
    ----------
    bosh_gas_volume
        [Nm3/min]
    hearth_diameter
        [m]

    Returns
    -------
    Superficial normal-gas velocity through the hearth section. [m/min]

    Notes
    -----
    .. math:: X_{BG} = \frac{V_{bosh}}{\pi d^2 / 4}

    Reference note blast_furnace.md §1.2 (the ZJU tag corresponds to d ≈ 11.2 m) [ZJU]_.
    """
    return bosh_gas_volume / (np.pi * hearth_diameter**2 / 4.0)


def top_gas_volume(carbon_gasified: ArrayLike, top_gas_co: ArrayLike, top_gas_co2: ArrayLike,
                   top_gas_ch4: ArrayLike = 0.0) -> ArrayLike:
    r"""Dry top gas volume from the carbon gasified.

    Parameters
    ----------
    carbon_gasified
        Carbon leaving with the top gas (fuel carbon minus carbon dissolved in hot metal). [kg/tHM]
    top_gas_co, top_gas_co2, top_gas_ch4
        Dry top-gas analysis. [%]

    Returns
    -------
    Dry top gas volume. [Nm3/tHM]

    Notes
    -----
    .. math:: V_{gas} = \frac{C_{gas} \cdot V_m / M_C}{(CO + CO_2 + CH_4)/100}

    with V_m = 22.414 Nm3/kmol (:data:`~greenmet.blast_furnace._common.MOLAR_VOLUME_NM3_PER_KMOL`)
    and M_C = 12.011 kg/kmol (IUPAC); [USTB]_ (fuel-rate notebook and mass balance sheet) writes
    22.4/12, 0.1 % less.
    """
    carbon_volume = carbon_gasified * MOLAR_VOLUME_NM3_PER_KMOL / 12.011
    carbon_bearing = (top_gas_co + top_gas_co2 + top_gas_ch4) / 100.0
    return carbon_volume / carbon_bearing


def cold_blast_volume_from_nitrogen(top_gas_volume: ArrayLike, top_gas_n2: ArrayLike,
                                    burden_nitrogen: ArrayLike = 0.0,
                                    blast_nitrogen_fraction: ArrayLike = 0.79) -> ArrayLike:
    r"""Air blown (``cold_blast_volume``, dry) by a nitrogen balance.

    Parameters
    ----------
    top_gas_volume
        Dry top gas. [Nm3/tHM]
    top_gas_n2
        N2 content of the dry top gas. [%]
    burden_nitrogen
        N2 brought by coke, coal and carrier gas. [Nm3/tHM]
    blast_nitrogen_fraction
        N2 fraction of the (dry) blast; 0.79 for air, lower with enrichment. [dimensionless]

    Returns
    -------
    Dry air blown; add the technical oxygen for the blast
    (:func:`blast_volume_from_cold_blast`). [Nm3/tHM]

    Notes
    -----
    .. math:: V_{cold} = \frac{V_{gas} N_2/100 - N_{2,burden}}{0.79}

    [USTB]_. The N2 of impure technical oxygen belongs in ``burden_nitrogen``.
    """
    return (top_gas_volume * top_gas_n2 / 100.0 - burden_nitrogen) / blast_nitrogen_fraction
