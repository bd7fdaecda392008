"""Shared pieces of the benchmarks: figures, the machine description, child processes."""

from __future__ import annotations

import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import IO

import httpx

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.server import clean_env, free_port  # noqa: E402

PACKAGES = (
    "slack_bolt", "slack_sdk", "microsoft-teams-apps", "uvicorn", "starlette", "fastapi", "anyio", "h11",
    "httpx", "SQLAlchemy", "psycopg", "cryptography", "PyJWT", "msal",
)


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q`` percentile (0 < q <= 100) of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def postgres_url() -> str | None:
    """The PostgreSQL server to benchmark on (a private schema is created and dropped)."""
    return os.environ.get("VPBOT_BENCH_POSTGRES_URL") or os.environ.get("VPBOT_TEST_POSTGRES_URL")


def versions() -> dict[str, str]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def postgres_version(url: str | None) -> str | None:
    if url is None:
        return None
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.scalar(text("SHOW server_version")))
    except Exception:  # noqa: BLE001 - only a description
        return None
    finally:
        engine.dispose()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_lines(command: str, pg_url: str | None) -> list[str]:
    """The Markdown bullet lines describing where and how the figures were taken."""
    load = os.getloadavg()
    pg = postgres_version(pg_url)
    return [
        f"- Command: `{command}`",
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {platform.platform()}, {os.cpu_count()} CPU(s) ({cpu_model()}); shared with other processes",
        f"- Load average at the end (1/5/15 min): {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}); "
        + ", ".join(f"{k} {v}" for k, v in versions().items()),
        f"- PostgreSQL: {pg if pg else 'not configured (VPBOT_BENCH_POSTGRES_URL / VPBOT_TEST_POSTGRES_URL)'}",
    ]


@dataclass
class Child:
    """A server started as a child process, its output going to a log file."""

    name: str
    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path
    started: float
    ready_after: float = math.nan

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# CPUs the servers under test may run on (``--pin``); None: wherever the kernel puts them.
SERVER_CPUS: set[int] | None = None


def pin_servers() -> tuple[set[int], set[int]]:
    """Give the servers under test the last CPU and this process (load generator, fakes) the
    others, so the two do not take turns on one core. Returns (driver CPUs, server CPUs)."""
    global SERVER_CPUS
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise RuntimeError("--pin needs at least two CPUs")
    SERVER_CPUS = {cpus[-1]}
    os.sched_setaffinity(0, set(cpus[:-1]))
    return set(cpus[:-1]), SERVER_CPUS


def _pinned() -> None:  # runs in the child before exec, so every thread it starts inherits it
    if SERVER_CPUS is not None:
        os.sched_setaffinity(0, SERVER_CPUS)


def start_child(
    name: str, argv: list[str], env: Mapping[str, str], cwd: Path, ready_path: str, *, port: int | None = None,
    timeout: float = 30.0,
) -> Child:
    """Start ``argv`` (which must listen on ``port``) and wait until ``ready_path`` answers 200.

    ``ready_after`` is the time from spawning the process to the first 200, polled every 10 ms.
    With :func:`pin_servers` called first, the child runs on the servers' CPU.
    """
    port = port or free_port()
    log_path = cwd / f"{name}.log"
    log: IO[bytes] = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    started = time.perf_counter()
    process = subprocess.Popen([a.replace("{port}", str(port)) for a in argv], cwd=cwd, env=clean_env(env),
                               stdout=log, stderr=subprocess.STDOUT, preexec_fn=_pinned)
    log.close()
    child = Child(name, process, f"http://127.0.0.1:{port}", log_path, started)
    deadline = started + timeout
    with httpx.Client(timeout=1.0) as client:
        while time.perf_counter() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited early:\n{child.log_tail()}")
            try:
                if client.get(child.base_url + ready_path).status_code == 200:
                    child.ready_after = time.perf_counter() - started
                    return child
            except httpx.HTTPError:
                pass
            time.sleep(0.01)
    child.stop()
    raise RuntimeError(f"{name} did not answer {ready_path} within {timeout:.0f} s:\n{child.log_tail()}")
