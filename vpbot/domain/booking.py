"""Booking rules: how an appointment may take place and what an employee may send along.

Pure rules (no database). Meeting details (a room, a phone number, a video link) are
contact details an adviser publishes to employees, not case content, so they are stored
in plain columns; the note an employee adds to a booking *is* content and is encrypted by
the service with the case key.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from vpbot.domain.cases import CATEGORIES
from vpbot.domain.errors import DomainError
from vpbot.domain.inputs import optional_text

__all__ = [
    "MAX_BOOKING_NOTE_LENGTH",
    "MAX_LOCATION_LENGTH",
    "MAX_VIDEO_LINK_LENGTH",
    "MeetingMode",
    "MeetingModes",
    "validate_booking_note",
    "validate_category",
    "validate_mode",
]

MAX_BOOKING_NOTE_LENGTH = 2000
MAX_LOCATION_LENGTH = 200
MAX_VIDEO_LINK_LENGTH = 500
# Digits with the usual separators; "+31 (0)20-123 45 67" is fine, a sentence is not.
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,29}$")


class MeetingMode(enum.StrEnum):
    """How an appointment takes place. Values match ``vpbot.ui.options.MEETING_MODE_VALUES``."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


def _video_link(text: str | None) -> str:
    link = optional_text(text, field="video_link", max_length=MAX_VIDEO_LINK_LENGTH)
    if link:
        parts = urlsplit(link)
        # https only: a meeting link travels to the employee and must not be downgradable.
        if parts.scheme != "https" or not parts.netloc or any(c.isspace() for c in link):
            raise DomainError("input.invalid", field="video_link")
    return link


def _phone(text: str | None) -> str:
    number = optional_text(text, field="phone", max_length=32)
    if number and not _PHONE_RE.fullmatch(number):
        raise DomainError("input.invalid", field="phone")
    return number


@dataclass(frozen=True)
class MeetingModes:
    """The ways an adviser offers to meet, each with the details an employee needs.

    An empty value means the mode is not offered. Stored as
    ``{"in_person": {"location": ...}, "phone": {"number": ...}, "video": {"link": ...}}``.
    """

    location: str = ""
    phone: str = ""
    video_link: str = ""

    def __post_init__(self) -> None:
        location = optional_text(self.location, field="location", max_length=MAX_LOCATION_LENGTH)
        object.__setattr__(self, "location", location)
        object.__setattr__(self, "phone", _phone(self.phone))
        object.__setattr__(self, "video_link", _video_link(self.video_link))

    @property
    def offered(self) -> tuple[MeetingMode, ...]:
        """The modes with details, in the canonical order."""
        return tuple(mode for mode in MeetingMode if self.details(mode))

    def details(self, mode: MeetingMode) -> str:
        """What the employee needs for ``mode`` (a place, a number, a link); ``""`` if not offered."""
        return {
            MeetingMode.IN_PERSON: self.location,
            MeetingMode.PHONE: self.phone,
            MeetingMode.VIDEO: self.video_link,
        }[mode]

    def to_json(self) -> dict[str, dict[str, str]]:
        """The stored form (only offered modes)."""
        data: dict[str, dict[str, str]] = {}
        if self.location:
            data[MeetingMode.IN_PERSON.value] = {"location": self.location}
        if self.phone:
            data[MeetingMode.PHONE.value] = {"number": self.phone}
        if self.video_link:
            data[MeetingMode.VIDEO.value] = {"link": self.video_link}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> MeetingModes:
        """Rebuild from :meth:`to_json` output (missing modes are not offered)."""
        data = data or {}

        def field(mode: MeetingMode, name: str) -> str:
            value = (data.get(mode.value) or {}).get(name, "")
            return value if isinstance(value, str) else ""

        return cls(
            location=field(MeetingMode.IN_PERSON, "location"),
            phone=field(MeetingMode.PHONE, "number"),
            video_link=field(MeetingMode.VIDEO, "link"),
        )


def validate_mode(value: str, modes: MeetingModes) -> MeetingMode:
    """The chosen mode if the adviser offers it; ``booking.mode_not_offered`` otherwise.

    One key for unknown and withdrawn modes: the adviser may have changed their offer
    while the employee's form was open, and the remedy is the same.
    """
    try:
        mode = MeetingMode(value)
    except ValueError:
        raise DomainError("booking.mode_not_offered") from None
    if mode not in modes.offered:
        raise DomainError("booking.mode_not_offered")
    return mode


def validate_category(value: str | None) -> str | None:
    """A registration category (``vpbot.domain.cases.CATEGORIES``) or None; else ``input.invalid``."""
    if value is None or value == "":
        return None
    if value not in CATEGORIES:
        raise DomainError("input.invalid", field="category")
    return value


def validate_booking_note(text: str | None) -> str | None:
    """The employee's optional note: None when blank, ``note.too_long`` above the limit."""
    cleaned = optional_text(
        text, field="note", max_length=MAX_BOOKING_NOTE_LENGTH, too_long_key="note.too_long"
    )
    return cleaned or None
