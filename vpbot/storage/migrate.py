"""Schema migrations with Alembic, driven from code (``vpbot migrate``, ``vpbot serve``).

The migration scripts live in the top-level ``migrations`` package so they ship with the
wheel; no ``alembic.ini`` is needed at run time.
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

import migrations

SCRIPT_LOCATION = Path(migrations.__file__).parent


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs on ``engine`` (so SQLite pragmas apply)."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # ConfigParser treats "%" as interpolation; URLs may contain it (e.g. search_path options).
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the latest)."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str) -> None:
    """Downgrade the database to ``revision`` ("base" removes every table)."""
    command.downgrade(alembic_config(engine), revision)


def check(engine: Engine) -> None:
    """Raise ``alembic.util.CommandError`` if the models and the migrations differ."""
    command.check(alembic_config(engine))


@functools.cache
def head_revision() -> str | None:
    """The newest migration revision shipped with this version of vpbot."""
    return ScriptDirectory(str(SCRIPT_LOCATION)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def is_current(engine: Engine) -> bool:
    """Whether the database is at the latest migration."""
    return current_revision(engine) == head_revision()
