"""Alembic environment: runs on the engine handed over by ``vpbot.storage.migrate``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from vpbot.storage.db import make_engine
from vpbot.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:  # plain `alembic` command line use
        engine = make_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///vpbot.db")
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite cannot ALTER most things; batch mode recreates tables instead.
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("vpbot migrations run online only: use `vpbot migrate`")
run_migrations_online()
