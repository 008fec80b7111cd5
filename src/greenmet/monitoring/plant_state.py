"""From plant tags and plant records to the inputs of the calculation sheet, minute by minute.

The adapter turns what a plant records (1-minute values of its tags, the charges of its burden,
the analyses of its materials and of each cast) into one row per minute in the columns of
:func:`greenmet.blast_furnace.state.state_to_columns`, the input of
:func:`greenmet.blast_furnace.state.calculation_sheet_frame`. It is pure: the caller reads the
historian and the plant records and hands them in (``greenmet.engines.derived`` does so in
replay and for the live engine).

How each input is obtained is fixed in :data:`TAG_INPUTS` (one tag, one conversion) and in the
rules below; the user guide (``docs/user_guide/online_calculations.md``) prints them as a table.

- Tag values are the minute means of the good points (a minute without a good point is NaN);
  :data:`MINUTE_SUM_TAGS` are summed instead (one point per event).
- Rates per tonne of hot metal are ratios over a trailing window (``window``, 8 h by default):
  hot metal tapped in the window (the ``cast_hot_metal_mass`` points, one per cast) gives the
  production; coke, nut coke and each burden material charged in the window (the charges)
  divided by it give the coke, nut-coke and burden rates; the mean coal injection of the window
  divided by the production gives the coal rate (t/h × 1000 / (t/h) = kg/tHM). A minute whose
  window is not covered by data (fewer than :data:`WINDOW_COVERAGE` of its minutes hold any tag:
  before the data start, across a long gap) gets NaN rates (the caller hands in the window
  before the first minute it wants).
- A component a material's analysis does not name is absent (0 %); a material without any
  analysis at the minute has NaN components.
- Analyses hold from their sampling time on (as of ``sampled_at``, never before): the analysis
  of a material at a minute is its latest analysis sampled at or before that minute, at most
  ``analysis_max_age`` old; the hot-metal and slag analyses are those of the latest cast sample
  sampled at or before the minute, at most ``cast_max_age`` old; so are the per-cast tags
  ``hot_metal_temperature`` and ``hot_metal_silicon`` (carried forward from the cast's end).
- What cannot be obtained stays NaN, so every sheet quantity that needs it is NaN (never a
  default standing in for a measurement); :class:`PlantInputs` ``lacking`` says what was missing
  and why.

The 8 h window and the maximum ages are greenmet's own settings (a shift holds several casts
and about fifty charges, so ratios of their sums are steady; analyses of raw materials are
made at most daily), not values from a source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from greenmet.errors import InputError
from greenmet.units import convert

__all__ = [
    "ANALYSIS_COLUMNS",
    "BURDEN_COMPONENTS",
    "DEFAULT_ANALYSIS_MAX_AGE",
    "DEFAULT_CAST_MAX_AGE",
    "DEFAULT_WINDOW",
    "FUEL_MATERIALS",
    "MINUTE_SUM_TAGS",
    "PLANT_RECORD_COLUMNS",
    "TAG_INPUTS",
    "WINDOW_COVERAGE",
    "FurnaceDesign",
    "PlantInputs",
    "PlantRecords",
    "plant_state_frame",
]

TAG_INPUTS: dict[str, tuple[str, str, float]] = {
    # state column: (tag, unit of the tag, factor to the state column's unit)
    "cold_blast_volume_nm3_per_min": ("blast_volume", "Nm3/min", 1.0),
    "oxygen_volume_nm3_per_min": ("oxygen_flow", "Nm3/h", 1.0 / 60.0),
    "blast_temperature_degC": ("blast_temperature", "degC", 1.0),
    "blast_humidity_g_per_nm3": ("blast_humidity", "g/Nm3", 1.0),
    "hot_blast_pressure_kPa": ("blast_pressure", "kPa", 1.0),
    "top_pressure_kPa": ("top_pressure", "kPa", 1.0),
    "top_gas.CO_percent": ("top_gas_co", "%", 1.0),
    "top_gas.CO2_percent": ("top_gas_co2", "%", 1.0),
    "top_gas.H2_percent": ("top_gas_h2", "%", 1.0),
}
"""State columns read from one tag each: column → (tag, the tag's catalogue unit, factor).

Others are combined from several tags: ``top_gas_temperature_degC`` is the mean of the
``top_temperature_u<n>`` tags; ``top_gas.N2_percent`` is 100 − CO − CO2 − H2 (CH4 is not
analysed at the top of a coke-fired furnace and counts 0); ``stave_water_flow_m3_per_h`` is the
sum of the ``stave_water_flow_r<rr>`` tags and ``stave_water_temperature_rise_K`` their
flow-weighted mean of ``stave_water_outlet_temperature_r<rr>`` − ``stave_water_inlet_temperature``
(so that the sheet's stave heat load is the sum of the rows' loads)."""

MINUTE_SUM_TAGS = ("cast_hot_metal_mass",)
"""Tags with one point per event (a cast): their minute value is the sum of the points, not the
mean (two casts ending in the same minute both count)."""

FUEL_MATERIALS = {"coke": "coke_rate_kg_per_thm", "nut_coke": "nut_coke_rate_kg_per_thm"}
"""Charged materials that are fuel (their rates go to the coke and nut-coke rates); every other
charged material is a burden material ``burden.<material>.*``."""

COAL_MATERIAL = "coal"
"""Material name of the injected coal in the material analyses."""

BURDEN_COMPONENTS = ("Fe2O3", "FeO", "SiO2", "CaO", "MgO", "Al2O3", "MnO", "P2O5", "S", "other")
"""Components of a burden analysis (mass %), as in :class:`~greenmet.blast_furnace.state.BurdenMaterial`."""

ANALYSIS_COLUMNS: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    # state part: (material or cast sample, components taken, components the sheet needs)
    "coke": ("coke", ("C", "ash", "volatile", "S"), ("C", "ash")),
    "coke_ash": ("coke", ("ash_SiO2", "ash_Al2O3", "ash_CaO", "ash_MgO", "ash_Fe2O3", "ash_other"), ()),
    "coal": ("coal", ("C", "H", "O", "N", "S", "ash", "moisture"), ("C", "H", "ash")),
    "coal_ash": ("coal", ("ash_SiO2", "ash_Al2O3", "ash_CaO", "ash_MgO", "ash_Fe2O3", "ash_other"), ()),
    "hot_metal": ("hot_metal", ("Si", "Mn", "P", "S", "Ti", "V", "C"), ("Si", "Mn", "P", "S")),
    "slag": ("slag", ("CaO", "SiO2", "MgO", "Al2O3", "FeO", "MnO", "S", "TiO2", "other"),
             ("CaO", "SiO2", "MgO", "Al2O3")),
}
"""Analyses of the state and where they come from. Components of the ash of coke and coal carry
the prefix ``ash_`` in the material analyses (``ash_SiO2``); the state names them without it
(``coke_ash.SiO2_percent``). Hot metal and slag come from the cast analyses (``sample``)."""

PLANT_RECORD_COLUMNS = {
    "charges": ("charge_id", "batch_number", "charged_at", "material", "lot_id", "mass_t"),
    "material_analyses": ("lot_id", "material", "sampled_at", "component", "value", "unit"),
    "cast_analyses": ("cast_id", "sampled_at", "sample", "component", "value", "unit"),
}
"""Columns the adapter reads of each kind of plant record (``greenmet.storage.plant_records``)."""

DEFAULT_WINDOW = pd.Timedelta(hours=8)
"""Trailing window of the rates per tonne of hot metal (greenmet's own setting)."""
DEFAULT_ANALYSIS_MAX_AGE = pd.Timedelta(days=3)
"""Oldest material analysis still used (greenmet's own setting)."""
DEFAULT_CAST_MAX_AGE = pd.Timedelta(hours=12)
"""Oldest cast analysis or per-cast value still used (greenmet's own setting)."""

WINDOW_COVERAGE = 0.99
"""Least share of a window's minutes holding data for its rates to be computed (greenmet's own
threshold: a few minutes of an 8 h window are within the scatter of the casts' timing)."""

_TIME_COLUMNS = {"charges": "charged_at", "material_analyses": "sampled_at", "cast_analyses": "sampled_at"}


class FurnaceDesign(BaseModel):
    """What the tags do not say: the furnace's geometry and fixed operating constants.

    ``tuyere_diameter_m`` may be unknown (None): the tuyere velocity and kinetic energy are then
    NaN. ``oxygen_purity`` 0.995 and ``reserve_zone_temperature_degC`` 950 are the defaults of
    :class:`~greenmet.blast_furnace.state.FurnaceState`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    working_volume_m3: float = Field(gt=0, le=10_000)
    hearth_diameter_m: float = Field(gt=0, le=25)
    tuyeres: int = Field(gt=0, le=80)
    tuyere_diameter_m: float | None = Field(default=None, gt=0, lt=1)
    oxygen_purity: float = Field(default=0.995, gt=0.21, le=1)
    reserve_zone_temperature_degC: float = Field(default=950.0, ge=700, le=1200)  # noqa: N815
    stave_rows: int = Field(default=0, ge=0, le=100)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object]) -> FurnaceDesign:
        """Build from a mapping (a design file), naming the field and the fix on bad input."""
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            first = exc.errors()[0]
            name = ".".join(str(part) for part in first["loc"]) or None
            raise InputError(f"furnace design: {first['msg']}", field=name, value=first.get("input"),
                             fix="give working_volume_m3, hearth_diameter_m, tuyeres (and optionally "
                                 "tuyere_diameter_m, oxygen_purity, reserve_zone_temperature_degC, "
                                 "stave_rows) with the units in their names") from None


@dataclass(frozen=True)
class PlantRecords:
    """The plant records of one furnace (frames with the columns of :data:`PLANT_RECORD_COLUMNS`).

    A kind a plant does not record is an empty frame (the default); the quantities that need it
    are then NaN.
    """

    charges: pd.DataFrame = field(default_factory=lambda: _empty("charges"))
    material_analyses: pd.DataFrame = field(default_factory=lambda: _empty("material_analyses"))
    cast_analyses: pd.DataFrame = field(default_factory=lambda: _empty("cast_analyses"))

    def __post_init__(self) -> None:
        for kind, columns in PLANT_RECORD_COLUMNS.items():
            frame = getattr(self, kind)
            if not isinstance(frame, pd.DataFrame):
                raise InputError("plant records must be DataFrames", field=kind, value=type(frame).__name__,
                                 fix="pass a pandas DataFrame (empty when the plant does not record it)")
            missing = [column for column in columns if column not in frame.columns]
            if missing:
                raise InputError(f"{kind} lack the columns {missing}", field=kind, value=list(frame.columns),
                                 fix=f"give the columns {list(columns)} (docs/dev/plant_data_contract.md)")


def _empty(kind: str) -> pd.DataFrame:
    frame = pd.DataFrame({column: pd.Series(dtype=object) for column in PLANT_RECORD_COLUMNS[kind]})
    frame[_TIME_COLUMNS[kind]] = pd.Series(dtype="datetime64[us, UTC]")
    return frame


@dataclass(frozen=True)
class PlantInputs:
    """Result of :func:`plant_state_frame`.

    ``states``: one row per minute (the index of the minute frame), the columns of
    ``state_to_columns`` (NaN where an input could not be obtained). ``lacking``: input → why it
    is missing (in every minute, or in some; the states say which).
    """

    states: pd.DataFrame
    lacking: dict[str, str]


def _utc(series: pd.Series, field_name: str) -> pd.Series:
    try:
        converted = pd.to_datetime(series, utc=True)
    except (ValueError, TypeError) as exc:
        raise InputError("not a time", field=field_name, value=str(series.iloc[0]) if len(series) else None,
                         fix="give instants with a time zone (stored in UTC)") from exc
    return converted.astype("datetime64[us, UTC]")


def _percent(frame: pd.DataFrame, kind: str) -> pd.Series:
    """Analysis values in percent (units such as '%', 'percent' or a mass fraction)."""
    values = pd.to_numeric(frame["value"], errors="coerce").astype(float)
    out = values.copy()
    for unit, rows in frame.groupby(frame["unit"].astype(str), sort=False).groups.items():
        if unit in ("%", "percent", "mass %", "vol %"):
            continue
        try:
            factor = float(convert(1.0, str(unit), "percent", field=f"{kind}.unit"))
        except InputError as exc:
            raise InputError(f"{kind}: an analysis unit that is not a share", field=f"{kind}.unit",
                             value=unit,
                             fix="give analyses in % (or as a mass fraction, 'dimensionless')") from exc
        out.loc[rows] = values.loc[rows] * factor
    return out


def _as_of(samples: pd.DataFrame, minutes: pd.DatetimeIndex, max_age: pd.Timedelta) -> pd.DataFrame:
    """Per component, the latest sample at or before each minute's end, at most ``max_age`` old.

    ``samples``: columns ``sampled_at``, ``component``, ``percent``. A minute [t, t+1 min) sees
    the samples taken up to its end (t + 1 min, excluded); samples of one instant are averaged.
    """
    if samples.empty:
        return pd.DataFrame(index=minutes)
    ends = (minutes + pd.Timedelta(minutes=1) - pd.Timedelta(microseconds=1)).as_unit("ns").asi8
    times = pd.DatetimeIndex(samples["sampled_at"]).as_unit("ns").asi8
    values = samples["percent"].to_numpy(dtype=float)
    components = samples["component"].astype(str).to_numpy()
    limit = int(max_age / pd.Timedelta(1, "ns"))
    out = {}
    for component in pd.unique(components):
        chosen = (components == component) & np.isfinite(values)
        if not chosen.any():
            continue
        order = np.argsort(times[chosen], kind="stable")
        at, value = times[chosen][order], values[chosen][order]
        distinct, first = np.unique(at, return_index=True)
        if len(distinct) < len(at):  # several samples of one instant: their mean
            value = np.add.reduceat(value, first) / np.diff(np.append(first, len(at)))
        position = np.searchsorted(distinct, ends, side="right") - 1
        valid = position >= 0
        taken = np.where(valid, position, 0)
        keep = valid & (ends - distinct[taken] <= limit)
        out[str(component)] = np.where(keep, value[taken], np.nan)
    return pd.DataFrame(out, index=minutes)


def _window_sum(values: pd.DataFrame | pd.Series, window_minutes: int) -> pd.DataFrame | pd.Series:
    return values.rolling(window_minutes, min_periods=window_minutes).sum()


def plant_state_frame(minutes: pd.DataFrame, records: PlantRecords, design: FurnaceDesign, *,
                      window: pd.Timedelta = DEFAULT_WINDOW,
                      analysis_max_age: pd.Timedelta = DEFAULT_ANALYSIS_MAX_AGE,
                      cast_max_age: pd.Timedelta = DEFAULT_CAST_MAX_AGE,
                      measured_tags: Sequence[str] | None = None) -> PlantInputs:
    """The calculation-sheet inputs of each minute from tags and plant records.

    Parameters
    ----------
    minutes
        One row per minute: a regular 1-minute UTC ``DatetimeIndex`` (minute starts), one column
        per tag: the mean of the minute's good points (the sum for :data:`MINUTE_SUM_TAGS`), NaN
        when there is none, in the tag's catalogue unit. Include the ``window`` before the first
        minute whose rates are wanted.
    records
        The furnace's charges and analyses (:class:`PlantRecords`).
    design
        Geometry and constants (:class:`FurnaceDesign`).
    window
        Trailing window of the rates per tonne of hot metal [min].
    analysis_max_age, cast_max_age
        Oldest material analysis, and oldest cast analysis or per-cast value, still used [h].
    measured_tags
        Tags the furnace records (default: the columns of ``minutes``); a tag it does not record
        is named in ``lacking``.

    Returns
    -------
    PlantInputs
        ``states`` (the columns of :func:`~greenmet.blast_furnace.state.state_to_columns`) and
        ``lacking``.

    Raises
    ------
    InputError
        If ``minutes`` is not indexed by regular UTC minutes, or a record is malformed.
    """
    index = minutes.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is None:
        raise InputError("the minute frame needs a UTC DatetimeIndex", field="minutes.index",
                         value=type(index).__name__, fix="index the frame by minute starts in UTC")
    if len(index) and ((index != index.floor("min")).any() or (len(index) > 1 and (
            pd.Series(index).diff().dropna() != pd.Timedelta(minutes=1)).any())):
        raise InputError("the minute frame must hold consecutive whole minutes", field="minutes.index",
                         value=f"{index[0]} … {index[-1]}",
                         fix="reindex on pd.date_range(start, end, freq='min') (a missing minute: NaN)")
    window_minutes = int(window / pd.Timedelta(minutes=1))
    if window_minutes < 1:
        raise InputError("the window must be at least one minute", field="window", value=str(window),
                         fix="give for example 8 h")
    index = index.tz_convert("UTC")
    known = set(minutes.columns if measured_tags is None else measured_tags)
    lacking: dict[str, str] = {}
    n = len(index)
    nan = np.full(n, np.nan)

    def tag(name: str) -> np.ndarray:
        if name in minutes.columns and name in known:
            return minutes[name].to_numpy(dtype=float)
        lacking.setdefault(name, "tag not recorded by this furnace")
        return nan

    states: dict[str, np.ndarray] = {
        "working_volume_m3": np.full(n, design.working_volume_m3),
        "hearth_diameter_m": np.full(n, design.hearth_diameter_m),
        "tuyeres": np.full(n, float(design.tuyeres)),
        "tuyere_diameter_m": np.full(n, np.nan if design.tuyere_diameter_m is None
                                     else design.tuyere_diameter_m),
        "oxygen_purity": np.full(n, design.oxygen_purity),
        "reserve_zone_temperature_degC": np.full(n, design.reserve_zone_temperature_degC),
    }
    if design.tuyere_diameter_m is None:
        lacking["tuyere_diameter_m"] = "not in the furnace design: tuyere velocity and kinetic energy are NaN"
    for column, (name, _unit, factor) in TAG_INPUTS.items():
        states[column] = tag(name) * factor
    # Implausible hot blast (a spike or a kelvin reading) would stop the sheet: NaN instead.
    blast_temperature = states["blast_temperature_degC"]
    implausible = (blast_temperature < 600) | (blast_temperature > 1450)
    if implausible.any():
        lacking["blast_temperature"] = (f"{int(implausible.sum())} minute(s) outside 600–1450 °C "
                                        "(a spike or another unit) left out")
        states["blast_temperature_degC"] = np.where(implausible, np.nan, blast_temperature)
    # Top gas: N2 by difference, no CH4 analysed.
    states["top_gas.CH4_percent"] = np.zeros(n)
    states["top_gas.N2_percent"] = 100.0 - (states["top_gas.CO_percent"] + states["top_gas.CO2_percent"]
                                            + states["top_gas.H2_percent"])
    uptakes = sorted(c for c in minutes.columns if c.startswith("top_temperature_u") and c in known)
    if uptakes:
        states["top_gas_temperature_degC"] = minutes[uptakes].to_numpy(dtype=float).mean(axis=1)
    else:
        lacking["top_temperature_u<n>"] = "no top-gas temperature tag"
        states["top_gas_temperature_degC"] = nan
    # Staves: total flow and flow-weighted temperature rise.
    flow_total, load_total = _stave_totals(minutes, known, design.stave_rows, lacking)
    states["stave_water_flow_m3_per_h"] = flow_total
    with np.errstate(invalid="ignore", divide="ignore"):
        states["stave_water_temperature_rise_K"] = np.where(flow_total > 0, load_total / flow_total, 0.0)

    # Production and rates over the trailing window.
    hot_metal = pd.Series(tag("cast_hot_metal_mass"), index=index).fillna(0.0)
    window_h = window_minutes / 60.0
    tapped = _window_sum(hot_metal, window_minutes).to_numpy()
    if n < window_minutes:
        lacking["window"] = f"fewer minutes ({n}) than the window ({window_minutes}): rates are NaN"
    # A window is covered when nearly all its minutes hold data: before the data start, or across
    # a long gap, casts and charges would be missed and the rates would be too low.
    present = pd.Series(minutes.notna().any(axis=1).to_numpy(dtype=float), index=index)
    share = present.rolling(window_minutes, min_periods=window_minutes).mean()
    covered = (share >= WINDOW_COVERAGE).to_numpy()
    if n >= window_minutes and not covered.all():
        lacking["window coverage"] = (f"{int((~covered).sum())} minute(s) whose window has data in fewer "
                                      f"than {WINDOW_COVERAGE:.0%} of its minutes: rates are NaN there")
    with np.errstate(invalid="ignore", divide="ignore"):
        production = np.where((tapped > 0) & covered, tapped * 24.0 / window_h, np.nan)  # t/d
    without_cast = (tapped <= 0) & covered
    if "cast_hot_metal_mass" in minutes.columns and without_cast.any():
        lacking["production"] = f"{int(without_cast.sum())} minute(s) with no cast ended within the window"
    states["production_t_per_day"] = production
    coal = pd.Series(tag("coal_injection_rate"), index=index)  # t/h
    coal_mean = coal.rolling(window_minutes, min_periods=max(1, window_minutes // 2)).mean().to_numpy()
    states["coal_rate_kg_per_thm"] = coal_mean * 1000.0 / (production / 24.0)

    charged = _charged(records.charges, index, lacking)
    for material, column in FUEL_MATERIALS.items():
        mass = charged[material] if material in charged.columns else pd.Series(0.0, index=index)
        states[column] = _window_sum(mass, window_minutes).to_numpy() * 1000.0 * 24.0 / window_h / production
    if "coke" not in charged.columns:
        lacking["coke_rate_kg_per_thm"] = "no coke charged in the records"
        states["coke_rate_kg_per_thm"] = nan
    burden = [m for m in charged.columns if m not in FUEL_MATERIALS]
    if not burden:
        lacking["burden"] = "no burden material charged in the records"
    analyses = records.material_analyses
    if len(analyses):
        analyses = analyses.assign(sampled_at=_utc(analyses["sampled_at"], "material_analyses.sampled_at"),
                                   percent=_percent(analyses, "material_analyses"))
    for material in burden:
        in_window = _window_sum(charged[material], window_minutes).to_numpy()
        states[f"burden.{material}.mass_kg_per_thm"] = in_window * 1000.0 * 24.0 / window_h / production
        table = _as_of(analyses[analyses["material"] == material], index, analysis_max_age) if len(
            analyses) else pd.DataFrame(index=index)
        # A component an analysis does not name is absent (0 %); no analysis at all is NaN.
        analysed = table.notna().any(axis=1).to_numpy() if len(table.columns) else np.zeros(n, dtype=bool)
        for component in BURDEN_COMPONENTS:
            values = table[component].to_numpy() if component in table.columns else np.zeros(n)
            states[f"burden.{material}.{component}_percent"] = np.where(
                analysed, np.nan_to_num(values, nan=0.0), np.nan)
        if table.empty or not {"SiO2", "CaO"} <= set(table.columns):
            lacking[f"analysis of {material}"] = (f"no analysis of {material} with SiO2 and CaO sampled "
                                                  f"within {analysis_max_age} before the minute")
    casts = records.cast_analyses
    if len(casts):
        casts = casts.assign(sampled_at=_utc(casts["sampled_at"], "cast_analyses.sampled_at"),
                             percent=_percent(casts, "cast_analyses"), material=casts["sample"])
    for part, (source, components, required) in ANALYSIS_COLUMNS.items():
        pool = casts if part in ("hot_metal", "slag") else analyses
        max_age = cast_max_age if part in ("hot_metal", "slag") else analysis_max_age
        table = (_as_of(pool[pool["material"] == source], index, max_age) if len(pool)
                 else pd.DataFrame(index=index))
        for component in components:
            name = component.removeprefix("ash_")
            if component in table.columns:
                states[f"{part}.{name}_percent"] = table[component].to_numpy()
            elif component in required:
                states[f"{part}.{name}_percent"] = nan
        absent = [c for c in required if c not in table.columns]
        if absent:
            lacking[f"{part} analysis"] = f"no {source} analysis of {', '.join(absent)} within {max_age}"
    # Hot-metal temperature (and Si when no cast analysis gives it) from the per-cast tags.
    states["hot_metal_temperature_degC"] = _carried(tag("hot_metal_temperature"), index, cast_max_age)
    silicon_tag = _carried(tag("hot_metal_silicon"), index, cast_max_age)
    states["hot_metal.Si_percent"] = np.where(np.isnan(states["hot_metal.Si_percent"]), silicon_tag,
                                              states["hot_metal.Si_percent"])
    frame = pd.DataFrame(states, index=minutes.index)
    return PlantInputs(states=frame, lacking=lacking)


def _carried(values: np.ndarray, index: pd.DatetimeIndex, max_age: pd.Timedelta) -> np.ndarray:
    """Carry a per-event tag forward from its point, at most ``max_age`` (in whole minutes)."""
    series = pd.Series(values, index=index)
    limit = max(0, int(max_age / pd.Timedelta(minutes=1)))
    return series.ffill(limit=limit).to_numpy()


def _stave_totals(minutes: pd.DataFrame, known: set[str], rows: int, lacking: dict[str, str]
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Total stave water flow [m3/h] and Σ flow × temperature rise [m3/h K] over the rows."""
    n = len(minutes)
    flows = sorted(c for c in minutes.columns if c.startswith("stave_water_flow_r") and c in known)
    if not flows or "stave_water_inlet_temperature" not in known or \
            "stave_water_inlet_temperature" not in minutes.columns:
        lacking["stave_water"] = "no stave water flow and inlet temperature tags"
        return np.full(n, np.nan), np.full(n, np.nan)
    inlet = minutes["stave_water_inlet_temperature"].to_numpy(dtype=float)
    flow_total = np.zeros(n)
    load_total = np.zeros(n)
    for flow_tag in flows:
        row = flow_tag.removeprefix("stave_water_flow_")
        outlet_tag = f"stave_water_outlet_temperature_{row}"
        if outlet_tag not in minutes.columns:
            lacking[outlet_tag] = "tag not recorded: its row is left out of the stave totals"
            continue
        flow = minutes[flow_tag].to_numpy(dtype=float)
        flow_total = flow_total + flow
        load_total = load_total + flow * (minutes[outlet_tag].to_numpy(dtype=float) - inlet)
    return flow_total, load_total


def _charged(charges: pd.DataFrame, index: pd.DatetimeIndex, lacking: dict[str, str]) -> pd.DataFrame:
    """Mass charged per minute and material [t] (0 where nothing was charged)."""
    if not len(charges):
        lacking["charges"] = "no charges in the records"
        return pd.DataFrame(index=index)
    mass = pd.to_numeric(charges["mass_t"], errors="coerce")
    bad = mass.isna() | (mass < 0)
    if bad.any():
        first = charges.loc[bad].iloc[0]
        raise InputError("a charge batch without a valid mass", field="charges.mass_t",
                         value=first["mass_t"],
                         fix=f"correct charge {first['charge_id']} batch {first['batch_number']}: "
                             "a mass in t, ≥ 0")
    minute = _utc(charges["charged_at"], "charges.charged_at").dt.floor("min")
    table = pd.DataFrame({"minute": minute, "material": charges["material"].astype(str), "mass_t": mass})
    pivot = table.pivot_table(index="minute", columns="material", values="mass_t", aggfunc="sum")
    return pivot.reindex(index, fill_value=0.0).fillna(0.0)
