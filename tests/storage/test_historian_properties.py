"""Property: whatever the sequence of writes, flushes, compactions and re-opens, a query returns
exactly what a plain pandas de-duplication (last write wins) of everything written returns."""

from __future__ import annotations

import tempfile

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from greenmet.storage import Historian, queries

TAGS = ["blast_volume", "top_pressure", "hot_blast_temperature"]
BASE = pd.Timestamp("2025-03-01T00:00:00Z")
# few distinct instants, on both sides of two UTC midnights, so duplicates and late points abound
OFFSETS_S = [0, 1, 2, 3600, 86_399, 86_400, 86_401, 172_799.5, 172_800]

point = st.tuples(st.sampled_from(TAGS), st.sampled_from(OFFSETS_S),
                  st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
                  st.sampled_from([0, 64, 128]))
operation = st.one_of(
    st.tuples(st.just("write"), st.lists(point, min_size=1, max_size=12)),
    st.tuples(st.just("flush"), st.none()),
    st.tuples(st.just("compact"), st.none()),
    st.tuples(st.just("reopen"), st.none()),
)


def _frame(points) -> pd.DataFrame:
    return pd.DataFrame({
        "ts": [BASE + pd.Timedelta(seconds=offset) for _, offset, _, _ in points],
        "tag": [tag for tag, _, _, _ in points],
        "value": [value for _, _, value, _ in points],
        "quality": np.array([quality for _, _, _, quality in points], dtype=np.uint8),
    })


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=10))
def test_any_sequence_of_operations_equals_pandas_dedup(operations):
    written: list[pd.DataFrame] = []
    with tempfile.TemporaryDirectory() as root:
        historian = Historian(root, "plant1", "bf1")
        try:
            for kind, argument in operations:
                if kind == "write":
                    frame = _frame(argument)
                    historian.write(frame)
                    written.append(frame)
                elif kind == "flush":
                    historian.flush()
                elif kind == "compact":
                    historian.compact()
                else:
                    historian.close()
                    historian = Historian(root, "plant1", "bf1")
        finally:
            historian.close()
        points = queries.open_points(root, "plant1", "bf1")
        stored = queries.run(queries.raw_range(points, TAGS, BASE, BASE + pd.Timedelta(days=3)))
        rollups = queries.open_rollups(root, "plant1", "bf1", backend=points.get_backend())
        if rollups is not None:  # the roll-ups kept beside the parts agree with the points
            window = (BASE, BASE + pd.Timedelta(days=3))
            from_points = queries.run(queries.bucketed(points, TAGS, *window, bucket_s=3600))
            from_rollups = queries.run(queries.bucketed(points, TAGS, *window, bucket_s=3600,
                                                        rollups=rollups))
            # means differ only by summation order: |values| <= 1e6, so well under 1e-6
            pd.testing.assert_frame_equal(from_points, from_rollups, check_exact=False, rtol=1e-9,
                                          atol=1e-6)
    if not written:
        assert stored.empty
        return
    expected = (pd.concat(written, ignore_index=True)
                .drop_duplicates(["tag", "ts"], keep="last")
                .sort_values(["tag", "ts"], ignore_index=True))
    assert stored["tag"].tolist() == expected["tag"].tolist()
    assert stored["ts"].tolist() == expected["ts"].tolist()
    np.testing.assert_array_equal(stored["value"].to_numpy(), expected["value"].to_numpy())
    assert stored["quality"].tolist() == expected["quality"].tolist()
