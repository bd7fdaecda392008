"""What passes between an adviser and others on a case: the thread with the employee, a
referral proposal (and the text to pass on once consent stands), and a disclosure record.

All of it is content and is shown only to the case's adviser, in a modal they opened (C2).
"""

from __future__ import annotations

from collections.abc import Sequence

from vpbot.services.referrals import ReferralStatusView, TargetOption
from vpbot.services.threads import MessageView, ThreadView
from vpbot.ui.options import disclosure_ground_options
from vpbot.ui.screens import (
    TEXT_INPUT_MAX,
    Block,
    Buttons,
    Divider,
    Option,
    Screen,
    Select,
    SelectStyle,
    Text,
    TextInput,
)
from vpbot.ui.text import Dynamic, Msg, When
from vpbot.ui.views.adviser import case_ref, employee_line, panel_button
from vpbot.ui.views.adviser_case import case_button
from vpbot.ui.views.panel_parts import capped, dynamic_blocks, short

__all__ = [
    "DISCLOSURE",
    "REFERRAL",
    "REFERRAL_TEXT",
    "THREAD",
    "disclosure_screen",
    "referral_screen",
    "referral_text_screen",
    "thread_screen",
]

THREAD = "vpbot.adviser.thread"
REFERRAL = "vpbot.adviser.referral"
REFERRAL_TEXT = "vpbot.adviser.referral.shared"
DISCLOSURE = "vpbot.adviser.disclosure"

MAX_MESSAGES = 15
MESSAGE_MAX = TEXT_INPUT_MAX  # Slack's limit; the service allows 4000
SHARE_TEXT_MAX = 2000  # vpbot.domain.consent.SHARE_TEXT_MAX
JUSTIFICATION_MAX = TEXT_INPUT_MAX  # Slack's limit; the service allows 5000


def _sender(message: MessageView, employee: Msg | Dynamic) -> Msg:
    if message.mine:
        return Msg("thread.from_you", {"when": When(message.sent_at)})
    return Msg("adviser.thread.from_employee", {"who": employee, "when": When(message.sent_at)})


def thread_screen(thread: ThreadView, employee_name: str | None, notice: Msg | None = None) -> Screen:
    """The messages of one thread, newest last, with a reply field."""
    known = thread.employee_person_id is not None
    employee: Msg | Dynamic = (
        Dynamic(employee_name)
        if known and employee_name
        else Msg("adviser.thread.employee", {"pseudonym": Dynamic(thread.pseudonym)})
    )
    blocks: list[Block] = []
    if notice is not None:
        blocks.append(Text(notice.key, notice.params))
    blocks += [
        Text("case.ref", {"ref": case_ref(thread.reference, thread.pseudonym)}),
        employee_line(known, employee_name, thread.pseudonym),
        Divider(),
    ]
    newest = list(reversed(thread.messages))
    shown, hidden = capped(newest, MAX_MESSAGES)
    if hidden:
        blocks.append(Text("adviser.thread.earlier", {"count": hidden}, muted=True))
    for message in reversed(shown):
        sender = _sender(message, employee)
        blocks += [Text(sender.key, sender.params, muted=True), *dynamic_blocks(message.text)]
    if not shown:
        blocks.append(Text("thread.empty", muted=True))
    blocks += [
        Divider(),
        TextInput(
            "reply",
            "adviser.thread.reply.label",
            multiline=True,
            max_length=MESSAGE_MAX,
            hint_key="adviser.thread.reply.hint",
        ),
        Buttons((case_button(thread.case_id), panel_button())),
    ]
    return Screen(
        THREAD,
        "thread.view.title",
        tuple(blocks),
        submit_key="modal.send",
        close_key="modal.close",
        private_metadata={"thread": thread.id, "case": thread.case_id},
    )


def referral_screen(case_id: str, entries: Sequence[TargetOption]) -> Screen:
    """Propose a referral: a directory entry and exactly the text that would be shared."""
    if not entries:
        return Screen(
            REFERRAL,
            "referral.propose.title",
            (Text("adviser.referral.no_directory"), Buttons((case_button(case_id),))),
            close_key="modal.close",
        )
    options = tuple(Option(e.id, label_text=short(e.name)) for e in entries[:100])
    return Screen(
        REFERRAL,
        "referral.propose.title",
        (
            Text("referral.propose.intro"),
            Select("target", "referral.propose.type.label", options),
            TextInput(
                "share_text",
                "adviser.referral.text.label",
                multiline=True,
                optional=True,
                max_length=SHARE_TEXT_MAX,
                hint_key="adviser.referral.text.hint",
            ),
            Buttons((case_button(case_id),)),
        ),
        submit_key="modal.propose",
        close_key="modal.close",
        private_metadata={"case": case_id},
    )


def referral_text_screen(referral: ReferralStatusView, text: str) -> Screen:
    """The text the employee agreed may be passed on (shown only while consent stands)."""
    target: Msg | Dynamic = (
        Dynamic(referral.target_name) if referral.target_name else Msg(f"referral.type.{referral.kind}")
    )
    blocks: list[Block] = [Text("adviser.referral.shared.intro", {"target": target})]
    blocks += list(dynamic_blocks(text)) if text else [Text("adviser.referral.shared.empty", muted=True)]
    blocks += [
        Text("adviser.referral.shared.withdraw", muted=True),
        Buttons((case_button(referral.case_id),)),
    ]
    return Screen(REFERRAL_TEXT, "referral.title", tuple(blocks), close_key="modal.close")


def disclosure_screen(case_id: str) -> Screen:
    """Record a disclosure without consent: the ground and a justification the employee reads."""
    return Screen(
        DISCLOSURE,
        "disclosure.title",
        (
            Text("disclosure.intro"),
            Select("ground", "disclosure.ground.label", disclosure_ground_options(), style=SelectStyle.RADIO),
            TextInput(
                "justification",
                "disclosure.justification.label",
                multiline=True,
                max_length=JUSTIFICATION_MAX,
                hint_key="disclosure.justification.hint",
            ),
            Text("adviser.disclosure.employee_told", muted=True),
            Buttons((case_button(case_id),)),
        ),
        submit_key="modal.record",
        close_key="modal.close",
        private_metadata={"case": case_id},
    )
