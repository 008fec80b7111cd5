"""The Rist operating diagram and the Rd–C diagram.

Rist diagram: abscissa x = O/C of the gas (0 carbon, 1 CO, 2 CO2), ordinate y = O/Fe; above 0 the
oxygen taken from the iron oxides (y_A = 1.5 for hematite), below 0 the oxygen of the blast (y_b)
and of the reduced minor oxides (y_f). The operating line runs from A(0, −(y_b + y_f)) to
E(1 + ηCO, y_A); its slope μ is the carbon gasified per iron atom.

References
----------
.. [Rist] A. Rist, N. Meysson, "Étude graphique de la marche du haut fourneau", Revue de
   Métallurgie 62 (1965) 995; A. Rist, N. Meysson, "A dual graphic representation of the
   blast-furnace mass and heat balances", JOM 19 (1967) 50, doi:10.1007/BF03378564.
.. [USTB] K. Li, USTB ironmaking course workbook (Rist and Rd–C sheets: n(T) table) and notebook
   ``The Rd-C Diagram for Blast Furnace.ipynb``, USTBifrt/Blast_Furnace_Calculation_Models (the
   Rd–C notebook, not the fuel-rate notebook ``Blast Theoretical Fuel Rate Calculation.ipynb``).
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np

from greenmet.blast_furnace._common import (
    MOLAR_VOLUME_NM3_PER_KMOL,
    ArrayLike,
    constant,
    like_inputs,
)
from greenmet.blast_furnace._guards import check_blast_temperature, check_hot_metal_iron, check_kelvin
from greenmet.blast_furnace.mass_balance import _molar_masses
from greenmet.errors import InputError, UnknownKeyError
from greenmet.refdata import load_table

__all__ = [
    "RD_C_EDITIONS",
    "WUSTITE_OXYGEN_PER_IRON",
    "OperatingLine",
    "RdCDiagram",
    "co_excess_coefficient",
    "rd_c_blast_heat_per_carbon",
    "rd_c_diagram",
    "rist_operating_line",
    "wustite_point",
]

WUSTITE_OXYGEN_PER_IRON = 1.05
"""O/Fe of wüstite Fe0.95O used for the W point [Rist]_. [dimensionless]"""


@cache
def _n_table() -> tuple[np.ndarray, np.ndarray]:
    table = load_table("rist_co_excess")
    return table["temperature_degC"].astype(float).to_numpy(), table["value"].to_numpy(dtype=float)


def co_excess_coefficient(temperature: ArrayLike) -> ArrayLike:
    r"""CO excess coefficient n(T) of FeO + nCO = Fe + CO2 + (n − 1)CO.

    Parameters
    ----------
    temperature
        Temperature of the thermal reserve zone, 700–1200 °C. [degC]

    Returns
    -------
    n, interpolated linearly in the USTB table (2.50 at 700 °C … 4.12 at 1200 °C). [dimensionless]

    Raises
    ------
    SuspectUnitError
        If the temperature looks like kelvin (1173.15 is inside the table's range but is 900 °C).
    InputError
        Outside 700–1200 °C (the table is not extrapolated).
    """
    T = check_kelvin(temperature, "temperature")
    grid, values = _n_table()
    finite = T[np.isfinite(T)]
    if finite.size and (finite.min() < grid[0] or finite.max() > grid[-1]):
        raise InputError(f"temperature outside the n(T) table ({grid[0]:.0f}–{grid[-1]:.0f} °C)",
                         field="temperature", value=float(finite.min() if finite.min() < grid[0]
                                                          else finite.max()),
                         fix="give the thermal reserve zone temperature in degC, typically 900–1000")
    return like_inputs(np.interp(T, grid, values), temperature)


def wustite_point(reserve_zone_temperature: ArrayLike) -> tuple[ArrayLike, float]:
    r"""The W point of the Rist diagram, (x_W, y_W).

    Parameters
    ----------
    reserve_zone_temperature
        [degC]

    Returns
    -------
    x_W [dimensionless], y_W = 1.05 [dimensionless]

    Notes
    -----
    .. math:: x_W = 1 + 1/n(T), \qquad y_W = 1.05

    At 900 °C, n = 3.17 gives x_W = 1.315 [USTB]_, [Rist]_.
    """
    return 1.0 + 1.0 / co_excess_coefficient(reserve_zone_temperature), WUSTITE_OXYGEN_PER_IRON


class OperatingLine(NamedTuple):
    """Result of :func:`rist_operating_line`."""

    slope: ArrayLike
    """μ, mol C gasified per mol Fe. [dimensionless]"""
    point_a_y: ArrayLike
    """y of point A, −(y_b + y_f). [dimensionless]"""
    point_e_x: ArrayLike
    """x of point E, 1 + ηCO. [dimensionless]"""
    direct_reduction_degree: ArrayLike
    """r_d = y_d / 1.05 with y_d the line's ordinate at x = 1. [dimensionless]"""
    carbon_rate: ArrayLike
    """Carbon gasified, μ·M_C/M_Fe·[Fe]·10. [kg/tHM]"""
    minimum_slope: ArrayLike
    """Slope of the ideal line through A and W. [dimensionless]"""
    minimum_carbon_rate: ArrayLike
    """Carbon gasified on the ideal line. [kg/tHM]"""
    shaft_efficiency: ArrayLike
    """ω = ηCO / ηCO,ideal (chemical-reserve efficiency). [dimensionless]"""


def rist_operating_line(top_gas_utilisation: ArrayLike, blast_oxygen: ArrayLike,
                        hot_metal_iron: ArrayLike, minor_oxide_oxygen: ArrayLike = 0.0,
                        burden_oxygen_per_iron: ArrayLike = 1.5,
                        reserve_zone_temperature: ArrayLike = 900.0, *,
                        molar_masses: str = "iupac_2013") -> OperatingLine:
    r"""Rist operating line from the blast and the top-gas analysis.

    Parameters
    ----------
    top_gas_utilisation
        ηCO. [dimensionless]
    blast_oxygen
        Oxygen atoms brought by blast, enrichment oxygen and blast moisture, as O2. [Nm3/tHM]
    hot_metal_iron
        Fe content of the hot metal (94.5, not 945 kg/tHM). [%]
    minor_oxide_oxygen
        Oxygen removed from SiO2, MnO, P2O5 … by reduction (and by desulphurisation), as O2. [Nm3/tHM]
    burden_oxygen_per_iron
        O/Fe of the burden, 1.5 for hematite, about 1.4 for sinter with FeO. [dimensionless]
    reserve_zone_temperature
        Sets the W point. [degC]
    molar_masses
        Edition of :data:`~greenmet.blast_furnace.mass_balance.MOLAR_MASS_EDITIONS`: default
        ``"iupac_2013"`` (12.011/55.845, [Rist]_ works in atoms), or ``"ustb_workbook"`` (12/56:
        0.95 kg/tHM less carbon at 434 kg/tHM).

    Returns
    -------
    OperatingLine

    Notes
    -----
    With :math:`n_{Fe} = 10[Fe]/M_{Fe}` kmol/tHM, :math:`y_b = 2 V_{O_2,b}/22.414/n_{Fe}`,
    :math:`y_f = 2 V_{O_2,f}/22.414/n_{Fe}` (M_Fe = 55.845 and the carbon rate
    :math:`\mu M_C/M_{Fe}\,10[Fe]` with M_C = 12.011 in the default edition):

    .. math::

       \mu = \frac{y_A + y_b + y_f}{1 + \eta_{CO}}, \qquad y_d = \mu - y_b - y_f, \qquad
       r_d = y_d / 1.05

       \mu_{min} = \frac{y_W + y_b + y_f}{x_W}, \qquad
       \omega = \frac{\eta_{CO}}{(y_A + y_b + y_f)/\mu_{min} - 1}

    [Rist]_; the shaft efficiency ω as the ratio of actual to ideal ηCO is the usual reading of
    the diagram (reference note §1.2, [L]).
    """
    m = _molar_masses(molar_masses)
    check_hot_metal_iron(hot_metal_iron)
    iron_kmol = hot_metal_iron * 10.0 / m["Fe"]
    y_b = 2.0 * blast_oxygen / MOLAR_VOLUME_NM3_PER_KMOL / iron_kmol
    y_f = 2.0 * minor_oxide_oxygen / MOLAR_VOLUME_NM3_PER_KMOL / iron_kmol
    below = y_b + y_f
    slope = (burden_oxygen_per_iron + below) / (1.0 + top_gas_utilisation)
    y_d = slope - below
    x_w, y_w = wustite_point(reserve_zone_temperature)
    minimum_slope = (y_w + below) / x_w
    ideal_utilisation = (burden_oxygen_per_iron + below) / minimum_slope - 1.0
    iron_mass = hot_metal_iron * 10.0
    return OperatingLine(
        slope=slope,
        point_a_y=-below,
        point_e_x=1.0 + top_gas_utilisation,
        direct_reduction_degree=y_d / WUSTITE_OXYGEN_PER_IRON,
        carbon_rate=slope * m["C"] / m["Fe"] * iron_mass,
        minimum_slope=minimum_slope,
        minimum_carbon_rate=minimum_slope * m["C"] / m["Fe"] * iron_mass,
        shaft_efficiency=top_gas_utilisation / ideal_utilisation,
    )


class RdCDiagram(NamedTuple):
    """Result of :func:`rd_c_diagram` (carbon per kg Fe)."""

    coefficient_a: ArrayLike
    """A of C_heat = A + B·r_d. [kg/kg]"""
    coefficient_b: ArrayLike
    """B of C_heat = A + B·r_d. [kg/kg]"""
    optimum_direct_reduction_degree: ArrayLike
    """r_d where the heat line meets the reduction line. [dimensionless]"""
    minimum_carbon: ArrayLike
    """Carbon at that point. [kg/kg]"""


RD_C_EDITIONS = {
    "ustb_workbook": ("rd_c_heat_constant", "heat_carbon_to_co"),
    "ustb_rd_c_notebook": ("rd_c_heat_constant_notebook", "heat_carbon_to_co_notebook"),
}
"""The two USTB versions of the Rd–C heat line: the course workbook (5076, 9800) and the 2024
Rd–C notebook ``The Rd-C Diagram for Blast Furnace.ipynb`` (5073, 9791; not the fuel-rate
notebook). They differ by < 0.1 %; the choice is explicit."""

_RENAMED_EDITIONS = {"ustb_notebook": "ustb_rd_c_notebook"}


def rd_c_blast_heat_per_carbon(blast_temperature: ArrayLike,
                               air_mean_heat_capacity: ArrayLike | None = None) -> ArrayLike:
    r"""Blast sensible heat per kg of carbon burnt to CO with dry air, q_b.

    Parameters
    ----------
    blast_temperature
        [degC]
    air_mean_heat_capacity
        Mean heat capacity of air between 0 °C and the blast temperature; default 1.436 (the USTB
        notebook's value for 1250 °C). [kJ/(Nm3*K)]

    Returns
    -------
    q_b [kJ/kg]

    Notes
    -----
    .. math:: q_b = \frac{22.4}{2 \cdot 12 \cdot 0.21}\,\bar c_p\,T_B

    4.444 Nm3 of air per kg C (the notebook's 22.4 and 12); 1250 °C gives 7977.8 kJ/kg [USTB]_.

    Raises
    ------
    SuspectUnitError
        If the blast temperature looks like K or °F.
    """
    check_blast_temperature(blast_temperature)
    cp = constant("air_mean_heat_capacity_1250") if air_mean_heat_capacity is None else air_mean_heat_capacity
    return 22.4 / (2 * 12.0 * 0.21) * cp * blast_temperature


def rd_c_diagram(heat_requirement: ArrayLike, blast_heat_per_carbon: ArrayLike,
                 co_excess: ArrayLike, *, edition: str) -> RdCDiagram:
    r"""The Rd–C diagram: heat carbon, reduction carbon and the minimum carbon rate.

    Parameters
    ----------
    heat_requirement
        Heat required per kg Fe, Q (USTB workbook: 10,721 kJ/kg Fe). [kJ/kg]
    blast_heat_per_carbon
        Blast sensible heat per kg of carbon burnt at the tuyeres, q_b
        (:func:`rd_c_blast_heat_per_carbon`). [kJ/kg]
    co_excess
        n of the indirect reduction at the reserve-zone temperature
        (:func:`co_excess_coefficient`). [dimensionless]
    edition
        ``"ustb_workbook"`` (5076, 9800) or ``"ustb_rd_c_notebook"`` (5073, 9791), see
        :data:`RD_C_EDITIONS`.

    Returns
    -------
    RdCDiagram

    Notes
    -----
    .. math::

       C_d = \tfrac{12}{56} r_d, \quad C_i = n \tfrac{12}{56} (1 - r_d), \quad
       C_{heat} = A + B r_d

       A = \frac{Q - 5076}{9800 + q_b}, \quad B = \frac{5076 + 0.215 q_b}{9800 + q_b}

    The minimum is where :math:`C_d + C_{heat} = C_i` [USTB]_:

    .. math:: r_d^* = \frac{n\,12/56 - A}{12/56 + B + n\,12/56}

    Raises
    ------
    UnknownKeyError
        If ``edition`` is not one of :data:`RD_C_EDITIONS`.
    """
    if edition in _RENAMED_EDITIONS:
        raise UnknownKeyError("edition renamed: it is the Rd-C notebook, not the fuel-rate notebook",
                              field="edition", value=edition, fix=f"use {_RENAMED_EDITIONS[edition]!r}")
    if edition not in RD_C_EDITIONS:
        raise UnknownKeyError("unknown edition of the Rd-C heat line", field="edition", value=edition,
                              fix=f"use one of {', '.join(RD_C_EDITIONS)}")
    k_name, c_name = RD_C_EDITIONS[edition]
    k = constant(k_name)
    c_to_co = constant(c_name)
    a = (heat_requirement - k) / (c_to_co + blast_heat_per_carbon)
    b = (k + 0.215 * blast_heat_per_carbon) / (c_to_co + blast_heat_per_carbon)
    unit = 12.0 / 56.0
    rd = (co_excess * unit - a) / (unit + b + co_excess * unit)
    return RdCDiagram(a, b, rd, co_excess * unit * (1.0 - rd))
