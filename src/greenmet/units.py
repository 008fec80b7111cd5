"""The one unit registry of greenmet, with the industry units pint lacks.

Units are converted at the edges (file readers, the CLI, the service); the numerical core works
on plain floats in the glossary units of ``docs/nomenclature.md``. Never create another
``pint.UnitRegistry``: quantities of two registries cannot be combined (pint docs, "Pint in your
projects").

Industry units (defined in ``units.txt`` beside this module, each with its source):

- ``kgce``, ``tce``: kilogram / tonne of coal equivalent, 29.3076 MJ per kgce (GB/T 2589-2020);
- ``Nm3``: normal cubic metre, an *amount* of gas (44.615 mol at 0 °C, 101.325 kPa);
- ``tHM``, ``tcs``, ``tAl``: tonnes of hot metal, crude steel, aluminium (masses);
- ``tCO2``, ``tCO2e``, ``kgCO2``, ``kgCO2e``: masses of CO2 and CO2-equivalent.

CO2-equivalents need a global-warming-potential metric, which is always explicit:
:func:`co2_equivalent` takes ``gwp_metric`` (``"AR5GWP100"``, ``"AR6GWP100"``, ``"AR4GWP100"``,
``"SARGWP100"``) and reads the values from the reference table ``gwp``.
"""

from __future__ import annotations

import csv
import io
import math
import re
from functools import cache
from importlib import resources
from typing import Any

import pint

from greenmet.errors import UnitError, UnknownKeyError

__all__ = ["Q_", "co2_equivalent", "convert", "magnitude_in", "parse_unit", "ureg"]


def _build_registry() -> pint.UnitRegistry:
    registry: pint.UnitRegistry = pint.UnitRegistry(cache_folder=None, autoconvert_offset_to_baseunit=True)
    definitions = resources.files("greenmet").joinpath("units.txt")
    with resources.as_file(definitions) as path:
        registry.load_definitions(str(path))
    registry.formatter.default_format = "~P"
    return registry


ureg: pint.UnitRegistry = _build_registry()
"""The application registry. ``pint.set_application_registry`` points pint's pickling at it."""
pint.set_application_registry(ureg)

Q_ = ureg.Quantity


def parse_unit(unit: str, *, field: str | None = None) -> pint.Unit:
    """Parse a unit string with greenmet's registry.

    Parameters
    ----------
    unit
        A unit such as ``"t"``, ``"GJ/t"``, ``"10^4 Nm3"``, ``"kWh"``, ``"MWh"``.
    field
        The name of the field the unit belongs to, named in the error.

    Raises
    ------
    UnitError
        If the unit does not parse.
    """
    text = _normalise_unit_text(unit)
    try:
        return ureg.parse_units(text) if text not in ("", "1", "-") else ureg.dimensionless
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, AttributeError,
            TypeError, ValueError, AssertionError):
        # parse_units refuses numeric factors ("1e4 Nm3"): fall back to parse_expression.
        try:
            parsed = ureg.parse_expression(text)
        except Exception as exc:  # pint raises a wide range of parser errors
            raise UnitError(
                "unit does not parse",
                field=field,
                value=unit,
                fix="write a unit such as 't', 'kg', 'GJ/t', '10^4 Nm3', 'MWh' (see docs/nomenclature.md)",
            ) from exc
        if isinstance(parsed, pint.Quantity):
            return _scaled_unit(parsed)
        return parsed


# A scale written before a unit binds to that unit: "GJ/万Nm3" and "GJ/1e4 Nm3" mean GJ per
# ten thousand Nm3 (the unit of gas in China's GHG guidelines), not (GJ/1e4)·Nm3 as pint reads it.
_SCALE_BEFORE_UNIT = re.compile(r"(万|\b1e4|\b10\^4|\b10\*\*4)\s*([A-Za-z_]\w*)")


def _normalise_unit_text(unit: str) -> str:
    text = unit.strip().replace("％", "%").replace("·", "*").replace("⋅", "*")
    return _SCALE_BEFORE_UNIT.sub(r"(1e4 \2)", text)


_SCALED: dict[tuple[float, str], pint.Unit] = {}


def _scaled_unit(quantity: pint.Quantity) -> pint.Unit:
    """A unit for a scaled quantity such as ``1e4 Nm3`` (defined once, cached)."""
    key = (float(quantity.magnitude), str(quantity.units))
    if key not in _SCALED:
        name = f"_scaled_{len(_SCALED)}"
        ureg.define(f"{name} = {quantity.magnitude!r} * ({quantity.units})")
        _SCALED[key] = ureg.Unit(name)
    return _SCALED[key]


def convert(value: Any, from_unit: str, to_unit: str, *, field: str | None = None) -> Any:
    """Convert a magnitude (scalar or array) between two units.

    Parameters
    ----------
    value
        The magnitude, in ``from_unit``.
    from_unit, to_unit
        Unit strings understood by :func:`parse_unit`.
    field
        The field name used in error messages.

    Raises
    ------
    UnitError
        If a unit does not parse or the two units have different dimensions.
    """
    source = parse_unit(from_unit, field=field)
    target = parse_unit(to_unit, field=field)
    if source == target:
        return value
    try:
        return Q_(value, source).to(target).magnitude
    except pint.errors.DimensionalityError as exc:
        raise UnitError(
            f"cannot convert {from_unit!r} to {to_unit!r}: "
            f"{source.dimensionality} is not {target.dimensionality}",
            field=field,
            value=from_unit,
            fix=f"give this field in a unit of the same kind as {to_unit!r}",
        ) from exc


def magnitude_in(quantity: pint.Quantity, unit: str, *, field: str | None = None) -> Any:
    """The magnitude of a pint quantity in ``unit``, with a greenmet error on mismatch."""
    return convert(quantity.magnitude, str(quantity.units), unit, field=field)


def co2_equivalent(mass: Any, gas: str, *, gwp_metric: str) -> Any:
    """Mass of CO2-equivalent of a mass of greenhouse gas.

    Parameters
    ----------
    mass
        Mass of the gas, in any mass unit; the result is in the same unit. [t]
    gas
        ``"CO2"``, ``"CH4"``, ``"N2O"``, ``"CF4"``, ``"C2F6"``, ``"SF6"``.
    gwp_metric
        The GWP set, always explicit: ``"AR6GWP100"`` (IPCC AR6 WG1 Table 7.SM.7),
        ``"AR5GWP100"`` (IPCC AR5 WG1 Table 8.A.1, used by the EU ETS and CBAM, IR 2025/2547
        Annex II G Table 6), ``"AR4GWP100"`` (AR4 WG1 Table 2.14, used in IAI statistics),
        ``"SARGWP100"`` (IPCC SAR, used by China's 2013 guidelines).

    Returns
    -------
    The CO2-equivalent mass, in the unit of ``mass``. [t]

    Raises
    ------
    UnknownKeyError
        If the gas or the metric is not in the ``gwp`` reference table.
    """
    table = _gwp_table()
    if (gwp_metric, gas) not in table:
        known_metrics = sorted({metric for metric, _ in table})
        if gwp_metric not in known_metrics:
            raise UnknownKeyError("metric not in reference table 'gwp'", field="gwp_metric",
                                  value=gwp_metric, fix=f"use one of {', '.join(known_metrics)}")
        gases = sorted(g for metric, g in table if metric == gwp_metric)
        raise UnknownKeyError(f"gas has no GWP under {gwp_metric}", field="gas", value=gas,
                              fix=f"use one of {', '.join(gases)}")
    factor = table[(gwp_metric, gas)]
    if isinstance(mass, (int, float)) and math.isnan(mass):
        return math.nan
    return mass * factor


@cache
def _gwp_table() -> dict[tuple[str, str], float]:
    # The gwp table is declared and validated with the other reference tables
    # (greenmet.refdata); units sits below refdata in the layers, so it reads the CSV itself.
    text = resources.files("greenmet.refdata").joinpath("tables", "gwp.csv").read_text("utf-8")
    return {(row["metric"], row["gas"]): float(row["value"]) for row in csv.DictReader(io.StringIO(text))}
