"""The furnace live view's data: live values over server-sent events, the stave, tuyere and probe
snapshots, trends from the 1-minute roll-ups, the calculation sheet at a moment, the what-if table.

Live values come from the ingestion's in-process feed (:mod:`greenmet.ingest.live`) when the
application was given one (``greenmet demo``); otherwise (``greenmet serve`` alone) the stream
polls the historian's latest values.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import math
import re
from collections.abc import AsyncIterator
from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from greenmet.errors import InputError, UnknownKeyError
from greenmet.service.auth import Viewer
from greenmet.service.routes.furnaces import KEY_TAGS, list_furnaces

__all__ = ["furnace_snapshot", "latest_all", "router", "trend"]

router = APIRouter(prefix="/api", tags=["furnace live"])

_STAVE = re.compile(r"^stave_temperature_r(\d+)_s(\d+)$")
_TUYERE = re.compile(r"^(tuyere_blast_volume|tuyere_water_inlet_flow|tuyere_water_outlet_flow)_t(\d+)$")
_PROBE = re.compile(r"^cross_temperature_(a\d+)_p(\d+)$")
LIVE_WINDOW_H = 3.0
"""Values older than this are not shown as live (a setting of greenmet, not a plant rule). [h]"""
MAX_TREND_TAGS = 12
"""Tags one trend request may ask for (keeps a chart readable and a request cheap). [dimensionless]"""


def _check_furnace(request: Request, site: str, furnace: str) -> Any:
    root = request.app.state.settings.historian_root
    if {"site": site, "furnace": furnace} not in list_furnaces(root):
        raise UnknownKeyError(
            "no such furnace", field="furnace", value=f"{site}/{furnace}", fix="see GET /api/furnaces"
        )
    return root


def latest_all(
    root: Any, site: str, furnace: str, *, before: Any = None, window_h: float = LIVE_WINDOW_H
) -> dict[str, dict[str, Any]]:
    """The latest good value and time of every tag of the furnace within ``window_h`` hours
    before ``before`` (default now)."""
    from greenmet.storage import queries

    end = pd.Timestamp.now(tz="UTC") if before is None else queries.to_utc(before, "at")
    points = queries.open_points(root, site, furnace, start=end - pd.Timedelta(hours=window_h), end=end)
    expression = queries.last_values(points, None, good_only=True, before=end + pd.Timedelta(microseconds=1))
    frame = queries.run(expression)
    frame = frame[frame["ts"] >= end - pd.Timedelta(hours=window_h)]
    return {
        str(tag): {"value": float(value), "ts": pd.Timestamp(ts).isoformat()}
        for tag, value, ts in zip(frame["tag"], frame["value"], frame["ts"], strict=True)
        if value is not None and math.isfinite(float(value))
    }


def furnace_snapshot(values: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Latest values arranged for the charts: the stave grid (rows x staves), the tuyere ring and
    the cross-temperature probe arms. Missing cells are ``None``."""
    staves: dict[tuple[int, int], float] = {}
    tuyeres: dict[str, dict[int, float]] = {}
    probes: dict[str, dict[int, float]] = {}
    for tag, point in values.items():
        if match := _STAVE.match(tag):
            staves[(int(match[1]), int(match[2]))] = point["value"]
        elif match := _TUYERE.match(tag):
            tuyeres.setdefault(match[1], {})[int(match[2])] = point["value"]
        elif match := _PROBE.match(tag):
            probes.setdefault(match[1], {})[int(match[2])] = point["value"]
    rows = sorted({row for row, _ in staves})
    columns = sorted({column for _, column in staves})
    numbers = sorted({number for series in tuyeres.values() for number in series})
    return {
        "staves": {
            "rows": rows,
            "staves": columns,
            "temperature_degC": [[staves.get((row, column)) for column in columns] for row in rows],
        },
        "tuyeres": {
            "numbers": numbers,
            **{
                f"{kind}_{'m3_per_min' if kind == 'tuyere_blast_volume' else 'm3_per_h'}": [
                    tuyeres[kind].get(n) for n in numbers
                ]
                for kind in sorted(tuyeres)
            },
        },
        "probe": {
            "centre_degC": values.get("cross_temperature_centre", {}).get("value"),
            "arms": {
                arm: {"positions": sorted(series), "temperature_degC": [series[p] for p in sorted(series)]}
                for arm, series in sorted(probes.items())
            },
        },
    }


def _live_subset(values: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {tag: point for tag, point in values.items() if tag in KEY_TAGS or tag.startswith("calc_")}


@router.get(
    "/furnaces/{site}/{furnace}/snapshot",
    summary="Latest key and derived values, the stave grid, the tuyere ring and the probe profile",
)
def get_snapshot(site: str, furnace: str, request: Request, principal: Viewer) -> dict[str, Any]:
    root = _check_furnace(request, site, furnace)
    values = latest_all(root, site, furnace)
    return {
        "ok": True,
        "site": site,
        "furnace": furnace,
        "live": _live_subset(values),
        **furnace_snapshot(values),
    }


def _batch_values(batch: Any) -> dict[str, dict[str, Any]]:
    frame = batch.points.to_pandas()
    frame = frame[frame["quality"] != 128].sort_values("ts")
    last = frame.groupby("tag", sort=False).tail(1)
    return {
        str(tag): {"value": float(value), "ts": pd.Timestamp(ts).isoformat()}
        for tag, value, ts in zip(last["tag"], last["value"], last["ts"], strict=True)
        if str(tag) in KEY_TAGS or str(tag).startswith("calc_")
    }


def _event(values: dict[str, dict[str, Any]], source: str) -> str:
    return f"event: values\ndata: {json.dumps({'source': source, 'values': values})}\n\n"


@router.get(
    "/furnaces/{site}/{furnace}/stream",
    summary="Server-sent events: the key and derived (calc_) values as they arrive",
)
async def get_stream(
    site: str,
    furnace: str,
    request: Request,
    principal: Viewer,
    poll_s: float = 5.0,
    max_events: int | None = None,
) -> StreamingResponse:
    """Each event ``values`` carries ``{"source": "historian"|"feed", "values": {tag: {value, ts}}}``.
    The first event is the historian's latest values; then the live feed's batches of this furnace
    or, without a feed, the historian polled every ``poll_s`` seconds (only changed values).
    ``max_events`` ends the stream after that many events (for scripts and tests)."""
    root = _check_furnace(request, site, furnace)
    if not math.isfinite(poll_s) or poll_s < 1:
        raise InputError(
            "the poll interval must be at least a second",
            field="poll_s",
            value=poll_s,
            fix="give e.g. poll_s=5",
        )
    if max_events is not None and max_events < 1:
        raise InputError(
            "max_events must be positive",
            field="max_events",
            value=max_events,
            fix="leave it out for an endless stream",
        )
    feed = getattr(request.app.state, "live_feed", None)
    subscription = feed.subscribe(max_batches=100) if feed is not None else None

    async def events() -> AsyncIterator[str]:
        sent = 0
        try:
            known = _live_subset(await run_in_threadpool(latest_all, root, site, furnace))
            yield _event(known, "historian")
            sent += 1
            while max_events is None or sent < max_events:
                if subscription is not None:
                    try:
                        batch = await asyncio.wait_for(subscription.__anext__(), timeout=15.0)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    except StopAsyncIteration:
                        return
                    if (batch.site, batch.furnace) != (site, furnace):
                        continue
                    values = _batch_values(batch)
                    if values:
                        yield _event(values, "feed")
                        sent += 1
                else:
                    await asyncio.sleep(poll_s)
                    latest = _live_subset(await run_in_threadpool(latest_all, root, site, furnace))
                    changed = {tag: point for tag, point in latest.items() if known.get(tag) != point}
                    known.update(latest)
                    if changed:
                        yield _event(changed, "historian")
                        sent += 1
                    else:
                        yield ": keep-alive\n\n"
        finally:
            if subscription is not None:
                subscription.close()

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def trend(
    root: Any, site: str, furnace: str, tags: list[str], start: Any, end: Any, points_per_tag: int = 600
) -> dict[str, Any]:
    """Bucketed means (and min/max) of ``tags`` over ``start``..``end``, from the 1-minute
    roll-ups when the window is whole minutes (see :func:`greenmet.storage.queries.bucketed`)."""
    from greenmet.storage import queries

    start_utc, end_utc = queries.to_utc(start, "start"), queries.to_utc(end, "end")
    if end_utc <= start_utc:
        raise InputError(
            "the end must come after the start",
            field="end",
            value=str(end),
            fix="give a later end or an earlier start",
        )
    if not 1 <= points_per_tag <= 5000:
        raise InputError(
            "points_per_tag must be between 1 and 5000",
            field="points_per_tag",
            value=points_per_tag,
            fix="give e.g. 600",
        )
    start_utc, end_utc = start_utc.floor("min"), end_utc.ceil("min")
    points = queries.open_points(root, site, furnace, start=start_utc, end=end_utc)
    rollups = queries.open_rollups(root, site, furnace, start=start_utc, end=end_utc)
    width = queries.bucket_width_s(start_utc, end_utc, points_per_tag=points_per_tag)
    frame = queries.run(
        queries.bucketed(points, tags, start_utc, end_utc, points_per_tag=points_per_tag, rollups=rollups)
    )
    series = {}
    for tag in tags:
        part = frame[frame["tag"] == tag]
        series[tag] = {
            "ts": [pd.Timestamp(ts).isoformat() for ts in part["bucket_start"]],
            "value_mean": [None if pd.isna(v) else float(v) for v in part["value_mean"]],
            "value_min": [None if pd.isna(v) else float(v) for v in part["value_min"]],
            "value_max": [None if pd.isna(v) else float(v) for v in part["value_max"]],
        }
    return {"start": start_utc.isoformat(), "end": end_utc.isoformat(), "bucket_s": width, "series": series}


@router.get("/furnaces/{site}/{furnace}/trend", summary="Trends of tags over any period (1-minute roll-ups)")
def get_trend(
    site: str,
    furnace: str,
    request: Request,
    principal: Viewer,
    tags: str = "",
    start: str | None = None,
    end: str | None = None,
    points_per_tag: int = 600,
) -> dict[str, Any]:
    from greenmet.storage import queries

    root = _check_furnace(request, site, furnace)
    chosen = [tag.strip() for tag in tags.split(",") if tag.strip()]
    if not chosen:  # the key tags this furnace records
        known = set(queries.known_tags(root, site, furnace))
        chosen = [tag for tag in KEY_TAGS if tag in known]
    if len(chosen) > MAX_TREND_TAGS:
        raise InputError(
            "too many tags for one trend",
            field="tags",
            value=len(chosen),
            fix=f"ask for at most {MAX_TREND_TAGS} tags",
        )
    unknown = queries.unknown_tags(root, site, furnace, chosen)
    if unknown:
        tag, close = next(iter(unknown.items()))
        raise UnknownKeyError(
            "unknown tag",
            field="tags",
            value=tag,
            fix=f"did you mean {', '.join(close)}?" if close else "see GET .../snapshot",
        )
    end_at = end or pd.Timestamp.now(tz="UTC").isoformat()
    start_at = start or (queries.to_utc(end_at, "end") - pd.Timedelta(hours=8)).isoformat()
    return {
        "ok": True,
        "site": site,
        "furnace": furnace,
        **trend(root, site, furnace, chosen, start_at, end_at, points_per_tag),
    }


@router.get(
    "/furnaces/{site}/{furnace}/calculation-sheet",
    summary="The derived (calc_) values of the furnace at a moment",
)
def get_calculation_sheet(
    site: str, furnace: str, request: Request, principal: Viewer, at: str | None = None
) -> dict[str, Any]:
    """The calculation sheet as the monitoring engine (or ``greenmet bf derive``) stored it: every
    ``calc_`` tag's latest value at or before ``at`` (within :data:`LIVE_WINDOW_H`)."""
    from greenmet.engines.derived import tag_descriptions

    root = _check_furnace(request, site, furnace)
    values = latest_all(root, site, furnace, before=at)
    calc = {tag: point for tag, point in sorted(values.items()) if tag.startswith("calc_")}
    described = tag_descriptions([tag for tag in values if not tag.startswith("calc_")])
    rows = [
        {"tag": tag, "value": point["value"], "ts": point["ts"], **(described.get(tag) or {})}
        for tag, point in calc.items()
    ]
    return {"ok": True, "site": site, "furnace": furnace, "at": at, "total": len(rows), "items": rows}


@router.get("/bf/what-if", summary="Coke-rate changes for steps of the operating variables (balance model)")
def get_what_if(request: Request, principal: Viewer) -> dict[str, Any]:
    """Query parameters are the fields of :class:`~greenmet.blast_furnace.what_if.OperatingPoint`
    (in its units); those left out keep the model's defaults."""
    from greenmet.blast_furnace.what_if import OperatingPoint, what_if_table

    names = {field.name for field in dataclasses.fields(OperatingPoint)}
    given: dict[str, float] = {}
    for key, text in request.query_params.items():
        if key not in names:
            raise InputError(
                "unknown operating variable",
                field=key,
                value=text,
                fix=f"use one of {', '.join(sorted(names))}",
            )
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise InputError("not a number", field=key, value=text, fix="give a finite number")
        given[key] = value
    point = OperatingPoint(**given)
    rows = [
        {**row, "coke_rate_change_kg_per_thm": float(row["coke_rate_change_kg_per_thm"])}
        for row in what_if_table(point)
    ]
    return {
        "ok": True,
        "operating_point": {name: float(getattr(point, name)) for name in sorted(names)},
        "items": rows,
    }
