"""``greenmet carbon …``: activity-data templates, emission reports, allowances, batches.

Every verb is a thin shell over the library: it reads files with :mod:`greenmet.io.activity_files`,
computes with :mod:`greenmet.carbon`, and renders with :mod:`greenmet.io.carbon_report`. Errors
go through :func:`greenmet.cli._common.guarded` (exit status 2; the JSON error shape with
``--format json``).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from greenmet.cli._common import Language, echo_json, guarded
from greenmet.errors import InputError, Location

__all__ = ["app"]

app = typer.Typer(
    help="Carbon accounting: templates, reports (China ETS, ISO 14404, CBAM, LCI), allowances, batches.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class ReportFormat(StrEnum):
    """Output formats of ``greenmet carbon report``."""

    table = "table"
    json = "json"
    xlsx = "xlsx"
    pdf = "pdf"


class ShortFormat(StrEnum):
    """Output formats of verbs that print a small result."""

    table = "table"
    json = "json"


class Example(StrEnum):
    """The example plants shipped with greenmet."""

    bf_bof = "bf-bof"
    scrap_eaf = "scrap-eaf"
    aluminium = "aluminium"


class Method(StrEnum):
    """Accounting methods (``greenmet.carbon.METHODS``)."""

    cn_steel = "cn-steel"
    cn_aluminium = "cn-aluminium"
    iso14404 = "iso14404"
    cbam = "cbam"
    lci = "lci"


_FILE_HELP = "Activity-data file (.toml, .yaml, .json or the .xlsx template)."
_METHOD_HELP = "Accounting method; default cn-steel for steel, cn-aluminium for aluminium."


def _load(file: Path | None, example: Example | None) -> Any:
    from greenmet.io.activity_files import read_activity, read_example

    if (file is None) == (example is None):
        raise InputError(
            "give either an activity-data FILE or --example, not both and not neither",
            field="FILE",
            value=None if file is None else str(file),
            fix="e.g. `greenmet carbon report plant.toml` or `greenmet carbon report --example bf-bof`",
        )
    return read_example(example.value) if example is not None else read_activity(Path(str(file)))


def _method_for(activity: Any, method: Method | None) -> str:
    from greenmet.carbon.batch import default_method

    return method.value if method is not None else default_method(activity)


def _default_out(stem: str, suffix: str) -> Path:
    return Path(f"{stem}{suffix}")


@app.command("template")
@guarded
def template(
    out: Annotated[Path, typer.Argument(help="The .xlsx template to write.")],
    language: Annotated[
        Language, typer.Option("--language", "-l", help="Language of sheet names and headers.")
    ] = Language.en,
    example: Annotated[
        Example | None, typer.Option("--example", help="Fill the template with an example plant.")
    ] = None,
) -> None:
    """Write the Excel activity-data template (bilingual headers, drop-down lists, notes)."""
    from greenmet.io.activity_files import read_example, write_template

    if out.suffix.lower() != ".xlsx":
        raise InputError(
            "the template is an Excel workbook",
            field="OUT",
            value=str(out),
            fix="give a file name ending in .xlsx",
        )
    activity = read_example(example.value) if example is not None else None
    written = write_template(out, language.value, activity=activity)
    typer.echo(str(written))


@app.command("schema")
@guarded
def schema() -> None:
    """Print the JSON Schema of activity data (what a TOML/YAML/JSON activity file holds)."""
    from greenmet.carbon.activity import ActivityData

    echo_json(ActivityData.model_json_schema())


_File = Annotated[Path | None, typer.Argument(help=_FILE_HELP, show_default=False)]
_ExampleOption = Annotated[Example | None, typer.Option("--example", help="Use a shipped example plant.")]
_MethodOption = Annotated[
    Method | None, typer.Option("--method", "-m", help=_METHOD_HELP, show_default=False)
]
_LanguageOption = Annotated[Language, typer.Option("--language", "-l", help="Language of labels.")]
_OutOption = Annotated[
    Path | None,
    typer.Option("--out", "-o", help="File to write (xlsx, pdf; json too). Default: <id>-<method>.<format>."),
]


def _option_help(key: str) -> str:
    from greenmet.carbon.options import option_description

    return option_description(key) + " Overrides the activity file's [options]."


def _flag(key: str) -> Any:
    """The CLI option of option ``key`` (``--grid-factor-year`` …), help from the option model."""
    return typer.Option("--" + key.replace("_", "-"), help=_option_help(key), show_default=False)


# Spelled out as Annotated[...] (not built by a function) so that mypy sees them as types.
_Edition = Annotated[str | None, _flag("edition")]
_GwpMetric = Annotated[str | None, _flag("gwp_metric")]
_PfcMethod = Annotated[str | None, _flag("pfc_method")]
_GridRegion = Annotated[str | None, _flag("grid_region")]
_GridBasis = Annotated[str | None, _flag("grid_basis")]
_GridYear = Annotated[int | None, _flag("grid_factor_year")]
_MarkupYear = Annotated[str | None, _flag("markup_year")]
_ElectricityFactor = Annotated[str | None, _flag("electricity_factor")]
_Fallback = Annotated[
    bool | None,
    typer.Option("--fallback-defaults/--no-fallback-defaults", help=_option_help("fallback_defaults"),
                 show_default=False),
]
_Options = Annotated[
    list[str] | None,
    typer.Option(
        "--option",
        help="Any method option as KEY=VALUE (repeatable), e.g. --option grid_basis=fossil; "
        "the named flags win over it. Keys: see `greenmet carbon schema` (options).",
        show_default=False,
    ),
]


def _flags(parameters: dict[str, Any]) -> dict[str, Any]:
    """The options given on the command line: ``--option KEY=VALUE`` first, named flags on top.

    ``parameters`` are the verb's parameters (``locals()``); those named as an option count.
    """
    from greenmet.carbon.options import option_keys, parse_option_text

    flags: dict[str, Any] = dict(parse_option_text(text) for text in parameters.get("option") or [])
    flags.update({key: parameters[key] for key in option_keys()
                  if parameters.get(key) is not None})
    return flags


def _compute(activity: Any, method_name: str, flags: dict[str, Any]) -> Any:
    from greenmet.carbon import compute
    from greenmet.carbon.options import resolve_options

    resolved = resolve_options(method_name, activity.options, flags, given_as="flag")
    return compute(activity, method_name, resolved=resolved)


@app.command("report")
@guarded
def report(
    file: _File = None,
    example: _ExampleOption = None,
    method: _MethodOption = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ReportFormat.table,
    language: _LanguageOption = Language.en,
    out: _OutOption = None,
    edition: _Edition = None,
    gwp_metric: _GwpMetric = None,
    pfc_method: _PfcMethod = None,
    grid_region: _GridRegion = None,
    grid_basis: _GridBasis = None,
    grid_factor_year: _GridYear = None,
    markup_year: _MarkupYear = None,
    electricity_factor: _ElectricityFactor = None,
    fallback_defaults: _Fallback = None,
    option: _Options = None,
    from_historian: Annotated[
        Path | None,
        typer.Option(
            "--from-historian",
            help="Historian root: aggregate the furnace's own measurements "
            "(with --site, --furnace, --start, --end) instead of an activity file.",
        ),
    ] = None,
    site: Annotated[str | None, typer.Option("--site", help="Site (--from-historian).")] = None,
    furnace: Annotated[str | None, typer.Option("--furnace", help="Furnace (--from-historian).")] = None,
    start: Annotated[str | None, typer.Option("--start", help="First minute (ISO 8601).")] = None,
    end: Annotated[str | None, typer.Option("--end", help="End of the period, excluded (ISO 8601).")] = None,
    mapping: Annotated[
        Path | None, typer.Option("--mapping", help="Tag → activity mapping (TOML); default: shipped.")
    ] = None,
    province: Annotated[str | None, typer.Option("--province", help="Province (--from-historian).")] = None,
) -> None:
    """Compute the emissions of one installation and show or write the report.

    Options come from the method's defaults, the activity file's [options] section and the
    flags (highest priority); the report header shows each and where it came from. With
    --from-historian the activity data are aggregated from a furnace's historian and plant
    records through the tag → activity mapping (docs/user_guide/carbon_from_historian.md).
    """
    if from_historian is not None:
        activity = _from_historian(
            from_historian, site, furnace, start, end, mapping, province, file, example, language.value
        )
    else:
        activity = _load(file, example)
    method_name = _method_for(activity, method)
    flags = _flags(locals())
    result = _compute(activity, method_name, flags)
    _emit(result, output_format, language.value, out, f"{activity.installation.id}-{method_name}")


def _from_historian(
    root: Path,
    site: str | None,
    furnace: str | None,
    start: str | None,
    end: str | None,
    mapping: Path | None,
    province: str | None,
    file: Path | None,
    example: Example | None,
    language: str = "en",
) -> Any:
    from greenmet.engines.historian_activity import activity_from_historian, read_flow_mapping

    if file is not None or example is not None:
        raise InputError(
            "give an activity FILE, --example or --from-historian, only one",
            field="--from-historian",
            value=str(root),
            fix="drop FILE or --example",
        )
    for name, value in (("--site", site), ("--furnace", furnace), ("--start", start), ("--end", end)):
        if value is None:
            raise InputError(
                f"--from-historian needs {name}",
                field=name,
                fix="e.g. --site demo --furnace BF2500 --start 2026-01-01T00:00Z --end 2026-02-01T00:00Z",
            )
    flows = read_flow_mapping(mapping) if mapping is not None else None
    result = activity_from_historian(
        root, str(site), str(furnace), start, end, mapping=flows, province=province
    )
    from greenmet.i18n import label

    for name, reason in sorted(result.lacking.items()):
        message = label("carbon_incomplete", language, "greenmet.engines")
        typer.echo(message.format(flow=name, reason=reason), err=True)
    return result.activity


@app.command("allowance")
@guarded
def allowance(
    file: _File = None,
    year: Annotated[
        int | None, typer.Option("--year", help="Compliance year; default the period's year.")
    ] = None,
    price: Annotated[
        float | None, typer.Option("--price", help="Allowance price [CNY/t CO2e] for the cost of a deficit.")
    ] = None,
    previous_verified: Annotated[
        float | None,
        typer.Option(
            "--previous-verified",
            help="Verified emissions of the previous year [t CO2e] (needed by the 2025 pre-allocation rule).",
        ),
    ] = None,
    example: _ExampleOption = None,
    method: _MethodOption = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="Output format.")
    ] = ReportFormat.table,
    language: _LanguageOption = Language.en,
    out: _OutOption = None,
    edition: _Edition = None,
    gwp_metric: _GwpMetric = None,
    pfc_method: _PfcMethod = None,
    grid_region: _GridRegion = None,
    grid_basis: _GridBasis = None,
    grid_factor_year: _GridYear = None,
    option: _Options = None,
) -> None:
    """Allowance of the national carbon market for a year, surplus or deficit, and its cost."""
    activity = _load(file, example)
    method_name = _method_for(activity, method)
    if method_name not in ("cn-steel", "cn-aluminium"):
        raise InputError(
            "allowances follow China's national methods",
            field="--method",
            value=method_name,
            fix="use --method cn-steel or --method cn-aluminium",
        )
    from greenmet.carbon.allowances import allowance as allowance_position

    flags = _flags(locals())
    result = _compute(activity, method_name, flags)
    position = allowance_position(
        result, year, previous_verified_t_co2e=previous_verified, price_cny_per_t=price
    )
    _emit(
        result,
        output_format,
        language.value,
        out,
        f"{activity.installation.id}-allowance-{position.year}",
        allowance=position,
    )


def _emit(
    result: Any,
    output_format: ReportFormat,
    language: str,
    out: Path | None,
    stem: str,
    allowance: Any = None,
) -> None:
    from greenmet.io import carbon_report
    from greenmet.io.atomic import atomic_write_text

    if output_format is ReportFormat.table:
        carbon_report.render_table(result, language, allowance=allowance)
    elif output_format is ReportFormat.json:
        document = carbon_report.result_to_json(result, allowance)
        if out is None:
            echo_json(document)
        else:
            atomic_write_text(out, json.dumps(document, indent=2, ensure_ascii=False, default=str))
            typer.echo(str(out))
    elif output_format is ReportFormat.xlsx:
        written = carbon_report.write_report_xlsx(
            out or _default_out(stem, ".xlsx"), result, language, allowance
        )
        typer.echo(str(written))
    else:
        written = carbon_report.write_report_pdf(
            out or _default_out(stem, ".pdf"), result, language, allowance
        )
        typer.echo(str(written))


_BATCH_SUFFIXES = (".csv", ".parquet", ".xlsx")


@app.command("batch")
@guarded
def batch(
    directory: Annotated[Path, typer.Argument(help="Directory of activity-data files.")],
    method: _MethodOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the result table: .csv, .parquet or .xlsx."),
    ] = None,
    output_format: Annotated[
        ShortFormat, typer.Option("--format", "-f", help="What to print when no --out is given.")
    ] = ShortFormat.table,
    language: _LanguageOption = Language.en,
    recursive: Annotated[bool, typer.Option("--recursive", help="Also read sub-directories.")] = False,
    edition: _Edition = None,
    gwp_metric: _GwpMetric = None,
    pfc_method: _PfcMethod = None,
    grid_region: _GridRegion = None,
    grid_basis: _GridBasis = None,
    grid_factor_year: _GridYear = None,
    markup_year: _MarkupYear = None,
    electricity_factor: _ElectricityFactor = None,
    fallback_defaults: _Fallback = None,
    option: _Options = None,
) -> None:
    """Compute many installations at once (vectorised) and write one table.

    Flags override each file's [options]; the table's ``options`` column lists the options in
    force per installation.
    """
    from rich.console import Console
    from rich.progress import track

    from greenmet.carbon.batch import compute_batch
    from greenmet.io.activity_files import activity_files, read_activity
    from greenmet.io.carbon_report import render_batch_table, write_batch_table

    if out is not None and out.suffix.lower() not in _BATCH_SUFFIXES:
        raise InputError(
            "unknown table format",
            field="--out",
            value=str(out),
            fix=f"give a file ending in {', '.join(_BATCH_SUFFIXES)}",
        )
    flags = _flags(locals())
    files = activity_files(directory, recursive=recursive)
    errors = Console(stderr=True)
    activities = [
        read_activity(path) for path in track(files, description="reading", console=errors, transient=True)
    ]
    seen: dict[str, Path] = {}
    for path, activity in zip(files, activities, strict=True):
        first = seen.setdefault(activity.installation.id, path)
        if first != path:
            raise InputError(
                f"installation id used twice in one batch: {first.name} and {path.name}",
                field="installation.id",
                value=activity.installation.id,
                fix="give every installation-period its own id (for example append the year)",
                location=Location(str(path)),
            )
    with errors.status(f"computing {len(activities)} installations"):
        table = compute_batch(activities, None if method is None else method.value, **flags)
    if out is not None:
        written = write_batch_table(out, table, language.value)
        typer.echo(str(written))
    elif output_format is ShortFormat.json:
        echo_json(json.loads(table.to_json(orient="records", date_format="iso")))
    else:
        render_batch_table(table, language.value)
