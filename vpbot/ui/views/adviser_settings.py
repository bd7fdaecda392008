"""The adviser's own settings: weekly availability and booking policy, absences, profile."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from vpbot.services.advisers import AbsenceView, AdviserProfileView, AvailabilityView, WindowView
from vpbot.ui.actions import ActionId
from vpbot.ui.options import adviser_kind_options
from vpbot.ui.screens import (
    Block,
    Button,
    Buttons,
    DatePicker,
    Divider,
    Screen,
    Select,
    SelectStyle,
    Text,
    TextInput,
)
from vpbot.ui.text import Dynamic, Msg, When, WhenStyle
from vpbot.ui.views.adviser import panel_button
from vpbot.ui.views.panel_parts import capped, initial, list_end, notice_blocks

__all__ = [
    "ABSENCE",
    "ABSENCES",
    "AVAILABILITY",
    "DAY_FIELDS",
    "POLICY_FIELDS",
    "PROFILE",
    "absence_screen",
    "absences_screen",
    "availability_screen",
    "profile_screen",
]

AVAILABILITY = "vpbot.adviser.availability.form"
ABSENCES = "vpbot.adviser.absences.list"
ABSENCE = "vpbot.adviser.absence"
PROFILE = "vpbot.adviser.profile.form"

# One text input per weekday (0 = Monday), e.g. "09:00-12:00, 13:00-17:00".
DAY_FIELDS: tuple[str, ...] = tuple(f"day{weekday}" for weekday in range(7))
# Booking-policy field id -> the profile attribute it edits.
POLICY_FIELDS: dict[str, str] = {
    "slot": "slot_minutes",
    "buffer": "buffer_minutes",
    "notice": "min_notice_minutes",
    "horizon": "horizon_days",
}
MAX_ABSENCES = 30


def _day_text(windows: Sequence[WindowView], weekday: int) -> str:
    return ", ".join(f"{w.start}-{w.end}" for w in windows if w.weekday == weekday)


def availability_screen(availability: AvailabilityView, profile: AdviserProfileView) -> Screen:
    """Weekly windows per weekday as text, and the booking policy."""
    blocks: list[Block] = [
        Text("availability.intro"),
        Text("adviser.availability.format", {"tz": Dynamic(availability.timezone)}, muted=True),
    ]
    blocks += [
        TextInput(
            field,
            f"availability.day.{weekday}",
            optional=True,
            max_length=200,
            placeholder_key="adviser.availability.placeholder",
            initial=initial(_day_text(availability.windows, weekday)),
        )
        for weekday, field in enumerate(DAY_FIELDS)
    ]
    blocks.append(Divider())
    blocks += [
        TextInput(
            field,
            f"adviser.policy.{field}.label",
            max_length=6,
            hint_key=f"adviser.policy.{field}.hint",
            initial=Dynamic(str(getattr(profile, name))),
        )
        for field, name in POLICY_FIELDS.items()
    ]
    blocks.append(Buttons((panel_button(),)))
    return Screen(
        AVAILABILITY, "availability.title", tuple(blocks), submit_key="modal.save", close_key="modal.close"
    )


def absences_screen(absences: Sequence[AbsenceView], notice: Msg | None = None) -> Screen:
    """Coming absences, each with a remove button, and a button to add one."""
    shown, hidden = capped(absences, MAX_ABSENCES)
    blocks: list[Block] = [*notice_blocks(notice), Text("adviser.absences.intro", muted=True)]
    for absence in shown:
        # Shown as whole days: the last day is the one before the (exclusive) end.
        last = absence.ends_at - timedelta(microseconds=1)
        blocks += [
            Text(
                "adviser.absence.line",
                {"start": When(absence.starts_at, WhenStyle.DATE), "end": When(last, WhenStyle.DATE)},
            ),
            Buttons(
                (
                    Button(
                        ActionId.ADVISER_ABSENCE_REMOVE,
                        "button.adviser.absence_remove",
                        value=absence.absence_id,
                    ),
                )
            ),
        ]
    blocks += list_end(len(shown), hidden, "adviser.absences.none")
    blocks.append(
        Buttons((Button(ActionId.ADVISER_ABSENCE_ADD, "button.adviser.absence_add"), panel_button()))
    )
    return Screen(ABSENCES, "adviser.absences.title", tuple(blocks), close_key="modal.close")


def absence_screen() -> Screen:
    """Add an absence: a first and a last day."""
    return Screen(
        ABSENCE,
        "adviser.absence.title",
        (
            Text("adviser.absence.hint", muted=True),
            DatePicker("start", "adviser.absence.start.label"),
            DatePicker("end", "adviser.absence.end.label"),
            Buttons((Button(ActionId.ADVISER_ABSENCES, "button.adviser.absences"),)),
        ),
        submit_key="modal.save",
        close_key="modal.close",
    )


def profile_screen(profile: AdviserProfileView) -> Screen:
    """What employees see when they choose an adviser, and how they can meet them."""
    blocks: list[Block] = [
        Text("adviser.profile.intro", muted=True),
        TextInput(
            "display_name",
            "adviser.profile.name.label",
            max_length=120,
            initial=initial(profile.display_name),
        ),
        Select(
            "kind",
            "admin.adviser.kind.label",
            adviser_kind_options(),
            style=SelectStyle.RADIO,
            initial="external" if profile.is_external else "internal",
        ),
        TextInput(
            "languages",
            "adviser.profile.languages.label",
            max_length=60,
            hint_key="adviser.profile.languages.hint",
            initial=initial(", ".join(profile.languages)),
        ),
        TextInput(
            "intro",
            "adviser.profile.intro.label",
            multiline=True,
            optional=True,
            max_length=500,
            initial=initial(profile.intro),
        ),
        Divider(),
        Text("adviser.profile.modes", muted=True),
        TextInput(
            "location",
            "adviser.profile.location.label",
            optional=True,
            max_length=200,
            initial=initial(profile.location),
        ),
        TextInput(
            "phone",
            "adviser.profile.phone.label",
            optional=True,
            max_length=32,
            initial=initial(profile.phone),
        ),
        TextInput(
            "video_link",
            "adviser.profile.video.label",
            optional=True,
            max_length=500,
            hint_key="adviser.profile.video.hint",
            initial=initial(profile.video_link),
        ),
        Buttons((panel_button(),)),
    ]
    return Screen(
        PROFILE, "adviser.profile.title", tuple(blocks), submit_key="modal.save", close_key="modal.close"
    )
