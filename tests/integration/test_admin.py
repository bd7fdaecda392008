"""Administration: advisers, settings and the referral directory (on SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from sqlalchemy import Engine, select

from tests.support.booking import FIRST_SLOT, World, make_world
from tests.support.core import uow_factory
from vpbot.domain.referrals import ReferralKind
from vpbot.domain.tenant import TenantSettings
from vpbot.services import admin, booking, tenants
from vpbot.services.actor import Role
from vpbot.storage.models import Adviser, Appointment, AuditEvent, Case, OutboxItem, RoleAssignment, Tenant

UTC = timezone.utc
LATER = datetime(2026, 9, 9, 8, 0, tzinfo=UTC)


@pytest.fixture
def world(engine: Engine) -> World:
    return make_world(engine)


def last_audit(world: World) -> tuple[str, str, str | None]:
    with world.make() as uow:
        event = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event is not None
        return event.action, event.actor_role, event.object_id


# --------------------------------------------------------------------------- advisers


def test_only_admins_administer(world: World) -> None:
    employee = world.person("U_EMP")
    calls: list[tuple[Callable[..., object], tuple[object, ...]]] = [
        (admin.appoint_adviser, (employee.person_id,)),
        (admin.remove_adviser, (world.adviser_id,)),
        (admin.mark_manager_or_hr, (employee.person_id, True)),
        (admin.list_advisers_admin, ()),
        (admin.list_directory, ()),
        (admin.add_directory_entry, ("coach", "Coach")),
    ]
    for call, args in calls:
        kwargs = {"display_name": "X"} if call is admin.appoint_adviser else {}
        for actor in (employee, world.adviser):
            assert world.error(call, actor, *args, **kwargs).key == "auth.forbidden"
    assert world.error(admin.update_settings, employee, language="en").key == "auth.forbidden"


def test_appoint_adviser_grants_the_role_and_is_audited(world: World) -> None:
    person = world.person("U_NEW")
    result = world.run(admin.appoint_adviser, world.admin, person.person_id, display_name="Bram Jansen",
                 is_external=True, languages=["nl", "en"], intro="Extern.")
    assert isinstance(result, admin.AppointResult) and not result.conflict and not result.reactivated
    assert last_audit(world) == ("adviser.appointed", "admin", result.adviser_id)
    again = world.person("U_NEW")
    assert again.has(Role.ADVISER) and again.adviser_id == result.adviser_id
    employee = world.person("U_EMP")
    with world.make() as uow:
        cards = {c.display_name: c for c in booking.list_advisers(uow, employee)}
    # Not bookable until they publish a way to meet; the profile is the admin's input.
    assert "Bram Jansen" not in cards
    with world.make() as uow:
        adviser = uow.session.get_one(Adviser, result.adviser_id)
        assert (adviser.display_name, adviser.is_external, adviser.languages, adviser.intro) == (
            "Bram Jansen", True, ["nl", "en"], "Extern.")
        assert (adviser.slot_minutes, adviser.min_notice_minutes, adviser.horizon_days) == (45, 120, 56)
    # Appointing again (a rename) keeps what was not given.
    renamed = world.run(admin.appoint_adviser, world.admin, person.person_id, display_name="Bram J.")
    assert renamed.adviser_id == result.adviser_id and not renamed.reactivated
    with world.make() as uow:
        adviser = uow.session.get_one(Adviser, result.adviser_id)
        assert (adviser.display_name, adviser.languages, adviser.intro) == ("Bram J.", ["nl", "en"], "Extern.")


@pytest.mark.parametrize(
    ("facts", "reasons"),
    [
        ({"is_workspace_admin": True}, ("workspace_admin",)),
        ({"is_manager_or_hr": True}, ("manager_or_hr",)),
        ({"is_workspace_admin": True, "is_manager_or_hr": True}, ("workspace_admin", "manager_or_hr")),
    ],
)
def test_conflict_of_interest_is_a_warning_to_confirm(world: World, facts: dict[str, bool], reasons: tuple[str, ...]) -> None:
    person = world.person("U_BOSS", **facts)
    warning = world.error(admin.appoint_adviser, world.admin, person.person_id, display_name="Baas")
    assert (warning.key, warning.params) == ("adviser.conflict_of_interest", {"reasons": reasons})
    assert not world.person("U_BOSS").has(Role.ADVISER)
    result = world.run(admin.appoint_adviser, world.admin, person.person_id, display_name="Baas",
                 confirm_conflict=True)
    assert isinstance(result, admin.AppointResult) and result.conflict and result.conflict_reasons == reasons
    assert last_audit(world) == ("adviser.appointed.conflict_confirmed", "admin", result.adviser_id)
    assert world.person("U_BOSS").has(Role.ADVISER)


def test_mark_manager_or_hr_makes_appointing_a_conflict(world: World) -> None:
    person = world.person("U_HR")
    result = world.run(admin.mark_manager_or_hr, world.admin, person.person_id, True)
    assert result == admin.ManagerFlagResult(person.person_id, True, False)
    assert last_audit(world) == ("person.manager_or_hr.marked", "admin", person.person_id)
    assert world.error(admin.appoint_adviser, world.admin, person.person_id,
                 display_name="HR").key == "adviser.conflict_of_interest"
    world.run(admin.mark_manager_or_hr, world.admin, person.person_id, False)
    assert last_audit(world)[0] == "person.manager_or_hr.unmarked"
    world.run(admin.appoint_adviser, world.admin, person.person_id, display_name="HR")
    # Marking an active adviser tells the admin about the conflict that now exists.
    flagged = world.run(admin.mark_manager_or_hr, world.admin, person.person_id, True)
    assert isinstance(flagged, admin.ManagerFlagResult) and flagged.is_active_adviser
    assert world.error(admin.mark_manager_or_hr, world.admin, person.person_id, "yes").key == "input.invalid"


def test_admin_cannot_reach_another_tenants_people(engine: Engine) -> None:
    make = uow_factory(engine)
    a = make_world(engine, external_id="T-A", make=make)
    b = make_world(engine, external_id="T-B", make=make)
    outsider = b.person("U_EMP")
    assert a.error(admin.appoint_adviser, a.admin, outsider.person_id, display_name="X").key == "not_found"
    assert a.error(admin.mark_manager_or_hr, a.admin, outsider.person_id, True).key == "not_found"
    assert a.error(admin.remove_adviser, a.admin, b.adviser_id).key == "not_found"
    with make() as uow:
        assert [v.adviser_id for v in admin.list_advisers_admin(uow, a.admin)] == [a.adviser_id]
        b_entry = admin.list_directory(uow, b.admin)[0]
    assert a.error(admin.update_directory_entry, a.admin, b_entry.entry_id, name="X").key == "not_found"
    assert a.error(admin.remove_directory_entry, a.admin, b_entry.entry_id).key == "not_found"


def test_remove_adviser_cancels_upcoming_appointments_and_keeps_cases(world: World) -> None:
    employee, other = world.person("U_EMP"), world.person("U_EMP2")
    with world.make() as uow:
        booking.book(uow, employee, world.adviser_id, FIRST_SLOT, "video", note="Vertrouwelijk")
        booking.book(uow, other, world.adviser_id, LATER, "phone")
        uow.commit()
    result = world.run(admin.remove_adviser, world.admin, world.adviser_id)
    assert result == admin.RemoveResult(world.adviser_id, 2)
    assert last_audit(world) == ("adviser.removed", "admin", world.adviser_id)
    with world.make() as uow:
        rows = uow.session.scalars(select(Appointment)).all()
        assert {(r.status, r.held_start, r.cancelled_by) for r in rows} == {("cancelled", None, "admin")}
        notices = uow.session.scalars(select(OutboxItem).where(OutboxItem.kind == "appointment_cancelled")).all()
        assert sorted(n.recipient_id for n in notices) == sorted([employee.person_id, other.person_id])
        assert all(set(n.payload) == {"kind", "at", "ref"} for n in notices)
        reminders = uow.session.scalars(select(OutboxItem.status).where(OutboxItem.kind == "appointment_reminder"))
        assert set(reminders) == {"cancelled"}
        # The cases stay with the removed adviser: nobody else gains access.
        assert {c.adviser_id for c in uow.session.scalars(select(Case))} == {world.adviser_id}
        assert uow.session.scalars(
            select(RoleAssignment).where(RoleAssignment.role == "adviser",
                                         RoleAssignment.person_id == world.adviser.person_id)
        ).first() is None
        assert booking.list_advisers(uow, employee) == []
        listed = admin.list_advisers_admin(uow, world.admin)
    assert [(v.display_name, v.active) for v in listed] == [("Anne de Vries", False)]
    removed = world.person("U_ADVISER")
    assert not removed.has(Role.ADVISER) and removed.adviser_id is None
    assert world.error(booking.book, employee, world.adviser_id, LATER, "video").key == "adviser.unknown"
    # Appointing the same person again re-activates the same adviser (and their cases).
    again = world.run(admin.appoint_adviser, world.admin, world.adviser.person_id, display_name="Anne")
    assert isinstance(again, admin.AppointResult) and again.reactivated and again.adviser_id == world.adviser_id


def test_admin_views_hold_no_content_or_identities(world: World) -> None:
    employee = world.person("U_EMP")
    with world.make() as uow:
        booking.book(uow, employee, world.adviser_id, FIRST_SLOT, "video", note="Geheim")
        uow.commit()
    with world.make() as uow:
        advisers = admin.list_advisers_admin(uow, world.admin)
        directory = admin.list_directory(uow, world.admin)
    assert [f.name for f in dataclasses.fields(admin.AdviserAdminView)] == [
        "adviser_id", "display_name", "is_external", "active"
    ]
    assert {f.name for f in dataclasses.fields(admin.DirectoryEntryView)} == {
        "entry_id", "kind", "name", "contact", "description", "position", "active"
    }
    text = repr(advisers) + repr(directory)
    assert "Geheim" not in text and employee.person_id not in text


# --------------------------------------------------------------------------- settings


def test_update_settings_validates_and_audits(world: World) -> None:
    settings = world.run(admin.update_settings, world.admin, language="en", retention_months=24,
                   aftercare_weeks=[4, 8], anonymous_threads_allowed=False, on_uninstall="purge")
    assert settings == TenantSettings(language="en", retention_months=24, aftercare_weeks=(4, 8),
                                      anonymous_threads_allowed=False, on_uninstall="purge")
    assert last_audit(world) == ("settings.updated", "admin", world.tenant_id)
    with world.make() as uow:
        assert tenants.tenant_settings(uow, world.tenant_id) == settings
    invalid = [
        {"language": "fr"}, {"retention_months": 0}, {"retention_months": 121}, {"retention_months": "12"},
        {"retention_months": True}, {"aftercare_weeks": [6, 2]}, {"aftercare_weeks": [2, "6"]},
        {"aftercare_weeks": "2,6"}, {"anonymous_threads_allowed": "no"}, {"on_uninstall": "burn"},
        {"timezone": "UTC"}, {"colour": "blue"},
    ]
    for change in invalid:
        failure = world.error(admin.update_settings, world.admin, **change)
        assert (failure.key, failure.params.get("field")) == ("settings.invalid", next(iter(change))), change
    with world.make() as uow:
        assert tenants.tenant_settings(uow, world.tenant_id) == settings


def test_update_settings_keeps_unknown_stored_keys(world: World) -> None:
    with world.make() as uow:
        tenant = uow.session.get_one(Tenant, world.tenant_id)
        tenant.settings = {**tenant.settings, "future_flag": 1}
        uow.commit()
    world.run(admin.update_settings, world.admin, retention_months=6)
    with world.make() as uow:
        stored = uow.session.get_one(Tenant, world.tenant_id).settings
    assert stored["future_flag"] == 1 and stored["retention_months"] == 6


# --------------------------------------------------------------------------- directory


def test_directory_editing(world: World) -> None:
    with world.make() as uow:
        start = admin.list_directory(uow, world.admin)
    assert {e.kind for e in start} >= {ReferralKind.BEDRIJFSARTS, ReferralKind.SLACHTOFFERHULP, ReferralKind.HR}
    added = world.run(admin.add_directory_entry, world.admin, "coach", " Coachpraktijk Zon ",
                contact="030-1234567", description="Loopbaancoach")
    assert isinstance(added, admin.DirectoryEntryView)
    assert (added.name, added.position) == ("Coachpraktijk Zon", max(e.position for e in start) + 1)
    assert last_audit(world) == ("directory.entry.added", "admin", added.entry_id)
    updated = world.run(admin.update_directory_entry, world.admin, added.entry_id, contact="", position=0)
    assert isinstance(updated, admin.DirectoryEntryView)
    assert (updated.name, updated.contact, updated.position) == ("Coachpraktijk Zon", "", 0)
    assert last_audit(world)[0] == "directory.entry.updated"
    world.run(admin.remove_directory_entry, world.admin, added.entry_id)
    assert last_audit(world)[0] == "directory.entry.removed"
    with world.make() as uow:
        assert [e.entry_id for e in admin.list_directory(uow, world.admin)] == [e.entry_id for e in start]
    assert world.error(admin.update_directory_entry, world.admin, added.entry_id, name="X").key == "not_found"


@pytest.mark.parametrize(
    ("args", "kwargs", "key", "field"),
    [
        (("astrologer", "Ster"), {}, "input.invalid", "kind"),
        (("coach", "   "), {}, "input.invalid", "name"),
        (("coach", "x" * 201), {}, "input.too_long", None),
        (("coach", "Coach"), {"contact": "x" * 301}, "input.too_long", None),
        (("coach", "Coach"), {"description": "x" * 501}, "input.too_long", None),
        (("coach", "Coach"), {"position": -1}, "input.invalid", "position"),
    ],
)
def test_directory_limits(world: World, args: tuple[str, str], kwargs: dict[str, object], key: str, field: str | None) -> None:
    failure = world.error(admin.add_directory_entry, world.admin, *args, **kwargs)
    assert failure.key == key and failure.params.get("field") == field


def test_appoint_validates_the_profile(world: World) -> None:
    person = world.person("U_NEW")
    assert world.error(admin.appoint_adviser, world.admin, person.person_id, display_name=" ").key == "input.invalid"
    assert world.error(admin.appoint_adviser, world.admin, person.person_id, display_name="x" * 121).key == "input.too_long"
    assert world.error(admin.appoint_adviser, world.admin, person.person_id, display_name="A",
                 intro="x" * 501).key == "input.too_long"
    assert world.error(admin.appoint_adviser, world.admin, person.person_id, display_name="A",
                 languages=["Nederlands"]).key == "input.invalid"
    assert world.error(admin.appoint_adviser, world.admin, "0" * 32, display_name="A").key == "not_found"
