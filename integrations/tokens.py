"""API tokens: create (the plain token is shown once), revoke, list, and authenticate a request's token.

Who manages an organization's tokens is organizations' rule (its administrators); a learner manages their own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from integrations.models import ApiToken, TokenScope
from lms.models import User
from organizations.models import Membership, Organization, Role
from organizations.services import is_org_admin

TOKEN_PREFIX = "stk"  # noqa: S105 - the public start of every token, not a secret
SECRET_BYTES = 32
PREFIX_HEX_BYTES = 4
PREFIX_LENGTH = len(TOKEN_PREFIX) + 1 + 2 * PREFIX_HEX_BYTES  # "stk_" and 8 hex digits; the secret may hold "_"
NAME_MAX = 100
# `last_used_at` is written at most this often: a busy token costs one UPDATE a minute, not one a request.
LAST_USED_EVERY = timedelta(minutes=1)


class TokenError(Exception):
    """The token cannot be created as asked; the message is for the user, `field` names the input at fault."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    plain: str  # shown once, never stored


def _hash(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def _check_may_manage(*, actor: User, organization: Organization | None, user: User | None) -> None:
    if organization is not None:
        if not is_org_admin(user=actor, organization=organization):
            raise PermissionDenied(_("Only an administrator of this organization may manage its API tokens."))
    elif user is None or actor.pk != user.pk:
        raise PermissionDenied(_("You may only manage your own API tokens."))


@transaction.atomic
def token_create(*, actor: User, name: str, scope: str, organization: Organization | None = None) -> NewToken:
    """A token of `organization` (made by one of its admins) or, without one, the actor's own learner token."""
    _check_may_manage(actor=actor, organization=organization, user=None if organization else actor)
    name = name.strip()
    if not name:
        raise TokenError(_("Give the token a name."), field="name")
    if len(name) > NAME_MAX:
        raise TokenError(_("A token's name has at most %(max)d characters.") % {"max": NAME_MAX}, field="name")
    if scope not in TokenScope.values:
        raise TokenError(_("Choose read, or read and write."), field="scope")
    prefix = f"{TOKEN_PREFIX}_{secrets.token_hex(PREFIX_HEX_BYTES)}"
    plain = f"{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    token = ApiToken.objects.create(
        name=name,
        prefix=prefix,
        secret_hash=_hash(plain),
        scope=scope,
        organization=organization,
        user=None if organization else actor,
        created_by=actor,
    )
    return NewToken(token=token, plain=plain)


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke `token` at once (its next request answers 401). Locks the row; idempotent."""
    locked = ApiToken.objects.select_for_update(of=("self",)).select_related("organization", "user").get(pk=token.pk)
    _check_may_manage(actor=actor, organization=locked.organization, user=locked.user)
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
    return locked


def tokens_of_organization(*, organization: Organization) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(organization=organization).select_related("created_by").order_by("-created_at")


def tokens_of_learner(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def token_authenticate(*, plain: str) -> ApiToken | None:
    """The live token whose plain text is `plain`, or None (unknown, revoked, malformed). One query; and an UPDATE
    of `last_used_at` at most once a minute.

    The row is found by its public prefix and the secret compared by hash in constant time. An organization's
    token also carries `creator_is_admin`: it acts for its creator, whose rights the services check.
    """
    prefix = plain[:PREFIX_LENGTH]
    if not prefix.startswith(f"{TOKEN_PREFIX}_") or plain[PREFIX_LENGTH : PREFIX_LENGTH + 1] != "_":
        return None
    admin = Membership.objects.filter(
        organization_id=OuterRef("organization_id"), user_id=OuterRef("created_by_id"), role=Role.ADMIN
    )
    token = (
        ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True)
        .filter(Q(user__isnull=True) | Q(user__is_active=True))
        .select_related("organization", "user", "created_by")
        .annotate(creator_is_admin=Exists(admin))
        .first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(plain)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
