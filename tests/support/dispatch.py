"""Dispatcher test helpers: a recording, scriptable :class:`Sender` fake, seeding, and rows.

``RecordingSender`` subclasses the real port (no mocks): it records every delivery, keeps
what "the platform" has posted (for ``already_sent``), and raises whatever failures the
test scripts, in order.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import sessionmaker

from tests.support.core import T0
from vpbot.dispatch.dispatcher import Dispatcher
from vpbot.dispatch.ports import Delivery, DeliveryFailure, Sender, SendReceipt
from vpbot.services import tenants
from vpbot.services.clock import Clock
from vpbot.services.uow import UnitOfWorkFactory
from vpbot.storage.models import OutboxItem, new_id
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType


@dataclass(frozen=True)
class PostedThen:
    """A scripted outcome: the platform posts the message, then the call fails anyway
    (e.g. a timeout after the platform accepted it): the outcome is unknown to vpbot."""

    failure: DeliveryFailure


Outcome = DeliveryFailure | PostedThen | None  # None: success


class RecordingSender(Sender):
    """A fake platform sender that records deliveries and fails as scripted."""

    def __init__(self, *, can_check: bool = True) -> None:
        self.deliveries: list[Delivery] = []
        self.lookups: list[str] = []  # outbox ids asked about in already_sent
        self.posted: dict[str, str] = {}  # outbox id -> message id, what the platform holds
        self.can_check = can_check
        self._queue: deque[Outcome] = deque()
        self._rules: list[tuple[Callable[[Delivery], bool], Outcome]] = []
        self.on_send: Callable[[Delivery], None] | None = None

    def script(self, *outcomes: Outcome) -> RecordingSender:
        """Outcomes for the next sends, in order (None = success); then success again."""
        self._queue.extend(outcomes)
        return self

    def fail_when(self, predicate: Callable[[Delivery], bool], outcome: Outcome) -> RecordingSender:
        """Always answer ``outcome`` to deliveries matching ``predicate``."""
        self._rules.append((predicate, outcome))
        return self

    def send(self, delivery: Delivery) -> SendReceipt:
        self.deliveries.append(delivery)
        if self.on_send is not None:
            self.on_send(delivery)
        outcome = self._outcome(delivery)
        if isinstance(outcome, DeliveryFailure):
            raise outcome
        message_id = f"M{len(self.deliveries):05d}"
        self.posted[delivery.outbox_id] = message_id
        if isinstance(outcome, PostedThen):
            raise outcome.failure
        return SendReceipt(message_id)

    def already_sent(self, delivery: Delivery) -> str | None:
        self.lookups.append(delivery.outbox_id)
        return self.posted.get(delivery.outbox_id) if self.can_check else None

    def _outcome(self, delivery: Delivery) -> Outcome:
        for predicate, outcome in self._rules:
            if predicate(delivery):
                return outcome
        return self._queue.popleft() if self._queue else None

    @property
    def sent_ids(self) -> list[str]:
        """Outbox ids in the order they were handed to ``send``."""
        return [d.outbox_id for d in self.deliveries]


@dataclass(frozen=True)
class Workspace:
    """A seeded tenant: an admin and two employees (platform ids U_ADMIN, U_EMP1, U_EMP2)."""

    tenant_id: str
    admin_id: str
    employee_id: str
    other_id: str


def seed_workspace(make: UnitOfWorkFactory, platform: str = "slack", external_id: str = "T0001") -> Workspace:
    """Register a tenant with an admin and two employees."""
    with make() as uow:
        tenant_id = tenants.register_tenant(uow, platform, external_id)
        admin = tenants.identify(uow, tenant_id, "U_ADMIN")
        tenants.grant_first_admin(uow, tenant_id, admin.person_id)
        employee = tenants.identify(uow, tenant_id, "U_EMP1", locale="en", timezone="Europe/London")
        other = tenants.identify(uow, tenant_id, "U_EMP2")
        uow.commit()
    return Workspace(tenant_id, admin.person_id, employee.person_id, other.person_id)


def checkin_notification() -> Notification:
    """A content-free check-in notification pointing at a (random) check-in id."""
    return Notification(NotificationKind.CHECKIN_DUE, ref=ObjectRef(ObjectType.CHECKIN, new_id()))


def enqueue(
    make: UnitOfWorkFactory, tenant_id: str, recipient_id: str, *,
    due_at: datetime | None = None, notification: Notification | None = None,
) -> str:
    """Queue one notification the way services do (uow.notify); return the outbox id."""
    with make() as uow:
        item = uow.notify(tenant_id, recipient_id, notification or checkin_notification(), due_at=due_at)
        uow.session.flush()
        uow.commit()
        return item.id


def bulk_checkins(
    engine: Engine, tenant_id: str, recipient_ids: Iterable[str], count: int, due_at: datetime = T0,
) -> list[str]:
    """Insert ``count`` due check-in rows quickly (one executemany), round-robin over recipients."""
    recipients = list(recipient_ids)
    rows = [
        {
            "id": new_id(), "tenant_id": tenant_id, "recipient_id": recipients[i % len(recipients)],
            "kind": NotificationKind.CHECKIN_DUE.value, "payload": checkin_notification().to_payload(),
            "due_at": due_at + timedelta(microseconds=i), "status": "pending", "attempts": 0,
            "created_at": due_at,
        }
        for i in range(count)
    ]
    with engine.begin() as connection:
        connection.execute(insert(OutboxItem), rows)
    return [r["id"] for r in rows]


def rows(engine: Engine, *ids: str) -> dict[str, OutboxItem]:
    """Outbox rows by id (all rows when no ids are given), detached for assertions."""
    with sessionmaker(engine, expire_on_commit=False)() as session:
        query = select(OutboxItem)
        if ids:
            query = query.where(OutboxItem.id.in_(ids))
        found = {r.id: r for r in session.scalars(query)}
        session.expunge_all()
    return found


def statuses(engine: Engine) -> dict[str, int]:
    """How many outbox rows are in each status."""
    counts: dict[str, int] = {}
    for row in rows(engine).values():
        counts[row.status] = counts.get(row.status, 0) + 1
    return counts


def dispatcher(
    make: UnitOfWorkFactory, senders: Mapping[str, Sender], worker_id: str = "w1",
    clock: Clock | None = None, **options: object,
) -> Dispatcher:
    """A dispatcher on the factory's database, keys and clock."""
    return Dispatcher(make.sessions, make.wrapper, senders, clock or make.clock, worker_id, **options)  # type: ignore[arg-type]
