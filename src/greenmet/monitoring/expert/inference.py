"""Diagnosis by forward chaining over a rule base, with its chain of reasoning.

:func:`diagnose` takes a window of 1-minute values (a wide frame: UTC index, one column per tag,
as the historian's minute buckets give it), the fault kinds of the active alerts, and a
:class:`~greenmet.monitoring.expert.rulebase.RuleBase`. The last ``recent_minutes`` of the window
are the present; the minutes before are the baseline it is compared with. Rules are evaluated
again and again until no new fact is concluded (facts only accumulate, so this ends); each rule
fires at most once. Logic is three-valued: a condition whose tag the furnace lacks, or whose
data are missing, is *unknown*; a rule that cannot be decided either way is reported as not
evaluated with what it lacked, never silently taken as false (issue 14, bad input).

The features (``latest``, ``change``, ``zscore``, ``volatility``, ``slope_per_hour``) are
defined in :mod:`~greenmet.monitoring.expert.rulebase`; the z-score uses the sample standard
deviation of the baseline minutes (ddof = 1).
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from greenmet.errors import InputError
from greenmet.monitoring.expert.rulebase import Action, Condition, Rule, RuleBase

__all__ = ["ConditionResult", "Diagnosis", "RuleEvaluation", "diagnose", "tag_feature"]

Status = Literal["fired", "not_fired", "not_evaluated"]


@dataclass(frozen=True)
class ConditionResult:
    """How one condition came out: its value (NaN if unknown), whether it held (None: unknown),
    the tags it read and, if unknown, why."""

    description: str
    value: float
    satisfied: bool | None
    weight: float
    tags: tuple[str, ...] = ()
    reason: str = ""


@dataclass(frozen=True)
class RuleEvaluation:
    """One rule's outcome: ``fired``, ``not_fired`` or ``not_evaluated`` (unknown conditions
    could have changed the outcome), with the score (``score`` mode: summed weights) and the
    result of each condition."""

    rule: Rule
    status: Status
    score: float
    conditions: tuple[ConditionResult, ...]
    order: int = 0

    @property
    def missing(self) -> tuple[str, ...]:
        """Why the unknown conditions were unknown."""
        return tuple(f"{c.description}: {c.reason}" for c in self.conditions if c.satisfied is None)


@dataclass(frozen=True)
class Diagnosis:
    """The answer of a consultation.

    ``chain`` holds the fired rules in the order they fired (findings first, as they feed the
    diagnoses); ``diagnoses`` the fired rules of kind ``diagnosis``; ``actions`` the recommended
    actions of those diagnoses (rule id, action); ``not_evaluated`` the rules that could not be
    decided; ``alert_rules`` the evaluations of the rules that explain the alert asked about;
    ``provisional`` is True when a fired rule carries ``needs_verification``.
    """

    at: pd.Timestamp | None
    evaluations: tuple[RuleEvaluation, ...]
    alert: str | None = None
    facts: frozenset[str] = field(default_factory=frozenset)

    @property
    def chain(self) -> tuple[RuleEvaluation, ...]:
        return tuple(sorted((e for e in self.evaluations if e.status == "fired"), key=lambda e: e.order))

    @property
    def diagnoses(self) -> tuple[RuleEvaluation, ...]:
        return tuple(e for e in self.chain if e.rule.kind == "diagnosis")

    @property
    def not_evaluated(self) -> tuple[RuleEvaluation, ...]:
        return tuple(e for e in self.evaluations if e.status == "not_evaluated")

    @property
    def alert_rules(self) -> tuple[RuleEvaluation, ...]:
        if self.alert is None:
            return ()
        return tuple(e for e in self.evaluations if self.alert in e.rule.applies_to)

    @property
    def actions(self) -> tuple[tuple[str, Action], ...]:
        seen: set[tuple[str, str]] = set()
        found: list[tuple[str, Action]] = []
        for evaluation in self.diagnoses:
            for action in evaluation.rule.actions:
                if (action.en, action.zh) not in seen:
                    seen.add((action.en, action.zh))
                    found.append((evaluation.rule.id, action))
        return tuple(found)

    @property
    def provisional(self) -> bool:
        return any(e.rule.needs_verification for e in self.chain)


def tag_feature(series: pd.Series, feature: str, recent_minutes: int) -> float:
    """One feature of a minute series (the last ``recent_minutes`` rows are the present).

    Parameters
    ----------
    series
        1-minute values of one tag, oldest first. [unit of the tag]
    feature
        ``latest``, ``last``, ``change``, ``zscore``, ``volatility`` or ``slope_per_hour``.
    recent_minutes
        Rows that make the present. [min]

    Returns
    -------
    The feature, NaN when the data do not allow it (fewer than 3 baseline minutes, no recent
    value, a flat baseline for ``zscore``/``volatility``). [unit of the tag]
    """
    values = series.to_numpy(dtype=float)
    if feature == "last":
        known = values[~np.isnan(values)]
        return float(known[-1]) if len(known) else math.nan
    recent, baseline = values[-recent_minutes:], values[:-recent_minutes]
    recent, baseline = recent[~np.isnan(recent)], baseline[~np.isnan(baseline)]
    if feature == "slope_per_hour":
        good = ~np.isnan(values)
        if good.sum() < 3:
            return math.nan
        hours = np.arange(len(values), dtype=float)[good] / 60.0
        return float(np.polyfit(hours, values[good], 1)[0])
    if not len(recent):
        return math.nan
    latest = float(recent.mean())
    if feature == "latest":
        return latest
    if len(baseline) < 3:
        return math.nan
    if feature == "change":
        return latest - float(baseline.mean())
    spread = float(baseline.std(ddof=1))
    if feature == "zscore":
        return (latest - float(baseline.mean())) / spread if spread > 0 else math.nan
    if feature == "volatility":
        return float(recent.std(ddof=1)) / spread if spread > 0 and len(recent) >= 2 else math.nan
    raise InputError("unknown feature", field="feature", value=feature,
                     fix="use latest, last, change, zscore, volatility or slope_per_hour")


def _compare(value: float, op: str, threshold: float) -> bool:
    return {"<": value < threshold, "<=": value <= threshold, ">": value > threshold,
            ">=": value >= threshold}[op]


_AGGREGATE: dict[str, Callable[[np.ndarray], float]] = {
    "mean": lambda v: float(np.mean(v)), "max": lambda v: float(np.max(v)), "min": lambda v: float(np.min(v)),
    "spread": lambda v: float(np.max(v) - np.min(v)),
}


def _tag_condition(condition: Condition, window: pd.DataFrame, recent_minutes: int) -> ConditionResult:
    pattern, feature = str(condition.tag), str(condition.feature)
    columns = sorted(str(c) for c in window.columns)
    tags = fnmatch.filter(columns, pattern)
    description = condition.describe()
    if not tags:
        return ConditionResult(description, math.nan, None, condition.weight,
                               reason=f"no tag {condition.tag} in this furnace's data")
    series = [window[tag] for tag in tags]
    if condition.minus is not None:
        others = fnmatch.filter(columns, condition.minus)
        if len(others) != len(tags):
            return ConditionResult(description, math.nan, None, condition.weight, tuple(tags),
                                   reason=f"{condition.minus} does not pair with {pattern} in this furnace")
        series = [window[a] - window[b] for a, b in zip(tags, others, strict=True)]
        tags = [*tags, *others]
    values = np.array([tag_feature(s, feature, recent_minutes) for s in series])
    values = values[~np.isnan(values)]
    if not len(values):
        return ConditionResult(description, math.nan, None, condition.weight, tuple(tags),
                               reason="no usable data in the window (gap, flagged points or flat baseline)")
    value = float(_AGGREGATE[condition.aggregate](values))
    held = _compare(value, str(condition.op), float(condition.value or 0.0))
    return ConditionResult(description, value, held, condition.weight, tuple(tags))


def _decide(rule: Rule, results: list[ConditionResult]) -> tuple[bool | None, float]:
    """Three-valued outcome of a rule and its score (weights of the conditions that held)."""
    known = [r.satisfied for r in results]
    score = float(sum(r.weight for r in results if r.satisfied))
    if rule.mode == "all":
        return (False if False in known else None if None in known else True), score
    if rule.mode == "any":
        return (True if True in known else None if None in known else False), score
    unknown = sum(r.weight for r in results if r.satisfied is None)
    needed = float(rule.min_score or 0.0)
    if score >= needed:
        return True, score
    return (None if score + unknown >= needed else False), score


def diagnose(rule_base: RuleBase, window: pd.DataFrame, *, active_alerts: Iterable[str] = (),
             alert: str | None = None) -> Diagnosis:
    """Evaluate a rule base on a window of minute values and the active alerts.

    Parameters
    ----------
    rule_base
        The rules.
    window
        1-minute values, UTC ``DatetimeIndex`` oldest first, one column per tag (NaN for a gap
        or a bad point); at least ``recent_minutes + 3`` rows for baseline features.
    active_alerts
        Fault kinds of the alerts open at the end of the window.
    alert
        A fault kind to explain: its rules are listed in :attr:`Diagnosis.alert_rules` and the
        alert counts as active.

    Returns
    -------
    A :class:`Diagnosis`.

    Raises
    ------
    InputError
        If the window has no rows or no time index.
    """
    if window.empty or not isinstance(window.index, pd.DatetimeIndex):
        raise InputError("the consultation needs a window of minute values", field="window",
                         value=f"{len(window)} rows", fix="give at least a few hours of 1-minute values")
    alerts = set(active_alerts) | ({alert} if alert else set())
    facts: set[str] = set()
    tag_results: dict[int, ConditionResult] = {}
    evaluations: dict[str, RuleEvaluation] = {}
    concluders: dict[str, list[str]] = {}
    for rule in rule_base.rules:
        concluders.setdefault(rule.conclusion, []).append(rule.id)
    order = 0
    changed = True
    passes = 0
    while changed and passes <= len(rule_base.rules):  # facts only accumulate: a few passes settle it
        changed = False
        passes += 1
        for rule in rule_base.rules:
            if rule.id in evaluations and evaluations[rule.id].status == "fired":
                continue
            results = []
            for condition in rule.when:
                if condition.tag is not None:
                    key = id(condition)
                    if key not in tag_results:
                        tag_results[key] = _tag_condition(condition, window, rule_base.recent_minutes)
                    results.append(tag_results[key])
                elif condition.alert is not None:
                    active = condition.alert in alerts
                    results.append(ConditionResult(condition.describe(), float(active), active,
                                                   condition.weight))
                else:
                    fact = str(condition.fact)
                    held = fact in facts
                    undecided = not held and any(
                        evaluations.get(r) is None or evaluations[r].status == "not_evaluated"
                        for r in concluders[fact])
                    reason = ""
                    if undecided:
                        lacking = [f"{r} ({'; '.join(evaluations[r].missing)})" if r in evaluations else r
                                   for r in concluders[fact]]
                        reason = f"undecided: {', '.join(lacking)}"
                    results.append(ConditionResult(condition.describe(), float(held),
                                                   None if undecided else held, condition.weight,
                                                   reason=reason))
            outcome, score = _decide(rule, results)
            status: Status = "fired" if outcome else "not_fired" if outcome is False else "not_evaluated"
            previous = evaluations.get(rule.id)
            if status == "fired":
                order += 1
                facts.add(rule.conclusion)
                changed = True
            elif previous is not None and previous.status != status:
                changed = True
            evaluations[rule.id] = RuleEvaluation(rule, status, score, tuple(results), order)
    at = window.index[-1]
    return Diagnosis(at=pd.Timestamp(at), evaluations=tuple(evaluations[r.id] for r in rule_base.rules),
                     alert=alert, facts=frozenset(facts))
