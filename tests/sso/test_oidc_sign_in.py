"""Single sign-on through a real OpenID Connect provider (node-oidc-provider on loopback), with the test client:
first sign-in, just-in-time seats, a full bundle, a returning member, a member who left, an outside address."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from lms.models import User
from organizations.models import Membership, Seat, SeatBundle, SeatState
from organizations.services import membership_add, seat_assign
from progress.models import Enrolment
from tests.factories import make_user
from tests.sso.idp import DOMAIN, oidc_authorize, oidc_provider, organization_with_sso, path_and_query

pytestmark = [pytest.mark.node, pytest.mark.django_db]


@pytest.fixture(scope="module")
def idp() -> Iterator[dict]:
    with oidc_provider("http://testserver") as info:
        yield info


def sign_in(client: Client, email: str):
    """The sign-in page's "Sign in with your organization", the provider's own pages, then our callback."""
    start = client.post("/org/sso/sign-in/", {"email": email})
    assert start.status_code == 200, start.content[:300]
    callback = oidc_authorize(start.context["url"], email, "http://testserver/accounts/oidc/")
    path, query = path_and_query(callback)
    return client.get(path, query)


def signed_in_as(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.filter(pk=user_id).first() if user_id else None


def test_the_work_address_routes_to_the_organizations_provider_with_a_login_hint(client, idp):
    organization_with_sso(provider="openid_connect", idp=idp)
    response = client.post("/org/sso/sign-in/", {"email": f"ada@{DOMAIN}"})
    assert response.status_code == 200
    url = response.context["url"]
    assert url.startswith(f"{idp['issuer']}/auth?")
    assert "login_hint=ada%40northwind.test" in url
    # A page moves on to the provider (the sign-in form may post to our own origin only: CSP form-action 'self').
    page = response.content.decode()
    assert f'<meta http-equiv="refresh" content="0;url={url.replace("&", "&amp;")}">' in page
    assert f'href="{url.replace("&", "&amp;")}"' in page


def test_a_provider_that_does_not_answer_gives_a_clear_error_not_a_crash(client, idp):
    sso, _bundle = organization_with_sso(provider="openid_connect", idp=idp)
    sso.social_app.settings = {**sso.social_app.settings, "server_url": "http://127.0.0.1:9"}
    sso.social_app.save()
    response = client.post("/org/sso/sign-in/", {"email": f"ada@{DOMAIN}"})
    assert response.status_code == 503
    assert "does not answer" in response.content.decode()


def test_a_first_sign_in_creates_a_verified_member_holding_a_seat_of_the_default_bundle(client, idp):
    sso, bundle = organization_with_sso(provider="openid_connect", idp=idp)
    response = sign_in(client, f"ada@{DOMAIN}")
    assert response.status_code == 302
    user = User.objects.get(email=f"ada@{DOMAIN}")
    assert signed_in_as(client) == user
    assert EmailAddress.objects.get(user=user).verified
    assert not user.has_usable_password()
    assert Membership.objects.filter(organization=sso.organization, user=user).exists()
    assert Seat.objects.get(bundle=bundle, user=user).state == SeatState.ASSIGNED
    assert Enrolment.objects.get(user=user, course=bundle.course).source == "seat"
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 1


def test_a_returning_member_signs_in_to_the_same_account_with_the_same_seat(client, idp):
    _sso, bundle = organization_with_sso(provider="openid_connect", idp=idp)
    sign_in(client, f"ada@{DOMAIN}")
    client.logout()
    response = sign_in(client, f"ada@{DOMAIN}")
    assert response.status_code == 302
    assert signed_in_as(client) == User.objects.get(email=f"ada@{DOMAIN}")
    assert User.objects.filter(email=f"ada@{DOMAIN}").count() == 1
    assert SocialAccount.objects.filter(user__email=f"ada@{DOMAIN}").count() == 1
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 1


def test_without_just_in_time_seats_the_first_sign_in_makes_a_member_without_a_seat(client, idp):
    sso, bundle = organization_with_sso(provider="openid_connect", idp=idp, provision_seats=False)
    sign_in(client, f"ada@{DOMAIN}")
    user = signed_in_as(client)
    assert user is not None and user.email == f"ada@{DOMAIN}"
    assert Membership.objects.filter(organization=sso.organization, user=user).exists()
    assert not Seat.objects.filter(bundle=bundle).exists()


def test_when_no_seat_is_left_the_person_signs_in_without_one_and_the_admin_sees_it(client, idp):
    sso, bundle = organization_with_sso(provider="openid_connect", idp=idp, seats=1)
    sign_in(client, f"ada@{DOMAIN}")
    client.logout()
    response = sign_in(client, f"bob@{DOMAIN}")
    bob = User.objects.get(email=f"bob@{DOMAIN}")
    assert response.status_code == 302
    assert signed_in_as(client) == bob
    assert not Seat.objects.filter(bundle=bundle, user=bob).exists()
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 1
    admin = sso.organization.memberships.get(role="admin").user
    client.force_login(admin)
    page = client.get(f"/org/{sso.organization.slug}/seats/")
    assert "Signed in without a seat" in page.content.decode()
    assert bob.email in page.content.decode().split("Signed in without a seat")[1]


def test_a_member_the_provider_marks_inactive_is_refused_and_loses_membership_and_seat(client, idp):
    sso, bundle = organization_with_sso(provider="openid_connect", idp=idp)
    gone = make_user(email=f"gone@{DOMAIN}")
    membership_add(organization=sso.organization, user=gone)
    seat = seat_assign(bundle=bundle, user=gone)
    response = sign_in(client, f"gone@{DOMAIN}")
    assert response.status_code == 403
    assert "no longer gives you access" in response.content.decode()
    assert signed_in_as(client) is None
    assert not Membership.objects.filter(organization=sso.organization, user=gone).exists()
    seat.refresh_from_db()
    assert seat.state == SeatState.RECLAIMED and seat.reclaimed_from == gone
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 0
    assert not Enrolment.objects.active().filter(user=gone, course=bundle.course).exists()


def test_an_address_outside_the_organizations_domains_is_refused_and_no_account_made(client, idp):
    organization_with_sso(provider="openid_connect", idp=idp)
    # Routed by a Northwind address, the provider vouches for eve@elsewhere.test: it is trusted for northwind.test only.
    response = client.post("/org/sso/sign-in/", {"email": f"ada@{DOMAIN}"})
    callback = oidc_authorize(response.context["url"], "eve@elsewhere.test", "http://testserver/accounts/oidc/")
    path, query = path_and_query(callback)
    answer = client.get(path, query)
    assert answer.status_code == 403
    assert "may only sign in addresses of Northwind" in answer.content.decode()
    assert not User.objects.filter(email="eve@elsewhere.test").exists()
    assert signed_in_as(client) is None


def test_an_existing_account_with_the_same_address_is_linked_not_duplicated(client, idp):
    sso, bundle = organization_with_sso(provider="openid_connect", idp=idp)
    ada = make_user(email=f"ada@{DOMAIN}")
    EmailAddress.objects.create(user=ada, email=ada.email, verified=False, primary=True)
    sign_in(client, f"ada@{DOMAIN}")
    assert signed_in_as(client) == ada
    assert User.objects.filter(email__iexact=f"ada@{DOMAIN}").count() == 1
    assert SocialAccount.objects.get(user=ada).provider == f"sso-{sso.organization.slug}"
    assert EmailAddress.objects.get(user=ada).verified
    assert Seat.objects.filter(bundle=bundle, user=ada).exists()


def test_connecting_the_provider_from_another_accounts_settings_is_refused(client, idp):
    organization_with_sso(provider="openid_connect", idp=idp)
    someone = make_user(email="someone@example.test")
    client.force_login(someone)
    start = client.post("/accounts/oidc/sso-northwind/login/", {"process": "connect"})
    assert start.status_code == 302
    callback = oidc_authorize(start["Location"], f"ada@{DOMAIN}", "http://testserver/accounts/oidc/")
    path, query = path_and_query(callback)
    answer = client.get(path, query)
    assert answer.status_code == 403
    assert not SocialAccount.objects.exists()
    assert not User.objects.filter(email=f"ada@{DOMAIN}").exists()


def test_where_sso_is_required_the_provider_still_signs_people_in_and_up(client, idp):
    sso, bundle = organization_with_sso(provider="openid_connect", idp=idp, required=True)
    response = sign_in(client, f"bob@{DOMAIN}")
    assert response.status_code == 302, response.content.decode()[-1500:]
    bob = User.objects.get(email=f"bob@{DOMAIN}")
    assert signed_in_as(client) == bob
    assert Seat.objects.filter(bundle=bundle, user=bob).exists()
    assert Membership.objects.filter(organization=sso.organization, user=bob).exists()
