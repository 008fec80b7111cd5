"""The detectors on the simulator: each fault kind found where and when it was injected, nothing else.

One furnace (2500 m3 preset, seed 3) learns its normal from its first twelve hours; the faults of
each scenario start after that, so every test sees the same furnace it was fitted on. Hours are
simulated, not days (about 20 s in all); the month-long grading is
``benchmarks/detection_grading.py``.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from greenmet.blast_furnace.simulator import FurnaceSimulator, Scenario, preset
from greenmet.errors import InputError
from greenmet.monitoring.detectors import (
    DetectorSet,
    HangingDetector,
    ThermalStateDetector,
    default_detectors,
)

FIT_H = 12
FIT_S = FIT_H * 3600
SEED = 3
CONFIG = preset("2500m3")


def _scenario(faults, sensor_faults=()):
    return Scenario.from_mapping(
        {"faults": list(faults), "sensor_faults": list(sensor_faults), "random_sensor_faults_per_day": 0}
    )


@pytest.fixture(scope="module")
def normal():
    sim = FurnaceSimulator(CONFIG, _scenario([]), seed=SEED)
    return next(sim.run(FIT_S, chunk_steps=FIT_S)).frame()


@pytest.fixture(scope="module")
def fitted(normal):
    detectors = default_detectors(normal.columns)
    detectors.fit(normal)
    return detectors


def _run(fitted, scenario, hours, chunk_s=3600):
    """Simulate the fitted furnace through its normal hours, then stream ``hours`` more."""
    detectors = copy.deepcopy(fitted)
    sim = FurnaceSimulator(CONFIG, scenario, seed=SEED)
    for _ in sim.run(FIT_S, chunk_steps=FIT_S):
        pass
    events = []
    for chunk in sim.run(int(hours * 3600), chunk_steps=chunk_s):
        events.extend(detectors.step(chunk.frame()))
    return events, sim.labels()


def _raised(events):
    return [e for e in events if e.state == "raised"]


def _at(offset):
    return pd.Timestamp("2026-01-01T00:00:00Z") + pd.Timedelta(offset)


FAST = _scenario(
    [
        {"fault": "hanging", "start": "12h10min", "duration": "25min", "severity": 0.6},
        {"fault": "slip", "start": "13h", "duration": "10min", "severity": 0.6},
        {"fault": "channelling", "start": "13h40min", "duration": "25min", "severity": 0.6, "location": 3},
        {"fault": "tuyere_leak", "start": "14h20min", "duration": "30min", "severity": 0.6, "location": 7},
        {
            "fault": "stockrod_failure",
            "start": "15h10min",
            "duration": "10min",
            "severity": 1.0,
            "location": 2,
        },
    ],
    [
        {"kind": "stuck", "tag": "blast_temperature", "start": "12h30min", "duration": "5min"},
        {"kind": "dropout", "tag": "hearth_temperature_t05", "start": "13h20min", "duration": "2min"},
        {"kind": "spike", "tag": "stave_water_flow_r04", "start": "14h", "duration": "10min"},
    ],
)


@pytest.fixture(scope="module")
def fast_run(fitted):
    return _run(fitted, FAST, 3.5)


def test_every_fast_fault_is_found_once_at_its_place_and_nothing_else(fast_run):
    events, labels = fast_run
    raised = _raised(events)
    found = sorted((e.fault_kind, e.location) for e in raised)
    assert found == sorted(
        [
            ("hanging", None),
            ("slip", None),
            ("channelling", "uptake_03"),
            ("tuyere_leak", "tuyere_07"),
            ("stockrod_failure", "stockrod_02"),
            ("sensor_stuck", "blast_temperature"),
            ("sensor_dropout", "hearth_temperature_t05"),
            ("sensor_spike", "stave_water_flow_r04"),
        ]
    )
    for event in raised:
        label = labels[labels["fault"] == event.fault_kind].iloc[0]
        assert label["start"] - pd.Timedelta("1min") <= event.started_at <= label["end"], event
    categories = {e.fault_kind: e.category for e in raised}
    assert categories["hanging"] == "process" and categories["sensor_stuck"] == "equipment"
    assert categories["stockrod_failure"] == "equipment"


def test_each_alert_is_raised_then_cleared_with_one_key(fast_run):
    events, _ = fast_run
    by_key = {}
    for event in events:
        by_key.setdefault(event.key, []).append(event.state)
    for key, states in by_key.items():
        assert states[0] == "raised" and states.count("raised") == 1, key
        assert states.count("cleared") <= 1 and (states[-1] == "cleared" or "cleared" not in states), key
    hanging = [e for e in events if e.fault_kind == "hanging"]
    assert hanging[-1].state == "cleared"
    assert hanging[0].evidence[0].tag == "stockrod_descent_rate" and hanging[0].evidence[0].comparison == "<"
    assert hanging[0].countermeasures and hanging[0].message_zh.startswith("悬料")


def test_the_same_alerts_whatever_the_chunk_size(fitted):
    # the simulator's noise depends on its own chunking: simulate once, feed in two chunkings
    scenario = _scenario(
        [{"fault": "hanging", "start": "12h10min", "duration": "20min", "severity": 0.7}],
        [{"kind": "stuck", "tag": "top_gas_co", "start": "12h20min", "duration": "3min"}],
    )
    sim = FurnaceSimulator(CONFIG, scenario, seed=SEED)
    for _ in sim.run(FIT_S, chunk_steps=FIT_S):
        pass
    frame = next(sim.run(2700, chunk_steps=2700)).frame()
    results = []
    for size in (2700, 97):
        detectors = copy.deepcopy(fitted)
        results.append(
            [
                e
                for start in range(0, len(frame), size)
                for e in detectors.step(frame.iloc[start : start + size])
            ]
        )
    hourly, small = results
    assert {e.fault_kind for e in hourly} == {"hanging", "sensor_stuck"}
    # the same events at the same seconds; evidence values agree to rounding (window sums are
    # taken from different starting points)
    assert [(e.key, e.state, e.at, e.severity) for e in hourly] == [
        (e.key, e.state, e.at, e.severity) for e in small
    ]
    for one, other in zip(hourly, small, strict=True):
        assert [x.value for x in one.evidence] == pytest.approx(
            [x.value for x in other.evidence], rel=1e-6, abs=1e-3
        )


SLOW = _scenario(
    [
        {"fault": "scaffolding", "start": "12h10min", "duration": "2h", "severity": 1.0, "location": 5},
        {
            "fault": "hearth_wall_temperature_rise",
            "start": "14h30min",
            "duration": "2h",
            "severity": 1.0,
            "location": 9,
        },
        {"fault": "cold_hearth", "start": "17h", "duration": "3h", "severity": 1.0},
    ]
)


def test_slow_faults_are_found_at_their_place(fitted):
    events, _ = _run(fitted, SLOW, 8.5)
    found = {(e.fault_kind, e.location) for e in _raised(events)}
    assert ("scaffolding", "stave_row_05") in found
    assert ("hearth_wall_temperature_rise", "hearth_thermocouple_09") in found
    assert ("cold_hearth", None) in found
    assert all(kind in {"scaffolding", "hearth_wall_temperature_rise", "cold_hearth"} for kind, _ in found), (
        found
    )


def test_a_normal_stretch_raises_nothing(fitted):
    events, _ = _run(fitted, _scenario([]), 1.0)
    assert events == []


def test_detectors_refuse_to_run_unfitted_or_on_too_little_normal(normal):
    rods = ["stockrod_level_1", "stockrod_level_2", "stockrod_level_3"]
    with pytest.raises(InputError, match="has not learnt"):
        HangingDetector(rods).step(normal.iloc[:10])
    with pytest.raises(InputError, match="at least"):
        HangingDetector(rods).fit(normal.iloc[:600])
    with pytest.raises(InputError, match="direction"):
        ThermalStateDetector("lukewarm", top_temperatures=[], stave_temperatures=[], hearth_temperatures=[])


def test_default_detectors_name_the_tags_a_furnace_lacks(normal):
    lacking = [tag for tag in normal.columns if not tag.startswith(("stockrod_level", "tuyere_water_outlet"))]
    detectors = default_detectors(lacking)
    missing = detectors.missing
    assert set(missing) == {"hanging", "slip", "stockrod_failure", "tuyere_leak"}
    assert "stockrod_level_1" in missing["hanging"]
    assert "tuyere_water_outlet_flow_t01" in missing["tuyere_leak"]
    assert isinstance(detectors, DetectorSet) and len(detectors.runnable) == 7


def test_gaps_hold_the_state_instead_of_clearing(fitted, normal):
    detectors = copy.deepcopy(fitted)
    gap = normal.iloc[:600].copy()
    gap.index = gap.index + pd.Timedelta(hours=5)
    gap.loc[:, :] = np.nan
    # a gap in every tag gives dropouts (equipment), never a process alert
    kinds = {e.fault_kind for e in detectors.step(gap)}
    assert kinds == {"sensor_dropout"}


def test_a_detector_that_cannot_learn_is_set_aside_with_its_reason(normal):
    detectors = default_detectors(normal.columns)
    detectors.fit(normal.iloc[: 6 * 3600])  # the thermal-state detectors need 12 h
    assert set(detectors.unfitted) == {"cold_hearth", "hot_furnace"}
    assert "12" in detectors.unfitted["cold_hearth"] or "43200" in detectors.unfitted["cold_hearth"]
    assert "cold_hearth" not in {d.name for d in detectors.runnable}
    table = detectors.coverage().set_index("detector")
    assert not table.loc["hot_furnace", "runnable"] and table.loc["hanging", "runnable"]
