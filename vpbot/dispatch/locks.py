"""Singleton jobs across processes: a PostgreSQL advisory lock per job name (DESIGN.md §3).

Jobs that must run at most once at a time in the whole deployment — the retention purge,
the master key re-wrap — take the lock without waiting and skip their run if another
process holds it::

    with singleton(engine, "retention") as acquired:
        if acquired:
            purge(...)

The lock is session-level on a connection of its own, outside any transaction, so the
job's own transactions may commit as often as they like while it is held; if the process
dies, PostgreSQL releases it with the connection. On SQLite (one process) only threads of
this process can compete, and an in-process lock keeps them apart.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, text

from vpbot.storage.db import is_postgres

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


def lock_key(name: str) -> int:
    """The 64-bit advisory lock key for a job name (stable across processes and versions)."""
    digest = hashlib.sha256(f"vpbot.singleton:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def singleton(engine: Engine, name: str) -> Iterator[bool]:
    """Try to become the only holder of job ``name``; yields whether it did. Never waits."""
    with _local_lock(name) as local:
        if not local:
            yield False
        elif not is_postgres(engine):
            yield True
        else:
            with _advisory_lock(engine, lock_key(name)) as acquired:
                yield acquired


@contextmanager
def _local_lock(name: str) -> Iterator[bool]:
    with _local_guard:
        lock = _local_locks.setdefault(name, threading.Lock())
    acquired = lock.acquire(blocking=False)
    try:
        yield acquired
    finally:
        if acquired:
            lock.release()


@contextmanager
def _advisory_lock(engine: Engine, key: int) -> Iterator[bool]:
    connection = engine.connect()
    try:
        acquired = bool(connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
        connection.commit()  # hold the lock, not an idle transaction
        yield acquired
        if acquired:
            connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
            connection.commit()
    except BaseException:
        # The lock's state is unknown (the job failed, or the connection broke): never hand
        # this connection back to the pool still holding it.
        connection.invalidate()
        raise
    finally:
        connection.close()
