"""The dispatcher: claims due outbox rows, sends them through a platform sender, records how
it went (DESIGN.md §3 Scheduling, Scale-out).

The database is the source of truth; any number of dispatchers may run against it.

- **Claim** (one short transaction): on PostgreSQL ``SELECT ... FOR UPDATE SKIP LOCKED`` in
  due order, then ``UPDATE`` to ``sending`` with a lease; on SQLite the same statements run
  inside a ``BEGIN IMMEDIATE`` transaction and the ``UPDATE`` repeats the claim condition.
  Both walk the index ``ix_outbox_due (status, due_at)`` and stop after ``batch_size`` rows,
  so rows scheduled for later never cost anything per tick.
- **Send** each claimed row outside any transaction (a slow platform holds no lock).
- **Record** each outcome in its own transaction, guarded by ``status = 'sending' AND
  claimed_by = <this worker>``: a worker whose lease ran out and whose row was taken over
  changes nothing.

A row whose worker died mid-send stays ``sending`` until its lease expires; then any worker
reclaims it and first asks the sender whether the message already went out. Rows that fell
due while every process was down are simply due rows.

Logs carry outbox ids, kinds and reason codes only — never a recipient or content (C6).
"""

from __future__ import annotations

import logging
import os
import random
import secrets
import socket
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from vpbot.crypto.errors import DecryptionError, KeyringError
from vpbot.crypto.keys import KeyManager
from vpbot.crypto.wrapping import KeyWrapper
from vpbot.dispatch.ports import (
    Delivery,
    RateLimited,
    RecipientGone,
    Sender,
    TransientFailure,
)
from vpbot.services import outbox
from vpbot.services.actor import Role
from vpbot.services.clock import Clock
from vpbot.services.tenants import PLATFORMS
from vpbot.storage.models import OutboxItem, Person, RoleAssignment, Tenant
from vpbot.ui.notifications import Notification, NotificationKind

log = logging.getLogger(__name__)

RATE_LIMITED = "rate_limited"
# How many 429s in a row a row may get before they start counting as failed attempts:
# a platform that keeps refusing for hours must still end in a dead letter and an alert.
FREE_RATE_LIMITS = 20
# Stop starting sends this long before the lease runs out, so another worker never
# reclaims a row that this one is still about to send.
LEASE_MARGIN = 0.2  # fraction of the lease
# When the process cannot unwrap keys (a configuration error), rows wait this long.
CONFIG_RETRY = timedelta(minutes=1)
# Stranded rows (no sender for their platform) are counted up to this many per tick.
WAITING_COUNT_CAP = 1000


@dataclass(frozen=True)
class TickResult:
    """What one tick did (counts only)."""

    claimed: int = 0
    sent: int = 0
    retried: int = 0  # back to pending: backoff, 429, or released unsent
    dead: int = 0  # gave up after max_attempts (or a permanent error); admins alerted
    gone: int = 0  # recipient unreachable for good: marked undeliverable
    waiting: int = 0  # due rows for a platform that has no sender configured


@dataclass(frozen=True)
class Claim:
    """A row this worker holds the lease on."""

    id: str
    tenant_id: str
    recipient_id: str | None
    kind: str
    payload: Any
    attempts: int  # including this one
    last_error: str | None
    lease_until: datetime
    reclaimed: bool  # its previous worker's lease expired: outcome unknown

    @property
    def retried_after_unknown_outcome(self) -> bool:
        """Whether an earlier attempt may have posted the message already.

        A 429 means the platform refused, so only then is the outcome certain.
        """
        if self.reclaimed:
            return True
        earlier = self.attempts - 1
        return earlier > 0 and not (self.last_error or "").startswith(RATE_LIMITED)


@dataclass
class _Tally:
    """One tick's counts, what it learned about recipients and tenants, and the session on
    which it records outcomes (one connection per tick, one transaction per row)."""

    session: Session
    sent: int = 0
    retried: int = 0
    dead: int = 0
    gone: int = 0
    gone_recipients: dict[str, str] = field(default_factory=dict)  # person id -> reason code
    gone_tenants: dict[str, str] = field(default_factory=dict)  # tenant id -> reason code
    rate_limited_tenants: dict[str, datetime] = field(default_factory=dict)


def default_worker_id() -> str:
    """A worker id unique per process start: host, pid and a random suffix (≤ 64 chars)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


class Dispatcher:
    """Delivers due outbox rows through platform senders; safe to run in many processes."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        wrapper: KeyWrapper,
        senders: Mapping[str, Sender],
        clock: Clock,
        worker_id: str,
        *,
        lease_seconds: float = 60,
        batch_size: int = 50,
        max_attempts: int = 8,
        backoff_base: timedelta = timedelta(seconds=5),
        backoff_cap: timedelta = timedelta(hours=1),
        rng: random.Random | None = None,
    ) -> None:
        if batch_size < 1 or max_attempts < 1 or lease_seconds <= 0:
            raise ValueError("batch_size, max_attempts and lease_seconds must be positive")
        unknown = set(senders) - set(PLATFORMS)
        if unknown:
            raise ValueError(f"senders for unknown platforms: {sorted(unknown)}")
        self.sessions = sessions
        self.wrapper = wrapper
        self.senders = dict(senders)
        self.clock = clock
        self.worker_id = worker_id[:64]
        self.lease = timedelta(seconds=lease_seconds)
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.rng = rng or random.Random()

    # ------------------------------------------------------------------ one tick

    def tick(self) -> TickResult:
        """Claim up to ``batch_size`` due rows, send them, record the outcomes."""
        now = self.clock.now()
        claims = self.claim(now) if self.senders else []
        # Only look for stranded rows once the routable queue is drained: then the due range
        # holds little else and the (capped) count stops early.
        waiting = self._warn_about_platforms_without_sender(now) if len(claims) < self.batch_size else 0
        if not claims:
            return TickResult(waiting=waiting)
        deliveries = self._deliveries(claims)
        with self.sessions() as session:
            tally = _Tally(session)
            for claim in claims:
                self._handle(claim, deliveries.get(claim.id), tally)
        return TickResult(
            claimed=len(claims), sent=tally.sent, retried=tally.retried,
            dead=tally.dead, gone=tally.gone, waiting=waiting,
        )

    # ------------------------------------------------------------------ claiming

    def claim(self, now: datetime) -> list[Claim]:
        """Claim up to ``batch_size`` due rows (expired leases first) for this worker.

        Public so benchmarks can time the claim alone.
        """
        with self.sessions.begin() as session:
            expired = self._due_ids(session, _lease_expired(now), self.batch_size)
            pending = self._due_ids(session, _pending_due(now), self.batch_size - len(expired))
            ids = expired + pending
            if not ids:
                return []
            lease_until = now + self.lease
            rows = session.execute(
                update(OutboxItem)
                .where(OutboxItem.id.in_(ids), _claimable(now))
                .values(
                    status="sending",
                    lease_until=lease_until,
                    claimed_by=self.worker_id,
                    attempts=OutboxItem.attempts + 1,
                )
                .returning(
                    OutboxItem.id, OutboxItem.tenant_id, OutboxItem.recipient_id,
                    OutboxItem.kind, OutboxItem.payload, OutboxItem.attempts,
                    OutboxItem.last_error, OutboxItem.due_at,
                )
                .execution_options(synchronize_session=False)
            ).all()
        reclaimed = set(expired)
        claims = [
            Claim(
                id=row.id, tenant_id=row.tenant_id, recipient_id=row.recipient_id,
                kind=row.kind, payload=row.payload, attempts=row.attempts,
                last_error=row.last_error, lease_until=lease_until, reclaimed=row.id in reclaimed,
            )
            for row in sorted(rows, key=lambda r: r.due_at)
        ]
        for claim in claims:
            if claim.reclaimed:
                log.warning("outbox %s (%s): reclaimed after an expired lease", claim.id, claim.kind)
        return claims

    def _due_ids(self, session: Session, condition: ColumnElement[bool], limit: int) -> list[str]:
        if limit <= 0:
            return []
        query = select(OutboxItem.id).where(condition)
        routable = self._routable_tenants()
        if routable is not None:
            query = query.where(OutboxItem.tenant_id.in_(routable))
        query = query.order_by(OutboxItem.due_at).limit(limit).with_for_update(skip_locked=True, of=OutboxItem)
        return list(session.scalars(query))

    def _routable_tenants(self) -> Any:
        """A subquery of tenants this worker can send to, or None when it serves every platform.

        Filtering in the claim (instead of claiming and releasing) keeps rows for an
        unconfigured platform from blocking the head of the queue.
        """
        if set(self.senders) >= set(PLATFORMS):
            return None
        return select(Tenant.id).where(Tenant.platform.in_(sorted(self.senders)))

    def _warn_about_platforms_without_sender(self, now: datetime) -> int:
        """Count due rows nobody here can send (capped), and warn once per tick. They stay
        pending: a sender configured later delivers them."""
        missing = sorted(set(PLATFORMS) - set(self.senders))
        if not missing:
            return 0
        with self.sessions() as session:
            due = (
                select(OutboxItem.id)
                .join(Tenant, Tenant.id == OutboxItem.tenant_id)
                .where(_pending_due(now), Tenant.platform.in_(missing))
                .limit(WAITING_COUNT_CAP)
                .subquery()
            )
            waiting = int(session.scalar(select(func.count()).select_from(due)) or 0)
        if waiting:
            shown = f"{waiting}+" if waiting >= WAITING_COUNT_CAP else str(waiting)
            log.warning(
                "%s due outbox row(s) wait for a platform with no sender configured (%s)",
                shown, ", ".join(missing),
            )
        return waiting

    # ------------------------------------------------------------------ deliveries

    def _deliveries(self, claims: Sequence[Claim]) -> dict[str, Delivery | str]:
        """Build each claim's :class:`Delivery`, or a reason code why it cannot be sent."""
        out: dict[str, Delivery | str] = {}
        with self.sessions() as session:
            keys = KeyManager(session, self.wrapper)
            tenants = _by_id(session, Tenant, {c.tenant_id for c in claims})
            people = _by_id(session, Person, {c.recipient_id for c in claims if c.recipient_id})
            for claim in claims:
                out[claim.id] = self._delivery(claim, tenants.get(claim.tenant_id),
                                               people.get(claim.recipient_id or ""), keys)
        return out

    def _delivery(
        self, claim: Claim, tenant: Tenant | None, person: Person | None, keys: KeyManager
    ) -> Delivery | str:
        if tenant is None or tenant.status != "active":
            return "gone:tenant_uninstalled"
        if person is None:
            return "gone:recipient_deleted"
        try:
            notification = Notification.from_payload(claim.payload)
        except (TypeError, ValueError):
            return "dead:bad_payload"
        try:
            recipient = keys.decrypt_field(
                tenant.id, "people", "platform_id_enc", person.id, person.platform_id_enc
            )
        except KeyringError:  # a master key missing from VPBOT_MASTER_KEY: the operator's to fix
            log.error("outbox %s: cannot unwrap the tenant key (master key not configured?)", claim.id)
            return "retry:keyring"
        except DecryptionError as exc:  # shredded or foreign key material: permanent
            log.error("outbox %s: cannot decrypt recipient (%s)", claim.id, type(exc).__name__)
            return "dead:recipient_key"
        return Delivery(
            outbox_id=claim.id, tenant_id=tenant.id, platform=tenant.platform,
            tenant_external_id=tenant.external_id, recipient=recipient, locale=person.locale,
            timezone=person.timezone, notification=notification, attempt=claim.attempts,
        )

    # ------------------------------------------------------------------ one row

    def _handle(self, claim: Claim, delivery: Delivery | str | None, tally: _Tally) -> None:
        now = self.clock.now()
        if isinstance(delivery, str) or delivery is None:
            verdict, _, code = (delivery or "gone:unknown").partition(":")
            if verdict == "dead":
                self._dead(claim, code, tally)
            elif verdict == "retry":  # not the row's fault: do not count it as an attempt
                self._release(claim, due_at=now + CONFIG_RETRY, tally=tally)
            else:
                self._gone(claim, RecipientGone(code), tally, spread=False)
            return
        gone_reason = tally.gone_tenants.get(claim.tenant_id) or tally.gone_recipients.get(
            claim.recipient_id or ""
        )
        if gone_reason is not None:
            self._gone(claim, RecipientGone(gone_reason), tally, spread=False)
            return
        resume_at = tally.rate_limited_tenants.get(claim.tenant_id)
        if resume_at is not None or now >= claim.lease_until - self.lease * LEASE_MARGIN:
            # The platform just told us to slow down for this tenant, or the lease is nearly
            # over: hand the row back untouched rather than risk a storm or a duplicate.
            self._release(claim, due_at=resume_at or now, tally=tally)
            return
        sender = self.senders.get(delivery.platform)
        if sender is None:
            self._release(claim, due_at=now, tally=tally)
            return
        try:
            message_id = None
            if claim.retried_after_unknown_outcome:
                message_id = sender.already_sent(delivery)
                if message_id is not None:
                    log.info("outbox %s (%s): already posted, not sending again", claim.id, claim.kind)
            if message_id is None and claim.attempts > self.max_attempts:
                # Only reclaims get here: its workers keep dying mid-send. A poison row?
                self._dead(claim, "lease_expired", tally)
                return
            if message_id is None:
                message_id = sender.send(delivery).message_id or ""
        except RateLimited as exc:
            self._rate_limited(claim, exc, tally)
        except RecipientGone as exc:
            self._gone(claim, exc, tally, spread=True)
        except TransientFailure as exc:
            self._failed(claim, exc.reason_code, tally)
        except Exception as exc:  # an adapter bug must not lose the row; no message: C6
            log.error("outbox %s: sender raised %s", claim.id, type(exc).__name__)
            self._failed(claim, f"error:{type(exc).__name__}", tally)
        else:
            self._sent(claim, message_id, tally)

    # ------------------------------------------------------------------ outcomes

    @contextmanager
    def _record(self, tally: _Tally) -> Iterator[Session]:
        """A transaction for one row's outcome, committed at once: a crash later in the
        batch never undoes an outcome already recorded. No transaction is open while a
        sender runs."""
        try:
            yield tally.session
            tally.session.commit()
        except BaseException:
            tally.session.rollback()
            raise

    def _finish(self, session: Session, claim: Claim, **values: Any) -> bool:
        """Update the row if this worker still holds it; True if it did.

        ``claimed_by`` stays on finished rows (who sent it) and is cleared on pending ones.
        """
        if values.get("status") == "pending":
            values["claimed_by"] = None
        result = session.execute(
            update(OutboxItem)
            .where(
                OutboxItem.id == claim.id,
                OutboxItem.status == "sending",
                OutboxItem.claimed_by == self.worker_id,
            )
            .values(lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:
            log.warning("outbox %s: lease lost before its outcome was recorded", claim.id)
        return bool(result.rowcount)

    def _sent(self, claim: Claim, message_id: str, tally: _Tally) -> None:
        with self._record(tally) as session:
            if self._finish(
                session, claim, status="sent", sent_at=self.clock.now(),
                platform_message_id=(message_id or None) and message_id[:128], last_error=None,
            ):
                tally.sent += 1

    def _release(self, claim: Claim, *, due_at: datetime, tally: _Tally) -> None:
        """Back to pending without counting an attempt."""
        with self._record(tally) as session:
            if self._finish(
                session, claim, status="pending", due_at=due_at,
                attempts=OutboxItem.attempts - 1,
            ):
                tally.retried += 1

    def _rate_limited(self, claim: Claim, exc: RateLimited, tally: _Tally) -> None:
        now = self.clock.now()
        wait = min(max(exc.retry_after_seconds, 1.0), self.backoff_cap.total_seconds())
        resume_at = now + timedelta(seconds=wait)
        tally.rate_limited_tenants[claim.tenant_id] = resume_at
        streak = _rate_limit_streak(claim.last_error) + 1
        counts = streak > FREE_RATE_LIMITS
        if counts and claim.attempts >= self.max_attempts:
            self._dead(claim, RATE_LIMITED, tally)
            return
        log.info("outbox %s (%s): 429, retry in %.0fs", claim.id, claim.kind, wait)
        with self._record(tally) as session:
            if self._finish(
                session, claim, status="pending", due_at=resume_at,
                last_error=f"{RATE_LIMITED}:{streak}",
                attempts=OutboxItem.attempts if counts else OutboxItem.attempts - 1,
            ):
                tally.retried += 1

    def _failed(self, claim: Claim, code: str, tally: _Tally) -> None:
        if claim.attempts >= self.max_attempts:
            self._dead(claim, code, tally)
            return
        delay = self.backoff(claim.attempts)
        log.info("outbox %s (%s): attempt %d failed (%s), retry in %.0fs",
                 claim.id, claim.kind, claim.attempts, code, delay.total_seconds())
        with self._record(tally) as session:
            if self._finish(session, claim, status="pending",
                            due_at=self.clock.now() + delay, last_error=code[:64]):
                tally.retried += 1

    def backoff(self, attempts: int) -> timedelta:
        """Exponential backoff with full jitter: uniform in [0, min(cap, base · 2^(n-1)))."""
        ceiling = min(
            self.backoff_cap.total_seconds(),
            self.backoff_base.total_seconds() * 2 ** min(max(attempts - 1, 0), 40),
        )
        return timedelta(seconds=self.rng.uniform(0, ceiling))

    def _dead(self, claim: Claim, code: str, tally: _Tally) -> None:
        """Dead-letter the row and alert the tenant's admins (content-free, at most one per
        admin per day, and never about an alert: that could loop)."""
        with self._record(tally) as session:
            if not self._finish(session, claim, status="dead", last_error=code[:64]):
                return
            alerted = 0
            if claim.kind != NotificationKind.DELIVERY_FAILED_ALERT.value:
                alerted = self._alert_admins(session, claim.tenant_id)
        tally.dead += 1
        log.error("outbox %s (%s): dead after %d attempt(s) (%s); %d admin alert(s) queued",
                  claim.id, claim.kind, claim.attempts, code, alerted)

    def _alert_admins(self, session: Session, tenant_id: str) -> int:
        now = self.clock.now()
        admins = session.scalars(
            select(RoleAssignment.person_id).where(
                RoleAssignment.tenant_id == tenant_id, RoleAssignment.role == Role.ADMIN.value
            )
        ).all()
        alert = Notification(NotificationKind.DELIVERY_FAILED_ALERT)
        return sum(
            outbox.enqueue_once(
                session, tenant_id, admin_id, alert, due_at=now,
                dedupe_key=f"delivery-failed:{admin_id}:{now.date().isoformat()}",
            )
            for admin_id in admins
        )

    def _gone(self, claim: Claim, exc: RecipientGone, tally: _Tally, *, spread: bool) -> None:
        """Mark undeliverable; with ``spread``, also the other due rows for the same recipient
        (or tenant), so one departed user does not cost one failed call per queued row."""
        now = self.clock.now()
        with self._record(tally) as session:
            if self._finish(session, claim, status="undeliverable", last_error=exc.reason_code):
                tally.gone += 1
            if spread:
                tally.gone += self._give_up_due(session, claim, exc, now)
        if spread and exc.tenant_wide:
            tally.gone_tenants[claim.tenant_id] = exc.reason_code
        elif spread and claim.recipient_id is not None:
            tally.gone_recipients[claim.recipient_id] = exc.reason_code
        log.info("outbox %s (%s): undeliverable (%s)", claim.id, claim.kind, exc.reason_code)

    def _give_up_due(self, session: Session, claim: Claim, exc: RecipientGone, now: datetime) -> int:
        scope = (
            OutboxItem.tenant_id == claim.tenant_id
            if exc.tenant_wide
            else OutboxItem.recipient_id == claim.recipient_id
        )
        result = session.execute(
            update(OutboxItem)
            .where(_pending_due(now), scope)
            .values(status="undeliverable", last_error=exc.reason_code)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)


# ---------------------------------------------------------------------- query pieces


def _pending_due(now: datetime) -> ColumnElement[bool]:
    return and_(OutboxItem.status == "pending", OutboxItem.due_at <= now)


def _lease_expired(now: datetime) -> ColumnElement[bool]:
    return and_(OutboxItem.status == "sending", OutboxItem.lease_until < now)


def _claimable(now: datetime) -> ColumnElement[bool]:
    """The claim condition, repeated in the UPDATE: on SQLite this is what makes the claim
    safe; on PostgreSQL the row locks already are."""
    return or_(_pending_due(now), _lease_expired(now))


def _rate_limit_streak(last_error: str | None) -> int:
    if not last_error or not last_error.startswith(RATE_LIMITED + ":"):
        return 0
    count = last_error.partition(":")[2]
    return int(count) if count.isdigit() else 0


def _by_id(session: Session, model: Any, ids: Iterable[str]) -> dict[str, Any]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {row.id: row for row in session.scalars(select(model).where(model.id.in_(wanted)))}
