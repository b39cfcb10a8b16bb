"""Sign-up from an invitation accepts it: the newcomer lands on the course with their seat, without pressing Accept."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from lms.models import User
from organizations.models import Invitation, Membership, SeatBundle
from organizations.services import invitation_create, invitation_revoke
from organizations.signup import SESSION_KEY
from progress.models import Enrolment
from tests.org_factories import make_bundle, make_org, org_admin

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-pass-phrase-42"


@pytest.fixture
def invited():
    org = make_org(name="Northwind Signup")
    bundle = make_bundle(org, seats=2)
    invitation = invitation_create(organization=org, email="newcomer@example.test", actor=org_admin(org), bundle=bundle)
    return org, bundle, invitation


def invitation_url(invitation):
    return reverse("organizations:invitation_accept", args=[invitation.token])


def sign_up(client, invitation, *, email="newcomer@example.test"):
    return client.post(
        f"/accounts/signup/?next={invitation_url(invitation)}",
        {"email": email, "display_name": "New Comer", "password1": PASSWORD, "password2": PASSWORD},
        follow=True,
    )


def told(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


def test_the_invitation_links_to_a_sign_up_form_filled_with_the_invited_address(client, invited):
    _org, _bundle, invitation = invited
    page = client.get(invitation_url(invitation)).content.decode()
    assert "/accounts/signup/?email=newcomer%40example.test&amp;next=" in page
    form = client.get("/accounts/signup/?email=newcomer%40example.test").content.decode()
    assert 'value="newcomer@example.test"' in form


def test_signing_up_from_the_invitation_accepts_it_and_lands_on_the_course(client, invited):
    org, bundle, invitation = invited
    client.get(invitation_url(invitation))
    response = sign_up(client, invitation)
    user = User.objects.get(email="newcomer@example.test")
    assert response.redirect_chain[-1][0] == bundle.course.url
    assert Membership.objects.filter(organization=org, user=user).exists()
    assert Enrolment.objects.get(user=user, course=bundle.course).source == "seat"
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 1
    assert Invitation.objects.get(pk=invitation.pk).accepted_by == user


def forget_the_links_proof(client):
    """allauth no longer holds the invited address as verified by the link: it asks for a confirmation."""
    session = client.session
    session["account_verified_email"] = None
    session.save()


def test_signing_up_with_another_address_accepts_nothing_and_says_why(client, invited):
    org, bundle, invitation = invited
    client.get(invitation_url(invitation))
    forget_the_links_proof(client)
    response = sign_up(client, invitation, email="someone-else@example.test")
    assert "was sent to newcomer@example.test" in told(response)
    assert not Membership.objects.filter(organization=org, user__email="someone-else@example.test").exists()
    assert Invitation.objects.get(pk=invitation.pk).is_open
    assert SeatBundle.objects.get(pk=bundle.pk).seats_used == 0


def test_an_invitation_withdrawn_before_the_sign_up_is_not_accepted_and_says_why(client, invited):
    org, _bundle, invitation = invited
    client.get(invitation_url(invitation))
    invitation_revoke(invitation=invitation, actor=org_admin(org))
    response = sign_up(client, invitation)
    assert "withdrawn" in told(response)
    assert not Membership.objects.filter(organization=org, user__email="newcomer@example.test").exists()


def test_an_expired_invitation_says_so_and_offers_no_sign_up(client, invited):
    _org, _bundle, invitation = invited
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))
    response = client.get(invitation_url(invitation))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    assert "Create your account" not in response.content.decode()
    assert SESSION_KEY not in client.session


def test_a_used_invitation_says_so_to_a_visitor(client, invited):
    _org, _bundle, invitation = invited
    client.get(invitation_url(invitation))
    sign_up(client, invitation)
    client.logout()
    response = client.get(invitation_url(invitation))
    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_an_address_confirmed_by_its_e_mail_link_accepts_the_invitation(client, invited, settings):
    org, bundle, invitation = invited
    client.get(invitation_url(invitation))
    forget_the_links_proof(client)
    sign_up(client, invitation)
    user = User.objects.get(email="newcomer@example.test")
    assert not EmailAddress.objects.get(user=user).verified
    assert not Membership.objects.filter(organization=org, user=user).exists()
    confirmation = next(message for message in mail.outbox if "/accounts/confirm-email/" in message.body)
    link = next(word for word in confirmation.body.split() if "/accounts/confirm-email/" in word)
    client.post(link[link.index("/accounts/") :])
    assert Membership.objects.filter(organization=org, user=user).exists()
    assert Enrolment.objects.get(user=user, course=bundle.course).is_active


def test_the_admin_withdraws_an_invitation_from_the_page(client, invited):
    org, _bundle, invitation = invited
    client.force_login(org_admin(org))
    client.post(reverse("organizations:invitations", args=[org.slug]), {"revoke": invitation.pk})
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is not None


def test_another_organizations_admin_cannot_withdraw_an_invitation_from_the_page(client, invited):
    _org, _bundle, invitation = invited
    other = make_org()
    client.force_login(org_admin(other))
    response = client.post(reverse("organizations:invitations", args=[other.slug]), {"revoke": invitation.pk})
    assert response.status_code == 404
    assert Invitation.objects.get(pk=invitation.pk).is_open
