"""The platform port of the dispatcher: what a Slack or Teams sender must implement.

The dispatcher owns durability (claiming, leases, retries, dead letters); a :class:`Sender`
only turns one :class:`Delivery` into one chat message and reports how that went, either by
returning a :class:`SendReceipt` or by raising one of the typed failures below. Anything
else a sender raises is treated as a transient failure, so a bug in an adapter delays
messages but never loses them.

A sender is responsible for its own credentials. The Slack sender will rotate expiring bot
tokens here (DESIGN.md §5: refresh tokens are single-use, so it must serialise rotation
across workers with a row lock on the ``installations`` row before calling Slack); the
dispatcher stays platform-neutral and calls :meth:`Sender.send` from outside any
transaction, so such a lock is never held while the dispatcher holds its own.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

from vpbot.services.tenants import PLATFORMS
from vpbot.ui.notifications import Notification

REASON_CODE_MAX = 48  # fits ``outbox.last_error`` with room for a prefix


@dataclass(frozen=True)
class Delivery:
    """One content-free notification to one person on one platform.

    ``recipient`` is the person's platform user id (decrypted for this send only); it is
    left out of ``repr`` so a delivery that ends up in a log line does not leak it (C6).
    """

    outbox_id: str
    tenant_id: str
    platform: str  # "slack" | "teams"
    tenant_external_id: str  # Slack team/enterprise id or Teams tenant id
    recipient: str = field(repr=False)
    locale: str
    timezone: str
    notification: Notification
    attempt: int = 1  # 1 for the first try; a sender may log it

    def __post_init__(self) -> None:
        if self.platform not in PLATFORMS:
            raise ValueError(f"unknown platform {self.platform!r}")


@dataclass(frozen=True)
class SendReceipt:
    """What the platform answered: the posted message's id where it gives one."""

    message_id: str | None = None


def _reason(code: str) -> str:
    """A short reason code: what goes into ``last_error`` and the logs, never content."""
    return (code or "unknown")[:REASON_CODE_MAX]


class DeliveryFailure(Exception):
    """Base of the typed failures a sender raises."""

    reason_code: str = "unknown"


class RateLimited(DeliveryFailure):
    """The platform answered 429: try again after ``retry_after_seconds``.

    The message was certainly not posted, so it does not count as a failed attempt.
    """

    def __init__(self, retry_after_seconds: float) -> None:
        super().__init__(f"rate limited, retry after {retry_after_seconds}s")
        self.retry_after_seconds = max(0.0, float(retry_after_seconds))
        self.reason_code = "rate_limited"


class TransientFailure(DeliveryFailure):
    """A 5xx, a timeout or a connection error: retry with backoff.

    The outcome may be unknown (a timeout after the platform accepted the message), so the
    dispatcher asks :meth:`Sender.already_sent` before the next try.
    """

    def __init__(self, reason_code: str) -> None:
        super().__init__(reason_code)
        self.reason_code = _reason(reason_code)


class RecipientGone(DeliveryFailure):
    """The recipient cannot be reached and never will be: no retries.

    For example a deactivated user, a user who removed the app, or a revoked token. With
    ``tenant_wide`` the whole workspace is unreachable (app uninstalled, token revoked),
    so every due row of the tenant is given up, not only the recipient's.
    """

    def __init__(self, reason_code: str, *, tenant_wide: bool = False) -> None:
        super().__init__(reason_code)
        self.reason_code = _reason(reason_code)
        self.tenant_wide = tenant_wide


class Sender(ABC):
    """Posts notifications on one platform. Implementations must be thread-safe enough to
    be used by one dispatcher thread at a time (the ticker never overlaps ticks)."""

    @abstractmethod
    def send(self, delivery: Delivery) -> SendReceipt:
        """Post ``delivery``; raise :class:`RateLimited`, :class:`TransientFailure` or
        :class:`RecipientGone` on failure."""

    def already_sent(self, delivery: Delivery) -> str | None:
        """The message id if this delivery was already posted, else ``None``.

        Called before re-sending a row whose previous attempt had an unknown outcome (its
        worker died mid-send, or the request timed out). Platforms that can find a message
        by the outbox id (e.g. in message metadata) override this to avoid a visible
        duplicate; the default cannot tell and says "not sent".
        """
        return None
