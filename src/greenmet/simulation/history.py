"""Bulk history of the simulated furnace, written straight to Parquet in the historian layout.

Layout (``docs/dev/plant_data_contract.md``, the same the historian writes)::

    ROOT/site=<site>/furnace=<id>/date=<YYYY-MM-DD>/part-<uuid>.parquet   long format, zstd
    ROOT/site=<site>/furnace=<id>/_furnace.json                          time zone and tag metadata
    ROOT/site=<site>/furnace=<id>/_labels.parquet                        fault ground truth
    ROOT/site=<site>/furnace=<id>/_casts.parquet                         one row per cast
    ROOT/site=<site>/furnace=<id>/_charges.parquet (and the other plant records of
        greenmet.storage.plant_records: _material_analyses, _cast_analyses,
        _hot_metal_destinations)

Each part holds ``part_hours`` (12 by default) of one UTC date for all tags (``ts``, ``tag``,
``value``, ``quality``), sorted by tag then ts, one row group per block of tags; the historian's
compaction merges a date's parts into one if wanted. Each part is made live through the historian
(:meth:`~greenmet.storage.historian.Historian.adopt_parts`) with its 1-minute roll-up, computed
while the part is written, so minute queries of simulated history read roll-ups at once.
The simulator produces an hour at a time into a part-sized matrix; the matrix is then written
column block by column block, so the long table is never materialised whole; while one part is
encoded (pyarrow releases the GIL) the next is simulated, so the two cores work at once. Every
file is written to a hidden temporary name and renamed (:mod:`greenmet.io.atomic`).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from greenmet.blast_furnace.simulator import (
    CAST_COLUMNS,
    CAST_TAGS,
    FurnaceConfig,
    FurnaceSimulator,
    Scenario,
    tag_catalogue,
)
from greenmet.blast_furnace.simulator.records import RECORD_KINDS
from greenmet.errors import InputError, StorageError
from greenmet.io.atomic import atomic_path
from greenmet.storage.furnace_metadata import record_furnace_metadata
from greenmet.storage.historian import Historian
from greenmet.storage.parts import RANGES_KEY
from greenmet.storage.plant_records import merge_records_file, write_plant_records
from greenmet.storage.rollups import ROLLUP_SCHEMA, compute_rollup, rollup_path

__all__ = [
    "PART_SCHEMA",
    "HistoryReport",
    "furnace_directory",
    "write_casts",
    "write_history",
    "write_labels",
    "write_simulated_records",
]

PART_SCHEMA = pa.schema(
    [
        pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("tag", pa.string(), nullable=False),
        pa.field("value", pa.float64()),
        pa.field("quality", pa.uint8(), nullable=False),
    ]
)
"""Arrow schema of a historian part (as read back)."""

_WRITE_SCHEMA = pa.schema(
    [
        pa.field("ts", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("tag", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("value", pa.float64()),
        pa.field("quality", pa.uint8(), nullable=False),
    ]
)
# The tag column is handed to Parquet already dictionary-encoded (no hashing of 26 M strings);
# store_schema=False keeps the Arrow type out of the file, so readers get plain ``string``.
_BLOCK_TAGS = 32
_LABEL_SCHEMA = pa.schema(
    [
        pa.field("start", pa.timestamp("us", tz="UTC")),
        pa.field("end", pa.timestamp("us", tz="UTC")),
        pa.field("fault", pa.string()),
        pa.field("severity", pa.float64()),
        pa.field("location", pa.string()),
    ]
)


@dataclass
class HistoryReport:
    """What :func:`write_history` wrote."""

    directory: Path
    parts: list[Path] = field(default_factory=list)
    rollups: list[Path] = field(default_factory=list)
    """The 1-minute roll-up of each part (the historian's, beside the part)."""
    points: int = 0
    steps: int = 0
    casts: int = 0
    labels: int = 0
    records: dict[str, int] = field(default_factory=dict)
    """Plant records written, by kind (``charges`` …, :mod:`greenmet.storage.plant_records`)."""
    elapsed_s: float = 0.0
    """Wall-clock time. [s]"""

    @property
    def simulated_s(self) -> float:
        """Simulated time. [s]"""
        return float(self.steps)


def furnace_directory(root: str | Path, config: FurnaceConfig) -> Path:
    """``ROOT/site=<site>/furnace=<id>``."""
    return Path(root) / f"site={config.site}" / f"furnace={config.furnace_id}"


def _write_part(
    path: Path,
    timestamps: np.ndarray,
    values: np.ndarray,
    quality: np.ndarray,
    tags: list[str],
    casts: pd.DataFrame,
) -> tuple[int, pa.Table]:
    """Write one date's points sorted by tag, then ts; return the point count and the part's
    1-minute roll-up.

    ``values`` and ``quality`` are tag-major, shape (len(tags), n), with ``tags`` sorted; the
    per-cast points come from ``casts``. The roll-up is the historian's own
    (:func:`greenmet.storage.rollups.compute_rollup`), computed block by block as the blocks
    are written (blocks hold disjoint tags, so their roll-ups together are the part's).
    """
    names = sorted([*tags, *CAST_TAGS])
    dictionary = pa.array(names, type=pa.string())
    code = {name: number for number, name in enumerate(names)}
    n = timestamps.size
    ts_type = pa.timestamp("us", tz="UTC")
    tiled = np.tile(timestamps, min(_BLOCK_TAGS, len(tags))).view("datetime64[us]")
    repeated = np.repeat(np.arange(_BLOCK_TAGS, dtype=np.int32), n)
    # blocks of consecutive continuous tags (rows of ``values``), per-cast tags on their own
    blocks: list[tuple[str, int, int]] = []
    row = 0
    for name in names:
        if name in CAST_TAGS:
            blocks.append(("cast", code[name], 0))
        elif (
            blocks
            and blocks[-1][0] == "rows"
            and blocks[-1][2] - blocks[-1][1] < _BLOCK_TAGS
            and names[code[name] - 1] not in CAST_TAGS
        ):
            blocks[-1] = ("rows", blocks[-1][1], row + 1)
            row += 1
        else:
            blocks.append(("rows", row, row + 1))
            row += 1
    written = 0
    rollups: list[pa.Table] = []
    # Per tag, first and last ts in the footer, as the historian writes them: adopting the part
    # then needs no read-back of its points (storage.parts.part_ranges).
    first_last = (int(timestamps[0]), int(timestamps[-1])) if n else None
    ranges = {tag: first_last for tag in tags if first_last is not None}
    if len(casts):
        ends = casts["end"].to_numpy(dtype="datetime64[us]").astype(np.int64)
        ranges.update({tag: (int(ends.min()), int(ends.max())) for tag in CAST_TAGS})
    metadata = {RANGES_KEY: json.dumps({tag: list(span) for tag, span in ranges.items()}).encode()}
    with atomic_path(path) as temporary:
        writer = pq.ParquetWriter(
            temporary,
            _WRITE_SCHEMA,
            compression="zstd",
            use_dictionary=["tag", "quality"],
            column_encoding={"ts": "DELTA_BINARY_PACKED", "value": "BYTE_STREAM_SPLIT"},
            store_schema=False,
            write_statistics=True,
        )
        try:
            for kind, first, last in blocks:
                if kind == "cast":
                    name = names[first]
                    block_values = casts[CAST_COLUMNS[name]].to_numpy(dtype="float64")
                    stamps = casts["end"].to_numpy(dtype="datetime64[us]")
                    index = np.full(block_values.size, first, dtype=np.int32)
                    block_quality = np.zeros(block_values.size, dtype=np.uint8)
                else:
                    size = (last - first) * n
                    stamps = tiled[:size]
                    index = repeated[:size] + np.int32(code[tags[first]])
                    block_values = values[first:last].ravel()
                    block_quality = quality[first:last].ravel()
                if block_values.size == 0:
                    continue
                table = pa.Table.from_arrays(
                    [
                        pa.array(stamps, type=ts_type),
                        pa.DictionaryArray.from_arrays(pa.array(index), dictionary),
                        pa.array(block_values, type=pa.float64()),
                        pa.array(block_quality, type=pa.uint8()),
                    ],
                    schema=_WRITE_SCHEMA,
                )
                writer.write_table(table, row_group_size=table.num_rows)
                rollups.append(compute_rollup(table))
                written += table.num_rows
            writer.add_key_value_metadata(metadata)  # (the schema's is not kept without store_schema)
        finally:
            writer.close()
    rollup = pa.concat_tables(rollups) if rollups else ROLLUP_SCHEMA.empty_table()
    return written, rollup


def _write_metadata(directory: Path, config: FurnaceConfig) -> None:
    tags = {
        str(row.tag): {
            "unit": row.unit,
            "description_en": row.description_en,
            "description_zh": row.description_zh,
            "subsystem": row.subsystem,
            "low": row.low,
            "high": row.high,
        }
        for row in tag_catalogue(config).itertuples(index=False)
    }
    record_furnace_metadata(
        directory,
        time_zone=config.time_zone,
        tags=tags,
        time_zone_fix="simulate with the stored time zone or use another --out",
    )


def write_labels(directory: str | Path, labels: pd.DataFrame) -> Path:
    """Merge fault labels (:meth:`FurnaceSimulator.labels`) into ``directory/_labels.parquet``.

    Rows already there are kept (a label is identified by start, fault and location; a newer row
    replaces an older one); the file is replaced atomically, so a reader or a crash sees the old
    file or the new one, never half of one.
    """
    path = Path(directory) / "_labels.parquet"
    merge_records_file(path, labels, _LABEL_SCHEMA, ["start", "fault", "location"])
    return path


def write_casts(directory: str | Path, casts: pd.DataFrame) -> Path:
    """Merge casts (:meth:`FurnaceSimulator.casts`) into ``directory/_casts.parquet`` (one row per
    cast, identified by its start), atomically as :func:`write_labels`."""
    path = Path(directory) / "_casts.parquet"
    merge_records_file(path, casts, None, ["start"])
    return path


def write_simulated_records(directory: str | Path, records: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Merge the simulator's plant records (by kind, as :attr:`SimulationChunk.records` or
    :meth:`FurnaceSimulator.plant_records`) into ``directory/_<kind>.parquet`` through
    :func:`greenmet.storage.plant_records.write_plant_records` (validated, atomic); empty kinds
    are skipped. Returns the rows written by kind."""
    written = {}
    for kind, frame in records.items():
        if len(frame):
            write_plant_records(directory, kind, frame)
        written[kind] = len(frame)
    return written


def _collect(
    pending: tuple[Path, Future[tuple[int, pa.Table]]] | None, report: HistoryReport, historian: Historian
) -> None:
    """Wait for a part being written in the background and make it live in the historian with
    its roll-up (:meth:`Historian.adopt_parts`: the manifest names it from then on)."""
    if pending is None:
        return
    part, future = pending
    try:
        points, rollup = future.result()
        historian.adopt_parts([part], rollups={part: rollup})
        report.points += points
        report.rollups.append(rollup_path(part))
    except OSError as exc:
        raise StorageError(
            "cannot write a history part",
            field="path",
            value=str(part),
            fix="check free disk space and permissions",
        ) from exc
    report.parts.append(part)


def write_history(
    root: str | Path,
    config: FurnaceConfig,
    duration: str | pd.Timedelta,
    *,
    scenario: Scenario | None = None,
    seed: int = 0,
    start: str | pd.Timestamp = "2026-01-01T00:00:00Z",
    progress: Callable[[int, int], None] | None = None,
    part_hours: int = 12,
) -> HistoryReport:
    """Simulate ``duration`` of a furnace at 1-s steps and write it in the historian layout.

    Parameters
    ----------
    root
        Historian root directory (created if missing).
    config
        The furnace; its ``site`` and ``furnace_id`` name the partition.
    duration
        Simulated time, e.g. ``"1D"`` or ``"30D"``. [s]
    scenario
        Faults to inject (labels go to ``_labels.parquet``).
    seed, start
        As for :class:`~greenmet.blast_furnace.simulator.FurnaceSimulator`.
    progress
        Called as ``progress(steps_done, steps_total)`` after each simulated hour.
    part_hours
        Simulated hours per part, a divisor of 24 (UTC-aligned, so a part never spans two
        dates). With 12, one half-day is encoded while the next is simulated. [h]

    Returns
    -------
    HistoryReport
        Parts written, point and cast counts, elapsed wall time.

    Raises
    ------
    InputError
        If the duration is shorter than a step or ``part_hours`` does not divide a day.
    StorageError
        If a file cannot be written (nothing is left half-written).
    """
    began = time.perf_counter()
    if part_hours not in (1, 2, 3, 4, 6, 8, 12, 24):
        raise InputError(
            "part length must divide a day",
            field="part_hours",
            value=part_hours,
            fix="use one of 1, 2, 3, 4, 6, 8, 12, 24",
        )
    steps_total = int(pd.Timedelta(duration).total_seconds())
    if steps_total < 1:
        raise InputError(
            "duration shorter than one step",
            field="duration",
            value=str(duration),
            fix="give a duration such as '1D' or '6h'",
        )
    simulator = FurnaceSimulator(config, scenario, seed=seed, start=start, prefetch=True)
    directory = furnace_directory(root, config)
    report = HistoryReport(directory=directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _write_metadata(directory, config)
    except OSError as exc:
        raise StorageError(
            "cannot create the historian directory",
            field="out",
            value=str(directory),
            fix="check the path and its permissions",
        ) from exc
    tags = sorted(simulator.tags)
    order = np.array([simulator.tags.index(tag) for tag in tags])
    identity = bool((order == np.arange(order.size)).all())
    done = 0
    # The historian's writer lock keeps ingestion or another writer out while parts are added;
    # compaction is left to `greenmet historian compact` (it would compete with the simulation).
    historian = Historian(
        root, config.site, config.furnace_id, time_zone=config.time_zone, background_compaction=False
    )
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="greenmet-history")
    pending: tuple[Path, Future[tuple[int, pa.Table]]] | None = None
    try:
        while done < steps_total:
            now = simulator.now
            part_end = now.floor(f"{part_hours}h") + pd.Timedelta(hours=part_hours)
            day_steps = min(steps_total - done, int((part_end - now).total_seconds()))
            values = np.empty((len(tags), day_steps))
            quality = np.empty((len(tags), day_steps), dtype=np.uint8)
            timestamps = np.empty(day_steps, dtype=np.int64)
            casts = []
            filled = 0
            while filled < day_steps:
                chunk = simulator.advance(min(3600, day_steps - filled))
                size = chunk.timestamps.size
                if identity:  # tags already in part order: one copy
                    values[:, filled : filled + size] = chunk.values.T
                    quality[:, filled : filled + size] = chunk.quality.T
                else:
                    values[:, filled : filled + size] = chunk.values.T[order]
                    quality[:, filled : filled + size] = chunk.quality.T[order]
                timestamps[filled : filled + size] = chunk.timestamps
                casts.append(chunk.casts)
                filled += size
                if progress is not None:
                    progress(done + filled, steps_total)
            day_casts = pd.concat(casts, ignore_index=True) if casts else simulator.casts().iloc[:0]
            part = directory / f"date={now.date().isoformat()}" / f"part-{uuid.uuid4().hex}.parquet"
            # Parquet encoding releases the GIL: write this day while the next one is simulated.
            _collect(pending, report, historian)
            pending = (part, writer.submit(_write_part, part, timestamps, values, quality, tags, day_casts))
            report.casts += len(day_casts)
            done += day_steps
            del values, quality
        _collect(pending, report, historian)
    finally:
        writer.shutdown(wait=True)
        simulator.close()
        historian.close()
    report.steps = done
    labels = simulator.labels()
    report.labels = len(labels)
    write_labels(directory, labels)
    write_casts(directory, simulator.casts())
    report.records = write_simulated_records(
        directory, {kind: simulator.plant_records(kind) for kind in RECORD_KINDS}
    )
    report.elapsed_s = time.perf_counter() - began
    return report
