"""The demo issues real badges, and seeding twice changes nothing."""

from __future__ import annotations

import json

import pytest
from django.apps import apps

from badges.demo import seed_badges
from badges.models import Award, Pathway
from content.demo import seed_content
from lms.demo import users_seed
from lms.formatting import format_percent
from progress.models import Enrolment
from tests.badges.helpers import verify_award

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_learner1_holds_a_real_linux_badge_and_is_one_lesson_from_the_second():
    users = users_seed()
    demo = seed_content(instructors=users)
    badges = seed_badges(users=users, courses=demo.courses)
    award = Award.objects.get(learner__email="learner1@stackable.test")
    assert award == badges.award
    assert award.achievement.course.slug == "linux-for-the-cloud"
    assert verify_award(award).status == "valid"
    pathway = Pathway.objects.get(slug="cloud-systems-specialist")
    assert [c.achievement.course.slug for c in pathway.components.all()] == [
        "linux-for-the-cloud",
        "containers-and-kubernetes",
        "cloud-networking",
    ]
    second = Enrolment.objects.get(user__email="learner1@stackable.test", course__slug="containers-and-kubernetes")
    assert second.completed_at is None
    assert second.course_progress.required_total - second.course_progress.required_done == 1

    before = row_counts()
    seed_badges(users=users_seed(), courses=seed_content(instructors=users).courses)
    assert row_counts() == before


def test_the_signed_criteria_text_states_the_pass_mark_without_exponent_notation():
    users = users_seed()
    demo = seed_content(instructors=users)
    award = seed_badges(users=users, courses=demo.courses).award
    narrative = json.loads(award.credential_json)["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert "E+" not in narrative
    assert f"grade of at least {format_percent(award.achievement.course.pass_mark, language='en')}." in narrative
    assert "grade of at least 70%." in narrative


def test_the_demo_badges_align_to_real_framework_entries():
    from content.models import Skill

    users = users_seed()
    demo = seed_content(instructors=users)
    badges = seed_badges(users=users, courses=demo.courses)
    for skill in Skill.objects.all():
        skill.full_clean()  # each is checked against its framework
        assert skill.framework_url and skill.code
    alignments = badges.award.credential["credentialSubject"]["achievement"]["alignment"]
    assert alignments and all(
        a["targetUrl"] == f"https://www.onetonline.org/link/summary/{a['targetCode']}"
        and a["targetFramework"] == "O*NET"
        for a in alignments
    )


def test_the_french_demo_course_s_badge_has_its_french_name_description_and_criteria():
    users = users_seed()
    demo = seed_content(instructors=users)
    badges = seed_badges(users=users, courses=demo.courses)
    french = badges.achievements["search-engine-marketing"].text("fr")
    assert (french.language, french.name) == ("fr", "Marketing par moteurs de recherche")
    assert french.description.startswith("Planifier, lancer et optimiser")
    assert french.criteria.endswith(
        f"{format_percent(demo.courses['search-engine-marketing'].pass_mark, language='fr')}."
    )
