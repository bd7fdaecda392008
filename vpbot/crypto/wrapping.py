"""Pluggable key wrapping (DESIGN.md C4, C5).

A wrapped key is an AES-256-GCM envelope (see :mod:`vpbot.crypto.aead`) whose plaintext is
the 32-byte key and whose associated data is a *context* naming what the key belongs to, so
a wrapped tenant key copied onto another tenant's row, or a case key onto another case, does
not unwrap.

Wrapping sits behind the :class:`KeyWrapper` protocol so that a different scheme — e.g.
case keys wrapped by a key only an adviser holds — can replace the tenant key later without
touching the code that encrypts fields.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from vpbot.crypto.aead import encode_aad, envelope_key_id, open_envelope, seal
from vpbot.crypto.errors import DecryptionError, KeyringError
from vpbot.crypto.keyring import ENV_NAME, MasterKeyring


@runtime_checkable
class KeyWrapper(Protocol):
    """Something that can wrap and unwrap data keys."""

    def wrap(self, key: bytes, context: bytes) -> tuple[str, bytes]:
        """Wrap ``key`` bound to ``context``; return ``(wrapping_key_id, blob)``."""
        ...

    def unwrap(self, key_id: str, blob: bytes, context: bytes) -> bytes:
        """Recover a key wrapped by the key named ``key_id`` with the same ``context``.

        Raises :class:`KeyringError` when ``key_id`` is not available, and
        :class:`DecryptionError` when the blob does not open.
        """
        ...


def tenant_key_context(tenant_id: str, tenant_key_id: str) -> bytes:
    """The context binding a wrapped tenant key to its tenant and ``tenant_keys`` row."""
    return encode_aad("tenant-key", tenant_id, tenant_key_id)


def case_key_context(tenant_id: str, case_key_id: str) -> bytes:
    """The context binding a wrapped case key to its tenant and ``case_keys`` row."""
    return encode_aad("case-key", tenant_id, case_key_id)


class MasterKeyWrapper:
    """Wraps with the keyring's primary master key; unwraps with any key in the ring."""

    def __init__(self, keyring: MasterKeyring) -> None:
        self.keyring = keyring

    @property
    def primary_key_id(self) -> str:
        """The id of the master key that :meth:`wrap` uses now."""
        return self.keyring.primary_kid

    def wrap(self, key: bytes, context: bytes) -> tuple[str, bytes]:
        """Wrap ``key`` with the primary master key."""
        kid = self.keyring.primary_kid
        return kid, seal(self.keyring.primary_key, kid, key, context)

    def unwrap(self, key_id: str, blob: bytes, context: bytes) -> bytes:
        """Unwrap with the master key ``key_id``, which must still be in the ring."""
        master = self.keyring.get(key_id)
        if master is None:
            raise KeyringError(
                f"master key {key_id!r} is needed but not in {ENV_NAME} "
                f"(configured: {', '.join(self.keyring.kids)}); add it back, or re-wrap "
                "with `vpbot keys rotate` before removing it"
            )
        return _open_wrapped(master, key_id, blob, context)

    def __repr__(self) -> str:
        return f"MasterKeyWrapper({self.keyring!r})"


class RawKeyWrapper:
    """Wraps with one given key, e.g. case keys with their tenant key."""

    def __init__(self, key_id: str, key: bytes) -> None:
        self.key_id = key_id
        self._key = key

    def wrap(self, key: bytes, context: bytes) -> tuple[str, bytes]:
        """Wrap ``key`` with this wrapper's key."""
        return self.key_id, seal(self._key, self.key_id, key, context)

    def unwrap(self, key_id: str, blob: bytes, context: bytes) -> bytes:
        """Unwrap a blob that this wrapper's key wrapped."""
        if key_id != self.key_id:
            raise KeyringError(f"key {key_id!r} is needed but this wrapper holds {self.key_id!r}")
        return _open_wrapped(self._key, key_id, blob, context)

    def __repr__(self) -> str:
        return f"RawKeyWrapper(key_id={self.key_id!r})"


def _open_wrapped(key: bytes, key_id: str, blob: bytes, context: bytes) -> bytes:
    # The stored wrapping_key_id column and the envelope header must agree; a mismatch
    # means the row was edited by hand or corrupted, and is reported as such.
    if envelope_key_id(blob) != key_id:
        raise DecryptionError("wrapped key's header names a different wrapping key")
    return open_envelope(key, blob, context)
