"""A service on a fresh data directory with one user per role."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from greenmet.service.auth import hash_password
from greenmet.service.settings import ServiceSettings
from greenmet.storage import users
from greenmet.storage.records import RecordStore
from greenmet.web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture
def service(tmp_path, _cheap_password_hashing):
    with RecordStore(tmp_path / "records.duckdb") as records:
        for role in users.ROLES:
            users.add_user(records, role, hash_password(PASSWORD), role, actor="test", language="en")
    settings = ServiceSettings(data_directory=tmp_path, max_upload_bytes=200_000)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        yield client


def log_in(client: TestClient, user_name: str) -> str:
    """Log ``user_name`` in on ``client``; return the session's CSRF token."""
    response = client.post("/api/session", json={"user_name": user_name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch):
    """argon2's cheapest parameters in tests: a hash verifies with the parameters it was made with,
    so the service's code path is the same and a login costs microseconds instead of ~0.1 s."""
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    monkeypatch.setattr("greenmet.service.auth._HASHER", PasswordHasher.from_parameters(CHEAPEST))
