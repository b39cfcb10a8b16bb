"""The sign-in page's "Sign in with your organization", and passwords refused where an organization requires SSO.

No identity provider is reached here: these are the refusals before any redirect."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialApp

from lms.models import User
from organizations.services.sso import single_sign_on_save, sso_for_email
from tests.factories import make_user
from tests.org_factories import make_org

pytestmark = pytest.mark.django_db


def _sso(*, required: bool, domains: tuple[str, ...] = ("northwind.test",)):
    return single_sign_on_save(
        organization=make_org(name="Northwind"),
        actor=None,
        provider="openid_connect",
        name="Northwind",
        client_id="client",
        secret="secret",
        settings={"server_url": "http://127.0.0.1:9/"},
        domains=list(domains),
        required=required,
    )


def test_the_sign_in_page_offers_sign_in_with_your_organization_without_listing_providers(client):
    _sso(required=False)
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with your organization" in page
    assert 'action="/org/sso/sign-in/"' in page
    assert 'name="email"' in page
    assert "Northwind" not in page


def test_the_page_is_in_french_under_fr(client):
    page = client.get("/fr/org/sso/sign-in/").content.decode()
    assert 'lang="fr' in page
    assert 'action="/fr/org/sso/sign-in/"' in page


def test_an_unknown_domain_answers_the_form_with_a_clear_error(client):
    _sso(required=False)
    response = client.post("/org/sso/sign-in/", {"email": "someone@unknown.test"})
    assert response.status_code == 200
    assert "No organization signs in with addresses ending in @unknown.test" in response.content.decode()
    assert 'value="someone@unknown.test"' in response.content.decode()


def test_a_malformed_address_answers_the_form_with_an_error(client):
    response = client.post("/org/sso/sign-in/", {"email": "not-an-address"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()


def test_the_routing_ignores_the_case_of_the_domain_and_knows_no_other_domain():
    sso = _sso(required=False)
    assert sso_for_email("Ada@NorthWind.TEST") == sso
    assert sso_for_email("ada@labs.northwind.test") is None
    assert sso_for_email("not-an-address") is None


def test_password_sign_in_is_refused_for_a_domain_that_requires_sso(client):
    _sso(required=True)
    user = make_user(email="ada@northwind.test")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post("/accounts/login/", {"login": "ada@northwind.test", "password": "pw-123456789"})
    assert response.status_code == 200
    assert "Your organization signs you in" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_sign_in_still_works_where_sso_is_not_required(client):
    _sso(required=False)
    user = make_user(email="ada@northwind.test")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post("/accounts/login/", {"login": "ada@northwind.test", "password": "pw-123456789"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_sign_up_with_a_password_is_refused_for_a_domain_that_requires_sso(client):
    _sso(required=True)
    response = client.post(
        "/accounts/signup/",
        {"email": "new@northwind.test", "password1": "a-Long-pass-9", "password2": "a-Long-pass-9", "name": "New"},
    )
    assert response.status_code == 200
    assert "Your organization signs you in through its identity provider" in response.content.decode()
    assert not User.objects.filter(email="new@northwind.test").exists()
    assert SocialApp.objects.count() == 1


def test_the_connections_page_lists_no_organizations_provider(client):
    _sso(required=False)
    client.force_login(make_user())
    page = client.get("/accounts/3rdparty/")
    assert page.status_code == 200
    assert "Northwind" not in page.content.decode()
    assert "/accounts/oidc/" not in page.content.decode()


def test_routing_a_work_address_costs_one_query(client, django_assert_num_queries):
    _sso(required=False)
    with django_assert_num_queries(1):
        response = client.post("/org/sso/sign-in/", {"email": "someone@unknown.test"})
    assert response.status_code == 200


def test_the_password_refusal_costs_one_query_before_any_password_is_checked(client, django_assert_num_queries):
    _sso(required=True)
    with django_assert_num_queries(1):
        response = client.post("/accounts/login/", {"login": "ada@northwind.test", "password": "whatever-123"})
    assert "Your organization signs you in" in response.content.decode()
