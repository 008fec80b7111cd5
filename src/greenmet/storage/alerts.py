"""Alerts in the records store: the detector's events, acknowledgement and closure by a person.

The monitoring engine (:mod:`greenmet.engines.monitoring`) hands every alert event of a
detector (``raised``, ``updated``, ``cleared``; see :mod:`greenmet.monitoring.alerts`) to
:func:`record_alert_events`. One episode of a fault is one row of ``alerts``: the events of an
episode share a de-duplication key (the run mode and the event's ``key``: detector, fault kind,
location, start), so the row is inserted by the first event and brought up to date by the
later ones, and recording the same events again (a replay run twice, a batch retried after a
failed write) changes nothing. An older event never overwrites a newer one.

A person then acknowledges the alert (:func:`acknowledge_alert`, a row in
``acknowledgements``) and closes it (:func:`close_alert`). Each of those writes its audit-log
row in the same transaction, so no acknowledgement is stored without its audit entry or the
other way round. The operator's view (``open``, ``acknowledged``, ``closed``) is the view
``alert_lifecycle`` of migration 0002; the detector's view is the column ``state``.

The lifecycle follows the alarm state transition diagram of ANSI/ISA-18.2-2016 *Management of
Alarm Systems for the Process Industries* (aligned with IEC 62682:2014): an alarm is active or
returned to normal, and acknowledged or not, independently. greenmet adds a closure: a person
closes an alert once it has returned to normal (``state = cleared``); closing an alert that is
still active needs ``force`` and a comment (a false alarm), and closing an unacknowledged
alert acknowledges it first. These closure rules are greenmet's own.

DuckDB lets one process hold a records file at a time. :func:`open_records` waits (up to
``wait_s``) for another process to let go, so that ``greenmet bf alerts ack`` works while
``greenmet bf monitor`` runs: the engine opens the file only to write its events and closes
it again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterable, Sequence
from typing import Any

import duckdb
import pandas as pd

from greenmet.errors import InputError, StorageError, UnknownKeyError
from greenmet.monitoring.alerts import AlertEvent
from greenmet.storage.records import RecordStore

__all__ = [
    "ALERT_CATEGORIES",
    "ALERT_MODES",
    "ALERT_STATES",
    "ALERT_STATUSES",
    "acknowledge_alert",
    "alert_row",
    "close_alert",
    "list_alerts",
    "open_records",
    "record_alert_events",
]

ALERT_MODES = ("live", "replay")
ALERT_CATEGORIES = ("process", "equipment")
ALERT_STATES = ("raised", "updated", "cleared")
ALERT_STATUSES = ("open", "acknowledged", "closed")


def _instant(value: Any) -> dt.datetime:
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is None:
        raise InputError(
            "time without a time zone",
            field="at",
            value=str(value),
            fix="give UTC times, e.g. pd.Timestamp('2026-01-01T00:00:00Z')",
        )
    return stamp.tz_convert("UTC").to_pydatetime()


def _evidence_dict(item: Any) -> dict[str, Any]:
    if hasattr(item, "to_dict"):
        return dict(item.to_dict())
    tag, value, threshold, comparison = item
    return {"tag": tag, "value": value, "threshold": threshold, "comparison": comparison}


def alert_row(site: str, furnace: str, event: AlertEvent, mode: str) -> dict[str, Any]:
    """The ``alerts`` columns an event sets (JSON columns as text)."""
    for name, value, allowed in (
        ("mode", mode, ALERT_MODES),
        ("category", event.category, ALERT_CATEGORIES),
        ("state", event.state, ALERT_STATES),
    ):
        if value not in allowed:
            raise InputError(
                f"unknown alert {name}", field=name, value=value, fix=f"use one of {', '.join(allowed)}"
            )
    evidence = [_evidence_dict(item) for item in event.evidence]
    at = _instant(event.at)
    return {
        "site": site,
        "furnace": furnace,
        "tag": evidence[0]["tag"] if evidence else None,
        "rule": event.detector,
        "severity": event.severity,
        "message_en": event.message_en or f"{event.fault_kind} ({event.detector})",
        "message_zh": event.message_zh or None,
        "raised_at": _instant(event.started_at),
        "cleared_at": at if event.state == "cleared" else None,
        "category": event.category,
        "fault_kind": event.fault_kind,
        "location": event.location,
        "state": event.state,
        "mode": mode,
        "dedup_key": f"{mode}|{event.key}",
        "evidence": json.dumps(evidence, ensure_ascii=False),
        "countermeasures": json.dumps(list(event.countermeasures), ensure_ascii=False),
        "updated_at": at,
    }


_COLUMNS = (
    "site",
    "furnace",
    "tag",
    "rule",
    "severity",
    "message_en",
    "message_zh",
    "raised_at",
    "cleared_at",
    "category",
    "fault_kind",
    "location",
    "state",
    "mode",
    "dedup_key",
    "evidence",
    "countermeasures",
    "updated_at",
)
_INSERT = (
    f"INSERT INTO alerts ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)}) RETURNING id"
)
# Later events of an episode update what the detector says; an older event (a replay recorded
# again after the episode cleared) changes nothing. Closure and acknowledgement are a person's
# and are never touched here. (A plain UPDATE, not INSERT … ON CONFLICT: DuckDB's upsert
# rewrites the row, which its foreign keys refuse once an acknowledgement refers to it.)
_UPDATED = (
    "severity",
    "state",
    "tag",
    "message_en",
    "message_zh",
    "cleared_at",
    "evidence",
    "countermeasures",
    "updated_at",
)
_UPDATE = (
    f"UPDATE alerts SET {', '.join(f'{c} = ?' for c in _UPDATED)} WHERE id = ? "
    "AND (? > updated_at OR (? = updated_at AND ? = 'cleared'))"
)


def record_alert_events(
    store: RecordStore, site: str, furnace: str, events: Iterable[AlertEvent], *, mode: str = "live"
) -> list[int]:
    """Store alert events in order, in one transaction; return the ids of the rows they touched.

    Parameters
    ----------
    store
        The records store.
    site, furnace
        Where the events were seen.
    events
        Alert events (:class:`greenmet.monitoring.alerts.AlertEvent`), oldest first.
    mode
        ``live`` (the engine on the ingestion feed) or ``replay`` (over a historian range);
        the two are kept apart, so a replay of a period never touches the live alerts.
    """
    rows = [alert_row(site, furnace, event, mode) for event in events]
    if not rows:
        return []

    def run(cursor: duckdb.DuckDBPyConnection) -> list[int]:
        touched: list[int] = []
        for row in rows:
            found = cursor.execute(
                "SELECT id FROM alerts WHERE site = ? AND furnace = ? AND dedup_key = ?",
                [row["site"], row["furnace"], row["dedup_key"]],
            ).fetchall()
            if found:
                alert_id = int(found[0][0])
                cursor.execute(
                    _UPDATE,
                    [
                        *(row[c] for c in _UPDATED),
                        alert_id,
                        row["updated_at"],
                        row["updated_at"],
                        row["state"],
                    ],
                )
            else:
                (alert_id,) = cursor.execute(_INSERT, [row[c] for c in _COLUMNS]).fetchone() or (None,)
            touched.append(int(alert_id))
        return touched

    return store.write(run)


def _alert_for_update(cursor: duckdb.DuckDBPyConnection, alert_id: int) -> tuple[Any, ...]:
    found = cursor.execute(
        "SELECT id, state, closed_at, closed_by, acknowledged_at, acknowledged_by "
        "FROM alert_lifecycle WHERE id = ?",
        [alert_id],
    ).fetchall()
    if not found:
        raise UnknownKeyError(
            "no alert with this id",
            field="alert_id",
            value=alert_id,
            fix="list the alerts with `greenmet bf alerts list` and use an id from there",
        )
    row: tuple[Any, ...] = found[0]
    if row[2] is not None:
        raise InputError(
            f"the alert was closed by {row[3]} at {row[2].isoformat()}",
            field="alert_id",
            value=alert_id,
            fix="nothing to do: a closed alert stays closed",
        )
    return row


def _audit(
    cursor: duckdb.DuckDBPyConnection,
    at: dt.datetime,
    user: str,
    action: str,
    alert_id: int,
    details: dict[str, Any],
) -> None:
    cursor.execute(
        "INSERT INTO audit_log (occurred_at, actor, action, object_type, object_id, details) "
        "VALUES (?, ?, ?, 'alert', ?, ?)",
        [at, user, action, str(alert_id), json.dumps(details, ensure_ascii=False)],
    )


def _acknowledge(
    cursor: duckdb.DuckDBPyConnection, alert_id: int, user: str, when: dt.datetime, comment: str | None
) -> int:
    """Insert an acknowledgement and its audit row (in the caller's transaction); return its id."""
    (ack_id,) = cursor.execute(
        "INSERT INTO acknowledgements (alert_id, user_name, acknowledged_at, comment) VALUES (?, ?, ?, ?) "
        "RETURNING id",
        [alert_id, user, when, comment],
    ).fetchone() or (None,)
    _audit(
        cursor, when, user, "alert.acknowledge", alert_id, {"comment": comment, "acknowledgement_id": ack_id}
    )
    return int(ack_id)


def _check_user(user: str) -> str:
    if not isinstance(user, str) or not user.strip():
        raise InputError(
            "an acknowledgement or closure needs the name of the person",
            field="user",
            value=user,
            fix="give the user name, e.g. --user zhang.wei",
        )
    return user.strip()


def acknowledge_alert(
    store: RecordStore, alert_id: int, user: str, comment: str | None = None, *, at: Any = None
) -> int:
    """Record that ``user`` has seen alert ``alert_id``; return the acknowledgement's id.

    The acknowledgement and its audit-log row (action ``alert.acknowledge``) are written in one
    transaction. Raises :class:`UnknownKeyError` for an unknown alert and :class:`InputError`
    for one already acknowledged or closed (who and when is in the message).
    """
    user = _check_user(user)
    when = _instant(at) if at is not None else dt.datetime.now(dt.UTC)

    def run(cursor: duckdb.DuckDBPyConnection) -> int:
        row = _alert_for_update(cursor, alert_id)
        if row[4] is not None:
            raise InputError(
                f"the alert was acknowledged by {row[5]} at {row[4].isoformat()}",
                field="alert_id",
                value=alert_id,
                fix="nothing to do; close it with `greenmet bf alerts close` once it is over",
            )
        return _acknowledge(cursor, alert_id, user, when, comment)

    return store.write(run)


def close_alert(
    store: RecordStore,
    alert_id: int,
    user: str,
    comment: str | None = None,
    *,
    force: bool = False,
    at: Any = None,
) -> None:
    """Close alert ``alert_id`` for ``user``: the episode is dealt with.

    An alert still active (its detector has not cleared it) is closed only with ``force`` and
    a comment saying why (a false alarm, a known instrument fault). An unacknowledged alert is
    acknowledged by the same person first. The closure, any acknowledgement and their
    audit-log rows (``alert.acknowledge``, ``alert.close``) are one transaction.
    """
    user = _check_user(user)
    when = _instant(at) if at is not None else dt.datetime.now(dt.UTC)
    if force and not (comment and comment.strip()):
        raise InputError(
            "closing an active alert needs a comment saying why",
            field="comment",
            value=comment,
            fix="give --comment, e.g. --comment 'thermocouple replaced, false alarm'",
        )

    def run(cursor: duckdb.DuckDBPyConnection) -> None:
        row = _alert_for_update(cursor, alert_id)
        state = row[1]
        if state != "cleared" and not force:
            raise InputError(
                f"the alert is still active (state {state})",
                field="alert_id",
                value=alert_id,
                fix="wait until the detector clears it, or close it with --force and a --comment",
            )
        if row[4] is None:
            _acknowledge(cursor, alert_id, user, when, "acknowledged on closing")
        cursor.execute(
            "UPDATE alerts SET closed_at = ?, closed_by = ?, closing_comment = ? WHERE id = ?",
            [when, user, comment, alert_id],
        )
        _audit(
            cursor, when, user, "alert.close", alert_id, {"comment": comment, "forced": force, "state": state}
        )

    store.write(run)


def list_alerts(
    store: RecordStore,
    *,
    site: str | None = None,
    furnace: str | None = None,
    status: str | Sequence[str] | None = None,
    mode: str | None = "live",
    category: str | None = None,
    start: Any = None,
    end: Any = None,
    limit: int | None = 1000,
) -> pd.DataFrame:
    """Alerts with their operator status, newest first.

    Parameters
    ----------
    site, furnace
        Only this site / furnace.
    status
        ``open``, ``acknowledged``, ``closed`` or a list of them; all by default.
    mode
        ``live`` (default), ``replay``, or None for both.
    category
        ``process`` or ``equipment``.
    start, end
        Alerts raised in ``start <= raised_at < end`` (UTC instants).
    limit
        At most this many rows; None for all. [dimensionless]

    Returns the columns of ``alerts`` plus ``acknowledged_at``, ``acknowledged_by`` and
    ``status``; ``evidence`` and ``countermeasures`` decoded from JSON.
    """
    conditions: list[str] = []
    parameters: list[Any] = []
    statuses = [status] if isinstance(status, str) else list(status or [])
    for name, value, allowed in (("mode", mode, ALERT_MODES), ("category", category, ALERT_CATEGORIES)):
        if value is not None and value not in allowed:
            raise InputError(
                f"unknown alert {name}", field=name, value=value, fix=f"use one of {', '.join(allowed)}"
            )
    for value in statuses:
        if value not in ALERT_STATUSES:
            raise InputError(
                "unknown alert status",
                field="status",
                value=value,
                fix=f"use one of {', '.join(ALERT_STATUSES)}",
            )
    for column, value in (("site", site), ("furnace", furnace), ("mode", mode), ("category", category)):
        if value is not None:
            conditions.append(f"{column} = ?")
            parameters.append(value)
    if statuses:
        conditions.append(f"status IN ({', '.join('?' for _ in statuses)})")
        parameters.extend(statuses)
    if start is not None:
        conditions.append("raised_at >= ?")
        parameters.append(_instant(start))
    if end is not None:
        conditions.append("raised_at < ?")
        parameters.append(_instant(end))
    if limit is not None and limit < 1:
        raise InputError(
            "limit must be positive", field="limit", value=limit, fix="give e.g. 100, or None for all"
        )
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    limited = f" LIMIT {int(limit)}" if limit is not None else ""
    frame = store.query(
        f"SELECT * FROM alert_lifecycle{where} ORDER BY raised_at DESC, id DESC{limited}", parameters
    )
    for column in ("evidence", "countermeasures", "details"):
        if column in frame.columns:
            frame[column] = frame[column].map(
                lambda text: json.loads(text) if isinstance(text, str) else text
            )
    return frame


def _is_lock_conflict(error: BaseException) -> bool:
    cause = error.__cause__
    return isinstance(cause, duckdb.IOException) and "lock" in str(cause).lower()


def open_records(path: str | os.PathLike[str], *, wait_s: float = 10.0) -> RecordStore:
    """Open the records file, waiting up to ``wait_s`` while another process holds it.

    Parameters
    ----------
    path
        The DuckDB records file.
    wait_s
        How long to retry while another process (the monitoring engine writing its events, a
        ``greenmet bf alerts`` command) holds the file. [s]
    """
    deadline = time.monotonic() + wait_s
    pause_s = 0.02
    while True:
        try:
            return RecordStore(path)
        except StorageError as error:
            if not _is_lock_conflict(error) or time.monotonic() >= deadline:
                if _is_lock_conflict(error):
                    raise StorageError(
                        f"another process held the records file for {wait_s:g} s",
                        field="path",
                        value=str(path),
                        fix="retry, or give a longer wait; a long-running process should "
                        "open the file only to write",
                    ) from error
                raise
        time.sleep(pause_s)
        pause_s = min(pause_s * 2, 0.25)
