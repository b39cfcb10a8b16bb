"""Each domain event reaches the organization's endpoint: enrolment, completion, credential issued and revoked,
seat assigned and reclaimed; in the learner's every organization; through the same services as the pages."""

from __future__ import annotations

import pytest

from badges.models import Award, Issuer
from badges.services import award_revoke, issuer_key_create
from content.models import LessonPage
from integrations.models import WebhookEvent
from lms.models import User
from organizations.models import Seat
from organizations.services import membership_add, membership_remove, seat_assign, seat_reclaim
from progress.services import enrolment_create, lesson_complete
from tests.badges.conftest import make_achievement
from tests.factories import make_course
from tests.integrations.conftest import register
from tests.org_factories import make_bundle, make_org, org_admin

pytestmark = pytest.mark.django_db


def test_completing_a_course_sends_enrolment_completion_and_credential_then_revocation(
    receiver, organization, member, django_capture_on_commit_callbacks
):
    issuer = Issuer.objects.create(name="Academy", slug="academy", url="https://a.example/", email="b@a.example")
    issuer_key_create(issuer=issuer)
    course = make_course(title="Ladders", modules=1, lessons_per_module=1)
    make_achievement(issuer, course=course, name="Ladder safety")
    register(organization, receiver)
    lesson = LessonPage.objects.live().descendant_of(course).get()
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_create(user=member, course=course)
    with django_capture_on_commit_callbacks(execute=True):
        lesson_complete(user=member, lesson=lesson)
    award = Award.objects.get(learner=member)
    admin = User.objects.create_superuser(email="root@example.test", password="x")
    with django_capture_on_commit_callbacks(execute=True):
        award_revoke(award=award, user=admin, reason="Issued in error")
    documents = receiver.accepted
    assert [document["type"] for document in documents] == [
        "enrolment.created",
        "course.completed",
        "credential.issued",
        "credential.revoked",
    ]
    completed, issued, revoked = documents[1]["data"], documents[2]["data"], documents[3]["data"]
    assert completed["course"] == {"id": course.pk, "title": "Ladders"} and completed["completed_at"]
    assert issued["code"] == award.code and issued["badge"] == {"name": "Ladder safety", "kind": "achievement"}
    assert issued["verification_url"].endswith(f"/credentials/{award.code}/")
    assert issued["course_id"] == course.pk and issued["learner"]["id"] == member.pk
    assert revoked["reason"] == "Issued in error" and revoked["revoked_at"]
    assert list(WebhookEvent.objects.order_by("sequence").values_list("sequence", flat=True)) == [1, 2, 3, 4]


def test_assigning_and_reclaiming_a_seat_sends_both_with_the_seat_enrolment(
    receiver, organization, member, django_capture_on_commit_callbacks
):
    register(organization, receiver)
    bundle = make_bundle(organization, seats=2)
    admin = org_admin(organization)
    with django_capture_on_commit_callbacks(execute=True):
        seat = seat_assign(bundle=bundle, user=member, actor=admin)
    with django_capture_on_commit_callbacks(execute=True):
        seat_reclaim(seat=seat, actor=admin)
    documents = receiver.accepted
    assert [document["type"] for document in documents] == ["seat.assigned", "enrolment.created", "seat.reclaimed"]
    for document in (documents[0], documents[2]):
        assert document["data"]["seat_id"] == seat.pk and document["data"]["bundle_id"] == bundle.pk
        assert document["data"]["learner"]["email"] == member.email
        assert document["data"]["course"]["id"] == bundle.course_id
    assert documents[1]["data"]["source"] == "seat"


def test_a_member_who_leaves_with_a_started_seat_sends_seat_reclaimed(
    receiver, organization, member, django_capture_on_commit_callbacks
):
    register(organization, receiver, events=["seat.reclaimed"])
    bundle = make_bundle(organization)
    seat = seat_assign(bundle=bundle, user=member, actor=org_admin(organization))
    lesson = LessonPage.objects.live().descendant_of(bundle.course).first()
    lesson_complete(user=member, lesson=lesson)
    with django_capture_on_commit_callbacks(execute=True):
        membership_remove(organization=organization, user=member, actor=org_admin(organization))
    assert Seat.objects.get(pk=seat.pk).user is None
    (document,) = receiver.accepted
    assert document["type"] == "seat.reclaimed" and document["data"]["learner"]["id"] == member.pk


def test_a_learner_in_two_organizations_is_told_to_both_each_in_its_own_sequence(
    receiver, organization, member, django_capture_on_commit_callbacks
):
    other = make_org(name="Other")
    membership_add(organization=other, user=member)
    register(organization, receiver, events=["enrolment.created"])
    register(other, receiver, events=["enrolment.created"])  # the same receiver, the other's secret
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_create(user=member, course=make_course(lessons_per_module=1))
    events = WebhookEvent.objects.order_by("organization_id")
    assert [(event.organization_id, event.sequence) for event in events] == [(organization.pk, 1), (other.pk, 1)]
    assert events[0].payload == events[1].payload
    assert len(receiver.requests) == 2
