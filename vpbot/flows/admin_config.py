"""Admin configuration: the referral directory, tenant settings and anonymous figures."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from vpbot.domain.directory import (
    MAX_CONTACT_LENGTH,
    MAX_DESCRIPTION_LENGTH,
    MAX_NAME_LENGTH,
    DirectoryFields,
)
from vpbot.domain.errors import DomainError, NotFound
from vpbot.domain.tenant import MAX_RETENTION_MONTHS, MIN_RETENTION_MONTHS
from vpbot.flows.core import FieldError, FlowContext, Flows, Handler, Interaction, Outcome
from vpbot.flows.panel_forms import (
    choice,
    chosen,
    clicked_id,
    invalid,
    metadata_id,
    parse_int,
    parse_weeks,
    text,
)
from vpbot.services import admin, tenants
from vpbot.services import report as reports
from vpbot.services.actor import Role
from vpbot.ui.actions import ActionId
from vpbot.ui.screens import Screen
from vpbot.ui.text import Msg
from vpbot.ui.views.admin import admin_panel
from vpbot.ui.views.admin_config import (
    ENTRY,
    REMOVE_ENTRY,
    SETTINGS,
    STATISTICS,
    directory_screen,
    entry_screen,
    remove_entry_screen,
    settings_screen,
    statistics_screen,
)

__all__ = ["admin_only", "register"]

YEARS_BACK = 5
# Directory form field -> its longest allowed text (a "too long" error names no field).
_ENTRY_LIMITS = {
    "name": MAX_NAME_LENGTH,
    "contact": MAX_CONTACT_LENGTH,
    "description": MAX_DESCRIPTION_LENGTH,
}
# TenantSettings field -> the form field it is typed into, and the text for a wrong value.
_SETTING_FIELDS: dict[str, tuple[str, Msg]] = {
    "language": ("language", Msg("form.required")),
    "retention_months": (
        "retention",
        Msg("form.range.invalid", {"min": MIN_RETENTION_MONTHS, "max": MAX_RETENTION_MONTHS}),
    ),
    "aftercare_weeks": ("aftercare", Msg("admin.settings.aftercare.invalid")),
    "on_uninstall": ("on_uninstall", Msg("form.required")),
}


def admin_only(build: Callable[[], Screen]) -> Handler:
    """A handler that shows the form ``build()`` makes, to admins only (a calm error otherwise)."""

    def show(context: FlowContext, interaction: Interaction) -> Outcome:
        context.actor.require(Role.ADMIN)
        return Outcome.replace(build(), interaction)

    return show


def _directory(context: FlowContext, interaction: Interaction, notice: Msg | None = None) -> Outcome:
    return Outcome.replace(
        directory_screen(admin.list_directory(context.uow, context.actor), notice), interaction
    )


def _entry(context: FlowContext, entry_id: str) -> admin.DirectoryEntryView:
    entry = next(
        (e for e in admin.list_directory(context.uow, context.actor) if e.entry_id == entry_id), None
    )
    if entry is None:
        raise NotFound()
    return entry


def _entry_fields(values: Mapping[str, Any]) -> DirectoryFields:
    """The directory entry as typed, checked; a mistake raises :class:`FieldError`."""
    typed = {f: text(values, f) for f in _ENTRY_LIMITS}
    try:
        return DirectoryFields(
            kind=choice(values, "kind") or "",
            name=typed["name"],
            contact=typed["contact"],
            description=typed["description"],
        )
    except DomainError as error:
        named = error.params.get("field")
        too_long = [f for f, limit in _ENTRY_LIMITS.items() if len(typed[f]) > limit]
        known = named if isinstance(named, str) and named in (*typed, "kind") else None
        raise FieldError(known or (too_long or ["name"])[0], error) from None


def _settings_changes(context: FlowContext, values: Mapping[str, Any]) -> dict[str, Any] | Outcome:
    """The settings as typed and checked, or an outcome with the error next to its field."""
    retention = parse_int(text(values, "retention"))
    if retention is None:
        return invalid("retention", "form.number.invalid")
    weeks = parse_weeks(text(values, "aftercare"))
    if weeks is None:
        return invalid("aftercare", "admin.settings.aftercare.invalid")
    changes: dict[str, Any] = {
        "language": choice(values, "language") or "",
        "retention_months": retention,
        "aftercare_weeks": tuple(sorted(set(weeks))),
        "anonymous_threads_allowed": "yes" in chosen(values, "anonymous"),
        "on_uninstall": choice(values, "on_uninstall") or "",
    }
    try:
        dataclasses.replace(tenants.tenant_settings(context.uow, context.actor.tenant_id), **changes)
    except DomainError as error:
        field, message = _SETTING_FIELDS.get(
            str(error.params.get("field")), ("retention", Msg("form.required"))
        )
        return Outcome(errors={field: message})
    return changes


def _statistics(context: FlowContext, interaction: Interaction, year: int | None) -> Outcome:
    """The figures for ``year`` (default: this year on the tenant's calendar)."""
    context.actor.require(Role.ADMIN)
    this_year = reports.current_year(context.uow, context.actor.tenant_id)
    years = [this_year - back for back in range(YEARS_BACK)]
    chosen_year = year if year in years else this_year
    report = reports.annual_report(context.uow, context.actor, chosen_year)
    return Outcome.replace(statistics_screen(chosen_year, years, report), interaction)


def register(flows: Flows) -> None:
    """Register the directory, settings and statistics handlers."""

    @flows.on_action(ActionId.ADMIN_DIRECTORY)
    def directory(context: FlowContext, interaction: Interaction) -> Outcome:
        return _directory(context, interaction)

    flows.on_action(ActionId.ADMIN_DIRECTORY_ADD)(admin_only(entry_screen))

    @flows.on_action(ActionId.ADMIN_DIRECTORY_EDIT)
    def edit_form(context: FlowContext, interaction: Interaction) -> Outcome:
        return Outcome.replace(entry_screen(_entry(context, clicked_id(interaction))), interaction)

    @flows.on_submit(ENTRY)
    def save_entry(context: FlowContext, interaction: Interaction) -> Outcome:
        context.actor.require(Role.ADMIN)
        entry = _entry_fields(interaction.values)
        entry_id = interaction.metadata.get("entry")
        if isinstance(entry_id, str) and entry_id:
            admin.update_directory_entry(
                context.uow,
                context.actor,
                entry_id,
                kind=entry.kind,
                name=entry.name,
                contact=entry.contact,
                description=entry.description,
            )
        else:
            admin.add_directory_entry(
                context.uow, context.actor, entry.kind, entry.name, entry.contact, entry.description
            )
        return _directory(context, interaction, Msg("admin.directory.saved"))

    @flows.on_action(ActionId.ADMIN_DIRECTORY_REMOVE)
    def remove_form(context: FlowContext, interaction: Interaction) -> Outcome:
        return Outcome.replace(remove_entry_screen(_entry(context, clicked_id(interaction))), interaction)

    @flows.on_submit(REMOVE_ENTRY)
    def remove_entry(context: FlowContext, interaction: Interaction) -> Outcome:
        admin.remove_directory_entry(context.uow, context.actor, metadata_id(interaction, "entry"))
        return _directory(context, interaction, Msg("admin.directory.removed"))

    @flows.on_action(ActionId.ADMIN_SETTINGS)
    def settings_form(context: FlowContext, interaction: Interaction) -> Outcome:
        context.actor.require(Role.ADMIN)
        settings = tenants.tenant_settings(context.uow, context.actor.tenant_id)
        return Outcome.replace(settings_screen(settings), interaction)

    @flows.on_submit(SETTINGS)
    def save_settings(context: FlowContext, interaction: Interaction) -> Outcome:
        context.actor.require(Role.ADMIN)
        changes = _settings_changes(context, interaction.values)
        if isinstance(changes, Outcome):
            return changes
        admin.update_settings(context.uow, context.actor, **changes)
        return Outcome.replace(admin_panel(Msg("admin.settings.saved")), interaction)

    @flows.on_action(ActionId.ADMIN_STATISTICS)
    def figures(context: FlowContext, interaction: Interaction) -> Outcome:
        return _statistics(context, interaction, None)

    @flows.on_submit(STATISTICS)
    def figures_for_year(context: FlowContext, interaction: Interaction) -> Outcome:
        year = parse_int(choice(interaction.values, "year") or "")
        return _statistics(context, interaction, year)
