"""`benchmarks/dispatch.py --quick` keeps working (speed itself is not asserted here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import clean_env

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_quick_benchmark_drains_and_claims_through_the_due_index(tmp_path: Path, database: str) -> None:
    postgres = os.environ.get("VPBOT_TEST_POSTGRES_URL")
    if database == "postgresql" and not postgres:
        pytest.skip("PostgreSQL not configured (VPBOT_TEST_POSTGRES_URL)")
    output = tmp_path / "results.md"
    env = clean_env({"VPBOT_TEST_POSTGRES_URL": postgres} if postgres else None)
    result = subprocess.run(
        [sys.executable, "benchmarks/dispatch.py", "--quick", "--database", database, "--output", str(output)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    text = output.read_text()
    assert "## Draining due rows" in text and "## Claim cost" in text
    assert f"| {database} | 1 | 1,000 |" in text
    assert text.count("ix_outbox_due") >= 3, "every claim plan walks the due index"
