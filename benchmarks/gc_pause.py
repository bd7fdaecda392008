"""How long one full garbage collection stops a loaded ``vpbot serve``, before and after
:func:`vpbot.cli.settle_heap`.

A full (generation 2) collection walks every tracked object while holding the GIL, so every
request in flight waits for it; under load it comes every few seconds. This builds what
``vpbot serve`` builds before it listens (container, migrations, the Starlette app with the
Slack and Teams routes), times ``gc.collect()`` a few times, settles the heap the way
``serve`` does, and times it again. It prints one JSON object; run it with the environment
of a configured server (``service_bench.gc_pauses`` does, against local fakes).

    python -m benchmarks.gc_pause
"""

from __future__ import annotations

import gc
import json
import statistics
import time

import benchmarks.common  # noqa: F401 - puts the repository on sys.path
from vpbot.bootstrap import bootstrap, platform_routes
from vpbot.cli import settle_heap
from vpbot.settings import Settings
from vpbot.storage import migrate
from vpbot.web.app import create_app

REPEATS = 5


def _full_collections() -> list[float]:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        gc.collect()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    container = bootstrap(Settings.from_env())
    migrate.upgrade(container.engine)
    app = create_app(container, platform_routes(container))
    objects = len(gc.get_objects())
    before = _full_collections()
    settle_heap()
    after = _full_collections()
    print(json.dumps({
        "objects": objects, "frozen": gc.get_freeze_count(),
        "before_ms": statistics.median(before), "after_ms": statistics.median(after),
    }))
    del app
    container.engine.dispose()


if __name__ == "__main__":
    main()
