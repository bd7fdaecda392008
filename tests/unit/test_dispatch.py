"""Dispatcher rules without a database: backoff, retry classification, the sender port."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy.orm import sessionmaker

from tests.support.core import T0, TEST_KEYRING
from tests.support.dispatch import PostedThen, RecordingSender, checkin_notification
from vpbot.crypto.wrapping import MasterKeyWrapper
from vpbot.dispatch.dispatcher import Claim, Dispatcher
from vpbot.dispatch.ports import Delivery, RateLimited, RecipientGone, Sender, SendReceipt, TransientFailure
from vpbot.services.clock import FixedClock


def _dispatcher(**options: object) -> Dispatcher:
    # Never touches the database in these tests: an unbound sessionmaker is enough.
    return Dispatcher(sessionmaker(), MasterKeyWrapper(TEST_KEYRING), {}, FixedClock(T0), "u1", **options)  # type: ignore[arg-type]


def _delivery(outbox_id: str = "o1", recipient: str = "U_SECRET") -> Delivery:
    return Delivery(
        outbox_id=outbox_id, tenant_id="t1", platform="slack", tenant_external_id="T1",
        recipient=recipient, locale="nl", timezone="Europe/Amsterdam", notification=checkin_notification(),
    )


def _claim(attempts: int, last_error: str | None = None, reclaimed: bool = False) -> Claim:
    return Claim("o1", "t1", "p1", "checkin_due", {}, attempts, last_error, T0, reclaimed)


def test_backoff_is_full_jitter_under_an_exponential_ceiling_and_a_cap() -> None:
    d = _dispatcher(backoff_base=timedelta(seconds=5), backoff_cap=timedelta(minutes=1), rng=random.Random(1))
    for attempts, ceiling in [(1, 5), (2, 10), (3, 20), (4, 40), (5, 60), (30, 60), (500, 60)]:
        delays = [d.backoff(attempts).total_seconds() for _ in range(200)]
        assert 0 <= min(delays) and max(delays) <= ceiling
        assert max(delays) > ceiling * 0.8, "jitter spreads over the whole range"
        assert len(set(delays)) > 150


@pytest.mark.parametrize(
    ("claim", "check"),
    [
        (_claim(1), False),  # first attempt: nothing could have gone out
        (_claim(2, "timeout"), True),  # a timeout may have been accepted by the platform
        (_claim(2, "http_503"), True),
        (_claim(3, "rate_limited:2"), False),  # a 429 is a certain "not posted"
        (_claim(1, reclaimed=True), True),  # the previous worker died mid-send
        (_claim(4, "rate_limited:1", reclaimed=True), True),
    ],
)
def test_already_sent_is_asked_exactly_when_the_outcome_is_unknown(claim: Claim, check: bool) -> None:
    assert claim.retried_after_unknown_outcome is check


def test_a_delivery_never_shows_its_recipient_in_repr() -> None:
    delivery = _delivery()
    assert "U_SECRET" not in repr(delivery) and "o1" in repr(delivery)
    with pytest.raises(ValueError):
        Delivery("o1", "t1", "irc", "T1", "U1", "nl", "Europe/Amsterdam", checkin_notification())


def test_typed_failures_carry_short_codes_only() -> None:
    assert RateLimited(-3).retry_after_seconds == 0
    assert RateLimited(2.5).reason_code == "rate_limited"
    assert len(TransientFailure("x" * 500).reason_code) <= 48
    gone = RecipientGone("account_inactive", tenant_wide=True)
    assert (gone.reason_code, gone.tenant_wide) == ("account_inactive", True)
    assert RecipientGone("user_not_found").tenant_wide is False


def test_a_sender_that_cannot_check_says_not_sent() -> None:
    class PostOnly(Sender):
        def send(self, delivery: Delivery) -> SendReceipt:
            return SendReceipt(None)

    assert PostOnly().already_sent(_delivery()) is None


def test_the_recording_sender_plays_its_script_in_order() -> None:
    sender = RecordingSender().script(RateLimited(3), PostedThen(TransientFailure("timeout")), None)
    with pytest.raises(RateLimited):
        sender.send(_delivery("a"))
    with pytest.raises(TransientFailure):
        sender.send(_delivery("b"))
    assert sender.already_sent(_delivery("a")) is None
    assert sender.already_sent(_delivery("b")) == "M00002", "posted before the timeout"
    assert sender.send(_delivery("c")).message_id == "M00003"
    assert sender.sent_ids == ["a", "b", "c"] and sender.lookups == ["a", "b"]


def test_dispatcher_options_are_checked() -> None:
    with pytest.raises(ValueError):
        _dispatcher(batch_size=0)
    with pytest.raises(ValueError):
        Dispatcher(sessionmaker(), MasterKeyWrapper(TEST_KEYRING), {"irc": RecordingSender()}, FixedClock(T0), "u")
