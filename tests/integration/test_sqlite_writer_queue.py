"""SQLite transactions of one process queue on the engine's writer lock, and always give it back.

The lock replaces SQLite's sleep-and-retry busy handler inside the process (which turned
millisecond transactions into multi-second waits under concurrent requests). A lock that was
not given back would stop every later transaction, so each way a transaction can end is
checked: commit, rollback, an exception, a connection closed without either, an
invalidated connection.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, func, insert, select, text
from sqlalchemy.exc import DBAPIError, OperationalError

from vpbot.services.clock import Clock
from vpbot.storage import db
from vpbot.storage.db import make_engine
from vpbot.storage.models import ProcessedEvent


@pytest.fixture
def sqlite(tmp_path: Path, sqlite_template: Path) -> Engine:
    path = tmp_path / "queue.db"
    path.write_bytes(sqlite_template.read_bytes())
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def in_other_thread(call: Callable[[], None], timeout: float = 5.0) -> None:
    """Run ``call`` in another thread; fail if it does not finish (the lock was kept)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "another transaction could not begin: the writer lock was not given back"
    assert errors == []


def assert_free(engine: Engine) -> None:
    def write() -> None:
        with engine.begin() as connection:
            connection.execute(text("SELECT 1"))

    in_other_thread(write)


def test_many_threads_all_commit_in_turn(sqlite: Engine) -> None:
    now = Clock().now()

    def writer(n: int) -> None:
        for i in range(10):
            with sqlite.begin() as connection:
                connection.execute(insert(ProcessedEvent).values(event_id=f"t{n}-{i}", received_at=now))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with sqlite.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(ProcessedEvent)) == 200


def test_the_lock_is_given_back_however_a_transaction_ends(sqlite: Engine) -> None:
    with sqlite.begin() as connection:
        connection.execute(text("SELECT 1"))
    assert_free(sqlite)

    connection = sqlite.connect()
    connection.execute(text("SELECT 1"))
    connection.rollback()
    assert_free(sqlite)
    connection.close()

    with pytest.raises(RuntimeError), sqlite.begin() as connection:
        connection.execute(text("SELECT 1"))
        raise RuntimeError("use case failed")
    assert_free(sqlite)

    connection = sqlite.connect()  # closed inside a transaction: the pool rolls it back
    connection.execute(text("SELECT 1"))
    connection.close()
    assert_free(sqlite)

    connection = sqlite.connect()
    connection.execute(text("SELECT 1"))
    connection.invalidate()
    assert_free(sqlite)
    connection.close()


def test_a_failed_statement_inside_a_transaction_still_releases(sqlite: Engine) -> None:
    with pytest.raises(Exception), sqlite.begin() as connection:  # noqa: B017 - any DB error
        connection.execute(text("SELECT * FROM no_such_table"))
    assert_free(sqlite)


def test_a_write_lock_held_by_another_process_fails_as_a_busy_database(
    tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # BEGIN IMMEDIATE runs on the DBAPI connection itself; its failure must still reach the
    # unit of work as SQLAlchemy's OperationalError (→ "service unavailable"), and the lock
    # of this process must be given back.
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "busy.db"
    path.write_bytes(sqlite_template.read_bytes())
    engine = make_engine(f"sqlite:///{path}")
    other_process = sqlite3.connect(path, isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="database is locked"), engine.begin() as connection:
            connection.execute(text("SELECT 1"))
    finally:
        other_process.rollback()
        other_process.close()
    assert_free(engine)
    engine.dispose()


def test_a_closed_connection_fails_as_invalidated_and_is_replaced(sqlite: Engine) -> None:
    # Found in review: a raw sqlite3.ProgrammingError from BEGIN would have escaped as a 500.
    connection = sqlite.connect()
    connection.connection.dbapi_connection.close()  # e.g. closed underneath by a failure
    with pytest.raises(DBAPIError) as failure:
        connection.begin()
    assert failure.value.connection_invalidated  # what the unit of work maps to "unavailable"
    connection.close()
    assert_free(sqlite)  # the lock was given back, and the pool hands out a working connection


def test_a_second_transaction_waits_for_the_first(sqlite: Engine) -> None:
    now = Clock().now()
    order: list[str] = []
    first = sqlite.connect()
    first.execute(insert(ProcessedEvent).values(event_id="first", received_at=now))
    waiting = threading.Event()

    def second() -> None:
        waiting.set()
        with sqlite.begin() as connection:
            order.append("second began")
            connection.execute(insert(ProcessedEvent).values(event_id="second", received_at=now))

    thread = threading.Thread(target=second, daemon=True)
    thread.start()
    waiting.wait(5)
    thread.join(0.3)
    assert thread.is_alive(), "the second transaction began while the first was open"
    order.append("first committed")
    first.commit()
    first.close()
    thread.join(5)
    assert order == ["first committed", "second began"]


def test_a_burst_of_request_threads_keeps_its_connections_pooled(sqlite: Engine) -> None:
    # Found by the HTTP benchmark: with 5 pooled connections, a burst of 40 request threads
    # opened overflow connections (with their PRAGMAs) and closed them again on return.
    opened: list[object] = []
    event.listen(sqlite, "connect", lambda dbapi_connection, _record: opened.append(dbapi_connection))
    barrier = threading.Barrier(40)
    failures: list[BaseException] = []

    def request() -> None:
        try:
            with sqlite.connect() as connection:
                barrier.wait(timeout=10)  # all 40 hold a connection at once
                connection.execute(select(func.count()).select_from(ProcessedEvent))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    for _ in range(2):
        threads = [threading.Thread(target=request) for _ in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
        barrier.reset()
    assert failures == []
    assert len(opened) == 40  # the second burst found all 40 waiting in the pool
    assert sqlite.pool.checkedin() == 40
