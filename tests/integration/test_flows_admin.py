"""The admin panel, click by click: the first admin, appointing advisers (with the
conflict-of-interest warning), removing them, the referral directory, settings and the
anonymous figures — never content, never an employee's identity."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from tests.support.booking import World, make_world
from tests.support.casework import audit_actions
from tests.support.flows import TENANT, assert_renders
from tests.support.panels import FakeDirectory, PanelDriver, buttons, initial_text, input_field, rendered
from vpbot.domain.report import build_report
from vpbot.flows.core import Mode, UserFacts
from vpbot.services import admin, booking, cases, tenants
from vpbot.services import report as reports
from vpbot.storage.models import OutboxItem, Person
from vpbot.ui.actions import ActionId
from vpbot.ui.options import CATEGORY_VALUES, REFERRAL_TYPE_VALUES
from vpbot.ui.report import render
from vpbot.ui.screens import Screen, Select, Text
from vpbot.ui.text import Msg
from vpbot.ui.views import admin as views
from vpbot.ui.views import admin_config
from vpbot.ui.views.panel_parts import FORBIDDEN

ADMIN, ADVISER = "U_ADMIN", "U_ADVISER"
USERS = {
    "U_OWNER": UserFacts("Olga Owner", is_workspace_admin=True),
    "U_OWNER2": UserFacts("Otto Owner", is_workspace_admin=True),
    "U_BOSS": UserFacts("Bea Baas", is_workspace_admin=True),
    "U_NEW": UserFacts("Noor Nieuw"),
    "U_MGR": UserFacts("Mo Manager"),
    "U_EMP0": UserFacts("Eva Werknemer"),
}


@dataclass
class Setup:
    """A tenant with an admin and an adviser, and a driver that knows the platform's users."""

    world: World
    driver: PanelDriver


@pytest.fixture
def setup(engine: Engine) -> Setup:
    return Setup(make_world(engine, external_id=TENANT), PanelDriver(engine, FakeDirectory(dict(USERS))))


def _ids(screen: Screen) -> set[tuple[str, str | None]]:
    return {(b.action_id, b.value) for b in buttons(screen)}


def _keys(screen: Screen) -> set[str]:
    return {b.key for b in screen.blocks if isinstance(b, Text)}


def _adviser_names(setup: Setup) -> dict[str, bool]:
    with setup.world.make() as uow:
        return {a.display_name: a.active for a in admin.list_advisers_admin(uow, setup.world.admin)}


# --------------------------------------------------------------------------- entry


def test_the_first_workspace_admin_to_open_the_panel_becomes_admin(engine: Engine) -> None:
    driver = PanelDriver(engine, FakeDirectory(dict(USERS)), tenant="T_SINGLE")
    refused = driver.click("U_MEMBER", ActionId.OPEN_ADMIN, in_modal=False)
    assert refused.mode is Mode.OPEN and refused.screen is not None and refused.screen.id == FORBIDDEN
    assert (ActionId.OPEN_APP, None) in _ids(refused.screen)

    outcome = driver.click("U_OWNER", ActionId.OPEN_ADMIN, in_modal=False)
    assert outcome.screen is not None and outcome.screen.id == views.PANEL
    assert "admin.first_admin" in _keys(outcome.screen)
    # Only the first: once the tenant has an admin, another workspace admin is refused.
    assert driver.screen("U_OWNER2", ActionId.OPEN_ADMIN, in_modal=False).id == FORBIDDEN
    again = driver.screen("U_OWNER", ActionId.OPEN_ADMIN, in_modal=False)
    assert again.id == views.PANEL and "admin.first_admin" not in _keys(again)


def test_advisers_and_employees_are_refused_politely(setup: Setup) -> None:
    assert setup.driver.screen(ADVISER, ActionId.OPEN_ADMIN, in_modal=False).id == FORBIDDEN
    assert setup.driver.screen("U_EMP0", ActionId.ADMIN_HOME).id == FORBIDDEN
    for action in (
        ActionId.ADMIN_ADVISERS,
        ActionId.ADMIN_SETTINGS,
        ActionId.ADMIN_STATISTICS,
        ActionId.ADMIN_DIRECTORY,
        ActionId.ADMIN_ADVISER_ADD,
    ):
        assert setup.driver.screen("U_EMP0", action).id == "vpbot.error", action


# --------------------------------------------------------------------------- advisers


def test_appointing_advisers_with_the_conflict_of_interest_warning(setup: Setup) -> None:
    driver = setup.driver
    panel = driver.screen(ADMIN, ActionId.OPEN_ADMIN, in_modal=False)
    assert {a for a, _ in _ids(panel)} >= {
        ActionId.ADMIN_ADVISERS,
        ActionId.ADMIN_DIRECTORY,
        ActionId.ADMIN_SETTINGS,
        ActionId.ADMIN_STATISTICS,
    }
    listing = driver.screen(ADMIN, ActionId.ADMIN_ADVISERS)
    assert listing.id == views.ADVISERS and "Anne de Vries" in rendered(listing)
    form = driver.screen(ADMIN, ActionId.ADMIN_ADVISER_ADD)
    assert form.id == views.ADD_ADVISER

    assert driver.send(ADMIN, form, {}).errors.keys() == {"user"}
    assert driver.send(ADMIN, form, {"user": "U_GHOST"}).errors.keys() == {"name"}  # no name known
    added = driver.next(ADMIN, form, {"user": "U_NEW", "kind": "external"})
    assert added.id == views.ADDED and "Noor Nieuw" in rendered(added)
    assert _adviser_names(setup)["Noor Nieuw"]

    # A workspace admin: warned, and appointed only with an explicit confirmation.
    conflict = driver.next(ADMIN, form, {"user": "U_BOSS"})
    assert conflict.id == views.CONFLICT
    assert initial_text(conflict, "name") == "Bea Baas" and "admin.adviser.coi.workspace_admin" in _keys(
        conflict
    )
    assert "Bea Baas" not in _adviser_names(setup)
    assert driver.send(ADMIN, conflict, {"name": "Bea Baas", "confirm": []}).errors.keys() == {"confirm"}
    added = driver.next(ADMIN, conflict, {"name": "Bea B.", "confirm": ["yes"]})
    assert added.id == views.ADDED and "admin.adviser.added.conflict" in _keys(added)
    assert _adviser_names(setup)["Bea B."]
    with setup.world.make() as uow:
        assert "adviser.appointed.conflict_confirmed" in audit_actions(uow)
        boss = tenants.ensure_person(uow, setup.world.tenant_id, "U_BOSS")
        assert boss.is_workspace_admin

    # Marked as manager/HR on the form: the same warning, naming that reason.
    conflict = driver.next(ADMIN, form, {"user": "U_MGR", "manager": ["yes"]})
    assert conflict.id == views.CONFLICT
    assert "admin.adviser.coi.manager_or_hr" in _keys(conflict)


def test_removing_an_adviser_cancels_their_appointments(setup: Setup) -> None:
    world, driver = setup.world, setup.driver
    employee = world.person("U_EMP0")
    slot = world.run(booking.free_slots, employee, world.adviser_id)[0]
    world.run(booking.book, employee, world.adviser_id, slot.starts_at, "phone")
    listing = driver.screen(ADMIN, ActionId.ADMIN_ADVISERS)
    confirm = driver.screen(ADMIN, ActionId.ADMIN_ADVISER_REMOVE, world.adviser_id)
    assert confirm.id == views.REMOVE_ADVISER and (ActionId.ADMIN_ADVISER_REMOVE, world.adviser_id) in _ids(
        listing
    )
    listing = driver.next(ADMIN, confirm, {})
    assert listing.id == views.ADVISERS and "admin.adviser.removed" in _keys(listing)
    assert (ActionId.ADMIN_ADVISER_REMOVE, world.adviser_id) not in _ids(listing)
    assert _adviser_names(setup) == {"Anne de Vries": False}
    with world.make() as uow:
        kinds = uow.session.scalars(
            select(OutboxItem.kind).where(OutboxItem.recipient_id == employee.person_id)
        )
        assert "appointment_cancelled" in list(kinds)
    # Gone from the adviser's side too: their panel now refuses politely.
    assert driver.screen(ADVISER, ActionId.OPEN_ADVISER).id == FORBIDDEN


def test_marking_a_manager_warns_when_they_are_an_adviser(setup: Setup) -> None:
    form = setup.driver.screen(ADMIN, ActionId.ADMIN_MANAGER_FLAG)
    assert form.id == views.MANAGER
    listing = setup.driver.next(ADMIN, form, {"user": ADVISER, "flag": "yes"})
    assert "admin.manager.saved_adviser" in _keys(listing)
    listing = setup.driver.next(ADMIN, form, {"user": "U_MGR", "flag": "yes"})
    assert "admin.manager.saved" in _keys(listing)
    with setup.world.make() as uow:
        flags = {p.id: p.is_manager_or_hr for p in uow.session.scalars(select(Person))}
        assert flags[setup.world.adviser.person_id]
        assert flags[tenants.ensure_person(uow, setup.world.tenant_id, "U_MGR").id]


# --------------------------------------------------------------------------- configuration


def test_referral_directory_add_edit_remove(setup: Setup) -> None:
    driver = setup.driver
    listing = driver.screen(ADMIN, ActionId.ADMIN_DIRECTORY)
    assert listing.id == admin_config.DIRECTORY
    edits = [b.value for b in buttons(listing) if b.action_id == ActionId.ADMIN_DIRECTORY_EDIT]
    assert len(edits) == 11

    form = driver.screen(ADMIN, ActionId.ADMIN_DIRECTORY_ADD)
    assert driver.send(ADMIN, form, {"kind": "coach", "name": " "}).errors.keys() == {"name"}
    assert driver.send(ADMIN, form, {"kind": None, "name": "Coach"}).errors.keys() == {"kind"}
    listing = driver.next(ADMIN, form, {"kind": "coach", "name": "Coachbureau Zon", "contact": "030-1234567"})
    assert "Coachbureau Zon" in rendered(listing)

    form = driver.screen(ADMIN, ActionId.ADMIN_DIRECTORY_EDIT, edits[0])
    assert initial_text(form, "name") == "Bedrijfsarts"
    listing = driver.next(ADMIN, form, {"kind": "company_doctor", "name": "Arbodienst Noord"})
    assert "Arbodienst Noord" in rendered(listing)

    confirm = driver.screen(ADMIN, ActionId.ADMIN_DIRECTORY_REMOVE, edits[0])
    listing = driver.next(ADMIN, confirm, {})
    assert "Arbodienst Noord" not in rendered(listing)
    with setup.world.make() as uow:
        names = [e.name for e in admin.list_directory(uow, setup.world.admin)]
    assert "Arbodienst Noord" not in names and "Coachbureau Zon" in names


def test_settings_with_inline_errors(setup: Setup) -> None:
    driver = setup.driver
    form = driver.screen(ADMIN, ActionId.ADMIN_SETTINGS)
    assert form.id == admin_config.SETTINGS
    assert initial_text(form, "retention") == "12" and initial_text(form, "aftercare") == "2, 6, 12"
    good = {
        "language": "en",
        "retention": "24",
        "aftercare": "4, 8",
        "anonymous": [],
        "on_uninstall": "purge",
    }
    assert driver.send(ADMIN, form, good | {"retention": "twaalf"}).errors.keys() == {"retention"}
    assert driver.send(ADMIN, form, good | {"retention": "0"}).errors.keys() == {"retention"}
    assert driver.send(ADMIN, form, good | {"aftercare": "2, x"}).errors.keys() == {"aftercare"}
    assert driver.send(ADMIN, form, good | {"aftercare": "2, 200"}).errors.keys() == {"aftercare"}
    panel = driver.next(ADMIN, form, good)
    assert panel.id == views.PANEL and "admin.settings.saved" in _keys(panel)
    with setup.world.make() as uow:
        saved = tenants.tenant_settings(uow, setup.world.tenant_id)
    assert (saved.language, saved.retention_months, saved.aftercare_weeks) == ("en", 24, (4, 8))
    assert not saved.anonymous_threads_allowed and saved.on_uninstall == "purge"


def test_statistics_are_anonymous_counts_with_small_ones_suppressed(setup: Setup) -> None:
    world, driver = setup.world, setup.driver
    marker = "CANARY-" + secrets.token_hex(6)
    employees = [world.person(f"U_EMP{i}") for i in range(6)]
    slots = world.run(booking.free_slots, employees[0], world.adviser_id)
    for employee, slot in zip(employees, slots[: len(employees)], strict=True):
        world.run(booking.book, employee, world.adviser_id, slot.starts_at, "video", None, f"{marker} note")
    with world.make() as uow:
        case_ids = [c.id for c in cases.adviser_cases(uow, world.adviser)]
        for case_id in case_ids[:2]:
            cases.set_categories(uow, world.adviser, case_id, ["bullying"])
        uow.commit()

    # The third quarter is under way: it is not reported until it is over.
    early = driver.screen(ADMIN, ActionId.ADMIN_STATISTICS)
    assert early.id == admin_config.STATISTICS and "admin.stats.none" in _keys(early)
    driver.uows.clock.advance(timedelta(days=30))  # October: Q3 is over
    report = driver.screen(ADMIN, ActionId.ADMIN_STATISTICS)
    text = rendered(report)
    assert "Totaal meldingen: K1 0 · K2 0 · K3 6 · Totaal 6" in text  # six cases: shown exactly
    # Two with bullying, four without a category: both small, so shown as "<5".
    assert "Pesten: K1 0 · K2 0 · K3 <5 · Totaal <5" in text
    assert "Geen categorie: K1 0 · K2 0 · K3 <5 · Totaal <5" in text
    assert "Videogesprek: K1 0 · K2 0 · K3 6 · Totaal 6" in text
    assert "Total cases: Q1 0 · Q2 0 · Q3 6 · Total 6" in text
    # The panel shows exactly the report that ``vpbot report`` prints.
    with driver.uows() as uow:
        printed = render(reports.tenant_report(uow, world.tenant_id, 2026), "csv", "nl")
    assert "Meldingen per onderwerp;Pesten;K3;<5" in printed
    year = input_field(report, "year")
    assert isinstance(year, Select) and year.initial == "2026"
    earlier = driver.next(ADMIN, report, {"year": "2025"})
    assert "admin.stats.none" in _keys(earlier)

    # Nothing an admin sees carries content or who anyone is.
    for _user, screen in driver.screens:
        assert marker not in rendered(screen) and "Eva Werknemer" not in rendered(screen)


def test_full_admin_screens_stay_within_slack_limits() -> None:
    entries = [
        admin.DirectoryEntryView(f"{n:032x}", "other", "n" * 200, "c" * 300, "d" * 500, n, True)
        for n in range(150)
    ]
    advisers = [admin.AdviserAdminView(f"{n:032x}", "a" * 120, n % 2 == 0, n % 3 > 0) for n in range(150)]
    every = {
        metric: {dimension: 7 for dimension in dimensions}
        for metric, dimensions in {
            "cases_by_adviser": ["internal", "external"],
            "cases_by_category": [*CATEGORY_VALUES, "none"],
            "appointments": ["in_person", "phone", "video"],
            "threads": ["all"],
            "referrals_by_kind": list(REFERRAL_TYPE_VALUES),
            "checkins": ["good", "talk", "stop", "unanswered"],
            "disclosures": ["acute_danger", "legal_duty"],
            "first_appointment_days": ["3", "12"],
        }.items()
    }
    report = build_report(2026, dict.fromkeys((1, 2, 3, 4), every))
    for screen in (
        admin_config.directory_screen(entries, Msg("admin.directory.saved")),
        admin_config.entry_screen(entries[0]),
        views.advisers_screen(advisers, Msg("admin.manager.saved")),
        admin_config.statistics_screen(2026, [2026, 2025], report),
    ):
        assert len(screen.blocks) <= 100
        assert_renders(screen)
