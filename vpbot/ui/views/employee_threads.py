"""Writing to an adviser (a secure thread, optionally anonymous), reading and answering it."""

from __future__ import annotations

from collections.abc import Sequence

from vpbot.services.booking import AdviserCard
from vpbot.services.threads import MAX_MESSAGE_LENGTH, MessageView, ThreadView
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import ObjectRef, ObjectType
from vpbot.ui.screens import (
    SELECT_OPTIONS_MAX,
    TEXT_INPUT_MAX,
    Block,
    Button,
    Buttons,
    ButtonStyle,
    Checkboxes,
    Option,
    Screen,
    Select,
    SelectStyle,
    Text,
    TextInput,
)
from vpbot.ui.text import Dynamic, Msg, When
from vpbot.ui.views.employee_booking import FIRST_AVAILABLE, RADIO_UP_TO
from vpbot.ui.views.employee_common import BlockBudget, dynamic_blocks, nav_row, short

__all__ = [
    "ANONYMOUS",
    "REPLY",
    "REVEAL",
    "SENT",
    "THREAD",
    "WRITE",
    "open_thread_button",
    "reply_screen",
    "reveal_confirm_screen",
    "sent_screen",
    "thread_screen",
    "write_screen",
]

WRITE = "vpbot.employee.thread.new"
SENT = "vpbot.employee.thread.sent"
THREAD = "vpbot.employee.thread"
REPLY = "vpbot.employee.thread.reply"
REVEAL = "vpbot.employee.thread.reveal"

ANONYMOUS = "anonymous"  # the checkbox value for "send anonymously"
# A message may be longer than one Slack text input takes; the form asks for at most this.
BODY_MAX = min(MAX_MESSAGE_LENGTH, TEXT_INPUT_MAX)


def open_thread_button(thread_id: str, label_key: str = "button.open_thread") -> Button:
    """Opens a thread (the same action and value as the NEW_MESSAGE notification's button)."""
    return Button(ActionId.OPEN_THREAD, label_key, value=ObjectRef(ObjectType.THREAD, thread_id).token)


def _body_field(label_key: str = "thread.body.label") -> TextInput:
    return TextInput("body", label_key, multiline=True, max_length=BODY_MAX,
                     hint_key=Msg("thread.body.hint", {"max": BODY_MAX}))


def write_screen(cards: Sequence[AdviserCard], *, anonymous_allowed: bool) -> Screen:
    """To whom, the message, and — only where the organisation allows it — anonymously."""
    options = (
        Option(FIRST_AVAILABLE, "booking.adviser.first_available"),
        *(Option(c.adviser_id, label_text=short(c.display_name)) for c in cards[: SELECT_OPTIONS_MAX - 1]),
    )
    blocks: list[Block] = [
        Text("thread.intro"),
        Select("adviser", "thread.adviser.label", options, initial=FIRST_AVAILABLE,
               style=SelectStyle.RADIO if len(options) <= RADIO_UP_TO else SelectStyle.DROPDOWN),
        _body_field(),
    ]
    if anonymous_allowed:
        blocks += [
            Text("thread.anonymous.explain", muted=True),
            Checkboxes(ANONYMOUS, "thread.anonymous.label", (Option(ANONYMOUS, "thread.anonymous.option"),)),
        ]
    else:
        blocks.append(Text("thread.anonymous.unavailable", muted=True))
    blocks.append(nav_row())
    return Screen(WRITE, "thread.title", tuple(blocks), submit_key="modal.send", close_key="modal.cancel")


def _anonymity(view: ThreadView) -> list[Block]:
    if not view.anonymous:
        return []
    if view.revealed:
        return [Text("thread.anonymous.revealed", muted=True)]
    return [Text("thread.anonymous.status", {"ref": Dynamic(view.pseudonym)}, muted=True)]


def sent_screen(view: ThreadView) -> Screen:
    """The message went out securely; open the conversation, or go back."""
    blocks = (
        Text("thread.sent.body"),
        *_anonymity(view),
        nav_row(open_thread_button(view.id), Button(ActionId.MENU_MINE, "button.menu.mine")),
    )
    return Screen(SENT, "thread.sent.title", blocks, close_key="modal.close")


def _message(view: ThreadView, message: MessageView) -> list[Block]:
    when = When(message.sent_at)
    if message.mine:
        header = Text("thread.from_you", {"when": when}, muted=True)
    else:
        header = Text("thread.from_adviser", {"adviser": Dynamic(view.adviser_name), "when": when}, muted=True)
    return [header, *dynamic_blocks(message.text)]


def thread_screen(view: ThreadView, notice_key: str | None = None) -> Screen:
    """The conversation, newest messages that fit (oldest first), with reply and reveal."""
    actions = [Button(ActionId.THREAD_REPLY, "button.thread.reply", value=view.id, style=ButtonStyle.PRIMARY)]
    if view.anonymous and not view.revealed:
        actions.append(Button(ActionId.THREAD_REVEAL, "button.thread.reveal", value=view.id))
    actions.append(Button(ActionId.MENU_MINE, "button.menu.mine"))
    budget = BlockBudget(reserve=2)  # the "earlier messages" line and the buttons
    if notice_key is not None:
        budget.add(Text(notice_key))
    budget.add(Text("thread.with", {"adviser": Dynamic(view.adviser_name)}), *_anonymity(view))
    shown: list[list[Block]] = []
    for message in reversed(view.messages):
        blocks = _message(view, message)
        if not budget.fits(len(blocks) + sum(map(len, shown))):
            break
        shown.insert(0, blocks)
    hidden = len(view.messages) - len(shown)
    if hidden:
        budget.add(Text("thread.earlier", {"count": hidden}, muted=True))
    if not view.messages:
        budget.add(Text("thread.empty"))
    for blocks in shown:
        budget.add(*blocks)
    return Screen(THREAD, "thread.view.title", budget.finish(nav_row(*actions)), close_key="modal.close")


def reply_screen(thread_id: str) -> Screen:
    """Write an answer in the conversation."""
    back = Buttons((open_thread_button(thread_id, "button.thread.back"),))
    blocks = (_body_field("thread.reply.label"), back)
    return Screen(REPLY, "thread.reply.title", blocks, submit_key="modal.send", close_key="modal.cancel",
                  private_metadata={"thread": thread_id})


def reveal_confirm_screen(thread_id: str) -> Screen:
    """Show your name to the adviser? From now on, also for earlier messages; not undoable."""
    blocks = (Text("thread.reveal.body"), Buttons((open_thread_button(thread_id, "button.thread.back"),)))
    return Screen(REVEAL, "thread.reveal.title", blocks, submit_key="modal.reveal", close_key="modal.cancel",
                  private_metadata={"thread": thread_id})
