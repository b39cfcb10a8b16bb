"""Invitation pages: a newcomer signs up through allauth from the link and lands enrolled on their seat."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from lms.models import User
from organizations.models import Invitation, Membership
from organizations.services import invitation_create
from progress.models import Enrolment
from tests.factories import make_user
from tests.org_factories import make_bundle, make_member, make_org, org_admin

pytestmark = pytest.mark.django_db


def test_a_newcomer_signs_up_from_the_link_and_takes_the_seat(client):
    org = make_org()
    bundle = make_bundle(org, seats=1)
    invitation = invitation_create(organization=org, email="newcomer@example.test", actor=None, bundle=bundle)
    url = reverse("organizations:invitation_accept", args=[invitation.token])
    assert "Create your account" in client.get(url).content.decode()
    response = client.post(
        f"/accounts/signup/?next={url}",
        {
            "email": "newcomer@example.test",
            "display_name": "New Comer",
            "password1": "a-long-pass-phrase-42",
            "password2": "a-long-pass-phrase-42",
        },
    )
    assert response.status_code == 302 and response.url == url
    user = User.objects.get(email="newcomer@example.test")
    assert EmailAddress.objects.get(user=user).verified
    client.post(url)
    assert Membership.objects.filter(organization=org, user=user).exists()
    assert Enrolment.objects.get(user=user, course=bundle.course).source == "seat"


def test_an_existing_user_accepts_when_logged_in(client):
    org = make_org()
    user = make_user(email="known@example.test")
    invitation = invitation_create(organization=org, email=user.email, actor=None)
    client.force_login(user)
    response = client.post(reverse("organizations:invitation_accept", args=[invitation.token]))
    assert response.status_code == 302
    assert Invitation.objects.get(pk=invitation.pk).is_accepted


def test_someone_else_cannot_accept(client):
    org = make_org()
    invitation = invitation_create(organization=org, email="right@example.test", actor=None)
    client.force_login(make_user(email="wrong@example.test"))
    response = client.post(reverse("organizations:invitation_accept", args=[invitation.token]))
    assert response.status_code == 403
    assert not Invitation.objects.get(pk=invitation.pk).is_accepted


def test_an_admin_invites_from_the_page_and_sees_bad_addresses_refused(client):
    org = make_org()
    make_member(org, email="already@example.test")
    client.force_login(org_admin(org))
    url = reverse("organizations:invitations", args=[org.slug])
    assert client.post(url, {"email": "fresh@example.test", "bundle": ""}).status_code == 302
    page = client.post(url, {"email": "already@example.test", "bundle": ""})
    assert page.status_code == 400
    assert "already a member" in page.content.decode()


def test_a_csv_upload_shows_the_import_progress_page(client, django_capture_on_commit_callbacks):
    from django.core.files.uploadedfile import SimpleUploadedFile

    org = make_org()
    client.force_login(org_admin(org))
    upload = SimpleUploadedFile("staff.csv", b"email\nx@example.test\nbad\n", content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organizations:invitations", args=[org.slug]), {"import-file": upload, "import-bundle": ""}
        )
    html = client.get(response.url).content.decode()
    assert "1 invitation sent." in html
    assert "not a valid e-mail address" in html
    # What changed is said by a short live region that the polling does not replace; the panel with its table
    # is swapped and is not itself a live region (it would chatter).
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    announcement = soup.select_one("#import-announcement")
    assert announcement.parent["role"] == "status"
    assert "1 invitation sent." in announcement.get_text() and "1 row refused" in announcement.get_text()
    panel = soup.select_one("#import-status")
    assert not panel.has_attr("role")
    assert announcement not in panel.descendants


def test_an_admin_invites_an_instructor_who_then_writes_private_courses(client):
    from organizations.models import Role

    org = make_org()
    client.force_login(org_admin(org))
    url = reverse("organizations:invitations", args=[org.slug])
    assert client.post(url, {"email": "author@example.test", "bundle": "", "role": "instructor"}).status_code == 302
    invitation = Invitation.objects.get(email="author@example.test")
    assert invitation.role == Role.INSTRUCTOR
    author = make_user(email="author@example.test")
    client.force_login(author)
    client.post(reverse("organizations:invitation_accept", args=[invitation.token]))
    assert Membership.objects.get(organization=org, user=author).role == Role.INSTRUCTOR
    assert client.get(reverse("organizations_private_courses", args=[org.pk])).status_code == 200


def test_an_unknown_role_is_refused_on_the_page(client):
    org = make_org()
    client.force_login(org_admin(org))
    url = reverse("organizations:invitations", args=[org.slug])
    response = client.post(url, {"email": "x@example.test", "bundle": "", "role": "admin"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.filter(email="x@example.test").exists()


def test_a_refused_invitation_opens_with_an_error_summary_tied_to_the_field(client):
    from bs4 import BeautifulSoup

    org = make_org()
    client.force_login(org_admin(org))
    page = client.post(reverse("organizations:invitations", args=[org.slug]), {"email": "nope", "bundle": ""})
    soup = BeautifulSoup(page.content, "html.parser")
    summary = soup.select_one("form .error-summary[role=alert][data-autofocus]")
    assert summary is not None
    assert summary.select_one("a")["href"] == "#id_email"
    email = soup.select_one("#id_email")
    assert email["aria-invalid"] == "true"
    assert "id_email_error" in email["aria-describedby"].split()
