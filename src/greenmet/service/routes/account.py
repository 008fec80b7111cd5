"""Login, logout, the current user, language and API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request, Response
from pydantic import BaseModel, Field

from greenmet.service.auth import SESSION_COOKIE, Admin, Principal, Viewer, new_secret, verify_password
from greenmet.service.paging import Limit, Offset
from greenmet.storage import users

__all__ = ["login", "logout", "router", "set_session_cookie"]

router = APIRouter(prefix="/api", tags=["account"])


class LoginRequest(BaseModel):
    user_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1000)


class LanguageRequest(BaseModel):
    language: Literal["en", "zh"]


class TokenRequest(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="What the token is for (a script's name).")


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login(request: Request, user_name: str, password: str) -> tuple[users.User, str, str]:
    """Check a password (rate-limited) and open a session; return the user, session secret and CSRF token."""
    settings = request.app.state.settings
    limiter = request.app.state.login_limiter
    wait_s = limiter.blocked_for_s(user_name, _address(request))
    if wait_s > 0:
        raise HTTPException(
            status_code=429,
            detail=f"too many failed logins: wait {wait_s:.0f} s",
            headers={"Retry-After": str(int(wait_s) + 1)},
        )
    records = request.app.state.records
    user = users.find_user(records, user_name)
    if user is None or user.disabled or not verify_password(user.password_hash, password):
        limiter.failed(user_name, _address(request))
        raise HTTPException(status_code=401, detail="wrong user name or password")
    limiter.succeeded(user_name, _address(request))
    secret, csrf = new_secret(), new_secret()
    users.create_session(
        records, user.user_name, secret, csrf, dt.timedelta(seconds=settings.session_lifetime_s)
    )
    return user, secret, csrf


def set_session_cookie(request: Request, response: Response, secret: str) -> None:
    settings = request.app.state.settings
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=settings.session_lifetime_s,
        httponly=True,
        secure=settings.secure_cookies,
        samesite="strict",
        path="/",
    )


def logout(request: Request, response: Response, principal: Principal) -> None:
    if principal.session_secret is not None:
        users.delete_session(request.app.state.records, principal.session_secret, actor=principal.user_name)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        secure=request.app.state.settings.secure_cookies,
        samesite="strict",
    )


def _me(principal: Principal) -> dict[str, Any]:
    user = principal.user
    return {
        "user_name": user.user_name,
        "display_name": user.display_name,
        "role": user.role,
        "language": user.language,
        "authenticated_via": principal.via,
        "csrf_token": principal.csrf_token,
    }


@router.post("/session", summary="Log in: sets the session cookie and returns the CSRF token")
def post_session(body: LoginRequest, request: Request, response: Response) -> dict[str, Any]:
    user, secret, csrf = login(request, body.user_name, body.password)
    set_session_cookie(request, response, secret)
    return {
        "ok": True,
        "user_name": user.user_name,
        "role": user.role,
        "language": user.language,
        "csrf_token": csrf,
    }


@router.delete("/session", summary="Log out")
def delete_session(request: Request, principal: Viewer, response: Response) -> dict[str, Any]:
    logout(request, response, principal)
    return {"ok": True}


@router.get("/me", summary="The current user, role, language and CSRF token")
def get_me(principal: Viewer) -> dict[str, Any]:
    return {"ok": True, **_me(principal)}


@router.put("/me/language", summary="Remember the user's language")
def put_language(body: LanguageRequest, request: Request, principal: Viewer) -> dict[str, Any]:
    users.set_language(request.app.state.records, principal.user_name, body.language)
    return {"ok": True, "language": body.language}


@router.post("/me/tokens", summary="Create an API token for scripts (shown once)")
def post_token(body: TokenRequest, request: Request, principal: Viewer) -> dict[str, Any]:
    secret = new_secret()
    users.create_token(request.app.state.records, principal.user_name, secret, body.name)
    return {
        "ok": True,
        "name": body.name,
        "token": secret,
        "use": "send it as the header 'Authorization: Bearer <token>'; it is not shown again",
    }


@router.get("/audit", summary="The audit log, newest first (admin)")
def get_audit(request: Request, principal: Admin, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    from greenmet.service.paging import page

    records = request.app.state.records
    total = int(records.query("SELECT count(*) AS n FROM audit_log")["n"].iloc[0])
    limit, offset = page(limit, offset)
    frame = records.query(
        "SELECT id, occurred_at, actor, action, object_type, object_id, details FROM audit_log "
        "ORDER BY id DESC LIMIT ? OFFSET ?",
        [limit, offset],
    )
    return {
        "ok": True,
        "total": total,
        "limit": limit,
        "offset": offset,
        "items": frame.astype(object).where(frame.notna(), None).to_dict(orient="records"),
    }
