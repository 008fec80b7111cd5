"""``greenmet bf forecast …``: hot-metal silicon and temperature forecasts (S7).

``train`` learns from a furnace's history (the historian, or a plant's assay table and tag file),
scores each model against persistence on time splits and stores the run as a new version;
``predict`` issues the forecasts for the next casts with the stored models (operator-ready ones
unless ``--all``); ``models`` lists the stored versions. A thin shell over
:mod:`greenmet.monitoring.forecast`, :mod:`greenmet.storage.hot_metal_history`,
:mod:`greenmet.io.hot_metal_files` and :mod:`greenmet.io.forecast_models`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from greenmet.cli._common import Format, Language, echo_json, guarded
from greenmet.errors import InputError

__all__ = ["app"]

app = typer.Typer(
    help="Hot-metal silicon and temperature forecasts. 铁水质量预报。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_LABELS = "greenmet.monitoring.forecast"

Historian = Annotated[
    Path | None, typer.Option("--historian", help="Historian root (with --site, --furnace).")
]
Site = Annotated[str | None, typer.Option("--site", help="Site of the furnace in the historian.")]
Furnace = Annotated[str | None, typer.Option("--furnace", help="Furnace id in the historian.")]
Start = Annotated[str | None, typer.Option("--start", help="First cast end to use (ISO 8601 with zone).")]
End = Annotated[
    str | None, typer.Option("--end", help="Last cast end to use, exclusive (ISO 8601 with zone).")
]
Assays = Annotated[
    Path | None,
    typer.Option("--assays", help="The plant's cast assays (.csv/.xlsx), instead of the historian."),
]
TagFile = Annotated[
    Path | None,
    typer.Option("--tag-file", help="The plant's process tags (.csv/.parquet, long or wide), with --assays."),
]
TimeZone = Annotated[
    str | None, typer.Option("--time-zone", help="Plant time zone for times written without one.")
]
Store = Annotated[
    Path | None,
    typer.Option("--store", help="Model store (default: beside the furnace's casts in the historian)."),
]
OutputFormat = Annotated[Format, typer.Option("--format", help="table or json.")]
LanguageOption = Annotated[Language, typer.Option("--language", help="Labels in en or zh.")]


@dataclass
class _History:
    casts: pd.DataFrame
    minutes: pd.DataFrame
    site: str
    furnace: str
    source: str
    store: Path


def _history(
    historian: Path | None,
    site: str | None,
    furnace: str | None,
    start: str | None,
    end: str | None,
    assays: Path | None,
    tag_file: Path | None,
    time_zone: str | None,
    store: Path | None,
    tags: list[str] | None,
    lookback_min: int,
) -> _History:
    """Read the casts and the process minutes from the historian or from the plant's files."""
    from greenmet.monitoring.forecast import DEFAULT_PROCESS_TAGS

    if (historian is None) == (assays is None):
        raise InputError(
            "give the history either from the historian or from files",
            field="--historian/--assays",
            value=None,
            fix="use --historian ROOT --site S --furnace F, or --assays FILE --tag-file FILE",
        )
    if assays is not None:
        from greenmet.io.hot_metal_files import read_assay_table, read_process_tag_file

        if tag_file is None:
            raise InputError(
                "--assays needs --tag-file",
                field="--tag-file",
                value=None,
                fix="give the process tags of the same period",
            )
        if store is None:
            raise InputError("files need a model store", field="--store", value=None, fix="give --store DIR")
        casts = read_assay_table(assays, time_zone=time_zone)
        minutes = read_process_tag_file(tag_file, time_zone=time_zone)
        return _History(
            casts, minutes, site or "plant", furnace or "furnace", f"files {assays} + {tag_file}", store
        )
    if historian is None or site is None or furnace is None:
        raise InputError(
            "the historian needs the furnace",
            field="--site/--furnace",
            value=None,
            fix="give --site and --furnace",
        )
    from greenmet.storage.hot_metal_history import (
        default_model_store,
        read_cast_analyses,
        read_process_minutes,
    )
    from greenmet.storage.queries import known_tags

    casts = read_cast_analyses(historian, site, furnace, start=start, end=end)
    if casts.empty:
        raise InputError(
            "no casts in the window",
            field="--start/--end",
            value=f"{start} … {end}",
            fix="widen the window or check --site/--furnace",
        )
    if tags is None:
        available = set(known_tags(historian, site, furnace))
        tags = [tag for tag in DEFAULT_PROCESS_TAGS if tag in available]
    first = casts["ended_at"].iloc[0] - pd.Timedelta(minutes=lookback_min)
    last = casts["ended_at"].iloc[-1] + pd.Timedelta(minutes=1)
    minutes = read_process_minutes(historian, site, furnace, tags, start=first, end=last)
    window = f"{casts['ended_at'].iloc[0].isoformat()} … {casts['ended_at'].iloc[-1].isoformat()}"
    return _History(
        casts,
        minutes,
        site,
        furnace,
        f"historian {historian} {site}/{furnace} casts {window}",
        store or default_model_store(historian, site, furnace),
    )


def _lookback(settings: Any) -> int:
    return int(max(max(settings.windows_min), 2 * settings.change_window_min))


def _table(frame: pd.DataFrame, columns: dict[str, str], language: str, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    from greenmet.i18n import label

    view = Table(title=title)
    for key in columns.values():
        view.add_column(label(key, language, _LABELS))
    from greenmet.i18n import unit_label

    for row in frame[list(columns)].itertuples(index=False):
        view.add_row(
            *[
                unit_label(str(value), language) if column == "unit" else _cell(value, language)
                for column, value in zip(columns, row, strict=True)
            ]
        )
    Console(width=200).print(view)


def _cell(value: Any, language: str) -> str:
    from greenmet.i18n import Message, label, name_label

    if isinstance(value, bool):
        return label("forecast_yes" if value else "forecast_no", language, _LABELS)
    if isinstance(value, Message):
        return value.render(language)
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, str) and value in ("silicon", "temperature"):
        return label(f"forecast_target_{value}", language, _LABELS)
    if isinstance(value, str) and value in ("persistence", "linear", "lightgbm"):
        return label(f"forecast_model_{value}", language, _LABELS)
    return name_label(str(value), language, _LABELS) if isinstance(value, str) else str(value)


def _rendered(frame: pd.DataFrame, language: str) -> list[dict[str, Any]]:
    from greenmet.i18n import Message

    def shown(value: Any) -> Any:
        return value.render(language) if isinstance(value, Message) else value

    return [{str(key): shown(value) for key, value in row.items()} for row in frame.to_dict(orient="records")]


@app.command("train")
@guarded
def train(
    historian: Historian = None,
    site: Site = None,
    furnace: Furnace = None,
    start: Start = None,
    end: End = None,
    assays: Assays = None,
    tag_file: TagFile = None,
    time_zone: TimeZone = None,
    store: Store = None,
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            help="Process tag to use (repeat); default: the "
            "blast, coal and thermal-state tags the furnace has.",
        ),
    ] = None,
    target: Annotated[list[str] | None, typer.Option("--target", help="silicon and/or temperature.")] = None,
    horizon: Annotated[
        list[int] | None, typer.Option("--horizon", help="Casts ahead (repeat; default 1 and 2).")
    ] = None,
    splits: Annotated[int, typer.Option("--splits", help="Expanding-window time splits.")] = 3,
    min_train_casts: Annotated[int, typer.Option("--min-train-casts", help="Fewest casts to train on.")] = 30,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the latest split as a chart (.html).")
    ] = None,
    output_format: OutputFormat = Format.table,
    language: LanguageOption = Language.en,
) -> None:
    """Train and score the forecasters; store them as a new version. 训练铁水质量预报模型。"""
    from greenmet.io.forecast_models import save_training
    from greenmet.monitoring.forecast import ForecastSettings, train_forecasters

    settings = ForecastSettings(n_splits=splits, min_train_casts=min_train_casts)
    history = _history(
        historian, site, furnace, start, end, assays, tag_file, time_zone, store, tag, _lookback(settings)
    )
    targets = target or ["silicon", "temperature"]
    result = train_forecasters(
        history.casts,
        history.minutes,
        tags=tag or None,
        targets=targets,
        horizons=horizon or [1, 2],
        settings=settings,
    )
    directory = save_training(
        history.store, result, site=history.site, furnace=history.furnace, source=history.source
    )
    if plot is not None:
        from greenmet.io.forecast_chart import write_forecast_chart

        write_forecast_chart(plot, result.forecasts, language=language.value)
    latest = result.latest_split()
    if output_format is Format.json:
        echo_json(
            {
                "ok": True,
                "version": directory.name,
                "store": str(directory.parent),
                "source": history.source,
                "latest_split": _rendered(latest, language.value),
                "metrics": result.metrics.to_dict(orient="records"),
            }
        )
        return
    _table(
        latest,
        {
            "target": "forecast_target",
            "horizon": "forecast_horizon_casts",
            "model": "forecast_model",
            "rmse": "forecast_rmse",
            "hit_rate": "forecast_hit_rate",
            "tolerance": "forecast_tolerance",
            "unit": "forecast_unit",
            "operator_ready": "forecast_operator_ready",
            "verdict": "forecast_verdict",
        },
        language.value,
        f"{history.source} → {directory}",
    )


@app.command("predict")
@guarded
def predict(
    historian: Historian = None,
    site: Site = None,
    furnace: Furnace = None,
    start: Start = None,
    end: End = None,
    assays: Assays = None,
    tag_file: TagFile = None,
    time_zone: TimeZone = None,
    store: Store = None,
    version: Annotated[
        str | None, typer.Option("--version", help="Model version (default: the newest).")
    ] = None,
    show_all: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Every stored model, also those that do not beat "
            "persistence (default: the best operator-ready one per target "
            "and horizon).",
        ),
    ] = False,
    output_format: OutputFormat = Format.table,
    language: LanguageOption = Language.en,
) -> None:
    """Forecast the next casts with the stored models. 预报后续炉次铁水质量。"""
    from greenmet.io.forecast_models import load_forecasters
    from greenmet.monitoring.forecast import forecast_next_casts

    probe = _history_store(historian, site, furnace, store)
    stored = load_forecasters(probe, version)
    forecasters = stored.forecasters if show_all else _operator_models(stored.forecasters)
    first = stored.forecasters[0]
    history = _history(
        historian,
        site,
        furnace,
        start,
        end,
        assays,
        tag_file,
        time_zone,
        probe,
        first.process_tags,
        _lookback(first.settings),
    )
    forecasts = forecast_next_casts(forecasters, history.casts, history.minutes)
    if output_format is Format.json:
        echo_json(
            {
                "ok": True,
                "version": stored.version,
                "forecasts": _rendered(forecasts, language.value),
                "hidden_models": len(stored.forecasters) - len(forecasters),
            }
        )
        return
    if forecasts.empty:
        from greenmet.i18n import label

        typer.echo(f"{label('forecast_none_ready', language.value, _LABELS)} ({stored.version})")
        return
    _table(
        forecasts,
        {
            "target": "forecast_target",
            "horizon": "forecast_horizon_casts",
            "model": "forecast_model",
            "after_cast_id": "forecast_after_cast",
            "issued_at": "forecast_issued_at",
            "forecast": "forecast_value",
            "unit": "forecast_unit",
            **({"operator_ready": "forecast_operator_ready"} if show_all else {}),
        },
        language.value,
        f"{stored.version}",
    )


def _operator_models(forecasters: list[Any]) -> list[Any]:
    """Per target and horizon, the operator-ready model with the lowest latest-split RMSE."""
    best: dict[tuple[str, int], Any] = {}
    for forecaster in forecasters:
        key = (forecaster.target, forecaster.horizon)
        if forecaster.operator_ready and (
            key not in best or forecaster.latest_split["rmse"] < best[key].latest_split["rmse"]
        ):
            best[key] = forecaster
    return list(best.values())


def _history_store(historian: Path | None, site: str | None, furnace: str | None, store: Path | None) -> Path:
    if store is not None:
        return store
    if historian is None or site is None or furnace is None:
        raise InputError(
            "no model store",
            field="--store",
            value=None,
            fix="give --store DIR, or --historian ROOT --site S --furnace F",
        )
    from greenmet.storage.hot_metal_history import default_model_store

    return default_model_store(historian, site, furnace)


@app.command("models")
@guarded
def models(
    historian: Historian = None,
    site: Site = None,
    furnace: Furnace = None,
    store: Store = None,
    output_format: OutputFormat = Format.table,
    language: LanguageOption = Language.en,
) -> None:
    """List the stored model versions with their latest-split scores. 列出已存模型版本。"""
    from greenmet.io.forecast_models import list_versions

    versions = list_versions(_history_store(historian, site, furnace, store))
    if output_format is Format.json:
        echo_json({"ok": True, "models": versions.to_dict(orient="records")})
        return
    _table(
        versions,
        {
            "version": "forecast_version",
            "target": "forecast_target",
            "horizon": "forecast_horizon_casts",
            "model": "forecast_model",
            "rmse": "forecast_rmse",
            "hit_rate": "forecast_hit_rate",
            "operator_ready": "forecast_operator_ready",
        },
        language.value,
        "",
    )
