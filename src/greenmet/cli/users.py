"""``greenmet users …``: people who use the web service (the first admin comes from here)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from greenmet.cli._common import Format, echo_json, guarded
from greenmet.errors import InputError

__all__ = ["app"]

app = typer.Typer(
    help="Users of the web service and their roles. 用户管理。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

DataOption = Annotated[Path, typer.Option("--data", help="The data directory (records.duckdb lives there).")]


@app.command("add")
@guarded
def add(
    user_name: Annotated[str, typer.Argument(help="Login name, e.g. zhang.wei.")],
    role: Annotated[str, typer.Option("--role", help="viewer, operator, engineer or admin.")],
    data: DataOption,
    display_name: Annotated[
        str | None, typer.Option("--display-name", help="Name shown in the pages.")
    ] = None,
    language: Annotated[str, typer.Option("--language", help="en or zh.")] = "zh",
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from standard input (for scripts) instead of prompting.",
        ),
    ] = False,
) -> None:
    """Add a user with a role; asks for the password twice. 添加用户。"""
    from greenmet.service.auth import hash_password
    from greenmet.storage import users
    from greenmet.storage.records import RecordStore

    if role not in users.ROLES:
        raise InputError("unknown role", field="--role", value=role, fix=f"use one of {list(users.ROLES)}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    password_hash = hash_password(password)
    data.mkdir(parents=True, exist_ok=True)
    with RecordStore(data / "records.duckdb") as records:
        users.add_user(
            records, user_name, password_hash, role, actor="cli", display_name=display_name, language=language
        )
    typer.echo(f"added {user_name} ({role})")


@app.command("list")
@guarded
def list_users(
    data: DataOption, output_format: Annotated[Format, typer.Option("--format")] = Format.table
) -> None:
    """List users and roles. 列出用户。"""
    from greenmet.storage import users
    from greenmet.storage.records import RecordStore

    with RecordStore(data / "records.duckdb") as records:
        people = users.list_users(records)
    rows = [
        {
            "user_name": u.user_name,
            "display_name": u.display_name,
            "role": u.role,
            "language": u.language,
            "disabled": u.disabled,
        }
        for u in people
    ]
    if output_format is Format.json:
        echo_json({"ok": True, "users": rows})
        return
    for row in rows:
        typer.echo(f"{row['user_name']:20s} {row['role']:9s} {row['language']}  {row['display_name'] or ''}")
