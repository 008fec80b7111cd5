"""Operating indices: fuel rates, productivity, permeability, burden descent, staves, tuyeres.

References
----------
.. [USTB-NB] K. Li, USTB course notebook ``Blast Theoretical Fuel Rate Calculation.ipynb``
   (fuel rates of 1800 m3 furnaces), USTBifrt/Blast_Furnace_Calculation_Models.
.. [WISDRI] Tuyere-state calculator of WISDRI (中冶南方, 2020), as summarised in the reference note
   blast_furnace.md §1.2 (velocity, kinetic energy).
.. [IAPWS] IAPWS-95 formulation (W. Wagner, A. Pruß, J. Phys. Chem. Ref. Data 31 (2002) 387,
   doi:10.1063/1.1461829): liquid water at 35 °C, ρ = 994.0 kg/m3, c_p = 4.178 kJ/(kg K).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from greenmet.blast_furnace._common import ArrayLike, as_float_array
from greenmet.blast_furnace._guards import check_blast_temperature, check_positive
from greenmet.errors import InputError

__all__ = [
    "blast_reduction_events",
    "burden_descent_rate",
    "coke_rate",
    "fuel_rate",
    "heat_flux",
    "permeability_index",
    "productivity",
    "resistance_coefficient",
    "smelting_intensity",
    "specific_rate",
    "stave_heat_load",
    "tuyere_kinetic_energy",
    "tuyere_velocity",
]

WATER_DENSITY = 994.0
"""Density of cooling water at 35 °C [kg/m3] [IAPWS]_."""
WATER_SPECIFIC_HEAT = 4.178
"""Isobaric specific heat of water at 35 °C [kJ/(kg K)] [IAPWS]_."""
AIR_NORMAL_DENSITY = 1.293
"""Density of air at 0 °C, 101.325 kPa [kg/Nm3] (used by [WISDRI]_)."""


def specific_rate(consumption: ArrayLike, production: ArrayLike) -> ArrayLike:
    r"""Consumption per tonne of hot metal, e.g. coke or coal rate.

    Parameters
    ----------
    consumption
        Material consumed in a period. [t/d]
    production
        Hot metal produced in the same period. [t/d]

    Returns
    -------
    [kg/tHM]

    Notes
    -----
    .. math:: K = 1000\,m / P

    Raises
    ------
    InputError
        If the production is 0 or negative.
    """
    check_positive(production, "production", "t/d")
    return 1000.0 * consumption / production


def coke_rate(coke_consumption: ArrayLike, production: ArrayLike,
              nut_coke_consumption: ArrayLike = 0.0) -> ArrayLike:
    r"""Coke rate including nut coke. [kg/tHM]

    Parameters
    ----------
    coke_consumption, nut_coke_consumption
        Dry coke charged. [t/d]
    production
        Hot metal. [t/d]

    Notes
    -----
    .. math:: K = 1000 (m_{coke} + m_{nut}) / P
    """
    return specific_rate(coke_consumption + nut_coke_consumption, production)


def fuel_rate(coke_rate: ArrayLike, coal_rate: ArrayLike = 0.0, nut_coke_rate: ArrayLike = 0.0,
              other_injectant_rate: ArrayLike = 0.0) -> ArrayLike:
    r"""Fuel rate: coke, nut coke and injectants. [kg/tHM]

    Parameters
    ----------
    coke_rate, coal_rate, nut_coke_rate, other_injectant_rate
        [kg/tHM]

    Notes
    -----
    .. math:: FR = K + K_{nut} + PCI + \dots

    [USTB-NB]_ (No. 1 BF, Aug 2012: 378.2 + 30.7 + 151.7 = 560.6 kg/tHM).
    """
    return coke_rate + nut_coke_rate + coal_rate + other_injectant_rate


def productivity(production: ArrayLike, working_volume: ArrayLike) -> ArrayLike:
    r"""Volumetric productivity (利用系数) η_V = P/V_u. [t/(m3*d)]

    Parameters
    ----------
    production
        Hot metal. [t/d]
    working_volume
        Working (useful) volume V_u. [m3]

    Notes
    -----
    .. math:: \eta_V = P_{day} / V_u

    Reference note §1.2; USTB: 4230 t/d in 1800 m3 → 2.35.

    Raises
    ------
    InputError
        If the working volume is 0 or negative.
    """
    check_positive(working_volume, "working_volume", "m3")
    return production / working_volume


def smelting_intensity(fuel_consumption: ArrayLike, working_volume: ArrayLike) -> ArrayLike:
    r"""Combined smelting intensity (综合冶炼强度) I = fuel/V_u. [t/(m3*d)]

    Parameters
    ----------
    fuel_consumption
        Coke, nut coke and injected fuel. [t/d]
    working_volume
        [m3]

    Notes
    -----
    .. math:: I = m_{fuel,day} / V_u, \qquad FR = 1000\,I/\eta_V

    Reference note §1.2.

    Raises
    ------
    InputError
        If the working volume is 0 or negative.
    """
    check_positive(working_volume, "working_volume", "m3")
    return fuel_consumption / working_volume


def permeability_index(cold_blast_volume: ArrayLike, hot_blast_pressure: ArrayLike,
                       top_pressure: ArrayLike) -> ArrayLike:
    r"""Permeability index (透气性指数) PI = V_B/ΔP. [Nm3/(min*kPa)]

    Parameters
    ----------
    cold_blast_volume
        Air from the blower, without the technical oxygen. [Nm3/min]
    hot_blast_pressure, top_pressure
        Gauge pressures. [kPa]

    Returns
    -------
    Blast volume per unit pressure drop. [Nm3/(min*kPa)]

    Notes
    -----
    .. math:: PI = \frac{V_B}{P_B - P_T}

    Plants scale this differently (one writes 100·V_B[10⁴ Nm3/h]/ΔP[kPa], about 17; in the unit
    here the same furnace reads about 28), so the unit is part of the name of the value
    (reference note §1.2).

    Raises
    ------
    InputError
        If the hot-blast pressure does not exceed the top pressure.
    """
    check_positive(hot_blast_pressure - top_pressure, "hot_blast_pressure - top_pressure", "kPa")
    return cold_blast_volume / (hot_blast_pressure - top_pressure)


def resistance_coefficient(hot_blast_pressure: ArrayLike, top_pressure: ArrayLike,
                           bosh_gas_volume: ArrayLike) -> ArrayLike:
    r"""Gas-flow resistance coefficient K = (P_B² − P_T²)/V_bosh^1.7.

    Parameters
    ----------
    hot_blast_pressure, top_pressure
        Absolute pressures. [kPa]
    bosh_gas_volume
        [Nm3/min]

    Returns
    -------
    K in kPa²/(Nm3/min)^1.7. [dimensionless]

    Notes
    -----
    .. math:: K = \frac{P_B^2 - P_T^2}{V_{bosh}^{1.7}}

    The Japanese form, in use in Chinese expert systems (reference note §1.2; the exponent 1.7 is
    practice knowledge, [L]). Compare values only within one plant and one unit system.
    """
    return (hot_blast_pressure**2 - top_pressure**2) / bosh_gas_volume**1.7


def burden_descent_rate(stockline_depth_change: ArrayLike, elapsed_time: ArrayLike) -> ArrayLike:
    r"""Burden descent rate from stockrod readings, v = Δh/Δt. [m/h]

    Parameters
    ----------
    stockline_depth_change
        Increase of the stockrod depth between two readings without charging in between. [m]
    elapsed_time
        [h]

    Notes
    -----
    .. math:: v = \Delta h / \Delta t

    Raises
    ------
    InputError
        If the elapsed time is 0 or negative.
    """
    check_positive(elapsed_time, "elapsed_time", "h")
    return stockline_depth_change / elapsed_time


def stave_heat_load(water_flow: ArrayLike, water_temperature_rise: ArrayLike, *,
                    density: float = WATER_DENSITY, specific_heat: float = WATER_SPECIFIC_HEAT) -> ArrayLike:
    r"""Heat removed by the cooling water of a stave or a stave row.

    Parameters
    ----------
    water_flow
        [m3/h]
    water_temperature_rise
        Outlet minus inlet temperature. [K]
    density
        [kg/m3]
    specific_heat
        [kJ/(kg*K)]

    Returns
    -------
    [kW]

    Notes
    -----
    .. math:: Q = \rho\,c_p\,\dot V\,\Delta T

    with water properties of [IAPWS]_ at 35 °C; 30 m3/h and 0.5 K give 17.3 kW (the reference
    note's 17.4 kW uses ρ c_p = 4180 kJ/(m3 K)).
    """
    return density * specific_heat * water_flow / 3600.0 * water_temperature_rise


def heat_flux(heat_load: ArrayLike, area: ArrayLike) -> ArrayLike:
    r"""Heat flux q = Q/A. [kW/m2]

    Parameters
    ----------
    heat_load
        [kW]
    area
        Hot-face area of the stave. [m2]

    Notes
    -----
    .. math:: q = Q / A

    Raises
    ------
    InputError
        If the area is 0 or negative.
    """
    check_positive(area, "area", "m2")
    return heat_load / area


def tuyere_velocity(blast_volume: ArrayLike, tuyeres: ArrayLike, tuyere_diameter: ArrayLike,
                    blast_temperature: ArrayLike, hot_blast_pressure: ArrayLike
                    ) -> tuple[ArrayLike, ArrayLike]:
    r"""Standard and actual blast velocity at the tuyere nose.

    Parameters
    ----------
    blast_volume
        Blast and oxygen through all tuyeres. [Nm3/min]
    tuyeres
        Number of tuyeres in use. [dimensionless]
    tuyere_diameter
        Inner diameter of the tuyere nose. [m]
    blast_temperature
        [degC]
    hot_blast_pressure
        Gauge pressure. [kPa]

    Returns
    -------
    v0 (standard velocity) [m/s], v (actual velocity) [m/s]

    Notes
    -----
    .. math:: v_0 = \frac{4 Q_i}{\pi d^2}, \qquad
              v = v_0 \frac{(273 + T_B) P_0}{273 (P_0 + P_B)}

    with Q_i the flow per tuyere in Nm3/s and P_0 = 101.325 kPa [WISDRI]_.

    Raises
    ------
    InputError
        If the tuyere count or diameter is 0 or negative.
    SuspectUnitError
        If the blast temperature looks like K or °F.
    """
    check_positive(tuyeres, "tuyeres", "tuyeres in use")
    check_positive(tuyere_diameter, "tuyere_diameter", "m")
    check_blast_temperature(blast_temperature)
    per_tuyere = blast_volume / 60.0 / tuyeres
    standard = 4.0 * per_tuyere / (np.pi * tuyere_diameter**2)
    actual = standard * (273.15 + blast_temperature) * 101.325 / (273.15 * (101.325 + hot_blast_pressure))
    return standard, actual


def tuyere_kinetic_energy(blast_volume: ArrayLike, tuyeres: ArrayLike, tuyere_diameter: ArrayLike,
                          blast_temperature: ArrayLike, hot_blast_pressure: ArrayLike) -> ArrayLike:
    r"""Kinetic energy of the blast leaving one tuyere. [kJ/s]

    Parameters
    ----------
    blast_volume, tuyeres, tuyere_diameter, blast_temperature, hot_blast_pressure
        As in :func:`tuyere_velocity`.

    Returns
    -------
    E per tuyere. [kJ/s]

    Notes
    -----
    .. math:: E = \frac{\rho_0 v_0 S v^2}{2000}

    with ρ0 = 1.293 kg/Nm3 and S = πd²/4 [WISDRI]_ (mass flow ρ0·v0·S times v²/2, in kW).
    """
    standard, actual = tuyere_velocity(blast_volume, tuyeres, tuyere_diameter, blast_temperature,
                                       hot_blast_pressure)
    area = np.pi * tuyere_diameter**2 / 4.0
    return AIR_NORMAL_DENSITY * standard * area * actual**2 / 2000.0


def blast_reduction_events(cold_blast_volume: ArrayLike, *, drop_fraction: float = 0.10,
                           window: str | int = "8h", min_duration: str | int = "10min") -> pd.DataFrame:
    r"""Periods where the blast volume falls below its recent normal level (减风 events).

    Parameters
    ----------
    cold_blast_volume
        Air from the blower, without the technical oxygen: a Series indexed by time, or a Series,
        list or array indexed by sample number (then ``window`` and ``min_duration`` are sample
        counts). [Nm3/min]
    drop_fraction
        A sample is reduced when it is below (1 − drop_fraction) times the rolling median. [dimensionless]
    window
        Rolling-median window (a pandas offset such as ``"8h"`` for a time index, a count otherwise).
    min_duration
        Shortest event kept (an offset for a time index, a count of samples otherwise).

    Returns
    -------
    DataFrame with one row per event: ``start``, ``end``, ``samples``, ``minimum_nm3_per_min``,
    ``normal_nm3_per_min``, ``depth`` (1 − minimum/normal, [dimensionless]).

    Notes
    -----
    .. math:: reduced_t = V_t < (1 - f)\,\mathrm{median}_{window}(V)

    Raises
    ------
    InputError
        If ``drop_fraction`` is not in (0, 1), the values are not numbers, or ``window`` or
        ``min_duration`` is a time span while the samples have no time index.
    """
    if not 0 < drop_fraction < 1:
        raise InputError("drop_fraction must lie between 0 and 1", field="drop_fraction",
                         value=drop_fraction, fix="give a fraction such as 0.10 for a 10 % drop")
    if isinstance(cold_blast_volume, pd.Series):
        blast_volume = cold_blast_volume.astype(float)
    else:
        blast_volume = pd.Series(np.atleast_1d(as_float_array(cold_blast_volume, field="cold_blast_volume")))
        if blast_volume.ndim != 1:
            raise InputError("not a sequence of samples", field="cold_blast_volume",
                             fix="give a Series, a list or a one-dimensional array")
    timed = isinstance(blast_volume.index, pd.DatetimeIndex | pd.TimedeltaIndex)
    for name, span in (("window", window), ("min_duration", min_duration)):
        if isinstance(span, str) and not timed:
            raise InputError(f"{name} is a time span but the samples have no time index", field=name,
                             value=span, fix=(f"give {name} as a number of samples (e.g. {name}=480 for 8 h "
                                              "of one-minute samples), or a Series indexed by time"))
    columns = ["start", "end", "samples", "minimum_nm3_per_min", "normal_nm3_per_min", "depth"]
    if blast_volume.empty:
        return pd.DataFrame(columns=columns)
    normal = blast_volume.rolling(window, min_periods=1).median()
    reduced = blast_volume < (1.0 - drop_fraction) * normal
    group = (reduced != reduced.shift()).cumsum()
    rows = []
    for _, members in blast_volume[reduced].groupby(group[reduced]):
        start, end = members.index[0], members.index[-1]
        if isinstance(min_duration, int):
            if len(members) < min_duration:
                continue
        elif (end - start) < pd.Timedelta(min_duration):
            continue
        base = float(normal.loc[start])
        minimum = float(members.min())
        rows.append([start, end, len(members), minimum, base, 1.0 - minimum / base])
    return pd.DataFrame(rows, columns=columns)
