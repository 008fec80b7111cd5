"""``greenmet bf trace``: quality traceability of hot metal (质量追溯).

``greenmet bf trace ROOT --site S --furnace F --cast ID --working-volume 2500`` walks a cast back
to the charges that reached the tuyeres in its production window (residence time from the volume
charged after each charge), their lots and analyses, the furnace state and the alerts of that
window, and forward to its ladles/torpedoes and steelmaking heats. ``--lot LOT`` follows a coke,
ore or flux lot into the casts it went into; ``--list`` lists the casts. Logic in
:mod:`greenmet.monitoring.traceability`, reading in :mod:`greenmet.storage.traceability`.
"""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from greenmet.cli._common import Language, echo_json, guarded
from greenmet.errors import InputError
from greenmet.i18n import label

__all__ = ["trace"]

_LABELS = "greenmet.monitoring"


class TraceFormat(StrEnum):
    """Output formats of ``greenmet bf trace``."""

    table = "table"
    json = "json"


def _heading(key: str, language: str) -> str:
    return f"\n{label(key, language, _LABELS)}"


def _table(frame: pd.DataFrame) -> str:
    return frame.to_string(index=False) if not frame.empty else "  –"


@guarded
def trace(
    root: Annotated[
        Path, typer.Argument(help="Historian root (holds site=…/furnace=… and the plant records).")
    ],
    site: Annotated[str, typer.Option("--site", help="Site of the furnace.")] = "demo",
    furnace: Annotated[str, typer.Option("--furnace", help="Furnace id.")] = "BF2500",
    cast: Annotated[str | None, typer.Option("--cast", help="Cast id to trace back and forward.")] = None,
    lot: Annotated[str | None, typer.Option("--lot", help="Lot id to follow into the casts.")] = None,
    list_casts: Annotated[bool, typer.Option("--list", help="List the furnace's casts.")] = False,
    working_volume: Annotated[
        float | None,
        typer.Option(
            "--working-volume", help="Working volume of the furnace [m3] (2500 for the 2500m3 preset)."
        ),
    ] = None,
    shrinkage: Annotated[
        float | None,
        typer.Option(
            "--shrinkage",
            help="Shrinkage of the charged volume in the furnace (default: table burden_descent).",
        ),
    ] = None,
    records: Annotated[
        Path | None, typer.Option("--records", help="Records store (DuckDB) whose alerts to join.")
    ] = None,
    language: Annotated[Language, typer.Option("--language", "-l", help="Language of labels.")] = Language.en,
    output_format: Annotated[
        TraceFormat, typer.Option("--format", help="Output format.")
    ] = TraceFormat.table,
) -> None:
    """Trace a cast back to its burden and forward to its vessels, or a lot into its casts. 质量追溯。"""
    from greenmet.storage.consultation import furnace_casts
    from greenmet.storage.traceability import (
        cast_trace_payload,
        json_rows,
        lot_trace_payload,
        trace_cast_from_store,
        trace_lot_from_store,
    )

    if sum((cast is not None, lot is not None, list_casts)) != 1:
        raise InputError(
            "choose one of --cast, --lot or --list",
            field="--cast/--lot/--list",
            fix="e.g. --cast 12 (back and forward), --lot COK-20260101 (into casts), --list",
        )
    lang = language.value
    if list_casts:
        casts = furnace_casts(root, site, furnace)
        if output_format is TraceFormat.json:
            echo_json(json_rows(casts))
        else:
            typer.echo(_table(casts))
        return
    if working_volume is None:
        raise InputError(
            "the trace needs the furnace's working volume",
            field="--working-volume",
            fix="give it in m3, e.g. --working-volume 2500",
        )
    if lot is not None:
        found = trace_lot_from_store(
            root, site, furnace, lot, working_volume_m3=working_volume, shrinkage=shrinkage
        )
        payload: dict[str, Any] = lot_trace_payload(found, lang)
        if output_format is TraceFormat.json:
            echo_json(payload)
            return
        typer.echo(f"{label('trace_lot', lang, _LABELS)} {found.lot_id} ({', '.join(found.materials)})")
        typer.echo(_heading("trace_casts", lang))
        typer.echo(_table(found.casts))
        typer.echo(_heading("trace_destinations", lang))
        typer.echo(_table(found.destinations))
        _notes(payload, lang)
        return
    result, state = trace_cast_from_store(
        root, site, furnace, str(cast), working_volume_m3=working_volume, records=records, shrinkage=shrinkage
    )
    payload = cast_trace_payload(result, state, lang)
    if output_format is TraceFormat.json:
        echo_json(payload)
        return
    typer.echo(
        f"{label('trace_cast', lang, _LABELS)} {result.cast_id}: "
        f"{result.cast.get('start')} → {result.cast.get('end')}"
    )
    quality = [
        f"{name} {result.cast[column]:{spec}}"
        for name, column, spec in (
            ("T", "hot_metal_temperature_degC", ".0f"),
            ("Si", "hot_metal_silicon_percent", ".2f"),
            ("S", "hot_metal_sulphur_percent", ".3f"),
        )
        if isinstance(result.cast.get(column), float) and not math.isnan(result.cast[column])
    ]
    if quality:
        typer.echo("  " + ", ".join(quality) + "  (°C, %, %)")
    residence = payload["residence_time_h"]
    typer.echo(
        f"{label('trace_residence_time', lang, _LABELS)}: "
        f"{'–' if residence is None else f'{residence:.2f} h'}; "
        f"{label('trace_production_window', lang, _LABELS)}: {payload['production_window'][0]} → "
        f"{payload['production_window'][1]}"
    )
    typer.echo(_heading("trace_hot_metal", lang))
    typer.echo(
        _table(
            result.hot_metal_analyses.loc[:, ["sample", "component", "value", "unit"]]
            if not result.hot_metal_analyses.empty
            else result.hot_metal_analyses
        )
    )
    typer.echo(_heading("trace_lots", lang))
    typer.echo(_table(result.lots))
    typer.echo(_heading("trace_lot_analyses", lang))
    typer.echo(_table(result.lot_analyses))
    typer.echo(_heading("trace_state", lang))
    typer.echo(_table(state))
    typer.echo(_heading("trace_alerts", lang))
    shown = [
        c
        for c in ("raised_at", "cleared_at", "fault_kind", "severity", "message_en", "message_zh")
        if c in result.alerts.columns
        and (c != "message_zh" or lang == "zh")
        and (c != "message_en" or lang == "en")
    ]
    typer.echo(_table(result.alerts.loc[:, shown]))
    typer.echo(_heading("trace_destinations", lang))
    typer.echo(_table(result.destinations))
    _notes(payload, lang)


def _notes(payload: dict[str, Any], language: str) -> None:
    for line in payload["missing"]:
        typer.echo(f"{label('trace_note', language, _LABELS)}: {line}")
    if payload["provisional"]:
        typer.echo(f"{label('trace_provisional', language, _LABELS)}: {', '.join(payload['provisional'])}")
