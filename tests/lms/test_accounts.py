"""Accounts: e-mail login, sign-up with a display name, verification, reset."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from lms.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_users_log_in_with_their_email_address(client):
    user = make_user(email="lea@example.test")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post("/accounts/login/", {"login": "LEA@example.test", "password": "pw-123456789"})
    assert response.status_code == 302
    assert client.get("/accounts/email/").status_code == 200


def test_a_wrong_password_is_refused_with_a_message(client):
    make_user(email="lea@example.test")
    response = client.post("/accounts/login/", {"login": "lea@example.test", "password": "nope"})
    assert response.status_code == 200
    assert "not correct" in response.content.decode()


def test_sign_up_records_the_display_name_and_sends_a_verification_email(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.test",
            "display_name": "New Person",
            "password1": "a-Long-pass-9",
            "password2": "a-Long-pass-9",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.test")
    assert user.display_name == "New Person"
    assert len(mail.outbox) == 1
    assert "confirm" in mail.outbox[0].body.lower()


def test_an_unverified_account_cannot_log_in_until_it_confirms(client):
    client.post(
        "/accounts/signup/",
        {"email": "new@example.test", "display_name": "N", "password1": "a-Long-pass-9", "password2": "a-Long-pass-9"},
    )
    client.logout()
    response = client.post("/accounts/login/", {"login": "new@example.test", "password": "a-Long-pass-9"})
    assert response.status_code == 302
    assert "confirm-email" in response["Location"]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[-1].body).group(0)
    path = link.split("testserver", 1)[-1] if "testserver" in link else "/" + link.split("/", 3)[3]
    client.post(path)
    assert EmailAddress.objects.get(email="new@example.test").verified


def test_password_reset_sends_a_link(client):
    user = make_user(email="lea@example.test")
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post("/accounts/password/reset/", {"email": "lea@example.test"})
    assert response.status_code == 302
    assert "password/reset/key" in mail.outbox[-1].body


def test_emails_are_unique_whatever_their_case():
    make_user(email="lea@example.test")
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        User.objects.create(email="LEA@example.test")


def test_the_role_groups_exist_after_migrate():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {"Instructors", "Platform admins"}


def test_behind_a_trusted_proxy_failed_logins_are_limited_per_client(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "2/m/ip"}
    make_user(email="lea@example.test")

    def fail(address):
        return client.post(
            "/accounts/login/",
            {"login": "lea@example.test", "password": "nope"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"198.51.100.9, {address}",
        )

    for _ in range(2):
        assert "not correct" in fail("203.0.113.1").content.decode()
    assert "Too many failed login attempts" in fail("203.0.113.1").content.decode()
    assert "not correct" in fail("203.0.113.2").content.decode()
