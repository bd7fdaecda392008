"""Answering aftercare check-ins (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from tests.support.casedata import case, close, new_case
from tests.support.casework import World, audit_dump, make_world, outbox_items
from vpbot.domain.errors import DomainError
from vpbot.services import checkins
from vpbot.services.actor import Actor
from vpbot.storage.models import CheckIn, OutboxItem


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def _closed_with_checkins(world: World, employee: Actor | None = None) -> tuple[str, list[str]]:
    case_id = new_case(world, employee)
    with world.make() as uow:
        ids = [c.id for c in close(uow, case(uow, case_id), weeks=(2, 6, 12))]
        uow.commit()
    return case_id, ids


def _statuses(world: World, ids: list[str]) -> list[tuple[str, str]]:
    """(check-in status, its notification's status) per check-in."""
    with world.make() as uow:
        result = []
        for checkin_id in ids:
            checkin = uow.session.get(CheckIn, checkin_id)
            assert checkin is not None
            item = uow.session.scalars(select(OutboxItem).where(OutboxItem.dedupe_key == f"checkin:{checkin_id}")).one()
            result.append((checkin.status, item.status))
        return result


def test_good_is_recorded_once(world: World) -> None:
    _, ids = _closed_with_checkins(world)
    with world.make() as uow:
        outcome = checkins.answer_checkin(uow, world.employee, ids[0], "good")
        assert (outcome.checkin.answer, outcome.checkin.status) == ("good", "answered")
        assert outcome.checkin.answered_at == uow.now
        assert not outcome.adviser_notified and outcome.cancelled_checkins == 0
        uow.commit()
    with world.make() as uow:
        with pytest.raises(DomainError) as caught:
            checkins.answer_checkin(uow, world.employee, ids[0], "talk")
        assert caught.value.key == "checkin.already_answered"
        assert outbox_items(uow, "checkin_answered_wants_talk") == []
        assert "checkin.answered" in audit_dump(uow) and "good" not in audit_dump(uow)
    # Answered early: its own notification is moot; the later check-ins still come.
    assert _statuses(world, ids) == [("answered", "cancelled"), ("scheduled", "pending"), ("scheduled", "pending")]


def test_talk_notifies_the_adviser_without_content(world: World) -> None:
    case_id, ids = _closed_with_checkins(world)
    with world.make() as uow:
        outcome = checkins.answer_checkin(uow, world.employee, ids[0], "talk")
        assert outcome.adviser_notified
        uow.commit()
    with world.make() as uow:
        [item] = outbox_items(uow, "checkin_answered_wants_talk")
        assert item.recipient_id == world.adviser.person_id
        assert item.payload == {"kind": "checkin_answered_wants_talk", "at": None,
                                "ref": {"type": "case", "id": case_id}}
    assert [s for s, _ in _statuses(world, ids)] == ["answered", "scheduled", "scheduled"]


def test_stop_cancels_the_remaining_checkins_of_that_case_only(world: World) -> None:
    _, ids = _closed_with_checkins(world)
    _, other_ids = _closed_with_checkins(world, world.other_employee)
    with world.make() as uow:
        assert checkins.answer_checkin(uow, world.employee, ids[0], "stop").cancelled_checkins == 2
        uow.commit()
    assert _statuses(world, ids) == [("answered", "cancelled"), ("cancelled", "cancelled"), ("cancelled", "cancelled")]
    assert _statuses(world, other_ids) == [("scheduled", "pending")] * 3
    with world.make() as uow:
        with pytest.raises(DomainError) as caught:
            checkins.answer_checkin(uow, world.employee, ids[1], "talk")
        assert caught.value.key == "checkin.cancelled"
        mine = checkins.my_checkins(uow, world.employee)
        assert [(c.id, c.status, c.answer) for c in mine] == [
            (ids[0], "answered", "stop"), (ids[1], "cancelled", None), (ids[2], "cancelled", None)
        ]
        assert [c.due_at for c in mine] == sorted(c.due_at for c in mine)


def test_only_the_employee_of_the_case_can_answer(world: World) -> None:
    _, ids = _closed_with_checkins(world)
    with world.make() as uow:
        for actor in (world.other_employee, world.adviser, world.admin):
            with pytest.raises(DomainError) as caught:
                checkins.answer_checkin(uow, actor, ids[0], "good")
            assert caught.value.key == "not_found"
            assert checkins.my_checkins(uow, actor) == []
        with pytest.raises(DomainError) as caught:
            checkins.answer_checkin(uow, world.employee, ids[0], "maybe")
        assert caught.value.key == "input.invalid"
        with pytest.raises(DomainError) as caught:
            checkins.answer_checkin(uow, world.employee, "0" * 32, "good")
        assert caught.value.key == "not_found"
