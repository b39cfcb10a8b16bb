"""lms.mail: one message in the recipient's language, or in English then French when it is not known."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from lms.mail import absolute, mail_send, recipient_language

TEMPLATE = "organizations/email/invitation"


def _context(language: str) -> dict:
    expires = timezone.make_aware(datetime(2026, 12, 4, 12, 0))
    return {
        "invitation": SimpleNamespace(expires_at=expires),
        "org": "Acme",
        "course": "",
        "url": absolute(reverse("progress:dashboard")),  # built inside mail_render's override: /fr/ in French
    }


def test_a_message_in_one_language_is_written_and_dated_in_it_whatever_the_active_language():
    with translation.override("en"):
        mail_send(to="a@example.test", template=TEMPLATE, language="fr", context=_context)

    message = mail.outbox[-1]
    assert message.extra_headers["Content-Language"] == "fr"
    assert "4 décembre 2026" in message.body and "/fr/dashboard/" in message.body


def test_the_html_part_of_a_message_names_its_language():
    mail_send(to="a@example.test", template=TEMPLATE, language="fr", context=_context)

    html, mimetype = mail.outbox[-1].alternatives[0]
    assert mimetype == "text/html" and '<html lang="fr">' in html and '<div lang="fr">' in html


def test_a_message_to_an_unknown_language_holds_english_then_french_each_marked_in_html():
    mail_send(to="a@example.test", template=TEMPLATE, language=None, context=_context)

    message = mail.outbox[-1]
    html = message.alternatives[0][0]
    assert message.extra_headers["Content-Language"] == "en, fr"
    assert message.body.index("December 4, 2026") < message.body.index("4 décembre 2026")
    assert html.index('<div lang="en">') < html.index('<div lang="fr">')


def test_the_recipients_language_is_their_saved_choice_else_the_sites_default():
    assert recipient_language(SimpleNamespace(language="fr")) == "fr"
    assert recipient_language(SimpleNamespace(language="")) == "en"
