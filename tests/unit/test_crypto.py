"""Unit tests for vpbot.crypto: envelopes, associated data, keyring, wrapping, blind index."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vpbot.crypto import (
    DecryptionError,
    KeyringError,
    KeyWrapper,
    MasterKeyring,
    MasterKeyWrapper,
    RawKeyWrapper,
    blind_index,
    derive_subkey,
    encode_aad,
    envelope_key_id,
    field_aad,
    generate_entry,
    load_or_create_dev_key_file,
    open_envelope,
    seal,
)
from vpbot.crypto.aead import NONCE_BYTES, TAG_BYTES
from vpbot.crypto.wrapping import case_key_context, tenant_key_context

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
AAD = field_aad("tenant-a", "case_notes", "body_enc", "row-1")


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# --------------------------------------------------------------------------- envelopes


def test_round_trip() -> None:
    envelope = seal(KEY, "ck1", "Gesprek over pesten — één keer".encode(), AAD)
    assert open_envelope(KEY, envelope, AAD).decode() == "Gesprek over pesten — één keer"
    assert envelope_key_id(envelope) == "ck1"


def test_round_trip_empty_plaintext() -> None:
    assert open_envelope(KEY, seal(KEY, "ck1", b"", AAD), AAD) == b""


def test_envelope_layout() -> None:
    envelope = seal(KEY, "ck1", b"hello", AAD)
    assert envelope[0] == 1
    assert envelope[1] == 3
    assert envelope[2:5] == b"ck1"
    assert len(envelope) == 2 + 3 + NONCE_BYTES + len(b"hello") + TAG_BYTES
    assert b"hello" not in envelope


@pytest.mark.parametrize(
    "elsewhere",
    [
        ("tenant-a", "case_notes", "body_enc", "row-2"),  # another row
        ("tenant-a", "case_notes", "other_enc", "row-1"),  # another column
        ("tenant-a", "thread_messages", "body_enc", "row-1"),  # another table
        ("tenant-b", "case_notes", "body_enc", "row-1"),  # another tenant
    ],
)
def test_ciphertext_moved_elsewhere_fails(elsewhere: tuple[str, str, str, str]) -> None:
    envelope = seal(KEY, "ck1", b"secret", AAD)
    with pytest.raises(DecryptionError):
        open_envelope(KEY, envelope, field_aad(*elsewhere))


def test_field_aad_is_unambiguous() -> None:
    assert field_aad("a|b", "c", "d", "e") != field_aad("a", "b|c", "d", "e")
    assert field_aad("ab", "", "c", "d") != field_aad("a", "b", "c", "d")
    assert encode_aad("a", "b") != encode_aad("ab")
    # Purpose tags keep wrapped-key contexts and field AAD apart.
    assert tenant_key_context("t", "k") != case_key_context("t", "k")


@settings(max_examples=200)
@given(
    st.tuples(*[st.text(max_size=8)] * 4),
    st.tuples(*[st.text(max_size=8)] * 4),
)
def test_field_aad_is_injective(a: tuple[str, ...], b: tuple[str, ...]) -> None:
    assert (field_aad(*a) == field_aad(*b)) == (a == b)


def test_flipping_any_byte_fails() -> None:
    envelope = seal(KEY, "ck1", b"a short secret", AAD)
    # Every position: version, kid length, kid, nonce, body and tag.
    for position in range(len(envelope)):
        tampered = bytearray(envelope)
        tampered[position] ^= 0x01
        with pytest.raises(DecryptionError):
            open_envelope(KEY, bytes(tampered), AAD)


def test_swapping_the_key_id_header_fails() -> None:
    envelope = seal(KEY, "ck1", b"secret", AAD)
    swapped = envelope[:2] + b"ck2" + envelope[5:]
    with pytest.raises(DecryptionError):
        open_envelope(KEY, swapped, AAD)


@pytest.mark.parametrize("length", [0, 1, 2, 5, 5 + NONCE_BYTES, 5 + NONCE_BYTES + TAG_BYTES - 1])
def test_truncated_envelope_fails(length: int) -> None:
    envelope = seal(KEY, "ck1", b"", AAD)
    with pytest.raises(DecryptionError):
        open_envelope(KEY, envelope[:length], AAD)


def test_truncated_body_fails() -> None:
    envelope = seal(KEY, "ck1", b"some longer secret text", AAD)
    with pytest.raises(DecryptionError):
        open_envelope(KEY, envelope[:-1], AAD)


def test_unknown_version_fails() -> None:
    envelope = seal(KEY, "ck1", b"secret", AAD)
    with pytest.raises(DecryptionError, match="version"):
        open_envelope(KEY, b"\x02" + envelope[1:], AAD)


def test_wrong_key_fails() -> None:
    envelope = seal(KEY, "ck1", b"secret", AAD)
    with pytest.raises(DecryptionError):
        open_envelope(OTHER_KEY, envelope, AAD)


def test_decryption_error_carries_no_data_or_library_text() -> None:
    envelope = seal(KEY, "ck1", b"secret", AAD)
    with pytest.raises(DecryptionError) as info:
        open_envelope(OTHER_KEY, envelope, AAD)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    assert "secret" not in str(info.value)
    assert "InvalidTag" not in str(info.value)


def test_bad_key_length_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="32-byte"):
        seal(b"short", "ck1", b"x", AAD)


def test_no_nonce_repeats() -> None:
    envelopes = [seal(KEY, "k", b"", b"") for _ in range(100_000)]
    start = 2 + 1
    nonces = {envelope[start : start + NONCE_BYTES] for envelope in envelopes}
    assert len(nonces) == 100_000


# --------------------------------------------------------------------------- keyring


def test_keyring_parse() -> None:
    ring = MasterKeyring.parse(f" new:{b64(KEY)} , old:{b64(OTHER_KEY)}=\n")
    assert ring.primary_kid == "new"
    assert ring.primary_key == KEY
    assert ring.get("old") == OTHER_KEY
    assert ring.get("gone") is None
    assert ring.kids == ("new", "old")
    assert "old" in ring


def test_keyring_accepts_padded_base64url() -> None:
    padded = base64.urlsafe_b64encode(KEY).decode()
    assert padded.endswith("=")
    assert MasterKeyring.parse(f"k1:{padded}").primary_key == KEY


def test_keyring_repr_hides_keys() -> None:
    ring = MasterKeyring.parse(f"k1:{b64(KEY)}")
    assert b64(KEY) not in repr(ring)
    assert KEY.hex() not in repr(ring)
    assert "k1" in repr(ring)
    assert b64(KEY) not in repr(MasterKeyWrapper(ring))


SECRET = b64(KEY)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        (SECRET, "KID:BASE64URL"),  # kid forgotten
        (f"{SECRET}:k1", "key id"),  # halves swapped: the "kid" is the key
        (f"k1:{SECRET},", "entry 2 is empty"),
        (f"k1:{SECRET},,k2:{SECRET}", "entry 2 is empty"),
        (f"bad kid:{SECRET}", "key id"),
        (f"{'k' * 33}:{SECRET}", "key id"),
        (f":{SECRET}", "key id"),
        (f"k1:{SECRET}!", "base64url"),
        (f"k1:{SECRET[:-1]}", "32 bytes"),  # 31.x bytes: invalid length or short
        (f"k1:{b64(KEY + b'x')}", "32 bytes"),
        (f"k1:{b64(KEY[:16])}", "32 bytes"),
        (f"k1:{SECRET},k1:{b64(OTHER_KEY)}", "duplicate key id 'k1'"),
    ],
)
def test_keyring_errors_are_clear_and_secret_free(text: str, expected: str) -> None:
    with pytest.raises(KeyringError) as info:
        MasterKeyring.parse(text)
    message = str(info.value)
    assert expected in message
    assert "VPBOT_MASTER_KEY" in message
    assert "\n" not in message
    assert SECRET not in message
    assert SECRET[:8] not in message
    assert b64(OTHER_KEY)[:8] not in message
    assert info.value.__cause__ is None
    assert isinstance(info.value, ValueError)


def test_generate_entry() -> None:
    entry = generate_entry()
    kid, _, encoded = entry.partition(":")
    assert kid.startswith("k2")
    assert len(base64.urlsafe_b64decode(encoded + "=")) == 32
    ring = MasterKeyring.parse(entry)
    assert ring.primary_kid == kid
    assert generate_entry() != entry
    assert MasterKeyring.parse(generate_entry("mine")).primary_kid == "mine"
    with pytest.raises(KeyringError):
        generate_entry("no spaces")


def test_dev_key_file_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "vpbot-dev.key"
    text, created = load_or_create_dev_key_file(path)
    assert created
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert MasterKeyring.parse(text)
    again, created_again = load_or_create_dev_key_file(path)
    assert (again, created_again) == (text, False)


def test_dev_key_file_respects_strict_umask(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        load_or_create_dev_key_file(tmp_path / "k")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "k").stat().st_mode) == 0o600


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_dev_key_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k"
    path.write_text(generate_entry())
    path.chmod(0o644)
    with pytest.raises(KeyringError, match="chmod 600"):
        load_or_create_dev_key_file(path)


def test_broken_dev_key_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "k"
    path.write_text(f"k1:{b64(KEY[:10])}")
    path.chmod(0o600)
    with pytest.raises(KeyringError, match=str(path)) as info:
        load_or_create_dev_key_file(path)
    assert b64(KEY[:10]) not in str(info.value)


# --------------------------------------------------------------------------- wrapping


def test_master_wrapper_wraps_with_primary_and_unwraps_with_any() -> None:
    old_ring = MasterKeyring([("old", OTHER_KEY)])
    kid, blob = MasterKeyWrapper(old_ring).wrap(KEY, b"ctx")
    assert kid == "old"
    both = MasterKeyWrapper(MasterKeyring([("new", os.urandom(32)), ("old", OTHER_KEY)]))
    assert isinstance(both, KeyWrapper)
    assert both.unwrap("old", blob, b"ctx") == KEY
    assert both.wrap(KEY, b"ctx")[0] == "new"


def test_master_wrapper_names_missing_kid() -> None:
    kid, blob = MasterKeyWrapper(MasterKeyring([("old", OTHER_KEY)])).wrap(KEY, b"ctx")
    only_new = MasterKeyWrapper(MasterKeyring([("new", os.urandom(32))]))
    with pytest.raises(KeyringError, match="'old'"):
        only_new.unwrap(kid, blob, b"ctx")


def test_wrapped_key_is_bound_to_context() -> None:
    wrapper = RawKeyWrapper("tk1", OTHER_KEY)
    assert isinstance(wrapper, KeyWrapper)
    kid, blob = wrapper.wrap(KEY, case_key_context("t1", "c1"))
    assert kid == "tk1"
    assert wrapper.unwrap(kid, blob, case_key_context("t1", "c1")) == KEY
    for context in (case_key_context("t1", "c2"), case_key_context("t2", "c1")):
        with pytest.raises(DecryptionError):
            wrapper.unwrap(kid, blob, context)


def test_raw_wrapper_rejects_other_key_id() -> None:
    kid, blob = RawKeyWrapper("tk1", OTHER_KEY).wrap(KEY, b"ctx")
    with pytest.raises(KeyringError, match="'tk1'"):
        RawKeyWrapper("tk2", OTHER_KEY).unwrap(kid, blob, b"ctx")


def test_wrapped_blob_header_must_match_stored_key_id() -> None:
    ring = MasterKeyring([("a", KEY), ("b", OTHER_KEY)])
    kid, blob = MasterKeyWrapper(ring).wrap(os.urandom(32), b"ctx")
    with pytest.raises(DecryptionError):
        MasterKeyWrapper(ring).unwrap("b", blob, b"ctx")


# --------------------------------------------------------------------------- blind index


def test_derive_subkey() -> None:
    a = derive_subkey(KEY, "blind-index")
    assert len(a) == 32
    assert a == derive_subkey(KEY, "blind-index")
    assert a != derive_subkey(KEY, "other")
    assert a != derive_subkey(OTHER_KEY, "blind-index")
    assert a != KEY


def test_blind_index() -> None:
    key = derive_subkey(KEY, "blind-index")
    value = blind_index(key, "U0123ABCD")
    assert len(value) == 64
    int(value, 16)
    assert value == blind_index(key, " U0123ABCD\n")
    assert value != blind_index(key, "u0123abcd")  # ids can be case-sensitive
    assert value != blind_index(derive_subkey(OTHER_KEY, "blind-index"), "U0123ABCD")
    # NFC normalisation: a composed and a decomposed "é" index alike.
    assert blind_index(key, "caf\u00e9") == blind_index(key, "cafe\u0301")
