"""kill -9 during ingestion loses nothing acknowledged and duplicates nothing.

A writer subprocess writes numbered batches and prints each batch number once ``write``
returned (acknowledged). The test kills it with SIGKILL at some point, three times in a row on
the same historian (each new writer first replays what the last one left), then counts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest

from greenmet.storage import Historian, queries

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

TAGS = [f"stave_temperature_r01_s{i:02d}" for i in range(5)]
SECONDS_PER_BATCH = 200

WRITER = textwrap.dedent("""
    import sys
    import numpy as np
    import pandas as pd
    from greenmet.storage import Historian

    root, first_batch = sys.argv[1], int(sys.argv[2])
    tags = {tags!r}
    base = pd.Timestamp("2025-03-01T00:00:00Z")

    def batch_frame(batch):
        seconds = np.arange(batch * {seconds}, (batch + 1) * {seconds})
        return pd.DataFrame({{
            "ts": base + pd.to_timedelta(np.repeat(seconds, len(tags)), unit="s"),
            "tag": np.tile(tags, len(seconds)),
            "value": batch * 1e6 + np.arange(len(seconds) * len(tags), dtype=float),
        }})

    historian = Historian(root, "plant1", "bf1", max_buffer_points=3000)
    batch = first_batch
    while True:
        frame = batch_frame(batch)
        if batch % 3 == 2 and batch > first_batch:  # a reconnect re-sends the previous batch
            frame = pd.concat([batch_frame(batch - 1), frame], ignore_index=True)
        historian.write(frame)
        print(batch, flush=True)
        batch += 1
""").format(tags=TAGS, seconds=SECONDS_PER_BATCH)


def _run_and_kill(script, root, first_batch: int, acknowledgements: int) -> list[int]:
    process = subprocess.Popen([sys.executable, str(script), str(root), str(first_batch)],
                               stdout=subprocess.PIPE, text=True)
    acknowledged: list[int] = []
    try:
        while len(acknowledged) < acknowledgements:
            line = process.stdout.readline()
            if not line:
                break
            acknowledged.append(int(line))
        os.kill(process.pid, signal.SIGKILL)
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    acknowledged.extend(int(line) for line in rest.split())
    assert process.returncode == -signal.SIGKILL
    return acknowledged


def test_kill_9_loses_no_acknowledged_point(tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    root = tmp_path / "historian"
    acknowledged: list[int] = []
    first = 0
    for kill_after in (4, 11, 23):
        acknowledged_now = _run_and_kill(script, root, first, kill_after)
        assert len(acknowledged_now) >= kill_after
        acknowledged.extend(acknowledged_now)
        first = max(acknowledged_now) + 2  # leave the batch that may have been in flight alone

    with Historian(root, "plant1", "bf1"):  # replays the last writer's log
        pass
    stored = queries.run(queries.raw_range(queries.open_points(root, "plant1", "bf1"), TAGS,
                                           "2025-03-01T00:00:00Z", "2025-04-01T00:00:00Z"))
    assert not stored.duplicated(["tag", "ts"]).any()
    stored["batch"] = (stored["value"] // 1e6).astype(int)
    counts = stored.groupby("batch").size()
    # every acknowledged batch is there, complete, exactly once
    for batch in acknowledged:
        assert counts.get(batch) == SECONDS_PER_BATCH * len(TAGS), batch
    # a batch written but killed before its acknowledgement was printed may be there, but whole
    assert set(counts.index) - set(acknowledged) <= {a + 1 for a in acknowledged}
    assert (counts == SECONDS_PER_BATCH * len(TAGS)).all()
    # and each value sits at its own timestamp: nothing was shifted or mixed up
    seconds = (stored["ts"] - pd.Timestamp("2025-03-01T00:00:00Z")).dt.total_seconds().astype(int)
    index = stored["value"] - stored["batch"] * 1e6
    np.testing.assert_array_equal(seconds, stored["batch"] * SECONDS_PER_BATCH + index // len(TAGS))
