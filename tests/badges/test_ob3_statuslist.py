"""Bitstring Status List: bit order, size, stable encoding, and the list credential."""

from __future__ import annotations

import base64
import gzip
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badges.ob3.statuslist import (
    MIN_BITS,
    Bitstring,
    StatusListError,
    decode,
    random_free_index,
    status_entry,
    status_list_credential,
)
from badges.ob3.terms import dropped_terms
from tests.badges.test_ob3_verify import ISSUED, LIST_URL, Issuer


def test_a_new_list_holds_at_least_131072_clear_bits() -> None:
    bits = Bitstring()
    assert len(bits) == MIN_BITS == 131_072
    assert len(bits.to_bytes()) == 16 * 1024
    assert not any(bits.to_bytes())


@pytest.mark.parametrize("size", [8, 131_064, 131_073])
def test_smaller_or_ragged_lists_are_refused(size: int) -> None:
    with pytest.raises(StatusListError):
        Bitstring(size)


@pytest.mark.parametrize(
    ("index", "byte", "value"), [(0, 0, 0x80), (1, 0, 0x40), (7, 0, 0x01), (8, 1, 0x80), (131_071, 16_383, 0x01)]
)
def test_bit_zero_is_the_most_significant_bit_of_byte_zero(index: int, byte: int, value: int) -> None:
    bits = Bitstring()
    bits.set(index)
    data = bits.to_bytes()
    assert data[byte] == value
    assert sum(data) == value
    assert bits.get(index)


def test_a_bit_can_be_cleared_again() -> None:
    bits = Bitstring()
    bits.set(5)
    bits.set(6)
    bits.set(5, False)
    assert not bits.get(5)
    assert bits.get(6)


@pytest.mark.parametrize("index", [-1, MIN_BITS, MIN_BITS + 8])
def test_indexes_outside_the_list_are_refused(index: int) -> None:
    with pytest.raises(StatusListError, match="outside"):
        Bitstring().get(index)
    with pytest.raises(StatusListError, match="outside"):
        Bitstring().set(index)


def test_encoding_is_multibase_base64url_of_gzip_with_mtime_zero() -> None:
    bits = Bitstring()
    bits.set(3)
    encoded = bits.encode()
    assert encoded.startswith("u")
    assert "=" not in encoded and "+" not in encoded and "/" not in encoded
    body = encoded[1:]
    compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    assert compressed[:2] == b"\x1f\x8b"  # gzip
    assert compressed[4:8] == b"\x00\x00\x00\x00"  # mtime 0
    assert gzip.decompress(compressed) == bits.to_bytes()


def test_encoding_is_stable_byte_for_byte() -> None:
    first, second = Bitstring(), Bitstring()
    for bits in (first, second):
        bits.set(42)
        bits.set(99_999)
    assert first.encode() == second.encode()
    assert Bitstring().encode() == Bitstring().encode()


def _set_bits(data: bytes) -> set[int]:
    return {8 * n + bit for n, byte in enumerate(data) if byte for bit in range(8) if byte & (0x80 >> bit)}


@settings(max_examples=40, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=MIN_BITS - 1), max_size=50))
def test_encode_and_decode_round_trip(indexes: set[int]) -> None:
    bits = Bitstring()
    for index in indexes:
        bits.set(index)
    decoded = Bitstring.decode(bits.encode())
    assert decoded.to_bytes() == bits.to_bytes()
    assert _set_bits(decoded.to_bytes()) == indexes
    assert all(decoded.get(index) for index in indexes)


@pytest.mark.parametrize(
    ("encoded", "problem"),
    [
        ("H4sIAAAAAAAAA", "starting with 'u'"),
        ("u!!!", "not base64url"),
        ("u" + base64.urlsafe_b64encode(b"plain bytes").decode().rstrip("="), "not gzip"),
        ("u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * 1000, mtime=0)[:20]).decode().rstrip("="), "truncated"),
        ("u" + base64.urlsafe_b64encode(gzip.compress(b"", mtime=0)).decode().rstrip("="), "empty"),
    ],
)
def test_malformed_encoded_lists_are_refused(encoded: str, problem: str) -> None:
    with pytest.raises(StatusListError, match=problem):
        Bitstring.decode(encoded)


def test_a_decompression_bomb_is_refused() -> None:
    bomb = gzip.compress(b"\0" * (9 * 1024 * 1024), mtime=0)
    with pytest.raises(StatusListError, match="too large"):
        decode("u" + base64.urlsafe_b64encode(bomb).decode().rstrip("="))


def test_random_free_index_avoids_used_indexes_and_is_not_sequential() -> None:
    rng = random.Random(7)
    used: set[int] = set()
    for _ in range(200):
        index = random_free_index(used, MIN_BITS, rng)
        assert 0 <= index < MIN_BITS
        assert index not in used
        used.add(index)
    assert sorted(used) != list(range(200))


def test_random_free_index_finds_the_last_free_slot_and_reports_a_full_list() -> None:
    assert random_free_index(set(range(64)) - {37}, 64, random.Random(1)) == 37
    with pytest.raises(StatusListError, match="full"):
        random_free_index(set(range(64)), 64, random.Random(1))


def test_random_free_index_uses_a_system_random_by_default() -> None:
    assert 0 <= random_free_index(set()) < MIN_BITS


def test_the_status_entry_names_the_list_and_index() -> None:
    assert status_entry(LIST_URL, 94_567) == {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }


def test_the_status_list_credential_has_the_published_shape() -> None:
    issuer = Issuer()
    bits = Bitstring()
    bits.set(10)
    credential = status_list_credential(list_url=LIST_URL, issuer=issuer.did, bitstring=bits, valid_from=ISSUED)
    assert credential == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.did,
        "validFrom": "2025-09-01T09:30:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": bits.encode(),
        },
    }
    assert dropped_terms(credential) == []
    signed = issuer.sign(credential)
    assert Bitstring.decode(signed["credentialSubject"]["encodedList"]).get(10)
