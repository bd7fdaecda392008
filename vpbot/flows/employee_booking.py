"""Booking an appointment, and the employee's own appointments: open, cancel, reschedule."""

from __future__ import annotations

from datetime import datetime

from vpbot.domain.errors import DomainError, NotFound
from vpbot.flows.core import FieldError, FlowContext, Flows, Interaction, Outcome
from vpbot.flows.employee_common import field_errors, metadata_id, metadata_time, ref_id, text_value
from vpbot.services import booking
from vpbot.services.booking import AdviserCard, AppointmentView, SlotOption
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import ObjectType
from vpbot.ui.screens import Screen
from vpbot.ui.views import employee_booking as views
from vpbot.ui.views.employee_common import parse_stamp

__all__ = ["my_appointment", "register"]

SLOT_DAYS = 28  # "the next weeks"
SLOT_LIMIT = 80  # about two working weeks of one adviser; well within 100 blocks
FOLLOWING = 3
# Errors meaning "this time can't be booked (any more)": show the next free times instead.
SLOT_ERRORS = frozenset({
    "booking.slot_in_past", "booking.too_soon", "booking.beyond_horizon", "booking.outside_availability",
})
FORM_FIELDS = {
    "booking.mode_not_offered": "mode",
    "note.too_long": "note",
    "input.invalid:category": "category",
}


def my_appointment(context: FlowContext, appointment_id: str) -> AppointmentView | None:
    """One of the actor's own appointments as their employee, or None."""
    mine = booking.my_appointments(context.uow, context.actor)
    return next((v for v in mine if v.appointment_id == appointment_id), None)


def _own_appointment(context: FlowContext, appointment_id: str) -> AppointmentView:
    view = my_appointment(context, appointment_id)
    if view is None:
        raise NotFound()
    return view


def _card(context: FlowContext, adviser_id: str) -> AdviserCard:
    cards = booking.list_advisers(context.uow, context.actor)
    card = next((c for c in cards if c.adviser_id == adviser_id), None)
    if card is None:
        raise DomainError("adviser.unknown")
    return card


def _first_per_start(slots: list[SlotOption]) -> list[SlotOption]:
    """One slot per moment ("first available" merges advisers; the earliest-listed wins)."""
    seen: set[datetime] = set()
    unique = []
    for slot in slots:
        if slot.starts_at not in seen:
            seen.add(slot.starts_at)
            unique.append(slot)
    return unique


def _free(context: FlowContext, adviser: str, limit: int = SLOT_LIMIT) -> list[SlotOption]:
    adviser_id = None if adviser == views.FIRST_AVAILABLE else adviser
    slots = booking.free_slots(context.uow, context.actor, adviser_id, days=SLOT_DAYS, limit=limit)
    return _first_per_start(slots)


def _parse_slot(value: str | None) -> tuple[str, datetime]:
    adviser_id, _, moment = (value or "").rpartition(":")
    start = parse_stamp(moment)
    if not adviser_id or start is None:
        raise NotFound()
    return adviser_id, start


def _unbookable(
    context: FlowContext, error: DomainError, adviser_id: str, *, rescheduling: str | None = None
) -> Screen:
    """The "just taken" screen: the next free times after the one that was lost."""
    if error.key == "booking.slot_taken":
        starts = error.params.get("next")
        following = [SlotOption(adviser_id, s) for s in starts] if isinstance(starts, list) else []
        reason = "booking.taken.body"
    else:
        following = _free(context, adviser_id, FOLLOWING)
        reason = f"error.{error.key}"
    return views.taken_screen(reason, following, adviser=adviser_id, rescheduling=rescheduling)


def register(flows: Flows) -> None:
    """Register the booking and appointment handlers."""

    def slots(context: FlowContext, interaction: Interaction, adviser: str) -> Outcome:
        screen = views.slots_screen(_free(context, adviser), context.actor.timezone, adviser=adviser)
        return Outcome.replace(screen, interaction)

    @flows.on_action(ActionId.MENU_BOOK)
    def choose_adviser(context: FlowContext, interaction: Interaction) -> Outcome:
        cards = booking.list_advisers(context.uow, context.actor)
        return Outcome.replace(views.adviser_choice_screen(cards), interaction)

    @flows.on_submit(views.ADVISER)
    def adviser_chosen(context: FlowContext, interaction: Interaction) -> Outcome:
        adviser = text_value(interaction.values, "adviser") or views.FIRST_AVAILABLE
        if adviser != views.FIRST_AVAILABLE:
            try:
                _card(context, adviser)
            except DomainError as error:
                raise FieldError("adviser", error) from None
        return slots(context, interaction, adviser)

    @flows.on_action(ActionId.BOOK_SLOTS)
    def more_slots(context: FlowContext, interaction: Interaction) -> Outcome:
        return slots(context, interaction, interaction.value or views.FIRST_AVAILABLE)

    @flows.on_action(ActionId.SLOT_PICK)
    def slot_picked(context: FlowContext, interaction: Interaction) -> Outcome:
        adviser_id, start = _parse_slot(interaction.value)
        appointment_id = interaction.metadata.get("reschedule")
        if isinstance(appointment_id, str):
            view = _own_appointment(context, appointment_id)
            if view.adviser_id != adviser_id:
                raise NotFound()
            return Outcome.replace(views.reschedule_confirm_screen(view, start), interaction)
        return Outcome.replace(views.booking_form_screen(_card(context, adviser_id), start), interaction)

    @flows.on_submit(views.FORM)
    def book(context: FlowContext, interaction: Interaction) -> Outcome:
        adviser_id = metadata_id(interaction.metadata, "adviser")
        start = metadata_time(interaction.metadata)
        values = interaction.values
        try:
            view = booking.book(
                context.uow, context.actor, adviser_id, start,
                mode=text_value(values, "mode") or "",
                category=text_value(values, "category"),
                note=text_value(values, "note"),
            )
        except DomainError as error:
            if error.key == "booking.slot_taken" or error.key in SLOT_ERRORS:
                return Outcome.replace(_unbookable(context, error, adviser_id), interaction)
            raise field_errors(error, FORM_FIELDS) from None
        return Outcome.replace(views.booked_screen(view), interaction)

    @flows.on_ref(ObjectType.APPOINTMENT)
    def open_appointment(context: FlowContext, appointment_id: str, interaction: Interaction) -> Outcome | None:
        view = my_appointment(context, appointment_id)
        if view is None:
            return None  # not the actor's as employee: perhaps theirs as adviser
        return Outcome.replace(views.appointment_screen(view), interaction)

    @flows.on_action(ActionId.APPOINTMENT_CANCEL)
    def confirm_cancel(context: FlowContext, interaction: Interaction) -> Outcome:
        view = _own_appointment(context, ref_id(interaction.value, ObjectType.APPOINTMENT))
        if not view.upcoming:
            raise DomainError("appointment.not_changeable")
        return Outcome.replace(views.cancel_confirm_screen(view), interaction)

    @flows.on_submit(views.CANCEL)
    def cancel(context: FlowContext, interaction: Interaction) -> Outcome:
        booking.cancel(context.uow, context.actor, metadata_id(interaction.metadata, "appointment"))
        return Outcome.replace(views.cancelled_screen(), interaction)

    @flows.on_action(ActionId.APPOINTMENT_RESCHEDULE)
    def reschedule_slots(context: FlowContext, interaction: Interaction) -> Outcome:
        view = _own_appointment(context, ref_id(interaction.value, ObjectType.APPOINTMENT))
        if not view.upcoming:
            raise DomainError("appointment.not_changeable")
        free = [s for s in _free(context, view.adviser_id) if s.starts_at != view.starts_at]
        screen = views.slots_screen(free, context.actor.timezone, adviser=view.adviser_id, rescheduling=view)
        return Outcome.replace(screen, interaction)

    @flows.on_submit(views.RESCHEDULE)
    def reschedule(context: FlowContext, interaction: Interaction) -> Outcome:
        appointment_id = metadata_id(interaction.metadata, "appointment")
        start = metadata_time(interaction.metadata)
        old = _own_appointment(context, appointment_id)
        try:
            view = booking.reschedule(context.uow, context.actor, appointment_id, start)
        except DomainError as error:
            if error.key == "booking.slot_taken" or error.key in SLOT_ERRORS:
                screen = _unbookable(context, error, old.adviser_id, rescheduling=appointment_id)
                return Outcome.replace(screen, interaction)
            raise
        return Outcome.replace(views.rescheduled_screen(view), interaction)
