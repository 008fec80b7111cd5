"""Health check (高炉体检) and the content of the furnace-chief / shift report (炉长报告).

Pure functions over a period's data (:class:`PeriodData`: 1-minute means, hourly family means,
casts): :func:`health_check` scores the indicators of :data:`INDICATORS` against the bands and
weights of ``health_weights.toml`` (:func:`health_weights` reads a plant's own copy);
:mod:`~greenmet.monitoring.health.periods` turns shifts and plant days in the plant's time zone
into UTC periods; :mod:`~greenmet.monitoring.health.report` builds the report tables. Reading
the historian and the records store is :mod:`greenmet.storage.furnace_period`'s job.
"""

from greenmet.monitoring.health.check import (
    HealthCheck,
    HealthWeights,
    IndicatorWeight,
    default_health_weights,
    grade_of,
    health_check,
    health_weights,
    indicator_score,
    trend_segments,
)
from greenmet.monitoring.health.indicators import GROUPS, INDICATORS, Evaluation, Indicator, PeriodData
from greenmet.monitoring.health.periods import (
    DEFAULT_SHIFT_STARTS,
    Period,
    custom_period,
    day_period,
    parse_shift_starts,
    period_of,
    periods_between,
    shift_period,
)

__all__ = [
    "DEFAULT_SHIFT_STARTS",
    "GROUPS",
    "INDICATORS",
    "Evaluation",
    "HealthCheck",
    "HealthWeights",
    "Indicator",
    "IndicatorWeight",
    "Period",
    "PeriodData",
    "custom_period",
    "day_period",
    "default_health_weights",
    "grade_of",
    "health_check",
    "health_weights",
    "indicator_score",
    "parse_shift_starts",
    "period_of",
    "periods_between",
    "shift_period",
    "trend_segments",
]
