"""``greenmet bf calc INPUT``: the blast-furnace calculation sheet of a furnace state file.

A thin shell over :func:`greenmet.io.furnace_state.read_furnace_state` and
:func:`greenmet.blast_furnace.state.calculation_sheet`; registered on the ``bf`` app in
:mod:`greenmet.cli.bf`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from greenmet.cli._common import Format, Language, echo_json, guarded
from greenmet.errors import InputError

__all__ = ["calc"]


@guarded
def calc(
    input_file: Annotated[Path, typer.Argument(metavar="INPUT", help="Furnace state (.toml, .json, .xlsx).")],
    output_format: Annotated[Format, typer.Option("--format", help="json, table or xlsx.")] = Format.table,
    language: Annotated[Language, typer.Option("--language", help="Labels in en or zh.")] = Language.en,
    out: Annotated[Path | None, typer.Option("--out", help="Write the sheet here (needed for xlsx).")] = None,
) -> None:
    """Compute the calculation sheet of a furnace state. 高炉工艺计算表。"""
    from greenmet.blast_furnace.state import calculation_sheet
    from greenmet.i18n import label, unit_label
    from greenmet.io.furnace_state import read_furnace_state

    state = read_furnace_state(input_file)
    sheet = calculation_sheet(state)
    lang = language.value
    if output_format is Format.json:
        payload = {"ok": True, "name": sheet.name, "language": lang, "rows": sheet.records(lang)}
        if out is None:
            echo_json(payload)
        else:
            import json

            from greenmet.io.atomic import atomic_write_text

            atomic_write_text(out, json.dumps(payload, indent=2, ensure_ascii=False, default=str))
            typer.echo(f"wrote {out}")
        return
    table = sheet.table.rename(columns={f"label_{lang}": "label"})[
        ["quantity", "label", "value", "unit", "formula", "flags"]]
    # People read units and flags in their language (degC → ℃, provisional → 暂定); JSON keeps
    # the machine spellings.
    table = table.assign(unit=[unit_label(str(unit), lang) for unit in table["unit"]],
                         flags=[_flags(str(flags), lang) for flags in table["flags"]])
    if output_format is Format.xlsx:
        if out is None:
            raise InputError("--format xlsx needs --out", field="--out",
                             fix="give the workbook to write, e.g. --out sheet.xlsx")
        from greenmet.io.excel import write_workbook

        headings = {key: label(key, lang, "greenmet.blast_furnace") for key in table.columns}
        write_workbook(out, {"sheet": table.rename(columns=headings)},
                       title=label("calculation_sheet", lang, "greenmet.blast_furnace"),
                       header_lines=[("furnace", sheet.name), ("input", str(input_file))])
        typer.echo(f"wrote {out}")
        return
    from rich.console import Console
    from rich.table import Table

    view = Table(title=f"{label('calculation_sheet', lang, 'greenmet.blast_furnace')} — {sheet.name}")
    for column in ("label", "value", "unit", "formula", "flags"):
        view.add_column(label(column, lang, "greenmet.blast_furnace") if column != "label" else
                        label("quantity", lang, "greenmet.blast_furnace"),
                        justify="right" if column == "value" else "left")
    for row in table.itertuples():
        view.add_row(str(row.label), f"{row.value:,.4g}", str(row.unit), str(row.formula), str(row.flags))
    Console(width=160).print(view)


def _flags(flags: str, language: str) -> str:
    """``provisional;balance_not_closed:iron`` with each flag by its label (component kept)."""
    from greenmet.i18n import label

    shown = []
    for flag in filter(None, flags.split(";")):
        name, colon, detail = flag.partition(":")
        shown.append(label(name, language, "greenmet.blast_furnace") + colon + detail)
    return "; ".join(shown)
