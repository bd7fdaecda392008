"""Test databases: a migrated SQLite template and a private PostgreSQL schema per run."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from vpbot.storage import migrate
from vpbot.storage.db import make_engine
from vpbot.storage.models import Base

POSTGRES_SKIP_REASON = (
    "PostgreSQL not configured: set VPBOT_TEST_POSTGRES_URL="
    "postgresql+psycopg://postgres@127.0.0.1:5432/test to run this half"
)


def migrated_sqlite_template(path: Path) -> Path:
    """Create and migrate a SQLite file, closed so a plain file copy is complete.

    Closing the last connection checkpoints the WAL into the main file and removes it.
    """
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    assert not path.with_name(path.name + "-wal").exists(), "WAL not checkpointed"
    return path


def with_search_path(url: str, schema: str) -> str:
    """``url`` with the PostgreSQL search_path set to ``schema`` for every connection."""
    parsed = make_url(url)
    return parsed.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """Create a private, migrated schema; yield a URL that uses it; drop it afterwards."""
    schema = f"vpbot_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = with_search_path(base_url, schema)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        engine.dispose()
        yield url
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def truncate_all(url: str) -> None:
    """Empty every vpbot table (keeps the Alembic version)."""
    engine = create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
