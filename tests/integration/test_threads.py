"""Secure message threads (vpbot.services.threads), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from tests.support.casework import (
    World,
    add_adviser,
    audit_actions,
    audit_dump,
    make_world,
    outbox_items,
    raw_bytes,
    update_settings,
)
from tests.support.core import uow_factory
from vpbot.domain.errors import DomainError
from vpbot.services import casefile, tenants, threads
from vpbot.storage.models import Case, Thread, ThreadMessage
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType

SECRET = "Mijn leidinggevende scheldt me dagelijks uit"
REPLY = "Dank je voor je bericht, zullen we donderdag bellen?"


def error_key(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(DomainError) as raised:
        call(*args, **kwargs)  # type: ignore[operator]
    return raised.value.key


def start(world: World, text: str = SECRET, *, anonymous: bool = False, adviser_id: str | None = None) -> str:
    with world.make() as uow:
        view = threads.start_thread(uow, world.employee, adviser_id, text, anonymous=anonymous)
        uow.commit()
    return view.id


def new_message(thread_id: str) -> dict[str, object]:
    return Notification(NotificationKind.NEW_MESSAGE, ref=ObjectRef(ObjectType.THREAD, thread_id)).to_payload()


def test_start_thread_stores_only_ciphertext_and_notifies_without_content(engine: Engine) -> None:
    world = make_world(engine)
    with world.make() as uow:
        view = threads.start_thread(uow, world.employee, world.adviser.adviser_id, SECRET)
        uow.commit()
    assert view.viewer == "employee" and view.adviser_name == "Anna de Vries"
    assert [(m.sender, m.mine, m.text) for m in view.messages] == [("employee", True, SECRET)]
    with world.make() as uow:
        case = uow.session.scalars(select(Case)).one()
        assert (case.adviser_id, case.employee_id, case.anonymous) == (
            world.adviser.adviser_id, world.employee.person_id, False
        )
        stored = raw_bytes(uow, "thread_messages", "body_enc")
        assert len(stored) == 1 and SECRET.encode() not in stored[0]
        [item] = outbox_items(uow)
        assert item.kind == "new_message" and item.recipient_id == world.adviser.person_id
        assert item.payload == new_message(view.id)
        assert item.due_at == world.make.clock.now()
        dump = audit_dump(uow)
        assert SECRET not in dump and "scheldt" not in dump
        assert audit_actions(uow)[-3:] == ["case.opened", "thread.started", "thread.message_posted"]


def test_start_thread_again_reuses_the_case_and_thread(engine: Engine) -> None:
    world = make_world(engine)
    first = start(world, adviser_id=world.adviser.adviser_id)
    world.make.clock.advance(timedelta(minutes=5))
    second = start(world, "Nog iets", adviser_id=world.adviser.adviser_id)
    assert first == second
    with world.make() as uow:
        assert len(uow.session.scalars(select(Case)).all()) == 1
        view = threads.read_thread(uow, world.employee, first)
        assert [m.text for m in view.messages] == [SECRET, "Nog iets"]


def test_without_adviser_the_least_busy_active_adviser_is_chosen(engine: Engine) -> None:
    world = make_world(engine)
    # Both have no open cases: the longest-serving adviser (Anna) gets the first thread.
    with world.make() as uow:
        assert threads.start_thread(uow, world.employee, None, SECRET).adviser_name == "Anna de Vries"
        uow.commit()
    # Anna now has an open case, Bram none.
    with world.make() as uow:
        assert threads.start_thread(uow, world.other_employee, None, SECRET).adviser_name == "Bram Jansen"
        uow.commit()


def test_adviser_choice_errors(engine: Engine) -> None:
    world = make_world(engine, second_adviser=False)
    with world.make() as uow:
        assert error_key(threads.start_thread, uow, world.employee, "0" * 32, SECRET) == "adviser.unknown"
        # An adviser cannot write to themself, and with no colleague nobody is available.
        assert error_key(
            threads.start_thread, uow, world.adviser, world.adviser.adviser_id, SECRET
        ) == "adviser.unknown"
        assert error_key(threads.start_thread, uow, world.adviser, None, SECRET) == "thread.no_adviser"


def test_message_length_rules(engine: Engine) -> None:
    world = make_world(engine)
    with world.make() as uow:
        for empty in ("", "   \n"):
            assert error_key(threads.start_thread, uow, world.employee, None, empty) == "input.invalid"
        assert error_key(threads.start_thread, uow, world.employee, None, "x" * 4001) == "note.too_long"
        view = threads.start_thread(uow, world.employee, None, "x" * 4000)
        assert error_key(threads.post_message, uow, world.employee, view.id, "") == "input.invalid"
        assert error_key(threads.post_message, uow, world.adviser, view.id, "y" * 4001) == "note.too_long"


def test_conversation_notifies_the_other_side_and_marks_read(engine: Engine) -> None:
    world = make_world(engine)
    thread_id = start(world, adviser_id=world.adviser.adviser_id)
    with world.make() as uow:
        [summary] = threads.adviser_threads(uow, world.adviser)
        assert (summary.message_count, summary.unread_count) == (1, 1)
        view = threads.read_thread(uow, world.adviser, thread_id)
        assert view.viewer == "adviser" and view.employee_person_id == world.employee.person_id
        assert [(m.sender, m.mine, m.text) for m in view.messages] == [("employee", False, SECRET)]
        uow.commit()
    world.make.clock.advance(timedelta(hours=1))
    with world.make() as uow:
        assert threads.adviser_threads(uow, world.adviser)[0].unread_count == 0
        posted = threads.post_message(uow, world.adviser, thread_id, REPLY)
        assert (posted.sender, posted.text) == ("adviser", REPLY)
        uow.commit()
    with world.make() as uow:
        [to_employee] = [i for i in outbox_items(uow) if i.recipient_id == world.employee.person_id]
        assert to_employee.kind == "new_message" and to_employee.payload == new_message(thread_id)
        [mine] = threads.my_threads(uow, world.employee)
        assert (mine.message_count, mine.unread_count, mine.adviser_name) == (2, 1, "Anna de Vries")
        assert mine.last_message_at == world.make.clock.now()
        # Lists carry counts and references only.
        assert SECRET not in repr(mine) and REPLY not in repr(mine)
        view = threads.read_thread(uow, world.employee, thread_id)
        assert [m.text for m in view.messages] == [SECRET, REPLY]
        assert view.messages[0].read_at is not None  # the adviser read it earlier
        assert view.employee_person_id is None  # only ever for the adviser
        uow.commit()
    with world.make() as uow:
        assert threads.my_threads(uow, world.employee)[0].unread_count == 0
        stored = raw_bytes(uow, "thread_messages", "body_enc")
        assert len(stored) == 2 and not any(REPLY.encode() in b or SECRET.encode() in b for b in stored)
        dump = audit_dump(uow)
        assert SECRET not in dump and REPLY not in dump
        assert audit_actions(uow).count("thread.read") == 2
        for item in outbox_items(uow):
            assert SECRET not in json.dumps(item.payload) and REPLY not in json.dumps(item.payload)


def test_anonymous_thread_hides_identity_until_revealed(engine: Engine) -> None:
    world = make_world(engine)
    thread_id = start(world, anonymous=True, adviser_id=world.adviser.adviser_id)
    with world.make() as uow:
        view = threads.read_thread(uow, world.adviser, thread_id)
        assert view.anonymous and not view.revealed
        assert view.employee_person_id is None and view.pseudonym
        [summary] = threads.adviser_threads(uow, world.adviser)
        assert summary.pseudonym == view.pseudonym and summary.anonymous
        # The adviser's notification is the same content-free value as for a named thread.
        [item] = outbox_items(uow)
        assert item.payload == new_message(thread_id)
        # Only the writer can reveal who they are.
        assert error_key(threads.reveal_identity, uow, world.adviser, thread_id) == "not_found"
        uow.commit()
    with world.make() as uow:
        revealed = threads.reveal_identity(uow, world.employee, thread_id)
        assert revealed.revealed
        uow.commit()
    with world.make() as uow:
        view = threads.read_thread(uow, world.adviser, thread_id)
        assert view.revealed and view.employee_person_id == world.employee.person_id
        assert uow.session.get(Thread, thread_id).revealed_at == world.make.clock.now()  # type: ignore[union-attr]
        assert "thread.identity_revealed" in audit_actions(uow)


def test_anonymous_thread_never_joins_a_named_case(engine: Engine) -> None:
    world = make_world(engine)
    with world.make() as uow:
        named = casefile.open_case(uow, world.employee, world.adviser.adviser_id or "")
        uow.commit()
    thread_id = start(world, anonymous=True, adviser_id=world.adviser.adviser_id)
    with world.make() as uow:
        thread = uow.session.get(Thread, thread_id)
        assert thread is not None and thread.case_id != named.id and thread.anonymous
        assert threads.read_thread(uow, world.adviser, thread_id).employee_person_id is None


def test_anonymous_threads_can_be_switched_off(engine: Engine) -> None:
    world = make_world(engine)
    update_settings(world, anonymous_threads_allowed=False)
    with world.make() as uow:
        assert error_key(
            threads.start_thread, uow, world.employee, None, SECRET, anonymous=True
        ) == "thread.anonymous_not_allowed"
        assert uow.session.scalars(select(Case)).all() == []
        assert not threads.start_thread(uow, world.employee, None, SECRET).anonymous


def test_only_the_two_participants_reach_a_thread(engine: Engine) -> None:
    world = make_world(engine)
    thread_id = start(world, adviser_id=world.adviser.adviser_id)
    with world.make() as uow:
        for outsider in (world.other_adviser, world.other_employee, world.admin):
            assert error_key(threads.read_thread, uow, outsider, thread_id) == "not_found"
            assert error_key(threads.post_message, uow, outsider, thread_id, "hallo") == "not_found"
            assert error_key(threads.reveal_identity, uow, outsider, thread_id) == "not_found"
        assert threads.adviser_threads(uow, world.other_adviser) == []
        assert threads.my_threads(uow, world.other_employee) == []
        # The admin is no adviser: the adviser list is forbidden, not empty.
        assert error_key(threads.adviser_threads, uow, world.admin) == "auth.forbidden"
        assert error_key(threads.read_thread, uow, world.employee, "f" * 32) == "not_found"
        # Nothing was marked read by the attempts.
        assert uow.session.scalars(select(ThreadMessage.read_at)).all() == [None]


def test_a_thread_in_another_tenant_is_not_found(engine: Engine) -> None:
    world = make_world(engine)
    thread_id = start(world, adviser_id=world.adviser.adviser_id)
    make = uow_factory(engine, world.make.clock)  # type: ignore[arg-type]
    with make() as uow:
        other_tenant = tenants.register_tenant(uow, "teams", "T_OTHER")
        stranger = add_adviser(uow, other_tenant, "U_ANNA", "Anna elders", 1)
        uow.commit()
    with make() as uow:
        assert error_key(threads.read_thread, uow, stranger, thread_id) == "not_found"


def test_purged_case_thread_is_gone(engine: Engine) -> None:
    world = make_world(engine)
    thread_id = start(world, adviser_id=world.adviser.adviser_id)
    with world.make() as uow:
        uow.session.scalars(select(Case)).one().status = "purged"
        uow.commit()
    with world.make() as uow:
        assert error_key(threads.read_thread, uow, world.employee, thread_id) == "not_found"
        assert threads.my_threads(uow, world.employee) == []
