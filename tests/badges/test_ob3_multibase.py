"""base58btc, multibase and the Ed25519 Multikey encoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from badges.ob3.multibase import (
    MultibaseError,
    base58btc_decode,
    base58btc_encode,
    decode_ed25519_public_key,
    encode_ed25519_public_key,
    multibase_decode,
    multibase_encode,
)

# W3C vc-di-eddsa test vector key (Appendix B.1, Example 7).
VECTOR_PUBLIC_KEY_MULTIBASE = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
VECTOR_SECRET_KEY_MULTIBASE = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        (b"", ""),
        (b"\x00", "1"),
        (b"\x00\x00\x01", "112"),
        (b"a", "2g"),
        (b"hello world", "StV1DL6CwTryKyV"),
        (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
        (bytes.fromhex("00eb15231dfceb60925886b67d065299925915aeb172c06647"), "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"),
    ],
)
def test_base58btc_known_values(raw: bytes, encoded: str) -> None:
    assert base58btc_encode(raw) == encoded
    assert base58btc_decode(encoded) == raw


@given(st.binary(max_size=96))
def test_base58btc_round_trips(data: bytes) -> None:
    assert base58btc_decode(base58btc_encode(data)) == data
    assert multibase_decode(multibase_encode(data)) == data


@pytest.mark.parametrize("bad", ["0", "O", "I", "l", "abc+", "z z"])
def test_base58btc_rejects_characters_outside_the_alphabet(bad: str) -> None:
    with pytest.raises(MultibaseError):
        base58btc_decode(bad)


@pytest.mark.parametrize("bad", ["", "f00", "uAAA", "Z6Mk"])
def test_multibase_requires_the_base58btc_prefix(bad: str) -> None:
    with pytest.raises(MultibaseError):
        multibase_decode(bad)


def test_the_vector_public_key_decodes_to_32_bytes_and_back() -> None:
    raw = decode_ed25519_public_key(VECTOR_PUBLIC_KEY_MULTIBASE)
    assert len(raw) == 32
    assert encode_ed25519_public_key(raw) == VECTOR_PUBLIC_KEY_MULTIBASE
    assert multibase_decode(VECTOR_PUBLIC_KEY_MULTIBASE)[:2] == b"\xed\x01"


def test_the_vector_secret_key_derives_the_vector_public_key() -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    secret = multibase_decode(VECTOR_SECRET_KEY_MULTIBASE)
    public = Ed25519PrivateKey.from_private_bytes(secret[2:]).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert encode_ed25519_public_key(public) == VECTOR_PUBLIC_KEY_MULTIBASE


@given(st.binary(min_size=32, max_size=32))
def test_ed25519_multikeys_round_trip_and_start_z6mk(raw: bytes) -> None:
    encoded = encode_ed25519_public_key(raw)
    assert encoded.startswith("z6Mk")
    assert decode_ed25519_public_key(encoded) == raw


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_an_ed25519_public_key_must_be_32_bytes(length: int) -> None:
    with pytest.raises(MultibaseError, match="32 bytes"):
        encode_ed25519_public_key(b"\x01" * length)
    with pytest.raises(MultibaseError, match="32 bytes"):
        decode_ed25519_public_key(multibase_encode(b"\xed\x01" + b"\x01" * length))


def test_a_multikey_of_another_type_is_refused() -> None:
    p256 = "zDnaepBuvsQ8cpsWrVKw8fbpGpvPeNSjVPTWoq6cRqaYzBKVP"
    with pytest.raises(MultibaseError, match="not an Ed25519 Multikey"):
        decode_ed25519_public_key(p256)
