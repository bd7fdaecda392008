"""First-time checks for platform event ids and request signatures (retries are harmless)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from vpbot.services.uow import UnitOfWorkFactory
from vpbot.storage.models import ProcessedEvent

KEEP_FOR = timedelta(hours=1)


def remember_once(uows: UnitOfWorkFactory, key: str) -> bool:
    """Record ``key``; True the first time it is seen, False for a repeat.

    Insert-then-commit under the primary key: two processes racing on the same key cannot
    both win. Keys are kept at least :data:`KEEP_FOR` (longer than Slack's five-minute
    signature window and its retries); the hourly housekeeping job prunes older ones, so
    this hot path does one small insert and nothing else.
    """
    key = key[:128]
    with uows() as uow:
        if uow.session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.event_id == key)).first():
            return False
        uow.session.add(ProcessedEvent(event_id=key, received_at=uow.now))
        try:
            uow.commit()
        except IntegrityError:  # the racing twin committed first
            return False
        return True


def prune_remembered(session: Session, now: datetime) -> int:
    """Forget keys older than :data:`KEEP_FOR` (run by housekeeping, not per request)."""
    result = session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < now - KEEP_FOR))
    return int(result.rowcount or 0)
