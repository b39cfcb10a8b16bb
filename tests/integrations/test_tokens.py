"""API tokens: made by whom may, stored hashed, one subject each, revoked at once, last use noted sparingly."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import ApiToken, TokenScope
from integrations.tokens import TokenError, token_authenticate, token_create, token_revoke
from tests.factories import make_user
from tests.org_factories import make_member

pytestmark = pytest.mark.django_db


def test_only_the_hash_of_a_token_is_stored(org, admin):
    new = token_create(actor=admin, organization=org, name="HR", scope=TokenScope.READ)
    row = ApiToken.objects.get()
    assert new.plain.startswith(row.prefix + "_")
    assert row.secret_hash == hashlib.sha256(new.plain.encode()).hexdigest()
    assert new.plain not in {row.prefix, row.secret_hash, row.name}
    assert len(new.plain) > 40


def test_a_member_who_is_not_an_admin_cannot_make_an_organization_token(org):
    with pytest.raises(PermissionDenied):
        token_create(actor=make_member(org), organization=org, name="HR", scope=TokenScope.READ)
    assert not ApiToken.objects.exists()


def test_a_token_needs_a_name_and_a_known_scope(org, admin):
    with pytest.raises(TokenError) as blank:
        token_create(actor=admin, organization=org, name="  ", scope=TokenScope.READ)
    assert blank.value.field == "name"
    with pytest.raises(TokenError) as scope:
        token_create(actor=admin, organization=org, name="HR", scope="admin")
    assert scope.value.field == "scope"
    assert not ApiToken.objects.exists()


def test_a_token_has_one_subject_an_organization_or_a_learner(org, admin):
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(name="x", prefix="stk_both", secret_hash="0" * 64, organization=org, user=admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiToken.objects.create(name="x", prefix="stk_none", secret_hash="0" * 64)


def test_authentication_finds_the_live_token_only(org, admin):
    new = token_create(actor=admin, organization=org, name="HR", scope=TokenScope.READ)
    assert token_authenticate(plain=new.plain) == new.token
    assert token_authenticate(plain=new.plain + "x") is None
    token_revoke(token=new.token, actor=admin)
    assert token_authenticate(plain=new.plain) is None


def test_only_an_admin_of_its_organization_revokes_its_token(org, admin, other_org):
    from tests.org_factories import org_admin

    token = token_create(actor=admin, organization=org, name="HR", scope=TokenScope.READ).token
    with pytest.raises(PermissionDenied):
        token_revoke(token=token, actor=org_admin(other_org))
    with pytest.raises(PermissionDenied):
        token_revoke(token=token, actor=make_member(org))
    assert ApiToken.objects.get().revoked_at is None


def test_a_learner_revokes_only_their_own_token(learner):
    token = token_create(actor=learner, name="Mine", scope=TokenScope.READ).token
    with pytest.raises(PermissionDenied):
        token_revoke(token=token, actor=make_user())
    assert token_revoke(token=token, actor=learner).revoked_at is not None


def test_last_use_is_written_at_most_once_a_minute(org, admin, django_assert_num_queries):
    new = token_create(actor=admin, organization=org, name="HR", scope=TokenScope.READ)
    with django_assert_num_queries(2):  # the lookup, and the first use noted
        token_authenticate(plain=new.plain)
    first = ApiToken.objects.get().last_used_at
    with django_assert_num_queries(1):
        token_authenticate(plain=new.plain)
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(minutes=2))
    with django_assert_num_queries(2):
        token_authenticate(plain=new.plain)
    assert ApiToken.objects.get().last_used_at > first - timedelta(seconds=1)
