"""A learner's own resources through their own token: enrolments, progress, credentials; nobody else's."""

from __future__ import annotations

import pytest

from badges.services import award_issue
from content.models import LessonPage
from progress.services import enrolment_create, lesson_complete
from tests.badges.conftest import make_achievement
from tests.factories import make_course, make_user
from tests.integrations.test_api_credentials import make_issuer

pytestmark = pytest.mark.django_db


def test_enrolments_list_the_learners_own_with_their_progress(learner_api, learner):
    course = make_course(title="Linux basics", lessons_per_module=2)
    enrolment_create(user=learner, course=course)
    lesson_complete(user=learner, lesson=LessonPage.objects.descendant_of(course).first())
    enrolment_create(user=make_user(), course=make_course(title="Someone else's"))
    answer = learner_api.get("/api/v1/me/enrolments")
    assert answer.status_code == 200
    (row,) = answer.json()["items"]
    assert row["course_title"] == "Linux basics" and row["percent"] == 50
    assert row["course_url"].startswith("http://testserver/")


def test_enrolments_take_a_fixed_number_of_queries(learner_api, learner, django_assert_num_queries):
    for _ in range(3):
        enrolment_create(user=learner, course=make_course(lessons_per_module=1))
    learner_api.get("/api/v1/me/enrolments")  # the token's first use writes its last_used_at
    # the token; the dashboard's read of the enrolments (their pages' translations are read only for pages in
    # another language than the reader's: none here)
    with django_assert_num_queries(2):
        assert len(learner_api.get("/api/v1/me/enrolments").json()["items"]) == 3


def test_progress_in_a_course_by_module(learner_api, learner):
    course = make_course(modules=2, lessons_per_module=1)
    enrolment_create(user=learner, course=course)
    lesson_complete(user=learner, lesson=LessonPage.objects.descendant_of(course).first())
    answer = learner_api.get(f"/api/v1/me/courses/{course.pk}/progress")
    assert answer.status_code == 200
    body = answer.json()
    assert body["percent"] == 50 and body["complete"] is False
    assert [module["percent"] for module in body["modules"]] == [100, 0]


def test_progress_in_a_course_not_enrolled_in_is_not_found(learner_api, learner):
    course = make_course()
    other = make_user()
    enrolment_create(user=other, course=course)
    answer = learner_api.get(f"/api/v1/me/courses/{course.pk}/progress")
    assert answer.status_code == 404
    assert learner_api.get("/api/v1/me/courses/999999/progress").status_code == 404


def test_credentials_are_the_learners_own(learner_api, learner):
    achievement = make_achievement(make_issuer())
    mine = award_issue(learner=learner, achievement=achievement)
    award_issue(learner=make_user(), achievement=achievement)
    (row,) = learner_api.get("/api/v1/me/credentials").json()["items"]
    assert row["code"] == mine.code and row["status"] == "valid"
    assert row["verification_url"].endswith(f"/credentials/{mine.code}/")


def test_an_organization_token_is_refused_a_learners_resources(org_api):
    for path in ("/api/v1/me/enrolments", "/api/v1/me/credentials", "/api/v1/me/courses/1/progress"):
        answer = org_api.get(path)
        assert answer.status_code == 403, path
        assert answer.json()["code"] == "learner_token_required"


def test_a_learners_token_stops_with_their_account(learner_api, learner):
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    assert learner_api.get("/api/v1/me/enrolments").status_code == 401


def test_progress_asked_by_the_french_courses_id_is_the_courses(learner_api, learner):
    from tests.factories import translate_course

    course = make_course(lessons_per_module=2)
    french = translate_course(course)
    enrolment_create(user=learner, course=course)
    lesson_complete(user=learner, lesson=LessonPage.objects.descendant_of(course).first())
    answer = learner_api.get(f"/api/v1/me/courses/{french.pk}/progress")
    assert answer.status_code == 200
    assert answer.json()["course_id"] == course.pk and answer.json()["percent"] == 50
