"""Housekeeping jobs that must run at most once at a time in the whole deployment.

Each holds a PostgreSQL advisory lock (:func:`vpbot.dispatch.locks.singleton`) and skips
its run when another process already holds it, so N workers never purge twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import Engine

from vpbot.dispatch.locks import singleton
from vpbot.services import outbox
from vpbot.services.dedupe import prune_remembered
from vpbot.services.retention import PurgeReport, purge_due
from vpbot.services.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

RETENTION_JOB = "retention"
KEY_REWRAP_JOB = "key-rewrap"
HOUSEKEEPING_INTERVAL_SECONDS = 3600.0
# Delivered (or finally failed) notifications are kept this long for operators, then deleted.
OUTBOX_KEEP = timedelta(days=30)


def run_retention(engine: Engine, uows: UnitOfWorkFactory) -> PurgeReport | None:
    """Warn and purge closed cases that are due, and prune old outbox rows.

    Returns None when another process holds the job (nothing was done here).
    """
    with singleton(engine, RETENTION_JOB) as acquired:
        if not acquired:
            log.info("retention job already running elsewhere; skipped")
            return None
        with uows() as uow:
            report = purge_due(uow, uow.now)
            pruned = outbox.prune_finished(uow.session, uow.now - OUTBOX_KEEP)
            prune_remembered(uow.session, uow.now)
            uow.commit()
        log.info("retention: purged %s, warned %s, held %s, outbox rows pruned %s",
                 report.purged, report.warned, report.held, pruned)
        return report
