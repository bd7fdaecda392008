"""Workspace administration: appointing advisers, tenant settings, the referral directory.

Every use case requires the admin role and records one audit event. An admin configures;
an admin never sees content or an employee's identity (C5): views here hold names of
advisers and configuration only — no case counts per adviser, no appointments.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, select

from vpbot.domain.adviser_profile import validate_display_name, validate_intro, validate_languages
from vpbot.domain.directory import DirectoryFields
from vpbot.domain.errors import DomainError, NotFound
from vpbot.domain.tenant import TenantSettings
from vpbot.services import booking
from vpbot.services.actor import Actor, Role
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import Adviser, Appointment, Person, ReferralTarget, RoleAssignment, Tenant
from vpbot.ui.notifications import NotificationKind

__all__ = [
    "AdviserAdminView",
    "AppointResult",
    "DirectoryEntryView",
    "ManagerFlagResult",
    "RemoveResult",
    "add_directory_entry",
    "appoint_adviser",
    "list_advisers_admin",
    "list_directory",
    "mark_manager_or_hr",
    "remove_adviser",
    "remove_directory_entry",
    "update_directory_entry",
    "update_settings",
]

_ROLE = Role.ADMIN.value
_Row = TypeVar("_Row", Person, Adviser, ReferralTarget)

# The settings an admin may change, with the type each must have (bool is not an int here).
_SETTING_TYPES: dict[str, type] = {
    "language": str,
    "retention_months": int,
    "aftercare_weeks": tuple,
    "anonymous_threads_allowed": bool,
    "on_uninstall": str,
}


@dataclass(frozen=True)
class AppointResult:
    """The outcome of an appointment; ``conflict_reasons`` says why it was a confirmed risk.

    ``reactivated``: the person was an adviser before and had been removed.
    """

    adviser_id: str
    person_id: str
    reactivated: bool
    conflict_reasons: tuple[str, ...]

    @property
    def conflict(self) -> bool:
        """Whether the appointment was confirmed despite a conflict of interest."""
        return bool(self.conflict_reasons)


@dataclass(frozen=True)
class RemoveResult:
    """How many upcoming appointments were cancelled (their employees were told)."""

    adviser_id: str
    cancelled_appointments: int


@dataclass(frozen=True)
class ManagerFlagResult:
    """The new flag; ``is_active_adviser`` lets the UI warn about an existing conflict."""

    person_id: str
    is_manager_or_hr: bool
    is_active_adviser: bool


@dataclass(frozen=True)
class AdviserAdminView:
    """An adviser in the admin's list: name, kind and whether active. Nothing about cases."""

    adviser_id: str
    display_name: str
    is_external: bool
    active: bool


@dataclass(frozen=True)
class DirectoryEntryView:
    """A referral directory entry (public contact details)."""

    entry_id: str
    kind: str
    name: str
    contact: str
    description: str
    position: int
    active: bool


# --------------------------------------------------------------------------- helpers


def _admin(actor: Actor) -> None:
    actor.require(Role.ADMIN)


def _in_tenant(uow: UnitOfWork, actor: Actor, model: type[_Row], object_id: str) -> _Row:
    """A row of the actor's tenant by id; ``not_found`` for another tenant's (ids can't be probed)."""
    row = uow.session.get(model, object_id) if isinstance(object_id, str) else None
    if row is None or getattr(row, "tenant_id", None) != actor.tenant_id:
        raise NotFound()
    return row


def conflict_reasons(person: Person) -> tuple[str, ...]:
    """Why ``person`` would have a conflict of interest as an adviser (DESIGN §1)."""
    reasons = []
    if person.is_workspace_admin:
        reasons.append("workspace_admin")
    if person.is_manager_or_hr:
        reasons.append("manager_or_hr")
    return tuple(reasons)


# --------------------------------------------------------------------------- advisers


def appoint_adviser(
    uow: UnitOfWork,
    actor: Actor,
    person_id: str,
    *,
    display_name: str,
    is_external: bool = False,
    languages: Iterable[str] | None = None,
    intro: str | None = None,
    confirm_conflict: bool = False,
) -> AppointResult:
    """Make a person an adviser (or re-activate them), with the profile employees will see.

    ``languages`` (default Dutch) and ``intro`` (default empty) left ``None`` keep what a
    returning adviser wrote themselves.

    A workspace admin/owner or a manager/HR person has a conflict of interest. That is a
    warning, not a refusal: without ``confirm_conflict`` the call raises
    ``adviser.conflict_of_interest`` (``reasons``), which the UI shows with a confirm
    button; with it the appointment proceeds and the audit log records the confirmation.
    """
    _admin(actor)
    person = _in_tenant(uow, actor, Person, person_id)
    name = validate_display_name(display_name)
    chosen_languages = None if languages is None else list(validate_languages(languages))
    cleaned_intro = None if intro is None else validate_intro(intro)
    reasons = conflict_reasons(person)
    if reasons and not confirm_conflict:
        raise DomainError("adviser.conflict_of_interest", reasons=reasons)
    adviser = uow.session.scalars(
        select(Adviser).where(Adviser.tenant_id == actor.tenant_id, Adviser.person_id == person.id)
    ).first()
    reactivated = adviser is not None and not adviser.active
    if adviser is None:
        adviser = Adviser(
            tenant_id=actor.tenant_id, person_id=person.id, languages=["nl"], intro="", created_at=uow.now
        )
        uow.session.add(adviser)
    adviser.display_name, adviser.is_external, adviser.active = name, bool(is_external), True
    if chosen_languages is not None:
        adviser.languages = chosen_languages
    if cleaned_intro is not None:
        adviser.intro = cleaned_intro
    has_role = uow.session.scalars(
        select(RoleAssignment.id).where(
            RoleAssignment.tenant_id == actor.tenant_id,
            RoleAssignment.person_id == person.id,
            RoleAssignment.role == Role.ADVISER.value,
        )
    ).first()
    if has_role is None:
        uow.session.add(
            RoleAssignment(
                tenant_id=actor.tenant_id, person_id=person.id, role=Role.ADVISER.value,
                granted_by=actor.person_id, created_at=uow.now,
            )
        )
    uow.session.flush()
    action = "adviser.appointed.conflict_confirmed" if reasons else "adviser.appointed"
    uow.audit(actor, action, "adviser", adviser.id, role=_ROLE)
    return AppointResult(adviser.id, person.id, reactivated, reasons)


def remove_adviser(uow: UnitOfWork, actor: Actor, adviser_id: str) -> RemoveResult:
    """Deactivate an adviser and cancel their upcoming appointments.

    Their cases stay with them, readable by nobody else. Each employee with an upcoming
    appointment gets a content-free cancellation notice.
    """
    _admin(actor)
    adviser = _in_tenant(uow, actor, Adviser, adviser_id)
    adviser.active = False
    # Write (and so lock) the adviser row first: a booking in flight holds a share lock on
    # it, so this waits for it and the query below then sees its appointment; a booking
    # that starts later finds the adviser inactive.
    uow.session.flush()
    uow.session.execute(
        delete(RoleAssignment).where(
            RoleAssignment.tenant_id == actor.tenant_id,
            RoleAssignment.person_id == adviser.person_id,
            RoleAssignment.role == Role.ADVISER.value,
        )
    )
    upcoming = uow.session.scalars(
        select(Appointment)
        .where(
            Appointment.adviser_id == adviser.id,
            Appointment.status == booking.BOOKED,
            Appointment.starts_at > uow.now,
        )
        .with_for_update()
    ).all()
    for appointment in upcoming:
        booking.release_appointment(uow, appointment, cancelled_by=_ROLE)
        booking.notify_about(
            uow, appointment, appointment.employee_id, NotificationKind.APPOINTMENT_CANCELLED
        )
    uow.session.flush()
    uow.audit(actor, "adviser.removed", "adviser", adviser.id, role=_ROLE)
    return RemoveResult(adviser.id, len(upcoming))


def mark_manager_or_hr(uow: UnitOfWork, actor: Actor, person_id: str, flag: bool) -> ManagerFlagResult:
    """Mark (or unmark) a person as manager/HR, which makes appointing them a conflict."""
    _admin(actor)
    if not isinstance(flag, bool):
        raise DomainError("input.invalid", field="flag")
    person = _in_tenant(uow, actor, Person, person_id)
    person.is_manager_or_hr = flag
    is_adviser = uow.session.scalars(
        select(Adviser.id).where(Adviser.person_id == person.id, Adviser.active.is_(True))
    ).first() is not None
    action = "person.manager_or_hr." + ("marked" if flag else "unmarked")
    uow.audit(actor, action, "person", person.id, role=_ROLE)
    return ManagerFlagResult(person.id, flag, is_adviser)


def list_advisers_admin(uow: UnitOfWork, actor: Actor) -> list[AdviserAdminView]:
    """All advisers of the tenant (active first, then by name); no case information."""
    _admin(actor)
    rows = uow.session.scalars(
        select(Adviser)
        .where(Adviser.tenant_id == actor.tenant_id)
        .order_by(Adviser.display_name, Adviser.id)
    ).all()
    views = [AdviserAdminView(a.id, a.display_name, a.is_external, a.active) for a in rows]
    return sorted(views, key=lambda v: not v.active)


# --------------------------------------------------------------------------- settings


def _checked(name: str, value: Any) -> Any:
    """``value`` if it has the type setting ``name`` needs; ``settings.invalid`` otherwise."""
    expected = _SETTING_TYPES.get(name)
    if expected is None:
        raise DomainError("settings.invalid", field=name)
    if expected is tuple:
        # Ranges are TenantSettings' business; here only "a list of whole numbers".
        if isinstance(value, (list, tuple)) and all(type(w) is int for w in value):  # not bool
            return tuple(value)
    elif isinstance(value, expected) and (expected is bool or not isinstance(value, bool)):
        return value
    raise DomainError("settings.invalid", field=name)


def update_settings(uow: UnitOfWork, actor: Actor, **changes: Any) -> TenantSettings:
    """Change tenant settings (language, retention_months, aftercare_weeks,
    anonymous_threads_allowed, on_uninstall); validated by ``TenantSettings``.

    Errors: ``settings.invalid`` with ``field`` for an unknown setting, a wrong type or an
    out-of-range value; nothing is changed then.
    """
    _admin(actor)
    tenant = uow.session.get(Tenant, actor.tenant_id)
    if tenant is None:
        raise NotFound()
    checked = {name: _checked(name, value) for name, value in changes.items()}
    settings = dataclasses.replace(TenantSettings.from_json(tenant.settings), **checked)
    # Keep keys this version does not know (a newer version may have written them).
    tenant.settings = {**(tenant.settings or {}), **settings.to_json()}
    uow.audit(actor, "settings.updated", "tenant", tenant.id, role=_ROLE)
    return settings


# --------------------------------------------------------------------------- directory


def _entry_view(row: ReferralTarget) -> DirectoryEntryView:
    return DirectoryEntryView(
        row.id, row.kind, row.name, row.contact, row.description, row.position, row.active
    )


def _entry(uow: UnitOfWork, actor: Actor, entry_id: str) -> ReferralTarget:
    row = _in_tenant(uow, actor, ReferralTarget, entry_id)
    if not row.active:
        raise NotFound()
    return row


def list_directory(uow: UnitOfWork, actor: Actor) -> list[DirectoryEntryView]:
    """The tenant's referral directory, in display order."""
    _admin(actor)
    rows = uow.session.scalars(
        select(ReferralTarget)
        .where(ReferralTarget.tenant_id == actor.tenant_id, ReferralTarget.active.is_(True))
        .order_by(ReferralTarget.position, ReferralTarget.name)
    ).all()
    return [_entry_view(row) for row in rows]


def add_directory_entry(
    uow: UnitOfWork, actor: Actor, kind: str, name: str, contact: str = "", description: str = "",
    position: int | None = None,
) -> DirectoryEntryView:
    """Add an entry (kinds from ``ReferralKind``); by default it goes to the end of the list."""
    _admin(actor)
    if position is None:
        positions = uow.session.scalars(
            select(ReferralTarget.position).where(ReferralTarget.tenant_id == actor.tenant_id)
        ).all()
        position = min(max(positions, default=-1) + 1, 1000)
    fields = DirectoryFields(kind, name, contact, description, position)
    row = ReferralTarget(tenant_id=actor.tenant_id, **dataclasses.asdict(fields))
    uow.session.add(row)
    uow.session.flush()
    uow.audit(actor, "directory.entry.added", "referral_target", row.id, role=_ROLE)
    return _entry_view(row)


def update_directory_entry(
    uow: UnitOfWork,
    actor: Actor,
    entry_id: str,
    *,
    kind: str | None = None,
    name: str | None = None,
    contact: str | None = None,
    description: str | None = None,
    position: int | None = None,
) -> DirectoryEntryView:
    """Change an entry; ``None`` keeps a field as it is."""
    _admin(actor)
    row = _entry(uow, actor, entry_id)
    fields = DirectoryFields(
        kind=row.kind if kind is None else kind,
        name=row.name if name is None else name,
        contact=row.contact if contact is None else contact,
        description=row.description if description is None else description,
        position=row.position if position is None else position,
    )
    for field, value in dataclasses.asdict(fields).items():
        setattr(row, field, value)
    uow.audit(actor, "directory.entry.updated", "referral_target", row.id, role=_ROLE)
    return _entry_view(row)


def remove_directory_entry(uow: UnitOfWork, actor: Actor, entry_id: str) -> None:
    """Take an entry out of the directory.

    The row is deactivated, not deleted: referrals already made keep pointing at the
    contact details the employee was shown.
    """
    _admin(actor)
    row = _entry(uow, actor, entry_id)
    row.active = False
    uow.audit(actor, "directory.entry.removed", "referral_target", row.id, role=_ROLE)
