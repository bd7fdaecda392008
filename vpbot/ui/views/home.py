"""The first screens an employee sees: the menu and the help text."""

from __future__ import annotations

from functools import cache

from vpbot.ui.actions import ActionId
from vpbot.ui.screens import Button, Buttons, ButtonStyle, Divider, Screen, Text

HOME = "vpbot.home"
HELP = "vpbot.help"


@cache  # four variants, all immutable; built on every /vertrouwenspersoon otherwise
def home_screen(*, is_adviser: bool = False, is_admin: bool = False) -> Screen:
    """What ``/vertrouwenspersoon`` opens: what this is, its limits, crisis numbers, the menu."""
    menu = [
        Button(ActionId.MENU_BOOK, "button.menu.book", style=ButtonStyle.PRIMARY),
        Button(ActionId.MENU_WRITE, "button.menu.write"),
        Button(ActionId.MENU_MINE, "button.menu.mine"),
    ]
    more = [
        Button(ActionId.MENU_HELP, "button.menu.help"),
        Button(ActionId.MENU_LANGUAGE, "button.menu.language"),
        Button(ActionId.MENU_DATA, "button.menu.data"),
    ]
    blocks: list = [
        Text("home.intro"),
        Text("help.not.body", muted=True),
        Text("help.crisis.body"),
        Divider(),
        Text("home.choose"),
        Buttons(tuple(menu)),
        Buttons(tuple(more)),
        Text("home.privacy", muted=True),
    ]
    roles = []
    if is_adviser:
        roles.append(Button(ActionId.OPEN_ADVISER, "button.panel.adviser"))
    if is_admin:
        roles.append(Button(ActionId.OPEN_ADMIN, "button.panel.admin"))
    if roles:
        blocks += [Divider(), Buttons(tuple(roles))]
    return Screen(HOME, "home.title", tuple(blocks), close_key="modal.close")


def help_screen(retention_months: int) -> Screen:
    """The full explanation: what an adviser does and doesn't, confidentiality, crisis numbers."""
    blocks = []
    for part in ("what", "not", "confidential", "platform", "crisis"):
        blocks += [Text(f"help.{part}.heading"), Text(f"help.{part}.body")]
    blocks += [Text("help.data.heading"), Text("help.data.body", {"months": retention_months})]
    return Screen(HELP, "help.title", tuple(blocks), close_key="modal.close")
