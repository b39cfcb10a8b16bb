"""A credential names and describes its achievement in the learner's language, and links the other language."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from wagtail.admin.panels import get_edit_handler

from badges import selectors
from badges.models import Achievement
from badges.ob3.verify import verify_credential
from badges.services import award_issue
from tests.badges.conftest import make_achievement
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def bilingual(issuer) -> Achievement:
    return make_achievement(
        issuer,
        name="Web Basics",
        name_fr="Notions du Web",
        description_fr="A terminé Notions du Web.",
        criteria_fr="Terminer chaque leçon et atteindre la **note de passage**.",
    )


def _verify(award) -> str:
    now = timezone.now() + timedelta(minutes=1)
    report = verify_credential(
        award.credential_json, did_resolver=selectors.did_resolver, status_fetcher=selectors.status_fetcher, now=now
    )
    return report.status


def test_a_french_learners_credential_is_in_french_and_links_the_english_edition(bilingual, settings):
    award = award_issue(learner=make_user(language="fr"), achievement=bilingual)
    credential = award.credential
    achievement = credential["credentialSubject"]["achievement"]
    assert (credential["name"], achievement["name"], achievement["inLanguage"]) == ("Notions du Web",) * 2 + ("fr",)
    assert achievement["id"] == f"{settings.SITE_URL}/fr/achievements/{bilingual.slug}"
    assert {"id": f"{settings.SITE_URL}/achievements/{bilingual.slug}", "type": ["Related"], "inLanguage": "en"} in (
        achievement["related"]
    )


def test_a_french_learners_credential_verifies(bilingual):
    award = award_issue(learner=make_user(language="fr"), achievement=bilingual)
    assert _verify(award) == "valid"


def test_an_english_learners_credential_is_in_english_and_links_the_french_edition(bilingual, settings):
    award = award_issue(learner=make_user(language="en"), achievement=bilingual)
    achievement = award.credential["credentialSubject"]["achievement"]
    assert (award.credential["name"], achievement["inLanguage"]) == ("Web Basics", "en")
    assert {"id": f"{settings.SITE_URL}/fr/achievements/{bilingual.slug}", "type": ["Related"], "inLanguage": "fr"} in (
        achievement["related"]
    )
    assert _verify(award) == "valid"


def test_a_badge_without_french_gives_the_same_english_credential_to_a_french_learner(achievement, settings):
    award = award_issue(learner=make_user(language="fr"), achievement=achievement)
    document = award.credential["credentialSubject"]["achievement"]
    assert document["id"] == f"{settings.SITE_URL}/achievements/{achievement.slug}"
    assert (award.credential["name"], document["inLanguage"]) == ("Linux for the Cloud", "en")
    assert [entry["version"] for entry in document["related"]] == ["2.0"]
    assert document["resultDescription"][0]["name"] == "Final grade"


def test_the_french_edition_of_an_achievement_is_served_under_fr(client, bilingual, settings):
    document = client.get(f"/fr/achievements/{bilingual.slug}").json()
    expected = (f"{settings.SITE_URL}/fr/achievements/{bilingual.slug}", "Notions du Web")
    assert (document["id"], document["name"]) == expected


def test_the_ob2_assertion_of_a_french_learner_names_the_french_badge_class(client, bilingual, settings):
    award = award_issue(learner=make_user(language="fr"), achievement=bilingual)
    badge_url = client.get(f"/ob2/assertions/{award.code}").json()["badge"]
    badge_class = client.get(badge_url.removeprefix(settings.SITE_URL)).json()
    assert (badge_class["id"], badge_class["name"]) == (badge_url, "Notions du Web")


def test_the_linkedin_name_is_in_the_learners_language(bilingual):
    award = award_issue(learner=make_user(language="fr"), achievement=bilingual)
    assert "name=Notions%20du%20Web" in selectors.linkedin_add_to_profile_url(award=award)


def test_half_a_french_wording_is_refused_with_a_message(achievement):
    achievement.name_fr = "Linux pour le nuage"
    with translation.override("en"):
        with pytest.raises(ValidationError) as raised:
            achievement.full_clean()
        assert "Give the name, the description and the criteria in French" in str(raised.value.message_dict)


def test_a_french_name_over_200_characters_is_refused(achievement):
    achievement.name_fr, achievement.description_fr, achievement.criteria_fr = "N" * 201, "D", "C"
    with pytest.raises(ValidationError) as raised:
        achievement.full_clean()
    assert "name_fr" in raised.value.message_dict


def test_the_admin_form_saves_the_french_fields(achievement):
    form_class = get_edit_handler(Achievement).get_form_class()
    data = {
        "course": achievement.course_id,
        "issuer": achievement.issuer_id,
        "name": achievement.name,
        "slug": achievement.slug,
        "description": achievement.description,
        "criteria": achievement.criteria,
        "name_fr": "Linux pour le nuage",
        "description_fr": "A terminé Linux pour le nuage.",
        "criteria_fr": "Terminer chaque leçon.",
        "achievement_type": achievement.achievement_type,
        "credits_available": "1.5",
        "tags": achievement.tags,
    }
    form = form_class(data, instance=achievement, for_user=make_user(is_superuser=True))
    assert form.is_valid(), form.errors
    form.save()
    achievement.refresh_from_db()
    assert achievement.text("fr").name == "Linux pour le nuage"


def test_the_credential_json_is_stored_as_signed(bilingual):
    award = award_issue(learner=make_user(language="fr"), achievement=bilingual)
    bilingual.name_fr = "Autre nom"
    bilingual.save()
    award.refresh_from_db()
    assert json.loads(award.credential_json)["name"] == "Notions du Web"
