"""The whole Slack journey over real HTTP into ``vpbot serve``, with a canary in every field.

install (OAuth) -> the admin appoints an adviser -> the adviser opens their week and says how
they meet -> an employee books -> the adviser is notified -> opens the case -> a note, the
thread both ways, a referral the employee agrees to share, a disclosure record -> close with
aftercare -> the check-in is answered -> uninstall.

Every free-text field gets a random marker. A marker may travel only in a modal shown to a
person allowed to read it (``views.open/push/update`` for their click, or the
``response_action`` answer to their own submit) — never in ``chat.postMessage``,
``views.publish`` or any other Web API call, never in the server's DEBUG log, never in the
database (SQLite file and WAL, or every row on PostgreSQL).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row, select
from sqlalchemy.sql import Executable

from plugins.slack.render import Renderer
from tests.support.employee_flows import canary
from tests.support.slack_oauth import Grant, OAuthWorld, SlackPerson, bearer, install, oauth_world, sqlite_bytes
from tests.support.slack_requests import SlackSender
from tests.support.slack_setup import VIDEO_LINK, appoint_adviser, offer_modes, open_week
from tests.support.slack_ui import MODAL_METHODS, SlackUser, ViewLog, Workspace
from tests.support.teams_world import database_text
from vpbot.storage.db import make_engine
from vpbot.storage.models import Case, CheckIn, Installation, OutboxItem, Tenant
from vpbot.ui.actions import ActionId
from vpbot.ui.screens import Button
from vpbot.ui.views import adviser as adviser_views
from vpbot.ui.views import adviser_case, adviser_sharing, employee_booking, employee_checkins
from vpbot.ui.views import employee_mine, employee_referrals, employee_threads
from vpbot.ui.views.home import HOME

TEAM = "T0JOURNEY1"
ADMIN, ADVISER, EMPLOYEE = "U0ADMIN001", "U0ADVISER1", "U0EMPLOYEE"
ADVISER_NAME = "Anne de Vries"


@pytest.fixture
def world(tmp_path: Path, db_url: str) -> Iterator[OAuthWorld]:
    with oauth_world(tmp_path, db_url) as running:
        yield running


class Canaries:
    """Markers typed into free-text fields, and who may read each."""

    def __init__(self) -> None:
        self.readers: dict[str, set[str]] = {}

    def new(self, what: str, *readers: str) -> str:
        marker = f"{canary()}-{what}"
        self.readers[marker] = set(readers)
        return marker


def rows(world: OAuthWorld, query: Executable) -> Sequence[Row[Any]]:
    engine = make_engine(world.db_url)
    try:
        with engine.connect() as connection:
            return connection.execute(query).all()
    finally:
        engine.dispose()


def direct_message(world: OAuthWorld, user: str, ref_prefix: str, timeout: float = 10.0) -> list[dict[str, Any]]:
    """The blocks of the DM to ``user`` whose button opens a ``ref_prefix…`` object.

    The dispatcher's ticker inside ``vpbot serve`` (every 2 s) posts it with the bot token.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for post in world.api.calls_to("chat.postMessage"):
            params = post.params
            blocks = params.get("blocks") or []
            blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
            values = [e.get("value", "") for b in blocks for e in b.get("elements", []) if b.get("type") == "actions"]
            if params.get("channel") == user and any(str(v).startswith(ref_prefix) for v in values):
                assert bearer(post) in world.accounts.bot_tokens
                return list(blocks)
        time.sleep(0.05)
    raise AssertionError(f"no DM to {user} about {ref_prefix}")


def wait_until(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_the_whole_journey_keeps_every_word_with_the_people_it_belongs_to(world: OAuthWorld) -> None:
    api, accounts = world.api, world.accounts
    views = ViewLog(api)
    accounts.people.update({
        ADMIN: SlackPerson("Ada Beheer", is_admin=True),
        ADVISER: SlackPerson(ADVISER_NAME, is_admin=False),
        EMPLOYEE: SlackPerson("Eva Werknemer"),
    })
    marks = Canaries()
    both = (EMPLOYEE, ADVISER)

    # -- install: the installer is the tenant's first admin --------------------------------
    install(world.base_url, accounts, Grant(installer=ADMIN, team_id=TEAM))
    sender = SlackSender(world.base_url, team_id=TEAM)
    here = Workspace(TEAM)
    admin, adviser, employee = (SlackUser(sender, api, views, u, here) for u in (ADMIN, ADVISER, EMPLOYEE))

    # -- the admin appoints the adviser with the user picker -------------------------------
    appoint_adviser(admin, ADVISER)
    asked = [c.params.get("user") for c in api.calls_to("users.info")]
    assert ADVISER in asked  # looked up (is_admin=false: no conflict-of-interest warning)

    # -- the adviser opens their week and says how they meet -------------------------------
    open_week(adviser)
    offer_modes(adviser, ADVISER_NAME, intro="Ik luister, oordeel niet en help je verder.")

    # -- the employee books ----------------------------------------------------------------
    note = marks.new("booking-note", *both)
    typed = marks.new("command-text")  # typed after the command: never echoed or stored (C3)
    assert employee.command(f"ik word gepest {typed}")["callback_id"] == HOME
    assert employee.click(ActionId.MENU_BOOK)["callback_id"] == employee_booking.ADVISER
    employee.submit()  # "first available" is chosen already
    assert employee.callback_id == employee_booking.SLOTS
    # The last time shown, not the first: the server's clock is real, and the first time can
    # fall inside the notice period between showing and booking.
    later = employee.button(ActionId.SLOT_PICK, last=True)["value"]
    assert employee.click(ActionId.SLOT_PICK, later)["callback_id"] == employee_booking.FORM
    assert ADVISER_NAME in employee.text()
    employee.submit({"mode": "video", "category": "bullying", "note": note})
    assert employee.errors == {}
    assert employee.callback_id == employee_booking.BOOKED  # the confirmation, in the modal
    assert VIDEO_LINK in employee.text() and note not in employee.text()

    # -- the adviser is notified (a content-free DM) and opens the appointment and the case --
    requested = rows(world, select(OutboxItem.id).where(OutboxItem.kind == "appointment_requested"))
    assert len(requested) == 1
    blocks = direct_message(world, ADVISER, "appointment:")
    assert adviser.click_message(blocks, ActionId.OPEN_APP)["callback_id"] == adviser_views.APPOINTMENT
    assert note in adviser.text() and "Eva Werknemer" in adviser.text()
    assert adviser.click(ActionId.ADVISER_OPEN_CASE)["callback_id"] == adviser_case.CASE
    case_id = adviser.metadata["case"]

    # A note only the adviser reads.
    own_note = marks.new("adviser-note", ADVISER)
    assert adviser.click(ActionId.ADVISER_ADD_NOTE)["callback_id"] == adviser_case.NOTE
    adviser.submit({"note": own_note})
    assert adviser.callback_id == adviser_case.CASE and own_note in adviser.text()

    # -- the thread, both ways (and a message typed into the bot's DM: a neutral reply) ---
    chatted = marks.new("dm-text")
    sender.event({"type": "message", "channel_type": "im", "channel": "D0EMP", "user": EMPLOYEE,
                  "text": f"hallo? {chatted}", "ts": "1700000001.000100"})
    assert wait_until(lambda: any(c.params.get("channel") == "D0EMP" for c in api.calls_to("chat.postMessage")))
    first = marks.new("employee-message", *both)
    employee.command()
    assert employee.click(ActionId.MENU_WRITE)["callback_id"] == employee_threads.WRITE
    employee.submit({"body": first})
    assert employee.callback_id == employee_threads.SENT

    reopen_case(adviser, case_id)
    assert adviser.click(ActionId.ADVISER_OPEN_THREAD)["callback_id"] == adviser_sharing.THREAD
    assert first in adviser.text()
    answer = marks.new("adviser-reply", *both)
    adviser.submit({"reply": answer})
    assert adviser.callback_id == adviser_sharing.THREAD and answer in adviser.text()

    employee.command()
    assert employee.click(ActionId.MENU_MINE)["callback_id"] == employee_mine.MINE
    thread_button = next(b for b in employee.buttons() if str(b.get("value", "")).startswith("thread:"))
    assert employee.click(thread_button["action_id"], thread_button["value"])["callback_id"] == employee_threads.THREAD
    assert answer in employee.text() and first in employee.text()
    again = marks.new("employee-reply", *both)
    assert employee.click(ActionId.THREAD_REPLY)["callback_id"] == employee_threads.REPLY
    employee.submit({"body": again})
    assert employee.callback_id == employee_threads.THREAD and again in employee.text()

    # -- a referral the employee agrees to share -------------------------------------------
    share = marks.new("referral-text", *both)
    reopen_case(adviser, case_id)
    assert adviser.click(ActionId.ADVISER_PROPOSE_REFERRAL)["callback_id"] == adviser_sharing.REFERRAL
    target = adviser.inputs()["target"]["element"]["options"][0]["value"]
    adviser.submit({"target": target, "share_text": share})
    assert adviser.errors == {} and adviser.callback_id == adviser_case.CASE

    blocks = direct_message(world, EMPLOYEE, "referral:")  # "there is a proposal", no more
    assert employee.click_message(blocks, ActionId.OPEN_APP)["callback_id"] == employee_referrals.REFERRAL
    assert share in employee.text()  # they see what would be shared before they agree
    employee.submit({"choice": "share"})
    assert employee.callback_id == employee_referrals.DECIDED

    reopen_case(adviser, case_id)  # fresh from the panel: the referral is shared now
    assert adviser.click(ActionId.ADVISER_REFERRAL_TEXT)["callback_id"] == adviser_sharing.REFERRAL_TEXT
    assert share in adviser.text()

    # -- a disclosure record (rare; the employee is told) -----------------------------------
    why = marks.new("disclosure-justification", *both)
    reopen_case(adviser, case_id)
    assert adviser.click(ActionId.ADVISER_RECORD_DISCLOSURE)["callback_id"] == adviser_sharing.DISCLOSURE
    ground = adviser.inputs()["ground"]["element"]["options"][0]["value"]
    adviser.submit({"ground": ground, "justification": why})
    assert adviser.errors == {} and adviser.callback_id == adviser_case.CASE

    # -- close with aftercare ----------------------------------------------------------------
    assert adviser.click(ActionId.ADVISER_CLOSE_CASE)["callback_id"] == adviser_case.CLOSE
    adviser.submit({"weeks": "2, 6, 12"})
    assert adviser.errors == {} and adviser.callback_id == adviser_case.CLOSED
    checkins = rows(world, select(CheckIn.id, CheckIn.status).where(CheckIn.case_id == case_id)
                    .order_by(CheckIn.due_at))
    assert len(checkins) == 3
    assert rows(world, select(Case.status).where(Case.id == case_id))[0].status == "closed"

    # -- the check-in is answered with the notification's button ------------------------------
    # (the server's clock is real, so the first check-in is weeks away: the button is clicked
    # as the checkin_due message will carry it)
    checkin_due = Renderer("nl", "Europe/Amsterdam").chat("", [
        Button(action, label, value=f"checkin:{checkins[0].id}") for action, label in (
            (ActionId.CHECKIN_GOOD, "button.checkin.good"), (ActionId.CHECKIN_TALK, "button.checkin.talk"))])
    assert employee.click_message(checkin_due, ActionId.CHECKIN_GOOD)["callback_id"] == employee_checkins.ANSWERED
    answered = rows(world, select(CheckIn.answer).where(CheckIn.id == checkins[0].id))
    assert answered[0].answer == "good"

    # The App Home tabs, with all of that behind them, are published (without content: below).
    for person in (ADVISER, EMPLOYEE):
        sender.event({"type": "app_home_opened", "user": person, "channel": "D0HOME", "tab": "home"})
    published = api.wait_for("views.publish", 2)
    assert {c.params.get("user_id") for c in published} >= {ADVISER, EMPLOYEE}

    # -- uninstall: tokens gone at once, the tenant uninstalled; Slack's retry is harmless ---
    event = {"type": "app_uninstalled"}
    assert sender.event(event, event_id="Ev0UNINSTALL").status_code == 200
    assert sender.event(event, event_id="Ev0UNINSTALL", timestamp=int(time.time()) + 1).status_code == 200
    # Bolt runs event listeners after the 200 (Slack wants events acknowledged at once): wait.
    assert wait_until(lambda: rows(world, select(Installation.id).where(Installation.team_id == TEAM)) == [])
    assert wait_until(
        lambda: rows(world, select(Tenant.status).where(Tenant.external_id == TEAM))[0].status == "uninstalled"
    )
    before = len(views.modal_calls())
    assert sender.command(EMPLOYEE).status_code < 500
    time.sleep(0.3)
    assert len(views.modal_calls()) == before  # nothing answers for an uninstalled workspace

    # -- the canary ----------------------------------------------------------------------------
    assert api.view_errors == []
    people = {p.user_id: p for p in (admin, adviser, employee)}
    for marker, readers in marks.readers.items():
        shown_to = {user for user, person in people.items() if person.has_seen(marker)}
        assert shown_to <= readers and (shown_to or not readers), (marker, shown_to)
    for call in api.calls:
        body = call.body.decode("utf-8", "replace") + call.path
        for marker, readers in marks.readers.items():
            if marker in body:
                method = api.method(call)
                assert method in MODAL_METHODS, f"{marker} sent in {method}"
                assert views.owner(call) in readers, f"{marker} shown to {views.owner(call)}"
    stored = database_text_of(world) + sqlite_bytes(world.db_url).decode("latin-1")
    code, log = world.server.stop()
    assert code == 0
    assert "DEBUG" in log  # the log really was at DEBUG
    stored += sqlite_bytes(world.db_url).decode("latin-1")  # after the final checkpoint too
    for marker in marks.readers:
        assert marker not in log, f"{marker} in the server log"
        assert marker not in stored, f"{marker} in the database"


def reopen_case(adviser: SlackUser, case_id: str) -> None:
    """From wherever the adviser is: their panel (back button, or the command), then the case."""
    if any(b["action_id"] == ActionId.ADVISER_HOME for b in adviser.buttons()):
        assert adviser.click(ActionId.ADVISER_HOME)["callback_id"] == adviser_views.PANEL
    else:
        assert adviser.command("adviseur")["callback_id"] == adviser_views.PANEL
    assert adviser.click(ActionId.ADVISER_OPEN_CASE, case_id)["callback_id"] == adviser_case.CASE


def database_text_of(world: OAuthWorld) -> str:
    engine = make_engine(world.db_url)
    try:
        return database_text(engine)
    finally:
        engine.dispose()
