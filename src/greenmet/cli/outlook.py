"""``greenmet outlook …``: reference data, projections to 2060, comparisons, lever potential, uncertainty.

Thin shell: scenarios are read by :mod:`greenmet.outlook`, projected by :mod:`greenmet.mfa`, written
by :mod:`greenmet.io.outlook_files`.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer

from greenmet.cli._common import Language, echo_json, guarded
from greenmet.errors import InputError

__all__ = ["app"]

app = typer.Typer(
    help="Outlook to 2060: data, projections, comparisons, levers, uncertainty. 形势预测与潜力分析。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class OutFormat(StrEnum):
    """Output formats of the outlook verbs."""

    table = "table"
    json = "json"
    csv = "csv"
    xlsx = "xlsx"
    iamc = "iamc"


class Table(StrEnum):
    """Reference tables of the outlook."""

    statistics = "statistics"
    targets = "targets"
    parameters = "parameters"


_SCENARIO_HELP = (
    "Scenario file (.toml/.yaml) or preset "
    "(china_baseline, china_policy, high_circularity, deep_decarbonisation)."
)
_OUTPUT_HELP = "File to write (required for xlsx, csv and iamc; JSON goes to stdout without it)."
_CHART_HELP = (
    "Also write a chart (data: Fig. 2 trends; run: CO2 and production; potential: wedges; "
    "uncertainty: bands): .html (interactive, offline), .png or .svg."
)
FormatOption = Annotated[
    OutFormat, typer.Option("--format", help="table, json, csv or xlsx (run: also iamc).")
]
OutputOption = Annotated[Path | None, typer.Option("--output", help=_OUTPUT_HELP)]
ChartOption = Annotated[Path | None, typer.Option("--chart", help=_CHART_HELP)]
LanguageOption = Annotated[
    Language, typer.Option("--language", help="Language of chart labels and stage names: en or zh.")
]
_SUMMARY_COLUMNS = [
    "crude_steel_production_mt",
    "steel_demand_mt",
    "steel_scrap_available_mt",
    "steel_route_share_scrap_eaf",
    "iron_ore_import_dependence",
    "total_energy_mtce",
    "steel_co2_mt",
    "total_co2_mt",
]


def _emit(
    tables: dict[str, pd.DataFrame],
    output_format: OutFormat,
    output: Path | None,
    *,
    title: str,
    meta: dict[str, Any],
    scenario: str = "",
) -> None:
    from greenmet.io.outlook_files import write_tables

    if output_format == OutFormat.table:
        for name, table in tables.items():
            typer.echo(f"== {name}")
            typer.echo(table.to_string(float_format=lambda v: f"{v:,.3f}"))
        for key, value in meta.items():
            typer.echo(f"{key}: {value}")
        return
    if output is None:
        if output_format == OutFormat.json:
            echo_json(
                {"meta": meta, **{n: t.reset_index().to_dict(orient="records") for n, t in tables.items()}}
            )
            return
        raise InputError(
            f"--format {output_format.value} needs --output FILE",
            field="--output",
            fix="add --output result." + ("csv" if output_format == OutFormat.iamc else output_format.value),
        )
    path = write_tables(tables, output, output_format.value, title=title, meta=meta, scenario=scenario)
    typer.echo(f"wrote {path}")


def _project(source: str):
    from greenmet.mfa.projection import project
    from greenmet.outlook import load_outlook_scenario

    scenario = load_outlook_scenario(source)
    return scenario, project(scenario)


@app.command("data")
@guarded
def data(
    table: Annotated[Table, typer.Option("--table", help="Which reference table.")] = Table.statistics,
    indicator: Annotated[
        str | None, typer.Option("--indicator", help="Only rows of this indicator (or target, or group).")
    ] = None,
    output_format: FormatOption = OutFormat.table,
    output: OutputOption = None,
    chart: ChartOption = None,
) -> None:
    """List, export and plot the outlook's reference data (S1, S10), each row with its source."""
    from greenmet.io.outlook_files import write_chart
    from greenmet.refdata import load_table

    frame = load_table(f"outlook_{table.value}")
    key = {"statistics": "indicator", "targets": "target", "parameters": "group"}[table.value]
    if indicator is not None:
        if indicator not in set(frame[key]):
            raise InputError(
                f"no {key} of that name",
                field="--indicator",
                value=indicator,
                fix=f"use one of {', '.join(sorted(set(frame[key])))}",
            )
        frame = frame[frame[key] == indicator]
    if chart is not None:
        statistics = load_table("outlook_statistics")

        def series(name: str, region: str = "china", definition: str = "production") -> pd.Series:
            rows = statistics[
                (statistics.indicator == name)
                & (statistics.region == region)
                & (statistics.definition == definition)
            ]
            return pd.Series(rows["value"].to_numpy(), index=rows["year"].astype(int).to_numpy()).sort_index()

        path = write_chart(
            {
                "China crude steel (Mt)": series("crude_steel_production"),
                "World crude steel (Mt)": series("crude_steel_production", "world"),
                "China primary aluminium (Mt)": series("primary_aluminium_production"),
                "China ten non-ferrous metals (Mt)": series("ten_nonferrous_metals_production"),
                "China recycled non-ferrous (Mt)": series(
                    "recycled_nonferrous_production", definition="cu_al_pb_zn"
                ),
            },
            chart,
            title="Steel and non-ferrous metals, China and world (Fig. 2 trends)",
            y_label="Mt",
        )
        typer.echo(f"wrote {path}")
    frame = frame.set_index(key)
    _emit(
        {f"outlook_{table.value}": frame},
        output_format,
        output,
        title=f"greenmet outlook data: {table.value}",
        meta={"rows": len(frame), "provisional_rows": int(frame["needs_verification"].sum())},
    )


@app.command("run")
@guarded
def run(
    scenario: Annotated[str, typer.Argument(help=_SCENARIO_HELP)],
    output_format: FormatOption = OutFormat.table,
    output: OutputOption = None,
    chart: ChartOption = None,
    language: LanguageOption = Language.en,
) -> None:
    """Project a scenario to 2060: demand, stocks, scrap, routes, iron ore, energy, CO2, peak and residual."""
    from greenmet.io.outlook_files import write_chart
    from greenmet.mfa.potential import pathway_stages

    loaded, result = _project(scenario)
    summary = result.summary()
    meta = {**summary, "provisional_inputs": list(result.provisional_inputs)}
    if chart is not None:
        frame = result.frame.loc[2000:]
        path = write_chart(
            {
                "steel CO2 (Mt)": frame["steel_co2_mt"],
                "aluminium CO2 (Mt)": frame["aluminium_co2_mt"]
                if "aluminium_co2_mt" in frame
                else frame["steel_co2_mt"] * 0,
                "crude steel (Mt)": frame["crude_steel_production_mt"],
                "scrap available (Mt)": frame["steel_scrap_available_mt"],
            },
            chart,
            title=f"Outlook {result.scenario}",
            y_label="Mt",
        )
        typer.echo(f"wrote {path}")
    if output_format == OutFormat.table and output is None:
        years = [y for y in (2020, 2025, 2030, 2035, 2040, 2050, 2060) if y in result.frame.index]
        _emit(
            {
                "outlook": result.frame.loc[years, _SUMMARY_COLUMNS].T,
                "pathway": pathway_stages(loaded, result).set_index("stage")[
                    ["start_year", "end_year", f"name_{language.value}"]
                ],
            },
            output_format,
            None,
            title="",
            meta=meta,
        )
        return
    tables = {"outlook": result.frame, "pathway": pathway_stages(loaded, result).set_index("stage")}
    _emit(
        tables,
        output_format,
        output,
        title=f"greenmet outlook {result.scenario}",
        meta=meta,
        scenario=result.scenario,
    )


@app.command("compare")
@guarded
def compare(
    scenario_a: Annotated[str, typer.Argument(help="Reference scenario (file or preset).")],
    scenario_b: Annotated[str, typer.Argument(help="Scenario compared with it.")],
    output_format: FormatOption = OutFormat.table,
    output: OutputOption = None,
) -> None:
    """Compare two scenarios side by side (key indicators by year, B - A) and their summaries."""
    _, result_a = _project(scenario_a)
    _, result_b = _project(scenario_b)
    years = [y for y in (2020, 2025, 2030, 2035, 2040, 2050, 2060) if y in result_a.frame.index]
    rows = []
    for column in _SUMMARY_COLUMNS:
        for year in years:
            a, b = float(result_a.frame.loc[year, column]), float(result_b.frame.loc[year, column])
            rows.append(
                {
                    "indicator": column,
                    "year": year,
                    result_a.scenario: a,
                    result_b.scenario: b,
                    "difference": b - a,
                }
            )
    table = pd.DataFrame(rows).set_index(["indicator", "year"])
    _emit(
        {"comparison": table},
        output_format,
        output,
        title="greenmet outlook compare",
        meta={"a": result_a.summary(), "b": result_b.summary()},
    )


@app.command("potential")
@guarded
def potential(
    scenario_a: Annotated[str, typer.Argument(help="Reference scenario, e.g. china_baseline.")],
    scenario_b: Annotated[str, typer.Argument(help="Scenario whose levers are measured, e.g. china_policy.")],
    output_format: FormatOption = OutFormat.table,
    output: OutputOption = None,
    chart: ChartOption = None,
    language: LanguageOption = Language.en,
) -> None:
    """Each lever's share of the CO2 difference B - A by year (exact LMDI), and B's four-stage pathway."""
    from greenmet.io.outlook_files import write_chart
    from greenmet.mfa.potential import LEVERS, lever_decomposition, pathway_stages

    a, result_a = _project(scenario_a)
    b, result_b = _project(scenario_b)
    table = lever_decomposition(a, result_a, b, result_b)
    levers = [c for c in table.columns if c.removesuffix("_mt_co2") in LEVERS]
    if chart is not None:
        pick = 1 if language == Language.zh else 0
        wedges = {
            LEVERS[c.removesuffix("_mt_co2")][pick]: table[c] for c in levers if table[c].abs().max() > 1e-9
        }
        line = table["co2_b_mt"].rename(f"{result_b.scenario} CO2")
        path = write_chart(
            wedges,
            chart,
            title=(
                f"减排潜力：{result_b.scenario} 对比 {result_a.scenario}（百万吨CO2）"
                if pick
                else f"Levers: {result_b.scenario} vs {result_a.scenario} (Mt CO2)"
            ),
            y_label="百万吨CO2（负值为减排）" if pick else "Mt CO2 (negative = cut)",
            stacked=True,
            line=line,
        )
        typer.echo(f"wrote {path}")
    last = int(table.index.max())
    meta = {
        "a": result_a.scenario,
        "b": result_b.scenario,
        "year": last,
        **{f"{c}_in_{last}": round(float(table[c].to_numpy()[-1]), 3) for c in levers},
        "provisional": result_a.provisional or result_b.provisional,
    }
    years = [y for y in (2025, 2030, 2035, 2040, 2050, 2060) if y in table.index]
    shown = table.loc[years] if output_format == OutFormat.table and output is None else table
    _emit(
        {"levers": shown, "pathway": pathway_stages(b, result_b).set_index("stage")},
        output_format,
        output,
        title="greenmet outlook potential",
        meta=meta,
        scenario=result_b.scenario,
    )


@app.command("uncertainty")
@guarded
def uncertainty(
    scenario: Annotated[str, typer.Argument(help=_SCENARIO_HELP)],
    samples: Annotated[int, typer.Option("--samples", help="Monte Carlo samples.")] = 1000,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of the random generator (same seed, same result).")
    ] = 1,
    sobol_base: Annotated[
        int, typer.Option("--sobol-base", help="Base samples of the Sobol analysis (a power of 2; 0 = skip).")
    ] = 256,
    output_format: FormatOption = OutFormat.table,
    output: OutputOption = None,
    chart: ChartOption = None,
) -> None:
    """Monte Carlo over uncertain inputs: CO2 percentile bands and a Sobol ranking of what drives 2060 CO2."""
    from greenmet.io.outlook_files import write_chart
    from greenmet.outlook import load_outlook_scenario
    from greenmet.outlook.uncertainty import monte_carlo, sobol_ranking

    loaded = load_outlook_scenario(scenario)
    result = monte_carlo(loaded, samples, seed)
    bands = result.bands("total_co2_mt")
    tables: dict[str, pd.DataFrame] = {"co2_bands_mt": bands}
    if sobol_base > 0:
        tables["sobol_2060_co2"] = sobol_ranking(loaded, sobol_base, seed)
    if chart is not None:
        shown = bands.loc[2000:]
        path = write_chart(
            {c: shown[c] for c in ("p05", "p25", "p50", "p75", "p95")},
            chart,
            title=f"{loaded.name}: CO2 percentile bands ({samples} samples, seed {seed})",
            y_label="Mt CO2",
        )
        typer.echo(f"wrote {path}")
    peaks = result.peak_years()
    meta = {
        "scenario": loaded.name,
        "samples": samples,
        "seed": seed,
        "inputs": sorted(result.inputs),
        "peak_year_p05": int(pd.Series(peaks).quantile(0.05)),
        "peak_year_p50": int(pd.Series(peaks).median()),
        "peak_year_p95": int(pd.Series(peaks).quantile(0.95)),
    }
    if output_format == OutFormat.table and output is None:
        tables["co2_bands_mt"] = bands.loc[[y for y in (2020, 2030, 2040, 2050, 2060) if y in bands.index]]
    _emit(
        tables, output_format, output, title="greenmet outlook uncertainty", meta=meta, scenario=loaded.name
    )
