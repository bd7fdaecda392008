"""Advisers editing their profile, weekly availability and absences (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import Engine, select

from tests.support.booking import FIRST_SLOT, World, add_adviser, make_world
from vpbot.domain.availability import WeeklyWindow
from vpbot.domain.booking import MeetingModes
from vpbot.services import advisers, booking
from vpbot.storage.models import Adviser, AuditEvent, AvailabilityWindow

UTC = timezone.utc


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def test_adviser_edits_own_profile(world: World) -> None:
    employee = world.person("U_EMP")
    with world.make() as uow:
        view = advisers.update_profile(
            uow, world.adviser, display_name="Anne", is_external=True, languages=["nl", "en", "nl"],
            intro="Ik luister.", modes=MeetingModes(video_link="https://meet.example.org/anne"),
            timezone="Europe/London", buffer_minutes=0, slot_minutes=60, min_notice_minutes=1440,
            horizon_days=28,
        )
        uow.commit()
    assert (view.display_name, view.is_external, view.languages, view.intro) == ("Anne", True, ("nl", "en"), "Ik luister.")
    assert (view.location, view.phone, view.video_link) == ("", "", "https://meet.example.org/anne")
    assert (view.timezone, view.slot_minutes, view.buffer_minutes, view.min_notice_minutes, view.horizon_days) == (
        "Europe/London", 60, 0, 1440, 28)
    with world.make() as uow:
        assert advisers.my_profile(uow, world.adviser) == view
        assert uow.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq.desc())).first() == (
            "adviser.profile.updated")
        # Partial updates keep the rest.
        again = advisers.update_profile(uow, world.adviser, intro="")
        assert again.intro == "" and again.slot_minutes == 60
        card = booking.list_advisers(uow, employee)[0]
    assert card.modes == ("video",) and card.display_name == "Anne"


@pytest.mark.parametrize(
    ("kwargs", "key", "field"),
    [
        ({"display_name": ""}, "input.invalid", "display_name"),
        ({"intro": "x" * 501}, "input.too_long", None),
        ({"languages": "nl"}, "input.invalid", "languages"),
        ({"timezone": "Mars/Olympus"}, "input.invalid", "timezone"),
        ({"slot_minutes": 5}, "input.invalid", "slot_minutes"),
        ({"buffer_minutes": -1}, "input.invalid", "buffer_minutes"),
        ({"min_notice_minutes": 99999}, "input.invalid", "min_notice_minutes"),
        ({"horizon_days": 0}, "input.invalid", "horizon_days"),
        ({"horizon_days": True}, "input.invalid", "horizon_days"),
    ],
)
def test_profile_validation(world: World, kwargs: dict[str, object], key: str, field: str | None) -> None:
    failure = world.error(advisers.update_profile, world.adviser, **kwargs)
    assert failure.key == key and failure.params.get("field") == field


def test_only_advisers_manage_availability(world: World) -> None:
    employee = world.person("U_EMP")
    assert world.error(advisers.update_profile, employee, intro="x").key == "auth.forbidden"
    assert world.error(advisers.set_weekly_availability, employee, []).key == "auth.forbidden"
    assert world.error(advisers.add_absence, world.admin, FIRST_SLOT, FIRST_SLOT + timedelta(hours=1)).key == (
        "auth.forbidden")


def test_weekly_availability_is_replaced_and_stored_in_local_minutes(world: World) -> None:
    with world.make() as uow:
        view = advisers.set_weekly_availability(uow, world.adviser, [(2, "13:00", "17:30"), (0, "09:00", "12:00")])
        uow.commit()
    assert [(w.weekday, w.start, w.end) for w in view.windows] == [(0, "09:00", "12:00"), (2, "13:00", "17:30")]
    with world.make() as uow:
        rows = uow.session.scalars(
            select(AvailabilityWindow).where(AvailabilityWindow.adviser_id == world.adviser_id)
            .order_by(AvailabilityWindow.weekday)
        ).all()
        assert [(r.weekday, r.start_minute, r.end_minute) for r in rows] == [(0, 540, 720), (2, 780, 1050)]
        schedule = advisers.schedule_for(uow, uow.session.get_one(Adviser, world.adviser_id))
    assert schedule.windows == (WeeklyWindow(0, time(9), time(12)), WeeklyWindow(2, time(13), time(17, 30)))
    assert schedule.timezone == "Europe/Amsterdam" and schedule.policy.slot_minutes == 45


@pytest.mark.parametrize(
    ("windows", "key"),
    [
        ([(7, "09:00", "12:00")], "availability.invalid_window"),
        ([(0, "9am", "12:00")], "availability.invalid_window"),
        ([(0, "12:00", "09:00")], "availability.invalid_window"),
        ([(0, "09:00", "24:00")], "availability.invalid_window"),
        ([(0, "09:00", "12:00"), (0, "11:00", "13:00")], "availability.overlap"),
    ],
)
def test_bad_windows_are_refused(world: World, windows: list[tuple[int, str, str]], key: str) -> None:
    assert world.error(advisers.set_weekly_availability, world.adviser, windows).key == key


def test_absences(world: World) -> None:
    start = FIRST_SLOT + timedelta(days=1)
    with world.make() as uow:
        absence = advisers.add_absence(uow, world.adviser, start, start + timedelta(days=2))
        uow.commit()
    with world.make() as uow:
        view = advisers.my_availability(uow, world.adviser)
        schedule = advisers.schedule_for(uow, uow.session.get_one(Adviser, world.adviser_id))
    assert [a.absence_id for a in view.absences] == [absence.absence_id]
    assert len(schedule.absences) == 1
    now = world.make.clock.now()
    for begin, end, key in [
        (start, start, "absence.invalid"),  # empty
        (now - timedelta(days=2), now - timedelta(days=1), "absence.invalid"),  # over already
        (start, start + timedelta(days=400), "absence.invalid"),  # too long
        (datetime(2026, 9, 10, 9, 0), datetime(2026, 9, 10, 10, 0), "input.invalid"),  # naive
    ]:
        assert world.error(advisers.add_absence, world.adviser, begin, end).key == key
    other, _ = add_adviser(world.make, world.tenant_id, world.admin, "U_SECOND", name="Bram")
    assert world.error(advisers.remove_absence, other, absence.absence_id).key == "not_found"
    with world.make() as uow:
        advisers.remove_absence(uow, world.adviser, absence.absence_id)
        uow.commit()
    with world.make() as uow:
        assert advisers.my_availability(uow, world.adviser).absences == ()
