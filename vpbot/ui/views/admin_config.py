"""Admin configuration screens: the referral directory, settings and anonymous figures.

Figures are the annual report (:mod:`vpbot.services.report`), the same one ``vpbot report``
prints: anonymous counts, small ones shown as "<5" and others hidden ("x") so that none
can be worked out, and none points at a person.
"""

from __future__ import annotations

from collections.abc import Sequence

from vpbot.domain.report_model import AnnualReport
from vpbot.domain.tenant import TenantSettings
from vpbot.services.admin import DirectoryEntryView
from vpbot.ui.actions import ActionId
from vpbot.ui.options import language_options, referral_type_options
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
)
from vpbot.ui.text import Dynamic, Msg
from vpbot.ui.views.admin import admin_button
from vpbot.ui.views.panel_parts import capped, initial, list_end, notice_blocks
from vpbot.ui.views.report import report_blocks

__all__ = [
    "DIRECTORY",
    "ENTRY",
    "REMOVE_ENTRY",
    "SETTINGS",
    "STATISTICS",
    "directory_screen",
    "entry_screen",
    "remove_entry_screen",
    "settings_screen",
    "statistics_screen",
]

DIRECTORY = "vpbot.admin.directory.list"
ENTRY = "vpbot.admin.directory.entry"
REMOVE_ENTRY = "vpbot.admin.directory.remove.confirm"
SETTINGS = "vpbot.admin.settings.form"
STATISTICS = "vpbot.admin.statistics.report"

MAX_ENTRIES = 40


def _directory_button() -> Button:
    return Button(ActionId.ADMIN_DIRECTORY, "button.admin.directory")


# --------------------------------------------------------------------------- directory


def directory_screen(entries: Sequence[DirectoryEntryView], notice: Msg | None = None) -> Screen:
    """The referral directory, each entry with edit and remove."""
    shown, hidden = capped(entries, MAX_ENTRIES)
    blocks: list[Block] = [*notice_blocks(notice), Text("admin.directory.intro", muted=True)]
    for entry in shown:
        blocks += [
            Text(
                "admin.directory.line",
                {"type": Msg(f"referral.type.{entry.kind}"), "name": Dynamic(entry.name)},
            ),
            Buttons(
                (
                    Button(
                        ActionId.ADMIN_DIRECTORY_EDIT, "button.admin.directory_edit", value=entry.entry_id
                    ),
                    Button(
                        ActionId.ADMIN_DIRECTORY_REMOVE, "button.admin.directory_remove", value=entry.entry_id
                    ),
                )
            ),
        ]
    blocks += list_end(len(shown), hidden, "admin.directory.none")
    blocks += [
        Divider(),
        Buttons(
            (
                Button(ActionId.ADMIN_DIRECTORY_ADD, "button.admin.directory_add", style=ButtonStyle.PRIMARY),
                admin_button(),
            )
        ),
    ]
    return Screen(DIRECTORY, "admin.directory.title", tuple(blocks), close_key="modal.close")


def entry_screen(entry: DirectoryEntryView | None = None) -> Screen:
    """Add a directory entry, or edit ``entry``."""
    return Screen(
        ENTRY,
        "admin.directory.add.title" if entry is None else "admin.directory.edit.title",
        (
            Select(
                "kind",
                "admin.directory.type.label",
                referral_type_options(),
                initial=entry.kind if entry else None,
            ),
            TextInput(
                "name",
                "admin.directory.name.label",
                max_length=200,
                initial=initial(entry.name if entry else None),
            ),
            TextInput(
                "contact",
                "admin.directory.contact.label",
                optional=True,
                max_length=300,
                initial=initial(entry.contact if entry else None),
            ),
            TextInput(
                "description",
                "admin.directory.description.label",
                optional=True,
                multiline=True,
                max_length=500,
                initial=initial(entry.description if entry else None),
            ),
            Buttons((_directory_button(),)),
        ),
        submit_key="modal.save",
        close_key="modal.close",
        private_metadata={"entry": entry.entry_id} if entry else {},
    )


def remove_entry_screen(entry: DirectoryEntryView) -> Screen:
    """Confirm removing a directory entry (referrals made earlier keep their details)."""
    return Screen(
        REMOVE_ENTRY,
        "admin.directory.remove.title",
        (Text("admin.directory.remove.body", {"name": Dynamic(entry.name)}), Buttons((_directory_button(),))),
        submit_key="modal.remove",
        close_key="modal.close",
        private_metadata={"entry": entry.entry_id},
    )


# --------------------------------------------------------------------------- settings


def settings_screen(settings: TenantSettings) -> Screen:
    """The tenant's settings: language, retention, aftercare, anonymous writing, uninstall."""
    weeks = ", ".join(str(w) for w in settings.aftercare_weeks)
    return Screen(
        SETTINGS,
        "admin.settings.title",
        (
            Select(
                "language", "admin.settings.language.label", language_options(), initial=settings.language
            ),
            TextInput(
                "retention",
                "admin.settings.retention.label",
                max_length=4,
                hint_key="admin.settings.retention.hint",
                initial=Dynamic(str(settings.retention_months)),
            ),
            TextInput(
                "aftercare",
                "admin.settings.aftercare.label",
                optional=True,
                max_length=60,
                hint_key="admin.settings.aftercare.hint",
                initial=initial(weeks),
            ),
            Checkboxes(
                "anonymous",
                "admin.settings.anonymous.label",
                (Option("yes", "admin.settings.anonymous.option"),),
                initial=("yes",) if settings.anonymous_threads_allowed else (),
            ),
            Select(
                "on_uninstall",
                "admin.settings.uninstall.label",
                (
                    Option("keep", "admin.settings.uninstall.keep"),
                    Option("purge", "admin.settings.uninstall.purge"),
                ),
                style=SelectStyle.RADIO,
                initial=settings.on_uninstall,
            ),
            Buttons((admin_button(),)),
        ),
        submit_key="modal.save",
        close_key="modal.close",
    )


# --------------------------------------------------------------------------- statistics


def statistics_screen(year: int, years: Sequence[int], report: AnnualReport) -> Screen:
    """The annual report for ``year`` (the quarters that are over), with a year to choose."""
    blocks: list[Block] = [
        Text("admin.stats.intro", {"min": report.threshold}, muted=True),
        Select(
            "year",
            "admin.stats.year.label",
            tuple(Option(str(y), label_text=Dynamic(str(y))) for y in years),
            initial=str(year),
        ),
        Divider(),
    ]
    if report.empty and report.quarters:
        blocks.append(Text("admin.stats.none"))
    else:
        blocks += report_blocks(report)
    blocks.append(Buttons((admin_button(),)))
    return Screen(
        STATISTICS, "admin.stats.title", tuple(blocks), submit_key="modal.show", close_key="modal.close"
    )
