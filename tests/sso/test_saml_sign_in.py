"""Single sign-on through a real SAML 2.0 identity provider (samlify on loopback, its assertions signed with a key
made for the test), with the test client: first sign-in with a seat, a member who left, an outside address."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from lms.models import User
from organizations.models import Membership, Seat, SeatBundle, SeatState
from organizations.services import membership_add, seat_assign
from tests.factories import make_user
from tests.sso.idp import DOMAIN, organization_with_sso, saml_provider, saml_sign_in

pytestmark = [pytest.mark.node, pytest.mark.django_db]


@pytest.fixture(scope="module")
def idp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    with saml_provider(tmp_path_factory.mktemp("saml-idp")) as info:
        yield info


@pytest.fixture
def client() -> Client:
    # A browser always names the host; allauth's SAML reads it (the Django test client leaves it out by default).
    return Client(HTTP_HOST="testserver")


def sign_in(client: Client, email: str):
    """ "Sign in with your organization", the IdP's page, then its signed Response posted to our ACS."""
    start = client.post("/org/sso/sign-in/", {"email": email})
    assert start.status_code == 200, start.content[:300]
    status, acs, fields = saml_sign_in(start.context["url"], email)
    assert status == 200
    assert acs == "http://testserver/accounts/saml/northwind/acs/"
    posted = client.post("/accounts/saml/northwind/acs/", fields)
    return client.get(posted["Location"])


def signed_in_as(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.filter(pk=user_id).first() if user_id else None


def test_a_first_saml_sign_in_creates_a_verified_member_holding_a_seat(client, idp):
    sso, bundle = organization_with_sso(provider="saml", idp=idp)
    response = sign_in(client, f"carl@{DOMAIN}")
    assert response.status_code == 302
    carl = User.objects.get(email=f"carl@{DOMAIN}")
    assert signed_in_as(client) == carl
    assert EmailAddress.objects.get(user=carl).verified
    assert Membership.objects.filter(organization=sso.organization, user=carl).exists()
    assert Seat.objects.get(bundle=bundle, user=carl).state == SeatState.ASSIGNED


def test_a_saml_member_whose_active_attribute_is_false_is_refused_and_their_seat_reclaimed(client, idp):
    sso, bundle = organization_with_sso(provider="saml", idp=idp)
    gone = make_user(email=f"gone@{DOMAIN}")
    membership_add(organization=sso.organization, user=gone)
    seat_assign(bundle=bundle, user=gone)
    response = sign_in(client, f"gone@{DOMAIN}")
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert not Membership.objects.filter(organization=sso.organization, user=gone).exists()
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 0


def test_a_saml_assertion_for_an_outside_address_is_refused(client, idp):
    organization_with_sso(provider="saml", idp=idp)
    start = client.post("/org/sso/sign-in/", {"email": f"carl@{DOMAIN}"})
    _status, _acs, fields = saml_sign_in(start.context["url"], "eve@elsewhere.test")
    posted = client.post("/accounts/saml/northwind/acs/", fields)
    answer = client.get(posted["Location"])
    assert answer.status_code == 403
    assert not User.objects.filter(email="eve@elsewhere.test").exists()


def test_a_person_the_idp_does_not_know_never_reaches_us(client, idp):
    organization_with_sso(provider="saml", idp=idp)
    start = client.post("/org/sso/sign-in/", {"email": f"nobody@{DOMAIN}"})
    status, _acs, _fields = saml_sign_in(start.context["url"], f"nobody@{DOMAIN}")
    assert status == 403
    assert not User.objects.filter(email=f"nobody@{DOMAIN}").exists()
