"""The monitoring pages: alerts (list with filters, detail with evidence and expert diagnosis,
acknowledge and close for operators). Each page declares its least role like the API routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from greenmet.errors import GreenmetError
from greenmet.service.auth import Operator, Viewer
from greenmet.service.routes.alerts import SEVERITIES, alert_detail, alert_diagnosis, find_alerts
from greenmet.storage import alerts as stored
from greenmet.storage import users
from greenmet.web.app import page_language, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50


@router.get("/alerts")
def alerts_page(
    request: Request,
    principal: Viewer,
    status: str = "",
    category: str = "",
    severity: str = "",
    start: str = "",
    end: str = "",
    offset: int = 0,
) -> Response:
    frame = find_alerts(
        request,
        status=[status] if status else None,
        category=category or None,
        severity=severity or None,
        start=start or None,
        end=end or None,
        assume_time_zone="UTC",  # the form's fields say UTC
    )
    offset = max(offset, 0)
    rows: list[dict[Any, Any]] = frame.iloc[offset : offset + PAGE_SIZE].to_dict(orient="records")
    query = {"status": status, "category": category, "severity": severity, "start": start, "end": end}
    return render(
        request,
        "alerts.html",
        alerts=rows,
        total=len(frame),
        offset=offset,
        page_size=PAGE_SIZE,
        filters=query,
        statuses=stored.ALERT_STATUSES,
        categories=stored.ALERT_CATEGORIES,
        severities=SEVERITIES,
    )


@router.get("/alerts/{alert_id}")
def alert_page(alert_id: int, request: Request, principal: Viewer) -> Response:
    detail = alert_detail(request, alert_id)
    diagnosis: dict[str, Any] | None = None
    diagnosis_error: str | None = None
    try:
        diagnosis = alert_diagnosis(request, detail["alert"], page_language(request))
    except GreenmetError as error:  # no historian data for the alert's time: the page still shows it
        diagnosis_error = str(error)
    return render(
        request,
        "alert.html",
        **detail,
        diagnosis=diagnosis,
        diagnosis_error=diagnosis_error,
        can_act=users.role_at_least(principal.user.role, "operator"),
    )


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_form(
    alert_id: int, request: Request, principal: Operator, comment: Annotated[str, Form()] = ""
) -> Response:
    stored.acknowledge_alert(request.app.state.records, alert_id, principal.user_name, comment or None)
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


@router.post("/alerts/{alert_id}/close")
def close_form(
    alert_id: int,
    request: Request,
    principal: Operator,
    comment: Annotated[str, Form()] = "",
    force: Annotated[bool, Form()] = False,
) -> Response:
    stored.close_alert(request.app.state.records, alert_id, principal.user_name, comment or None, force=force)
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)
