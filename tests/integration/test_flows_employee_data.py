"""My data (export and erasure) and my language, click by click (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from tests.support.booking import FIRST_SLOT
from tests.support.employee_flows import (
    EMPLOYEE,
    actions,
    canary,
    disclose,
    field_ids,
    journey,
    keys,
    open_case,
    propose,
    rendered,
    screen_of,
    slack_blocks,
)
from tests.support.flows import TENANT, assert_renders
from vpbot.flows.core import Interaction, Kind
from vpbot.services import booking, threads
from vpbot.storage.models import Appointment, Person
from vpbot.ui.actions import ActionId
from vpbot.ui.screens import BLOCKS_MAX
from vpbot.ui.views import employee_data as views
from vpbot.ui.views.employee_language import LANGUAGE


def test_export_shows_everything_stored_about_me(engine: Engine) -> None:
    j = journey(engine)
    employee = j.world.person(EMPLOYEE)
    note, message, share, why = canary(), canary(), canary(), canary()
    with j.world.make() as uow:
        booking.book(uow, employee, j.adviser_id, FIRST_SLOT, "video", note=note)
        threads.start_thread(uow, employee, j.adviser_id, message)
        uow.commit()
    case_id = open_case(j)
    propose(j, case_id, share)
    disclose(j, case_id, f"Acuut gevaar, daarom gedeeld. {why}")

    data = screen_of(j.driver.click(EMPLOYEE, ActionId.MENU_DATA), views.DATA)
    text = rendered(data)
    for marker in (note, message, share, why):
        assert marker in text
    assert {"data.intro", "data.profile", "data.cases", "data.section.appointments"} <= keys(data)
    assert ActionId.DATA_DELETE in actions(data)


def test_a_long_history_is_summarised_within_slacks_limits(engine: Engine) -> None:
    j = journey(engine)
    employee = j.world.person(EMPLOYEE)
    with j.world.make() as uow:
        thread = threads.start_thread(uow, employee, j.adviser_id, "start")
        uow.commit()
    for n in range(40):
        j.tick()
        with j.world.make() as uow:
            threads.post_message(uow, employee, thread.id, f"bericht {n:02d} " + "y" * 3500)
            uow.commit()
    data = screen_of(j.driver.click(EMPLOYEE, ActionId.MENU_DATA), views.DATA)
    assert len(slack_blocks(data)) <= BLOCKS_MAX
    text = rendered(data)
    assert "bericht 39" in text and "bericht 00" not in text and "data.more" in keys(data)
    assert "Berichten: 41" in text


def test_delete_needs_the_explicit_confirmation_then_reports(engine: Engine) -> None:
    j = journey(engine)
    employee = j.world.person(EMPLOYEE)
    with j.world.make() as uow:
        booking.book(uow, employee, j.adviser_id, FIRST_SLOT, "video", note=canary())
        uow.commit()
    data = screen_of(j.driver.click(EMPLOYEE, ActionId.MENU_DATA), views.DATA)
    confirm = screen_of(j.driver.click(EMPLOYEE, ActionId.DATA_DELETE), views.DELETE)
    assert field_ids(confirm) == ["confirm"] and confirm.submit_key == "modal.delete"
    assert set(j.driver.submit(EMPLOYEE, confirm, {"confirm": []}).errors) == {"confirm"}
    with j.driver.uows() as uow:
        assert uow.session.get(Person, employee.person_id) is not None
    report = screen_of(j.driver.submit(EMPLOYEE, confirm, {"confirm": [views.CONFIRM]}), views.DELETED)
    assert {"data.delete.done", "data.deleted.appointments", "data.deleted.chat"} <= keys(report)
    assert ActionId.OPEN_APP in actions(report) and ActionId.DATA_DELETE in actions(data)
    with j.driver.uows() as uow:
        assert uow.session.get(Person, employee.person_id) is None
        assert uow.session.scalars(select(Appointment.status)).all() in ([], ["cancelled"])


def test_an_adviser_cannot_delete_their_data_here(engine: Engine) -> None:
    j = journey(engine)
    confirm = screen_of(j.driver.click("U_ADVISER", ActionId.DATA_DELETE))
    refused = screen_of(j.driver.submit("U_ADVISER", confirm, {"confirm": [views.CONFIRM]}))
    assert refused.id == "vpbot.error"


def test_language_choice_is_stored_and_the_menu_reopens_in_it(engine: Engine) -> None:
    j = journey(engine)
    form = screen_of(j.driver.click(EMPLOYEE, ActionId.MENU_LANGUAGE), LANGUAGE)
    assert field_ids(form) == ["language"]
    actor, outcome = j.driver.flows.handle(
        "slack", TENANT, EMPLOYEE,
        Interaction(Kind.SUBMIT, LANGUAGE, values={"language": "en"}, metadata=dict(form.private_metadata)),
    )
    menu = screen_of(outcome, "vpbot.home")
    assert_renders(menu)
    assert actor is not None and actor.locale == "en" and "language.saved" in keys(menu)
    with j.driver.uows() as uow:
        assert uow.session.get_one(Person, actor.person_id).locale == "en"
    assert screen_of(j.driver.click(EMPLOYEE, ActionId.MENU_LANGUAGE), LANGUAGE).fields()[0].initial == "en"
    assert set(j.driver.submit(EMPLOYEE, form, {"language": "de"}).errors) == {"language"}
