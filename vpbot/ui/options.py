"""Option lists the product offers, with their stable values and label keys.

Values are what services receive on submit and store; labels come from the catalogue
(``category.<value>``, ``referral.type.<value>``, ...). The domain's enums should use the
same values; :func:`category_options` and friends accept any subset, in any order.
"""

from __future__ import annotations

from collections.abc import Iterable

from vpbot.ui.i18n import SUPPORTED_LOCALES
from vpbot.ui.screens import Option

__all__ = [
    "ADVISER_KIND_VALUES",
    "ANY_ADVISER_KIND",
    "CATEGORY_VALUES",
    "CHECKIN_ANSWER_VALUES",
    "DISCLOSURE_GROUND_VALUES",
    "MEETING_MODE_VALUES",
    "REFERRAL_CHOICE_VALUES",
    "REFERRAL_TYPE_VALUES",
    "adviser_kind_options",
    "category_options",
    "disclosure_ground_options",
    "language_options",
    "mode_options",
    "referral_choice_options",
    "referral_type_options",
]

# Registration categories, for anonymised statistics only (DESIGN §1).
CATEGORY_VALUES: tuple[str, ...] = (
    "bullying",  # pesten
    "harassment",  # (seksuele) intimidatie
    "aggression",  # agressie en geweld
    "discrimination",  # discriminatie
    "workload",  # werkdruk / psychosociale arbeidsbelasting
    "integrity",  # integriteit
    "other",  # overig
    "undisclosed",  # zeg ik liever niet
)

REFERRAL_TYPE_VALUES: tuple[str, ...] = (
    "company_doctor",  # bedrijfsarts
    "mediator",
    "coach",
    "legal",  # Juridisch Loket / jurist
    "gp_psychologist",  # huisarts / psycholoog
    "victim_support",  # Slachtofferhulp Nederland
    "whistleblower",  # Huis voor Klokkenluiders
    "police",  # politie
    "complaints_committee",  # klachtencommissie
    "hr",
    "other",  # overig
)

MEETING_MODE_VALUES: tuple[str, ...] = ("in_person", "phone", "video")
ADVISER_KIND_VALUES: tuple[str, ...] = ("internal", "external")
# The employee's answer to a proposed referral.
REFERRAL_CHOICE_VALUES: tuple[str, ...] = ("share", "self", "decline")
CHECKIN_ANSWER_VALUES: tuple[str, ...] = ("good", "talk", "stop")
# The only two grounds on which an adviser may break confidentiality.
DISCLOSURE_GROUND_VALUES: tuple[str, ...] = ("acute_danger", "legal_duty")

# The "no preference" choice when booking; not an adviser kind itself.
ANY_ADVISER_KIND = "any"


def _options(prefix: str, values: Iterable[str], allowed: tuple[str, ...]) -> tuple[Option, ...]:
    chosen = tuple(values)
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        raise ValueError(f"unknown {prefix} values: {unknown}")
    return tuple(Option(value, f"{prefix}.{value}") for value in chosen)


def category_options(values: Iterable[str] = CATEGORY_VALUES) -> tuple[Option, ...]:
    """Registration categories, labelled ``category.<value>``."""
    return _options("category", values, CATEGORY_VALUES)


def referral_type_options(values: Iterable[str] = REFERRAL_TYPE_VALUES) -> tuple[Option, ...]:
    """Kinds of professional to refer to, labelled ``referral.type.<value>``."""
    return _options("referral.type", values, REFERRAL_TYPE_VALUES)


def mode_options(values: Iterable[str] = MEETING_MODE_VALUES) -> tuple[Option, ...]:
    """In person / phone / video, labelled ``mode.<value>``."""
    return _options("mode", values, MEETING_MODE_VALUES)


def adviser_kind_options(*, include_any: bool = False) -> tuple[Option, ...]:
    """Internal / external adviser; with ``include_any`` a "no preference" choice first."""
    kinds = _options("adviser.kind", ADVISER_KIND_VALUES, ADVISER_KIND_VALUES)
    if include_any:
        return (Option(ANY_ADVISER_KIND, "adviser.kind.any"), *kinds)
    return kinds


def referral_choice_options() -> tuple[Option, ...]:
    """The employee's answers to a proposed referral, labelled ``referral.choice.<value>``."""
    return _options("referral.choice", REFERRAL_CHOICE_VALUES, REFERRAL_CHOICE_VALUES)


def disclosure_ground_options() -> tuple[Option, ...]:
    """Acute danger / legal duty, labelled ``disclosure.ground.<value>``."""
    return _options("disclosure.ground", DISCLOSURE_GROUND_VALUES, DISCLOSURE_GROUND_VALUES)


def language_options() -> tuple[Option, ...]:
    """Supported languages, each named in its own language (``language.<code>``)."""
    return tuple(Option(code, f"language.{code}") for code in SUPPORTED_LOCALES)
