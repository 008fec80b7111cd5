"""Hot-metal forecasts: features use only the past, splits respect time, models are judged
against persistence (greenmet.monitoring.forecast)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenmet.errors import InputError, UnknownKeyError
from greenmet.monitoring.forecast import (
    ForecastSettings,
    cast_features,
    evaluate_forecasters,
    forecast_next_casts,
    supervised_table,
    time_splits,
    train_forecasters,
)
from greenmet.monitoring.forecast.hot_metal import _verdict

START = pd.Timestamp("2026-01-01T00:00:00Z")


def _minutes(n_minutes: int, seed: int) -> pd.DataFrame:
    """Two process tags as 1-minute means: an AR(1) heat driver and an unrelated noise tag."""
    rng = np.random.default_rng(seed)
    driver = np.zeros(n_minutes)
    for i in range(1, n_minutes):
        driver[i] = 0.995 * driver[i - 1] + rng.normal(0, 1.0)
    index = pd.date_range(START, periods=n_minutes, freq="1min")
    return pd.DataFrame(
        {"blast_temperature": 1200 + driver, "blast_humidity": rng.normal(15, 1, n_minutes)}, index=index
    )


def _casts(minutes: pd.DataFrame, silicon_of: str, seed: int) -> pd.DataFrame:
    """A cast every 150 min; silicon follows the rule named by ``silicon_of``."""
    rng = np.random.default_rng(seed)
    ends = pd.date_range(START + pd.Timedelta(hours=4), minutes.index[-1], freq="150min")
    n = len(ends)
    if silicon_of == "driver":
        # silicon of cast k = the driver's mean over the 180 min before the end of cast k-1: a
        # relation a model can learn and persistence cannot see
        past = np.array(
            [
                minutes["blast_temperature"]
                .loc[e - pd.Timedelta(minutes=330) : e - pd.Timedelta(minutes=151)]
                .mean()
                for e in ends
            ]
        )
        silicon = 0.45 + 0.01 * (past - 1200) + rng.normal(0, 0.005, n)
    else:
        # piecewise constant with rare jumps: persistence is the best forecast there is
        silicon = 0.45 + np.cumsum(np.where(rng.random(n) < 0.1, rng.normal(0, 0.2, n), 0.0))
    temperature = 1500 + 80 * (silicon - 0.45) + rng.normal(0, 3, n)
    return pd.DataFrame(
        {
            "cast_id": [f"C{k:04d}" for k in range(n)],
            "ended_at": ends,
            "hot_metal_silicon_percent": silicon,
            "hot_metal_temperature_degC": temperature,
        }
    )


@pytest.fixture(scope="module")
def learnable():
    minutes = _minutes(20 * 24 * 60, seed=1)
    return _casts(minutes, "driver", seed=2), minutes


def test_window_means_match_a_plain_loop(learnable):
    casts, minutes = learnable
    features = cast_features(casts.iloc[:20], minutes, tags=["blast_temperature"])
    for row in features.itertuples():
        window = minutes["blast_temperature"][
            (minutes.index >= row.ended_at - pd.Timedelta(minutes=180)) & (minutes.index < row.ended_at)
        ]
        assert row.blast_temperature_mean_180min == pytest.approx(window.mean(), rel=1e-12)
        recent = minutes["blast_temperature"][
            (minutes.index >= row.ended_at - pd.Timedelta(minutes=60)) & (minutes.index < row.ended_at)
        ].mean()
        before = minutes["blast_temperature"][
            (minutes.index >= row.ended_at - pd.Timedelta(minutes=120))
            & (minutes.index < row.ended_at - pd.Timedelta(minutes=60))
        ].mean()
        assert row.blast_temperature_change_60min == pytest.approx(recent - before, rel=1e-9, abs=1e-9)


def test_features_never_see_data_after_the_issue_time(learnable):
    casts, minutes = learnable
    before = cast_features(casts, minutes)
    cut = casts["ended_at"].iloc[30]
    changed = minutes.copy()
    changed.loc[changed.index >= cut] += 500.0
    later = casts.copy()
    later.loc[31:, "hot_metal_silicon_percent"] = 9.0
    after = cast_features(later, changed)
    columns = [
        c for c in before.columns if c not in ("hot_metal_silicon_percent", "hot_metal_temperature_degC")
    ]
    pd.testing.assert_frame_equal(before.loc[:30, columns], after.loc[:30, columns])


def test_a_window_with_too_few_minutes_gives_a_missing_feature(learnable):
    casts, minutes = learnable
    holed = minutes.copy()
    end = casts["ended_at"].iloc[10]
    holed.loc[(holed.index >= end - pd.Timedelta(minutes=50)) & (holed.index < end), "blast_temperature"] = (
        np.nan
    )
    features = cast_features(casts, holed, tags=["blast_temperature"])
    assert np.isnan(features.loc[10, "blast_temperature_mean_60min"])  # 10 of 60 minutes
    assert np.isfinite(features.loc[10, "blast_temperature_mean_180min"])  # 130 of 180


def test_the_target_is_the_cast_horizon_ahead(learnable):
    casts, minutes = learnable
    features = cast_features(casts, minutes)
    x, y = supervised_table(features, "silicon", 2)
    assert len(x) == len(casts) - 2
    assert y.iloc[0] == casts["hot_metal_silicon_percent"].iloc[2]
    assert x["silicon_lag1"].iloc[0] == casts["hot_metal_silicon_percent"].iloc[0]


def test_time_splits_keep_test_after_train_with_the_gap():
    splits = time_splits(100, 3, gap=2, min_train=30)
    assert splits[-1][1][-1] == 99
    previous_end = -1
    for train, test in splits:
        assert train[-1] + 2 < test[0]  # two rows left out between train and test
        assert test[0] > previous_end
        previous_end = test[-1]
        assert len(train) >= 30


def test_a_learnable_relation_beats_persistence_and_is_shown(learnable):
    casts, minutes = learnable
    result = train_forecasters(
        casts,
        minutes,
        tags=["blast_temperature", "blast_humidity"],
        targets=["silicon"],
        horizons=[1],
        models=["persistence", "linear"],
    )
    latest = result.latest_split().set_index("model")
    assert latest.loc["linear", "rmse"] < 0.5 * latest.loc["persistence", "rmse"]
    chosen = result.operator_model("silicon", 1)
    assert chosen is not None and chosen.model == "linear"
    forecasts = forecast_next_casts(result.forecasters, casts, minutes)
    assert set(forecasts["model"]) == {"persistence", "linear"}
    assert forecasts["after_cast_id"].iloc[0] == casts["cast_id"].iloc[-1]


def test_where_persistence_is_best_no_model_is_shown():
    minutes = _minutes(20 * 24 * 60, seed=3)
    casts = _casts(minutes, "steps", seed=4)
    result = train_forecasters(casts, minutes, targets=["silicon"], horizons=[1], models=["linear"])
    assert result.operator_model("silicon", 1) is None
    linear = next(f for f in result.forecasters if f.model == "linear")
    assert not linear.operator_ready
    assert "does not beat persistence" in linear.verdict
    assert "未优于持续法" in linear.verdict.render("zh")


@pytest.mark.parametrize(
    ("scores", "ready"),
    [
        ({"rmse": 0.04, "hit_rate": 0.95}, True),
        ({"rmse": 0.04, "hit_rate": 0.90}, False),  # equal hit rate does not beat
        ({"rmse": 0.05, "hit_rate": 0.99}, False),  # equal RMSE does not beat
    ],
)
def test_a_model_must_beat_persistence_on_both_measures(scores, ready):
    assert _verdict("linear", scores, {"rmse": 0.05, "hit_rate": 0.90})[0] is ready


def test_lightgbm_and_linear_are_scored_on_every_split(learnable):
    casts, minutes = learnable
    metrics = evaluate_forecasters(
        cast_features(casts, minutes),
        targets=["temperature"],
        horizons=[1, 2],
        settings=ForecastSettings(n_splits=2),
    )
    assert set(metrics["model"]) == {"persistence", "linear", "lightgbm"}
    assert sorted(metrics["split"].unique()) == [1, 2]
    assert (metrics["hit_rate"].between(0, 1)).all() and (metrics["rmse"] > 0).all()


def test_bad_input_names_the_field(learnable):
    casts, minutes = learnable
    with pytest.raises(InputError, match="time zone"):
        cast_features(casts.assign(ended_at=casts["ended_at"].dt.tz_localize(None)), minutes)
    with pytest.raises(InputError, match="hot_metal_silicon_percent"):
        cast_features(casts.drop(columns=["hot_metal_silicon_percent"]), minutes)
    with pytest.raises(InputError, match="appears twice"):
        cast_features(pd.concat([casts, casts.iloc[[3]]]), minutes)
    with pytest.raises(UnknownKeyError, match="without data"):
        cast_features(casts, minutes, tags=["no_such_tag"])
    with pytest.raises(InputError, match="out of order"):
        cast_features(casts, minutes.iloc[::-1])
    with pytest.raises(UnknownKeyError, match="unknown forecast target"):
        cast_features(casts, minutes, targets=["carbon"])
    with pytest.raises(InputError, match="too few casts"):
        train_forecasters(casts.iloc[:20], minutes, targets=["silicon"], horizons=[1], models=["linear"])
    with pytest.raises(UnknownKeyError, match="unknown model"):
        evaluate_forecasters(cast_features(casts, minutes), models=["neural"])
    with pytest.raises(InputError, match="lags"):
        ForecastSettings(lags=0)
