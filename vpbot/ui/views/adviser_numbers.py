"""An adviser's own numbers: caseload this year, open cases, check-ins due.

Exact counts (every case in them is the adviser's own), shown with the same table lines as
the annual report. No content, no references, no one else's cases.
"""

from __future__ import annotations

from vpbot.services.report import AdviserNumbers
from vpbot.ui.screens import Block, Buttons, Divider, Screen, Text
from vpbot.ui.views.adviser import panel_button
from vpbot.ui.views.report import table_blocks

__all__ = ["NUMBERS", "numbers_screen"]

NUMBERS = "vpbot.adviser.numbers.view"


def numbers_screen(numbers: AdviserNumbers) -> Screen:
    """The adviser's numbers for this year."""
    blocks: list[Block] = [
        Text("adviser.numbers.intro", {"year": numbers.year}, muted=True),
        Text("adviser.numbers.caseload", {"count": numbers.caseload}),
        Text("adviser.numbers.open", {"count": numbers.open_cases}),
        Text("adviser.numbers.checkins", {"count": numbers.checkins_due}),
        Divider(),
        *table_blocks(numbers.per_quarter, threshold=1),
        Buttons((panel_button(),)),
    ]
    return Screen(NUMBERS, "adviser.numbers.title", tuple(blocks), close_key="modal.close")
