"""The employee's right of access and right to erasure (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from tests.support.casedata import (
    ALL_TEXTS,
    Ciphertext,
    BOOKING_NOTE,
    JUSTIFICATION,
    MESSAGE,
    NOTE,
    SHARE,
    add_appointment,
    add_disclosure,
    add_message,
    add_note,
    case,
    close,
    content_counts,
    count_rows,
    new_case,
    open_kept,
    target_id,
)
from tests.support.casework import World, audit_actions, audit_dump, make_world, outbox_items
from vpbot.crypto.errors import KeyShreddedError
from vpbot.domain.errors import DomainError
from vpbot.services import data_rights, referrals, statistics
from vpbot.storage.models import (
    Appointment,
    CaseKey,
    ConversationRef,
    OutboxItem,
    Person,
    RoleAssignment,
)


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def _history(world: World) -> tuple[str, list[Ciphertext]]:
    """The employee's case with Anna: content of every kind, a past and a future appointment."""
    case_id = new_case(world, categories=("bullying",))
    with world.make() as uow:
        c = case(uow, case_id)
        kept = [add_note(uow, c), add_message(uow, c), add_message(uow, c, "Dank voor je bericht.", "adviser"),
                add_disclosure(uow, c)]
        add_appointment(uow, c, uow.now - timedelta(days=3))
        add_appointment(uow, c, uow.now + timedelta(days=3), mode="phone", note=None)
        offer = referrals.propose_referral(uow, world.adviser, case_id, target_id(uow, world.tenant_id), SHARE)
        referrals.decide_referral(uow, world.employee, offer.id, "share")
        uow.session.add(ConversationRef(tenant_id=world.tenant_id, person_id=world.employee.person_id,
                                        service_url="https://smba.example/emea/"))
        uow.commit()
    # Someone else's case, which must never show up in the employee's data.
    other = new_case(world, world.other_employee)
    with world.make() as uow:
        add_note(uow, case(uow, other), "Over iemand anders.")
        uow.commit()
    return case_id, kept


def test_export_contains_everything_about_the_person(world: World) -> None:
    case_id, _ = _history(world)
    with world.make() as uow:
        close(uow, case(uow, case_id), weeks=(2,))
        uow.commit()
    with world.make() as uow:
        data = data_rights.export_my_data(uow, world.employee)
        uow.commit()
    assert data.person.platform_user_id == "U_EMP"
    assert (data.person.locale, data.person.timezone) == ("nl", "Europe/Amsterdam")
    assert data.person.has_conversation_ref and not data.person.is_manager_or_hr
    [case_data] = data.cases
    assert (case_data.adviser_name, case_data.status, case_data.categories) == ("Anna de Vries", "closed", ("bullying",))
    assert [(a.adviser_name, a.mode, a.note) for a in data.appointments] == [
        ("Anna de Vries", "video", BOOKING_NOTE), ("Anna de Vries", "phone", None)
    ]
    [thread] = data.threads
    # Both were written at the same (fixed) moment, so their order is not defined.
    assert sorted((m.sender, m.text) for m in thread.messages) == [
        ("adviser", "Dank voor je bericht."), ("employee", MESSAGE)
    ]
    [offer] = data.referrals
    assert offer.share_text == SHARE and [h.decision for h in offer.history] == ["share"]
    assert [c.status for c in data.checkins] == ["scheduled"]
    assert [(d.reason, d.justification) for d in data.disclosures] == [("acute_danger", JUSTIFICATION)]
    assert [n.text for n in data.adviser_notes] == [NOTE]
    assert {n.kind for n in data.notifications} == {"referral_proposed", "checkin_due"}
    assert "referral.consent.share" in [a.action for a in data.activity]
    assert "Over iemand anders." not in repr(data)
    with world.make() as uow:
        assert audit_actions(uow)[-1] == "data.exported"
        assert not any(text in audit_dump(uow) for text in ALL_TEXTS)


def test_other_people_export_only_their_own(world: World) -> None:
    _history(world)
    with world.make() as uow:
        other = data_rights.export_my_data(uow, world.other_employee)
        adviser = data_rights.export_my_data(uow, world.adviser)
    assert [n.text for n in other.adviser_notes] == ["Over iemand anders."]
    assert other.appointments == () and other.referrals == () and other.threads == ()
    assert adviser.cases == () and adviser.adviser_notes == ()


def test_delete_shreds_cancels_and_forgets_the_person(world: World) -> None:
    case_id, kept = _history(world)
    with world.make() as uow:
        stats_before = statistics.tenant_statistics(uow, world.tenant_id, 2026)
        key_id = case(uow, case_id).case_key_id
    with world.make() as uow:
        report = data_rights.delete_my_data(uow, world.employee)
        uow.commit()
    assert report == data_rights.DeletionReport(
        cancelled_appointments=1, purged_cases=1, kept_cases=(), person_deleted=True
    )
    with world.make() as uow:
        person_id = world.employee.person_id
        assert uow.session.get(Person, person_id) is None
        assert count_rows(uow, RoleAssignment, person_id=person_id) == 0
        assert count_rows(uow, ConversationRef, person_id=person_id) == 0
        assert count_rows(uow, OutboxItem, recipient_id=person_id) == 0
        assert count_rows(uow, Appointment, employee_id=person_id) == 0
        husk = case(uow, case_id)
        assert (husk.status, husk.employee_id) == ("purged", None)
        assert content_counts(uow, case_id) == dict.fromkeys(content_counts(uow, case_id), 0)
        assert uow.session.get(CaseKey, key_id) is None
        for ciphertext in kept:
            with pytest.raises(KeyShreddedError):
                open_kept(uow, ciphertext)
        # The adviser hears that the future appointment is off, and nothing more.
        [cancelled] = outbox_items(uow, "appointment_cancelled")
        assert cancelled.recipient_id == world.adviser.person_id
        assert set(cancelled.payload) == {"kind", "at", "ref"} and cancelled.payload["ref"] is None
        # The anonymous counts survive; the cancelled appointment no longer counts as held.
        after = statistics.tenant_statistics(uow, world.tenant_id, 2026)
        assert after["cases"] == stats_before["cases"] == {"all": 2}
        assert after["appointments"] == {"video": 1}
        assert after["referrals_by_status"] == {"shared": 1}
        assert "data.deleted" in audit_actions(uow) and "case.purged" in audit_actions(uow)
        dump = audit_dump(uow) + str([item.payload for item in outbox_items(uow)])
        assert not any(text in dump for text in ALL_TEXTS)
        # The other employee's case is untouched.
        assert data_rights.export_my_data(uow, world.other_employee).adviser_notes


def test_delete_keeps_a_case_under_legal_hold_without_the_link(world: World) -> None:
    case_id, kept = _history(world)
    with world.make() as uow:
        held = case(uow, case_id)
        held.legal_hold = True
        reference = held.reference
        uow.commit()
    with world.make() as uow:
        report = data_rights.delete_my_data(uow, world.employee)
        uow.commit()
    assert report.kept_cases == (reference,) and report.purged_cases == 0
    with world.make() as uow:
        held = case(uow, case_id)
        assert (held.status, held.employee_id, held.legal_hold) == ("open", None, True)
        assert [open_kept(uow, k) for k in kept][0] == NOTE
        assert uow.session.get(Person, world.employee.person_id) is None


def test_an_adviser_must_stop_being_one_first(world: World) -> None:
    with world.make() as uow:
        with pytest.raises(DomainError) as caught:
            data_rights.delete_my_data(uow, world.adviser)
        assert caught.value.key == "data.adviser_cannot_delete"
