"""The learner's award and revocation e-mails, in the learner's saved language whoever causes them."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from badges.services import award_issue, award_revoke
from badges.services.notifications import award_notify, award_revoked_notify
from tests.factories import make_user
from tests.mail_language import language_of, shares_no_sentence

pytestmark = pytest.mark.django_db


def _award_mail(achievement, *, language: str, sender_language: str):
    learner = make_user(display_name="Lea", language=language)
    award = award_issue(learner=learner, achievement=achievement)
    mail.outbox.clear()
    with translation.override(sender_language):
        award_notify(award_id=award.pk)
    return award, mail.outbox[-1]


def _revoked_mail(achievement, *, language: str, sender_language: str):
    learner = make_user(display_name="Lea", language=language)
    award = award_issue(learner=learner, achievement=achievement)
    admin = make_user(is_staff=True, is_superuser=True)
    with translation.override(sender_language):
        award_revoke(award=award, user=admin, reason="Issued by mistake")
        mail.outbox.clear()
        award_revoked_notify(award_id=award.pk)
    return mail.outbox[-1]


def test_a_french_learner_gets_the_award_email_in_french_from_an_english_process(issuer, achievement):
    _award, french = _award_mail(achievement, language="fr", sender_language="en")
    _other, english = _award_mail(achievement, language="en", sender_language="fr")

    assert french.subject == f"Votre insigne : {achievement.name}"
    assert language_of(french) == "fr" and shares_no_sentence(french, english)


def test_an_english_learner_gets_the_award_email_in_english_from_a_french_process(issuer, achievement):
    _award, english = _award_mail(achievement, language="en", sender_language="fr")
    _other, french = _award_mail(achievement, language="fr", sender_language="en")

    assert english.subject == f"Your badge: {achievement.name}"
    assert language_of(english) == "en" and shares_no_sentence(english, french)


def test_the_award_email_links_to_the_french_pages_for_a_french_learner(issuer, achievement):
    award, french = _award_mail(achievement, language="fr", sender_language="en")

    assert f"/fr/credentials/{award.code}/" in french.body
    assert "/fr/dashboard/badges/" in french.body


def test_the_award_email_links_to_the_english_pages_for_an_english_learner(issuer, achievement):
    award, english = _award_mail(achievement, language="en", sender_language="fr")

    assert f"/credentials/{award.code}/" in english.body and "/fr/" not in english.body


def test_the_award_email_has_an_html_part_in_the_learners_language(issuer, achievement):
    _award, french = _award_mail(achievement, language="fr", sender_language="en")

    html, mimetype = french.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="fr">' in html and "Félicitations" in html


def test_a_french_learner_gets_the_revocation_email_in_french_from_an_english_process(issuer, achievement):
    french = _revoked_mail(achievement, language="fr", sender_language="en")
    english = _revoked_mail(achievement, language="en", sender_language="fr")

    assert language_of(french) == "fr" and shares_no_sentence(french, english)
    assert "Issued by mistake" in french.body


def test_an_english_learner_gets_the_revocation_email_in_english_from_a_french_process(issuer, achievement):
    english = _revoked_mail(achievement, language="en", sender_language="fr")
    french = _revoked_mail(achievement, language="fr", sender_language="en")

    assert english.subject.startswith("Your badge was revoked:")
    assert language_of(english) == "en" and shares_no_sentence(english, french)


def test_a_learner_without_a_saved_language_gets_the_sites_default(issuer, achievement):
    _award, message = _award_mail(achievement, language="", sender_language="fr")

    assert language_of(message) == "en" and message.subject.startswith("Your badge:")
