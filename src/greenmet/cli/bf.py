"""``greenmet bf …``: blast-furnace verbs (``calc``: the calculation sheet of a furnace state)."""

from __future__ import annotations

import typer

from greenmet.cli.bf_calc import calc

__all__ = ["app"]

app = typer.Typer(
    help="Blast furnace: process calculations and the simulated furnace.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# ``greenmet bf calc INPUT``: the calculation sheet of a furnace state (greenmet.cli.bf_calc).
app.command("calc")(calc)
