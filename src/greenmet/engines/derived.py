"""Derived tags ``calc_*`` written into the historian: over a past range, and live each minute.

One writer per furnace (the historian's lock): in replay :func:`derive_range` (``greenmet bf
derive --start --end``) opens the furnace's :class:`~greenmet.storage.historian.Historian` (or
takes one the caller holds); live, the monitoring engine, which holds the furnace's writer, feeds
its 1-s chunks to :class:`LiveDerivation` and writes the points it returns. Both read the same
inputs (minute values of the tags, the plant records of ``greenmet.storage.plant_records``) and
call the same pure function (:func:`greenmet.monitoring.derived.derive_minutes`), so a minute
derived live and the same minute derived in replay are the same points; deriving a range again
replaces its points (the historian keeps the last write of a tag and instant).

Minute values in replay come from the 1-minute roll-ups (mean of the good points, the sum for
:data:`~greenmet.monitoring.plant_state.MINUTE_SUM_TAGS`); live from the chunk, with bad samples
as NaN (the engine's wide chunks), which is the same.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from greenmet.blast_furnace.simulator import preset
from greenmet.errors import FileFormatError, InputError, Location, StorageError
from greenmet.monitoring.derived import (
    DERIVED_PREFIX,
    derive_minutes,
    derived_catalogue,
    empty_points,
    minute_values,
    to_points,
)
from greenmet.monitoring.plant_state import (
    DEFAULT_ANALYSIS_MAX_AGE,
    DEFAULT_CAST_MAX_AGE,
    DEFAULT_WINDOW,
    MINUTE_SUM_TAGS,
    FurnaceDesign,
    PlantRecords,
)
from greenmet.storage import queries
from greenmet.storage.furnace_metadata import read_furnace_metadata, record_furnace_metadata
from greenmet.storage.historian import Historian
from greenmet.storage.parts import furnace_directory
from greenmet.storage.plant_records import read_plant_records

__all__ = [
    "DEFAULT_CHUNK",
    "DeriveReport",
    "LiveDerivation",
    "derive_range",
    "load_design",
    "measured_tags",
    "read_minutes",
    "read_records",
    "read_toml",
    "tag_descriptions",
]

logger = logging.getLogger(__name__)

_MINUTE = pd.Timedelta(minutes=1)
DEFAULT_CHUNK = pd.Timedelta(hours=6)
"""Minutes derived and written per step of a replay (bounded memory; greenmet's own setting)."""


def _minute(value: Any, field_name: str) -> pd.Timestamp:
    stamp = queries.to_utc(value, field_name)
    if stamp != stamp.floor("min"):
        raise InputError(
            "derived tags are per whole minute",
            field=field_name,
            value=str(value),
            fix=f"give a whole minute, e.g. {stamp.floor('min').isoformat()}",
        )
    return stamp


def read_toml(path: str | os.PathLike[str], field_name: str, missing_fix: str) -> dict[str, Any]:
    """A TOML file as a dict; a missing file or bad syntax raises an error naming ``field_name``."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("no such file", field=field_name, value=str(path), fix=missing_fix) from None
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(
            f"not valid TOML: {exc}",
            field=field_name,
            value=str(path),
            fix="correct the TOML syntax",
            location=Location(str(path)),
        ) from None


def load_design(
    design_file: str | os.PathLike[str] | None = None,
    preset_name: str | None = None,
    *,
    tuyere_diameter_m: float | None = None,
) -> FurnaceDesign:
    """The furnace design of a TOML file (the :class:`FurnaceDesign` fields) or of a simulator preset.

    Exactly one of ``design_file`` and ``preset_name``; ``tuyere_diameter_m`` overrides (a preset
    does not know it: without it the tuyere velocity and kinetic energy are NaN). The CLI verbs
    ``greenmet bf derive`` and ``greenmet bf monitor`` take ``--design`` / ``--preset``.
    """
    if (design_file is None) == (preset_name is None):
        raise InputError(
            "give the furnace design: --design FILE or --preset NAME",
            field="--design",
            fix="e.g. --preset 2500m3 for a simulated furnace, or a TOML file with "
            "working_volume_m3, hearth_diameter_m, tuyeres, tuyere_diameter_m",
        )
    data: dict[str, Any]
    if design_file is not None:
        data = read_toml(design_file, "--design", "give an existing TOML file of the FurnaceDesign fields")
    else:
        config = preset(str(preset_name))
        data = {
            "working_volume_m3": config.working_volume_m3,
            "hearth_diameter_m": config.hearth_diameter_m,
            "tuyeres": config.tuyeres,
            "stave_rows": config.stave_rows,
        }
    if tuyere_diameter_m is not None:
        data["tuyere_diameter_m"] = tuyere_diameter_m
    return FurnaceDesign.from_mapping(data)


def measured_tags(
    root: str | os.PathLike[str], site: str, furnace: str, start: Any = None, end: Any = None
) -> list[str]:
    """The tags the furnace records, derived ones left out: those of ``_furnace.json`` and those
    with points (in the UTC dates of ``[start, end)`` when given, so a long history is not scanned)."""
    if start is None and end is None:
        tags = set(queries.known_tags(root, site, furnace))
    else:
        try:
            described = read_furnace_metadata(furnace_directory(root, site, furnace)).get("tags") or {}
        except StorageError:  # a damaged metadata file: the points still name their tags
            described = {}
        tags = {str(tag) for tag in described}
        rollups = queries.open_rollups(root, site, furnace, start=start, end=end)
        table = (
            rollups if rollups is not None else queries.open_points(root, site, furnace, start=start, end=end)
        )
        tags.update(queries.run(table.select("tag").distinct())["tag"].astype(str))
    return sorted(tag for tag in tags if not tag.startswith(DERIVED_PREFIX))


def read_minutes(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    start: Any,
    end: Any,
    tags: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Minute values of the furnace's tags in ``[start, end)`` from the historian's roll-ups.

    Every minute of the range is a row (NaN where a tag has no good point); the mean of the good
    points, the sum for ``MINUTE_SUM_TAGS``. Derived tags are left out.
    """
    start_utc, end_utc = _minute(start, "start"), _minute(end, "end")
    index = pd.date_range(start_utc, end_utc, freq="min", inclusive="left")
    rollups = queries.open_rollups(root, site, furnace, start=start_utc, end=end_utc)
    if rollups is None:
        points = queries.open_points(root, site, furnace, start=start_utc, end=end_utc)
        chosen = points.filter(
            points.ts >= start_utc,
            points.ts < end_utc,
            points.quality != 128,
            ~points.tag.startswith(DERIVED_PREFIX),
        )
        if tags is not None:
            chosen = chosen.filter(chosen.tag.isin(list(tags)))
        raw = queries.run(chosen.select("ts", "tag", "value"))
        wide = raw.pivot_table(index="ts", columns="tag", values="value", aggfunc="mean")
        wide.index = pd.DatetimeIndex(wide.index)
        return minute_values(wide).reindex(index) if len(wide) else pd.DataFrame(index=index)
    start_us, end_us = start_utc.value // 1000, end_utc.value // 1000
    chosen = rollups.filter(
        rollups.minute_us >= start_us, rollups.minute_us < end_us, ~rollups.tag.startswith(DERIVED_PREFIX)
    )
    if tags is not None:
        chosen = chosen.filter(chosen.tag.isin(list(tags)))
    grouped = chosen.group_by(["tag", "minute_start"]).aggregate(
        value_sum=chosen.value_sum.sum(), good_count=chosen.good_count.sum()
    )
    frame = queries.run(grouped)
    if frame.empty:
        return pd.DataFrame(index=index)
    good = frame["good_count"] > 0
    summed = frame["tag"].isin(MINUTE_SUM_TAGS)
    frame["value"] = np.where(
        good,
        np.where(summed, frame["value_sum"], frame["value_sum"] / frame["good_count"].where(good, 1)),
        np.nan,
    )
    wide = frame.pivot_table(
        index="minute_start", columns="tag", values="value", aggfunc="first", dropna=False
    )
    wide.index = pd.DatetimeIndex(wide.index).tz_convert("UTC")
    wide.columns.name = None
    return wide.reindex(index)


def read_records(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    start: Any,
    end: Any,
    *,
    window: pd.Timedelta = DEFAULT_WINDOW,
    analysis_max_age: pd.Timedelta = DEFAULT_ANALYSIS_MAX_AGE,
    cast_max_age: pd.Timedelta = DEFAULT_CAST_MAX_AGE,
) -> PlantRecords:
    """The plant records needed to derive ``[start, end)``: the charges of the windows, the
    analyses sampled since the oldest age still used."""
    start_utc, end_utc = queries.to_utc(start, "start"), queries.to_utc(end, "end")
    return PlantRecords(
        charges=read_plant_records(
            Path(root), site, furnace, "charges", start=start_utc - window, end=end_utc
        ),
        material_analyses=read_plant_records(
            Path(root),
            site,
            furnace,
            "material_analyses",
            start=start_utc - window - analysis_max_age,
            end=end_utc,
        ),
        cast_analyses=read_plant_records(
            Path(root), site, furnace, "cast_analyses", start=start_utc - window - cast_max_age, end=end_utc
        ),
    )


def tag_descriptions(measured: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``_furnace.json`` entries of the derived tags of a furnace recording ``measured``."""
    catalogue = derived_catalogue(measured)
    return {
        str(row.tag): {
            "unit": row.unit,
            "description_en": row.description_en,
            "description_zh": row.description_zh,
            "subsystem": row.subsystem,
            "formula": row.formula,
            "provisional": bool(row.provisional),
        }
        for row in catalogue.itertuples(index=False)
    }


@dataclass
class DeriveReport:
    """What :func:`derive_range` did: minutes computed, points written, bad points (NaN), what
    the inputs lacked, which derived tags were left out as duplicates of measured tags."""

    start: pd.Timestamp
    end: pd.Timestamp
    minutes: int = 0
    points: int = 0
    bad_points: int = 0
    tags: list[str] = field(default_factory=list)
    lacking: dict[str, str] = field(default_factory=dict)
    left_out: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "minutes": self.minutes,
            "points": self.points,
            "bad_points": self.bad_points,
            "tags": self.tags,
            "lacking": self.lacking,
            "left_out": self.left_out,
        }


def derive_range(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    start: Any,
    end: Any,
    design: FurnaceDesign,
    *,
    window: pd.Timedelta = DEFAULT_WINDOW,
    historian: Historian | None = None,
    chunk: pd.Timedelta = DEFAULT_CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> DeriveReport:
    """Compute the derived tags of every minute of ``[start, end)`` and write them.

    Parameters
    ----------
    root, site, furnace
        The furnace's historian.
    start, end
        Whole minutes (UTC or with an offset).
    design, window
        As for :func:`~greenmet.monitoring.derived.derive_minutes`.
    historian
        The furnace's writer, when the caller holds it; otherwise one is opened and closed here
        (refused with :class:`~greenmet.errors.StorageError` while another process writes the
        furnace: run the derivation through that process).
    chunk
        Minutes computed and written per step (bounded memory) [h].
    progress
        Called with (minutes done, minutes in all) after each step.
    """
    start_utc, end_utc = _minute(start, "start"), _minute(end, "end")
    if end_utc <= start_utc:
        raise InputError(
            "the range is empty", field="end", value=end_utc.isoformat(), fix="give an end after the start"
        )
    directory = furnace_directory(root, site, furnace)
    if not Path(directory).is_dir():
        raise StorageError(
            "no such furnace in the historian",
            field="furnace",
            value=f"{site}/{furnace}",
            fix="check --root, --site and --furnace (greenmet historian info)",
        )
    measured = measured_tags(root, site, furnace, start_utc - window, end_utc)
    report = DeriveReport(start=start_utc, end=end_utc)
    owned = historian is None
    writer = Historian(root, site, furnace) if historian is None else historian
    try:
        descriptions = tag_descriptions(measured)
        writer.describe_tags(descriptions)
        report.tags = sorted(descriptions)
        total = int((end_utc - start_utc) / _MINUTE)
        step_start = start_utc
        while step_start < end_utc:
            step_end = min(step_start + chunk, end_utc)
            minutes = read_minutes(root, site, furnace, step_start - window, step_end)
            records = read_records(root, site, furnace, step_start, step_end, window=window)
            derived = derive_minutes(
                minutes, records, design, start=step_start, window=window, measured_tags=measured
            )
            points = to_points(derived)
            writer.write(points)
            report.minutes += len(derived.values)
            report.points += len(points)
            report.bad_points += int((points["quality"] == 128).sum())
            report.lacking.update(derived.lacking)
            report.left_out.update(derived.left_out)
            if progress is not None:
                progress(int((step_end - start_utc) / _MINUTE), total)
            step_start = step_end
        writer.flush()
    finally:
        if owned:
            writer.close()
    return report


class LiveDerivation:
    """Derived tags of each minute as it completes, for the process that holds the furnace's writer.

    The monitoring engine (:class:`greenmet.engines.monitoring.MinuteCalculation`) hands
    :meth:`step` each complete minute once, in time order, as a wide 1-s frame (UTC index, one
    column per tag of the furnace, NaN for gaps and bad samples); :meth:`step` returns the points
    of those minutes, ready for ``Historian.write``. At the first call it reads the window before
    it from the historian's roll-ups (so rates are there from the first minute) and records the
    derived tags' descriptions in ``_furnace.json``. Plant records are read from their files at
    each call (charges and analyses arrive all the time).
    """

    def __init__(
        self,
        root: str | os.PathLike[str],
        site: str,
        furnace: str,
        design: FurnaceDesign,
        *,
        window: pd.Timedelta = DEFAULT_WINDOW,
        measured: Sequence[str] | None = None,
    ) -> None:
        self.root, self.site, self.furnace = root, site, furnace
        self.design = design
        self.window = window
        self._measured = list(measured) if measured is not None else None
        self._minutes: pd.DataFrame | None = None  # the window of minute values before the next call
        #: What the inputs lacked at the last call (see ``plant_state_frame``).
        self.lacking: dict[str, str] = {}

    def measured(self) -> list[str]:
        """Tags the furnace records (given, or read once from the furnace's metadata)."""
        if self._measured is None:
            directory = furnace_directory(self.root, self.site, self.furnace)
            try:
                tags = read_furnace_metadata(directory).get("tags") or {}
            except StorageError:
                tags = {}
            self._measured = [t for t in tags if not t.startswith(DERIVED_PREFIX)]
        return self._measured

    def descriptions(self) -> dict[str, dict[str, Any]]:
        """``_furnace.json`` entries of the derived tags this derivation writes."""
        return tag_descriptions(self.measured())

    def step(self, seconds: pd.DataFrame) -> pd.DataFrame:
        """Points (``ts, tag, value, quality``) of the whole minutes in ``seconds``."""
        if seconds.empty:
            return empty_points()
        if not isinstance(seconds.index, pd.DatetimeIndex) or seconds.index.tz is None:
            raise InputError(
                "the samples need a UTC DatetimeIndex",
                field="seconds.index",
                value=type(seconds.index).__name__,
                fix="index the samples by UTC time",
            )
        seconds = seconds[[c for c in seconds.columns if not str(c).startswith(DERIVED_PREFIX)]]
        new_minutes = minute_values(seconds)
        first = new_minutes.index[0]
        if self._minutes is None:
            if self._measured is None:
                self._measured = sorted(set(self.measured()) | {str(c) for c in seconds.columns})
            record_furnace_metadata(
                furnace_directory(self.root, self.site, self.furnace), tags=self.descriptions()
            )
            self._minutes = read_minutes(self.root, self.site, self.furnace, first - self.window, first)
        window_minutes = int(self.window / _MINUTE)
        combined = pd.concat([self._minutes, new_minutes])
        combined = combined[~combined.index.duplicated(keep="last")].sort_index()
        combined = combined.reindex(pd.date_range(combined.index[0], combined.index[-1], freq="min"))
        self._minutes = combined.iloc[-window_minutes:]
        records = read_records(
            self.root, self.site, self.furnace, first, new_minutes.index[-1] + _MINUTE, window=self.window
        )
        derived = derive_minutes(
            combined.iloc[-(window_minutes + len(new_minutes)) :],
            records,
            self.design,
            start=first,
            window=self.window,
            measured_tags=self.measured(),
        )
        self.lacking = derived.lacking
        return to_points(derived)
