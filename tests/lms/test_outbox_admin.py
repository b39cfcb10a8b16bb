"""Operators see the outbox's pending work in the Wagtail admin, and done messages are pruned after a while."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from lms.models import OutboxMessage
from lms.outbox import outbox_prune
from lms.roles import PLATFORM_ADMINS
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def _message(**fields) -> OutboxMessage:
    fields.setdefault("available_at", timezone.now())
    return OutboxMessage.objects.create(handler="badges.award_notify", payload={"award_id": 1}, **fields)


@pytest.fixture
def platform_admin():
    admin = make_user(email="ops@example.test")
    admin.groups.add(Group.objects.get(name=PLATFORM_ADMINS))
    return admin


def test_done_messages_older_than_the_keeping_period_are_deleted_and_pending_ones_never(settings):
    settings.OUTBOX_KEEP_DONE_DAYS = 7
    now = timezone.now()
    old_done = _message(done_at=now - timedelta(days=8))
    recent_done = _message(done_at=now - timedelta(days=6))
    old_pending = _message()
    OutboxMessage.objects.filter(pk=old_pending.pk).update(created_at=now - timedelta(days=30))

    assert outbox_prune(now=now, batch=1) == 1

    remaining = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert old_done.pk not in remaining
    assert {recent_done.pk, old_pending.pk} <= remaining


def test_a_platform_admin_sees_the_pending_messages_with_their_errors(client, platform_admin):
    _message(attempts=2, last_error="ConnectionError: broker down")
    _message(done_at=timezone.now())
    client.force_login(platform_admin)

    response = client.get(reverse("lms_outbox"))

    assert response.status_code == 200
    assert response.context["summary"].pending == 1
    assert response.context["summary"].failing == 1
    assert "ConnectionError: broker down" in response.content.decode()


def test_the_page_says_so_when_nothing_is_pending(client, platform_admin):
    client.force_login(platform_admin)

    response = client.get(reverse("lms_outbox"))

    assert "Nothing is pending" in response.content.decode()


def test_a_platform_admin_hands_every_pending_message_to_the_workers_again(client, platform_admin, monkeypatch):
    published: list[int] = []

    def publish(messages) -> int:
        published.extend(pk for pk, _queue in messages)
        return len(published)

    monkeypatch.setattr("lms.outbox._publish", publish)
    pending = _message(available_at=timezone.now() + timedelta(hours=1))
    client.force_login(platform_admin)

    response = client.post(reverse("lms_outbox"))

    assert response.status_code == 302
    assert published == [pending.pk]


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_instructor_may_not_see_or_republish_the_outbox(client, method):
    message = _message(available_at=timezone.now() + timedelta(hours=1))
    client.force_login(make_user(instructor=True))

    response = getattr(client, method)(reverse("lms_outbox"))

    # Wagtail's admin turns a refusal into a redirect to its dashboard with a message.
    assert response.status_code in {302, 403}
    assert "Nothing is pending" not in response.content.decode()
    assert OutboxMessage.objects.get().available_at == message.available_at
