"""Every organization page and export answers 403 or 404 to anyone but that organization's administrators."""

import pytest
from django.urls import reverse

from organizations.models import InvitationImport
from tests.factories import make_user
from tests.org_factories import make_bundle, make_member, make_org, org_admin

pytestmark = pytest.mark.django_db

PAGES = ["dashboard", "export_csv", "export_xlsx", "seats", "invitations", "import"]


@pytest.fixture
def setting():
    org = make_org()
    other = make_org()
    job = InvitationImport.objects.create(organization=org, source="", created_by=org_admin(org))
    urls = {
        name: reverse(
            f"organizations:{name}", kwargs={"slug": org.slug, **({"job_id": job.pk} if name == "import" else {})}
        )
        for name in PAGES
    }
    return {
        "org": org,
        "urls": urls,
        "admin": org_admin(org),
        "other_admin": org_admin(other),
        "member": make_member(org),
        "stranger": make_user(),
    }


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["visitor", "other_admin", "member", "stranger"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsiders_get_404_on_every_page_and_export(client, setting, page, who, method):
    if who != "visitor":
        client.force_login(setting[who])
    response = getattr(client, method)(setting["urls"][page])
    assert response.status_code in {404, 405} if method == "post" else response.status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_the_admin_gets_every_page_and_export(client, setting, page):
    client.force_login(setting["admin"])
    assert client.get(setting["urls"][page]).status_code == 200


@pytest.mark.parametrize("who", ["visitor", "member", "stranger"])
def test_the_organizations_index_is_forbidden_to_non_admins(client, setting, who):
    if who != "visitor":
        client.force_login(setting[who])
    assert client.get(reverse("organizations:index")).status_code == 403


def test_the_index_takes_an_admin_to_their_dashboard(client, setting):
    client.force_login(setting["admin"])
    assert client.get(reverse("organizations:index")).url == setting["urls"]["dashboard"]


def test_an_outsider_cannot_reclaim_or_assign_by_posting(client, setting):
    org = setting["org"]
    bundle = make_bundle(org, seats=2)
    client.force_login(setting["other_admin"])
    response = client.post(setting["urls"]["seats"], {"bundle": bundle.pk, "user": setting["member"].pk})
    assert response.status_code == 404
    bundle.refresh_from_db()
    assert bundle.seats_used == 0


def test_the_bundle_checkout_is_forbidden_to_non_admins(client, setting):
    client.force_login(setting["member"])
    assert client.get(reverse("commerce:bundle_checkout")).status_code == 403
