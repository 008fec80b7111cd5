"""Green-factory score after the structure of GB/T 36132-2025 《绿色工厂评价通则》.

Each quantitative indicator i scores

    score_i = weight_i × clip((x_i − baseline_i) / (leading_i − baseline_i), 0, 1)

(0 at or beyond the baseline 基准值, full marks at or beyond the leading value 引领值, linear in
between; the same formula serves "lower is better" indicators, whose leading value is below the
baseline). The quantitative score is Σ score_i / Σ weight_i × 100 over the indicators that could be
evaluated; those without a value are listed (a reduced result, never a zero). With a qualitative
score (0–100, the management, infrastructure and product parts the standard assesses by audit)
the overall score is share × quantitative + (1 − share) × qualitative, share = 0.60 (GB/T
36132-2025, quantitative indicators 60 %; secondary source). The hard gates (pollutant discharge
permit, no major accident in three years, management systems) must all hold, else the grade is
``not_eligible``. Weights, baselines, leading values and grade bands come from a configurable
TOML (``green_factory_weights.toml`` beside this module; each entry names its source or says it is
set by greenmet).

Product energy follows GB/T 36132-2025 as the data file of its indicators gives it (secondary):
baseline = the mandatory limit's level 2, leading = level 1, the processes weighted by their
energy use (tce); a process whose standard sets no level 2 uses level 3 as the baseline.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from greenmet.errors import InputError
from greenmet.evaluation.enterprise import GreenFactoryInputs
from greenmet.evaluation.labels import label_thresholds

__all__ = [
    "GREEN_FACTORY_COLUMNS",
    "GreenFactoryScore",
    "default_weights",
    "green_factory_score",
    "linear_score",
]

GREEN_FACTORY_COLUMNS: tuple[str, ...] = (
    "indicator",
    "group",
    "value",
    "unit",
    "baseline",
    "leading",
    "weight",
    "score",
    "fraction",
    "source",
)


@cache
def _default_text() -> str:
    return resources.files("greenmet.evaluation").joinpath("green_factory_weights.toml").read_text("utf-8")


def default_weights() -> dict[str, Any]:
    """The shipped weights, baselines, leading values and grade bands (a fresh copy)."""
    return tomllib.loads(_default_text())


def linear_score(value: Any, baseline: Any, leading: Any) -> np.ndarray:
    """clip((x − baseline) / (leading − baseline), 0, 1), elementwise.

    Parameters
    ----------
    value, baseline, leading
        Indicator value and its baseline and leading values (the same unit). [unit of the indicator]

    Returns
    -------
    numpy.ndarray
        Fraction of full marks, 0..1. [dimensionless]
    """
    x, b, lead = (np.asarray(v, dtype=float) for v in (value, baseline, leading))
    if np.any(b == lead):
        raise InputError(
            "baseline equals leading value",
            field="weights",
            value=float(np.ravel(b)[0]),
            fix="give a leading value different from the baseline",
        )
    return np.clip((x - b) / (lead - b), 0.0, 1.0)


@dataclass
class GreenFactoryScore:
    """The score, its parts and the grade.

    Attributes
    ----------
    indicators
        One row per indicator evaluated (:data:`GREEN_FACTORY_COLUMNS`).
    quantitative_score
        Σ score / Σ weight × 100 of the evaluated indicators. [dimensionless]
    overall_score
        With a qualitative score, the weighted overall score; else None. [dimensionless]
    grade
        Grade from the bands, ``not_eligible`` if a hard gate fails, ``not_graded`` without the
        qualitative part.
    missing
        Indicators without a value.
    failed_gates
        Hard gates that do not hold.
    """

    indicators: pd.DataFrame
    quantitative_score: float
    overall_score: float | None
    grade: str
    missing: list[str] = field(default_factory=list)
    failed_gates: list[str] = field(default_factory=list)


def _validate(weights: dict[str, Any]) -> None:
    indicators = weights.get("indicators")
    if not isinstance(indicators, dict) or not indicators:
        raise InputError(
            "weights file has no [indicators.*] tables",
            field="indicators",
            value=None,
            fix="start from the shipped green_factory_weights.toml",
        )
    for name, spec in indicators.items():
        for key in ("weight", "baseline", "leading", "source"):
            if key not in spec:
                raise InputError(
                    f"indicator {name!r} lacks {key!r}",
                    field=f"indicators.{name}.{key}",
                    value=None,
                    fix="give weight, baseline, leading and source for every indicator",
                )
        if not isinstance(spec["weight"], (int, float)) or spec["weight"] < 0:
            raise InputError(
                "weight is not a number >= 0",
                field=f"indicators.{name}.weight",
                value=spec["weight"],
                fix="give a weight of zero or more",
            )


def _indicator_value(
    name: str, spec: dict[str, Any], indicators: pd.DataFrame, inputs: GreenFactoryInputs | None
) -> tuple[float, float, float, str] | None:
    """(value, baseline, leading, unit) of one indicator, or None when it has no value."""
    figures = inputs.figures if inputs is not None else {}
    if name == "product_energy":
        energy = indicators[indicators["area"] == "energy"]
        if energy.empty:
            return None
        baseline = energy["level_2"].fillna(energy["level_3"]).to_numpy(dtype=float)
        fractions = linear_score(energy["value"], baseline, energy["level_1"])
        weights = np.abs(energy["value"].to_numpy(dtype=float) * energy["production_t"].to_numpy(dtype=float))
        weights = weights if weights.sum() > 0 else np.ones(len(energy))
        return float(np.average(fractions, weights=weights)), 0.0, 1.0, "fraction"
    if name == "carbon_intensity":
        label = indicators[
            (indicators["area"] == "carbon_label") & (indicators["standard"] == "ResponsibleSteel")
        ]
        if label.empty:
            return None
        share = float(label["scrap_share"].to_numpy(dtype=float)[0])
        lines = label_thresholds("ResponsibleSteel", str(label["edition"].iloc[0]), share)
        bars = dict(zip(lines.index, lines.to_numpy(dtype=float)[:, 0], strict=True))
        return float(label["value"].to_numpy(dtype=float)[0]), bars["PL1"], bars["PL2"], "t/t"
    values: np.ndarray
    if name == "compliant_hour_share":
        values = indicators.loc[indicators["area"] == "emissions", "value"].to_numpy(dtype=float)
        values = np.sort(values[np.isfinite(values)])  # the lowest share first
    elif name == "clean_transport_share":
        values = indicators.loc[indicators["indicator"] == name, "value"].to_numpy(dtype=float)
    elif name in figures:
        values = np.array([float(figures[name])])
    else:
        chosen = (indicators["area"] == "resources") & (indicators["indicator"] == name)
        values = indicators.loc[chosen, "value"].to_numpy(dtype=float)
    value = float(values[0]) if len(values) else None
    if value is None:
        return None
    return value, float(spec["baseline"]), float(spec["leading"]), str(spec.get("unit", ""))


def green_factory_score(
    indicators: pd.DataFrame, inputs: GreenFactoryInputs | None, weights: dict[str, Any] | None = None
) -> GreenFactoryScore:
    """Score an enterprise's evaluated indicators as a green factory (module docstring).

    Parameters
    ----------
    indicators
        The indicator table of :func:`greenmet.evaluation.evaluate` (with ``production_t`` and
        ``scrap_share`` columns).
    inputs
        Hard gates and extra figures (``renewable_share``, ``qualitative_score``), or None.
    weights
        Weights file as a dict (default: the shipped file).

    Returns
    -------
    GreenFactoryScore
        Indicators, scores, grade, and what was missing.
    """
    weights = default_weights() if weights is None else weights
    _validate(weights)
    rows, missing = [], []
    for name, spec in weights["indicators"].items():
        found = _indicator_value(name, spec, indicators, inputs)
        if found is None:
            missing.append(name)
            continue
        value, baseline, leading, unit = found
        fraction = float(linear_score(value, baseline, leading))
        rows.append(
            (
                name,
                spec.get("group", ""),
                value,
                unit,
                baseline,
                leading,
                float(spec["weight"]),
                fraction * float(spec["weight"]),
                fraction,
                spec["source"],
            )
        )
    table = pd.DataFrame(rows, columns=list(GREEN_FACTORY_COLUMNS))
    total_weight = table["weight"].sum()
    quantitative = float(table["score"].sum() / total_weight * 100.0) if total_weight > 0 else float("nan")
    failed = []
    if inputs is not None:
        failed = [
            gate
            for gate in ("discharge_permit", "no_major_accident_3_years", "management_systems")
            if not getattr(inputs, gate)
        ]
    qualitative = inputs.figures.get("qualitative_score") if inputs is not None else None
    share = float(weights.get("quantitative_share", 0.6))
    overall = None
    if qualitative is not None:
        if not 0.0 <= float(qualitative) <= 100.0:
            raise InputError(
                "qualitative score outside 0-100",
                field="green_factory.figures.qualitative_score",
                value=qualitative,
                fix="give the audit score of the qualitative part, 0 to 100",
            )
        overall = share * quantitative + (1.0 - share) * float(qualitative)
    if failed:
        grade = "not_eligible"
    elif overall is None or inputs is None:
        grade = "not_graded"
    else:
        grade = next(name for bound, name in weights["grades"]["bands"] if overall >= bound)
    return GreenFactoryScore(table, quantitative, overall, grade, missing, failed)
