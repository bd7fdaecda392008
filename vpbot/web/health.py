"""Health and readiness: what an orchestrator and an operator ask first."""

from __future__ import annotations

import logging

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from vpbot.storage import migrate

log = logging.getLogger(__name__)


def readiness(engine: Engine) -> tuple[bool, dict[str, str]]:
    """Whether the database is reachable and at the latest migration, with a reason."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        current = migrate.current_revision(engine)
        head = migrate.head_revision()
    except SQLAlchemyError as exc:
        log.warning("readiness: database unreachable (%s)", type(exc).__name__)
        return False, {"status": "unavailable", "database": "unreachable"}
    if current != head:
        return False, {
            "status": "unavailable",
            "database": "reachable",
            "migration": f"at {current or 'nothing'}, expected {head}; run `vpbot migrate`",
        }
    return True, {"status": "ok", "database": "reachable", "migration": str(head)}
