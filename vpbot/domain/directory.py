"""The referral directory an admin edits: public contact details, never case content (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from vpbot.domain.cases import require_text
from vpbot.domain.errors import DomainError
from vpbot.domain.inputs import int_within, optional_text
from vpbot.domain.referrals import ReferralKind

__all__ = ["DirectoryFields", "MAX_CONTACT_LENGTH", "MAX_DESCRIPTION_LENGTH", "MAX_NAME_LENGTH"]

MAX_NAME_LENGTH = 200  # the column's size
MAX_CONTACT_LENGTH = 300
MAX_DESCRIPTION_LENGTH = 500
MAX_POSITION = 1000


@dataclass(frozen=True)
class DirectoryFields:
    """A validated directory entry: a known kind, a name, optional contact and description."""

    kind: str
    name: str
    contact: str = ""
    description: str = ""
    position: int = 0

    def __post_init__(self) -> None:
        try:
            kind = ReferralKind(self.kind).value
        except ValueError:
            raise DomainError("input.invalid", field="kind") from None
        if not int_within(self.position, 0, MAX_POSITION):
            raise DomainError("input.invalid", field="position")
        name = require_text(
            self.name, field="name", max_length=MAX_NAME_LENGTH, too_long_key="input.too_long"
        )
        contact = optional_text(self.contact, field="contact", max_length=MAX_CONTACT_LENGTH)
        description = optional_text(self.description, field="description", max_length=MAX_DESCRIPTION_LENGTH)
        # Frozen dataclass: normalising the fields needs object.__setattr__.
        normalised = {"kind": kind, "name": name, "contact": contact, "description": description}
        for field, value in normalised.items():
            object.__setattr__(self, field, value)
