"""Many people booking the same slot at once: exactly one wins (SQLite and PostgreSQL).

Each thread has its own unit of work from the same factory, and a barrier releases them
together. On SQLite the writers queue on ``BEGIN IMMEDIATE``; on PostgreSQL they really run
concurrently and the unique constraint on ``(adviser_id, held_start)`` decides.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func, select

from tests.support.booking import World, make_world, run_together
from vpbot.domain import availability
from vpbot.domain.errors import DomainError
from vpbot.services import admin, booking, tenants
from vpbot.services.actor import Actor
from vpbot.services.booking import AppointmentView
from vpbot.storage.models import Appointment

UTC = timezone.utc
SLOT = datetime(2026, 9, 9, 8, 0, tzinfo=UTC)  # Wednesday 10:00 Amsterdam
# Ten other slots, one per person: Thursday 09:00-16:00 and Friday 09:00-10:00 Amsterdam.
OTHER_SLOTS = [datetime(2026, 9, 10, 7, 0, tzinfo=UTC) + timedelta(hours=h) for h in range(8)] + [
    datetime(2026, 9, 11, 7, 0, tzinfo=UTC) + timedelta(hours=h) for h in range(2)
]


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def people(world: World, prefix: str, count: int) -> list[Actor]:
    with world.make() as uow:
        actors = [tenants.identify(uow, world.tenant_id, f"{prefix}{i}") for i in range(count)]
        uow.commit()
    return actors


def booker(world: World, actor: Actor, start: datetime) -> Callable[[], AppointmentView]:
    def call() -> AppointmentView:
        with world.make() as uow:
            view = booking.book(uow, actor, world.adviser_id, start, "video")
            uow.commit()
        return view

    return call


def rescheduler(world: World, actor: Actor, appointment_id: str, start: datetime) -> Callable[[], AppointmentView]:
    def call() -> AppointmentView:
        with world.make() as uow:
            view = booking.reschedule(uow, actor, appointment_id, start)
            uow.commit()
        return view

    return call


def split(results: Sequence[object]) -> tuple[list[AppointmentView], list[DomainError]]:
    """Winners and losers; anything other than a booking or a DomainError fails the test."""
    wins = [r for r in results if isinstance(r, AppointmentView)]
    losses = [r for r in results if isinstance(r, DomainError)]
    unexpected = [r for r in results if not isinstance(r, (AppointmentView, DomainError))]
    assert unexpected == [], unexpected
    return wins, losses


def holders(world: World, start: datetime) -> list[str]:
    """Ids of the appointments holding ``start`` (the database's view)."""
    with world.make() as uow:
        return list(
            uow.session.scalars(
                select(Appointment.id).where(
                    Appointment.adviser_id == world.adviser_id,
                    Appointment.held_start == start,
                    Appointment.status == "booked",
                )
            )
        )


def assert_slot_taken(losses: Sequence[DomainError], start: datetime) -> None:
    for loss in losses:
        assert loss.key == "booking.slot_taken"
        following = loss.params["next"]
        assert isinstance(following, list) and len(following) == 3
        assert start not in following and all(s > start for s in following)


def test_fifty_employees_race_for_one_slot(world: World) -> None:
    racers = people(world, "U_RACE_", 50)
    wins, losses = split(run_together([booker(world, actor, SLOT) for actor in racers]))
    assert len(wins) == 1 and len(losses) == 49
    assert_slot_taken(losses, SLOT)
    assert holders(world, SLOT) == [wins[0].appointment_id]
    with world.make() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Appointment)) == 1


def test_cancel_frees_the_slot_for_the_next_race(world: World) -> None:
    first, *others = people(world, "U_RACE_", 11)
    won = booker(world, first, SLOT)()
    with world.make() as uow:
        booking.cancel(uow, first, won.appointment_id)
        uow.commit()
    wins, losses = split(run_together([booker(world, actor, SLOT) for actor in others]))
    assert len(wins) == 1 and len(losses) == 9
    assert_slot_taken(losses, SLOT)
    assert holders(world, SLOT) == [wins[0].appointment_id]


def test_reschedule_race_moves_exactly_one(world: World) -> None:
    movers = people(world, "U_MOVE_", 10)
    newcomers = people(world, "U_NEW_", 10)
    booked = [booker(world, actor, start)() for actor, start in zip(movers, OTHER_SLOTS)]
    calls = [rescheduler(world, actor, view.appointment_id, SLOT) for actor, view in zip(movers, booked)]
    calls += [booker(world, actor, SLOT) for actor in newcomers]
    wins, losses = split(run_together(calls))
    assert len(wins) == 1 and len(losses) == 19
    assert_slot_taken(losses, SLOT)
    assert holders(world, SLOT) == [wins[0].appointment_id]
    # Every mover that lost still holds its old slot; a winning mover freed its own.
    for view, start in zip(booked, OTHER_SLOTS):
        expected = [] if view.appointment_id == wins[0].appointment_id else [view.appointment_id]
        assert holders(world, start) == expected


def test_the_unique_constraint_decides_when_the_checks_miss_a_race(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Simulate the PostgreSQL interleaving deterministically (SQLite serialises writers):
    # the slot looked free when checked, and a competitor committed before our insert.
    winner, loser = people(world, "U_", 2)
    booker(world, winner, SLOT)()
    monkeypatch.setattr(availability, "check_bookable", lambda *args: None)
    with world.make() as uow:
        with pytest.raises(DomainError) as caught:
            booking.book(uow, loser, world.adviser_id, SLOT, "video")
        # The SAVEPOINT kept the transaction usable after the constraint violation.
        assert len(booking.free_slots(uow, loser, world.adviser_id, limit=5)) == 5
    assert_slot_taken([caught.value], SLOT)
    assert len(holders(world, SLOT)) == 1


def test_removing_an_adviser_while_people_book_leaves_nothing_booked(world: World) -> None:
    racers = people(world, "U_RACE_", 20)
    with world.make() as uow:
        slots = [s.starts_at for s in booking.free_slots(uow, racers[0], world.adviser_id, limit=20)]

    def remove() -> admin.RemoveResult:
        with world.make() as uow:
            result = admin.remove_adviser(uow, world.admin, world.adviser_id)
            uow.commit()
        return result

    results = run_together([remove, *(booker(world, actor, start) for actor, start in zip(racers, slots))])
    removal, outcomes = results[0], results[1:]
    assert isinstance(removal, admin.RemoveResult)
    wins, losses = split(outcomes)
    assert {loss.key for loss in losses} <= {"adviser.unknown"}
    # Every booking that got in before the removal was cancelled by it; none slipped past.
    assert removal.cancelled_appointments == len(wins)
    with world.make() as uow:
        statuses = uow.session.scalars(select(Appointment.status)).all()
    assert sorted(statuses) == ["cancelled"] * len(wins)
