"""Generic template helpers. No domain knowledge lives here."""

import uuid
from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """`{{ states|get_item:item.id }}`: a dict lookup by a variable key; None when absent."""
    if not mapping:
        return None
    return mapping.get(key)


ADMIN_ACCESS_GENERATION = "frontend:admin-access-generation"
ADMIN_ACCESS_TIMEOUT = 60 * 60


def _admin_access_key(user_pk: Any) -> str:
    return f"frontend:admin-access:{user_pk}"


def admin_access_changed() -> None:
    """Permissions or group memberships changed somewhere: every cached answer of `may_access_admin` is stale."""
    from django.core.cache import cache

    cache.set(ADMIN_ACCESS_GENERATION, uuid.uuid4().hex, timeout=None)


@register.filter
def may_access_admin(user: Any) -> bool:
    """May `user` open the Wagtail admin (and so see the user bar)? Answered from the cache after the first time.

    Superusers and anonymous visitors cost nothing; anyone else costs Django's two permission queries once,
    then a cache read, until a permission or a group membership changes.
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    from django.core.cache import cache

    key = _admin_access_key(user.pk)
    cached = cache.get_many([ADMIN_ACCESS_GENERATION, key])
    generation = cached.get(ADMIN_ACCESS_GENERATION)
    if generation is None:
        generation = uuid.uuid4().hex
        cache.add(ADMIN_ACCESS_GENERATION, generation, timeout=None)
        generation = cache.get(ADMIN_ACCESS_GENERATION, generation)
    answer = cached.get(key)
    if answer is not None and answer[0] == generation:
        return bool(answer[1])
    allowed = user.has_perm("wagtailadmin.access_admin")
    cache.set(key, (generation, allowed), timeout=ADMIN_ACCESS_TIMEOUT)
    return allowed
