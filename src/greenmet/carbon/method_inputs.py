"""Method-specific optional sections of :class:`~greenmet.carbon.activity.ActivityData`.

``ActivityData`` carries one optional field per method that needs more than the material and
energy flows: ``iso14404: Iso14404Inputs | None``, ``cbam: CbamInputs | None`` and
``lci: LciInputs | None``. The section models live here, in a module that does not import
``activity`` (``activity`` imports this module), and are re-exported by the method modules
:mod:`greenmet.carbon.iso14404`, :mod:`greenmet.carbon.cbam` and :mod:`greenmet.carbon.lci`.

Every check raises a :mod:`greenmet.errors` class naming the field, the value and the fix.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from greenmet.carbon.plausibility import check_section_amount
from greenmet.carbon.shares import OptionalShare, Share
from greenmet.errors import CompositionError, GreenmetError, InputError

__all__ = [
    "CbamCarbonPrice",
    "CbamGood",
    "CbamInputs",
    "CbamPfc",
    "CbamPrecursor",
    "CbamPrecursorUse",
    "CbamProcess",
    "CbamSourceStream",
    "Iso14404Inputs",
    "LciInputs",
    "LciProduct",
]

CBAM_CATEGORIES: tuple[str, ...] = (
    "sintered_ore",
    "pig_iron",
    "ferro_alloys",
    "dri",
    "crude_steel",
    "iron_steel_products",
    "unwrought_aluminium",
    "aluminium_products",
)
"""Aggregated goods categories of IR 2025/2547 Annex I §3 (iron, steel and aluminium)."""


def _error_path(exc: ValidationError) -> GreenmetError:
    first = exc.errors()[0]
    path = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in first["loc"]).replace(".[", "[")
    original = first.get("ctx", {}).get("error")
    if isinstance(original, GreenmetError):
        field = (
            path
            if original.field is None or path.endswith(original.field)
            else (f"{path}.{original.field}" if path else original.field)
        )
        return type(original)(
            original.problem,
            field=field or None,
            value=original.value,
            fix=original.fix,
            location=original.location,
        )
    return InputError(
        str(first["msg"]),
        field=path or None,
        value=first.get("input"),
        fix="give a value of the type the schema asks for (see `greenmet carbon schema`)",
    )


class _Section(BaseModel):
    """Base of the section models: no extra fields, greenmet errors instead of ValidationError."""

    model_config = ConfigDict(extra="forbid")

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _error_path(exc) from None


def _non_negative(value: float, field: str) -> float:
    if not math.isfinite(value) or value < 0:
        raise InputError(
            "value is negative or not finite",
            field=field,
            value=value,
            fix="give a measured amount, zero or more",
        )
    return check_section_amount(value, field)


def _fraction(value: float | None, field: str) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise CompositionError(
            "fraction outside [0, 1]", field=field, value=value, fix="give a fraction, e.g. 0.85 for 85 %"
        )
    return value


def _amount_of(value: float, info: ValidationInfo) -> float:
    return _non_negative(value, info.field_name or "value")


Amount = Annotated[float, AfterValidator(_amount_of)]
"""A mass, energy or emission that is finite, not negative and within any installation's reach."""
Fraction = Share
"""A mass fraction or share in [0, 1], or a percentage with its sign (:mod:`greenmet.carbon.shares`)."""


# --------------------------------------------------------------------------------- ISO 14404
class Iso14404Inputs(_Section):
    """Inputs of ISO 14404 that are not material or energy flows.

    Attributes
    ----------
    route
        ``"bf-bof"`` (ISO 14404-1) or ``"eaf"`` (ISO 14404-2); default: inferred from the flows.
    dri_route
        How purchased DRI was made, which selects its upstream factor: ``"gas_based"`` or
        ``"coal_based"``.
    blast_furnace_slag_sold
        Blast-furnace slag sold for cement making (credited). [t]
    bof_slag_sold
        BOF slag sold for cement making (credited). [t]
    co2_sold
        CO2 captured and sold (credited). [t]
    """

    route: Literal["bf-bof", "eaf"] | None = None
    dri_route: Literal["gas_based", "coal_based"] = "gas_based"
    blast_furnace_slag_sold: Amount = 0.0
    bof_slag_sold: Amount = 0.0
    co2_sold: Amount = 0.0


# --------------------------------------------------------------------------------------- LCI
class LciProduct(_Section):
    """One product of a life-cycle inventory with end-of-life recycling (ISO 20915:2018).

    Attributes
    ----------
    product
        Product key; its output is read from ``ActivityData.production`` when listed there.
    metal
        ``"steel"`` or ``"aluminium"``.
    cradle_to_gate
        Cradle-to-gate LCI of the product, X. [kgCO2e/kg]
    recovery_rate
        End-of-life recycling (recovery) rate of the product, RR. [dimensionless]
    scrap_input
        Net scrap input per kg of product, S: external scrap only, home scrap excluded. [kg/kg]
    scrap_input_basis
        What ``scrap_input`` is: ``"net_scrap_input"`` (required by the method) or
        ``"recycled_content_label"`` (the pre-consumer "recycled content" of a dataset label,
        which the method refuses because it overstates Module D).
    metallic_yield
        Metallic yield of secondary production, Y (kg metal per kg scrap). [kg/kg]
    primary
        LCI of 100 % primary metal, X_pr. [kgCO2e/kg]
    recycled
        LCI of 100 % secondary metal from scrap, X_re. [kgCO2e/kg]
    value_of_scrap
        Y·(X_pr − X_re) given directly, instead of ``metallic_yield``, ``primary`` and
        ``recycled``. [kgCO2e/kg]
    """

    product: str = Field(min_length=1)
    metal: Literal["steel", "aluminium"] = "steel"
    cradle_to_gate: Amount
    recovery_rate: Fraction
    scrap_input: Amount
    scrap_input_basis: Literal["net_scrap_input", "recycled_content_label"] = "net_scrap_input"
    metallic_yield: float | None = None
    primary: float | None = None
    recycled: float | None = None
    value_of_scrap: float | None = None

    @model_validator(mode="after")
    def _scrap_value_given_once(self) -> LciProduct:
        if self.scrap_input_basis == "recycled_content_label":
            raise InputError(
                "scrap_input is a dataset's 'recycled content' label, not the net scrap input",
                field="scrap_input_basis",
                value=self.scrap_input_basis,
                fix="give S = scrap bought per kg of product minus scrap sold, excluding home scrap "
                "(worldsteel LCI methodology 2017 / ISO 20915:2018); a pre-consumer recycled-content "
                "label (e.g. 2 %) overstates the Module D credit",
            )
        parts = (self.metallic_yield, self.primary, self.recycled)
        if self.value_of_scrap is None:
            if any(p is None for p in parts):
                raise InputError(
                    "value of scrap not given",
                    field="value_of_scrap",
                    value=None,
                    fix="give value_of_scrap [kg CO2e/kg], or all of metallic_yield, primary, recycled",
                )
            if not 0 < float(self.metallic_yield or 0) <= 1.0:
                raise InputError(
                    "metallic yield outside (0, 1]",
                    field="metallic_yield",
                    value=self.metallic_yield,
                    fix="give kg metal per kg scrap, e.g. 0.92 (more than 1 kg scrap per kg steel)",
                )
            _non_negative(float(self.primary or 0.0), "primary")
            _non_negative(float(self.recycled or 0.0), "recycled")
        elif any(p is not None for p in parts):
            raise InputError(
                "value of scrap given twice",
                field="value_of_scrap",
                value=self.value_of_scrap,
                fix="give either value_of_scrap or metallic_yield, primary and recycled",
            )
        return self


class LciInputs(_Section):
    """Products of a life-cycle inventory with closed-loop recycling (see :mod:`greenmet.carbon.lci`)."""

    products: list[LciProduct] = Field(min_length=1)


# -------------------------------------------------------------------------------------- CBAM
def clean_cn_code(value: str, field: str = "cn_code") -> str:
    """A CN code as digits only (``"7208 51 20"`` → ``"72085120"``); 4 to 10 digits or an error."""
    digits = value.replace(" ", "").replace(".", "")
    if not digits.isdigit() or not 4 <= len(digits) <= 10:
        raise InputError(
            "CN code is not 4 to 10 digits",
            field=field,
            value=value,
            fix="give the Combined Nomenclature code, e.g. '7208' or '7208 51 20'",
        )
    return digits


class CbamSourceStream(_Section):
    """A source stream of a production process for the mass balance (IR 2025/2547 Annex II B.3.2).

    Attributes
    ----------
    name
        Name of the stream (``"coke"``, ``"hot metal"``, ``"slag"``).
    direction
        ``"in"`` (consumed) or ``"out"`` (product, by-product, waste leaving the process).
    quantity
        Activity data AD. [t]
    carbon_content
        Carbon content CC, t C per t. [dimensionless]
    """

    name: str = Field(min_length=1)
    direction: Literal["in", "out"]
    quantity: Amount
    carbon_content: Fraction


class CbamPfc(_Section):
    """Anode-effect data of a primary aluminium process for PFC (IR 2025/2547 Annex II B.7).

    Attributes
    ----------
    method
        ``"slope"`` or ``"overvoltage"``.
    technology
        Cell technology (``"CWPB"``, ``"SWPB"``, ``"VSS"``, ``"HSS"``, ``"PFPB-L"``, ``"PFPB-M"``).
    anode_effect_minutes
        AEM, anode-effect minutes per cell-day (slope method). [min/d]
    anode_effect_overvoltage
        AEO, anode-effect overvoltage per cell (overvoltage method). [mV]
    current_efficiency
        CE, current efficiency of aluminium production (overvoltage method): a fraction (0.94)
        or a percentage with its sign ("94 %"); a bare 94 is refused. [dimensionless]
    collection_efficiency
        Fraction of PFC collected when duct emissions are measured (1: no correction), same
        convention. [dimensionless]
    """

    method: Literal["slope", "overvoltage"] = "slope"
    technology: Literal["CWPB", "SWPB", "VSS", "HSS", "PFPB-L", "PFPB-M"]
    anode_effect_minutes: float | None = None
    anode_effect_overvoltage: float | None = None
    current_efficiency: OptionalShare = None
    collection_efficiency: Share = 1.0

    @model_validator(mode="after")
    def _method_inputs(self) -> CbamPfc:
        if self.method == "slope":
            if self.anode_effect_minutes is None:
                raise InputError(
                    "slope method needs anode_effect_minutes",
                    field="anode_effect_minutes",
                    fix="give AE-minutes per cell-day (frequency x duration)",
                )
            _non_negative(self.anode_effect_minutes, "anode_effect_minutes")
        else:
            if self.anode_effect_overvoltage is None or self.current_efficiency is None:
                raise InputError(
                    "overvoltage method needs anode_effect_overvoltage and current_efficiency",
                    field="anode_effect_overvoltage",
                    fix='give AEO [mV] and CE (0.94 or "94 %"), or use method \'slope\'',
                )
            _non_negative(self.anode_effect_overvoltage, "anode_effect_overvoltage")
            if not 0 < self.current_efficiency <= 1:
                raise InputError(
                    "current efficiency is zero",
                    field="current_efficiency",
                    value=self.current_efficiency,
                    fix='give CE as a fraction (0.94) or a percentage with its sign ("94 %")',
                )
        if not 0 < self.collection_efficiency <= 1:
            raise CompositionError(
                "collection efficiency outside (0, 1]",
                field="collection_efficiency",
                value=self.collection_efficiency,
                fix='give a fraction (0.98) or a percentage with its sign ("98 %")',
            )
        return self


class CbamGood(_Section):
    """A good (CN code) produced by a CBAM production process.

    Attributes
    ----------
    cn_code
        Combined Nomenclature code, 4 to 8 digits, spaces allowed (``"7208"``, ``"7601 10 00"``).
    quantity
        Mass produced in the period that can be sold or used as a precursor. [t]
    """

    cn_code: str
    quantity: Amount

    @field_validator("cn_code")
    @classmethod
    def _cn(cls, value: str) -> str:
        return clean_cn_code(value)


class CbamPrecursorUse(_Section):
    """Mass of a precursor consumed by a process (M_i, IR 2025/2547 Annex III B).

    Attributes
    ----------
    precursor
        Name of a process of this installation or of a purchased precursor.
    mass
        Total mass consumed, including losses, cut-offs and scrap that leave the process. [t]
    """

    precursor: str = Field(min_length=1)
    mass: Amount


class CbamProcess(_Section):
    """A production process of the installation, with the goods it makes (IR 2025/2547 Annex I §3).

    Attributes
    ----------
    name
        Unique name of the process in this installation.
    category
        Aggregated goods category: one of :data:`CBAM_CATEGORIES`.
    route
        Production route (``"BOF"``, ``"EAF"``, ``"blast_furnace"``, ``"primary"``, ``"secondary"``).
    direct_emissions
        DirEm*, directly attributable emissions when determined outside greenmet (added to the
        mass balance of ``source_streams``). [tCO2e]
    source_streams
        Streams for the mass balance of this process.
    heat_imported, heat_exported
        Measurable heat imported from / exported to other processes or installations. [TJ]
    heat_imported_factor, heat_exported_factor
        Emission factor of that heat; default the natural-gas factor over a 90 % boiler
        efficiency (Annex III A.2.2). [tCO2/TJ]
    waste_gas_imported, waste_gas_exported
        Energy content V·NCV of waste gas imported / exported. [TJ]
    electricity_production_emissions
        Em_el,prod, emissions attributed to electricity produced in the process. [tCO2e]
    electricity_consumed
        Electricity consumed, for indirect emissions. [MWh]
    electricity_factor
        Emission factor of that electricity. [tCO2/MWh]
    pfc
        Anode-effect data (primary aluminium only).
    goods
        Goods made; the activity level AL is the sum of their quantities.
    precursors
        Precursors consumed.
    scrap_used
        Scrap consumed, for the Annex IV parameter "t scrap per t". [t]
    pre_consumer_scrap_fraction
        Share of pre-consumer scrap in ``scrap_used``. [dimensionless]
    alloy_content
        Mass fractions of alloying elements (``{"Cr": 0.18, "Ni": 0.08}``). [dimensionless]
    reducing_agent
        Main reducing agent (Annex IV §2), e.g. ``"coke"``, ``"natural gas"``, ``"hydrogen"``.
    """

    name: str = Field(min_length=1)
    category: Literal[
        "sintered_ore",
        "pig_iron",
        "ferro_alloys",
        "dri",
        "crude_steel",
        "iron_steel_products",
        "unwrought_aluminium",
        "aluminium_products",
    ]
    route: str | None = None
    direct_emissions: Amount = 0.0
    source_streams: list[CbamSourceStream] = Field(default_factory=list)
    heat_imported: Amount = 0.0
    heat_imported_factor: float | None = None
    heat_exported: Amount = 0.0
    heat_exported_factor: float | None = None
    waste_gas_imported: Amount = 0.0
    waste_gas_exported: Amount = 0.0
    electricity_production_emissions: Amount = 0.0
    electricity_consumed: Amount = 0.0
    electricity_factor: float | None = None
    pfc: CbamPfc | None = None
    goods: list[CbamGood] = Field(min_length=1)
    precursors: list[CbamPrecursorUse] = Field(default_factory=list)
    scrap_used: Amount = 0.0
    pre_consumer_scrap_fraction: Fraction | None = None
    alloy_content: dict[str, Share] = Field(default_factory=dict)
    reducing_agent: str | None = None

    @field_validator("alloy_content")
    @classmethod
    def _alloys(cls, value: dict[str, float]) -> dict[str, float]:
        for element, fraction in value.items():
            _fraction(fraction, f"alloy_content.{element}")
        return value

    @model_validator(mode="after")
    def _checks(self) -> CbamProcess:
        if self.electricity_consumed > 0 and self.electricity_factor is None:
            raise InputError(
                "electricity consumed without its emission factor",
                field="electricity_factor",
                fix="give the factor of the electricity consumed [t CO2/MWh] (grid or supplier)",
            )
        if self.pfc is not None and self.category != "unwrought_aluminium":
            raise InputError(
                "PFC data given for a process that is not primary aluminium",
                field="pfc",
                value=self.category,
                fix="give pfc only for the unwrought_aluminium process",
            )
        if self.alloy_content and sum(self.alloy_content.values()) > 1:
            raise CompositionError(
                "alloy contents sum above 1",
                field="alloy_content",
                value=self.alloy_content,
                fix="give mass fractions (0.18 for 18 %)",
            )
        return self


class CbamPrecursor(_Section):
    """A purchased precursor (a good made outside the installation).

    Attributes
    ----------
    name
        Unique name, referred to by :class:`CbamPrecursorUse`.
    category
        Aggregated goods category of the precursor, or ``"scrap"``.
    cn_code
        CN code (needed for default values).
    country
        Country of origin, ISO 3166-1 alpha-2.
    see_direct, see_indirect
        Specific embedded emissions communicated by the supplier. [tCO2e/t]
    use_default
        True to use the Commission's default value for ``country`` and ``cn_code``.
    """

    name: str = Field(min_length=1)
    category: Literal[
        "sintered_ore",
        "pig_iron",
        "ferro_alloys",
        "dri",
        "crude_steel",
        "iron_steel_products",
        "unwrought_aluminium",
        "aluminium_products",
        "scrap",
    ]
    cn_code: str | None = None
    country: str = Field(min_length=2, max_length=2)
    see_direct: float | None = None
    see_indirect: float | None = None
    use_default: bool = False

    @model_validator(mode="after")
    def _values_or_default(self) -> CbamPrecursor:
        if self.cn_code is not None:
            self.cn_code = clean_cn_code(self.cn_code)
        if self.category == "scrap":
            return self
        if self.use_default:
            if self.see_direct is not None:
                raise InputError(
                    "precursor has both actual values and use_default",
                    field="use_default",
                    value=self.name,
                    fix="give see_direct/see_indirect or use_default, not both",
                )
            if self.cn_code is None:
                raise InputError(
                    "default value needs the CN code of the precursor",
                    field="cn_code",
                    value=self.name,
                    fix="give cn_code, e.g. '7201' for pig iron",
                )
        elif self.see_direct is None:
            raise InputError(
                "precursor has no embedded emissions",
                field="see_direct",
                value=self.name,
                fix="give see_direct (and see_indirect) from the supplier, or use_default: true",
            )
        for field in ("see_direct", "see_indirect"):
            value = getattr(self, field)
            if value is not None:
                _non_negative(value, field)
        return self


class CbamCarbonPrice(_Section):
    """Carbon price due in the country of origin (Annex IV §2; CBAM template F_Tools).

    Attributes
    ----------
    kind
        ``"tax"``, ``"levy"``, ``"fee"`` or ``"ets"``.
    price
        Price per tonne CO2e. [1/t]
    currency
        ISO 4217 currency code.
    covered_share
        Share of the embedded emissions covered by the price (after free allocation). [dimensionless]
    """

    kind: Literal["tax", "levy", "fee", "ets"]
    price: Amount
    currency: str = Field(min_length=3, max_length=3)
    covered_share: Fraction = 1.0


class CbamInputs(_Section):
    """The CBAM section of the activity data: processes, goods, precursors (IR 2025/2547).

    Attributes
    ----------
    processes
        Production processes of the installation.
    purchased_precursors
        Precursors bought in.
    carbon_price
        Carbon price due in the country of origin, if any.
    """

    processes: list[CbamProcess] = Field(min_length=1)
    purchased_precursors: list[CbamPrecursor] = Field(default_factory=list)
    carbon_price: CbamCarbonPrice | None = None

    @model_validator(mode="after")
    def _names(self) -> CbamInputs:
        names = [p.name for p in self.processes] + [p.name for p in self.purchased_precursors]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise InputError(
                "process or precursor name used twice",
                field="processes",
                value=duplicates,
                fix="give every process and purchased precursor its own name",
            )
        known = set(names)
        for i, process in enumerate(self.processes):
            for j, use in enumerate(process.precursors):
                if use.precursor not in known:
                    raise InputError(
                        "precursor is neither a process nor a purchased precursor",
                        field=f"processes[{i}].precursors[{j}].precursor",
                        value=use.precursor,
                        fix=f"use one of {', '.join(sorted(known))}",
                    )
                if use.precursor == process.name:
                    raise InputError(
                        "process consumes its own good as a precursor",
                        field=f"processes[{i}].precursors[{j}].precursor",
                        value=use.precursor,
                        fix="leave out goods that stay within the same process (Annex III B)",
                    )
        return self
