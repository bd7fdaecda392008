"""`python -m benchmarks.run --quick` keeps working and produces every figure (speed is not asserted)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.server import clean_env

REPO = Path(__file__).resolve().parents[2]
NUMBER = r"[\d,]+(?:\.\d+)?"


def run_quick(tmp_path: Path, *flags: str, postgres: str | None = None) -> str:
    output = tmp_path / "results.md"
    env = clean_env({"VPBOT_TEST_POSTGRES_URL": postgres} if postgres else None)
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--output", str(output), *flags],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return output.read_text()


def rows(text: str, pattern: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(pattern, line)]


def test_quick_benchmark_measures_dialog_opens_bookings_slots_and_start_up(tmp_path: Path) -> None:
    text = run_quick(tmp_path)
    assert "Python 3." in text and "slack_bolt" in text and "Load average" in text

    # Over HTTP: vpbot and its baseline at 1, 10 and 50 clients, with latencies, throughput and
    # the CPU time per request of the app and of the load generator.
    for app in ("vpbot", "bare Bolt", "bare Teams SDK"):
        for clients in (1, 10, 50):
            found = rows(text, rf"\| {clients} \| {app} \| {NUMBER} \| 0 \| {NUMBER} \| {NUMBER} \| {NUMBER} \| "
                               rf"{NUMBER} \| {NUMBER} \|$")
            assert found, f"no error-free figures for {app} at {clients} clients"
    ratios = rows(text, rf"\| 50 \| SQLite \| {NUMBER} \| {NUMBER} \| {NUMBER} \| {NUMBER} \| (yes|no) \| (yes|no) \|$")
    assert len(ratios) == 2, "a vpbot/baseline ratio per platform at 50 clients"
    assert "Problems seen during the run" not in text

    # Service level on SQLite, the SQLite writers before/after, slots and start-up.
    assert rows(text, rf"\| sqlite \| 1 \| {NUMBER} \| {NUMBER} \| {NUMBER} \|")
    assert rows(text, rf"\| sqlite \| 1 \| {NUMBER} \| {NUMBER} \|$"), "the 50-way contention row"
    assert len(rows(text, r"\| (1|10|50) \| (busy handler only \(before\)|writer queue \(now\)) \|")) == 6
    assert len(rows(text, rf"\| (domain|service): .* \| {NUMBER} \| \d+ \| {NUMBER} \| {NUMBER} \|$")) == 3
    assert rows(text, rf"\| SQLite, already migrated \| 1 \| {NUMBER} \| {NUMBER} \|$")
    assert "## A full garbage collection in a loaded server" in text
    assert rows(text, rf"\| {NUMBER} \| {NUMBER} \| {NUMBER} \| {NUMBER} \|$"), "the full-GC row"
    assert rows(text, rf"\| teams task/fetch → dialog \| \d+ \| {NUMBER} \| {NUMBER} \|$")


@pytest.fixture
def postgres() -> str:
    """The configured PostgreSQL server (the benchmark makes a schema of its own there)."""
    url = os.environ.get("VPBOT_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL not configured (VPBOT_TEST_POSTGRES_URL)")
    return url


@pytest.mark.postgres
def test_quick_benchmark_books_and_serves_dialogs_on_postgresql(tmp_path: Path, postgres: str) -> None:
    text = run_quick(tmp_path, "--skip-profile", postgres=postgres)
    assert rows(text, rf"\| postgresql \| 1 \| {NUMBER} \| {NUMBER} \| {NUMBER} \|")
    assert rows(text, rf"\| postgresql \| 1 \| {NUMBER} \| {NUMBER} \|$"), "the 50-way contention row"
    assert rows(text, rf"\| PostgreSQL, already migrated \| 1 \| {NUMBER} \| {NUMBER} \|$")
    # vpbot serve on PostgreSQL over HTTP (this found first requests from a new workspace
    # racing to create it, issue 8).
    for clients in (1, 10, 50):
        assert rows(text, rf"\| {clients} \| vpbot, PostgreSQL \| {NUMBER} \| 0 \| "), f"{clients} clients"
    assert len(rows(text, r"\| 50 \| PostgreSQL \| ")) == 2, "a ratio per platform for vpbot on PostgreSQL"
    assert "Problems seen during the run" not in text
