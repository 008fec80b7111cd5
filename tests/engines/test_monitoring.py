"""The monitoring engine without a network: the grid, the pivot, late points, replay, the minute hook."""

from __future__ import annotations

import asyncio

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from greenmet.engines.monitoring import AlertSink, MonitoringEngine, monitor_live, read_wide, replay
from greenmet.errors import InputError, StorageError
from greenmet.storage import Historian, queries
from greenmet.storage.alerts import list_alerts, open_records
from greenmet.storage.points import POINT_SCHEMA
from tiny_detectors import AboveReference, NeedsAbsentTag

T0 = pd.Timestamp("2026-01-01T08:00:20.300Z")  # not on the grid: the first chunk starts at 08:00:00
TAGS = ["blast_temperature", "top_pressure", "hearth_temperature_t01"]


def _points(seconds: int = 720, seed: int = 1) -> pd.DataFrame:
    """About ``seconds`` s of samples: jittered stamps, two samples in some seconds, a bad
    sample now and then, a 40 s gap in one tag, and a tag the engine does not know."""
    rng = np.random.default_rng(seed)
    rows = []
    for number, tag in enumerate([*TAGS, "tag_nobody_reads"]):
        stamps = T0 + pd.to_timedelta(np.arange(seconds) + rng.uniform(0, 0.4, seconds), unit="s")
        extra = T0 + pd.to_timedelta(np.arange(0, seconds, 7) + 0.7, unit="s")  # a second sample
        times = stamps.append(extra)
        t = (times - T0).total_seconds().to_numpy()
        value = 1200 + 5 * np.sin(2 * np.pi * t / 120) + number * 50 + rng.normal(0, 0.2, t.size)
        quality = np.where(rng.random(t.size) < 0.02, 128, np.where(rng.random(t.size) < 0.02, 64, 0))
        keep = ~((t > 300) & (t < 340)) if tag == "top_pressure" else np.ones(t.size, bool)
        rows.append(
            pd.DataFrame(
                {
                    "ts": times[keep],
                    "tag": tag,
                    "value": value[keep],
                    "quality": quality[keep].astype("uint8"),
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True)
    frame["ts"] = frame["ts"].astype("datetime64[us, UTC]")
    return frame.sort_values(["ts", "tag"], ignore_index=True)


def _table(frame: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(frame, schema=POINT_SCHEMA, preserve_index=False)


def _engine(chunk_s: int = 60, mode: str = "live", **options) -> tuple[MonitoringEngine, AboveReference]:
    detector = AboveReference("blast_temperature")
    engine = MonitoringEngine(
        [detector, NeedsAbsentTag()], [*TAGS, "tag_nobody_reads"], chunk_s=chunk_s, mode=mode, **options
    )
    return engine, detector


def _live(
    frame: pd.DataFrame,
    batches: list[int],
    *,
    lateness_s: float = 10.0,
    disorder_s: float = 0.0,
    seed: int = 0,
    **options,
):
    """Push ``frame`` in batches of the given sizes, arrival order perturbed by up to disorder_s."""
    engine, detector = _engine(lateness_s=lateness_s, **options)
    rng = np.random.default_rng(seed)
    arrival = frame["ts"].astype("int64").to_numpy() + rng.uniform(0, disorder_s * 1e6, len(frame))
    ordered = frame.iloc[np.argsort(arrival, kind="stable")]
    events, position = [], 0
    for size in batches:
        found, _ = engine.push(_table(ordered.iloc[position : position + size]))
        events.extend(found)
        position += size
        if position >= len(ordered):
            break
    if position < len(ordered):
        events.extend(engine.push(_table(ordered.iloc[position:]))[0])
    events.extend(engine.finish()[0])
    return engine, detector, events


def _same_frames(first: list[pd.DataFrame], second: list[pd.DataFrame]) -> None:
    assert len(first) == len(second)
    for one, other in zip(first, second, strict=True):
        pd.testing.assert_frame_equal(one, other)


def test_the_pivot_keeps_the_latest_sample_of_each_second_and_bad_samples_are_gaps():
    base = pd.Timestamp("2026-01-01T00:00:00Z")
    frame = pd.DataFrame(
        {
            "ts": [base + pd.Timedelta(s) for s in ("0.9s", "0.2s", "1.5s", "3.0s", "3.1s", "2.0s", "4.4s")],
            "tag": ["blast_temperature"] * 5 + ["top_pressure", "blast_temperature"],
            "value": [2.0, 1.0, 3.0, 4.0, 5.0, 7.0, 6.0],
            "quality": np.array([0, 0, 64, 0, 128, 0, 0], dtype="uint8"),
        }
    )
    detector = AboveReference("blast_temperature")
    engine = MonitoringEngine([detector], ["blast_temperature", "top_pressure"], chunk_s=10)
    engine.push(_table(frame))
    engine.finish()
    [chunk] = detector.chunks
    assert chunk.index.tolist() == [base + pd.Timedelta(seconds=s) for s in range(5)]
    assert str(chunk.index.tz) == "UTC"
    # 0.2 s and 0.9 s fall in second 0: the later one counts; 1.5 s is uncertain, kept;
    # 3.1 s is bad: it is the latest of second 3, so second 3 is a gap (not the older 4.0)
    np.testing.assert_array_equal(chunk["blast_temperature"].to_numpy(), [2.0, 3.0, np.nan, np.nan, 6.0])
    assert list(chunk.columns) == ["blast_temperature"]  # only what the detectors read


@settings(max_examples=15)
@given(batches=st.lists(st.integers(1, 3000), min_size=1, max_size=30), seed=st.integers(0, 1000))
def test_batches_of_any_size_and_order_cut_the_same_chunks(batches, seed):
    frame = _points(seconds=400)
    _, reference, reference_events = _live(frame, [len(frame)])
    engine, detector, events = _live(frame, batches, disorder_s=5.0, seed=seed)
    assert engine.report.late_points == 0
    _same_frames(reference.chunks, detector.chunks)
    assert events == reference_events


def test_a_replay_of_the_historian_gives_the_live_alerts(tmp_path):
    frame = _points()
    engine, detector, live_events = _live(frame, [997] * 40, disorder_s=3.0)
    assert engine.report.missing == {"needs_absent_tag": ["tag_the_furnace_lacks"]}
    assert {event.state for event in live_events} == {"raised", "cleared"} and len(live_events) >= 6
    with Historian(tmp_path, "plant1", "bf1") as historian:
        historian.write(_table(frame))
    start, end = engine.report.first_time, engine.report.end_time
    # the grid starts at the first point's second: no empty seconds before the data (they would
    # read as every sensor dropping out at each start)
    assert detector.chunks[0].iloc[0].notna().any()
    assert pd.Timestamp(start) < frame["ts"].min() + pd.Timedelta(seconds=4)  # within the disorder
    replayed, replay_detector = _engine(mode="replay")
    events = replay(replayed, tmp_path, "plant1", "bf1", start, end, window_s=180)
    _same_frames(detector.chunks, replay_detector.chunks)
    assert events == live_events
    assert replayed.report.chunks == engine.report.chunks and replayed.report.samples == engine.report.samples
    # detectors that do not depend on the chunk length give the same alerts with longer chunks
    longer, _ = _engine(chunk_s=600, mode="replay")
    assert replay(longer, tmp_path, "plant1", "bf1", start, end) == live_events


def test_points_for_a_chunk_already_processed_are_counted_late_not_used():
    frame = _points(seconds=200)
    early = frame[frame["ts"] < T0 + pd.Timedelta("100s")]
    engine, detector = _engine(chunk_s=10, lateness_s=5.0)
    engine.push(_table(early))
    processed = engine.report.chunks
    straggler = early[early["tag"] == "blast_temperature"].head(3)
    engine.push(_table(straggler))
    assert engine.report.late_points == 3
    assert engine.report.chunks == processed
    engine.finish()
    # 10 s chunks: from 08:00:20 (the first point's window) to 08:01:59, the last second seen
    assert detector.chunks[0].index[0] == pd.Timestamp("2026-01-01T08:00:20Z")
    assert sum(len(chunk) for chunk in detector.chunks) == 100


class _MinuteMean:
    """A minute calculation: the mean of each minute of one tag, as a derived tag."""

    def __init__(self) -> None:
        self.given: list[pd.DataFrame] = []

    def step(self, seconds: pd.DataFrame) -> pd.DataFrame:
        self.given.append(seconds)
        means = seconds["blast_temperature"].resample("1min").mean()
        return pd.DataFrame(
            {
                "ts": means.index,
                "tag": "calc_blast_temperature_mean",
                "value": means.to_numpy(),
                "quality": np.zeros(len(means), "uint8"),
            }
        )


@pytest.mark.parametrize("chunk_s", [20, 60])
def test_the_minute_calculation_gets_each_complete_minute_once_with_every_measured_tag(chunk_s):
    frame = _points(seconds=390)  # 08:00:20.3 to 08:06:49.x
    calculation = _MinuteMean()
    engine, _ = _engine(chunk_s=chunk_s, minute_calculation=calculation)
    derived = []
    for batch in np.array_split(np.arange(len(frame)), 37):
        result = engine.push(_table(frame.iloc[batch]))[1]
        if result is not None:
            derived.append(result)
    result = engine.finish()[1]
    if result is not None:
        derived.append(result)
    given = pd.concat(calculation.given)
    minutes = given.index.floor("min")
    # whole minutes, in order, each once; 08:00 and 08:06, which the run started and stopped
    # in, are not handed over
    assert given.index.is_monotonic_increasing and given.index.is_unique
    assert (pd.Series(1, index=given.index).groupby(minutes).count() == 60).all()
    assert minutes[0] == pd.Timestamp("2026-01-01T08:01:00Z") and minutes[-1] == pd.Timestamp(
        "2026-01-01T08:05:00Z"
    )
    assert set(given.columns) == {*TAGS, "tag_nobody_reads"}
    points = pa.concat_tables(derived)
    assert points.schema == POINT_SCHEMA and points.num_rows == 5
    assert engine.report.derived_points == 5
    # a derived tag fed back to the engine (the ingestion publishes it) is not an input
    engine2, _ = _engine(chunk_s=20, minute_calculation=_MinuteMean())
    assert "calc_blast_temperature_mean" not in engine2.pivot_tags


def test_read_wide_gives_the_engines_pivot_of_a_range(tmp_path):
    frame = _points(seconds=120)
    with Historian(tmp_path, "plant1", "bf1") as historian:
        historian.write(_table(frame))
    wide = read_wide(
        tmp_path,
        "plant1",
        "bf1",
        ["top_pressure", "blast_temperature"],
        "2026-01-01T08:00:30Z",
        "2026-01-01T08:01:30Z",
    )
    assert list(wide.columns) == ["blast_temperature", "top_pressure"] and len(wide) == 60
    assert wide.index[0] == pd.Timestamp("2026-01-01T08:00:30Z")
    second = frame[(frame["tag"] == "top_pressure") & (frame["ts"].dt.floor("s") == wide.index[5])]
    latest = second.sort_values("ts").iloc[-1]
    expected = np.nan if latest["quality"] == 128 else latest["value"]
    np.testing.assert_equal(wide["top_pressure"].iloc[5], expected)


def test_bad_settings_and_input_name_the_field(tmp_path):
    with pytest.raises(InputError, match="chunk_s"):
        _engine(chunk_s=7)
    with pytest.raises(InputError, match="lateness_s"):
        _engine(lateness_s=-1)
    with pytest.raises(InputError, match="mode"):
        _engine(mode="dream")
    engine, _ = _engine()
    with pytest.raises(InputError, match="window_s"):
        replay(engine, tmp_path, "plant1", "bf1", "2026-01-01T00:00:00Z", "2026-01-01T01:00:00Z", window_s=90)
    with pytest.raises(InputError, match="empty"):
        replay(engine, tmp_path, "plant1", "bf1", "2026-01-01T01:00:00Z", "2026-01-01T01:00:00Z")
    naive = _points(seconds=5).assign(ts=lambda f: f["ts"].dt.tz_localize(None))
    with pytest.raises(InputError, match=r"points\.ts"):
        engine.push(pa.Table.from_pandas(naive, preserve_index=False))
    with pytest.raises(InputError, match="quality"):
        engine.push(
            pa.table({"ts": pa.array([0], pa.timestamp("us", tz="UTC")), "tag": ["x"], "value": [1.0]})
        )


class _FakeIngest:
    """Stands in for OpcUaIngest: publishes the given batches on its live feed, then stops."""

    def __init__(self, batches: list[pa.Table], root) -> None:
        from greenmet.ingest.live import LiveFeed

        self.feed = LiveFeed()
        self.batches = batches
        self.historian_root, self.historian_options = root, {}
        self.written: list[pa.Table] = []

    async def run(self, duration_s=None):
        import datetime as dt

        from greenmet.ingest.live import LiveBatch

        self.feed.reopen()
        for batch in self.batches:
            self.feed.publish(LiveBatch("plant1", "bf1", batch, dt.datetime.now(dt.UTC)))
            await asyncio.sleep(0)
        self.feed.close()
        return {}

    async def write_points(self, site, furnace, points):
        self.written.append(points)
        return points.num_rows


def test_monitor_live_goes_on_after_a_bad_batch_and_stores_every_event(tmp_path):
    frame = _points(seconds=280)  # to 08:04:59.x: the last minute completes when the run ends
    parts = [_table(frame.iloc[rows]) for rows in np.array_split(np.arange(len(frame)), 9)]
    broken = pa.table({"ts": pa.array([0], pa.timestamp("us", tz="UTC")), "tag": ["x"], "value": [1.0]})
    ingest = _FakeIngest([*parts[:4], broken, *parts[4:]], tmp_path / "h")
    engine, _ = _engine(chunk_s=20, minute_calculation=_MinuteMean())
    seen = []
    report = asyncio.run(
        monitor_live(
            ingest, engine, "plant1", "bf1", records_path=tmp_path / "r.duckdb", on_events=seen.extend
        )
    )
    assert report.errors == 1 and "quality" in report.last_error
    _, _, expected = _live(frame, [len(frame)], chunk_s=20)
    assert seen == expected and len(expected) >= 3
    with open_records(tmp_path / "r.duckdb") as store:
        assert len(list_alerts(store)) == len({event.key for event in expected})
    # derived minutes went through the ingestion while it ran, the last ones (processed after the
    # ingestion let go of the writer) into the historian directly
    through_ingest = sum(table.num_rows for table in ingest.written)
    points = queries.open_points(tmp_path / "h", "plant1", "bf1")
    after = len(queries.run(points.filter(points.tag == "calc_blast_temperature_mean")))
    assert (through_ingest, after) == (3, 1) and report.derived_points == 4  # 08:01-08:03, 08:04


def test_the_alert_sink_keeps_events_while_the_records_file_is_held(tmp_path, monkeypatch):
    import greenmet.engines.monitoring as monitoring

    held = [True]
    real = monitoring.open_records

    def open_or_held(path, wait_s):
        if held[0]:
            raise StorageError(
                "another process held the records file", field="path", value=str(path), fix="retry"
            )
        return real(path, wait_s=wait_s)

    monkeypatch.setattr(monitoring, "open_records", open_or_held)
    _, _, events = _live(_points(seconds=400), [10_000])
    seen = []
    sink = AlertSink(tmp_path / "r.duckdb", "plant1", "bf1", on_events=seen.extend)
    sink.deliver(events[:2])
    assert sink.pending == events[:2] and seen == events[:2]
    with pytest.raises(StorageError, match="held"):
        sink.deliver(events[2:3], final=True)  # the last delivery does not drop them silently
    held[0] = False
    sink.deliver(events[3:])
    assert sink.pending == [] and seen == events
    with open_records(tmp_path / "r.duckdb") as store:
        stored = list_alerts(store, limit=None)
    assert len(stored) == len({event.key for event in events})
    assert set(stored["state"]) == {events[-1].state} | {"cleared"}


def test_a_detector_reading_derived_tags_live_is_warned_about(caplog):
    with caplog.at_level("WARNING", logger="greenmet.engines.monitoring"):
        MonitoringEngine([AboveReference("calc_fuel_rate_kg_per_thm")], ["calc_fuel_rate_kg_per_thm"])
    assert "derived tags ['calc_fuel_rate_kg_per_thm']" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="greenmet.engines.monitoring"):
        MonitoringEngine(
            [AboveReference("calc_fuel_rate_kg_per_thm")], ["calc_fuel_rate_kg_per_thm"], mode="replay"
        )
    assert caplog.text == ""


def test_one_tag_with_a_clock_far_ahead_does_not_close_the_chunks_of_the_others():
    frame = _points(seconds=300)
    detector = AboveReference("blast_temperature")
    # three tags in the chunks: the watermark is the median of their newest samples
    engine = MonitoringEngine(
        [detector, AboveReference("top_pressure"), AboveReference("hearth_temperature_t01")],
        TAGS,
        chunk_s=20,
        lateness_s=10.0,
    )
    engine.push(_table(frame[frame["ts"] < T0 + pd.Timedelta("60s")]))
    processed = engine.report.chunks
    ahead = pd.DataFrame(
        {
            "ts": [T0 + pd.Timedelta(days=1)],
            "tag": ["top_pressure"],
            "value": [1.0],
            "quality": np.array([0], "uint8"),
        }
    )
    engine.push(_table(ahead))
    assert engine.report.chunks == processed  # one tag alone does not move the watermark
    engine.push(_table(frame[frame["ts"] >= T0 + pd.Timedelta("60s")]))
    engine.finish()
    assert engine.report.late_points == 0
    # the chunks end where the tags' newest samples are (08:05:19), not a day later
    assert engine.report.end_time == "2026-01-01T08:05:20+00:00"
    assert sum(len(chunk) for chunk in detector.chunks) == 300  # 08:00:20 to 08:05:19
