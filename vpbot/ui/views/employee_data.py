"""The "My data" screens: everything vpbot stores about the employee, and deleting it.

The export fits in one modal (at most 100 blocks): counts of everything first, then the
latest items of each kind with their full text; what does not fit is counted ("and 4
earlier ones"). Only the person themself opens this screen (C2).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar

from vpbot.services.cases import EmployeeDisclosure
from vpbot.services.checkins import CheckInView
from vpbot.services.data_rights import (
    AdviserNoteData,
    AppointmentData,
    CaseData,
    DeletionReport,
    MessageData,
    MyData,
)
from vpbot.services.referrals import ReferralOffer
from vpbot.ui.actions import ActionId
from vpbot.ui.screens import Block, Button, Buttons, ButtonStyle, Checkboxes, Divider, Option, Screen, Text
from vpbot.ui.text import Dynamic, Msg, When, WhenStyle
from vpbot.ui.views.employee_common import BlockBudget, dynamic_blocks, nav_row
from vpbot.ui.views.employee_mine import referral_type

__all__ = ["CONFIRM", "DATA", "DELETE", "DELETED", "data_screen", "delete_confirm_screen", "deleted_screen"]

DATA = "vpbot.employee.data"
DELETE = "vpbot.employee.data.delete"
DELETED = "vpbot.employee.data.deleted"
CONFIRM = "yes"  # the value of the explicit confirmation checkbox

# Per kind, at most this many latest items are shown in full.
LATEST = {"cases": 5, "appointments": 5, "messages": 10, "referrals": 3, "disclosures": 3, "notes": 3,
          "checkins": 5}

T = TypeVar("T")


def _profile(data: MyData) -> list[Block]:
    person = data.person
    blocks: list[Block] = [
        Text("data.profile", {
            "date": When(person.created_at, WhenStyle.DATE), "language": Msg(f"language.{person.locale}"),
            "timezone": Dynamic(person.timezone),
        }),
        Text("data.account", {"id": Dynamic(person.platform_user_id)}, muted=True),
    ]
    if person.display_name:
        blocks.insert(1, Text("data.name", {"name": Dynamic(person.display_name)}))
    return blocks


def _counts(data: MyData) -> list[Block]:
    messages = sum(len(t.messages) for t in data.threads)
    counted = (
        ("data.cases", len(data.cases)), ("data.appointments", len(data.appointments)),
        ("data.threads", len(data.threads)), ("data.messages", messages),
        ("data.referrals", len(data.referrals)), ("data.checkins", len(data.checkins)),
        ("data.disclosures", len(data.disclosures)), ("data.adviser_notes", len(data.adviser_notes)),
        ("data.notifications", len(data.notifications)), ("data.activity", len(data.activity)),
    )
    return [Text(key, {"count": count}, muted=True) for key, count in counted]


def _case(case: CaseData) -> list[Block]:
    params = {"ref": Dynamic(case.reference), "adviser": Dynamic(case.adviser_name)}
    if case.closed_at is not None and case.purge_after is not None:
        line = Text("data.case.closed", {**params, "date": When(case.closed_at, WhenStyle.DATE),
                                         "purge": When(case.purge_after, WhenStyle.DATE)})
    else:
        line = Text("data.case.open", {**params, "date": When(case.opened_at, WhenStyle.DATE)})
    return [line, Text("data.case.hold", muted=True)] if case.legal_hold else [line]


def _appointment(appointment: AppointmentData) -> list[Block]:
    line = Text("data.appointment.line", {
        "when": When(appointment.starts_at), "mode": Msg(f"mode.{appointment.mode}"),
        "adviser": Dynamic(appointment.adviser_name), "status": Msg(f"appointment.status.{appointment.status}"),
    })
    return [line, *dynamic_blocks(appointment.note or "", muted=True)]


def _message(message: MessageData) -> list[Block]:
    key = "thread.from_you" if message.sender == "employee" else "data.message.adviser"
    return [Text(key, {"when": When(message.created_at)}, muted=True), *dynamic_blocks(message.text)]


def _referral(offer: ReferralOffer) -> list[Block]:
    line = Text("mine.referral.status", {
        "type": referral_type(offer.kind), "status": Msg(f"referral.status.{offer.status}"),
    })
    return [line, *dynamic_blocks(offer.share_text, muted=True)]


def _disclosure(disclosure: EmployeeDisclosure) -> list[Block]:
    line = Text("disclosure.employee.line", {
        "when": When(disclosure.recorded_at), "ground": Msg(f"disclosure.ground.{disclosure.reason}"),
    })
    return [line, *dynamic_blocks(disclosure.justification)]


def _note(note: AdviserNoteData) -> list[Block]:
    return [Text("data.note.line", {"when": When(note.created_at)}, muted=True), *dynamic_blocks(note.text)]


def _checkin(checkin: CheckInView) -> list[Block]:
    return [Text("mine.checkin.line", {
        "when": When(checkin.due_at, WhenStyle.DATE), "status": Msg(f"checkin.status.{checkin.status}"),
    })]


def _section(
    budget: BlockBudget, heading: Sequence[Block], newest_first: Sequence[T], limit: int,
    render: Callable[[T], list[Block]],
) -> None:
    """A heading and the latest items that fit; the rest counted ("and N earlier ones")."""
    if not newest_first or not budget.add(Divider(), *heading):
        return
    shown = 0
    for item in newest_first[:limit]:
        blocks = render(item)
        if not budget.fits(len(blocks) + 1):  # keep room for the "and N earlier" line
            break
        budget.add(*blocks)
        shown += 1
    if shown < len(newest_first):
        budget.add(Text("data.more", {"count": len(newest_first) - shown}, muted=True))


def _newest(items: Sequence[T], key: Callable[[T], datetime]) -> list[T]:
    return sorted(items, key=key, reverse=True)


def data_screen(data: MyData) -> Screen:
    """Everything stored about the person: counts, then the latest items in full."""
    budget = BlockBudget(reserve=1)
    budget.add(Text("data.intro"), *_profile(data), *_counts(data))
    if not (data.cases or data.appointments or data.threads or data.referrals or data.checkins):
        budget.add(Text("data.empty"))
    messages = [m for t in data.threads for m in t.messages]
    _section(budget, [Text("data.section.cases")], _newest(data.cases, lambda c: c.opened_at),
             LATEST["cases"], _case)
    _section(budget, [Text("data.section.appointments")], _newest(data.appointments, lambda a: a.starts_at),
             LATEST["appointments"], _appointment)
    _section(budget, [Text("data.section.messages")], _newest(messages, lambda m: m.created_at),
             LATEST["messages"], _message)
    _section(budget, [Text("data.section.referrals")], _newest(data.referrals, lambda r: r.proposed_at),
             LATEST["referrals"], _referral)
    _section(budget, [Text("data.section.disclosures")], _newest(data.disclosures, lambda d: d.recorded_at),
             LATEST["disclosures"], _disclosure)
    _section(budget, [Text("data.section.notes"), Text("data.notes.explain", muted=True)],
             _newest(data.adviser_notes, lambda n: n.created_at), LATEST["notes"], _note)
    _section(budget, [Text("data.section.checkins")], _newest(data.checkins, lambda c: c.due_at),
             LATEST["checkins"], _checkin)
    delete = Button(ActionId.DATA_DELETE, "button.data.delete", style=ButtonStyle.DANGER)
    return Screen(DATA, "data.title", budget.finish(nav_row(delete)), close_key="modal.close")


def delete_confirm_screen() -> Screen:
    """What deleting means, with an explicit confirmation checkbox."""
    blocks = (
        Text("data.delete.body"),
        Checkboxes("confirm", "data.delete.confirm.label", (Option(CONFIRM, "data.delete.confirm"),),
                   optional=False),
        Buttons((Button(ActionId.MENU_DATA, "button.data.back"),)),
    )
    return Screen(DELETE, "data.delete.title", blocks, submit_key="modal.delete", close_key="modal.cancel")


def deleted_screen(report: DeletionReport) -> Screen:
    """What erasure did; cases kept under a legal hold are named (no longer linked to you)."""
    blocks: list[Block] = [
        Text("data.delete.done"),
        Text("data.deleted.appointments", {"count": report.cancelled_appointments}),
        Text("data.deleted.cases", {"count": report.purged_cases}),
    ]
    if report.kept_cases:
        refs = Dynamic(", ".join(report.kept_cases))
        blocks.append(Text("data.deleted.kept", {"count": len(report.kept_cases), "refs": refs}))
    blocks += [Text("data.deleted.chat", muted=True), nav_row()]
    return Screen(DELETED, "data.deleted.title", tuple(blocks), close_key="modal.close")
