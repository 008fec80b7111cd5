"""The indicators of the health check (高炉体检): formula, inputs, unit and source of each.

Every indicator is computed from a :class:`PeriodData`: the 1-minute means of the tags (what the
historian's 1-minute roll-ups give without reading raw points), hourly means of the tag families
(hearth thermocouples, stave rows, tuyeres), and the casts of the period. An indicator that lacks
its inputs returns a :class:`Evaluation` with ``value`` NaN and the reason, so the check can say
what it could not evaluate instead of returning a wrong number.

The content follows the daily 高炉体检 rows of BKYL's expert-system job (public repository
beige-biu/DatabaseToDatabase, ``BKYL.BFES.Plugin/Job/JGBFES7_BFTEST.cs`` at commit 58915ff:
blast-reduction count, Si deviation, ηCO, top temperature, ΔP, permeability index, heat load),
grouped as the shared reference note §2.3 proposes. Formulas of single indicators cite their
source in their docstring; the bands and weights are in ``health_weights.toml``.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "CAST_COLUMNS",
    "GROUPS",
    "INDICATORS",
    "WATER_VOLUMETRIC_HEAT_CAPACITY_KJ_PER_M3_K",
    "Evaluation",
    "Indicator",
    "PeriodData",
    "casts_between",
    "family_columns",
    "recorded_span",
]

GROUPS: tuple[str, ...] = (
    "stability",
    "thermal_state",
    "gas_distribution",
    "permeability",
    "hearth_safety",
    "cooling",
    "fuel_efficiency",
)

#: Columns of the casts frame the indicators read (one row per cast, ``end`` a UTC instant).
CAST_COLUMNS: tuple[str, ...] = (
    "end",
    "hot_metal_temperature_degC",
    "hot_metal_silicon_percent",
    "hot_metal_sulphur_percent",
    "hot_metal_mass_t",
)

#: ρ·c_p of cooling water at 40 °C [kJ/(m3*K)]: density 992.2 kg/m3 and isobaric heat capacity
#: 4.179 kJ/(kg·K) at 0.1 MPa (IAPWS-95 formulation as tabulated by the NIST Chemistry WebBook,
#: SRD 69, "Thermophysical properties of fluid systems: water"); 992.2 × 4.179 = 4146.4.
WATER_VOLUMETRIC_HEAT_CAPACITY_KJ_PER_M3_K = 992.2 * 4.179


@dataclass(frozen=True)
class PeriodData:
    """What a health check reads for one period ``[start, end)``.

    ``minutes``: one row per UTC minute (``minute_start`` index), one column per tag, the mean
    of the minute's non-bad points (a missing minute or NaN: no good point). ``hours``: the same
    at one hour for the tag families (``hearth_temperature_t*``, ``stave_water_*``,
    ``tuyere_water_*``); None derives it from ``minutes``. ``casts``: one row per cast with
    :data:`CAST_COLUMNS` (others are kept); casts count in the period in which they end.
    """

    start: pd.Timestamp
    end: pd.Timestamp
    minutes: pd.DataFrame
    hours: pd.DataFrame | None = None
    casts: pd.DataFrame | None = None
    _hourly: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)

    @property
    def duration_days(self) -> float:
        """Length of the period [d]."""
        return float((self.end - self.start) / pd.Timedelta(days=1))

    @property
    def minute_count(self) -> int:
        """Minutes in the period (the denominator of a minute coverage) [dimensionless]."""
        return max(1, math.ceil((self.end.value - self.start.value) / 60e9))

    @property
    def hour_count(self) -> int:
        """Hours in the period (the denominator of an hourly coverage) [dimensionless]."""
        return max(1, math.ceil((self.end.value - self.start.value) / 3600e9))

    def hourly(self) -> pd.DataFrame:
        """Hourly means: ``hours`` if given, else the minutes averaged per UTC hour."""
        if self.hours is not None:
            return self.hours
        if "frame" not in self._hourly:
            minutes = self.minutes
            if minutes.empty:
                self._hourly["frame"] = minutes
            else:
                self._hourly["frame"] = minutes.groupby(pd.DatetimeIndex(minutes.index).floor("h")).mean()
        return self._hourly["frame"]

    def period_casts(self) -> pd.DataFrame:
        """The casts that end in the period (an empty frame when there are none)."""
        if "casts" not in self._hourly:
            if self.casts is None or self.casts.empty:
                self._hourly["casts"] = pd.DataFrame(columns=list(CAST_COLUMNS))
            else:
                ends = pd.to_datetime(self.casts["end"], utc=True)
                self._hourly["casts"] = self.casts[((ends >= self.start) & (ends < self.end)).to_numpy()]
        return self._hourly["casts"]

    def slice(self, start: pd.Timestamp, end: pd.Timestamp) -> PeriodData:
        """The same data restricted to ``[start, end)`` (for trends over segments)."""
        minutes = _rows_between(self.minutes, start, end)
        hours = _rows_between(self.hourly(), start.floor("h"), end)
        return replace(
            self, start=start, end=end, minutes=minutes, hours=hours, casts=self.period_casts(), _hourly={}
        )


def _rows_between(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Rows of a frame on a sorted time index with ``start <= index < end`` (a positional slice)."""
    index = pd.DatetimeIndex(frame.index)
    if not index.is_monotonic_increasing:
        return frame[(index >= start) & (index < end)]
    first, last = index.searchsorted(start, side="left"), index.searchsorted(end, side="left")
    return frame.iloc[first:last]


@dataclass(frozen=True)
class Evaluation:
    """An indicator's value over a period, the share of the period its inputs cover, or why not.

    ``reason`` is a label key of ``greenmet/monitoring/health/labels.toml`` and ``reason_values``
    its parameters; ``reason`` None means evaluated. ``note`` is a label key for an evaluated
    value with a caveat (e.g. tuyeres without a flow pair left out).
    """

    value: float
    coverage: float
    reason: str | None = None
    reason_values: Mapping[str, Any] = field(default_factory=dict)
    note: str | None = None
    note_values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Indicator:
    """One indicator: name (unit in it), group, unit, formula text and its source, inputs, function."""

    name: str
    group: str
    unit: str
    formula: str
    formula_source: str
    inputs: tuple[str, ...]
    compute: Callable[[PeriodData, Mapping[str, Any]], Evaluation]
    resolution: str = "minute"  # minute | hour | cast: the segments a trend can use


def _missing(*tags: str) -> Evaluation:
    return Evaluation(math.nan, 0.0, "reason_missing_tag", {"tags": ", ".join(tags)})


def _low_coverage(coverage: float, settings: Mapping[str, Any]) -> Evaluation | None:
    least = float(settings.get("min_coverage", 0.5))
    if coverage < least:
        return Evaluation(
            math.nan, coverage, "reason_coverage", {"coverage": f"{coverage:.0%}", "least": f"{least:.0%}"}
        )
    return None


def family_columns(columns: pd.Index, prefix: str) -> list[str]:
    """Columns named ``prefix`` followed by digits (``hearth_temperature_t`` → ``…_t01``, ``…_t02``),
    in the order of their number."""
    return list(_family_columns(tuple(map(str, columns)), prefix))


@functools.lru_cache(maxsize=256)
def _family_columns(columns: tuple[str, ...], prefix: str) -> tuple[str, ...]:
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    numbered = []
    for column in columns:
        match = pattern.match(column)
        if match is not None:
            numbered.append((int(match.group(1)), column))
    return tuple(column for _, column in sorted(numbered))


def _coefficient_of_variation(tag: str) -> Callable[[PeriodData, Mapping[str, Any]], Evaluation]:
    def compute(data: PeriodData, settings: Mapping[str, Any]) -> Evaluation:
        if tag not in data.minutes.columns:
            return _missing(tag)
        values = data.minutes[tag].to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        coverage = values.size / data.minute_count
        low = _low_coverage(coverage, settings)
        if low is not None:
            return low
        mean = float(values.mean())
        if values.size < 2 or mean == 0.0:
            return Evaluation(math.nan, coverage, "reason_constant", {"tags": tag})
        return Evaluation(100.0 * float(values.std(ddof=1)) / abs(mean), coverage)

    return compute


def _mean_of(tag_setting: str) -> Callable[[PeriodData, Mapping[str, Any]], Evaluation]:
    def compute(data: PeriodData, settings: Mapping[str, Any]) -> Evaluation:
        tag = str(settings.get(tag_setting, tag_setting))
        if tag not in data.minutes.columns:
            return _missing(tag)
        values = data.minutes[tag].to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        coverage = values.size / data.minute_count
        low = _low_coverage(coverage, settings)
        return low if low is not None else Evaluation(float(values.mean()), coverage)

    return compute


def _blast_reductions(data: PeriodData, settings: Mapping[str, Any]) -> Evaluation:
    """Downward crossings of 90 % of the period's median blast volume per covered day.

    BKYL's 高炉体检 job counts the crossings below 90 % of the nominal blast volume per day
    (beige-biu/DatabaseToDatabase, ``BKYL.BFES.Plugin/Job/JGBFES7_BFTEST.cs`` @58915ff); without
    a nominal value greenmet takes the period's median of the 1-minute means.
    """
    tag = "blast_volume"
    if tag not in data.minutes.columns:
        return _missing(tag)
    series = data.minutes[tag]
    present = series.notna().to_numpy()
    coverage = int(present.sum()) / data.minute_count
    low = _low_coverage(coverage, settings)
    if low is not None:
        return low
    values = series.to_numpy(dtype=float)
    threshold = 0.9 * float(np.nanmedian(values))
    below = present & (values < threshold)
    crossings = int(np.count_nonzero(below[1:] & ~below[:-1])) + int(below[0])
    covered_days = int(present.sum()) / 1440.0
    return Evaluation(crossings / covered_days, coverage)


def _cast_statistic(column: str, statistic: str) -> Callable[[PeriodData, Mapping[str, Any]], Evaluation]:
    def compute(data: PeriodData, settings: Mapping[str, Any]) -> Evaluation:
        casts = data.period_casts()
        if column not in casts.columns:
            return Evaluation(math.nan, 0.0, "reason_no_cast_analysis", {"column": column})
        values = pd.to_numeric(casts[column], errors="coerce").to_numpy(dtype=float)
        values = values[~np.isnan(values)]
        needed = 2 if statistic == "std" else 1
        if values.size < needed:
            return Evaluation(math.nan, 0.0, "reason_no_cast_analysis", {"column": column})
        coverage = values.size / max(len(casts), 1)
        value = float(values.std(ddof=1)) if statistic == "std" else float(values.mean())
        return Evaluation(value, coverage)

    return compute


def _top_temperature_spread(data: PeriodData, settings: Mapping[str, Any]) -> Evaluation:
    columns = family_columns(data.minutes.columns, "top_temperature_u")
    if len(columns) < 2:
        return _missing("top_temperature_u1", "top_temperature_u2")
    values = data.minutes[columns].to_numpy(dtype=float)
    enough = np.count_nonzero(~np.isnan(values), axis=1) >= 2
    coverage = int(enough.sum()) / data.minute_count
    low = _low_coverage(coverage, settings)
    if low is not None:
        return low
    rows = values[enough]
    return Evaluation(float(np.mean(np.nanmax(rows, axis=1) - np.nanmin(rows, axis=1))), coverage)


def _hourly_family(
    data: PeriodData, prefix: str, settings: Mapping[str, Any]
) -> tuple[np.ndarray, pd.DatetimeIndex, float] | Evaluation:
    hours = data.hourly()
    columns = family_columns(hours.columns, prefix)
    if not columns:
        return _missing(f"{prefix}1")
    values = hours[columns].to_numpy(dtype=float)
    coverage = int(np.count_nonzero(~np.all(np.isnan(values), axis=1))) / data.hour_count
    low = _low_coverage(coverage, settings)
    if low is not None:
        return low
    return values, pd.DatetimeIndex(hours.index), coverage


def _hearth_temperature_max(data: PeriodData, settings: Mapping[str, Any]) -> Evaluation:
    found = _hourly_family(data, "hearth_temperature_t", settings)
    if isinstance(found, Evaluation):
        return found
    values, _, coverage = found
    return Evaluation(float(np.nanmax(values)), coverage)


def _least_squares_slopes(x: np.ndarray, values: np.ndarray, least_points: int = 3) -> np.ndarray:
    """Per column, the least-squares slope of ``values`` over ``x`` ignoring NaN (NaN with too few points)."""
    present = ~np.isnan(values)
    counts = present.sum(axis=0)
    x_column = np.where(present, x[:, None], 0.0)
    y_column = np.where(present, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        x_mean = x_column.sum(axis=0) / counts
        y_mean = y_column.sum(axis=0) / counts
        dx = np.where(present, x[:, None] - x_mean, 0.0)
        dy = np.where(present, values - y_mean, 0.0)
        slopes = (dx * dy).sum(axis=0) / (dx * dx).sum(axis=0)
    return np.where(counts >= least_points, slopes, np.nan)


def _hearth_temperature_rise(data: PeriodData, settings: Mapping[str, Any]) -> Evaluation:
    """Largest least-squares slope of a hearth thermocouple's hourly means [degC/d]."""
    found = _hourly_family(data, "hearth_temperature_t", settings)
    if isinstance(found, Evaluation):
        return found
    values, index, coverage = found
    if len(index) < 3:
        return Evaluation(math.nan, coverage, "reason_too_short", {"least": "3 h"})
    x = ((index - index[0]) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    slopes = _least_squares_slopes(x, values)
    if np.all(np.isnan(slopes)):
        return Evaluation(math.nan, coverage, "reason_too_short", {"least": "3 h"})
    return Evaluation(float(np.nanmax(slopes)), coverage)


def _stave_heat_load(data: PeriodData, settings: Mapping[str, Any]) -> Evaluation:
    """Heat carried off by the stave cooling water [kW]: Σ rows ρ·c_p·V̇·(T_out − T_in).

    Q = ρ·c_p·V̇·ΔT (sensible heat of the water, shared reference note §1.2, "stave / cooling
    heat load"), with V̇ in m3/h turned into m3/s and ρ·c_p of
    :data:`WATER_VOLUMETRIC_HEAT_CAPACITY_KJ_PER_M3_K`; hourly means of flow and temperatures.
    """
    hours = data.hourly()
    flows = family_columns(hours.columns, "stave_water_flow_r")
    outlets = family_columns(hours.columns, "stave_water_outlet_temperature_r")
    inlet = "stave_water_inlet_temperature"
    if not flows or not outlets or (inlet not in hours.columns and inlet not in data.minutes.columns):
        return _missing("stave_water_flow_r01", "stave_water_outlet_temperature_r01", inlet)
    if inlet in hours.columns:
        inlet_hourly = hours[inlet].to_numpy(dtype=float)
    else:  # the inlet is one tag, read at one minute with the others: its hourly means
        minutes = data.minutes[inlet]
        means = minutes.groupby(pd.DatetimeIndex(minutes.index).floor("h")).mean()
        inlet_hourly = means.reindex(pd.DatetimeIndex(hours.index)).to_numpy(dtype=float)
    rows_flow = {c.rsplit("_r", 1)[1]: c for c in flows}
    rows_outlet = {c.rsplit("_r", 1)[1]: c for c in outlets}
    unpaired = sorted(set(rows_flow) ^ set(rows_outlet))
    if unpaired:
        return Evaluation(math.nan, 0.0, "reason_unpaired_rows", {"rows": ", ".join(unpaired)})
    rows = sorted(rows_flow)
    flow = hours[[rows_flow[r] for r in rows]].to_numpy(dtype=float)
    outlet = hours[[rows_outlet[r] for r in rows]].to_numpy(dtype=float)
    rise = outlet - inlet_hourly[:, None]
    per_hour = (flow * rise).sum(axis=1) * WATER_VOLUMETRIC_HEAT_CAPACITY_KJ_PER_M3_K / 3600.0
    complete = ~np.any(np.isnan(flow) | np.isnan(rise), axis=1)
    coverage = int(complete.sum()) / data.hour_count
    low = _low_coverage(coverage, settings)
    if low is not None:
        return low
    return Evaluation(float(per_hour[complete].mean()), coverage)


def _tuyere_water_difference(data: PeriodData, settings: Mapping[str, Any]) -> Evaluation:
    hours = data.hourly()
    inlets = {c.rsplit("_t", 1)[1]: c for c in family_columns(hours.columns, "tuyere_water_inlet_flow_t")}
    outlets = {c.rsplit("_t", 1)[1]: c for c in family_columns(hours.columns, "tuyere_water_outlet_flow_t")}
    paired = sorted(set(inlets) & set(outlets), key=int)
    if not paired:
        return _missing("tuyere_water_inlet_flow_t01", "tuyere_water_outlet_flow_t01")
    difference = hours[[inlets[t] for t in paired]].to_numpy(dtype=float) - hours[
        [outlets[t] for t in paired]
    ].to_numpy(dtype=float)
    coverage = int(np.count_nonzero(~np.all(np.isnan(difference), axis=1))) / data.hour_count
    low = _low_coverage(coverage, settings)
    if low is not None:
        return low
    with np.errstate(invalid="ignore"):
        means = np.nanmean(np.where(np.all(np.isnan(difference), axis=0), 0.0, difference), axis=0)
    unpaired = sorted(set(inlets) ^ set(outlets), key=int)
    if unpaired:
        return Evaluation(
            float(np.max(means)),
            coverage,
            note="note_unpaired_tuyeres",
            note_values={"tuyeres": ", ".join(unpaired)},
        )
    return Evaluation(float(np.max(means)), coverage)


def recorded_span(data: PeriodData, tag: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """From the first to the end of the last minute of ``tag`` with data, within the period.

    Totals over a period (coal injected, oxygen) are the mean rate times this span, and only the
    casts ending in it count against them: a period the historian covers only in part (the
    recording started or stopped inside it) is not extrapolated, while gaps inside the span
    (a sensor dropout) count at the mean rate. None when the tag has no data.
    """
    if tag not in data.minutes.columns:
        return None
    present = data.minutes.index[data.minutes[tag].notna().to_numpy()]
    if len(present) == 0:
        return None
    first = max(pd.Timestamp(present[0]), data.start)
    last = min(pd.Timestamp(present[-1]) + pd.Timedelta(minutes=1), data.end)
    return first, last


def casts_between(data: PeriodData, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The period's casts that end in ``[start, end)``."""
    casts = data.period_casts()
    if casts.empty:
        return casts
    ends = pd.to_datetime(casts["end"], utc=True)
    return casts[((ends >= start) & (ends < end)).to_numpy()]


def _coal_rate(data: PeriodData, settings: Mapping[str, Any]) -> Evaluation:
    """Coal injected per tonne of hot metal cast [kg/t].

    coal = mean of the 1-minute ``coal_injection_rate`` [t/h] × the hours of its
    :func:`recorded_span`; hot metal = Σ ``hot_metal_mass_t`` of the casts ended in that span;
    rate = 1000·coal/hot metal (definition of the coal rate, reference note §1.2).
    """
    tag = "coal_injection_rate"
    span = recorded_span(data, tag)
    if span is None:
        return _missing(tag)
    values = data.minutes[tag].to_numpy(dtype=float)
    values = values[~np.isnan(values)]
    coverage = values.size / data.minute_count
    low = _low_coverage(coverage, settings)
    if low is not None:
        return low
    casts = casts_between(data, *span)
    masses = casts["hot_metal_mass_t"] if "hot_metal_mass_t" in casts.columns else pd.Series(dtype=float)
    mass = float(pd.to_numeric(masses, errors="coerce").sum())
    if not mass > 0:
        return Evaluation(math.nan, coverage, "reason_no_cast_analysis", {"column": "hot_metal_mass_t"})
    coal_t = float(values.mean()) * (span[1] - span[0]) / pd.Timedelta(hours=1)
    return Evaluation(1000.0 * coal_t / mass, coverage)


_CV = "100 · std / mean of the 1-minute means of {tag}"
_BKYL_TEST = "beige-biu/DatabaseToDatabase BKYL.BFES.Plugin/Job/JGBFES7_BFTEST.cs @58915ff"
_BKYL = f"{_BKYL_TEST} (indicator); formula greenmet"
_CV_SOURCE = "greenmet (coefficient of variation)"
_NOTE = "reference note §2.1"

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "blast_pressure_variation_percent",
        "stability",
        "%",
        _CV.format(tag="blast_pressure"),
        f"{_CV_SOURCE}; DIAG5-style stability of blast pressure, {_NOTE}",
        ("blast_pressure",),
        _coefficient_of_variation("blast_pressure"),
    ),
    Indicator(
        "top_pressure_variation_percent",
        "stability",
        "%",
        _CV.format(tag="top_pressure"),
        _CV_SOURCE,
        ("top_pressure",),
        _coefficient_of_variation("top_pressure"),
    ),
    Indicator(
        "blast_reductions_per_day",
        "stability",
        "1/d",
        "crossings of blast_volume below 0.9 · median(blast_volume) / covered days",
        f"{_BKYL_TEST} (90 % of nominal); median as nominal: greenmet",
        ("blast_volume",),
        _blast_reductions,
    ),
    Indicator(
        "hot_metal_temperature_mean_degC",
        "thermal_state",
        "degC",
        "mean of hot_metal_temperature_degC of the casts ended in the period",
        "definition",
        ("casts.hot_metal_temperature_degC",),
        _cast_statistic("hot_metal_temperature_degC", "mean"),
        "cast",
    ),
    Indicator(
        "hot_metal_silicon_mean_percent",
        "thermal_state",
        "%",
        "mean of hot_metal_silicon_percent of the casts",
        "definition",
        ("casts.hot_metal_silicon_percent",),
        _cast_statistic("hot_metal_silicon_percent", "mean"),
        "cast",
    ),
    Indicator(
        "hot_metal_silicon_deviation_percent",
        "thermal_state",
        "%",
        "standard deviation (n − 1) of hot_metal_silicon_percent of the casts",
        _BKYL,
        ("casts.hot_metal_silicon_percent",),
        _cast_statistic("hot_metal_silicon_percent", "std"),
        "cast",
    ),
    Indicator(
        "flame_temperature_mean_degC",
        "thermal_state",
        "degC",
        "mean of raceway_adiabatic_flame_temperature",
        "definition (the tag's own formula applies)",
        ("raceway_adiabatic_flame_temperature",),
        _mean_of("raceway_adiabatic_flame_temperature"),
    ),
    Indicator(
        "top_gas_utilisation_mean",
        "gas_distribution",
        "dimensionless",
        "mean of top_gas_utilisation",
        "definition (ηCO = CO2/(CO + CO2), reference note §1.2)",
        ("top_gas_utilisation",),
        _mean_of("top_gas_utilisation"),
    ),
    Indicator(
        "top_temperature_spread_degC",
        "gas_distribution",
        "degC",
        "mean over minutes of max − min of top_temperature_u*",
        "greenmet (top-temperature dispersion as a channelling/edge-flow sign, reference note §2.1)",
        ("top_temperature_u*",),
        _top_temperature_spread,
    ),
    Indicator(
        "permeability_index_variation_percent",
        "permeability",
        "%",
        _CV.format(tag="permeability_index"),
        _CV_SOURCE,
        ("permeability_index",),
        _coefficient_of_variation("permeability_index"),
    ),
    Indicator(
        "pressure_differential_variation_percent",
        "permeability",
        "%",
        _CV.format(tag="pressure_differential"),
        _CV_SOURCE,
        ("pressure_differential",),
        _coefficient_of_variation("pressure_differential"),
    ),
    Indicator(
        "hearth_temperature_max_degC",
        "hearth_safety",
        "degC",
        "max over hearth_temperature_t* of the hourly means",
        "BKYL JudgeStaveThemshock.cs @58915ff (per-point level against an alarm limit); "
        "hourly means: greenmet",
        ("hearth_temperature_t*",),
        _hearth_temperature_max,
        "hour",
    ),
    Indicator(
        "hearth_temperature_rise_degC_per_day",
        "hearth_safety",
        "degC/d",
        "max over hearth_temperature_t* of the least-squares slope of the hourly means",
        "greenmet (hearth erosion shows as a rising thermocouple trend, reference note §2.1)",
        ("hearth_temperature_t*",),
        _hearth_temperature_rise,
        "hour",
    ),
    Indicator(
        "stave_heat_load_kW",
        "cooling",
        "kW",
        "Σ rows ρ·c_p · stave_water_flow_r · (stave_water_outlet_temperature_r − "
        "stave_water_inlet_temperature) / 3600, hourly means, ρ·c_p = 4146 kJ/(m3·K)",
        "Q = ρ·c_p·V̇·ΔT (reference note §1.2); water at 40 °C: NIST Chemistry WebBook SRD 69 (IAPWS-95)",
        ("stave_water_flow_r*", "stave_water_outlet_temperature_r*", "stave_water_inlet_temperature"),
        _stave_heat_load,
        "hour",
    ),
    Indicator(
        "tuyere_water_flow_difference_max_m3_per_h",
        "cooling",
        "m3/h",
        "max over tuyeres of the period mean of tuyere_water_inlet_flow_t − tuyere_water_outlet_flow_t",
        "greenmet (a tuyere leak loses cooling water, reference note §2.1)",
        ("tuyere_water_inlet_flow_t*", "tuyere_water_outlet_flow_t*"),
        _tuyere_water_difference,
        "hour",
    ),
    Indicator(
        "fuel_rate_kg_per_thm",
        "fuel_efficiency",
        "kg/t",
        "mean of the derived tag calc_fuel_rate_kg_per_thm (settings.fuel_rate_tag)",
        "definition; the derived tag of the online calculation",
        ("calc_fuel_rate_kg_per_thm",),
        _mean_of("fuel_rate_tag"),
    ),
    Indicator(
        "coal_rate_kg_per_thm",
        "fuel_efficiency",
        "kg/t",
        "1000 · mean(coal_injection_rate) · period hours / Σ hot_metal_mass_t of the casts",
        "definition of the coal rate (reference note §1.2)",
        ("coal_injection_rate", "casts.hot_metal_mass_t"),
        _coal_rate,
        "cast",
    ),
)
