"""Records store: numbered migrations applied once in transactions; one writer, many readers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from greenmet.errors import InputError, StorageError, UnknownKeyError
from greenmet.storage.records import RecordStore, load_migrations

NOW = dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC)


def _alert(number: int) -> dict:
    return {"site": "plant1", "furnace": "bf1", "tag": "stave_temperature_r05_s12", "rule": "stave_high",
            "severity": "warning", "message_en": f"stave hot {number}",
            "message_zh": f"冷却壁温度高 {number}",
            "raised_at": NOW + dt.timedelta(seconds=number), "details": {"value_degC": 80 + number}}


def test_shipped_migrations_apply_once(tmp_path):
    path = tmp_path / "records.duckdb"
    with RecordStore(path) as store:
        assert store.applied == [m.version for m in load_migrations()]
        assert {"alerts", "acknowledgements", "casts", "reports", "audit_log",
                "schema_migrations"} <= set(store.tables())
    with RecordStore(path) as store:
        assert store.applied == []  # idempotent
        versions = store.query("SELECT version FROM schema_migrations ORDER BY version")["version"].tolist()
        assert versions == [m.version for m in load_migrations()]


def test_a_new_migration_is_applied_on_the_next_open(tmp_path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_shifts.sql").write_text("CREATE TABLE shifts (name VARCHAR PRIMARY KEY);")
    path = tmp_path / "records.duckdb"
    with RecordStore(path, migrations) as store:
        store.insert("shifts", [{"name": "night"}])
    (migrations / "0002_shift_hours.sql").write_text(
        "ALTER TABLE shifts ADD COLUMN duration_h DOUBLE;\nUPDATE shifts SET duration_h = 8;")
    with RecordStore(path, migrations) as store:
        assert store.applied == [2]
        assert store.query("SELECT duration_h FROM shifts")["duration_h"].tolist() == [8.0]


def test_a_failing_migration_is_rolled_back_whole(tmp_path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_base.sql").write_text("CREATE TABLE a (x INTEGER);")
    (migrations / "0002_broken.sql").write_text("CREATE TABLE b (y INTEGER);\nCREATE TABLE oops (;")
    path = tmp_path / "records.duckdb"
    with pytest.raises(StorageError, match=r"(?s)migration failed and was rolled back.*0002_broken"):
        RecordStore(path, migrations)
    (migrations / "0002_broken.sql").unlink()
    with RecordStore(path, migrations) as store:
        assert store.applied == []  # 0001 stayed applied
        assert "b" not in store.tables()  # nothing of 0002 was left behind


def test_an_edited_migration_is_refused(tmp_path):
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_base.sql").write_text("CREATE TABLE a (x INTEGER);")
    RecordStore(tmp_path / "records.duckdb", migrations).close()
    (migrations / "0001_base.sql").write_text("CREATE TABLE a (x INTEGER, y INTEGER);")
    with pytest.raises(StorageError, match=r"an applied migration was edited afterwards.*new migration"):
        RecordStore(tmp_path / "records.duckdb", migrations)


@pytest.mark.parametrize("name", ["1_short.sql", "0001-dash.sql", "0001_Upper.sql"])
def test_malformed_migration_names(tmp_path, name):
    (tmp_path / name).write_text("SELECT 1;")
    with pytest.raises(StorageError, match=r"malformed migration file name"):
        load_migrations(tmp_path)


def test_duplicate_migration_numbers(tmp_path):
    (tmp_path / "0001_a.sql").write_text("SELECT 1;")
    (tmp_path / "0001_b.sql").write_text("SELECT 1;")
    with pytest.raises(StorageError, match=r"two migrations share a number"):
        load_migrations(tmp_path)


def test_concurrent_writers_and_readers(tmp_path):
    writers, per_writer = 4, 15
    seen_counts: list[int] = []
    errors: list[BaseException] = []
    with RecordStore(tmp_path / "records.duckdb") as store:
        def write(worker: int) -> None:
            try:
                for number in range(per_writer):
                    store.insert("alerts", [_alert(worker * 1000 + number)])
            except BaseException as error:  # surfaced below
                errors.append(error)

        def read() -> None:
            try:
                for _ in range(30):
                    seen_counts.append(int(store.query("SELECT count(*) AS n FROM alerts")["n"].item()))
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=write, args=(w,)) for w in range(writers)]
        threads += [threading.Thread(target=read) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        alerts = store.query("SELECT id, message_en FROM alerts")
    assert len(alerts) == writers * per_writer
    assert alerts["id"].is_unique
    assert alerts["message_en"].is_unique
    assert all(0 <= count <= writers * per_writer for count in seen_counts)


def test_insert_returns_keys_and_references_hold(tmp_path):
    with RecordStore(tmp_path / "records.duckdb") as store:
        ids = store.insert("alerts", [_alert(1), _alert(2)])
        assert ids == [1, 2]
        store.insert("acknowledgements", [{"alert_id": ids[0], "user_name": "chief", "acknowledged_at": NOW}])
        with pytest.raises(StorageError, match=r"the write was rolled back.*constraint"):
            store.insert("acknowledgements", [{"alert_id": 99, "user_name": "x", "acknowledged_at": NOW}])
        assert store.query("SELECT count(*) AS n FROM acknowledgements")["n"].item() == 1
        detail = store.query("SELECT details->>'value_degC' AS v FROM alerts WHERE id = 1")["v"].item()
        assert detail == "81"
        assert store.insert("casts", [{"cast_id": "2025-0301-01", "site": "plant1", "furnace": "bf1",
                                       "opened_at": NOW, "hot_metal_mass_t": 412.5}]) == ["2025-0301-01"]


def test_a_failed_write_leaves_the_store_usable(tmp_path):
    with RecordStore(tmp_path / "records.duckdb") as store:
        bad = _alert(1) | {"severity": "apocalyptic"}
        with pytest.raises(StorageError, match=r"rolled back.*check the values"):
            store.insert("alerts", [_alert(2), bad])
        assert store.query("SELECT count(*) AS n FROM alerts")["n"].item() == 0  # all or nothing
        store.insert("alerts", [_alert(3)])
        store.execute("UPDATE alerts SET cleared_at = ? WHERE id = ?", [NOW, 3])
        assert store.query("SELECT cleared_at FROM alerts")["cleared_at"].notna().all()


def test_audit_log(tmp_path):
    with RecordStore(tmp_path / "records.duckdb") as store:
        first = store.audit("chief", "acknowledge", "alert", "1", {"comment": "checked"})
        second = store.audit("system", "retention", details={"days": 365})
        assert second == first + 1
        log = store.query("SELECT actor, action FROM audit_log ORDER BY id")
    assert log.values.tolist() == [["chief", "acknowledge"], ["system", "retention"]]


def test_unknown_table_and_columns(tmp_path):
    with RecordStore(tmp_path / "records.duckdb") as store:
        with pytest.raises(UnknownKeyError, match=r"table: unknown table.*'alarms'"):
            store.insert("alarms", [{"x": 1}])
        with pytest.raises(InputError, match=r"unknown columns for table 'alerts'.*'colour'"):
            store.insert("alerts", [_alert(1) | {"colour": "red"}])
        with pytest.raises(InputError, match=r"sql: the query failed"):
            store.query("SELECT nothing FROM alerts")
        assert store.insert("alerts", []) == []


def test_closed_store_refuses_writes(tmp_path):
    store = RecordStore(tmp_path / "records.duckdb")
    store.close()
    store.close()
    with pytest.raises(StorageError, match="the records store is closed"):
        store.insert("alerts", [_alert(1)])
