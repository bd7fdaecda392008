"""Referral kinds and the Dutch default directory every new tenant starts with."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ReferralKind(enum.StrEnum):
    """Professionals a vertrouwenspersoon may refer an employee to (doorverwijzing).

    Values match ``vpbot.ui.options.REFERRAL_TYPE_VALUES`` (labels ``referral.type.<value>``).
    """

    BEDRIJFSARTS = "company_doctor"
    MEDIATOR = "mediator"
    COACH = "coach"
    JURIST = "legal"
    HUISARTS = "gp_psychologist"
    SLACHTOFFERHULP = "victim_support"
    KLOKKENLUIDERS = "whistleblower"
    POLITIE = "police"
    KLACHTENCOMMISSIE = "complaints_committee"
    HR = "hr"
    OTHER = "other"


@dataclass(frozen=True)
class DirectoryEntry:
    """A default directory entry (public contact details; admins edit them per tenant)."""

    kind: ReferralKind
    name: str
    contact: str
    description: str


DEFAULT_DIRECTORY: tuple[DirectoryEntry, ...] = (
    DirectoryEntry(ReferralKind.BEDRIJFSARTS, "Bedrijfsarts", "Via de arbodienst van je werkgever",
                   "Voor gezondheidsklachten die met je werk te maken hebben."),
    DirectoryEntry(ReferralKind.MEDIATOR, "Mediator", "Via HR of een MfN-register-mediator",
                   "Helpt een conflict samen op te lossen."),
    DirectoryEntry(ReferralKind.COACH, "Coach", "Via je werkgever of een eigen coach",
                   "Helpt je verder met werk en veerkracht."),
    DirectoryEntry(ReferralKind.JURIST, "Het Juridisch Loket", "0900-8020 · juridischloket.nl",
                   "Gratis juridisch advies."),
    DirectoryEntry(ReferralKind.HUISARTS, "Huisarts / psycholoog", "Je eigen huisarts",
                   "Voor psychische of lichamelijke klachten."),
    DirectoryEntry(ReferralKind.SLACHTOFFERHULP, "Slachtofferhulp Nederland",
                   "0900-0101 · slachtofferhulp.nl", "Steun na een misdrijf of ingrijpende gebeurtenis."),
    DirectoryEntry(ReferralKind.KLOKKENLUIDERS, "Huis voor Klokkenluiders",
                   "088-1331 030 · huisvoorklokkenluiders.nl", "Advies bij het melden van een misstand."),
    DirectoryEntry(ReferralKind.POLITIE, "Politie", "0900-8844 (bij spoed 112)",
                   "Aangifte of melding van een strafbaar feit."),
    DirectoryEntry(ReferralKind.KLACHTENCOMMISSIE, "Klachtencommissie", "Via de klachtenregeling van je werkgever",
                   "Een formele klacht over ongewenst gedrag."),
    DirectoryEntry(ReferralKind.HR, "HR", "Je HR-afdeling",
                   "Alleen als jij dat wilt: HR kan maatregelen nemen."),
    DirectoryEntry(ReferralKind.OTHER, "Anders", "", "Een andere professional."),
)
