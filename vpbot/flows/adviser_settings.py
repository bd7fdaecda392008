"""The adviser's own settings: weekly availability and booking policy, absences, profile.

Forms are checked field by field before anything is saved, so every mistake shows next to
the field it is in (Slack ``response_action: errors``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from vpbot.domain.adviser_profile import (
    POLICY_BOUNDS,
    parse_windows,
    validate_display_name,
    validate_intro,
    validate_languages,
)
from vpbot.domain.booking import MeetingModes
from vpbot.domain.errors import DomainError
from vpbot.flows.adviser_common import panel
from vpbot.flows.core import FieldError, FlowContext, Flows, Interaction, Outcome, error_msg
from vpbot.flows.panel_forms import checked, choice, clicked_id, invalid, parse_int, text
from vpbot.services import advisers
from vpbot.ui.actions import ActionId
from vpbot.ui.text import Msg
from vpbot.ui.views.adviser_settings import (
    ABSENCE,
    AVAILABILITY,
    DAY_FIELDS,
    POLICY_FIELDS,
    PROFILE,
    absence_screen,
    absences_screen,
    availability_screen,
    profile_screen,
)

__all__ = ["parse_day", "register"]

# "09:00-12:00", "9.00 - 12.30", and with an en dash or em dash instead of the hyphen.
_WINDOW_RE = re.compile(r"^(\d{1,2})[:.](\d{2})\s*[-\u2013\u2014]\s*(\d{1,2})[:.](\d{2})$")
_MODE_FIELDS = ("location", "phone", "video_link")
# Clearer texts than "something is wrong" for the fields people most often mistype.
_INVALID_KEYS = {
    "languages": "adviser.profile.languages.invalid",
    "phone": "adviser.profile.phone.invalid",
    "video_link": "adviser.profile.video.invalid",
}


def parse_day(typed: str) -> list[tuple[str, str]] | None:
    """A day's windows as typed, or None if malformed; empty means "not available that day".

    "09:00-12:00, 13:00-17:00" -> [("09:00", "12:00"), ("13:00", "17:00")].
    """
    windows = []
    for part in (p.strip() for p in re.split(r"[,;]", typed)):
        if not part:
            continue
        match = _WINDOW_RE.fullmatch(part)
        if match is None:
            return None
        h1, m1, h2, m2 = match.groups()
        windows.append((f"{int(h1):02d}:{m1}", f"{int(h2):02d}:{m2}"))
    return windows


def _windows(values: Mapping[str, Any], errors: dict[str, Msg]) -> list[tuple[int, str, str]]:
    """Every weekday's windows; mistakes go into ``errors`` next to their day."""
    windows: list[tuple[int, str, str]] = []
    for weekday, field in enumerate(DAY_FIELDS):
        day = parse_day(text(values, field))
        if day is None:
            errors[field] = Msg("adviser.availability.invalid")
            continue
        entries = [(weekday, start, end) for start, end in day]
        try:
            parse_windows(entries)
        except DomainError as error:
            errors[field] = error_msg(error)
            continue
        windows += entries
    return windows


def _policy(values: Mapping[str, Any], errors: dict[str, Msg]) -> dict[str, Any]:
    """The booking policy as typed; mistakes go into ``errors`` next to their field."""
    policy: dict[str, Any] = {}
    for field, name in POLICY_FIELDS.items():
        number = parse_int(text(values, field))
        low, high = POLICY_BOUNDS[name]
        if number is None:
            errors[field] = Msg("form.number.invalid")
        elif not low <= number <= high:
            errors[field] = Msg("form.range.invalid", {"min": low, "max": high})
        else:
            policy[name] = number
    return policy


def _day(values: Mapping[str, Any], field: str) -> date | None:
    try:
        return date.fromisoformat(text(values, field))
    except ValueError:
        return None


def _modes(values: Mapping[str, Any]) -> MeetingModes:
    try:
        return MeetingModes(*(text(values, field) for field in _MODE_FIELDS))
    except DomainError as error:
        field = error.params.get("field")
        named = field if isinstance(field, str) and field in _MODE_FIELDS else _MODE_FIELDS[0]
        raise FieldError(named, error) from None


def _profile_changes(values: Mapping[str, Any]) -> dict[str, Any]:
    """The profile as typed, checked; a mistake raises :class:`FieldError` for its field."""
    codes = [c for c in re.split(r"[,;\s]+", text(values, "languages")) if c]
    return {
        "display_name": checked("display_name", validate_display_name, text(values, "display_name")),
        "is_external": choice(values, "kind") == "external",
        "languages": checked("languages", validate_languages, codes),
        "intro": checked("intro", validate_intro, text(values, "intro")),
        "modes": _modes(values),
    }


def _profile_error(error: FieldError) -> Msg:
    if error.key == "input.invalid" and error.field_id in _INVALID_KEYS:
        return Msg(_INVALID_KEYS[error.field_id])
    return error_msg(error)


def register(flows: Flows) -> None:
    """Register the availability, absence and profile handlers."""

    @flows.on_action(ActionId.ADVISER_AVAILABILITY)
    def availability_form(context: FlowContext, interaction: Interaction) -> Outcome:
        uow, actor = context.uow, context.actor
        screen = availability_screen(advisers.my_availability(uow, actor), advisers.my_profile(uow, actor))
        return Outcome.replace(screen, interaction)

    @flows.on_submit(AVAILABILITY)
    def save_availability(context: FlowContext, interaction: Interaction) -> Outcome:
        errors: dict[str, Msg] = {}
        windows = _windows(interaction.values, errors)
        policy = _policy(interaction.values, errors)
        if errors:
            return Outcome(errors=errors)
        advisers.set_weekly_availability(context.uow, context.actor, windows)
        advisers.update_profile(context.uow, context.actor, **policy)
        return Outcome.replace(panel(context, Msg("availability.saved")), interaction)

    @flows.on_action(ActionId.ADVISER_ABSENCES)
    def absences(context: FlowContext, interaction: Interaction) -> Outcome:
        coming = advisers.my_availability(context.uow, context.actor).absences
        return Outcome.replace(absences_screen(coming), interaction)

    @flows.on_action(ActionId.ADVISER_ABSENCE_ADD)
    def absence_form(context: FlowContext, interaction: Interaction) -> Outcome:
        advisers.own_adviser(context.uow, context.actor)
        return Outcome.replace(absence_screen(), interaction)

    @flows.on_submit(ABSENCE)
    def add_absence(context: FlowContext, interaction: Interaction) -> Outcome:
        first, last = _day(interaction.values, "start"), _day(interaction.values, "end")
        if first is None:
            return invalid("start", "form.date.invalid")
        if last is None:
            return invalid("end", "form.date.invalid")
        if last < first:
            return invalid("end", "adviser.absence.order")
        zone = ZoneInfo(advisers.my_availability(context.uow, context.actor).timezone)
        starts = datetime.combine(first, time(0), tzinfo=zone)
        ends = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
        checked("end", advisers.add_absence, context.uow, context.actor, starts, ends)
        coming = advisers.my_availability(context.uow, context.actor).absences
        return Outcome.replace(absences_screen(coming, Msg("adviser.absence.saved")), interaction)

    @flows.on_action(ActionId.ADVISER_ABSENCE_REMOVE)
    def remove_absence(context: FlowContext, interaction: Interaction) -> Outcome:
        advisers.remove_absence(context.uow, context.actor, clicked_id(interaction))
        coming = advisers.my_availability(context.uow, context.actor).absences
        return Outcome.replace(absences_screen(coming, Msg("adviser.absence.removed")), interaction)

    @flows.on_action(ActionId.ADVISER_PROFILE)
    def profile_form(context: FlowContext, interaction: Interaction) -> Outcome:
        return Outcome.replace(profile_screen(advisers.my_profile(context.uow, context.actor)), interaction)

    @flows.on_submit(PROFILE)
    def save_profile(context: FlowContext, interaction: Interaction) -> Outcome:
        try:
            changes = _profile_changes(interaction.values)
        except FieldError as error:
            return Outcome(errors={error.field_id: _profile_error(error)})
        advisers.update_profile(context.uow, context.actor, **changes)
        return Outcome.replace(panel(context, Msg("adviser.profile.saved")), interaction)
