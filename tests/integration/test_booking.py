"""Booking, cancelling and rescheduling appointments (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from tests.support.booking import FIRST_SLOT, SECOND_SLOT, World, add_adviser, make_world
from tests.support.core import uow_factory
from vpbot.domain.booking import MeetingModes
from vpbot.domain.errors import DomainError
from vpbot.services import advisers, booking
from vpbot.services.actor import Actor
from vpbot.services.booking import AppointmentView
from vpbot.services.clock import FixedClock
from vpbot.storage.models import Appointment, AuditEvent, Case, OutboxItem

UTC = timezone.utc
AMS = ZoneInfo("Europe/Amsterdam")
TUESDAY_10 = datetime(2026, 9, 8, 8, 0, tzinfo=UTC)  # Tuesday 10:00 Amsterdam, 24 h after T0
WEDNESDAY_10 = datetime(2026, 9, 9, 8, 0, tzinfo=UTC)


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def book(world: World, actor: Actor, start: datetime = FIRST_SLOT, mode: str = "video", **kwargs: object) -> AppointmentView:
    with world.make() as uow:
        view = booking.book(uow, actor, kwargs.pop("adviser_id", world.adviser_id), start, mode, **kwargs)  # type: ignore[arg-type]
        uow.commit()
    return view


def outbox(world: World, kind: str | None = None, status: str | None = None) -> list[OutboxItem]:
    with world.make() as uow:
        query = select(OutboxItem).order_by(OutboxItem.due_at)
        if kind is not None:
            query = query.where(OutboxItem.kind == kind)
        if status is not None:
            query = query.where(OutboxItem.status == status)
        rows = list(uow.session.scalars(query))
        uow.session.expunge_all()  # keep the loaded values after the unit of work ends
    return rows


def appointment_row(world: World, appointment_id: str) -> Appointment:
    with world.make() as uow:
        row = uow.session.get_one(Appointment, appointment_id)
        uow.session.expunge(row)
    return row


# --------------------------------------------------------------------------- advisers and slots


def test_employee_sees_bookable_advisers_without_case_information(world: World) -> None:
    add_adviser(world.make, world.tenant_id, world.admin, "U_PHONE_ONLY", name="Bram Jansen",
                modes=MeetingModes(phone="020-1234567"), is_external=True, languages=["nl", "EN"],
                intro="Externe vertrouwenspersoon.")
    add_adviser(world.make, world.tenant_id, world.admin, "U_NO_MODES", name="Cor", modes=MeetingModes())
    employee = world.person("U_EMP")
    with world.make() as uow:
        cards = booking.list_advisers(uow, employee)
        # An adviser never sees themselves in the list.
        own = booking.list_advisers(uow, world.adviser)
    assert [c.display_name for c in cards] == ["Anne de Vries", "Bram Jansen"]
    anne, bram = cards
    assert anne.modes == ("in_person", "phone", "video") and not anne.is_external
    assert bram.modes == ("phone",) and bram.is_external and bram.languages == ("nl", "en")
    assert bram.intro == "Externe vertrouwenspersoon."
    assert set(vars(anne)) == {"adviser_id", "display_name", "is_external", "languages", "intro", "modes"}
    assert [c.display_name for c in own] == ["Bram Jansen"]


def test_free_slots_for_one_adviser_follow_the_policy(world: World) -> None:
    employee = world.person("U_EMP")
    with world.make() as uow:
        slots = booking.free_slots(uow, employee, world.adviser_id, days=7, limit=100)
        three = booking.free_slots(uow, employee, world.adviser_id, limit=3)
    # Two hours' notice from Monday 10:00 local: 12:00 is first; 8 slots a day, Mon-Fri, and
    # next Monday 09:00 is still within 7 days of now.
    assert slots[0].starts_at == FIRST_SLOT and slots[1].starts_at == SECOND_SLOT
    assert len(slots) == 5 + 4 * 8 + 1
    assert all(s.adviser_id == world.adviser_id and s.starts_at.tzinfo is not None for s in slots)
    assert all(9 <= s.starts_at.astimezone(AMS).hour <= 16 and s.starts_at.astimezone(AMS).weekday() < 5 for s in slots)
    assert [s.starts_at for s in three] == [s.starts_at for s in slots[:3]]


def test_first_available_merges_all_advisers_earliest_first(world: World) -> None:
    _, bram_id = add_adviser(world.make, world.tenant_id, world.admin, "U_BRAM", name="Bram",
                             windows=[(0, "12:30", "14:00")], slot_minutes=30, buffer_minutes=0)
    employee = world.person("U_EMP")
    with world.make() as uow:
        merged = booking.free_slots(uow, employee, None, days=1, limit=40)
    local = [(s.starts_at.astimezone(AMS).strftime("%H:%M"), s.adviser_id) for s in merged]
    # Equal instants are ordered by adviser id, so neither adviser is always first.
    assert local[:5] == sorted([
        ("12:00", world.adviser_id), ("12:30", bram_id), ("13:00", world.adviser_id),
        ("13:00", bram_id), ("13:30", bram_id),
    ])
    assert [s.starts_at for s in merged] == sorted(s.starts_at for s in merged)


def test_slots_are_the_same_instants_in_another_time_zone(world: World) -> None:
    amsterdam = world.person("U_AMS")
    new_york = world.person("U_NYC", timezone="America/New_York")
    assert new_york.timezone == "America/New_York"
    with world.make() as uow:
        assert booking.free_slots(uow, new_york, world.adviser_id) == booking.free_slots(uow, amsterdam, world.adviser_id)
    # 06:00 in New York is 12:00 in Amsterdam: the same slot, whatever zone it is given in.
    view = book(world, new_york, FIRST_SLOT.astimezone(ZoneInfo("America/New_York")))
    assert view.starts_at == FIRST_SLOT and view.starts_at.utcoffset() == timedelta(0)
    assert appointment_row(world, view.appointment_id).held_start == FIRST_SLOT


def test_dst_week_keeps_local_wall_clock_times(engine: Engine) -> None:
    # Monday 19 October 2026, 10:00 CEST; clocks go back on Sunday 25 October.
    make = uow_factory(engine, FixedClock(datetime(2026, 10, 19, 8, 0, tzinfo=UTC)))
    world = make_world(engine, make=make)
    employee = world.person("U_EMP")
    with make() as uow:
        slots = booking.free_slots(uow, employee, world.adviser_id, days=14, limit=200)
    by_day: dict[str, list[str]] = {}
    for slot in slots:
        by_day.setdefault(slot.starts_at.astimezone(AMS).date().isoformat(), []).append(
            slot.starts_at.strftime("%H:%MZ")
        )
    assert by_day["2026-10-23"][0] == "07:00Z"  # Friday 09:00 CEST
    assert by_day["2026-10-26"][0] == "08:00Z"  # Monday 09:00 CET
    assert all(9 <= s.starts_at.astimezone(AMS).hour <= 16 for s in slots)
    monday_after = datetime(2026, 10, 26, 9, 0, tzinfo=AMS)
    view = book(world, employee, monday_after)
    assert view.starts_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    assert world.error(booking.book, employee, world.adviser_id, datetime(2026, 10, 26, 7, 0, tzinfo=UTC),
                 "video").key == "booking.outside_availability"


# --------------------------------------------------------------------------- booking


def test_book_opens_a_case_encrypts_the_note_and_notifies_without_content(world: World) -> None:
    employee = world.person("U_EMP")
    note = "Mijn leidinggevende schreeuwt tegen me."
    view = book(world, employee, WEDNESDAY_10, "in_person", category="bullying", note=note)
    assert view.adviser_name == "Anne de Vries" and view.meeting_details == "Kamer 2.14"
    assert view.upcoming and view.has_note and view.status == "booked" and view.category == "bullying"
    assert note not in repr(view)
    row = appointment_row(world, view.appointment_id)
    assert row.held_start == WEDNESDAY_10 and row.ends_at == WEDNESDAY_10 + timedelta(minutes=45)
    assert row.note_enc is not None and note.encode() not in row.note_enc
    with world.make() as uow:
        case = uow.session.get_one(Case, row.case_id)
        assert case.employee_id == employee.person_id and case.adviser_id == world.adviser_id
        actions = list(uow.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions[-2:] == ["case.opened", "appointment.booked"]

    requested = outbox(world, "appointment_requested")
    assert len(requested) == 1 and requested[0].recipient_id == world.adviser.person_id
    assert requested[0].payload == {
        "kind": "appointment_requested", "at": WEDNESDAY_10.isoformat(),
        "ref": {"type": "appointment", "id": view.appointment_id},
    }
    reminders = outbox(world, "appointment_reminder")
    assert sorted((r.due_at, r.recipient_id) for r in reminders) == sorted(
        (WEDNESDAY_10 - offset, person)
        for offset in (timedelta(hours=24), timedelta(hours=1))
        for person in (employee.person_id, world.adviser.person_id)
    )
    assert all(r.dedupe_key.startswith(f"reminder:{view.appointment_id}:") for r in reminders)

    # A second booking with the same adviser joins the same open case.
    second = book(world, employee, WEDNESDAY_10 + timedelta(hours=1), "phone")
    assert appointment_row(world, second.appointment_id).case_id == row.case_id
    assert second.meeting_details == "+31 20 123 4567" and not second.has_note


def test_reminders_already_due_are_not_queued(world: World) -> None:
    employee = world.person("U_EMP")
    book(world, employee, FIRST_SLOT)  # two hours away: only the 1-hour reminders make sense
    assert {r.due_at for r in outbox(world, "appointment_reminder")} == {FIRST_SLOT - timedelta(hours=1)}


def test_employee_and_adviser_views(world: World) -> None:
    employee = world.person("U_EMP")
    first = book(world, employee, FIRST_SLOT, note="Graag in een rustige kamer.")
    later = book(world, employee, TUESDAY_10)
    world.make.clock.advance(timedelta(hours=3))  # the first one is now over
    with world.make() as uow:
        mine = booking.my_appointments(uow, employee)
        lines = booking.adviser_appointments(uow, world.adviser)
        everything = booking.adviser_appointments(uow, world.adviser, include_past=True)
        detail = booking.appointment_detail(uow, world.adviser, first.appointment_id)
        uow.commit()
    assert [(v.appointment_id, v.upcoming) for v in mine] == [(later.appointment_id, True), (first.appointment_id, False)]
    assert [line.appointment_id for line in lines] == [later.appointment_id]
    assert [line.appointment_id for line in everything] == [first.appointment_id, later.appointment_id]
    line = everything[0]
    assert line.case_reference.startswith("VP-") and line.pseudonym and line.has_note
    # No employee identity in list lines; the detail (a modal) has the note and who it is.
    assert "employee" not in " ".join(vars(line)) and employee.person_id not in repr(line)
    assert detail.note == "Graag in een rustige kamer." and detail.employee_person_id == employee.person_id
    assert detail.case_reference == line.case_reference and not detail.anonymous
    with world.make() as uow:
        assert uow.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq.desc())).first() == "appointment.opened"
        # Only the appointment's own adviser can open it.
        with pytest.raises(DomainError) as caught:
            booking.appointment_detail(uow, employee, first.appointment_id)
        assert caught.value.key == "auth.forbidden"


def test_appointment_detail_of_another_adviser_is_not_found(world: World) -> None:
    other, _ = add_adviser(world.make, world.tenant_id, world.admin, "U_OTHER_ADVISER", name="Bram")
    view = book(world, world.person("U_EMP"))
    assert world.error(booking.appointment_detail, other, view.appointment_id).key == "not_found"


def test_each_validation_error_has_its_key(world: World) -> None:
    employee = world.person("U_EMP")
    _, phone_only = add_adviser(world.make, world.tenant_id, world.admin, "U_PHONE", name="Bram",
                                modes=MeetingModes(phone="020-1234567"))
    now = world.make.clock.now()

    def key(start: object = TUESDAY_10, mode: str = "video", adviser_id: str | None = None, **kw: object) -> str:
        return world.error(booking.book, employee, adviser_id or world.adviser_id, start, mode, **kw).key

    assert key(adviser_id="0" * 32) == "adviser.unknown"
    assert world.error(booking.book, world.adviser, world.adviser_id, TUESDAY_10, "video").key == "adviser.unknown"
    assert key(adviser_id=phone_only, mode="video") == "booking.mode_not_offered"
    assert key(mode="carrier_pigeon") == "booking.mode_not_offered"
    bad_category = world.error(booking.book, employee, world.adviser_id, TUESDAY_10, "video", category="gossip")
    assert (bad_category.key, bad_category.params) == ("input.invalid", {"field": "category"})
    assert key(note="x" * 2001) == "note.too_long"
    assert key(start=now - timedelta(hours=1)) == "booking.slot_in_past"
    assert key(start=FIRST_SLOT - timedelta(hours=1)) == "booking.too_soon"
    assert key(start=TUESDAY_10 + timedelta(weeks=9)) == "booking.beyond_horizon"
    assert key(start=TUESDAY_10 + timedelta(minutes=30)) == "booking.outside_availability"  # not a slot start
    assert key(start=datetime(2026, 9, 12, 8, 0, tzinfo=UTC)) == "booking.outside_availability"  # Saturday
    assert key(start=datetime(2026, 9, 8, 10, 0)) == "input.invalid"  # naive
    # The note limit is inclusive; a taken slot offers the next free ones.
    book(world, world.person("U_FIRST"), TUESDAY_10, note="x" * 2000)
    taken = world.error(booking.book, employee, world.adviser_id, TUESDAY_10, "video")
    assert taken.key == "booking.slot_taken"
    assert taken.params["next"] == [TUESDAY_10 + timedelta(hours=h) for h in (1, 2, 3)]
    with world.make() as uow:
        with pytest.raises(DomainError) as caught:
            booking.free_slots(uow, employee, world.adviser_id, days=0)
        assert caught.value.key == "input.invalid"


def test_absence_blocks_slots(world: World) -> None:
    employee = world.person("U_EMP")
    with world.make() as uow:
        advisers.add_absence(uow, world.adviser, TUESDAY_10 - timedelta(hours=1), TUESDAY_10 + timedelta(hours=2))
        uow.commit()
    assert world.error(booking.book, employee, world.adviser_id, TUESDAY_10, "video").key == "booking.outside_availability"
    with world.make() as uow:
        starts = {s.starts_at for s in booking.free_slots(uow, employee, world.adviser_id, limit=100)}
    assert TUESDAY_10 not in starts and TUESDAY_10 + timedelta(hours=2) in starts


# --------------------------------------------------------------------------- cancel, reschedule


def test_cancel_frees_the_slot_and_tells_the_other_side(world: World) -> None:
    employee = world.person("U_EMP")
    view = book(world, employee, TUESDAY_10)
    with world.make() as uow:
        cancelled = booking.cancel(uow, employee, view.appointment_id)
        uow.commit()
    assert cancelled.status == "cancelled" and not cancelled.upcoming and cancelled.meeting_details == ""
    row = appointment_row(world, view.appointment_id)
    assert row.held_start is None and row.cancelled_by == "employee"
    notices = outbox(world, "appointment_cancelled")
    assert [n.recipient_id for n in notices] == [world.adviser.person_id]
    assert {r.status for r in outbox(world, "appointment_reminder")} == {"cancelled"}
    assert world.error(booking.cancel, employee, view.appointment_id).key == "appointment.not_changeable"
    # Someone else can take the freed slot; the adviser can cancel that one.
    other = world.person("U_OTHER")
    again = book(world, other, TUESDAY_10)
    with world.make() as uow:
        booking.cancel(uow, world.adviser, again.appointment_id)
        uow.commit()
    assert appointment_row(world, again.appointment_id).cancelled_by == "adviser"
    assert outbox(world, "appointment_cancelled")[-1].recipient_id == other.person_id


def test_only_the_two_parties_can_cancel(world: World) -> None:
    view = book(world, world.person("U_EMP"))
    assert world.error(booking.cancel, world.person("U_NOSY"), view.appointment_id).key == "not_found"
    assert world.error(booking.cancel, world.admin, view.appointment_id).key == "not_found"
    assert world.error(booking.cancel, world.person("U_EMP"), "f" * 32).key == "not_found"


def test_past_appointment_cannot_be_cancelled(world: World) -> None:
    employee = world.person("U_EMP")
    view = book(world, employee)
    world.make.clock.advance(timedelta(hours=2, minutes=1))
    assert world.error(booking.cancel, employee, view.appointment_id).key == "appointment.not_changeable"


def test_reschedule_moves_atomically(world: World) -> None:
    employee = world.person("U_EMP")
    view = book(world, employee, TUESDAY_10, note="n")
    target = TUESDAY_10 + timedelta(hours=1)  # the neighbouring slot: its own buffer must not block it
    with world.make() as uow:
        moved = booking.reschedule(uow, employee, view.appointment_id, target)
        uow.commit()
    assert moved.starts_at == target and moved.appointment_id == view.appointment_id and moved.has_note
    row = appointment_row(world, view.appointment_id)
    assert row.held_start == target and row.ends_at == target + timedelta(minutes=45)
    assert [n.recipient_id for n in outbox(world, "appointment_rescheduled")] == [world.adviser.person_id]
    pending = outbox(world, "appointment_reminder", "pending")
    assert {r.due_at for r in pending} == {target - timedelta(hours=24), target - timedelta(hours=1)}
    # Tuesday 10:00 was exactly 24 hours away when booked: it only had 1-hour reminders.
    assert len(outbox(world, "appointment_reminder", "cancelled")) == 2
    # The old slot is free again; a taken slot leaves the appointment where it is.
    other = book(world, world.person("U_OTHER"), TUESDAY_10)
    taken = world.error(booking.reschedule, employee, view.appointment_id, TUESDAY_10)
    assert taken.key == "booking.slot_taken" and target not in taken.params["next"]
    assert appointment_row(world, view.appointment_id).held_start == target
    assert appointment_row(world, other.appointment_id).held_start == TUESDAY_10
    # Moving away and back again still gets fresh reminders (dedupe keys stay unique).
    for start in (target + timedelta(hours=1), target):
        with world.make() as uow:
            booking.reschedule(uow, world.adviser, view.appointment_id, start)
            uow.commit()
    assert outbox(world, "appointment_rescheduled")[-1].recipient_id == employee.person_id
    assert {r.due_at for r in outbox(world, "appointment_reminder", "pending")} >= {target - timedelta(hours=1)}


# --------------------------------------------------------------------------- tenants


def test_tenant_isolation(engine: Engine) -> None:
    make = uow_factory(engine)
    a = make_world(engine, external_id="T-A", make=make)
    b = make_world(engine, external_id="T-B", make=make)
    employee_b = b.person("U_EMP")
    view_a = book(a, a.person("U_EMP"), TUESDAY_10)
    assert b.error(booking.book, employee_b, a.adviser_id, TUESDAY_10, "video").key == "adviser.unknown"
    assert b.error(booking.free_slots, employee_b, a.adviser_id).key == "adviser.unknown"
    assert b.error(booking.cancel, employee_b, view_a.appointment_id).key == "not_found"
    assert b.error(booking.reschedule, employee_b, view_a.appointment_id, TUESDAY_10).key == "not_found"
    assert b.error(booking.appointment_detail, b.adviser, view_a.appointment_id).key == "not_found"
    with make() as uow:
        assert [c.adviser_id for c in booking.list_advisers(uow, employee_b)] == [b.adviser_id]
        assert {s.adviser_id for s in booking.free_slots(uow, employee_b)} == {b.adviser_id}
        assert booking.adviser_appointments(uow, b.adviser) == []
        assert booking.my_appointments(uow, employee_b) == []
    # The same user id in tenant B is another person: it does not see tenant A's booking.
    assert employee_b.person_id != a.person("U_EMP").person_id
