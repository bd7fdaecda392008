"""The unit of work: one transaction, its key manager, clock and audit/outbox helpers.

Services receive a unit of work and never commit on their own; the adapter calls
``commit()`` once the whole use case succeeded. A database that is down surfaces as the
domain error ``service.unavailable`` (a clear message for the person, never a 500), and
nothing half-written survives because the transaction is rolled back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import CursorResult, Executable
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from vpbot.crypto.keys import KeyManager
from vpbot.crypto.wrapping import KeyWrapper
from vpbot.domain.errors import DomainError
from vpbot.services import audit, outbox
from vpbot.services.actor import Actor, SystemActor
from vpbot.services.clock import Clock
from vpbot.storage.models import OutboxItem
from vpbot.ui.notifications import Notification

log = logging.getLogger(__name__)
T = TypeVar("T")


class WriteConflict(Exception):
    """Another transaction created the same row first (a unique constraint said so).

    Typically two first requests from a new workspace or person, which PostgreSQL runs side
    by side. The unit of work was rolled back whole, so the caller may simply run it again:
    it then finds the row.
    """


def _is_unique_violation(exc: IntegrityError) -> bool:
    # PostgreSQL's SQLSTATE for unique_violation; SQLite says it in the message.
    return getattr(exc.orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(exc.orig)


def _constraint(exc: IntegrityError) -> str:
    """Which unique constraint (names only: never the values, which may identify someone)."""
    name = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if isinstance(name, str):
        return name
    message = str(exc.orig)
    return message.split("failed:", 1)[1].strip()[:200] if "failed:" in message else "unknown"


class UnitOfWork:
    """A transaction with everything a use case needs."""

    session: Session
    keys: KeyManager
    clock: Clock

    def __init__(self, sessions: sessionmaker[Session], wrapper: KeyWrapper, clock: Clock) -> None:
        self._sessions = sessions
        self._wrapper = wrapper
        self.clock = clock

    def __enter__(self) -> UnitOfWork:
        self.session = self._sessions()
        self.keys = KeyManager(self.session, self._wrapper)
        self.now: datetime = self.clock.now()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        try:
            self.session.rollback()  # a no-op after commit(); undoes anything uncommitted
        except DBAPIError:
            pass
        finally:
            self.session.close()
        if isinstance(exc, (OperationalError, PoolTimeout)) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated
        ):
            raise DomainError("service.unavailable") from exc
        if isinstance(exc, IntegrityError) and _is_unique_violation(exc):
            raise WriteConflict(_constraint(exc)) from exc
        return None

    def core(self, statement: Executable, params: Mapping[str, Any]) -> CursorResult[Any]:
        """Run a Core statement (columns, not ORM objects: cheaper on hot paths) in this
        transaction, after writing pending ORM changes as the ORM's own queries would."""
        if self.session.new or self.session.dirty or self.session.deleted:
            self.session.flush()
        return self.session.connection().execute(statement, params)

    def commit(self) -> None:
        """Commit the use case's transaction."""
        try:
            self.session.commit()
        except OperationalError as exc:
            raise DomainError("service.unavailable") from exc
        except IntegrityError as exc:
            if _is_unique_violation(exc):
                raise WriteConflict(_constraint(exc)) from exc
            raise

    # Helpers every use case needs, in the same transaction as its change.

    def audit(
        self, actor: Actor | SystemActor, action: str, object_type: str, object_id: str | None,
        *, role: str | None = None,
    ) -> None:
        """Record who did what to which object (never content)."""
        audit.record(self.session, actor, action, object_type, object_id, self.now, role=role)

    def notify(
        self, tenant_id: str, recipient_id: str, notification: Notification,
        *, due_at: datetime | None = None, dedupe_key: str | None = None,
    ) -> OutboxItem:
        """Queue a content-free notification for delivery by the dispatcher."""
        return outbox.enqueue(
            self.session, tenant_id, recipient_id, notification,
            due_at=due_at or self.now, dedupe_key=dedupe_key,
        )


class UnitOfWorkFactory:
    """Makes units of work; the composition root builds one per process."""

    def __init__(self, sessions: sessionmaker[Session], wrapper: KeyWrapper, clock: Clock | None = None) -> None:
        self.sessions = sessions
        self.wrapper = wrapper
        self.clock = clock or Clock()

    def __call__(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.wrapper, self.clock)

    def run(self, work: Callable[[UnitOfWork], T], *, attempts: int = 3) -> T:
        """``work`` in a unit of work (it commits), run again when it lost a race to create a row.

        After ``attempts`` lost races the person gets ``service.unavailable`` ("try again").
        """
        constraint = "?"
        for attempt in range(1, attempts + 1):
            try:
                with self() as uow:
                    return work(uow)
            except WriteConflict as conflict:
                constraint = str(conflict)
                log.info("a unit of work lost a race on %s (attempt %d of %d)", constraint, attempt, attempts)
        # Races end after one re-run; this many in a row more likely means a bug.
        log.warning("a unit of work kept violating %s; gave up after %d attempts", constraint, attempts)
        raise DomainError("service.unavailable")
