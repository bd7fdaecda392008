"""The master keyring, parsed from ``VPBOT_MASTER_KEY``.

Format: comma-separated entries ``KID:BASE64URL``; every key decodes to exactly 32 bytes and
every key id matches ``[A-Za-z0-9_-]{1,32}``. The first entry is the *primary* key, used to
wrap new tenant keys; all entries can unwrap. Rotation therefore is: prepend a new entry,
run ``vpbot keys rotate`` (see :func:`vpbot.crypto.keys.rotate_master`), then drop the old one.

Error messages refer to entries by position, never by content: a malformed entry may well be
key material typed in the wrong place.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from pathlib import Path
from types import MappingProxyType

from vpbot.crypto.errors import KeyringError

KEY_BYTES = 32
KID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
# Base64url with optional padding; checked before decoding because the standard library's
# urlsafe decoder silently skips characters outside the alphabet.
_B64URL_PATTERN = re.compile(r"[A-Za-z0-9_-]+={0,2}")
ENV_NAME = "VPBOT_MASTER_KEY"


class MasterKeyring:
    """An ordered set of named 256-bit master keys; the first one is primary.

    Immutable after construction. ``repr`` shows key ids only, so a keyring that ends up in a
    log line or a traceback does not leak keys.
    """

    __slots__ = ("_keys", "_primary_kid")

    def __init__(self, entries: list[tuple[str, bytes]]) -> None:
        """Build a keyring from ``(kid, key)`` pairs, primary first.

        Prefer :meth:`parse`; this constructor validates the same rules for keys built in code.
        """
        if not entries:
            raise KeyringError(f"{ENV_NAME} holds no keys")
        keys: dict[str, bytes] = {}
        for position, (kid, key) in enumerate(entries, start=1):
            if not KID_PATTERN.fullmatch(kid):
                raise KeyringError(
                    f"{ENV_NAME} entry {position}: key id must match [A-Za-z0-9_-]{{1,32}}"
                )
            if len(key) != KEY_BYTES:
                raise KeyringError(
                    f"{ENV_NAME} entry {position} (key id {kid!r}): key must be "
                    f"{KEY_BYTES} bytes, got {len(key)}"
                )
            if kid in keys:
                raise KeyringError(f"{ENV_NAME} entry {position}: duplicate key id {kid!r}")
            keys[kid] = bytes(key)
        self._keys: Mapping[str, bytes] = MappingProxyType(keys)
        self._primary_kid = entries[0][0]

    @classmethod
    def parse(cls, text: str) -> MasterKeyring:
        """Parse a ``VPBOT_MASTER_KEY`` value.

        Surrounding whitespace (also around entries, e.g. a trailing newline from a file) is
        ignored. Raises :class:`KeyringError` with a one-line message that names the entry by
        position and never includes what was configured.
        """
        stripped = text.strip()
        if not stripped:
            raise KeyringError(
                f"{ENV_NAME} is empty; generate a key with `vpbot keys generate`"
            )
        entries: list[tuple[str, bytes]] = []
        for position, raw in enumerate(stripped.split(","), start=1):
            entries.append(_parse_entry(position, raw.strip()))
        return cls(entries)

    @property
    def primary_kid(self) -> str:
        """The id of the key that wraps new and re-wrapped tenant keys."""
        return self._primary_kid

    @property
    def primary_key(self) -> bytes:
        """The primary key itself."""
        return self._keys[self._primary_kid]

    @property
    def kids(self) -> tuple[str, ...]:
        """All key ids, primary first."""
        return tuple(self._keys)

    def get(self, kid: str) -> bytes | None:
        """The key with this id, or ``None`` when the ring does not hold it."""
        return self._keys.get(kid)

    def __contains__(self, kid: object) -> bool:
        return kid in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"MasterKeyring(kids={list(self._keys)!r})"


def _parse_entry(position: int, entry: str) -> tuple[str, bytes]:
    """Split and decode one ``KID:BASE64URL`` entry; messages never echo the entry."""
    if not entry:
        raise KeyringError(f"{ENV_NAME} entry {position} is empty (stray comma?)")
    kid, sep, encoded = entry.partition(":")
    if not sep:
        raise KeyringError(f"{ENV_NAME} entry {position} is not of the form KID:BASE64URL")
    if not KID_PATTERN.fullmatch(kid):
        # Not echoed: with the halves swapped, the "kid" would be the key.
        raise KeyringError(
            f"{ENV_NAME} entry {position}: key id must match [A-Za-z0-9_-]{{1,32}}"
        )
    if not _B64URL_PATTERN.fullmatch(encoded):
        raise KeyringError(
            f"{ENV_NAME} entry {position} (key id {kid!r}): key is not valid base64url"
        )
    unpadded = encoded.rstrip("=")
    try:
        # Padding is optional in the configured value; restore it for the decoder.
        key = base64.urlsafe_b64decode(unpadded + "=" * (-len(unpadded) % 4))
    except (binascii.Error, ValueError):
        raise KeyringError(
            f"{ENV_NAME} entry {position} (key id {kid!r}): key is not valid base64url"
        ) from None
    if len(key) != KEY_BYTES:
        raise KeyringError(
            f"{ENV_NAME} entry {position} (key id {kid!r}): key must decode to "
            f"{KEY_BYTES} bytes, got {len(key)}"
        )
    return kid, key


def default_kid() -> str:
    """A fresh key id: ``k`` + today's UTC date + a random suffix, e.g. ``k20250614_3fa2c1``.

    The date tells an operator how old a key is; the suffix keeps two keys generated on the
    same day apart.
    """
    return f"k{datetime.now(timezone.utc):%Y%m%d}_{secrets.token_hex(3)}"


def generate_entry(kid: str | None = None) -> str:
    """A new keyring entry ``KID:BASE64URL`` holding 32 fresh random bytes (unpadded)."""
    kid = default_kid() if kid is None else kid
    if not KID_PATTERN.fullmatch(kid):
        raise KeyringError("key id must match [A-Za-z0-9_-]{1,32}")
    encoded = base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).rstrip(b"=").decode("ascii")
    return f"{kid}:{encoded}"


def load_or_create_dev_key_file(path: Path) -> tuple[str, bool]:
    """Read a development keyring file, or create it with one fresh key.

    Returns ``(keyring_text, created)``. The file is created with ``O_CREAT | O_EXCL`` and
    mode 0600 in one system call, so it is never visible with wider permissions and two
    processes starting at once cannot both create it (the loser reads the winner's file).
    An existing file that others can read is refused, as ssh does with private keys.
    The content is validated either way, so a broken file fails here, naming the file.
    """
    path = Path(path)
    try:
        text = _create_exclusively(path)
        created = True
    except FileExistsError:
        text = _read_private(path)
        created = False
    try:
        MasterKeyring.parse(text)
    except KeyringError as exc:
        raise KeyringError(f"dev key file {path}: {exc}") from None
    return text, created


def _create_exclusively(path: Path) -> str:
    text = generate_entry() + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        # The umask can only remove bits from 0o600, but be explicit in case it is odd.
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)
        os.write(fd, text.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return text.strip()


def _read_private(path: Path) -> str:
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise KeyringError(f"dev key file {path} is readable by others; run: chmod 600 {path}")
    try:
        text = path.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:
        raise KeyringError(f"dev key file {path} is not a text file") from None
    if not text:
        # Another process may be between its create and its write; this is a dev-only path,
        # so a clear message beats a retry loop.
        raise KeyringError(f"dev key file {path} is empty; delete it to generate a new key")
    return text
