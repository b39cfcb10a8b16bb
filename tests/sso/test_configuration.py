"""A platform admin's single sign-on configuration: domains validated, lowercase and unique across organizations,
the SocialApp made and changed with it, and nobody else may save it."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialApp
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from lms.roles import PLATFORM_ADMINS
from organizations.models import SingleSignOnDomain
from organizations.services.sso import domains_clean, single_sign_on_save
from tests.factories import make_user
from tests.org_factories import make_bundle, make_org, org_admin

pytestmark = pytest.mark.django_db


def save(organization, **changes):
    fields = {
        "organization": organization,
        "actor": None,
        "provider": "openid_connect",
        "name": "IdP",
        "client_id": "client",
        "secret": "secret",
        "settings": {"server_url": "https://idp.example.test"},
        "domains": ["northwind.test"],
    }
    return single_sign_on_save(**{**fields, **changes})


def test_domains_are_lowercased_deduplicated_and_stripped_of_an_at_sign():
    assert domains_clean(" @NorthWind.test, northwind.test\nlabs.Northwind.TEST ") == [
        "northwind.test",
        "labs.northwind.test",
    ]


@pytest.mark.parametrize("bad", ["northwind", "http://northwind.test", "ada@northwind.test", "north wind.test", ""])
def test_a_malformed_domain_is_refused(bad):
    with pytest.raises(ValidationError):
        domains_clean(bad if bad else "  ")


def test_saving_makes_the_social_app_and_the_domains():
    sso = save(make_org(), domains=["NorthWind.test"])
    assert sso.social_app.provider == "openid_connect"
    assert sso.social_app.provider_id == f"sso-{sso.organization.slug}"
    assert list(sso.domains.values_list("domain", flat=True)) == ["northwind.test"]


def test_a_saml_app_is_named_by_the_organizations_slug_in_allauths_urls():
    organization = make_org()
    sso = save(organization, provider="saml", client_id="ignored", settings={"idp": {}})
    assert sso.social_app.client_id == organization.slug


def test_saving_again_changes_the_same_app_and_replaces_the_domains_keeping_the_secret():
    organization = make_org()
    first = save(organization, domains=["northwind.test", "old.test"])
    second = save(organization, domains=["northwind.test", "new.test"], secret="", name="Renamed")
    assert first.pk == second.pk
    assert SocialApp.objects.count() == 1
    app = SocialApp.objects.get()
    assert app.name == "Renamed" and app.secret == "secret"
    assert sorted(second.domains.values_list("domain", flat=True)) == ["new.test", "northwind.test"]


def test_a_domain_another_organization_signs_in_with_is_refused_and_nothing_is_saved():
    save(make_org(), domains=["northwind.test"])
    other = make_org()
    with pytest.raises(ValidationError, match=r"Another organization already signs in with northwind\.test"):
        save(other, domains=["northwind.test", "other.test"])
    assert not SingleSignOnDomain.objects.filter(domain="other.test").exists()
    assert SocialApp.objects.count() == 1


def test_the_database_refuses_a_duplicate_or_uppercase_domain():
    sso = save(make_org())
    with pytest.raises(IntegrityError), transaction.atomic():
        SingleSignOnDomain.objects.create(single_sign_on=sso, domain="northwind.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        SingleSignOnDomain.objects.create(single_sign_on=sso, domain="Upper.test")


def test_provisioning_seats_needs_a_bundle_of_the_same_organization():
    organization = make_org()
    with pytest.raises(ValidationError):
        save(organization, provision_seats=True, default_bundle=None)
    with pytest.raises(ValidationError):
        save(organization, provision_seats=True, default_bundle=make_bundle(make_org()))
    sso = save(organization, provision_seats=True, default_bundle=make_bundle(organization))
    assert sso.provision_seats


def test_an_access_claim_needs_its_value():
    with pytest.raises(ValidationError):
        save(make_org(), access_claim="active", access_value="")


def test_only_a_platform_admin_may_save_it():
    organization = make_org()
    with pytest.raises(PermissionDenied):
        save(organization, actor=org_admin(organization))
    platform_admin = make_user()
    platform_admin.groups.add(Group.objects.get_or_create(name=PLATFORM_ADMINS)[0])
    assert save(organization, actor=platform_admin).organization == organization
