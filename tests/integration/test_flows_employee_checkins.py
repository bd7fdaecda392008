"""Aftercare check-ins answered from the chat notification or from "mine" (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from tests.support.employee_flows import (
    EMPLOYEE,
    OTHER,
    actions,
    close_with_checkins,
    journey,
    keys,
    open_case,
    screen_of,
)
from vpbot.flows.core import Mode
from vpbot.storage.models import CheckIn, OutboxItem
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType
from vpbot.ui.notifications import actions as notification_buttons
from vpbot.ui.views import employee_checkins as views


def _chat_buttons(checkin_id: str) -> dict[str, str]:
    note = Notification(NotificationKind.CHECKIN_DUE, ref=ObjectRef(ObjectType.CHECKIN, checkin_id))
    return {b.action_id: b.value or "" for b in notification_buttons(note)}


def test_talk_from_the_chat_notification_leads_to_booking(engine: Engine) -> None:
    j = journey(engine)
    first, _second = close_with_checkins(j, open_case(j), [2, 6])
    value = _chat_buttons(first)[ActionId.CHECKIN_TALK]
    outcome = j.driver.click(EMPLOYEE, ActionId.CHECKIN_TALK, value, in_modal=False)
    screen = screen_of(outcome, views.ANSWERED)
    assert outcome.mode is Mode.OPEN and "checkin.answer.talk" in keys(screen)
    assert {ActionId.MENU_BOOK, ActionId.MENU_WRITE, ActionId.OPEN_APP} <= actions(screen)
    assert screen_of(j.driver.click(EMPLOYEE, ActionId.MENU_BOOK)).id == "vpbot.employee.booking.adviser"
    with j.driver.uows() as uow:
        kinds = list(uow.session.scalars(select(OutboxItem.kind)))
        assert "checkin_answered_wants_talk" in kinds
        assert uow.session.get_one(CheckIn, first).answer == "talk"


def test_stop_confirms_no_more_checkins(engine: Engine) -> None:
    j = journey(engine)
    first, second = close_with_checkins(j, open_case(j), [2, 6])
    stopped = screen_of(j.driver.click(EMPLOYEE, ActionId.CHECKIN_STOP, f"checkin:{first}", in_modal=False))
    assert "checkin.answer.stop" in keys(stopped)
    with j.driver.uows() as uow:
        assert uow.session.get_one(CheckIn, second).status == "cancelled"
    later = screen_of(j.driver.click(EMPLOYEE, ActionId.CHECKIN_GOOD, f"checkin:{second}", in_modal=False))
    assert "error.checkin.cancelled" in keys(later) and ActionId.MENU_BOOK in actions(later)


def test_open_from_mine_answer_once(engine: Engine) -> None:
    j = journey(engine)
    [only] = close_with_checkins(j, open_case(j), [2])
    mine = screen_of(j.driver.click(EMPLOYEE, ActionId.MENU_MINE))
    assert "mine.checkins.heading" in keys(mine)
    question = screen_of(j.driver.click(EMPLOYEE, ActionId.OPEN_APP, f"checkin:{only}"), views.CHECKIN)
    assert {ActionId.CHECKIN_GOOD, ActionId.CHECKIN_TALK, ActionId.CHECKIN_STOP} <= actions(question)
    good = screen_of(j.driver.click(EMPLOYEE, ActionId.CHECKIN_GOOD, f"checkin:{only}"))
    assert "checkin.answer.good" in keys(good)
    twice = screen_of(j.driver.click(EMPLOYEE, ActionId.CHECKIN_TALK, f"checkin:{only}"))
    assert "error.checkin.already_answered" in keys(twice)
    reopened = screen_of(j.driver.click(EMPLOYEE, ActionId.OPEN_APP, f"checkin:{only}"))
    assert "error.checkin.already_answered" in keys(reopened) and ActionId.CHECKIN_GOOD not in actions(reopened)


def test_someone_elses_checkin_is_not_found(engine: Engine) -> None:
    j = journey(engine)
    [only] = close_with_checkins(j, open_case(j), [2])
    for action_id in (ActionId.CHECKIN_GOOD, ActionId.OPEN_APP):
        outcome = j.driver.click(OTHER, action_id, f"checkin:{only}", in_modal=False)
        assert screen_of(outcome).id == "vpbot.error"
    assert screen_of(j.driver.click(EMPLOYEE, ActionId.CHECKIN_GOOD, f"thread:{only}")).id == "vpbot.error"
    with j.driver.uows() as uow:
        assert uow.session.get_one(CheckIn, only).answer is None
