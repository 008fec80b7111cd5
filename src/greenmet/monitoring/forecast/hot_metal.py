"""Forecasts of hot-metal silicon and temperature one and two casts ahead (S7).

The furnace's thermal state shows in the hot metal only hours after it changes: the heat carried
by the blast, the coal and the burden reaches the hearth through the descent of the burden and the
coke bed, so the silicon and the temperature of the next casts are, in part, already decided by
what the process tags did in the last hours. This module learns that relation from the furnace's
own history and compares it, always, with the forecast every furnace chief makes without a model:
*the next cast will be like the last one* (persistence).

Pipeline, all on plain DataFrames (reading the historian or a plant's files is done by
``greenmet.storage.hot_metal_history`` and ``greenmet.io.hot_metal_files``):

1. :func:`cast_features` — one row per cast, at the moment the cast ends (the *issue time*):
   window means of process tags over the last hours and their change, plus the last casts'
   analyses (lags). Only data before the issue time is used, so no forecast sees its future.
2. :func:`supervised_table` — the target of cast ``i + horizon`` beside the features of cast ``i``.
3. :func:`evaluate_forecasters` — expanding-window time splits (each test block strictly later
   than its training data, with a gap of ``horizon`` casts so that no training target overlaps a
   test row): RMSE and hit rate per model, target, horizon and split.
4. :func:`train_forecasters` — refit every model on all casts and decide, per target and horizon,
   which model operators may see: one that beats persistence on **both** RMSE and hit rate on the
   latest split; otherwise none (and the reason).

Models: persistence; ridge regression on standardised features (scikit-learn ``RidgeCV``) as the
linear model; gradient-boosted trees (LightGBM) where the relation is not linear.

The hit rate counts forecasts within a tolerance: ±0.1 percentage point of silicon, the band
within which steelmaking plans the hot metal (the issue's measure), and ±10 °C of temperature,
a band greenmet sets (about twice the scatter of a single immersion-thermocouple reading; no
standard fixes it). Both tolerances are arguments.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from greenmet.errors import InputError, UnknownKeyError
from greenmet.i18n import Message

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


@dataclass(frozen=True)
class ForecastTarget:
    """A hot-metal quantity to forecast: its column in the casts table, unit and hit tolerance."""

    name: str
    column: str
    unit: str
    tolerance: float


TARGETS: dict[str, ForecastTarget] = {
    "silicon": ForecastTarget("silicon", "hot_metal_silicon_percent", "%", 0.1),
    "temperature": ForecastTarget("temperature", "hot_metal_temperature_degC", "degC", 10.0),
}
"""The forecast targets. Tolerances: see the module docstring."""

MODELS: tuple[str, ...] = ("persistence", "linear", "lightgbm")
"""Model names, in the order they are reported. ``persistence`` is the baseline."""

DEFAULT_PROCESS_TAGS: tuple[str, ...] = (
    "blast_volume",
    "blast_temperature",
    "blast_humidity",
    "oxygen_enrichment",
    "coal_injection_rate",
    "raceway_adiabatic_flame_temperature",
    "top_gas_utilisation",
    "permeability_index",
    "pressure_differential",
)
"""Process tags used as features when none are named (the plant-data nomenclature's names; a plant
maps its own tags to these on import, or names its own with ``tags=``). They are the operating
inputs that move the heat balance of the lower furnace (blast, enrichment, humidity, coal) and the
indicators of its result (RAFT, ηCO, permeability), the variables of the thermal-state rule model
in reference note ``blast_furnace.md`` §2."""


@dataclass(frozen=True)
class ForecastSettings:
    """How features are built and models are checked.

    Attributes
    ----------
    windows_min
        Lengths of the windows before the issue time over which each tag is averaged [min].
    change_window_min
        Each tag's change: mean of the last ``change_window_min`` minus the mean of the
        ``change_window_min`` before [min].
    lags
        How many past casts' analyses (the cast that just ended is lag 1) are features.
    n_splits
        Number of expanding-window splits; the last one is the *latest split* that decides
        whether a model may be shown to operators.
    min_train_casts
        Fewest casts a training block may have.
    min_window_coverage
        Fraction of a window's minutes that must hold a value for its mean to count; otherwise the
        feature is missing for that cast (models impute it, the table says so).
    """

    windows_min: tuple[int, ...] = (60, 180)
    change_window_min: int = 60
    lags: int = 3
    n_splits: int = 3
    min_train_casts: int = 30
    min_window_coverage: float = 0.5

    def __post_init__(self) -> None:
        for name, value in (
            ("change_window_min", self.change_window_min),
            ("lags", self.lags),
            ("n_splits", self.n_splits),
            ("min_train_casts", self.min_train_casts),
        ):
            if value < 1:
                raise InputError("must be at least 1", field=name, value=value, fix="give a positive integer")
        if not self.windows_min or min(self.windows_min) < 1:
            raise InputError(
                "window lengths must be positive minutes",
                field="windows_min",
                value=self.windows_min,
                fix="give e.g. (60, 180)",
            )
        if not 0 < self.min_window_coverage <= 1:
            raise InputError(
                "coverage is a fraction in (0, 1]",
                field="min_window_coverage",
                value=self.min_window_coverage,
                fix="give e.g. 0.5",
            )

    def as_dict(self) -> dict[str, Any]:
        return {
            "windows_min": list(self.windows_min),
            "change_window_min": self.change_window_min,
            "lags": self.lags,
            "n_splits": self.n_splits,
            "min_train_casts": self.min_train_casts,
            "min_window_coverage": self.min_window_coverage,
        }


# -- features ---------------------------------------------------------------------------------


def _check_casts(casts: pd.DataFrame, targets: Iterable[ForecastTarget]) -> pd.DataFrame:
    for column in ("cast_id", "ended_at"):
        if column not in casts.columns:
            raise InputError(
                "the casts table lacks a column",
                field=column,
                value=list(casts.columns),
                fix="give one row per cast with cast_id, ended_at (UTC) and the analyses",
            )
    ended = pd.to_datetime(casts["ended_at"])
    if ended.dt.tz is None:
        raise InputError(
            "cast end times carry no time zone",
            field="ended_at",
            value=str(ended.iloc[0]),
            fix="localise them with the plant's time zone",
        )
    if ended.isna().any():
        row = int(np.flatnonzero(ended.isna().to_numpy())[0])
        raise InputError(
            "a cast has no end time",
            field="ended_at",
            value=casts["cast_id"].iloc[row],
            fix="drop the cast or give its end time",
        )
    for target in targets:
        if target.column not in casts.columns:
            raise InputError(
                "the casts table lacks an analysis column",
                field=target.column,
                value=list(casts.columns),
                fix=f"add {target.column} [{target.unit}] per cast",
            )
    frame = casts.assign(ended_at=ended.dt.tz_convert("UTC")).sort_values("ended_at", kind="stable")
    duplicated = frame["cast_id"].duplicated()
    if duplicated.any():
        raise InputError(
            "a cast appears twice",
            field="cast_id",
            value=frame["cast_id"][duplicated].iloc[0],
            fix="give each cast once (one analysis per cast)",
        )
    return frame.reset_index(drop=True)


def _window_means(
    minutes: pd.DataFrame, issue_us: np.ndarray, length_min: int, offset_min: int, min_coverage: float
) -> np.ndarray:
    """Mean of each column over ``[issue - offset - length, issue - offset)`` for every issue time,
    from cumulative sums (one pass over the minutes whatever the number of casts)."""
    index_us = pd.DatetimeIndex(minutes.index).as_unit("us").asi8
    values = minutes.to_numpy(dtype="float64")
    present = np.isfinite(values)
    sums = np.vstack([np.zeros(values.shape[1]), np.cumsum(np.where(present, values, 0.0), axis=0)])
    counts = np.vstack([np.zeros(values.shape[1]), np.cumsum(present, axis=0)])
    end_us = issue_us - offset_min * 60_000_000
    start_us = end_us - length_min * 60_000_000
    lo = np.searchsorted(index_us, start_us, side="left")
    hi = np.searchsorted(index_us, end_us, side="left")
    n = counts[hi] - counts[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (sums[hi] - sums[lo]) / n
    mean[n < min_coverage * length_min] = np.nan
    return mean


def cast_features(
    casts: pd.DataFrame,
    process_minutes: pd.DataFrame,
    *,
    tags: Sequence[str] | None = None,
    targets: Sequence[str] = ("silicon", "temperature"),
    settings: ForecastSettings | None = None,
) -> pd.DataFrame:
    """Features of each cast at its issue time (the end of the cast).

    Parameters
    ----------
    casts
        One row per cast: ``cast_id``, ``ended_at`` (time-zone aware) and the analysis columns of
        :data:`TARGETS` (``hot_metal_silicon_percent`` [%], ``hot_metal_temperature_degC``
        [degC]); a missing analysis is NaN (that cast is not a training target, and its lag
        features are NaN).
    process_minutes
        Process tags as 1-minute means: a UTC DatetimeIndex of minute starts, one column per tag,
        in the units of the tag catalogue; NaN where a minute has no good value.
    tags
        Columns of ``process_minutes`` to use; default :data:`DEFAULT_PROCESS_TAGS` (all must be
        present when named; of the defaults, those present are used).
    targets
        Names in :data:`TARGETS` whose past values are lag features.
    settings
        Windows, lags and coverage; :class:`ForecastSettings` by default.

    Returns
    -------
    pandas.DataFrame
        Indexed like the sorted casts, with ``cast_id``, ``ended_at``, the target columns and one
        column per feature: ``<tag>_mean_<w>min``, ``<tag>_change_<c>min``, ``<target>_lag<k>``,
        ``hours_since_previous_cast`` [h].
    """
    settings = settings or ForecastSettings()
    chosen_targets = [_target(name) for name in targets]
    frame = _check_casts(casts, chosen_targets)
    if not isinstance(process_minutes.index, pd.DatetimeIndex) or process_minutes.index.tz is None:
        raise InputError(
            "process minutes need a time-zone-aware DatetimeIndex",
            field="process_minutes",
            value=type(process_minutes.index).__name__,
            fix="index the 1-minute means by their UTC minute start",
        )
    if not process_minutes.index.is_monotonic_increasing:
        raise InputError(
            "process minutes are out of order",
            field="process_minutes.index",
            value="not increasing",
            fix="sort the minutes by time",
        )
    if tags is None:
        chosen_tags = [tag for tag in DEFAULT_PROCESS_TAGS if tag in process_minutes.columns]
    else:
        chosen_tags = list(tags)
        missing = [tag for tag in chosen_tags if tag not in process_minutes.columns]
        if missing:
            raise UnknownKeyError(
                "process tags without data",
                field="tags",
                value=missing,
                fix="name tags that the historian or the tag file holds",
            )
    minutes = process_minutes[chosen_tags].astype("float64")
    issue_us = pd.DatetimeIndex(frame["ended_at"]).as_unit("us").asi8
    features: dict[str, np.ndarray] = {}
    if chosen_tags:
        for window in settings.windows_min:
            means = _window_means(minutes, issue_us, window, 0, settings.min_window_coverage)
            for j, tag in enumerate(chosen_tags):
                features[f"{tag}_mean_{window}min"] = means[:, j]
        change = settings.change_window_min
        recent = _window_means(minutes, issue_us, change, 0, settings.min_window_coverage)
        before = _window_means(minutes, issue_us, change, change, settings.min_window_coverage)
        for j, tag in enumerate(chosen_tags):
            features[f"{tag}_change_{change}min"] = recent[:, j] - before[:, j]
    for target in chosen_targets:
        history = frame[target.column].astype("float64")
        for lag in range(1, settings.lags + 1):
            features[f"{target.name}_lag{lag}"] = history.shift(lag - 1).to_numpy()
    features["hours_since_previous_cast"] = (frame["ended_at"].diff().dt.total_seconds() / 3600).to_numpy()
    return pd.concat(
        [
            frame[["cast_id", "ended_at", *[t.column for t in chosen_targets]]],
            pd.DataFrame(features, index=frame.index),
        ],
        axis=1,
    )


def _target(name: str) -> ForecastTarget:
    try:
        return TARGETS[name]
    except KeyError:
        raise UnknownKeyError(
            "unknown forecast target", field="target", value=name, fix=f"use one of {sorted(TARGETS)}"
        ) from None


def feature_columns(features: pd.DataFrame) -> list[str]:
    """The feature columns of a :func:`cast_features` table (all but ids and analyses)."""
    analyses = {target.column for target in TARGETS.values()}
    return [column for column in features.columns if column not in {"cast_id", "ended_at", *analyses}]


def supervised_table(features: pd.DataFrame, target: str, horizon: int) -> tuple[pd.DataFrame, pd.Series]:
    """Features of cast ``i`` beside the analysis of cast ``i + horizon``.

    Rows whose future analysis is missing (the last ``horizon`` casts, casts without an analysis)
    are dropped; the rest keep their order in time.
    """
    if horizon < 1:
        raise InputError("the horizon counts casts ahead", field="horizon", value=horizon, fix="give 1 or 2")
    chosen = _target(target)
    if chosen.column not in features.columns:
        raise InputError(
            "the feature table lacks the target",
            field=chosen.column,
            value=list(features.columns),
            fix=f"build features with targets including {target!r}",
        )
    future = features[chosen.column].shift(-horizon)
    keep = future.notna().to_numpy()
    x = features.loc[keep, feature_columns(features)]
    y = future[keep].rename(f"{chosen.column}_ahead_{horizon}")
    return x, y


def time_splits(
    n_rows: int, n_splits: int, *, gap: int, min_train: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Expanding-window splits over rows in time order: train on everything up to a point, leave
    ``gap`` rows out, test on the next block. Test blocks are equal, consecutive and end with the
    last row; the last split is the *latest split*.

    The gap of ``horizon`` rows keeps every training target (cast ``i + horizon``) before the
    first test row's issue time.
    """
    test_size = (n_rows - min_train - gap) // n_splits
    if test_size < 2:
        raise InputError(
            "too few casts for the splits",
            field="casts",
            value=n_rows,
            fix=f"give at least {min_train + gap + 2 * n_splits} casts with analyses, "
            "or fewer splits / a smaller min_train_casts",
        )
    splits = []
    for k in range(n_splits):
        test_end = n_rows - (n_splits - 1 - k) * test_size
        test_start = test_end - test_size
        train_end = test_start - gap
        splits.append((np.arange(0, train_end), np.arange(test_start, test_end)))
    return splits


# -- models -----------------------------------------------------------------------------------


def _persistence_column(target: ForecastTarget) -> str:
    return f"{target.name}_lag1"


def _make_estimator(model: str, random_state: int) -> Any:
    # scikit-learn and LightGBM are imported here so that the rest of greenmet does not pay for them.
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import RidgeCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if model == "linear":
        return make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True),
            StandardScaler(),
            RidgeCV(alphas=np.logspace(-3, 3, 13)),
        )
    if model == "lightgbm":
        from lightgbm import LGBMRegressor

        # Small trees, shrinkage and subsampling: the training sets are hundreds of casts.
        return LGBMRegressor(
            n_estimators=300,
            learning_rate=0.03,
            num_leaves=7,
            min_child_samples=10,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            reg_lambda=1.0,
            random_state=random_state,
            n_jobs=1,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        )
    raise UnknownKeyError("unknown model", field="model", value=model, fix=f"use one of {list(MODELS)}")


def _check_models(models: Sequence[str]) -> list[str]:
    unknown = [model for model in models if model not in MODELS]
    if unknown:
        raise UnknownKeyError(
            "unknown model", field="models", value=unknown, fix=f"use some of {list(MODELS)}"
        )
    # persistence is the yardstick every model is judged against: always computed.
    return ["persistence", *[model for model in models if model != "persistence"]]


@dataclass
class FittedForecaster:
    """One fitted model for one target and horizon, with what it was trained on and how it did.

    ``operator_ready`` is true only if, on the latest split, the model beat persistence on both
    RMSE (lower) and hit rate (higher); ``verdict`` says why or why not.
    """

    target: str
    horizon: int
    model: str
    feature_names: list[str]
    estimator: Any
    settings: ForecastSettings
    process_tags: list[str]
    lag_targets: list[str]
    trained_casts: int
    trained_from: pd.Timestamp
    trained_to: pd.Timestamp
    latest_split: dict[str, float]
    persistence_latest_split: dict[str, float]
    operator_ready: bool
    verdict: Message
    data_fingerprint: str

    def predict(self, features: pd.DataFrame) -> np.ndarray:
        """Forecast the target ``horizon`` casts after each row of a :func:`cast_features` table."""
        if self.model == "persistence":
            return features[_persistence_column(TARGETS[self.target])].to_numpy(dtype="float64")
        missing = [name for name in self.feature_names if name not in features.columns]
        if missing:
            raise InputError(
                "features the model was trained on are missing",
                field="features",
                value=missing[:5],
                fix="build features with the same tags and settings as training",
            )
        return np.asarray(self.estimator.predict(features[self.feature_names]), dtype="float64")


def _fit_predict(
    model: str,
    x_train: pd.DataFrame,
    y_train: pd.Series,
    x_test: pd.DataFrame,
    target: ForecastTarget,
    random_state: int,
) -> np.ndarray:
    if model == "persistence":
        return x_test[_persistence_column(target)].to_numpy(dtype="float64")
    estimator = _make_estimator(model, random_state)
    estimator.fit(x_train, y_train.to_numpy())
    return np.asarray(estimator.predict(x_test), dtype="float64")


def _scores(actual: np.ndarray, predicted: np.ndarray, tolerance: float) -> dict[str, float]:
    valid = np.isfinite(predicted)
    error = predicted[valid] - actual[valid]
    return {
        "rmse": float(np.sqrt(np.mean(error**2))) if error.size else math.nan,
        "hit_rate": float(np.mean(np.abs(error) <= tolerance + 1e-12)) if error.size else math.nan,
        "forecasts": int(valid.sum()),
    }


def evaluate_forecasters(
    features: pd.DataFrame,
    *,
    targets: Sequence[str] = ("silicon", "temperature"),
    horizons: Sequence[int] = (1, 2),
    models: Sequence[str] = MODELS,
    settings: ForecastSettings | None = None,
    tolerances: Mapping[str, float] | None = None,
    random_state: int = 0,
) -> pd.DataFrame:
    """Score every model on every expanding-window split.

    Returns one row per target, horizon, model and split: ``split`` (1 … n, the last is the
    latest), ``train_casts``, ``test_casts``, ``test_from``/``test_to`` (issue times), ``rmse``
    and ``tolerance`` in the target's unit (``unit``), ``hit_rate`` [dimensionless] and
    ``forecasts`` (test rows with a forecast; persistence has none where the last analysis is
    missing).
    """
    return _evaluate(
        features, targets, horizons, models, settings or ForecastSettings(), tolerances, random_state
    )[0]


def _evaluate(
    features: pd.DataFrame,
    targets: Sequence[str],
    horizons: Sequence[int],
    models: Sequence[str],
    settings: ForecastSettings,
    tolerances: Mapping[str, float] | None,
    random_state: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    chosen_models = _check_models(models)
    rows = []
    forecasts = []
    for name in targets:
        target = _target(name)
        tolerance = (tolerances or {}).get(name, target.tolerance)
        for horizon in horizons:
            x, y = supervised_table(features, name, horizon)
            issued = features.loc[x.index, "ended_at"]
            cast_ids = features.loc[x.index, "cast_id"]
            for split, (train, test) in enumerate(
                time_splits(len(x), settings.n_splits, gap=horizon, min_train=settings.min_train_casts), 1
            ):
                actual = y.iloc[test].to_numpy(dtype="float64")
                for model in chosen_models:
                    predicted = _fit_predict(
                        model, x.iloc[train], y.iloc[train], x.iloc[test], target, random_state
                    )
                    rows.append(
                        {
                            "target": name,
                            "horizon": horizon,
                            "model": model,
                            "split": split,
                            "train_casts": len(train),
                            "test_casts": len(test),
                            "test_from": issued.iloc[test[0]],
                            "test_to": issued.iloc[test[-1]],
                            "unit": target.unit,
                            "tolerance": tolerance,
                            **_scores(actual, predicted, tolerance),
                        }
                    )
                    forecasts.append(
                        pd.DataFrame(
                            {
                                "target": name,
                                "horizon": horizon,
                                "model": model,
                                "split": split,
                                "issued_at": issued.iloc[test].to_numpy(),
                                "after_cast_id": cast_ids.iloc[test].to_numpy(),
                                "actual": actual,
                                "forecast": predicted,
                                "unit": target.unit,
                            }
                        )
                    )
    return pd.DataFrame(rows), pd.concat(forecasts, ignore_index=True)


_LABELS = "greenmet.monitoring.forecast"


def _verdict(
    model: str, scores: Mapping[str, Any] | pd.Series, baseline: Mapping[str, Any] | pd.Series
) -> tuple[bool, Message]:
    if model == "persistence":
        return False, Message("forecast_verdict_baseline", _LABELS)
    better_rmse = scores["rmse"] < baseline["rmse"]
    better_hits = scores["hit_rate"] > baseline["hit_rate"]
    if better_rmse and better_hits:
        return True, Message("forecast_verdict_ready", _LABELS)
    lacking = [
        Message(key, _LABELS)
        for key, better in (
            ("forecast_measure_rmse", better_rmse),
            ("forecast_measure_hit_rate", better_hits),
        )
        if not better
    ]
    return False, Message("forecast_verdict_not_ready", _LABELS, lacking=lacking)


@dataclass
class TrainingResult:
    """Every fitted model, the split scores and, per target and horizon, the model operators see.

    ``forecasts`` holds every test-split forecast beside the actual analysis (for charts and audits).
    """

    metrics: pd.DataFrame
    forecasts: pd.DataFrame
    forecasters: list[FittedForecaster] = field(default_factory=list)

    def operator_model(self, target: str, horizon: int) -> FittedForecaster | None:
        """The best operator-ready model (lowest latest-split RMSE), or None if none beats persistence."""
        ready = [
            f for f in self.forecasters if f.target == target and f.horizon == horizon and f.operator_ready
        ]
        return min(ready, key=lambda f: f.latest_split["rmse"]) if ready else None

    def latest_split(self) -> pd.DataFrame:
        """The latest split's scores with the verdict per model (the table operators' managers read)."""
        last = self.metrics[self.metrics["split"] == self.metrics["split"].max()]
        verdicts = {(f.target, f.horizon, f.model): (f.operator_ready, f.verdict) for f in self.forecasters}
        table = last.drop(columns=["split"]).reset_index(drop=True)
        table["operator_ready"] = [verdicts[(r.target, r.horizon, r.model)][0] for r in table.itertuples()]
        table["verdict"] = [verdicts[(r.target, r.horizon, r.model)][1] for r in table.itertuples()]
        return table


def _fingerprint(features: pd.DataFrame) -> str:
    hashed = pd.util.hash_pandas_object(features, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


def train_forecasters(
    casts: pd.DataFrame,
    process_minutes: pd.DataFrame,
    *,
    tags: Sequence[str] | None = None,
    targets: Sequence[str] = ("silicon", "temperature"),
    horizons: Sequence[int] = (1, 2),
    models: Sequence[str] = MODELS,
    settings: ForecastSettings | None = None,
    tolerances: Mapping[str, float] | None = None,
    random_state: int = 0,
) -> TrainingResult:
    """Evaluate every model on time splits, then refit each on all casts.

    Parameters are those of :func:`cast_features` and :func:`evaluate_forecasters`. The refit
    models carry their latest-split scores and the operator verdict (see :class:`FittedForecaster`).
    """
    settings = settings or ForecastSettings()
    features = cast_features(casts, process_minutes, tags=tags, targets=targets, settings=settings)
    used_tags = list(dict.fromkeys(c.rsplit("_mean_", 1)[0] for c in features.columns if "_mean_" in c))
    metrics, forecasts = _evaluate(features, targets, horizons, models, settings, tolerances, random_state)
    last_split = metrics[metrics["split"] == settings.n_splits]
    latest: dict[tuple[str, int, str], dict[str, Any]] = {
        (str(row["target"]), int(row["horizon"]), str(row["model"])): {
            str(key): value for key, value in row.items()
        }
        for row in last_split.to_dict(orient="records")
    }
    fingerprint = _fingerprint(features)
    result = TrainingResult(metrics=metrics, forecasts=forecasts)
    for name in targets:
        target = _target(name)
        for horizon in horizons:
            x, y = supervised_table(features, name, horizon)
            issued = features.loc[x.index, "ended_at"]
            baseline = latest[(name, horizon, "persistence")]
            for model in _check_models(models):
                scores = latest[(name, horizon, model)]
                ready, verdict = _verdict(model, scores, baseline)
                estimator = None
                if model != "persistence":
                    estimator = _make_estimator(model, random_state)
                    estimator.fit(x, y.to_numpy())
                result.forecasters.append(
                    FittedForecaster(
                        target=target.name,
                        horizon=horizon,
                        model=model,
                        feature_names=list(x.columns),
                        estimator=estimator,
                        settings=settings,
                        process_tags=used_tags,
                        lag_targets=list(targets),
                        trained_casts=len(x),
                        trained_from=issued.iloc[0],
                        trained_to=issued.iloc[-1],
                        latest_split={k: float(scores[k]) for k in ("rmse", "hit_rate", "tolerance")},
                        persistence_latest_split={
                            k: float(baseline[k]) for k in ("rmse", "hit_rate", "tolerance")
                        },
                        operator_ready=ready,
                        verdict=verdict,
                        data_fingerprint=fingerprint,
                    )
                )
    return result


def forecast_next_casts(
    forecasters: Iterable[FittedForecaster], casts: pd.DataFrame, process_minutes: pd.DataFrame
) -> pd.DataFrame:
    """Forecasts issued at the end of the latest cast, one row per forecaster.

    Columns: ``target``, ``horizon``, ``model``, ``issued_at``, ``after_cast_id``, ``forecast``,
    ``unit``, ``operator_ready``, ``verdict``; ``forecast`` is NaN where a needed input is missing.
    """
    rows = []
    for forecaster in forecasters:
        features = cast_features(
            casts,
            process_minutes,
            tags=forecaster.process_tags,
            targets=forecaster.lag_targets,
            settings=forecaster.settings,
        )
        last = features.iloc[[-1]]
        rows.append(
            {
                "target": forecaster.target,
                "horizon": forecaster.horizon,
                "model": forecaster.model,
                "issued_at": last["ended_at"].iloc[0],
                "after_cast_id": last["cast_id"].iloc[0],
                "forecast": float(forecaster.predict(last)[0]),
                "unit": TARGETS[forecaster.target].unit,
                "operator_ready": forecaster.operator_ready,
                "verdict": forecaster.verdict,
            }
        )
    return pd.DataFrame(rows)
