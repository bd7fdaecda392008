"""Booking an appointment, and the employee's own appointment (cancel, reschedule).

Steps: adviser (or "first available") -> free times grouped by day, in the employee's time
zone -> how to meet, an optional category and note -> the confirmation inside the modal.
A time taken meanwhile shows the next free times as buttons.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from vpbot.domain.booking import MAX_BOOKING_NOTE_LENGTH
from vpbot.services.booking import AdviserCard, AppointmentView, SlotOption
from vpbot.ui.actions import ActionId
from vpbot.ui.options import category_options, mode_options
from vpbot.ui.screens import (
    SELECT_OPTIONS_MAX,
    Block,
    Button,
    Buttons,
    ButtonStyle,
    Divider,
    Option,
    Screen,
    Select,
    SelectStyle,
    Text,
    TextInput,
)
from vpbot.ui.text import Dynamic, Msg, When, WhenStyle
from vpbot.ui.views.employee_common import (
    BlockBudget,
    dynamic_blocks,
    kind_msg,
    languages_text,
    nav_row,
    rows_of,
    short,
    stamp,
)

__all__ = [
    "ADVISER",
    "APPOINTMENT",
    "BOOKED",
    "CANCEL",
    "CANCELLED",
    "FIRST_AVAILABLE",
    "FORM",
    "RESCHEDULE",
    "RESCHEDULED",
    "SLOTS",
    "TAKEN",
    "adviser_choice_screen",
    "appointment_screen",
    "booked_screen",
    "booking_form_screen",
    "cancel_confirm_screen",
    "cancelled_screen",
    "reschedule_confirm_screen",
    "rescheduled_screen",
    "slot_value",
    "slots_screen",
    "taken_screen",
]

ADVISER = "vpbot.employee.booking.adviser"
SLOTS = "vpbot.employee.booking.slots"
FORM = "vpbot.employee.booking.form"
BOOKED = "vpbot.employee.booking.done"
TAKEN = "vpbot.employee.booking.taken"
APPOINTMENT = "vpbot.employee.appointment"
CANCEL = "vpbot.employee.appointment.cancel"
CANCELLED = "vpbot.employee.appointment.cancelled"
RESCHEDULE = "vpbot.employee.appointment.reschedule"
RESCHEDULED = "vpbot.employee.appointment.rescheduled"

# The "first available adviser" choice (not an adviser id).
FIRST_AVAILABLE = "any"
RADIO_UP_TO = 10


def slot_value(slot: SlotOption) -> str:
    """A free time as a button value: ``<adviser id>:<stamp>``."""
    return f"{slot.adviser_id}:{stamp(slot.starts_at)}"


def _slot_button(slot: SlotOption, style: WhenStyle) -> Button:
    return Button(ActionId.SLOT_PICK, value=slot_value(slot), label_text=When(slot.starts_at, style))


def _adviser_card(card: AdviserCard) -> list[Block]:
    params = {"adviser": Dynamic(card.display_name), "kind": kind_msg(card.is_external)}
    if card.languages:
        header = Text("booking.adviser.card", {**params, "languages": languages_text(card.languages)})
    else:
        header = Text("booking.adviser.card_plain", params)
    return [header, *dynamic_blocks(card.intro, muted=True)]


def adviser_choice_screen(cards: Sequence[AdviserCard]) -> Screen:
    """Step 1: who to talk to — each adviser with intro, internal/external and languages."""
    if not cards:
        blocks = (Text("booking.intro"), Text("booking.no_advisers"), Text("help.crisis.body"), nav_row())
        return Screen(ADVISER, "booking.title", blocks, close_key="modal.close")
    options = (
        Option(FIRST_AVAILABLE, "booking.adviser.first_available"),
        *(Option(c.adviser_id, label_text=short(c.display_name)) for c in cards[: SELECT_OPTIONS_MAX - 1]),
    )
    choice = Select(
        "adviser", "booking.adviser.label", options, initial=FIRST_AVAILABLE,
        style=SelectStyle.RADIO if len(options) <= RADIO_UP_TO else SelectStyle.DROPDOWN,
        hint_key="booking.adviser.hint",
    )
    budget = BlockBudget(reserve=2)
    budget.add(Text("booking.intro"), Text("booking.kind.hint", muted=True), Divider())
    for card in cards:
        if not budget.add(*_adviser_card(card)):
            break
    return Screen(
        ADVISER, "booking.title", budget.finish(choice, nav_row()),
        submit_key="modal.next", close_key="modal.close",
    )


def slots_screen(
    slots: Sequence[SlotOption],
    tz: str,
    *,
    adviser: str,
    rescheduling: AppointmentView | None = None,
) -> Screen:
    """Step 2: free times as buttons, grouped by day in the employee's time zone ``tz``.

    ``adviser`` is the chosen adviser id or :data:`FIRST_AVAILABLE`; when ``rescheduling``
    an appointment, the picked time moves it (the id travels in the metadata).
    """
    if rescheduling is not None:
        title = "booking.reschedule.title"
        intro = Text("booking.reschedule.intro", {"when": When(rescheduling.starts_at)})
        back = Button(ActionId.MENU_MINE, "button.menu.mine")
        metadata: dict[str, str] = {"reschedule": rescheduling.appointment_id}
    else:
        title, intro = "booking.title", Text("booking.slots.intro")
        back = Button(ActionId.MENU_BOOK, "button.booking.other_adviser")
        metadata = {"adviser": adviser}
    budget = BlockBudget(reserve=1)
    budget.add(intro, Text("booking.slots.timezone", {"timezone": Dynamic(tz)}, muted=True))
    if not slots:
        budget.add(Text("booking.day.none"), Buttons((Button(ActionId.MENU_WRITE, "button.menu.write"),)))
    zone = ZoneInfo(tz)
    for _day, group in groupby(slots, key=lambda s: s.starts_at.astimezone(zone).date()):
        day = list(group)
        header = Text("booking.slots.day", {"day": When(day[0].starts_at, WhenStyle.DATE)})
        if not budget.add(header, *rows_of([_slot_button(s, WhenStyle.TIME) for s in day])):
            break
    blocks = budget.finish(nav_row(back))
    return Screen(SLOTS, title, blocks, close_key="modal.close", private_metadata=metadata)


def booking_form_screen(card: AdviserCard, start: datetime) -> Screen:
    """Step 3: how to meet (only what this adviser offers), optional category and note."""
    modes = mode_options(card.modes)
    blocks: tuple[Block, ...] = (
        Text("booking.confirm.adviser", {"adviser": Dynamic(card.display_name)}),
        Text("booking.confirm.when", {"when": When(start)}),
        Divider(),
        Select(
            "mode", "booking.mode.label", modes, style=SelectStyle.RADIO,
            initial=modes[0].value if len(modes) == 1 else None,
        ),
        Select("category", "booking.category.label", category_options(), optional=True,
               hint_key="booking.category.hint"),
        TextInput(
            "note", "booking.note.label", multiline=True, optional=True, max_length=MAX_BOOKING_NOTE_LENGTH,
            hint_key=Msg("booking.note.hint", {"max": MAX_BOOKING_NOTE_LENGTH}),
        ),
        nav_row(Button(ActionId.BOOK_SLOTS, "button.booking.other_time", value=card.adviser_id)),
    )
    return Screen(
        FORM, "booking.title", blocks, submit_key="modal.book", close_key="modal.cancel",
        private_metadata={"adviser": card.adviser_id, "start": stamp(start)},
    )


def _where(view: AppointmentView) -> list[Block]:
    if not view.meeting_details:
        return []
    return [Text(f"booking.where.{view.mode}", {"details": Dynamic(view.meeting_details)})]


def _facts(view: AppointmentView) -> list[Block]:
    """With whom, how and where; whether a note was added (never the note)."""
    blocks: list[Block] = [
        Text("booking.confirm.adviser", {"adviser": Dynamic(view.adviser_name)}),
        Text("booking.confirm.mode", {"mode": Msg(f"mode.{view.mode}")}),
        *_where(view),
    ]
    if view.has_note:
        blocks.append(Text("booking.confirm.note_added", muted=True))
    return blocks


def booked_screen(view: AppointmentView) -> Screen:
    """The confirmation inside the modal: when, with whom, how and where."""
    blocks = (
        Text("booking.done.body", {"when": When(view.starts_at)}),
        *_facts(view),
        nav_row(Button(ActionId.MENU_MINE, "button.menu.mine")),
    )
    return Screen(BOOKED, "booking.done.title", blocks, close_key="modal.close")


def taken_screen(
    reason_key: str, following: Sequence[SlotOption], *, adviser: str, rescheduling: str | None = None
) -> Screen:
    """The time was just taken (or no longer bookable): the next free times as buttons."""
    blocks: list[Block] = [Text(reason_key)]
    if following:
        if reason_key != "booking.taken.body":
            blocks.append(Text("booking.taken.next"))
        blocks += rows_of([_slot_button(s, WhenStyle.DATETIME) for s in following])
    else:
        blocks += [Text("booking.taken.none"), Buttons((Button(ActionId.MENU_WRITE, "button.menu.write"),))]
    if rescheduling is not None:
        more = Button(ActionId.APPOINTMENT_RESCHEDULE, "button.booking.more_times", value=rescheduling)
        metadata: dict[str, str] = {"reschedule": rescheduling}
    else:
        more = Button(ActionId.BOOK_SLOTS, "button.booking.more_times", value=adviser)
        metadata = {"adviser": adviser}
    blocks.append(nav_row(more))
    return Screen(
        TAKEN, "booking.taken.title", tuple(blocks), close_key="modal.close", private_metadata=metadata
    )


def appointment_screen(view: AppointmentView) -> Screen:
    """One of the employee's appointments, with cancel and reschedule while it is to come."""
    blocks: list[Block] = [Text("booking.confirm.when", {"when": When(view.starts_at)}), *_facts(view)]
    if view.status == "cancelled":
        blocks.append(Text("appointment.cancelled"))
    elif view.upcoming:
        blocks.append(Buttons((
            Button(ActionId.APPOINTMENT_RESCHEDULE, "button.appointment.reschedule", value=view.appointment_id),
            Button(ActionId.APPOINTMENT_CANCEL, "button.appointment.cancel", value=view.appointment_id,
                   style=ButtonStyle.DANGER),
        )))
    else:
        blocks.append(Text("appointment.past"))
    blocks.append(nav_row(Button(ActionId.MENU_MINE, "button.menu.mine")))
    return Screen(APPOINTMENT, "appointment.title", tuple(blocks), close_key="modal.close")


def cancel_confirm_screen(view: AppointmentView) -> Screen:
    """Are you sure? The adviser gets a notification without content."""
    blocks = (
        Text("booking.cancel.body", {"when": When(view.starts_at)}),
        Buttons((Button(ActionId.MENU_MINE, "button.appointment.keep"),)),
    )
    return Screen(
        CANCEL, "booking.cancel.title", blocks, submit_key="modal.cancel_appointment",
        close_key="modal.close", private_metadata={"appointment": view.appointment_id},
    )


def cancelled_screen() -> Screen:
    """The appointment is cancelled; book another, or go back."""
    blocks = (
        Text("booking.cancel.done"),
        nav_row(Button(ActionId.MENU_BOOK, "button.menu.book"), Button(ActionId.MENU_MINE, "button.menu.mine")),
    )
    return Screen(CANCELLED, "booking.cancel.title", blocks, close_key="modal.close")


def reschedule_confirm_screen(view: AppointmentView, start: datetime) -> Screen:
    """Move the appointment from its time to ``start``?"""
    blocks = (
        Text("booking.reschedule.confirm", {"old": When(view.starts_at), "new": When(start)}),
        Buttons((
            Button(ActionId.APPOINTMENT_RESCHEDULE, "button.booking.other_time", value=view.appointment_id),
        )),
    )
    return Screen(
        RESCHEDULE, "booking.reschedule.title", blocks, submit_key="modal.confirm", close_key="modal.cancel",
        private_metadata={"appointment": view.appointment_id, "start": stamp(start)},
    )


def rescheduled_screen(view: AppointmentView) -> Screen:
    """The appointment's new time, and how and where."""
    blocks = (
        Text("booking.reschedule.done", {"when": When(view.starts_at)}),
        *_facts(view),
        nav_row(Button(ActionId.MENU_MINE, "button.menu.mine")),
    )
    return Screen(RESCHEDULED, "booking.reschedule.title", blocks, close_key="modal.close")
