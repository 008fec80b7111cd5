"""Login, sessions, API tokens, CSRF and roles.

- Passwords: argon2id (argon2-cffi's defaults, RFC 9106's second recommended option).
- Sessions: a 256-bit random secret in an HttpOnly, SameSite=Strict cookie (Secure unless
  ``secure_cookies`` is off); the records store keeps only its SHA-256, with the user, expiry and
  the session's CSRF token.
- CSRF: every state-changing request authenticated by the cookie must carry the session's token
  (header ``X-CSRF-Token``, or the form field ``csrf_token``), compared in constant time. A token
  of another or an ended session is refused. Requests with an API token (``Authorization:
  Bearer …``) carry no cookie and need none.
- Roles: viewer < operator < engineer < admin; each route declares its least role with
  :func:`require` (a test enumerates the routes and checks every role against each).
- Login rate limit: after ``login_failures_per_window`` failures for one user name from one
  address within ``login_window_s``, further attempts get 429 until the window has passed.
"""

from __future__ import annotations

import collections
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import Depends, HTTPException, Request

from greenmet.storage import users
from greenmet.storage.records import RecordStore

__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "Admin",
    "Engineer",
    "LoginLimiter",
    "Operator",
    "Principal",
    "Viewer",
    "hash_password",
    "new_secret",
    "require",
    "verify_password",
]

SESSION_COOKIE = "greenmet_session"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """The argon2id hash of a password (refused if shorter than 10 characters)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        from greenmet.errors import InputError

        raise InputError(
            "the password is too short",
            field="password",
            value=f"{len(password)} characters",
            fix=f"use at least {MIN_PASSWORD_LENGTH} characters",
        )
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches the stored hash."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_secret() -> str:
    """A fresh random secret for a session, an API token or a CSRF token (256 bits)."""
    return secrets.token_urlsafe(32)


class LoginLimiter:
    """Failed logins per (user name, address) in a sliding window, in memory (one process)."""

    def __init__(self, failures: int, window_s: float) -> None:
        self.failures, self.window_s = failures, window_s
        self._attempts: dict[tuple[str, str], collections.deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> collections.deque[float]:
        attempts = self._attempts.setdefault(key, collections.deque())
        while attempts and now - attempts[0] > self.window_s:
            attempts.popleft()
        return attempts

    def blocked_for_s(self, user_name: str, address: str) -> float:
        """Seconds until the next attempt is allowed (0 if allowed now)."""
        now = time.monotonic()
        with self._lock:
            attempts = self._recent((user_name, address), now)
            if len(attempts) < self.failures:
                return 0.0
            return max(0.0, self.window_s - (now - attempts[0]))

    def failed(self, user_name: str, address: str) -> None:
        with self._lock:
            self._recent((user_name, address), time.monotonic()).append(time.monotonic())

    def succeeded(self, user_name: str, address: str) -> None:
        with self._lock:
            self._attempts.pop((user_name, address), None)


class Principal:
    """Who makes a request: the user, how they authenticated, and the session's CSRF token."""

    def __init__(
        self, user: users.User, via: str, csrf_token: str | None, session_secret: str | None
    ) -> None:
        self.user, self.via, self.csrf_token, self.session_secret = user, via, csrf_token, session_secret

    @property
    def user_name(self) -> str:
        return self.user.user_name


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail)


async def _authenticate(request: Request) -> Principal:
    records: RecordStore = request.app.state.records
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = users.find_token_user(records, header[7:].strip())
        if user is None:
            raise _unauthorised("unknown or revoked API token")
        return Principal(user, "token", None, None)
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise _unauthorised("log in first")
    session = users.find_session(records, secret)
    if session is None:
        raise _unauthorised("the session has expired or ended: log in again")
    principal = Principal(session.user, "session", session.csrf_token, secret)
    if request.method not in _SAFE_METHODS:
        given = request.headers.get(CSRF_HEADER)
        if given is None and request.headers.get("content-type", "").startswith(
            ("multipart/form-data", "application/x-www-form-urlencoded")
        ):
            form = await request.form()  # Starlette keeps the parsed form for the route
            value = form.get("csrf_token")
            given = value if isinstance(value, str) else None
        if not given or not hmac.compare_digest(given, session.csrf_token):
            raise HTTPException(
                status_code=403, detail="missing or wrong CSRF token: reload the page and retry"
            )
    return principal


def require(minimum_role: str) -> Callable[[Request], Any]:
    """A FastAPI dependency admitting users with at least ``minimum_role``; returns the
    :class:`Principal`. The role is kept on the dependency so tests can enumerate routes."""
    if minimum_role not in users.ROLES:
        raise ValueError(f"unknown role {minimum_role!r}")

    async def dependency(request: Request) -> Principal:
        principal = await _authenticate(request)
        if not users.role_at_least(principal.user.role, minimum_role):
            raise HTTPException(
                status_code=403, detail=f"this needs the {minimum_role} role; you are {principal.user.role}"
            )
        request.state.principal = principal
        return principal

    dependency.minimum_role = minimum_role  # type: ignore[attr-defined]
    return dependency


# The least role of a route, as a parameter annotation: ``principal: Viewer``.
Viewer = Annotated[Principal, Depends(require("viewer"))]
Operator = Annotated[Principal, Depends(require("operator"))]
Engineer = Annotated[Principal, Depends(require("engineer"))]
Admin = Annotated[Principal, Depends(require("admin"))]
