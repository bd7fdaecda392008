"""The employee books, cancels and reschedules, click by click (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from tests.support.booking import FIRST_SLOT, SECOND_SLOT, add_adviser
from tests.support.employee_flows import (
    EMPLOYEE,
    OTHER,
    Journey,
    actions,
    assert_not_stored_in_clear,
    button,
    buttons,
    canary,
    field_ids,
    journey,
    keys,
    rendered,
    screen_of,
)
from vpbot.domain.booking import MeetingModes
from vpbot.flows.core import Interaction, Kind, Mode
from vpbot.services import admin, booking
from vpbot.storage.models import Appointment
from vpbot.ui.actions import ActionId
from vpbot.ui.screens import Screen, Select
from vpbot.ui.views import employee_booking as views
from vpbot.ui.views.employee_common import stamp


def _adviser_step(j: Journey, user: str = EMPLOYEE) -> Screen:
    return screen_of(j.driver.click(user, ActionId.MENU_BOOK), views.ADVISER)


def _slots(j: Journey, adviser: str, user: str = EMPLOYEE) -> Screen:
    return screen_of(j.driver.submit(user, _adviser_step(j, user), {"adviser": adviser}), views.SLOTS)


def _form(j: Journey, value: str, user: str = EMPLOYEE) -> Screen:
    return screen_of(j.driver.click(user, ActionId.SLOT_PICK, value), views.FORM)


def _book(j: Journey, user: str = EMPLOYEE, start: datetime = FIRST_SLOT, **values: str) -> Screen:
    form = _form(j, f"{j.adviser_id}:{stamp(start)}", user)
    return screen_of(j.driver.submit(user, form, {"mode": "video", **values}))


def _select(screen: Screen, field_id: str) -> Select:
    field = next(f for f in screen.fields() if f.id == field_id)
    assert isinstance(field, Select)
    return field


def test_booking_journey_from_adviser_to_confirmation(engine: Engine) -> None:
    j = journey(engine)
    step = _adviser_step(j)
    choice = _select(step, "adviser")
    assert [o.value for o in choice.options] == [views.FIRST_AVAILABLE, j.adviser_id]
    assert "booking.adviser.card" in keys(step) and "Anne de Vries (Intern), spreekt NL" in rendered(step)

    slots = screen_of(j.driver.submit(EMPLOYEE, step, {"adviser": j.adviser_id}), views.SLOTS)
    picks = [b for b in buttons(slots) if b.action_id == ActionId.SLOT_PICK]
    assert picks[0].value == f"{j.adviser_id}:{stamp(FIRST_SLOT)}"
    assert "booking.slots.day" in keys(slots) and "maandag 7 september" in rendered(slots)

    form = _form(j, picks[0].value or "")
    assert field_ids(form) == ["mode", "category", "note"]
    assert [o.value for o in _select(form, "mode").options] == ["in_person", "phone", "video"]
    assert "Alleen je vertrouwenspersoon kan dit lezen" in rendered(form)

    marker = canary()
    done = j.driver.submit(EMPLOYEE, form, {"mode": "video", "category": "workload", "note": marker})
    confirmation = screen_of(done, views.BOOKED)
    assert done.mode is Mode.UPDATE
    text = rendered(confirmation)
    assert "https://meet.example.org/vp" in text and "12:00" in text and marker not in text
    assert {ActionId.MENU_MINE, ActionId.OPEN_APP} <= actions(confirmation)

    with j.driver.uows() as uow:
        appointment = uow.session.scalars(select(Appointment)).one()
        stored = (appointment.starts_at, appointment.mode, appointment.category)
        assert stored == (FIRST_SLOT, "video", "workload")
        assert appointment.note_enc is not None and marker.encode() not in appointment.note_enc
    assert_not_stored_in_clear(j.driver, marker)


def test_only_the_modes_the_adviser_offers_are_asked(engine: Engine) -> None:
    j = journey(engine)
    _, phone_only = add_adviser(j.world.make, j.world.tenant_id, j.world.admin, "U_PHONE", name="Piet Bel",
                                modes=MeetingModes(phone="+31 20 765 4321"))
    form = _form(j, f"{phone_only}:{stamp(FIRST_SLOT)}")
    mode = _select(form, "mode")
    assert [o.value for o in mode.options] == ["phone"] and mode.initial == "phone"
    done = screen_of(j.driver.submit(EMPLOYEE, form, {"mode": "phone"}), views.BOOKED)
    assert "+31 20 765 4321" in rendered(done)
    refused = j.driver.submit(EMPLOYEE, _form(j, f"{phone_only}:{stamp(SECOND_SLOT)}"), {"mode": "video"})
    assert set(refused.errors) == {"mode"} and refused.screen is None


def test_first_available_merges_advisers_and_times_are_shown_in_the_employees_zone(engine: Engine) -> None:
    j = journey(engine)
    add_adviser(j.world.make, j.world.tenant_id, j.world.admin, "U_TWO", name="Bram Jansen")
    j.world.person(EMPLOYEE, timezone="Pacific/Auckland")  # UTC+12: Amsterdam's afternoon is tomorrow
    slots = _slots(j, views.FIRST_AVAILABLE)
    values = [b.value for b in buttons(slots) if b.action_id == ActionId.SLOT_PICK]
    starts = [v.rpartition(":")[2] for v in values if v]
    assert len(starts) == len(set(starts))  # one button per moment, whichever adviser has it
    assert "Pacific/Auckland" in rendered(slots)
    view = rendered(slots, tz="Pacific/Auckland")
    # 10:00Z and 11:00Z are Monday 22:00 and 23:00 in Auckland; 12:00Z is Tuesday 00:00.
    assert view.index("maandag 7 september") < view.index("22:00") < view.index("dinsdag 8 september")
    assert view.index("dinsdag 8 september") < view.index("00:00")


def test_a_time_taken_meanwhile_offers_the_next_free_times(engine: Engine) -> None:
    j = journey(engine)
    value = f"{j.adviser_id}:{stamp(FIRST_SLOT)}"
    slow = _form(j, value, OTHER)
    assert screen_of(j.driver.submit(EMPLOYEE, _form(j, value), {"mode": "video"}), views.BOOKED)
    taken = screen_of(j.driver.submit(OTHER, slow, {"mode": "phone", "note": canary()}), views.TAKEN)
    following = [b for b in buttons(taken) if b.action_id == ActionId.SLOT_PICK]
    assert following[0].value == f"{j.adviser_id}:{stamp(SECOND_SLOT)}" and len(following) == 3
    assert "booking.taken.body" in keys(taken)
    assert screen_of(j.driver.click(OTHER, ActionId.SLOT_PICK, following[0].value), views.FORM)
    more = j.driver.click(OTHER, ActionId.BOOK_SLOTS, button(taken, ActionId.BOOK_SLOTS).value)
    assert screen_of(more, views.SLOTS)


def test_a_time_too_soon_is_explained_with_the_next_free_times(engine: Engine) -> None:
    j = journey(engine)
    soon = FIRST_SLOT - timedelta(hours=1)  # 09:00Z: within the adviser's two hours' notice
    taken = screen_of(j.driver.submit(EMPLOYEE, _form(j, f"{j.adviser_id}:{stamp(soon)}"), {"mode": "video"}),
                      views.TAKEN)
    assert "error.booking.too_soon" in keys(taken)
    assert button(taken, ActionId.SLOT_PICK).value == f"{j.adviser_id}:{stamp(FIRST_SLOT)}"


def test_no_free_times_is_calm_and_offers_a_message(engine: Engine) -> None:
    j = journey(engine)
    _, nobody_free = add_adviser(j.world.make, j.world.tenant_id, j.world.admin, "U_FULL", name="Vol Geboekt",
                                 windows=[])
    slots = _slots(j, nobody_free)
    assert "booking.day.none" in keys(slots)
    assert ActionId.MENU_WRITE in actions(slots) and ActionId.SLOT_PICK not in actions(slots)


def test_no_advisers_at_all_gives_no_form(engine: Engine) -> None:
    j = journey(engine)
    with j.world.make() as uow:
        admin.remove_adviser(uow, j.world.admin, j.adviser_id)
        uow.commit()
    step = _adviser_step(j)
    assert step.fields() == () and "booking.no_advisers" in keys(step) and ActionId.OPEN_APP in actions(step)


def test_cancel_with_confirmation(engine: Engine) -> None:
    j = journey(engine)
    _book(j)
    appointment_id = booking_id(j)
    mine = screen_of(j.driver.click(EMPLOYEE, ActionId.MENU_MINE), "vpbot.employee.mine")
    confirm = screen_of(j.driver.click(EMPLOYEE, ActionId.APPOINTMENT_CANCEL,
                                       button(mine, ActionId.APPOINTMENT_CANCEL).value), views.CANCEL)
    assert confirm.submit_key == "modal.cancel_appointment" and ActionId.MENU_MINE in actions(confirm)
    done = screen_of(j.driver.submit(EMPLOYEE, confirm, {}), views.CANCELLED)
    assert {ActionId.MENU_BOOK, ActionId.OPEN_APP} <= actions(done)
    with j.driver.uows() as uow:
        assert uow.session.get_one(Appointment, appointment_id).status == "cancelled"
    again = j.driver.click(EMPLOYEE, ActionId.APPOINTMENT_CANCEL, appointment_id)
    assert screen_of(again).id == "vpbot.error"


def booking_id(j: Journey) -> str:
    with j.driver.uows() as uow:
        return uow.session.scalars(select(Appointment.id)).one()


def test_reschedule_offers_the_same_advisers_times_and_moves_the_appointment(engine: Engine) -> None:
    j = journey(engine)
    _book(j)
    appointment_id = booking_id(j)
    slots = screen_of(j.driver.click(EMPLOYEE, ActionId.APPOINTMENT_RESCHEDULE, appointment_id), views.SLOTS)
    assert slots.private_metadata == {"reschedule": appointment_id}
    values = [b.value or "" for b in buttons(slots) if b.action_id == ActionId.SLOT_PICK]
    assert values[0] == f"{j.adviser_id}:{stamp(SECOND_SLOT)}"  # its own time is not offered
    outcome = j.driver.run(EMPLOYEE, _pick(values[0], slots))
    confirm = screen_of(outcome, views.RESCHEDULE)
    done = screen_of(j.driver.submit(EMPLOYEE, confirm, {}), views.RESCHEDULED)
    assert "13:00" in rendered(done)
    with j.driver.uows() as uow:
        assert uow.session.get_one(Appointment, appointment_id).starts_at == SECOND_SLOT


def _pick(value: str, on: Screen) -> Interaction:
    """A click on a time, from ``on`` (whose metadata says whether it reschedules)."""
    return Interaction(Kind.ACTION, ActionId.SLOT_PICK, value=value, metadata=dict(on.private_metadata))


def test_reschedule_to_a_time_taken_meanwhile_stays_a_reschedule(engine: Engine) -> None:
    j = journey(engine)
    _book(j)
    appointment_id = booking_id(j)
    slots = screen_of(j.driver.click(EMPLOYEE, ActionId.APPOINTMENT_RESCHEDULE, appointment_id), views.SLOTS)
    confirm = screen_of(j.driver.run(EMPLOYEE, _pick(f"{j.adviser_id}:{stamp(SECOND_SLOT)}", slots)))
    _book(j, OTHER, SECOND_SLOT)
    taken = screen_of(j.driver.submit(EMPLOYEE, confirm, {}), views.TAKEN)
    assert taken.private_metadata == {"reschedule": appointment_id}
    assert button(taken, ActionId.APPOINTMENT_RESCHEDULE).value == appointment_id


def test_the_appointment_notification_opens_the_employees_own_appointment_only(engine: Engine) -> None:
    j = journey(engine)
    _book(j)
    token = f"appointment:{booking_id(j)}"
    opened = j.driver.click(EMPLOYEE, ActionId.OPEN_APP, token, in_modal=False)
    screen = screen_of(opened, views.APPOINTMENT)
    assert opened.mode is Mode.OPEN
    assert {ActionId.APPOINTMENT_RESCHEDULE, ActionId.APPOINTMENT_CANCEL} <= actions(screen)
    assert screen_of(j.driver.click(OTHER, ActionId.OPEN_APP, token, in_modal=False)).id == "vpbot.error"
    with j.driver.uows() as uow:
        assert booking.my_appointments(uow, j.world.person(OTHER)) == []
