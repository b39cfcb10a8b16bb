""" "Course completed" issues the badge (eagerly in the embedded default), and a failure never breaks completion."""

from __future__ import annotations

import pytest

from badges.models import Award, AwardStatus, Issuer
from content.models import LessonPage
from progress.models import Enrolment
from progress.services import enrolment_create, lesson_complete
from tests.badges.conftest import make_achievement
from tests.factories import make_course

pytestmark = pytest.mark.django_db


def complete_course(learner, course) -> None:
    enrolment_create(user=learner, course=course)
    for lesson in LessonPage.objects.live().descendant_of(course):
        lesson_complete(user=learner, lesson=lesson)


def test_completing_a_course_issues_its_badge_and_emails_the_learner(
    issuer, learner, mailoutbox, django_capture_on_commit_callbacks
):
    course = make_course(modules=1, lessons_per_module=2)
    achievement = make_achievement(issuer, course=course)
    with django_capture_on_commit_callbacks(execute=True):
        complete_course(learner, course)
    award = Award.objects.get(learner=learner, achievement=achievement)
    assert award.status == AwardStatus.ISSUED
    assert award.credential["credentialSubject"]["result"][0]["value"] == "100"
    assert any(award.url in message.body for message in mailoutbox)


def test_a_course_without_a_badge_completes_without_one(learner, django_capture_on_commit_callbacks):
    course = make_course(modules=1, lessons_per_module=1)
    with django_capture_on_commit_callbacks(execute=True):
        complete_course(learner, course)
    assert Enrolment.objects.get(user=learner, course=course).completed_at is not None
    assert not Award.objects.exists()


def test_a_failure_to_sign_is_recorded_and_does_not_break_completion(learner, django_capture_on_commit_callbacks):
    keyless = Issuer.objects.create(name="No Key", slug="nokey", url="https://x.example/", email="a@x.example")
    course = make_course(modules=1, lessons_per_module=1)
    make_achievement(keyless, course=course)
    with django_capture_on_commit_callbacks(execute=True):
        complete_course(learner, course)
    assert Enrolment.objects.get(user=learner, course=course).completed_at is not None
    award = Award.objects.get(learner=learner)
    assert award.status == AwardStatus.FAILED and "no signing key" in award.error
