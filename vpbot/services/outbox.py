"""Writing notifications to the outbox, in the same transaction as the change (DESIGN.md §3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from vpbot.storage.models import OutboxItem, new_id, utcnow
from vpbot.ui.notifications import Notification


def enqueue(
    session: Session,
    tenant_id: str,
    recipient_id: str,
    notification: Notification,
    *,
    due_at: datetime,
    dedupe_key: str | None = None,
) -> OutboxItem:
    """Add a content-free notification for ``recipient_id`` to deliver at ``due_at``.

    Only a :class:`Notification` can be enqueued, so only typed, content-free values reach
    the outbox (C1). ``dedupe_key`` makes enqueuing idempotent where a use case may repeat.
    """
    item = OutboxItem(**_columns(tenant_id, recipient_id, notification, due_at, dedupe_key))
    session.add(item)
    return item


def _columns(
    tenant_id: str, recipient_id: str, notification: Notification, due_at: datetime, dedupe_key: str | None
) -> dict[str, object]:
    """The outbox columns for a notification: its kind and typed payload, nothing else."""
    return {
        "tenant_id": tenant_id,
        "recipient_id": recipient_id,
        "kind": notification.kind.value,
        "payload": notification.to_payload(),
        "due_at": due_at,
        "dedupe_key": dedupe_key,
    }


def enqueue_once(
    session: Session,
    tenant_id: str,
    recipient_id: str,
    notification: Notification,
    *,
    due_at: datetime,
    dedupe_key: str,
) -> bool:
    """Like :func:`enqueue`, but a no-op if ``dedupe_key`` is already queued; True if added.

    Uses ``INSERT ... ON CONFLICT DO NOTHING``, so two processes racing to queue the same
    item never fail each other's transaction with a unique violation.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxItem)
        .values(
            id=new_id(),
            created_at=utcnow(),
            **_columns(tenant_id, recipient_id, notification, due_at, dedupe_key),
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    return bool(session.execute(statement).rowcount)


def cancel_pending(session: Session, dedupe_prefix: str) -> int:
    """Cancel not-yet-sent items whose dedupe key starts with ``dedupe_prefix``."""
    result = session.execute(
        update(OutboxItem)
        .where(OutboxItem.dedupe_key.startswith(dedupe_prefix, autoescape=True))
        .where(OutboxItem.status == "pending")
        .values(status="cancelled")
    )
    return int(result.rowcount or 0)


FINISHED_STATUSES = ("sent", "undeliverable", "dead", "cancelled")


def prune_finished(session: Session, before: datetime) -> int:
    """Delete notifications that were finished (sent, given up, cancelled) before ``before``.

    They carry no content, but there is no reason to keep them forever (C7).
    """
    result = session.execute(
        delete(OutboxItem)
        .where(OutboxItem.status.in_(FINISHED_STATUSES))
        .where(OutboxItem.created_at < before)
        .where(OutboxItem.due_at < before)
    )
    return int(result.rowcount or 0)
