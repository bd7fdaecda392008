"""Cards vpbot posts into a Teams chat: the welcome, the neutral reply, notifications.

Everything posted into a chat is retained and exportable by the employer (DESIGN.md C1), so
these cards hold only catalogue text (no names, no topics, nothing anyone typed) and
buttons whose data is an action id plus, at most, an opaque object reference. Every button
opens a dialog (``task/fetch``); the dialog is where content may appear (C2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plugins.teams.render import CardRenderer, attachment, fetch_data, new_card
from vpbot.services.actor import Actor, Role
from vpbot.ui.actions import ActionId
from vpbot.ui.notifications import Notification, actions, render_text
from vpbot.ui.screens import Button, ButtonStyle

WELCOME_TEXTS = ("home.intro", "home.privacy", "help.crisis.body")


def welcome_buttons(actor: Actor | None) -> list[Button]:
    """Book, write, mine, help, and the panels the person has a role for."""
    buttons = [
        Button(ActionId.MENU_BOOK, "button.menu.book", style=ButtonStyle.PRIMARY),
        Button(ActionId.MENU_WRITE, "button.menu.write"),
        Button(ActionId.MENU_MINE, "button.menu.mine"),
        Button(ActionId.MENU_HELP, "button.menu.help"),
    ]
    if actor is not None and actor.has(Role.ADVISER):
        buttons.append(Button(ActionId.OPEN_ADVISER, "button.panel.adviser"))
    if actor is not None and actor.has(Role.ADMIN):
        buttons.append(Button(ActionId.OPEN_ADMIN, "button.panel.admin"))
    return buttons


def welcome_activity(renderer: CardRenderer, actor: Actor | None) -> dict[str, Any]:
    """The neutral welcome: what vpbot is, that content stays in dialogs, crisis numbers."""
    body = [renderer.heading("home.title"), *(renderer.paragraph(key) for key in WELCOME_TEXTS)]
    return card_activity(renderer, body, welcome_buttons(actor), summary=renderer.text("home.title"))


def neutral_reply_activity(renderer: CardRenderer) -> dict[str, Any]:
    """The answer to free text typed to the bot: it is not read; a button opens the app."""
    body = [renderer.paragraph("chat.neutral_reply")]
    return card_activity(renderer, body, [Button(ActionId.OPEN_APP, "button.open_app")])


def notification_activity(notification: Notification, locale: str, tz: str) -> dict[str, Any]:
    """A content-free notification; its buttons open the object it points at in a dialog."""
    renderer = CardRenderer(locale, tz)
    text = render_text(notification, locale, tz)
    body = [{"type": "TextBlock", "text": text, "wrap": True}]
    return card_activity(renderer, body, actions(notification), summary=text)


def card_activity(
    renderer: CardRenderer, body: list[dict[str, Any]], buttons: Sequence[Button], *, summary: str | None = None
) -> dict[str, Any]:
    """A message activity with one Adaptive Card whose buttons open dialogs."""
    rows = renderer.button_rows(buttons, lambda b: fetch_data(b.action_id, b.value))
    activity: dict[str, Any] = {"type": "message", "attachments": [attachment(new_card([*body, *rows]))]}
    if summary is not None:
        activity["summary"] = summary  # the notification preview (toast) text
    return activity
