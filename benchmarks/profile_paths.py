"""Where a dialog open spends vpbot's time: one request after another, in one thread.

The load benchmark shows *that* vpbot is slower than a bare app; this shows *where*. It builds
vpbot's real Slack plugin and Teams bot in-process (same settings as ``vpbot serve``, SQLite)
and runs the synchronous work of one request on the calling thread, so a sampling profiler
sees all of it:

- Slack: the gate (signature, freshness, replay guard, shape) and Bolt's dispatch, with the
  listener executor made inline so the listener (flows, rendering, ``views.open`` to the fake
  Web API over loopback) runs before ``dispatch`` returns;
- Teams: parsing the activity, token validation (RS256, cached JWKS), the bot (flows and the
  card), and serialising the answer.

Without the profiler it reports the mean time per request, wall clock and CPU time of the
requesting thread (the CPU cost bounds throughput on a busy server, and is less disturbed by
other processes than the wall clock); with ``--profile`` it prints pyinstrument's call tree.

    python -m benchmarks.profile_paths [--requests 300] [--profile]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slack_bolt import BoltRequest
from slack_sdk.signature import SignatureVerifier

import benchmarks.common  # noqa: F401 - puts the repository on sys.path
from plugins.slack.plugin import build_slack_plugin
from plugins.teams.auth import ActivityTokenValidator
from plugins.teams.cloud import cloud_environment
from plugins.teams.plugin import build_teams_bot
from tests.support.databases import migrated_sqlite_template
from tests.support.fake_slack import TEAM_ID, FakeSlackApi
from tests.support.http_fakes import RecordedCall, Reply
from tests.support.teams_fakes import FakeMsalHttp, OpenIdServer, activity, mint_token, teams_settings
from vpbot.bootstrap import bootstrap
from vpbot.crypto.keyring import generate_entry
from vpbot.settings import Settings, SlackSettings

SIGNING_SECRET = "bench-signing-secret-0123456789abcdef"
USERS = 20


class InlineExecutor(Executor):
    """Runs a submitted call at once on the caller's thread (so the profiler sees it)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the future like a pool would
            future.set_exception(exc)
        return future


class QuietSlackApi(FakeSlackApi):
    """The fake Web API without view validation (not vpbot's cost)."""

    def respond(self, call: RecordedCall) -> Reply:
        if self.method(call) == "views.open":
            return Reply(200, {"ok": True, "view": {"id": "VPROFILE"}})
        return super().respond(call)


@dataclass
class Paths:
    slack: Callable[[int], None]
    teams: Callable[[int], None]


def _clear_ambient_configuration() -> None:
    """Bolt turns on OAuth when SLACK_CLIENT_ID is set, the Teams SDK reads CLIENT_ID…: the
    in-process apps must see only the settings built here (DESIGN.md §5). vpbot's own
    settings are built explicitly, so VPBOT_* (e.g. the benchmark's PostgreSQL) stay."""
    for name in list(os.environ):
        if name.startswith("SLACK_") or name in ("CLIENT_ID", "CLIENT_SECRET", "TENANT_ID"):
            del os.environ[name]


@contextmanager
def paths(workdir: Path) -> Iterator[Paths]:
    _clear_ambient_configuration()
    with ExitStack() as stack:
        api = stack.enter_context(QuietSlackApi())
        openid = stack.enter_context(OpenIdServer())
        database = migrated_sqlite_template(workdir / "vpbot.db")
        settings = Settings(
            database_url=f"sqlite:///{database}", master_key=generate_entry("profile"),
            slack=SlackSettings(signing_secret=SIGNING_SECRET, bot_token="xoxb-0000-1111-profile", api_url=api.url),
            teams=teams_settings(openid),
        )
        container = bootstrap(settings)
        stack.callback(container.engine.dispose)
        plugin = build_slack_plugin(settings.slack, container.uows)
        plugin.app.listener_runner.listener_executor = InlineExecutor()
        gate = plugin.gate
        assert gate is not None
        verifier = SignatureVerifier(SIGNING_SECRET)
        validator = ActivityTokenValidator.for_cloud(settings.teams.app_id or "", cloud_environment(settings.teams))
        bot = build_teams_bot(container, msal_http=FakeMsalHttp())
        service_url = "http://127.0.0.1:9/emea/"
        authorization = f"Bearer {mint_token(service_url)}"

        def slack(n: int) -> None:
            body = urlencode({"command": "/vertrouwenspersoon", "text": "", "team_id": TEAM_ID,
                              "user_id": f"U0PROF{n % USERS:03d}", "trigger_id": f"profile.{n}",
                              "channel_id": "D0PROF", "response_url": ""})
            timestamp = str(int(time.time()))
            headers = {"content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": timestamp,
                       "x-slack-signature": verifier.generate_signature(timestamp=timestamp, body=body)}
            raw = body.encode()
            if gate.check(raw, headers) is not None:
                raise RuntimeError("the gate refused a benchmark request")
            response = plugin.app.dispatch(BoltRequest(body=raw.decode("utf-8"), query={}, headers=headers))
            if response.status != 200:
                raise RuntimeError(f"Bolt answered {response.status}")

        def teams(n: int) -> None:
            raw = json.dumps(activity(
                service_url, type="invoke", name="task/fetch", value={"data": {}}, text=None, id=f"profile-{n}",
                **{"from": {"id": f"29:1-profile-{n % USERS}", "aadObjectId": f"00000000-0000-0000-0001-{n % USERS:012d}",
                            "name": "Profile"}},
            )).encode()
            parsed = json.loads(raw)
            claims = validator.validate(authorization, parsed)
            result = bot(parsed, claims)
            if not result or result.get("status") != 200:
                raise RuntimeError(f"the bot answered {result!r:.80}")
            json.dumps(result["body"])

        yield Paths(slack, teams)
        api_calls = len(api.calls_to("views.open"))
        if api_calls == 0:
            raise RuntimeError("no views.open reached the fake Slack API")


@dataclass(frozen=True)
class PathTiming:
    path: str
    requests: int
    mean_ms: float  # wall clock per request (includes waiting: fsync, the fake API's answer)
    cpu_ms: float  # CPU time of the requesting thread per request (less sensitive to a busy machine)


def measure(requests: int, profile: bool = False) -> tuple[list[PathTiming], dict[str, str]]:
    """Mean time per request of each path; with ``profile``, pyinstrument's text per path."""
    timings: list[PathTiming] = []
    trees: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="vpbot-profile-") as tmp, paths(Path(tmp)) as run:
        for name, call in (("slack command → views.open", run.slack), ("teams task/fetch → dialog", run.teams)):
            for n in range(USERS * 2):  # warm-up: everyone known, caches filled
                call(n)
            started, cpu = time.perf_counter(), time.thread_time()
            for n in range(requests):
                call(USERS * 2 + n)
            timings.append(PathTiming(name, requests, (time.perf_counter() - started) / requests * 1000,
                                      (time.thread_time() - cpu) / requests * 1000))
            if profile:
                from pyinstrument import Profiler

                profiler = Profiler(interval=0.0005)
                profiler.start()
                for n in range(requests):
                    call(USERS * 2 + requests + n)
                profiler.stop()
                trees[name] = profiler.output_text(unicode=True, color=False, show_all=False)
    return timings, trees


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", action="store_true", help="print pyinstrument's call tree per path")
    parser.add_argument("--json", action="store_true", help="print the timings as one JSON line")
    args = parser.parse_args()
    timings, trees = measure(args.requests, args.profile)
    if args.json:
        print(json.dumps([timing.__dict__ for timing in timings]))
        return
    for timing in timings:
        print(f"{timing.path}: {timing.mean_ms:.2f} ms per request, {timing.cpu_ms:.2f} ms CPU "
              f"({timing.requests} requests)")
    for name, tree in trees.items():
        print(f"\n===== {name}\n{tree}")


if __name__ == "__main__":
    main()
