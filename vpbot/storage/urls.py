"""Database URL facts that settings need before SQLAlchemy is imported."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit


def is_in_memory_sqlite(url: str) -> bool:
    """Whether ``url`` names an in-memory SQLite database.

    Each connection to one gets a database of its own, so the server's threads would not share
    it, and everything in it is lost at exit. Covers ``sqlite://``, ``sqlite:///:memory:`` and
    the URI forms ``file::memory:`` and ``…?mode=memory``.
    """
    parts = urlsplit(url)
    if not parts.scheme.startswith("sqlite"):
        return False
    database = parts.path[1:] if parts.path.startswith("/") else parts.path
    return (
        not database
        or ":memory:" in database
        or "memory" in parse_qs(parts.query).get("mode", [])
    )
