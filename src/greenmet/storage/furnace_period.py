"""What a health check or a furnace-chief report reads for one period, from the historian and records.

:func:`read_period_data` gives a :class:`~greenmet.monitoring.health.PeriodData`: the 1-minute
means of the single tags the indicators and the report read, and hourly means of the tag
families (hearth thermocouples, stave rows, tuyere cooling water), both combined from the
historian's 1-minute roll-ups (:func:`greenmet.storage.queries.bucketed`: no raw point is read
for a period on whole minutes), and the casts that end in the period.

Casts come from the plant records beside the historian: ``_casts.parquet`` (the simulator and
plants that write it) and the records store's ``casts`` table when given; a cast found in both
is taken from the records store. :func:`read_period_alerts` gives the alerts of the records store
that were active in the period, with the acknowledgements (who, when, the comment as the action
taken).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd

from greenmet.errors import FileFormatError, StorageError
from greenmet.monitoring.health import INDICATORS, PeriodData
from greenmet.storage.furnace_metadata import read_furnace_metadata
from greenmet.storage.parts import furnace_directory
from greenmet.storage.plant_records import read_plant_records
from greenmet.storage.queries import bucketed, open_points, open_rollups, run
from greenmet.storage.records import RecordStore
from greenmet.storage.rollups import ROLLUP_WIDTH_S

__all__ = [
    "FAMILY_PREFIXES",
    "HOT_METAL_COMPONENTS",
    "REPORT_TAGS",
    "furnace_time_zone",
    "minute_tags",
    "read_casts",
    "read_period_alerts",
    "read_period_data",
]

#: Tag families read as hourly means (one column per member): slow signals with many members.
FAMILY_PREFIXES: tuple[str, ...] = (
    "hearth_temperature_t",
    "stave_water_flow_r",
    "stave_water_outlet_temperature_r",
    "tuyere_water_inlet_flow_t",
    "tuyere_water_outlet_flow_t",
)
#: Tags the furnace-chief report shows besides the health-check inputs (1-minute means).
REPORT_TAGS: tuple[str, ...] = (
    "blast_volume",
    "blast_temperature",
    "blast_pressure",
    "oxygen_flow",
    "oxygen_enrichment",
    "coal_injection_rate",
    "top_pressure",
    "top_gas_utilisation",
    "permeability_index",
    "raceway_adiabatic_flame_temperature",
    "calc_coke_rate_kg_per_thm",
    "calc_fuel_rate_kg_per_thm",
    "calc_slag_rate_kg_per_thm",
)
_UPTAKE_PREFIX = "top_temperature_u"


def minute_tags(fuel_rate_tag: str = "calc_fuel_rate_kg_per_thm") -> list[str]:
    """The single tags read at one minute: the indicators' inputs and :data:`REPORT_TAGS`."""
    tags = {
        tag
        for indicator in INDICATORS
        for tag in indicator.inputs
        if "*" not in tag and not tag.startswith("casts.")
    }
    tags.discard("calc_fuel_rate_kg_per_thm")
    tags.add(fuel_rate_tag)
    tags.add("stave_water_inlet_temperature")
    return sorted(tags | set(REPORT_TAGS))


def furnace_time_zone(root: str | os.PathLike[str], site: str, furnace: str) -> str:
    """The plant's IANA time zone from ``_furnace.json`` (UTC when none is recorded)."""
    directory = furnace_directory(root, site, furnace)
    with contextlib.suppress(StorageError, FileNotFoundError):
        zone = read_furnace_metadata(directory).get("time_zone")
        if zone:
            return str(zone)
    return "UTC"


def _family_members(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    rollups: Any,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> list[str]:
    """Members of the families and uptakes: from ``_furnace.json``, else from the period's roll-ups."""
    prefixes = (*FAMILY_PREFIXES, _UPTAKE_PREFIX)
    directory = furnace_directory(root, site, furnace)
    names: Iterable[str] = ()
    with contextlib.suppress(StorageError, FileNotFoundError):
        names = [str(tag) for tag in (read_furnace_metadata(directory).get("tags") or {})]
    members = [
        tag for tag in names if tag.startswith(prefixes) and tag[len(_prefix(tag, prefixes)) :].isdigit()
    ]
    if members or rollups is None:
        return sorted(members)
    window = rollups.filter(
        rollups.minute_start >= start.to_pydatetime(), rollups.minute_start < end.to_pydatetime()
    )
    found = run(window.select("tag").distinct())["tag"].astype(str)
    return sorted(
        tag for tag in found if tag.startswith(prefixes) and tag[len(_prefix(tag, prefixes)) :].isdigit()
    )


def _prefix(tag: str, prefixes: Sequence[str]) -> str:
    return next(p for p in prefixes if tag.startswith(p))


def _wide(frame: pd.DataFrame, index_name: str) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name=index_name))
    wide = frame.pivot(index="bucket_start", columns="tag", values="value_mean")
    wide.index = pd.DatetimeIndex(wide.index).rename(index_name)
    wide.columns = [str(c) for c in wide.columns]
    return wide.sort_index()


def read_period_data(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    records: RecordStore | None = None,
    fuel_rate_tag: str = "calc_fuel_rate_kg_per_thm",
    backend: Any = None,
) -> PeriodData:
    """The :class:`PeriodData` of ``[start, end)`` for one furnace.

    Parameters
    ----------
    root, site, furnace
        Where the historian keeps the furnace.
    start, end
        UTC instants; on whole minutes the roll-ups answer (the raw points otherwise).
    records
        The records store, for its ``casts`` table (optional).
    fuel_rate_tag
        The derived tag of the fuel rate (weights file ``settings.fuel_rate_tag``).
    backend
        An Ibis backend (DuckDB by default).
    """
    if backend is None:
        backend = ibis.duckdb.connect()
        backend.raw_sql("SET enable_progress_bar = false")  # no DuckDB bar on the user's terminal
    points = open_points(root, site, furnace, start=start, end=end, backend=backend)
    rollups = open_rollups(root, site, furnace, start=start, end=end, backend=backend)
    uptakes_and_families = _family_members(root, site, furnace, rollups, start, end)
    uptakes = [tag for tag in uptakes_and_families if tag.startswith(_UPTAKE_PREFIX)]
    families = [tag for tag in uptakes_and_families if not tag.startswith(_UPTAKE_PREFIX)]
    minutes = _means(points, rollups, minute_tags(fuel_rate_tag) + uptakes, start, end, 60, "minute_start")
    hours = _means(points, rollups, families, start, end, 3600, "hour_start") if families else None
    casts = read_casts(root, site, furnace, start, end, records=records)
    return PeriodData(start, end, minutes, hours, casts)


def _means(
    points: Any,
    rollups: Any,
    tags: list[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    width_s: int,
    index_name: str,
) -> pd.DataFrame:
    """Wide frame of the means of ``tags`` per ``width_s`` bucket aligned on ``start``.

    From the roll-ups when the window is on whole minutes: only the sums and good counts are
    combined (Σ value_sum / Σ good_count per tag and bucket), the lean form of
    :func:`greenmet.storage.queries.bucketed` (which also combines minima, maxima and last
    values the health check does not read); from the raw points otherwise.
    """
    minute_us = ROLLUP_WIDTH_S * 1_000_000
    start_us, end_us = start.value // 1000, end.value // 1000
    if rollups is None or start_us % minute_us or end_us % minute_us:
        return _wide(run(bucketed(points, tags, start, end, bucket_s=width_s)), index_name)
    width_us = width_s * 1_000_000
    selected = rollups.filter(
        rollups.tag.isin(tags), rollups.minute_us >= start_us, rollups.minute_us < end_us
    )
    selected = selected.mutate(bucket_us=(selected.minute_us - start_us) // width_us * width_us + start_us)
    frame = run(
        selected.group_by(["tag", "bucket_us"]).aggregate(
            value_sum=selected.value_sum.sum(), good_count=selected.good_count.sum()
        )
    )
    if frame.empty:
        return pd.DataFrame(index=pd.DatetimeIndex([], tz="UTC", name=index_name))
    counts = frame["good_count"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, frame["value_sum"].to_numpy(dtype=float) / counts, np.nan)
    frame = pd.DataFrame(
        {
            "tag": frame["tag"].astype(str),
            "bucket_start": pd.to_datetime(frame["bucket_us"].to_numpy(dtype="int64"), unit="us", utc=True),
            "value_mean": means,
        }
    )
    return _wide(frame, index_name)


_CAST_FILE_COLUMNS = (
    "cast_number",
    "start",
    "end",
    "taphole",
    "hot_metal_temperature_degC",
    "hot_metal_silicon_percent",
    "hot_metal_sulphur_percent",
    "slag_basicity",
    "hot_metal_mass_t",
)


def read_casts(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
    *,
    records: RecordStore | None = None,
) -> pd.DataFrame:
    """Casts of the furnace ending in ``[start, end)``, one row each, ordered by end.

    Columns: ``cast_id, start, end, taphole, hot_metal_temperature_degC,
    hot_metal_silicon_percent, hot_metal_sulphur_percent, slag_basicity, hot_metal_mass_t`` and
    the other hot-metal components the lab analysed (:data:`HOT_METAL_COMPONENTS`). From
    ``_casts.parquet`` beside the historian, the records store's ``casts`` table, and the lab's
    cast analyses (``_cast_analyses.parquet``, :mod:`greenmet.storage.plant_records`), whose
    values replace the casthouse's.

    Raises
    ------
    FileFormatError
        ``_casts.parquet`` exists but cannot be read or lacks ``end``.
    """
    frames = []
    path = Path(furnace_directory(root, site, furnace)) / "_casts.parquet"
    if path.exists():
        try:
            stored = pd.read_parquet(path)
        except (OSError, ValueError) as exc:
            raise FileFormatError(
                f"the casts file cannot be read: {exc}",
                field="path",
                value=str(path),
                fix="restore the file, or move it away to report without casts",
            ) from exc
        if "end" not in stored.columns:
            raise FileFormatError(
                "the casts file has no 'end' column",
                field="path",
                value=str(path),
                fix="write casts with start, end and the analysis columns",
            )
        stored = stored.reindex(columns=list(_CAST_FILE_COLUMNS))
        stored.insert(
            0, "cast_id", stored.pop("cast_number").map(lambda n: None if pd.isna(n) else str(int(n)))
        )
        frames.append(stored)
    if records is not None:
        table = records.query(
            'SELECT cast_id, opened_at AS start, closed_at AS "end", taphole, '
            "hot_metal_temperature_degC, silicon_pct AS hot_metal_silicon_percent, "
            "sulphur_pct AS hot_metal_sulphur_percent, hot_metal_mass_t FROM casts "
            "WHERE site = ? AND furnace = ? AND closed_at IS NOT NULL",
            [site, furnace],
        )
        if not table.empty:
            table["slag_basicity"] = float("nan")
            frames.append(table)
    analyses = _cast_analysis_columns(read_plant_records(Path(root), site, furnace, "cast_analyses"))
    if not frames and analyses.empty:
        return pd.DataFrame(columns=["cast_id", *_CAST_FILE_COLUMNS[1:]])
    if frames:
        casts = pd.concat([f for f in frames if not f.empty] or frames[:1], ignore_index=True)
        for column in ("start", "end"):
            casts[column] = pd.to_datetime(casts[column], utc=True)
        casts = casts.drop_duplicates(subset=["cast_id"], keep="last")
    else:
        casts = pd.DataFrame(columns=["cast_id", *_CAST_FILE_COLUMNS[1:]])
    if not analyses.empty:
        casts = _with_analyses(casts, analyses)
    if start is not None:
        casts = casts[casts["end"] >= start]
    if end is not None:
        casts = casts[casts["end"] < end]
    casts["cast_id"] = casts["cast_id"].astype(object)  # plain objects: cheap to cut into periods
    return casts.sort_values("end").reset_index(drop=True)


#: Hot-metal components of the lab's cast analyses → cast columns (mass fractions in %).
HOT_METAL_COMPONENTS: dict[str, str] = {
    "Si": "hot_metal_silicon_percent",
    "S": "hot_metal_sulphur_percent",
    "C": "hot_metal_carbon_percent",
    "Mn": "hot_metal_manganese_percent",
    "P": "hot_metal_phosphorus_percent",
    "Ti": "hot_metal_titanium_percent",
}


def _cast_analysis_columns(analyses: pd.DataFrame) -> pd.DataFrame:
    """One row per cast from the lab's analyses: the latest sample of each component.

    Hot-metal components (in %) become :data:`HOT_METAL_COMPONENTS` columns, the slag's
    CaO/SiO2 ``slag_basicity``; ``sampled_at`` is the latest sample of the cast.
    """
    if analyses.empty:
        return pd.DataFrame()
    percent = analyses[analyses["unit"].astype(str) == "%"].sort_values("sampled_at")
    latest = percent.groupby(["cast_id", "sample", "component"], as_index=False).last()
    hot_metal = latest[latest["sample"] == "hot_metal"].pivot(
        index="cast_id", columns="component", values="value"
    )
    hot_metal = hot_metal.rename(columns=HOT_METAL_COMPONENTS)[
        [
            c
            for c in HOT_METAL_COMPONENTS.values()
            if c in hot_metal.rename(columns=HOT_METAL_COMPONENTS).columns
        ]
    ]
    slag = latest[latest["sample"] == "slag"].pivot(index="cast_id", columns="component", values="value")
    table = hot_metal
    if {"CaO", "SiO2"} <= set(slag.columns):
        table = table.join((slag["CaO"] / slag["SiO2"]).rename("slag_basicity"), how="outer")
    table = table.join(analyses.groupby("cast_id")["sampled_at"].max(), how="outer")
    return table.reset_index()


def _with_analyses(casts: pd.DataFrame, analyses: pd.DataFrame) -> pd.DataFrame:
    """Casts with the lab's values replacing the casthouse's; casts known only from the lab end at
    their latest sample (a cast is sampled at its end)."""
    merged = casts.merge(analyses, how="outer", on="cast_id", suffixes=("", "_lab"))
    for column in analyses.columns:
        if column in ("cast_id", "sampled_at"):
            continue
        lab = f"{column}_lab"
        if lab in merged.columns:
            merged[column] = merged[lab].combine_first(merged[column])
            merged = merged.drop(columns=[lab])
    merged["end"] = pd.to_datetime(merged["end"], utc=True).fillna(
        pd.to_datetime(merged["sampled_at"], utc=True)
    )
    return merged.drop(columns=["sampled_at"])


def read_period_alerts(
    records: RecordStore, site: str, furnace: str, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Alerts active in ``[start, end)`` and their acknowledgements.

    An alert is active in the period when raised before its end and not cleared (nor closed)
    before its start. Returns ``(alerts, acknowledgements)``: ``alerts`` has ``alert_id,
    fault_kind, category, severity, state, status, raised_at, cleared_at, closed_at, closed_by,
    message_en, message_zh`` (the 0002 columns are empty on a store without them); the
    acknowledgements ``alert_id, acknowledged_by, acknowledged_at, action`` (the comment).
    """
    columns = records.columns("alerts")
    optional = {
        name: (name if name in columns else "NULL")
        for name in ("category", "fault_kind", "state", "closed_at", "closed_by", "mode")
    }
    kind = f"coalesce({optional['fault_kind']}, rule)"
    mode_filter = f" AND coalesce({optional['mode']}, 'live') = 'live'"
    alerts = records.query(
        f"SELECT id AS alert_id, {kind} AS fault_kind, {optional['category']} AS category, severity, "
        f"{optional['state']} AS state, raised_at, cleared_at, {optional['closed_at']} AS closed_at, "
        f"{optional['closed_by']} AS closed_by, message_en, message_zh, tag FROM alerts "
        f"WHERE site = ? AND furnace = ? AND raised_at < ? "
        f"AND coalesce(cleared_at, {optional['closed_at']}, TIMESTAMPTZ '9999-12-31 00:00:00+00') >= ?"
        f"{mode_filter} ORDER BY raised_at, id",
        [site, furnace, end.to_pydatetime(), start.to_pydatetime()],
    )
    if alerts.empty:
        acknowledgements = pd.DataFrame(columns=["alert_id", "acknowledged_by", "acknowledged_at", "action"])
    else:
        ids = [int(i) for i in alerts["alert_id"]]
        marks = ", ".join("?" for _ in ids)
        acknowledgements = records.query(
            f"SELECT alert_id, user_name AS acknowledged_by, acknowledged_at, comment AS action "
            f"FROM acknowledgements WHERE alert_id IN ({marks}) ORDER BY acknowledged_at",
            ids,
        )
    for frame in (alerts, acknowledgements):
        for column in ("raised_at", "cleared_at", "closed_at", "acknowledged_at"):
            if column in frame.columns:
                frame[column] = pd.to_datetime(frame[column], utc=True)
    status = pd.Series("open", index=alerts.index, dtype=object)
    if not alerts.empty:
        acknowledged = alerts["alert_id"].isin(acknowledgements["alert_id"])
        status[acknowledged.to_numpy()] = "acknowledged"
        status[alerts["closed_at"].notna().to_numpy()] = "closed"
    alerts["status"] = status
    return alerts, acknowledgements
