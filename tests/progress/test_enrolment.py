"""Enrolment rules: free one click, paid refused until commerce, prerequisites, unenrol keeps records."""

import pytest
from django.core.exceptions import PermissionDenied

from progress.models import CourseProgress, Enrolment, EnrolmentSource, EnrolmentStatus, ItemState, Statement
from progress.services import (
    PaymentRequired,
    PrerequisitesMissing,
    enrolment_cancel,
    enrolment_create,
    lesson_complete,
)
from tests.factories import make_user
from tests.progress.factories import build_course, items_of, learner

pytestmark = pytest.mark.django_db


def test_a_learner_enrols_in_a_free_course():
    course = build_course()
    user = learner()
    enrolment = enrolment_create(user=user, course=course)
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.source == EnrolmentSource.FREE
    assert CourseProgress.objects.get(enrolment=enrolment).items_total == 6


def test_enrolling_twice_returns_the_same_enrolment():
    course = build_course()
    user = learner()
    first = enrolment_create(user=user, course=course)
    second = enrolment_create(user=user, course=course)
    assert first.pk == second.pk
    assert Enrolment.objects.filter(user=user, course=course).count() == 1


def test_a_paid_course_refuses_free_enrolment():
    course = build_course(price="249.00")
    with pytest.raises(PaymentRequired):
        enrolment_create(user=learner(), course=course)


def test_a_purchase_enrols_in_a_paid_course_and_records_its_source():
    course = build_course(price="249.00")
    enrolment = enrolment_create(user=learner(), course=course, source=EnrolmentSource.PURCHASE)
    assert enrolment.source == EnrolmentSource.PURCHASE


def test_enrolling_without_prerequisites_is_refused_with_the_missing_courses():
    first = build_course(title="Linux basics")
    second = build_course(title="Bash scripting")
    course = build_course()
    course.prerequisites.set([first, second])
    course.save_revision().publish()
    with pytest.raises(PrerequisitesMissing) as refused:
        enrolment_create(user=learner(), course=course)
    assert [c.title for c in refused.value.missing] == ["Bash scripting", "Linux basics"]
    assert "Bash scripting" in str(refused.value)


def test_a_completed_prerequisite_opens_enrolment():
    prerequisite = build_course(modules=1, lessons_per_module=1)
    course = build_course()
    course.prerequisites.set([prerequisite])
    course.save_revision().publish()
    user = learner()
    enrolment_create(user=user, course=prerequisite)
    lesson_complete(user=user, lesson=items_of(prerequisite)[0])
    assert enrolment_create(user=user, course=course).is_active


def test_an_admin_enrolment_skips_prerequisites_but_needs_an_editor():
    prerequisite = build_course()
    course = build_course()
    course.prerequisites.set([prerequisite])
    course.save_revision().publish()
    with pytest.raises(PermissionDenied):
        enrolment_create(user=learner(), course=course, source=EnrolmentSource.ADMIN, actor=learner())
    admin = make_user(is_superuser=True, is_staff=True)
    enrolment = enrolment_create(user=learner(), course=course, source=EnrolmentSource.ADMIN, actor=admin)
    assert enrolment.source == EnrolmentSource.ADMIN


def test_a_learner_may_not_enrol_someone_else():
    course = build_course()
    with pytest.raises(PermissionDenied):
        enrolment_create(user=learner(), course=course, actor=learner())


def test_unenrolling_keeps_the_records_and_enrolling_again_brings_them_back():
    course = build_course()
    user = learner()
    enrolment = enrolment_create(user=user, course=course)
    lesson_complete(user=user, lesson=items_of(course)[0])
    enrolment_cancel(enrolment=enrolment, user=user)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.UNENROLLED
    again = enrolment_create(user=user, course=course)
    assert again.pk == enrolment.pk
    assert again.is_active
    assert again.item_progress.get().state == ItemState.COMPLETE


def test_only_the_learner_may_unenrol_themselves():
    course = build_course()
    enrolment = enrolment_create(user=learner(), course=course)
    with pytest.raises(PermissionDenied):
        enrolment_cancel(enrolment=enrolment, user=learner())


def test_enrolling_writes_an_xapi_registered_statement():
    course = build_course()
    enrolment = enrolment_create(user=learner(), course=course)
    statement = Statement.objects.get(enrolment=enrolment)
    assert statement.payload["verb"]["id"] == "http://adlnet.gov/expapi/verbs/registered"
    assert statement.payload["context"]["registration"] == str(enrolment.registration)


def test_a_learner_who_paid_comes_back_to_a_paid_course_without_paying_again():
    course = build_course(price="249.00")
    user = learner()
    enrolment = enrolment_create(user=user, course=course, source=EnrolmentSource.PURCHASE)
    enrolment_cancel(enrolment=enrolment, user=user)
    again = enrolment_create(user=user, course=course)
    assert again.is_active
    assert again.source == EnrolmentSource.PURCHASE
