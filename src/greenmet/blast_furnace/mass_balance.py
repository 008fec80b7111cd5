"""Mass balances of the blast furnace: elements and oxides, slag, hot metal, carbon and fuel rate.

Rates are per tonne of hot metal; analyses are mass percent. Every balance returns its residual
(input - output) so that a plant can see which analysis or weighing is off; :func:`check_balance`
turns a residual beyond its tolerance into a flag or a :class:`~greenmet.errors.BalanceError`.

References
----------
.. [USTB-NB] K. Li, USTB ironmaking course notebook ``Blast Theoretical Fuel Rate Calculation.ipynb``
   (carbon-balance method, 1800 m3 furnaces, 2012 data), repository
   USTBifrt/Blast_Furnace_Calculation_Models, commit 0e94b7a.
.. [Geerdes] M. Geerdes et al., *Modern Blast Furnace Ironmaking, an Introduction*, 4th ed., IOS Press
   2020, doi:10.3233/STAL9781643681238 (slag basicities, chapter on slag).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from greenmet.blast_furnace._common import ArrayLike, as_float_array, constant, like_inputs
from greenmet.blast_furnace._guards import (
    check_hot_metal_content,
    check_hot_metal_iron,
    check_kelvin,
    check_oxygen_purity,
)
from greenmet.errors import BalanceError, GreenmetWarning, InputError, SuspectUnitError, UnknownKeyError

__all__ = [
    "MOLAR_MASS",
    "MOLAR_MASS_EDITIONS",
    "BalanceResult",
    "CarbonBalance",
    "balance",
    "basicity_binary",
    "basicity_quaternary",
    "basicity_ternary",
    "carbon_balance",
    "carbon_burnt_at_tuyeres",
    "check_balance",
    "component_flow",
    "desulphurisation_carbon",
    "direct_reduction_carbon",
    "hot_metal_carbon",
    "hot_metal_iron",
    "magnesia_alumina_ratio",
    "minor_element_reduction_carbon",
    "slag_rate_from_cao",
    "sulphur_partition",
]

MOLAR_MASS = {
    "C": 12.011, "O": 15.999, "Fe": 55.845, "Si": 28.086, "Mn": 54.938, "P": 30.974, "S": 32.06,
    "Ti": 47.867, "V": 50.942, "Ca": 40.078, "Mg": 24.305, "Al": 26.982, "H": 1.008,
    "Fe2O3": 159.687, "FeO": 71.844, "SiO2": 60.084, "MnO": 70.937, "P2O5": 141.943, "CaO": 56.077,
    "MgO": 40.304, "Al2O3": 101.961, "TiO2": 79.865,
}
"""Molar masses [g/mol] (IUPAC 2013 standard atomic weights, rounded)."""

MOLAR_MASS_EDITIONS: dict[str, dict[str, float]] = {
    "iupac_2013": MOLAR_MASS,
    "ustb_workbook": {"C": 12.0, "O": 16.0, "Fe": 56.0, "Si": 28.0, "Mn": 55.0, "P": 31.0, "S": 32.0,
                      "Ti": 48.0, "V": 51.0},
}
"""Named editions of the molar masses used by the carbon terms [g/mol]: ``"iupac_2013"``
(:data:`MOLAR_MASS`, IUPAC 2013 standard atomic weights) and ``"ustb_workbook"``, the whole
numbers of the USTB course workbook and fuel-rate notebook [USTB-NB]_ (12/56 kg C per kg Fe, 24/28
per kg Si, 12/55, 60/62, 24/48, 60/102, 12/32). The carbon per iron differs by 0.37 %: 1.6
kg/tHM on a 430 kg/tHM carbon rate if only that factor changes; on the whole Rist line (where
M_Fe also sets the blast's share) 0.95 kg/tHM at 94.5 % Fe, ηCO 0.47 and 300 Nm3 O2/tHM."""


def _molar_masses(edition: str) -> dict[str, float]:
    if edition not in MOLAR_MASS_EDITIONS:
        raise UnknownKeyError("unknown edition of the molar masses", field="molar_masses", value=edition,
                              fix=f"use one of {', '.join(MOLAR_MASS_EDITIONS)}")
    return MOLAR_MASS_EDITIONS[edition]


def _fraction(value: ArrayLike, field: str) -> np.ndarray:
    array = as_float_array(value, field=field)
    finite = array[np.isfinite(array)]
    if finite.size and np.max(finite) > 1.0:
        bad = float(np.max(finite))
        if bad <= 100.0:
            raise SuspectUnitError("the value looks like a percentage, not a fraction", field=field,
                                   value=bad,
                                   fix=f"give the fraction, {bad / 100:g}")
        raise InputError("a fraction lies between 0 and 1", field=field, value=bad,
                         fix="give a fraction in [0, 1]")
    if finite.size and np.min(finite) < 0:
        raise InputError("a fraction lies between 0 and 1", field=field, value=float(np.min(finite)),
                         fix="give a fraction in [0, 1]")
    return array


def _hot_metal(silicon: ArrayLike, manganese: ArrayLike, phosphorus: ArrayLike, sulphur: ArrayLike = 0.0,
               titanium: ArrayLike = 0.0, vanadium: ArrayLike = 0.0) -> None:
    for value, element in ((silicon, "Si"), (manganese, "Mn"), (phosphorus, "P"), (sulphur, "S"),
                           (titanium, "Ti"), (vanadium, "V")):
        check_hot_metal_content(value, element, _FIELDS[element])


_FIELDS = {"Si": "silicon", "Mn": "manganese", "P": "phosphorus", "S": "sulphur", "Ti": "titanium",
           "V": "vanadium", "C": "carbon"}


def hot_metal_carbon(hot_metal_temperature: ArrayLike, silicon: ArrayLike, manganese: ArrayLike,
                     phosphorus: ArrayLike, sulphur: ArrayLike, titanium: ArrayLike = 0.0) -> ArrayLike:
    r"""Carbon content of hot metal at saturation.

    Parameters
    ----------
    hot_metal_temperature
        [degC]
    silicon, manganese, phosphorus, sulphur, titanium
        Contents of the hot metal. [%]

    Returns
    -------
    [C] of the hot metal. [%]

    Notes
    -----
    .. math:: [C] = 1.34 + 2.45\times10^{-3} T - 0.35[P] + 0.17[Ti] - 0.54[S] + 0.04[Mn] - 0.30[Si]

    as used in [USTB-NB]_ (section 1.4: 1490 °C, Si 0.49, Mn 0.22, P 0.106, S 0.018 → 4.805 %).

    Raises
    ------
    SuspectUnitError
        If a content looks like kg/tHM or hundredths of a percent (Si 49), or the temperature
        like kelvin (1763.15).
    """
    check_kelvin(hot_metal_temperature, "hot_metal_temperature")
    _hot_metal(silicon, manganese, phosphorus, sulphur, titanium)
    return (1.34 + 2.45e-3 * hot_metal_temperature - 0.35 * phosphorus + 0.17 * titanium
            - 0.54 * sulphur + 0.04 * manganese - 0.30 * silicon)


def hot_metal_iron(carbon: ArrayLike, silicon: ArrayLike, manganese: ArrayLike, phosphorus: ArrayLike,
                   sulphur: ArrayLike, titanium: ArrayLike = 0.0, vanadium: ArrayLike = 0.0) -> ArrayLike:
    r"""Iron content of hot metal by difference, [Fe] = 100 − Σ other elements. [%]

    Parameters
    ----------
    carbon, silicon, manganese, phosphorus, sulphur, titanium, vanadium
        Contents of the hot metal. [%]

    Notes
    -----
    .. math:: [Fe] = 100 - [C] - [Si] - [Mn] - [P] - [S] - [Ti] - [V]

    [USTB-NB]_ section 1.4.

    Raises
    ------
    SuspectUnitError
        If a content looks like kg/tHM or hundredths of a percent.
    """
    _hot_metal(silicon, manganese, phosphorus, sulphur, titanium, vanadium)
    check_hot_metal_content(carbon, "C", "carbon")
    return 100.0 - carbon - silicon - manganese - phosphorus - sulphur - titanium - vanadium


def carbon_burnt_at_tuyeres(cold_blast_volume: ArrayLike, oxygen_volume: ArrayLike,
                            moisture_fraction: ArrayLike, *, oxygen_purity: float,
                            oxygen_per_carbon: float | None = None) -> ArrayLike:
    r"""Carbon burnt to CO in front of the tuyeres.

    Parameters
    ----------
    cold_blast_volume
        Air blown, without the technical oxygen (not ``blast_volume``, which includes it). [Nm3/tHM]
    oxygen_volume
        Technical oxygen added. [Nm3/tHM]
    moisture_fraction
        Volume fraction of water vapour in the blast, f (0.015, not 1.5 % and not g/Nm3:
        :func:`~greenmet.blast_furnace.gas.moisture_volume_fraction` converts a humidity). [dimensionless]
    oxygen_purity
        O2 fraction of the technical oxygen (the USTB notebook counts the oxygen volume as pure:
        1.0). [dimensionless]
    oxygen_per_carbon
        Nm3 of O2 per kg of carbon burnt to CO; default 0.9331 from table
        ``blast_furnace_constants`` ([USTB-NB]_; 22.414/2/12.011 = 0.93306 with the CODATA molar
        volume and the IUPAC carbon, 22.4/2/12 = 0.9333 with the workbook's). [Nm3/kg]

    Returns
    -------
    Carbon gasified at the tuyeres. [kg/tHM]

    Notes
    -----
    .. math:: C_{tuyere} = \frac{V_{cold} (0.21 + 0.29 f) + p V_{O_2}}{0.9331}

    0.9331 Nm3 O2 per kg C (C + ½O2 → CO) [USTB-NB]_ section 1.3. As in the notebook, the moisture
    is counted on the air only: with f the fraction of the whole blast this leaves out
    0.29 f V_O2 (0.1 kg/tHM of 303 in the notebook's case).

    Raises
    ------
    SuspectUnitError
        If f looks like a percentage or g/Nm3 (above 1), or the purity like a percentage.
    """
    check_oxygen_purity(oxygen_purity)
    f = as_float_array(moisture_fraction, field="moisture_fraction")
    finite = f[np.isfinite(f)]
    if finite.size and np.max(finite) >= 1.0:
        bad = float(np.max(finite))
        per_gram = constant("water_vapour_per_kg") / 1000
        raise SuspectUnitError("a moisture fraction of 1 or more looks like % or g/Nm3",
                               field="moisture_fraction", value=bad,
                               fix=(f"give the volume fraction: {bad / 100:g} if the value is in %, "
                                    f"{bad * per_gram:.4g} if in g/Nm3"))
    per_carbon = constant("oxygen_per_carbon_to_co") if oxygen_per_carbon is None else oxygen_per_carbon
    if not 0.5 < per_carbon < 2.0:
        raise InputError("O2 per kg of carbon outside 0.5–2 Nm3/kg", field="oxygen_per_carbon",
                         value=per_carbon,
                         fix="give Nm3 of O2 per kg C burnt to CO, about 0.933")
    oxygen = (cold_blast_volume * (0.21 + constant("humid_blast_oxygen_coefficient") * moisture_fraction)
              + oxygen_purity * oxygen_volume)
    return oxygen / per_carbon


def direct_reduction_carbon(direct_reduction_degree: ArrayLike, hot_metal_iron: ArrayLike, *,
                            molar_masses: str = "ustb_workbook") -> ArrayLike:
    r"""Carbon consumed by direct reduction of iron (FeO + C → Fe + CO).

    Parameters
    ----------
    direct_reduction_degree
        Share r_d of the iron reduced directly. [dimensionless]
    hot_metal_iron
        Fe content of the hot metal (94.5, not 945 kg/tHM). [%]
    molar_masses
        Edition of :data:`MOLAR_MASS_EDITIONS`; default the workbook's 12/56 [USTB-NB]_.

    Returns
    -------
    [kg/tHM]

    Notes
    -----
    .. math:: C_{d,Fe} = r_d \cdot [Fe] \cdot 10 \cdot M_C/M_{Fe}

    with M_C/M_Fe = 12/56 [USTB-NB]_ section 1.5, or 12.011/55.845 (``"iupac_2013"``).

    Raises
    ------
    SuspectUnitError
        If [Fe] looks like kg/tHM or a fraction, or r_d like a percentage.
    """
    m = _molar_masses(molar_masses)
    _fraction(direct_reduction_degree, "direct_reduction_degree")
    check_hot_metal_iron(hot_metal_iron)
    return direct_reduction_degree * hot_metal_iron * 10.0 * m["C"] / m["Fe"]


def minor_element_reduction_carbon(silicon: ArrayLike, manganese: ArrayLike, phosphorus: ArrayLike,
                                   titanium: ArrayLike = 0.0, vanadium: ArrayLike = 0.0, *,
                                   molar_masses: str = "ustb_workbook") -> ArrayLike:
    r"""Carbon consumed by the direct reduction of Si, Mn, P, Ti and V.

    Parameters
    ----------
    silicon, manganese, phosphorus, titanium, vanadium
        Contents of the hot metal. [%]
    molar_masses
        Edition of :data:`MOLAR_MASS_EDITIONS`; default the workbook's whole numbers [USTB-NB]_.

    Returns
    -------
    [kg/tHM]

    Notes
    -----
    .. math:: C_{d,minor} = 10\left([Si]\tfrac{24}{28} + [Mn]\tfrac{12}{55} + [P]\tfrac{60}{62}
              + [Ti]\tfrac{24}{48} + [V]\tfrac{60}{102}\right)

    (SiO2 + 2C, MnO + C, P2O5 + 5C, TiO2 + 2C, V2O5 + 5C) [USTB-NB]_ section 1.5; the same
    ratios from the IUPAC molar masses with ``"iupac_2013"``.

    Raises
    ------
    SuspectUnitError
        If a content looks like kg/tHM or hundredths of a percent (Si 49).
    """
    m = _molar_masses(molar_masses)
    _hot_metal(silicon, manganese, phosphorus, 0.0, titanium, vanadium)
    c = m["C"]
    return 10.0 * (silicon * 2 * c / m["Si"] + manganese * c / m["Mn"] + phosphorus * 5 * c / (2 * m["P"])
                   + titanium * 2 * c / m["Ti"] + vanadium * 5 * c / (2 * m["V"]))


def desulphurisation_carbon(slag_rate: ArrayLike, slag_sulphur: ArrayLike, *,
                            molar_masses: str = "ustb_workbook") -> ArrayLike:
    r"""Carbon consumed by desulphurisation, (CaO) + [S] + C → (CaS) + CO.

    Parameters
    ----------
    slag_rate
        [kg/tHM]
    slag_sulphur
        Sulphur content of the slag. [%]
    molar_masses
        Edition of :data:`MOLAR_MASS_EDITIONS`; default the workbook's 12/32 [USTB-NB]_.

    Returns
    -------
    [kg/tHM]

    Notes
    -----
    .. math:: C_S = m_{slag} \cdot (S)/100 \cdot 12/32

    [USTB-NB]_ section 1.5.
    """
    m = _molar_masses(molar_masses)
    return slag_rate * slag_sulphur / 100.0 * m["C"] / m["S"]


class CarbonBalance(NamedTuple):
    """Result of :func:`carbon_balance` (all [kg/tHM] except the carbon fraction)."""

    carbon_at_tuyeres: ArrayLike
    carbon_in_hot_metal: ArrayLike
    carbon_direct_reduction_iron: ArrayLike
    carbon_direct_reduction_minor: ArrayLike
    carbon_desulphurisation: ArrayLike
    total_carbon: ArrayLike
    """Carbon the fuels must bring. [kg/tHM]"""
    fuel_carbon_fraction: ArrayLike
    """Mass-weighted carbon content of the fuels. [%]"""
    fuel_rate: ArrayLike
    """Fuel rate that brings ``total_carbon``. [kg/tHM]"""


def carbon_balance(carbon_at_tuyeres: ArrayLike, hot_metal_carbon: ArrayLike,
                   direct_reduction_degree: ArrayLike, hot_metal_iron: ArrayLike,
                   silicon: ArrayLike, manganese: ArrayLike, phosphorus: ArrayLike,
                   slag_rate: ArrayLike, slag_sulphur: ArrayLike,
                   fuel_rates: Mapping[str, ArrayLike], fuel_carbon: Mapping[str, ArrayLike],
                   titanium: ArrayLike = 0.0, vanadium: ArrayLike = 0.0, *,
                   molar_masses: str = "ustb_workbook") -> CarbonBalance:
    r"""Carbon consumption and the theoretical fuel rate by the carbon-balance method.

    Parameters
    ----------
    carbon_at_tuyeres
        From :func:`carbon_burnt_at_tuyeres`. [kg/tHM]
    hot_metal_carbon, hot_metal_iron, silicon, manganese, phosphorus, titanium, vanadium
        Hot metal analysis. [%]
    direct_reduction_degree
        r_d. [dimensionless]
    slag_rate
        [kg/tHM]
    slag_sulphur
        [%]
    fuel_rates
        Fuel name → rate actually charged or injected (coke, nut coke, coal), used as weights of
        the carbon content. [kg/tHM]
    fuel_carbon
        Fuel name → fixed carbon content; every fuel of ``fuel_rates`` needs one. [%]
    molar_masses
        Edition of :data:`MOLAR_MASS_EDITIONS` for the carbon terms; default the workbook's
        [USTB-NB]_.

    Returns
    -------
    CarbonBalance

    Notes
    -----
    .. math::

       C_{total} = C_{tuyere} + 10[C] + C_{d,Fe} + C_{d,minor} + C_S, \qquad
       K = \frac{C_{total}}{\sum_i w_i C_i / \sum_i w_i}

    [USTB-NB]_ sections 1.6–1.7 (No. 1 BF, August 2012: 459.8 kg C/tHM, fuel 550.5 kg/tHM
    against 560.6 charged).

    Raises
    ------
    UnknownKeyError
        If a fuel of ``fuel_rates`` has no carbon content in ``fuel_carbon``.
    InputError
        If no fuel is given or the fuel rates sum to 0.
    SuspectUnitError
        If a content looks like kg/tHM or a fraction, a carbon content like a fraction.
    """
    if not fuel_rates:
        raise InputError("no fuel given", field="fuel_rates", value=dict(fuel_rates),
                         fix="give the rates of coke, nut coke and coal, e.g. {'coke': 378.2, 'coal': 151.7}")
    missing = [name for name in fuel_rates if name not in fuel_carbon]
    if missing:
        raise UnknownKeyError("no carbon content for this fuel", field="fuel_carbon", value=missing[0],
                              fix=(f"add {missing[0]!r} to fuel_carbon (fixed carbon in %); it has "
                                   f"{', '.join(map(repr, fuel_carbon)) or 'no fuel'}"))
    for name in fuel_rates:
        content = as_float_array(fuel_carbon[name], field=f"fuel_carbon[{name!r}]")
        finite = content[np.isfinite(content)]
        if finite.size and np.min(finite) <= 1.0:
            raise SuspectUnitError("a fuel carbon content of at most 1 % looks like a mass fraction",
                                   field=f"fuel_carbon[{name!r}]", value=float(np.min(finite)),
                                   fix=f"give the fixed carbon in %: {float(np.min(finite)) * 100:g}")
    check_hot_metal_content(hot_metal_carbon, "C", "hot_metal_carbon")
    c_hm = 10.0 * hot_metal_carbon
    c_fe = direct_reduction_carbon(direct_reduction_degree, hot_metal_iron, molar_masses=molar_masses)
    c_minor = minor_element_reduction_carbon(silicon, manganese, phosphorus, titanium, vanadium,
                                             molar_masses=molar_masses)
    c_s = desulphurisation_carbon(slag_rate, slag_sulphur, molar_masses=molar_masses)
    total = carbon_at_tuyeres + c_hm + c_fe + c_minor + c_s
    weight = sum(fuel_rates[name] for name in fuel_rates)
    if not np.all(np.asarray(weight, dtype=float) != 0):
        raise InputError("the fuel rates sum to 0", field="fuel_rates", value=dict(fuel_rates),
                         fix="give the fuel rates actually charged and injected, in kg/tHM")
    weighted = sum(fuel_rates[name] * fuel_carbon[name] for name in fuel_rates)
    fraction = weighted / weight
    return CarbonBalance(carbon_at_tuyeres, c_hm, c_fe, c_minor, c_s, total, fraction,
                         total / fraction * 100.0)


def component_flow(masses: Mapping[str, ArrayLike], contents: Mapping[str, ArrayLike]) -> ArrayLike:
    r"""Flow of one component through several materials, Σ m_i x_i / 100.

    Parameters
    ----------
    masses
        Material name → mass rate. [kg/tHM]
    contents
        Material name → content of the component; materials missing here contribute 0. [%]

    Returns
    -------
    [kg/tHM]
    """
    total: ArrayLike = 0.0
    for name, mass in masses.items():
        if name in contents:
            total = total + mass * contents[name] / 100.0
    return total


class BalanceResult(NamedTuple):
    """A balance of one component: input, output, residual and whether it closes."""

    component: str
    input: ArrayLike
    """[kg/tHM]"""
    output: ArrayLike
    """[kg/tHM]"""
    residual: ArrayLike
    """input - output [kg/tHM]"""
    relative_residual: ArrayLike
    """residual / input [dimensionless]"""
    tolerance: float
    """Largest acceptable |relative_residual|. [dimensionless]"""
    closes: ArrayLike
    """True where |relative_residual| <= tolerance (False for NaN)."""


def balance(component: str, inputs: ArrayLike, outputs: ArrayLike, *, tolerance: float) -> BalanceResult:
    r"""Residual of a component balance.

    Parameters
    ----------
    component
        Name of the component (``"Fe"``, ``"CaO"`` …).
    inputs, outputs
        Total input and output of the component. [kg/tHM]
    tolerance
        Largest acceptable relative residual, e.g. 0.02 for 2 %. [dimensionless]

    Returns
    -------
    BalanceResult

    Notes
    -----
    .. math:: r = \frac{\sum in - \sum out}{\sum in}
    """
    inputs_array = as_float_array(inputs, field=f"{component} input")
    outputs_array = as_float_array(outputs, field=f"{component} output")
    residual = inputs_array - outputs_array
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(inputs_array != 0, residual / np.where(inputs_array != 0, inputs_array, 1.0),
                            np.where(residual == 0, 0.0, np.inf))
    closes = np.abs(relative) <= tolerance
    return BalanceResult(
        component=component,
        input=like_inputs(inputs_array, inputs, outputs),
        output=like_inputs(outputs_array, inputs, outputs),
        residual=like_inputs(residual, inputs, outputs),
        relative_residual=like_inputs(relative, inputs, outputs),
        tolerance=tolerance,
        closes=like_inputs(closes, inputs, outputs) if np.ndim(closes) else bool(closes),
    )


def check_balance(result: BalanceResult, *, on_failure: str = "raise") -> BalanceResult:
    """Act on a balance that does not close.

    Parameters
    ----------
    result
        From :func:`balance`.
    on_failure
        ``"raise"`` (a :class:`BalanceError` naming the component, its residual and the fix),
        ``"warn"`` (a :class:`GreenmetWarning`) or ``"flag"`` (return the result unchanged; its
        ``closes`` field is the flag).

    Raises
    ------
    BalanceError
        With ``on_failure="raise"`` if any row does not close.
    InputError
        If ``on_failure`` is none of the three.
    """
    if on_failure not in ("raise", "warn", "flag"):
        raise InputError("unknown reaction to an unclosed balance", field="on_failure", value=on_failure,
                         fix="use 'raise', 'warn' or 'flag'")
    closes = np.asarray(result.closes, dtype=bool)
    if closes.all() or on_failure == "flag":
        return result
    relative = np.atleast_1d(np.asarray(result.relative_residual, dtype=float))
    worst = float(relative[np.nanargmax(np.abs(np.where(np.isnan(relative), 0, relative)))]
                  if np.isfinite(relative).any() else relative[0])
    message = (f"{result.component} balance does not close: relative residual {worst:+.1%} exceeds "
               f"±{result.tolerance:.1%}")
    fix = (f"check the {result.component} analyses and the weighed rates of burden, hot metal, slag "
           f"and dust; or widen the tolerance")
    if on_failure == "warn":
        warnings.warn(f"{message}. Fix: {fix}", GreenmetWarning, stacklevel=2)
        return result
    raise BalanceError(message, field=f"{result.component}_balance", value=worst, fix=fix)


def basicity_binary(slag_cao: ArrayLike, slag_sio2: ArrayLike) -> ArrayLike:
    r"""Binary basicity R2 = (CaO)/(SiO2). [dimensionless]

    Parameters
    ----------
    slag_cao, slag_sio2
        Slag analysis. [%]

    Notes
    -----
    .. math:: R_2 = \frac{CaO}{SiO_2}

    [Geerdes]_; USTB workbook: 1.116 analysed.
    """
    return slag_cao / slag_sio2


def basicity_ternary(slag_cao: ArrayLike, slag_sio2: ArrayLike, slag_mgo: ArrayLike) -> ArrayLike:
    r"""Ternary basicity R3 = (CaO + MgO)/SiO2. [dimensionless]

    Parameters
    ----------
    slag_cao, slag_sio2, slag_mgo
        [%]

    Notes
    -----
    .. math:: R_3 = \frac{CaO + MgO}{SiO_2}

    [Geerdes]_.
    """
    return (slag_cao + slag_mgo) / slag_sio2


def basicity_quaternary(slag_cao: ArrayLike, slag_sio2: ArrayLike, slag_mgo: ArrayLike,
                        slag_al2o3: ArrayLike) -> ArrayLike:
    r"""Quaternary basicity R4 = (CaO + MgO)/(SiO2 + Al2O3). [dimensionless]

    Parameters
    ----------
    slag_cao, slag_sio2, slag_mgo, slag_al2o3
        [%]

    Notes
    -----
    .. math:: R_4 = \frac{CaO + MgO}{SiO_2 + Al_2O_3}

    [Geerdes]_.
    """
    return (slag_cao + slag_mgo) / (slag_sio2 + slag_al2o3)


def magnesia_alumina_ratio(slag_mgo: ArrayLike, slag_al2o3: ArrayLike) -> ArrayLike:
    r"""MgO/Al2O3 of the slag (镁铝比), a slag-fluidity indicator. [dimensionless]

    Parameters
    ----------
    slag_mgo, slag_al2o3
        [%]

    Notes
    -----
    .. math:: MgO/Al_2O_3

    Reference note blast_furnace.md §1.2 (a health indicator of a Chinese BF expert system).
    """
    return slag_mgo / slag_al2o3


def slag_rate_from_cao(cao_input: ArrayLike, slag_cao: ArrayLike) -> ArrayLike:
    r"""Slag rate by a CaO balance: all CaO charged ends in the slag.

    Parameters
    ----------
    cao_input
        CaO charged with burden, fluxes, coke ash and coal ash. [kg/tHM]
    slag_cao
        CaO content of the slag. [%]

    Returns
    -------
    [kg/tHM]

    Notes
    -----
    .. math:: m_{slag} = \frac{\sum m_i CaO_i}{(CaO)/100}

    Reference note blast_furnace.md §1.2 (a Chinese per-cast script computes 铁次渣量 this way).
    """
    return cao_input / (slag_cao / 100.0)


def sulphur_partition(slag_sulphur: ArrayLike, hot_metal_sulphur: ArrayLike) -> ArrayLike:
    r"""Sulphur partition L_S = (S)/[S]. [dimensionless]

    Parameters
    ----------
    slag_sulphur, hot_metal_sulphur
        [%]

    Notes
    -----
    .. math:: L_S = (S)/[S]

    USTB workbook: 21.5 (reference note §1.2).
    """
    return slag_sulphur / hot_metal_sulphur
