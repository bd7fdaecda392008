"""Inline SVG bar charts for the HTML report: no scripts, no external resources.

A bar is drawn only for an exact figure. A "<5" or "x" gets no bar, just its mark: a bar's
length would otherwise tell what the mark hides.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

__all__ = ["bar_chart"]

_WIDTH = 640
_LABEL = 270  # room for the labels on the left ("Werkdruk / psychosociale arbeidsbelasting")
_BAR_ROOM = 320
_ROW = 22
_TOP = 8


def bar_chart(title: str, items: Sequence[tuple[str, str]]) -> str:
    """A captioned horizontal bar chart of ``(label, figure text)`` items; exact figures get bars."""
    numbers = [int(value) for _, value in items if value.isdigit()]
    scale = _BAR_ROOM / max([*numbers, 1])
    height = _TOP * 2 + _ROW * len(items)
    parts = [
        f"<figure><figcaption>{escape(title)}</figcaption>",
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {_WIDTH} {height}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(items):
        y = _TOP + index * _ROW
        middle = y + _ROW / 2 + 4
        parts.append(f'<text x="{_LABEL - 8}" y="{middle}" text-anchor="end">{escape(label)}</text>')
        width = round(int(value) * scale, 1) if value.isdigit() else 0
        if width:
            parts.append(f'<rect x="{_LABEL}" y="{y + 4}" width="{width}" height="{_ROW - 8}" class="bar"/>')
        css = "value" if value.isdigit() else "value mark"
        parts.append(f'<text x="{_LABEL + width + 6}" y="{middle}" class="{css}">{escape(value)}</text>')
    parts.append("</svg></figure>")
    return "".join(parts)
