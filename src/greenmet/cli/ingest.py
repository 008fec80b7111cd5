"""``greenmet ingest …``: plant data into the historian, from files or an OPC UA server.

Thin shell over :mod:`greenmet.ingest`: ``file`` imports a CSV/Parquet/Excel export with a
progress bar; ``plant-records`` imports charges, analyses or hot-metal destinations;
``opcua`` subscribes to a server until Ctrl-C or ``--duration``; ``browse`` lists
a server's variables (to write a mapping); ``mapping`` checks a mapping file or writes a template.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import signal
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from greenmet.cli._common import echo_json, guarded
from greenmet.errors import InputError

__all__ = ["app"]

app = typer.Typer(
    help="Plant data in: import files, subscribe to OPC UA, browse servers, check mappings. 数据采集。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class OutputFormat(StrEnum):
    """Output formats of the ingest verbs."""

    table = "table"
    json = "json"


class LayoutChoice(StrEnum):
    """Layouts of a file export."""

    auto = "auto"
    wide = "wide"
    long = "long"


_MAPPING = Annotated[
    Path, typer.Option("--mapping", help="Mapping file (.yaml or .csv): vendor tag → greenmet tag.")
]
_HISTORIAN = Annotated[Path, typer.Option("--historian", help="Historian root directory.")]
_CATALOGUE = Annotated[
    str,
    typer.Option(
        "--catalogue",
        help="Tag catalogue: a CSV (tag, unit, low, high) or a simulator preset (2500m3, 5000m3).",
    ),
]
_SITE = Annotated[str | None, typer.Option("--site", help="Site of mapping rows that name none.")]
_FURNACE = Annotated[str | None, typer.Option("--furnace", help="Furnace of mapping rows that name none.")]
_FORMAT = Annotated[OutputFormat, typer.Option("--format", help="Output format.")]


def _show(payload: dict[str, Any], output_format: OutputFormat, title: str) -> None:
    if output_format == OutputFormat.json:
        echo_json(payload)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_header=False)
    table.add_column("field")
    table.add_column("value")
    for key, value in payload.items():
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value[:20]) + (" …" if len(value) > 20 else "")
        table.add_row(key, "" if value is None else str(value))
    Console(stderr=False).print(table)


@app.command("file")
@guarded
def file(
    path: Annotated[Path, typer.Argument(help="The export: .csv, .parquet or .xlsx.")],
    mapping: _MAPPING,
    historian: _HISTORIAN,
    catalogue: _CATALOGUE = "5000m3",
    layout: Annotated[
        LayoutChoice, typer.Option("--layout", help="wide, long or auto (detect).")
    ] = LayoutChoice.auto,
    time_column: Annotated[str | None, typer.Option("--time-column", help="Timestamp column.")] = None,
    tag_column: Annotated[str | None, typer.Option("--tag-column", help="Tag column (long layout).")] = None,
    value_column: Annotated[
        str | None, typer.Option("--value-column", help="Value column (long layout).")
    ] = None,
    time_zone: Annotated[
        str | None, typer.Option("--time-zone", help="IANA zone of naive timestamps, e.g. Asia/Shanghai.")
    ] = None,
    sheet: Annotated[str | None, typer.Option("--sheet", help="Sheet of an Excel workbook.")] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Refuse vendor tags missing from the mapping.")
    ] = False,
    earliest: Annotated[
        dt.datetime | None,
        typer.Option(
            "--earliest",
            help="Refuse timestamps before this date as a reset clock (default 2000-01-01); "
            "give an earlier date for old archives.",
        ),
    ] = None,
    site: _SITE = None,
    furnace: _FURNACE = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
    output_format: _FORMAT = OutputFormat.table,
) -> None:
    """Import a CSV, Parquet or Excel export into the historian through a mapping."""
    from tqdm import tqdm

    from greenmet.ingest.files import import_file
    from greenmet.ingest.mapping import load_mapping

    tag_map = load_mapping(mapping, catalogue, site=site, furnace=furnace)
    bar = tqdm(unit=" rows", desc=path.name, disable=not progress, leave=False)

    def advance(done: int, total: int | None) -> None:
        if total is not None and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    since: dict[str, Any] = {} if earliest is None else {
        "earliest": earliest.replace(tzinfo=earliest.tzinfo or dt.UTC)}
    try:
        report = import_file(
            path,
            tag_map,
            historian,
            layout=layout.value,
            time_column=time_column,
            tag_column=tag_column,
            value_column=value_column,
            time_zone=time_zone,
            sheet=sheet,
            strict=strict,
            **since,
            on_progress=advance,
        )
    finally:
        bar.close()
    _show(report.to_dict(), output_format, f"import {path.name}")


class PlantRecordKindChoice(StrEnum):
    """Kinds of plant record (greenmet.storage.plant_records.KINDS)."""

    charges = "charges"
    material_analyses = "material_analyses"
    cast_analyses = "cast_analyses"
    hot_metal_destinations = "hot_metal_destinations"


@app.command("plant-records")
@guarded
def plant_records(
    path: Annotated[Path, typer.Argument(help="The records: .csv (UTF-8, header row) or .xlsx.")],
    kind: Annotated[PlantRecordKindChoice, typer.Option("--kind", help="Which records the file holds.")],
    historian: _HISTORIAN,
    site: Annotated[str, typer.Option("--site", help="Site of the furnace.")],
    furnace: Annotated[str, typer.Option("--furnace", help="Furnace the records belong to.")],
    sheet: Annotated[str | None, typer.Option("--sheet", help="Sheet of an Excel workbook.")] = None,
    time_zone: Annotated[
        str | None,
        typer.Option("--time-zone", help="IANA zone of times without one (default: the furnace's zone)."),
    ] = None,
    allow_pending_analyses: Annotated[
        bool,
        typer.Option(
            "--allow-pending-analyses",
            help="Import charges whose lots have no analysis yet (listed) instead of refusing the file.",
        ),
    ] = False,
    output_format: _FORMAT = OutputFormat.table,
) -> None:
    """Import charges, material or cast analyses or hot-metal destinations (all rows or none)."""
    from greenmet.ingest.plant_records import import_plant_records

    report = import_plant_records(
        path,
        kind.value,
        historian,
        site,
        furnace,
        sheet=sheet,
        time_zone=time_zone,
        allow_pending_analyses=allow_pending_analyses,
    )
    _show(report.to_dict(), output_format, f"import {path.name}")


@app.command("opcua")
@guarded
def opcua(
    endpoint: Annotated[str, typer.Option("--endpoint", help="opc.tcp://host:port of the server.")],
    mapping: _MAPPING,
    historian: _HISTORIAN,
    catalogue: _CATALOGUE = "5000m3",
    duration: Annotated[
        float | None, typer.Option("--duration", help="Stop after this many seconds (default: until Ctrl-C).")
    ] = None,
    publishing_interval_ms: Annotated[
        float, typer.Option("--publishing-interval-ms", help="Publishing interval [ms].")
    ] = 100.0,
    nodes_per_subscription: Annotated[int, typer.Option("--nodes-per-subscription")] = 1000,
    nodes_per_connection: Annotated[int, typer.Option("--nodes-per-connection")] = 3000,
    no_history: Annotated[
        bool, typer.Option("--no-history", help="Do not read gaps with HistoryRead.")
    ] = False,
    simulated_time: Annotated[
        bool,
        typer.Option(
            "--simulated-time",
            help="Accept source timestamps far in the future (an accelerated simulator, --speed > 1); "
            "by default the historian refuses points more than a day ahead as a clock jump.",
        ),
    ] = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Start after the newest point of each tag already in the historian and "
            "read the time since from the server's history (after a restart).",
        ),
    ] = False,
    health_interval_s: Annotated[
        float, typer.Option("--health-interval-s", help="Health points every [s].")
    ] = 5.0,
    flush_interval_s: Annotated[
        float,
        typer.Option(
            "--flush-interval-s",
            "--flush-interval",
            help="Flush to the historian's Parquet parts every [s]: queries see a value about this "
            "long after it arrived at most (plus the time a flush takes).",
        ),
    ] = 2.0,
    ack_log: Annotated[
        Path | None,
        typer.Option("--ack-log", help="Append every acknowledged point (tag, timestamp µs) to this file."),
    ] = None,
    site: _SITE = None,
    furnace: _FURNACE = None,
    output_format: _FORMAT = OutputFormat.table,
) -> None:
    """Subscribe to an OPC UA server's mapped tags and write them to the historian."""
    from greenmet.ingest.mapping import load_mapping
    from greenmet.ingest.opcua_client import OpcUaIngest

    tag_map = load_mapping(mapping, catalogue, site=site, furnace=furnace)
    ingest = OpcUaIngest(
        endpoint,
        tag_map,
        historian,
        publishing_interval_ms=publishing_interval_ms,
        nodes_per_subscription=nodes_per_subscription,
        nodes_per_connection=nodes_per_connection,
        read_history=not no_history,
        health_interval_s=health_interval_s,
        flush_interval_s=flush_interval_s,
        ack_log=ack_log,
        resume=resume,
        historian_options={"future_tolerance_s": None} if simulated_time else None,
    )

    async def main() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, ingest.stop)
        return await ingest.run(duration)

    health = asyncio.run(main())
    _show(health, output_format, f"ingest {endpoint}")


@app.command("browse")
@guarded
def browse(
    endpoint: Annotated[str, typer.Option("--endpoint", help="opc.tcp://host:port of the server.")],
    output_format: _FORMAT = OutputFormat.table,
) -> None:
    """List the server's variables with the names a mapping may use (NodeId, browse path)."""
    from asyncua import Client

    from greenmet.ingest.opcua_client import browse_variables

    if not endpoint.startswith("opc.tcp://"):
        raise InputError(
            "not an OPC UA endpoint",
            field="--endpoint",
            value=endpoint,
            fix="write it as opc.tcp://host:port",
        )

    async def main() -> list[dict[str, str]]:
        async with Client(endpoint, timeout=10) as client:
            variables = await browse_variables(client)
        return [{"node_id": v.keys[0], "node_id_uri": v.keys[1], "browse_path": v.path} for v in variables]

    try:
        rows = asyncio.run(main())
    except (TimeoutError, OSError) as error:
        raise InputError(
            f"cannot reach the server ({error})",
            field="--endpoint",
            value=endpoint,
            fix="check that the server runs and the host and port are right",
        ) from None
    if output_format == OutputFormat.json:
        echo_json(rows)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{endpoint}: {len(rows)} variables")
    for column in ("node_id", "browse_path"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["node_id"], row["browse_path"])
    Console().print(table)


@app.command("mapping")
@guarded
def mapping_check(
    mapping: Annotated[Path | None, typer.Argument(help="Mapping file to check.")] = None,
    catalogue: _CATALOGUE = "5000m3",
    template: Annotated[
        Path | None,
        typer.Option("--template", help="Write a template mapping of the whole catalogue to this YAML file."),
    ] = None,
    vendor_prefix: Annotated[
        str | None,
        typer.Option(
            "--vendor-prefix",
            help="Template: put before each tag to form the vendor tag (default for a simulator preset: "
            "its furnace id and a dot, as the simulator's NodeIds; else none).",
        ),
    ] = None,
    site: _SITE = None,
    furnace: _FURNACE = None,
    output_format: _FORMAT = OutputFormat.table,
) -> None:
    """Check a mapping file against the catalogue, or write a template with --template."""
    from greenmet.ingest.mapping import load_mapping, mapping_template

    if template is not None:
        from greenmet.blast_furnace.simulator import PRESETS
        from greenmet.io.atomic import atomic_write_text

        furnace_id = PRESETS[catalogue].furnace_id if catalogue in PRESETS else None
        if vendor_prefix is None:
            vendor_prefix = f"{furnace_id}." if furnace_id else ""
        text = mapping_template(
            catalogue,
            site=site or "demo",
            furnace=furnace or furnace_id or "bf1",
            vendor_prefix=vendor_prefix,
        )
        atomic_write_text(template, text)
        typer.echo(f"wrote {template}")
        return
    if mapping is None:
        raise InputError(
            "give a mapping file to check, or --template FILE",
            field="MAPPING",
            value=None,
            fix="greenmet ingest mapping my_mapping.yaml",
        )
    frame = load_mapping(mapping, catalogue, site=site, furnace=furnace).to_frame()
    if output_format == OutputFormat.json:
        echo_json(frame.to_dict("records"))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{mapping}: {len(frame)} vendor tags")
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.itertuples(index=False):
        table.add_row(*[f"{v:.6g}" if isinstance(v, float) else str(v) for v in row])
    Console().print(table)
