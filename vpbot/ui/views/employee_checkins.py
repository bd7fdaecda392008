"""Aftercare check-ins (nazorg): the question, and what each answer means."""

from __future__ import annotations

from vpbot.services.checkins import CheckInView
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType, actions
from vpbot.ui.screens import Block, Button, Buttons, ButtonStyle, Screen, Text
from vpbot.ui.views.employee_common import nav_row

__all__ = ["ANSWERED", "CHECKIN", "answered_screen", "checkin_screen", "closed_screen"]

CHECKIN = "vpbot.employee.checkin"
ANSWERED = "vpbot.employee.checkin.done"


def _book_row() -> Buttons:
    return nav_row(Button(ActionId.MENU_BOOK, "button.menu.book"))


def checkin_screen(view: CheckInView) -> Screen:
    """How are you doing? The same three answers as on the chat notification."""
    if view.status != "scheduled":
        key = "error.checkin.already_answered" if view.answer else "error.checkin.cancelled"
        return closed_screen(key)
    due = Notification(NotificationKind.CHECKIN_DUE, ref=ObjectRef(ObjectType.CHECKIN, view.id))
    blocks = (Text("checkin.question"), Buttons(tuple(actions(due))), nav_row())
    return Screen(CHECKIN, "checkin.title", blocks, close_key="modal.close")


def answered_screen(answer: str) -> Screen:
    """Thanks; "talk" leads straight to booking, "stop" confirms that no check-ins follow."""
    if answer == "talk":
        tail = nav_row(Button(ActionId.MENU_BOOK, "button.menu.book", style=ButtonStyle.PRIMARY),
                       Button(ActionId.MENU_WRITE, "button.menu.write"))
    else:
        tail = _book_row()
    blocks: tuple[Block, ...] = (Text(f"checkin.answer.{answer}"), tail)
    return Screen(ANSWERED, "checkin.title", blocks, close_key="modal.close")


def closed_screen(reason_key: str) -> Screen:
    """The check-in was answered already or is no longer active; booking is always open."""
    return Screen(ANSWERED, "checkin.title", (Text(reason_key), _book_row()), close_key="modal.close")
