"""AES-256-GCM envelopes with a key id and bound associated data (DESIGN.md C4).

Envelope layout (all stored in one ``LargeBinary`` column)::

    version (1 byte) | key-id length (1 byte) | key id (ascii) | nonce (12 bytes) | ciphertext||tag

The header (version, length, key id) is prepended to the caller's associated data before
encryption, so changing the version or swapping in another key id makes the tag check fail;
the nonce is authenticated by GCM itself. Nonces are 96 random bits from ``os.urandom`` —
safe for far more messages per key than a data key per case or a tenant key will ever see
(NIST's bound for random nonces is 2**32 messages per key).
"""

from __future__ import annotations

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vpbot.crypto.errors import DecryptionError

VERSION = 1
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
_MAX_KID = 255  # the length must fit in one byte


def encode_aad(*parts: str) -> bytes:
    """Encode strings as associated data that no other tuple of strings can produce.

    Each part is written as a 4-byte big-endian length followed by its UTF-8 bytes, so
    ``("a|b", "c")`` and ``("a", "b|c")`` differ, and tuples of different lengths differ too.
    Callers put a purpose tag first (``"field"``, ``"tenant-key"``, …) so associated data for
    one purpose can never be valid for another.
    """
    out = bytearray()
    for part in parts:
        raw = part.encode("utf-8")
        out += struct.pack(">I", len(raw))
        out += raw
    return bytes(out)


def field_aad(tenant_id: str, table: str, column: str, row_id: str) -> bytes:
    """Associated data binding an encrypted field to its tenant, table, column and row.

    A ciphertext copied to any other place then fails to decrypt instead of showing
    someone else's data there.
    """
    return encode_aad("field", tenant_id, table, column, row_id)


def seal(key: bytes, key_id: str, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt ``plaintext`` under ``key`` and return the envelope.

    ``key_id`` names the key (it is written in clear in the header and authenticated);
    ``aad`` is the caller's associated data, e.g. from :func:`field_aad`.
    """
    _check_key(key)
    header = _header(key_id)
    nonce = os.urandom(NONCE_BYTES)
    body = AESGCM(key).encrypt(nonce, plaintext, header + aad)
    return header + nonce + body


def open_envelope(key: bytes, envelope: bytes, aad: bytes) -> bytes:
    """Decrypt an envelope made by :func:`seal` with the same key and associated data.

    Raises :class:`DecryptionError` for every kind of failure; the message carries no data.
    """
    _check_key(key)
    envelope = bytes(envelope)  # drivers may hand back memoryview
    header, nonce, body = _split(envelope)
    try:
        return AESGCM(key).decrypt(nonce, body, header + aad)
    except InvalidTag:
        raise DecryptionError(
            "envelope does not authenticate (wrong key, wrong place, or altered)"
        ) from None


def envelope_key_id(envelope: bytes) -> str:
    """The key id written in an envelope's header (not yet authenticated: use it only to
    choose the key; :func:`open_envelope` then verifies it)."""
    header, _, _ = _split(bytes(envelope))
    return header[2:].decode("ascii")


def _check_key(key: bytes) -> None:
    # A programming error, not bad data: a ValueError, and the key is not echoed.
    if len(key) != KEY_BYTES:
        raise ValueError(f"AES-256-GCM needs a {KEY_BYTES}-byte key, got {len(key)} bytes")


def _header(key_id: str) -> bytes:
    try:
        kid = key_id.encode("ascii")
    except UnicodeEncodeError:
        raise ValueError("key id must be ASCII") from None
    if not 1 <= len(kid) <= _MAX_KID:
        raise ValueError(f"key id must be 1 to {_MAX_KID} characters")
    return bytes((VERSION, len(kid))) + kid


def _split(envelope: bytes) -> tuple[bytes, bytes, bytes]:
    """Split an envelope into (header, nonce, ciphertext||tag), checking the structure."""
    if len(envelope) < 2:
        raise DecryptionError("envelope is truncated")
    if envelope[0] != VERSION:
        raise DecryptionError(f"envelope has unknown version {envelope[0]}")
    kid_len = envelope[1]
    header_len = 2 + kid_len
    if kid_len == 0 or len(envelope) < header_len + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("envelope is truncated")
    header = envelope[:header_len]
    try:
        header[2:].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError("envelope key id is not ASCII") from None
    nonce = envelope[header_len : header_len + NONCE_BYTES]
    return header, nonce, envelope[header_len + NONCE_BYTES :]
