"""The "My appointments and messages" overview, and the disclosures about the employee.

The overview shows times, names and statuses only; content (a message, a referral text, a
justification) appears one level deeper, in a screen the employee opens with a click (C2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from vpbot.services.booking import AppointmentView
from vpbot.services.cases import EmployeeDisclosure
from vpbot.services.checkins import CheckInView
from vpbot.services.referrals import ReferralStatusView
from vpbot.services.threads import ThreadSummary
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import ObjectRef, ObjectType
from vpbot.ui.options import REFERRAL_TYPE_VALUES
from vpbot.ui.screens import Block, Button, Buttons, ButtonStyle, Divider, Screen, Text
from vpbot.ui.text import Dynamic, Msg, When, WhenStyle
from vpbot.ui.views.employee_common import BlockBudget, dynamic_blocks, nav_row
from vpbot.ui.views.employee_threads import open_thread_button

__all__ = ["DISCLOSURES", "MINE", "Mine", "disclosures_screen", "mine_screen", "referral_type"]

MINE = "vpbot.employee.mine"
DISCLOSURES = "vpbot.employee.disclosures"

UPCOMING_MAX = 8
EARLIER_MAX = 3
THREADS_MAX = 8
REFERRALS_MAX = 6
CHECKINS_MAX = 4


@dataclass(frozen=True)
class Mine:
    """What the overview lists (service views, as they come)."""

    appointments: Sequence[AppointmentView]
    threads: Sequence[ThreadSummary]
    referrals: Sequence[ReferralStatusView]
    checkins: Sequence[CheckInView]
    disclosures: Sequence[EmployeeDisclosure]


def referral_type(kind: str) -> Msg:
    """The label of a referral's kind (``other`` for a kind this version does not know)."""
    return Msg(f"referral.type.{kind if kind in REFERRAL_TYPE_VALUES else 'other'}")


def _open(ref_type: ObjectType, object_id: str, label_key: str = "button.mine.open") -> Button:
    return Button(ActionId.OPEN_APP, label_key, value=ObjectRef(ref_type, object_id).token)


def _upcoming(view: AppointmentView) -> list[Block]:
    line = Text("mine.appointment.with", {
        "when": When(view.starts_at), "mode": Msg(f"mode.{view.mode}"), "adviser": Dynamic(view.adviser_name),
    })
    return [line, Buttons((
        _open(ObjectType.APPOINTMENT, view.appointment_id),
        Button(ActionId.APPOINTMENT_RESCHEDULE, "button.appointment.reschedule", value=view.appointment_id),
        Button(ActionId.APPOINTMENT_CANCEL, "button.appointment.cancel", value=view.appointment_id,
               style=ButtonStyle.DANGER),
    ))]


def _earlier(view: AppointmentView) -> Block:
    key = "mine.appointment.cancelled" if view.status == "cancelled" else "mine.appointment.line"
    return Text(key, {"when": When(view.starts_at), "mode": Msg(f"mode.{view.mode}")}, muted=True)


def _appointments(budget: BlockBudget, views: Sequence[AppointmentView]) -> None:
    budget.add(Text("mine.appointments.heading"))
    upcoming = [v for v in views if v.upcoming]
    if not upcoming:
        budget.add(Text("mine.appointments.none"))
    for view in upcoming[:UPCOMING_MAX]:
        budget.add(*_upcoming(view))
    earlier = [v for v in views if not v.upcoming][:EARLIER_MAX]
    if earlier:
        budget.add(Text("mine.appointments.earlier", muted=True), *(_earlier(v) for v in earlier))


def _thread(summary: ThreadSummary) -> list[Block]:
    params = {"adviser": Dynamic(summary.adviser_name)}
    if summary.last_message_at is None:
        line = Text("thread.with", params)
    else:
        line = Text("mine.thread.line", {**params, "when": When(summary.last_message_at)})
    blocks: list[Block] = [line]
    if summary.unread_count:
        blocks.append(Text("mine.thread.unread", {"count": summary.unread_count}, muted=True))
    return [*blocks, Buttons((open_thread_button(summary.id, "button.mine.open"),))]


def _threads(budget: BlockBudget, summaries: Sequence[ThreadSummary]) -> None:
    budget.add(Divider(), Text("mine.threads.heading"))
    if not summaries:
        budget.add(Text("mine.threads.none"))
    for summary in summaries[:THREADS_MAX]:
        budget.add(*_thread(summary))


def _referrals(budget: BlockBudget, views: Sequence[ReferralStatusView]) -> None:
    if not views:
        return
    budget.add(Divider(), Text("mine.referrals.heading"))
    for view in views[:REFERRALS_MAX]:
        line = Text("mine.referral.status", {
            "type": referral_type(view.kind), "status": Msg(f"referral.status.{view.status}"),
        })
        budget.add(line, Buttons((Button(ActionId.REFERRAL_OPEN, "button.referral.open", value=view.id),)))


def _checkins(budget: BlockBudget, views: Sequence[CheckInView]) -> None:
    if not views:
        return
    budget.add(Divider(), Text("mine.checkins.heading"))
    for view in views[-CHECKINS_MAX:]:
        line = Text("mine.checkin.line", {
            "when": When(view.due_at, WhenStyle.DATE), "status": Msg(f"checkin.status.{view.status}"),
        })
        if view.status == "scheduled":
            budget.add(line, Buttons((_open(ObjectType.CHECKIN, view.id),)))
        else:
            budget.add(line)


def _disclosures(budget: BlockBudget, disclosures: Sequence[EmployeeDisclosure]) -> None:
    if not disclosures:
        return
    budget.add(
        Divider(),
        Text("mine.disclosures.line", {"count": len(disclosures)}),
        Buttons((_open(ObjectType.DISCLOSURE, disclosures[0].id, "button.mine.disclosures"),)),
    )


def mine_screen(mine: Mine) -> Screen:
    """Appointments (open, reschedule, cancel), messages, referral offers, check-ins, disclosures."""
    budget = BlockBudget(reserve=1)
    _appointments(budget, mine.appointments)
    _threads(budget, mine.threads)
    _referrals(budget, mine.referrals)
    _checkins(budget, mine.checkins)
    _disclosures(budget, mine.disclosures)
    footer = nav_row(
        Button(ActionId.MENU_BOOK, "button.menu.book"), Button(ActionId.MENU_WRITE, "button.menu.write")
    )
    return Screen(MINE, "mine.title", budget.finish(footer), close_key="modal.close")


def _disclosure(disclosure: EmployeeDisclosure) -> list[Block]:
    line = Text("disclosure.employee.line", {
        "when": When(disclosure.recorded_at), "ground": Msg(f"disclosure.ground.{disclosure.reason}"),
    })
    return [line, *dynamic_blocks(disclosure.justification)]


def disclosures_screen(disclosures: Sequence[EmployeeDisclosure], first: str | None = None) -> Screen:
    """What the adviser recorded when breaking confidentiality, and why (C8); ``first`` on top."""
    ordered = sorted(disclosures, key=lambda d: d.id != first)  # stable: newest first otherwise
    budget = BlockBudget(reserve=2)
    budget.add(Text("disclosure.employee.intro"))
    shown = 0
    for disclosure in ordered:
        if not budget.add(Divider(), *_disclosure(disclosure)):
            break
        shown += 1
    tail: list[Block] = []
    if shown < len(ordered):
        tail.append(Text("data.more", {"count": len(ordered) - shown}, muted=True))
    tail.append(nav_row(Button(ActionId.MENU_MINE, "button.menu.mine")))
    return Screen(DISCLOSURES, "disclosures.title", budget.finish(*tail), close_key="modal.close")
