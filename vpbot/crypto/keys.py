"""The storage-backed key hierarchy (DESIGN.md C4).

::

    master keyring (VPBOT_MASTER_KEY, outside the database)
      └─ wraps  tenant key   (tenant_keys row, one per tenant; never changes, only re-wrapped)
           ├─ wraps  case key (case_keys row, one per case; deleting it shreds the case)
           │     └─ encrypts case content: notes, messages, referral texts, …
           ├─ encrypts non-case fields: employee platform ids, display names, platform tokens
           └─ derives the blind-index key for employee platform ids

Every envelope's key id is the id of the row holding the key that sealed it, so an envelope
says which key it needs. :class:`KeyManager` works inside the caller's unit of work: it adds,
reads and deletes rows on the session it is given and flushes, but never commits.
"""

from __future__ import annotations

import os

from sqlalchemy import select
from sqlalchemy.orm import Session

from vpbot.crypto.aead import KEY_BYTES, envelope_key_id, field_aad, open_envelope, seal
from vpbot.crypto.blind_index import blind_index, derive_subkey
from vpbot.crypto.errors import DecryptionError, KeyShreddedError
from vpbot.crypto.wrapping import (
    KeyWrapper,
    MasterKeyWrapper,
    RawKeyWrapper,
    case_key_context,
    tenant_key_context,
)
from vpbot.storage.models import CaseKey, TenantKey, new_id, utcnow

BLIND_INDEX_PURPOSE = "blind-index"
ROTATION_BATCH_SIZE = 200


class KeyManager:
    """Creates, unwraps and shreds keys, and encrypts fields, within one unit of work.

    ``wrapper`` wraps tenant keys — normally a :class:`MasterKeyWrapper`. Unwrapped keys are
    cached on the instance, so make one per unit of work and let it go with it: a long-lived
    cache would keep plaintext keys in memory and could serve a case key already shredded
    by another process.
    """

    def __init__(self, session: Session, wrapper: KeyWrapper) -> None:
        self.session = session
        self.wrapper = wrapper
        self._tenant_key_ids: dict[str, str] = {}  # tenant id -> tenant key row id
        self._tenant_keys: dict[str, tuple[str, bytes]] = {}  # row id -> (tenant id, key)
        self._case_keys: dict[str, tuple[str, bytes]] = {}  # row id -> (tenant id, key)
        self._index_keys: dict[str, bytes] = {}  # tenant id -> blind-index key

    # ------------------------------------------------------------------ tenant keys

    def tenant_key(self, tenant_id: str) -> tuple[str, bytes]:
        """The tenant's ``(key id, key)``, creating the key if the tenant has none yet.

        The ``tenants`` row must exist (foreign key).
        """
        cached_id = self._tenant_key_ids.get(tenant_id)
        if cached_id is not None:
            return cached_id, self._tenant_keys[cached_id][1]
        # Oldest first, so that even if two rows were ever created for one tenant every
        # process picks the same one (and so computes the same blind indexes).
        row = self.session.scalars(
            select(TenantKey)
            .where(TenantKey.tenant_id == tenant_id)
            .order_by(TenantKey.created_at, TenantKey.id)
            .limit(1)
        ).first()
        if row is None:
            key_id, key = self._create_tenant_key(tenant_id)
            self._keep_tenant_key(tenant_id, key_id, key)
        else:
            key_id, key = row.id, self._adopt(row.tenant_id, row.id, row.wrapping_key_id, row.wrapped_key)
        return key_id, key

    def adopt_tenant_key(self, tenant_id: str, key_id: str, wrapping_key_id: str, wrapped_key: bytes) -> None:
        """Use the columns of a ``tenant_keys`` row the caller already read (saves a query per request).

        The key is unwrapped here and kept for this unit of work only, like any other.
        """
        if tenant_id not in self._tenant_key_ids:
            self._adopt(tenant_id, key_id, wrapping_key_id, wrapped_key)

    def _adopt(self, tenant_id: str, key_id: str, wrapping_key_id: str, wrapped_key: bytes) -> bytes:
        key = self._unwrap_tenant_key(tenant_id, key_id, wrapping_key_id, wrapped_key)
        self._keep_tenant_key(tenant_id, key_id, key)
        return key

    def _keep_tenant_key(self, tenant_id: str, key_id: str, key: bytes) -> None:
        self._tenant_key_ids[tenant_id] = key_id
        self._tenant_keys[key_id] = (tenant_id, key)

    def _create_tenant_key(self, tenant_id: str) -> tuple[str, bytes]:
        key = os.urandom(KEY_BYTES)
        row_id = new_id()
        wrapping_key_id, blob = self.wrapper.wrap(key, tenant_key_context(tenant_id, row_id))
        self.session.add(
            TenantKey(
                id=row_id, tenant_id=tenant_id, wrapping_key_id=wrapping_key_id, wrapped_key=blob
            )
        )
        # Flush now: case keys reference this row, and a missing tenant should fail here.
        self.session.flush()
        return row_id, key

    def _unwrap_tenant_key(self, tenant_id: str, key_id: str, wrapping_key_id: str, wrapped_key: bytes) -> bytes:
        return self.wrapper.unwrap(wrapping_key_id, wrapped_key, tenant_key_context(tenant_id, key_id))

    def _tenant_key_by_id(self, tenant_key_id: str) -> tuple[str, bytes]:
        """``(tenant id, key)`` of a tenant key row; :class:`KeyShreddedError` if gone."""
        cached = self._tenant_keys.get(tenant_key_id)
        if cached is not None:
            return cached
        row = self.session.get(TenantKey, tenant_key_id)
        if row is None:
            raise KeyShreddedError(f"tenant key {tenant_key_id} no longer exists")
        entry = (row.tenant_id, self._unwrap_tenant_key(row.tenant_id, row.id, row.wrapping_key_id, row.wrapped_key))
        self._tenant_keys[tenant_key_id] = entry
        return entry

    # ------------------------------------------------------------------ case keys

    def new_case_key(self, tenant_id: str) -> str:
        """Create a fresh case key, wrapped by the tenant key; return its id."""
        tenant_key_id, tenant_key = self.tenant_key(tenant_id)
        key = os.urandom(KEY_BYTES)
        row_id = new_id()
        wrapper = RawKeyWrapper(tenant_key_id, tenant_key)
        wrapping_key_id, blob = wrapper.wrap(key, case_key_context(tenant_id, row_id))
        self.session.add(
            CaseKey(
                id=row_id, tenant_id=tenant_id, tenant_key_id=wrapping_key_id, wrapped_key=blob
            )
        )
        self.session.flush()
        self._case_keys[row_id] = (tenant_id, key)
        return row_id

    def case_key(self, case_key_id: str) -> bytes:
        """The unwrapped case key; :class:`KeyShreddedError` when it has been deleted."""
        return self._case_key(case_key_id)[1]

    def _case_key(self, case_key_id: str) -> tuple[str, bytes]:
        cached = self._case_keys.get(case_key_id)
        if cached is not None:
            return cached
        row = self.session.get(CaseKey, case_key_id)
        if row is None:
            raise KeyShreddedError(f"case key {case_key_id} no longer exists (shredded)")
        owner, tenant_key = self._tenant_key_by_id(row.tenant_key_id)
        if owner != row.tenant_id:
            raise DecryptionError(f"case key {case_key_id} is wrapped by another tenant's key")
        wrapper = RawKeyWrapper(row.tenant_key_id, tenant_key)
        key = wrapper.unwrap(
            row.tenant_key_id, row.wrapped_key, case_key_context(row.tenant_id, row.id)
        )
        self._case_keys[case_key_id] = (row.tenant_id, key)
        return row.tenant_id, key

    def shred_case_key(self, case_key_id: str) -> None:
        """Delete a case key, making everything sealed with it unreadable for good.

        Idempotent: shredding an already shredded key does nothing. Takes effect for
        everyone when the caller commits.
        """
        self._case_keys.pop(case_key_id, None)
        row = self.session.get(CaseKey, case_key_id)
        if row is not None:
            self.session.delete(row)
            self.session.flush()

    # ------------------------------------------------------------------ fields

    def encrypt_field(
        self,
        tenant_id: str,
        table: str,
        column: str,
        row_id: str,
        plaintext: str,
        *,
        case_key_id: str | None = None,
    ) -> bytes:
        """Seal a text value for one ``table.column`` of one row.

        Case content passes ``case_key_id`` (it is shredded with the case); data that is
        not part of a case (platform ids, display names, tokens) uses the tenant key.
        """
        if case_key_id is not None:
            owner, key = self._case_key(case_key_id)
            if owner != tenant_id:
                raise ValueError(f"case key {case_key_id} does not belong to tenant {tenant_id}")
            key_id = case_key_id
        else:
            key_id, key = self.tenant_key(tenant_id)
        aad = field_aad(tenant_id, table, column, row_id)
        return seal(key, key_id, plaintext.encode("utf-8"), aad)

    def decrypt_field(
        self,
        tenant_id: str,
        table: str,
        column: str,
        row_id: str,
        envelope: bytes,
        *,
        case_key_id: str | None = None,
    ) -> str:
        """Open a value sealed by :meth:`encrypt_field` for exactly this place.

        Raises :class:`KeyShreddedError` when its key has been deleted, and
        :class:`DecryptionError` for anything else that prevents reading it.
        """
        sealed_with = envelope_key_id(envelope)
        if case_key_id is not None:
            if sealed_with != case_key_id:
                raise DecryptionError("value was not sealed with the given case key")
            _, key = self._case_key(case_key_id)
        else:
            key = self._tenant_key_for_envelope(tenant_id, sealed_with)
        plaintext = open_envelope(key, envelope, field_aad(tenant_id, table, column, row_id))
        try:
            return plaintext.decode("utf-8")
        except UnicodeDecodeError:
            raise DecryptionError("decrypted value is not UTF-8 text") from None

    def _tenant_key_for_envelope(self, tenant_id: str, key_id: str) -> bytes:
        # The envelope names its key, so a value stays readable even if the tenant key it
        # used is not the one tenant_key() would pick today.
        try:
            owner, key = self._tenant_key_by_id(key_id)
        except KeyShreddedError:
            if self.session.get(CaseKey, key_id) is not None:
                raise DecryptionError(
                    "value was sealed with a case key; pass case_key_id"
                ) from None
            raise
        if owner != tenant_id:
            raise DecryptionError("value was sealed with another tenant's key")
        return key

    # ------------------------------------------------------------------ blind index

    def index(self, tenant_id: str, value: str) -> str:
        """The tenant's blind index of ``value`` (for employee platform ids).

        Keyed by a sub-key of the tenant key, which master rotation never changes, so
        stored indexes stay valid; different tenants get unrelated indexes for one id.
        """
        index_key = self._index_keys.get(tenant_id)
        if index_key is None:
            _, tenant_key = self.tenant_key(tenant_id)
            index_key = derive_subkey(tenant_key, BLIND_INDEX_PURPOSE)
            self._index_keys[tenant_id] = index_key
        return blind_index(index_key, value)


# ---------------------------------------------------------------------- master rotation


def rotate_master_batch(
    session: Session, wrapper: MasterKeyWrapper, *, batch_size: int = ROTATION_BATCH_SIZE
) -> int:
    """Re-wrap up to ``batch_size`` tenant keys not yet wrapped by the primary master key.

    Returns how many were re-wrapped (0 when done). For callers that commit between
    batches to keep transactions and row locks short.
    """
    primary = wrapper.primary_key_id
    rows = session.scalars(
        select(TenantKey)
        .where(TenantKey.wrapping_key_id != primary)
        .order_by(TenantKey.id)
        .limit(batch_size)
        # Serialises concurrent rotations on PostgreSQL; readers are not blocked (MVCC).
        # SQLite ignores it and locks the whole database on write anyway.
        .with_for_update()
    ).all()
    for row in rows:
        context = tenant_key_context(row.tenant_id, row.id)
        # Raises KeyringError naming the old key id if it was removed too early; the row
        # is left untouched then.
        key = wrapper.unwrap(row.wrapping_key_id, row.wrapped_key, context)
        # Both columns change in one UPDATE, so a reader sees the old pair or the new one,
        # and either unwraps while both master keys are in the ring.
        row.wrapping_key_id, row.wrapped_key = wrapper.wrap(key, context)
        row.rewrapped_at = utcnow()
    session.flush()
    return len(rows)


def rotate_master(
    session: Session, wrapper: MasterKeyWrapper, *, batch_size: int = ROTATION_BATCH_SIZE
) -> int:
    """Re-wrap every tenant key with the primary master key; return how many changed.

    Content is never re-encrypted: tenant keys stay the same, only their wrapping changes.
    Safe while the app serves as long as the ring holds both the new (primary) and the old
    keys; once this has been committed, the old keys can be removed from the ring.
    Runs in the caller's transaction and does not commit.
    """
    total = 0
    while True:
        done = rotate_master_batch(session, wrapper, batch_size=batch_size)
        if done == 0:
            return total
        total += done
