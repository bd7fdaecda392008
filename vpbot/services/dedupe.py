"""First-time checks for platform event ids and request signatures (retries are harmless)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from vpbot.services.uow import UnitOfWorkFactory
from vpbot.storage.models import ProcessedEvent

KEEP_FOR = timedelta(hours=1)


def remember_once(uows: UnitOfWorkFactory, key: str) -> bool:
    """Record ``key``; True the first time it is seen, False for a repeat (within an hour).

    Insert-then-commit under the primary key: two processes racing on the same key cannot
    both win. Old keys are pruned on the way, so the table stays small.
    """
    key = key[:128]
    with uows() as uow:
        if uow.session.scalars(select(ProcessedEvent.event_id).where(ProcessedEvent.event_id == key)).first():
            return False
        uow.session.add(ProcessedEvent(event_id=key, received_at=uow.now))
        uow.session.execute(delete(ProcessedEvent).where(ProcessedEvent.received_at < uow.now - KEEP_FOR))
        try:
            uow.commit()
        except IntegrityError:  # the racing twin committed first
            return False
        return True
