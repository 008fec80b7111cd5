"""The records store: alerts, acknowledgements, casts, reports and the audit log in DuckDB.

One DuckDB file, its schema built by numbered migrations (``storage/migrations/0001_*.sql``,
``0002_*.sql`` …). :func:`apply_migrations` applies, in order, each migration not yet listed in
the ``schema_migrations`` table, each in its own transaction together with its row in that
table, so a failed migration leaves nothing behind and running it again applies nothing twice.

Writes go through one writer thread fed by a queue (as datasette does with SQLite): any thread
may call :meth:`RecordStore.write` or :meth:`RecordStore.insert`; the writer runs the calls one
at a time, each in a transaction. Readers run concurrently on their own cursors and see
committed data only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import queue
import re
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pandas as pd

from greenmet.errors import InputError, StorageError, UnknownKeyError

__all__ = ["Migration", "RecordStore", "apply_migrations", "load_migrations"]

logger = logging.getLogger(__name__)

T = TypeVar("T")
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Migration:
    """One numbered SQL script."""

    def __init__(self, version: int, name: str, sql: str) -> None:
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = hashlib.sha256(sql.encode("utf-8")).hexdigest()

    def __repr__(self) -> str:
        return f"Migration({self.version:04d}_{self.name})"


def load_migrations(directory: str | os.PathLike[str] | None = None) -> list[Migration]:
    """The migrations of ``directory`` (greenmet's own by default), ordered by number.

    File names are ``NNNN_words.sql``; numbers must be unique.
    """
    if directory is None:
        entries = [(e.name, e.read_text(encoding="utf-8"))
                   for e in resources.files("greenmet.storage").joinpath("migrations").iterdir()
                   if e.name.endswith(".sql")]
    else:
        entries = [(p.name, p.read_text(encoding="utf-8")) for p in Path(directory).glob("*.sql")]
    migrations: dict[int, Migration] = {}
    for file_name, sql in entries:
        match = _MIGRATION_NAME.match(file_name)
        if match is None:
            raise StorageError("malformed migration file name", field="migration", value=file_name,
                               fix="name migrations NNNN_words.sql, e.g. 0002_add_shift_table.sql")
        version = int(match.group(1))
        if version in migrations:
            raise StorageError("two migrations share a number", field="migration", value=file_name,
                               fix="give each migration its own number")
        migrations[version] = Migration(version, match.group(2), sql)
    return [migrations[v] for v in sorted(migrations)]


def apply_migrations(connection: duckdb.DuckDBPyConnection,
                     migrations: Sequence[Migration] | None = None) -> list[int]:
    """Apply the migrations not yet applied, each in a transaction; return their numbers.

    Raises :class:`StorageError` when a migration fails (it is rolled back, later ones are not
    tried) or when an applied migration's text has changed since (a migration is never edited
    once shipped: add a new one).
    """
    if migrations is None:
        migrations = load_migrations()
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, "
        "checksum VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
    applied = {version: checksum for version, checksum in
               connection.execute("SELECT version, checksum FROM schema_migrations").fetchall()}
    done: list[int] = []
    for migration in migrations:
        if migration.version in applied:
            if applied[migration.version] != migration.checksum:
                raise StorageError("an applied migration was edited afterwards", field="migration",
                                   value=f"{migration.version:04d}_{migration.name}",
                                   fix="restore the shipped text and put the change in a new migration")
            continue
        try:
            connection.execute("BEGIN TRANSACTION")
            connection.execute(migration.sql)
            connection.execute("INSERT INTO schema_migrations VALUES (?, ?, ?, ?)",
                               [migration.version, migration.name, migration.checksum,
                                dt.datetime.now(dt.UTC)])
            connection.execute("COMMIT")
        except duckdb.Error as exc:
            connection.execute("ROLLBACK")
            raise StorageError(f"migration failed and was rolled back: {exc}", field="migration",
                               value=f"{migration.version:04d}_{migration.name}",
                               fix="fix the SQL of this migration; the ones before it stay applied") from exc
        logger.info("applied migration %04d_%s", migration.version, migration.name)
        done.append(migration.version)
    return done


_STOP = object()


class RecordStore:
    """A DuckDB records file with one writer thread and concurrent readers.

    Parameters
    ----------
    path
        The DuckDB file (created if missing); ``":memory:"`` for a throw-away store.
    migrations_directory
        Where the migrations are; greenmet's own by default.

    Use it as a context manager or call :meth:`close`. One process owns the file: DuckDB
    lets one process open a file for writing.
    """

    def __init__(self, path: str | os.PathLike[str],
                 migrations_directory: str | os.PathLike[str] | None = None) -> None:
        self.path = str(path)
        try:
            self._connection = duckdb.connect(self.path)
        except duckdb.Error as exc:
            raise StorageError(f"cannot open the records file: {exc}", field="path", value=self.path,
                               fix="check the path; close the other process that holds the file") from exc
        try:
            self.applied = apply_migrations(self._connection, load_migrations(migrations_directory))
        except BaseException:
            self._connection.close()
            raise
        self._queue: queue.Queue[Any] = queue.Queue()
        self._writer = threading.Thread(target=self._write_loop, name="greenmet-records-writer", daemon=True)
        self._closed = False
        self._writer.start()

    # -- life cycle ----------------------------------------------------------------------------
    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Finish the queued writes, stop the writer and close the file (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._writer.join()
        self._connection.close()

    # -- writing -------------------------------------------------------------------------------
    def _write_loop(self) -> None:
        cursor = self._connection.cursor()
        try:
            while True:
                item = self._queue.get()
                if item is _STOP:
                    return
                function, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    cursor.execute("BEGIN TRANSACTION")
                    result = function(cursor)
                    cursor.execute("COMMIT")
                except BaseException as exc:
                    try:
                        cursor.execute("ROLLBACK")
                    except duckdb.Error:
                        logger.exception("rollback failed")
                    future.set_exception(exc)
                else:
                    future.set_result(result)
        finally:
            cursor.close()

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("the records store is closed", field="path", value=self.path,
                               fix="open a new RecordStore")

    def submit(self, function: Callable[[duckdb.DuckDBPyConnection], T]) -> Future[T]:
        """Queue ``function(cursor)`` for the writer thread; it runs in its own transaction."""
        self._check_open()
        future: Future[T] = Future()
        self._queue.put((function, future))
        return future

    def write(self, function: Callable[[duckdb.DuckDBPyConnection], T], timeout_s: float | None = 60.0) -> T:
        """Run ``function(cursor)`` on the writer thread in a transaction and return its result.

        A DuckDB error inside (a constraint, a bad statement) rolls the transaction back and is
        raised as :class:`StorageError`.
        """
        try:
            return self.submit(function).result(timeout=timeout_s)
        except duckdb.Error as exc:
            raise StorageError(f"the write was rolled back: {exc}", field="path", value=self.path,
                               fix="check the values against the table's constraints") from exc

    def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> None:
        """Run one writing statement (INSERT, UPDATE, DELETE) through the writer."""
        def run(cursor: duckdb.DuckDBPyConnection) -> None:
            cursor.execute(sql, parameters)

        self.write(run)

    def insert(self, table: str, rows: pd.DataFrame | Sequence[dict[str, Any]]) -> list[Any]:
        """Insert rows (a DataFrame or dicts) into ``table``; return their primary keys.

        Columns not given take their defaults (ids from sequences). ``dict`` and ``list`` values
        of JSON columns are serialised. Unknown tables or columns raise before anything is queued.
        """
        frame = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
        columns = self.columns(table)
        unknown = [c for c in frame.columns if c not in columns]
        if unknown:
            raise InputError(f"unknown columns for table {table!r}", field="columns", value=unknown,
                             fix=f"use the columns {sorted(columns)}")
        if frame.empty:
            return []
        for column in frame.columns:
            if columns[column] == "JSON":
                frame[column] = frame[column].map(
                    lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v)
        key = self._primary_key(table)
        names = ", ".join(f'"{c}"' for c in frame.columns)
        returning = f' RETURNING "{key}"' if key else ""
        view = "greenmet_insert_rows"  # the writer runs one call at a time

        def run(cursor: duckdb.DuckDBPyConnection) -> list[Any]:
            cursor.register(view, frame)
            try:
                statement = f'INSERT INTO "{table}" ({names}) SELECT {names} FROM {view}{returning}'
                result = cursor.execute(statement)
                return [row[0] for row in result.fetchall()] if key else []
            finally:
                cursor.unregister(view)

        return self.write(run)

    # -- reading -------------------------------------------------------------------------------
    def query(self, sql: str, parameters: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run a read-only query on a cursor of the calling thread; committed data only."""
        self._check_open()
        cursor = self._connection.cursor()
        try:
            return cursor.execute(sql, parameters).df()
        except duckdb.Error as exc:
            raise InputError(f"the query failed: {exc}", field="sql", value=sql,
                             fix="check the SQL against the tables of the records store") from exc
        finally:
            cursor.close()

    def tables(self) -> list[str]:
        """Names of the tables."""
        frame = self.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
                           "ORDER BY table_name")
        return frame["table_name"].tolist()

    def columns(self, table: str) -> dict[str, str]:
        """Column names and DuckDB types of ``table``."""
        if not _IDENTIFIER.match(table) or table not in self.tables():
            raise UnknownKeyError("unknown table", field="table", value=table,
                                  fix=f"use one of {self.tables()}")
        frame = self.query("SELECT column_name, data_type FROM information_schema.columns "
                           "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
                           [table])
        return dict(zip(frame["column_name"], frame["data_type"], strict=True))

    def _primary_key(self, table: str) -> str | None:
        frame = self.query("SELECT constraint_column_names FROM duckdb_constraints() "
                           "WHERE table_name = ? AND constraint_type = 'PRIMARY KEY'", [table])
        columns: Any = None if frame.empty else frame.iloc[0, 0]
        if columns is None or len(columns) != 1:
            return None
        return str(columns[0])

    def audit(self, actor: str, action: str, object_type: str | None = None, object_id: str | None = None,
              details: dict[str, Any] | None = None) -> int:
        """Append one entry to the audit log and return its id."""
        entry = {"occurred_at": dt.datetime.now(dt.UTC), "actor": actor, "action": action,
                 "object_type": object_type, "object_id": object_id, "details": details}
        ids = self.insert("audit_log", [entry])
        return int(ids[0])
