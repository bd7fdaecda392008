"""Small building blocks shared by the adviser and admin screens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from vpbot.ui.actions import ActionId
from vpbot.ui.screens import TEXT_MAX, Button, Buttons, DynamicText, Screen, Text
from vpbot.ui.text import Dynamic, Msg

__all__ = [
    "FORBIDDEN",
    "capped",
    "dynamic_blocks",
    "forbidden_screen",
    "initial",
    "list_end",
    "list_msg",
    "menu_button",
    "notice_blocks",
    "short",
]

FORBIDDEN = "vpbot.forbidden"

T = TypeVar("T")


def dynamic_blocks(text: str, *, muted: bool = False) -> tuple[DynamicText, ...]:
    """Someone's text as one or more paragraphs (a paragraph holds at most 3000 characters)."""
    chunks = [text[i : i + TEXT_MAX] for i in range(0, len(text), TEXT_MAX)] or [" "]
    return tuple(DynamicText(Dynamic(chunk), muted=muted) for chunk in chunks)


def capped(items: Sequence[T], limit: int) -> tuple[Sequence[T], int]:
    """The first ``limit`` items and how many were left out (a screen holds 100 blocks)."""
    return items[:limit], max(0, len(items) - limit)


def list_end(shown: int, hidden: int, none_key: str | None = None) -> list[Text]:
    """What ends a capped list: "and N more" if items were left out, ``none_key`` if it is empty."""
    if hidden:
        return [Text("panel.more", {"count": hidden}, muted=True)]
    return [Text(none_key, muted=True)] if not shown and none_key else []


def short(text: str, limit: int = 75) -> Dynamic:
    """Data for a label with a length limit (an option or button label), shortened with "…"."""
    return Dynamic(text if len(text) <= limit else text[: limit - 1] + "…")


def initial(text: str | None) -> Dynamic | None:
    """A prefilled value for an input the viewer edits themself; ``None`` when empty."""
    return Dynamic(text) if text else None


def list_msg(items: Sequence[Msg]) -> Msg:
    """Translated labels joined with commas ("Pesten, Werkdruk"), as one message."""
    if not items:
        raise ValueError("list_msg needs at least one item")
    if len(items) == 1:
        return items[0]
    return Msg("list.pair", {"first": items[0], "rest": list_msg(items[1:])})


def notice_blocks(notice: Msg | None) -> tuple[Text, ...]:
    """A confirmation line at the top of a screen ("Saved."), if there is one."""
    return () if notice is None else (Text(notice.key, notice.params),)


def menu_button() -> Button:
    """Back to the main menu."""
    return Button(ActionId.OPEN_APP, "button.back_to_menu")


def forbidden_screen() -> Screen:
    """A polite refusal for someone who opened a panel their role does not include."""
    return Screen(
        FORBIDDEN,
        "panel.forbidden.title",
        (Text("error.auth.forbidden"), Text("panel.forbidden.help", muted=True), Buttons((menu_button(),))),
        close_key="modal.close",
    )
