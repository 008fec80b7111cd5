"""``greenmet serve``: the web service and pages on an existing data directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from greenmet.cli._common import guarded

__all__ = ["serve"]


@guarded
def serve(
    data: Annotated[Path, typer.Option("--data", help="The data directory (records.duckdb, historian/).")],
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    insecure_cookies: Annotated[
        bool,
        typer.Option(
            "--insecure-cookies",
            help="Allow session cookies over "
            "plain HTTP on a non-localhost address (behind no TLS proxy; "
            "not recommended).",
        ),
    ] = False,
) -> None:
    """Serve the web pages and the JSON API. 启动网页服务。"""
    import uvicorn

    from greenmet.service.settings import ServiceSettings
    from greenmet.web.app import create_app

    settings = ServiceSettings(data_directory=data, secure_cookies=not insecure_cookies)
    typer.echo(f"greenmet at http://{host}:{port}/ (data: {data}); Ctrl-C stops")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
