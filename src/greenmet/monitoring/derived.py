"""Derived tags: the calculation sheet of every minute, as tags under the prefix ``calc_``.

:func:`derive_minutes` runs the adapter (:func:`greenmet.monitoring.plant_state.plant_state_frame`)
and the vectorised sheet (:func:`greenmet.blast_furnace.state.calculation_sheet_frame`) over many
minutes at once, and adds the heat load of each stave row. Each sheet quantity becomes the tag
``calc_<quantity id in lower case>`` (``calc_fuel_rate_kg_per_thm``,
``calc_thermal_state_index_k``; the unit stays in the name because two quantities of the sheet
differ only by their unit basis), each stave row ``calc_stave_heat_load_r<rr>_kw``.
:func:`derived_catalogue` describes them like the simulator's tag catalogue describes measured
tags (unit, labels in English and Chinese, formula id, whether provisional).

No derived tag duplicates a tag the furnace records: a quantity in :data:`MEASURED_EQUIVALENTS`
is left out when the furnace records the equivalent tag (the simulator computes ηCO, the flame
temperature, the bosh gas and the permeability index itself; a plant historian may not, and then
the derived tag is written).

Who writes them: one writer per furnace. Live, the monitoring engine (``greenmet bf monitor``,
which holds the furnace's historian writer) calls :class:`greenmet.engines.derived.LiveDerivation`
each minute and writes the points; in replay ``greenmet bf derive --start --end`` computes a past
range and writes it (refused while another process holds the furnace's writer). Both write the
same points for the same data; writing a range again replaces its points.

Pure: no file, database or socket.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from greenmet.blast_furnace import indices
from greenmet.blast_furnace.state import (
    BALANCE_TOLERANCE,
    SHEET_QUANTITIES,
    calculation_sheet_frame,
    calculation_sheet_values,
)
from greenmet.errors import InputError
from greenmet.i18n import label
from greenmet.monitoring.plant_state import (
    DEFAULT_WINDOW,
    MINUTE_SUM_TAGS,
    FurnaceDesign,
    PlantRecords,
    plant_state_frame,
)

__all__ = [
    "DERIVED_PREFIX",
    "DERIVED_SUBSYSTEM",
    "MEASURED_EQUIVALENTS",
    "SCALAR_ROWS",
    "DerivedMinutes",
    "derive_minutes",
    "derived_catalogue",
    "derived_tag",
    "empty_points",
    "minute_values",
    "stave_row_tag",
    "to_points",
]

DERIVED_PREFIX = "calc_"
"""Prefix of every derived tag; no measured tag starts with it."""

DERIVED_SUBSYSTEM = "calculated"
"""Subsystem of the derived tags in their catalogue."""

MEASURED_EQUIVALENTS = {
    "oxygen_enrichment_percent": "oxygen_enrichment",
    "top_gas_utilisation": "top_gas_utilisation",
    "raceway_adiabatic_flame_temperature_degC": "raceway_adiabatic_flame_temperature",
    "bosh_gas_volume_nm3_per_min": "bosh_gas_volume",
    "permeability_index_nm3_per_min_kpa": "permeability_index",
}
"""Sheet quantity → tag that records the same quantity; left out when the furnace has the tag."""

_QUALITY_UNCERTAIN = 64
_QUALITY_BAD = 128
_PACKAGE = "greenmet.blast_furnace"


def derived_tag(quantity: str) -> str:
    """Tag name of a sheet quantity: ``calc_`` + the quantity id in lower case."""
    if quantity not in SHEET_QUANTITIES:
        raise InputError("not a quantity of the calculation sheet", field="quantity", value=quantity,
                         fix="see docs/nomenclature/blast_furnace.md, calculation sheet quantities")
    return DERIVED_PREFIX + quantity.lower()


def stave_row_tag(row: int) -> str:
    """Tag name of the heat load of stave row ``row`` (1-based)."""
    return f"{DERIVED_PREFIX}stave_heat_load_r{row:02d}_kw"


def _stave_rows(tags: Iterable[str]) -> list[int]:
    rows = []
    for tag in tags:
        if tag.startswith("stave_water_flow_r"):
            suffix = tag.removeprefix("stave_water_flow_r")
            if suffix.isdigit():
                rows.append(int(suffix))
    return sorted(rows)


def _quantities(measured_tags: Iterable[str]) -> tuple[list[str], dict[str, str]]:
    measured = set(measured_tags)
    skipped = {derived_tag(q): tag for q, tag in MEASURED_EQUIVALENTS.items() if tag in measured}
    kept = [q for q in SHEET_QUANTITIES if derived_tag(q) not in skipped]
    return kept, skipped


def derived_catalogue(measured_tags: Iterable[str]) -> pd.DataFrame:
    """The derived tags of a furnace recording ``measured_tags``, described like measured tags.

    Returns
    -------
    DataFrame with ``tag, quantity, subsystem, unit, formula, provisional, description_en,
    description_zh``: one row per sheet quantity not left out by :data:`MEASURED_EQUIVALENTS`,
    then one per stave row whose water flow the furnace records.
    """
    measured = list(measured_tags)
    kept, _skipped = _quantities(measured)
    rows = []
    row_label = {language: label("stave_row_heat_load", language, "greenmet.monitoring")
                 for language in ("en", "zh")}
    for quantity in kept:
        unit, formula, provisional = SHEET_QUANTITIES[quantity]
        rows.append({"tag": derived_tag(quantity), "quantity": quantity, "subsystem": DERIVED_SUBSYSTEM,
                     "unit": unit, "formula": formula, "provisional": provisional,
                     "description_en": label(quantity, "en", _PACKAGE) + " (calculated)",
                     "description_zh": label(quantity, "zh", _PACKAGE) + "（计算值）"})
    for row in _stave_rows(measured):
        rows.append({"tag": stave_row_tag(row), "quantity": "stave_heat_load_kw",
                     "subsystem": DERIVED_SUBSYSTEM, "unit": "kW", "formula": "stave_heat_load",
                     "provisional": False, "description_en": row_label["en"].format(row=row),
                     "description_zh": row_label["zh"].format(row=row)})
    return pd.DataFrame(rows, columns=["tag", "quantity", "subsystem", "unit", "formula", "provisional",
                                       "description_en", "description_zh"])


@dataclass(frozen=True)
class DerivedMinutes:
    """Result of :func:`derive_minutes`.

    ``values``: one row per minute computed, one column per derived tag (NaN where an input was
    missing). ``quality``: the same shape, 0 good, 64 uncertain (a balance that does not close),
    128 bad (NaN). ``lacking``: input → why it was missing (see ``plant_state_frame``).
    ``left_out``: derived tag → the measured tag that records the same quantity.
    """

    values: pd.DataFrame
    quality: pd.DataFrame
    lacking: dict[str, str]
    left_out: dict[str, str]


def derive_minutes(minutes: pd.DataFrame, records: PlantRecords, design: FurnaceDesign, *,
                   start: pd.Timestamp | None = None, window: pd.Timedelta = DEFAULT_WINDOW,
                   measured_tags: Sequence[str] | None = None) -> DerivedMinutes:
    """Every derived tag of every minute from ``start`` on.

    Parameters
    ----------
    minutes
        Minute values of the furnace's tags (see
        :func:`~greenmet.monitoring.plant_state.plant_state_frame`), including the ``window``
        before ``start``.
    records, design, window
        As for ``plant_state_frame``.
    start
        First minute computed (default: the first minute of ``minutes``; its rates are then NaN
        unless the frame holds a whole window before it).
    measured_tags
        Tags the furnace records (default: the columns of ``minutes``): decides which quantities
        are left out as duplicates of a measured tag.

    Returns
    -------
    DerivedMinutes
    """
    measured = list(minutes.columns if measured_tags is None else measured_tags)
    inputs = plant_state_frame(minutes, records, design, window=window, measured_tags=measured)
    states = inputs.states
    if start is not None:
        states = states.loc[states.index >= pd.Timestamp(start).tz_convert("UTC")]
    kept, skipped = _quantities(measured)
    sheet = _sheet(states)
    values = pd.DataFrame({derived_tag(q): sheet[q].to_numpy(dtype=float) for q in kept}, index=states.index)
    part = minutes.loc[states.index]
    for row in _stave_rows(measured):
        flow_tag, outlet_tag = f"stave_water_flow_r{row:02d}", f"stave_water_outlet_temperature_r{row:02d}"
        if outlet_tag in part.columns and "stave_water_inlet_temperature" in part.columns:
            inlet = part["stave_water_inlet_temperature"].to_numpy(dtype=float)
            rise = part[outlet_tag].to_numpy(dtype=float) - inlet
            flow = part[flow_tag].to_numpy(dtype=float)
            load = np.asarray(indices.stave_heat_load(flow, rise), dtype=float)
        else:
            load = np.full(len(part), np.nan)
        values[stave_row_tag(row)] = load
    quality = pd.DataFrame(0, index=values.index, columns=values.columns, dtype=np.uint8)
    for quantity in kept:
        if quantity.endswith(("_balance_residual_kg_per_thm", "_balance_relative_residual")):
            component = quantity.split("_balance_")[0]
            relative = sheet[f"{component}_balance_relative_residual"].to_numpy(dtype=float)
            quality.loc[np.abs(relative) > BALANCE_TOLERANCE, derived_tag(quantity)] = _QUALITY_UNCERTAIN
    bad = ~np.isfinite(values.to_numpy(dtype=float))
    quality = quality.mask(bad, _QUALITY_BAD)
    return DerivedMinutes(values=values, quality=quality, lacking=inputs.lacking, left_out=skipped)


SCALAR_ROWS = 8
"""Up to this many minutes the sheet is computed row by row on scalars
(:func:`~greenmet.blast_furnace.state.calculation_sheet_values`, about 15 ms a minute); more
minutes go through the vectorised :func:`~greenmet.blast_furnace.state.calculation_sheet_frame`,
whose fixed cost (about 0.2 s) a few rows do not repay. Both give the same numbers."""


def _sheet(states: pd.DataFrame) -> pd.DataFrame:
    if len(states) > SCALAR_ROWS:
        return calculation_sheet_frame(states)
    rows = [calculation_sheet_values({str(key): value for key, value in row.items()})
            for row in states.to_dict("records")]
    return pd.DataFrame(rows, index=states.index, columns=list(SHEET_QUANTITIES), dtype=float)


def to_points(derived: DerivedMinutes) -> pd.DataFrame:
    """The derived values as historian points (``ts, tag, value, quality``), one per tag and minute.

    A minute's value is stamped at the minute's start; NaN values carry quality 128.
    """
    values = derived.values
    if values.empty:
        return empty_points()
    n_minutes, n_tags = values.shape
    ts = np.tile(pd.DatetimeIndex(values.index).tz_convert("UTC").as_unit("us").asi8, n_tags)
    tags = np.repeat(np.asarray(values.columns, dtype=object), n_minutes)
    flat = values.to_numpy(dtype=float).T.reshape(-1)
    quality = derived.quality.to_numpy(dtype=np.uint8).T.reshape(-1)
    return pd.DataFrame({"ts": pd.to_datetime(ts, unit="us", utc=True), "tag": tags, "value": flat,
                         "quality": quality})


def empty_points() -> pd.DataFrame:
    """No points, in the columns and types of :func:`to_points`."""
    return pd.DataFrame({"ts": pd.Series(dtype="datetime64[us, UTC]"), "tag": pd.Series(dtype=object),
                         "value": pd.Series(dtype=float), "quality": pd.Series(dtype=np.uint8)})


def minute_values(seconds: pd.DataFrame) -> pd.DataFrame:
    """Minute values of a wide frame of samples (UTC ``DatetimeIndex``, one column per tag).

    The mean of each minute's non-NaN samples (NaN for a bad sample), the sum for
    :data:`~greenmet.monitoring.plant_state.MINUTE_SUM_TAGS`; NaN where a minute has none. The
    index holds every minute from the first to the last sample's minute.
    """
    if not isinstance(seconds.index, pd.DatetimeIndex) or seconds.index.tz is None:
        raise InputError("the samples need a UTC DatetimeIndex", field="seconds.index",
                         value=type(seconds.index).__name__, fix="index the samples by UTC time")
    grouped = seconds.resample("1min")
    means = grouped.mean()
    sums = [tag for tag in MINUTE_SUM_TAGS if tag in seconds.columns]
    if sums:
        counts = grouped.count()[sums]
        means[sums] = grouped.sum()[sums].where(counts > 0)
    return means
