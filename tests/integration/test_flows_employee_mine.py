"""'My appointments and messages' and the disclosures about me (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Engine

from tests.support.booking import FIRST_SLOT
from tests.support.employee_flows import (
    EMPLOYEE,
    OTHER,
    actions,
    button,
    buttons,
    canary,
    close_with_checkins,
    disclose,
    journey,
    keys,
    open_case,
    propose,
    rendered,
    screen_of,
)
from vpbot.flows.core import Mode
from vpbot.services import booking, threads
from vpbot.ui.actions import ActionId
from vpbot.ui.views import employee_mine as views


def test_an_empty_overview_points_to_booking_and_writing(engine: Engine) -> None:
    j = journey(engine)
    mine = screen_of(j.driver.click(EMPLOYEE, ActionId.MENU_MINE), views.MINE)
    assert {"mine.appointments.none", "mine.threads.none"} <= keys(mine)
    assert actions(mine) == {ActionId.MENU_BOOK, ActionId.MENU_WRITE, ActionId.OPEN_APP}


def test_the_overview_lists_everything_without_content(engine: Engine) -> None:
    j = journey(engine)
    employee = j.world.person(EMPLOYEE)
    note, message, share, why = canary(), canary(), canary(), canary()
    with j.world.make() as uow:
        booked = booking.book(uow, employee, j.adviser_id, FIRST_SLOT, "phone", note=note)
        thread = threads.start_thread(uow, employee, j.adviser_id, message)
        uow.commit()
    closed_case = open_case(j)  # the booking's case: closed, with a check-in and a disclosure
    referral_id = propose(j, closed_case, share)
    disclosure_id = disclose(j, closed_case, f"Acuut gevaar, daarom gedeeld. {why}")
    [checkin_id] = close_with_checkins(j, closed_case, [2])

    opened = j.driver.click(EMPLOYEE, ActionId.MENU_MINE)
    mine = screen_of(opened, views.MINE)
    assert opened.mode is Mode.UPDATE
    text = rendered(mine)
    for marker in (note, message, share, why):
        assert marker not in text
    assert "Anne de Vries" in text and "12:00" in text
    values = {(b.action_id, b.value) for b in buttons(mine)}
    assert {
        (ActionId.OPEN_APP, f"appointment:{booked.appointment_id}"),
        (ActionId.APPOINTMENT_RESCHEDULE, booked.appointment_id),
        (ActionId.APPOINTMENT_CANCEL, booked.appointment_id),
        (ActionId.OPEN_THREAD, f"thread:{thread.id}"),
        (ActionId.REFERRAL_OPEN, referral_id),
        (ActionId.OPEN_APP, f"checkin:{checkin_id}"),
        (ActionId.OPEN_APP, f"disclosure:{disclosure_id}"),
    } <= values
    assert {"mine.referrals.heading", "mine.checkins.heading", "mine.disclosures.line"} <= keys(mine)

    shown = screen_of(j.driver.click(EMPLOYEE, ActionId.OPEN_APP, button(mine, ActionId.OPEN_APP,
                                                                          f"disclosure:{disclosure_id}").value))
    assert shown.id == views.DISCLOSURES and why in rendered(shown)
    assert "disclosure.employee.intro" in keys(shown) and ActionId.MENU_MINE in actions(shown)


def test_the_disclosure_notification_opens_for_its_employee_only(engine: Engine) -> None:
    j = journey(engine)
    why = canary()
    disclosure_id = disclose(j, open_case(j), f"Wettelijke plicht, daarom gemeld. {why}")
    opened = j.driver.click(EMPLOYEE, ActionId.OPEN_APP, f"disclosure:{disclosure_id}", in_modal=False)
    assert opened.mode is Mode.OPEN and why in rendered(screen_of(opened, views.DISCLOSURES))
    other = screen_of(j.driver.click(OTHER, ActionId.OPEN_APP, f"disclosure:{disclosure_id}", in_modal=False))
    assert other.id == "vpbot.error" and why not in rendered(other)
