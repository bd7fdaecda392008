"""The audit log: who did what to which object, never content; hash-chained.

Each row's hash covers its own fields and the previous row's hash, so changing or deleting
a row breaks the chain at that point (``vpbot audit verify``). Appends are serialised: on
PostgreSQL by a transaction-scoped advisory lock, on SQLite by its single writer.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from vpbot.services.actor import Actor, SystemActor
from vpbot.storage.models import AuditEvent

GENESIS = "0" * 64
AUDIT_LOCK_KEY = 0x7670_6175_6469  # "vpaudi": an arbitrary constant for pg_advisory_xact_lock


def _digest(prev_hash: str, event: AuditEvent) -> str:
    fields = {
        "tenant_id": event.tenant_id,
        "actor_id": event.actor_id,
        "actor_role": event.actor_role,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "at": event.at.isoformat(timespec="microseconds"),
    }
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def record(
    session: Session,
    actor: Actor | SystemActor,
    action: str,
    object_type: str,
    object_id: str | None,
    at: datetime,
    *,
    role: str | None = None,
) -> AuditEvent:
    """Append an audit event in the caller's transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK_KEY})
    last = session.scalars(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    prev_hash = last or GENESIS
    if isinstance(actor, Actor):
        tenant_id, actor_id, actor_role = actor.tenant_id, actor.person_id, role or "person"
    else:
        tenant_id, actor_id, actor_role = actor.tenant_id, None, actor.name
    event = AuditEvent(
        tenant_id=tenant_id,
        actor_id=actor_id,
        actor_role=actor_role,
        action=action,
        object_type=object_type,
        object_id=object_id,
        at=at,
        prev_hash=prev_hash,
        hash="",
    )
    event.hash = _digest(prev_hash, event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class AuditProblem:
    """A break in the chain: the row at ``seq`` was changed, or rows before it deleted."""

    seq: int
    problem: str  # "changed" | "missing_before"


def verify(session: Session, batch: int = 5000) -> tuple[int, list[AuditProblem]]:
    """Walk the chain in order; return (rows checked, problems found)."""
    problems: list[AuditProblem] = []
    prev_hash = GENESIS
    checked = 0
    last_seq = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            return checked, problems
        for row in rows:
            checked += 1
            if row.prev_hash != prev_hash:
                problems.append(AuditProblem(row.seq, "missing_before"))
            if _digest(row.prev_hash, row) != row.hash:
                problems.append(AuditProblem(row.seq, "changed"))
            prev_hash = row.hash
            last_seq = row.seq
