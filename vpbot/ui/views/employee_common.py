"""Pieces shared by the employee's screens: navigation rows, long text, and a block budget.

Screens are pure builders (no service calls). Data appears only through
:class:`~vpbot.ui.text.Dynamic` / :class:`~vpbot.ui.text.When`, inside modals the employee
opened themselves (DESIGN C2).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from vpbot.ui.screens import BLOCKS_MAX, BUTTONS_MAX, Block, Button, Buttons, DynamicText
from vpbot.ui.text import Dynamic, Msg
from vpbot.ui.views import panel_parts
from vpbot.ui.views.panel_parts import menu_button, short

__all__ = [
    "BlockBudget",
    "dynamic_blocks",
    "kind_msg",
    "languages_text",
    "menu_button",
    "nav_row",
    "parse_stamp",
    "rows_of",
    "short",
    "stamp",
]

_STAMP = "%Y%m%dT%H%MZ"


def nav_row(*buttons: Button) -> Buttons:
    """A row of ``buttons`` followed by "back to the menu": no screen is a dead end."""
    return Buttons((*buttons, menu_button()))


def rows_of(buttons: Sequence[Button]) -> list[Buttons]:
    """``buttons`` split into rows of at most :data:`BUTTONS_MAX`."""
    return [Buttons(tuple(buttons[i : i + BUTTONS_MAX])) for i in range(0, len(buttons), BUTTONS_MAX)]


def dynamic_blocks(text: str, *, muted: bool = False) -> list[DynamicText]:
    """Someone's text as paragraphs of at most 3000 characters; nothing for an empty text."""
    return list(panel_parts.dynamic_blocks(text, muted=muted)) if text else []


def stamp(at: datetime) -> str:
    """A moment as an identifier for button values and metadata: ``20261124T1300Z``."""
    return at.astimezone(UTC).strftime(_STAMP)


def parse_stamp(value: object) -> datetime | None:
    """The moment in a :func:`stamp`; None for anything else."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value, _STAMP).replace(tzinfo=UTC)
    except ValueError:
        return None


def kind_msg(is_external: bool) -> Msg:
    """The label "intern" or "extern" for an adviser."""
    return Msg("adviser.kind.external" if is_external else "adviser.kind.internal")


def languages_text(codes: Iterable[str]) -> Dynamic:
    """Language codes as shown to an employee: "NL, EN"."""
    return Dynamic(", ".join(code.upper() for code in codes))


class BlockBudget:
    """Collects blocks up to Slack's limit, keeping ``reserve`` blocks free for the end."""

    def __init__(self, reserve: int = 0, limit: int = BLOCKS_MAX) -> None:
        self.blocks: list[Block] = []
        self._limit = limit - reserve

    @property
    def left(self) -> int:
        """How many more blocks fit."""
        return self._limit - len(self.blocks)

    def fits(self, count: int) -> bool:
        """Whether ``count`` more blocks fit."""
        return count <= self.left

    def add(self, *blocks: Block) -> bool:
        """Add all of ``blocks`` if they fit together; otherwise add none and say so."""
        if not self.fits(len(blocks)):
            return False
        self.blocks.extend(blocks)
        return True

    def finish(self, *tail: Block) -> tuple[Block, ...]:
        """The collected blocks plus ``tail`` (which the reserve was kept for)."""
        return (*self.blocks, *tail)
