"""The dispatcher on SQLite and PostgreSQL: due rows go out once, failures are handled."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import Engine, delete, select, text, update

from tests.support.core import T0, uow_factory
from tests.support.dispatch import (
    PostedThen,
    RecordingSender,
    Workspace,
    bulk_checkins,
    checkin_notification,
    dispatcher,
    enqueue,
    rows,
    seed_workspace,
    statuses,
)
from vpbot.crypto.keyring import MasterKeyring, generate_entry
from vpbot.crypto.wrapping import MasterKeyWrapper
from vpbot.dispatch.dispatcher import Dispatcher, TickResult
from vpbot.dispatch.ports import RateLimited, RecipientGone, TransientFailure
from vpbot.services.uow import UnitOfWorkFactory
from vpbot.storage.models import OutboxItem, Person, Tenant
from vpbot.ui.notifications import Notification, NotificationKind


@pytest.fixture
def make(engine: Engine) -> UnitOfWorkFactory:
    return uow_factory(engine)


@pytest.fixture
def ws(make: UnitOfWorkFactory) -> Workspace:
    return seed_workspace(make)


def test_only_due_rows_are_sent_and_each_exactly_once(engine: Engine, make: UnitOfWorkFactory, ws: Workspace) -> None:
    notification = checkin_notification()
    due = enqueue(make, ws.tenant_id, ws.employee_id, notification=notification)
    later = enqueue(make, ws.tenant_id, ws.employee_id, due_at=T0 + timedelta(hours=1))
    sender = RecordingSender()
    d = dispatcher(make, {"slack": sender})

    assert d.tick() == TickResult(claimed=1, sent=1)
    assert d.tick() == TickResult()
    assert sender.sent_ids == [due]
    delivery = sender.deliveries[0]
    assert (delivery.platform, delivery.tenant_external_id, delivery.recipient) == ("slack", "T0001", "U_EMP1")
    assert (delivery.locale, delivery.timezone) == ("en", "Europe/London")
    assert delivery.notification == notification and delivery.attempt == 1
    assert "U_EMP1" not in repr(delivery)

    sent = rows(engine, due)[due]
    assert (sent.status, sent.sent_at, sent.platform_message_id, sent.claimed_by) == ("sent", T0, "M00001", "w1")
    assert sent.lease_until is None
    assert rows(engine, later)[later].status == "pending"

    make.clock.advance(timedelta(hours=1))
    assert d.tick().sent == 1
    assert sender.sent_ids == [due, later]
    assert sender.lookups == [], "first attempts need no already-sent check"


def test_items_that_fell_due_while_down_go_out_on_the_first_tick_oldest_first(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace
) -> None:
    overdue = [
        enqueue(make, ws.tenant_id, ws.employee_id, due_at=T0 - timedelta(days=days))
        for days in (1, 3, 2)
    ]
    sender = RecordingSender()
    assert dispatcher(make, {"slack": sender}).tick().sent == 3
    assert sender.sent_ids == [overdue[1], overdue[2], overdue[0]]


def test_transient_failures_back_off_then_dead_letter_with_one_content_free_admin_alert(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace
) -> None:
    failing = [enqueue(make, ws.tenant_id, ws.employee_id) for _ in range(2)]
    sender = RecordingSender().fail_when(
        lambda d: d.recipient == "U_EMP1", TransientFailure("http_503")
    )
    base = timedelta(seconds=5)
    d = dispatcher(make, {"slack": sender}, max_attempts=3, backoff_base=base)

    for attempt in (1, 2):
        result = d.tick()
        assert (result.claimed, result.retried) == (2, 2)
        for row in rows(engine, *failing).values():
            assert (row.status, row.attempts, row.last_error) == ("pending", attempt, "http_503")
            assert make.clock.now() <= row.due_at <= make.clock.now() + base * 2 ** (attempt - 1)
            assert row.claimed_by is None and row.lease_until is None
        make.clock.advance(timedelta(hours=1))
    result = d.tick()
    assert (result.dead, result.claimed) == (2, 2)
    assert {r.status for r in rows(engine, *failing).values()} == {"dead"}
    # Retries after a failure with an unknown outcome ask the platform first.
    assert sender.lookups.count(failing[0]) == 2

    alerts = [r for r in rows(engine).values() if r.kind == NotificationKind.DELIVERY_FAILED_ALERT.value]
    assert len(alerts) == 1, "one alert per admin per day, not one per dead row"
    assert alerts[0].recipient_id == ws.admin_id
    assert Notification.from_payload(alerts[0].payload) == Notification(NotificationKind.DELIVERY_FAILED_ALERT)

    assert d.tick().sent == 1
    assert sender.deliveries[-1].recipient == "U_ADMIN"


def test_an_alert_that_cannot_be_delivered_never_raises_another_alert(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace
) -> None:
    enqueue(make, ws.tenant_id, ws.employee_id)
    sender = RecordingSender().fail_when(lambda d: True, TransientFailure("timeout"))
    d = dispatcher(make, {"slack": sender}, max_attempts=2)
    for _ in range(10):
        d.tick()
        make.clock.advance(timedelta(hours=2))
    assert statuses(engine) == {"dead": 2}
    kinds = sorted(r.kind for r in rows(engine).values())
    assert kinds == ["checkin_due", "delivery_failed_alert"]


def test_429_waits_for_retry_after_does_not_count_and_pauses_the_tenant(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace
) -> None:
    first, second = (enqueue(make, ws.tenant_id, ws.employee_id) for _ in range(2))
    sender = RecordingSender().script(RateLimited(30))
    d = dispatcher(make, {"slack": sender})

    result = d.tick()
    assert (result.claimed, result.sent, result.retried) == (2, 0, 2)
    assert sender.sent_ids == [first], "the same workspace is not hammered in the same tick"
    limited = rows(engine, first, second)
    assert limited[first].due_at == limited[second].due_at == T0 + timedelta(seconds=30)
    assert (limited[first].attempts, limited[first].last_error) == (0, "rate_limited:1")
    assert (limited[second].attempts, limited[second].status) == (0, "pending")

    make.clock.advance(timedelta(seconds=29))
    assert d.tick().claimed == 0
    make.clock.advance(timedelta(seconds=1))
    assert d.tick().sent == 2
    assert sender.lookups == [], "a 429 is a certain 'not sent': no lookup needed"


def test_endless_429s_still_end_in_a_dead_letter(engine: Engine, make: UnitOfWorkFactory, ws: Workspace) -> None:
    enqueue(make, ws.tenant_id, ws.employee_id)
    sender = RecordingSender().fail_when(lambda d: d.recipient == "U_EMP1", RateLimited(1))
    d = dispatcher(make, {"slack": sender}, max_attempts=3)
    for _ in range(40):
        d.tick()
        make.clock.advance(timedelta(seconds=2))
    assert statuses(engine) == {"dead": 1, "sent": 1}  # the row, and the admin's alert
    assert len([x for x in sender.deliveries if x.recipient == "U_EMP1"]) == 20 + 3


def test_a_recipient_who_left_costs_one_call_not_a_retry_storm(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace
) -> None:
    gone = [enqueue(make, ws.tenant_id, ws.employee_id) for _ in range(3)]
    earlier_due = enqueue(make, ws.tenant_id, ws.employee_id, due_at=T0 - timedelta(minutes=1))
    kept = enqueue(make, ws.tenant_id, ws.other_id)
    future = enqueue(make, ws.tenant_id, ws.employee_id, due_at=T0 + timedelta(days=7))
    sender = RecordingSender().fail_when(lambda d: d.recipient == "U_EMP1", RecipientGone("user_not_found"))
    d = dispatcher(make, {"slack": sender}, batch_size=2)

    d.tick()
    d.tick()
    d.tick()
    assert [x.recipient for x in sender.deliveries].count("U_EMP1") == 1
    found = rows(engine)
    assert {found[i].status for i in [*gone, earlier_due]} == {"undeliverable"}
    assert {found[i].last_error for i in [*gone, earlier_due]} == {"user_not_found"}
    assert found[kept].status == "sent"
    assert found[future].status == "pending", "only what is due now is given up"
    assert found[gone[1]].attempts == 0


def test_a_workspace_that_removed_the_app_is_given_up_as_a_whole(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace
) -> None:
    for recipient in (ws.employee_id, ws.other_id, ws.employee_id):
        enqueue(make, ws.tenant_id, recipient)
    sender = RecordingSender().script(RecipientGone("token_revoked", tenant_wide=True))
    result = dispatcher(make, {"slack": sender}).tick()
    assert result.gone == 3 and len(sender.deliveries) == 1
    assert statuses(engine) == {"undeliverable": 3}


def test_deleted_recipient_and_uninstalled_tenant_are_undeliverable_without_a_call(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace
) -> None:
    orphan = enqueue(make, ws.tenant_id, ws.other_id)
    with make() as uow:
        uow.session.execute(delete(Person).where(Person.id == ws.other_id))
        uow.commit()
    other = seed_workspace(make, external_id="T0002")
    left = enqueue(make, other.tenant_id, other.employee_id)
    with make() as uow:
        uow.session.execute(update(Tenant).where(Tenant.id == other.tenant_id).values(status="uninstalled"))
        uow.commit()

    sender = RecordingSender()
    assert dispatcher(make, {"slack": sender}).tick().gone == 2
    assert sender.deliveries == []
    found = rows(engine, orphan, left)
    assert (found[orphan].status, found[orphan].recipient_id, found[orphan].last_error) == (
        "undeliverable", None, "recipient_deleted",
    )
    assert (found[left].status, found[left].last_error) == ("undeliverable", "tenant_uninstalled")


def test_a_row_with_a_tampered_payload_is_dead_lettered_not_sent(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace
) -> None:
    item = enqueue(make, ws.tenant_id, ws.employee_id)
    with make() as uow:
        uow.session.execute(
            update(OutboxItem).where(OutboxItem.id == item).values(payload={"kind": "checkin_due", "text": "hi"})
        )
        uow.commit()
    sender = RecordingSender()
    assert dispatcher(make, {"slack": sender}).tick().dead == 1
    assert [d.recipient for d in sender.deliveries] == []
    assert rows(engine, item)[item].last_error == "bad_payload"


def test_a_crashed_workers_row_is_reclaimed_after_its_lease_and_checked_first(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace
) -> None:
    posted, unsent = (enqueue(make, ws.tenant_id, ws.employee_id) for _ in range(2))
    sender = RecordingSender()
    crashed = dispatcher(make, {"slack": sender}, worker_id="crashed", lease_seconds=60)
    claims = crashed.claim(make.clock.now())  # ... and then the process died mid-batch:
    sender.send(crashed._deliveries(claims)[posted])  # type: ignore[arg-type]  # one went out
    survivor = dispatcher(make, {"slack": sender}, worker_id="survivor", lease_seconds=60)

    assert survivor.tick().claimed == 0, "a live lease is respected"
    make.clock.advance(timedelta(seconds=61))
    assert survivor.tick().sent == 2
    assert sender.sent_ids == [posted, unsent], "the posted one was not sent again"
    assert sorted(sender.lookups) == sorted([posted, unsent])
    found = rows(engine, posted, unsent)
    assert found[posted].platform_message_id == "M00001" and found[posted].claimed_by == "survivor"
    assert found[unsent].attempts == 2


def test_a_timeout_after_the_platform_accepted_does_not_duplicate(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace
) -> None:
    item = enqueue(make, ws.tenant_id, ws.employee_id)
    sender = RecordingSender().script(PostedThen(TransientFailure("timeout")))
    d = dispatcher(make, {"slack": sender})
    assert d.tick().retried == 1
    make.clock.advance(timedelta(hours=1))
    assert d.tick().sent == 1
    assert sender.sent_ids == [item] and sender.lookups == [item]


def test_a_worker_that_lost_its_lease_does_not_overwrite_the_new_owner(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace
) -> None:
    item = enqueue(make, ws.tenant_id, ws.employee_id)
    slow, fast = RecordingSender(can_check=False), RecordingSender()
    other = dispatcher(make, {"slack": fast}, worker_id="other", lease_seconds=10)

    def stall(_delivery: object) -> None:  # the send hangs past the lease; another takes over
        make.clock.advance(timedelta(seconds=11))
        assert other.tick().sent == 1

    slow.on_send = stall
    assert dispatcher(make, {"slack": slow}, worker_id="slow", lease_seconds=10).tick().sent == 0
    row = rows(engine, item)[item]
    assert (row.status, row.claimed_by, row.platform_message_id) == ("sent", "other", "M00001")


def test_rows_for_a_platform_without_a_sender_wait_and_do_not_block_others(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    teams = seed_workspace(make, platform="teams", external_id="tenant-guid")
    waiting = [enqueue(make, teams.tenant_id, teams.employee_id, due_at=T0 - timedelta(hours=1)) for _ in range(3)]
    slack_item = enqueue(make, ws.tenant_id, ws.employee_id)
    sender = RecordingSender()

    with caplog.at_level(logging.WARNING, logger="vpbot.dispatch"):
        result = dispatcher(make, {"slack": sender}, batch_size=2).tick()
    assert (result.sent, result.waiting) == (1, 3)
    assert sender.sent_ids == [slack_item]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "teams" in warnings[0].getMessage()
    assert {r.status for r in rows(engine, *waiting).values()} == {"pending"}

    assert dispatcher(make, {}).tick() == TickResult(waiting=3)
    assert dispatcher(make, {"teams": RecordingSender()}).tick().sent == 3


def test_logs_carry_ids_kinds_and_codes_but_no_recipient(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    enqueue(make, ws.tenant_id, ws.employee_id)
    enqueue(make, ws.tenant_id, ws.other_id)
    sender = RecordingSender().script(TransientFailure("http_500"), RecipientGone("account_inactive"))
    with caplog.at_level(logging.DEBUG):
        d = dispatcher(make, {"slack": sender}, max_attempts=1)
        d.tick()
        d.tick()
    text_logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "http_500" in text_logged and "account_inactive" in text_logged
    for secret in ("U_EMP1", "U_EMP2", "U_ADMIN", ws.employee_id, ws.other_id, ws.admin_id):
        assert secret not in text_logged


def test_the_claim_walks_the_due_index(engine: Engine, make: UnitOfWorkFactory, ws: Workspace) -> None:
    """Rows scheduled for later must cost nothing per tick: the claim is an index range scan
    in due order that stops after the batch, never a scan-and-sort of the table."""
    bulk_checkins(engine, ws.tenant_id, [ws.employee_id], 500, due_at=T0 + timedelta(days=30))
    statement = (
        select(OutboxItem.id)
        .where(OutboxItem.status == "pending", OutboxItem.due_at <= T0)
        .order_by(OutboxItem.due_at)
        .limit(50)
    )
    with engine.connect() as connection:
        sql = str(statement.compile(connection, compile_kwargs={"literal_binds": True}))
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
            assert "USING INDEX ix_outbox_due" in plan and "TEMP B-TREE" not in plan, plan
        else:
            connection.exec_driver_sql("ANALYZE outbox")
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            connection.exec_driver_sql("SET LOCAL enable_sort = off")
            plan = " ".join(r[0] for r in connection.execute(text(f"EXPLAIN {sql}")))
            assert "Index" in plan and "ix_outbox_due" in plan and "Sort" not in plan, plan


def test_a_row_whose_workers_keep_dying_is_dead_lettered_not_retried_forever(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace
) -> None:
    item = enqueue(make, ws.tenant_id, ws.employee_id)
    sender = RecordingSender()
    for n in range(3):  # each claim, then the worker "crashes" before sending
        dispatcher(make, {"slack": sender}, worker_id=f"crash{n}", max_attempts=3, lease_seconds=10).claim(make.clock.now())
        make.clock.advance(timedelta(seconds=11))
    assert dispatcher(make, {"slack": sender}, max_attempts=3).tick().dead == 1
    assert sender.deliveries == [] and sender.lookups == [item], "asked, found nothing, gave up"
    assert rows(engine, item)[item].last_error == "lease_expired"


def test_a_missing_master_key_holds_rows_back_while_a_broken_ciphertext_dead_letters(
    engine: Engine, make: UnitOfWorkFactory, ws: Workspace
) -> None:
    held = enqueue(make, ws.tenant_id, ws.employee_id)
    sender = RecordingSender()
    wrong_ring = MasterKeyWrapper(MasterKeyring.parse(generate_entry("elsewhere")))
    misconfigured = Dispatcher(make.sessions, wrong_ring, {"slack": sender}, make.clock, "w1")
    assert misconfigured.tick().retried == 1
    row = rows(engine, held)[held]
    assert (row.status, row.attempts, row.due_at) == ("pending", 0, T0 + timedelta(minutes=1))

    broken = enqueue(make, ws.tenant_id, ws.other_id)
    with make() as uow:
        uow.session.execute(update(Person).where(Person.id == ws.other_id).values(platform_id_enc=b"\x00garbage"))
        uow.commit()
    make.clock.advance(timedelta(minutes=1))
    result = dispatcher(make, {"slack": sender}).tick()
    assert (result.sent, result.dead) == (1, 1)
    assert rows(engine, broken)[broken].last_error == "recipient_key"
