"""The ``greenmet`` command: a thin shell over the library.

Each capability has its own sub-command module in this package (``carbon``, ``bf``, ``ingest``,
``historian``); each verb parses options, calls library functions and renders the result as
JSON, a terminal table or an Excel workbook. Errors derived from
:class:`~greenmet.errors.GreenmetError` are shown as one message (or the JSON error shape with
``--format json``) and exit with status 2; anything else is a bug and shows its traceback.
"""

from __future__ import annotations

import importlib

import typer

from greenmet import __version__

__all__ = ["app", "main"]

app = typer.Typer(
    name="greenmet",
    help="Green metallurgy toolkit: carbon accounting, blast furnace, plant data. 绿色冶金工具箱。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Sub-command modules, each exposing a Typer ``app``. Registered here so that the order of
# ``greenmet --help`` is stable.
_SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "carbon": ("greenmet.cli.carbon", "Carbon accounting: reports, templates, allowances, batches. 碳核算。"),
    "bf": ("greenmet.cli.bf", "Blast furnace: calculations and the simulated furnace. 高炉。"),
    "ingest": ("greenmet.cli.ingest", "Plant data in: file import, OPC UA ingestion, browsing. 数据采集。"),
    "historian": ("greenmet.cli.historian", "Plant-data historian: query, compact, retention. 历史数据。"),
    "evaluate": ("greenmet.cli.evaluate", "Green evaluation against standards and labels. 绿色评价。"),
    "outlook": ("greenmet.cli.outlook", "Outlook to 2060: data, projections, levers. 形势预测与潜力分析。"),
    "users": ("greenmet.cli.users", "Users of the web service and their roles. 用户管理。"),
}


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"greenmet {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version_callback, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """greenmet — how green is this steel or aluminium, and how do we get it greener."""


for _name, (_module, _help) in _SUBCOMMANDS.items():
    app.add_typer(importlib.import_module(_module).app, name=_name, help=_help)

# ``greenmet serve``: the web service and pages (greenmet.cli.serve).
app.command("serve")(importlib.import_module("greenmet.cli.serve").serve)
# ``greenmet demo``: the simulated plant, monitoring and the pages (greenmet.cli.demo).
app.command("demo")(importlib.import_module("greenmet.cli.demo").demo)


def main() -> None:
    """Entry point of the ``greenmet`` console script."""
    app()
