"""Content of the furnace-chief / shift report (炉长报告): the tables, before any file is written.

:func:`furnace_report` turns a period's data (:class:`PeriodData`), its health check, and the
alerts with their acknowledgements into a :class:`FurnaceReport`: key figures, production and
consumption, operating averages, hot-metal quality statistics, the casts, alerts and the actions
taken, the health score, and hourly series for the charts. Files (Excel, PDF) are written by
:mod:`greenmet.io.furnace_report`.

Consumption rates are the totals divided by the hot metal of the casts that ended in the same
time (the casthouse's daily-report convention); a total is the mean of the 1-minute means times
the span the tag was recorded in the period (:func:`~greenmet.monitoring.health.indicators.recorded_span`),
so gaps inside it count at the mean rate and a period recorded only in part is not extrapolated
(the report notes it); the ``coverage`` column says how much of the period had data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from greenmet.monitoring.health.check import HealthCheck, HealthWeights, default_health_weights
from greenmet.monitoring.health.indicators import PeriodData, casts_between, recorded_span
from greenmet.monitoring.health.periods import Period

__all__ = ["CHART_TAGS", "OPERATION_TAGS", "FurnaceReport", "furnace_report"]

#: Operating quantities averaged in the report (tag, unit), shown when the furnace has them.
OPERATION_TAGS: tuple[tuple[str, str], ...] = (
    ("blast_volume", "Nm3/min"),
    ("blast_temperature", "degC"),
    ("blast_pressure", "kPa"),
    ("oxygen_enrichment", "%"),
    ("top_pressure", "kPa"),
    ("top_gas_utilisation", "dimensionless"),
    ("permeability_index", "Nm3/(min*kPa)"),
    ("raceway_adiabatic_flame_temperature", "degC"),
    ("calc_coke_rate_kg_per_thm", "kg/t"),
    ("calc_fuel_rate_kg_per_thm", "kg/t"),
    ("calc_slag_rate_kg_per_thm", "kg/t"),
)
#: Tags drawn hour by hour in the report's trend chart.
CHART_TAGS: tuple[str, ...] = ("blast_volume", "blast_pressure", "permeability_index", "top_gas_utilisation")

# (consumption name, tag, tag unit → per-hour factor, total unit, rate name)
_CONSUMPTION: tuple[tuple[str, str, float, str, str], ...] = (
    ("coal_injected_t", "coal_injection_rate", 1.0, "t", "coal_rate_kg_per_thm"),  # t/h
    ("oxygen_consumed_nm3", "oxygen_flow", 1.0, "Nm3", "oxygen_rate_nm3_per_thm"),  # Nm3/h
    ("blast_consumed_nm3", "blast_volume", 60.0, "Nm3", "blast_rate_nm3_per_thm"),  # Nm3/min
)
# Cast quantities: column, band indicator of the health check (None: no band)
_CAST_QUANTITIES: tuple[tuple[str, str | None], ...] = (
    ("hot_metal_temperature_degC", "hot_metal_temperature_mean_degC"),
    ("hot_metal_silicon_percent", "hot_metal_silicon_mean_percent"),
    ("hot_metal_sulphur_percent", None),
    ("hot_metal_carbon_percent", None),
    ("hot_metal_manganese_percent", None),
    ("hot_metal_phosphorus_percent", None),
    ("hot_metal_titanium_percent", None),
    ("slag_basicity", None),
    ("hot_metal_mass_t", None),
)


@dataclass(frozen=True)
class FurnaceReport:
    """The tables of one furnace-chief report (names in ``docs/nomenclature/monitoring_health.md``)."""

    site: str
    furnace: str
    period: Period
    summary: dict[str, Any]
    production: pd.DataFrame
    operations: pd.DataFrame
    hot_metal_quality: pd.DataFrame
    casts: pd.DataFrame
    alerts: pd.DataFrame
    health: HealthCheck
    hourly: pd.DataFrame
    missing: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """``furnace_chief_shift`` or ``furnace_chief_day`` (``reports.kind``)."""
        return f"furnace_chief_{self.period.kind}"


def _mean_and_coverage(data: PeriodData, tag: str) -> tuple[float, float]:
    if tag not in data.minutes.columns:
        return math.nan, 0.0
    values = data.minutes[tag].to_numpy(dtype=float)
    present = values[~np.isnan(values)]
    if present.size == 0:
        return math.nan, 0.0
    return float(present.mean()), present.size / data.minute_count


def furnace_report(
    data: PeriodData,
    health: HealthCheck,
    period: Period,
    *,
    site: str,
    furnace: str,
    alerts: pd.DataFrame | None = None,
    acknowledgements: pd.DataFrame | None = None,
    weights: HealthWeights | None = None,
) -> FurnaceReport:
    """Build the report tables of ``period`` (a shift or a plant day).

    Parameters
    ----------
    data
        The period's data; ``data.start``/``data.end`` must be the period's limits.
    health
        The health check of the same period.
    period
        The shift or day (plant time zone) being reported.
    site, furnace
        Names printed on the report.
    alerts, acknowledgements
        From :func:`greenmet.storage.furnace_period.read_period_alerts` (None: no alert table).
    weights
        The weights whose bands give the casts' ``share_in_band`` (defaults when None).
    """
    weights = weights if weights is not None else default_health_weights()
    missing: list[str] = []
    casts = data.period_casts().copy()
    hours = data.duration_days * 24.0
    masses = casts["hot_metal_mass_t"] if "hot_metal_mass_t" in casts.columns else pd.Series(dtype=float)
    hot_metal_t = float(pd.to_numeric(masses, errors="coerce").sum()) if len(casts) else 0.0
    if casts.empty:
        missing.append("missing_casts")

    production_rows: list[dict[str, Any]] = [
        {"quantity": "hot_metal_mass_t", "value": hot_metal_t, "unit": "t", "coverage": 1.0},
        {"quantity": "cast_count", "value": float(len(casts)), "unit": "dimensionless", "coverage": 1.0},
        {
            "quantity": "production_rate_t_per_h",
            "value": hot_metal_t / hours if hours else math.nan,
            "unit": "t/h",
            "coverage": 1.0,
        },
    ]
    rates: dict[str, float] = {}
    for name, tag, per_hour, unit, rate_name in _CONSUMPTION:
        mean, coverage = _mean_and_coverage(data, tag)
        span = recorded_span(data, tag)
        span_hours = (span[1] - span[0]) / pd.Timedelta(hours=1) if span else 0.0
        total = mean * per_hour * span_hours if span else math.nan
        production_rows.append({"quantity": name, "value": total, "unit": unit, "coverage": coverage})
        span_casts = casts_between(data, *span) if span else casts.iloc[:0]
        span_masses: pd.Series = pd.Series(dtype=float)
        if "hot_metal_mass_t" in span_casts.columns:
            span_masses = span_casts["hot_metal_mass_t"]
        span_t = float(pd.to_numeric(span_masses, errors="coerce").sum())
        per_tonne = 1000.0 * total if name == "coal_injected_t" else total  # kg/t for coal, Nm3/t for gases
        rates[rate_name] = per_tonne / span_t if span_t > 0 else math.nan
        production_rows.append(
            {
                "quantity": rate_name,
                "value": rates[rate_name],
                "unit": "kg/t" if name == "coal_injected_t" else "Nm3/t",
                "coverage": coverage,
            }
        )
        if coverage == 0.0:
            missing.append(f"missing_tag:{tag}")
        elif span is not None and span_hours < hours - 1 / 60:
            missing.append(f"partial_span:{tag}")
    production = pd.DataFrame(production_rows)

    operation_rows = []
    for tag, unit in OPERATION_TAGS:
        if tag not in data.minutes.columns or data.minutes[tag].notna().sum() == 0:
            continue
        values = data.minutes[tag]
        operation_rows.append(
            {
                "quantity": tag,
                "mean": float(values.mean()),
                "min": float(values.min()),
                "max": float(values.max()),
                "unit": unit,
                "coverage": float(values.notna().sum()) / data.minute_count,
            }
        )
    operations = pd.DataFrame(operation_rows, columns=["quantity", "mean", "min", "max", "unit", "coverage"])
    if not any(row["quantity"] == "calc_fuel_rate_kg_per_thm" for row in operation_rows):
        missing.append("missing_derived")

    quality_rows = []
    for column, indicator in _CAST_QUANTITIES:
        if column not in casts.columns:
            continue
        values = pd.to_numeric(casts[column], errors="coerce").dropna()
        if indicator is not None and len(values):
            band = weights.indicators[indicator]
            share = float(((values >= band.good_low) & (values <= band.good_high)).mean())
        else:
            share = math.nan
        quality_rows.append(
            {
                "quantity": column,
                "count": float(len(values)),
                "mean": float(values.mean()) if len(values) else math.nan,
                "std": float(values.std(ddof=1)) if len(values) > 1 else math.nan,
                "min": float(values.min()) if len(values) else math.nan,
                "max": float(values.max()) if len(values) else math.nan,
                "share_in_band": share,
            }
        )
    quality = pd.DataFrame(
        quality_rows, columns=["quantity", "count", "mean", "std", "min", "max", "share_in_band"]
    )

    alert_table = _alerts_with_actions(alerts, acknowledgements)
    hourly = data.minutes[[t for t in CHART_TAGS if t in data.minutes.columns]]
    if not hourly.empty:
        hourly = hourly.groupby(pd.DatetimeIndex(hourly.index).floor("h")).mean()
    hourly.index.name = "hour_start"

    def quality_mean(column: str) -> float:
        row = quality[quality["quantity"] == column]
        return float(row["mean"].iloc[0]) if len(row) else math.nan

    severities = alert_table["severity"].value_counts() if len(alert_table) else pd.Series(dtype=int)
    summary = {
        "period_label": period.label(),
        "hot_metal_mass_t": hot_metal_t,
        "production_rate_t_per_h": hot_metal_t / hours if hours else math.nan,
        "cast_count": len(casts),
        **rates,
        "fuel_rate_kg_per_thm": _mean_and_coverage(data, "calc_fuel_rate_kg_per_thm")[0],
        "coke_rate_kg_per_thm": _mean_and_coverage(data, "calc_coke_rate_kg_per_thm")[0],
        "hot_metal_temperature_degC": quality_mean("hot_metal_temperature_degC"),
        "hot_metal_silicon_percent": quality_mean("hot_metal_silicon_percent"),
        "hot_metal_sulphur_percent": quality_mean("hot_metal_sulphur_percent"),
        "alert_count": len(alert_table),
        "critical_alert_count": int(severities.get("critical", 0)),
        "unacknowledged_alert_count": int((alert_table["status"] == "open").sum()) if len(alert_table) else 0,
        "health_score": health.overall_score,
        "health_grade": health.grade,
        "health_complete": health.complete,
        "health_provisional": health.provisional,
    }
    return FurnaceReport(
        site=site,
        furnace=furnace,
        period=period,
        summary=summary,
        production=production,
        operations=operations,
        hot_metal_quality=quality,
        casts=casts.reset_index(drop=True),
        alerts=alert_table,
        health=health,
        hourly=hourly,
        missing=missing,
    )


_ALERT_COLUMNS = [
    "alert_id",
    "fault_kind",
    "category",
    "severity",
    "status",
    "raised_at",
    "cleared_at",
    "acknowledged_by",
    "acknowledged_at",
    "action",
    "message_en",
    "message_zh",
]


def _alerts_with_actions(alerts: pd.DataFrame | None, acknowledgements: pd.DataFrame | None) -> pd.DataFrame:
    """One row per alert; its acknowledgements joined (names, first time, comments as actions)."""
    if alerts is None or alerts.empty:
        return pd.DataFrame(columns=_ALERT_COLUMNS)
    table = alerts.copy()
    if acknowledgements is not None and not acknowledgements.empty:
        grouped = acknowledgements.groupby("alert_id").agg(
            acknowledged_by=("acknowledged_by", lambda s: ", ".join(dict.fromkeys(str(v) for v in s))),
            acknowledged_at=("acknowledged_at", "min"),
            action=("action", lambda s: "; ".join(str(v) for v in s if isinstance(v, str) and v)),
        )
        table = table.merge(grouped, how="left", left_on="alert_id", right_index=True)
    for column in _ALERT_COLUMNS:
        if column not in table.columns:
            table[column] = None
    return table[_ALERT_COLUMNS].reset_index(drop=True)
