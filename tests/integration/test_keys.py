"""Integration tests for the key hierarchy on a real (SQLite) database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session

from vpbot.crypto import (
    DecryptionError,
    KeyringError,
    KeyShreddedError,
    MasterKeyring,
    MasterKeyWrapper,
    envelope_key_id,
    generate_entry,
)
from vpbot.crypto.keys import KeyManager, rotate_master, rotate_master_batch
from vpbot.storage.models import Base, CaseKey, Tenant, TenantKey

OLD = generate_entry("old")
NEW = generate_entry("new")


def wrapper(*entries: str) -> MasterKeyWrapper:
    return MasterKeyWrapper(MasterKeyring.parse(",".join(entries)))


# Local fixtures until the shared database fixtures exist.


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = create_engine(f"sqlite:///{tmp_path / 'keys.db'}")

    @event.listens_for(engine, "connect")
    def _foreign_keys_on(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


def add_tenant(engine: Engine, external_id: str) -> str:
    with Session(engine) as session, session.begin():
        tenant = Tenant(platform="slack", external_id=external_id)
        session.add(tenant)
        session.flush()
        return tenant.id


@pytest.fixture
def tenant_id(engine: Engine) -> str:
    return add_tenant(engine, "T0001")


@pytest.fixture
def other_tenant_id(engine: Engine) -> str:
    return add_tenant(engine, "T0002")


# --------------------------------------------------------------------------- creation


def test_tenant_key_created_once_and_reused(engine: Engine, tenant_id: str) -> None:
    with Session(engine) as session, session.begin():
        keys = KeyManager(session, wrapper(OLD))
        key_id, key = keys.tenant_key(tenant_id)
        assert len(key) == 32
        assert keys.tenant_key(tenant_id) == (key_id, key)
    with Session(engine) as session, session.begin():
        rows = session.scalars(select(TenantKey)).all()
        assert [(r.id, r.tenant_id, r.wrapping_key_id) for r in rows] == [
            (key_id, tenant_id, "old")
        ]
        assert key not in rows[0].wrapped_key
        assert KeyManager(session, wrapper(OLD)).tenant_key(tenant_id) == (key_id, key)


def test_tenant_key_needs_an_existing_tenant(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        with pytest.raises(Exception, match="FOREIGN KEY"):
            KeyManager(session, wrapper(OLD)).tenant_key("0" * 32)


def test_case_key_created_and_readable_later(engine: Engine, tenant_id: str) -> None:
    with Session(engine) as session, session.begin():
        keys = KeyManager(session, wrapper(OLD))
        case_key_id = keys.new_case_key(tenant_id)
        key = keys.case_key(case_key_id)
        tenant_key_id, _ = keys.tenant_key(tenant_id)
    with Session(engine) as session, session.begin():
        row = session.get(CaseKey, case_key_id)
        assert row is not None
        assert (row.tenant_id, row.tenant_key_id) == (tenant_id, tenant_key_id)
        assert key not in row.wrapped_key
        assert KeyManager(session, wrapper(OLD)).case_key(case_key_id) == key


def test_case_keys_are_distinct(engine: Engine, tenant_id: str) -> None:
    with Session(engine) as session, session.begin():
        keys = KeyManager(session, wrapper(OLD))
        ids = [keys.new_case_key(tenant_id) for _ in range(3)]
        assert len({keys.case_key(i) for i in ids}) == 3


# --------------------------------------------------------------------------- fields


def test_field_round_trip_with_case_key(engine: Engine, tenant_id: str) -> None:
    with Session(engine) as session, session.begin():
        keys = KeyManager(session, wrapper(OLD))
        case_key_id = keys.new_case_key(tenant_id)
        envelope = keys.encrypt_field(
            tenant_id, "case_notes", "body_enc", "note-1", "Vertrouwelijk verhaal",
            case_key_id=case_key_id,
        )
        assert envelope_key_id(envelope) == case_key_id
        assert b"Vertrouwelijk" not in envelope
    with Session(engine) as session, session.begin():
        keys = KeyManager(session, wrapper(OLD))
        assert (
            keys.decrypt_field(
                tenant_id, "case_notes", "body_enc", "note-1", envelope, case_key_id=case_key_id
            )
            == "Vertrouwelijk verhaal"
        )
        with pytest.raises(DecryptionError):
            keys.decrypt_field(
                tenant_id, "case_notes", "body_enc", "note-2", envelope, case_key_id=case_key_id
            )
        with pytest.raises(DecryptionError, match="case_key_id"):
            keys.decrypt_field(tenant_id, "case_notes", "body_enc", "note-1", envelope)


def test_field_round_trip_with_tenant_key(engine: Engine, tenant_id: str) -> None:
    with Session(engine) as session, session.begin():
        keys = KeyManager(session, wrapper(OLD))
        envelope = keys.encrypt_field(tenant_id, "people", "platform_id_enc", "p1", "U0123ABC")
        assert envelope_key_id(envelope) == keys.tenant_key(tenant_id)[0]
    with Session(engine) as session, session.begin():
        keys = KeyManager(session, wrapper(OLD))
        assert keys.decrypt_field(tenant_id, "people", "platform_id_enc", "p1", envelope) == (
            "U0123ABC"
        )


def test_field_copied_to_other_tenant_fails(
    engine: Engine, tenant_id: str, other_tenant_id: str
) -> None:
    with Session(engine) as session, session.begin():
        keys = KeyManager(session, wrapper(OLD))
        envelope = keys.encrypt_field(tenant_id, "people", "platform_id_enc", "p1", "U1")
        keys.tenant_key(other_tenant_id)
        with pytest.raises(DecryptionError):
            keys.decrypt_field(other_tenant_id, "people", "platform_id_enc", "p1", envelope)


def test_case_key_of_other_tenant_is_refused(
    engine: Engine, tenant_id: str, other_tenant_id: str
) -> None:
    with Session(engine) as session, session.begin():
        keys = KeyManager(session, wrapper(OLD))
        foreign = keys.new_case_key(other_tenant_id)
        with pytest.raises(ValueError, match="does not belong"):
            keys.encrypt_field(tenant_id, "case_notes", "body_enc", "n1", "x", case_key_id=foreign)


# --------------------------------------------------------------------------- shredding


def test_shredded_case_key_makes_saved_ciphertext_unreadable(
    engine: Engine, tenant_id: str
) -> None:
    with Session(engine) as session, session.begin():
        keys = KeyManager(session, wrapper(OLD))
        case_key_id = keys.new_case_key(tenant_id)
        envelope = keys.encrypt_field(
            tenant_id, "case_notes", "body_enc", "n1", "geheim", case_key_id=case_key_id
        )
    with Session(engine) as session, session.begin():
        keys = KeyManager(session, wrapper(OLD))
        # Loaded (and cached) first, to show that shredding also clears the cache.
        assert keys.case_key(case_key_id)
        keys.shred_case_key(case_key_id)
        keys.shred_case_key(case_key_id)  # idempotent
        with pytest.raises(KeyShreddedError):
            keys.decrypt_field(
                tenant_id, "case_notes", "body_enc", "n1", envelope, case_key_id=case_key_id
            )
    with Session(engine) as session, session.begin():
        assert session.get(CaseKey, case_key_id) is None
        keys = KeyManager(session, wrapper(OLD))
        with pytest.raises(KeyShreddedError):
            keys.case_key(case_key_id)
        with pytest.raises(KeyShreddedError):
            keys.decrypt_field(
                tenant_id, "case_notes", "body_enc", "n1", envelope, case_key_id=case_key_id
            )
        # Without the (now NULLed) case key id the answer is still "shredded".
        with pytest.raises(KeyShreddedError):
            keys.decrypt_field(tenant_id, "case_notes", "body_enc", "n1", envelope)


def test_shredding_is_rolled_back_with_the_transaction(engine: Engine, tenant_id: str) -> None:
    with Session(engine) as session, session.begin():
        case_key_id = KeyManager(session, wrapper(OLD)).new_case_key(tenant_id)
    with Session(engine) as session:
        session.begin()
        KeyManager(session, wrapper(OLD)).shred_case_key(case_key_id)
        session.rollback()
    with Session(engine) as session, session.begin():
        assert KeyManager(session, wrapper(OLD)).case_key(case_key_id)


# --------------------------------------------------------------------------- rotation


def test_master_rotation(engine: Engine, tenant_id: str, other_tenant_id: str) -> None:
    saved: list[tuple[str, str, bytes, str | None, str]] = []
    with Session(engine) as session, session.begin():
        keys = KeyManager(session, wrapper(OLD))
        for tid in (tenant_id, other_tenant_id):
            case_key_id = keys.new_case_key(tid)
            text = f"note of {tid}"
            env = keys.encrypt_field(
                tid, "case_notes", "body_enc", "n1", text, case_key_id=case_key_id
            )
            saved.append((tid, "case_notes", env, case_key_id, text))
            env = keys.encrypt_field(tid, "people", "display_name_enc", "p1", f"name {tid}")
            saved.append((tid, "people", env, None, f"name {tid}"))
        indexes = {tid: keys.index(tid, "U0123ABC") for tid in (tenant_id, other_tenant_id)}
    column = {"case_notes": "body_enc", "people": "display_name_enc"}
    row = {"case_notes": "n1", "people": "p1"}

    def read_all(w: MasterKeyWrapper) -> None:
        with Session(engine) as session, session.begin():
            keys = KeyManager(session, w)
            for tid, table, env, case_key_id, text in saved:
                got = keys.decrypt_field(
                    tid, table, column[table], row[table], env, case_key_id=case_key_id
                )
                assert got == text
            for tid, value in indexes.items():
                assert keys.index(tid, "U0123ABC") == value

    read_all(wrapper(OLD))

    with Session(engine) as session, session.begin():
        before = {r.id: r.wrapped_key for r in session.scalars(select(TenantKey))}
        assert rotate_master(session, wrapper(NEW, OLD), batch_size=1) == 2
    with Session(engine) as session, session.begin():
        rows = session.scalars(select(TenantKey)).all()
        assert {r.wrapping_key_id for r in rows} == {"new"}
        assert all(r.rewrapped_at is not None for r in rows)
        assert all(before[r.id] != r.wrapped_key for r in rows)
        assert rotate_master(session, wrapper(NEW, OLD)) == 0  # nothing left to do

    read_all(wrapper(NEW, OLD))  # both keys in the ring: during the roll-out
    read_all(wrapper(NEW))  # old key removed
    with pytest.raises(KeyringError, match="'new'"):
        read_all(wrapper(OLD))  # new key missing: clear error naming it


def test_readers_during_rotation_see_old_or_new(engine: Engine, tenant_id: str) -> None:
    with Session(engine) as session, session.begin():
        keys = KeyManager(session, wrapper(OLD))
        env = keys.encrypt_field(tenant_id, "people", "display_name_enc", "p1", "Ada")
    both = wrapper(NEW, OLD)
    with Session(engine) as rotating:
        rotating.begin()
        assert rotate_master_batch(rotating, both) == 1
        # Not committed yet: a concurrent reader still sees the old wrapping.
        with Session(engine) as reader:
            assert KeyManager(reader, both).decrypt_field(
                tenant_id, "people", "display_name_enc", "p1", env
            ) == "Ada"
        rotating.commit()
    with Session(engine) as reader:
        assert KeyManager(reader, both).decrypt_field(
            tenant_id, "people", "display_name_enc", "p1", env
        ) == "Ada"


def test_rotation_without_old_key_fails_clearly(engine: Engine, tenant_id: str) -> None:
    with Session(engine) as session, session.begin():
        KeyManager(session, wrapper(OLD)).tenant_key(tenant_id)
    with Session(engine) as session, session.begin():
        with pytest.raises(KeyringError, match="'old'"):
            rotate_master(session, wrapper(NEW))


# --------------------------------------------------------------------------- blind index


def test_blind_index_stable_and_per_tenant(
    engine: Engine, tenant_id: str, other_tenant_id: str
) -> None:
    with Session(engine) as session, session.begin():
        keys = KeyManager(session, wrapper(OLD))
        a = keys.index(tenant_id, "U0123ABC")
        assert len(a) == 64
        assert keys.index(tenant_id, "U0123ABC") == a
        assert keys.index(tenant_id, "U0123ABD") != a
        assert keys.index(other_tenant_id, "U0123ABC") != a
    with Session(engine) as session, session.begin():
        rotate_master(session, wrapper(NEW, OLD))
    with Session(engine) as session, session.begin():
        assert KeyManager(session, wrapper(NEW)).index(tenant_id, "U0123ABC") == a
