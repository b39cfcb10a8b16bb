"""The token pages: an organization's (its admins only) and a learner's own; a token is shown once."""

from __future__ import annotations

import re

import pytest

from integrations.models import ApiToken, TokenScope
from integrations.tokens import token_authenticate, token_create
from tests.factories import make_user
from tests.org_factories import make_member, org_admin

pytestmark = pytest.mark.django_db


def _org_page(org) -> str:
    return f"/org/{org.slug}/api-tokens/"


def test_an_admin_makes_a_token_and_sees_it_once(client, org, admin):
    client.force_login(admin)
    answer = client.post(_org_page(org), {"name": "HR system", "scope": TokenScope.READ_WRITE})
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    page = answer.content.decode()
    plain = re.search(r'id="new-token-value" type="text" value="([^"]+)"', page)[1]
    token = token_authenticate(plain=plain)
    assert token is not None and token.organization == org and token.scope == TokenScope.READ_WRITE
    again = client.get(_org_page(org)).content.decode()
    assert "HR system" in again and token.prefix in again
    assert plain not in again


def test_a_token_without_a_name_is_refused_with_the_field_named(client, org, admin):
    client.force_login(admin)
    answer = client.post(_org_page(org), {"name": "", "scope": "everything"})
    assert answer.status_code == 400
    assert answer.context["form"].errors.keys() == {"name", "scope"}
    assert not ApiToken.objects.exists()


def test_a_member_or_an_admin_of_another_organization_gets_404(client, org, other_org):
    token = token_create(actor=org_admin(org), organization=org, name="HR", scope=TokenScope.READ).token
    for user in (make_member(org), org_admin(other_org)):
        client.force_login(user)
        assert client.get(_org_page(org)).status_code == 404
        assert client.post(_org_page(org), {"name": "x", "scope": "read"}).status_code == 404
        assert client.post(f"{_org_page(org)}{token.pk}/revoke/").status_code == 404
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1


def test_a_visitor_is_not_shown_the_page(client, org):
    assert client.get(_org_page(org)).status_code == 404
    assert client.get("/account/api-tokens/").status_code == 302


def test_revoking_asks_for_confirmation_then_revokes(client, org, admin):
    token = token_create(actor=admin, organization=org, name="HR", scope=TokenScope.READ).token
    client.force_login(admin)
    confirm = client.get(f"{_org_page(org)}{token.pk}/revoke/")
    assert confirm.status_code == 200 and "Revoke the token" in confirm.content.decode()
    assert ApiToken.objects.get().revoked_at is None
    answer = client.post(f"{_org_page(org)}{token.pk}/revoke/")
    assert answer.status_code == 302
    assert ApiToken.objects.get().revoked_at is not None


def test_a_learner_manages_only_their_own_tokens(client, learner):
    theirs = token_create(actor=make_user(), name="Not mine", scope=TokenScope.READ).token
    client.force_login(learner)
    answer = client.post("/account/api-tokens/", {"name": "My app", "scope": TokenScope.READ})
    assert answer.status_code == 200
    page = client.get("/account/api-tokens/").content.decode()
    assert "My app" in page and "Not mine" not in page
    assert client.post(f"/account/api-tokens/{theirs.pk}/revoke/").status_code == 404
    assert ApiToken.objects.get(pk=theirs.pk).revoked_at is None
    assert ApiToken.objects.get(user=learner).organization is None


def test_the_token_page_is_in_french(client, learner):
    client.force_login(learner)
    assert client.get("/fr/account/api-tokens/").status_code == 200


def test_the_dashboards_link_to_the_token_pages(client, org, admin):
    client.force_login(admin)
    assert f'href="{_org_page(org)}"' in client.get(f"/org/{org.slug}/").content.decode()
    assert 'href="/account/api-tokens/"' in client.get("/dashboard/").content.decode()
