"""SIGKILL between every step of a partition rewrite: no acknowledged point is lost or counted twice.

A merge (late points, ``compact``, the background merge of small parts) writes a new part, then
its roll-up, then commits the manifest, then deletes the retired files. Before the manifest
greenmet swapped whole partition directories, and where the atomic exchange was refused (NFS,
SMB, macOS) it fell back to two renames: a kill between them lost the partition (3,600
acknowledged points became 60). Now every file system takes the same path; this test kills a
writer in a subprocess at each step of it and reopens.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from storage_helpers import make_points, read_all

from greenmet.storage import Historian

SCRIPT = textwrap.dedent("""
    import os, signal, sys
    import pandas as pd
    from greenmet.storage import Historian
    from greenmet.storage import historian as module

    root, operation, step = sys.argv[1:4]

    def die():
        os.kill(os.getpid(), signal.SIGKILL)

    if step == "after_part":  # the merged part is on disk, nothing else
        module.compute_rollup = lambda table: die()
    elif step == "after_rollup":  # part and roll-up on disk, the manifest not replaced
        module.write_manifest = lambda directory, manifest: die()
    elif step == "after_commit":  # the manifest names the new part; nothing deleted yet
        original = module.write_manifest
        def commit_then_die(directory, manifest):
            original(directory, manifest)
            if manifest.retired:
                die()
        module.write_manifest = commit_then_die
    elif step == "after_first_delete":  # one retired file deleted, the others not
        original_unlink = module.Path.unlink
        def unlink_then_die(self, missing_ok=False):
            original_unlink(self, missing_ok=missing_ok)
            if self.name.startswith("part-"):
                die()
        module.Path.unlink = unlink_then_die

    historian = Historian(root, "plant1", "bf1", retired_grace_s=0.0, background_compaction=False,
                          compaction_fanout=4)
    if operation == "late_points":
        late = pd.read_parquet(os.path.join(root, "late.parquet"))
        historian.write(late)  # acknowledged
        historian.flush()
    elif operation == "compact":
        historian.compact()
    else:
        historian.compact_small()
    sys.exit(3)  # the kill did not happen
""")

STEPS = ["after_part", "after_rollup", "after_commit", "after_first_delete"]


@pytest.mark.parametrize("operation", ["late_points", "compact", "compact_small"])
@pytest.mark.parametrize("step", STEPS)
def test_kill_between_the_steps_of_a_merge_loses_nothing(tmp_path, operation, step):
    frames = [make_points(start=f"2025-03-01T00:{m:02d}:00Z", seconds=60, seed=m) for m in range(30)]
    with Historian(tmp_path, "plant1", "bf1", background_compaction=False) as historian:
        for frame in frames:  # 3,600 acknowledged points in 30 parts
            historian.write(frame)
            historian.flush()
    late = make_points(start="2025-03-01T00:10:00Z", seconds=30, seed=99)
    late.to_parquet(tmp_path / "late.parquet")
    expected = pd.concat(frames + ([late] if operation == "late_points" else []), ignore_index=True)
    expected = expected.drop_duplicates(["tag", "ts"], keep="last")
    expected = expected.sort_values(["tag", "ts"], ignore_index=True)

    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), operation, step], env=environment,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr

    directory = tmp_path / "site=plant1" / "furnace=bf1"
    # what a reader sees right after the crash, before any writer repairs anything
    stored = read_all(directory)
    if operation != "late_points":
        assert len(stored) == len(expected)
        assert not stored.duplicated(["tag", "ts"]).any()
    with Historian(tmp_path, "plant1", "bf1", retired_grace_s=0.0, background_compaction=False):
        pass  # replays the log, adopts or removes what the crash left
    stored = read_all(directory)
    assert len(stored) == len(expected) == 3600
    assert not stored.duplicated(["tag", "ts"]).any()
    pd.testing.assert_series_equal(stored["value"], expected["value"], check_names=False)
    leftovers = [p for p in directory.rglob("*") if p.is_file() and p.name.startswith(".tmp-")]
    assert leftovers == []
