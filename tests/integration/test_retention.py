"""Retention: warn once, crypto-shred on time, respect legal holds, keep the counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from tests.support.casedata import (
    ALL_TEXTS,
    Ciphertext,
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
from tests.support.casework import World, audit_dump, make_world, outbox_items
from vpbot.crypto.errors import KeyShreddedError
from vpbot.domain.errors import DomainError
from vpbot.services import checkins, referrals, retention, statistics
from vpbot.services.actor import SystemActor
from vpbot.storage.models import AggregateCount, AuditEvent, CaseKey

YEAR = 2026


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def _full_case(world: World, *, categories: tuple[str, ...] = ("bullying",)) -> tuple[str, list[Ciphertext]]:
    """A closed case with every kind of content; returns its id and kept ciphertexts."""
    case_id = new_case(world, categories=categories)
    with world.make() as uow:
        c = case(uow, case_id)
        kept = [add_note(uow, c), add_message(uow, c), add_disclosure(uow, c)]
        add_appointment(uow, c, uow.now + timedelta(days=2), mode="video")
        add_appointment(uow, c, uow.now + timedelta(days=9), mode="phone")
        add_appointment(uow, c, uow.now + timedelta(days=5), mode="in_person", status="cancelled")
        target = target_id(uow, world.tenant_id)
        offer = referrals.propose_referral(uow, world.adviser, case_id, target, SHARE)
        referrals.decide_referral(uow, world.employee, offer.id, "share")
        uow.commit()
    world.make.clock.advance(timedelta(days=30))
    with world.make() as uow:
        ids = [c.id for c in close(uow, case(uow, case_id), weeks=(2, 6))]
        uow.commit()
    with world.make() as uow:
        checkins.answer_checkin(uow, world.employee, ids[0], "talk")
        uow.commit()
    return case_id, kept


def _run(world: World, at_offset: timedelta, case_id: str) -> retention.PurgeReport:
    """Run the retention job at the case's purge date plus ``at_offset``."""
    with world.make() as uow:
        purge_after = case(uow, case_id).purge_after
    assert purge_after is not None
    world.make.clock.at = purge_after + at_offset
    with world.make() as uow:
        report = retention.purge_due(uow, uow.now)
        uow.commit()
    return report


def test_adviser_is_warned_once_a_week_before(world: World) -> None:
    case_id, _ = _full_case(world)
    assert _run(world, -timedelta(days=8), case_id).warned == 0
    assert _run(world, -timedelta(days=7), case_id).warned == 1
    assert _run(world, -timedelta(days=6), case_id).warned == 0
    assert _run(world, -timedelta(hours=1), case_id) == retention.PurgeReport(purged=0, warned=0, held=0)
    with world.make() as uow:
        [warning] = outbox_items(uow, "purge_warning")
        assert warning.recipient_id == world.adviser.person_id
        assert warning.payload["ref"] == {"type": "case", "id": case_id}
        assert warning.payload["at"] is not None
        assert case(uow, case_id).purge_warned_at is not None
        assert case(uow, case_id).status == "closed"


def test_purge_shreds_everything_and_keeps_a_husk(world: World) -> None:
    case_id, kept = _full_case(world)
    with world.make() as uow:
        key_id = case(uow, case_id).case_key_id
        assert [open_kept(uow, k) for k in kept] == [NOTE, MESSAGE, JUSTIFICATION]
        assert all(content_counts(uow, case_id).values())
    report = _run(world, timedelta(0), case_id)
    assert report.purged == 1
    with world.make() as uow:
        husk = case(uow, case_id)
        assert (husk.status, husk.employee_id, husk.case_key_id, husk.categories) == ("purged", None, None, [])
        assert husk.purged_at == uow.now
        assert content_counts(uow, case_id) == dict.fromkeys(content_counts(uow, case_id), 0)
        assert uow.session.get(CaseKey, key_id) is None
        for ciphertext in kept:
            with pytest.raises(KeyShreddedError):
                open_kept(uow, ciphertext)
        [event] = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "case.purged")).all()
        assert (event.actor_role, event.object_id, event.tenant_id) == ("retention", case_id, world.tenant_id)
        dump = audit_dump(uow) + str([item.payload for item in outbox_items(uow)])
        assert not any(text in dump for text in ALL_TEXTS)
    # Purged cases are gone for everyone who could see them.
    with world.make() as uow:
        assert referrals.my_referrals(uow, world.employee) == []
        assert checkins.my_checkins(uow, world.employee) == []
    assert _run(world, timedelta(days=1), case_id).purged == 0


def test_legal_hold_stops_the_purge_until_lifted(world: World) -> None:
    case_id, kept = _full_case(world)
    with world.make() as uow:
        case(uow, case_id).legal_hold = True
        uow.commit()
    assert _run(world, -timedelta(days=7), case_id).warned == 0
    assert _run(world, timedelta(days=3), case_id) == retention.PurgeReport(purged=0, warned=0, held=1)
    with world.make() as uow:
        assert case(uow, case_id).status == "closed"
        assert open_kept(uow, kept[0])
        with pytest.raises(DomainError) as caught:
            retention.purge_case(uow, case(uow, case_id), SystemActor("retention", world.tenant_id))
        assert caught.value.key == "retention.legal_hold"
    with world.make() as uow:
        case(uow, case_id).legal_hold = False
        uow.commit()
    assert _run(world, timedelta(days=4), case_id).purged == 1
    with world.make() as uow:
        assert case(uow, case_id).status == "purged"
        assert outbox_items(uow, "purge_warning") == []


def test_open_cases_are_never_purged(world: World) -> None:
    case_id = new_case(world)
    with world.make() as uow:
        c = case(uow, case_id)
        c.purge_after = uow.now  # e.g. left over from before a reopen
        uow.commit()
    assert _run(world, timedelta(days=400), case_id).purged == 0


def test_statistics_are_the_same_before_and_after_a_purge(world: World) -> None:
    first, _ = _full_case(world)
    second = new_case(world, world.other_employee, world.other_adviser, categories=("workload", "integrity"))
    with world.make() as uow:
        c = case(uow, second)
        add_appointment(uow, c, uow.now + timedelta(days=1), mode="video", note=None)
        offer = referrals.propose_referral(
            uow, world.other_adviser, second, target_id(uow, world.tenant_id, "mediator"), "kort"
        )
        referrals.decide_referral(uow, world.other_employee, offer.id, "decline")
        uow.commit()
    with world.make() as uow:
        before = statistics.tenant_statistics(uow, world.tenant_id, YEAR)
    assert before["cases"] == {"all": 2}
    assert before["cases_by_category"] == {"bullying": 1, "workload": 1, "integrity": 1}
    assert before["appointments"] == {"video": 2, "phone": 1}
    assert before["referrals_by_kind"] == {"company_doctor": 1, "mediator": 1}
    assert before["referrals_by_status"] == {"shared": 1, "declined": 1}
    assert before["checkins"] == {"talk": 1, "unanswered": 1}
    assert before["disclosures"] == {"acute_danger": 1}
    assert before["contact_to_first_appointment_days"] == {"sum": 2 + 1, "count": 2}

    assert _run(world, timedelta(0), first).purged == 1
    with world.make() as uow:
        assert statistics.tenant_statistics(uow, world.tenant_id, YEAR) == before
        assert count_rows(uow, AggregateCount, tenant_id=world.tenant_id) > 0
        assert statistics.tenant_statistics(uow, world.tenant_id, YEAR + 1) == {}
        # Folding is idempotent: a purged case is never folded (or counted) twice.
        assert not statistics.fold_case(uow, case(uow, first))
        assert not retention.purge_case(uow, case(uow, first), SystemActor("retention", world.tenant_id))
        uow.commit()
    assert _run(world, timedelta(days=30), first).purged == 0
    with world.make() as uow:
        assert statistics.tenant_statistics(uow, world.tenant_id, YEAR) == before
