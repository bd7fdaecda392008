"""The audit log is hash-chained: a changed or deleted row is reported by `vpbot audit verify`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import Engine, delete, select, update

from tests.support.core import uow_factory
from tests.support.server import VPBOT, clean_env
from vpbot.crypto.keyring import generate_entry
from vpbot.services import audit, tenants
from vpbot.storage.models import AuditEvent


def _history(engine: Engine, n: int = 5) -> list[int]:
    make = uow_factory(engine)
    with make() as uow:
        tenant_id = tenants.register_tenant(uow, "slack", "TAUDIT")
        actor = tenants.identify(uow, tenant_id, "U1")
        for i in range(n):
            uow.audit(actor, f"test.action{i}", "case", f"obj{i}", role="adviser")
        uow.commit()
    with make() as uow:
        return list(uow.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))


def test_an_untouched_chain_verifies(engine: Engine) -> None:
    seqs = _history(engine)
    with uow_factory(engine)() as uow:
        checked, problems = audit.verify(uow.session)
    assert checked == len(seqs) and problems == []


def test_a_changed_row_is_reported(engine: Engine) -> None:
    seqs = _history(engine)
    with engine.begin() as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == seqs[2]).values(object_id="other"))
    with uow_factory(engine)() as uow:
        _, problems = audit.verify(uow.session)
    assert [(p.seq, p.problem) for p in problems] == [(seqs[2], "changed")]


def test_a_deleted_row_is_reported(engine: Engine) -> None:
    seqs = _history(engine)
    with engine.begin() as connection:
        connection.execute(delete(AuditEvent).where(AuditEvent.seq == seqs[1]))
    with uow_factory(engine)() as uow:
        _, problems = audit.verify(uow.session)
    assert [(p.seq, p.problem) for p in problems] == [(seqs[2], "missing_before")]


def test_audit_rows_hold_no_content(engine: Engine) -> None:
    _history(engine)
    with uow_factory(engine)() as uow:
        rows = uow.session.scalars(select(AuditEvent)).all()
        assert rows and all(r.action and r.object_type for r in rows)
        assert all("U1" not in (r.object_id or "") for r in rows), "no platform ids in the audit log"


def test_cli_audit_verify(tmp_path: Path, db_url: str, engine: Engine) -> None:
    seqs = _history(engine)
    env = {"VPBOT_DATABASE_URL": db_url, "VPBOT_MASTER_KEY": generate_entry("cli")}
    ok = subprocess.run([*VPBOT, "audit", "verify"], env=clean_env(env), cwd=tmp_path,
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0 and f"{len(seqs)} event(s) verified" in ok.stdout
    with engine.begin() as connection:
        connection.execute(update(AuditEvent).where(AuditEvent.seq == seqs[0]).values(action="forged"))
    bad = subprocess.run([*VPBOT, "audit", "verify"], env=clean_env(env), cwd=tmp_path,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and f"audit event {seqs[0]} was changed" in bad.stdout


