"""Run ``vpbot serve`` as a real subprocess on a free loopback port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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


class _Drain:
    """Reads a pipe to its end in a thread, so a chatty process (DEBUG logs) never blocks on
    a full pipe buffer; the text so far is always available."""

    def __init__(self, pipe: IO[str] | None) -> None:
        self._chunks: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self._thread.start()

    def _read(self, pipe: IO[str] | None) -> None:
        if pipe is None:
            return
        for line in pipe:
            with self._lock:
                self._chunks.append(line)
        pipe.close()

    def text(self) -> str:
        with self._lock:
            return "".join(self._chunks)

    def finish(self, timeout: float = 5) -> str:
        self._thread.join(timeout)
        return self.text()


@dataclass
class RunningServer:
    """A started ``vpbot serve`` process."""

    process: subprocess.Popen[str]
    base_url: str
    started_at: float
    ready_after: float
    stdout: _Drain | None = None
    stderr: _Drain | None = None

    def __post_init__(self) -> None:
        if self.stdout is None:
            self.stdout = _Drain(self.process.stdout)
        if self.stderr is None:
            self.stderr = _Drain(self.process.stderr)

    def log_so_far(self) -> str:
        """Everything written to stderr up to now (the process keeps running)."""
        assert self.stderr is not None
        return self.stderr.text()

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> tuple[int, str]:
        """Send ``sig``, wait, and return (exit code, everything written to stderr)."""
        assert self.stdout is not None and self.stderr is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stdout.finish()
        return self.process.returncode, self.stderr.finish()


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
                process.wait()
                assert server.stderr is not None
                raise RuntimeError(f"vpbot serve exited early: {server.stderr.finish()}")
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
