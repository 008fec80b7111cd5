"""The FastAPI application of the JSON API: records store, error shape, security headers, routes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.responses import Response

from greenmet import __version__
from greenmet.errors import GreenmetError, StorageError, UnknownKeyError
from greenmet.service.auth import LoginLimiter
from greenmet.service.openapi import document_errors
from greenmet.service.settings import ServiceSettings

__all__ = ["SECURITY_HEADERS", "create_service", "error_body", "error_status"]

SECURITY_HEADERS: dict[str, str] = {
    # No inline or foreign script; Plotly sets styles from its own script, hence style 'unsafe-inline'.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class _SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path.startswith("/api/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


_HTTP_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "input_error",
    429: "too_many_requests",
    503: "unavailable",
}


def error_status(error: GreenmetError) -> int:
    """HTTP status of a greenmet error: unknown keys 404, storage 503, bad input 422."""
    if isinstance(error, UnknownKeyError):
        return 404
    if isinstance(error, StorageError):
        return 503
    return 422


def error_body(status: int, message: str, **parts: object) -> dict[str, object]:
    """The one error shape (that of :meth:`GreenmetError.to_dict`) for errors without a greenmet class."""
    body: dict[str, object] = {
        "ok": False,
        "error": _HTTP_CODES.get(status, "error"),
        "message": message,
        "field": None,
        "value": None,
        "fix": None,
        "file": None,
        "sheet": None,
        "row": None,
    }
    body.update(parts)
    return body


def create_service(
    settings: ServiceSettings, *, records: object | None = None, feed: object | None = None
) -> FastAPI:
    """The API application. ``records`` is an open :class:`~greenmet.storage.records.RecordStore`
    to share (``greenmet demo`` shares one with the monitoring engine); otherwise the service
    opens ``records.duckdb`` in the data directory for its lifetime. ``feed`` is the ingestion's
    :class:`~greenmet.ingest.live.LiveFeed` when ingestion runs in the same process and event
    loop (``greenmet demo``): the live view then streams its batches instead of polling."""
    from greenmet.service.routes import (
        account,
        alerts,
        carbon,
        evaluation,
        furnace_live,
        furnaces,
        monitoring,
        outlook,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from greenmet.storage.records import RecordStore

        owned = None
        if records is None:
            settings.data_directory.mkdir(parents=True, exist_ok=True)
            owned = RecordStore(settings.records_path)
            app.state.records = owned
        try:
            yield
        finally:
            if owned is not None:
                owned.close()

    app = FastAPI(
        title="greenmet",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url="/api/docs/oauth2-redirect",
        description="Green metallurgy: carbon accounting, blast-furnace monitoring, outlook, evaluation. "
        "Authenticate with the session cookie (and the X-CSRF-Token header on writes) or "
        "with `Authorization: Bearer <API token>`.",
    )
    app.state.settings = settings
    app.state.live_feed = feed
    if records is not None:
        app.state.records = records
    app.state.login_limiter = LoginLimiter(settings.login_failures_per_window, settings.login_window_s)
    app.add_middleware(_SecurityHeaders)

    @app.exception_handler(GreenmetError)
    async def _greenmet_error(request: Request, error: GreenmetError) -> JSONResponse:
        return JSONResponse(error.to_dict(), status_code=error_status(error))

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(error.status_code, str(error.detail)),
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        field = ".".join(str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path"))
        return JSONResponse(
            error_body(
                422,
                str(first.get("msg", "invalid request")),
                field=field or None,
                fix="see the API schema at /api/docs",
            ),
            status_code=422,
        )

    for router in (account.router, carbon.router, evaluation.router, furnaces.router, furnace_live.router):
        app.include_router(router)
    app.include_router(alerts.router)
    app.include_router(outlook.router)
    app.include_router(monitoring.router)
    document_errors(app)
    return app
