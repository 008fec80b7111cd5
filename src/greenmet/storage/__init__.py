"""Plant data kept: the Parquet historian (with its write-ahead log), its queries and the records store.

- :class:`~greenmet.storage.historian.Historian` — write points, flush, compact (in the
  background too), retention, adopt parts written by a bulk writer.
- :func:`~greenmet.storage.manifest.snapshot` — the live part files of a furnace (from its
  manifest ``_parts.json``): what any reader, on any engine, must read.
- :mod:`greenmet.storage.queries` — raw range, buckets, last value, gaps, joins; written once
  with Ibis, run on DuckDB (default) or Apache Spark.
- :class:`~greenmet.storage.records.RecordStore` — alerts, acknowledgements, casts, reports,
  audit log in a DuckDB file with numbered migrations and one writer thread.
"""

from greenmet.storage.historian import (
    POINT_SCHEMA,
    QUALITY_BAD,
    QUALITY_GOOD,
    QUALITY_UNCERTAIN,
    FlushReport,
    Historian,
    WriteReceipt,
    validate_points,
)
from greenmet.storage.manifest import snapshot
from greenmet.storage.rollups import compute_rollup

__all__ = [
    "POINT_SCHEMA",
    "QUALITY_BAD",
    "QUALITY_GOOD",
    "QUALITY_UNCERTAIN",
    "FlushReport",
    "Historian",
    "WriteReceipt",
    "compute_rollup",
    "snapshot",
    "validate_points",
]
