"""Conversation references: where to reach a Teams user proactively.

One ``conversation_refs`` row per person holds the latest ``serviceUrl`` seen in an
authenticated activity from that user (Teams may move a tenant to another regional
endpoint, so the newest one wins) and, once known, the id of the bot's 1:1 conversation
with them, encrypted with the tenant key (the id identifies the employee, C4).

These functions work inside the caller's unit of work and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple
from urllib.parse import urlsplit

from sqlalchemy import bindparam, delete, func, select

from vpbot.services import tenants
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import ConversationRef, Person, Tenant

TABLE = "conversation_refs"
COLUMN = "conversation_id_enc"
MAX_SERVICE_URL = 512


@dataclass(frozen=True)
class Recipient:
    """Everything needed to message one person proactively (decrypted, in memory only)."""

    person_id: str
    tenant_id: str  # vpbot's tenant row id
    teams_tenant_id: str  # the Entra tenant id (Tenant.external_id)
    user_id: str  # the Teams user id ("29:…") the person was registered with
    service_url: str
    conversation_id: str | None
    reference_id: str


def check_service_url(service_url: str) -> str:
    """``service_url`` if it is an http(s) URL that fits the column, else ``ValueError``."""
    parts = urlsplit(service_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(service_url) > MAX_SERVICE_URL:
        raise ValueError("not a usable serviceUrl")
    return service_url


def save_reference(
    uow: UnitOfWork,
    tenant_id: str,
    person_id: str,
    service_url: str,
    conversation_id: str | None = None,
) -> ConversationRef:
    """Record the latest ``service_url`` (and 1:1 conversation id, if given) for a person.

    Runs for every activity a user sends; when nothing changed it writes nothing, so an
    ordinary request stays a read-only transaction (``updated_at`` is when the reference
    last changed).
    """
    return update_reference(uow, find_reference(uow, person_id), tenant_id, person_id, service_url, conversation_id)


def update_reference(
    uow: UnitOfWork,
    row: ConversationRef | None,
    tenant_id: str,
    person_id: str,
    service_url: str,
    conversation_id: str | None = None,
) -> ConversationRef:
    """:func:`save_reference` for a caller that already looked up the person's ``row``."""
    check_service_url(service_url)
    if row is None:
        row = ConversationRef(
            tenant_id=tenant_id, person_id=person_id, service_url=service_url, updated_at=uow.now
        )
        uow.session.add(row)
        uow.session.flush()  # the row id is part of the encryption's associated data
    elif row.tenant_id != tenant_id:
        raise ValueError("conversation reference belongs to another tenant")
    elif row.service_url == service_url and conversation_id is None:
        return row  # nothing changed: no write (this runs for every activity a user sends)
    row.service_url = service_url
    row.updated_at = uow.now
    if conversation_id is not None:
        set_conversation_id(uow, row, conversation_id)
    return row


def set_conversation_id(uow: UnitOfWork, row: ConversationRef, conversation_id: str) -> None:
    """Store the (encrypted) 1:1 conversation id on ``row``."""
    row.conversation_id_enc = uow.keys.encrypt_field(row.tenant_id, TABLE, COLUMN, row.id, conversation_id)


_BY_PERSON = select(ConversationRef).where(ConversationRef.person_id == bindparam("person_id"))  # built once
_R = ConversationRef.__table__
_STATE = select(_R.c.tenant_id, _R.c.service_url, _R.c.conversation_id_enc.is_not(None)).where(
    _R.c.person_id == bindparam("person_id")
)


class ReferenceState(NamedTuple):
    """What is known about reaching a person, without decrypting or loading the row."""

    tenant_id: str
    service_url: str
    has_conversation: bool


def reference_state(uow: UnitOfWork, person_id: str) -> ReferenceState | None:
    """The state of the person's reference (one light read on every activity)."""
    row = uow.core(_STATE, {"person_id": person_id}).first()
    return ReferenceState(*row) if row is not None else None


def find_reference(uow: UnitOfWork, person_id: str) -> ConversationRef | None:
    """The person's conversation reference, if any (looked up on every activity)."""
    return uow.session.scalars(_BY_PERSON, {"person_id": person_id}).first()


def delete_reference(uow: UnitOfWork, person_id: str) -> None:
    """Forget where to reach ``person_id`` (they removed the app)."""
    statement = delete(ConversationRef).where(ConversationRef.person_id == person_id)
    uow.session.execute(statement.execution_options(synchronize_session=False))


def references_in_tenant(uow: UnitOfWork, tenant_id: str) -> int:
    """How many people of the tenant can still be reached (have the app installed)."""
    count = select(func.count()).select_from(ConversationRef).where(ConversationRef.tenant_id == tenant_id)
    return int(uow.session.scalar(count) or 0)


def remember_conversation(uow: UnitOfWork, reference_id: str, conversation_id: str) -> None:
    """Store a newly created conversation id on the reference ``reference_id`` if it still exists."""
    row = uow.session.get(ConversationRef, reference_id)
    if row is not None:
        set_conversation_id(uow, row, conversation_id)


def load_recipient(uow: UnitOfWork, person_id: str) -> Recipient | None:
    """The recipient for ``person_id``, or ``None`` if the person was never seen in Teams."""
    found = uow.session.execute(
        select(ConversationRef, Person, Tenant)
        .join(Person, Person.id == ConversationRef.person_id)
        .join(Tenant, Tenant.id == ConversationRef.tenant_id)
        .where(ConversationRef.person_id == person_id, Tenant.platform == "teams", Tenant.status == "active")
    ).first()
    if found is None:
        return None
    ref, person, tenant = found
    conversation_id = None
    if ref.conversation_id_enc:
        conversation_id = uow.keys.decrypt_field(ref.tenant_id, TABLE, COLUMN, ref.id, ref.conversation_id_enc)
    return Recipient(
        person_id=person.id,
        tenant_id=tenant.id,
        teams_tenant_id=tenant.external_id,
        user_id=tenants.platform_user_id(uow, person),
        service_url=ref.service_url,
        conversation_id=conversation_id,
        reference_id=ref.id,
    )


def load_recipient_for_user(uow: UnitOfWork, tenant_id: str, user_id: str) -> Recipient | None:
    """The recipient for the person with platform user id ``user_id`` (blind-index lookup)."""
    person_id = find_person_id(uow, tenant_id, user_id)
    return None if person_id is None else load_recipient(uow, person_id)


def find_person_id(uow: UnitOfWork, tenant_id: str, user_id: str) -> str | None:
    """The id of the person with platform user id ``user_id``, without creating one."""
    return uow.session.scalars(
        select(Person.id).where(
            Person.tenant_id == tenant_id, Person.platform_id_index == uow.keys.index(tenant_id, user_id)
        )
    ).first()
