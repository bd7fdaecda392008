"""The admin panel and appointing advisers.

An admin configures; an admin never sees content or who any employee is (C5). The only
names here are those of advisers, which employees see anyway.
"""

from __future__ import annotations

from collections.abc import Sequence

from vpbot.services.admin import AdviserAdminView
from vpbot.ui.actions import ActionId
from vpbot.ui.options import adviser_kind_options
from vpbot.ui.screens import (
    Block,
    Button,
    Buttons,
    ButtonStyle,
    Checkboxes,
    Divider,
    Option,
    Screen,
    Select,
    SelectStyle,
    Text,
    TextInput,
    UserPicker,
)
from vpbot.ui.text import Dynamic, Msg, Param
from vpbot.ui.views.panel_parts import capped, initial, list_end, menu_button, notice_blocks

__all__ = [
    "ADDED",
    "ADD_ADVISER",
    "ADVISERS",
    "CONFLICT",
    "MANAGER",
    "PANEL",
    "REMOVE_ADVISER",
    "add_adviser_screen",
    "added_screen",
    "admin_button",
    "admin_panel",
    "advisers_screen",
    "conflict_screen",
    "manager_screen",
    "remove_adviser_screen",
]

PANEL = "vpbot.admin.panel"
ADVISERS = "vpbot.admin.advisers.list"
ADD_ADVISER = "vpbot.admin.adviser.add.form"
CONFLICT = "vpbot.admin.adviser.conflict"
ADDED = "vpbot.admin.adviser.added"
REMOVE_ADVISER = "vpbot.admin.adviser.remove.confirm"
MANAGER = "vpbot.admin.manager"

MAX_ADVISERS = 40
NAME_MAX = 120  # vpbot.domain.adviser_profile.MAX_DISPLAY_NAME_LENGTH
CONFLICT_REASONS = ("workspace_admin", "manager_or_hr")


def admin_button() -> Button:
    """Back to the admin panel."""
    return Button(ActionId.ADMIN_HOME, "button.admin.panel")


def admin_panel(notice: Msg | None = None, *, first_admin: bool = False) -> Screen:
    """The admin's start: advisers, referral directory, settings, anonymous figures."""
    blocks: list[Block] = [*notice_blocks(notice)]
    if first_admin:
        blocks.append(Text("admin.first_admin"))
    blocks += [
        Text("admin.intro"),
        Buttons(
            (
                Button(ActionId.ADMIN_ADVISERS, "button.admin.advisers"),
                Button(ActionId.ADMIN_DIRECTORY, "button.admin.directory"),
                Button(ActionId.ADMIN_SETTINGS, "button.admin.settings"),
                Button(ActionId.ADMIN_STATISTICS, "button.admin.statistics"),
            )
        ),
        Divider(),
        Buttons((menu_button(),)),
    ]
    return Screen(PANEL, "admin.title", tuple(blocks), close_key="modal.close")


def advisers_screen(advisers: Sequence[AdviserAdminView], notice: Msg | None = None) -> Screen:
    """The tenant's advisers (active first), with "remove" for the active ones."""
    shown, hidden = capped(advisers, MAX_ADVISERS)
    blocks: list[Block] = [*notice_blocks(notice)]
    for adviser in shown:
        kind = Msg("adviser.kind.external" if adviser.is_external else "adviser.kind.internal")
        line: dict[str, Param] = {"adviser": Dynamic(adviser.display_name), "kind": kind}
        if adviser.active:
            blocks += [
                Text("admin.advisers.line", line),
                Buttons(
                    (
                        Button(
                            ActionId.ADMIN_ADVISER_REMOVE,
                            "button.admin.adviser_remove",
                            value=adviser.adviser_id,
                        ),
                    )
                ),
            ]
        else:
            blocks.append(Text("admin.advisers.line.inactive", line, muted=True))
    blocks += list_end(len(shown), hidden, "admin.advisers.none")
    blocks += [
        Divider(),
        Buttons(
            (
                Button(ActionId.ADMIN_ADVISER_ADD, "button.admin.adviser_add", style=ButtonStyle.PRIMARY),
                Button(ActionId.ADMIN_MANAGER_FLAG, "button.admin.manager_flag"),
                admin_button(),
            )
        ),
    ]
    return Screen(ADVISERS, "admin.advisers.title", tuple(blocks), close_key="modal.close")


def add_adviser_screen() -> Screen:
    """Appoint someone: who, the name employees see, internal or external, manager/HR."""
    return Screen(
        ADD_ADVISER,
        "admin.adviser.add.title",
        (
            Text("admin.adviser.coi.warning", muted=True),
            UserPicker("user", "admin.adviser.user.label"),
            TextInput(
                "name",
                "admin.adviser.name.label",
                optional=True,
                max_length=NAME_MAX,
                hint_key="admin.adviser.name.hint",
            ),
            Select(
                "kind",
                "admin.adviser.kind.label",
                adviser_kind_options(),
                style=SelectStyle.RADIO,
                initial="internal",
            ),
            Checkboxes(
                "manager", "admin.adviser.manager.label", (Option("yes", "admin.adviser.manager.option"),)
            ),
            Buttons((Button(ActionId.ADMIN_ADVISERS, "button.admin.advisers"),)),
        ),
        submit_key="modal.appoint",
        close_key="modal.close",
    )


def conflict_screen(person_id: str, is_external: bool, name: str, reasons: Sequence[str]) -> Screen:
    """The conflict-of-interest warning, with an explicit confirmation to appoint anyway."""
    blocks: list[Block] = [Text("error.adviser.conflict_of_interest")]
    blocks += [
        Text(f"admin.adviser.coi.{reason}", muted=True) for reason in reasons if reason in CONFLICT_REASONS
    ]
    blocks += [
        Text("admin.adviser.coi.warning", muted=True),
        TextInput("name", "admin.adviser.name.label", max_length=NAME_MAX, initial=initial(name)),
        Checkboxes(
            "confirm",
            "admin.adviser.coi.confirm.label",
            (Option("yes", "admin.adviser.coi.confirm"),),
            optional=False,
        ),
        Buttons((Button(ActionId.ADMIN_ADVISERS, "button.admin.advisers"),)),
    ]
    return Screen(
        CONFLICT,
        "admin.adviser.conflict.title",
        tuple(blocks),
        submit_key="modal.appoint",
        close_key="modal.close",
        private_metadata={"person": person_id, "kind": "external" if is_external else "internal"},
    )


def added_screen(name: str, *, reactivated: bool, conflict: bool) -> Screen:
    """The adviser is appointed (their panel opens from the menu for them)."""
    blocks: list[Block] = [
        Text("admin.adviser.added.named", {"name": Dynamic(name)}),
        Text("admin.adviser.added.next", muted=True),
    ]
    if reactivated:
        blocks.append(Text("admin.adviser.added.reactivated", muted=True))
    if conflict:
        blocks.append(Text("admin.adviser.added.conflict", muted=True))
    blocks.append(Buttons((Button(ActionId.ADMIN_ADVISERS, "button.admin.advisers"), admin_button())))
    return Screen(ADDED, "admin.adviser.add.title", tuple(blocks), close_key="modal.close")


def remove_adviser_screen(adviser: AdviserAdminView) -> Screen:
    """Confirm ending an appointment: their upcoming appointments are cancelled."""
    return Screen(
        REMOVE_ADVISER,
        "admin.adviser.remove.title",
        (
            Text("admin.adviser.remove.confirm", {"name": Dynamic(adviser.display_name)}),
            Text("admin.adviser.remove.body"),
            Text("admin.adviser.remove.appointments", muted=True),
            Buttons((Button(ActionId.ADMIN_ADVISERS, "button.admin.advisers"),)),
        ),
        submit_key="modal.remove",
        close_key="modal.close",
        private_metadata={"adviser": adviser.adviser_id},
    )


def manager_screen() -> Screen:
    """Mark (or unmark) someone as manager, HR or works council: appointing them is a conflict."""
    return Screen(
        MANAGER,
        "admin.manager.title",
        (
            Text("admin.manager.intro", muted=True),
            UserPicker("user", "admin.adviser.user.label"),
            Select(
                "flag",
                "admin.manager.flag.label",
                (Option("yes", "admin.manager.flag.yes"), Option("no", "admin.manager.flag.no")),
                style=SelectStyle.RADIO,
                initial="yes",
            ),
            Buttons((Button(ActionId.ADMIN_ADVISERS, "button.admin.advisers"),)),
        ),
        submit_key="modal.save",
        close_key="modal.close",
    )
