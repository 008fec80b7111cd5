"""Heat balances of the whole furnace and of its lower (high-temperature) zone, heat losses.

Heats are per tonne of hot metal [kJ/tHM]; the reference temperature of sensible heats is 25 °C.
The heat loss is the closing term (income − useful expenditure), as in practice: it is the
quantity the furnace chief watches, and a negative value shows an inconsistent data set.

References
----------
.. [USTB] K. Li, USTB ironmaking course workbook
   ``Blast_Furnace_Mass_Energy_Balance-Cd_C_Diagram-Rist_Diagram.xlsx``, heat balance sheet
   (C→CO 9800 kJ/kg C, CO→CO2 12650 kJ/Nm3, H2→H2O 10800 kJ/Nm3), repository
   USTBifrt/Blast_Furnace_Calculation_Models.
.. [JANAF] M. W. Chase, NIST-JANAF Thermochemical Tables, 4th ed. (1998), Shomate fits of the
   NIST Chemistry WebBook SRD 69, doi:10.18434/T4D303.
.. [Rist] A. Rist, N. Meysson, Revue de Métallurgie 62 (1965) 995 (lower-zone heat balance).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from greenmet.blast_furnace import _thermo
from greenmet.blast_furnace._common import (
    MOLAR_VOLUME_NM3_PER_KMOL,
    ArrayLike,
    as_float_array,
    constant,
    like_inputs,
)
from greenmet.blast_furnace._guards import (
    check_blast_temperature,
    check_hot_metal_content,
    check_hot_metal_iron,
    check_kelvin,
    check_oxygen_enrichment,
)
from greenmet.blast_furnace.gas import moisture_volume_fraction

__all__ = [
    "HeatBalance",
    "blast_sensible_heat",
    "carbon_to_co_heat",
    "co_to_co2_heat",
    "gas_sensible_heat",
    "h2_to_h2o_heat",
    "heat_balance",
    "hot_metal_heat",
    "iron_oxide_dissociation_heat",
    "lower_zone_heat_balance",
    "minor_element_reduction_heat",
    "moisture_decomposition_heat",
    "slag_heat",
]

_T0 = 273.15


def carbon_to_co_heat(carbon: ArrayLike) -> ArrayLike:
    r"""Heat of burning carbon to CO, q = 9800·C. [kJ/tHM]

    Parameters
    ----------
    carbon
        Carbon gasified to CO (tuyeres and direct reduction). [kg/tHM]

    Notes
    -----
    .. math:: Q = 9800\,C

    [USTB]_ (tuyere carbon 2.969 GJ/tHM, direct-reduction carbon 0.813 GJ/tHM).
    """
    return carbon * constant("heat_carbon_to_co")


def co_to_co2_heat(co_oxidised: ArrayLike) -> ArrayLike:
    r"""Heat of indirect reduction by CO, q = 12650·V_CO→CO2. [kJ/tHM]

    Parameters
    ----------
    co_oxidised
        CO turned into CO2 by indirect reduction (= top-gas CO2 minus CO2 of carbonates). [Nm3/tHM]

    Notes
    -----
    .. math:: Q = 12650\,V_{CO \to CO_2}

    [USTB]_ (3.433 GJ/tHM).
    """
    return co_oxidised * constant("heat_co_to_co2")


def h2_to_h2o_heat(h2_oxidised: ArrayLike) -> ArrayLike:
    r"""Heat of reduction by hydrogen, q = 10800·V_H2→H2O. [kJ/tHM]

    Parameters
    ----------
    h2_oxidised
        H2 turned into H2O by reduction. [Nm3/tHM]

    Notes
    -----
    .. math:: Q = 10800\,V_{H_2 \to H_2O}

    [USTB]_ (0.911 GJ/tHM).
    """
    return h2_oxidised * constant("heat_h2_to_h2o")


def gas_sensible_heat(volume: ArrayLike, temperature: ArrayLike, composition: Mapping[str, ArrayLike]
                      ) -> ArrayLike:
    r"""Sensible heat of a gas above 25 °C from temperature-dependent heat capacities.

    Parameters
    ----------
    volume
        Gas volume. [Nm3/tHM]
    temperature
        [degC]
    composition
        Species (``"N2"``, ``"O2"``, ``"CO"``, ``"CO2"``, ``"H2"``, ``"H2O"``, ``"CH4"``) → content. [%]

    Returns
    -------
    [kJ/tHM]

    Notes
    -----
    .. math:: Q = \frac{V}{22.414} \sum_i x_i\,[H_i(T) - H_i(298.15)]

    with the Shomate enthalpies of [JANAF]_ (table ``shomate``; H2O below 500 K uses the
    500–1700 K fit, within 1 % of NIST-JANAF at 400 K).
    """
    T = check_kelvin(temperature, "temperature") + _T0
    moles = as_float_array(volume, field="volume") * 1000.0 / MOLAR_VOLUME_NM3_PER_KMOL  # mol/tHM
    total = np.zeros(np.broadcast(T, moles).shape)
    for species, share in composition.items():
        fraction = as_float_array(share, field=f"composition[{species}]") / 100.0
        total = total + fraction * _thermo.sensible_enthalpy(species, T)
    return like_inputs(moles * total, volume, temperature)


def blast_sensible_heat(blast_volume: ArrayLike, blast_temperature: ArrayLike,
                        oxygen_enrichment: ArrayLike, blast_humidity: ArrayLike) -> ArrayLike:
    r"""Sensible heat of the hot blast above 25 °C.

    Parameters
    ----------
    blast_volume
        Blast at the tuyeres: air, enrichment oxygen and moisture. [Nm3/tHM]
    blast_temperature
        [degC]
    oxygen_enrichment
        Points above 21 % O2 of the dry blast. [%]
    blast_humidity
        [g/Nm3]

    Returns
    -------
    [kJ/tHM]

    Notes
    -----
    .. math:: Q_B = \frac{V_B}{22.414}\left[(1-f)(x_{O_2} \Delta H_{O_2} + x_{N_2} \Delta H_{N_2})
              + f\,\Delta H_{H_2O}\right]

    with :math:`\Delta H_i = H_i(T_B) - H_i(298.15)` from [JANAF]_ Shomate fits.
    The USTB workbook's blast sensible heat is 2.005 GJ/tHM [USTB]_.

    Raises
    ------
    SuspectUnitError
        If the blast temperature looks like K or °F, or the enrichment like the O2 content.
    """
    check_blast_temperature(blast_temperature)
    check_oxygen_enrichment(oxygen_enrichment)
    return _blast_sensible_heat(blast_volume, blast_temperature, oxygen_enrichment, blast_humidity)


def _blast_sensible_heat(blast_volume: ArrayLike, blast_temperature: ArrayLike, oxygen_enrichment: ArrayLike,
                         blast_humidity: ArrayLike) -> ArrayLike:
    """:func:`blast_sensible_heat` without the unit guards (for what-if steps beyond the guards' ranges)."""
    f = moisture_volume_fraction(blast_humidity)
    oxygen = 0.21 + oxygen_enrichment / 100.0
    composition = {"O2": 100.0 * (1 - f) * oxygen, "N2": 100.0 * (1 - f) * (1 - oxygen), "H2O": 100.0 * f}
    return gas_sensible_heat(blast_volume, blast_temperature, composition)


def iron_oxide_dissociation_heat(iron_from_fe2o3: ArrayLike, iron_from_fe3o4: ArrayLike = 0.0,
                                 iron_from_feo: ArrayLike = 0.0) -> ArrayLike:
    r"""Heat to dissociate the iron oxides of the burden into iron and oxygen. [kJ/tHM]

    Parameters
    ----------
    iron_from_fe2o3, iron_from_fe3o4, iron_from_feo
        Iron charged as each oxide and reduced to hot metal. [kg/tHM]

    Notes
    -----
    .. math:: Q = 7370\,Fe_{Fe_2O_3} + 6680\,Fe_{Fe_3O_4} + 4770\,Fe_{FeO}

    per kg Fe from the formation enthalpies of NIST-JANAF [JANAF]_ (provisional,
    ``needs_verification`` in table ``blast_furnace_constants``).
    """
    return (iron_from_fe2o3 * constant("fe2o3_dissociation_heat")
            + iron_from_fe3o4 * constant("fe3o4_dissociation_heat")
            + iron_from_feo * constant("feo_dissociation_heat"))


def minor_element_reduction_heat(silicon: ArrayLike, manganese: ArrayLike, phosphorus: ArrayLike
                                 ) -> ArrayLike:
    r"""Heat to reduce Si, Mn and P into the hot metal. [kJ/tHM]

    Parameters
    ----------
    silicon, manganese, phosphorus
        Contents of the hot metal. [%]

    Notes
    -----
    .. math:: Q = 10\,(31102[Si] + 7366[Mn] + 35782[P])

    per kg of element (Chinese textbook values, provisional).

    Raises
    ------
    SuspectUnitError
        If a content looks like kg/tHM or hundredths of a percent (Si 49).
    """
    for value, element, name in ((silicon, "Si", "silicon"), (manganese, "Mn", "manganese"),
                                 (phosphorus, "P", "phosphorus")):
        check_hot_metal_content(value, element, name)
    return 10.0 * (silicon * constant("silicon_reduction_heat")
                   + manganese * constant("manganese_reduction_heat")
                   + phosphorus * constant("phosphorus_reduction_heat"))


def moisture_decomposition_heat(water_volume: ArrayLike) -> ArrayLike:
    r"""Heat to decompose blast and coal moisture, H2O → H2 + ½O2, 10800 kJ/Nm3. [kJ/tHM]

    Parameters
    ----------
    water_volume
        Water vapour decomposed. [Nm3/tHM]

    Notes
    -----
    .. math:: Q = 10800\,V_{H_2O}

    the reverse of H2 → H2O [USTB]_.
    """
    return water_volume * constant("heat_h2_to_h2o")


def hot_metal_heat(hot_metal_mass: ArrayLike = 1.0) -> ArrayLike:
    r"""Enthalpy carried out by hot metal at about 1500 °C (1250 MJ/t, provisional). [kJ/tHM]

    Parameters
    ----------
    hot_metal_mass
        [t/tHM]

    Notes
    -----
    .. math:: Q = 1.25\times10^6\,m_{HM}
    """
    return hot_metal_mass * constant("hot_metal_enthalpy") * 1000.0


def slag_heat(slag_rate: ArrayLike) -> ArrayLike:
    r"""Enthalpy carried out by slag at about 1550 °C (1750 MJ/t, provisional). [kJ/tHM]

    Parameters
    ----------
    slag_rate
        [kg/tHM]

    Notes
    -----
    .. math:: Q = 1750\,m_{slag}
    """
    return slag_rate * constant("slag_enthalpy")


class HeatBalance(NamedTuple):
    """Result of :func:`heat_balance` and :func:`lower_zone_heat_balance`."""

    income: ArrayLike
    """Total heat income. [kJ/tHM]"""
    expenditure: ArrayLike
    """Useful expenditure (all terms except the loss). [kJ/tHM]"""
    heat_loss: ArrayLike
    """Closing term: income − expenditure (cooling, radiation and errors). [kJ/tHM]"""
    heat_loss_share: ArrayLike
    """heat_loss / income. [dimensionless]"""


def heat_balance(income: Mapping[str, ArrayLike], expenditure: Mapping[str, ArrayLike]) -> HeatBalance:
    r"""Whole-furnace heat balance; the heat loss closes it.

    Parameters
    ----------
    income
        Name → heat income term (carbon to CO, CO to CO2, H2 to H2O, blast sensible heat, slag
        formation …). [kJ/tHM]
    expenditure
        Name → useful expenditure (oxide dissociation, minor-element reduction, moisture and coal
        decomposition, hot metal, slag, top gas sensible heat …). [kJ/tHM]

    Returns
    -------
    HeatBalance

    Notes
    -----
    .. math:: Q_{loss} = \sum Q_{in} - \sum Q_{out}, \qquad \lambda = Q_{loss}/\sum Q_{in}

    [USTB]_ (income 10.13 GJ/tHM in the workbook's example).
    """
    total_in: ArrayLike = sum(income.values())
    total_out: ArrayLike = sum(expenditure.values())
    loss = total_in - total_out
    return HeatBalance(total_in, total_out, loss, loss / total_in)


def lower_zone_heat_balance(carbon_at_tuyeres: ArrayLike, blast_sensible_heat: ArrayLike,
                            direct_reduction_degree: ArrayLike, hot_metal_iron: ArrayLike,
                            minor_element_heat: ArrayLike, slag_rate: ArrayLike,
                            bosh_gas_volume: ArrayLike, *, reserve_zone_temperature: ArrayLike = 950.0,
                            moisture_heat: ArrayLike = 0.0, coal_heat: ArrayLike = 0.0) -> HeatBalance:
    r"""Heat balance of the zone below the thermal reserve zone (the elaboration zone).

    Parameters
    ----------
    carbon_at_tuyeres
        [kg/tHM]
    blast_sensible_heat
        [kJ/tHM]
    direct_reduction_degree
        r_d. [dimensionless]
    hot_metal_iron
        [%]
    minor_element_heat
        From :func:`minor_element_reduction_heat`. [kJ/tHM]
    slag_rate
        [kg/tHM]
    bosh_gas_volume
        Gas leaving the zone upwards. [Nm3/tHM]
    reserve_zone_temperature
        Temperature of solids and gas at the top of the zone. [degC]
    moisture_heat, coal_heat
        Decomposition heats of moisture and coal, spent in the raceway. [kJ/tHM]

    Returns
    -------
    HeatBalance
        ``heat_loss`` is the heat left for losses of the lower zone (it must be positive).

    Notes
    -----
    Income: tuyere carbon to CO and the blast. Expenditure: direct reduction of wüstite
    (FeO + C → Fe + CO, 4770 − 9800·12/56 kJ/kg Fe), minor elements, the enthalpy of hot metal
    and slag above that brought in at the reserve-zone temperature, and the bosh gas leaving at
    that temperature [Rist]_:

    .. math:: Q_{in} = 9800\,C_t + Q_B, \quad
              Q_{out} = r_d Fe (q_{FeO} - 9800 \tfrac{12}{56}) + Q_{Si,Mn,P} + Q_{HM}
              + Q_{slag} - (Fe\,\bar c_{Fe} + m_{slag} \bar c_{slag}) T_R + Q_{gas}(T_R)

    with mean heat capacities of solids of 0.70 (iron) and 1.00 (slag formers) kJ/(kg K)
    (practice values).

    Raises
    ------
    SuspectUnitError
        If [Fe] looks like kg/tHM or a fraction, or the temperature like kelvin.
    """
    check_hot_metal_iron(hot_metal_iron)
    check_kelvin(reserve_zone_temperature, "reserve_zone_temperature")
    iron = hot_metal_iron * 10.0  # kg Fe/tHM
    direct = direct_reduction_degree * iron * (constant("feo_dissociation_heat")
                                               - constant("heat_carbon_to_co") * 12.0 / 56.0)
    solids_in = (iron * 0.70 + slag_rate * 1.00) * (reserve_zone_temperature - 25.0)
    gas_out = gas_sensible_heat(bosh_gas_volume, reserve_zone_temperature, {"N2": 100.0})
    income = carbon_to_co_heat(carbon_at_tuyeres) + blast_sensible_heat
    expenditure = (direct + minor_element_heat + hot_metal_heat(1.0) + slag_heat(slag_rate) - solids_in
                   + gas_out + moisture_heat + coal_heat)
    loss = income - expenditure
    return HeatBalance(income, expenditure, loss, loss / income)
