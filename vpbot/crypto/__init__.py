"""Encryption at rest (DESIGN.md §2 C4, C5).

- :mod:`~vpbot.crypto.keyring`: the master keyring from ``VPBOT_MASTER_KEY``.
- :mod:`~vpbot.crypto.aead`: AES-256-GCM envelopes with key ids and bound associated data.
- :mod:`~vpbot.crypto.wrapping`: pluggable key wrapping.
- :mod:`~vpbot.crypto.blind_index`: HKDF sub-keys and HMAC blind indexes.
- :mod:`~vpbot.crypto.keys`: the storage-backed key hierarchy (``KeyManager``,
  ``rotate_master``). Not imported here, so that importing ``vpbot.crypto`` does not pull in
  the storage layer (and storage code may import this package without a cycle).
"""

from vpbot.crypto.aead import encode_aad, envelope_key_id, field_aad, open_envelope, seal
from vpbot.crypto.blind_index import blind_index, derive_subkey
from vpbot.crypto.errors import DecryptionError, KeyringError, KeyShreddedError
from vpbot.crypto.keyring import MasterKeyring, generate_entry, load_or_create_dev_key_file
from vpbot.crypto.wrapping import KeyWrapper, MasterKeyWrapper, RawKeyWrapper

__all__ = [
    "DecryptionError",
    "KeyShreddedError",
    "KeyWrapper",
    "KeyringError",
    "MasterKeyWrapper",
    "MasterKeyring",
    "RawKeyWrapper",
    "blind_index",
    "derive_subkey",
    "encode_aad",
    "envelope_key_id",
    "field_aad",
    "generate_entry",
    "load_or_create_dev_key_file",
    "open_envelope",
    "seal",
]
