"""Quality traceability of hot metal (质量追溯): from a cast back to its burden, forward to its vessels.

Pure joins over the plant records (``docs/dev/plant_data_contract.md``): charges, material
analyses, casts, cast analyses, hot-metal destinations and alerts, given as DataFrames. Nothing
here reads a file; :mod:`greenmet.storage.traceability` loads the records of a furnace and calls
these functions.

How a cast is tied to its burden
--------------------------------
The burden column moves down as fast as it is charged at the top (the stock line is held), so
the volume charged *after* a charge is the volume that has gone down below it. A charge reaches
the tuyere level (where its ore melts and its coke burns) once the volume charged after it fills
the furnace: the working volume, divided by ``1 − shrinkage`` because the charged volume shrinks
on the way down. This is the smelting cycle (冶炼周期) counted in charges, evaluated charge by
charge from the charges actually made, so a slow descent (hanging, blast cut) gives a long
residence time and a fast one a short time; it is never a constant. Between two charges the
arrival time is interpolated linearly in charged volume. The same structure (the instant a
burden reaches the tuyeres = charging instant + smelting cycle from the burden tracking; the
cast that takes it is the next one) is what the BKYL ore-blending trace of a Chinese
ironmaking platform does (``beige-biu/DatabaseToDatabase`` @58915ff0e30716c6eb05f7ba70aca76b02a15cd3,
``BKYL.BFES.Plugin/Job/Job_CalOreMatchingTrace.cs``).

A cast takes the metal made since the previous cast ended: its *production window* runs from
the end of the previous cast (in end order, whatever the taphole) to its own end. The charges of
a cast are those that arrived at the tuyere level in that window. Its *burden window* runs from
the first of those charges being charged to the end of the cast: the furnace state and the
alerts of that window are the ones that could have marked the metal.

The bulk densities and the shrinkage are the rows of the reference table ``burden_descent``;
most are practice values flagged ``needs_verification``, and a trace that uses one says it is
provisional. The production-window rule (previous cast end to this cast end) is greenmet's own
choice; a plant with a hearth-liquid model can give its own windows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from greenmet.errors import InputError, UnknownKeyError
from greenmet.i18n import Message
from greenmet.refdata import load_table

__all__ = [
    "CAST_ANALYSIS_COLUMNS",
    "CAST_COLUMNS",
    "CHARGE_COLUMNS",
    "DESTINATION_COLUMNS",
    "MATERIAL_ANALYSIS_COLUMNS",
    "BurdenDescentDefaults",
    "CastTrace",
    "LotTrace",
    "burden_descent_defaults",
    "charge_descent",
    "production_windows",
    "trace_cast",
    "trace_lot",
]

_LABELS = "greenmet.monitoring"

CHARGE_COLUMNS = ("charge_id", "batch_number", "charged_at", "material", "lot_id", "mass_t")
"""Columns of the charges records (one row per batch of a charge)."""
MATERIAL_ANALYSIS_COLUMNS = ("lot_id", "material", "sampled_at", "component", "value", "unit")
"""Columns of the material (lot) analyses."""
CAST_COLUMNS = ("cast_id", "start", "end")
"""Columns a casts frame needs (others, such as ``hot_metal_silicon_percent``, are kept)."""
CAST_ANALYSIS_COLUMNS = ("cast_id", "sampled_at", "sample", "component", "value", "unit")
"""Columns of the per-cast laboratory analyses of hot metal and slag."""
DESTINATION_COLUMNS = ("cast_id", "vessel_id", "vessel_kind", "mass_t", "filled_at",
                       "steelmaking_heat_id", "delivered_at")
"""Columns of the hot-metal destinations (ladle or torpedo, and the steelmaking heat)."""


@dataclass(frozen=True)
class BurdenDescentDefaults:
    """Bulk densities [t/m3] per material and the shrinkage [dimensionless] of ``burden_descent``.

    ``provisional`` names the rows used that the table flags ``needs_verification``.
    """

    bulk_density_t_per_m3: Mapping[str, float]
    shrinkage: float
    provisional: frozenset[str]


def burden_descent_defaults() -> BurdenDescentDefaults:
    """The shipped bulk densities and shrinkage (reference table ``burden_descent``)."""
    table = load_table("burden_descent")
    density = table[table["parameter"] == "bulk_density"]
    shrinkage = table[table["parameter"] == "shrinkage"]
    flagged = {f"{row.parameter}:{row.material}" for row in table.itertuples() if row.needs_verification}
    return BurdenDescentDefaults(
        bulk_density_t_per_m3=dict(zip(density["material"], density["value"], strict=True)),
        shrinkage=float(shrinkage["value"].iloc[0]),
        provisional=frozenset(flagged),
    )


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise InputError(f"the {name} lack columns", field=name, value=missing,
                         fix=f"give the {name} with the columns {', '.join(columns)}")


def _utc(series: pd.Series, field_name: str) -> pd.Series:
    try:
        values = pd.to_datetime(series, utc=True)
    except (ValueError, TypeError) as error:
        raise InputError("times that do not parse", field=field_name, value=str(error),
                         fix="give ISO 8601 instants (UTC or with an offset)") from error
    if values.isna().any():
        raise InputError("missing times", field=field_name, value=int(values.isna().sum()),
                         fix="every row needs its instant")
    return values.astype("datetime64[us, UTC]")


def _charges(charges: pd.DataFrame) -> pd.DataFrame:
    _require(charges, CHARGE_COLUMNS, "charges")
    frame = charges.loc[:, list(CHARGE_COLUMNS)].copy()
    frame["charged_at"] = _utc(frame["charged_at"], "charges.charged_at")
    frame["mass_t"] = pd.to_numeric(frame["mass_t"], errors="coerce")
    bad = frame["mass_t"].isna() | (frame["mass_t"] < 0)
    if bad.any():
        row = frame[bad].iloc[0]
        raise InputError("a batch mass that is missing or negative", field="charges.mass_t",
                         value=f"charge {row.charge_id} batch {row.batch_number}: {row.mass_t}",
                         fix="give each batch's mass in tonnes, zero or more")
    frame["charge_id"] = frame["charge_id"].astype(str)
    frame["lot_id"] = frame["lot_id"].astype(str)
    frame["material"] = frame["material"].astype(str)
    return frame


def charge_descent(charges: pd.DataFrame, *, working_volume_m3: float, shrinkage: float | None = None,
                   bulk_density_t_per_m3: Mapping[str, float] | None = None) -> pd.DataFrame:
    """When each charge reached the tuyere level, from the volume charged after it.

    Parameters
    ----------
    charges
        One row per batch (:data:`CHARGE_COLUMNS`); several batches share a ``charge_id``.
    working_volume_m3
        Working volume of the furnace, stock line to taphole. [m3]
    shrinkage
        Share by which the charged volume shrinks in the furnace (default: the
        ``burden_descent`` table, a practice value). [dimensionless]
    bulk_density_t_per_m3
        Bulk density per material, overriding the table's rows. [t/m3]

    Returns
    -------
    One row per charge, in charging order: ``charge_id``, ``charged_at`` (its first batch),
    ``mass_t`` [t], ``burden_volume_m3`` [m3], ``cumulative_volume_m3`` [m3] (charged up to and
    including it), ``arrived_at`` (UTC; NaT while the charges recorded after it do not yet fill
    the furnace) and ``residence_time_h`` [h].

    Notes
    -----
    With :math:`C_i` the volume charged up to and including charge *i* and
    :math:`V^* = V_u / (1 - s)`, charge *i* arrives when the cumulative charged volume reaches
    :math:`C_i + V^*` (module docstring; the smelting cycle in charges is :math:`V^*` over the
    volume of one charge).

    Raises
    ------
    UnknownKeyError
        A material without a bulk density.
    InputError
        A negative or missing mass, an unparsable time, a working volume or shrinkage out of range.
    """
    if not np.isfinite(working_volume_m3) or working_volume_m3 <= 0:
        raise InputError("the working volume must be positive", field="working_volume_m3",
                         value=working_volume_m3, fix="give the furnace's working volume in m3, e.g. 2500")
    defaults = burden_descent_defaults()
    shrink = defaults.shrinkage if shrinkage is None else float(shrinkage)
    if not 0 <= shrink < 1:
        raise InputError("the shrinkage must be in [0, 1)", field="shrinkage", value=shrinkage,
                         fix="give a share such as 0.12")
    densities = dict(defaults.bulk_density_t_per_m3)
    densities.update(bulk_density_t_per_m3 or {})
    frame = _charges(charges)
    codes, materials = pd.factorize(frame["material"])
    unknown = sorted(set(materials) - set(densities))
    if unknown:
        raise UnknownKeyError("a charged material without a bulk density", field="charges.material",
                              value=unknown, fix="give its bulk density with bulk_density_t_per_m3 "
                              f"(known: {', '.join(sorted(densities))})")
    density = np.array([densities[m] for m in materials], dtype=float)[codes]
    frame["burden_volume_m3"] = frame["mass_t"].to_numpy() / density
    per_charge = (frame.groupby("charge_id", sort=False)
                  .agg(charged_at=("charged_at", "min"), mass_t=("mass_t", "sum"),
                       burden_volume_m3=("burden_volume_m3", "sum"))
                  .reset_index()
                  .sort_values(["charged_at", "charge_id"], kind="stable")
                  .reset_index(drop=True))
    cumulative = per_charge["burden_volume_m3"].cumsum().to_numpy()
    per_charge["cumulative_volume_m3"] = cumulative
    instants = _micros(per_charge["charged_at"])
    target = cumulative + working_volume_m3 / (1.0 - shrink)
    reached = target <= cumulative[-1] if len(cumulative) else np.zeros(0, dtype=bool)
    arrived = np.interp(target, cumulative, instants.astype(np.float64))
    arrived_at = pd.to_datetime(np.where(reached, arrived, np.nan).astype("float64"), unit="us", utc=True)
    per_charge["arrived_at"] = pd.Series(arrived_at, index=per_charge.index).astype("datetime64[us, UTC]")
    per_charge["residence_time_h"] = (
        (per_charge["arrived_at"] - per_charge["charged_at"]).dt.total_seconds() / 3600.0
    )
    return per_charge


def _casts(casts: pd.DataFrame) -> pd.DataFrame:
    _require(casts, CAST_COLUMNS, "casts")
    frame = casts.copy()
    frame["cast_id"] = frame["cast_id"].astype(str)
    frame["start"] = _utc(frame["start"], "casts.start")
    frame["end"] = _utc(frame["end"], "casts.end")
    backwards = frame["end"] < frame["start"]
    if backwards.any():
        raise InputError("a cast that ends before it starts", field="casts.end",
                         value=frame.loc[backwards, "cast_id"].tolist(), fix="correct the cast times")
    return frame.sort_values(["end", "cast_id"], kind="stable").reset_index(drop=True)


def production_windows(casts: pd.DataFrame) -> pd.DataFrame:
    """The production window of each cast: from the previous cast's end to its own end.

    Parameters
    ----------
    casts
        ``cast_id``, ``start``, ``end`` (UTC instants) and any other columns.

    Returns
    -------
    The casts in end order with ``window_start``, ``window_end`` and ``window_estimated``
    (True for the first cast, whose window starts at its own start for want of a previous cast).
    """
    frame = _casts(casts)
    previous_end = frame["end"].shift(1)
    frame["window_estimated"] = previous_end.isna()
    frame["window_start"] = previous_end.fillna(frame["start"]).astype("datetime64[us, UTC]")
    frame["window_end"] = frame["end"]
    return frame


def _micros(series: pd.Series) -> np.ndarray:
    """UTC instants as microseconds since 1970 (NaT as the int64 minimum; mask it yourself)."""
    return series.astype("datetime64[us, UTC]").astype("int64").to_numpy()


def _assign(descent: pd.DataFrame, windows: pd.DataFrame) -> pd.Series:
    """Cast id of each charge: the cast whose window (start, end] holds its arrival, else None."""
    ends = _micros(windows["window_end"])
    starts = _micros(windows["window_start"])
    arrived = _micros(descent["arrived_at"])
    position = np.searchsorted(ends, arrived, side="left")
    inside = descent["arrived_at"].notna().to_numpy() & (position < len(ends))
    clipped = np.minimum(position, max(len(ends) - 1, 0))
    if len(ends):
        inside &= arrived > starts[clipped]
    ids = windows["cast_id"].to_numpy(dtype=object)
    if not len(ids):
        return pd.Series(None, index=descent.index, dtype=object)
    assigned = pd.Series(ids[clipped], index=descent.index)
    return assigned.where(inside, None)


def _descent_by_cast(charges: pd.DataFrame, windows: pd.DataFrame, working_volume_m3: float,
                     shrinkage: float | None,
                     bulk_density_t_per_m3: Mapping[str, float] | None) -> pd.DataFrame:
    """:func:`charge_descent` with the ``cast_id`` of the cast that took each charge (or None)."""
    descent = charge_descent(charges, working_volume_m3=working_volume_m3, shrinkage=shrinkage,
                             bulk_density_t_per_m3=bulk_density_t_per_m3)
    descent["cast_id"] = _assign(descent, windows)
    return descent


def _lot_analyses(material_analyses: pd.DataFrame | None, lots: list[str]) -> pd.DataFrame:
    """Mean analysis per lot and component (a lot is one material batch; samples are averaged)."""
    if material_analyses is None or material_analyses.empty:
        return pd.DataFrame(columns=["lot_id", "component", "unit", "value", "sample_count"])
    _require(material_analyses, MATERIAL_ANALYSIS_COLUMNS, "material analyses")
    frame = material_analyses.assign(lot_id=material_analyses["lot_id"].astype(str))
    frame = frame[frame["lot_id"].isin(lots)]
    return (frame.groupby(["lot_id", "component", "unit"], sort=True)
            .agg(value=("value", "mean"), sample_count=("value", "size")).reset_index())


def _overlapping_alerts(alerts: pd.DataFrame | None, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    if alerts is None or alerts.empty:
        return pd.DataFrame(columns=["raised_at", "cleared_at"])
    _require(alerts, ("raised_at",), "alerts")
    raised = pd.to_datetime(alerts["raised_at"], utc=True)
    cleared = (pd.to_datetime(alerts["cleared_at"], utc=True) if "cleared_at" in alerts.columns
               else pd.Series(pd.NaT, index=alerts.index, dtype="datetime64[us, UTC]"))
    overlapping = (raised <= end) & (cleared.isna() | (cleared >= start))
    return alerts[overlapping].sort_values("raised_at", kind="stable").reset_index(drop=True)


def _provisional(defaults: BurdenDescentDefaults, materials: set[str], shrinkage: float | None,
                 given: Mapping[str, float] | None) -> tuple[str, ...]:
    used = {f"bulk_density:{m}" for m in materials if m not in (given or {})}
    if shrinkage is None:
        used.add("shrinkage:all")
    return tuple(sorted(used & defaults.provisional))


@dataclass(frozen=True)
class CastTrace:
    """Where a cast's hot metal came from and where it went (:func:`trace_cast`).

    ``charges`` are the charges that reached the tuyere level in the production window (with
    their ``residence_time_h``); ``lots`` the material lots in them (``mass_t``,
    ``share_of_material_percent``) with their analyses in ``lot_analyses``; ``alerts`` those
    overlapping the burden window; ``missing`` the messages (:class:`~greenmet.i18n.Message`)
    saying what the records lack; ``provisional`` the unconfirmed reference rows used.
    """

    cast_id: str
    cast: dict[str, Any]
    production_window: tuple[pd.Timestamp, pd.Timestamp]
    burden_window: tuple[pd.Timestamp, pd.Timestamp] | None
    charges: pd.DataFrame
    lots: pd.DataFrame
    lot_analyses: pd.DataFrame
    hot_metal_analyses: pd.DataFrame
    destinations: pd.DataFrame
    alerts: pd.DataFrame
    residence_time_h: float
    missing: tuple[Message, ...] = field(default=())
    provisional: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class LotTrace:
    """Which casts a material lot went into (:func:`trace_lot`).

    ``charges`` are the charges holding the lot (``lot_mass_t``, ``arrived_at``, ``cast_id``);
    ``casts`` the casts that took them with the lot's mass in each (``lot_mass_t``) and their
    destinations in ``destinations``.
    """

    lot_id: str
    materials: tuple[str, ...]
    charges: pd.DataFrame
    casts: pd.DataFrame
    destinations: pd.DataFrame
    missing: tuple[Message, ...] = field(default=())
    provisional: tuple[str, ...] = field(default=())


def _destinations(destinations: pd.DataFrame | None, cast_ids: list[str]) -> pd.DataFrame:
    if destinations is None or destinations.empty:
        return pd.DataFrame(columns=list(DESTINATION_COLUMNS))
    _require(destinations, DESTINATION_COLUMNS, "destinations")
    frame = destinations.assign(cast_id=destinations["cast_id"].astype(str))
    return frame[frame["cast_id"].isin(cast_ids)].sort_values(["cast_id", "filled_at"], kind="stable") \
        .reset_index(drop=True)


def trace_cast(cast_id: str | int, casts: pd.DataFrame, charges: pd.DataFrame, *, working_volume_m3: float,
               material_analyses: pd.DataFrame | None = None, cast_analyses: pd.DataFrame | None = None,
               destinations: pd.DataFrame | None = None, alerts: pd.DataFrame | None = None,
               shrinkage: float | None = None,
               bulk_density_t_per_m3: Mapping[str, float] | None = None) -> CastTrace:
    """Walk a cast back to its charges and lots and forward to its vessels.

    Parameters
    ----------
    cast_id
        The cast to trace.
    casts, charges
        The furnace's casts and charges (:data:`CAST_COLUMNS`, :data:`CHARGE_COLUMNS`).
    working_volume_m3
        [m3]
    material_analyses, cast_analyses, destinations, alerts
        Optional records; what is absent is named in ``missing``. Alerts need ``raised_at``
        (and ``cleared_at`` when cleared).
    shrinkage
        [dimensionless]
    bulk_density_t_per_m3
        [t/m3]

    Returns
    -------
    A :class:`CastTrace`.

    Raises
    ------
    UnknownKeyError
        If no cast has that id.
    """
    windows = production_windows(casts)
    key = str(cast_id)
    row = windows[windows["cast_id"] == key]
    if row.empty:
        raise UnknownKeyError("no cast of that id", field="cast_id", value=key,
                              fix="give a cast id of this furnace (greenmet bf trace --list shows them)")
    cast = row.iloc[0].to_dict()
    descent = _descent_by_cast(charges, windows, working_volume_m3, shrinkage, bulk_density_t_per_m3)
    mine = descent[descent["cast_id"] == key].drop(columns="cast_id").reset_index(drop=True)
    missing: list[Message] = []
    window = (cast["window_start"], cast["window_end"])
    if cast["window_estimated"]:
        missing.append(Message("trace_window_estimated", _LABELS, cast_id=key))
    arrivals = descent["arrived_at"].dropna()
    if descent["arrived_at"].isna().any() and (arrivals.empty or arrivals.max() < cast["window_end"]):
        # charges made after the last computable arrival may still belong to this cast
        missing.append(Message("trace_records_end", _LABELS, cast_id=key,
                               last="–" if arrivals.empty else arrivals.max().isoformat()))
    batches = _charges(charges)
    traced = batches[batches["charge_id"].isin(mine["charge_id"])]
    if mine.empty:
        missing.append(Message("trace_no_charges", _LABELS, cast_id=key))
        burden_window = None
        lots = pd.DataFrame(columns=["material", "lot_id", "mass_t", "share_of_material_percent"])
    else:
        burden_window = (mine["charged_at"].min(), cast["end"])
        lots = traced.groupby(["material", "lot_id"], sort=True).agg(mass_t=("mass_t", "sum")).reset_index()
        lots["share_of_material_percent"] = 100.0 * lots["mass_t"] / lots.groupby("material")["mass_t"] \
            .transform("sum")
    lot_ids = lots["lot_id"].tolist()
    lot_analyses = _lot_analyses(material_analyses, lot_ids)
    without = sorted(set(lot_ids) - set(lot_analyses["lot_id"]))
    if without:
        missing.append(Message("trace_lots_without_analysis", _LABELS, lots=", ".join(without)))
    if cast_analyses is not None and not cast_analyses.empty:
        _require(cast_analyses, CAST_ANALYSIS_COLUMNS, "cast analyses")
        hot_metal = cast_analyses[cast_analyses["cast_id"].astype(str) == key].reset_index(drop=True)
    else:
        hot_metal = pd.DataFrame(columns=list(CAST_ANALYSIS_COLUMNS))
    if hot_metal.empty:
        missing.append(Message("trace_cast_without_analysis", _LABELS, cast_id=key))
    vessels = _destinations(destinations, [key])
    if vessels.empty:
        missing.append(Message("trace_no_destination", _LABELS, cast_id=key))
    alert_window = burden_window or window
    weights = mine["mass_t"].to_numpy()
    residence = (float(np.average(mine["residence_time_h"], weights=weights))
                 if len(mine) and weights.sum() > 0 else float("nan"))
    defaults = burden_descent_defaults()
    return CastTrace(
        cast_id=key,
        cast={str(k): v for k, v in cast.items()
              if k not in ("window_start", "window_end", "window_estimated")},
        production_window=window,
        burden_window=burden_window,
        charges=mine,
        lots=lots,
        lot_analyses=lot_analyses,
        hot_metal_analyses=hot_metal,
        destinations=vessels,
        alerts=_overlapping_alerts(alerts, *alert_window),
        residence_time_h=residence,
        missing=tuple(missing),
        provisional=_provisional(defaults, set(batches["material"].unique()), shrinkage,
                                 bulk_density_t_per_m3),
    )


def trace_lot(lot_id: str, casts: pd.DataFrame, charges: pd.DataFrame, *, working_volume_m3: float,
              destinations: pd.DataFrame | None = None, shrinkage: float | None = None,
              bulk_density_t_per_m3: Mapping[str, float] | None = None) -> LotTrace:
    """The casts a coke, ore or flux lot went into, with the lot's mass in each.

    Parameters
    ----------
    lot_id
        The lot to follow.
    casts, charges
        The furnace's casts and charges.
    working_volume_m3
        [m3]
    destinations
        Optional hot-metal destinations, joined to the casts found.
    shrinkage
        [dimensionless]
    bulk_density_t_per_m3
        [t/m3]

    Returns
    -------
    A :class:`LotTrace`; charges not yet arrived at the end of the records, or arrived when no
    cast window holds them, have no ``cast_id`` and are named in ``missing``.

    Raises
    ------
    UnknownKeyError
        If no charge holds that lot.
    """
    batches = _charges(charges)
    key = str(lot_id)
    holding = batches[batches["lot_id"] == key]
    if holding.empty:
        raise UnknownKeyError("no charge holds that lot", field="lot_id", value=key,
                              fix="give a lot id of the charges records (column lot_id)")
    windows = production_windows(casts)
    descent = _descent_by_cast(charges, windows, working_volume_m3, shrinkage, bulk_density_t_per_m3)
    lot_mass = holding.groupby("charge_id").agg(lot_mass_t=("mass_t", "sum")).reset_index()
    mine = lot_mass.merge(descent, on="charge_id", how="left").sort_values("charged_at", kind="stable") \
        .reset_index(drop=True)
    taken = mine.dropna(subset=["cast_id"])
    per_cast = taken.groupby("cast_id", sort=False).agg(lot_mass_t=("lot_mass_t", "sum"),
                                                         charges=("charge_id", "size")).reset_index()
    found = per_cast.merge(windows[["cast_id", "start", "end", *[c for c in windows.columns
                                                                if c.startswith("hot_metal_")]]],
                           on="cast_id", how="left").sort_values("end", kind="stable").reset_index(drop=True)
    missing: list[Message] = []
    pending = mine[mine["cast_id"].isna()]
    if len(pending):
        missing.append(Message("trace_lot_charges_unassigned", _LABELS, lot_id=key, count=len(pending),
                               mass=f"{pending['lot_mass_t'].sum():.1f}"))
    defaults = burden_descent_defaults()
    return LotTrace(
        lot_id=key,
        materials=tuple(sorted(holding["material"].unique())),
        charges=mine,
        casts=found,
        destinations=_destinations(destinations, found["cast_id"].tolist()),
        missing=tuple(missing),
        provisional=_provisional(defaults, set(batches["material"].unique()), shrinkage,
                                 bulk_density_t_per_m3),
    )
