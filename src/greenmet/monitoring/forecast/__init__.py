"""Hot-metal quality forecasts from process data (S7): silicon and temperature one and two casts
ahead, always beside the persistence baseline (:mod:`greenmet.monitoring.forecast.hot_metal`)."""

from greenmet.monitoring.forecast.hot_metal import (
    DEFAULT_PROCESS_TAGS,
    MODELS,
    TARGETS,
    FittedForecaster,
    ForecastSettings,
    ForecastTarget,
    TrainingResult,
    cast_features,
    evaluate_forecasters,
    forecast_next_casts,
    supervised_table,
    time_splits,
    train_forecasters,
)

__all__ = [
    "DEFAULT_PROCESS_TAGS",
    "MODELS",
    "TARGETS",
    "FittedForecaster",
    "ForecastSettings",
    "ForecastTarget",
    "TrainingResult",
    "cast_features",
    "evaluate_forecasters",
    "forecast_next_casts",
    "supervised_table",
    "time_splits",
    "train_forecasters",
]
