"""Run ``vpbot serve`` as a real subprocess on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

VPBOT = [sys.executable, "-m", "vpbot.cli"]


def free_port() -> int:
    """A port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without any Slack/Teams/vpbot configuration, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "VPBOT_")) and k not in ("CLIENT_ID", "CLIENT_SECRET", "TENANT_ID")
    }
    env.update(extra or {})
    return env


@dataclass
class RunningServer:
    """A started ``vpbot serve`` process."""

    process: subprocess.Popen[str]
    base_url: str
    started_at: float
    ready_after: float

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> tuple[int, str]:
        """Send ``sig``, wait, and return (exit code, everything written to stderr)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            _out, err = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _out, err = self.process.communicate()
        return self.process.returncode, err


@contextmanager
def vpbot_serve(
    cwd: Path, env: Mapping[str, str] | None = None, args: list[str] | None = None, wait: float = 15
) -> Iterator[RunningServer]:
    """Start ``vpbot serve`` in ``cwd``; yield once ``/healthz`` answers."""
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(
        [*VPBOT, "serve", "--port", str(port), *(args or [])],
        cwd=cwd,
        env=clean_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    server = RunningServer(process, base, started, ready_after=-1)
    try:
        deadline = started + wait
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"vpbot serve exited early: {process.communicate()[1]}")
            try:
                if httpx.get(base + "/healthz", timeout=0.5).status_code == 200:
                    server.ready_after = time.monotonic() - started
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        else:
            raise RuntimeError("vpbot serve did not answer /healthz in time")
        yield server
    finally:
        server.stop()
