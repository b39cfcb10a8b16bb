"""Issuers and their keys: key encryption, issuer keys and their rotation, the did:web document, and signing as an
issuer (every credential and status list is signed by `issuer_sign`)."""

from __future__ import annotations

import logging
import os
import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from badges.models import Issuer, SigningKey
from badges.ob3 import keys as ob3_keys
from badges.ob3.did import did_document
from badges.ob3.loader import CREDENTIALS_V2, OB_V3P0
from badges.ob3.proof import format_datetime, sign
from badges.services.errors import BadgeError
from badges.services.permissions import user_is_badge_admin
from lms.models import User

logger = logging.getLogger(__name__)


def key_encryption_keys() -> list[str]:
    """The Fernet keys of the setting; the embedded default generates one under var/ on first use."""
    configured = [key for key in settings.BADGES_KEY_ENCRYPTION_KEYS if key]
    if configured:
        return configured
    if not settings.BADGES_GENERATE_KEY_ENCRYPTION_KEY:
        raise ImproperlyConfigured("BADGES_KEY_ENCRYPTION_KEYS is not set.")
    path = settings.BADGES_KEY_ENCRYPTION_KEY_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(descriptor, "w") as file:
            file.write(ob3_keys.generate_fernet_key())
    return [path.read_text().strip()]


@transaction.atomic
def issuer_key_create(*, issuer: Issuer) -> SigningKey:
    """A new Ed25519 key, `key-N`, becomes the issuer's active key; every older public key stays published.

    Locks the issuer row, so two rotations never pick the same N.
    """
    Issuer.objects.select_for_update().get(pk=issuer.pk)
    existing = list(SigningKey.objects.filter(issuer=issuer).values_list("fragment", flat=True))
    number = 1 + max((int(fragment.removeprefix("key-")) for fragment in existing), default=0)
    keypair = ob3_keys.generate_keypair()
    SigningKey.objects.filter(issuer=issuer, active=True).update(active=False)
    key = SigningKey.objects.create(
        issuer=issuer,
        fragment=f"key-{number}",
        public_key=keypair.public_bytes,
        private_key_encrypted=ob3_keys.encrypt_private_key(keypair, key_encryption_keys()),
        active=True,
    )
    logger.info("Issuer %s has a new signing key %s", issuer.slug, key.fragment)
    return key


def issuer_key_rotate(*, issuer: Issuer, user: User | None = None) -> SigningKey:
    """Rotation: the same as creating a key (old keys keep verifying old badges). Platform admins only."""
    if user is not None and not user_is_badge_admin(user):
        raise PermissionDenied(_("Only platform admins may rotate signing keys."))
    return issuer_key_create(issuer=issuer)


def _active_key(issuer: Issuer) -> tuple[SigningKey, ob3_keys.SigningKey]:
    key = SigningKey.objects.filter(issuer=issuer, active=True).first()
    if key is None:
        raise BadgeError(
            f"The issuer {issuer.slug} has no signing key: run `manage.py create_issuer_key {issuer.slug}`."
        )
    return key, ob3_keys.decrypt_private_key(key.private_key_encrypted, key_encryption_keys())


def issuer_did_document(*, issuer: Issuer) -> dict[str, Any]:
    """The DID document listing every key the issuer ever had, oldest first."""
    public_keys = [(key.fragment, bytes(key.public_key)) for key in SigningKey.objects.filter(issuer=issuer)]
    if not public_keys:
        raise BadgeError(f"The issuer {issuer.slug} has no signing key yet.")
    return did_document(issuer.did, public_keys)


@lru_cache(maxsize=64)
def _private_key(token: str) -> ob3_keys.SigningKey:
    """A key decrypted once per process, memoised by its encrypted token (never by a row id that a restored
    database could give to another key). Which key is active is read for every credential."""
    return ob3_keys.decrypt_private_key(token, key_encryption_keys())


def issuer_sign(
    issuer: Issuer, document: dict[str, Any], *, now: datetime, key: tuple[str, str] | None = None
) -> dict[str, Any]:
    """`document` signed with the issuer's active key. `key`: (fragment, encrypted token) of that key, when the
    caller has read it. Callers call it through this module (`issuers.issuer_sign`): the one place where a test or
    the bench's worker wraps signing."""
    if key is None:
        record, private = _active_key(issuer)
        fragment = record.fragment
    else:
        fragment, private = key[0], _private_key(key[1])
    return sign(document, private_key=private, verification_method=f"{issuer.did}#{fragment}", created=now)


def worker_warm_up() -> None:
    """Do what the first credential a process signs would otherwise pay for: import the URLconf and process
    the pinned JSON-LD contexts (by signing a throw-away credential with a throw-away key). No database."""
    reverse("badges:lookup")
    document = {
        "@context": [CREDENTIALS_V2, OB_V3P0],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Warm-up",
        "issuer": {"id": "did:web:warm-up.invalid", "type": ["Profile"], "name": "Warm-up"},
        "validFrom": format_datetime(timezone.now().replace(microsecond=0)),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://warm-up.invalid/achievements/warm-up",
                "type": ["Achievement"],
                "name": "Warm-up",
                "description": "Warm-up",
                "criteria": {"narrative": "Warm-up"},
            },
        },
    }
    sign(
        document,
        private_key=ob3_keys.SigningKey.generate(),
        verification_method="did:web:warm-up.invalid#key-1",
        created=timezone.now().replace(microsecond=0),
    )
