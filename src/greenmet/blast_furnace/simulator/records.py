"""Plant records of the simulated furnace: charges, material analyses, cast analyses and
hot-metal destinations, in the columns of the plant format (``docs/dev/plant_data_contract.md``).

The furnace model counts charges as the stock line descends (``charge_count``); each new charge
is dumped as batches on the main belt, coke first, then sinter, pellets, lump ore, nut coke and
limestone, ``batch_interval`` apart. Batch masses are the nominal rates per tonne of hot metal
times the hot metal of one charge (production / ``charges_per_hour``) with a weighing scatter.
Materials come in lots of ``lot_hours_<material>`` (aligned on UTC midnight); the first time a
lot is used (and once per lot of injection coal) its laboratory analysis is reported, sampled at
the lot's start: the mean analysis of reference table ``simulator_analyses`` with a relative
scatter per lot, the chemical rest as ``other`` so that the analysis sums to 100 %.
Every finished cast gets a hot-metal and a slag analysis sampled at its end: Si and S are the
cast's (:meth:`FurnaceSimulator.casts`), C follows from the saturation relation
(:func:`greenmet.blast_furnace.mass_balance.hot_metal_carbon`), and the slag's CaO/SiO2 is the
cast's basicity. Its hot metal fills torpedo cars of ``torpedo_capacity`` in rotation, each
poured into one steelmaking heat ``transport_time`` later (or sent to pig casting).

All numbers of this module are simulator assumptions from reference tables
``simulator_constants`` and ``simulator_analyses`` (provisional, ``needs_verification``); they
describe no real plant. The records use their own random stream, so the tags of a seeded run do
not depend on them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from greenmet.blast_furnace.mass_balance import hot_metal_carbon
from greenmet.blast_furnace.simulator.config import FurnaceConfig
from greenmet.refdata import factor, load_table

__all__ = ["RECORD_KINDS", "SimulatedRecords", "empty_records"]

RECORD_KINDS: tuple[str, ...] = ("charges", "material_analyses", "cast_analyses", "hot_metal_destinations")
"""The kinds of plant record the simulator produces (those of :mod:`greenmet.storage.plant_records`)."""

_COLUMNS: dict[str, tuple[str, ...]] = {
    "charges": ("charge_id", "batch_number", "charged_at", "material", "lot_id", "mass_t"),
    "material_analyses": ("lot_id", "material", "sampled_at", "component", "value", "unit"),
    "cast_analyses": ("cast_id", "sampled_at", "sample", "component", "value", "unit"),
    "hot_metal_destinations": (
        "cast_id", "vessel_id", "vessel_kind", "mass_t", "filled_at", "steelmaking_heat_id", "delivered_at",
    ),
}
_TIMES = {"charged_at", "sampled_at", "filled_at", "delivered_at"}

_LOT_CODE = {
    "sinter": "SIN", "pellet": "PEL", "lump_ore": "LMP", "coke": "COK", "nut_coke": "NUT",
    "limestone": "LST", "coal": "PCI",
}
# Batches of a charge in belt order: coke first, then the ore batch's materials and the flux.
_BATCH_ORDER = ("coke", "sinter", "pellet", "lump_ore", "nut_coke", "limestone")
# Components that are properties, not part of the chemical analysis that sums to 100 %.
_PROPERTIES = ("tumbler_index", "M40", "M10", "CSR", "CRI")


def _constant(name: str) -> float:
    return factor("simulator_constants", name=name).value


def empty_records(kind: str) -> pd.DataFrame:
    """An empty frame of ``kind`` with the plant format's columns and dtypes."""
    frame = pd.DataFrame({column: pd.Series(dtype="object") for column in _COLUMNS[kind]})
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        if column in _TIMES:
            frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[us, UTC]")
        elif column in ("mass_t", "value"):
            frame[column] = frame[column].astype("float64")
        elif column == "batch_number":
            frame[column] = frame[column].astype("int64")
        else:
            frame[column] = frame[column].astype("string")
    return frame


class SimulatedRecords:
    """Makes the plant records of one simulated furnace, chunk by chunk (used by
    :class:`~greenmet.blast_furnace.simulator.FurnaceSimulator`).

    Parameters
    ----------
    config
        The furnace.
    seed
        Seed of the records' own random stream. [dimensionless]
    origin
        Time of step 0 (UTC).
    step_seconds
        Step length. [s]
    """

    def __init__(self, config: FurnaceConfig, seed: int, origin: pd.Timestamp, step_seconds: float) -> None:
        self.config = config
        self.origin_us = origin.value // 1000
        self.step_seconds = step_seconds
        self._rng = np.random.default_rng([seed, 2**31 - 3])
        hot_metal_per_charge = config.hot_metal_rate_t_per_min * 60 / _constant("charges_per_hour")
        ferrous = _constant("ferrous_burden_rate") * hot_metal_per_charge
        sinter, pellet = _constant("sinter_share"), _constant("pellet_share")
        nut_coke = _constant("nut_coke_rate") / 1000 * hot_metal_per_charge
        self._set_points = {
            "coke": config.coke_rate_kg_per_thm / 1000 * hot_metal_per_charge - nut_coke,
            "sinter": sinter * ferrous,
            "pellet": pellet * ferrous,
            "lump_ore": (1 - sinter - pellet) * ferrous,
            "nut_coke": nut_coke,
            "limestone": _constant("limestone_rate") / 1000 * hot_metal_per_charge,
        }
        self._batch_interval_us = int(_constant("batch_interval") * 1e6)
        self._weighing = _constant("weighing_scatter")
        self._lot_us = {m: int(_constant(f"lot_hours_{m}") * 3600e6) for m in _LOT_CODE}
        analyses = load_table("simulator_analyses")
        self._analyses = {
            material: list(
                group[["component", "value", "unit", "scatter"]].itertuples(index=False, name=None)
            )
            for material, group in analyses.groupby("material", sort=False)
        }
        self._capacity = _constant("torpedo_capacity")
        self._fleet = int(_constant("torpedo_fleet"))
        self._pig_share = _constant("pig_casting_share")
        self._transport_us = _constant("transport_time") * 60e6
        # evolving state (kept by state()/restore())
        self._last_charge = 0
        self._analysed: dict[str, int] = {}  # material -> last lot number analysed
        self._next_vessel = 0
        self._next_heat = 1

    # -- state -------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        """The evolving state as JSON-able values."""
        return {
            "last_charge": self._last_charge,
            "analysed": dict(self._analysed),
            "next_vessel": self._next_vessel,
            "next_heat": self._next_heat,
            "random_state": self._rng.bit_generator.state,
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state`."""
        self._last_charge = int(state["last_charge"])
        self._analysed = {str(k): int(v) for k, v in state["analysed"].items()}
        self._next_vessel = int(state["next_vessel"])
        self._next_heat = int(state["next_heat"])
        self._rng.bit_generator.state = state["random_state"]

    def restore_charge_count(self, charges: int) -> None:
        """Continue a run whose state predates the records: ``charges`` were dumped already."""
        self._last_charge = int(charges)

    # -- records -----------------------------------------------------------------------------
    def _lot(self, material: str, at_us: int) -> tuple[int, str, int]:
        """Lot number, lot id and start [µs] of ``material`` at ``at_us``."""
        span = self._lot_us[material]
        number = at_us // span
        start = number * span
        stamp = pd.Timestamp(start, unit="us", tz="UTC")
        return int(number), f"{_LOT_CODE[material]}-{stamp:%Y%m%d-%H}", int(start)

    def _analysis_rows(self, material: str, lot_id: str, sampled_us: int) -> list[tuple[Any, ...]]:
        """One lot's analysis: the mean values with a relative scatter; a chemical analysis (and
        an ash analysis) whose scattered contents pass 100 % is scaled down to 100 %, the rest
        is reported as ``other`` (``ash_other``)."""
        drawn = [
            (component, max(0.0, mean * (1.0 + scatter * self._rng.standard_normal())), unit)
            for component, mean, unit, scatter in self._analyses[material]
        ]
        groups = {
            "other": [c for c, _, _ in drawn if c not in _PROPERTIES and not c.startswith("ash_")],
            "ash_other": [c for c, _, _ in drawn if c.startswith("ash_")],
        }
        values = {component: value for component, value, _ in drawn}
        for members in groups.values():
            total = sum(values[c] for c in members)
            if total > 100.0:
                for c in members:
                    values[c] *= 100.0 / total
        rows = [(lot_id, material, sampled_us, c, round(values[c], 3), unit) for c, _, unit in drawn]
        for rest, members in groups.items():
            if members:
                total = sum(round(values[c], 3) for c in members)
                rows.append((lot_id, material, sampled_us, rest, round(max(0.0, 100.0 - total), 3), "%"))
        return rows

    def _analyse_lot(self, material: str, at_us: int, out: list[tuple[Any, ...]]) -> str:
        number, lot_id, start = self._lot(material, at_us)
        if self._analysed.get(material, -1) < number:
            self._analysed[material] = number
            out.extend(self._analysis_rows(material, lot_id, start))
        return lot_id

    def advance(
        self, timestamps_us: np.ndarray, charge_count: np.ndarray, casts: pd.DataFrame
    ) -> dict[str, pd.DataFrame]:
        """The records of one chunk: charges that started in it (from the charge counter),
        analyses of lots first used in it, analyses and destinations of the casts that ended in it.

        Parameters
        ----------
        timestamps_us
            Step times, µs since 1970 (UTC).
        charge_count
            The charge counter at each step (charges dumped since step 0). [dimensionless]
        casts
            Casts that ended in the chunk (:meth:`FurnaceSimulator.casts` columns).
        """
        charges: list[tuple[Any, ...]] = []
        analyses: list[tuple[Any, ...]] = []
        counts = charge_count.astype(np.int64)
        previous = np.concatenate(([self._last_charge], counts[:-1]))
        for step in np.flatnonzero(counts > previous):
            at = int(timestamps_us[step])
            # a slip can drop the stock line by more than one layer: the missed charges follow
            for offset, number in enumerate(range(int(previous[step]) + 1, int(counts[step]) + 1)):
                first = at + offset * len(_BATCH_ORDER) * self._batch_interval_us
                for batch, material in enumerate(_BATCH_ORDER, start=1):
                    charged = first + (batch - 1) * self._batch_interval_us
                    lot_id = self._analyse_lot(material, charged, analyses)
                    mass = self._set_points[material] * (1.0 + self._weighing * self._rng.standard_normal())
                    charges.append((str(number), batch, charged, material, lot_id, round(mass, 3)))
        if counts.size:
            self._last_charge = int(max(self._last_charge, counts[-1]))
            self._analyse_lot("coal", int(timestamps_us[0]), analyses)
            self._analyse_lot("coal", int(timestamps_us[-1]), analyses)
        cast_rows, destinations = self._cast_records(casts)
        return {
            "charges": self._frame("charges", charges),
            "material_analyses": self._frame("material_analyses", analyses),
            "cast_analyses": self._frame("cast_analyses", cast_rows),
            "hot_metal_destinations": self._frame("hot_metal_destinations", destinations),
        }

    def _cast_records(self, casts: pd.DataFrame) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        rows: list[tuple[Any, ...]] = []
        destinations: list[tuple[Any, ...]] = []
        rng = self._rng
        numbers = casts["cast_number"].to_numpy(dtype=np.int64)
        starts = casts["start"].to_numpy(dtype="datetime64[us]").astype(np.int64)
        ends = casts["end"].to_numpy(dtype="datetime64[us]").astype(np.int64)
        columns = ("hot_metal_silicon_percent", "hot_metal_sulphur_percent", "hot_metal_temperature_degC",
                   "slag_basicity", "hot_metal_mass_t")
        silicons, sulphurs, temperatures, basicities, masses = (
            casts[column].to_numpy(dtype=np.float64) for column in columns
        )
        for number in range(len(casts)):
            cast_id = str(int(numbers[number]))
            end_us, start_us = int(ends[number]), int(starts[number])
            silicon, sulphur = float(silicons[number]), float(sulphurs[number])
            manganese = max(0.05, 0.20 + 0.02 * rng.standard_normal())
            phosphorus = max(0.03, 0.10 + 0.008 * rng.standard_normal())
            titanium = max(0.01, 0.08 + 0.015 * rng.standard_normal())
            carbon = float(hot_metal_carbon(float(temperatures[number]), silicon, manganese,
                                            phosphorus, sulphur, titanium))
            hot_metal = {"C": carbon, "Si": silicon, "Mn": manganese, "P": phosphorus, "S": sulphur,
                         "Ti": titanium}
            rows.extend((cast_id, end_us, "hot_metal", name, round(value, 4), "%")
                        for name, value in hot_metal.items())
            silica = 32.8 + 0.5 * rng.standard_normal()
            slag = {
                "CaO": float(basicities[number]) * silica,
                "SiO2": silica,
                "MgO": 8.9 + 0.3 * rng.standard_normal(),
                "Al2O3": 15.0 + 0.4 * rng.standard_normal(),
                "FeO": max(0.1, 0.55 + 0.1 * rng.standard_normal()),
                "MnO": max(0.1, 0.58 + 0.08 * rng.standard_normal()),
                "S": max(0.2, 0.86 + 0.08 * rng.standard_normal()),
            }
            rows.extend((cast_id, end_us, "slag", name, round(value, 3), "%") for name, value in slag.items())
            destinations.extend(self._fill_vessels(cast_id, start_us, end_us, float(masses[number])))
        return rows, destinations

    def _fill_vessels(self, cast_id: str, start_us: int, end_us: int, mass: float) -> list[tuple[Any, ...]]:
        """Torpedo cars filled one after another while the cast runs; the last one takes the rest."""
        rows = []
        filled = 0.0
        while mass - filled > 1e-9:
            portion = min(self._capacity, mass - filled)
            filled += portion
            at = start_us + int((end_us - start_us) * filled / mass) if mass > 0 else end_us
            at -= at % 1_000_000  # whole seconds, as the casthouse records them
            vessel = f"TPC-{self._next_vessel % self._fleet + 1:02d}"
            self._next_vessel += 1
            delivered = at + int(self._transport_us * self._rng.uniform(0.5, 1.5)) // 1_000_000 * 1_000_000
            if self._rng.random() < self._pig_share:
                heat = None
            else:
                heat = f"HEAT-{self._next_heat:06d}"
                self._next_heat += 1
            rows.append((cast_id, vessel, "torpedo", round(portion, 3), at, heat, delivered))
        return rows

    @staticmethod
    def _frame(kind: str, rows: list[tuple[Any, ...]]) -> pd.DataFrame:
        if not rows:
            return empty_records(kind)
        frame = pd.DataFrame(rows, columns=list(_COLUMNS[kind]))
        for column in _TIMES.intersection(frame.columns):
            frame[column] = pd.to_datetime(frame[column], unit="us", utc=True)
        return _typed(frame)
