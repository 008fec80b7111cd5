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
from greenmet.errors import BalanceError, GreenmetWarning, InputError

__all__ = [
    "MOLAR_MASS",
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
    """
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
    """
    return 100.0 - carbon - silicon - manganese - phosphorus - sulphur - titanium - vanadium


def carbon_burnt_at_tuyeres(blast_volume: ArrayLike, oxygen_volume: ArrayLike,
                            moisture_fraction: ArrayLike, *, oxygen_purity: float) -> ArrayLike:
    r"""Carbon burnt to CO in front of the tuyeres.

    Parameters
    ----------
    blast_volume
        Air blown (without the technical oxygen). [Nm3/tHM]
    oxygen_volume
        Technical oxygen added. [Nm3/tHM]
    moisture_fraction
        Volume fraction of water vapour in the blast. [dimensionless]
    oxygen_purity
        O2 fraction of the technical oxygen (the USTB notebook counts the oxygen volume as pure:
        1.0). [dimensionless]

    Returns
    -------
    Carbon gasified at the tuyeres. [kg/tHM]

    Notes
    -----
    .. math:: C_{tuyere} = \frac{V_B (0.21 + 0.29 f) + p V_{O_2}}{0.9331}

    0.9331 Nm3 O2 per kg C (C + ½O2 → CO) [USTB-NB]_ section 1.3.
    """
    oxygen = (blast_volume * (0.21 + constant("humid_blast_oxygen_coefficient") * moisture_fraction)
              + oxygen_purity * oxygen_volume)
    return oxygen / constant("oxygen_per_carbon_to_co")


def direct_reduction_carbon(direct_reduction_degree: ArrayLike, hot_metal_iron: ArrayLike) -> ArrayLike:
    r"""Carbon consumed by direct reduction of iron (FeO + C → Fe + CO).

    Parameters
    ----------
    direct_reduction_degree
        Share r_d of the iron reduced directly. [dimensionless]
    hot_metal_iron
        Fe content of the hot metal. [%]

    Returns
    -------
    [kg/tHM]

    Notes
    -----
    .. math:: C_{d,Fe} = r_d \cdot [Fe] \cdot 10 \cdot 12/56

    [USTB-NB]_ section 1.5.
    """
    return direct_reduction_degree * hot_metal_iron * 10.0 * 12.0 / 56.0


def minor_element_reduction_carbon(silicon: ArrayLike, manganese: ArrayLike, phosphorus: ArrayLike,
                                   titanium: ArrayLike = 0.0, vanadium: ArrayLike = 0.0) -> ArrayLike:
    r"""Carbon consumed by the direct reduction of Si, Mn, P, Ti and V.

    Parameters
    ----------
    silicon, manganese, phosphorus, titanium, vanadium
        Contents of the hot metal. [%]

    Returns
    -------
    [kg/tHM]

    Notes
    -----
    .. math:: C_{d,minor} = 10\left([Si]\tfrac{24}{28} + [Mn]\tfrac{12}{55} + [P]\tfrac{60}{62}
              + [Ti]\tfrac{24}{48} + [V]\tfrac{60}{102}\right)

    [USTB-NB]_ section 1.5.
    """
    return 10.0 * (silicon * 24 / 28 + manganese * 12 / 55 + phosphorus * 60 / 62
                   + titanium * 24 / 48 + vanadium * 60 / 102)


def desulphurisation_carbon(slag_rate: ArrayLike, slag_sulphur: ArrayLike) -> ArrayLike:
    r"""Carbon consumed by desulphurisation, (CaO) + [S] + C → (CaS) + CO.

    Parameters
    ----------
    slag_rate
        [kg/tHM]
    slag_sulphur
        Sulphur content of the slag. [%]

    Returns
    -------
    [kg/tHM]

    Notes
    -----
    .. math:: C_S = m_{slag} \cdot (S)/100 \cdot 12/32

    [USTB-NB]_ section 1.5.
    """
    return slag_rate * slag_sulphur / 100.0 * 12.0 / 32.0


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
                   titanium: ArrayLike = 0.0, vanadium: ArrayLike = 0.0) -> CarbonBalance:
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
        Fuel name → fixed carbon content. [%]

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
    """
    c_hm = 10.0 * hot_metal_carbon
    c_fe = direct_reduction_carbon(direct_reduction_degree, hot_metal_iron)
    c_minor = minor_element_reduction_carbon(silicon, manganese, phosphorus, titanium, vanadium)
    c_s = desulphurisation_carbon(slag_rate, slag_sulphur)
    total = carbon_at_tuyeres + c_hm + c_fe + c_minor + c_s
    weight = sum(fuel_rates[name] for name in fuel_rates)
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
