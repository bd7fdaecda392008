"""How many threads serve requests' blocking work: one place, so the benchmark's bare apps are
served exactly as ``vpbot serve`` is (``benchmarks/bare_bolt.py`` imports this, and nothing
heavier, so its baseline stays bare).
"""

from __future__ import annotations

from anyio.to_thread import current_default_thread_limiter

# Requests whose blocking work (the Slack gate and Bolt, the Teams bot) runs at once
# in threads; the rest wait their turn on the event loop, first come first served. Starlette's
# default is 40: under a burst every thread competes for the GIL and SQLite's one writer, so
# the unluckiest requests wait longest. With 16 the throughput measured the same and the p99
# at 50 concurrent clients fell by a fifth (benchmarks/RESULTS.md). It stays well above what
# one process can use at once, so a few slow calls to Slack's or Microsoft's API (made before
# the answer, in a submit) do not hold up everyone else. Slack's listeners, which call the
# Web API after the answer, have an executor of their own (plugins/slack/executor.py).
REQUEST_THREADS = 16
# /readyz has threads of its own: an orchestrator's probe must not wait behind a burst of
# requests (it would take the instance out of rotation for being busy).
READINESS_THREADS = 2


def bound_request_threads() -> None:
    """Cap the running event loop's default thread pool at :data:`REQUEST_THREADS`.

    Limiters belong to the running event loop, so call this from inside it (a lifespan).
    """
    current_default_thread_limiter().total_tokens = REQUEST_THREADS
