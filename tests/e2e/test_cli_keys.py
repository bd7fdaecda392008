"""`vpbot keys generate` and `vpbot keys rotate` as an operator runs them."""

from __future__ import annotations

import subprocess
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.server import VPBOT, clean_env
from vpbot.crypto.keyring import MasterKeyring
from vpbot.crypto.keys import KeyManager
from vpbot.crypto.wrapping import MasterKeyWrapper
from vpbot.storage.db import make_engine
from vpbot.storage.models import Tenant, TenantKey


def _vpbot(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*VPBOT, *args], cwd=cwd, env=clean_env(env), capture_output=True, text=True, timeout=60
    )


def test_generate_then_rotate_then_drop_the_old_key(tmp_path: Path, db_url: str) -> None:
    old = _vpbot(tmp_path, {}, "keys", "generate", "--kid", "old").stdout.strip()
    new = _vpbot(tmp_path, {}, "keys", "generate", "--kid", "new").stdout.strip()
    assert old.startswith("old:") and new.startswith("new:") and old != new

    # Data written under the old master key.
    engine = make_engine(db_url)

    with Session(engine) as session, session.begin():
        tenant = Tenant(platform="slack", external_id="T1")
        session.add(tenant)
        session.flush()
        keys = KeyManager(session, MasterKeyWrapper(MasterKeyring.parse(old)))
        secret = keys.encrypt_field(tenant.id, "people", "platform_id_enc", "row1", "U123")
        tenant_id = tenant.id

    env = {"VPBOT_DATABASE_URL": db_url, "VPBOT_MASTER_KEY": f"{new},{old}"}
    result = _vpbot(tmp_path, env, "keys", "rotate")
    assert result.returncode == 0, result.stderr
    assert "re-wrapped 1 tenant key" in result.stdout

    with Session(engine) as session:
        row = session.scalars(select(TenantKey)).one()
        assert row.wrapping_key_id == "new"
        # The old master key is gone from the ring, and the content still reads.
        keys = KeyManager(session, MasterKeyWrapper(MasterKeyring.parse(new)))
        assert keys.decrypt_field(tenant_id, "people", "platform_id_enc", "row1", secret) == "U123"
    engine.dispose()


def test_rotate_without_the_old_key_names_the_missing_key(tmp_path: Path, db_url: str) -> None:
    old = _vpbot(tmp_path, {}, "keys", "generate", "--kid", "gone").stdout.strip()
    new = _vpbot(tmp_path, {}, "keys", "generate", "--kid", "fresh").stdout.strip()
    engine = make_engine(db_url)

    with Session(engine) as session, session.begin():
        tenant = Tenant(platform="teams", external_id="T2")
        session.add(tenant)
        session.flush()
        KeyManager(session, MasterKeyWrapper(MasterKeyring.parse(old))).tenant_key(tenant.id)
    engine.dispose()
    result = _vpbot(tmp_path, {"VPBOT_DATABASE_URL": db_url, "VPBOT_MASTER_KEY": new}, "keys", "rotate")
    assert result.returncode == 2
    assert "gone" in result.stderr and "Traceback" not in result.stderr
