"""Exceptions raised by :mod:`vpbot.crypto`.

They live in one module so that callers can catch them without importing the storage-backed
parts of the package, and so that messages follow one rule: they name key *ids* where that
helps an operator, and never contain key material, plaintext or ciphertext.
"""

from __future__ import annotations


class KeyringError(ValueError):
    """The master keyring is malformed, or a needed key is not in it.

    A ``ValueError`` because it is nearly always a configuration problem
    (``VPBOT_MASTER_KEY``) that the operator must fix; the message says what is wrong in one
    line without echoing the configured value.
    """


class DecryptionError(Exception):
    """An envelope could not be opened.

    Raised for every failure alike (wrong key, tampering, wrong associated data, truncation,
    unknown version) so that callers cannot accidentally build an oracle on the difference,
    and so that no exception text from the cryptography library travels further.
    """


class KeyShreddedError(DecryptionError):
    """The case key that protected this data has been deleted: the data is gone for good."""
