"""Embedded SQLite: WAL and immediate transactions let 20 concurrent writers all succeed."""

import threading

import pytest
from django.db import connections, transaction

from junjia.settings.base import database_from_url

WRITERS = 20
WRITES_EACH = 15


@pytest.fixture
def sqlite_alias(tmp_path, django_db_blocker):
    alias = f"concurrency_{tmp_path.name}"
    config = database_from_url(f"sqlite:///{tmp_path / 'embedded.sqlite3'}")
    config.setdefault("TIME_ZONE", None)
    config.setdefault("CONN_HEALTH_CHECKS", False)
    config.setdefault("CONN_MAX_AGE", 0)
    config.setdefault("AUTOCOMMIT", True)
    config.setdefault("ATOMIC_REQUESTS", False)
    config.setdefault("TEST", {})
    connections.settings[alias] = config
    # This database is the test's own file, not the suite's test database.
    with django_db_blocker.unblock():
        with connections[alias].cursor() as cursor:
            cursor.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
            cursor.execute("INSERT INTO counter (id, value) VALUES (1, 0)")
            cursor.execute(
                "CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, writer INTEGER)"
            )
        yield alias
        connections[alias].close()
    del connections[alias]
    del connections.settings[alias]


def test_wal_mode_is_on(sqlite_alias):
    with connections[sqlite_alias].cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_twenty_concurrent_writers_never_see_database_is_locked(sqlite_alias):
    errors: list[Exception] = []
    start = threading.Barrier(WRITERS)

    def writer(number: int) -> None:
        try:
            start.wait()
            for _ in range(WRITES_EACH):
                # Read-modify-write: the classic lock upgrade that fails under DEFERRED.
                with (
                    transaction.atomic(using=sqlite_alias),
                    connections[sqlite_alias].cursor() as cursor,
                ):
                    cursor.execute("SELECT value FROM counter WHERE id = 1")
                    value = cursor.fetchone()[0]
                    cursor.execute("UPDATE counter SET value = %s WHERE id = 1", [value + 1])
                    cursor.execute("INSERT INTO log (writer) VALUES (%s)", [number])
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections[sqlite_alias].close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    with connections[sqlite_alias].cursor() as cursor:
        cursor.execute("SELECT value FROM counter WHERE id = 1")
        assert cursor.fetchone()[0] == WRITERS * WRITES_EACH
        cursor.execute("SELECT COUNT(*) FROM log")
        assert cursor.fetchone()[0] == WRITERS * WRITES_EACH
