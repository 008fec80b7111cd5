"""The hot-metal forecast on its latest split as an interactive chart (a self-contained HTML file).

One panel per target and horizon: the analysed values and each model's forecasts against the
issue time, so a furnace chief sees where a model follows the furnace and where persistence does
as well. The Plotly library is embedded in the file: it opens without a network.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from greenmet.i18n import label, unit_label
from greenmet.io.atomic import atomic_write_text

__all__ = ["write_forecast_chart"]

_PACKAGE = "greenmet.monitoring.forecast"


def write_forecast_chart(
    path: str | os.PathLike[str], forecasts: pd.DataFrame, *, language: str = "en"
) -> Path:
    """Write the latest split of ``forecasts`` (:attr:`TrainingResult.forecasts`) to ``path`` (HTML)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    latest = forecasts[forecasts["split"] == forecasts["split"].max()]
    panels = list(latest.groupby(["target", "horizon"], sort=False))
    titles = [
        f"{label('forecast_target_' + str(target), language, _PACKAGE)} · "
        f"{label('forecast_horizon', language, _PACKAGE).format(horizon=horizon)}"
        for (target, horizon), _ in panels
    ]
    figure = make_subplots(rows=len(panels), cols=1, subplot_titles=titles, shared_xaxes=False)
    for row, ((_target, _horizon), panel) in enumerate(panels, 1):
        actual = panel[panel["model"] == "persistence"]
        figure.add_trace(
            go.Scatter(
                x=actual["issued_at"],
                y=actual["actual"],
                mode="markers",
                name=label("forecast_actual", language, _PACKAGE),
                marker={"color": "black"},
                showlegend=row == 1,
                legendgroup="actual",
            ),
            row=row,
            col=1,
        )
        for model, frame in panel.groupby("model", sort=False):
            figure.add_trace(
                go.Scatter(
                    x=frame["issued_at"],
                    y=frame["forecast"],
                    mode="lines",
                    name=label(f"forecast_model_{model}", language, _PACKAGE),
                    showlegend=row == 1,
                    legendgroup=str(model),
                ),
                row=row,
                col=1,
            )
        figure.update_yaxes(title_text=unit_label(str(panel["unit"].iloc[0]), language), row=row, col=1)
    figure.update_layout(title=label("forecast_chart_title", language, _PACKAGE), height=320 * len(panels))
    html = figure.to_html(include_plotlyjs=True, full_html=True)
    return atomic_write_text(path, html)
