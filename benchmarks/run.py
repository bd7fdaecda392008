"""Run vpbot's benchmarks and write benchmarks/RESULTS.md.

    python -m benchmarks.run                 # full run (~10-15 minutes), writes benchmarks/RESULTS.md
    python -m benchmarks.run --quick         # ~1 minute, small counts; for CI (--output to keep the report)
    python -m benchmarks.run --baseline-ref <commit>   # also run vpbot serve from <commit>, side by side

PostgreSQL is benchmarked when VPBOT_BENCH_POSTGRES_URL (or VPBOT_TEST_POSTGRES_URL) is set;
a private schema is created and dropped. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

if __package__ in (None, ""):  # ``python benchmarks/run.py`` works too
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import http_bench, profile_paths, service_bench  # noqa: E402
from benchmarks.common import REPO, machine_lines, median, percentile, pin_servers, postgres_url  # noqa: E402

RESULTS = REPO / "benchmarks" / "RESULTS.md"
TARGET_P99_MS = 300
TARGET_RATIO = 1.5


@contextmanager
def exported(ref: str | None, directory: Path | None = None) -> Iterator[Path | None]:
    """The source tree of ``ref`` (``git archive``: nothing in the repository changes), or
    ``directory`` as it is."""
    if directory is not None:
        yield directory.resolve()
        return
    if ref is None:
        yield None
        return
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref],
                             capture_output=True, check=True).stdout
    with tempfile.TemporaryDirectory(prefix="vpbot-baseline-") as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        yield Path(tmp)


def baseline_timings(source: Path, requests: int) -> list[profile_paths.PathTiming]:
    """``profile_paths`` on the code of an earlier commit (its vpbot, plugins and test fakes;
    these benchmark scripts if it has none)."""
    import json
    import os

    env = {**os.environ, "PYTHONPATH": f"{source}{os.pathsep}{REPO}"}
    result = subprocess.run([sys.executable, "-m", "benchmarks.profile_paths", "--json", "--requests", str(requests)],
                            cwd=source, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        print(f"  baseline profile failed:\n{result.stderr[-2000:]}", file=sys.stderr)
        return []
    return [profile_paths.PathTiming(**row) for row in json.loads(result.stdout.strip().splitlines()[-1])]


def short_ref(ref: str) -> str:
    return subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", ref],
                          capture_output=True, text=True, check=True).stdout.strip()


# --------------------------------------------------------------------------- report


def _ms(value: float) -> str:
    return f"{value:,.1f}"


def http_section(results: list[http_bench.LoadResult], platform: str, title: str, baseline_name: str) -> str:
    rows = [r for r in results if r.platform == platform]
    if not rows:
        return ""
    out = io.StringIO()
    w = out.write
    w(f"### {title}\n\n")
    w("| clients | app | requests | errors | p50 ms | p99 ms | requests/s | app CPU ms/request | "
      "load generator CPU ms/request |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|\n")
    for r in rows:
        w(f"| {r.concurrency} | {r.target} | {r.done:,} | {r.errors} | {_ms(r.p50_ms)} | {_ms(r.p99_ms)} | "
          f"{r.throughput:,.1f} | {r.server_cpu_ms:.2f} | {r.driver_cpu_ms:.2f} |\n")
    w(f"\n**vpbot / {baseline_name}** (the figure; latency ratios > 1 and throughput ratios < 1 mean vpbot is "
      "slower):\n\n| clients | vpbot on | p50 ratio | p99 ratio | throughput ratio | CPU per request ratio | "
      f"vpbot p99 < {TARGET_P99_MS} ms | p99 ratio ≤ {TARGET_RATIO} |\n|---:|---|---:|---:|---:|---:|---|---|\n")
    for vpbot, base in http_bench.pairs(rows):
        p99_ratio = vpbot.p99_ms / base.p99_ms
        database = "PostgreSQL" if vpbot.target == http_bench.VPBOT_POSTGRES else "SQLite"
        w(f"| {vpbot.concurrency} | {database} | {vpbot.p50_ms / base.p50_ms:.2f} | {p99_ratio:.2f} | "
          f"{vpbot.throughput / base.throughput:.2f} | {vpbot.server_cpu_ms / base.server_cpu_ms:.2f} | "
          f"{'yes' if vpbot.p99_ms < TARGET_P99_MS else 'no'} | {'yes' if p99_ratio <= TARGET_RATIO else 'no'} |\n")
    return out.getvalue() + "\n"


def service_section(results: service_bench.ServiceResults) -> str:
    out = io.StringIO()
    w = out.write
    if results.bookings:
        w("## Booking submits (service level)\n\n`vpbot.services.booking.book` + commit; every booking by its own "
          "employee into a distinct free slot (it opens a case, encrypts the note with the case key, audits, queues "
          "the adviser's notice and up to four reminders). One thread in a loop, and N threads at once.\n\n"
          "| database | threads | bookings | seconds | bookings/s | p50 ms | p99 ms |\n"
          "|---|---:|---:|---:|---:|---:|---:|\n")
        for b in results.bookings:
            w(f"| {b.database} | {b.threads} | {b.bookings:,} | {b.seconds:.2f} | {b.rate:,.1f} | "
              f"{_ms(median(b.latencies) * 1000)} | {_ms(percentile(b.latencies, 99) * 1000)} |\n")
    if results.contention:
        w(f"\n### {service_bench.CONTENDERS}-way contention for one slot\n\n{service_bench.CONTENDERS} employees, "
          "released together by a barrier, book the same slot: exactly one booking, "
          f"{service_bench.CONTENDERS - 1} × `booking.slot_taken` (with the next free slots) — checked every round. "
          "Time from the release until every attempt resolved. PostgreSQL: the engine's pool (10 + 20 overflow "
          "connections) as in `vpbot serve`, so some attempts also wait for a connection.\n\n"
          "| database | rounds | median ms | max ms |\n|---|---:|---:|---:|\n")
        for c in results.contention:
            w(f"| {c.database} | {len(c.rounds)} | {_ms(c.median_ms)} | {_ms(c.max_ms)} |\n")
    if results.slots:
        w("\n## Slot computation\n\nAn adviser working Monday–Friday 09:00–17:00 (Amsterdam) with the default "
          "policy (45-minute slots, 15 minutes buffer, 2 hours' notice, 8-week horizon) and a year of "
          "appointments: four a working day from 46 weeks back to 8 weeks ahead. The pure function is given all "
          "of them; the service reads from the database only those that can still block (ending after "
          "yesterday).\n\n| computation | busy items | slots found | median ms | p95 ms |\n"
          "|---|---:|---:|---:|---:|\n")
        for s in results.slots:
            w(f"| {s.label} | {s.busy_items:,} | {s.slots} | {s.median_ms:.2f} | {s.p95_ms:.2f} |\n")
    if results.startup:
        w("\n## `vpbot serve` start to `/readyz` 200\n\nFrom spawning the process to the first 200 (polled every "
          "10 ms), with Slack (single workspace: `auth.test` at start, against the fake) and Teams configured "
          "and the embedded dispatcher on.\n\n| database | runs | median ms | max ms |\n|---|---:|---:|---:|\n")
        for s in results.startup:
            w(f"| {s.label} | {len(s.seconds)} | {s.median_ms:,.0f} | {max(s.seconds) * 1000:,.0f} |\n")
    if results.gc is not None:
        g = results.gc
        w("\n## A full garbage collection in a loaded server\n\nWhat `vpbot serve` builds before it listens "
          "(container, migrations, the app with the Slack and Teams routes), then `gc.collect()` timed (median of "
          "5) before and after `settle_heap()` (`gc.freeze()`), which `serve` and `worker` call once started. A "
          "full collection holds the GIL: every request in flight waits for it (`benchmarks/gc_pause.py`).\n\n"
          "| tracked objects | frozen | full collection before, ms | after, ms |\n|---:|---:|---:|---:|\n"
          f"| {g.objects:,} | {g.frozen:,} | {g.before_ms:.1f} | {g.after_ms:.3f} |\n")
    return out.getvalue() + "\n"


FIX_NOTES = """\
What the profiles (pyinstrument below; py-spy on the running server) and the load runs showed,
and what was changed. *Before* figures are from the same run where the report shows them.

1. **The load generator measured itself.** With `httpx.AsyncClient` the load generator and
   the fakes spent 8-11 ms of CPU per request at 50 clients, more than any app under test
   (py-spy: most of it in httpcore's pool bookkeeping over 50 connections), so every app,
   bare ones included, looked capped near 100-190 requests/s with p99 of 1-3 s. Fix:
   `benchmarks/lean_http.py`, one keep-alive connection per client: 0.4-2 ms per request. The
   bare apps now reach about 300 requests/s at 50 clients, and vpbot's own cost shows plainly.
   The report also gives each process's CPU time per request, steadier than latency here.
2. **A dialog open did seven ORM statements in two transactions** (Teams: the reference update,
   then the flows; Slack: the replay guard read-then-insert, then the flows): tenant, tenant key,
   person, roles and adviser separately, each loaded as an ORM object (about 0.33 ms each on this
   machine, against 0.1 ms for a column select). Fix (`vpbot/services/tenants.py`,
   `plugins/teams`, `vpbot/services/dedupe.py`): the tenant with its key and the person with roles
   and adviser in two column selects, the Teams reference checked with one light read inside the
   dialog's own transaction and loaded only when it changed, the replay guard as one
   `INSERT … ON CONFLICT DO NOTHING RETURNING`, the gate and Bolt's dispatch in one trip to the
   thread pool, and the (immutable) home screen and label-length checks computed once.
3. **Found by the PostgreSQL target:** the first requests from a new workspace, arriving
   together, raced to create the tenant (and a person's first requests the person); the losers'
   dialogs failed. A unique violation now rolls the unit of work back and it runs again
   (`UnitOfWorkFactory.run`, `tests/integration/test_flows_home.py`).
4. **Under load, Slack requests queued for a database connection as well as for the writer
   lock** (py-spy on the running server): SQLite's pool had 5 connections (+10 overflow) for
   anyio's 40 request threads, and overflow connections were opened (with their PRAGMAs) and
   closed again with every burst. Fix (`vpbot/storage/db.py`): 40 pooled connections. In
   alternating runs at 50 clients the Slack p99 went from 510-615 ms to 350-420 ms.
5. **A full garbage collection stopped the server for 90-140 ms** every few seconds under load:
   it walks every tracked object while holding the GIL, ~175,000 of them once the app is
   loaded. Fix: `settle_heap()` (`gc.collect()` then `gc.freeze()`) once `vpbot serve` or
   `vpbot worker` has started; see the table above (`benchmarks/gc_pause.py`).
6. **Teams: two trips to the thread pool per activity** (the token check, then the handler),
   each a thread wake-up and an event-loop wake-up. Fix (`plugins/teams/http.py`): one trip.
   In alternating runs at 50 clients: 376-415 → 395-462 requests/s.
7. **Teams: every activity decoded and RSA-verified its token** (~6 % of the server's CPU under
   load), although the Bot Framework sends the same token with every activity for up to an
   hour. Fix (`plugins/teams/auth.py`): a token that verified is remembered by its SHA-256 until
   it expires; its expiry, its key (still published, unchanged) and the per-activity checks
   still run every time (`tests/integration/test_teams_auth.py`). In alternating runs at 50
   clients: 407-441 → 464-650 requests/s, 2.5 → 1.6-2.2 ms CPU per request.
8. Earlier rounds (still in place): SQLite transactions queue on an in-process writer lock
   instead of SQLite's sleeping busy handler (`vpbot/storage/db.py`); a Teams activity writes
   the conversation reference only when it changed.
9. **Under a burst, every request's blocking work ran at once**, in up to 40 threads
   (Starlette's default), all competing for the GIL and SQLite's one writer, so the unluckiest
   requests waited longest. Fix (`vpbot/web/threads.py`): at most 16 at once; the others wait on
   the event loop in arrival order. The bare Bolt app is served the same way. In alternating
   runs at 50 clients, against the commit before: Slack p99 201-247 ms against 274-310 ms, at
   the same throughput; Teams p99 86-144 ms against 112-201 ms. 8 threads measured the same as
   16; 16 leaves room for a few slow calls to Slack's or Microsoft's API made before an answer.
10. **Every transaction began through SQLAlchemy's statement machinery**: the writer queue ran
   `BEGIN IMMEDIATE` with `exec_driver_sql` (an execution context, a cursor and a result for one
   keyword; py-spy under load: 7.5 % of the GIL's time in `_WriterQueue.begin`). Fix
   (`vpbot/storage/db.py`): the statement on the DBAPI connection, a failure still raised as
   SQLAlchemy's `OperationalError`. The Slack dialog open in one thread: 1.58 → 1.37 ms of CPU.
   At 50 clients the throughput did not change beyond the noise.

Tried and dropped, with the measurements that decided it:
- *Read-only units beside SQLite's writer* (a deferred `BEGIN`, re-run as a writer before the
  first write). 40 threads reading concurrently did a transaction per 1.5 ms of CPU, against
  0.5 ms when the same transactions queue on the writer lock (each sqlite3 call hands the GIL
  back and forth), and the Teams p99 at 50 clients got worse (600-1,200 ms). Every SQLite
  transaction keeps queueing on the one lock.
- *No fsync for the replay guard* (`synchronous=NORMAL`, tried globally to see the upper bound):
  2.5 instead of 3.5-4.3 ms per Slack request in one thread, but no change at 50 clients, where
  the CPU, not the disk, is the limit. Durability was kept.
- *Bolt's `process_before_response`* (the listener in the request's thread, no 10 ms `ack()`
  polling): no difference beyond the noise in alternating runs.
- *How far one process can go* (experiments in a scratch copy, not changes). With the
  replay guard switched off: 277-335 Slack opens/s against 230-290/s with it (+15 %). With the
  guard kept but the command's flows result and rendered modal cached in memory (no database
  read, no rendering): 360-435/s, while the bare Bolt app did 550-840/s in the same runs, at
  1.6-2.0 against 0.9-1.2 ms of user CPU per request. So even a vpbot that did nothing of its
  own after the gate would stay near the 1.5 ratio at 50 clients in one process; the work it
  does (the replay guard's write, the person and their roles, a screen per person) puts it at
  about 2.5 times the bare app's CPU per request.
- *Keeping Slack Web API connections open* (a `WebClient` that reuses one HTTP/1.1 connection
  per thread, against a fake that keeps connections open; slack_sdk opens a new one per call).
  In one thread a `views.open` round trip took 0.40 instead of 0.84 ms (client and fake
  together), but at 50 clients vpbot did 206/288 opens/s against 210/297/s without it in
  alternating runs. Over loopback there is no TLS handshake to save; against slack.com there
  would be one per call, so this stays a candidate for production latency, not for this figure.
- *Two server processes on the 2 cores* (both apps forked onto one listening socket, scratch
  copy). The bare Bolt app went to 650-970 opens/s at 50 clients, so the ratio did not improve.
  vpbot on SQLite went to 262-388/s, but its p99 rose to 560-640 ms: two processes writing one
  SQLite file wait in SQLite's busy handler (sleep and retry), which the in-process writer
  queue avoids within one process. On PostgreSQL two processes did 224-270/s (p99 425-438 ms)
  against 206-226/s (p99 353-411 ms) for one, while the bare app went from 687-728 to
  956-1,065/s: PostgreSQL's own backends share the same 2 cores. On this machine more processes
  widen the gap instead of closing it; they pay off where the database has cores of its own.
- *Where the CPU goes, per thread* (`/proc/<pid>/task`, 1 client): vpbot used 3.6 ms of user CPU
  per Slack request against the bare app's 1.9 ms: the request thread (gate, replay guard,
  Bolt's dispatch) 1.18 against 0.36 ms, the event loop 0.77 against 0.85 ms, the listener
  threads (flows, rendering, `views.open`) about 1.6 against 0.7 ms. In one hot thread the
  whole path costs 1.38 against 0.67 ms; the replay guard's write alone 0.23 ms (0.18 on a bare
  SQLAlchemy Core connection, 0.085 ms in raw sqlite3). Shaving the guard's overhead would buy
  about 3 % of the path, so it was left as it is.

Seen but left alone: the tenant key is unwrapped once per unit of work (caching unwrapped keys
across requests is a security decision, not a speed tweak); every Slack request writes its
signature to the replay guard before it is acknowledged (the database is what lets several
processes share the guard); one server process serves on about one core (the GIL), so several
`vpbot serve` processes on PostgreSQL are the way to more throughput, on a host where the database
has cores of its own.
"""


def fix_section(writers: list[service_bench.WriterResult], http: list[http_bench.LoadResult],
                baseline_label: str | None, timings: list[profile_paths.PathTiming], trees: dict[str, str],
                before: list[profile_paths.PathTiming]) -> str:
    out = io.StringIO()
    w = out.write
    w("## Profile and fix\n\n" + FIX_NOTES + "\n")
    if timings:
        w("vpbot's own work per dialog open, one request after another in one thread "
          "(`python -m benchmarks.profile_paths`; the real plugin and bot in-process, SQLite, the fake Web API over "
          "loopback). CPU is the requesting thread's CPU time (`time.thread_time`), which a busy machine disturbs "
          "less than the wall clock.")
        if before:
            w(f" *Before* is the same measurement on `{baseline_label}`, run just before.")
        w("\n\n| path | requests | wall ms per request | CPU ms per request |"
          + (" before: wall ms | before: CPU ms |" if before else "") + "\n|---|---:|---:|---:|"
          + ("---:|---:|" if before else "") + "\n")
        for t in timings:
            earlier = next((b for b in before if b.path == t.path), None)
            w(f"| {t.path} | {t.requests} | {t.mean_ms:.2f} | {t.cpu_ms:.2f} |"
              + (f" {earlier.mean_ms:.2f} | {earlier.cpu_ms:.2f} |" if earlier else (" – | – |" if before else ""))
              + "\n")
        w("\n")
    for name, tree in trees.items():
        w(f"<details><summary>pyinstrument: {name}</summary>\n\n```\n{tree.strip()}\n```\n</details>\n\n")
    if writers:
        w("### SQLite write transactions under concurrency: before and after\n\n"
          "The Slack replay guard's transaction (`remember_once`: one insert and a commit) from N threads at "
          "once, on an engine configured as before the fix (SQLite's busy handler alone) and as now (the writer "
          "queue in `vpbot/storage/db.py`). Same run, same machine.\n\n"
          "| threads | engine | transactions | per second | p50 ms | p99 ms | max ms |\n"
          "|---:|---|---:|---:|---:|---:|---:|\n")
        for r in writers:
            w(f"| {r.threads} | {r.engine} | {len(r.latencies):,} | {r.rate:,.0f} | "
              f"{_ms(median(r.latencies) * 1000)} | {_ms(percentile(r.latencies, 99) * 1000)} | "
              f"{_ms(max(r.latencies) * 1000)} |\n")
        w("\n")
    if baseline_label:
        rows = [r for r in http if r.target in (http_bench.VPBOT_TARGET, baseline_label)]
        w(f"### Over HTTP: `{baseline_label}` and vpbot now, side by side in the same run\n\n"
          "| platform | clients | app | p50 ms | p99 ms | requests/s |\n|---|---:|---|---:|---:|---:|\n")
        for r in rows:
            w(f"| {r.platform} | {r.concurrency} | {r.target} | {_ms(r.p50_ms)} | {_ms(r.p99_ms)} | "
              f"{r.throughput:,.1f} |\n")
        w("\n")
    return out.getvalue()


def summary(http: list[http_bench.LoadResult], services: service_bench.ServiceResults) -> str:
    lines = []
    for platform, name in (("slack", "Slack `/vertrouwenspersoon` → `views.open`"), ("teams", "Teams `task/fetch`")):
        for vpbot, base in http_bench.pairs([r for r in http if r.platform == platform]):
            if vpbot.concurrency != max(r.concurrency for r in http):
                continue
            ratio = vpbot.p99_ms / base.p99_ms
            lines.append(
                f"- {name} at {vpbot.concurrency} clients: {vpbot.target}: p50 {_ms(vpbot.p50_ms)} ms, p99 {_ms(vpbot.p99_ms)} ms, "
                f"{vpbot.throughput:,.0f}/s; {base.target} p99 {_ms(base.p99_ms)} ms, {base.throughput:,.0f}/s. "
                f"**p99 ratio {ratio:.2f}** (target ≤ {TARGET_RATIO}: {'met' if ratio <= TARGET_RATIO else 'not met'}), "
                f"p50 ratio {vpbot.p50_ms / base.p50_ms:.2f}, throughput ratio {vpbot.throughput / base.throughput:.2f}; "
                f"p99 < {TARGET_P99_MS} ms: {'met' if vpbot.p99_ms < TARGET_P99_MS else 'not met'}; CPU per request "
                f"{vpbot.server_cpu_ms:.1f} vs {base.server_cpu_ms:.1f} ms.")
    executor = {r.target: r for r in http if r.platform == "slack" and r.concurrency == max(
        (x.concurrency for x in http), default=0) and r.target in (http_bench.BARE_BOLT, http_bench.BARE_BOLT_5)}
    if len(executor) == 2:
        big, small = executor[http_bench.BARE_BOLT], executor[http_bench.BARE_BOLT_5]
        lines.append(f"- Bolt's listener executor at {big.concurrency} clients (bare app): 32 threads p99 "
                     f"{_ms(big.p99_ms)} ms, {big.throughput:,.0f}/s; Bolt's default 5 threads p99 {_ms(small.p99_ms)} ms, "
                     f"{small.throughput:,.0f}/s.")
    for b in services.bookings:
        lines.append(f"- Booking submits, {b.database}, {b.threads} thread(s): {b.rate:,.1f}/s.")
    for c in services.contention:
        lines.append(f"- {service_bench.CONTENDERS}-way race for one slot, {c.database}: all resolved in "
                     f"{_ms(c.median_ms)} ms (median of {len(c.rounds)}).")
    for slot in services.slots:
        lines.append(f"- Slots, {slot.label}: {slot.median_ms:.2f} ms median ({slot.busy_items:,} busy items).")
    for start in services.startup:
        lines.append(f"- `vpbot serve` to `/readyz`, {start.label}: {start.median_ms:,.0f} ms median.")
    return "## Summary\n\n" + "\n".join(lines) + "\n\n" if lines else ""


def report(args: argparse.Namespace, http: list[http_bench.LoadResult], problems: list[str],
           services: service_bench.ServiceResults, timings: list[profile_paths.PathTiming], trees: dict[str, str],
           baseline_label: str | None, notes: str, seconds: float,
           before: list[profile_paths.PathTiming]) -> str:
    out = io.StringIO()
    w = out.write
    command = "python -m benchmarks.run" + "".join(
        f" {flag}" for flag, on in (("--quick", args.quick), ("--skip-http", args.skip_http),
                                    ("--skip-service", args.skip_service), ("--skip-profile", args.skip_profile)) if on
    ) + (f" --baseline-ref {args.baseline_ref}" if args.baseline_ref else "") + (
        " --baseline-dir …" if args.baseline_dir else "") + (
        f" --baseline-label '{args.baseline_label}'" if args.baseline_label else "") + (
        " --pin" if args.pin else "")
    if postgres_url():
        command = "VPBOT_BENCH_POSTGRES_URL=… " + command
    w("# vpbot benchmarks\n\n")
    w("\n".join(machine_lines(command, postgres_url())) + f"\n- Duration of the run: {seconds / 60:.1f} min\n\n")
    if args.quick:
        w("**Quick mode**: small request counts, for CI — the figures show the benchmark works, not how fast "
          "vpbot is.\n\n")
    if notes:
        w(notes.strip() + "\n\n")
    w(summary(http, services))
    if http:
        w("## Dialog open over HTTP\n\nClosed loop: N clients (each its own keep-alive connection through "
          "`benchmarks/lean_http.py`, loopback only), each its own user, send a request, wait until it is done, "
          "send the next, until the level's request or time budget is spent; after a warm-up in which every user "
          "is seen twice. The apps run side by side as separate processes and are measured alternately at each "
          "level. " + ("With `--pin` the servers run on the last CPU and the load generator with the fakes on the "
                       "others. " if args.pin else "The load generator and the fakes share the machine's CPUs with "
                       "the servers. ") +
          "**app CPU ms/request** is the server process's user + system CPU time over the level divided by the "
          "requests done (from `/proc`), the load generator's likewise (this process: the clients and the fake "
          "Slack Web API). A Python server does its work on about one core (the GIL), so 1000 / app CPU ms is "
          "about its ceiling in requests per second. With no pause between requests, 50 clients keep 50 "
          "requests in flight, so latency at 50 clients is mostly queueing: mean latency ≈ 50 / throughput "
          f"(Little's law), and a p99 under {TARGET_P99_MS} ms at 50 clients needs roughly 200+ dialog opens per "
          "second. The ratio to the bare app is the figure.\n\n"
          "- **Slack**: a signed `/vertrouwenspersoon` command to `POST /slack/events`; done when the fake Slack "
          "Web API received the `views.open` with that request's `trigger_id` (what the person waits for). "
          "vpbot: `vpbot serve` on SQLite (gate with replay guard, Bolt with a 32-thread listener executor, flows, "
          "the home modal). Baseline: `benchmarks/bare_bolt.py`, Bolt's `App` with the same client and executor "
          "under uvicorn + Starlette (dispatch in the thread pool, at most 16 at once as in vpbot), Bolt's own signature check, a listener that "
          "acks and opens a static modal; also with Bolt's default 5-thread executor.\n"
          "- **Teams**: a `task/fetch` invoke with an RS256 token (local key; the JWKS from the local OpenID "
          "fake) to `POST /api/messages`; done when the answer with the dialog arrived. Baseline: "
          "`benchmarks/bare_teams.py`, the Teams SDK's `App` (microsoft-teams-apps 2.1.1) on its own FastAPI + "
          "uvicorn, **validating the same tokens** against the local metadata through "
          "`with_overrides(PUBLIC, openid_metadata_url=…)`, answering with a static card.\n\n")
        w(http_section(http, "slack", "Slack: `/vertrouwenspersoon` → `views.open`", "bare Bolt"))
        w(http_section(http, "teams", "Teams: `task/fetch` → dialog", "bare Teams SDK"))
        if problems:
            w("Problems seen during the run:\n\n" + "\n".join(f"- {p}" for p in problems) + "\n\n")
    w(service_section(services))
    w(fix_section(services.writers, http, baseline_label, timings, trees, before))
    return out.getvalue()


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description="vpbot's benchmarks; writes benchmarks/RESULTS.md")
    parser.add_argument("--quick", action="store_true", help="small counts (about a minute), for CI")
    parser.add_argument("--output", type=Path,
                        help=f"report file (default {RESULTS.relative_to(REPO)}; --quick writes none unless given)")
    parser.add_argument("--skip-http", action="store_true", help="leave out the HTTP benchmarks")
    parser.add_argument("--skip-service", action="store_true", help="leave out booking, slots and start-up")
    parser.add_argument("--skip-profile", action="store_true", help="leave out the per-request profile")
    parser.add_argument("--baseline-ref", help="also benchmark `vpbot serve` from this git commit, side by side")
    parser.add_argument("--baseline-dir", type=Path,
                        help="like --baseline-ref, but a source tree as it is (e.g. a copy with a fix undone)")
    parser.add_argument("--baseline-label", help="what to call the baseline in the report")
    parser.add_argument("--notes", type=Path, help="Markdown to put under the header (e.g. what the fix was)")
    parser.add_argument("--pin", action="store_true",
                        help="run the servers under test on the last CPU and the load generator on the others")
    args = parser.parse_args()
    started = time.perf_counter()
    if args.pin:
        driver_cpus, server_cpus = pin_servers()
        print(f"pinned: servers on CPU {sorted(server_cpus)}, load generator and fakes on {sorted(driver_cpus)}")

    timings: list[profile_paths.PathTiming] = []
    trees: dict[str, str] = {}
    if not args.skip_profile:
        print("profile: vpbot's work per request", flush=True)
        try:
            import pyinstrument  # noqa: F401

            can_profile = not args.quick
        except ImportError:
            can_profile = False
            print("  (pyinstrument not installed: pip install -e '.[bench]' for the call trees)", flush=True)
        timings, trees = profile_paths.measure(30 if args.quick else 300, profile=can_profile)
        for timing in timings:
            print(f"  {timing.path}: {timing.mean_ms:.2f} ms per request ({timing.cpu_ms:.2f} ms CPU)", flush=True)

    http: list[http_bench.LoadResult] = []
    problems: list[str] = []
    before: list[profile_paths.PathTiming] = []
    baseline_label = args.baseline_label or (
        f"vpbot @ {short_ref(args.baseline_ref)}" if args.baseline_ref else
        f"vpbot from {args.baseline_dir}" if args.baseline_dir else None)
    with exported(args.baseline_ref, args.baseline_dir) as baseline:
        if baseline is not None and not args.skip_profile:
            print(f"profile: the same on {baseline_label}", flush=True)
            before = baseline_timings(baseline, 30 if args.quick else 300)
            for timing in before:
                print(f"  {timing.path}: {timing.mean_ms:.2f} ms per request ({timing.cpu_ms:.2f} ms CPU)",
                      flush=True)
        if not args.skip_http:
            print("HTTP: dialog open, vpbot and the bare apps", flush=True)
            http, problems = http_bench.run(args.quick, baseline=baseline,
                                            baseline_label=baseline_label or "vpbot (baseline)")
    services = service_bench.ServiceResults()
    if not args.skip_service:
        print("service level: booking, contention, SQLite writers, slots, start-up", flush=True)
        services = service_bench.run(args.quick)

    notes = args.notes.read_text() if args.notes else ""
    text = report(args, http, problems, services, timings, trees, baseline_label, notes,
                  time.perf_counter() - started, before)
    output = args.output or (None if args.quick else RESULTS)
    if output is not None:
        output.write_text(text)
        print(f"wrote {output}")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
