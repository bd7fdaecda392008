"""Secure message threads between an employee and their adviser, optionally anonymous.

Messages are stored only encrypted with the case key (C4) and shown only inside a view the
participant opened (C2); the other side gets a content-free NEW_MESSAGE notification (C1).
Only the two participants can read a thread; anyone else gets ``not_found``. While a thread
is anonymous the adviser sees a pseudonym, never who wrote it, until the employee reveals
their identity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from sqlalchemy import ColumnElement, Select, func, select

from vpbot.domain.cases import require_text
from vpbot.domain.errors import DomainError, NotFound
from vpbot.services import casefile
from vpbot.services.actor import Actor, Role
from vpbot.services.tenants import tenant_settings
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import Adviser, Case, Thread, ThreadMessage, new_id
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType

__all__ = [
    "MAX_MESSAGE_LENGTH",
    "MessageView",
    "ThreadSummary",
    "ThreadView",
    "adviser_threads",
    "my_threads",
    "post_message",
    "read_thread",
    "reveal_identity",
    "start_thread",
    "thread_summaries",
    "unread_counts",
]

MAX_MESSAGE_LENGTH = 4000

Side = Literal["employee", "adviser"]
EMPLOYEE: Side = "employee"
ADVISER: Side = "adviser"
_NEVER = datetime.min.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class MessageView:
    """One decrypted message, as shown to a participant."""

    id: str
    sender: Side
    mine: bool
    text: str
    sent_at: datetime
    read_at: datetime | None


@dataclass(frozen=True)
class ThreadView:
    """A thread opened by one of its two participants.

    ``employee_person_id`` is set only for the adviser of a thread that is not (or no longer)
    anonymous; an anonymous writer is only ever ``pseudonym`` to the adviser.
    """

    id: str
    case_id: str
    reference: str
    viewer: Side
    adviser_name: str
    pseudonym: str
    anonymous: bool
    revealed: bool
    employee_person_id: str | None
    messages: tuple[MessageView, ...]


@dataclass(frozen=True)
class ThreadSummary:
    """A thread in a list: counts, times and references only, never content."""

    id: str
    case_id: str
    reference: str
    pseudonym: str
    adviser_name: str
    anonymous: bool
    revealed: bool
    message_count: int
    unread_count: int
    last_message_at: datetime | None


# --------------------------------------------------------------------------- use cases


def start_thread(
    uow: UnitOfWork, actor: Actor, adviser_id: str | None, text: str, anonymous: bool = False
) -> ThreadView:
    """An employee writes to an adviser (or, with ``adviser_id`` None, to the least busy one).

    Opens (or reuses) the employee's case with that adviser, with the same anonymity, and
    its thread; the first message is stored encrypted and the adviser gets a content-free
    notification. ``anonymous`` is refused where the tenant does not allow it.
    """
    body = _validate_message(text)
    if anonymous and not tenant_settings(uow, actor.tenant_id).anonymous_threads_allowed:
        raise DomainError("thread.anonymous_not_allowed")
    adviser = _chosen_adviser(uow, actor, adviser_id)
    case = casefile.open_case(uow, actor, adviser.id, anonymous=anonymous)
    thread = uow.session.scalars(
        select(Thread).where(Thread.case_id == case.id).order_by(Thread.created_at, Thread.id)
    ).first()
    if thread is None:
        thread = Thread(
            id=new_id(), tenant_id=actor.tenant_id, case_id=case.id,
            anonymous=case.anonymous, created_at=uow.now,
        )
        uow.session.add(thread)
        uow.session.flush()
        uow.audit(actor, "thread.started", "thread", thread.id, role=Role.EMPLOYEE.value)
    _add_message(uow, actor, case, thread, EMPLOYEE, body, adviser.person_id)
    return _view(uow, actor, case, thread, adviser, EMPLOYEE)


def post_message(uow: UnitOfWork, actor: Actor, thread_id: str, text: str) -> MessageView:
    """The employee or the case's adviser adds a message; the other side is notified."""
    body = _validate_message(text)
    thread, case, adviser, side = _participant(uow, actor, thread_id)
    recipient = case.employee_id if side == ADVISER else adviser.person_id
    message = _add_message(uow, actor, case, thread, side, body, recipient)
    return MessageView(message.id, side, True, body, message.created_at, None)


def read_thread(uow: UnitOfWork, actor: Actor, thread_id: str) -> ThreadView:
    """A participant opens the thread: decrypted messages; the other side's are marked read."""
    thread, case, adviser, side = _participant(uow, actor, thread_id)
    unread = uow.session.scalars(
        select(ThreadMessage).where(
            ThreadMessage.thread_id == thread.id,
            ThreadMessage.sender != side,
            ThreadMessage.read_at.is_(None),
        )
    ).all()
    for message in unread:
        message.read_at = uow.now
    uow.session.flush()
    uow.audit(actor, "thread.read", "thread", thread.id, role=side)
    return _view(uow, actor, case, thread, adviser, side)


def reveal_identity(uow: UnitOfWork, actor: Actor, thread_id: str) -> ThreadView:
    """The employee lets the adviser know who they are in an anonymous thread (idempotent)."""
    thread, case, adviser, side = _participant(uow, actor, thread_id)
    if side != EMPLOYEE:
        # Only the writer may give up their own anonymity; to anyone else it does not exist.
        raise NotFound()
    if thread.anonymous and thread.revealed_at is None:
        thread.revealed_at = uow.now
        uow.audit(actor, "thread.identity_revealed", "thread", thread.id, role=EMPLOYEE)
    return _view(uow, actor, case, thread, adviser, side)


def my_threads(uow: UnitOfWork, actor: Actor) -> list[ThreadSummary]:
    """The acting employee's own threads, newest activity first (no content)."""
    return _listed(uow, actor, Case.employee_id == actor.person_id, EMPLOYEE)


def adviser_threads(uow: UnitOfWork, actor: Actor) -> list[ThreadSummary]:
    """The acting adviser's threads, newest activity first (no content, no identities)."""
    return _listed(uow, actor, Case.adviser_id == actor.require_adviser(), ADVISER)


def thread_summaries(uow: UnitOfWork, case: Case, viewer: Side) -> list[ThreadSummary]:
    """The threads of one case, for the case view of ``viewer`` (no content)."""
    adviser = uow.session.get(Adviser, case.adviser_id)
    assert adviser is not None  # cases.adviser_id is a foreign key
    threads = uow.session.scalars(select(Thread).where(Thread.case_id == case.id)).all()
    return _summaries(uow, [(t, case, adviser) for t in threads], viewer)


def unread_counts(uow: UnitOfWork, case_ids: Sequence[str], viewer: Side) -> dict[str, int]:
    """Per case id: messages from the other side that ``viewer`` has not read yet."""
    if not case_ids:
        return {}
    rows = uow.session.execute(
        select(Thread.case_id, func.count(ThreadMessage.id))
        .join(ThreadMessage, ThreadMessage.thread_id == Thread.id)
        .where(
            Thread.case_id.in_(case_ids),
            ThreadMessage.sender != viewer,
            ThreadMessage.read_at.is_(None),
        )
        .group_by(Thread.case_id)
    )
    return dict(rows.all())


# --------------------------------------------------------------------------- helpers


def _threads_of(actor: Actor, *where: ColumnElement[bool]) -> Select[tuple[Thread, Case, Adviser]]:
    """Threads in the actor's tenant with their case and adviser; purged cases are gone."""
    return (
        select(Thread, Case, Adviser)
        .join(Case, Case.id == Thread.case_id)
        .join(Adviser, Adviser.id == Case.adviser_id)
        .where(Thread.tenant_id == actor.tenant_id, Case.status != "purged", *where)
    )


def _listed(uow: UnitOfWork, actor: Actor, whose: ColumnElement[bool], viewer: Side) -> list[ThreadSummary]:
    return _summaries(uow, uow.session.execute(_threads_of(actor, whose)).all(), viewer)


def _validate_message(text: str) -> str:
    return require_text(text, field="message", max_length=MAX_MESSAGE_LENGTH, too_long_key="note.too_long")


def _chosen_adviser(uow: UnitOfWork, actor: Actor, adviser_id: str | None) -> Adviser:
    """The named active adviser, or the active adviser with the fewest open cases.

    Never the actor themself: an adviser who needs help writes to a colleague.
    """
    active = (
        Adviser.tenant_id == actor.tenant_id,
        Adviser.active.is_(True),
        Adviser.person_id != actor.person_id,
    )
    if adviser_id is not None:
        adviser = uow.session.scalars(select(Adviser).where(Adviser.id == adviser_id, *active)).first()
        if adviser is None:
            raise DomainError("adviser.unknown")
        return adviser
    open_cases = func.count(Case.id)
    least_busy = uow.session.scalars(
        select(Adviser)
        .outerjoin(Case, (Case.adviser_id == Adviser.id) & (Case.status == "open"))
        .where(*active)
        .group_by(Adviser.id)
        # Ties go to the longest-serving adviser, so the choice is stable between requests.
        .order_by(open_cases, Adviser.created_at, Adviser.id)
        .limit(1)
    ).first()
    if least_busy is None:
        raise DomainError("thread.no_adviser")
    return least_busy


def _participant(uow: UnitOfWork, actor: Actor, thread_id: str) -> tuple[Thread, Case, Adviser, Side]:
    """The thread, its case and adviser, and which side the actor is on; else ``not_found``."""
    row = uow.session.execute(_threads_of(actor, Thread.id == thread_id)).first()
    if row is None:
        raise NotFound()
    thread, case, adviser = row
    if actor.adviser_id is not None and actor.has(Role.ADVISER) and case.adviser_id == actor.adviser_id:
        return thread, case, adviser, ADVISER
    if case.employee_id is not None and case.employee_id == actor.person_id:
        return thread, case, adviser, EMPLOYEE
    raise NotFound()


def _add_message(
    uow: UnitOfWork, actor: Actor, case: Case, thread: Thread, side: Side, body: str,
    recipient_id: str | None,
) -> ThreadMessage:
    message = ThreadMessage(id=new_id(), thread_id=thread.id, sender=side, created_at=uow.now)
    message.body_enc = casefile.encrypt(uow, case, "thread_messages", "body_enc", message.id, body)
    uow.session.add(message)
    thread.last_message_at = uow.now
    uow.session.flush()
    if recipient_id is not None:
        # Kind and thread id only: not who wrote, not what, not even whether it is anonymous.
        uow.notify(
            case.tenant_id, recipient_id,
            Notification(NotificationKind.NEW_MESSAGE, ref=ObjectRef(ObjectType.THREAD, thread.id)),
            dedupe_key=f"message:{message.id}",
        )
    uow.audit(actor, "thread.message_posted", "thread", thread.id, role=side)
    return message


def _view(
    uow: UnitOfWork, actor: Actor, case: Case, thread: Thread, adviser: Adviser, viewer: Side
) -> ThreadView:
    rows = uow.session.scalars(
        select(ThreadMessage)
        .where(ThreadMessage.thread_id == thread.id)
        .order_by(ThreadMessage.created_at, ThreadMessage.id)
    ).all()
    messages = tuple(
        MessageView(
            id=m.id,
            sender=EMPLOYEE if m.sender == EMPLOYEE else ADVISER,
            mine=m.sender == viewer,
            text=casefile.decrypt(uow, case, "thread_messages", "body_enc", m.id, m.body_enc),
            sent_at=m.created_at,
            read_at=m.read_at,
        )
        for m in rows
    )
    return ThreadView(
        id=thread.id,
        case_id=case.id,
        reference=case.reference,
        viewer=viewer,
        adviser_name=adviser.display_name,
        pseudonym=case.pseudonym,
        anonymous=thread.anonymous,
        revealed=thread.revealed_at is not None,
        employee_person_id=casefile.employee_id_for_adviser(uow, case) if viewer == ADVISER else None,
        messages=messages,
    )


def _summaries(
    uow: UnitOfWork, rows: Sequence[tuple[Thread, Case, Adviser]], viewer: Side
) -> list[ThreadSummary]:
    thread_ids = [t.id for t, _, _ in rows]
    totals: dict[str, int] = {}
    unread: dict[str, int] = {}
    if thread_ids:
        counted = uow.session.execute(
            select(
                ThreadMessage.thread_id,
                func.count(ThreadMessage.id),
                func.count(ThreadMessage.id).filter(
                    (ThreadMessage.sender != viewer) & ThreadMessage.read_at.is_(None)
                ),
            )
            .where(ThreadMessage.thread_id.in_(thread_ids))
            .group_by(ThreadMessage.thread_id)
        )
        for thread_id, total, not_read in counted:
            totals[thread_id], unread[thread_id] = total, not_read
    summaries = [
        ThreadSummary(
            id=t.id,
            case_id=c.id,
            reference=c.reference,
            pseudonym=c.pseudonym,
            adviser_name=a.display_name,
            anonymous=t.anonymous,
            revealed=t.revealed_at is not None,
            message_count=totals.get(t.id, 0),
            unread_count=unread.get(t.id, 0),
            last_message_at=t.last_message_at,
        )
        for t, c, a in rows
    ]
    # Newest activity first; a thread without messages sorts last.
    return sorted(summaries, key=lambda s: (s.last_message_at or _NEVER, s.id), reverse=True)
