"""The case screen an adviser opens by a click, and the forms for working on a case.

Content (notes, disclosure justifications) appears only here, inside a modal the case's own
adviser opened (C2). Every form carries the case id in its metadata and returns to the case.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from vpbot.services.cases import CaseDetail, DisclosureView, NoteView, ReferralSummary
from vpbot.services.threads import ThreadSummary
from vpbot.ui.actions import ActionId
from vpbot.ui.options import category_options
from vpbot.ui.screens import (
    TEXT_INPUT_MAX,
    Block,
    Button,
    Buttons,
    ButtonStyle,
    Checkboxes,
    Divider,
    Option,
    Screen,
    Text,
    TextInput,
)
from vpbot.ui.text import Dynamic, Msg, When, WhenStyle
from vpbot.ui.views.adviser import case_ref, employee_line, panel_button
from vpbot.ui.views.panel_parts import capped, dynamic_blocks, list_end, list_msg, notice_blocks

__all__ = [
    "CASE",
    "CATEGORIES",
    "CLOSE",
    "CLOSED",
    "NOTE",
    "case_button",
    "case_screen",
    "categories_screen",
    "close_screen",
    "closed_screen",
    "note_screen",
]

CASE = "vpbot.adviser.case"
NOTE = "vpbot.adviser.note"
CATEGORIES = "vpbot.adviser.categories"
CLOSE = "vpbot.adviser.close"
CLOSED = "vpbot.adviser.closed"

MAX_NOTES = 5
MAX_THREADS = 5
MAX_REFERRALS = 8
MAX_DISCLOSURES = 3
NOTE_MAX = TEXT_INPUT_MAX  # Slack's limit; the service allows 5000
WEEKS_MAX = 60


def case_button(case_id: str) -> Button:
    """Back to the case screen."""
    return Button(ActionId.ADVISER_OPEN_CASE, "button.adviser.back_to_case", value=case_id)


def _header(detail: CaseDetail, employee_name: str | None) -> list[Block]:
    blocks: list[Block] = [
        Text("case.ref", {"ref": case_ref(detail.reference, detail.pseudonym)}),
        Text(
            "case.status.line",
            {"status": Msg(f"case.status.{detail.status}"), "opened": When(detail.opened_at, WhenStyle.DATE)},
        ),
        employee_line(detail.employee_person_id is not None, employee_name, detail.pseudonym),
    ]
    if detail.next_appointment_at is not None:
        blocks.append(Text("case.next", {"when": When(detail.next_appointment_at)}))
    if detail.legal_hold:
        blocks.append(Text("case.hold.on", muted=True))
    elif detail.purge_after is not None:
        blocks.append(
            Text("case.purge_after", {"date": When(detail.purge_after, WhenStyle.DATE)}, muted=True)
        )
    if detail.categories:
        labels = list_msg([Msg(f"category.{c}") for c in detail.categories])
        blocks.append(Text("case.categories", {"categories": labels}))
    else:
        blocks.append(Text("case.categories.none", muted=True))
    return blocks


def _notes(case_id: str, notes: Sequence[NoteView]) -> list[Block]:
    shown, hidden = capped(list(reversed(notes)), MAX_NOTES)  # newest first
    blocks: list[Block] = [Text("case.notes.heading")]
    for note in shown:
        blocks += [
            Text("case.note.when", {"when": When(note.created_at)}, muted=True),
            *dynamic_blocks(note.text),
        ]
    blocks += list_end(len(shown), hidden, "case.notes.none")
    blocks.append(Buttons((Button(ActionId.ADVISER_ADD_NOTE, "button.adviser.add_note", value=case_id),)))
    return blocks


def _threads(threads: Sequence[ThreadSummary]) -> list[Block]:
    shown, hidden = capped(threads, MAX_THREADS)
    blocks: list[Block] = [Text("case.threads.heading")]
    for thread in shown:
        blocks += [
            Text("case.thread.line", {"count": thread.message_count, "unread": thread.unread_count}),
            Buttons((Button(ActionId.ADVISER_OPEN_THREAD, "button.adviser.open_thread", value=thread.id),)),
        ]
    blocks += list_end(len(shown), hidden, "case.threads.none")
    return blocks


def _referrals(case_id: str, referrals: Sequence[ReferralSummary], is_open: bool) -> list[Block]:
    shown, hidden = capped(list(reversed(referrals)), MAX_REFERRALS)
    blocks: list[Block] = [Text("case.referrals.heading")]
    for referral in shown:
        blocks.append(
            Text(
                "case.referral.line",
                {
                    "type": Msg(f"referral.type.{referral.kind}"),
                    "status": Msg(f"adviser.referral.status.{referral.status}"),
                    "when": When(referral.created_at, WhenStyle.DATE),
                },
            )
        )
        if referral.status == "shared":
            blocks.append(
                Buttons(
                    (
                        Button(
                            ActionId.ADVISER_REFERRAL_TEXT, "button.adviser.referral_text", value=referral.id
                        ),
                    )
                )
            )
    blocks += list_end(len(shown), hidden, "case.referrals.none")
    if is_open:
        blocks.append(
            Buttons(
                (Button(ActionId.ADVISER_PROPOSE_REFERRAL, "button.adviser.propose_referral", value=case_id),)
            )
        )
    return blocks


def _disclosures(case_id: str, disclosures: Sequence[DisclosureView]) -> list[Block]:
    shown, hidden = capped(list(reversed(disclosures)), MAX_DISCLOSURES)
    blocks: list[Block] = [Text("case.disclosures.heading")]
    for disclosure in shown:
        told = "case.disclosure.told" if disclosure.employee_notified_at else "case.disclosure.not_told"
        blocks += [
            Text(
                "case.disclosure.line",
                {
                    "ground": Msg(f"disclosure.ground.{disclosure.reason}"),
                    "when": When(disclosure.recorded_at),
                    "told": Msg(told),
                },
                muted=True,
            ),
            *dynamic_blocks(disclosure.justification),
        ]
    blocks += list_end(len(shown), hidden, "case.disclosures.none")
    blocks.append(
        Buttons(
            (Button(ActionId.ADVISER_RECORD_DISCLOSURE, "button.adviser.record_disclosure", value=case_id),)
        )
    )
    return blocks


def _case_actions(detail: CaseDetail) -> Buttons:
    hold = (
        Button(ActionId.ADVISER_LEGAL_HOLD, "button.adviser.hold_off", value=f"{detail.id}:off")
        if detail.legal_hold
        else Button(ActionId.ADVISER_LEGAL_HOLD, "button.adviser.hold_on", value=f"{detail.id}:on")
    )
    if detail.status == "open":
        lifecycle = Button(
            ActionId.ADVISER_CLOSE_CASE,
            "button.adviser.close_case",
            value=detail.id,
            style=ButtonStyle.DANGER,
        )
    else:
        lifecycle = Button(ActionId.ADVISER_REOPEN_CASE, "button.adviser.reopen_case", value=detail.id)
    categories = Button(ActionId.ADVISER_CATEGORIES, "button.adviser.categories", value=detail.id)
    return Buttons((categories, hold, lifecycle))


def case_screen(detail: CaseDetail, employee_name: str | None, notice: Msg | None = None) -> Screen:
    """Everything on one case, for its adviser: who (if known), notes, messages, referrals,
    disclosures, and the actions on the case."""
    blocks: list[Block] = [*notice_blocks(notice), *_header(detail, employee_name), Divider()]
    blocks += _notes(detail.id, detail.notes)
    blocks += [Divider(), *_threads(detail.threads)]
    blocks += [Divider(), *_referrals(detail.id, detail.referrals, detail.status == "open")]
    blocks += [Divider(), *_disclosures(detail.id, detail.disclosures)]
    blocks += [Divider(), _case_actions(detail), Buttons((panel_button(),))]
    return Screen(
        CASE, "case.title", tuple(blocks), close_key="modal.close", private_metadata={"case": detail.id}
    )


def note_screen(case_id: str) -> Screen:
    """Add a note to the case (only its adviser can read it)."""
    return Screen(
        NOTE,
        "case.note.title",
        (
            TextInput(
                "note", "case.note.label", multiline=True, max_length=NOTE_MAX, hint_key="case.note.hint"
            ),
            Buttons((case_button(case_id),)),
        ),
        submit_key="modal.save",
        close_key="modal.close",
        private_metadata={"case": case_id},
    )


def categories_screen(case_id: str, chosen: Sequence[str]) -> Screen:
    """The registration categories (statistics only)."""
    return Screen(
        CATEGORIES,
        "case.categories.title",
        (
            Checkboxes(
                "categories",
                "case.category.label",
                category_options(),
                initial=tuple(chosen),
                hint_key="case.categories.hint",
            ),
            Buttons((case_button(case_id),)),
        ),
        submit_key="modal.save",
        close_key="modal.close",
        private_metadata={"case": case_id},
    )


def close_screen(case_id: str, retention_months: int, default_weeks: Sequence[int]) -> Screen:
    """Close the case: aftercare check-ins (prefilled with the tenant's default) or none."""
    weeks = ", ".join(str(w) for w in default_weeks)
    return Screen(
        CLOSE,
        "case.close.title",
        (
            Text("case.close.body", {"months": retention_months}),
            TextInput(
                "weeks",
                "adviser.close.weeks.label",
                optional=True,
                max_length=WEEKS_MAX,
                hint_key="adviser.close.weeks.hint",
                initial=Dynamic(weeks) if weeks else None,
            ),
            Checkboxes(
                "no_checkins", "adviser.close.none.label", (Option("none", "adviser.close.none.option"),)
            ),
            Buttons((case_button(case_id),)),
        ),
        submit_key="modal.close_case",
        close_key="modal.close",
        private_metadata={"case": case_id},
    )


def closed_screen(case_id: str, purge_after: datetime, checkins: Sequence[datetime]) -> Screen:
    """The case is closed: when it will be deleted and when the check-ins go out."""
    blocks: list[Block] = [Text("adviser.closed.done", {"date": When(purge_after, WhenStyle.DATE)})]
    if checkins:
        blocks.append(Text("adviser.closed.checkins"))
        blocks += [Text("adviser.closed.checkin", {"when": When(at)}, muted=True) for at in checkins]
    else:
        blocks.append(Text("adviser.closed.no_checkins"))
    blocks.append(Buttons((case_button(case_id), panel_button())))
    return Screen(CLOSED, "case.close.title", tuple(blocks), close_key="modal.close")
