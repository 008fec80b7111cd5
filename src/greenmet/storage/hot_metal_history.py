"""The history a hot-metal forecast learns from, read from the historian.

Two tables, in the shapes :mod:`greenmet.monitoring.hot_metal_forecast` takes:

- the casts with their hot-metal analyses (the casthouse's ``_casts.parquet`` and the lab's cast
  analyses of the plant records, as :func:`~greenmet.storage.furnace_period.read_casts` reads
  them): ``cast_id``, ``ended_at`` (UTC),
  ``hot_metal_silicon_percent`` [%], ``hot_metal_temperature_degC`` [degC];
- the process tags as 1-minute means (from the 1-minute roll-ups where the manifest has them,
  the raw points otherwise; bad points excluded), one column per tag.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from greenmet.errors import InputError, UnknownKeyError
from greenmet.storage import queries
from greenmet.storage.furnace_period import read_casts
from greenmet.storage.parts import furnace_directory

__all__ = ["CAST_ANALYSIS_COLUMNS", "default_model_store", "read_cast_analyses", "read_process_minutes"]

CAST_ANALYSIS_COLUMNS: tuple[str, ...] = ("hot_metal_silicon_percent", "hot_metal_temperature_degC")
"""Analyses of the casts file a forecast uses."""


def read_cast_analyses(
    root: str | os.PathLike[str], site: str, furnace: str, *, start: Any = None, end: Any = None
) -> pd.DataFrame:
    """The furnace's casts that ended in ``[start, end)``, with their analyses, oldest first.

    Read with :func:`greenmet.storage.furnace_period.read_casts`: the casthouse's casts file, and
    the lab's cast analyses (plant records) where they exist, whose values replace the casthouse's.

    Raises
    ------
    UnknownKeyError
        If the furnace has no casts (none recorded or imported).
    """
    casts = read_casts(
        root,
        site,
        furnace,
        None if start is None else queries.to_utc(start, "start"),
        None if end is None else queries.to_utc(end, "end"),
    )
    if casts.empty and start is None and end is None:
        raise UnknownKeyError(
            "no casts recorded for this furnace",
            field="furnace",
            value=f"{site}/{furnace}",
            fix="check --site and --furnace, or import the casts (greenmet ingest plant-records)",
        )
    frame = pd.DataFrame(
        {
            "cast_id": casts["cast_id"].astype(str),
            "ended_at": pd.to_datetime(casts["end"], utc=True),
            **{
                column: pd.to_numeric(casts[column], errors="coerce").astype("float64")
                for column in CAST_ANALYSIS_COLUMNS
            },
        }
    )
    return frame.sort_values("ended_at", kind="stable").reset_index(drop=True)


def read_process_minutes(
    root: str | os.PathLike[str], site: str, furnace: str, tags: Sequence[str], *, start: Any, end: Any
) -> pd.DataFrame:
    """1-minute means of ``tags`` over ``[start, end)`` (whole minutes), one column per tag.

    Every minute of the window is a row (NaN where a tag has no good point), so window means
    can be taken by position. A tag the furnace never recorded is an error naming it.
    """
    start_utc = queries.to_utc(start, "start").floor("min")
    end_utc = queries.to_utc(end, "end").ceil("min")
    if end_utc <= start_utc:
        raise InputError(
            "the window is empty", field="end", value=str(end), fix="give an end after the start"
        )
    unknown = queries.unknown_tags(root, site, furnace, list(tags))
    if unknown:
        raise UnknownKeyError(
            "tags the historian does not hold (closest known names given)",
            field="tags",
            value=unknown,
            fix=f"see `greenmet historian info` for {site}/{furnace}",
        )
    points = queries.open_points(root, site, furnace, start=start_utc, end=end_utc)
    rollups = queries.open_rollups(
        root, site, furnace, start=start_utc, end=end_utc, backend=points.get_backend()
    )
    long = queries.run(queries.bucketed(points, list(tags), start_utc, end_utc, bucket_s=60, rollups=rollups))
    wide = long.pivot_table(index="bucket_start", columns="tag", values="value_mean", aggfunc="first")
    grid = pd.date_range(start_utc, end_utc, freq="1min", inclusive="left", name="minute_start")
    return wide.reindex(index=grid, columns=list(tags)).astype("float64")


def default_model_store(root: str | os.PathLike[str], site: str, furnace: str) -> Path:
    """Where a furnace's trained forecasters are kept: ``ROOT/site=…/furnace=…/_models/hot_metal_forecast``
    (beside its casts; the historian reads only its ``date=`` partitions and its own files)."""
    return Path(furnace_directory(root, site, furnace)) / "_models" / "hot_metal_forecast"
