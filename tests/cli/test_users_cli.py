"""``greenmet users``: the first admin from the command line."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from greenmet.cli import app
from greenmet.service.auth import verify_password
from greenmet.storage import users
from greenmet.storage.records import RecordStore

runner = CliRunner()


def test_add_the_first_admin_then_refuse_a_duplicate_and_a_short_password(tmp_path, monkeypatch):
    from argon2 import PasswordHasher
    from argon2.profiles import CHEAPEST

    monkeypatch.setattr("greenmet.service.auth._HASHER", PasswordHasher.from_parameters(CHEAPEST))
    data = ["--data", str(tmp_path)]
    added = runner.invoke(
        app,
        ["users", "add", "li.ming", "--role", "admin", *data, "--password-stdin"],
        input="a long enough password\n",
    )
    assert added.exit_code == 0, added.output
    with RecordStore(tmp_path / "records.duckdb") as records:
        user = users.find_user(records, "li.ming")
        assert user is not None and user.role == "admin"
        assert verify_password(user.password_hash, "a long enough password")
        assert "a long enough password" not in user.password_hash
        audit = records.query("SELECT actor, action, object_id FROM audit_log")
    assert audit.to_dict(orient="records") == [{"actor": "cli", "action": "user.add", "object_id": "li.ming"}]
    again = runner.invoke(
        app,
        ["users", "add", "li.ming", "--role", "viewer", *data, "--password-stdin"],
        input="another long password\n",
    )
    assert again.exit_code == 2 and "exists already" in again.output
    short = runner.invoke(
        app, ["users", "add", "wang", "--role", "viewer", *data, "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 2 and "too short" in short.output
    role = runner.invoke(
        app, ["users", "add", "wang", "--role", "boss", *data, "--password-stdin"], input="x\n"
    )
    assert role.exit_code == 2 and "unknown role" in role.output
    listed = runner.invoke(app, ["users", "list", *data, "--format", "json"])
    assert [u["user_name"] for u in json.loads(listed.output)["users"]] == ["li.ming"]
