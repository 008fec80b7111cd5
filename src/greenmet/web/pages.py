"""The pages: login, overview, carbon, account. Each declares its least role like the API routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from greenmet.service.auth import Engineer, Viewer, new_secret
from greenmet.service.routes.account import login, logout, set_session_cookie
from greenmet.service.routes.carbon import compute_report
from greenmet.service.routes.furnaces import KEY_TAGS, latest_values, list_furnaces
from greenmet.service.uploads import ACTIVITY_SUFFIXES, keep_upload, recent_uploads, stored_upload
from greenmet.storage import users
from greenmet.web.app import LANGUAGE_COOKIE, page_language, render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/login")
def login_page(request: Request) -> Response:
    return render(request, "login.html", failed=None)


@router.post("/login")
def login_form(
    request: Request, user_name: Annotated[str, Form()], password: Annotated[str, Form()]
) -> Response:
    try:
        user, secret, _csrf = login(request, user_name, password)
    except HTTPException as error:
        if error.status_code not in (401, 429):
            raise
        key = "login_blocked" if error.status_code == 429 else "login_failed"
        return render(request, "login.html", status_code=error.status_code, failed=key)
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(request, response, secret)
    if LANGUAGE_COOKIE not in request.cookies:
        response.set_cookie(
            LANGUAGE_COOKIE,
            user.language,
            max_age=365 * 86400,
            samesite="strict",
            secure=request.app.state.settings.secure_cookies,
        )
    return response


@router.post("/logout")
def logout_form(request: Request, principal: Viewer) -> Response:
    response = RedirectResponse("/login", status_code=303)
    logout(request, response, principal)
    return response


@router.post("/language")
def language_form(
    request: Request,
    principal: Viewer,
    language: Annotated[str, Form()],
    back: Annotated[str, Form()] = "/",
) -> Response:
    users.set_language(request.app.state.records, principal.user_name, language)
    # Only a path of this site: never an address elsewhere (open redirect).
    target = back if back.startswith("/") and not back.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 86400,
        samesite="strict",
        secure=request.app.state.settings.secure_cookies,
    )
    return response


def _open_alerts(request: Request) -> int | None:
    records = request.app.state.records
    if "alert_lifecycle" not in set(
        records.query("SELECT table_name FROM information_schema.tables")["table_name"]
    ):
        return None
    # live alerts only: a replay's alerts are an engineer's study, not the furnace's state
    frame = records.query(
        "SELECT count(*) AS n FROM alert_lifecycle WHERE status <> 'closed' AND mode = 'live'"
    )
    return int(frame["n"].iloc[0])


@router.get("/")
def overview(request: Request, principal: Viewer) -> Response:
    root = request.app.state.settings.historian_root
    furnaces = [{**f, "latest": latest_values(root, f["site"], f["furnace"])} for f in list_furnaces(root)]
    return render(
        request, "overview.html", furnaces=furnaces, key_tags=KEY_TAGS, open_alerts=_open_alerts(request)
    )


@router.get("/carbon")
def carbon_page(request: Request, principal: Viewer) -> Response:
    return render(
        request,
        "carbon.html",
        uploads=recent_uploads(request.app.state.records, "carbon.upload"),
        can_upload=users.role_at_least(principal.user.role, "engineer"),
    )


@router.post("/carbon")
async def carbon_upload(
    request: Request, principal: Engineer, file: Annotated[UploadFile, File()]
) -> Response:
    name, _result = await keep_upload(
        request,
        principal.user_name,
        file,
        suffixes=ACTIVITY_SUFFIXES,
        check=compute_report,
        action="carbon.upload",
    )
    return RedirectResponse(f"/carbon/{name}", status_code=303)


@router.get("/carbon/{upload}")
def carbon_report_page(upload: str, request: Request, principal: Viewer) -> Response:
    from greenmet.io.carbon_report import summary_table

    language = page_language(request)
    result = compute_report(stored_upload(request.app.state.settings.uploads_directory, upload))
    summary = summary_table(result, language)
    warnings = [
        warning.render(language) if hasattr(warning, "render") else str(warning)
        for warning in result.warnings
    ]
    options = [
        {"key": key, "value": value, "source": result.options_source.get(key, "default")}
        for key, value in result.options.items()
    ]
    return render(
        request,
        "carbon_report.html",
        upload=upload,
        summary=summary.to_dict(orient="records"),
        summary_columns=list(summary.columns),
        warnings=warnings,
        installation=result.installation_id,
        method=result.method,
        edition=result.method_edition,
        options=options,
    )


@router.get("/account")
def account_page(request: Request, principal: Viewer) -> Response:
    return render(request, "account.html", token=None)


@router.post("/account/tokens")
def account_token(request: Request, principal: Viewer, name: Annotated[str, Form()]) -> Response:
    secret = new_secret()
    users.create_token(request.app.state.records, principal.user_name, secret, name)
    return render(request, "account.html", token=secret)
