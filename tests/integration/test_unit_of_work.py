"""The unit of work turns a database that cannot serve into a calm "try again"."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.core import uow_factory
from tests.support.databases import migrated_sqlite_template
from vpbot.domain.errors import DomainError
from vpbot.services import tenants
from vpbot.storage.db import make_engine


def test_no_free_connection_in_time_is_service_unavailable(tmp_path: Path) -> None:
    # Found in review: a pool wait timeout is not a DBAPI error and went out as a 500.
    database = migrated_sqlite_template(tmp_path / "pool.db")
    engine = make_engine(f"sqlite:///{database}", pool_size=1, max_overflow=0, pool_timeout=0.1)
    make = uow_factory(engine)
    with engine.connect() as held:  # the only connection
        held.exec_driver_sql("SELECT 1")
        with pytest.raises(DomainError) as refused, make() as uow:
            tenants.register_tenant(uow, "slack", "T0POOL")
    assert refused.value.key == "service.unavailable"
    with make() as uow:  # and once a connection is free again, it works
        assert tenants.register_tenant(uow, "slack", "T0POOL")
    engine.dispose()
