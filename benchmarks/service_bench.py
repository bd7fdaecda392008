"""Service-level benchmarks: booking, the 50-way race for one slot, slot computation, start-up.

- Booking submits per second: ``vpbot.services.booking.book`` + commit, each booking by its
  own employee into a distinct free slot (so every one opens a case, audits, queues the
  adviser's notice and up to four reminders), one thread in a loop and N threads at once.
- Contention: 50 employees, released together by a barrier, book the same slot; the figure
  is the time from the release until all 50 attempts resolved (one booking, 49
  ``booking.slot_taken`` with the next free slots).
- Slot computation: an adviser with a year of appointments (~1,000 busy items) and the
  default 8-week horizon; the pure domain function given all of them, and the service
  (``booking.free_slots``) reading them from the database.
- Start-up: ``vpbot serve`` from spawning the process to the first ``/readyz`` 200.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from datetime import time as wall_time
from pathlib import Path

from sqlalchemy import Engine, func, select

from benchmarks.common import REPO, median, percentile, postgres_url, start_child
from tests.support.booking import WORKDAYS, World, add_adviser, make_world
from tests.support.core import T0
from tests.support.databases import (
    migrated_sqlite_template,
    postgres_schema,
    truncate_all,
)
from tests.support.fake_slack import FakeSlackApi
from tests.support.server import clean_env
from tests.support.teams_fakes import OpenIdServer, teams_env
from vpbot.crypto.keyring import generate_entry
from vpbot.domain import availability
from vpbot.domain.availability import AdviserSchedule, Busy, WeeklyWindow
from vpbot.domain.cases import CATEGORIES
from vpbot.domain.errors import DomainError
from vpbot.services import booking, tenants
from vpbot.services.actor import Actor
from vpbot.services.booking import AppointmentView
from vpbot.storage.db import make_engine
from vpbot.storage.models import Appointment

UTC = timezone.utc
AMSTERDAM = "Europe/Amsterdam"
CONTENDERS = 50


@dataclass(frozen=True)
class Sizes:
    sequential: int
    threads: int
    threaded: int
    contention_rounds: int
    slot_repeats: int
    startups: int
    writer_transactions: int


FULL = Sizes(sequential=300, threads=8, threaded=600, contention_rounds=5, slot_repeats=200, startups=5,
             writer_transactions=1_000)
QUICK = Sizes(sequential=20, threads=4, threaded=40, contention_rounds=1, slot_repeats=10, startups=1,
              writer_transactions=60)


# --------------------------------------------------------------------------- databases


@contextmanager
def databases(quick: bool) -> Iterator[dict[str, Callable[[], str]]]:
    """``{"sqlite": fresh_url, "postgresql": fresh_url}``: each call gives an empty, migrated database."""
    pg = postgres_url()
    with tempfile.TemporaryDirectory(prefix="vpbot-bench-") as tmp:
        template = migrated_sqlite_template(Path(tmp) / "template.db")
        counter = iter(range(1_000_000))

        def fresh_sqlite() -> str:
            path = Path(tmp) / f"db{next(counter)}.db"
            path.write_bytes(template.read_bytes())
            return f"sqlite:///{path}"

        factories: dict[str, Callable[[], str]] = {"sqlite": fresh_sqlite}
        if pg is None:
            yield factories
            return
        with postgres_schema(pg) as url:
            def fresh_postgres() -> str:
                truncate_all(url)
                return url

            factories["postgresql"] = fresh_postgres
            yield factories


# --------------------------------------------------------------------------- booking


@dataclass
class BookingResult:
    database: str
    threads: int
    bookings: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.bookings / self.seconds


def _world_with_slots(engine: Engine, needed: int) -> tuple[World, list[tuple[str, datetime]]]:
    """A tenant with enough advisers for ``needed`` distinct free slots; (adviser id, start) pairs."""
    world = make_world(engine)
    adviser_ids = [world.adviser_id]
    slots: list[tuple[str, datetime]] = []
    while True:
        with world.make() as uow:
            slots = [(s.adviser_id, s.starts_at) for adviser_id in adviser_ids
                     for s in booking.free_slots(uow, world.admin, adviser_id, days=56, limit=200)]
        if len(slots) >= needed:
            return world, slots[:needed]
        _actor, adviser_id = add_adviser(world.make, world.tenant_id, world.admin, f"U_ADVISER{len(adviser_ids)}",
                                         name=f"Adviseur {len(adviser_ids)}")
        adviser_ids.append(adviser_id)


def _employees(world: World, prefix: str, count: int) -> list[Actor]:
    with world.make() as uow:
        actors = [tenants.identify(uow, world.tenant_id, f"{prefix}{i:05d}") for i in range(count)]
        uow.commit()
    return actors


def _book(world: World, actor: Actor, adviser_id: str, start: datetime) -> AppointmentView:
    with world.make() as uow:
        view = booking.book(uow, actor, adviser_id, start, "video", category=CATEGORIES[0],
                            note="Ik wil graag eens praten over wat er op het werk gebeurt.")
        uow.commit()
    return view


def booking_rate(url: str, database: str, threads: int, count: int) -> BookingResult:
    engine = make_engine(url)
    try:
        world, slots = _world_with_slots(engine, count)
        actors = _employees(world, f"U_EMP{threads}_", count)
        jobs = list(zip(actors, slots))
        latencies: list[float] = []
        failures: list[BaseException] = []
        lock = threading.Lock()

        def worker(mine: list[tuple[Actor, tuple[str, datetime]]]) -> None:
            try:
                for actor, (adviser_id, start) in mine:
                    began = time.perf_counter()
                    _book(world, actor, adviser_id, start)
                    with lock:
                        latencies.append(time.perf_counter() - began)
            except BaseException as exc:  # noqa: BLE001 - re-raised below
                failures.append(exc)

        parts = [jobs[i::threads] for i in range(threads)]
        seconds = _run_threads([threading.Thread(target=worker, args=(part,)) for part in parts])
        if failures:
            raise RuntimeError(f"{database}: a booking failed") from failures[0]
        with engine.connect() as connection:
            booked = connection.scalar(select(func.count()).select_from(Appointment))
        if booked != count or len(latencies) != count:
            raise RuntimeError(f"{database}: {booked} of {count} bookings stored")
        return BookingResult(database, threads, count, seconds, latencies)
    finally:
        engine.dispose()


@dataclass
class ContentionResult:
    database: str
    rounds: list[float] = field(default_factory=list)  # seconds until all 50 resolved

    @property
    def median_ms(self) -> float:
        return median(self.rounds) * 1000

    @property
    def max_ms(self) -> float:
        return max(self.rounds) * 1000


def contention(url: str, database: str, rounds: int) -> ContentionResult:
    engine = make_engine(url)
    result = ContentionResult(database)
    try:
        world, slots = _world_with_slots(engine, rounds)
        for round_number, (adviser_id, start) in enumerate(slots):
            actors = _employees(world, f"U_RACE{round_number}_", CONTENDERS)
            barrier = threading.Barrier(CONTENDERS)
            released: list[float] = []
            finished: list[float] = []
            outcomes: list[str] = []
            lock = threading.Lock()

            def attempt(actor: Actor) -> None:
                barrier.wait(30)
                began = time.perf_counter()
                try:
                    _book(world, actor, adviser_id, start)
                    outcome = "booked"
                except DomainError as error:
                    outcome = error.key
                with lock:
                    released.append(began)
                    finished.append(time.perf_counter())
                    outcomes.append(outcome)

            pool = [threading.Thread(target=attempt, args=(actor,)) for actor in actors]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join(120)
            if outcomes.count("booked") != 1 or outcomes.count("booking.slot_taken") != CONTENDERS - 1:
                raise RuntimeError(f"{database}: race outcomes {sorted(set(outcomes))}, "
                                   f"{outcomes.count('booked')} booked")
            result.rounds.append(max(finished) - min(released))
        return result
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- slots


def year_of_appointments(now: datetime) -> list[tuple[datetime, datetime]]:
    """About 1,000 appointments: four a working day from 46 weeks back to 8 weeks ahead.

    Local 09:00, 11:00, 13:00 and 15:00 in Amsterdam, 45 minutes each: half of the grid.
    """
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(AMSTERDAM)
    first = (now - timedelta(weeks=46)).astimezone(zone).date()
    last = (now + timedelta(weeks=8)).astimezone(zone).date()
    items = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            for hour in (9, 11, 13, 15):
                start = datetime.combine(day, wall_time(hour), tzinfo=zone).astimezone(UTC)
                items.append((start, start + timedelta(minutes=45)))
        day += timedelta(days=1)
    return items


@dataclass(frozen=True)
class SlotResult:
    label: str
    busy_items: int
    slots: int
    median_ms: float
    p95_ms: float


def _timed(call: Callable[[], int], repeats: int) -> tuple[int, float, float]:
    call()  # warm: holiday calendars, zone data, statement caches
    timings = []
    found = 0
    for _ in range(repeats):
        began = time.perf_counter()
        found = call()
        timings.append(time.perf_counter() - began)
    return found, median(timings) * 1000, percentile(timings, 95) * 1000


def slot_computation(url: str, repeats: int) -> list[SlotResult]:
    appointments = year_of_appointments(T0)
    schedule = AdviserSchedule(AMSTERDAM, tuple(
        WeeklyWindow(day, wall_time(9), wall_time(17)) for day, _start, _end in WORKDAYS))
    busy = [Busy(start, end) for start, end in appointments]
    results = []
    for label, limit in (("domain: all free slots in 8 weeks", None), ("domain: first 40 free slots", 40)):
        found, med, p95 = _timed(lambda limit=limit: len(availability.free_slots(schedule, busy, T0, limit=limit)),
                                 repeats)
        results.append(SlotResult(label, len(busy), found, med, p95))
    engine = make_engine(url)
    try:
        world = make_world(engine)
        with world.make() as uow:
            uow.session.add_all(
                Appointment(tenant_id=world.tenant_id, adviser_id=world.adviser_id, starts_at=start, ends_at=end,
                            held_start=start, mode="video", status="booked")
                for start, end in appointments
            )
            uow.commit()
        employee = _employees(world, "U_SLOTS", 1)[0]

        def service() -> int:
            with world.make() as uow:
                return len(booking.free_slots(uow, employee, world.adviser_id, days=56, limit=200))

        found, med, p95 = _timed(service, repeats)
        results.append(SlotResult("service: booking.free_slots (8 weeks, ≤ 200), SQLite", len(busy), found, med, p95))
    finally:
        engine.dispose()
    return results


# --------------------------------------------------------------------------- SQLite writers


def busy_handler_engine(url: str) -> Engine:
    """A SQLite engine configured as vpbot's was before the writer queue: waiting writers
    rely on SQLite's busy handler alone (sleep and retry, sleeps growing to 100 ms)."""
    from sqlalchemy import create_engine, event

    from vpbot.storage.db import SQLITE_BUSY_TIMEOUT_MS

    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: object, _record: object) -> None:
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        for pragma in ("PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA secure_delete=ON",
                       f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}"):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: object) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # type: ignore[attr-defined]

    return engine


@dataclass
class WriterResult:
    engine: str
    threads: int
    latencies: list[float]
    seconds: float

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


def sqlite_writers(url: str, label: str, engine: Engine, threads: int, per_thread: int) -> WriterResult:
    """``threads`` threads each recording ``per_thread`` request signatures (the Slack replay
    guard's write transaction: a read, an insert, a delete of old rows, a commit)."""
    import uuid

    from sqlalchemy.orm import sessionmaker

    from vpbot.crypto.keyring import MasterKeyring
    from vpbot.crypto.wrapping import MasterKeyWrapper
    from vpbot.services.dedupe import remember_once
    from vpbot.services.uow import UnitOfWorkFactory

    uows = UnitOfWorkFactory(sessionmaker(engine, expire_on_commit=False),
                             MasterKeyWrapper(MasterKeyring.parse(generate_entry("writers"))))
    latencies: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(per_thread):
            began = time.perf_counter()
            if not remember_once(uows, uuid.uuid4().hex):
                raise RuntimeError("a fresh key was seen before")
            with lock:
                latencies.append(time.perf_counter() - began)

    seconds = _run_threads([threading.Thread(target=worker) for _ in range(threads)])
    engine.dispose()
    return WriterResult(label, threads, latencies, seconds)


# --------------------------------------------------------------------------- start-up


@dataclass
class StartupResult:
    label: str
    seconds: list[float]

    @property
    def median_ms(self) -> float:
        return median(self.seconds) * 1000


def _server_env(api: FakeSlackApi, openid: OpenIdServer) -> dict[str, str]:
    """The environment of a `vpbot serve` with Slack (single workspace) and Teams, against the fakes."""
    return {
        "VPBOT_MASTER_KEY": generate_entry("start"),
        "SLACK_BOT_TOKEN": "xoxb-0000-1111-startupbench", "SLACK_SIGNING_SECRET": "startup-signing-secret-0123",
        "SLACK_API_URL": api.url, **teams_env(openid), "PYTHONPATH": str(REPO),
    }


def startup(runs: int, pg: str | None) -> list[StartupResult]:
    results = []
    with tempfile.TemporaryDirectory(prefix="vpbot-start-") as tmp, FakeSlackApi() as api, OpenIdServer() as openid:
        workdir = Path(tmp)
        template = migrated_sqlite_template(workdir / "template.db")
        platforms = _server_env(api, openid)
        cases: list[tuple[str, Callable[[int], str]]] = [
            ("SQLite, new file (migrations run at start)", lambda n: f"sqlite:///{workdir / f'new{n}.db'}"),
            ("SQLite, already migrated", lambda n: _copy(template, workdir / f"old{n}.db")),
        ]
        if pg is not None:
            cases.append(("PostgreSQL, already migrated", lambda n: pg))
        for label, database in cases:
            seconds = []
            for n in range(runs):
                child = start_child("startup", [sys.executable, "-m", "vpbot.cli", "serve", "--port", "{port}"],
                                    {**platforms, "VPBOT_DATABASE_URL": database(n)}, workdir, "/readyz")
                seconds.append(child.ready_after)
                child.stop()
            results.append(StartupResult(label, seconds))
    return results


@dataclass
class GcPause:
    """One full garbage collection in a loaded server, before and after ``settle_heap``."""

    objects: int
    frozen: int
    before_ms: float
    after_ms: float


def gc_pause() -> GcPause:
    """Run ``benchmarks/gc_pause.py`` in a fresh process configured like ``vpbot serve``."""
    with tempfile.TemporaryDirectory(prefix="vpbot-gc-") as tmp, FakeSlackApi() as api, OpenIdServer() as openid:
        env = clean_env({**_server_env(api, openid), "VPBOT_DATABASE_URL": f"sqlite:///{Path(tmp) / 'gc.db'}"})
        done = subprocess.run([sys.executable, "-m", "benchmarks.gc_pause"], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=180, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"benchmarks.gc_pause failed:\n{done.stderr[-2000:]}")
    return GcPause(**json.loads(done.stdout.strip().splitlines()[-1]))


def _copy(template: Path, path: Path) -> str:
    path.write_bytes(template.read_bytes())
    return f"sqlite:///{path}"


# --------------------------------------------------------------------------- all of it


@dataclass
class ServiceResults:
    bookings: list[BookingResult] = field(default_factory=list)
    contention: list[ContentionResult] = field(default_factory=list)
    slots: list[SlotResult] = field(default_factory=list)
    startup: list[StartupResult] = field(default_factory=list)
    gc: GcPause | None = None
    writers: list[WriterResult] = field(default_factory=list)


def run(quick: bool) -> ServiceResults:
    sizes = QUICK if quick else FULL
    results = ServiceResults()
    with databases(quick) as fresh:
        for database, make_url in fresh.items():
            for threads, count in ((1, sizes.sequential), (sizes.threads, sizes.threaded)):
                result = booking_rate(make_url(), database, threads, count)
                print(f"  booking {database:10} x{threads}: {result.rate:6.1f}/s "
                      f"(p50 {median(result.latencies) * 1000:.1f} ms)", flush=True)
                results.bookings.append(result)
            race = contention(make_url(), database, sizes.contention_rounds)
            print(f"  contention {database:10}: all {CONTENDERS} resolved in {race.median_ms:.0f} ms (median)",
                  flush=True)
            results.contention.append(race)
        for threads in (1, 10, 50):
            per_thread = max(2, sizes.writer_transactions // threads)
            for label, make_engine_for in (("busy handler only (before)", busy_handler_engine),
                                           ("writer queue (now)", make_engine)):
                url = fresh["sqlite"]()
                writers = sqlite_writers(url, label, make_engine_for(url), threads, per_thread)
                print(f"  sqlite writers x{threads} {label}: {writers.rate:.0f}/s, p99 "
                      f"{percentile(writers.latencies, 99) * 1000:.1f} ms", flush=True)
                results.writers.append(writers)
        results.slots = slot_computation(fresh["sqlite"](), sizes.slot_repeats)
        for slot in results.slots:
            print(f"  slots {slot.label}: {slot.median_ms:.2f} ms ({slot.slots} slots)", flush=True)
        pg_url = None
        if "postgresql" in fresh:
            pg_url = fresh["postgresql"]()
        results.startup = startup(sizes.startups, pg_url)
        for start in results.startup:
            print(f"  start-up {start.label}: {start.median_ms:.0f} ms", flush=True)
        results.gc = gc_pause()
        print(f"  full GC with the app loaded: {results.gc.before_ms:.1f} ms, settled {results.gc.after_ms:.2f} ms",
              flush=True)
    return results


def _run_threads(pool: list[threading.Thread]) -> float:
    """Start every thread, wait for all; the seconds that took."""
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - started
