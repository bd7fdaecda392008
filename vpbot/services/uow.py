"""The unit of work: one transaction, its key manager, clock and audit/outbox helpers.

Services receive a unit of work and never commit on their own; the adapter calls
``commit()`` once the whole use case succeeded. A database that is down surfaces as the
domain error ``service.unavailable`` (a clear message for the person, never a 500), and
nothing half-written survives because the transaction is rolled back.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from vpbot.crypto.keys import KeyManager
from vpbot.crypto.wrapping import KeyWrapper
from vpbot.domain.errors import DomainError
from vpbot.services import audit, outbox
from vpbot.services.actor import Actor, SystemActor
from vpbot.services.clock import Clock
from vpbot.storage.models import OutboxItem
from vpbot.ui.notifications import Notification


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
        if isinstance(exc, OperationalError) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated
        ):
            raise DomainError("service.unavailable") from exc
        return None

    def commit(self) -> None:
        """Commit the use case's transaction."""
        try:
            self.session.commit()
        except OperationalError as exc:
            raise DomainError("service.unavailable") from exc

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
