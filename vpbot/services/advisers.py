"""Advisers managing themselves: their profile, weekly availability and absences.

Only the adviser edits their own profile (an admin appoints and removes advisers, see
``vpbot.services.admin``). :func:`schedule_for` turns the stored rows into the pure
``AdviserSchedule`` that booking computes slots from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from vpbot.domain.adviser_profile import (
    format_minute,
    parse_windows,
    validate_absence,
    validate_display_name,
    validate_intro,
    validate_languages,
    validate_policy,
    validate_timezone,
    window_from_minutes,
)
from vpbot.domain.availability import Absence as AbsencePeriod
from vpbot.domain.availability import AdviserSchedule, Busy, SlotPolicy
from vpbot.domain.booking import MeetingModes
from vpbot.domain.errors import Forbidden, NotFound
from vpbot.services.actor import Actor, Role
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import Absence, Adviser, Appointment, AvailabilityWindow

__all__ = [
    "AbsenceView",
    "AdviserProfileView",
    "AvailabilityView",
    "WindowView",
    "add_absence",
    "busy_for",
    "my_availability",
    "my_profile",
    "own_adviser",
    "policy_of",
    "remove_absence",
    "schedule_for",
    "set_weekly_availability",
    "update_profile",
]

_ROLE = Role.ADVISER.value


@dataclass(frozen=True)
class AdviserProfileView:
    """An adviser's own profile, as shown in their settings form."""

    adviser_id: str
    display_name: str
    is_external: bool
    languages: tuple[str, ...]
    intro: str
    location: str
    phone: str
    video_link: str
    timezone: str
    slot_minutes: int
    buffer_minutes: int
    min_notice_minutes: int
    horizon_days: int


@dataclass(frozen=True)
class WindowView:
    """A weekly window in the adviser's own wall-clock time (``"09:00"``)."""

    weekday: int
    start: str
    end: str


@dataclass(frozen=True)
class AbsenceView:
    """A period without appointments."""

    absence_id: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class AvailabilityView:
    """An adviser's weekly windows and current/future absences."""

    timezone: str
    windows: tuple[WindowView, ...]
    absences: tuple[AbsenceView, ...]


# --------------------------------------------------------------------------- helpers


def own_adviser(uow: UnitOfWork, actor: Actor) -> Adviser:
    """The acting adviser's row; ``auth.forbidden`` for anyone who is not an active adviser."""
    adviser_id = actor.require_adviser()
    adviser = uow.session.get(Adviser, adviser_id)
    if adviser is None or adviser.tenant_id != actor.tenant_id or not adviser.active:
        # Removed since the actor was resolved: the same answer as for a non-adviser.
        raise Forbidden(role=_ROLE)
    return adviser


def policy_of(adviser: Adviser) -> SlotPolicy:
    """The adviser's slot policy."""
    return SlotPolicy(
        slot_minutes=adviser.slot_minutes,
        buffer_minutes=adviser.buffer_minutes,
        min_notice_minutes=adviser.min_notice_minutes,
        horizon_days=adviser.horizon_days,
    )


def schedule_for(uow: UnitOfWork, adviser: Adviser) -> AdviserSchedule:
    """The pure schedule (windows, absences still relevant, policy) of ``adviser``."""
    windows = uow.session.scalars(
        select(AvailabilityWindow).where(AvailabilityWindow.adviser_id == adviser.id)
    ).all()
    absences = uow.session.scalars(
        select(Absence).where(Absence.adviser_id == adviser.id, Absence.ends_at > uow.now)
    ).all()
    return AdviserSchedule(
        timezone=adviser.timezone,
        windows=tuple(window_from_minutes(w.weekday, w.start_minute, w.end_minute) for w in windows),
        absences=tuple(AbsencePeriod(a.starts_at, a.ends_at) for a in absences),
        policy=policy_of(adviser),
    )


def busy_for(uow: UnitOfWork, adviser_id: str, *, exclude: str | None = None) -> list[Busy]:
    """The adviser's appointments that still hold their slot (optionally minus one)."""
    # A day back covers any buffer reaching into the present; older ones cannot block.
    query = select(Appointment.starts_at, Appointment.ends_at).where(
        Appointment.adviser_id == adviser_id,
        Appointment.held_start.is_not(None),
        Appointment.ends_at > uow.now - timedelta(days=1),
    )
    if exclude is not None:
        query = query.where(Appointment.id != exclude)
    return [Busy(start, end) for start, end in uow.session.execute(query)]


def _profile_view(adviser: Adviser) -> AdviserProfileView:
    modes = MeetingModes.from_json(adviser.modes)
    return AdviserProfileView(
        adviser_id=adviser.id,
        display_name=adviser.display_name,
        is_external=adviser.is_external,
        languages=tuple(adviser.languages or ()),
        intro=adviser.intro,
        location=modes.location,
        phone=modes.phone,
        video_link=modes.video_link,
        timezone=adviser.timezone,
        slot_minutes=adviser.slot_minutes,
        buffer_minutes=adviser.buffer_minutes,
        min_notice_minutes=adviser.min_notice_minutes,
        horizon_days=adviser.horizon_days,
    )


# --------------------------------------------------------------------------- profile


def my_profile(uow: UnitOfWork, actor: Actor) -> AdviserProfileView:
    """The acting adviser's profile."""
    return _profile_view(own_adviser(uow, actor))


def update_profile(
    uow: UnitOfWork,
    actor: Actor,
    *,
    display_name: str | None = None,
    is_external: bool | None = None,
    languages: Iterable[str] | None = None,
    intro: str | None = None,
    modes: MeetingModes | None = None,
    timezone: str | None = None,
    buffer_minutes: int | None = None,
    min_notice_minutes: int | None = None,
    horizon_days: int | None = None,
    slot_minutes: int | None = None,
) -> AdviserProfileView:
    """Change the acting adviser's own profile; ``None`` keeps a field as it is.

    New advisers start with the model's defaults (45-minute slots, 15 minutes buffer, two
    hours' notice, eight weeks ahead). Existing appointments keep their times.
    """
    adviser = own_adviser(uow, actor)
    if display_name is not None:
        adviser.display_name = validate_display_name(display_name)
    if is_external is not None:
        adviser.is_external = bool(is_external)
    if languages is not None:
        adviser.languages = list(validate_languages(languages))
    if intro is not None:
        adviser.intro = validate_intro(intro)
    if modes is not None:
        adviser.modes = modes.to_json()
    if timezone is not None:
        adviser.timezone = validate_timezone(timezone)
    current = policy_of(adviser)
    policy = validate_policy(
        slot_minutes=current.slot_minutes if slot_minutes is None else slot_minutes,
        buffer_minutes=current.buffer_minutes if buffer_minutes is None else buffer_minutes,
        min_notice_minutes=(
            current.min_notice_minutes if min_notice_minutes is None else min_notice_minutes
        ),
        horizon_days=current.horizon_days if horizon_days is None else horizon_days,
    )
    adviser.slot_minutes, adviser.buffer_minutes = policy.slot_minutes, policy.buffer_minutes
    adviser.min_notice_minutes, adviser.horizon_days = policy.min_notice_minutes, policy.horizon_days
    uow.audit(actor, "adviser.profile.updated", "adviser", adviser.id, role=_ROLE)
    return _profile_view(adviser)


# --------------------------------------------------------------------------- availability


def _availability_view(uow: UnitOfWork, adviser: Adviser) -> AvailabilityView:
    windows = uow.session.scalars(
        select(AvailabilityWindow)
        .where(AvailabilityWindow.adviser_id == adviser.id)
        .order_by(AvailabilityWindow.weekday, AvailabilityWindow.start_minute)
    ).all()
    absences = uow.session.scalars(
        select(Absence)
        .where(Absence.adviser_id == adviser.id, Absence.ends_at > uow.now)
        .order_by(Absence.starts_at)
    ).all()
    return AvailabilityView(
        timezone=adviser.timezone,
        windows=tuple(
            WindowView(w.weekday, format_minute(w.start_minute), format_minute(w.end_minute))
            for w in windows
        ),
        absences=tuple(AbsenceView(a.id, a.starts_at, a.ends_at) for a in absences),
    )


def my_availability(uow: UnitOfWork, actor: Actor) -> AvailabilityView:
    """The acting adviser's weekly windows and coming absences."""
    return _availability_view(uow, own_adviser(uow, actor))


def set_weekly_availability(
    uow: UnitOfWork, actor: Actor, windows: Sequence[tuple[int, str, str]]
) -> AvailabilityView:
    """Replace the acting adviser's weekly windows: ``[(0, "09:00", "12:00"), ...]``.

    Times are wall-clock times in the adviser's own zone (0 = Monday). Booked appointments
    outside the new windows stay booked; only new bookings follow the new windows.
    """
    adviser = own_adviser(uow, actor)
    parsed = parse_windows(windows)
    uow.session.execute(delete(AvailabilityWindow).where(AvailabilityWindow.adviser_id == adviser.id))
    for weekday, start_minute, end_minute in parsed:
        uow.session.add(
            AvailabilityWindow(
                adviser_id=adviser.id, weekday=weekday, start_minute=start_minute, end_minute=end_minute
            )
        )
    uow.session.flush()
    uow.audit(actor, "adviser.availability.set", "adviser", adviser.id, role=_ROLE)
    return _availability_view(uow, adviser)


def add_absence(uow: UnitOfWork, actor: Actor, starts_at: datetime, ends_at: datetime) -> AbsenceView:
    """Block a period (leave, illness, training); appointments already booked stay booked."""
    adviser = own_adviser(uow, actor)
    period = validate_absence(starts_at, ends_at, uow.now)
    row = Absence(adviser_id=adviser.id, starts_at=period.starts_at, ends_at=period.ends_at)
    uow.session.add(row)
    uow.session.flush()
    uow.audit(actor, "adviser.absence.added", "absence", row.id, role=_ROLE)
    return AbsenceView(row.id, row.starts_at, row.ends_at)


def remove_absence(uow: UnitOfWork, actor: Actor, absence_id: str) -> None:
    """Remove one of the acting adviser's absences; ``not_found`` for anyone else's."""
    adviser = own_adviser(uow, actor)
    row = uow.session.get(Absence, absence_id)
    if row is None or row.adviser_id != adviser.id:
        raise NotFound()
    uow.session.delete(row)
    uow.session.flush()
    uow.audit(actor, "adviser.absence.removed", "absence", absence_id, role=_ROLE)
