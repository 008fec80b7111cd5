"""Health check (高炉体检) and furnace-chief reports (炉长报告) of a furnace: the check with its
indicators (drill-down: formula, source, weight, band, score, trend), the recorded reports, a
report made on demand (engineer; recorded in ``reports`` with its audit row by
:mod:`greenmet.storage.furnace_reports`) and its files for download."""

from __future__ import annotations

import datetime as dt
from pathlib import Path as FilePath
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from greenmet.errors import InputError, UnknownKeyError
from greenmet.service.auth import Engineer, Viewer
from greenmet.service.paging import Limit, Offset, page
from greenmet.service.routes.alerts import _item
from greenmet.service.routes.furnaces import list_furnaces

__all__ = ["choose_period", "furnace_health", "router"]

router = APIRouter(prefix="/api", tags=["health and reports"])

PeriodKind = Literal["shift", "day"]
_MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _known_furnace(request: Request, site: str, furnace: str) -> FilePath:
    root: FilePath = request.app.state.settings.historian_root
    if {"site": site, "furnace": furnace} not in list_furnaces(root):
        raise UnknownKeyError(
            "no such furnace", field="furnace", value=f"{site}/{furnace}", fix="see GET /api/furnaces"
        )
    return root


def choose_period(
    root: FilePath,
    site: str,
    furnace: str,
    kind: str,
    at: dt.datetime | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> Any:
    """The shift or plant day holding ``at`` (default: the last one ended), or ``[start, end)``."""
    from greenmet.monitoring.health import custom_period, period_of
    from greenmet.storage.furnace_period import furnace_time_zone
    from greenmet.storage.queries import to_utc

    zone = furnace_time_zone(root, site, furnace)
    if start is not None or end is not None:
        if start is None or end is None:
            raise InputError(
                "a period needs both start and end",
                field="start/end",
                value=[start, end],
                fix="give both, or neither and kind with at",
            )
        return custom_period(
            to_utc(start.isoformat(), "start", assume_time_zone="UTC"),
            to_utc(end.isoformat(), "end", assume_time_zone="UTC"),
            zone,
        )
    if at is None:
        current = period_of(pd.Timestamp.now(tz="UTC"), kind, zone)
        return period_of(current.start - pd.Timedelta(microseconds=1), kind, zone)
    return period_of(to_utc(at.isoformat(), "at", assume_time_zone="UTC"), kind, zone)


def furnace_health(
    request: Request, site: str, furnace: str, period: Any, trends: bool = True
) -> dict[str, Any]:
    """The health check of ``period`` as JSON-ready data (``greenmet bf health``'s)."""
    from greenmet.monitoring.health import default_health_weights, health_check
    from greenmet.storage.furnace_period import read_period_data

    weights = default_health_weights()
    data = read_period_data(
        request.app.state.settings.historian_root,
        site,
        furnace,
        period.start,
        period.end,
        fuel_rate_tag=str(weights.settings.get("fuel_rate_tag", "calc_fuel_rate_kg_per_thm")),
    )
    check = health_check(data, weights, trends=trends)
    return {
        "site": site,
        "furnace": furnace,
        "period": period.kind,
        "label": period.label(),
        **check.to_dict(),
    }


_AT = Annotated[dt.datetime | None, Query(description="a moment in the period (UTC if no offset)")]
_START = Annotated[dt.datetime | None, Query(description="start of a custom period (UTC if no offset)")]
_END = Annotated[dt.datetime | None, Query(description="end of a custom period (UTC if no offset)")]


@router.get("/furnaces/{site}/{furnace}/health", summary="Health check of a shift, a day or a period")
def get_health(
    site: str,
    furnace: str,
    request: Request,
    principal: Viewer,
    kind: PeriodKind = "day",
    at: _AT = None,
    start: _START = None,
    end: _END = None,
    trends: bool = True,
) -> dict[str, Any]:
    root = _known_furnace(request, site, furnace)
    period = choose_period(root, site, furnace, kind, at, start, end)
    return {"ok": True, **furnace_health(request, site, furnace, period, trends)}


@router.get("/reports", summary="Recorded furnace-chief reports, by period")
def get_reports(
    request: Request,
    principal: Viewer,
    site: str | None = None,
    furnace: str | None = None,
    kind: PeriodKind | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    from greenmet.storage.furnace_reports import list_reports

    limit, offset = page(limit, offset)
    frame = list_reports(request.app.state.records, site=site, furnace=furnace, kind=kind)
    if not frame.empty:
        frame = frame.sort_values(["period_start", "id"], ascending=False)
    rows = frame.iloc[offset : offset + limit].to_dict(orient="records")
    items = [{k: v for k, v in _item(r).items() if k != "file_path"} for r in rows]
    return {"ok": True, "total": len(frame), "limit": limit, "offset": offset, "items": items}


class ReportRequest(BaseModel):
    """A furnace-chief report to make: the furnace, the shift or day (holding ``at``), the files."""

    site: str = Field(max_length=200)
    furnace: str = Field(max_length=200)
    kind: PeriodKind = "shift"
    at: dt.datetime | None = None
    formats: list[Literal["xlsx", "pdf"]] = Field(default=["xlsx", "pdf"], min_length=1, max_length=2)
    languages: list[Literal["zh", "en"]] = Field(default=["zh", "en"], min_length=1, max_length=2)


def make_report(request: Request, body: ReportRequest, user_name: str) -> list[int]:
    """Make and record the report; return the ``reports`` ids of its files."""
    from greenmet.storage.furnace_reports import make_furnace_report

    root = _known_furnace(request, body.site, body.furnace)
    period = choose_period(root, body.site, body.furnace, body.kind, body.at, None, None)
    run = make_furnace_report(
        root,
        body.site,
        body.furnace,
        period,
        out_dir=request.app.state.settings.data_directory / "reports" / "furnace",
        records=request.app.state.records,
        formats=sorted(set(body.formats)),
        languages=sorted(set(body.languages)),
        created_by=user_name,
    )
    return run.report_ids


@router.post("/reports", summary="Make a furnace-chief report (engineer); recorded with its audit row")
def post_report(request: Request, principal: Engineer, body: ReportRequest) -> dict[str, Any]:
    return {"ok": True, "report_ids": make_report(request, body, principal.user_name)}


ReportId = Annotated[int, Path(ge=1, le=2**62, description="Id of a report file (GET /api/reports).")]


def report_file(request: Request, report_id: int) -> tuple[FilePath, str]:
    """The stored file of report ``report_id`` and its format (only files under the data directory)."""
    frame = request.app.state.records.query(
        "SELECT file_path, file_format FROM reports WHERE id = ?", [report_id]
    )
    if frame.empty:
        raise UnknownKeyError(
            "no report with this id", field="report_id", value=report_id, fix="see GET /api/reports"
        )
    path = FilePath(str(frame["file_path"].iloc[0])).resolve()
    data = request.app.state.settings.data_directory.resolve()
    if not path.is_relative_to(data) or not path.is_file():
        raise UnknownKeyError(
            "the report's file is not in the service's data directory",
            field="report_id",
            value=report_id,
            fix="make the report again from the service (POST /api/reports)",
        )
    return path, str(frame["file_format"].iloc[0])


@router.get("/reports/{report_id}/file", summary="Download a report file (Excel or PDF)", response_model=None)
def get_report_file(report_id: ReportId, request: Request, principal: Viewer) -> FileResponse:
    path, file_format = report_file(request, report_id)
    return FileResponse(
        path, media_type=_MEDIA.get(file_format, "application/octet-stream"), filename=path.name
    )


_VOLUME = Annotated[float, Query(gt=0, le=10_000, description="working volume of the furnace [m3]")]


def trace(
    request: Request,
    site: str,
    furnace: str,
    *,
    cast: str | None,
    lot: str | None,
    working_volume_m3: float,
    language: str,
) -> dict[str, Any]:
    """A cast traced back to its burden and forward to its vessels, or a lot into its casts
    (``greenmet bf trace``); the cast's alerts from the service's records store."""
    from greenmet.storage.alerts import list_alerts
    from greenmet.storage.traceability import (
        cast_trace_payload,
        lot_trace_payload,
        trace_cast_from_store,
        trace_lot_from_store,
    )

    root = _known_furnace(request, site, furnace)
    if lot is not None:
        found = trace_lot_from_store(root, site, furnace, lot, working_volume_m3=working_volume_m3)
        return lot_trace_payload(found, language)
    alerts = list_alerts(request.app.state.records, site=site, furnace=furnace, mode=None, limit=None)
    result, state = trace_cast_from_store(
        root, site, furnace, str(cast), working_volume_m3=working_volume_m3, alerts=alerts
    )
    return cast_trace_payload(result, state, language)


@router.get("/furnaces/{site}/{furnace}/trace/casts/{cast_id}", summary="Trace a cast back and forth")
def get_cast_trace(
    site: str,
    furnace: str,
    cast_id: str,
    request: Request,
    principal: Viewer,
    working_volume_m3: _VOLUME,
    language: Literal["en", "zh"] = "en",
) -> dict[str, Any]:
    payload = trace(
        request, site, furnace, cast=cast_id, lot=None, working_volume_m3=working_volume_m3, language=language
    )
    return {"ok": True, **payload}


@router.get("/furnaces/{site}/{furnace}/trace/lots/{lot_id}", summary="The casts a lot went into")
def get_lot_trace(
    site: str,
    furnace: str,
    lot_id: str,
    request: Request,
    principal: Viewer,
    working_volume_m3: _VOLUME,
    language: Literal["en", "zh"] = "en",
) -> dict[str, Any]:
    payload = trace(
        request, site, furnace, cast=None, lot=lot_id, working_volume_m3=working_volume_m3, language=language
    )
    return {"ok": True, **payload}
