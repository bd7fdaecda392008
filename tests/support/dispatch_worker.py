"""A dispatcher worker process for the crash tests: ticks until SIGTERM, sends over HTTP.

    python -m tests.support.dispatch_worker DATABASE_URL PLATFORM_URL WORKER_ID \
        [--lease 2] [--batch 10]

The master key comes from ``VPBOT_MASTER_KEY`` (the test's keyring). A test kills it with
SIGKILL at any moment; that is the point.
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
from datetime import timedelta

from sqlalchemy.orm import sessionmaker

from tests.support.fake_platform import HttpSender
from vpbot.crypto.keyring import MasterKeyring
from vpbot.crypto.wrapping import MasterKeyWrapper
from vpbot.dispatch.dispatcher import Dispatcher
from vpbot.services.clock import Clock
from vpbot.storage.db import make_engine


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("platform_url")
    parser.add_argument("worker_id")
    parser.add_argument("--lease", type=float, default=2.0)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=1.0)
    args = parser.parse_args()

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    engine = make_engine(args.database_url, pool_size=2)
    dispatcher = Dispatcher(
        sessionmaker(engine, expire_on_commit=False),
        MasterKeyWrapper(MasterKeyring.parse(os.environ["VPBOT_MASTER_KEY"])),
        {"slack": HttpSender(args.platform_url, timeout=args.timeout)},
        Clock(),
        args.worker_id,
        lease_seconds=args.lease,
        batch_size=args.batch,
        max_attempts=50,
        backoff_base=timedelta(milliseconds=50),
        backoff_cap=timedelta(milliseconds=500),
    )
    while not stop.is_set():
        if dispatcher.tick().claimed == 0:
            stop.wait(0.05)
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
