"""Writing to an adviser, reading, replying and revealing, click by click (SQLite and PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import Engine, select

from tests.support.casework import update_settings
from tests.support.employee_flows import (
    EMPLOYEE,
    OTHER,
    Journey,
    actions,
    assert_not_stored_in_clear,
    button,
    canary,
    field_ids,
    journey,
    keys,
    rendered,
    screen_of,
    slack_blocks,
)
from vpbot.flows.core import Mode
from vpbot.services import threads
from vpbot.storage.models import Thread
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType
from vpbot.ui.notifications import actions as notification_buttons
from vpbot.ui.screens import BLOCKS_MAX, Screen
from vpbot.ui.views import employee_threads as views
from vpbot.ui.views.employee_booking import FIRST_AVAILABLE


def _write(j: Journey, body: str, *, user: str = EMPLOYEE, anonymous: bool = False) -> Screen:
    form = screen_of(j.driver.click(user, ActionId.MENU_WRITE), views.WRITE)
    values = {"adviser": FIRST_AVAILABLE, "body": body, views.ANONYMOUS: [views.ANONYMOUS] if anonymous else []}
    return screen_of(j.driver.submit(user, form, values))


def _thread_id(j: Journey) -> str:
    with j.driver.uows() as uow:
        return uow.session.scalars(select(Thread.id)).one()


def test_write_anonymously_read_and_reveal(engine: Engine) -> None:
    j = journey(engine)
    form = screen_of(j.driver.click(EMPLOYEE, ActionId.MENU_WRITE), views.WRITE)
    assert field_ids(form) == ["adviser", "body", views.ANONYMOUS]
    assert "thread.anonymous.explain" in keys(form)

    marker = canary()
    sent = _write(j, f"Ik wil iets vertellen. {marker}", anonymous=True)
    assert sent.id == views.SENT and marker not in rendered(sent) and "thread.anonymous.status" in keys(sent)
    thread_id = _thread_id(j)
    assert button(sent, ActionId.OPEN_THREAD).value == f"thread:{thread_id}"

    opened = j.driver.click(EMPLOYEE, ActionId.OPEN_THREAD, f"thread:{thread_id}", in_modal=False)
    view = screen_of(opened, views.THREAD)
    assert opened.mode is Mode.OPEN and marker in rendered(view)
    assert {ActionId.THREAD_REPLY, ActionId.THREAD_REVEAL} <= actions(view)

    confirm = screen_of(j.driver.click(EMPLOYEE, ActionId.THREAD_REVEAL, thread_id), views.REVEAL)
    assert confirm.submit_key == "modal.reveal" and "thread.reveal.body" in keys(confirm)
    revealed = screen_of(j.driver.submit(EMPLOYEE, confirm, {}), views.THREAD)
    assert "thread.reveal.done" in keys(revealed) and ActionId.THREAD_REVEAL not in actions(revealed)
    with j.driver.uows() as uow:
        thread = uow.session.get_one(Thread, thread_id)
        assert thread.anonymous and thread.revealed_at is not None
    assert_not_stored_in_clear(j.driver, marker)


def test_new_message_notification_opens_the_thread_and_the_employee_replies(engine: Engine) -> None:
    j = journey(engine)
    _write(j, "Eerste bericht")
    thread_id = _thread_id(j)
    answer, reply = canary(), canary()
    j.tick()
    with j.world.make() as uow:
        threads.post_message(uow, j.world.adviser, thread_id, f"Dank je, {answer}")
        uow.commit()
    note = Notification(NotificationKind.NEW_MESSAGE, ref=ObjectRef(ObjectType.THREAD, thread_id))
    [open_button] = notification_buttons(note)
    view = screen_of(j.driver.click(EMPLOYEE, open_button.action_id, open_button.value, in_modal=False),
                     views.THREAD)
    assert answer in rendered(view) and "Anne de Vries" in rendered(view)
    assert ActionId.THREAD_REVEAL not in actions(view)  # not anonymous: nothing to reveal

    j.tick()
    form = screen_of(j.driver.click(EMPLOYEE, ActionId.THREAD_REPLY, thread_id), views.REPLY)
    assert field_ids(form) == ["body"] and form.private_metadata == {"thread": thread_id}
    after = screen_of(j.driver.submit(EMPLOYEE, form, {"body": reply}), views.THREAD)
    assert "thread.reply.sent" in keys(after) and reply in rendered(after)
    with j.world.make() as uow:
        assert [m.text for m in threads.read_thread(uow, j.world.adviser, thread_id).messages][-1] == reply
    for marker in (answer, reply):
        assert_not_stored_in_clear(j.driver, marker)

    # Someone else's click on the same notification opens nothing.
    stranger = j.driver.click(OTHER, open_button.action_id, open_button.value, in_modal=False)
    assert screen_of(stranger).id == "vpbot.error" and answer not in rendered(screen_of(stranger))
    assert screen_of(j.driver.click(OTHER, ActionId.THREAD_REPLY, thread_id)).id == "vpbot.error"


def test_anonymous_is_offered_only_where_the_tenant_allows_it(engine: Engine) -> None:
    j = journey(engine)
    update_settings(j.world, anonymous_threads_allowed=False)  # type: ignore[arg-type]
    form = screen_of(j.driver.click(EMPLOYEE, ActionId.MENU_WRITE), views.WRITE)
    assert field_ids(form) == ["adviser", "body"] and "thread.anonymous.unavailable" in keys(form)
    refused = j.driver.submit(EMPLOYEE, form, {"adviser": FIRST_AVAILABLE, "body": "hoi",
                                               views.ANONYMOUS: [views.ANONYMOUS]})
    assert set(refused.errors) == {views.ANONYMOUS}


def test_an_empty_message_is_an_inline_error(engine: Engine) -> None:
    j = journey(engine)
    form = screen_of(j.driver.click(EMPLOYEE, ActionId.MENU_WRITE), views.WRITE)
    assert set(j.driver.submit(EMPLOYEE, form, {"adviser": FIRST_AVAILABLE, "body": "   "}).errors) == {"body"}
    unknown = j.driver.submit(EMPLOYEE, form, {"adviser": "0" * 32, "body": "hoi"})
    assert set(unknown.errors) == {"adviser"}


def test_a_long_conversation_shows_the_newest_messages_within_slacks_limits(engine: Engine) -> None:
    j = journey(engine)
    _write(j, "start")
    thread_id = _thread_id(j)
    for n in range(70):
        j.tick()
        with j.world.make() as uow:
            threads.post_message(uow, j.world.adviser, thread_id, f"bericht {n:02d} " + "x" * 3500)
            uow.commit()
    view = screen_of(j.driver.click(EMPLOYEE, ActionId.OPEN_THREAD, f"thread:{thread_id}"), views.THREAD)
    assert len(slack_blocks(view)) <= BLOCKS_MAX
    text = rendered(view)
    assert "thread.earlier" in keys(view) and "bericht 69" in text and "bericht 00" not in text


def test_the_same_notification_button_opens_the_advisers_side_for_the_adviser(engine: Engine) -> None:
    j = journey(engine)
    marker = canary()
    _write(j, marker)
    thread_id = _thread_id(j)
    note = Notification(NotificationKind.NEW_MESSAGE, ref=ObjectRef(ObjectType.THREAD, thread_id))
    [open_button] = notification_buttons(note)
    opened = screen_of(j.driver.click("U_ADVISER", open_button.action_id, open_button.value, in_modal=False))
    assert opened.id not in (views.THREAD, "vpbot.error") and marker in rendered(opened)
