"""Traceability joins on synthetic plant records (greenmet.monitoring.traceability)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from greenmet.errors import InputError, UnknownKeyError
from greenmet.monitoring.traceability import (
    burden_descent_defaults,
    charge_descent,
    production_windows,
    trace_cast,
    trace_lot,
)

T0 = pd.Timestamp("2026-01-01T00:00:00Z")
DENSITY = {"sinter": 2.0, "coke": 0.5}
KNOWN = {"shrinkage": 0.0, "bulk_density_t_per_m3": DENSITY}


def _charges(count: int, *, every_min: float = 10.0, slow_after: int | None = None) -> pd.DataFrame:
    """Charges of 20 t sinter (10 m3) and 5 t coke (10 m3): 20 m3 each, one every ``every_min``;
    after charge ``slow_after`` the charging slows to every 2 × ``every_min``."""
    rows, at = [], T0
    for number in range(count):
        step = every_min * (2 if slow_after is not None and number > slow_after else 1)
        at = at + pd.Timedelta(minutes=step) if number else at
        lot_sinter = "S1" if number < 10 else "S2"
        rows.append((f"C{number:03d}", 1, at, "sinter", lot_sinter, 20.0))
        rows.append((f"C{number:03d}", 2, at + pd.Timedelta(minutes=2), "coke", f"K{number // 5}", 5.0))
    columns = ["charge_id", "batch_number", "charged_at", "material", "lot_id", "mass_t"]
    return pd.DataFrame(rows, columns=columns)


def test_arrival_is_when_the_volume_charged_after_fills_the_furnace():
    # 200 m3 working volume, no shrinkage: 10 charges of 20 m3 after a charge fill it, so charge 0
    # arrives when charge 10 is charged: 100 min later.
    descent = charge_descent(_charges(30), working_volume_m3=200.0, **KNOWN)
    assert descent.loc[0, "burden_volume_m3"] == pytest.approx(20.0)
    assert descent.loc[0, "arrived_at"] == T0 + pd.Timedelta(minutes=100)
    assert descent.loc[0, "residence_time_h"] == pytest.approx(100 / 60)
    # the last ten charges have not arrived by the end of the records
    assert descent["arrived_at"].isna().sum() == 10


def test_shrinkage_lengthens_the_residence_time_and_arrival_is_interpolated():
    descent = charge_descent(_charges(30), working_volume_m3=200.0, shrinkage=0.2,
                             bulk_density_t_per_m3=DENSITY)
    # 200 / 0.8 = 250 m3 = 12.5 charges -> halfway between charges 12 and 13 (125 min)
    assert descent.loc[0, "arrived_at"] == T0 + pd.Timedelta(minutes=125)


def test_slower_descent_gives_a_longer_residence_time_not_a_constant():
    descent = charge_descent(_charges(40, slow_after=15), working_volume_m3=200.0, shrinkage=0.0,
                             bulk_density_t_per_m3=DENSITY)
    residence = descent["residence_time_h"].dropna().to_numpy()
    assert residence[0] == pytest.approx(100 / 60)
    assert residence[-1] == pytest.approx(200 / 60)


def test_unknown_material_and_negative_mass_are_refused_with_the_field():
    charges = _charges(3)
    charges.loc[0, "material"] = "unobtainium"
    with pytest.raises(UnknownKeyError, match="unobtainium"):
        charge_descent(charges, working_volume_m3=200.0)
    charges = _charges(3)
    charges.loc[1, "mass_t"] = -1.0
    with pytest.raises(InputError, match="charges.mass_t"):
        charge_descent(charges, working_volume_m3=200.0)
    with pytest.raises(InputError, match="working_volume_m3"):
        charge_descent(_charges(3), working_volume_m3=0.0)
    with pytest.raises(InputError, match="charges"):
        charge_descent(_charges(3).drop(columns="lot_id"), working_volume_m3=200.0)


def test_shipped_defaults_cover_the_burden_materials_and_flag_practice_values():
    defaults = burden_descent_defaults()
    for material in ("sinter", "pellet", "lump_ore", "coke", "nut_coke", "limestone"):
        assert defaults.bulk_density_t_per_m3[material] > 0
    assert 0 < defaults.shrinkage < 0.5
    assert "bulk_density:coke" in defaults.provisional
    assert "bulk_density:sinter" not in defaults.provisional


def _casts() -> pd.DataFrame:
    # casts end at 150, 210, 270, 330 min
    ends = [150, 210, 270, 330]
    return pd.DataFrame({
        "cast_id": [str(n) for n in range(1, 5)],
        "start": [T0 + pd.Timedelta(minutes=e - 40) for e in ends],
        "end": [T0 + pd.Timedelta(minutes=e) for e in ends],
        "hot_metal_silicon_percent": [0.45, 0.50, 0.42, 0.47],
    })


def test_production_windows_run_from_the_previous_cast_end():
    windows = production_windows(_casts())
    assert windows.loc[1, "window_start"] == T0 + pd.Timedelta(minutes=150)
    assert windows.loc[1, "window_end"] == T0 + pd.Timedelta(minutes=210)
    assert bool(windows.loc[0, "window_estimated"]) and not windows.loc[1, "window_estimated"]


def test_trace_cast_walks_back_to_the_charges_that_arrived_in_its_window_and_forward():
    charges = _charges(40)
    analyses = pd.DataFrame({"lot_id": ["S1", "S2", "K2"], "material": ["sinter", "sinter", "coke"],
                             "sampled_at": [T0] * 3, "component": ["fe_total", "fe_total", "ash"],
                             "value": [57.0, 58.0, 12.0], "unit": ["%", "%", "%"]})
    cast_analyses = pd.DataFrame({"cast_id": ["2", "2"], "sampled_at": [T0 + pd.Timedelta(minutes=200)] * 2,
                                  "sample": ["hot_metal", "slag"], "component": ["silicon", "basicity"],
                                  "value": [0.5, 1.2], "unit": ["%", "dimensionless"]})
    destinations = pd.DataFrame({"cast_id": ["2"], "vessel_id": ["TPC-07"], "vessel_kind": ["torpedo"],
                                 "mass_t": [300.0], "filled_at": [T0 + pd.Timedelta(minutes=210)],
                                 "steelmaking_heat_id": ["BOF1-4711"],
                                 "delivered_at": [T0 + pd.Timedelta(minutes=260)]})
    alerts = pd.DataFrame({"rule": ["hanging", "slip", "cold_hearth"],
                           "raised_at": [T0 + pd.Timedelta(minutes=m) for m in (30, 5, 400)],
                           "cleared_at": [T0 + pd.Timedelta(minutes=m) for m in (60, 10, 410)]})
    trace = trace_cast(2, _casts(), charges, working_volume_m3=200.0, **KNOWN,
                       material_analyses=analyses, cast_analyses=cast_analyses, destinations=destinations,
                       alerts=alerts)
    # window (150, 210] min; a charge arrives 100 min after it is charged: charged in (50, 110] min,
    # i.e. charges 6..11 (every 10 min from 0)
    assert trace.charges["charge_id"].tolist() == [f"C{n:03d}" for n in range(6, 12)]
    assert trace.residence_time_h == pytest.approx(100 / 60)
    assert trace.burden_window == (T0 + pd.Timedelta(minutes=60), T0 + pd.Timedelta(minutes=210))
    sinter = trace.lots[trace.lots["material"] == "sinter"].set_index("lot_id")
    assert sinter.loc["S1", "mass_t"] == pytest.approx(80.0)
    assert sinter.loc["S2", "mass_t"] == pytest.approx(40.0)
    assert sinter["share_of_material_percent"].sum() == pytest.approx(100.0)
    assert trace.destinations["steelmaking_heat_id"].tolist() == ["BOF1-4711"]
    assert trace.alerts["rule"].tolist() == ["hanging"]  # slip cleared before, cold_hearth after
    assert set(trace.hot_metal_analyses["sample"]) == {"hot_metal", "slag"}
    # lots K1 (charges 6..9 -> K1, 10..11 -> K2) lack analysis except K2 and the sinter lots
    assert [m.key for m in trace.missing] == ["trace_lots_without_analysis"]
    assert "K1" in str(trace.missing[0])
    assert trace.provisional == ()  # every density and the shrinkage were given


def test_trace_cast_says_what_the_records_lack_and_uses_provisional_defaults():
    trace = trace_cast("1", _casts(), _charges(40), working_volume_m3=200.0)
    keys = {m.key for m in trace.missing}
    assert {"trace_window_estimated", "trace_cast_without_analysis", "trace_no_destination"} <= keys
    assert "shrinkage:all" in trace.provisional and "bulk_density:coke" in trace.provisional
    assert "出铁" in trace.missing[0].render("zh")


def test_trace_cast_before_the_charge_records_reports_no_charges():
    late = _charges(40)
    late["charged_at"] = late["charged_at"] + pd.Timedelta(hours=10)
    trace = trace_cast("3", _casts(), late, working_volume_m3=200.0, bulk_density_t_per_m3=DENSITY)
    assert trace.charges.empty and trace.burden_window is None
    assert "trace_no_charges" in {m.key for m in trace.missing}
    assert np.isnan(trace.residence_time_h)


def test_unknown_cast_is_refused():
    with pytest.raises(UnknownKeyError, match="cast_id"):
        trace_cast("99", _casts(), _charges(5), working_volume_m3=200.0)


def test_trace_lot_finds_the_casts_a_lot_went_into():
    charges = _charges(40)
    lot = trace_lot("S2", _casts(), charges, working_volume_m3=200.0, **KNOWN)
    # lot S2: charges 10..39 (20 t each) arrive at 200..490 min; cast windows (150,210], (210,270], (270,330]
    per_cast = lot.casts.set_index("cast_id")["lot_mass_t"]
    assert per_cast.to_dict() == {"2": 40.0, "3": 120.0, "4": 120.0}
    assert lot.materials == ("sinter",)
    # charges 24..39 are not in a cast (arrived after the last cast, or not yet arrived)
    assert [m.key for m in lot.missing] == ["trace_lot_charges_unassigned"]
    assert "16 charges" in str(lot.missing[0])


def test_trace_lot_and_trace_cast_agree():
    charges = _charges(40)
    lot = trace_lot("K2", _casts(), charges, working_volume_m3=200.0, shrinkage=0.1,
                    bulk_density_t_per_m3=DENSITY)
    for cast_id, mass in lot.casts.set_index("cast_id")["lot_mass_t"].items():
        trace = trace_cast(cast_id, _casts(), charges, working_volume_m3=200.0, shrinkage=0.1,
                           bulk_density_t_per_m3=DENSITY)
        assert trace.lots.set_index("lot_id").loc["K2", "mass_t"] == pytest.approx(mass)


def test_unknown_lot_is_refused():
    with pytest.raises(UnknownKeyError, match="lot_id"):
        trace_lot("nope", _casts(), _charges(5), working_volume_m3=200.0)


def test_charge_records_ending_too_early_are_said():
    # 25 charges: the last arrival that can be computed is charge 14's (140 + 100 = 240 min), but
    # cast 3's window runs to 270 min: charges after it may belong to the cast
    trace = trace_cast("3", _casts(), _charges(25), working_volume_m3=200.0, **KNOWN)
    assert "trace_records_end" in {m.key for m in trace.missing}
    assert trace.charges["charge_id"].tolist() == ["C012", "C013", "C014"]
    complete = trace_cast("2", _casts(), _charges(25), working_volume_m3=200.0, **KNOWN)
    assert "trace_records_end" not in {m.key for m in complete.missing}
