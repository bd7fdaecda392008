"""The adviser panel, click by click: appointments, case work, thread, referral, disclosure,
closing with aftercare, availability, absences and profile."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from tests.support.booking import FIRST_SLOT, World, add_adviser, make_world
from tests.support.flows import TENANT, assert_renders
from tests.support.panels import (
    FakeDirectory,
    PanelDriver,
    buttons,
    initial_text,
    input_field,
    rendered,
    stored_everywhere,
)
from vpbot.flows.core import Mode, UserFacts
from vpbot.services import advisers, booking, referrals, threads
from vpbot.services.actor import Actor
from vpbot.services.booking import AdviserAppointment
from vpbot.services.cases import CaseDetail, CaseSummary, DisclosureView, NoteView, ReferralSummary
from vpbot.services.threads import MessageView, ThreadSummary, ThreadView
from vpbot.storage.models import Case, CheckIn, OutboxItem
from vpbot.ui.actions import ActionId
from vpbot.ui.options import CATEGORY_VALUES
from vpbot.ui.screens import Checkboxes, Screen, Select
from vpbot.ui.text import Msg
from vpbot.ui.views import adviser as views
from vpbot.ui.views import adviser_case, adviser_settings, adviser_sharing
from vpbot.ui.views.panel_parts import FORBIDDEN

ADVISER, EMPLOYEE, COLLEAGUE = "U_ADVISER", "U_EMP", "U_BRAM"
EMPLOYEE_NAME = "Eva Werknemer"


@dataclass
class Setup:
    """A tenant with an adviser, an employee with a booked appointment, and a driver."""

    world: World
    driver: PanelDriver
    employee: Actor
    case_id: str
    appointment_id: str
    marker: str


@pytest.fixture
def setup(engine: Engine) -> Setup:
    world = make_world(engine, external_id=TENANT)
    directory = FakeDirectory(
        {EMPLOYEE: UserFacts(display_name=EMPLOYEE_NAME), ADVISER: UserFacts("Anne de Vries")}
    )
    employee = world.person(EMPLOYEE)
    marker = "CANARY-" + secrets.token_hex(6)
    booked = world.run(
        booking.book, employee, world.adviser_id, FIRST_SLOT, "video", "bullying", f"note {marker}-booking"
    )
    with world.make() as uow:
        case_id = uow.session.scalars(select(Case.id)).one()
    return Setup(world, PanelDriver(engine, directory), employee, case_id, booked.appointment_id, marker)


def _ids(screen: Screen) -> set[tuple[str, str | None]]:
    return {(b.action_id, b.value) for b in buttons(screen)}


def _case(s: Setup) -> Screen:
    return s.driver.screen(ADVISER, ActionId.ADVISER_OPEN_CASE, s.case_id)


# --------------------------------------------------------------------------- entry and panel


def test_people_without_the_adviser_role_get_a_polite_refusal_with_the_menu(setup: Setup) -> None:
    outcome = setup.driver.click(EMPLOYEE, ActionId.OPEN_ADVISER, in_modal=False)
    assert outcome.mode is Mode.OPEN and outcome.screen is not None
    assert outcome.screen.id == FORBIDDEN
    assert (ActionId.OPEN_APP, None) in _ids(outcome.screen)
    # Buttons from inside the panel are refused by the services too (a calm error screen).
    assert setup.driver.screen(EMPLOYEE, ActionId.ADVISER_OPEN_CASE, setup.case_id).id == "vpbot.error"


def test_panel_lists_appointments_and_cases_without_identity_or_content(setup: Setup) -> None:
    outcome = setup.driver.click(ADVISER, ActionId.OPEN_ADVISER, in_modal=False)
    assert outcome.mode is Mode.OPEN and outcome.screen is not None
    panel = outcome.screen
    assert panel.id == views.PANEL
    assert (ActionId.ADVISER_OPEN_APPOINTMENT, setup.appointment_id) in _ids(panel)
    assert (ActionId.ADVISER_OPEN_CASE, setup.case_id) in _ids(panel)
    for action in (ActionId.ADVISER_AVAILABILITY, ActionId.ADVISER_ABSENCES, ActionId.ADVISER_PROFILE):
        assert (action, None) in _ids(panel)
    text = rendered(panel)
    with setup.world.make() as uow:
        reference = uow.session.get_one(Case, setup.case_id).reference
    assert reference in text and "Video" in text
    assert EMPLOYEE_NAME not in text and setup.marker not in text
    # Names are looked up only when a screen shows one.
    assert EMPLOYEE not in setup.driver.directory.looked_up


def test_appointment_screen_shows_the_note_and_who_and_opens_from_a_notification(setup: Setup) -> None:
    screen = setup.driver.screen(ADVISER, ActionId.ADVISER_OPEN_APPOINTMENT, setup.appointment_id)
    assert screen.id == views.APPOINTMENT
    assert f"{setup.marker}-booking" in rendered(screen) and EMPLOYEE_NAME in rendered(screen)
    assert (ActionId.ADVISER_OPEN_CASE, setup.case_id) in _ids(screen)
    # The notification's "open" button: the adviser gets this screen, opened (not pushed).
    outcome = setup.driver.click(
        ADVISER, ActionId.OPEN_APP, f"appointment:{setup.appointment_id}", in_modal=False
    )
    assert outcome.mode is Mode.OPEN and outcome.screen is not None and outcome.screen.id == views.APPOINTMENT
    # The employee's own click on the same reference is not the adviser's screen.
    outcome = setup.driver.click(
        EMPLOYEE, ActionId.OPEN_APP, f"appointment:{setup.appointment_id}", in_modal=False
    )
    assert outcome.screen is not None and outcome.screen.id != views.APPOINTMENT


def test_other_advisers_cannot_open_the_case_appointment_or_thread(setup: Setup) -> None:
    add_adviser(setup.world.make, setup.world.tenant_id, setup.world.admin, COLLEAGUE, name="Bram")
    thread = setup.world.run(threads.start_thread, setup.employee, setup.world.adviser_id, "hallo")
    for token in (f"case:{setup.case_id}", f"appointment:{setup.appointment_id}", f"thread:{thread.id}"):
        outcome = setup.driver.click(COLLEAGUE, ActionId.OPEN_APP, token, in_modal=False)
        assert outcome.screen is not None and outcome.screen.id == "vpbot.error", token
    assert setup.driver.screen(COLLEAGUE, ActionId.ADVISER_OPEN_CASE, setup.case_id).id == "vpbot.error"
    assert setup.driver.screen(COLLEAGUE, ActionId.ADVISER_OPEN_THREAD, thread.id).id == "vpbot.error"


def test_adviser_cancels_an_appointment_and_the_employee_is_told(setup: Setup) -> None:
    screen = setup.driver.screen(ADVISER, ActionId.ADVISER_OPEN_APPOINTMENT, setup.appointment_id)
    confirm = setup.driver.screen(ADVISER, ActionId.ADVISER_CANCEL_APPOINTMENT, setup.appointment_id)
    assert screen.id == views.APPOINTMENT and confirm.id == views.CANCEL
    done = setup.driver.next(ADVISER, confirm, {})
    assert done.id == views.CANCELLED
    assert (ActionId.ADVISER_HOME, None) in _ids(done)
    with setup.world.make() as uow:
        kinds = uow.session.scalars(
            select(OutboxItem.kind).where(OutboxItem.recipient_id == setup.employee.person_id)
        )
        assert "appointment_cancelled" in list(kinds)
    panel = setup.driver.screen(ADVISER, ActionId.ADVISER_HOME)
    assert (ActionId.ADVISER_OPEN_APPOINTMENT, setup.appointment_id) not in _ids(panel)


# --------------------------------------------------------------------------- case work


def test_case_work_journey_keeps_content_with_the_adviser(engine: Engine, setup: Setup) -> None:
    s, driver, marker = setup, setup.driver, setup.marker
    case = _case(s)
    assert case.id == adviser_case.CASE and EMPLOYEE_NAME in rendered(case)
    assert case.private_metadata == {"case": s.case_id}

    # A note.
    form = driver.screen(ADVISER, ActionId.ADVISER_ADD_NOTE, s.case_id)
    assert form.id == adviser_case.NOTE
    assert driver.send(ADVISER, form, {"note": "   "}).errors.keys() == {"note"}
    case = driver.next(ADVISER, form, {"note": f"note {marker}-note"})
    assert case.id == adviser_case.CASE and f"{marker}-note" in rendered(case)

    # Categories: "rather not say" alone, or real ones.
    form = driver.screen(ADVISER, ActionId.ADVISER_CATEGORIES, s.case_id)
    assert isinstance(input_field(form, "categories"), Checkboxes)
    assert driver.send(ADVISER, form, {"categories": ["bullying", "undisclosed"]}).errors.keys() == {
        "categories"
    }
    driver.send(ADVISER, form, {"categories": ["bullying", "workload"]})
    with s.world.make() as uow:
        assert uow.session.get_one(Case, s.case_id).categories == ["bullying", "workload"]

    # The thread: the employee writes, the adviser reads and replies.
    thread = s.world.run(threads.start_thread, s.employee, s.world.adviser_id, f"message {marker}-employee")
    case = _case(s)
    assert (ActionId.ADVISER_OPEN_THREAD, thread.id) in _ids(case)
    view = driver.screen(ADVISER, ActionId.ADVISER_OPEN_THREAD, thread.id)
    assert view.id == adviser_sharing.THREAD and f"{marker}-employee" in rendered(view)
    assert driver.send(ADVISER, view, {"reply": ""}).errors.keys() == {"reply"}
    view = driver.next(ADVISER, view, {"reply": f"reply {marker}-reply"})
    assert view.id == adviser_sharing.THREAD and f"{marker}-reply" in rendered(view)
    seen = s.world.run(threads.read_thread, s.employee, thread.id)
    assert f"reply {marker}-reply" in [m.text for m in seen.messages if not m.mine]

    # Legal hold on and off.
    case = driver.screen(ADVISER, ActionId.ADVISER_LEGAL_HOLD, f"{s.case_id}:on")
    assert (ActionId.ADVISER_LEGAL_HOLD, f"{s.case_id}:off") in _ids(case)
    with s.world.make() as uow:
        assert uow.session.get_one(Case, s.case_id).legal_hold
    driver.click(ADVISER, ActionId.ADVISER_LEGAL_HOLD, f"{s.case_id}:off")

    # Nothing typed ever reaches a chat notification or the audit log.
    assert marker not in stored_everywhere(engine)


def test_referral_text_is_shown_only_while_consent_stands(setup: Setup) -> None:
    s, driver, marker = setup, setup.driver, setup.marker
    form = driver.screen(ADVISER, ActionId.ADVISER_PROPOSE_REFERRAL, s.case_id)
    assert form.id == adviser_sharing.REFERRAL
    target = input_field(form, "target")
    assert isinstance(target, Select) and len(target.options) == 11  # the Dutch default directory
    assert driver.send(ADVISER, form, {"share_text": "x"}).errors.keys() == {"target"}
    case = driver.next(
        ADVISER, form, {"target": target.options[0].value, "share_text": f"share {marker}-share"}
    )
    assert case.id == adviser_case.CASE
    assert f"{marker}-share" not in rendered(case)  # the case screen shows the status only

    with s.world.make() as uow:
        offer = referrals.my_referrals(uow, s.employee)[0]
    assert (ActionId.ADVISER_REFERRAL_TEXT, offer.id) not in _ids(case)
    s.world.run(referrals.decide_referral, s.employee, offer.id, "share")
    case = _case(s)
    assert (ActionId.ADVISER_REFERRAL_TEXT, offer.id) in _ids(case)
    shared = driver.screen(ADVISER, ActionId.ADVISER_REFERRAL_TEXT, offer.id)
    assert shared.id == adviser_sharing.REFERRAL_TEXT and f"{marker}-share" in rendered(shared)

    s.world.run(referrals.withdraw_consent, s.employee, offer.id)
    refused = driver.screen(ADVISER, ActionId.ADVISER_REFERRAL_TEXT, offer.id)
    assert refused.id == "vpbot.error" and f"{marker}-share" not in rendered(refused)
    assert (ActionId.ADVISER_REFERRAL_TEXT, offer.id) not in _ids(_case(s))


def test_disclosure_is_recorded_with_its_justification_and_the_employee_is_told(setup: Setup) -> None:
    s, driver, marker = setup, setup.driver, setup.marker
    form = driver.screen(ADVISER, ActionId.ADVISER_RECORD_DISCLOSURE, s.case_id)
    assert form.id == adviser_sharing.DISCLOSURE
    assert driver.send(ADVISER, form, {"justification": "x" * 30}).errors.keys() == {"ground"}
    assert driver.send(
        ADVISER, form, {"ground": "acute_danger", "justification": "te kort"}
    ).errors.keys() == {"justification"}
    justification = f"Acuut gevaar voor de medewerker zelf, {marker}-disclosure"
    case = driver.next(ADVISER, form, {"ground": "acute_danger", "justification": justification})
    assert f"{marker}-disclosure" in rendered(case)
    with s.world.make() as uow:
        kinds = uow.session.scalars(
            select(OutboxItem.kind).where(OutboxItem.recipient_id == s.employee.person_id)
        )
        assert "disclosure_recorded" in list(kinds)


def test_close_with_aftercare_weeks_from_the_tenant_default_then_reopen(setup: Setup) -> None:
    s, driver = setup, setup.driver
    form = driver.screen(ADVISER, ActionId.ADVISER_CLOSE_CASE, s.case_id)
    assert form.id == adviser_case.CLOSE and initial_text(form, "weeks") == "2, 6, 12"
    assert driver.send(ADVISER, form, {"weeks": "twee"}).errors.keys() == {"weeks"}
    assert driver.send(ADVISER, form, {"weeks": ""}).errors.keys() == {"weeks"}
    assert driver.send(ADVISER, form, {"weeks": "2, 200"}).errors.keys() == {"weeks"}
    done = driver.next(ADVISER, form, {"weeks": "2, 6"})
    assert done.id == adviser_case.CLOSED
    with s.world.make() as uow:
        assert uow.session.get_one(Case, s.case_id).status == "closed"
        assert len(uow.session.scalars(select(CheckIn).where(CheckIn.case_id == s.case_id)).all()) == 2

    closed = driver.screen(ADVISER, ActionId.ADVISER_CLOSED_CASES)
    assert closed.id == views.CLOSED_CASES and (ActionId.ADVISER_OPEN_CASE, s.case_id) in _ids(closed)
    case = driver.screen(ADVISER, ActionId.ADVISER_REOPEN_CASE, s.case_id)
    assert case.id == adviser_case.CASE and (ActionId.ADVISER_CLOSE_CASE, s.case_id) in _ids(case)

    # "No check-ins" is a choice of its own.
    form = driver.screen(ADVISER, ActionId.ADVISER_CLOSE_CASE, s.case_id)
    done = driver.next(ADVISER, form, {"weeks": "", "no_checkins": ["none"]})
    assert done.id == adviser_case.CLOSED


def test_anonymous_thread_shows_a_pseudonym_until_the_employee_reveals(setup: Setup) -> None:
    s, driver = setup, setup.driver
    thread = s.world.run(threads.start_thread, s.employee, s.world.adviser_id, "anoniem", anonymous=True)
    outcome = driver.click(ADVISER, ActionId.OPEN_THREAD, f"thread:{thread.id}", in_modal=False)
    assert outcome.mode is Mode.OPEN and outcome.screen is not None
    assert outcome.screen.id == adviser_sharing.THREAD
    assert EMPLOYEE_NAME not in rendered(outcome.screen) and thread.pseudonym in rendered(outcome.screen)
    s.world.run(threads.reveal_identity, s.employee, thread.id)
    view = driver.screen(ADVISER, ActionId.ADVISER_OPEN_THREAD, thread.id)
    assert EMPLOYEE_NAME in rendered(view)


def test_content_never_reaches_chat_logs_or_the_audit_log(
    engine: Engine, setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    s, driver, marker = setup, setup.driver, setup.marker
    driver.screen(ADVISER, ActionId.ADVISER_OPEN_APPOINTMENT, s.appointment_id)
    note = driver.screen(ADVISER, ActionId.ADVISER_ADD_NOTE, s.case_id)
    driver.next(ADVISER, note, {"note": f"{marker}-n"})
    thread = s.world.run(threads.start_thread, s.employee, s.world.adviser_id, "hallo")
    reply = driver.screen(ADVISER, ActionId.ADVISER_OPEN_THREAD, thread.id)
    driver.next(ADVISER, reply, {"reply": f"{marker}-r"})
    proposal = driver.screen(ADVISER, ActionId.ADVISER_PROPOSE_REFERRAL, s.case_id)
    target = input_field(proposal, "target")
    assert isinstance(target, Select)
    driver.next(ADVISER, proposal, {"target": target.options[1].value, "share_text": f"{marker}-s"})
    with s.world.make() as uow:
        referral_id = referrals.my_referrals(uow, s.employee)[0].id
    s.world.run(referrals.decide_referral, s.employee, referral_id, "share")
    driver.screen(ADVISER, ActionId.ADVISER_REFERRAL_TEXT, referral_id)
    disclosure = driver.screen(ADVISER, ActionId.ADVISER_RECORD_DISCLOSURE, s.case_id)
    justification = f"Een wettelijke plicht: {marker}-d"
    driver.next(ADVISER, disclosure, {"ground": "legal_duty", "justification": justification})
    # Everyone else who might look: the panel lists, another adviser, the admin's figures.
    driver.screen(ADVISER, ActionId.ADVISER_HOME)
    add_adviser(s.world.make, s.world.tenant_id, s.world.admin, COLLEAGUE, name="Bram")
    driver.screen(COLLEAGUE, ActionId.ADVISER_OPEN_CASE, s.case_id)
    driver.screen(COLLEAGUE, ActionId.ADVISER_REFERRAL_TEXT, referral_id)
    driver.screen("U_ADMIN", ActionId.ADMIN_STATISTICS)

    assert marker not in stored_everywhere(engine)
    assert marker not in caplog.text
    shown_in = {screen.id for user, screen in driver.screens if marker in rendered(screen)}
    assert shown_in == {
        views.APPOINTMENT,
        adviser_case.CASE,
        adviser_sharing.THREAD,
        adviser_sharing.REFERRAL_TEXT,
    }
    assert {user for user, screen in driver.screens if marker in rendered(screen)} == {ADVISER}


# --------------------------------------------------------------------------- own settings


def test_availability_editor_parses_windows_with_inline_errors(setup: Setup) -> None:
    driver = setup.driver
    form = driver.screen(ADVISER, ActionId.ADVISER_AVAILABILITY)
    assert form.id == adviser_settings.AVAILABILITY
    assert initial_text(form, "day0") == "09:00-17:00" and initial_text(form, "day5") is None
    assert initial_text(form, "slot") == "45"
    good = {f"day{d}": "" for d in range(7)} | {
        "slot": "60",
        "buffer": "10",
        "notice": "120",
        "horizon": "30",
    }

    errors = driver.send(
        ADVISER, form, good | {"day0": "9-12", "day1": "12:00-09:00", "day2": "09:00-12:00, 11:00-13:00"}
    ).errors
    assert errors.keys() == {"day0", "day1", "day2"}
    errors = driver.send(ADVISER, form, good | {"slot": "5", "buffer": "veel"}).errors
    assert errors.keys() == {"slot", "buffer"}

    panel = driver.next(ADVISER, form, good | {"day0": "9:00-12:00, 13.00-17:00", "day2": "10:00\u201312:00"})
    assert panel.id == views.PANEL
    with setup.world.make() as uow:
        view = advisers.my_availability(uow, setup.world.adviser)
        profile = advisers.my_profile(uow, setup.world.adviser)
    assert [(w.weekday, w.start, w.end) for w in view.windows] == [
        (0, "09:00", "12:00"),
        (0, "13:00", "17:00"),
        (2, "10:00", "12:00"),
    ]
    assert (profile.slot_minutes, profile.buffer_minutes, profile.horizon_days) == (60, 10, 30)


def test_absences_are_added_with_date_pickers_and_removed(setup: Setup) -> None:
    driver = setup.driver
    listing = driver.screen(ADVISER, ActionId.ADVISER_ABSENCES)
    assert listing.id == adviser_settings.ABSENCES
    form = driver.screen(ADVISER, ActionId.ADVISER_ABSENCE_ADD)
    assert driver.send(ADVISER, form, {"start": "2026-09-20", "end": "2026-09-14"}).errors.keys() == {"end"}
    assert driver.send(ADVISER, form, {"start": None, "end": "2026-09-14"}).errors.keys() == {"start"}
    assert driver.send(ADVISER, form, {"start": "2026-01-01", "end": "2026-01-02"}).errors.keys() == {"end"}
    listing = driver.next(ADVISER, form, {"start": "2026-09-14", "end": "2026-09-18"})
    assert listing.id == adviser_settings.ABSENCES
    with setup.world.make() as uow:
        (absence,) = advisers.my_availability(uow, setup.world.adviser).absences
    assert absence.starts_at.date() == date(2026, 9, 13)  # midnight in Amsterdam is 22:00Z
    assert (absence.ends_at - absence.starts_at).days == 5
    listing = driver.screen(ADVISER, ActionId.ADVISER_ABSENCE_REMOVE, absence.absence_id)
    with setup.world.make() as uow:
        assert advisers.my_availability(uow, setup.world.adviser).absences == ()


def test_profile_edits_with_clear_errors(setup: Setup) -> None:
    driver = setup.driver
    form = driver.screen(ADVISER, ActionId.ADVISER_PROFILE)
    assert form.id == adviser_settings.PROFILE and initial_text(form, "display_name") == "Anne de Vries"
    good = {
        "display_name": "Anne de Vries",
        "kind": "external",
        "languages": "nl, en",
        "intro": "Hoi",
        "location": "Kamer 1",
        "phone": "",
        "video_link": "https://meet.example.org/anne",
    }
    assert driver.send(ADVISER, form, good | {"phone": "bel me maar"}).errors.keys() == {"phone"}
    assert driver.send(ADVISER, form, good | {"video_link": "http://x.org"}).errors.keys() == {"video_link"}
    assert driver.send(ADVISER, form, good | {"languages": "Nederlands"}).errors.keys() == {"languages"}
    assert driver.send(ADVISER, form, good | {"display_name": " "}).errors.keys() == {"display_name"}
    panel = driver.next(ADVISER, form, good)
    assert panel.id == views.PANEL
    with setup.world.make() as uow:
        profile = advisers.my_profile(uow, setup.world.adviser)
    assert profile.is_external and profile.languages == ("nl", "en") and profile.phone == ""
    assert profile.video_link == "https://meet.example.org/anne"


# --------------------------------------------------------------------------- limits


def test_full_screens_stay_within_slack_limits() -> None:
    at = datetime(2026, 9, 7, 10, tzinfo=UTC)
    long = "x" * 5000
    ids = [f"{n:032x}" for n in range(200)]
    summaries = [
        CaseSummary(i, "VP-ABCD", "Merel 42", "open", False, False, at, None, (), at, 3) for i in ids
    ]
    appointments = [
        AdviserAppointment(
            i, at, at + timedelta(minutes=45), "video", "booked", i, "VP-ABCD", "Merel 42", True
        )
        for i in ids
    ]
    detail = CaseDetail(
        id=ids[0],
        reference="VP-ABCD",
        pseudonym="Merel 42",
        status="closed",
        anonymous=False,
        revealed=False,
        employee_person_id="p",
        legal_hold=False,
        opened_at=at,
        closed_at=at,
        purge_after=at,
        categories=CATEGORY_VALUES[:-1],
        notes=tuple(NoteView(i, long, at) for i in ids[:50]),
        threads=tuple(
            ThreadSummary(i, ids[0], "VP-ABCD", "Merel 42", "Anne", False, False, 9, 9, at) for i in ids
        ),
        referrals=tuple(ReferralSummary(i, "coach", "shared", at, at) for i in ids[:50]),
        disclosures=tuple(DisclosureView(i, "legal_duty", long, at, at) for i in ids[:50]),
        next_appointment_at=at,
    )
    thread = ThreadView(
        ids[0],
        ids[1],
        "VP-ABCD",
        "adviser",
        "Anne",
        "Merel 42",
        True,
        False,
        None,
        tuple(MessageView(i, "employee", False, "y" * 4000, at, None) for i in ids),
    )
    for screen in (
        views.adviser_panel(appointments, summaries, Msg("availability.saved")),
        views.closed_cases_screen(summaries),
        adviser_case.case_screen(detail, "Eva " * 100, Msg("case.note.saved")),
        adviser_sharing.thread_screen(thread, None, Msg("adviser.thread.sent")),
    ):
        assert len(screen.blocks) <= 100
        assert_renders(screen)
