"""Outlook outputs: tables as JSON, CSV, Excel and IAMC format; charts as interactive HTML (Plotly)
or PNG/SVG (matplotlib, offline). Every file is written atomically (``io/atomic.py``).

IAMC format (the Integrated Assessment Modeling Consortium's template, as read by pyam,
IAMconsortium/pyam ``IamDataFrame``): columns ``model, scenario, region, variable, unit`` and one
column per year; variable names follow the IAMC convention ``Category|Sub|Sub``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from greenmet.errors import InputError
from greenmet.io.atomic import atomic_write_text, atomic_write_with
from greenmet.io.excel import write_workbook

__all__ = ["IAMC_VARIABLES", "iamc_frame", "write_chart", "write_table", "write_tables"]

# greenmet column -> (IAMC variable, IAMC unit, factor)
IAMC_VARIABLES: dict[str, tuple[str, str, float]] = {
    "population_million": ("Population", "million", 1.0),
    "steel_demand_mt": ("Final Demand|Steel", "Mt/yr", 1.0),
    "steel_stock_mt": ("Stock|Steel", "Mt", 1.0),
    "steel_end_of_life_mt": ("End of Life|Steel", "Mt/yr", 1.0),
    "crude_steel_production_mt": ("Production|Steel|Crude", "Mt/yr", 1.0),
    "steel_production_bf_bof_mt": ("Production|Steel|BF-BOF", "Mt/yr", 1.0),
    "steel_production_scrap_eaf_mt": ("Production|Steel|Scrap-EAF", "Mt/yr", 1.0),
    "steel_production_gas_dri_mt": ("Production|Steel|Gas-DRI", "Mt/yr", 1.0),
    "steel_production_h2_dri_mt": ("Production|Steel|H2-DRI", "Mt/yr", 1.0),
    "steel_production_bf_bof_ccus_mt": ("Production|Steel|BF-BOF with CCS", "Mt/yr", 1.0),
    "steel_production_smelting_reduction_mt": ("Production|Steel|Smelting Reduction", "Mt/yr", 1.0),
    "steel_scrap_available_mt": ("Scrap|Steel|Available", "Mt/yr", 1.0),
    "steel_scrap_used_mt": ("Scrap|Steel|Used", "Mt/yr", 1.0),
    "iron_ore_demand_mt": ("Demand|Iron Ore", "Mt/yr", 1.0),
    "iron_ore_imports_mt": ("Imports|Iron Ore", "Mt/yr", 1.0),
    "steel_energy_mtce": ("Final Energy|Industry|Steel", "Mtce/yr", 1.0),
    "steel_scope_1_mt_co2": ("Emissions|CO2|Industry|Steel|Direct", "Mt CO2/yr", 1.0),
    "steel_scope_2_mt_co2": ("Emissions|CO2|Industry|Steel|Indirect", "Mt CO2/yr", 1.0),
    "steel_captured_co2_mt": ("Carbon Capture|Industry|Steel", "Mt CO2/yr", 1.0),
    "aluminium_demand_mt": ("Final Demand|Aluminium", "Mt/yr", 1.0),
    "aluminium_primary_mt": ("Production|Aluminium|Primary", "Mt/yr", 1.0),
    "aluminium_recycled_mt": ("Production|Aluminium|Secondary", "Mt/yr", 1.0),
    "alumina_mt": ("Production|Alumina", "Mt/yr", 1.0),
    "aluminium_energy_mtce": ("Final Energy|Industry|Aluminium", "Mtce/yr", 1.0),
    "aluminium_co2_mt": ("Emissions|CO2|Industry|Aluminium", "Mt CO2/yr", 1.0),
    "total_co2_mt": ("Emissions|CO2|Industry|Steel and Aluminium", "Mt CO2/yr", 1.0),
}
TABLE_FORMATS = ("json", "csv", "xlsx", "iamc")


def iamc_frame(frame: pd.DataFrame, *, scenario: str, region: str, model: str = "greenmet") -> pd.DataFrame:
    """A year-indexed outlook table in IAMC wide format (model, scenario, region, variable, unit, years)."""
    rows: list[dict[str | int, object]] = []
    for column, (variable, unit, factor) in IAMC_VARIABLES.items():
        if column in frame:
            rows.append(
                {
                    "model": model,
                    "scenario": scenario,
                    "region": region,
                    "variable": variable,
                    "unit": unit,
                    **{int(str(year)): float(value) * factor for year, value in frame[column].items()},
                }
            )
    return pd.DataFrame(rows)


def write_table(
    frame: pd.DataFrame,
    target: str | Path,
    output_format: str,
    *,
    title: str,
    meta: Mapping[str, Any] | None = None,
    scenario: str = "",
    region: str = "China",
) -> Path:
    """Write one table as ``json``, ``csv``, ``xlsx`` or ``iamc`` (CSV, or Excel for an .xlsx target)."""
    return write_tables(
        {"outlook": frame}, target, output_format, title=title, meta=meta, scenario=scenario, region=region
    )


def write_tables(
    tables: Mapping[str, pd.DataFrame],
    target: str | Path,
    output_format: str,
    *,
    title: str,
    meta: Mapping[str, Any] | None = None,
    scenario: str = "",
    region: str = "China",
) -> Path:
    """Write several named tables to one file (JSON object, Excel sheets, CSV of the first table)."""
    if output_format not in TABLE_FORMATS:
        raise InputError(
            "unknown output format",
            field="format",
            value=output_format,
            fix=f"use one of {', '.join(TABLE_FORMATS)}",
        )
    target = Path(target)
    meta = dict(meta or {})
    first = next(iter(tables.values()))
    if output_format == "json":
        payload = {
            "meta": meta,
            **{
                name: json.loads(table.reset_index().to_json(orient="records"))
                for name, table in tables.items()
            },
        }
        return atomic_write_text(target, json.dumps(payload, indent=2, ensure_ascii=False, default=str))
    if output_format == "csv":
        return atomic_write_text(target, first.to_csv())
    if output_format == "iamc":
        table = iamc_frame(first, scenario=scenario, region=region)
        if target.suffix.lower() == ".xlsx":

            def write(path: Path) -> None:
                with pd.ExcelWriter(path, engine="xlsxwriter") as writer:
                    table.to_excel(writer, sheet_name="data", index=False)

            return atomic_write_with(target, write)
        return atomic_write_text(target, table.to_csv(index=False))
    header = [(str(key), str(value)) for key, value in meta.items() if not isinstance(value, (list, dict))]
    return write_workbook(target, dict(tables), title=title, header_lines=header)


def write_chart(
    series: Mapping[str, pd.Series],
    target: str | Path,
    *,
    title: str,
    y_label: str,
    stacked: bool = False,
    line: pd.Series | None = None,
) -> Path:
    """Write a chart of year-indexed series: ``.html`` (Plotly, JavaScript embedded, works offline),
    ``.png`` or ``.svg`` (matplotlib). ``stacked`` draws areas (a wedge chart); ``line`` adds a line."""
    target = Path(target)
    suffix = target.suffix.lower()
    if suffix == ".html":
        import plotly.graph_objects as go

        figure = go.Figure()
        for name, values in series.items():
            figure.add_trace(
                go.Scatter(
                    x=values.index,
                    y=values.values,
                    name=name,
                    mode="lines",
                    stackgroup="wedges" if stacked else None,
                )
            )
        if line is not None:
            figure.add_trace(
                go.Scatter(
                    x=line.index,
                    y=line.values,
                    name=str(line.name),
                    mode="lines",
                    line={"color": "black", "width": 3},
                )
            )
        figure.update_layout(title=title, yaxis_title=y_label, xaxis_title="year")
        html = figure.to_html(include_plotlyjs=True, full_html=True)
        return atomic_write_text(target, html)
    if suffix in (".png", ".svg"):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        from greenmet.io.pdf_fonts import find_cjk_font, needs_cjk_font

        texts = [title, y_label, *map(str, series), str(line.name) if line is not None else ""]
        font: dict[str, Any] = {}
        if needs_cjk_font(texts):  # Chinese labels: the same open CJK font as the PDF reports
            from matplotlib import font_manager

            path, _ = find_cjk_font()
            font = {"fontproperties": font_manager.FontProperties(fname=str(path))}
        figure, axes = plt.subplots(figsize=(9, 5))
        if stacked:
            positive = {k: v.clip(lower=0) for k, v in series.items()}
            negative = {k: v.clip(upper=0) for k, v in series.items()}
            index = next(iter(series.values())).index
            axes.stackplot(index, *positive.values(), labels=list(positive))
            axes.stackplot(index, *negative.values())
        else:
            for name, values in series.items():
                axes.plot(values.index.to_numpy(), values.to_numpy(dtype=float), label=name)
        if line is not None:
            axes.plot(
                line.index.to_numpy(),
                line.to_numpy(dtype=float),
                color="black",
                linewidth=2.5,
                label=str(line.name),
            )
        axes.set_title(title, **font)
        axes.set_xlabel("year")
        axes.set_ylabel(y_label, **font)
        legend_font = (
            {"prop": font_manager.FontProperties(fname=str(path), size=7)} if font else {"fontsize": 7}
        )
        axes.legend(**legend_font)
        figure.tight_layout()

        def save(path: Path) -> None:
            figure.savefig(path, format=suffix[1:])

        try:
            return atomic_write_with(target, save)
        finally:
            plt.close(figure)
    raise InputError(
        "unknown chart type", field="chart", value=target.name, fix="use a .html, .png or .svg file"
    )
