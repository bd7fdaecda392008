"""Shared fixtures: a clean environment, and migrated databases on SQLite and PostgreSQL.

Every database test runs twice: on SQLite, and on PostgreSQL when
``VPBOT_TEST_POSTGRES_URL`` is set (otherwise that half is skipped with the reason shown).
``pytest -m postgres`` runs only the PostgreSQL half.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support.databases import (
    POSTGRES_SKIP_REASON,
    migrated_sqlite_template,
    postgres_schema,
    truncate_all,
)
from tests.support.teams_fakes import FakeConnector, OpenIdServer
from vpbot.storage.db import make_engine

# Variables that real SDKs read by themselves (DESIGN.md §5): Bolt turns on OAuth when
# SLACK_CLIENT_ID is set; the Teams SDK reads CLIENT_ID/CLIENT_SECRET/TENANT_ID.
_AMBIENT_PREFIXES = ("SLACK_", "VPBOT_")
_AMBIENT_NAMES = ("CLIENT_ID", "CLIENT_SECRET", "TENANT_ID", "BOT_ID", "BOT_PASSWORD")
_KEEP = ("VPBOT_TEST_POSTGRES_URL",)

POSTGRES_URL = os.environ.get("VPBOT_TEST_POSTGRES_URL")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see the developer's or CI's Slack, Teams or vpbot configuration."""
    for name in list(os.environ):
        if name in _KEEP:
            continue
        if name.startswith(_AMBIENT_PREFIXES) or name in _AMBIENT_NAMES:
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (much faster than migrating each time)."""
    return migrated_sqlite_template(tmp_path_factory.mktemp("template") / "vpbot.db")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated schema of its own in the configured PostgreSQL database."""
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP_REASON)
    with postgres_schema(POSTGRES_URL) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """The URL of a migrated, empty database: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "vpbot.db"
        shutil.copyfile(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    truncate_all(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on the migrated, empty test database."""
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def empty_sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """An engine on a SQLite file with no schema at all."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    yield engine
    engine.dispose()



@pytest.fixture
def openid() -> Iterator[OpenIdServer]:
    """A local OpenID metadata + JWKS server publishing the Teams test signing key."""
    with OpenIdServer() as server:
        yield server


@pytest.fixture
def connector() -> Iterator[FakeConnector]:
    """A recording fake Bot Connector (Teams outbound)."""
    with FakeConnector() as server:
        yield server


def pytest_report_header() -> str:
    """Say up front which databases this run covers."""
    if POSTGRES_URL:
        return "vpbot databases: SQLite and PostgreSQL (VPBOT_TEST_POSTGRES_URL is set)"
    return "vpbot databases: SQLite only; " + POSTGRES_SKIP_REASON


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per skip reason with its count, instead of one line per skipped test."""
    reasons: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        terminalreporter.section("skipped, by reason")
        for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
            terminalreporter.line(f"{count} skipped: {reason}")
