"""The Wagtail admin page where a platform admin sets an organization's single sign-on up, SocialApp included."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialApp

from lms.roles import role_groups_ensure
from organizations.models import SingleSignOn
from tests.factories import make_user
from tests.org_factories import make_bundle, make_org, org_admin

pytestmark = pytest.mark.django_db

OIDC = {
    "provider": "openid_connect",
    "name": "Northwind Entra",
    "server_url": "https://login.northwind.test/tenant/v2.0",
    "client_id": "stackable",
    "secret": "s3cret",
    "domains": "northwind.test\nLabs.Northwind.test",
    "access_claim": "",
    "access_value": "",
}


@pytest.fixture
def platform_admin():
    _instructors, admins = role_groups_ensure()
    user = make_user()
    user.groups.add(admins)
    return user


def test_a_platform_admin_sets_up_openid_connect_with_a_seat_bundle(client, platform_admin):
    organization = make_org(name="Northwind")
    bundle = make_bundle(organization)
    client.force_login(platform_admin)
    url = f"/admin/organizations/{organization.pk}/single-sign-on/"
    page = client.get(url)
    assert page.status_code == 200
    assert f"/accounts/oidc/sso-{organization.slug}/login/callback/" in page.content.decode()
    response = client.post(url, {**OIDC, "provision_seats": "on", "default_bundle": bundle.pk, "required": "on"})
    assert response.status_code == 302
    sso = SingleSignOn.objects.get(organization=organization)
    assert sso.social_app.settings["server_url"] == OIDC["server_url"]
    assert sso.social_app.secret == "s3cret"
    assert sso.provision_seats and sso.required and sso.default_bundle == bundle
    assert sorted(sso.domains.values_list("domain", flat=True)) == ["labs.northwind.test", "northwind.test"]
    assert "s3cret" not in client.get(url).content.decode()


def test_a_platform_admin_sets_up_saml_and_the_certificate_loses_its_pem_lines(client, platform_admin):
    organization = make_org()
    client.force_login(platform_admin)
    response = client.post(
        f"/admin/organizations/{organization.pk}/single-sign-on/",
        {
            "provider": "saml",
            "name": "Northwind ADFS",
            "entity_id": "https://adfs.northwind.test/adfs/services/trust",
            "sso_url": "https://adfs.northwind.test/adfs/ls/",
            "x509cert": "-----BEGIN CERTIFICATE-----\nMIIB\nAAAA\n-----END CERTIFICATE-----\n",
            "email_attribute": "email",
            "domains": "northwind.test",
        },
    )
    assert response.status_code == 302
    app = SocialApp.objects.get()
    assert app.client_id == organization.slug
    assert app.settings["idp"]["x509cert"] == "MIIBAAAA"
    assert app.settings["attribute_mapping"] == {"email": "email"}


def test_missing_protocol_fields_and_a_bad_domain_answer_400_and_save_nothing(client, platform_admin):
    organization = make_org()
    client.force_login(platform_admin)
    response = client.post(
        f"/admin/organizations/{organization.pk}/single-sign-on/",
        {**OIDC, "server_url": "", "domains": "not a domain"},
    )
    assert response.status_code == 400
    assert "Needed for this protocol." in response.content.decode()
    assert "is not an e-mail domain" in response.content.decode()
    assert not SingleSignOn.objects.exists() and not SocialApp.objects.exists()


def test_a_domain_of_another_organization_answers_400(client, platform_admin):
    client.force_login(platform_admin)
    client.post(f"/admin/organizations/{make_org().pk}/single-sign-on/", OIDC)
    response = client.post(f"/admin/organizations/{make_org().pk}/single-sign-on/", OIDC)
    assert response.status_code == 400
    assert "Another organization already signs in with" in response.content.decode()
    assert SingleSignOn.objects.count() == 1


@pytest.mark.parametrize("who", ["org admin", "instructor"])
def test_nobody_but_a_platform_admin_reaches_it(client, who):
    organization = make_org()
    user = org_admin(organization) if who == "org admin" else make_user(instructor=True)
    client.force_login(user)
    assert client.get(f"/admin/organizations/{organization.pk}/single-sign-on/").status_code in (302, 403)
    response = client.post(f"/admin/organizations/{organization.pk}/single-sign-on/", OIDC)
    assert response.status_code in (302, 403)
    assert not SingleSignOn.objects.exists()
    assert client.get("/admin/organizations/single-sign-on/").status_code in (302, 403)


def test_the_index_lists_organizations_and_their_provider(client, platform_admin):
    configured, plain = make_org(name="Northwind"), make_org(name="Southwind")
    client.force_login(platform_admin)
    client.post(f"/admin/organizations/{configured.pk}/single-sign-on/", OIDC)
    page = client.get("/admin/organizations/single-sign-on/").content.decode()
    assert "Northwind Entra" in page and "Southwind" in page and "None: e-mail and password" in page
    assert plain.name in page
