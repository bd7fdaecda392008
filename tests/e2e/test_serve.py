"""`vpbot serve` as an operator meets it: a real process, real HTTP, real signals."""

from __future__ import annotations

import signal
import stat
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.server import VPBOT, clean_env, vpbot_serve


def test_serve_with_no_configuration_starts_on_sqlite_with_a_dev_key(tmp_path: Path) -> None:
    with vpbot_serve(tmp_path) as server:
        assert server.ready_after < 5, "healthz must answer within 5 s of start"
        assert httpx.get(server.base_url + "/readyz").json()["status"] == "ok"
        landing = httpx.get(server.base_url + "/")
        assert landing.status_code == 200
        assert "Slack: not configured" in landing.text
        assert "vpbot keys generate" in landing.text
        code, stderr = server.stop(signal.SIGTERM)
    assert code == 0, stderr
    assert (tmp_path / "vpbot.db").is_file()
    key = tmp_path / "vpbot-dev.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "NO MASTER KEY CONFIGURED" in stderr
    assert "Traceback" not in stderr
    assert key.read_text().split(":", 1)[1].strip()[:12] not in stderr, "key material logged"


def test_ctrl_c_shuts_down_cleanly(tmp_path: Path) -> None:
    with vpbot_serve(tmp_path) as server:
        code, stderr = server.stop(signal.SIGINT)
    assert code == 0
    assert "Traceback" not in stderr


def test_serve_on_the_configured_database(tmp_path: Path, db_url: str) -> None:
    from vpbot.crypto.keyring import generate_entry

    env = {"VPBOT_DATABASE_URL": db_url, "VPBOT_MASTER_KEY": generate_entry("test1")}
    with vpbot_serve(tmp_path, env) as server:
        ready = httpx.get(server.base_url + "/readyz")
        assert ready.status_code == 200, ready.text
        landing = httpx.get(server.base_url + "/").text
        assert "development key" not in landing
    assert not (tmp_path / "vpbot-dev.key").exists()


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"VPBOT_PORT": "not-a-port"}, "VPBOT_PORT"),
        ({"SLACK_CLIENT_ID": "123.456"}, "SLACK_CLIENT_SECRET"),
        ({"VPBOT_MASTER_KEY": "k1:tooshort"}, "VPBOT_MASTER_KEY"),
    ],
)
def test_bad_configuration_is_one_clear_line_and_exit_code_2(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    result = subprocess.run(
        [*VPBOT, "serve"], cwd=tmp_path, env=clean_env(env), capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0] or "master key" in lines[0].lower()
    assert "Traceback" not in result.stderr
    assert "tooshort" not in result.stderr


def test_unreachable_database_is_a_clear_error(tmp_path: Path) -> None:
    env = {
        "VPBOT_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "VPBOT_MASTER_KEY_FILE": str(_key_file(tmp_path)),
    }
    result = subprocess.run(
        [*VPBOT, "migrate"], cwd=tmp_path, env=clean_env(env), capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1
    assert "cannot migrate the database" in result.stderr
    assert "Traceback" not in result.stderr


def _key_file(tmp_path: Path) -> Path:
    from vpbot.crypto.keyring import generate_entry

    path = tmp_path / "master.key"
    path.write_text(generate_entry("file1"))
    return path
