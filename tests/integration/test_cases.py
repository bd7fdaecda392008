"""The adviser's case work (vpbot.services.cases) and aftercare scheduling, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from tests.support.casework import (
    World,
    audit_actions,
    audit_dump,
    make_world,
    outbox_items,
    raw_bytes,
    update_settings,
)
from tests.support.core import T0
from vpbot.domain.aftercare import is_working_day
from vpbot.domain.errors import DomainError
from vpbot.services import casefile, cases, threads
from vpbot.storage.models import Appointment, Case, CheckIn, Person, Referral, new_id
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType

UTC = timezone.utc
NOTE = "Medewerker voelt zich geïntimideerd door teamleider P."
WHY = "Medewerker noemde concrete plannen om zichzelf iets aan te doen vandaag."
AMS = ZoneInfo("Europe/Amsterdam")


def error_key(call: object, *args: object, **kwargs: object) -> str:
    with pytest.raises(DomainError) as raised:
        call(*args, **kwargs)  # type: ignore[operator]
    return raised.value.key


def open_case(world: World, *, anonymous: bool = False, employee: str = "employee") -> str:
    """A case of ``world.adviser`` about the (other) employee."""
    with world.make() as uow:
        case = casefile.open_case(
            uow, getattr(world, employee), world.adviser.adviser_id or "", anonymous=anonymous
        )
        uow.commit()
    return case.id


def test_notes_are_stored_encrypted_and_shown_in_the_detail(engine: Engine) -> None:
    world = make_world(engine)
    case_id = open_case(world)
    with world.make() as uow:
        note = cases.add_note(uow, world.adviser, case_id, f"  {NOTE}  ")
        assert note.text == NOTE and note.created_at == T0
        uow.commit()
    with world.make() as uow:
        [stored] = raw_bytes(uow, "case_notes", "body_enc")
        assert NOTE.encode() not in stored and b"teamleider" not in stored
        detail = cases.case_detail(uow, world.adviser, case_id)
        assert [n.text for n in detail.notes] == [NOTE]
        uow.commit()
    with world.make() as uow:
        assert audit_actions(uow)[-2:] == ["case.note_added", "case.viewed"]
        assert "teamleider" not in audit_dump(uow)


def test_note_length_rules(engine: Engine) -> None:
    world = make_world(engine)
    case_id = open_case(world)
    with world.make() as uow:
        assert error_key(cases.add_note, uow, world.adviser, case_id, "") == "input.invalid"
        assert error_key(cases.add_note, uow, world.adviser, case_id, " \n ") == "input.invalid"
        assert error_key(cases.add_note, uow, world.adviser, case_id, "x" * 5001) == "note.too_long"
        assert cases.add_note(uow, world.adviser, case_id, "x" * 5000).text == "x" * 5000


def test_list_shows_only_own_cases_without_content_or_identity(engine: Engine) -> None:
    world = make_world(engine)
    case_id = open_case(world)
    with world.make() as uow:
        cases.add_note(uow, world.adviser, case_id, NOTE)
        cases.set_categories(uow, world.adviser, case_id, ["harassment", "bullying"])
        # An employee message, unread, and two appointments (one past, one upcoming).
        threads.start_thread(uow, world.employee, world.adviser.adviser_id, "Hallo Anna")
        for starts in (T0 - timedelta(days=2), T0 + timedelta(days=3), T0 + timedelta(days=9)):
            uow.session.add(Appointment(
                tenant_id=world.tenant_id, adviser_id=world.adviser.adviser_id,
                employee_id=world.employee.person_id, case_id=case_id, starts_at=starts,
                ends_at=starts + timedelta(minutes=45), held_start=starts, mode="video",
            ))
        uow.commit()
    with world.make() as uow:
        [summary] = cases.adviser_cases(uow, world.adviser)
        assert summary.id == case_id and summary.reference.startswith("VP-")
        assert summary.status == "open" and summary.opened_at == T0
        assert summary.categories == ("bullying", "harassment")
        assert summary.next_appointment_at == T0 + timedelta(days=3)
        assert summary.unread_messages == 1
        assert not hasattr(summary, "employee_person_id")
        assert world.employee.person_id not in repr(summary) and NOTE not in repr(summary)
        assert cases.adviser_cases(uow, world.adviser, "closed") == []
        assert [c.id for c in cases.adviser_cases(uow, world.adviser, "open")] == [case_id]
        assert error_key(cases.adviser_cases, uow, world.adviser, "purged") == "input.invalid"
        assert cases.adviser_cases(uow, world.other_adviser) == []


def test_detail_shows_identity_only_for_named_or_revealed_cases(engine: Engine) -> None:
    world = make_world(engine)
    named = open_case(world)
    with world.make() as uow:
        thread = threads.start_thread(uow, world.other_employee, world.adviser.adviser_id, "Hoi", anonymous=True)
        uow.commit()
    with world.make() as uow:
        assert cases.case_detail(uow, world.adviser, named).employee_person_id == world.employee.person_id
        hidden = cases.case_detail(uow, world.adviser, thread.case_id)
        assert hidden.anonymous and not hidden.revealed and hidden.employee_person_id is None
        [summary] = hidden.threads
        assert (summary.id, summary.message_count, summary.unread_count) == (thread.id, 1, 1)
        threads.reveal_identity(uow, world.other_employee, thread.id)
        uow.commit()
    with world.make() as uow:
        shown = cases.case_detail(uow, world.adviser, thread.case_id)
        assert shown.revealed and shown.employee_person_id == world.other_employee.person_id


def test_detail_summarises_referrals_without_their_text(engine: Engine) -> None:
    world = make_world(engine)
    case_id = open_case(world)
    with world.make() as uow:
        case = uow.session.get(Case, case_id)
        assert case is not None
        referral = Referral(id=new_id(), case_id=case_id, kind="mediator", created_at=T0)
        referral.share_text_enc = casefile.encrypt(
            uow, case, "referrals", "share_text_enc", referral.id, "Conflict met P."
        )
        uow.session.add(referral)
        uow.commit()
    with world.make() as uow:
        [summary] = cases.case_detail(uow, world.adviser, case_id).referrals
        assert (summary.kind, summary.status, summary.created_at) == ("mediator", "proposed", T0)
        assert "Conflict" not in repr(summary)


def test_categories(engine: Engine) -> None:
    world = make_world(engine)
    case_id = open_case(world)
    with world.make() as uow:
        assert cases.set_categories(uow, world.adviser, case_id, ["workload"]).categories == ("workload",)
        assert error_key(cases.set_categories, uow, world.adviser, case_id, ["pesten!"]) == "input.invalid"
        assert error_key(
            cases.set_categories, uow, world.adviser, case_id, ["undisclosed", "other"]
        ) == "input.invalid"
        assert cases.set_categories(uow, world.adviser, case_id, []).categories == ()
        uow.commit()
    with world.make() as uow:
        assert uow.session.get(Case, case_id).categories == []  # type: ignore[union-attr]
        assert audit_actions(uow).count("case.categories_set") == 2


def test_legal_hold(engine: Engine) -> None:
    world = make_world(engine)
    case_id = open_case(world)
    with world.make() as uow:
        assert cases.set_legal_hold(uow, world.adviser, case_id, True).legal_hold
        uow.commit()
    with world.make() as uow:
        assert uow.session.get(Case, case_id).legal_hold  # type: ignore[union-attr]
        assert cases.case_detail(uow, world.adviser, case_id).legal_hold
        assert not cases.set_legal_hold(uow, world.adviser, case_id, False).legal_hold
        uow.commit()
    with world.make() as uow:
        assert not uow.session.get(Case, case_id).legal_hold  # type: ignore[union-attr]
        actions = audit_actions(uow)
        assert actions.index("case.legal_hold_on") < actions.index("case.legal_hold_off")


def test_disclosure_needs_a_justification(engine: Engine) -> None:
    world = make_world(engine)
    case_id = open_case(world)
    with world.make() as uow:
        for missing in ("", "   ", "te kort", None):
            assert error_key(
                cases.record_disclosure, uow, world.adviser, case_id, "acute_danger", missing
            ) == "disclosure.justification_required"
        assert error_key(
            cases.record_disclosure, uow, world.adviser, case_id, "nieuwsgierigheid", WHY
        ) == "input.invalid"
        uow.commit()
    with world.make() as uow:
        assert raw_bytes(uow, "disclosures", "justification_enc") == []
        assert outbox_items(uow) == []


def test_disclosure_is_recorded_encrypted_and_the_employee_is_told(engine: Engine) -> None:
    world = make_world(engine)
    case_id = open_case(world)
    with world.make() as uow:
        view = cases.record_disclosure(uow, world.adviser, case_id, "acute_danger", WHY)
        assert (view.reason, view.justification, view.employee_notified_at) == ("acute_danger", WHY, T0)
        uow.commit()
    with world.make() as uow:
        [stored] = raw_bytes(uow, "disclosures", "justification_enc")
        assert WHY.encode() not in stored and b"plannen" not in stored
        [item] = outbox_items(uow)
        assert item.kind == "disclosure_recorded" and item.recipient_id == world.employee.person_id
        assert item.payload == Notification(
            NotificationKind.DISCLOSURE_RECORDED, ref=ObjectRef(ObjectType.DISCLOSURE, view.id)
        ).to_payload()
        assert "plannen" not in json.dumps(item.payload)
        assert "case.disclosure_recorded" in audit_actions(uow) and "plannen" not in audit_dump(uow)
        [seen] = cases.my_disclosures(uow, world.employee)
        assert (seen.id, seen.reason, seen.justification, seen.recorded_at) == (view.id, "acute_danger", WHY, T0)
        assert seen.case_reference.startswith("VP-")
        assert cases.my_disclosures(uow, world.other_employee) == []
        assert cases.my_disclosures(uow, world.adviser) == []
        [listed] = cases.case_detail(uow, world.adviser, case_id).disclosures
        assert listed == view


def test_close_sets_retention_and_schedules_checkins_on_working_days(engine: Engine) -> None:
    world = make_world(engine)
    case_id = open_case(world)
    world.make.clock.advance(timedelta(days=4))  # Friday 11 September 2026, 10:00 local
    closed_at = world.make.clock.now()
    with world.make() as uow:
        result = cases.close_case(uow, world.adviser, case_id)
        uow.commit()
    # Default 2, 6 and 12 weeks: Fri 25 Sep, Fri 23 Oct (CEST), Fri 4 Dec (CET).
    expected = (
        datetime(2026, 9, 25, 8, 0, tzinfo=UTC),
        datetime(2026, 10, 23, 8, 0, tzinfo=UTC),
        datetime(2026, 12, 4, 9, 0, tzinfo=UTC),
    )
    assert result.checkins_due_at == expected
    assert result.purge_after == datetime(2027, 9, 11, 8, 0, tzinfo=UTC)
    assert result.summary.status == "closed" and result.summary.closed_at == closed_at
    with world.make() as uow:
        case = uow.session.get(Case, case_id)
        assert case is not None
        assert (case.status, case.closed_at, case.purge_after) == ("closed", closed_at, result.purge_after)
        checkins = uow.session.scalars(select(CheckIn).order_by(CheckIn.due_at)).all()
        assert [c.due_at for c in checkins] == list(expected)
        assert {c.status for c in checkins} == {"scheduled"}
        for checkin in checkins:
            local = checkin.due_at.astimezone(AMS)
            assert local.time() == time(10, 0) and is_working_day(local.date())
        items = outbox_items(uow, "checkin_due")
        assert [(i.due_at, i.recipient_id, i.dedupe_key) for i in items] == [
            (c.due_at, world.employee.person_id, f"checkin:{c.id}") for c in checkins
        ]
        for item, checkin in zip(items, checkins, strict=True):
            assert item.payload == Notification(
                NotificationKind.CHECKIN_DUE, ref=ObjectRef(ObjectType.CHECKIN, checkin.id)
            ).to_payload()
        assert audit_actions(uow)[-1] == "case.closed"
        assert error_key(cases.close_case, uow, world.adviser, case_id) == "case.invalid_transition"


def test_close_around_christmas_uses_the_employees_time_zone_and_chosen_weeks(engine: Engine) -> None:
    world = make_world(engine)
    case_id = open_case(world)
    update_settings(world, retention_months=6)
    with world.make() as uow:
        person = uow.session.get(Person, world.employee.person_id)
        assert person is not None
        person.timezone = "Europe/London"
        uow.commit()
    # Friday 11 December 2026: + 2 weeks is Christmas Day, then Boxing Day and a Sunday.
    world.make.clock.at = datetime(2026, 12, 11, 15, 0, tzinfo=UTC)
    with world.make() as uow:
        result = cases.close_case(uow, world.adviser, case_id, checkin_weeks=[2])
        uow.commit()
    assert result.checkins_due_at == (datetime(2026, 12, 28, 10, 0, tzinfo=UTC),)  # 10:00 GMT, Monday
    assert result.purge_after == datetime(2027, 6, 11, 15, 0, tzinfo=UTC)


def test_close_without_checkins_and_with_invalid_weeks(engine: Engine) -> None:
    world = make_world(engine)
    case_id = open_case(world)
    with world.make() as uow:
        assert error_key(cases.close_case, uow, world.adviser, case_id, [0]) == "input.invalid"
        assert error_key(cases.close_case, uow, world.adviser, case_id, [1, 2, 3, 4, 5, 6, 7]) == "input.invalid"
        assert cases.close_case(uow, world.adviser, case_id, checkin_weeks=[]).checkins_due_at == ()
        uow.commit()
    with world.make() as uow:
        assert uow.session.scalars(select(CheckIn)).all() == []
        assert outbox_items(uow, "checkin_due") == []


def test_reopen_cancels_pending_checkins(engine: Engine) -> None:
    world = make_world(engine)
    case_id = open_case(world)
    with world.make() as uow:
        assert error_key(cases.reopen_case, uow, world.adviser, case_id) == "case.invalid_transition"
        cases.close_case(uow, world.adviser, case_id, checkin_weeks=[2, 6])
        uow.commit()
    with world.make() as uow:
        # The first check-in was already answered: its history stays.
        first = uow.session.scalars(select(CheckIn).order_by(CheckIn.due_at)).first()
        assert first is not None
        first.status, first.answer = "answered", "good"
        uow.commit()
    with world.make() as uow:
        summary = cases.reopen_case(uow, world.adviser, case_id)
        assert summary.status == "open" and summary.closed_at is None
        uow.commit()
    with world.make() as uow:
        case = uow.session.get(Case, case_id)
        assert case is not None and (case.status, case.closed_at, case.purge_after) == ("open", None, None)
        assert sorted(c.status for c in uow.session.scalars(select(CheckIn))) == ["answered", "cancelled"]
        assert sorted(i.status for i in outbox_items(uow, "checkin_due")) == ["cancelled", "pending"]
        assert audit_actions(uow)[-1] == "case.reopened"


def test_other_advisers_get_not_found_and_admins_are_forbidden(engine: Engine) -> None:
    world = make_world(engine)
    case_id = open_case(world)
    calls = [
        (cases.case_detail, ()),
        (cases.add_note, (NOTE,)),
        (cases.set_categories, (["other"],)),
        (cases.set_legal_hold, (True,)),
        (cases.record_disclosure, ("legal_duty", WHY)),
        (cases.close_case, ()),
        (cases.reopen_case, ()),
    ]
    with world.make() as uow:
        before = audit_actions(uow)
        for call, args in calls:
            assert error_key(call, uow, world.other_adviser, case_id, *args) == "not_found"
            assert error_key(call, uow, world.admin, case_id, *args) == "auth.forbidden"
            assert error_key(call, uow, world.employee, case_id, *args) == "auth.forbidden"
        assert error_key(cases.adviser_cases, uow, world.admin) == "auth.forbidden"
        assert error_key(cases.case_detail, uow, world.adviser, "0" * 32) == "not_found"
        assert audit_actions(uow) == before
        assert raw_bytes(uow, "case_notes", "body_enc") == []


def test_a_purged_case_is_gone_for_its_adviser(engine: Engine) -> None:
    world = make_world(engine)
    case_id = open_case(world)
    with world.make() as uow:
        uow.session.get(Case, case_id).status = "purged"  # type: ignore[union-attr]
        uow.commit()
    with world.make() as uow:
        assert error_key(cases.case_detail, uow, world.adviser, case_id) == "not_found"
        assert cases.adviser_cases(uow, world.adviser) == []
