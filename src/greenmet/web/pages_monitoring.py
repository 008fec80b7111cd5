"""The monitoring pages: alerts (list with filters, detail with evidence and expert diagnosis,
acknowledge and close for operators), the health check with its indicators, the furnace-chief
reports (list, download, make for engineers), traceability of a cast or a lot. Each page
declares its least role like the API routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from greenmet.errors import GreenmetError
from greenmet.service.auth import Engineer, Operator, Viewer
from greenmet.service.routes.alerts import SEVERITIES, alert_detail, alert_diagnosis, find_alerts
from greenmet.service.routes.furnaces import list_furnaces
from greenmet.service.routes.monitoring import (
    ReportRequest,
    choose_period,
    furnace_health,
    make_report,
    trace,
)
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


def _moment(text: str, field: str) -> Any:
    """A page field's date and time (UTC, the field says so) or None when empty."""
    from greenmet.storage.queries import to_utc

    return to_utc(text, field, assume_time_zone="UTC").to_pydatetime() if text else None


@router.get("/health")
def health_page(
    request: Request,
    principal: Viewer,
    furnace: str = "",
    kind: str = "day",
    at: str = "",
    start: str = "",
    end: str = "",
) -> Response:
    root = request.app.state.settings.historian_root
    furnaces = [f"{f['site']}/{f['furnace']}" for f in list_furnaces(root)]
    chosen = furnace or (furnaces[0] if furnaces else "")
    health = None
    if chosen in furnaces:
        site, name = chosen.split("/", 1)
        if kind not in ("shift", "day"):
            kind = "day"
        period = choose_period(
            root, site, name, kind, _moment(at, "at"), _moment(start, "start"), _moment(end, "end")
        )
        health = furnace_health(request, site, name, period)
    form = {"furnace": chosen, "kind": kind, "at": at, "start": start, "end": end}
    return render(request, "health.html", furnaces=furnaces, form=form, health=health)


@router.get("/reports")
def reports_page(request: Request, principal: Viewer) -> Response:
    from greenmet.storage.furnace_reports import list_reports

    frame = list_reports(request.app.state.records)
    if not frame.empty:
        frame = frame.sort_values(["period_start", "id"], ascending=False).head(200)
    root = request.app.state.settings.historian_root
    return render(
        request,
        "reports.html",
        reports=frame.to_dict(orient="records"),
        furnaces=[f"{f['site']}/{f['furnace']}" for f in list_furnaces(root)],
        can_make=users.role_at_least(principal.user.role, "engineer"),
    )


@router.post("/reports")
def reports_form(
    request: Request,
    principal: Engineer,
    furnace: Annotated[str, Form()],
    kind: Annotated[str, Form()] = "shift",
    at: Annotated[str, Form()] = "",
) -> Response:
    site, _, name = furnace.partition("/")
    body = ReportRequest.model_validate(
        {"site": site, "furnace": name, "kind": kind, "at": _moment(at, "at")}
    )
    make_report(request, body, principal.user_name)
    return RedirectResponse("/reports", status_code=303)


_TRACE_TABLES = (
    "lots",
    "charges",
    "lot_analyses",
    "hot_metal_analyses",
    "furnace_state",
    "alerts",
    "destinations",
    "casts",
)


@router.get("/trace")
def trace_page(
    request: Request,
    principal: Viewer,
    furnace: str = "",
    cast: str = "",
    lot: str = "",
    working_volume_m3: float = 0.0,
) -> Response:
    root = request.app.state.settings.historian_root
    furnaces = [f"{f['site']}/{f['furnace']}" for f in list_furnaces(root)]
    found = None
    if furnace and (cast or lot):
        if working_volume_m3 <= 0:
            from greenmet.errors import InputError

            raise InputError(
                "the trace needs the furnace's working volume",
                field="working_volume_m3",
                value=working_volume_m3,
                fix="give it in m3, e.g. 2500",
            )
        site, _, name = furnace.partition("/")
        found = trace(
            request,
            site,
            name,
            cast=cast or None,
            lot=None if cast else lot,
            working_volume_m3=working_volume_m3,
            language=page_language(request),
        )
    form = {"furnace": furnace, "cast": cast, "lot": lot, "working_volume_m3": working_volume_m3 or ""}
    tables = [(key, found[key]) for key in _TRACE_TABLES if found and found.get(key)]
    return render(request, "trace.html", furnaces=furnaces, form=form, found=found, tables=tables)
