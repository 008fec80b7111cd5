"""Layout of the Excel activity-data template: sections, columns, drop-down lists, header labels.

Shared by the template writer (:mod:`.template`) and the Excel reader (:mod:`.excel_reader`);
field keys follow :mod:`greenmet.carbon.activity`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from greenmet.errors import Location
from greenmet.i18n import label, labels

_LABELS = "greenmet.carbon"
_TEMPLATE_ROWS = 300  # rows of the table sheets that carry drop-down lists


@dataclass(frozen=True)
class _Section:
    """One section of ActivityData as it appears in the template."""

    key: str  # attribute of ActivityData ("materials") or pseudo-section
    kind: str  # "fields" (one row per field) or "table" (one row per item)
    columns: tuple[str, ...]  # field keys, in template order
    required: tuple[str, ...] = ()  # columns a table sheet must have
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    open_choices: tuple[str, ...] = ()  # drop-downs that suggest but do not restrict
    dates: tuple[str, ...] = ()


_SECTOR = ("steel", "aluminium")
_DIRECTIONS = ("in", "out")
_ROLES = ("fuel", "reductant", "flux", "electrode", "feedstock", "product", "by_product")
_PROCESSES = (
    "coking",
    "sintering",
    "pelletising",
    "blast_furnace",
    "bof",
    "eaf",
    "rolling",
    "lime_kiln",
    "power_plant",
    "electrolysis",
    "anode_baking",
    "casting",
)
_CARRIERS = ("electricity", "heat")
_ENERGY_DIRECTIONS = ("purchased", "sold")
_TECHNOLOGIES = ("CWPB", "SWPB", "VSS", "HSS", "PFPB-L", "PFPB-M")
_MATERIAL_UNITS = ("t", "kg", "10^4 Nm3", "Nm3", "GJ", "m3", "kt")
_ENERGY_UNITS = ("MWh", "kWh", "GWh", "GJ", "TJ")
_NCV_UNITS = ("GJ/t", "GJ/10^4 Nm3", "MJ/kg", "MJ/Nm3")
_EF_UNITS = ("t/MWh", "kg/kWh", "t/GJ", "kg/GJ")
_PRODUCTS = (
    "crude_steel",
    "hot_metal",
    "hot_rolled_coil",
    "pig_iron",
    "dri",
    "primary_aluminium",
    "aluminium_ingot",
)

_INSTALLATION = _Section(
    "installation",
    "fields",
    ("id", "name", "country", "province", "sector", "period_start", "period_end", "reporting_year"),
    choices={"sector": _SECTOR},
    dates=("period_start", "period_end"),
)
_MATERIALS = _Section(
    "materials",
    "table",
    (
        "material",
        "direction",
        "quantity",
        "unit",
        "process",
        "role",
        "carbon_content",
        "ncv",
        "ncv_unit",
        "oxidation_factor",
    ),
    required=("material", "direction", "quantity", "unit"),
    choices={"direction": _DIRECTIONS, "role": _ROLES},
    open_choices=("material", "unit", "process", "ncv_unit"),
)
_ENERGY = _Section(
    "energy",
    "table",
    ("carrier", "direction", "quantity", "unit", "emission_factor", "emission_factor_unit", "process"),
    required=("carrier", "direction", "quantity", "unit"),
    choices={"carrier": _CARRIERS, "direction": _ENERGY_DIRECTIONS},
    open_choices=("unit", "emission_factor_unit", "process"),
)
_PRODUCTION = _Section(
    "production",
    "table",
    ("product", "quantity", "unit", "cn_code"),
    required=("product", "quantity", "unit"),
    open_choices=("product", "unit"),
)
_ALUMINIUM = _Section(
    "aluminium",
    "fields",
    (
        "technology",
        "anode_effect_frequency",
        "anode_effect_duration",
        "net_anode_consumption",
        "anode_sulphur",
        "anode_ash",
    ),
    choices={"technology": _TECHNOLOGIES},
)


def _options_section() -> _Section:
    """The ``options`` sheet: a row per key of :mod:`greenmet.carbon.options`, lists from the models."""
    from greenmet.carbon.options import option_choices, option_keys

    keys = option_keys()
    return _Section("options", "fields", keys, choices=option_choices())


_OPTIONS = _options_section()
_SECTIONS: tuple[_Section, ...] = (_INSTALLATION, _MATERIALS, _ENERGY, _PRODUCTION, _ALUMINIUM, _OPTIONS)
_REQUIRED_SHEETS = ("installation", "materials", "production")


def _open_choice_values(section: _Section, column: str) -> tuple[str, ...]:
    if column == "unit":
        return _ENERGY_UNITS if section.key == "energy" else _MATERIAL_UNITS
    if column == "ncv_unit":
        return _NCV_UNITS
    if column == "emission_factor_unit":
        return _EF_UNITS
    if column == "process":
        return _PROCESSES
    if column == "product":
        return _PRODUCTS
    if column == "material":
        return _known_materials()
    return ()


def _known_materials() -> tuple[str, ...]:
    """Keys of the ``materials`` reference table, if it is shipped."""
    from greenmet.refdata import load_table, table_names

    if "materials" not in table_names():
        return ()
    table = load_table("materials")
    column = "material" if "material" in table.columns else table.columns[0]
    return tuple(sorted(dict.fromkeys(str(value) for value in table[column])))


def _header(key: str, language: str) -> str:
    """Bilingual header: the chosen language first, the other one on a second line."""
    other = "en" if language == "zh" else "zh"
    first, second = label(key, language, _LABELS), label(key, other, _LABELS)
    return first if first == second else f"{first}\n{second}"


def _sheet_name(section: str, language: str) -> str:
    return label(f"sheet_{section}", language, _LABELS)[:31]


_CORE_KEYS = frozenset(
    {
        "schema_version",
        "installation",
        "period",
        "reporting_year",
        "materials",
        "energy",
        "production",
        "aluminium",
        "options",
    }
)


# An origin maps a location path of the data (("materials", 3)) to where it came from.
_Origins = dict[tuple[Any, ...], Location]


def _normalise_header(text: Any) -> str:
    return " ".join(str(text).split()).casefold()


def _aliases(key: str) -> set[str]:
    entry = labels(_LABELS).get(key, {})
    names = {key, key.replace("_", " "), *entry.values()}
    return {_normalise_header(name) for name in names}


def _match_key(cell: Any, candidates: Iterable[str]) -> str | None:
    """The field key whose key or label (English or Chinese) a header cell shows."""
    if cell is None:
        return None
    text = str(cell)
    parts = {
        _normalise_header(text),
        *(_normalise_header(line) for line in text.splitlines() if line.strip()),
    }
    for key in candidates:
        if parts & _aliases(key):
            return key
    return None


