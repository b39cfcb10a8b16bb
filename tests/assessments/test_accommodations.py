"""Time accommodations: more time on every timed quiz of a course, granted by its instructors and platform admins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from assessments.models import Accommodation
from assessments.services import AssessmentError, accommodation_grant, accommodation_remove, attempt_start
from content.services import course_sync_instructors
from tests.assessments.factories import course_of, learner_in, make_quiz
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def instructor_of(course):
    user = make_user(instructor=True)
    course.instructors.add(user)
    course_sync_instructors(course=course)
    return user


def test_an_attempt_started_with_an_accommodation_gets_the_longer_limit_and_the_extra_minutes():
    quiz = make_quiz(time_limit_minutes=30)
    course = course_of(quiz)
    learner = learner_in(quiz)
    accommodation_grant(
        course=course, learner=learner, user=instructor_of(course), time_limit_percent=150, extra_minutes=10
    )
    now = timezone.now()

    attempt = attempt_start(quiz=quiz, user=learner, now=now)

    assert attempt.deadline == now + timedelta(minutes=55)


def test_the_accommodation_applies_to_every_timed_quiz_of_the_course_only():
    quiz = make_quiz(time_limit_minutes=20)
    course = course_of(quiz)
    other_quiz_same_course = make_quiz(time_limit_minutes=10, course=course)
    other_course_quiz = make_quiz(time_limit_minutes=10)
    learner = learner_in(quiz)
    learner_in_other = other_course_quiz
    from progress.services import enrolment_create

    enrolment_create(user=learner, course=course_of(learner_in_other))
    accommodation_grant(course=course, learner=learner, user=instructor_of(course), extra_minutes=15)
    now = timezone.now()

    same = attempt_start(quiz=other_quiz_same_course, user=learner, now=now)
    elsewhere = attempt_start(quiz=other_course_quiz, user=learner, now=now)

    assert same.deadline == now + timedelta(minutes=25)
    assert elsewhere.deadline == now + timedelta(minutes=10)


def test_an_accommodation_granted_mid_attempt_extends_the_open_attempt():
    quiz = make_quiz(time_limit_minutes=30)
    course = course_of(quiz)
    learner = learner_in(quiz)
    started = timezone.now() - timedelta(minutes=10)
    attempt = attempt_start(quiz=quiz, user=learner, now=started)

    accommodation_grant(course=course, learner=learner, user=instructor_of(course), extra_minutes=20)

    attempt.refresh_from_db()
    assert attempt.deadline == started + timedelta(minutes=50)


def test_an_attempt_already_past_its_deadline_is_not_reopened_by_a_grant():
    quiz = make_quiz(time_limit_minutes=5)
    course = course_of(quiz)
    learner = learner_in(quiz)
    started = timezone.now() - timedelta(minutes=10)
    attempt = attempt_start(quiz=quiz, user=learner, now=started)

    accommodation_grant(course=course, learner=learner, user=instructor_of(course), extra_minutes=60)

    attempt.refresh_from_db()
    assert attempt.deadline == started + timedelta(minutes=5)


def test_only_the_courses_instructors_and_platform_admins_may_grant():
    quiz = make_quiz(time_limit_minutes=30)
    course = course_of(quiz)
    learner = learner_in(quiz)
    outsider = instructor_of(course_of(make_quiz()))

    with pytest.raises(PermissionDenied):
        accommodation_grant(course=course, learner=learner, user=outsider, extra_minutes=10)
    with pytest.raises(PermissionDenied):
        accommodation_grant(course=course, learner=learner, user=learner, extra_minutes=10)
    accommodation_grant(course=course, learner=learner, user=make_user(is_superuser=True), extra_minutes=10)
    assert Accommodation.objects.get().extra_minutes == 10


def test_only_the_courses_instructors_may_remove_one():
    quiz = make_quiz(time_limit_minutes=30)
    course = course_of(quiz)
    accommodation = accommodation_grant(
        course=course, learner=learner_in(quiz), user=instructor_of(course), extra_minutes=10
    )

    with pytest.raises(PermissionDenied):
        accommodation_remove(accommodation=accommodation, user=instructor_of(course_of(make_quiz())))
    accommodation_remove(accommodation=accommodation, user=instructor_of(course))
    assert not Accommodation.objects.exists()


@pytest.mark.parametrize(
    ("percent", "extra"), [(99, 0), (401, 0), (100, 0), (100, 24 * 60 + 1)], ids=["short", "long", "none", "extra"]
)
def test_an_accommodation_out_of_range_is_refused_with_a_message(percent, extra):
    quiz = make_quiz(time_limit_minutes=30)
    course = course_of(quiz)

    with pytest.raises(AssessmentError) as refused:
        accommodation_grant(
            course=course,
            learner=learner_in(quiz),
            user=instructor_of(course),
            time_limit_percent=percent,
            extra_minutes=extra,
        )
    assert refused.value.message


def test_the_admin_page_lists_and_grants_for_the_courses_instructor(client):
    quiz = make_quiz(time_limit_minutes=30)
    course = course_of(quiz)
    learner = learner_in(quiz)
    client.force_login(instructor_of(course))
    url = reverse("assessments_accommodations:list", args=[course.pk])

    assert client.get(url).status_code == 200
    response = client.post(url, {"email": learner.email, "time_limit_percent": "200", "extra_minutes": ""})

    assert response.status_code == 302
    assert Accommodation.objects.get(learner=learner).time_limit_percent == 200
    assert learner.email in client.get(url).content.decode()


def test_the_admin_page_is_forbidden_to_an_instructor_of_another_course(client):
    course = course_of(make_quiz())
    client.force_login(instructor_of(course_of(make_quiz())))

    response = client.get(reverse("assessments_accommodations:list", args=[course.pk]))

    assert response.status_code == 403


def test_the_admin_page_of_an_unknown_course_is_not_found(client):
    client.force_login(make_user(is_superuser=True, is_staff=True))

    response = client.get(reverse("assessments_accommodations:list", args=[999_999]))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "nobody@example.test", "extra_minutes": "10"}, "No learner has the e-mail address"),
        ({"extra_minutes": "ten"}, "Extra time must be a whole number of minutes."),
        ({"time_limit_percent": "1.5"}, "The time limit must be a whole percentage"),
        ({"time_limit_percent": "100", "extra_minutes": "0"}, "Give a longer limit or extra minutes"),
    ],
    ids=["unknown learner", "words", "fraction", "nothing"],
)
def test_bad_input_on_the_admin_page_is_a_400_with_a_message(client, fields, message):
    quiz = make_quiz(time_limit_minutes=30)
    course = course_of(quiz)
    learner = learner_in(quiz)
    client.force_login(instructor_of(course))

    response = client.post(
        reverse("assessments_accommodations:list", args=[course.pk]), {"email": learner.email} | fields
    )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Accommodation.objects.exists()


def test_removing_through_the_admin_page_takes_the_accommodation_away(client):
    quiz = make_quiz(time_limit_minutes=30)
    course = course_of(quiz)
    instructor = instructor_of(course)
    accommodation = accommodation_grant(course=course, learner=learner_in(quiz), user=instructor, extra_minutes=5)
    client.force_login(instructor)

    response = client.post(reverse("assessments_accommodations:remove", args=[course.pk, accommodation.pk]))

    assert response.status_code == 302
    assert not Accommodation.objects.exists()


def test_the_database_refuses_an_accommodation_that_gives_no_time():
    from django.db import IntegrityError, transaction

    quiz = make_quiz(time_limit_minutes=30)
    with pytest.raises(IntegrityError), transaction.atomic():
        Accommodation.objects.create(course=course_of(quiz), learner=learner_in(quiz))


def test_the_course_page_in_the_admin_links_to_its_accommodations(client):
    course = course_of(make_quiz())
    client.force_login(make_user(is_superuser=True, is_staff=True))

    response = client.get(reverse("wagtailadmin_explore", args=[course.get_parent().pk]))

    assert response.status_code == 200
    assert reverse("assessments_accommodations:list", args=[course.pk]) in response.content.decode()
