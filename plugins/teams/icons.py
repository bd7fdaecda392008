"""The Teams app icons, drawn in pure Python and written as PNG (zlib only, no imaging library).

Teams wants a 192×192 full-colour icon and a 32×32 outline icon that is white on a
transparent background. Both show a speech bubble: vpbot is about a conversation.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

Pixel = tuple[int, int, int, int]  # RGBA
WHITE: Pixel = (255, 255, 255, 255)
CLEAR: Pixel = (0, 0, 0, 0)
COLOR_SIZE = 192
OUTLINE_SIZE = 32


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGBA PNG of ``width`` × ``height``; ``pixel(x, y)`` gives each pixel."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type "None" for each scanline
        for x in range(width):
            rows += bytes(pixel(x, y))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    chunks = _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + _chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def hex_rgb(color: str) -> tuple[int, int, int]:
    """``"#2c5f5d"`` as an RGB triple."""
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _in_bubble(x: float, y: float) -> bool:
    """A speech bubble on the unit square: an ellipse with a tail at the lower left."""
    ellipse = ((x - 0.5) / 0.36) ** 2 + ((y - 0.45) / 0.27) ** 2 <= 1.0
    tail = 0.24 <= x <= 0.44 and 0.62 <= y <= 0.84 and (x - 0.24) <= (0.84 - y) * 1.0
    return ellipse or tail


def _in_dot(x: float, y: float) -> bool:
    """Three dots inside the bubble ("someone is listening")."""
    return any(((x - cx) / 0.045) ** 2 + ((y - 0.45) / 0.045) ** 2 <= 1.0 for cx in (0.36, 0.5, 0.64))


def color_icon(accent: str) -> bytes:
    """The 192×192 colour icon: a white bubble on the accent colour."""
    r, g, b = hex_rgb(accent)
    background: Pixel = (r, g, b, 255)

    def pixel(x: int, y: int) -> Pixel:
        u, v = (x + 0.5) / COLOR_SIZE, (y + 0.5) / COLOR_SIZE
        if _in_bubble(u, v) and not _in_dot(u, v):
            return WHITE
        return background

    return png(COLOR_SIZE, COLOR_SIZE, pixel)


def outline_icon() -> bytes:
    """The 32×32 outline icon: the bubble's edge in white, the rest transparent."""

    def inside(x: int, y: int) -> bool:
        return 0 <= x < OUTLINE_SIZE and 0 <= y < OUTLINE_SIZE and _in_bubble(
            (x + 0.5) / OUTLINE_SIZE, (y + 0.5) / OUTLINE_SIZE
        )

    def pixel(x: int, y: int) -> Pixel:
        if not inside(x, y):
            return CLEAR
        edge = any(not inside(x + dx, y + dy) for dx in (-2, -1, 0, 1, 2) for dy in (-2, -1, 0, 1, 2))
        return WHITE if edge else CLEAR

    return png(OUTLINE_SIZE, OUTLINE_SIZE, pixel)
