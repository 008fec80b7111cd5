"""``greenmet bf derive``: the per-minute calculation sheet of a past range, as derived tags ``calc_*``.

A thin shell over :func:`greenmet.engines.derived.derive_range`. Live, ``greenmet bf monitor``
writes the same tags each minute (it holds the furnace's historian writer); this verb is for
replay, refused while another process writes the furnace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from greenmet.cli._common import Language, echo_json, guarded
from greenmet.errors import InputError

__all__ = ["derive"]


@guarded
def derive(
    root: Annotated[Path, typer.Option("--root", help="Historian root directory.")],
    site: Annotated[str, typer.Option("--site", help="Site of the furnace.")],
    furnace: Annotated[str, typer.Option("--furnace", help="Furnace.")],
    start: Annotated[
        str, typer.Option("--start", help="First minute (ISO 8601 with offset, e.g. 2026-01-01T00:00Z).")
    ],
    end: Annotated[str, typer.Option("--end", help="End of the range, excluded (a whole minute).")],
    design_file: Annotated[
        Path | None, typer.Option("--design", help="TOML file of the furnace design (FurnaceDesign fields).")
    ] = None,
    preset_name: Annotated[
        str | None, typer.Option("--preset", help="Take the design of a simulator preset: 2500m3 or 5000m3.")
    ] = None,
    tuyere_diameter_m: Annotated[
        float | None,
        typer.Option("--tuyere-diameter-m", help="Tuyere diameter [m] (tuyere velocity, kinetic energy)."),
    ] = None,
    window_h: Annotated[
        float, typer.Option("--window-h", help="Trailing window of the rates per tonne of hot metal [h].")
    ] = 8.0,
    output_format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    language: Annotated[
        Language, typer.Option("--language", "-l", help="Language of the summary: en or zh.")
    ] = (Language.en),
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Show a progress bar.")] = True,
) -> None:
    """Compute the derived tags calc_* of every minute of a past range and write them. 过程计算（回算）。"""
    import pandas as pd
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from greenmet.engines.derived import derive_range, load_design

    if output_format not in ("table", "json"):
        raise InputError("unknown format", field="--format", value=output_format, fix="use table or json")
    if not window_h > 0:
        raise InputError("the window must be positive", field="--window-h", value=window_h, fix="give e.g. 8")
    design = load_design(design_file, preset_name, tuyere_diameter_m=tuyere_diameter_m)
    window = pd.Timedelta(hours=window_h).round("min")
    with Progress(
        TextColumn("[bold]deriving[/]"),
        BarColumn(),
        TextColumn("{task.percentage:>5.1f} %"),
        TimeRemainingColumn(),
        disable=not progress or output_format == "json",
    ) as bar:
        task = bar.add_task("derive", total=None)
        report = derive_range(
            root,
            site,
            furnace,
            start,
            end,
            design,
            window=window,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    if output_format == "json":
        echo_json(report.to_dict())
        return
    from greenmet.i18n import label

    def say(key: str, **values: object) -> None:
        typer.echo(label(key, language.value, "greenmet.engines").format(**values))

    say(
        "derive_summary",
        minutes=f"{report.minutes:,}",
        tags=len(report.tags),
        points=f"{report.points:,}",
        bad=f"{report.bad_points:,}",
        furnace=f"{site}/{furnace}",
        start=report.start.isoformat(),
        end=report.end.isoformat(),
    )
    for tag, measured in sorted(report.left_out.items()):
        say("derive_left_out", tag=tag, measured=measured)
    for item, reason in sorted(report.lacking.items()):
        say("derive_lacking", item=item, reason=reason)
