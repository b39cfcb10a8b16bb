"""allauth's e-mails in the recipient's language: the saved one of an account, else the page's."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from tests.factories import make_user
from tests.mail_language import language_of, shares_no_sentence

pytestmark = pytest.mark.django_db


def _reset_mail(client, *, language: str, page: str) -> mail.EmailMessage:
    user = make_user(email=f"{language or 'none'}@example.test", language=language)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    mail.outbox.clear()
    client.post(page, {"email": user.email})
    return mail.outbox[-1]


def test_a_french_user_asking_from_an_english_page_gets_the_reset_email_in_french(client):
    french = _reset_mail(client, language="fr", page="/accounts/password/reset/")
    english = _reset_mail(client, language="en", page="/fr/accounts/password/reset/")

    assert language_of(french) == "fr" and shares_no_sentence(french, english)


def test_the_french_reset_email_links_to_the_french_reset_page(client):
    french = _reset_mail(client, language="fr", page="/accounts/password/reset/")

    assert "/fr/accounts/password/reset/key/" in french.body


def test_an_english_user_asking_from_a_french_page_gets_the_reset_email_in_english(client):
    english = _reset_mail(client, language="en", page="/fr/accounts/password/reset/")

    assert language_of(english) == "en"
    assert "/accounts/password/reset/key/" in english.body and "/fr/" not in english.body


def test_a_user_without_a_saved_language_gets_the_language_of_the_page(client):
    message = _reset_mail(client, language="", page="/fr/accounts/password/reset/")

    assert language_of(message) == "fr"


def test_a_sign_up_confirmation_follows_the_page_it_was_asked_from(client):
    mail.outbox.clear()
    client.post(
        "/fr/accounts/signup/",
        {"email": "new@example.test", "display_name": "N", "password1": "a-Long-pass-9", "password2": "a-Long-pass-9"},
    )

    assert language_of(mail.outbox[-1]) == "fr" and "/fr/accounts/confirm-email/" in mail.outbox[-1].body
