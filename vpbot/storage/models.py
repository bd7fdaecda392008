"""SQLAlchemy models: the whole schema of vpbot.

Conventions (DESIGN.md §2 C4):
- Columns ending in ``_enc`` hold AES-256-GCM envelopes (see ``vpbot.crypto``), bound by
  associated data to tenant, table, column and row. They are ``LargeBinary``; nothing that an
  employee or adviser typed is ever stored in a plain column.
- Employee platform ids are stored encrypted plus an HMAC blind index for lookup.
- All timestamps are timezone-aware UTC.
- Ids are random UUID strings, so a row id reveals nothing about ordering or volume.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from vpbot.storage.types import UTCDateTime

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """A fresh random row id."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base with the naming convention and UTC datetimes."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


ID = String(32)


def id_column() -> Mapped[str]:
    return mapped_column(ID, primary_key=True, default=new_id)


def tenant_fk() -> Mapped[str]:
    return mapped_column(ID, ForeignKey("tenants.id", ondelete="CASCADE"), index=True)


# --------------------------------------------------------------------------- tenants, keys


class Tenant(Base):
    """A Slack workspace, a Slack Enterprise Grid org, or a Teams tenant."""

    __tablename__ = "tenants"
    __table_args__ = (UniqueConstraint("platform", "external_id"),)

    id: Mapped[str] = id_column()
    platform: Mapped[str] = mapped_column(String(16))  # "slack" | "teams"
    external_id: Mapped[str] = mapped_column(String(64))  # team id, enterprise id or tenant id
    is_enterprise: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | uninstalled
    # Settings are configuration, never content: language, retention, aftercare schedule, ...
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    uninstalled_at: Mapped[datetime | None] = mapped_column(default=None)


class TenantKey(Base):
    """A tenant's key, wrapped by a master key (re-wrapped on master key rotation)."""

    __tablename__ = "tenant_keys"
    # One key per tenant: two racing creators must not split the blind index.
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = tenant_fk()
    wrapping_key_id: Mapped[str] = mapped_column(String(64))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    rewrapped_at: Mapped[datetime | None] = mapped_column(default=None)


class CaseKey(Base):
    """A per-case data key, wrapped by its tenant key. Deleting the row shreds the case."""

    __tablename__ = "case_keys"

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = tenant_fk()
    tenant_key_id: Mapped[str] = mapped_column(ID, ForeignKey("tenant_keys.id"))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- people, roles


class Person(Base):
    """Someone in a tenant: an employee, adviser or admin (roles are separate rows)."""

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("tenant_id", "platform_id_index"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = tenant_fk()
    platform_id_enc: Mapped[bytes] = mapped_column(LargeBinary)
    platform_id_index: Mapped[str] = mapped_column(String(64))
    display_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    locale: Mapped[str] = mapped_column(String(8), default="nl")
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    is_workspace_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_manager_or_hr: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RoleAssignment(Base):
    """A role (``admin`` or ``adviser``) held by a person in a tenant."""

    __tablename__ = "role_assignments"
    __table_args__ = (UniqueConstraint("tenant_id", "person_id", "role"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = tenant_fk()
    person_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    granted_by: Mapped[str | None] = mapped_column(ID, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Adviser(Base):
    """An adviser's profile and booking policy. Profile fields are shown to employees."""

    __tablename__ = "advisers"
    __table_args__ = (UniqueConstraint("tenant_id", "person_id"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = tenant_fk()
    person_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id", ondelete="CASCADE"))
    display_name: Mapped[str] = mapped_column(String(120))
    is_external: Mapped[bool] = mapped_column(Boolean, default=False)
    languages: Mapped[list] = mapped_column(JSON, default=list)
    intro: Mapped[str] = mapped_column(Text, default="")
    # {"in_person": {"location": ...}, "phone": {"number": ...}, "video": {"link": ...}}
    modes: Mapped[dict] = mapped_column(JSON, default=dict)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Amsterdam")
    slot_minutes: Mapped[int] = mapped_column(Integer, default=45)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=15)
    min_notice_minutes: Mapped[int] = mapped_column(Integer, default=120)
    horizon_days: Mapped[int] = mapped_column(Integer, default=56)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AvailabilityWindow(Base):
    """A weekly recurring window, in the adviser's own local wall-clock time."""

    __tablename__ = "availability_windows"

    id: Mapped[str] = id_column()
    adviser_id: Mapped[str] = mapped_column(
        ID, ForeignKey("advisers.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_minute: Mapped[int] = mapped_column(Integer)  # minutes after local midnight
    end_minute: Mapped[int] = mapped_column(Integer)


class Absence(Base):
    """A period in which an adviser takes no appointments."""

    __tablename__ = "absences"

    id: Mapped[str] = id_column()
    adviser_id: Mapped[str] = mapped_column(
        ID, ForeignKey("advisers.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()


# --------------------------------------------------------------------------- cases


class Case(Base):
    """An adviser's record of an employee's matter."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("tenant_id", "reference"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = tenant_fk()
    adviser_id: Mapped[str] = mapped_column(ID, ForeignKey("advisers.id"), index=True)
    employee_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("people.id", ondelete="SET NULL"), index=True, default=None
    )
    case_key_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("case_keys.id", ondelete="SET NULL"), default=None
    )
    # A short pseudonymous reference ("VP-7K3Q") used in notifications and lists.
    reference: Mapped[str] = mapped_column(String(16))
    pseudonym: Mapped[str] = mapped_column(String(64))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|closed|purged
    categories: Mapped[list] = mapped_column(JSON, default=list)
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    purge_after: Mapped[datetime | None] = mapped_column(default=None, index=True)
    purge_warned_at: Mapped[datetime | None] = mapped_column(default=None)
    purged_at: Mapped[datetime | None] = mapped_column(default=None)


class CaseNote(Base):
    """An adviser's note on a case (encrypted with the case key)."""

    __tablename__ = "case_notes"

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    body_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Disclosure(Base):
    """A disclosure without consent (acute danger, legal duty), with its justification."""

    __tablename__ = "disclosures"

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(32))  # acute_danger | legal_duty
    justification_enc: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    employee_notified_at: Mapped[datetime | None] = mapped_column(default=None)


# --------------------------------------------------------------------------- appointments


class Appointment(Base):
    """A booked confidential appointment.

    ``held_start`` equals ``starts_at`` while the appointment holds its slot and is NULL once
    cancelled; the unique constraint on (adviser_id, held_start) makes a double booking
    impossible in the database itself (NULLs never collide, on SQLite and PostgreSQL alike).
    """

    __tablename__ = "appointments"
    __table_args__ = (UniqueConstraint("adviser_id", "held_start"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = tenant_fk()
    adviser_id: Mapped[str] = mapped_column(ID, ForeignKey("advisers.id"), index=True)
    employee_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("people.id", ondelete="SET NULL"), index=True, default=None
    )
    case_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("cases.id", ondelete="SET NULL"), index=True, default=None
    )
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    held_start: Mapped[datetime | None] = mapped_column(default=None)
    mode: Mapped[str] = mapped_column(String(16))  # in_person | phone | video
    category: Mapped[str | None] = mapped_column(String(32), default=None)
    note_enc: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    status: Mapped[str] = mapped_column(String(16), default="booked")  # booked|cancelled|done
    cancelled_by: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- threads


class Thread(Base):
    """A secure message thread between an employee and an adviser."""

    __tablename__ = "threads"

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = tenant_fk()
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    revealed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime | None] = mapped_column(default=None)


class ThreadMessage(Base):
    """One message in a thread (encrypted with the case key)."""

    __tablename__ = "thread_messages"

    id: Mapped[str] = id_column()
    thread_id: Mapped[str] = mapped_column(
        ID, ForeignKey("threads.id", ondelete="CASCADE"), index=True
    )
    sender: Mapped[str] = mapped_column(String(16))  # employee | adviser
    body_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(default=None)


# --------------------------------------------------------------------------- referrals


class ReferralTarget(Base):
    """An entry in a tenant's referral directory (public contact details, not content)."""

    __tablename__ = "referral_targets"

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = tenant_fk()
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    contact: Mapped[str] = mapped_column(Text, default="")
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class Referral(Base):
    """A referral proposed by the adviser; nothing is shared without the employee's consent."""

    __tablename__ = "referrals"

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("referral_targets.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[str] = mapped_column(String(32))
    # Exactly what would be shared, shown to the employee before they decide.
    share_text_enc: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class Consent(Base):
    """The employee's recorded decision on a referral (history kept; withdrawal is a row)."""

    __tablename__ = "consents"

    id: Mapped[str] = id_column()
    referral_id: Mapped[str] = mapped_column(
        ID, ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(16))  # share | self_contact | decline | withdraw
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


# --------------------------------------------------------------------------- aftercare


class CheckIn(Base):
    """A scheduled aftercare check-in after a case closes."""

    __tablename__ = "checkins"

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = tenant_fk()
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    answer: Mapped[str | None] = mapped_column(String(16), default=None)  # good|talk|stop
    answered_at: Mapped[datetime | None] = mapped_column(default=None)


# --------------------------------------------------------------------------- outbox


class OutboxItem(Base):
    """A notification to deliver: typed and content-free (DESIGN.md C1).

    Written in the same transaction as the change that causes it; claimed by a dispatcher
    with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL) or a conditional update (SQLite).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "due_at"),
        UniqueConstraint("dedupe_key"),
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = tenant_fk()
    recipient_id: Mapped[str | None] = mapped_column(
        ID, ForeignKey("people.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[str] = mapped_column(String(48))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), default=None)
    due_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    last_error: Mapped[str | None] = mapped_column(String(64), default=None)
    platform_message_id: Mapped[str | None] = mapped_column(String(128), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


# --------------------------------------------------------------------------- audit, stats


class AuditEvent(Base):
    """Who did what to which object, and when; never content. Hash-chained per database."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    tenant_id: Mapped[str | None] = mapped_column(ID, index=True, default=None)
    actor_id: Mapped[str | None] = mapped_column(ID, default=None)
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64), default=None)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AggregateCount(Base):
    """Anonymous counts for the annual report; they survive crypto-shredding of cases."""

    __tablename__ = "aggregate_counts"
    __table_args__ = (UniqueConstraint("tenant_id", "year", "quarter", "metric", "dimension"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = tenant_fk()
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(48))
    dimension: Mapped[str] = mapped_column(String(48), default="")
    value: Mapped[int] = mapped_column(Integer, default=0)


# --------------------------------------------------------------------------- platforms


class Installation(Base):
    """A platform installation (Slack bot tokens; encrypted with the tenant key)."""

    __tablename__ = "installations"
    __table_args__ = (UniqueConstraint("platform", "enterprise_id", "team_id"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = tenant_fk()
    platform: Mapped[str] = mapped_column(String(16))
    enterprise_id: Mapped[str] = mapped_column(String(32), default="")
    team_id: Mapped[str] = mapped_column(String(32), default="")
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    app_id: Mapped[str | None] = mapped_column(String(32), default=None)
    bot_id: Mapped[str | None] = mapped_column(String(32), default=None)
    bot_user_id: Mapped[str | None] = mapped_column(String(32), default=None)
    bot_scopes: Mapped[str] = mapped_column(Text, default="")
    bot_token_enc: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    bot_refresh_token_enc: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    bot_token_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    installer_index: Mapped[str | None] = mapped_column(String(64), default=None)
    installed_at: Mapped[datetime] = mapped_column(default=utcnow)


class OAuthState(Base):
    """A single-use OAuth ``state`` value."""

    __tablename__ = "oauth_states"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class ConversationRef(Base):
    """Where to reach a person proactively (Teams: latest serviceUrl and 1:1 conversation)."""

    __tablename__ = "conversation_refs"
    __table_args__ = (UniqueConstraint("person_id"),)

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = tenant_fk()
    person_id: Mapped[str] = mapped_column(ID, ForeignKey("people.id", ondelete="CASCADE"))
    service_url: Mapped[str] = mapped_column(String(512))
    conversation_id_enc: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedEvent(Base):
    """Event ids already handled, so a platform's retries are harmless."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
