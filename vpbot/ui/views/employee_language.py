"""Choosing the language vpbot speaks (Dutch or English)."""

from __future__ import annotations

import dataclasses

from vpbot.ui.options import language_options
from vpbot.ui.screens import Screen, Select, SelectStyle, Text
from vpbot.ui.views.employee_common import nav_row

__all__ = ["LANGUAGE", "language_screen", "with_notice"]

LANGUAGE = "vpbot.employee.language"


def language_screen(current: str) -> Screen:
    """Nederlands / English, the current choice preselected."""
    choice = Select("language", "language.label", language_options(), initial=current, style=SelectStyle.RADIO)
    return Screen(
        LANGUAGE, "language.title", (choice, nav_row()), submit_key="modal.save", close_key="modal.cancel"
    )


def with_notice(screen: Screen, notice_key: str) -> Screen:
    """``screen`` with a short notice on top (e.g. "your language choice has been saved")."""
    return dataclasses.replace(screen, blocks=(Text(notice_key), *screen.blocks))
