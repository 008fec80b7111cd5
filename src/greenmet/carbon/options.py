"""The options of every carbon method, declared once as validated data.

Each method's options are one pydantic model (flodym-style: the model *is* the declaration).
Everything else is derived from it:

- ``compute_<method>(activity, **options)`` validates its keywords into the model, and the
  frame functions (``cn_steel_lines`` …) and the batch adapters take the model;
- :class:`ActivityOptions`, the ``[options]`` section of an activity file (and of its JSON Schema
  and Excel template), has every field of every model, each optional, with the union of the
  allowed values;
- the CLI flags (``--edition``, ``--gwp-metric`` … and ``--option KEY=VALUE``) set the same keys;
- :func:`resolve_options` merges defaults, the file and the flags for one method and says where
  each value came from (``default``, ``file``, ``flag``); the report header shows that.

The option values and their sources:

=============================  ==================================================================
option                         meaning
=============================  ==================================================================
``edition``                    edition of the method's default factors (per method, see below)
``gwp_metric``                 GWP set for non-CO2 gases: ``SARGWP100``, ``AR4GWP100``,
                               ``AR5GWP100``, ``AR6GWP100`` (``AR4`` … accepted); table ``gwp``
``pfc_method``                 ``slope`` (anode-effect minutes, IR 2025/2547 Annex II B.7) or
                               ``default_factor`` (factor per t Al)
``grid_region``                ``national``, a grid region, a province, or ``province``
``grid_basis``                 ``average``, ``average_excl_market_nonfossil``, ``fossil``,
                               ``ets_reporting`` (MEE & NBS announcements; table ``grid_factors``)
``grid_factor_year``           year of the grid factor instead of the reporting year's
``fixed_carbon_from_production``  deduct carbon fixed in products listed only under production
``markup_year``                CBAM: year whose mark-up on default values applies; default
                               ``reporting_year`` (rule ``cbam.MARKUP_RULE``), ``base``: base values
``fallback_defaults``          CBAM: "other countries" defaults for unshipped origins
``route``, ``dri_route``       ISO 14404 route and purchased-DRI route
``electricity_factor``         ISO 14404: ``worldsteel`` (0.504 t CO2/MWh), ``plant`` or a number
=============================  ==================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import UnionType
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self, Union, get_args, get_origin

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
)

from greenmet.errors import GreenmetError, InputError, UnknownKeyError
from greenmet.i18n import Message, label, name_label

__all__ = [
    "OPTION_MODELS",
    "ActivityOptions",
    "CbamOptions",
    "CnAluminiumOptions",
    "CnSteelOptions",
    "Iso14404Options",
    "LciOptions",
    "MethodOptions",
    "ResolvedOptions",
    "option_choices",
    "option_description",
    "option_keys",
    "parse_option_text",
    "resolve_options",
]

GWP_METRICS: tuple[str, ...] = ("SARGWP100", "AR4GWP100", "AR5GWP100", "AR6GWP100")
"""GWP sets of the ``gwp`` reference table (IPCC assessment reports, 100-year horizon)."""

GRID_BASES: tuple[str, ...] = ("average", "average_excl_market_nonfossil", "fossil", "ets_reporting")


def _gwp_name(value: Any) -> Any:
    """``"AR4"``, ``"ar4"``, ``"AR4-GWP100"`` → ``"AR4GWP100"``; other values pass unchanged."""
    if not isinstance(value, str):
        return value
    text = value.strip().upper().replace("-", "").replace("_", "").replace(" ", "")
    if text in ("SAR", "AR4", "AR5", "AR6"):
        return text + "GWP100"
    return text if text in GWP_METRICS else value


GwpMetric = Annotated[Literal["SARGWP100", "AR4GWP100", "AR5GWP100", "AR6GWP100"], BeforeValidator(_gwp_name)]
GridBasis = Literal["average", "average_excl_market_nonfossil", "fossil", "ets_reporting"]
Year = Annotated[int, Field(ge=1990, le=2100)]

_DESCRIPTIONS: dict[str, str] = {
    "edition": "Edition of the method's default factors (the method's own list; see the user guide).",
    "gwp_metric": "GWP set for non-CO2 gases: SARGWP100, AR4GWP100, AR5GWP100 or AR6GWP100 "
    "(AR4 … accepted); default the edition's.",
    "pfc_method": "PFC method: 'slope' (anode-effect minutes x slope factor) or 'default_factor'.",
    "grid_region": "Grid factor region: 'national', a grid region ('north_china' …), a province "
    "('hebei' …) or 'province' for the installation's own.",
    "grid_basis": "Grid factor basis: average, average_excl_market_nonfossil, fossil, ets_reporting.",
    "grid_factor_year": "Year of the grid factor; default the reporting year or the latest earlier one.",
    "fixed_carbon_from_production": "Deduct carbon fixed in products listed only under production.",
    "markup_year": "CBAM: year whose mark-up applies to default values of precursors; 'reporting_year' "
    "(default: the reporting year's mark-up from 2026, none before; rule and sources in "
    "greenmet.carbon.cbam.MARKUP_RULE); 'base': base values without mark-up.",
    "fallback_defaults": "CBAM: use the 'other countries' defaults where the origin's are not shipped.",
    "route": "ISO 14404 route: 'bf-bof' (ISO 14404-1) or 'eaf' (ISO 14404-2); default inferred.",
    "dri_route": "ISO 14404: how purchased DRI was made, 'gas_based' or 'coal_based'.",
    "electricity_factor": "ISO 14404 electricity factor: 'worldsteel' (0.504 t CO2/MWh), 'plant' "
    "(supplier factors on the energy flows) or a number [t CO2/MWh].",
}


def _first_error(exc: ValidationError, prefix: str = "") -> GreenmetError:
    error = exc.errors()[0]
    loc = [str(part) for part in error.get("loc", ())]
    field = prefix + ".".join(loc) if loc else (prefix.rstrip(".") or None)
    original = (error.get("ctx") or {}).get("error")
    if isinstance(original, GreenmetError):
        return type(original)(original.problem, field=field, value=original.value, fix=original.fix)
    kind = error.get("type", "")
    if kind == "literal_error":
        expected = str((error.get("ctx") or {}).get("expected", "")).replace("'", "").replace(" or ", ", ")
        return UnknownKeyError("option value not known", field=field, value=error.get("input"),
                               fix=f"use one of {expected}")
    if kind == "extra_forbidden":
        return UnknownKeyError("no such option", field=field, value=error.get("input"),
                               fix=f"use one of {', '.join(option_keys())}")
    return InputError(str(error.get("msg", "invalid option")).removeprefix("Value error, "), field=field,
                      value=error.get("input"), fix="see `greenmet carbon report --help` for each option")


class MethodOptions(BaseModel):
    """Base of the option models: frozen, no unknown keys, greenmet errors instead of ValidationError."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    METHOD: ClassVar[str] = ""

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _first_error(exc) from None

    @classmethod
    def of(cls, options: MethodOptions | None, keywords: Mapping[str, Any]) -> Self:
        """``options`` (or the defaults) with ``keywords`` on top, validated."""
        if options is None:
            return cls(**keywords)
        if not isinstance(options, cls):
            raise InputError("options of another method", field="options", value=type(options).__name__,
                             fix=f"give {cls.__name__} or keywords")
        return cls(**(options.model_dump() | dict(keywords))) if keywords else options


class _GridOptions(MethodOptions):
    grid_region: str = Field("national", description=_DESCRIPTIONS["grid_region"])
    grid_basis: GridBasis = Field("average", description=_DESCRIPTIONS["grid_basis"])
    grid_factor_year: Year | None = Field(None, description=_DESCRIPTIONS["grid_factor_year"])

    @field_validator("grid_region", mode="before")
    @classmethod
    def _known_region(cls, value: Any) -> Any:
        return check_grid_region(value)


def check_grid_region(value: Any) -> Any:
    """``value`` lower-cased if it is ``province`` or a region of the ``grid_factors`` table."""
    if not isinstance(value, str):
        return value
    region = value.strip().lower()
    known = _grid_regions()
    if region != "province" and region not in known:
        raise UnknownKeyError("no grid factor for that region", field="grid_region", value=value,
                              fix=f"use one of national, province, {', '.join(sorted(known - {'national'}))}")
    return region


@cache
def _grid_regions() -> frozenset[str]:
    from greenmet.refdata import load_table

    return frozenset(str(region) for region in load_table("grid_factors")["region"])


class CnSteelOptions(_GridOptions):
    """Options of ``cn-steel`` (:func:`greenmet.carbon.cn_steel.compute_cn_steel`)."""

    METHOD: ClassVar[str] = "cn-steel"
    edition: Literal["gbt-32151.5-2015", "ndrc-2013"] = Field(
        "gbt-32151.5-2015", description=_DESCRIPTIONS["edition"])
    fixed_carbon_from_production: bool = Field(
        True, description=_DESCRIPTIONS["fixed_carbon_from_production"])


class CnAluminiumOptions(_GridOptions):
    """Options of ``cn-aluminium`` (:func:`greenmet.carbon.cn_aluminium.compute_cn_aluminium`)."""

    METHOD: ClassVar[str] = "cn-aluminium"
    edition: Literal["cets-ag-04.01-2024", "ndrc-2013", "ir-2025-2547"] = Field(
        "cets-ag-04.01-2024", description=_DESCRIPTIONS["edition"])
    gwp_metric: GwpMetric | None = Field(None, description=_DESCRIPTIONS["gwp_metric"])
    pfc_method: Literal["slope", "default_factor"] = Field("slope", description=_DESCRIPTIONS["pfc_method"])


class Iso14404Options(MethodOptions):
    """Options of ``iso14404`` (:func:`greenmet.carbon.iso14404.compute_iso14404`)."""

    METHOD: ClassVar[str] = "iso14404"
    route: Literal["bf-bof", "eaf"] | None = Field(None, description=_DESCRIPTIONS["route"])
    electricity_factor: Literal["worldsteel", "plant"] | Annotated[float, Field(ge=0, le=2)] = Field(
        "worldsteel", description=_DESCRIPTIONS["electricity_factor"])
    dri_route: Literal["gas_based", "coal_based"] | None = Field(None, description=_DESCRIPTIONS["dri_route"])


class CbamOptions(MethodOptions):
    """Options of ``cbam`` (:func:`greenmet.carbon.cbam.compute_cbam`)."""

    METHOD: ClassVar[str] = "cbam"
    edition: Literal["IR2025/2547", "IR2023/1773"] = Field(
        "IR2025/2547", description=_DESCRIPTIONS["edition"])
    markup_year: Annotated[int, Field(ge=2026, le=2100)] | Literal["reporting_year", "base"] | None = Field(
        "reporting_year", description=_DESCRIPTIONS["markup_year"])
    fallback_defaults: bool = Field(False, description=_DESCRIPTIONS["fallback_defaults"])
    gwp_metric: GwpMetric = Field("AR5GWP100", description=_DESCRIPTIONS["gwp_metric"])


class LciOptions(MethodOptions):
    """Options of ``lci`` (:func:`greenmet.carbon.lci.compute_lci`)."""

    METHOD: ClassVar[str] = "lci"
    gwp_metric: GwpMetric = Field("AR5GWP100", description=_DESCRIPTIONS["gwp_metric"])


OPTION_MODELS: dict[str, type[MethodOptions]] = {
    model.METHOD: model
    for model in (CnSteelOptions, CnAluminiumOptions, Iso14404Options, CbamOptions, LciOptions)
}
"""The option model of every method, by method name."""


def display_rank(key: str) -> int:
    """Position of an option in reports: edition, GWP set, PFC method, grid …, then the rest."""
    order = list(_DESCRIPTIONS)
    return order.index(key) if key in order else len(order)


def option_description(key: str) -> str:
    """The one-line description of an option (CLI help, JSON Schema, template)."""
    return _DESCRIPTIONS[key]


def option_keys() -> tuple[str, ...]:
    """Every option key of every method, in declaration order."""
    keys: dict[str, None] = {}
    for model in OPTION_MODELS.values():
        keys.update(dict.fromkeys(model.model_fields))
    return tuple(keys)


def option_choices() -> dict[str, tuple[str, ...]]:
    """The allowed values of every option that has a closed list (for the template's drop-downs).

    Options that also take a number (``electricity_factor``) or any text (``grid_region``) have
    no closed list.
    """
    choices: dict[str, tuple[str, ...]] = {}
    for key in option_keys():
        literal, others = _literal_and_others(key)
        if literal and not others:
            choices[key] = tuple(str(value) for value in literal)
        elif others == [bool]:
            choices[key] = ("true", "false")
    return choices


def _literal_and_others(key: str) -> tuple[list[Any], list[Any]]:
    annotations = [model.model_fields[key].annotation for model in OPTION_MODELS.values()
                   if key in model.model_fields]
    literals: list[Any] = []
    others: list[Any] = []
    for annotation in annotations:
        members = get_args(annotation) if get_origin(annotation) in (Union, UnionType) else (annotation,)
        for part in members:
            if part is type(None):
                continue
            if get_origin(part) is Annotated:
                part = get_args(part)[0]
            if get_origin(part) is Literal:
                literals.extend(value for value in get_args(part) if value not in literals)
            elif part not in others:
                others.append(part)
    return literals, others


def _union_annotation(key: str) -> Any:
    """The union of the types one key has across the methods (editions: every method's list)."""
    literals, others = _literal_and_others(key)
    parts = ([Literal[tuple(literals)]] if literals else []) + others
    union: Any = parts[0]
    for part in parts[1:]:
        union = union | part
    if key == "gwp_metric":
        union = Annotated[union, BeforeValidator(_gwp_name)]
    return union | None


def _activity_options_model() -> type[BaseModel]:
    fields: dict[str, Any] = {
        key: (_union_annotation(key), Field(None, description=_DESCRIPTIONS.get(key)))
        for key in option_keys()
    }
    model = create_model(
        "ActivityOptions",
        __config__=ConfigDict(extra="forbid"),
        __doc__="The ``[options]`` section of an activity file: any option of any method (see "
        ":mod:`greenmet.carbon.options`); a method uses the keys it has and says which it ignored.",
        **fields,
    )
    return model


if TYPE_CHECKING:

    class ActivityOptions(BaseModel):
        """The ``[options]`` section of an activity file (fields derived from :data:`OPTION_MODELS`)."""

else:
    ActivityOptions = _activity_options_model()
    """The ``[options]`` section of an activity file, derived from :data:`OPTION_MODELS`."""


class ResolvedOptions:
    """The options a method runs with and where each came from.

    Attributes
    ----------
    options
        The validated option model of the method.
    sources
        ``default``, ``file``, ``flag`` (command line) or ``argument`` (Python keyword) for
        every option of the method.
    ignored
        Options of the activity file that the method does not have (key → value).
    """

    def __init__(self, options: MethodOptions, sources: dict[str, str], ignored: dict[str, Any]) -> None:
        self.options = options
        self.sources = sources
        self.ignored = ignored

    def keywords(self) -> dict[str, Any]:
        """The options as keywords of ``compute_<method>``."""
        return {key: getattr(self.options, key) for key in type(self.options).model_fields}

    def warnings(self) -> list[str]:
        """A note per ignored file option."""
        package = "greenmet.carbon"
        return [Message("warn_option_ignored", package, method=self.options.METHOD,
                        option={"en": key, "zh": label(key, "zh", package)},
                        value={"en": repr(value), "zh": name_label(str(value), "zh", package)})
                for key, value in self.ignored.items()]


def _model(method: str) -> type[MethodOptions]:
    model = OPTION_MODELS.get(method)
    if model is None:
        raise UnknownKeyError("no carbon method of that name", field="method", value=method,
                              fix=f"use one of {', '.join(sorted(OPTION_MODELS))}")
    return model


def resolve_options(
    method: str,
    file_options: Mapping[str, Any] | BaseModel | None = None,
    flags: Mapping[str, Any] | None = None,
    *,
    given_as: str = "flag",
) -> ResolvedOptions:
    """Merge defaults < activity file ``[options]`` < flags for ``method``, and validate.

    Parameters
    ----------
    method
        A key of :data:`OPTION_MODELS`.
    file_options
        The ``options`` section of the activity data (unset keys are None and not used).
    flags
        Options given on the command line or as keywords (None values are not used).
    given_as
        The source name of ``flags``: ``"flag"`` (command line) or ``"argument"`` (Python).

    Raises
    ------
    UnknownKeyError
        A flag the method does not have, or an unknown option value.
    InputError
        A value of the wrong type.
    """
    model = _model(method)
    fields = model.model_fields
    if isinstance(file_options, BaseModel):
        file_options = file_options.model_dump(exclude_none=True)
    from_file = {key: value for key, value in (file_options or {}).items() if value is not None}
    from_flags = {key: value for key, value in (flags or {}).items() if value is not None}
    for key, value in from_flags.items():
        if key not in fields:
            raise UnknownKeyError(
                f"option {key!r} does not apply to method {method}", field=key, value=value,
                fix=f"{method} takes {', '.join(fields) or 'no options'}; drop the option or choose "
                "another --method")
    ignored = {key: value for key, value in from_file.items() if key not in fields}
    chosen = {key: value for key, value in from_file.items() if key in fields} | from_flags
    try:
        options = model(**chosen)
    except GreenmetError as exc:
        where = given_as if exc.field in from_flags else "activity file [options]"
        raise type(exc)(f"{exc.problem} ({where})", field=exc.field, value=exc.value, fix=exc.fix) from None
    sources = {key: given_as if key in from_flags else "file" if key in from_file else "default"
               for key in fields}
    return ResolvedOptions(options, sources, ignored)


def parse_option_text(text: str) -> tuple[str, Any]:
    """``"KEY=VALUE"`` of ``--option`` → ``(key, value)`` with numbers, booleans and ``none`` parsed.

    Raises
    ------
    InputError
        No ``=`` in the text.
    UnknownKeyError
        A key no method has.
    """
    key, separator, raw = text.partition("=")
    key = key.strip().replace("-", "_")
    if not separator or not key:
        raise InputError("an --option is KEY=VALUE", field="--option", value=text,
                         fix="e.g. --option edition=ndrc-2013 or --option grid_factor_year=2022")
    if key not in option_keys():
        raise UnknownKeyError("no such option", field="--option", value=key,
                              fix=f"use one of {', '.join(option_keys())}")
    value = raw.strip()
    lowered = value.lower()
    parsed: Any
    if lowered in ("true", "yes"):
        parsed = True
    elif lowered in ("false", "no"):
        parsed = False
    elif lowered in ("none", "null", ""):
        parsed = None
    else:
        try:
            parsed = int(value)
        except ValueError:
            try:
                parsed = float(value)
            except ValueError:
                parsed = value
    return key, parsed
