"""Inputs of an expert consultation read from a furnace's stores.

:func:`consultation_window` gives the minute means of the tags a rule base reads,
:func:`active_alert_kinds` the fault kinds of the alerts active at a moment (records store),
:func:`cast_states` the per-cast inputs of the thermal-state model
(:mod:`greenmet.monitoring.expert.thermal`); :func:`furnace_casts` reads ``_casts.parquet``.
The rules themselves are pure (:mod:`greenmet.monitoring.expert`).
"""

from __future__ import annotations

import fnmatch
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from greenmet.errors import InputError, StorageError
from greenmet.monitoring.expert import RuleBase
from greenmet.monitoring.expert.thermal import CAST_STATE_COLUMNS
from greenmet.storage import queries
from greenmet.storage.alerts import list_alerts, open_records
from greenmet.storage.parts import furnace_directory

__all__ = [
    "active_alert_kinds",
    "active_kinds",
    "cast_states",
    "consultation_window",
    "diagnosis_payload",
    "furnace_alerts",
    "furnace_casts",
]

_CAST_RENAME = {"cast_number": "cast_id"}


def furnace_casts(root: str | os.PathLike[str], site: str, furnace: str) -> pd.DataFrame:
    """The casts of a furnace (``_casts.parquet``) with ``cast_id`` as text; empty if none.

    Raises
    ------
    StorageError
        If the file exists but cannot be read.
    """
    path = furnace_directory(root, site, furnace) / "_casts.parquet"
    if not path.exists():
        return pd.DataFrame(columns=["cast_id", "start", "end"])
    try:
        frame = pq.read_table(path).to_pandas()
    except OSError as error:
        raise StorageError(
            "cannot read the casts",
            field="path",
            value=str(path),
            fix="restore the file or rewrite it from the casthouse records",
        ) from error
    frame = frame.rename(columns=_CAST_RENAME)
    frame["cast_id"] = frame["cast_id"].astype(str)
    return frame


def furnace_alerts(records: str | os.PathLike[str] | None, site: str, furnace: str) -> pd.DataFrame | None:
    """Every alert of the furnace in the records store (live and replay); None without a store."""
    if records is None or not Path(records).exists():
        return None
    store = open_records(records)
    try:
        return list_alerts(store, site=site, furnace=furnace, mode=None, limit=None)
    finally:
        store.close()


def _rule_tags(rule_base: RuleBase, known: list[str]) -> list[str]:
    wanted: set[str] = set()
    for rule in rule_base.rules:
        for condition in rule.when:
            for pattern in (condition.tag, condition.minus):
                if pattern is not None:
                    wanted.update(fnmatch.filter(known, pattern))
    return sorted(wanted)


def _minute_means(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    tags: list[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> pd.DataFrame:
    index = pd.date_range(start, end, freq="1min", inclusive="left")
    if not tags:
        return pd.DataFrame(index=index)
    points = queries.open_points(root, site, furnace, start=start, end=end)
    rollups = queries.open_rollups(root, site, furnace, start=start, end=end)
    long = queries.run(queries.bucketed(points, tags, start, end, bucket_s=60, rollups=rollups))
    wide = long.pivot(index="bucket_start", columns="tag", values="value_mean")
    return wide.reindex(index=index, columns=tags)


def consultation_window(
    root: str | os.PathLike[str], site: str, furnace: str, rule_base: RuleBase, *, at: Any = None
) -> pd.DataFrame:
    """Minute means of every tag the rules read, over the rule base's window ending at ``at``.

    ``at`` defaults to the newest point of the furnace. Rows are whole UTC minutes (a minute
    with no point is NaN); columns are the furnace's tags matching the rules' patterns.

    Raises
    ------
    InputError
        If the historian holds no points for the furnace.
    """
    known = queries.known_tags(root, site, furnace)
    if at is None:
        summary = queries.run(queries.tag_summary(queries.open_points(root, site, furnace)))
        if summary.empty:
            raise InputError(
                "the historian holds no points for this furnace",
                field="furnace",
                value=f"{site}/{furnace}",
                fix="check --root, --site and --furnace",
            )
        at = summary["last_ts"].max()
    end = queries.to_utc(at, "at").floor("min") + pd.Timedelta(minutes=1)
    start = end - pd.Timedelta(minutes=rule_base.window_minutes)
    return _minute_means(root, site, furnace, _rule_tags(rule_base, known), start, end)


def active_alert_kinds(
    records: str | os.PathLike[str] | None, site: str, furnace: str, at: Any = None
) -> list[str]:
    """Fault kinds of the alerts active at ``at`` (raised, not cleared, not closed)."""
    return active_kinds(furnace_alerts(records, site, furnace), at)


def active_kinds(frame: pd.DataFrame | None, at: Any = None) -> list[str]:
    """Fault kinds of the alerts of ``frame`` (:func:`~greenmet.storage.alerts.list_alerts`)
    active at ``at`` (raised, not cleared, not closed)."""
    if frame is None or frame.empty:
        return []
    moment = queries.to_utc(at, "at") if at is not None else pd.Timestamp.now(tz="UTC")
    raised = pd.to_datetime(frame["raised_at"], utc=True)
    cleared = pd.to_datetime(frame["cleared_at"], utc=True)
    closed = pd.to_datetime(frame["closed_at"], utc=True)
    active = (raised <= moment) & (cleared.isna() | (cleared > moment)) & (closed.isna() | (closed > moment))
    return sorted(set(frame.loc[active, "fault_kind"].dropna().astype(str)))


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 4)


def diagnosis_payload(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    rule_base: RuleBase,
    alerts: pd.DataFrame | None,
    *,
    at: Any = None,
    alert: str | None = None,
    language: str = "en",
) -> dict[str, Any]:
    """An expert consultation at ``at`` (default: the newest data) as JSON-ready data: the
    diagnoses, the chain of reasoning, the actions, the rules of ``alert`` (a fault kind to
    explain) and the thermal-state model at the last casts. ``alerts`` are the furnace's
    stored alerts (those active at the moment count); used by ``greenmet bf expert diagnose``
    and the alert pages of the web service."""
    from greenmet.monitoring.expert import assess_thermal_state
    from greenmet.monitoring.expert import diagnose as run_diagnosis

    lang = language
    window = consultation_window(root, site, furnace, rule_base, at=at)
    moment = window.index[-1] + pd.Timedelta(minutes=1)  # the end of the last minute read
    kinds = active_kinds(alerts, at=moment)
    result = run_diagnosis(rule_base, window, active_alerts=kinds, alert=alert)
    states, present = cast_states(root, site, furnace, at=moment)
    thermal = assess_thermal_state(
        states,
        hot_metal_temperature=present["hot_metal_temperature"],
        blast_temperature=present["blast_temperature"],
        flame_temperature=present["flame_temperature"],
        coal_injection_rate=present["coal_injection_rate"],
    )

    def evaluation(e: Any) -> dict[str, Any]:
        return {
            "rule": e.rule.id,
            "title": e.rule.text(lang),
            "status": e.status,
            "score": e.score,
            "min_score": e.rule.min_score,
            "conditions": [
                {
                    "condition": c.description,
                    "value": _number(c.value),
                    "satisfied": c.satisfied,
                    "weight": c.weight,
                    "reason": c.reason,
                }
                for c in e.conditions
            ],
            "source": e.rule.source,
            "needs_verification": e.rule.needs_verification,
        }

    payload = {
        "at": moment.isoformat(),
        "active_alerts": kinds,
        "diagnoses": [
            {"rule": e.rule.id, "title": e.rule.text(lang), "severity": e.rule.severity}
            for e in result.diagnoses
        ],
        "chain": [evaluation(e) for e in result.chain],
        "actions": [
            {"rule": rule_id, "action": action.zh if lang == "zh" else action.en}
            for rule_id, action in result.actions
        ],
        "alert": alert,
        "alert_rules": [evaluation(e) for e in result.alert_rules],
        "not_evaluated": [{"rule": e.rule.id, "missing": list(e.missing)} for e in result.not_evaluated],
        "provisional": result.provisional,
        "thermal_state": {
            "level": thermal.level,
            "label": thermal.label_zh if lang == "zh" else thermal.label_en,
            "rules": list(thermal.rules),
            "trend_rank": thermal.trend_rank,
            "hot_metal_rank": thermal.hot_metal_rank,
            "reasoning": list(thermal.reasoning_zh if lang == "zh" else thermal.reasoning_en),
            "actions": [a.text_zh if lang == "zh" else a.text_en for a in thermal.actions],
            "missing": list(thermal.missing),
            "provisional": thermal.provisional,
        },
    }
    return payload


def cast_states(
    root: str | os.PathLike[str],
    site: str,
    furnace: str,
    *,
    at: Any = None,
    casts: int = 3,
    minutes: int = 15,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Inputs of the thermal-state model at the last ``casts`` casts ended by ``at``.

    Returns the per-cast frame (index: cast end; :data:`CAST_STATE_COLUMNS` as ``minutes``-minute
    means before each end, ``burden_descent_rate`` from the ``charge_count`` counter in charges
    per hour, ``top_temperature`` the mean of the uptakes) and the present values
    ``hot_metal_temperature`` (of the last cast), ``blast_temperature``, ``flame_temperature``
    and ``coal_injection_rate`` (means of the last ``minutes`` minutes); NaN where the data lack.
    """
    frame = furnace_casts(root, site, furnace)
    moment = queries.to_utc(at, "at") if at is not None else None
    if not frame.empty:
        frame["end"] = pd.to_datetime(frame["end"], utc=True)
        if moment is not None:
            frame = frame[frame["end"] <= moment]
        frame = frame.sort_values("end").tail(casts)
    known = queries.known_tags(root, site, furnace)
    uptakes = fnmatch.filter(known, "top_temperature_u*")
    tags = [
        t
        for t in (
            "permeability_index",
            "blast_volume",
            "top_gas_utilisation",
            "charge_count",
            "blast_temperature",
            "raceway_adiabatic_flame_temperature",
            "coal_injection_rate",
        )
        if t in known
    ] + uptakes
    rows = []
    for end in frame["end"] if not frame.empty else []:
        stop = end.floor("min") + pd.Timedelta(minutes=1)
        means = _minute_means(root, site, furnace, tags, stop - pd.Timedelta(minutes=minutes), stop)
        row = {c: float(means[c].mean()) if c in means else np.nan for c in CAST_STATE_COLUMNS}
        row["top_temperature"] = float(means[uptakes].mean(axis=1).mean()) if uptakes else np.nan
        if "charge_count" in means and means["charge_count"].notna().sum() >= 2:
            counts = means["charge_count"].dropna()
            hours = (counts.index[-1] - counts.index[0]).total_seconds() / 3600
            row["burden_descent_rate"] = (
                float((counts.iloc[-1] - counts.iloc[0]) / hours) if hours else np.nan
            )
        else:
            row["burden_descent_rate"] = np.nan
        rows.append(row)
    states = pd.DataFrame(
        rows,
        columns=list(CAST_STATE_COLUMNS),
        index=pd.DatetimeIndex(frame["end"]) if not frame.empty else None,
    )
    present: dict[str, float] = {
        "hot_metal_temperature": np.nan,
        "blast_temperature": np.nan,
        "flame_temperature": np.nan,
        "coal_injection_rate": np.nan,
    }
    if not frame.empty and "hot_metal_temperature_degC" in frame.columns:
        present["hot_metal_temperature"] = float(frame["hot_metal_temperature_degC"].iloc[-1])
    if moment is None and not frame.empty:
        moment = frame["end"].iloc[-1]
    if moment is not None:
        stop = moment.floor("min") + pd.Timedelta(minutes=1)
        means = _minute_means(root, site, furnace, tags, stop - pd.Timedelta(minutes=minutes), stop)
        for name, tag in (
            ("blast_temperature", "blast_temperature"),
            ("flame_temperature", "raceway_adiabatic_flame_temperature"),
            ("coal_injection_rate", "coal_injection_rate"),
        ):
            if tag in means:
                present[name] = float(means[tag].mean())
    return states, present
