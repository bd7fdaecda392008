"""What happens to a tenant's data when the app is removed (DESIGN.md C7).

Both plugins call :func:`apply_uninstall_policy` in the same transaction in which they mark
the tenant uninstalled (Slack: ``app_uninstalled``; Teams: the tenant's last removal). The
admin chose the policy in the settings (``TenantSettings.on_uninstall``):

- ``"keep"`` (the default): nothing is deleted; the app may be reinstalled. Cases are still
  crypto-shredded by the retention job once their time has come, and notifications wait
  (the dispatcher gives up the ones that fall due while the tenant stays uninstalled).
- ``"purge"``: every case not on legal hold is crypto-shredded at once, with the one
  shredding routine :func:`vpbot.services.retention.purge_case` (anonymous counts are kept);
  notifications still waiting are cancelled, and the conversation references that say where
  to reach people are deleted. A case on legal hold is kept, untouched, until the hold is
  lifted and retention takes it.

Platform tokens are the plugins' business: they delete them at once, whatever the policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Delete, Update, delete, select, update
from sqlalchemy.engine import CursorResult

from vpbot.services import tenants
from vpbot.services.actor import SystemActor
from vpbot.services.retention import purge_case
from vpbot.services.uow import UnitOfWork
from vpbot.storage.models import Case, ConversationRef, OutboxItem, Tenant

__all__ = ["KEEP", "PURGE", "UninstallReport", "apply_uninstall_policy"]

KEEP = "keep"
PURGE = "purge"
UNINSTALL = "uninstall"  # the system actor's name in the audit log


@dataclass(frozen=True)
class UninstallReport:
    """What applying the policy did (counts only)."""

    policy: str
    purged: int = 0
    held: int = 0  # cases kept because of a legal hold
    cancelled: int = 0  # pending notifications cancelled
    references: int = 0  # conversation references deleted


def apply_uninstall_policy(uow: UnitOfWork, tenant_id: str) -> UninstallReport:
    """Apply the tenant's ``on_uninstall`` policy; the tenant must be marked uninstalled.

    Works inside the caller's unit of work and does not commit. Safe to run again: purged
    cases are skipped, and nothing is left pending to cancel.
    """
    tenant = uow.session.get(Tenant, tenant_id)
    if tenant is None or tenant.status != "uninstalled":
        raise ValueError("the uninstall policy applies to an uninstalled tenant only")
    actor = SystemActor(UNINSTALL, tenant_id)
    policy = tenants.tenant_settings(uow, tenant_id).on_uninstall
    if policy != PURGE:
        uow.audit(actor, "tenant.uninstall_policy.keep", "tenant", tenant_id)
        return UninstallReport(KEEP)
    purged = held = 0
    for case in _cases_to_consider(uow, tenant_id):
        if case.legal_hold:
            held += 1
        else:
            purged += purge_case(uow, case, actor)
    waiting = (
        update(OutboxItem)
        .where(OutboxItem.tenant_id == tenant_id, OutboxItem.status == "pending")
        .values(status="cancelled")
    )
    cancelled = _changed(uow, waiting)
    references = _changed(uow, delete(ConversationRef).where(ConversationRef.tenant_id == tenant_id))
    uow.audit(actor, "tenant.uninstall_policy.purge", "tenant", tenant_id)
    return UninstallReport(PURGE, purged, held, cancelled, references)


def _changed(uow: UnitOfWork, statement: Update | Delete) -> int:
    """Run a bulk UPDATE / DELETE; how many rows it changed."""
    result = uow.session.execute(statement.execution_options(synchronize_session=False))
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _cases_to_consider(uow: UnitOfWork, tenant_id: str) -> list[Case]:
    """The tenant's cases not yet purged, locked (waiting for a retention run that holds one)."""
    return list(
        uow.session.scalars(
            select(Case)
            .where(Case.tenant_id == tenant_id, Case.status != "purged")
            .order_by(Case.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
