"""Alerts of the monitoring engine: list, detail with evidence and expert diagnosis,
acknowledgement and closure (operator role; each written with its audit row by
:mod:`greenmet.storage.alerts`)."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from greenmet.errors import InputError, UnknownKeyError
from greenmet.service.auth import Operator, Viewer
from greenmet.service.paging import Limit, Offset, page
from greenmet.storage import alerts as stored

__all__ = ["SEVERITIES", "alert_detail", "alert_diagnosis", "find_alerts", "router"]

router = APIRouter(prefix="/api/alerts", tags=["alerts"])

AlertId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Id of the alert (GET /api/alerts).")]

SEVERITIES = ("info", "warning", "critical")
"""Severities of :class:`greenmet.monitoring.alerts.AlertEvent`."""


def _json_value(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _item(row: dict[Any, Any]) -> dict[str, Any]:
    return {str(key): _json_value(value) for key, value in row.items() if key != "dedup_key"}


def find_alerts(
    request: Request,
    *,
    site: str | None = None,
    furnace: str | None = None,
    status: list[str] | None = None,
    category: str | None = None,
    severity: str | None = None,
    mode: str | None = "live",
    start: str | None = None,
    end: str | None = None,
    assume_time_zone: str | None = None,
) -> pd.DataFrame:
    """The alerts matching the filters, newest first (``start``/``end``: raised in ``[start, end)``;
    times without an offset are refused unless ``assume_time_zone`` names their zone)."""
    from greenmet.storage.queries import to_utc

    if severity is not None and severity not in SEVERITIES:
        raise InputError(
            "unknown alert severity",
            field="severity",
            value=severity,
            fix=f"use one of {', '.join(SEVERITIES)}",
        )
    frame = stored.list_alerts(
        request.app.state.records,
        site=site,
        furnace=furnace,
        status=status or None,
        mode=mode,
        category=category,
        start=None if start is None else to_utc(start, "start", assume_time_zone=assume_time_zone),
        end=None if end is None else to_utc(end, "end", assume_time_zone=assume_time_zone),
        limit=None,
    )
    if severity is not None:  # alerts are few (a handful per furnace-day): filtered here
        frame = frame[frame["severity"] == severity]
    return frame.reset_index(drop=True)


Status = Literal["open", "acknowledged", "closed"]
Category = Literal["process", "equipment"]
Severity = Literal["info", "warning", "critical"]


@router.get("", summary="Alerts with filters (status, category, severity, period) and pagination")
def get_alerts(
    request: Request,
    principal: Viewer,
    site: str | None = None,
    furnace: str | None = None,
    status: Annotated[list[Status] | None, Query(description="repeat for several")] = None,
    category: Category | None = None,
    severity: Severity | None = None,
    mode: Literal["live", "replay", "all"] = "live",
    start: Annotated[dt.datetime | None, Query(description="raised at or after (UTC if no offset)")] = None,
    end: Annotated[dt.datetime | None, Query(description="raised before (UTC if no offset)")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    limit, offset = page(limit, offset)
    frame = find_alerts(
        request,
        site=site,
        furnace=furnace,
        status=list(status) if status else None,
        category=category,
        severity=severity,
        mode=None if mode == "all" else mode,
        start=None if start is None else start.isoformat(),
        end=None if end is None else end.isoformat(),
        assume_time_zone="UTC",
    )
    rows = frame.iloc[offset : offset + limit].to_dict(orient="records")
    return {
        "ok": True,
        "total": len(frame),
        "limit": limit,
        "offset": offset,
        "items": [_item(r) for r in rows],
    }


def alert_detail(request: Request, alert_id: int) -> dict[str, Any]:
    """One alert with its acknowledgements and its audit trail."""
    records = request.app.state.records
    frame = records.query("SELECT * FROM alert_lifecycle WHERE id = ?", [alert_id])
    if frame.empty:
        raise UnknownKeyError(
            "no alert with this id", field="alert_id", value=alert_id, fix="see GET /api/alerts"
        )
    alert = _item(frame.to_dict(orient="records")[0])
    for column in ("evidence", "countermeasures"):
        if isinstance(alert.get(column), str):
            alert[column] = json.loads(alert[column])
    acknowledgements = records.query(
        "SELECT id, user_name, acknowledged_at, comment FROM acknowledgements WHERE alert_id = ? ORDER BY id",
        [alert_id],
    )
    audit = records.query(
        "SELECT occurred_at, actor, action, details FROM audit_log "
        "WHERE object_type = 'alert' AND object_id = ? ORDER BY id",
        [str(alert_id)],
    )
    return {
        "alert": alert,
        "acknowledgements": [_item(r) for r in acknowledgements.to_dict(orient="records")],
        "audit": [
            {
                **_item(r),
                "details": json.loads(r["details"]) if isinstance(r["details"], str) else r["details"],
            }
            for r in audit.to_dict(orient="records")
        ],
    }


def alert_diagnosis(request: Request, alert: dict[str, Any], language: str) -> dict[str, Any]:
    """The expert consultation at the time the alert was raised, explaining its fault kind
    (as ``greenmet bf expert diagnose --alert-id``)."""
    from greenmet.monitoring.expert import shipped_rule_base
    from greenmet.storage.consultation import diagnosis_payload

    root = request.app.state.settings.historian_root
    site, furnace = alert["site"], alert["furnace"]
    base = shipped_rule_base()  # checked against the simulator's tag catalogue by its tests
    frame = stored.list_alerts(request.app.state.records, site=site, furnace=furnace, mode=None, limit=None)
    return diagnosis_payload(
        root,
        site,
        furnace,
        base,
        frame,
        at=alert["raised_at"],
        alert=alert.get("fault_kind"),
        language=language,
    )


@router.get("/{alert_id}", summary="One alert: evidence, countermeasures, acknowledgements, audit trail")
def get_alert(alert_id: AlertId, request: Request, principal: Viewer) -> dict[str, Any]:
    return {"ok": True, **alert_detail(request, alert_id)}


@router.get("/{alert_id}/diagnosis", summary="Expert diagnosis of an alert at the time it was raised")
def get_diagnosis(
    alert_id: AlertId, request: Request, principal: Viewer, language: Literal["en", "zh"] = "en"
) -> dict[str, Any]:
    detail = alert_detail(request, alert_id)
    return {
        "ok": True,
        "alert_id": alert_id,
        "diagnosis": alert_diagnosis(request, detail["alert"], language),
    }


class LifecycleBody(BaseModel):
    """An acknowledgement or a closure: the person's comment; ``force`` closes an active alert."""

    comment: str | None = Field(default=None, max_length=2000)
    force: bool = False


@router.post("/{alert_id}/acknowledge", summary="Acknowledge an alert (operator)")
def post_acknowledge(
    alert_id: AlertId, request: Request, principal: Operator, body: LifecycleBody | None = None
) -> dict[str, Any]:
    comment = body.comment if body is not None else None
    stored.acknowledge_alert(request.app.state.records, alert_id, principal.user_name, comment)
    return {"ok": True, **alert_detail(request, alert_id)}


@router.post(
    "/{alert_id}/close", summary="Close an alert (operator); an active one needs force and a comment"
)
def post_close(
    alert_id: AlertId, request: Request, principal: Operator, body: LifecycleBody | None = None
) -> dict[str, Any]:
    body = body or LifecycleBody()
    stored.close_alert(
        request.app.state.records, alert_id, principal.user_name, body.comment, force=body.force
    )
    return {"ok": True, **alert_detail(request, alert_id)}
