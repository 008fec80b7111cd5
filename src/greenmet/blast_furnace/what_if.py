"""What-if: the change in coke rate for a change in one operating variable, from the balances.

The coke rate is computed by :func:`coke_rate_from_balances`: the lower-zone heat balance
(:func:`~greenmet.blast_furnace.heat_balance.lower_zone_heat_balance` terms, the heat loss held at
its base value, i.e. the hearth kept at the same thermal level) fixes the carbon burnt at the
tuyeres; the carbon balance (:mod:`~greenmet.blast_furnace.mass_balance`) adds the carbon of direct
reduction, minor elements and hot metal and subtracts the injected carbon. A what-if is a finite
difference of that model: nothing is a hard-coded replacement ratio.

References
----------
.. [Rist] A. Rist, N. Meysson, Revue de Métallurgie 62 (1965) 995 (lower-zone heat balance).
.. [USTB] K. Li, USTB ironmaking course, USTBifrt/Blast_Furnace_Calculation_Models (constants).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

from greenmet.blast_furnace._common import MOLAR_VOLUME_NM3_PER_KMOL, ArrayLike, constant
from greenmet.blast_furnace._guards import (
    check_blast_temperature,
    check_coal_carbon,
    check_hot_metal_content,
    check_hot_metal_iron,
    check_kelvin,
    check_oxygen_enrichment,
)
from greenmet.blast_furnace.gas import _blast_oxygen_fraction, moisture_volume_fraction
from greenmet.blast_furnace.heat_balance import (
    _blast_sensible_heat,
    gas_sensible_heat,
    hot_metal_heat,
    minor_element_reduction_heat,
    slag_heat,
)
from greenmet.blast_furnace.mass_balance import direct_reduction_carbon, minor_element_reduction_carbon
from greenmet.errors import UnknownKeyError

__all__ = ["WHAT_IF_STEPS", "OperatingPoint", "coke_rate_change", "coke_rate_from_balances", "what_if_table"]


_FE2O3_PER_FE = 159.687 / 111.69


@dataclass(frozen=True)
class OperatingPoint:
    """Operating variables of the what-if model (fields take scalars or arrays)."""

    blast_temperature: ArrayLike = 1200.0
    """[degC]"""
    oxygen_enrichment: ArrayLike = 3.0
    """[%]"""
    blast_humidity: ArrayLike = 15.0
    """[g/Nm3]"""
    coal_rate: ArrayLike = 150.0
    """[kg/tHM]"""
    coal_carbon: ArrayLike = 78.0
    """[%]"""
    coal_hydrogen: ArrayLike = 4.0
    """[%]"""
    coke_carbon: ArrayLike = 86.0
    """Fixed carbon of coke. [%]"""
    burden_iron: ArrayLike = 57.0
    """Fe content of the iron-bearing burden. [%]"""
    burden_gangue: ArrayLike = 11.0
    """Slag-forming oxides of the burden incl. fluxes. [%]"""
    coke_ash: ArrayLike = 12.5
    """[%]"""
    coal_ash: ArrayLike = 9.0
    """[%]"""
    hot_metal_iron: ArrayLike = 94.5
    """[%]"""
    hot_metal_carbon: ArrayLike = 4.7
    """[%]"""
    silicon: ArrayLike = 0.45
    """[%]"""
    manganese: ArrayLike = 0.2
    """[%]"""
    phosphorus: ArrayLike = 0.1
    """[%]"""
    direct_reduction_degree: ArrayLike = 0.45
    """[dimensionless]"""
    reserve_zone_temperature: float = 950.0
    """[degC]"""
    additional_slag: ArrayLike = 0.0
    """Slag added to the burden's, e.g. from a flux change (the slag-volume what-if). [kg/tHM]"""
    lower_zone_heat_loss: ArrayLike = 300_000.0
    """Heat lost from the lower zone (cooling), held constant in a what-if. [kJ/tHM]"""


def _slag_rate(point: OperatingPoint, coke_rate: ArrayLike) -> ArrayLike:
    ore = 10.0 * point.hot_metal_iron / (point.burden_iron / 100.0)  # kg burden/tHM
    oxides = ore * point.burden_gangue + coke_rate * point.coke_ash + point.coal_rate * point.coal_ash
    return oxides / 100.0 + point.additional_slag


def coke_rate_from_balances(point: OperatingPoint, *, iterations: int = 4) -> dict[str, ArrayLike]:
    r"""Coke rate that keeps the lower zone in heat balance and the carbon balance closed.

    Parameters
    ----------
    point
        Operating variables.
    iterations
        Passes over slag rate ↔ coke rate (coke ash makes slag). [dimensionless]

    Returns
    -------
    dict with ``coke_rate`` [kg/tHM], ``carbon_at_tuyeres`` [kg/tHM], ``blast_volume`` [Nm3/tHM],
    ``slag_rate`` [kg/tHM].

    Notes
    -----
    Per kg of carbon burnt at the tuyeres the blast is :math:`v = 0.9331/o(OE, \varphi)` Nm3
    (:func:`~greenmet.blast_furnace.gas.blast_oxygen_fraction`). The lower-zone balance [Rist]_

    .. math::

       C_t (9800 + q_B - q_{gas} - q_{H_2O}) = r_d Fe (q_{FeO} - 9800\tfrac{12}{56}) + Q_{Si,Mn,P}
       + Q_{HM} + Q_{slag} - Q_{solids}(T_R) + 1000\,PCI + Q_{loss}

    is linear in the tuyere carbon C_t; then

    .. math:: K = \frac{C_t + C_{d,Fe} + C_{d,minor} + 10[C] - PCI\cdot C_{coal}/100}{C_{coke}/100}

    The slag rate comes from the burden (ore rate 10[Fe]/Fe_burden times its gangue share), the
    coke ash and the coal ash, iterated with the coke rate.

    Raises
    ------
    SuspectUnitError
        If a field of ``point`` looks like it is in another unit (blast temperature in K,
        enrichment as O2 content, coal carbon as a fraction, [Fe] in kg/tHM, Si 49).
    """
    _check_point(point)
    return _coke_rate(point, iterations)


def _check_point(point: OperatingPoint) -> None:
    check_blast_temperature(point.blast_temperature, "blast_temperature")
    check_oxygen_enrichment(point.oxygen_enrichment)
    check_coal_carbon(point.coal_carbon)
    check_hot_metal_iron(point.hot_metal_iron)
    check_kelvin(point.reserve_zone_temperature, "reserve_zone_temperature")
    for value, element, name in ((point.silicon, "Si", "silicon"), (point.manganese, "Mn", "manganese"),
                                 (point.phosphorus, "P", "phosphorus"), (point.hot_metal_carbon, "C",
                                                                         "hot_metal_carbon")):
        check_hot_metal_content(value, element, name)


def _coke_rate(point: OperatingPoint, iterations: int = 4) -> dict[str, ArrayLike]:
    T_R = point.reserve_zone_temperature
    oxygen = _blast_oxygen_fraction(point.oxygen_enrichment, point.blast_humidity)
    blast_per_carbon = constant("oxygen_per_carbon_to_co") / oxygen  # Nm3 blast per kg C
    blast_heat = _blast_sensible_heat(blast_per_carbon, point.blast_temperature, point.oxygen_enrichment,
                                     point.blast_humidity)
    f = moisture_volume_fraction(point.blast_humidity)
    moisture = constant("heat_h2_to_h2o") * blast_per_carbon * f
    dry_oxygen = 0.21 + point.oxygen_enrichment / 100.0
    co = MOLAR_VOLUME_NM3_PER_KMOL / 12.011
    n2 = blast_per_carbon * (1 - f) * (1 - dry_oxygen)
    h2 = blast_per_carbon * f
    total_gas = co + n2 + h2
    gas = gas_sensible_heat(total_gas, T_R, {"CO": 100 * co / total_gas, "N2": 100 * n2 / total_gas,
                                             "H2": 100 * h2 / total_gas})
    per_carbon = constant("heat_carbon_to_co") + blast_heat - gas - moisture
    iron = point.hot_metal_iron * 10.0
    direct = point.direct_reduction_degree * iron * (constant("feo_dissociation_heat")
                                                     - constant("heat_carbon_to_co") * 12.0 / 56.0)
    minor = minor_element_reduction_heat(point.silicon, point.manganese, point.phosphorus)
    coal_heat = point.coal_rate * constant("coal_devolatilisation_heat")
    coal_h2 = point.coal_rate * point.coal_hydrogen / 100.0 / 2.016 * MOLAR_VOLUME_NM3_PER_KMOL
    coal_gas = gas_sensible_heat(coal_h2, T_R, {"H2": 100.0})
    carbon_other = (direct_reduction_carbon(point.direct_reduction_degree, point.hot_metal_iron)
                    + minor_element_reduction_carbon(point.silicon, point.manganese, point.phosphorus)
                    + 10.0 * point.hot_metal_carbon - point.coal_rate * point.coal_carbon / 100.0)
    coke: ArrayLike = 350.0
    slag: ArrayLike = 300.0
    tuyere: ArrayLike = 0.0
    for _ in range(iterations):
        slag = _slag_rate(point, coke)
        solids = (iron * 0.70 + slag * 1.00) * (T_R - 25.0)
        fixed = (direct + minor + hot_metal_heat(1.0) + slag_heat(slag) - solids + coal_heat + coal_gas
                 + point.lower_zone_heat_loss)
        tuyere = fixed / per_carbon
        coke = (tuyere + carbon_other) / (point.coke_carbon / 100.0)
    return {"coke_rate": coke, "carbon_at_tuyeres": tuyere, "blast_volume": tuyere * blast_per_carbon,
            "slag_rate": slag}


WHAT_IF_STEPS: dict[str, tuple[float, str]] = {
    "blast_temperature": (100.0, "degC"),
    "oxygen_enrichment": (1.0, "%"),
    "blast_humidity": (10.0, "g/Nm3"),
    "coal_rate": (10.0, "kg/tHM"),
    "burden_iron": (1.0, "%"),
    "burden_gangue": (1.0, "%"),
    "additional_slag": (10.0, "kg/tHM"),
}
"""Default step of each what-if variable and its unit (the rows of :func:`what_if_table`)."""


def coke_rate_change(point: OperatingPoint, variable: str, step: float) -> ArrayLike:
    r"""Change of the coke rate when ``variable`` changes by ``step``, from the balance model.

    Parameters
    ----------
    point
        Base operating point.
    variable
        A field of :class:`OperatingPoint` (``"blast_temperature"``, ``"oxygen_enrichment"``,
        ``"blast_humidity"``, ``"coal_rate"``, ``"burden_iron"``, ``"burden_gangue"`` …).
    step
        Change in the unit of the field.

    Returns
    -------
    ΔK. [kg/tHM]

    A change of ``burden_iron`` also lowers ``burden_gangue`` by 1.43 points per point of Fe (the
    iron arrives as Fe2O3 that displaces gangue).

    Notes
    -----
    .. math:: \Delta K = K(x + \Delta x) - K(x)

    with K from :func:`coke_rate_from_balances` (a forward finite difference).

    Raises
    ------
    UnknownKeyError
        If ``variable`` is not a field of :class:`OperatingPoint`.
    """
    fields = asdict(point)
    if variable not in fields:
        raise UnknownKeyError("not an operating variable of the what-if model", field="variable",
                              value=variable, fix=f"use one of {', '.join(fields)}")
    changes = {variable: fields[variable] + step}
    if variable == "burden_iron":
        # Richer burden: iron oxide displaces gangue, 159.69/111.69 = 1.43 kg Fe2O3 per kg Fe.
        changes["burden_gangue"] = fields["burden_gangue"] - _FE2O3_PER_FE * step
    changed: Any = replace(point, **changes)
    _check_point(point)  # the base point; the step may lead beyond the guards' ranges (1300 °C + 100)
    return _coke_rate(changed)["coke_rate"] - _coke_rate(point)["coke_rate"]


def what_if_table(point: OperatingPoint) -> list[dict[str, Any]]:
    """Coke-rate changes for the default steps of :data:`WHAT_IF_STEPS`, plus the coal
    replacement ratio (−ΔK/ΔPCI). Each row: variable, step, unit, coke_rate_change_kg_per_thm."""
    rows: list[dict[str, Any]] = []
    for variable, (step, unit) in WHAT_IF_STEPS.items():
        change = coke_rate_change(point, variable, step)
        rows.append({"variable": variable, "step": step, "unit": unit,
                     "coke_rate_change_kg_per_thm": change})
    coal = next(row for row in rows if row["variable"] == "coal_rate")
    rows.append({"variable": "replacement_ratio", "step": WHAT_IF_STEPS["coal_rate"][0], "unit": "kg/kg",
                 "coke_rate_change_kg_per_thm": -coal["coke_rate_change_kg_per_thm"]
                 / WHAT_IF_STEPS["coal_rate"][0]})
    return rows
