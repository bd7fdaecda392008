"""The canary: a full journey on Slack and on Teams, on SQLite and PostgreSQL, with a random
marker typed into every confidential free-text field. No marker may appear

- in any call vpbot made to the fake Slack Web API, except the ``views.open/push/update``
  modals of a person allowed to read that text (C2: content only on demand);
- in any call to the fake Bot Connector, without exception (Teams dialogs are invoke
  responses, never connector calls);
- in any log line of the server, run at DEBUG with the SDK loggers at DEBUG too (C6);
- in the SQLite file or its WAL (raw bytes), or in a ``pg_dump`` of the schema (C4).

The journey goes through the real HTTP entry points of a running ``vpbot serve``: an admin
appoints the adviser, the adviser sets up a profile and availability, the employee books
with a note and writes, the adviser reads, notes, replies, proposes a referral, records a
disclosure and closes the case; the employee consents, replies and reads what was said.
The adviser's public profile (name, intro) is not confidential and carries no marker.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from tests.support.both_platforms import BothPlatforms, serve_both_platforms
from tests.support.canary_ui import VIEW_CALLS, SlackUI, TeamsPerson, TeamsUI
from vpbot.storage.db import make_engine
from vpbot.storage.models import OutboxItem, Tenant
from vpbot.ui.actions import ActionId as A

ADMIN, ADVISER, EMPLOYEE = "admin", "adviser", "employee"
FIELDS = ("booking_note", "employee_message", "case_note", "adviser_reply", "share_text", "employee_reply",
          "justification", "chat_text", "command_text")
# What each person may be shown: the employee everything but the adviser's own case notes,
# the adviser everything in their case, the admin nothing at all. Text typed into the chat
# or after the command is never shown to anyone.
ALLOWED = {
    EMPLOYEE: {"booking_note", "employee_message", "adviser_reply", "share_text", "employee_reply", "justification"},
    ADVISER: {"booking_note", "employee_message", "case_note", "adviser_reply", "share_text", "employee_reply",
              "justification"},
    ADMIN: set(),
}


def markers() -> dict[str, str]:
    return {name: f"CANARY{secrets.token_hex(6)}{name.upper()}" for name in FIELDS}


class UI(Protocol):
    def home(self, user: str, text: str = "") -> None: ...
    def click(self, user: str, action_id: str, value: str | None = None, *, in_modal: bool = True) -> None: ...
    def submit(self, user: str, values: dict[str, object]) -> None: ...
    def buttons(self, user: str) -> list[tuple[str, str | None]]: ...
    def options(self, user: str, field_id: str) -> list[str]: ...
    def screen_id(self, user: str) -> str | None: ...
    def text(self, user: str) -> str: ...


def value_of(ui: UI, user: str, action: str, *, last: bool = False) -> str | None:
    """The value of the first (or ``last``) button ``action`` on the person's screen."""
    found = [value for action_id, value in ui.buttons(user) if action_id == action]
    assert found, f"{user}: no {action} on {ui.screen_id(user)}: {ui.buttons(user)}"
    return found[-1] if last else found[0]


def journey(ui: UI, users: dict[str, str], m: dict[str, str], adviser_pick: str) -> None:
    """The whole scenario; ``users`` maps roles to platform user ids."""
    admin, adviser, employee = users[ADMIN], users[ADVISER], users[EMPLOYEE]

    # The admin appoints the adviser (the command's text is ignored, except its first word).
    ui.home(admin, f"admin {m['command_text']}")
    ui.click(admin, A.ADMIN_ADVISERS)
    ui.click(admin, A.ADMIN_ADVISER_ADD)
    ui.submit(admin, {"user": adviser_pick, "name": "Anne de Vries"})

    # The adviser: a public profile (no marker: it is not confidential) and availability.
    ui.home(adviser, "adviser")
    ui.click(adviser, A.ADVISER_PROFILE)
    ui.submit(adviser, {"languages": "nl, en", "intro": "Ik luister.", "video_link": "https://meet.example.org/vp"})
    ui.click(adviser, A.ADVISER_AVAILABILITY)
    ui.submit(adviser, {f"day{day}": "00:00-23:45" for day in range(7)})

    # The employee books with a note, then writes a message.
    ui.home(employee, m["command_text"])
    ui.click(employee, A.MENU_BOOK)
    ui.submit(employee, {"adviser": ui.options(employee, "adviser")[-1]})
    # The last time shown: the server's clock is real, and the first time can fall inside
    # the notice period between showing it and booking it.
    ui.click(employee, A.SLOT_PICK, value_of(ui, employee, A.SLOT_PICK, last=True))
    ui.submit(employee, {"mode": "video", "category": "bullying", "note": m["booking_note"]})
    assert ui.screen_id(employee) == "vpbot.employee.booking.done"
    ui.click(employee, A.OPEN_APP)
    ui.click(employee, A.MENU_WRITE)
    ui.submit(employee, {"adviser": "any", "body": m["employee_message"]})
    thread_ref = value_of(ui, employee, A.OPEN_THREAD)

    # The adviser opens the case: a note, a reply in the thread, a referral proposal.
    ui.home(adviser, "adviser")
    case_id = value_of(ui, adviser, A.ADVISER_OPEN_CASE)
    ui.click(adviser, A.ADVISER_OPEN_APPOINTMENT, value_of(ui, adviser, A.ADVISER_OPEN_APPOINTMENT))
    assert m["booking_note"] in ui.text(adviser)
    ui.click(adviser, A.ADVISER_OPEN_CASE, case_id)
    ui.click(adviser, A.ADVISER_ADD_NOTE, case_id)
    ui.submit(adviser, {"note": m["case_note"]})
    ui.click(adviser, A.ADVISER_OPEN_THREAD)
    assert m["employee_message"] in ui.text(adviser)
    ui.submit(adviser, {"reply": m["adviser_reply"]})
    ui.click(adviser, A.ADVISER_OPEN_CASE, case_id)
    ui.click(adviser, A.ADVISER_PROPOSE_REFERRAL, case_id)
    ui.submit(adviser, {"target": ui.options(adviser, "target")[0], "share_text": m["share_text"]})

    # The employee reads the reply, answers, and agrees to share the referral text.
    ui.click(employee, A.OPEN_THREAD, thread_ref, in_modal=False)
    assert m["adviser_reply"] in ui.text(employee)
    ui.click(employee, A.THREAD_REPLY)
    ui.submit(employee, {"body": m["employee_reply"]})
    ui.home(employee)
    ui.click(employee, A.MENU_MINE)
    ui.click(employee, A.REFERRAL_OPEN, value_of(ui, employee, A.REFERRAL_OPEN))
    assert m["share_text"] in ui.text(employee)
    ui.submit(employee, {"choice": "share"})

    # The adviser reads the shared text, records a disclosure, and closes the case.
    ui.home(adviser, "adviser")
    ui.click(adviser, A.ADVISER_OPEN_CASE, case_id)
    ui.click(adviser, A.ADVISER_REFERRAL_TEXT, value_of(ui, adviser, A.ADVISER_REFERRAL_TEXT))
    assert m["share_text"] in ui.text(adviser)
    ui.click(adviser, A.ADVISER_OPEN_CASE, case_id)
    ui.click(adviser, A.ADVISER_RECORD_DISCLOSURE, case_id)
    ui.submit(adviser, {"ground": ui.options(adviser, "ground")[0], "justification": m["justification"]})
    ui.click(adviser, A.ADVISER_CLOSE_CASE, case_id)
    ui.submit(adviser, {"weeks": "2, 6"})

    # The employee sees their thread again (with everything said in it).
    ui.home(employee)
    ui.click(employee, A.MENU_MINE)


# --------------------------------------------------------------------------- where to look


@dataclass
class Stored:
    """Where the database keeps its bytes."""

    db_url: str
    directory: Path

    def sqlite_bytes(self) -> bytes:
        """The SQLite file and its WAL / shared memory, raw."""
        path = Path(make_url(self.db_url).database or "")
        return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal"),
                                                 path.with_name(path.name + "-shm")) if p.exists())

    def pg_dump(self) -> bytes:
        """A plain-text ``pg_dump`` of the test schema (bytea shows as hex)."""
        url = make_url(self.db_url)
        schema = str(url.query["options"]).split("search_path=", 1)[1]
        libpq = url.set(drivername="postgresql").difference_update_query(["options"])
        result = subprocess.run(
            [pg_dump_binary() or "pg_dump", "-n", schema, "--no-owner",
             libpq.render_as_string(hide_password=False)],
            capture_output=True, timeout=120, check=False,
            env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
        )
        assert result.returncode == 0, result.stderr.decode(errors="replace")
        assert b"CREATE TABLE" in result.stdout and b"COPY " in result.stdout
        return result.stdout


def pg_dump_binary() -> str | None:
    for candidate in (shutil.which("pg_dump"), "/usr/bin/pg_dump", "/usr/lib/postgresql/15/bin/pg_dump"):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def assert_nowhere(haystack: bytes | str, m: dict[str, str], where: str) -> None:
    data = haystack.encode("utf-8", "replace") if isinstance(haystack, str) else haystack
    leaks = []
    for name, marker in m.items():
        for form in (marker.encode(), marker.encode().hex().encode()):
            if form in data:
                lines = [line[:160] for line in data.decode("utf-8", "replace").splitlines() if form.decode() in line]
                leaks.append(f"the {name} marker leaked into {where}: " + " | ".join(lines[:3]))
    assert not leaks, "\n".join(leaks)


def wait_for_notifications(world: BothPlatforms, platform: str, timeout: float = 15) -> None:
    """Let the embedded dispatcher send what fell due for ``platform`` (it ticks every 2 s)."""
    if platform == "slack" and importlib.util.find_spec("plugins.slack.sender") is None:
        world.quiesce(quiet=0.5)  # no Slack sender yet: Slack notifications stay in the outbox
        return
    engine = make_engine(world.db_url)
    due = (select(OutboxItem.due_at).join(Tenant, Tenant.id == OutboxItem.tenant_id)
           .where(Tenant.platform == platform, OutboxItem.status == "pending"))
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                now = datetime.now(timezone.utc).replace(tzinfo=None)
                waiting = [d for d in connection.execute(due).scalars() if d.replace(tzinfo=None) <= now]
            if not waiting:
                break
            time.sleep(0.3)
        else:
            raise AssertionError(f"{len(waiting)} {platform} notifications were not sent")
    finally:
        engine.dispose()
    world.quiesce(quiet=0.5)


@pytest.fixture
def world(tmp_path: Path, db_url: str) -> Iterator[BothPlatforms]:
    if db_url.startswith("postgresql") and pg_dump_binary() is None:
        pytest.skip("pg_dump not found (apt-get install postgresql-client): the PostgreSQL canary needs it")
    with serve_both_platforms(tmp_path, db_url, log_level="DEBUG", sdk_log_level="DEBUG") as running:
        yield running


def check_storage(world: BothPlatforms, tmp_path: Path, m: dict[str, str]) -> None:
    # The journey did store every kind of content (encrypted), so "not found" means something.
    counts = world.row_counts()
    for table, at_least in (("appointments", 1), ("thread_messages", 3), ("case_notes", 1), ("referrals", 1),
                            ("disclosures", 1), ("checkins", 2)):
        assert counts[table] >= at_least, (table, counts[table])
    stored = Stored(world.db_url, tmp_path)
    if world.db_url.startswith("sqlite"):
        assert_nowhere(stored.sqlite_bytes(), m, "the SQLite file or its WAL")
    else:
        assert_nowhere(stored.pg_dump(), m, "pg_dump")


# --------------------------------------------------------------------------- Slack


def test_slack_journey_leaks_no_marker(world: BothPlatforms, tmp_path: Path) -> None:
    m = markers()
    users = {ADMIN: "U0CADMIN", ADVISER: "U0CADVISER", EMPLOYEE: "U0CEMPLOYEE"}
    ui = SlackUI(world.slack_api, world.slack, admins=frozenset({users[ADMIN]}),
                 names={users[ADVISER]: "Anne de Vries", users[EMPLOYEE]: "Eva Werknemer", users[ADMIN]: "Ad Min"})
    journey(ui, users, m, adviser_pick=users[ADVISER])
    # Free text typed to the bot in a DM: a neutral reply, never stored or echoed.
    event = {"type": "message", "channel_type": "im", "channel": "D0CANARY", "user": users[EMPLOYEE],
             "text": f"help {m['chat_text']}", "ts": "1.2"}
    assert world.slack.event(event).status_code == 200
    wait_for_notifications(world, "slack")

    role_of = {user: role for role, user in users.items()}
    for call in world.slack_api.calls:
        method = world.slack_api.method(call)
        body = call.body.decode("utf-8", "replace")
        if method in VIEW_CALLS:
            owner = ui.owner_of(call)
            assert owner is not None, f"a {method} call for nobody we know"
            allowed = ALLOWED[role_of[owner]]
            assert_nowhere(body, {k: v for k, v in m.items() if k not in allowed}, f"{method} for the {role_of[owner]}")
        else:
            assert_nowhere(body, m, f"the Slack API call {method}")
    for role, user in users.items():
        assert_nowhere("\n".join(ui.shown[user]), {k: v for k, v in m.items() if k not in ALLOWED[role]},
                       f"what the {role} was shown")
    assert world.slack_api.view_errors == []
    assert world.connector.calls == []
    check_storage(world, tmp_path, m)
    code, log = world.server.stop()
    assert code == 0
    assert "DEBUG slack_sdk" in log and "DEBUG slack_bolt" in log, "the SDK loggers did not run at DEBUG"
    assert "[body withheld]" in log
    assert_nowhere(log, m, "the server log")
    check_storage(world, tmp_path, m)  # after shutdown: the WAL is checkpointed into the file


# --------------------------------------------------------------------------- Teams


TEAMS_PEOPLE = {
    ADMIN: TeamsPerson("00000000-0000-4000-8000-0000000000a1", "Ad Min"),
    ADVISER: TeamsPerson("00000000-0000-4000-8000-0000000000a2", "Anne de Vries"),
    EMPLOYEE: TeamsPerson("00000000-0000-4000-8000-0000000000a3", "Eva Werknemer"),
}


def test_teams_journey_leaks_no_marker(world: BothPlatforms, tmp_path: Path) -> None:
    m = markers()
    ui = TeamsUI(world.teams, {role: person for role, person in TEAMS_PEOPLE.items()})
    for role in (ADMIN, ADVISER, EMPLOYEE):  # the first to install becomes the tenant's admin
        ui.install(role)
    ui.chat(EMPLOYEE, f"help {m['chat_text']}")
    journey(ui, {role: role for role in TEAMS_PEOPLE}, m, adviser_pick=TEAMS_PEOPLE[ADVISER].aad)
    wait_for_notifications(world, "teams")

    posted = world.connector.activities()
    assert len(posted) >= 4, "expected welcome cards, a neutral reply and notifications"
    for call in world.connector.calls:
        assert_nowhere(call.body, m, f"the Bot Connector call {call.method} {call.path.split('/v3/')[-1][:20]}")
    for role in TEAMS_PEOPLE:
        assert_nowhere("\n".join(ui.shown[role]), {k: v for k, v in m.items() if k not in ALLOWED[role]},
                       f"what the {role} was shown")
    for call in world.slack_api.calls:  # Slack is configured too; whatever it was told is marker-free
        assert_nowhere(call.body, m, f"the Slack API call {world.slack_api.method(call)}")
    check_storage(world, tmp_path, m)
    code, log = world.server.stop()
    assert code == 0
    assert "DEBUG" in log
    assert_nowhere(log, m, "the server log")
    check_storage(world, tmp_path, m)
