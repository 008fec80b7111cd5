"""The alert event, the shared hysteresis (Episodes) and DetectorSet."""

import numpy as np
import pandas as pd
import pytest

from greenmet.errors import InputError
from greenmet.monitoring.alerts import AlertEvent, Evidence, countermeasure_text
from greenmet.monitoring.detectors import DetectorSet, Episodes, check_frame

T0 = pd.Timestamp("2026-01-01", tz="UTC")


def _index(n, start=T0):
    return pd.date_range(start, periods=n, freq="1s")


def _event(**changes):
    fields = dict(detector="d", fault_kind="hanging", category="process", severity="warning", state="raised",
                  started_at=T0, at=T0, evidence=[("pressure_differential", 190.0, 180.0, ">")])
    fields.update(changes)
    return AlertEvent(**fields)


def test_alert_event_normalises_and_serialises():
    event = _event(location="stave_row_05", countermeasures=["state_raised"])
    assert event.evidence == (Evidence("pressure_differential", 190.0, 180.0, ">"),)
    assert event.key == f"d|hanging|stave_row_05|{T0.isoformat()}"
    data = event.to_dict()
    assert data["evidence"][0] == {"tag": "pressure_differential", "value": 190.0, "threshold": 180.0,
                                   "comparison": ">"}
    assert data["countermeasures"] == ["state_raised"]
    assert countermeasure_text("state_raised", "zh") == "报警"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "furnace"}, "category"),
        ({"severity": "high"}, "severity"),
        ({"state": "open"}, "state"),
        ({"at": pd.Timestamp("2026-01-01")}, "at"),
        ({"at": T0 - pd.Timedelta("1s")}, "at"),
        ({"evidence": [("x", 1.0, 2.0, "about")]}, "evidence.comparison"),
        ({"fault_kind": ""}, "fault_kind"),
    ],
)
def test_alert_event_rejects_bad_fields(changes, field):
    with pytest.raises(InputError) as error:
        _event(**changes)
    assert error.value.field == field


def _run(episodes, alarm, clear, level=None, chunk=None):
    alarm, clear = np.asarray(alarm, bool), np.asarray(clear, bool)
    index = _index(len(alarm))
    chunk = chunk or len(alarm)
    events = []
    for start in range(0, len(alarm), chunk):
        part = slice(start, start + chunk)
        levels = None if level is None else level[part]
        for event in episodes.update(index[part], alarm[part], clear[part], levels):
            events.append((event.state, start + event.position, event.level))
    return events


def test_episodes_need_persistence_to_raise_and_to_clear():
    alarm = [0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0]
    clear = [1, 0, 0, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1]
    events = _run(Episodes(raise_after=3, clear_after=3), alarm, clear)
    # the two-sample blip is ignored; raised at the third alarm sample; a gap (neither) keeps the
    # state; one flicker of alarm during clearing does not make a second alert
    assert events == [("raised", 6, 1), ("cleared", 15, 1)]


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7, 17])
def test_episodes_give_the_same_events_whatever_the_chunking(chunk):
    rng = np.random.default_rng(3)
    alarm = rng.random(400) < 0.6
    clear = ~alarm & (rng.random(400) < 0.9)
    level = rng.integers(1, 3, 400)
    whole = _run(Episodes(raise_after=4, clear_after=5), alarm, clear, level)
    assert whole  # the series has episodes
    assert _run(Episodes(raise_after=4, clear_after=5), alarm, clear, level, chunk=chunk) == whole


def test_episodes_report_escalation_once_per_level_and_track_columns():
    episodes = Episodes(2, raise_after=1, clear_after=1)
    index = _index(6)
    alarm = np.array([[1, 0], [1, 0], [1, 1], [1, 1], [0, 1], [0, 0]], bool)
    level = np.array([[1, 1], [2, 1], [2, 2], [1, 2], [1, 2], [1, 1]])
    events = episodes.update(index, alarm, ~alarm, level)
    summary = [(e.state, e.column, e.position, e.level) for e in events]
    assert summary == [
        ("raised", 0, 0, 1), ("updated", 0, 1, 2), ("raised", 1, 2, 2), ("cleared", 0, 4, 2),
        ("cleared", 1, 5, 2),
    ]
    assert events[3].started_at == index[0]


class _Threshold:
    category = "process"

    def __init__(self, name, tag, limit):
        self.name, self.tag, self.limit = name, tag, limit
        self.required_tags = (tag,)
        self.fitted = False
        self.episodes = Episodes(raise_after=2, clear_after=2)

    def fit(self, normal):
        self.fitted = True

    def step(self, chunk):
        values = chunk[self.tag].to_numpy()
        with np.errstate(invalid="ignore"):
            alarm, clear = values > self.limit, values <= self.limit
        return [
            _event(detector=self.name, state=t.state, started_at=t.started_at, at=chunk.index[t.position])
            for t in self.episodes.update(chunk.index, alarm, clear)
        ]


def test_detector_set_runs_what_it_can_and_names_what_is_missing():
    detectors = DetectorSet([_Threshold("a", "x", 1.0), _Threshold("b", "y", 1.0)])
    frame = pd.DataFrame({"x": [0, 2, 2, 2, 0, 0, 0]}, index=_index(7), dtype=float)
    detectors.fit(frame)
    assert [d.name for d in detectors.runnable] == ["a"]
    assert detectors.missing == {"b": ("y",)}
    assert detectors.coverage()["runnable"].tolist() == [True, False]
    events = detectors.step(frame.iloc[:3]) + detectors.step(frame.iloc[3:])
    assert [(e.state, e.at) for e in events] == [("raised", frame.index[2]), ("cleared", frame.index[5])]
    with pytest.raises(InputError, match="does not follow"):
        detectors.step(frame.iloc[:2])


def test_detector_set_reads_a_vanished_column_as_a_gap():
    detectors = DetectorSet([_Threshold("a", "x", 1.0)], tags=["x"])
    first = pd.DataFrame({"x": [2.0, 2.0, 2.0]}, index=_index(3))
    assert [e.state for e in detectors.step(first)] == ["raised"]
    later = pd.DataFrame({"z": [0.0] * 5}, index=_index(5, T0 + pd.Timedelta("3s")))
    assert detectors.step(later) == []  # NaN: neither alarm nor clear


def test_detector_set_rejects_duplicate_names_and_bad_frames():
    with pytest.raises(InputError, match="unique"):
        DetectorSet([_Threshold("a", "x", 1.0), _Threshold("a", "y", 1.0)])
    with pytest.raises(InputError, match="UTC"):
        check_frame(pd.DataFrame({"x": [1.0]}, index=pd.date_range("2026-01-01", periods=1)))
    with pytest.raises(InputError, match="increasing"):
        check_frame(pd.DataFrame({"x": [1.0, 2.0]}, index=_index(2)[::-1]))
