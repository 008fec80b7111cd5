"""The expert rule base (专家咨询) as validated data.

A rule base is a TOML document (greenmet ships ``greenmet/monitoring/rules/*.toml``; a plant may
give its own). Each rule names its source, says in English and Chinese what it concludes and what
to do, and states its conditions as data:

.. code-block:: toml

    [[rule]]
    id = "hanging"
    kind = "diagnosis"                 # a finding feeds other rules; a diagnosis is reported
    conclusion = "hanging"             # the fact it establishes
    title_en = "Hanging"
    title_zh = "悬料"
    mode = "score"                     # all | any | score (weights summed against min_score)
    min_score = 35
    applies_to = ["hanging"]           # alert fault kinds it explains
    source = "…"
    needs_verification = true
    when = [
      { fact = "permeability_deteriorating", weight = 35 },
      { tag = "blast_pressure", feature = "zscore", op = ">=", value = 0.8, weight = 15 },
    ]
    actions = [{ en = "Reduce the blast …", zh = "减风 …" }]

A condition reads a tag (or every tag matching a ``*`` pattern, combined with ``aggregate``;
``minus`` subtracts a second tag pattern pair by pair), a fact concluded by another rule, or an
active alert of a fault kind. Features of a tag over the consultation window
(:mod:`greenmet.monitoring.expert.inference`): ``latest`` (mean of the recent minutes),
``last`` (the newest value in the window: for tags written once per cast, such as the hot-metal
temperature),
``change`` (latest minus the baseline mean), ``zscore`` (change over the baseline standard
deviation, as the 60-minute z-scores of the reference note's DIAG5 drivers), ``volatility``
(recent standard deviation over the baseline's), ``slope_per_hour``.

:func:`parse_rule_base` checks the document (unknown keys, malformed conditions, duplicate ids,
facts no rule concludes, missing languages or sources) and :func:`check_tags` checks every tag
against a tag catalogue, naming the rule and the tag.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from collections.abc import Iterable
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from greenmet.errors import FileFormatError, InputError, UnknownKeyError

__all__ = [
    "AGGREGATES",
    "FEATURES",
    "Action",
    "Condition",
    "Rule",
    "RuleBase",
    "check_tags",
    "parse_rule_base",
    "search_rules",
    "shipped_rule_base",
]

Feature = Literal["latest", "last", "change", "zscore", "volatility", "slope_per_hour"]
Aggregate = Literal["mean", "max", "min", "spread"]
FEATURES: tuple[str, ...] = ("latest", "last", "change", "zscore", "volatility", "slope_per_hour")
"""Features a condition may read of a tag."""
AGGREGATES: tuple[str, ...] = ("mean", "max", "min", "spread")
"""How a condition combines the tags a pattern matches (``spread`` = max − min)."""
_ID = re.compile(r"^[a-z][a-z0-9_.]*$")
_MODEL_FILES = frozenset({"thermal_state.toml"})  # settings of the thermal-state model, not rules


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    """One condition of a rule: a tag feature compared with a value, a fact, or an active alert."""

    tag: str | None = None
    minus: str | None = None
    feature: Feature | None = None
    aggregate: Aggregate = "mean"
    op: Literal[">", ">=", "<", "<="] | None = None
    value: float | None = None
    unit: str | None = None
    fact: str | None = None
    alert: str | None = None
    weight: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _one_subject(self) -> Condition:
        subjects = [name for name in ("tag", "fact", "alert") if getattr(self, name) is not None]
        if len(subjects) != 1:
            raise ValueError("a condition reads exactly one of tag, fact or alert")
        if self.tag is not None:
            if self.feature is None or self.op is None or self.value is None:
                raise ValueError("a tag condition needs feature, op and value")
        elif any(v is not None for v in (self.feature, self.op, self.value, self.minus)):
            raise ValueError("a fact or alert condition takes no feature, op, value or minus")
        return self

    def describe(self) -> str:
        """The condition as a person reads it (``zscore(blast_pressure) >= 0.8``)."""
        if self.fact is not None:
            return f"fact {self.fact}"
        if self.alert is not None:
            return f"alert {self.alert} active"
        subject = self.tag if self.minus is None else f"{self.tag} − {self.minus}"
        if self.tag is not None and "*" in self.tag:
            subject = f"{self.aggregate} of {subject}"
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.feature}({subject}) {self.op} {self.value:g}{unit}"


class Action(_Strict):
    """A recommended action, in English and Chinese."""

    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)


class Rule(_Strict):
    """One rule: conditions, the fact it concludes, the actions it recommends, its source."""

    id: str
    kind: Literal["finding", "diagnosis"]
    conclusion: str
    title_en: str = Field(min_length=1)
    title_zh: str = Field(min_length=1)
    explanation_en: str = ""
    explanation_zh: str = ""
    mode: Literal["all", "any", "score"] = "all"
    min_score: float | None = None
    severity: Literal["info", "warning", "critical"] = "warning"
    applies_to: tuple[str, ...] = ()
    when: tuple[Condition, ...] = Field(min_length=1)
    actions: tuple[Action, ...] = ()
    source: str = Field(min_length=1)
    needs_verification: bool

    @model_validator(mode="after")
    def _consistent(self) -> Rule:
        if not _ID.match(self.id):
            raise ValueError(f"rule id {self.id!r} must be lower-case letters, digits, '_' or '.'")
        if (self.mode == "score") != (self.min_score is not None):
            raise ValueError("min_score goes with mode = 'score', and only with it")
        if self.mode == "score" and self.min_score is not None and self.min_score > sum(
                c.weight for c in self.when):
            raise ValueError("min_score exceeds the sum of the weights: the rule can never fire")
        if self.kind == "diagnosis" and not self.actions:
            raise ValueError("a diagnosis recommends at least one action")
        return self

    def text(self, language: str) -> str:
        """Title of the rule in ``language`` (``en`` or ``zh``)."""
        return self.title_zh if language == "zh" else self.title_en


class RuleBase(_Strict):
    """A named, versioned set of rules and the window they are evaluated over."""

    name: str
    version: str
    description_en: str = ""
    description_zh: str = ""
    window_minutes: int = Field(default=120, ge=10)
    recent_minutes: int = Field(default=10, ge=1)
    rules: tuple[Rule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _references(self) -> RuleBase:
        if self.recent_minutes * 2 > self.window_minutes:
            raise ValueError("recent_minutes must be at most half of window_minutes "
                             "(the rest is the baseline)")
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(f"two rules share the id {rule.id!r}")
            seen.add(rule.id)
        concluded = {rule.conclusion for rule in self.rules}
        for rule in self.rules:
            for condition in rule.when:
                if condition.fact is not None and condition.fact not in concluded:
                    raise ValueError(f"rule {rule.id!r} reads fact {condition.fact!r}, "
                                     "which no rule concludes")
        return self

    def rule(self, rule_id: str) -> Rule:
        """The rule of that id."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise UnknownKeyError("no rule of that id", field="rule", value=rule_id,
                              fix="list the rules with `greenmet bf expert rules`")

    def merged(self, other: RuleBase) -> RuleBase:
        """This rule base and ``other`` together (ids must stay unique)."""
        return RuleBase(name=f"{self.name}+{other.name}", version=f"{self.version}+{other.version}",
                        window_minutes=max(self.window_minutes, other.window_minutes),
                        recent_minutes=max(self.recent_minutes, other.recent_minutes),
                        rules=(*self.rules, *other.rules))


def _first_error(error: ValidationError) -> tuple[str, str]:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return where, first["msg"]


def parse_rule_base(text: str, *, origin: str = "<rules>") -> RuleBase:
    """Read and validate a rule base from TOML text.

    Parameters
    ----------
    text
        The TOML document.
    origin
        Where it came from (a file name), named in errors.

    Raises
    ------
    FileFormatError
        If the text is not TOML, or a rule is malformed (the message names the rule and field).
    """
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise FileFormatError("the rule file is not valid TOML", field=origin, value=str(error),
                              fix="correct the TOML syntax at the position named") from error
    document.setdefault("rules", document.pop("rule", []))
    try:
        return RuleBase.model_validate(document)
    except ValidationError as error:
        where, message = _first_error(error)
        where = where or "rule base"
        rules = document.get("rules") or []
        parts = where.split(".")
        if parts[0] == "rules" and len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(rules):
            rule = rules[int(parts[1])]
            inside = f" {'.'.join(parts[2:])}" if parts[2:] else ""
            where = f"rule {rule.get('id', '#' + parts[1])!r}{inside}"
        raise FileFormatError(f"malformed rule base: {message}", field=f"{origin}: {where}",
                              fix="see docs/user_guide/expert.md for the rule format") from error


def shipped_rule_base(name: str | None = None) -> RuleBase:
    """greenmet's own rule base: all files of ``greenmet/monitoring/rules`` (or the one named)."""
    folder = resources.files("greenmet.monitoring").joinpath("rules")
    names = sorted(entry.name for entry in folder.iterdir()
                   if entry.name.endswith(".toml") and entry.name not in _MODEL_FILES)
    chosen = [n for n in names if name is None or n == f"{name}.toml"]
    if not chosen:
        raise UnknownKeyError("no shipped rule file of that name", field="rules", value=name,
                              fix=f"use one of {', '.join(n.removesuffix('.toml') for n in names)}")
    bases = [parse_rule_base(folder.joinpath(n).read_text(encoding="utf-8"), origin=n) for n in chosen]
    base = bases[0]
    for other in bases[1:]:
        base = base.merged(other)
    return base


def check_tags(rule_base: RuleBase, catalogue: Iterable[str]) -> None:
    """Check that every tag and tag pattern of the rules is in the tag catalogue.

    Raises
    ------
    UnknownKeyError
        Naming the rule, the tag and the nearest catalogue names.
    InputError
        If a ``minus`` pattern does not pair one to one with its ``tag`` pattern.
    """
    known = sorted(set(catalogue))
    for rule in rule_base.rules:
        for condition in rule.when:
            for pattern in (condition.tag, condition.minus):
                if pattern is None:
                    continue
                if not fnmatch.filter(known, pattern):
                    near = [k for k in known if k.split("_")[0] == pattern.split("_")[0]][:5]
                    raise UnknownKeyError(f"rule {rule.id!r} reads a tag the catalogue does not have",
                                          field=f"rule {rule.id}: tag", value=pattern,
                                          fix=f"use a catalogue tag (e.g. {', '.join(near) or known[0]})")
            if condition.minus is not None and condition.tag is not None:
                left = fnmatch.filter(known, condition.tag)
                right = fnmatch.filter(known, condition.minus)
                if len(left) != len(right):
                    raise InputError(f"rule {rule.id!r}: tag and minus match different numbers of tags",
                                     field=f"rule {rule.id}: minus", value=(len(left), len(right)),
                                     fix="make the two patterns pair one to one")


def search_rules(rule_base: RuleBase, text: str | None = None) -> list[Rule]:
    """Rules whose id, titles, explanations, conclusion, tags, alerts or source contain ``text``.

    Case-insensitive; every rule when ``text`` is empty.
    """
    if not text:
        return list(rule_base.rules)
    needle = text.casefold()
    found = []
    for rule in rule_base.rules:
        haystack = [rule.id, rule.conclusion, rule.title_en, rule.title_zh, rule.explanation_en,
                    rule.explanation_zh, rule.source, *rule.applies_to,
                    *(a.en for a in rule.actions), *(a.zh for a in rule.actions),
                    *(c.tag or c.fact or c.alert or "" for c in rule.when)]
        if any(needle in item.casefold() for item in haystack):
            found.append(rule)
    return found
