"""The hourly housekeeping job: retention purge under a singleton lock, outbox pruning."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, func, select

from tests.support.casedata import case, close, new_case
from tests.support.casework import World, make_world
from tests.support.server import VPBOT, clean_env
from vpbot.crypto.keyring import generate_entry
from vpbot.dispatch.jobs import RETENTION_JOB, run_retention
from vpbot.dispatch.locks import singleton
from vpbot.storage.db import is_postgres
from vpbot.storage.models import Case, OutboxItem, ProcessedEvent


def _closed_case_due(engine: Engine) -> tuple[World, str]:
    world = make_world(engine)
    case_id = new_case(world)
    with world.make() as uow:
        close(uow, case(uow, case_id), weeks=())
        uow.commit()
    world.make.clock.advance(timedelta(days=400))  # past the default 12 months
    return world, case_id


def test_retention_job_purges_due_cases_and_prunes_old_outbox_rows(engine: Engine) -> None:
    world, case_id = _closed_case_due(engine)
    with world.make() as uow:
        uow.session.add(OutboxItem(tenant_id=world.tenant_id, kind="new_message", payload={},
                                   status="sent", due_at=uow.now - timedelta(days=60),
                                   created_at=uow.now - timedelta(days=60)))
        uow.session.add(ProcessedEvent(event_id="old", received_at=uow.now - timedelta(hours=2)))
        uow.session.add(ProcessedEvent(event_id="recent", received_at=uow.now))
        uow.commit()
    report = run_retention(engine, world.make)
    assert report is not None and report.purged == 1
    with world.make() as uow:
        purged = uow.session.get(Case, case_id)
        assert purged is not None and purged.status == "purged"
        old_sent = uow.session.scalar(select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "sent"))
        assert old_sent == 0
        remembered = set(uow.session.scalars(select(ProcessedEvent.event_id)))
        assert remembered == {"recent"}, "request/event keys older than an hour are forgotten"


def test_only_one_process_runs_the_retention_job(engine: Engine) -> None:
    world, case_id = _closed_case_due(engine)
    with singleton(engine, RETENTION_JOB) as held:
        assert held
        if is_postgres(engine):
            # Another connection (as another process would) cannot take the job meanwhile.
            from vpbot.storage.db import make_engine

            other = make_engine(engine.url.render_as_string(hide_password=False))
            try:
                assert run_retention(other, world.make) is None
            finally:
                other.dispose()
        else:
            assert run_retention(engine, world.make) is None
    with world.make() as uow:
        kept = uow.session.get(Case, case_id)
        assert kept is not None and kept.status == "closed"


def test_cli_purge(tmp_path: Path, db_url: str) -> None:
    env = {"VPBOT_DATABASE_URL": db_url, "VPBOT_MASTER_KEY": generate_entry("purge")}
    result = subprocess.run([*VPBOT, "purge"], cwd=tmp_path, env=clean_env(env),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "0 case(s) purged" in result.stdout
