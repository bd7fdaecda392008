"""Database engines: SQLite (embedded default) and PostgreSQL (production).

SQLite runs with WAL (readers don't block the writer), foreign keys, ``secure_delete`` (deleted
rows, such as shredded keys, are overwritten on disk) and a busy timeout. Transactions start
with ``BEGIN IMMEDIATE`` so two writers never deadlock on a lock upgrade: the second one waits
for the first, which is what makes the 50-way booking race deterministic on SQLite.

Within one process the transactions also queue on a lock of the engine (:class:`_WriterQueue`)
before ``BEGIN IMMEDIATE``: SQLite's busy handler makes a waiting connection sleep and retry
with sleeps growing to 100 ms, so under many concurrent requests millisecond transactions
waited seconds while the database sat idle between retries (see benchmarks/RESULTS.md). Other
processes on the same file still wait through the busy timeout.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from vpbot.storage.urls import is_in_memory_sqlite

SQLITE_BUSY_TIMEOUT_MS = 15_000
# One connection each for the request threads (vpbot/web/threads.py), Slack's listener threads
# and the ticker, most of which rarely hold one at the same time.
SQLITE_POOL_SIZE = 40


SQLITE_MINIMUM = (3, 35, 0)  # INSERT … ON CONFLICT … RETURNING (the replay guard)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with vpbot's connection settings."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if sqlite3.sqlite_version_info < SQLITE_MINIMUM:
            raise RuntimeError(
                f"vpbot needs SQLite {'.'.join(map(str, SQLITE_MINIMUM))} or newer; this Python has "
                f"{sqlite3.sqlite_version} (use a newer Python build, or PostgreSQL)"
            )
        # A pooled connection for every request thread: with the default 5 (+10 overflow),
        # threads queued for a connection as well as for the writer queue, overflow connections
        # were opened (with their PRAGMAs) and closed again on every burst, and the Slack p99 at
        # 50 clients was ~1.5x higher (benchmarks/RESULTS.md). Idle connections cost a few
        # file handles and a small page cache each.
        if not is_in_memory_sqlite(url):  # an in-memory database has a pool of its own kind
            kwargs.setdefault("pool_size", SQLITE_POOL_SIZE)
            kwargs.setdefault("max_overflow", 10)
        engine = create_engine(
            url,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (pysqlite's own
        # implicit BEGIN is deferred and cannot be made IMMEDIATE).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA secure_delete=ON",
            f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}",
        ):
            cursor.execute(pragma)
        cursor.close()

    _WriterQueue(engine, SQLITE_BUSY_TIMEOUT_MS / 1000).install()


class _WriterQueue:
    """One SQLite transaction at a time per engine, handed over the moment the last one ends.

    Taken in the ``begin`` event, before ``BEGIN IMMEDIATE``; given back after the DBAPI
    commit or rollback has finished (the dialect's ``do_commit``/``do_rollback``, which the
    pool's reset-on-return also calls), or when the holding connection is closed or
    invalidated. A ``threading.Lock`` (not an ``RLock``), so whichever thread finishes the
    connection may release it. Waiting longer than the busy timeout fails the way a busy
    database does: ``OperationalError`` ("database is locked").
    """

    def __init__(self, engine: Engine, timeout: float) -> None:
        self.engine = engine
        self.timeout = timeout
        self._lock = threading.Lock()
        self._holder: object | None = None  # the DBAPI connection in a transaction

    def install(self) -> None:
        dialect = self.engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(connection: Any) -> None:
            try:
                commit(connection)
            finally:
                self.release(connection)

        def do_rollback(connection: Any) -> None:
            try:
                rollback(connection)
            finally:
                self.release(connection)

        dialect.do_commit = do_commit  # type: ignore[method-assign]
        dialect.do_rollback = do_rollback  # type: ignore[method-assign]
        event.listen(self.engine, "begin", self.begin)
        for name in ("close", "invalidate", "soft_invalidate", "detach"):
            event.listen(self.engine, name, self._released_by_pool)

    def begin(self, connection: Any) -> None:
        raw = connection.connection.dbapi_connection
        if raw is self._holder:  # the same DBAPI connection again: SQLite refuses it, as before
            _begin_immediate(connection, raw)
            return
        if not self._lock.acquire(timeout=self.timeout):
            raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked"))
        self._holder = raw
        try:
            _begin_immediate(connection, raw)
        except BaseException:
            self.release(raw)
            raise

    def release(self, connection: Any) -> None:
        """Give the lock back if ``connection`` (pooled or DBAPI) holds it."""
        raw = getattr(connection, "dbapi_connection", connection)
        if raw is not None and raw is self._holder:
            self._holder = None
            self._lock.release()

    def _released_by_pool(self, dbapi_connection: Any, *_args: Any) -> None:
        self.release(dbapi_connection)


def _begin_immediate(connection: Any, dbapi_connection: sqlite3.Connection) -> None:
    """``BEGIN IMMEDIATE`` on the DBAPI connection itself.

    Every transaction starts here, under the writer lock: SQLAlchemy's statement machinery
    (an execution context, a cursor, a result, events) cost more CPU than the statement.
    A failure is raised as SQLAlchemy's exception for it, as a statement's would be: "database
    is locked" as ``OperationalError``; a closed connection invalidated, so that the unit of
    work says "service unavailable" and the pool replaces the connection.
    """
    try:
        dbapi_connection.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        invalidated = bool(connection.dialect.is_disconnect(exc, dbapi_connection, None))
        if invalidated:
            connection.invalidate(exc)
        raise DBAPIError.instance(
            "BEGIN IMMEDIATE", None, exc, sqlite3.Error, connection_invalidated=invalidated
        ) from exc


def is_postgres(engine: Engine) -> bool:
    """Whether ``engine`` talks to PostgreSQL (row locks, SKIP LOCKED, advisory locks)."""
    return engine.dialect.name == "postgresql"
