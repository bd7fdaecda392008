"""The App Home tab screen: content-free by construction, valid Block Kit in both languages."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from slack_sdk.models.views import View

from plugins.slack.render import Renderer
from vpbot.ui.i18n import SUPPORTED_LOCALES
from vpbot.ui.views.home_tab import (
    MAX_APPOINTMENTS,
    MAX_CASES,
    AdviserOverview,
    HomeAppointment,
    HomeCase,
    home_tab_screen,
)

AT = datetime(2026, 9, 8, 12, 0, tzinfo=timezone.utc)


def _busy_adviser(appointments: int = 30, cases: int = 60) -> AdviserOverview:
    return AdviserOverview(
        [HomeAppointment(f"{i:032x}", AT + timedelta(hours=i), f"VP-{i:04d}") for i in range(appointments)],
        [HomeCase(f"{i:032x}", f"VP-C{i:03d}") for i in range(cases)],
    )


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_a_busy_advisers_home_is_a_valid_view_within_slacks_limits(locale: str) -> None:
    view = Renderer(locale, "Europe/Amsterdam").home(home_tab_screen(is_admin=True, adviser=_busy_adviser()))
    View(**view).validate_json()
    assert view["type"] == "home" and len(view["blocks"]) <= 100
    shown = json.dumps(view, ensure_ascii=False)
    assert "VP-0000" in shown and f"VP-{MAX_APPOINTMENTS:04d}" not in shown
    assert "VP-C000" in shown and f"VP-C{MAX_CASES:03d}" not in shown
    assert "14:00" in shown  # 12:00Z in Amsterdam


def test_only_case_references_can_be_shown() -> None:
    for text in ("Merel 42", "Anne de Vries", "VP-7K3Q pesten door Karel", "vp-7k3q"):
        with pytest.raises(ValueError):
            home_tab_screen(adviser=AdviserOverview([], [HomeCase("a" * 32, text)]))
        with pytest.raises(ValueError):
            home_tab_screen(adviser=AdviserOverview([HomeAppointment("a" * 32, AT, text)], []))


def test_an_employee_home_has_no_adviser_section() -> None:
    view = Renderer("nl", "Europe/Amsterdam").home(home_tab_screen())
    shown = json.dumps(view, ensure_ascii=False)
    assert "vpbot.adviser" not in shown and "vpbot.panel" not in shown
