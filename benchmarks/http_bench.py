"""Dialog-open latency over real HTTP: vpbot serve against a bare Bolt / bare Teams SDK app.

Slack: a signed ``/vertrouwenspersoon`` command goes to ``POST /slack/events``; the request
counts as done when the fake Slack Web API received the ``views.open`` carrying that
request's ``trigger_id`` — the moment the person sees the modal. Teams: a ``task/fetch``
invoke with a valid RS256 token goes to ``POST /api/messages``; the dialog is in the HTTP
answer, so the request is done when the answer arrived.

Closed loop: N clients (each with its own user and its own keep-alive connection, loopback
only; see ``lean_http``) send one request, wait until it is done, send the next — until the
request budget or the time budget of the level is spent. vpbot and its baseline run side by side and are measured alternately
at each concurrency level, so a change in the machine's load hits both alike.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from benchmarks.common import REPO, Child, median, percentile, postgres_url, start_child
from benchmarks.lean_http import ClientConnections, HttpError
from tests.support.databases import migrated_sqlite_template, postgres_schema
from tests.support.fake_slack import TEAM_ID, FakeSlackApi
from tests.support.http_fakes import RecordedCall, Reply
from tests.support.teams_fakes import (
    APP_ID,
    HOME_TENANT,
    ISSUER,
    FakeConnector,
    OpenIdServer,
    activity,
    mint_token,
    teams_env,
)
from vpbot.crypto.keyring import generate_entry

SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-0000-1111-benchtokenvalue"
VPBOT = [sys.executable, "-m", "vpbot.cli", "serve", "--port", "{port}"]
VPBOT_TARGET = "vpbot"
VPBOT_POSTGRES = "vpbot, PostgreSQL"
BARE_BOLT = "bare Bolt"
BARE_BOLT_5 = "bare Bolt, 5 threads"
BARE_TEAMS = "bare Teams SDK"
VALIDATED_VIEWS = 5  # the first views of each app are checked with slack_sdk.models (not timed)


@dataclass(frozen=True)
class Level:
    concurrency: int
    requests: int
    seconds: float


FULL_LEVELS = (Level(1, 200, 20), Level(10, 1_000, 30), Level(50, 2_000, 45))
QUICK_LEVELS = (Level(1, 10, 3), Level(10, 40, 4), Level(50, 100, 6))


@dataclass
class LoadResult:
    platform: str
    target: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)  # seconds, one per completed request
    errors: int = 0
    seconds: float = 0.0
    server_cpu: float = math.nan  # CPU seconds the app's process used during the level
    driver_cpu: float = math.nan  # CPU seconds of this process: the load generator and the fakes

    @property
    def done(self) -> int:
        return len(self.latencies)

    @property
    def p50_ms(self) -> float:
        return median(self.latencies) * 1000

    @property
    def p99_ms(self) -> float:
        return percentile(self.latencies, 99) * 1000

    @property
    def throughput(self) -> float:
        return self.done / self.seconds if self.seconds else 0.0

    @property
    def server_cpu_ms(self) -> float:
        """The app's CPU time per completed request (what bounds its throughput)."""
        return self.server_cpu / self.done * 1000 if self.done else math.nan

    @property
    def driver_cpu_ms(self) -> float:
        """The load generator's and the fakes' CPU time per completed request."""
        return self.driver_cpu / self.done * 1000 if self.done else math.nan


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``; NaN elsewhere)."""
    try:
        after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(after_name[11]) + int(after_name[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return math.nan


# --------------------------------------------------------------------------- the closed loop

class Request(Protocol):
    """One kind of request to one app."""

    async def __call__(self, client: int, n: int) -> float:
        """Send request ``n`` as client ``client``; its latency in seconds."""

    async def close(self) -> None:
        """Close the clients' connections."""


async def closed_loop(request: Request, level: Level, result: LoadResult, pid: int | None = None) -> LoadResult:
    """Run ``level`` against one app (process ``pid``, for its CPU time) into ``result``."""
    counter = itertools.count()
    server_cpu = process_cpu_seconds(pid) if pid is not None else math.nan
    driver_cpu = time.process_time()
    started = time.perf_counter()
    deadline = started + level.seconds

    async def client(index: int) -> None:
        while time.perf_counter() < deadline:
            n = next(counter)
            if n >= level.requests:
                return
            try:
                result.latencies.append(await request(index, n))
            except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
                result.errors += 1
                if result.errors <= 3:
                    print(f"  {result.target} error: {type(exc).__name__}: {exc}", flush=True)

    try:
        await asyncio.gather(*(client(i) for i in range(level.concurrency)))
    finally:
        result.seconds = time.perf_counter() - started
        await request.close()
    result.driver_cpu = time.process_time() - driver_cpu
    if pid is not None:
        result.server_cpu = process_cpu_seconds(pid) - server_cpu
    return result


# --------------------------------------------------------------------------- Slack


class TimedSlackApi(FakeSlackApi):
    """The recording fake Slack Web API, noting when each ``views.open`` arrived (by trigger id)."""

    def __init__(self) -> None:
        super().__init__()
        # http.server listens with a backlog of 5: 50 clients opening views at once would
        # overflow it and wait a SYN retransmission (1 s). Listen again with a real backlog.
        self.server.socket.listen(1024)
        self.waiters: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Future[float]]] = {}
        self.validated = 0

    def expect(self, trigger_id: str) -> asyncio.Future[float]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[float] = loop.create_future()
        self.waiters[trigger_id] = (loop, future)
        return future

    def respond(self, call: RecordedCall) -> Reply:
        if self.method(call) != "views.open":
            return super().respond(call)
        arrived = time.perf_counter()
        if self.validated < VALIDATED_VIEWS * 3:
            self.validated += 1
            self._validate_view("views.open", call)
        waiter = self.waiters.pop(str(call.params.get("trigger_id")), None)
        if waiter is not None:
            loop, future = waiter
            loop.call_soon_threadsafe(_resolve, future, arrived)
        return Reply(200, {"ok": True, "view": {"id": "VBENCH"}})


def _resolve(future: asyncio.Future[float], value: float) -> None:
    if not future.done():
        future.set_result(value)


class SlackLoad:
    """Signed slash commands from one user per client; done at the matching views.open."""

    def __init__(self, api: TimedSlackApi, target: str, base_url: str) -> None:
        self.api = api
        self.target = target
        self.connections = ClientConnections(base_url)
        self.verifier = SignatureVerifier(SIGNING_SECRET)
        self.run = uuid.uuid4().hex[:8]
        # Unique across levels: the same body and timestamp twice would be a replay (401).
        self.sequence = itertools.count()

    async def __call__(self, client: int, n: int) -> float:
        trigger = f"{self.target}.{self.run}.{next(self.sequence)}"
        body = urlencode({
            "command": "/vertrouwenspersoon", "text": "", "team_id": TEAM_ID, "user_id": f"U0BENCH{client:03d}",
            "trigger_id": trigger, "channel_id": "D0BENCH", "response_url": "",
        })
        timestamp = str(int(time.time()))
        headers = {
            "content-type": "application/x-www-form-urlencoded",
            "x-slack-request-timestamp": timestamp,
            "x-slack-signature": self.verifier.generate_signature(timestamp=timestamp, body=body),
        }
        opened = self.api.expect(trigger)
        sent = time.perf_counter()
        try:
            status, _ = await self.connections[client].post("/slack/events", body.encode(), headers)
        except HttpError:
            self.api.waiters.pop(trigger, None)
            raise
        if status != 200:
            self.api.waiters.pop(trigger, None)
            raise RuntimeError(f"HTTP {status}")
        try:
            arrived = await asyncio.wait_for(opened, timeout=10)
        finally:
            self.api.waiters.pop(trigger, None)
        return arrived - sent

    async def close(self) -> None:
        await self.connections.close()


# --------------------------------------------------------------------------- Teams


class TeamsLoad:
    """``task/fetch`` invokes (no data: the menu), one user per client; done at the answer."""

    def __init__(self, target: str, base_url: str, service_url: str) -> None:
        self.target = target
        self.service_url = service_url
        self.connections = ClientConnections(base_url)
        # One token for all requests, as the Bot Framework reuses its token for an hour.
        self.headers = {"authorization": f"Bearer {mint_token(service_url)}", "content-type": "application/json"}
        self.sequence = itertools.count()

    async def __call__(self, client: int, n: int) -> float:
        body = activity(
            self.service_url, type="invoke", name="task/fetch", value={"data": {}}, text=None,
            id=f"bench-{next(self.sequence)}",
            **{"from": {"id": f"29:1-bench-user-{client}", "aadObjectId": str(uuid.UUID(int=10_000 + client)),
                        "name": "Bench"}},
        )
        content = json.dumps(body).encode()
        sent = time.perf_counter()
        status, answer = await self.connections[client].post("/api/messages", content, self.headers)
        elapsed = time.perf_counter() - sent
        if status != 200 or json.loads(answer).get("task", {}).get("type") != "continue":
            raise RuntimeError(f"HTTP {status}: {answer[:80]!r}")
        return elapsed

    async def close(self) -> None:
        await self.connections.close()


# --------------------------------------------------------------------------- the servers


@dataclass
class Servers:
    slack_api: TimedSlackApi
    openid: OpenIdServer
    connector: FakeConnector
    vpbot: Child
    bare_bolt: Child
    bare_bolt_default: Child  # Bolt's default 5-thread listener executor
    bare_teams: Child
    vpbot_baseline: Child | None = None  # vpbot serve from an earlier commit
    vpbot_postgres: Child | None = None  # vpbot serve on PostgreSQL (when one is configured)


def start_vpbot(name: str, workdir: Path, api: TimedSlackApi, openid: OpenIdServer, source: Path = REPO,
                database_url: str | None = None) -> Child:
    """``vpbot serve`` from ``source`` (Slack single-workspace and Teams) on ``database_url``
    (a migrated database), or on its own SQLite file."""
    if database_url is None:
        database = migrated_sqlite_template(workdir / f"{name}.db") if source == REPO else workdir / f"{name}.db"
        database_url = f"sqlite:///{database}"
    env = {
        "VPBOT_DATABASE_URL": database_url,
        "VPBOT_MASTER_KEY": generate_entry("bench"),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api.url,
        **teams_env(openid),
        # PYTHONPATH comes before the editable install: ``source`` is what runs.
        "PYTHONPATH": str(source),
    }
    return start_child(name, VPBOT, env, workdir, "/readyz", timeout=60)


@contextmanager
def servers(workdir: Path, baseline: Path | None = None) -> Iterator[Servers]:
    """The fakes, ``vpbot serve`` (Slack and Teams, SQLite), both baselines, and optionally
    ``vpbot serve`` from an earlier commit (``baseline``: an exported source tree)."""
    with ExitStack() as stack:
        api = stack.enter_context(TimedSlackApi())
        openid = stack.enter_context(OpenIdServer())
        connector = stack.enter_context(FakeConnector())
        vpbot = start_vpbot("vpbot", workdir, api, openid)
        stack.callback(vpbot.stop)
        on_postgres = None
        if (pg := postgres_url()) is not None:
            on_postgres = start_vpbot("vpbot-postgres", workdir, api, openid,
                                      database_url=stack.enter_context(postgres_schema(pg)))
            stack.callback(on_postgres.stop)
        earlier = None
        if baseline is not None:
            earlier = start_vpbot("vpbot-baseline", workdir, api, openid, baseline)
            stack.callback(earlier.stop)
        bolt_env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": api.url}
        bare_bolt = start_child("bare-bolt", [sys.executable, str(REPO / "benchmarks" / "bare_bolt.py"),
                                              "--port", "{port}"], bolt_env, workdir, "/healthz")
        stack.callback(bare_bolt.stop)
        bare_bolt_default = start_child("bare-bolt-5", [sys.executable, str(REPO / "benchmarks" / "bare_bolt.py"),
                                                        "--port", "{port}", "--listener-threads", "0"],
                                        bolt_env, workdir, "/healthz")
        stack.callback(bare_bolt_default.stop)
        bare_teams = start_child("bare-teams", [
            sys.executable, str(REPO / "benchmarks" / "bare_teams.py"), "--port", "{port}", "--app-id", APP_ID,
            "--tenant-id", HOME_TENANT, "--openid-metadata-url", openid.metadata_url, "--issuer", ISSUER,
        ], {}, workdir, "/openapi.json")
        stack.callback(bare_teams.stop)
        yield Servers(api, openid, connector, vpbot, bare_bolt, bare_bolt_default, bare_teams, earlier, on_postgres)


# --------------------------------------------------------------------------- running it


async def _measure(servers: Servers, levels: tuple[Level, ...], platforms: tuple[str, ...],
                   baseline_label: str) -> list[LoadResult]:
    results: list[LoadResult] = []
    most = max(level.concurrency for level in levels)
    service_url = servers.connector.service_url("emea")
    api = servers.slack_api
    targets: list[tuple[str, str, Request, Child]] = []
    if "slack" in platforms:
        targets.append(("slack", VPBOT_TARGET, SlackLoad(api, "vpbot", servers.vpbot.base_url), servers.vpbot))
        if servers.vpbot_baseline is not None:
            targets.append(("slack", baseline_label, SlackLoad(api, "vpbot0", servers.vpbot_baseline.base_url),
                            servers.vpbot_baseline))
        if servers.vpbot_postgres is not None:
            targets.append(("slack", VPBOT_POSTGRES, SlackLoad(api, "vpbotpg", servers.vpbot_postgres.base_url),
                            servers.vpbot_postgres))
        targets += [
            ("slack", BARE_BOLT, SlackLoad(api, "bare", servers.bare_bolt.base_url), servers.bare_bolt),
            ("slack", BARE_BOLT_5, SlackLoad(api, "bare5", servers.bare_bolt_default.base_url),
             servers.bare_bolt_default),
        ]
    if "teams" in platforms:
        targets.append(("teams", VPBOT_TARGET, TeamsLoad("vpbot", servers.vpbot.base_url, service_url),
                        servers.vpbot))
        if servers.vpbot_baseline is not None:
            targets.append(("teams", baseline_label,
                            TeamsLoad("vpbot0", servers.vpbot_baseline.base_url, service_url),
                            servers.vpbot_baseline))
        if servers.vpbot_postgres is not None:
            targets.append(("teams", VPBOT_POSTGRES, TeamsLoad("vpbotpg", servers.vpbot_postgres.base_url, service_url),
                            servers.vpbot_postgres))
        targets.append(("teams", BARE_TEAMS, TeamsLoad("bare", servers.bare_teams.base_url, service_url),
                        servers.bare_teams))
    # Warm-up (not counted): every user twice, so vpbot registers them and every code
    # path, pool and cache is warm on both sides.
    for platform_name, target, request, child in targets:
        warm = await closed_loop(request, Level(min(10, most), most * 2, 60), LoadResult(platform_name, target, 0))
        if warm.errors:
            raise RuntimeError(f"{platform_name}/{target}: {warm.errors} errors during warm-up:\n{child.log_tail()}")
    for level in levels:
        for platform_name, target, request, child in targets:
            result = await closed_loop(request, level, LoadResult(platform_name, target, level.concurrency),
                                       child.process.pid)
            print(f"  {platform_name:5} {target:22} c={level.concurrency:<3} n={result.done:<5} "
                  f"p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms  {result.throughput:6.1f}/s  "
                  f"CPU/req app {result.server_cpu_ms:4.1f} ms, load+fakes {result.driver_cpu_ms:4.1f} ms"
                  f"{f'  errors {result.errors}' if result.errors else ''}", flush=True)
            results.append(result)
    return results


def run(
    quick: bool, platforms: tuple[str, ...] = ("slack", "teams"), baseline: Path | None = None,
    baseline_label: str = "vpbot (baseline)",
) -> tuple[list[LoadResult], list[str]]:
    """Measure; also returns problems found (invalid views, tracebacks in the servers' logs)."""
    levels = QUICK_LEVELS if quick else FULL_LEVELS
    with tempfile.TemporaryDirectory(prefix="vpbot-bench-") as tmp, servers(Path(tmp), baseline) as running:
        results = asyncio.run(_measure(running, levels, platforms, baseline_label))
        problems = [f"invalid view: {e}" for e in running.slack_api.view_errors]
        children = [running.vpbot, running.bare_bolt, running.bare_bolt_default, running.bare_teams]
        children += [c for c in (running.vpbot_baseline, running.vpbot_postgres) if c is not None]
        for child in children:
            if "Traceback" in child.log_path.read_text(errors="replace"):
                problems.append(f"{child.name} logged a traceback:\n{child.log_tail()}")
    return results, problems


def pairs(results: list[LoadResult]) -> Iterator[tuple[LoadResult, LoadResult]]:
    """(vpbot, baseline) per platform, concurrency and database vpbot ran on."""
    for result in results:
        if result.target in (VPBOT_TARGET, VPBOT_POSTGRES):
            baseline = next(r for r in results if r.platform == result.platform
                            and r.concurrency == result.concurrency and r.target in (BARE_BOLT, BARE_TEAMS))
            yield result, baseline


