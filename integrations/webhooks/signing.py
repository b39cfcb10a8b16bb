"""Standard Webhooks signatures (https://www.standardwebhooks.com/), as Stripe's and Svix's receivers check them.

Each request carries `webhook-id` (the event's id, the same on a retry: receivers dedupe on it),
`webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>`,
where the key is the base64 part of the endpoint's secret `whsec_<base64>`. The secret is kept encrypted at rest
with the key-encryption keys that protect issuers' signing keys (BADGES_KEY_ENCRYPTION_KEYS): the HMAC needs it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping

from cryptography.fernet import Fernet, MultiFernet

from badges.services import key_encryption_keys

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix of every secret, not a secret
TOLERANCE_SECONDS = 300


def secret_generate() -> str:
    """A new signing secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in key_encryption_keys()])


def secret_encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode("ascii")).decode("ascii")


def secret_decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode("ascii")).decode("ascii")


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def signature(*, secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header's value for this body."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(*, secret: str, message_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret=secret, message_id=message_id, timestamp=timestamp, body=body),
    }


def signature_verify(
    *,
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: True when one of the header's `v1` signatures matches this body and the timestamp is
    within `tolerance` seconds of `now` (a replayed old request fails). Header names are matched case-insensitively."""
    lowered = {name.lower(): value for name, value in headers.items()}
    try:
        message_id, timestamp = lowered["webhook-id"], int(lowered["webhook-timestamp"])
        received = lowered["webhook-signature"].split()
        expected = signature(secret=secret, message_id=message_id, timestamp=timestamp, body=body)
    except (KeyError, ValueError, binascii.Error):
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    return any(hmac.compare_digest(candidate, expected) for candidate in received)
