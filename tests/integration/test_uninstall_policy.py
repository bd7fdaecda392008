"""The data policy when the app is removed: "purge" shreds at once (legal holds excepted),
"keep" keeps everything until retention; both plugins apply it (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from plugins.teams import install, references
from plugins.teams.auth import TeamsClaims
from plugins.teams.context import teams_context
from tests.support.casedata import (
    Ciphertext,
    add_appointment,
    add_message,
    add_note,
    case,
    close,
    content_counts,
    count_rows,
    new_case,
    open_kept,
)
from tests.support.casework import World, add_adviser, audit_actions, make_world, outbox_items, update_settings
from tests.support.teams_fakes import USER_TENANT, activity
from vpbot.crypto.errors import KeyShreddedError
from vpbot.services import casefile, tenants, uninstall
from vpbot.storage.models import AggregateCount, Case, ConversationRef, Tenant
from vpbot.ui.notifications import Notification, NotificationKind, ObjectRef, ObjectType

SERVICE_URL = "https://smba.trafficmanager.net/emea/"


@dataclass(frozen=True)
class Seeded:
    open_case: str
    closed_case: str
    held_case: str
    kept: list[Ciphertext]  # ciphertexts of the two cases that may go
    held_kept: Ciphertext


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def _seed(world: World) -> Seeded:
    """An open case, a closed one and one on legal hold, each with content; notifications
    waiting; a conversation reference."""
    open_id = new_case(world, categories=("bullying",))
    closed_id = new_case(world, world.other_employee, categories=("workload",))
    held_id = new_case(world, world.employee, world.other_adviser)
    with world.make() as uow:
        kept = []
        for days, case_id in enumerate((open_id, closed_id), start=3):
            row = case(uow, case_id)
            kept += [add_note(uow, row), add_message(uow, row)]
            appointment = add_appointment(uow, row, uow.now + timedelta(days=days))
            reminder = Notification(NotificationKind.APPOINTMENT_REMINDER, at=appointment.starts_at,
                                    ref=ObjectRef(ObjectType.APPOINTMENT, appointment.id))
            uow.notify(world.tenant_id, world.adviser.person_id, reminder, due_at=uow.now + timedelta(days=1))
        held = case(uow, held_id)
        held_kept = add_note(uow, held)
        held.legal_hold = True
        close(uow, case(uow, closed_id), weeks=(2,))
        uow.notify(world.tenant_id, world.admin.person_id, Notification(NotificationKind.CASE_PURGED),
                   due_at=uow.now + timedelta(days=1))
        references.save_reference(uow, world.tenant_id, world.employee.person_id, SERVICE_URL)
        uow.commit()
    return Seeded(open_id, closed_id, held_id, kept, held_kept)


def _uninstall(world: World) -> uninstall.UninstallReport:
    with world.make() as uow:
        tenant = uow.session.get(Tenant, world.tenant_id)
        assert tenant is not None
        assert tenants.mark_uninstalled(uow, tenant.platform, tenant.external_id) is not None
        report = uninstall.apply_uninstall_policy(uow, world.tenant_id)
        uow.commit()
    return report


def test_purge_shreds_every_case_not_on_legal_hold_at_once(world: World) -> None:
    seeded = _seed(world)
    update_settings(world, on_uninstall="purge")
    report = _uninstall(world)
    # The reminders go with their cases; the policy cancels what else was waiting.
    assert report == uninstall.UninstallReport("purge", purged=2, held=1, cancelled=1, references=1)
    with world.make() as uow:
        for case_id in (seeded.open_case, seeded.closed_case):
            row = case(uow, case_id)
            assert (row.status, row.case_key_id, row.employee_id) == ("purged", None, None)
            assert set(content_counts(uow, case_id).values()) == {0}
        for ciphertext in seeded.kept:
            with pytest.raises(KeyShreddedError):
                open_kept(uow, ciphertext)
        held = case(uow, seeded.held_case)
        assert held.status == "open" and held.case_key_id is not None
        assert open_kept(uow, seeded.held_kept)  # untouched, still readable by its adviser
        assert {item.status for item in outbox_items(uow)} <= {"cancelled"}
        assert count_rows(uow, ConversationRef) == 0
        assert count_rows(uow, AggregateCount) > 0, "the anonymous counts are kept"
        actions = audit_actions(uow)
    assert actions.count("case.purged") == 2 and "tenant.uninstall_policy.purge" in actions


def test_keep_leaves_everything_for_retention_or_a_reinstall(world: World) -> None:
    seeded = _seed(world)
    with world.make() as uow:
        pending_before = len([i for i in outbox_items(uow) if i.status == "pending"])
    assert _uninstall(world) == uninstall.UninstallReport("keep")
    with world.make() as uow:
        statuses = {c.id: c.status for c in uow.session.scalars(select(Case))}
        assert statuses == {seeded.open_case: "open", seeded.closed_case: "closed", seeded.held_case: "open"}
        for ciphertext in seeded.kept:
            assert open_kept(uow, ciphertext)
        assert len([i for i in outbox_items(uow) if i.status == "pending"]) == pending_before > 0
        assert count_rows(uow, ConversationRef) == 1
        assert "tenant.uninstall_policy.keep" in audit_actions(uow)


def test_applying_it_again_changes_nothing_more(world: World) -> None:
    _seed(world)
    update_settings(world, on_uninstall="purge")
    _uninstall(world)
    with world.make() as uow:
        again = uninstall.apply_uninstall_policy(uow, world.tenant_id)
        uow.commit()
    assert again == uninstall.UninstallReport("purge", purged=0, held=1)


def test_it_never_runs_for_an_installed_tenant(world: World) -> None:
    _seed(world)
    update_settings(world, on_uninstall="purge")
    with world.make() as uow, pytest.raises(ValueError):
        uninstall.apply_uninstall_policy(uow, world.tenant_id)
    with world.make() as uow:
        assert {c.status for c in uow.session.scalars(select(Case))} == {"open", "closed"}


def test_teams_applies_it_when_the_last_user_removes_the_app(engine: Engine) -> None:
    world = make_world(engine)  # a Slack tenant next door must stay untouched
    other_case = new_case(world)
    claims = TeamsClaims(app_id="x", issuer="x", service_url=SERVICE_URL, channel_id="msteams",
                         key_id="k", expires_at=0, claims={})
    context = teams_context(activity(SERVICE_URL), claims)
    with world.make() as uow:
        seen = install.touch(uow, context, installing=True)
        assert seen is not None
        adviser = add_adviser(uow, seen.tenant_id, "29:adviser", "Ada", 1)
        assert adviser.adviser_id is not None
        case_id = casefile.open_case(uow, seen.actor, adviser.adviser_id).id
        kept = add_note(uow, case(uow, case_id))
        uow.commit()
    with world.make() as uow:
        tenant = tenants.find_tenant(uow, "teams", USER_TENANT)
        assert tenant is not None
        tenant.settings = {**tenant.settings, "on_uninstall": "purge"}
        uow.commit()
    with world.make() as uow:
        assert install.remove(uow, context) is True
        uow.commit()
    with world.make() as uow:
        assert case(uow, case_id).status == "purged"
        with pytest.raises(KeyShreddedError):
            open_kept(uow, kept)
        assert case(uow, other_case).status == "open"
        assert uow.session.scalars(select(Tenant.status).where(Tenant.platform == "teams")).one() == "uninstalled"
