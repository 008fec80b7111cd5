"""The health check (高炉体检): score each indicator against its band, weight, grade, trend.

Scoring (greenmet's own scheme, following the reference note §2.3 proposal "score each indicator
0–100 against a plant band, combine by expert weights per group, publish the weights as
configuration"): an indicator scores 100 inside ``[good_low, good_high]`` and falls linearly to
0 at ``tolerance`` beyond the band; a group scores the weighted mean of its evaluated indicators;
the overall score is the weighted mean of the evaluated groups; the grade comes from the
thresholds of the weights file. Indicators that cannot be evaluated are listed with the reason
and left out of the means, and ``evaluated_weight_share`` says how much of the weight is behind
the score.

The weights file (``health_weights.toml`` beside this package, or a plant's own copy) is parsed
by :func:`health_weights`; this module never opens a file itself: give it the TOML text or a
mapping.
"""

from __future__ import annotations

import copy
import itertools
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from greenmet.errors import FileFormatError, InputError, UnknownKeyError
from greenmet.i18n import label
from greenmet.monitoring.health.indicators import GROUPS, INDICATORS, Evaluation, Indicator, PeriodData

__all__ = [
    "HealthCheck",
    "HealthWeights",
    "IndicatorWeight",
    "default_health_weights",
    "grade_of",
    "health_check",
    "health_weights",
    "indicator_score",
    "trend_segments",
]

_LABELS = "greenmet.monitoring.health"
_BAND_FIELDS = ("weight", "good_low", "good_high", "tolerance", "source", "needs_verification")
_STEADY_SHARE_OF_TOLERANCE = 0.25  # greenmet: a change under a quarter of the tolerance is "steady"


@dataclass(frozen=True)
class IndicatorWeight:
    """Weight within the group and benchmark band of one indicator (from the weights file)."""

    weight: float
    good_low: float
    good_high: float
    tolerance: float
    source: str
    needs_verification: bool


@dataclass(frozen=True)
class HealthWeights:
    """A validated weights file: settings, grade thresholds, group weights, indicator bands."""

    settings: Mapping[str, Any]
    grades: Mapping[str, float]
    groups: Mapping[str, float]
    indicators: Mapping[str, IndicatorWeight]


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(
            "must be a number", field=field, value=value, fix="write a number (inf or -inf allowed)"
        )
    return float(value)


def _default_document() -> dict[str, Any]:
    text = resources.files("greenmet.monitoring").joinpath("health_weights.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def health_weights(
    document: str | Mapping[str, Any] | None = None, *, file_name: str = "weights"
) -> HealthWeights:
    """Validate a weights document (TOML text or parsed mapping) laid over greenmet's defaults.

    Sections and keys left out keep the defaults of ``health_weights.toml``; an indicator that
    is given replaces only the fields it names.

    Raises
    ------
    FileFormatError
        TOML that does not parse.
    UnknownKeyError
        An unknown section, group, indicator or field (with the known names).
    InputError
        A negative weight or tolerance, ``good_low > good_high``, grade thresholds out of order,
        all weights zero.
    """
    merged = _default_document()
    if document is not None:
        if isinstance(document, str):
            try:
                given: Mapping[str, Any] = tomllib.loads(document)
            except tomllib.TOMLDecodeError as exc:
                raise FileFormatError(
                    f"the weights file is not valid TOML: {exc}",
                    field=file_name,
                    fix="fix the TOML syntax (see health_weights.toml)",
                ) from exc
        else:
            given = document
        merged = _overlay(merged, given)
    return _validate(merged)


def default_health_weights() -> HealthWeights:
    """greenmet's default weights, bands and grades (``health_weights.toml``)."""
    return health_weights(None)


def _overlay(base: dict[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for section, content in given.items():
        if section not in merged:
            raise UnknownKeyError(
                "unknown section in the weights file",
                field="section",
                value=section,
                fix=f"use {sorted(merged)}",
            )
        if not isinstance(content, Mapping):
            raise InputError(
                "a section must be a table",
                field=section,
                value=content,
                fix=f"write [{section}] followed by its keys",
            )
        if section == "indicators":
            for name, fields in content.items():
                if name not in merged["indicators"]:
                    raise UnknownKeyError(
                        "unknown indicator",
                        field="indicators",
                        value=name,
                        fix=f"use one of {sorted(merged['indicators'])}",
                    )
                if not isinstance(fields, Mapping):
                    raise InputError(
                        "an indicator must be a table",
                        field=f"indicators.{name}",
                        value=fields,
                        fix=f"write [indicators.{name}] followed by weight, good_low …",
                    )
                merged["indicators"][name].update(fields)
        else:
            merged[section].update(content)
    return merged


def _validate(document: Mapping[str, Any]) -> HealthWeights:
    settings = dict(document.get("settings", {}))
    coverage = _number(settings.get("min_coverage", 0.5), "settings.min_coverage")
    if not 0.0 <= coverage <= 1.0:
        raise InputError(
            "min_coverage must lie in 0..1",
            field="settings.min_coverage",
            value=coverage,
            fix="give a share such as 0.5",
        )
    grades = {key: _number(value, f"grades.{key}") for key, value in document.get("grades", {}).items()}
    if set(grades) != {"A", "B", "C"}:
        raise UnknownKeyError(
            "the grades are A, B and C (below C: D)",
            field="grades",
            value=sorted(grades),
            fix="give A, B and C thresholds",
        )
    if not grades["A"] > grades["B"] > grades["C"]:
        raise InputError(
            "grade thresholds must fall from A to C",
            field="grades",
            value=grades,
            fix="e.g. A = 90, B = 75, C = 60",
        )
    groups = {}
    for name, weight in document.get("groups", {}).items():
        if name not in GROUPS:
            raise UnknownKeyError(
                "unknown group", field="groups", value=name, fix=f"use one of {list(GROUPS)}"
            )
        groups[name] = _number(weight, f"groups.{name}")
        if groups[name] < 0:
            raise InputError(
                "a weight cannot be negative", field=f"groups.{name}", value=weight, fix="give 0 or more"
            )
    if sum(groups.values()) <= 0:
        raise InputError(
            "all group weights are zero", field="groups", value=groups, fix="give some group a weight"
        )
    indicators = {}
    known = {indicator.name for indicator in INDICATORS}
    for name, fields in document.get("indicators", {}).items():
        if name not in known:
            raise UnknownKeyError(
                "unknown indicator", field="indicators", value=name, fix=f"use one of {sorted(known)}"
            )
        unknown = sorted(set(fields) - set(_BAND_FIELDS))
        if unknown:
            raise UnknownKeyError(
                "unknown field of an indicator",
                field=f"indicators.{name}",
                value=unknown,
                fix=f"use {list(_BAND_FIELDS)}",
            )
        missing = [key for key in _BAND_FIELDS if key not in fields]
        if missing:
            raise InputError(
                "an indicator lacks fields",
                field=f"indicators.{name}",
                value=missing,
                fix=f"give {list(_BAND_FIELDS)}",
            )
        entry = IndicatorWeight(
            weight=_number(fields["weight"], f"indicators.{name}.weight"),
            good_low=_number(fields["good_low"], f"indicators.{name}.good_low"),
            good_high=_number(fields["good_high"], f"indicators.{name}.good_high"),
            tolerance=_number(fields["tolerance"], f"indicators.{name}.tolerance"),
            source=str(fields["source"]),
            needs_verification=bool(fields["needs_verification"]),
        )
        if entry.weight < 0 or not entry.tolerance > 0 or math.isinf(entry.tolerance):
            raise InputError(
                "weight must be 0 or more and tolerance a positive finite number",
                field=f"indicators.{name}",
                value={"weight": entry.weight, "tolerance": entry.tolerance},
                fix="e.g. weight = 1.0, tolerance = 2.0",
            )
        if entry.good_low > entry.good_high:
            raise InputError(
                "good_low is above good_high",
                field=f"indicators.{name}",
                value={"good_low": entry.good_low, "good_high": entry.good_high},
                fix="swap them, or use -inf / inf for a one-sided band",
            )
        indicators[name] = entry
    return HealthWeights(settings, grades, groups, indicators)


def indicator_score(
    value: float | np.ndarray, good_low: float, good_high: float, tolerance: float
) -> float | np.ndarray:
    """Score 0–100: 100 inside the band, linearly 0 at ``tolerance`` beyond it; NaN stays NaN.

    Parameters
    ----------
    value
        Indicator value [unit of the indicator].
    good_low, good_high
        Limits of the fully scored band [unit of the indicator].
    tolerance
        Distance beyond the band where the score reaches 0 [unit of the indicator].
    """
    array = np.asarray(value, dtype=float)
    distance = np.maximum(good_low - array, 0.0) + np.maximum(array - good_high, 0.0)
    score = 100.0 * np.clip(1.0 - distance / tolerance, 0.0, 1.0)
    score = np.where(np.isnan(array), np.nan, score)
    return float(score) if np.ndim(score) == 0 else score


def grade_of(score: float, grades: Mapping[str, float]) -> str:
    """``A``/``B``/``C`` at or above their thresholds, else ``D``; NaN gives ``-`` (nothing evaluated)."""
    if math.isnan(score):
        return "-"
    for grade in ("A", "B", "C"):
        if score >= grades[grade]:
            return grade
    return "D"


def trend_segments(start: pd.Timestamp, end: pd.Timestamp) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Segments for trends: hours for a period of up to a day, days for a longer one."""
    step = pd.Timedelta(hours=1) if end - start <= pd.Timedelta(days=1) else pd.Timedelta(days=1)
    edges = list(pd.date_range(start, end, freq=step))
    if edges[-1] < end:
        edges.append(end)
    return list(itertools.pairwise(edges))


@dataclass(frozen=True)
class HealthCheck:
    """Result of :func:`health_check`; ``indicators`` and ``groups`` are tables (see the nomenclature)."""

    period_start: pd.Timestamp
    period_end: pd.Timestamp
    overall_score: float
    grade: str
    evaluated_weight_share: float
    complete: bool
    provisional: bool
    indicators: pd.DataFrame
    groups: pd.DataFrame

    @property
    def not_evaluated(self) -> pd.DataFrame:
        """The indicators that could not be evaluated, with the reason in both languages."""
        table = self.indicators
        return table.loc[table["status"] == "not_evaluated", ["indicator", "group", "reason_en", "reason_zh"]]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (NaN as None)."""

        def clean(frame: pd.DataFrame) -> list[dict[str, Any]]:
            # NaN → null; an open band limit (±inf) → "inf"/"-inf", which strict JSON can carry
            rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
            return [
                {
                    str(k): (("inf" if v > 0 else "-inf") if isinstance(v, float) and math.isinf(v) else v)
                    for k, v in row.items()
                }
                for row in rows
            ]

        return {
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "overall_score": None if math.isnan(self.overall_score) else round(self.overall_score, 2),
            "grade": self.grade,
            "evaluated_weight_share": round(self.evaluated_weight_share, 4),
            "complete": self.complete,
            "provisional": self.provisional,
            "groups": clean(self.groups),
            "indicators": clean(self.indicators),
        }


def _reason_text(evaluation: Evaluation, language: str) -> str:
    if evaluation.reason is None:
        return ""
    return label(evaluation.reason, language, _LABELS).format(**evaluation.reason_values)


def _trend(
    indicator: Indicator,
    data: PeriodData,
    segments: Sequence[PeriodData],
    settings: Mapping[str, Any],
    band: IndicatorWeight,
) -> tuple[float, str, float]:
    if len(segments) < 3:
        return math.nan, "", math.nan
    middles, values = [], []
    for segment in segments:
        evaluation = indicator.compute(segment, settings)
        if not math.isnan(evaluation.value):
            middles.append(
                ((segment.start - data.start) + (segment.end - segment.start) / 2) / pd.Timedelta(days=1)
            )
            values.append(evaluation.value)
    if len(values) < 3:
        return math.nan, "", math.nan
    x, y = np.asarray(middles), np.asarray(values)
    slope = float(np.polyfit(x, y, 1)[0])
    scores = np.asarray(indicator_score(y, band.good_low, band.good_high, band.tolerance), dtype=float)
    score_slope = float(np.polyfit(x, scores, 1)[0])
    change = abs(slope) * data.duration_days
    direction = (
        "steady"
        if change < _STEADY_SHARE_OF_TOLERANCE * band.tolerance
        else ("rising" if slope > 0 else "falling")
    )
    return slope, direction, score_slope


def health_check(
    data: PeriodData,
    weights: HealthWeights | None = None,
    *,
    indicators: Sequence[Indicator] = INDICATORS,
    trends: bool = True,
) -> HealthCheck:
    """Score the furnace over ``data``'s period.

    Parameters
    ----------
    data
        The period's 1-minute means, hourly family means and casts (:class:`PeriodData`).
    weights
        From :func:`health_weights`; greenmet's defaults when None.
    indicators
        The indicators to evaluate (all by default).
    trends
        Compute each indicator's trend over the period's segments (hours up to a day, days beyond).

    Returns
    -------
    HealthCheck
        Overall score and grade, the group table and the indicator table (value, unit, score,
        weight, band, trend, formula, source, ``needs_verification``, status and reason). An
        indicator without its inputs is ``not_evaluated`` with the reason in English and Chinese;
        with nothing evaluated the score is NaN and the grade ``-``.
    """
    weights = weights if weights is not None else default_health_weights()
    settings = weights.settings
    rows = []
    segments = (
        [data.slice(start, end) for start, end in trend_segments(data.start, data.end)] if trends else []
    )
    for indicator in indicators:
        band = weights.indicators[indicator.name]
        evaluation = indicator.compute(data, settings)
        evaluated = evaluation.reason is None and not math.isnan(evaluation.value)
        score = (
            float(indicator_score(evaluation.value, band.good_low, band.good_high, band.tolerance))
            if evaluated
            else math.nan
        )
        slope, direction, score_slope = (
            _trend(indicator, data, segments, settings, band)
            if evaluated and trends
            else (math.nan, "", math.nan)
        )
        note_en = note_zh = ""
        if evaluation.note is not None:
            note_en = label(evaluation.note, "en", _LABELS).format(**evaluation.note_values)
            note_zh = label(evaluation.note, "zh", _LABELS).format(**evaluation.note_values)
        rows.append(
            {
                "indicator": indicator.name,
                "group": indicator.group,
                "value": evaluation.value if evaluated else math.nan,
                "unit": indicator.unit,
                "score": score,
                "weight": band.weight,
                "good_low": band.good_low,
                "good_high": band.good_high,
                "tolerance": band.tolerance,
                "trend_per_day": slope,
                "trend": direction,
                "score_trend_per_day": score_slope,
                "coverage": evaluation.coverage,
                "status": "evaluated" if evaluated else "not_evaluated",
                "reason_en": _reason_text(evaluation, "en") or note_en,
                "reason_zh": _reason_text(evaluation, "zh") or note_zh,
                "formula": indicator.formula,
                "formula_source": indicator.formula_source,
                "source": band.source,
                "needs_verification": band.needs_verification,
            }
        )
    table = pd.DataFrame(rows)
    group_rows = []
    for group in GROUPS:
        members = table[table["group"] == group]
        total = float(members["weight"].sum())
        done = members[members["status"] == "evaluated"]
        weight_done = float(done["weight"].sum())
        score = float((done["score"] * done["weight"]).sum() / weight_done) if weight_done > 0 else math.nan
        group_rows.append(
            {
                "group": group,
                "score": score,
                "weight": float(weights.groups.get(group, 0.0)),
                "evaluated": len(done),
                "indicators": len(members),
                "evaluated_weight_share": weight_done / total if total > 0 else 0.0,
            }
        )
    groups = pd.DataFrame(group_rows)
    scored = groups[groups["score"].notna() & (groups["weight"] > 0)]
    total_weight = float(groups["weight"].sum())
    overall = (
        float((scored["score"] * scored["weight"]).sum() / scored["weight"].sum())
        if not scored.empty
        else math.nan
    )
    share = (
        float((groups["weight"] * groups["evaluated_weight_share"]).sum() / total_weight)
        if total_weight
        else 0.0
    )
    done_rows = (table["status"] == "evaluated").to_numpy()
    return HealthCheck(
        period_start=data.start,
        period_end=data.end,
        overall_score=overall,
        grade=grade_of(overall, weights.grades),
        evaluated_weight_share=share,
        complete=bool(done_rows.all()),
        provisional=bool(np.any(table["needs_verification"].to_numpy(dtype=bool) & done_rows)),
        indicators=table,
        groups=groups,
    )
