"""Ed25519 issuer keys, and their encryption at rest with Fernet.

The private key lives in `SigningKey`, whose repr shows only the public key, so it cannot end up in
a log line, a traceback's locals or the admin by accident. At rest it is a Fernet token; the Fernet
key comes from the caller (Django settings), never from this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from badges.ob3.multibase import encode_ed25519_public_key

ED25519_SEED_LENGTH = 32


class KeyDecryptionError(Exception):
    """The stored private key could not be decrypted with the configured Fernet key(s)."""


class SigningKey:
    """An Ed25519 private key that never shows itself in repr, str or pickles."""

    __slots__ = ("_private_key",)

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._private_key = private_key

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> SigningKey:
        """From the 32-byte private key (RFC 8032 "seed")."""
        if len(seed) != ED25519_SEED_LENGTH:
            raise ValueError(f"an Ed25519 private key is 32 bytes, not {len(seed)}")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    def sign(self, data: bytes) -> bytes:
        return self._private_key.sign(data)

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._private_key.public_key()

    @property
    def public_bytes(self) -> bytes:
        return public_key_bytes(self.public_key)

    @property
    def public_key_multibase(self) -> str:
        return encode_ed25519_public_key(self.public_bytes)

    def _seed(self) -> bytes:
        return self._private_key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )

    def __repr__(self) -> str:
        return f"<SigningKey public={self.public_key_multibase} private=hidden>"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("SigningKey cannot be pickled; store encrypt_private_key()'s token instead")


def generate_keypair() -> SigningKey:
    """A new Ed25519 key pair (the public half is `key.public_bytes`)."""
    return SigningKey.generate()


def public_key_bytes(key: SigningKey | Ed25519PublicKey) -> bytes:
    """The raw 32-byte Ed25519 public key."""
    if isinstance(key, SigningKey):
        return key.public_bytes
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def generate_fernet_key() -> str:
    """A new Fernet key, for settings (e.g. `OB3_KEY_ENCRYPTION_KEYS`)."""
    return Fernet.generate_key().decode("ascii")


def _fernet(fernet_keys: str | Sequence[str]) -> MultiFernet:
    keys = [fernet_keys] if isinstance(fernet_keys, str) else list(fernet_keys)
    if not keys:
        raise ValueError("at least one Fernet key is required")
    # The first key encrypts; every key decrypts, so the setting can be rotated.
    return MultiFernet([Fernet(key) for key in keys])


def encrypt_private_key(key: SigningKey, fernet_keys: str | Sequence[str]) -> str:
    """The private key as a Fernet token (ASCII), safe to store in the database."""
    return _fernet(fernet_keys).encrypt(key._seed()).decode("ascii")


def decrypt_private_key(token: str, fernet_keys: str | Sequence[str]) -> SigningKey:
    try:
        seed = _fernet(fernet_keys).decrypt(token.encode("ascii"))
    except (InvalidToken, UnicodeEncodeError):
        raise KeyDecryptionError("the private key could not be decrypted with the configured key(s)") from None
    return SigningKey.from_seed(seed)


def verify_signature(public_key: bytes, signature: bytes, data: bytes) -> bool:
    """True when `signature` is `data` signed by the raw Ed25519 `public_key`."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def reencrypt_private_key(token: str, fernet_keys: str | Sequence[str]) -> str:
    """The same private key re-encrypted with the first Fernet key (after rotating the setting)."""
    try:
        return _fernet(fernet_keys).rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeEncodeError):
        raise KeyDecryptionError("the private key could not be decrypted with the configured key(s)") from None
