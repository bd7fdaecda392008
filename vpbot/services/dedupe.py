"""First-time checks for platform event ids and request signatures (retries are harmless)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from vpbot.services.uow import UnitOfWorkFactory
from vpbot.storage.models import ProcessedEvent

KEEP_FOR = timedelta(hours=1)

# One statement per dialect, built once: insert the key unless it is there (this runs before
# every Slack request is acknowledged).
_INSERTS: dict[str, Any] = {
    name: insert(ProcessedEvent.__table__)
    .values(event_id=bindparam("key"), received_at=bindparam("now"))
    .on_conflict_do_nothing(index_elements=["event_id"])
    .returning(ProcessedEvent.__table__.c.event_id)  # a row only when inserted
    for name, insert in (("sqlite", sqlite.insert), ("postgresql", postgresql.insert))
}


def remember_once(uows: UnitOfWorkFactory, key: str) -> bool:
    """Record ``key``; True the first time it is seen, False for a repeat.

    One ``INSERT … ON CONFLICT DO NOTHING`` under the primary key, then commit: of two
    processes racing on the same key exactly one inserts a row (PostgreSQL makes the second
    wait for the first to commit). Keys are kept at least :data:`KEEP_FOR` (longer than
    Slack's five-minute signature window and its retries); the hourly housekeeping job
    prunes older ones, so this hot path does one small insert and nothing else.
    """
    with uows() as uow:
        statement = _INSERTS[uow.session.get_bind().dialect.name]
        inserted = uow.core(statement, {"key": key[:128], "now": uow.now}).first() is not None
        uow.commit()
        return inserted


def prune_remembered(session: Session, now: datetime) -> int:
    """Forget keys older than :data:`KEEP_FOR` (run by housekeeping, not per request)."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < now - KEEP_FOR))
    return int(result.rowcount or 0)
