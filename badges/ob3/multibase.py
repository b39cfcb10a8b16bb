"""base58btc and the Ed25519 Multikey encoding of public keys (`publicKeyMultibase`)."""

from __future__ import annotations

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: value for value, char in enumerate(BASE58_ALPHABET)}

MULTIBASE_BASE58BTC_PREFIX = "z"
# Multicodec ed25519-pub (0xed) as an unsigned varint.
ED25519_PUB_MULTICODEC = b"\xed\x01"
ED25519_PUBLIC_KEY_LENGTH = 32


class MultibaseError(ValueError):
    """A value that is not valid base58btc, multibase or Ed25519 Multikey."""


def base58btc_encode(data: bytes) -> str:
    """Bitcoin-alphabet base58; each leading zero byte becomes a leading "1"."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(BASE58_ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    zeros = len(text) - len(text.lstrip("1"))
    number = 0
    for char in text:
        try:
            number = number * 58 + _BASE58_INDEX[char]
        except KeyError:
            raise MultibaseError(f"{char!r} is not a base58btc character") from None
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes) -> str:
    """Multibase with the base58btc prefix "z"."""
    return MULTIBASE_BASE58BTC_PREFIX + base58btc_encode(data)


def multibase_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith(MULTIBASE_BASE58BTC_PREFIX):
        raise MultibaseError("expected a base58btc multibase value starting with 'z'")
    return base58btc_decode(text[1:])


def encode_ed25519_public_key(raw: bytes) -> str:
    """`publicKeyMultibase` for a 32-byte Ed25519 public key: "z" + base58btc(0xed 0x01 + key)."""
    if len(raw) != ED25519_PUBLIC_KEY_LENGTH:
        raise MultibaseError(f"an Ed25519 public key is 32 bytes, not {len(raw)}")
    return multibase_encode(ED25519_PUB_MULTICODEC + raw)


def decode_ed25519_public_key(public_key_multibase: str) -> bytes:
    """The raw 32-byte Ed25519 public key inside a `publicKeyMultibase` value."""
    data = multibase_decode(public_key_multibase)
    if not data.startswith(ED25519_PUB_MULTICODEC):
        raise MultibaseError("not an Ed25519 Multikey (the multicodec prefix is not 0xed 0x01)")
    raw = data[len(ED25519_PUB_MULTICODEC) :]
    if len(raw) != ED25519_PUBLIC_KEY_LENGTH:
        raise MultibaseError(f"an Ed25519 public key is 32 bytes, not {len(raw)}")
    return raw
