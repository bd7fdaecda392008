"""The Alembic migrations build exactly the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from vpbot.storage import migrate
from vpbot.storage.models import Base
from vpbot.web.health import readiness


def test_migrated_database_matches_the_models_without_drift(engine: Engine) -> None:
    migrate.check(engine)  # raises if `alembic check` finds drift
    assert migrate.is_current(engine)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_downgrade_to_nothing_and_up_again(engine: Engine) -> None:
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert "cases" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.is_current(engine)


def test_sqlite_runs_with_wal_foreign_keys_and_secure_delete(empty_sqlite_engine: Engine) -> None:
    with empty_sqlite_engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA secure_delete").scalar() == 1


def test_readiness_reports_migration_state(engine: Engine, empty_sqlite_engine: Engine) -> None:
    ready, body = readiness(engine)
    assert ready and body["database"] == "reachable"
    ready, body = readiness(empty_sqlite_engine)
    assert not ready and "vpbot migrate" in body["migration"]


def test_readiness_when_the_database_is_down() -> None:
    from vpbot.storage.db import make_engine

    down = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none", pool_pre_ping=False)
    ready, body = readiness(down)
    assert not ready and body["database"] == "unreachable"
