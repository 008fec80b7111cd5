"""Raceway adiabatic flame temperature (RAFT, 理论燃烧温度).

Different plants and books compute RAFT with different formulas that disagree by about 100 °C
on the same inputs (reference note blast_furnace.md §1.2), so every result carries the id of
the formula that produced it; compare values only within one formula id.

References
----------
.. [JANAF] M. W. Chase, NIST-JANAF Thermochemical Tables, 4th ed., J. Phys. Chem. Ref. Data
   Monograph 9 (1998); Shomate fits as published in the NIST Chemistry WebBook, SRD 69,
   doi:10.18434/T4D303.
.. [USTB] K. Li, USTB ironmaking course notebook ``Blast Theoretical Fuel Rate Calculation.ipynb``,
   USTBifrt/Blast_Furnace_Calculation_Models (coal decomposition heat 1000 kJ/kg).
.. [Geerdes] M. Geerdes, R. Chaigneau, O. Lingiardi et al., *Modern Blast Furnace Ironmaking, an
   Introduction*, 4th ed., IOS Press 2020, chapter on the raceway (definition of RAFT),
   doi:10.3233/STAL9781643681238.
"""

from __future__ import annotations

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
    ENRICHMENT_LIMIT_POINTS,
    check_blast_temperature,
    check_coal_carbon,
    check_oxygen_enrichment,
    check_percent,
)
from greenmet.blast_furnace.gas import moisture_volume_fraction
from greenmet.errors import InputError

__all__ = [
    "FORMULA_ENTHALPY_BALANCE",
    "GRAPHITE_MEAN_HEAT_CAPACITY",
    "FlameTemperature",
    "raceway_adiabatic_flame_temperature",
]

FORMULA_ENTHALPY_BALANCE = "raft_enthalpy_shomate_v1"
"""Id of the enthalpy-balance formula of :func:`raceway_adiabatic_flame_temperature`."""

GRAPHITE_MEAN_HEAT_CAPACITY = 1.689
"""Mean specific heat of graphite from 25 to 1500 °C [kJ/(kg*K)]: the integral over 298.15–1773.15 K
of the Butland and Maddison (1973) heat-capacity fit for graphite (250–3000 K) as quoted in the NIST
Chemistry WebBook SRD 69, graphite, condensed-phase heat capacity (doi:10.18434/T4D303). An
alternative to the practice value 1.51 of
table ``blast_furnace_constants`` for ``coke_heat_capacity``."""

_T0_K = 273.15
_T_REF_K = _thermo.T_REFERENCE_K
_WATER_LIQUID_FORMATION = -285.83  # kJ/mol, NIST WebBook H2O liquid delta_f H (Chase 1998)
_M_C, _M_H2, _M_O, _M_N2, _M_H2O = 12.011, 2.016, 15.999, 28.013, 18.015


class FlameTemperature(NamedTuple):
    """Result of :func:`raceway_adiabatic_flame_temperature`."""

    temperature: ArrayLike
    """Raceway adiabatic flame temperature. [degC]"""
    formula: str
    """Id of the formula (compare values only within one id)."""
    raceway_gas_volume: ArrayLike
    """Raceway gas (CO + H2 + N2). [Nm3/tHM]"""
    raceway_gas_co: ArrayLike
    """CO content of the raceway gas. [%]"""
    raceway_gas_h2: ArrayLike
    """H2 content of the raceway gas. [%]"""
    raceway_gas_n2: ArrayLike
    """N2 content of the raceway gas. [%]"""
    coke_carbon_burnt: ArrayLike
    """Coke carbon burnt at the tuyeres. [kg/tHM]"""
    iterations: int
    """Fixed-point iterations used."""


def raceway_adiabatic_flame_temperature(
    blast_temperature: ArrayLike,
    blast_volume: ArrayLike,
    oxygen_enrichment: ArrayLike,
    blast_humidity: ArrayLike,
    coal_rate: ArrayLike = 0.0,
    coal_carbon: ArrayLike = 78.0,
    coal_hydrogen: ArrayLike = 4.0,
    coal_oxygen: ArrayLike = 5.0,
    coal_nitrogen: ArrayLike = 1.0,
    coal_moisture: ArrayLike = 1.0,
    natural_gas_rate: ArrayLike = 0.0,
    hydrogen_rate: ArrayLike = 0.0,
    *,
    coke_temperature: float | None = None,
    coke_heat_capacity: float | None = None,
    coal_devolatilisation_heat: float | None = None,
    enrichment_limit: float = ENRICHMENT_LIMIT_POINTS,
    tolerance: float = 0.01,
    max_iterations: int = 100,
) -> FlameTemperature:
    r"""Raceway adiabatic flame temperature by an enthalpy balance, solved iteratively.

    Parameters
    ----------
    blast_temperature
        Hot-blast temperature at the tuyeres. [degC]
    blast_volume
        Blast at the tuyeres: air, technical oxygen and moisture (``blast_volume`` of
        ``docs/nomenclature/blast_furnace.md``; from the air blown use
        :func:`~greenmet.blast_furnace.gas.blast_volume_from_cold_blast`), per tonne of hot metal
        (any common basis works: all flows scale together). [Nm3/tHM]
    oxygen_enrichment
        Percentage points of O2 above 21 % in the dry blast (3.5, not the O2 content 24.5). [%]
    blast_humidity
        Water per Nm3 of blast. [g/Nm3]
    coal_rate
        Pulverised coal injected, on the same basis as ``blast_volume``. [kg/tHM]
    coal_carbon, coal_hydrogen, coal_oxygen, coal_nitrogen, coal_moisture
        Coal analysis as received (ash and sulphur make up the rest and do not enter the gas). [%]
    natural_gas_rate
        Natural gas injected, taken as CH4. [Nm3/tHM]
    hydrogen_rate
        Hydrogen injected (at 25 °C). [Nm3/tHM]
    coke_temperature
        Temperature of the coke arriving in the raceway; default 1500 °C from table
        ``blast_furnace_constants`` (provisional). [degC]
    coke_heat_capacity
        Mean specific heat of coke between 25 °C and ``coke_temperature``; default 1.51 from table
        ``blast_furnace_constants`` (practice value, provisional). Graphite data give 1.69 for
        25–1500 °C (:data:`GRAPHITE_MEAN_HEAT_CAPACITY`), about 20 °C more flame temperature. [kJ/(kg*K)]
    coal_devolatilisation_heat
        Heat absorbed by the decomposition of the coal; default 1000 kJ/kg [USTB]_. [kJ/kg]
    tolerance
        Convergence criterion on the temperature. [K]
    max_iterations
        Limit of fixed-point iterations. [dimensionless]
    enrichment_limit
        Highest enrichment accepted, 15 points for air-blown furnaces; raise it for an oxygen
        blast furnace. [%]

    Returns
    -------
    FlameTemperature
        ``temperature`` [degC] with ``formula`` = ``"raft_enthalpy_shomate_v1"``, the raceway
        gas volume [Nm3/tHM] and composition [%], the coke carbon burnt [kg/tHM].

    Notes
    -----
    All oxygen (free O2 of the blast, the oxygen of blast and coal moisture and of the coal)
    burns carbon to CO; water gives H2, coal hydrogen leaves as H2, CH4 gives CO + 2 H2; coal
    and injectants enter at 25 °C, coke at :math:`T_{coke}`. Enthalpies are absolute
    (formation enthalpy at 298.15 K plus the sensible increment), so the heats of C → CO and of
    H2O dissociation follow from the balance [Geerdes]_:

    .. math::

       \sum_{in} n_i H_i = \sum_{CO, H_2, N_2} n_j\,[\Delta_f H_j + \bar c_{p,j}(T)(T - 298.15)]

    with the mean heat capacity :math:`\bar c_{p,j}(T) = (H_j(T) - H_j(298.15))/(T - 298.15)`
    from the Shomate equation [JANAF]_ (table ``shomate``). The temperature is found by the
    fixed-point iteration :math:`T_{k+1} = 298.15 + Q / \sum n_j \bar c_{p,j}(T_k)`, as plant
    RAFT programs do. Coke sensible heat uses the mean specific heat 1.51 kJ/(kg K) by default
    (provisional, table ``blast_furnace_constants``; ``coke_heat_capacity``); coal
    decomposition absorbs 1000 kJ/kg [USTB]_. Ash and unburnt fines are not in the balance
    (gas-only definition).

    This formula at 1050 Nm3/tHM, 1200 °C, 3 % enrichment, 15 g/Nm3 and 160 kg/tHM coal gives
    2090 °C and, at the same blast volume per tonne, +73 °C per +100 °C blast, +41 °C per +1
    point O2, −53 °C per +10 g/Nm3 and −17 °C per +10 kg/tHM coal (checked in
    ``tests/blast_furnace/test_docstrings.py``). The reference note's Cantera balance gives
    2118 °C and +74, +49, −50, −19 °C; ``tests/blast_furnace/test_plausibility.py`` holds the two
    within 20 %.

    Raises
    ------
    SuspectUnitError
        If the blast temperature looks like K or °F (above 1300 °C or ending in .15), the
        enrichment like the O2 content of the blast (above the limit and at least 21), or the coal
        carbon like a mass fraction (at most 1).
    InputError
        If the enrichment is negative or above ``enrichment_limit``, a content is outside 0–100 %,
        the humidity or a rate is negative.
    """
    blast_T = check_blast_temperature(blast_temperature)
    volume = as_float_array(blast_volume, field="blast_volume")
    enrichment = check_oxygen_enrichment(oxygen_enrichment, limit=min(enrichment_limit, 79.0))
    humidity = as_float_array(blast_humidity, field="blast_humidity")
    for name, array in (("blast_volume", volume), ("blast_humidity", humidity)):
        if np.any(array < 0):
            raise InputError("must not be negative", field=name, value=float(np.min(array)),
                             fix=f"give {name} as a non-negative number")
    coal = as_float_array(coal_rate, field="coal_rate")
    if np.any(coal < 0):
        raise InputError("must not be negative", field="coal_rate", value=float(np.min(coal)),
                         fix="give the coal rate in kg/tHM")
    coke_T = constant("coke_raceway_temperature") if coke_temperature is None else coke_temperature
    coke_cp = constant("coke_mean_specific_heat") if coke_heat_capacity is None else coke_heat_capacity
    if not 0.5 <= coke_cp <= 3.0:
        raise InputError("coke mean heat capacity outside 0.5–3 kJ/(kg K)", field="coke_heat_capacity",
                         value=coke_cp, fix="give it in kJ/(kg K), e.g. 1.51 (practice) or 1.69 (graphite)")
    devolatilisation = (constant("coal_devolatilisation_heat") if coal_devolatilisation_heat is None
                        else coal_devolatilisation_heat)

    # Inputs in kmol per tHM.
    blast_kmol = volume / MOLAR_VOLUME_NM3_PER_KMOL
    f = moisture_volume_fraction(humidity)
    water = blast_kmol * f
    dry = blast_kmol - water
    oxygen = dry * (0.21 + enrichment / 100.0)
    nitrogen = dry - oxygen
    coal_c = coal * check_coal_carbon(coal_carbon) / 100.0 / _M_C
    coal_h2 = coal * check_percent(coal_hydrogen, "coal_hydrogen") / 100.0 / _M_H2
    coal_o = coal * check_percent(coal_oxygen, "coal_oxygen") / 100.0 / _M_O
    coal_n2 = coal * check_percent(coal_nitrogen, "coal_nitrogen") / 100.0 / _M_N2
    coal_water = coal * check_percent(coal_moisture, "coal_moisture") / 100.0 / _M_H2O
    methane = as_float_array(natural_gas_rate, field="natural_gas_rate") / MOLAR_VOLUME_NM3_PER_KMOL
    hydrogen = as_float_array(hydrogen_rate, field="hydrogen_rate") / MOLAR_VOLUME_NM3_PER_KMOL

    oxygen_atoms = 2.0 * oxygen + water + coal_water + coal_o
    co = oxygen_atoms
    coke_c = np.maximum(co - coal_c - methane, 0.0)
    h2 = water + coal_water + coal_h2 + 2.0 * methane + hydrogen
    n2 = nitrogen + coal_n2

    blast_K = blast_T + _T0_K
    # Enthalpy in, kJ per tHM (kmol x 1000 mol/kmol x kJ/mol).
    enthalpy_in = 1000.0 * (
        oxygen * _thermo.sensible_enthalpy("O2", blast_K)
        + nitrogen * _thermo.sensible_enthalpy("N2", blast_K)
        + water * (_thermo.formation_enthalpy("H2O") + _thermo.sensible_enthalpy("H2O", blast_K))
        + coal_water * _WATER_LIQUID_FORMATION
        + methane * constant("methane_formation_enthalpy")
    )
    enthalpy_in = enthalpy_in + coke_c * _M_C * coke_cp * (coke_T - 25.0)
    enthalpy_in = enthalpy_in - coal * devolatilisation
    available = enthalpy_in - 1000.0 * co * _thermo.formation_enthalpy("CO")  # kJ/tHM above 298.15 K

    temperature = np.full(np.broadcast(available, co, h2, n2).shape, 2300.0)
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 - the count is reported
        span = temperature - _T_REF_K
        capacity = 1000.0 * (co * _thermo.sensible_enthalpy("CO", temperature)
                             + h2 * _thermo.sensible_enthalpy("H2", temperature)
                             + n2 * _thermo.sensible_enthalpy("N2", temperature)) / span
        updated = _T_REF_K + available / capacity
        change = np.abs(updated - temperature)
        temperature = updated
        if not np.any(change > tolerance):  # NaN rows never converge; they stay NaN
            break

    total = co + h2 + n2
    with np.errstate(divide="ignore", invalid="ignore"):
        shares = [100.0 * part / total for part in (co, h2, n2)]
    inputs = (blast_temperature, blast_volume, oxygen_enrichment, blast_humidity, coal_rate)
    return FlameTemperature(
        temperature=like_inputs(temperature - _T0_K, *inputs, name="raceway_adiabatic_flame_temperature"),
        formula=FORMULA_ENTHALPY_BALANCE,
        raceway_gas_volume=like_inputs(total * MOLAR_VOLUME_NM3_PER_KMOL, *inputs, name="raceway_gas_volume"),
        raceway_gas_co=like_inputs(shares[0], *inputs, name="raceway_gas_co"),
        raceway_gas_h2=like_inputs(shares[1], *inputs, name="raceway_gas_h2"),
        raceway_gas_n2=like_inputs(shares[2], *inputs, name="raceway_gas_n2"),
        coke_carbon_burnt=like_inputs(coke_c * _M_C, *inputs, name="coke_carbon_burnt"),
        iterations=iterations,
    )
