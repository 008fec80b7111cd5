"""Helpers of the storage tests: small batches of points, reading what readers see."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from greenmet.storage.manifest import snapshot


def make_points(start: str = "2025-03-01T00:00:00Z", seconds: int = 60, tags=("blast_volume", "top_pressure"),
                step_s: float = 1.0, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    times = pd.Timestamp(start) + pd.to_timedelta(np.arange(seconds) * step_s, unit="s")
    frame = pd.DataFrame({
        "ts": times.repeat(len(tags)),
        "tag": np.tile(list(tags), seconds),
        "value": rng.normal(100.0, 5.0, seconds * len(tags)),
        "quality": np.zeros(seconds * len(tags), dtype=np.uint8),
    })
    return frame


def read_all(directory) -> pd.DataFrame:
    """Every visible point under a furnace directory, as the contract's readers see them (the manifest)."""
    parts = snapshot(directory).parts
    if not parts:
        return pd.DataFrame(columns=["ts", "tag", "value", "quality"])
    frame = pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)
    frame["tag"] = frame["tag"].astype(str)
    return frame.sort_values(["tag", "ts"], ignore_index=True)
