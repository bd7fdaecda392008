"""Sub-key derivation and blind indexes (DESIGN.md C4).

Employee platform ids are stored encrypted, which makes them impossible to look up; a blind
index — an HMAC of the id under a tenant-specific key — makes equality lookup possible
without revealing the id to someone who reads the database but does not hold the key.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SUBKEY_BYTES = 32


def derive_subkey(key: bytes, purpose: str) -> bytes:
    """Derive an independent 32-byte key for one purpose from ``key`` (HKDF-SHA256).

    ``info`` is ``b"vpbot/" + purpose``, so keys for different purposes are unrelated and
    the encryption key itself is never used as an HMAC key.
    """
    if not purpose:
        raise ValueError("purpose must not be empty")
    hkdf = HKDF(
        algorithm=hashes.SHA256(),
        length=SUBKEY_BYTES,
        salt=None,
        info=b"vpbot/" + purpose.encode("utf-8"),
    )
    return hkdf.derive(key)


def normalise(value: str) -> str:
    """The form of a value that gets indexed: Unicode NFC, surrounding whitespace removed.

    Case is kept on purpose: some platform ids are case-sensitive, and folding them could
    make two people collide. Callers canonicalise case-insensitive ids (e.g. lower-case a
    GUID) before indexing.
    """
    return unicodedata.normalize("NFC", value).strip()


def blind_index(index_key: bytes, value: str) -> str:
    """HMAC-SHA256 of the normalised value under ``index_key``, as 64 hex characters."""
    return hmac.new(index_key, normalise(value).encode("utf-8"), hashlib.sha256).hexdigest()
