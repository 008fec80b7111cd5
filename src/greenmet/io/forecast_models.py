"""Versioned storage of trained hot-metal forecasters with their metrics.

Layout (one directory per training run, never changed once written)::

    STORE/<version>/forecasters.joblib    the fitted models (joblib pickle)
    STORE/<version>/metadata.json         what they were trained on, split scores, verdicts,
                                          library versions, SHA-256 of the pickle

``<version>`` is ``<UTC time of training>-<first 8 hex digits of the training data's SHA-256>``,
so versions sort by time and two runs on the same data are recognisable. A run is written into a
hidden temporary directory and renamed into place: a crash leaves no half version. Loading checks
the pickle's SHA-256 against the metadata (a damaged or swapped file is refused) and warns when
scikit-learn or LightGBM differ from the versions that wrote it. A pickle runs code when loaded:
load only from a store your plant controls.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from greenmet.errors import FileFormatError, GreenmetWarning, StorageError, UnknownKeyError
from greenmet.io.atomic import fsync_directory
from greenmet.monitoring.forecast import FittedForecaster, TrainingResult

__all__ = ["StoredForecasters", "list_versions", "load_forecasters", "save_training"]

_MODELS_FILE = "forecasters.joblib"
_METADATA_FILE = "metadata.json"


def _library_versions() -> dict[str, str]:
    import lightgbm
    import sklearn

    return {"scikit-learn": sklearn.__version__, "lightgbm": lightgbm.__version__}


def _json_default(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _forecaster_summary(forecaster: FittedForecaster) -> dict[str, Any]:
    return {
        "target": forecaster.target,
        "horizon": forecaster.horizon,
        "model": forecaster.model,
        "operator_ready": forecaster.operator_ready,
        "verdict": forecaster.verdict,
        "latest_split": forecaster.latest_split,
        "persistence_latest_split": forecaster.persistence_latest_split,
        "trained_casts": forecaster.trained_casts,
        "trained_from": forecaster.trained_from,
        "trained_to": forecaster.trained_to,
    }


def save_training(
    store: str | os.PathLike[str],
    result: TrainingResult,
    *,
    site: str,
    furnace: str,
    source: str,
    now: dt.datetime | None = None,
) -> Path:
    """Write a training run as a new version in ``store``; return its directory.

    ``source`` says where the data came from (a historian window or the plant's files).
    """
    import joblib

    if not result.forecasters:
        raise StorageError("nothing to store", field="forecasters", value=0, fix="train at least one model")
    first = result.forecasters[0]
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    version = f"{moment:%Y%m%dT%H%M%SZ}-{first.data_fingerprint[:8]}"
    root = Path(store)
    target = root / version
    staging = root / f".tmp-{uuid.uuid4().hex}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise StorageError(
                "this version exists already",
                field="version",
                value=version,
                fix="train again in a second, or remove the old version",
            )
        staging.mkdir()
        models_path = staging / _MODELS_FILE
        joblib.dump(result.forecasters, models_path)
        digest = hashlib.sha256(models_path.read_bytes()).hexdigest()
        metadata = {
            "version": version,
            "site": site,
            "furnace": furnace,
            "source": source,
            "created_at": moment.isoformat(),
            "sha256": digest,
            "libraries": _library_versions(),
            "settings": first.settings.as_dict(),
            "process_tags": first.process_tags,
            "data_fingerprint": first.data_fingerprint,
            "forecasters": [_forecaster_summary(f) for f in result.forecasters],
            "metrics": result.metrics.to_dict(orient="records"),
        }
        (staging / _METADATA_FILE).write_text(
            json.dumps(metadata, indent=1, default=_json_default), encoding="utf-8"
        )
        for path in staging.iterdir():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        fsync_directory(staging)
        os.rename(staging, target)
        fsync_directory(root)
    except OSError as exc:
        raise StorageError(
            f"cannot store the models: {exc}",
            field="store",
            value=str(root),
            fix="check free disk space and permissions",
        ) from exc
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _metadata(directory: Path) -> dict[str, Any]:
    try:
        return dict(json.loads((directory / _METADATA_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise FileFormatError(
            f"unreadable model metadata: {exc}",
            field="path",
            value=str(directory),
            fix="remove the damaged version directory",
        ) from exc


def list_versions(store: str | os.PathLike[str]) -> pd.DataFrame:
    """One row per stored version and forecaster, newest version first."""
    root = Path(store)
    rows = []
    if root.is_dir():
        for directory in sorted(
            (p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True
        ):
            metadata = _metadata(directory)
            for summary in metadata["forecasters"]:
                rows.append(
                    {
                        "version": metadata["version"],
                        "site": metadata["site"],
                        "furnace": metadata["furnace"],
                        "target": summary["target"],
                        "horizon": summary["horizon"],
                        "model": summary["model"],
                        "rmse": summary["latest_split"]["rmse"],
                        "hit_rate": summary["latest_split"]["hit_rate"],
                        "operator_ready": summary["operator_ready"],
                        "trained_casts": summary["trained_casts"],
                        "trained_to": summary["trained_to"],
                    }
                )
    return pd.DataFrame(
        rows,
        columns=[
            "version",
            "site",
            "furnace",
            "target",
            "horizon",
            "model",
            "rmse",
            "hit_rate",
            "operator_ready",
            "trained_casts",
            "trained_to",
        ],
    )


class StoredForecasters:
    """A loaded version: its metadata and fitted forecasters."""

    def __init__(
        self, directory: Path, metadata: dict[str, Any], forecasters: list[FittedForecaster]
    ) -> None:
        self.directory = directory
        self.metadata = metadata
        self.forecasters = forecasters

    @property
    def version(self) -> str:
        return str(self.metadata["version"])


def load_forecasters(store: str | os.PathLike[str], version: str | None = None) -> StoredForecasters:
    """Load ``version`` (default: the newest) after checking its SHA-256."""
    import joblib

    root = Path(store)
    versions = sorted(
        (p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")) if root.is_dir() else []
    )
    if not versions:
        raise UnknownKeyError(
            "no trained models in the store",
            field="store",
            value=str(root),
            fix="train first: greenmet bf forecast train …",
        )
    chosen = version or versions[-1]
    if chosen not in versions:
        raise UnknownKeyError(
            "unknown model version",
            field="version",
            value=chosen,
            fix=f"use one of {versions[-5:]} (greenmet bf forecast models)",
        )
    directory = root / chosen
    metadata = _metadata(directory)
    models_path = directory / _MODELS_FILE
    digest = hashlib.sha256(models_path.read_bytes()).hexdigest()
    if digest != metadata.get("sha256"):
        raise FileFormatError(
            "the model file does not match its recorded SHA-256",
            field="sha256",
            value=digest,
            fix=f"the file was damaged or replaced: retrain, or remove {directory}",
        )
    current = _library_versions()
    if metadata.get("libraries") != current:
        warnings.warn(
            GreenmetWarning(
                f"models written with {metadata.get('libraries')}, loaded with {current}: "
                "retrain if the forecasts look wrong"
            ),
            stacklevel=2,
        )
    forecasters = joblib.load(models_path)
    return StoredForecasters(directory, metadata, list(forecasters))
