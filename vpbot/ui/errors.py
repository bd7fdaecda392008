"""Texts for domain error codes.

The domain and services raise errors carrying a stable code such as
``"booking.slot_taken"``; the UI shows the catalogue text ``error.<code>``. Codes are
listed here so a test can prove every one of them has a text in both languages. An
unknown code gets a calm generic text instead of a stack trace or a raw code.
"""

from __future__ import annotations

from vpbot.ui import i18n

__all__ = ["ERROR_CODES", "FALLBACK_KEY", "error_key", "error_text"]

ERROR_CODES: tuple[str, ...] = (
    "booking.slot_in_past",
    "booking.outside_availability",
    "booking.slot_taken",
    "note.too_long",
    "adviser.unknown",
    "auth.forbidden",
    "not_found",
    "input.invalid",
    "service.unavailable",
    "case.invalid_transition",
    "disclosure.justification_required",
    "thread.anonymous_not_allowed",
    "thread.no_adviser",
    "booking.too_soon",
    "booking.beyond_horizon",
    "booking.mode_not_offered",
    "adviser.conflict_of_interest",
    "settings.invalid",
    "input.too_long",
    "availability.invalid_window",
    "availability.overlap",
    "absence.invalid",
    "appointment.not_changeable",
    "referral.no_consent",
    "referral.already_decided",
    "referral.not_shared",
    "referral.text_too_long",
    "checkin.already_answered",
    "checkin.cancelled",
    "data.adviser_cannot_delete",
    "retention.legal_hold",
)

FALLBACK_KEY = "error.unexpected"


def error_key(code: str) -> str:
    """The catalogue key for an error code; unknown codes map to :data:`FALLBACK_KEY`."""
    return f"error.{code}" if code in ERROR_CODES else FALLBACK_KEY


def error_text(code: str, locale: str = i18n.DEFAULT_LOCALE) -> str:
    """The user-facing text for an error code in ``locale``."""
    return i18n.t(error_key(code), locale)
