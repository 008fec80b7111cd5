"""``greenmet historian …``: query, compact, apply retention to and describe a historian.

Thin shell over :mod:`greenmet.storage`: ``query`` runs the Ibis queries of
:mod:`greenmet.storage.queries` on DuckDB; ``compact`` and ``retention`` open a
:class:`~greenmet.storage.historian.Historian` (so they wait for no one: if ingestion holds the
furnace's writer lock they stop with a message); ``info`` only reads.
"""

from __future__ import annotations

import io
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from greenmet.cli._common import echo_json, guarded
from greenmet.errors import InputError, StorageError, UnknownKeyError

__all__ = ["app"]

app = typer.Typer(
    help="Plant-data historian: query points, compact parts, apply retention, describe contents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class QueryFormat(StrEnum):
    """Output formats of ``greenmet historian query``."""

    table = "table"
    json = "json"
    csv = "csv"


class ShortFormat(StrEnum):
    """Output formats of the other verbs."""

    table = "table"
    json = "json"


_ROOT = Annotated[Path, typer.Argument(help="Historian root directory (holds site=…/furnace=…).")]
_SITE = Annotated[str | None, typer.Option("--site", help="Site name; needed when ROOT holds several.")]
_FURNACE = Annotated[str | None, typer.Option("--furnace",
                                              help="Furnace name; needed when the site has several.")]
_SHORT_FORMAT = Annotated[ShortFormat, typer.Option("--format", help="Output format.")]


def _furnaces(root: Path) -> list[tuple[str, str]]:
    return sorted(
        (site_dir.name[len("site="):], furnace_dir.name[len("furnace="):])
        for site_dir in root.glob("site=*") if site_dir.is_dir()
        for furnace_dir in site_dir.glob("furnace=*") if furnace_dir.is_dir()
    )


def _select(root: Path, site: str | None, furnace: str | None) -> list[tuple[str, str]]:
    if not root.is_dir():
        raise InputError("the historian root is not a directory", field="ROOT", value=str(root),
                         fix="give the directory that holds site=<site>/furnace=<furnace>")
    everything = _furnaces(root)
    if not everything:
        raise InputError("the directory is not a historian: it holds no site=<site>/furnace=<furnace> "
                         "directories", field="ROOT", value=str(root),
                         fix="give the historian root: the --out of 'greenmet bf simulate' or the "
                             "--historian of 'greenmet ingest'")
    found = [(s, f) for s, f in everything
             if (site is None or s == site) and (furnace is None or f == furnace)]
    if not found:
        raise UnknownKeyError("no such site/furnace in the historian", field="--site/--furnace",
                              value=f"{site}/{furnace}",
                              fix=f"use one of {[f'{s}/{f}' for s, f in _furnaces(root)] or 'none (empty)'}")
    return found


def _one(root: Path, site: str | None, furnace: str | None) -> tuple[str, str]:
    found = _select(root, site, furnace)
    if len(found) > 1:
        raise InputError("ROOT holds several furnaces", field="--site/--furnace",
                         value=[f"{s}/{f}" for s, f in found], fix="choose one with --site and --furnace")
    return found[0]


def _time_zone(root: Path, site: str, furnace: str) -> str:
    from greenmet.storage.furnace_metadata import read_furnace_metadata
    from greenmet.storage.historian import furnace_directory

    try:
        return str(read_furnace_metadata(furnace_directory(root, site, furnace)).get("time_zone") or "UTC")
    except StorageError:
        return "UTC"


def _bucket_seconds(text: str) -> float:
    try:
        seconds = pd.Timedelta(text).total_seconds()
    except (TypeError, ValueError):
        raise InputError("not a duration", field="--bucket", value=text,
                         fix="give a duration such as 10s, 1min, 15min, 1h or 1d") from None
    if seconds <= 0:
        raise InputError("the bucket must be longer than zero", field="--bucket", value=text,
                         fix="give a duration such as 1min")
    return seconds


def _render(frame: pd.DataFrame, output_format: str, title: str) -> None:
    if output_format == "json":
        records = json.loads(frame.to_json(orient="records", date_format="iso", date_unit="us",
                                           double_precision=15))
        echo_json(records)
    elif output_format == "csv":
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, date_format="%Y-%m-%dT%H:%M:%S.%fZ")
        typer.echo(buffer.getvalue(), nl=False)
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for column in frame.columns:
            table.add_column(str(column))
        for row in frame.itertuples(index=False):
            table.add_row(*[_cell(v) for v in row])
        Console().print(table)


def _cell(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.6g}"
    return "" if value is None or value is pd.NaT else str(value)


@app.command("query")
@guarded
def query(
    root: _ROOT,
    tag: Annotated[list[str], typer.Option("--tag", help="Tag name; repeat for several tags.")],
    start: Annotated[str, typer.Option("--start", help="Start, ISO 8601 (no offset: plant's zone).")],
    end: Annotated[str, typer.Option("--end", help="End, exclusive, ISO 8601 (no offset: plant's zone).")],
    site: _SITE = None,
    furnace: _FURNACE = None,
    bucket: Annotated[str | None, typer.Option("--bucket", help="Bucket width: 10s, 1min, 1h …")] = None,
    points: Annotated[int | None, typer.Option("--points", help="Target number of buckets per tag.")] = None,
    output_format: Annotated[QueryFormat, typer.Option("--format", help="Output.")] = QueryFormat.table,
) -> None:
    """Points of tags in a time window: raw, or bucketed (min/max/mean/last/count per bucket)."""
    from greenmet.storage import queries

    site, furnace = _one(root, site, furnace)
    zone = _time_zone(root, site, furnace)
    start_utc = queries.to_utc(start, "--start", assume_time_zone=zone)
    end_utc = queries.to_utc(end, "--end", assume_time_zone=zone)
    if bucket is not None and points is not None:
        raise InputError("give --bucket or --points, not both", field="--bucket", value=bucket,
                         fix="drop one of them")
    table = queries.open_points(root, site, furnace, start=start_utc, end=end_utc)
    if bucket is None and points is None:
        expression = queries.raw_range(table, tag, start_utc, end_utc)
    else:
        rollups = queries.open_rollups(root, site, furnace, start=start_utc, end=end_utc,
                                       backend=table.get_backend())
        expression = queries.bucketed(table, tag, start_utc, end_utc,
                                      bucket_s=_bucket_seconds(bucket) if bucket is not None else None,
                                      points_per_tag=points, rollups=rollups)
    frame = queries.run(expression)
    if set(tag) - set(frame["tag"].astype(str)):  # a tag without rows: misspelled, or no data then
        unknown = queries.unknown_tags(root, site, furnace, tag)
        if unknown:
            hints = "; ".join(f"{name}: did you mean {', '.join(close)}?" if close
                              else f"{name}: no close name" for name, close in unknown.items())
            raise UnknownKeyError("unknown tags for this furnace", field="--tag", value=sorted(unknown),
                                  fix=f"{hints} ('greenmet historian info' lists every tag)")
    _render(frame, output_format.value, f"{site}/{furnace} {start_utc.isoformat()} – {end_utc.isoformat()}")


@app.command("compact")
@guarded
def compact(
    root: _ROOT,
    site: _SITE = None,
    furnace: _FURNACE = None,
    output_format: _SHORT_FORMAT = ShortFormat.table,
) -> None:
    """Merge the Parquet parts of each date partition into one (committed in one manifest rename)."""
    from greenmet.storage.historian import Historian

    results = []
    for site_name, furnace_name in _select(root, site, furnace):
        with Historian(root, site_name, furnace_name) as historian:
            report = historian.compact()
        results.append({"site": site_name, "furnace": furnace_name,
                        "partitions_compacted": report.partitions_merged})
    if output_format == ShortFormat.json:
        echo_json(results)
    else:
        for result in results:
            typer.echo(f"{result['site']}/{result['furnace']}: compacted "
                       f"{len(result['partitions_compacted'])} partitions")


@app.command("retention")
@guarded
def retention(
    root: _ROOT,
    days: Annotated[int, typer.Option("--days", help="Keep this many whole UTC days before today.")],
    site: _SITE = None,
    furnace: _FURNACE = None,
    output_format: _SHORT_FORMAT = ShortFormat.table,
) -> None:
    """Drop the date partitions older than --days days."""
    from greenmet.storage.historian import Historian

    results = []
    for site_name, furnace_name in _select(root, site, furnace):
        with Historian(root, site_name, furnace_name) as historian:
            report = historian.apply_retention(days)
        results.append({"site": site_name, "furnace": furnace_name,
                        "partitions_dropped": report.partitions_dropped})
    if output_format == ShortFormat.json:
        echo_json(results)
    else:
        for result in results:
            dropped = result["partitions_dropped"]
            typer.echo(f"{result['site']}/{result['furnace']}: dropped {len(dropped)} partitions"
                       + (f" ({dropped[0]} … {dropped[-1]})" if dropped else ""))


@app.command("check")
@guarded
def check(
    root: _ROOT,
    site: _SITE = None,
    furnace: _FURNACE = None,
    repair: Annotated[bool, typer.Option("--repair",
                                         help="Quarantine unreadable parts, rebuild roll-ups.")] = False,
    output_format: _SHORT_FORMAT = ShortFormat.table,
) -> None:
    """Read every part and roll-up; with --repair set aside what cannot be read (exit 1: problems left)."""
    from greenmet.storage.check import check_furnace
    from greenmet.storage.historian import Historian, furnace_directory

    results: list[dict[str, Any]] = []
    for site_name, furnace_name in _select(root, site, furnace):
        if repair:
            with Historian(root, site_name, furnace_name, background_compaction=False) as historian:
                findings = historian.repair()
        else:
            findings = check_furnace(furnace_directory(root, site_name, furnace_name))
        results.append({"site": site_name, "furnace": furnace_name,
                        "findings": [dict(vars(f)) for f in findings]})
    left = sum(1 for r in results for f in r["findings"] if f["action"] is None
               and f["problem"] != "part not listed")
    if output_format == ShortFormat.json:
        echo_json(results)
    else:
        for result in results:
            rows: list[dict[str, Any]] = result["findings"]
            typer.echo(f"{result['site']}/{result['furnace']}: "
                       + (f"{len(rows)} problems" if rows else "every part and roll-up reads"))
            for finding in rows:
                action = f" -> {finding['action']}" if finding["action"] else ""
                typer.echo(f"  {finding['path']}: {finding['problem']} ({finding['detail']}){action}")
        if left and not repair:
            typer.echo("run again with --repair to set unreadable parts aside and rebuild roll-ups", err=True)
    if left:
        raise typer.Exit(1)


@app.command("info")
@guarded
def info(
    root: _ROOT,
    site: _SITE = None,
    furnace: _FURNACE = None,
    output_format: _SHORT_FORMAT = ShortFormat.table,
) -> None:
    """Partitions, files, points and time range per tag of each furnace."""
    from greenmet.storage import queries
    from greenmet.storage.historian import furnace_directory, list_parts

    results = []
    for site_name, furnace_name in _select(root, site, furnace):
        directory = furnace_directory(root, site_name, furnace_name)
        partitions = sorted(p for p in directory.glob("date=*") if p.is_dir() and list_parts(p))
        files = [f for p in partitions for f in list_parts(p)]
        summary = queries.run(queries.tag_summary(queries.open_points(root, site_name, furnace_name)))
        wal = directory / ".wal"
        results.append({
            "site": site_name,
            "furnace": furnace_name,
            "time_zone": _time_zone(root, site_name, furnace_name),
            "partition_count": len(partitions),
            "first_date": partitions[0].name[len("date="):] if partitions else None,
            "last_date": partitions[-1].name[len("date="):] if partitions else None,
            "file_count": len(files),
            "size_bytes": sum(f.stat().st_size for f in files),
            "point_count": int(summary["point_count"].sum()) if len(summary) else 0,
            "wal_bytes": sum(p.stat().st_size for p in wal.glob("wal-*.log")) if wal.is_dir() else 0,
            "tags": json.loads(summary.to_json(orient="records", date_format="iso", date_unit="us")),
        })
    if output_format == ShortFormat.json:
        echo_json(results)
        return
    for result in results:
        typer.echo(f"{result['site']}/{result['furnace']} (time zone {result['time_zone']}): "
                   f"{result['partition_count']} partitions {result['first_date']} … {result['last_date']}, "
                   f"{result['file_count']} files, {result['size_bytes']} bytes, "
                   f"{result['point_count']} points, "
                   f"{result['wal_bytes']} bytes not yet flushed")
        _render(pd.DataFrame(result["tags"]), "table", f"{result['site']}/{result['furnace']} tags")
