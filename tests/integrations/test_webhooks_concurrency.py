"""Concurrent changes of one organization on PostgreSQL: their events get distinct numbers in commit order, and
the deliveries that race for the endpoint (each commit hands it to a worker; inline here, in each thread) still
reach the receiver one at a time, in that order."""

from __future__ import annotations

import pytest

from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from progress.services import enrolment_create
from tests.concurrency import race
from tests.factories import make_course
from tests.integrations.conftest import register
from tests.org_factories import make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_enrolments_are_numbered_in_commit_order_and_delivered_in_that_order(receiver, organization):
    register(organization, receiver, events=["enrolment.created"])
    learners = [make_member(organization) for _n in range(4)]
    courses = [make_course(lessons_per_module=1) for _n in range(4)]
    steps = [
        lambda learner=learner, course=course: enrolment_create(user=learner, course=course)
        for learner, course in zip(learners, courses, strict=True)
    ]
    assert race(*steps) == ["ok"] * 4
    events = list(WebhookEvent.objects.order_by("sequence"))
    assert [event.sequence for event in events] == [1, 2, 3, 4]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SUCCEEDED}
    assert [document["id"] for document in receiver.accepted] == [event.message_id for event in events]
    assert len(receiver.requests) == 4
