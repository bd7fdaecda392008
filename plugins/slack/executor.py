"""The thread pool Bolt runs vpbot's Slack listeners in (shared with the benchmark's bare app,
which must be served the same way; this module imports nothing heavier than the standard library)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

# Bolt's default executor has 5 threads and polls ack() every 10 ms; vpbot serves more.
# A listener acks, then waits on the Web API (views.open), so a burst needs more threads than
# the request threads (tests/e2e/test_slack_burst.py).
LISTENER_THREADS = 32


def listener_executor(threads: int = LISTENER_THREADS) -> ThreadPoolExecutor:
    """A pool of ``threads`` listener threads, named ``slack_…`` in thread dumps."""
    return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="slack")
