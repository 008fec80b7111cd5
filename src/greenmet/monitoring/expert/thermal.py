"""Thermal-state rule model (炉温判断): trend of the last casts × hot-metal band → level and actions.

Evaluated at each cast, after the BKYL expert-system plug-in ``JGBFES7_HotModel.cs``
(``beige-biu/DatabaseToDatabase`` @58915ff0e30716c6eb05f7ba70aca76b02a15cd3, reference note §2.2):

1. For the current cast, the previous one and the one before, the 15-minute means at the cast
   of the permeability index, blast volume, burden descent rate, top temperature and top-gas
   utilisation ηCO are compared: flags say whether each rose or fell (or rose or fell a lot)
   from the previous cast, and whether it had already done so the cast before.
2. Five rules read the flags: 403B011 *cooling* (PI ↑, blast ↑, descent faster, top T ↓, ηCO ↓),
   403B012 *warming* (the mirror image), 403B013 / 403B014 the same one cast earlier, and
   403B015 *sharp cooling* (all five fall).
3. The rules give a trend rank 0 (sharp cooling) … 3 (cooling), 4 (warming) … 7 (strong
   warming); the hot-metal temperature of the last cast gives a rank 0–6 against six bands; a
   7 × 8 table maps the two to an action level −5 … +5 (no rule fired: level 0, no action).
4. The level selects actions on blast temperature, coal injection, oxygen, blast volume, extra
   coke and ore batch; on the cold side the flame temperature and the margin to the maximum
   blast temperature decide whether the heat comes from the blast or from coal (below the low
   flame-temperature limit, coal is stopped and the blast heated instead).

Deviations from the coded source, stated: the source's trend rank 5 tests ``403B014 && 403B014``
(one rule twice); greenmet reads it as ``403B012 && 403B014``, the mirror of rank 2
(``403B013 && 403B011``). The hot-side branches are simplified to the actions the reference
note lists (+2: coal −0.5 t/h, or blast temperature −30 °C at the maximum; +3: blast temperature
−40 °C or coal −2 t/h; +4: −20 °C and −2 t/h; +5: −80 °C and −5 t/h). The thresholds are
greenmet's defaults (``greenmet/monitoring/rules/thermal_state.toml``), the source's are not
published: every result is provisional until a plant sets them.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from importlib import resources

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from greenmet.errors import FileFormatError, InputError

__all__ = [
    "CAST_STATE_COLUMNS",
    "THERMAL_RULES",
    "ThermalAction",
    "ThermalAssessment",
    "ThermalModelSettings",
    "assess_thermal_state",
    "thermal_model_settings",
]

CAST_STATE_COLUMNS = ("permeability_index", "blast_volume", "burden_descent_rate", "top_temperature",
                      "top_gas_utilisation")
"""Per-cast means the model compares (catalogue units; descent rate in charges/h)."""

THERMAL_RULES: dict[str, tuple[str, str, str]] = {
    "403B011": ("cooling trend", "炉温向凉",
                "PI up, blast volume up, descent faster, top temperature down, ηCO down (this cast)"),
    "403B012": ("warming trend", "炉温向热",
                "PI down, blast volume down, descent slower, top temperature up, ηCO up (this cast)"),
    "403B013": ("cooling trend one cast earlier", "前次炉温向凉", "the 403B011 pattern, previous cast"),
    "403B014": ("warming trend one cast earlier", "前次炉温向热", "the 403B012 pattern, previous cast"),
    "403B015": ("sharp cooling", "炉温向剧冷",
                "PI, blast volume, descent rate, top temperature and ηCO all down (this cast)"),
}
"""Rules of the model: id → (English title, Chinese title, condition), as in the source."""


class _Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    permeability_index_change: float = Field(gt=0)
    permeability_index_large_change: float = Field(gt=0)
    blast_volume_change: float = Field(gt=0)
    blast_volume_large_change: float = Field(gt=0)
    burden_descent_rate_change: float = Field(gt=0)
    top_temperature_change: float = Field(gt=0)
    top_temperature_large_change: float = Field(gt=0)
    top_gas_utilisation_change: float = Field(gt=0)


class ThermalModelSettings(BaseModel):
    """Thresholds, bands, level table and limits of the model (``rules/thermal_state.toml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    version: str
    source: str = Field(min_length=1)
    needs_verification: bool
    thresholds: _Thresholds
    hot_metal_temperature_bands_degC: tuple[float, float, float, float, float, float]  # noqa: N815 (unit suffix, docs/dev/conventions.md)
    action_levels: tuple[tuple[int, ...], ...]
    blast_temperature_max_degC: float  # noqa: N815 (unit suffix, docs/dev/conventions.md)
    flame_temperature_high_cold_side_degC: float  # noqa: N815 (unit suffix, docs/dev/conventions.md)
    flame_temperature_high_hot_side_degC: float  # noqa: N815 (unit suffix, docs/dev/conventions.md)
    flame_temperature_low_degC: float  # noqa: N815 (unit suffix, docs/dev/conventions.md)
    labels: dict[str, dict[str, str]]

    @field_validator("hot_metal_temperature_bands_degC")
    @classmethod
    def _increasing(cls, bands: tuple[float, ...]) -> tuple[float, ...]:
        if list(bands) != sorted(bands):
            raise ValueError("the hot-metal bands must increase")
        return bands

    @field_validator("action_levels")
    @classmethod
    def _shape(cls, table: tuple[tuple[int, ...], ...]) -> tuple[tuple[int, ...], ...]:
        if len(table) != 7 or any(len(row) != 8 for row in table):
            raise ValueError("the action-level table has 7 rows (hot-metal ranks) of 8 (trend ranks)")
        if any(not -5 <= level <= 5 for row in table for level in row):
            raise ValueError("action levels run from -5 to +5")
        return table


def thermal_model_settings(text: str | None = None, *,
                           origin: str = "thermal_state.toml") -> ThermalModelSettings:
    """The model's settings: greenmet's file, or a plant's TOML text of the same shape.

    Raises
    ------
    FileFormatError
        If the text is not TOML or a setting is missing or malformed.
    """
    if text is None:
        shipped = resources.files("greenmet.monitoring").joinpath("rules", "thermal_state.toml")
        text = shipped.read_text("utf-8")
    try:
        return ThermalModelSettings.model_validate(tomllib.loads(text))
    except tomllib.TOMLDecodeError as error:
        raise FileFormatError("the thermal-model file is not valid TOML", field=origin, value=str(error),
                              fix="correct the TOML syntax at the position named") from error
    except ValidationError as error:
        first = error.errors()[0]
        raise FileFormatError(f"malformed thermal-model settings: {first['msg']}",
                              field=f"{origin}: {'.'.join(str(p) for p in first['loc'])}",
                              fix="compare with greenmet/monitoring/rules/thermal_state.toml") from error


@dataclass(frozen=True)
class ThermalAction:
    """One recommended change: ``quantity`` (``blast_temperature``, ``coal_injection_rate``,
    ``oxygen_enrichment``, ``blast_volume``, ``extra_coke``, ``ore_batch``), ``change`` in
    ``unit`` (``stop`` True: stop coal injection), and the sentence in both languages."""

    quantity: str
    change: float
    unit: str
    text_en: str
    text_zh: str
    stop: bool = False


@dataclass(frozen=True)
class ThermalAssessment:
    """The model's answer at a cast: flags, fired rules, ranks, level, label and actions.

    ``reasoning`` lists, in order, the facts that fired each rule and the ranks (English and
    Chinese lines); ``missing`` what the inputs lacked (then ``level`` is None).
    """

    at: pd.Timestamp | None
    flags: dict[str, bool]
    rules: tuple[str, ...]
    trend_rank: int | None
    hot_metal_rank: int | None
    level: int | None
    label_en: str
    label_zh: str
    actions: tuple[ThermalAction, ...]
    reasoning_en: tuple[str, ...]
    reasoning_zh: tuple[str, ...]
    missing: tuple[str, ...]
    provisional: bool


def _flags(values: pd.DataFrame, t: _Thresholds) -> dict[str, bool]:
    """Trend flags of the last three casts (d1: this − previous, d2: previous − the one before).

    For each quantity: ``<name>_<up>`` / ``<name>_<down>`` when d1 passes the threshold,
    ``<name>_was_<up>`` / ``<name>_was_<down>`` when d2 does, and ``<name>_much_up`` /
    ``<name>_much_down`` when d1 passes the large threshold (permeability index, blast volume and
    top temperature; the source uses only the top temperature's rise).
    """
    quantities = (  # column, flag name, words for up and down, threshold, large threshold
        ("permeability_index", "permeability_index", ("up", "down"), t.permeability_index_change,
         t.permeability_index_large_change),
        ("blast_volume", "blast_volume", ("up", "down"), t.blast_volume_change, t.blast_volume_large_change),
        ("burden_descent_rate", "descent", ("faster", "slower"), t.burden_descent_rate_change, None),
        ("top_temperature", "top_temperature", ("up", "down"), t.top_temperature_change,
         t.top_temperature_large_change),
        ("top_gas_utilisation", "top_gas_utilisation", ("up", "down"), t.top_gas_utilisation_change, None),
    )
    flags: dict[str, bool] = {}
    for column, name, (up, down), threshold, large in quantities:
        x = values[column].to_numpy(dtype=float)[-3:]
        now, before = float(x[2] - x[1]), float(x[1] - x[0])
        flags[f"{name}_{up}"], flags[f"{name}_{down}"] = now > threshold, now < -threshold
        flags[f"{name}_was_{up}"], flags[f"{name}_was_{down}"] = before > threshold, before < -threshold
        if large is not None:
            flags[f"{name}_much_{up}"], flags[f"{name}_much_{down}"] = now > large, now < -large
    return flags


_RULE_FLAGS: dict[str, tuple[str, ...]] = {
    "403B011": ("permeability_index_up", "blast_volume_up", "descent_faster", "top_temperature_down",
                "top_gas_utilisation_down"),
    "403B012": ("permeability_index_down", "blast_volume_down", "descent_slower", "top_temperature_up",
                "top_gas_utilisation_up"),
    "403B013": ("permeability_index_was_up", "blast_volume_was_up", "descent_was_faster",
                "top_temperature_was_down", "top_gas_utilisation_was_down"),
    "403B014": ("permeability_index_was_down", "blast_volume_was_down", "descent_was_slower",
                "top_temperature_was_up", "top_gas_utilisation_was_up"),
    "403B015": ("permeability_index_down", "blast_volume_down", "descent_slower", "top_temperature_down",
                "top_gas_utilisation_down"),
}

# Trend ranks in the order the source tests them (a later match overrides an earlier one).
_RANKS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (3, ("403B011",)),
    (2, ("403B013", "403B011")),
    (1, ("permeability_index_much_up", "403B013", "blast_volume_much_up", "403B011")),
    (0, ("403B015", "permeability_index_much_down", "403B013", "blast_volume_much_down")),
    (4, ("403B012",)),
    (5, ("403B012", "403B014")),
    (6, ("403B012", "403B014", "permeability_index_much_down")),
    (7, ("403B012", "403B014", "permeability_index_much_down", "top_temperature_much_up",
         "blast_volume_much_down")),
)


def _hot_metal_rank(temperature: float, bands: tuple[float, ...]) -> int:
    """Rank 0–6 as the source bands it: below b1 → 0, [b1, b2) → 1, [b2, b3) → 2,
    [b3, b4] → 3, (b4, b5] → 4, (b5, b6] → 5, above b6 → 6."""
    b1, b2, b3, b4, b5, b6 = bands
    if temperature < b3:
        return 0 if temperature < b1 else 1 if temperature < b2 else 2
    if temperature <= b4:
        return 3
    return 4 if temperature <= b5 else 5 if temperature <= b6 else 6


_TEXT = {
    "blast_temperature": ("blast temperature {sign}{value:g} °C", "风温{verb}{value:g}℃"),
    "coal_injection_rate": ("coal injection {sign}{value:g} t/h", "喷煤{verb}{value:g} t/h"),
    "oxygen_enrichment": ("oxygen enrichment {sign}{value:g} % (relative)", "富氧{verb}{value:g}%"),
    "blast_volume": ("blast volume {sign}{value:g} %", "风量{verb}{value:g}%"),
    "extra_coke": ("extra coke {sign}{value:g} (charges of the source's unit)", "附加焦{verb}{value:g}"),
}


def _action(quantity: str, change: float) -> ThermalAction:
    unit = {"blast_temperature": "K", "coal_injection_rate": "t/h", "oxygen_enrichment": "%",
            "blast_volume": "%", "extra_coke": "dimensionless"}[quantity]
    en, zh = _TEXT[quantity]
    value = round(abs(change), 2)
    return ThermalAction(quantity, change, unit,
                         en.format(sign="+" if change > 0 else "−", value=value),
                         zh.format(verb="增加" if change > 0 else "减少", value=value))


def _stop_coal(rate: float) -> ThermalAction:
    return ThermalAction("coal_injection_rate", -rate, "t/h", "stop coal injection", "停煤", stop=True)


def _ladder(level: int, s: ThermalModelSettings, *, blast_temperature: float, flame_temperature: float,
            coal_rate: float) -> list[ThermalAction]:
    """Actions of a level, choosing blast or coal as the source of heat (module docstring)."""
    margin = s.blast_temperature_max_degC - blast_temperature
    low = flame_temperature < s.flame_temperature_low_degC
    high_cold = flame_temperature > s.flame_temperature_high_cold_side_degC
    high_hot = flame_temperature > s.flame_temperature_high_hot_side_degC
    actions: list[ThermalAction] = []

    def heat(blast_step: float, coal_step: float, blast_cap_when_low: float) -> None:
        if low:  # coal would not burn out: stop it, heat the blast as far as the stoves allow
            if margin > 0:
                actions.append(_action("blast_temperature", min(margin, blast_cap_when_low)))
            actions.append(_stop_coal(coal_rate))
        elif high_cold or margin <= 0:
            actions.append(_action("coal_injection_rate", coal_step))
        else:
            if blast_step > 0:
                actions.append(_action("blast_temperature", min(blast_step, margin)))
            actions.append(_action("coal_injection_rate", coal_step))

    if level == -5:
        actions += [_action("blast_volume", -6.0), _action("oxygen_enrichment", -50.0)]
        if margin > 0:
            actions.append(_action("blast_temperature", margin))
        actions.append(_action("extra_coke", 2.0))
    elif level == -4:
        actions.append(_action("oxygen_enrichment", -15.0))
        heat(margin, 2.0, margin)
    elif level == -3:
        coal = 2.0 if margin >= 40 else max((40.0 - margin) * 0.05, 0.0) if margin > 0 else 2.0
        heat(20.0, coal, 40.0)
    elif level == -2:
        heat(0.0, 0.5, 30.0)
    elif level in (2, 3) and high_hot:
        pass  # the source makes no change while the flame temperature is above its hot-side limit
    elif level == 2:
        actions.append(_action("blast_temperature", -30.0) if margin <= 0
                       else _action("coal_injection_rate", -0.5))
    elif level == 3:
        actions.append(_action("blast_temperature", -40.0) if margin < 40
                       else _action("coal_injection_rate", -2.0))
    elif level == 4:
        actions += [_action("blast_temperature", -20.0), _action("coal_injection_rate", -2.0)]
    elif level == 5:
        actions += [_action("blast_temperature", -80.0), _action("coal_injection_rate", -5.0)]
    return actions


def assess_thermal_state(cast_states: pd.DataFrame, *, hot_metal_temperature: float, blast_temperature: float,
                         flame_temperature: float, coal_injection_rate: float,
                         settings: ThermalModelSettings | None = None) -> ThermalAssessment:
    """The thermal state at a cast, its chain of reasoning and the actions of its level.

    Parameters
    ----------
    cast_states
        One row per cast, oldest first (the last three are used), index the cast end (UTC) or
        any; columns :data:`CAST_STATE_COLUMNS`: 15-min means at each cast of
        ``permeability_index`` [Nm3/(min*kPa)], ``blast_volume`` [Nm3/min],
        ``burden_descent_rate`` [1/h] (charges per hour), ``top_temperature`` [degC] and
        ``top_gas_utilisation`` [dimensionless].
    hot_metal_temperature
        Of the last cast. [degC]
    blast_temperature
        Now. [degC]
    flame_temperature
        Raceway adiabatic flame temperature now. [degC]
    coal_injection_rate
        Now. [t/h]
    settings
        Thresholds and tables (default: greenmet's ``thermal_state.toml``).

    Returns
    -------
    A :class:`ThermalAssessment`; with fewer than three casts or a missing value, ``level`` is
    None and ``missing`` says what was lacking (a reduced result, never a guessed level).
    """
    s = settings or thermal_model_settings()
    timed = len(cast_states) and isinstance(cast_states.index, pd.DatetimeIndex)
    at = cast_states.index[-1] if timed else None
    missing: list[str] = []
    absent = [c for c in CAST_STATE_COLUMNS if c not in cast_states.columns]
    if absent:
        missing.append(f"columns {', '.join(absent)}")
    elif len(cast_states) < 3:
        missing.append(f"three casts (got {len(cast_states)})")
    else:
        last = cast_states.loc[:, list(CAST_STATE_COLUMNS)].iloc[-3:]
        gaps = [c for c in CAST_STATE_COLUMNS if last[c].isna().any()]
        if gaps:
            missing.append(f"values of {', '.join(gaps)} at one of the last three casts")
    now = {"hot_metal_temperature": hot_metal_temperature, "blast_temperature": blast_temperature,
           "flame_temperature": flame_temperature, "coal_injection_rate": coal_injection_rate}
    for name, value in now.items():
        if value is None or not math.isfinite(value):
            missing.append(name)
    if missing:
        return ThermalAssessment(at, {}, (), None, None, None, "", "", (), (), (), tuple(missing), True)
    if coal_injection_rate < 0:
        raise InputError("a negative coal injection rate", field="coal_injection_rate",
                         value=coal_injection_rate, fix="give the rate in t/h")
    flags = _flags(cast_states, s.thresholds)
    fired = tuple(rule for rule, needed in _RULE_FLAGS.items() if all(flags[f] for f in needed))
    facts = {**flags, **{rule: True for rule in fired}}
    reasoning_en: list[str] = []
    reasoning_zh: list[str] = []
    for rule in fired:
        en, zh, _ = THERMAL_RULES[rule]
        reasoning_en.append(f"rule {rule} ({en}) fired: {', '.join(_RULE_FLAGS[rule])}")
        reasoning_zh.append(f"规则 {rule}（{zh}）成立：{', '.join(_RULE_FLAGS[rule])}")
    trend_rank: int | None = None
    for rank, needed in _RANKS:
        if all(facts.get(n, False) for n in needed):
            trend_rank = rank
            reasoning_en.append(f"trend rank {rank}: {' and '.join(needed)}")
            reasoning_zh.append(f"趋势等级 {rank}：{' 且 '.join(needed)}")
    hm_rank = _hot_metal_rank(hot_metal_temperature, s.hot_metal_temperature_bands_degC)
    reasoning_en.append(f"hot-metal rank {hm_rank}: {hot_metal_temperature:.0f} °C against bands "
                        f"{', '.join(f'{b:g}' for b in s.hot_metal_temperature_bands_degC)} °C")
    reasoning_zh.append(f"铁水温度等级 {hm_rank}：{hot_metal_temperature:.0f}℃")
    if trend_rank is None:
        level = 0
        reasoning_en.append("no trend rule fired: level 0, no action")
        reasoning_zh.append("无趋势规则成立：等级 0，不调整")
    else:
        level = s.action_levels[hm_rank][trend_rank]
        reasoning_en.append(f"level {level:+d} = table[hot-metal rank {hm_rank}][trend rank {trend_rank}]")
        reasoning_zh.append(f"调剂等级 {level:+d} = 表[铁水等级 {hm_rank}][趋势等级 {trend_rank}]")
    actions = _ladder(level, s, blast_temperature=blast_temperature, flame_temperature=flame_temperature,
                      coal_rate=coal_injection_rate)
    label = s.labels.get(str(level), {"en": str(level), "zh": str(level)})
    return ThermalAssessment(at, flags, fired, trend_rank, hm_rank, level, label["en"], label["zh"],
                             tuple(actions), tuple(reasoning_en), tuple(reasoning_zh), (),
                             s.needs_verification)

