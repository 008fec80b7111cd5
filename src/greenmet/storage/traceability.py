"""Traceability read from a furnace's stores.

The pure joins live in :mod:`greenmet.monitoring.traceability`; this module loads what they need
from the historian root (``docs/dev/plant_data_contract.md``) and the records store:

- casts from ``_casts.parquet`` (one row per cast, written by the simulator or an import),
  plant records (charges, material and cast analyses, destinations) through
  :func:`greenmet.storage.plant_records.read_plant_records`;
- the furnace state of a window as per-tag statistics from the historian (its 1-minute
  roll-ups where they exist);
- alerts from the records store (:func:`greenmet.storage.alerts.list_alerts`).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from greenmet.monitoring.traceability import CastTrace, LotTrace, trace_cast, trace_lot
from greenmet.storage import queries
from greenmet.storage.consultation import furnace_alerts, furnace_casts
from greenmet.storage.plant_records import read_plant_records

__all__ = [
    "STATE_TAGS",
    "TraceRecords",
    "cast_trace_payload",
    "furnace_state",
    "json_rows",
    "load_trace_records",
    "lot_trace_payload",
    "trace_cast_from_store",
    "trace_lot_from_store",
]

STATE_TAGS = (
    "blast_volume",
    "blast_temperature",
    "blast_pressure",
    "oxygen_enrichment",
    "blast_humidity",
    "coal_injection_rate",
    "top_pressure",
    "pressure_differential",
    "permeability_index",
    "top_gas_utilisation",
    "top_gas_h2",
    "raceway_adiabatic_flame_temperature",
    "bosh_gas_volume",
    "calc_fuel_rate_kg_per_thm",
    "calc_coke_rate_kg_per_thm",
    "calc_thermal_state_index_k",
)
"""Tags summarised as the furnace state of a trace (those the furnace has)."""


@dataclass(frozen=True)
class TraceRecords:
    """The records of one furnace a trace joins."""

    casts: pd.DataFrame
    charges: pd.DataFrame
    material_analyses: pd.DataFrame
    cast_analyses: pd.DataFrame
    destinations: pd.DataFrame


def load_trace_records(root: str | os.PathLike[str], site: str, furnace: str) -> TraceRecords:
    """Casts and plant records of a furnace (each empty with its columns when absent)."""
    root = Path(root)
    return TraceRecords(
        casts=furnace_casts(root, site, furnace),
        charges=read_plant_records(root, site, furnace, "charges"),
        material_analyses=read_plant_records(root, site, furnace, "material_analyses"),
        cast_analyses=read_plant_records(root, site, furnace, "cast_analyses"),
        destinations=read_plant_records(root, site, furnace, "hot_metal_destinations"),
    )


def furnace_state(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    start: Any,
    end: Any,
    tags: tuple[str, ...] = STATE_TAGS,
) -> pd.DataFrame:
    """Mean, minimum and maximum of each state tag over ``[start, end)`` (tags the furnace has).

    Columns ``tag``, ``value_mean``, ``value_min``, ``value_max``, ``point_count``,
    ``bad_count``; empty when the historian holds none of the tags.
    """
    known = set(queries.known_tags(root, site, furnace))
    present = [tag for tag in tags if tag in known]
    columns = ["tag", "value_mean", "value_min", "value_max", "point_count", "bad_count"]
    if not present:
        return pd.DataFrame(columns=columns)
    start_utc = queries.to_utc(start, "start").floor("min")
    end_utc = queries.to_utc(end, "end").ceil("min")
    if end_utc <= start_utc:
        end_utc = start_utc + pd.Timedelta(minutes=1)
    points = queries.open_points(root, site, furnace, start=start_utc, end=end_utc)
    rollups = queries.open_rollups(root, site, furnace, start=start_utc, end=end_utc)
    width = (end_utc - start_utc).total_seconds()
    frame = queries.run(
        queries.bucketed(points, present, start_utc, end_utc, bucket_s=width, rollups=rollups)
    )
    return frame.loc[:, columns].reset_index(drop=True)


def trace_cast_from_store(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    cast_id: str,
    *,
    working_volume_m3: float,
    records: str | os.PathLike[str] | None = None,
    shrinkage: float | None = None,
    alerts: pd.DataFrame | None = None,
) -> tuple[CastTrace, pd.DataFrame]:
    """Trace a cast from the stores: the :class:`CastTrace` and the furnace state of its
    burden window (:func:`furnace_state`; the production window when no charge is traced).
    ``alerts``: the furnace's alerts already read (an open records store), instead of ``records``."""
    loaded = load_trace_records(root, site, furnace)
    trace = trace_cast(
        cast_id,
        loaded.casts,
        loaded.charges,
        working_volume_m3=working_volume_m3,
        material_analyses=loaded.material_analyses,
        cast_analyses=loaded.cast_analyses,
        destinations=loaded.destinations,
        alerts=alerts if alerts is not None else furnace_alerts(records, site, furnace),
        shrinkage=shrinkage,
    )
    window = trace.burden_window or trace.production_window
    return trace, furnace_state(root, site, furnace, *window)


def trace_lot_from_store(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    lot_id: str,
    *,
    working_volume_m3: float,
    shrinkage: float | None = None,
) -> LotTrace:
    """Follow a lot from the stores into the casts it went into."""
    loaded = load_trace_records(root, site, furnace)
    return trace_lot(
        lot_id,
        loaded.casts,
        loaded.charges,
        working_volume_m3=working_volume_m3,
        destinations=loaded.destinations,
        shrinkage=shrinkage,
    )


def json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows: instants as ISO 8601 text, NaN and NaT as null."""
    rows = []
    for row in frame.to_dict("records"):
        rows.append(
            {
                str(k): (
                    None
                    if (isinstance(v, float) and math.isnan(v)) or v is pd.NaT
                    else v.isoformat()
                    if isinstance(v, pd.Timestamp)
                    else v
                )
                for k, v in row.items()
            }
        )
    return rows


def lot_trace_payload(found: LotTrace, language: str) -> dict[str, Any]:
    """A lot's trace as JSON-ready data (``greenmet bf trace --lot``, the web service)."""
    from greenmet.i18n import render

    return {
        "lot_id": found.lot_id,
        "materials": list(found.materials),
        "casts": json_rows(found.casts),
        "destinations": json_rows(found.destinations),
        "charges": json_rows(found.charges),
        "missing": [render(m, language) for m in found.missing],
        "provisional": list(found.provisional),
    }


def cast_trace_payload(result: CastTrace, state: pd.DataFrame, language: str) -> dict[str, Any]:
    """A cast's trace and the furnace state of its window as JSON-ready data
    (``greenmet bf trace --cast``, the web service)."""
    from greenmet.i18n import render

    return {
        "cast_id": result.cast_id,
        "cast": json_rows(pd.DataFrame([result.cast]))[0],
        "production_window": [t.isoformat() for t in result.production_window],
        "burden_window": [t.isoformat() for t in result.burden_window] if result.burden_window else None,
        "residence_time_h": None
        if math.isnan(result.residence_time_h)
        else round(result.residence_time_h, 3),
        "charges": json_rows(result.charges),
        "lots": json_rows(result.lots),
        "lot_analyses": json_rows(result.lot_analyses),
        "hot_metal_analyses": json_rows(result.hot_metal_analyses),
        "furnace_state": json_rows(state),
        "alerts": json_rows(
            result.alerts.drop(
                columns=[c for c in ("evidence", "countermeasures", "details") if c in result.alerts.columns]
            )
        ),
        "destinations": json_rows(result.destinations),
        "missing": [render(m, language) for m in result.missing],
        "provisional": list(result.provisional),
    }
