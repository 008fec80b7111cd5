"""The whole web application: the JSON API of :mod:`greenmet.service` plus the pages and static files."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from greenmet.errors import GreenmetError
from greenmet.service.app import create_service, error_body, error_status
from greenmet.service.settings import ServiceSettings

__all__ = ["LANGUAGE_COOKIE", "create_app", "page_language", "render"]

LANGUAGE_COOKIE = "greenmet_language"
_PACKAGE = "greenmet.web"


def _templates() -> Jinja2Templates:
    directory = Path(str(resources.files(_PACKAGE).joinpath("templates")))
    templates = Jinja2Templates(directory=directory)
    templates.env.autoescape = True
    templates.env.filters["number"] = _number
    return templates


def _number(value: Any) -> str:
    """Numbers as people read them in a report: thousands separated, at most 4 significant decimals."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "" if value is None else str(value)
    if value != value:  # NaN
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


TEMPLATES = _templates()


def page_language(request: Request) -> str:
    """The language of a page: the cookie, then the user's remembered language, then Chinese."""
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in ("en", "zh"):
        return chosen
    principal = getattr(request.state, "principal", None)
    return principal.user.language if principal is not None else "zh"


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """Render a page with the labels of its language, the user and the CSRF token."""
    from greenmet.i18n import label

    language = page_language(request)
    principal = getattr(request.state, "principal", None)

    def t(key: str) -> str:
        return label(key, language, _PACKAGE)

    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "t": t,
            "language": language,
            "principal": principal,
            "csrf_token": principal.csrf_token if principal is not None else None,
            **context,
        },
        status_code=status_code,
    )


def _plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def create_app(
    settings: ServiceSettings, *, records: object | None = None, feed: object | None = None
) -> FastAPI:
    """The API and the pages in one application (what ``greenmet serve`` runs); ``feed``: see
    :func:`~greenmet.service.app.create_service`."""
    from greenmet.web import pages, pages_evaluation, pages_furnace, pages_monitoring, pages_outlook

    app = create_service(settings, records=records, feed=feed)
    static = Path(str(resources.files(_PACKAGE).joinpath("static")))
    app.mount("/static", StaticFiles(directory=static), name="static")

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        # Served from the installed plotly package: the plant network has no internet.
        return FileResponse(
            _plotly_js(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
        )

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, error: HTTPException) -> Response:
        if is_api(request):
            return JSONResponse(
                error_body(error.status_code, str(error.detail)),
                status_code=error.status_code,
                headers=getattr(error, "headers", None),
            )
        if error.status_code == 401:
            return RedirectResponse("/login", status_code=303)
        return render(
            request, "error.html", status_code=error.status_code, message=str(error.detail), fix=None
        )

    @app.exception_handler(GreenmetError)
    async def _greenmet_error(request: Request, error: GreenmetError) -> Response:
        if is_api(request):
            return JSONResponse(error.to_dict(), status_code=error_status(error))
        return render(
            request, "error.html", status_code=error_status(error), message=str(error), fix=error.fix
        )

    app.include_router(pages.router)
    app.include_router(pages_furnace.router)
    app.include_router(pages_monitoring.router)
    app.include_router(pages_outlook.router)
    app.include_router(pages_evaluation.router)
    return app
