"""People, sessions and API tokens of the web service, in the records store (migration 0005).

This module stores and looks up; it never sees a password or a secret in clear: the service
hashes passwords with argon2 (:mod:`greenmet.service.auth`) and gives sessions and tokens as the
SHA-256 of the random secret the client holds. Every change is one transaction together with
its audit-log row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import duckdb

from greenmet.errors import InputError, UnknownKeyError
from greenmet.storage.records import RecordStore

__all__ = [
    "ROLES",
    "Session",
    "User",
    "add_user",
    "create_session",
    "create_token",
    "delete_session",
    "find_session",
    "find_token_user",
    "find_user",
    "list_users",
    "prune_sessions",
    "role_at_least",
    "secret_digest",
    "set_language",
]

ROLES: tuple[str, ...] = ("viewer", "operator", "engineer", "admin")
"""Roles from least to most: each may do what the ones before it may."""


@dataclass(frozen=True)
class User:
    """A person who logs in (never the password hash outside this module's callers)."""

    user_name: str
    display_name: str | None
    role: str
    language: str
    password_hash: str
    disabled: bool


@dataclass(frozen=True)
class Session:
    """A logged-in browser: its user, CSRF token and expiry."""

    user: User
    csrf_token: str
    expires_at: dt.datetime


def role_at_least(role: str, minimum: str) -> bool:
    """Whether ``role`` may do what ``minimum`` may."""
    return ROLES.index(role) >= ROLES.index(minimum)


def secret_digest(secret: str) -> str:
    """SHA-256 of a session or token secret, as stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InputError("unknown role", field="role", value=role, fix=f"use one of {list(ROLES)}")


def _audit(
    cursor: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    details: dict[str, Any] | None = None,
) -> None:
    cursor.execute(
        "INSERT INTO audit_log (occurred_at, actor, action, object_type, object_id, details) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            dt.datetime.now(dt.UTC),
            actor,
            action,
            object_type,
            object_id,
            None if details is None else json.dumps(details, ensure_ascii=False),
        ],
    )


def add_user(
    records: RecordStore,
    user_name: str,
    password_hash: str,
    role: str,
    *,
    actor: str,
    display_name: str | None = None,
    language: str = "zh",
) -> None:
    """Add a user (refused if the name is taken)."""
    _check_role(role)
    if not user_name or not user_name.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise InputError(
            "user names are letters, digits, '.', '-' and '_'",
            field="user_name",
            value=user_name,
            fix="choose a name such as zhang.wei",
        )
    if find_user(records, user_name) is not None:
        raise InputError(
            "this user exists already", field="user_name", value=user_name, fix="choose another name"
        )

    def run(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute(
            "INSERT INTO users (user_name, display_name, role, password_hash, language, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [user_name, display_name, role, password_hash, language, dt.datetime.now(dt.UTC)],
        )
        _audit(cursor, actor, "user.add", "user", user_name, {"role": role})

    records.write(run)


def _user(row: Any) -> User:
    return User(
        user_name=row["user_name"],
        display_name=row["display_name"],
        role=row["role"],
        language=row["language"],
        password_hash=row["password_hash"],
        disabled=row["disabled_at"] is not None and str(row["disabled_at"]) != "NaT",
    )


def find_user(records: RecordStore, user_name: str) -> User | None:
    """The user of that name, or None."""
    frame = records.query("SELECT * FROM users WHERE user_name = ?", [user_name])
    return None if frame.empty else _user(frame.iloc[0])


def list_users(records: RecordStore) -> list[User]:
    """Every user, by name."""
    return [_user(row) for _, row in records.query("SELECT * FROM users ORDER BY user_name").iterrows()]


def set_language(records: RecordStore, user_name: str, language: str) -> None:
    """Remember a user's language."""
    if language not in ("en", "zh"):
        raise InputError("unknown language", field="language", value=language, fix="use 'en' or 'zh'")
    records.execute("UPDATE users SET language = ? WHERE user_name = ?", [language, user_name])


def create_session(
    records: RecordStore, user_name: str, secret: str, csrf_token: str, lifetime: dt.timedelta
) -> None:
    """Record a new session (the SHA-256 of its secret) and the login in the audit log."""
    now = dt.datetime.now(dt.UTC)

    def run(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?)",
            [secret_digest(secret), user_name, csrf_token, now, now + lifetime],
        )
        _audit(cursor, user_name, "session.login", "user", user_name)

    records.write(run)


def find_session(records: RecordStore, secret: str) -> Session | None:
    """The live session of a secret, or None (unknown, expired or its user disabled)."""
    frame = records.query(
        "SELECT s.csrf_token, s.expires_at, u.* FROM sessions s JOIN users u USING (user_name) "
        "WHERE s.session_sha256 = ? AND s.expires_at > ? AND u.disabled_at IS NULL",
        [secret_digest(secret), dt.datetime.now(dt.UTC)],
    )
    if frame.empty:
        return None
    row = frame.iloc[0]
    return Session(
        user=_user(row), csrf_token=str(row["csrf_token"]), expires_at=row["expires_at"].to_pydatetime()
    )


def delete_session(records: RecordStore, secret: str, *, actor: str) -> None:
    """End a session (logout)."""

    def run(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute("DELETE FROM sessions WHERE session_sha256 = ?", [secret_digest(secret)])
        _audit(cursor, actor, "session.logout", "user", actor)

    records.write(run)


def prune_sessions(records: RecordStore) -> None:
    """Delete expired sessions."""
    records.execute("DELETE FROM sessions WHERE expires_at <= ?", [dt.datetime.now(dt.UTC)])


def create_token(records: RecordStore, user_name: str, secret: str, name: str) -> None:
    """Record an API token (the SHA-256 of its secret) for a user's scripts."""
    if find_user(records, user_name) is None:
        raise UnknownKeyError("no such user", field="user_name", value=user_name, fix="add the user first")

    def run(cursor: duckdb.DuckDBPyConnection) -> None:
        cursor.execute(
            "INSERT INTO api_tokens (token_sha256, user_name, name, created_at) VALUES (?, ?, ?, ?)",
            [secret_digest(secret), user_name, name, dt.datetime.now(dt.UTC)],
        )
        _audit(cursor, user_name, "token.create", "api_token", name)

    records.write(run)


def find_token_user(records: RecordStore, secret: str) -> User | None:
    """The user of a live API token, or None."""
    frame = records.query(
        "SELECT u.* FROM api_tokens t JOIN users u USING (user_name) "
        "WHERE t.token_sha256 = ? AND t.revoked_at IS NULL AND u.disabled_at IS NULL",
        [secret_digest(secret)],
    )
    return None if frame.empty else _user(frame.iloc[0])
