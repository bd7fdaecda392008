"""The App Home tab: a published, always-visible screen — so it never holds content (C2).

Unlike a modal, a published view is on screen without anyone clicking for it, on every
device the person is signed in to. It therefore shows only fixed catalogue text, moments
and pseudonymous case references (``VP-7K3Q``): no names, no pseudonyms, no topics, no
categories, nothing anyone typed. Every line has an "open" button; what the appointment or
case is about appears in the modal that click opens.

The builder takes plain values, not service objects, and checks each reference's shape, so
free text cannot reach this screen by accident.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from vpbot.ui.actions import ActionId
from vpbot.ui.screens import Block, Button, Buttons, ButtonStyle, Divider, Screen, Text
from vpbot.ui.text import Dynamic, Param, When
from vpbot.ui.views.panel_parts import capped, list_end

__all__ = ["HOME_TAB", "AdviserOverview", "HomeAppointment", "HomeCase", "home_tab_screen"]

HOME_TAB = "vpbot.home.tab"
MAX_APPOINTMENTS = 10
MAX_CASES = 20
_REFERENCE_RE = re.compile(r"^VP-[0-9A-Z]{4,12}$")
_NO_REFERENCE = "–"


def _reference(value: str | None) -> Dynamic:
    """A case reference for the published view; anything else is refused."""
    if not value:
        return Dynamic(_NO_REFERENCE)
    if not _REFERENCE_RE.fullmatch(value):
        raise ValueError("the Home tab shows case references like 'VP-7K3Q' only")
    return Dynamic(value)


@dataclass(frozen=True)
class HomeAppointment:
    """An upcoming appointment: when, and for which case (by reference)."""

    appointment_id: str
    starts_at: datetime
    case_reference: str | None


@dataclass(frozen=True)
class HomeCase:
    """An open case, by reference."""

    case_id: str
    reference: str


@dataclass(frozen=True)
class AdviserOverview:
    """What an adviser sees on their Home tab."""

    appointments: Sequence[HomeAppointment]
    cases: Sequence[HomeCase]


def home_tab_screen(*, is_admin: bool = False, adviser: AdviserOverview | None = None) -> Screen:
    """The Home tab: what vpbot is and the way in; for an adviser, times and references."""
    blocks: list[Block] = [
        Text("home.intro"),
        Buttons(
            (
                Button(ActionId.OPEN_APP, "button.open_app", style=ButtonStyle.PRIMARY),
                Button(ActionId.MENU_MINE, "button.menu.mine"),
                Button(ActionId.MENU_HELP, "button.menu.help"),
            )
        ),
        Text("help.crisis.body", muted=True),
        Text("home.privacy", muted=True),
    ]
    if adviser is not None:
        blocks += _adviser_blocks(adviser)
    if is_admin:
        blocks += [Divider(), Buttons((Button(ActionId.OPEN_ADMIN, "button.panel.admin"),))]
    return Screen(HOME_TAB, "home.title", tuple(blocks))


def _adviser_blocks(adviser: AdviserOverview) -> list[Block]:
    blocks: list[Block] = [Divider(), Text("home_tab.adviser.intro", muted=True)]
    blocks.append(Text("adviser.appointments.heading"))
    shown, hidden = capped(adviser.appointments, MAX_APPOINTMENTS)
    for item in shown:
        line: dict[str, Param] = {"when": When(item.starts_at), "ref": _reference(item.case_reference)}
        blocks += [
            Text("home_tab.appointment.line", line),
            Buttons((Button(ActionId.ADVISER_OPEN_APPOINTMENT, "button.adviser.open_appointment",
                            value=item.appointment_id),)),
        ]
    blocks += list_end(len(shown), hidden, "adviser.appointments.none")
    blocks.append(Text("adviser.cases.heading"))
    cases, hidden_cases = capped(adviser.cases, MAX_CASES)
    for case in cases:
        blocks += [
            Text("home_tab.case.line", {"ref": _reference(case.reference)}),
            Buttons((Button(ActionId.ADVISER_OPEN_CASE, "button.adviser.open_case", value=case.case_id),)),
        ]
    blocks += list_end(len(cases), hidden_cases, "adviser.cases.none")
    blocks.append(Buttons((Button(ActionId.OPEN_ADVISER, "button.panel.adviser"),)))
    return blocks
