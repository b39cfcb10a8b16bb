"""Bitstring Status List v1.0: the revocation list, its encoding and its credential."""

from __future__ import annotations

import base64
import binascii
import gzip
import random
import re
import zlib
from datetime import datetime
from typing import Any

from badges.ob3.loader import CREDENTIALS_V2
from badges.ob3.proof import format_datetime

MIN_BITS = 131_072  # 16 KiB: the herd that hides which credential a verifier asks about.
MAX_BITS = 8 * 1024 * 1024 * 8  # 8 MiB of bits; a decoded list is never allowed to grow past this.
STATUS_PURPOSE = "revocation"
_BASE64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class StatusListError(ValueError):
    """A malformed encodedList, or an index outside the list."""


class Bitstring:
    """A fixed-size bitstring in which bit 0 is the most significant bit of byte 0."""

    __slots__ = ("_bytes",)

    def __init__(self, size: int = MIN_BITS) -> None:
        if size < MIN_BITS or size % 8:
            raise StatusListError(f"a status list holds a multiple of 8 bits, at least {MIN_BITS}")
        self._bytes = bytearray(size // 8)

    @classmethod
    def from_bytes(cls, data: bytes) -> Bitstring:
        """Any published list, whatever its size (it was not necessarily made by us)."""
        if not data:
            raise StatusListError("the status list is empty")
        bitstring = cls.__new__(cls)
        bitstring._bytes = bytearray(data)
        return bitstring

    def __len__(self) -> int:
        return len(self._bytes) * 8

    def _locate(self, index: int) -> tuple[int, int]:
        if not 0 <= index < len(self):
            raise StatusListError(f"index {index} is outside the status list (size {len(self)})")
        return index // 8, 0x80 >> (index % 8)

    def get(self, index: int) -> bool:
        byte, mask = self._locate(index)
        return bool(self._bytes[byte] & mask)

    def set(self, index: int, value: bool = True) -> None:
        byte, mask = self._locate(index)
        if value:
            self._bytes[byte] |= mask
        else:
            self._bytes[byte] &= ~mask & 0xFF

    def to_bytes(self) -> bytes:
        return bytes(self._bytes)

    def encode(self) -> str:
        """`encodedList`: "u" + base64url without padding of gzip(bits), gzip mtime 0 (stable bytes)."""
        compressed = gzip.compress(self.to_bytes(), compresslevel=9, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    @classmethod
    def decode(cls, encoded_list: str) -> Bitstring:
        return cls.from_bytes(decode(encoded_list))


def decode(encoded_list: str) -> bytes:
    """The raw bits of an `encodedList`, refusing anything that inflates past MAX_BITS."""
    if not isinstance(encoded_list, str) or not encoded_list.startswith("u"):
        raise StatusListError("encodedList must be multibase base64url (starting with 'u')")
    body = encoded_list[1:]
    if not _BASE64URL.match(body):
        raise StatusListError("encodedList is not base64url")
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        raise StatusListError("encodedList is not base64url") from None
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
    try:
        data = inflater.decompress(compressed, MAX_BITS // 8 + 1)
    except zlib.error:
        raise StatusListError("encodedList is not gzip data") from None
    if len(data) > MAX_BITS // 8 or inflater.unconsumed_tail:
        raise StatusListError("the status list is too large")
    if not inflater.eof:
        raise StatusListError("encodedList is truncated")
    return data


def random_free_index(used: set[int], size: int = MIN_BITS, rng: random.Random | None = None) -> int:
    """An index in [0, size) that is not in `used`, chosen at random (indexes must not reveal order)."""
    rng = rng or random.SystemRandom()
    for _ in range(64):
        index = rng.randrange(size)
        if index not in used:
            return index
    # Nearly full: pick uniformly among what is left.
    free = [index for index in range(size) if index not in used]
    if not free:
        raise StatusListError("the status list is full")
    return rng.choice(free)


def status_entry(list_url: str, index: int) -> dict[str, Any]:
    """The `credentialStatus` object of a credential at `index` in the list at `list_url`."""
    if index < 0:
        raise StatusListError("a status list index is not negative")
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": STATUS_PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    *,
    list_url: str,
    issuer: str | dict[str, Any],
    bitstring: Bitstring,
    valid_from: datetime,
    valid_until: datetime | None = None,
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential published at `list_url` (sign it with proof.sign)."""
    credential: dict[str, Any] = {
        "@context": [CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    credential["credentialSubject"] = {
        "id": f"{list_url}#list",
        "type": "BitstringStatusList",
        "statusPurpose": STATUS_PURPOSE,
        "encodedList": bitstring.encode(),
    }
    return credential
