"""Furnace files bound to a query engine as named views, re-resolved from the manifest per query.

:func:`bind` creates a view (DuckDB) or temporary view (Spark) named after the furnace over the
files of a :func:`~greenmet.storage.manifest.snapshot` and remembers it on the connection.
:func:`execute` runs an Ibis expression after re-creating every view it reads from *one*
manifest read per furnace, under a reader lease (:func:`~greenmet.storage.manifest.reader_lease`):
so a query sees each point once, however often the writer merges or compacts meanwhile, and a
table opened once still sees later flushes.

A part or roll-up that cannot be read (a damaged file) is left out with a
:class:`~greenmet.errors.GreenmetWarning` naming it and the fix; the query answers from the
rest.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import ibis.expr.operations as ops
import ibis.expr.types as ir
import pyarrow as pa

from greenmet.errors import GreenmetWarning
from greenmet.storage.manifest import Snapshot, reader_lease, snapshot
from greenmet.storage.parts import unreadable_file

__all__ = ["Binding", "bind", "execute"]

logger = logging.getLogger(__name__)

_POINT_COLUMNS = {"ts": "TIMESTAMPTZ", "tag": "VARCHAR", "value": "DOUBLE", "quality": "UTINYINT"}
_ROLLUP_COLUMNS = {
    "tag": "VARCHAR", "minute_start": "TIMESTAMPTZ", "value_min": "DOUBLE", "value_max": "DOUBLE",
    "value_sum": "DOUBLE", "good_count": "BIGINT", "point_count": "BIGINT", "bad_count": "BIGINT",
    "last_ts": "TIMESTAMPTZ", "value_last": "DOUBLE",
}
_SPARK_TYPES = {"TIMESTAMPTZ": "TIMESTAMP", "VARCHAR": "STRING", "DOUBLE": "DOUBLE", "UTINYINT": "SMALLINT",
                "BIGINT": "BIGINT"}
_T = TypeVar("_T")


@dataclass(frozen=True)
class Binding:
    """A view over the points (or roll-ups) of one furnace and a range of UTC dates."""

    name: str
    directory: Path
    first_date: str | None
    last_date: str | None
    kind: str  # "points" or "rollups"


def _registry(backend: Any) -> tuple[dict[str, Binding], threading.RLock]:
    registry = getattr(backend, "_greenmet_bindings", None)
    if registry is None:
        registry = ({}, threading.RLock())
        backend._greenmet_bindings = registry
    return registry


def _files(binding: Binding, taken: Snapshot) -> list[Path]:
    if binding.kind == "points":
        return taken.parts
    return taken.rollups or []


def _sql_list(files: list[Path]) -> str:
    return "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"


def _create(backend: Any, binding: Binding, files: list[Path]) -> None:
    columns = _POINT_COLUMNS if binding.kind == "points" else _ROLLUP_COLUMNS
    if backend.name == "pyspark":
        session = backend._session
        expressions = [f"CAST({c} AS {_SPARK_TYPES[t]}) AS {c}" for c, t in columns.items()]
        if files:
            frame = session.read.parquet(*[str(f) for f in files]).selectExpr(*expressions)
        else:
            frame = session.sql("SELECT " + ", ".join(f"CAST(NULL AS {_SPARK_TYPES[t]}) AS {c}"
                                                      for c, t in columns.items()) + " WHERE false")
        frame.createOrReplaceTempView(binding.name)
        return
    if files:
        select = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in columns.items())
        source = f"SELECT {select} FROM read_parquet({_sql_list(files)})"
    else:
        nulls = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in columns.items())
        source = f"SELECT {nulls} WHERE false"
    backend.con.execute(f'CREATE OR REPLACE VIEW "{binding.name}" AS {source}')


def bind(backend: Any, binding: Binding) -> ir.Table:
    """Create the view of ``binding`` on ``backend`` from the current manifest; return the table."""
    bindings, lock = _registry(backend)
    with lock, reader_lease(binding.directory):
        files = _files(binding, snapshot(binding.directory, binding.first_date, binding.last_date))
        _with_readable_files(
            lambda skipped: _create(backend, binding, [f for f in files if f not in skipped]), files,
            warn=False)
        bindings[binding.name] = binding
        return backend.table(binding.name)


def _with_readable_files(action: Callable[[set[Path]], _T], files: list[Path], *, warn: bool = True) -> _T:
    """Run ``action(skipped)``; when it fails on damaged files among ``files``, skip them and retry.

    Each skipped file is named in a :class:`GreenmetWarning` (when ``warn``: binding a view only
    for its columns leaves the warning to the query).
    """
    skipped: set[Path] = set()
    while True:
        try:
            return action(skipped)
        except Exception as error:
            bad = _bad_files(error, files, skipped)
            if not bad:
                raise
            for path, problem in bad.items() if warn else ():
                warnings.warn(f"{path} cannot be read ({problem}); the result leaves its points out. "
                              "Fix: run 'greenmet historian check --repair' to set it aside, then "
                              "restore that day from a backup or re-import it", GreenmetWarning,
                              stacklevel=4)
            skipped |= set(bad)


def _bad_files(error: BaseException, files: list[Path], skipped: set[Path]) -> dict[Path, str]:
    """The files among ``files`` that cannot be read, those the error names first."""
    text = str(error)
    candidates = [f for f in files if f not in skipped]
    named = [f for f in candidates if str(f) in text or f.name in text]
    for group in (named, candidates):
        bad = {f: problem for f in group if (problem := unreadable_file(f)) is not None}
        if bad:
            return bad
    return {}


def execute(expression: ir.Expr, backend: Any) -> pa.Table:
    """Run ``expression`` on ``backend`` over one consistent snapshot of every furnace it reads."""
    bindings, lock = _registry(backend)
    names = {node.name for node in expression.op().find(ops.DatabaseTable)}
    used = [bindings[name] for name in sorted(names) if name in bindings]
    directories = sorted({b.directory for b in used})
    with lock, contextlib.ExitStack() as stack:
        for directory in directories:
            stack.enter_context(reader_lease(directory))
        taken = {d: snapshot(d) for d in directories}
        parts = {b.name: _files(b, snapshot_range(taken[b.directory], b)) for b in used}

        def attempt(skipped: set[Path]) -> pa.Table:
            for binding in used:
                _create(backend, binding, [f for f in parts[binding.name] if f not in skipped])
            return backend.to_pyarrow(expression)

        return _with_readable_files(attempt, [f for files in parts.values() for f in files])


def snapshot_range(taken: Snapshot, binding: Binding) -> Snapshot:
    """The part of a whole-furnace snapshot that ``binding``'s dates select."""

    def selected(path: Path) -> bool:
        date = path.parent.name[len("date="):]
        return ((binding.first_date is None or date >= binding.first_date)
                and (binding.last_date is None or date <= binding.last_date))

    parts = [p for p in taken.parts if selected(p)]
    rollups = None if taken.rollups is None else [r for r in taken.rollups if selected(r)]
    return Snapshot(parts, rollups, taken.version)
