"""The lower apps' domain events, turned into webhook events in the same transaction (`events.webhook_events_record`).

`enrolment_created`, `credentials_issued`, `credential_revoked`, `seat_assigned` and `seat_reclaimed` are sent
inside their change's transaction; `course_completed` inside the transaction of its outbox message, which commits
with the message's "done". So an event is recorded exactly when its change is, never lost, never twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from badges.models import Award
from content.models import CoursePage
from integrations.models import WebhookEventType
from integrations.webhooks.events import webhook_events_record
from lms.mail import absolute
from lms.models import User
from organizations.models import Seat
from progress.models import Enrolment


def _learner(user: User) -> dict[str, Any]:
    return {"id": user.pk, "email": user.email, "name": user.display_name}


def _course(course: CoursePage) -> dict[str, Any]:
    return {"id": course.pk, "title": course.title}


def _when(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def on_enrolment_created(sender: Any, *, enrolment: Enrolment, **kwargs: Any) -> None:
    def payload() -> dict[str, Any]:
        return {
            "enrolment_id": enrolment.pk,
            "learner": _learner(enrolment.user),
            "course": _course(enrolment.course),
            "source": enrolment.source,
            "enrolled_at": _when(enrolment.enrolled_at),
        }

    webhook_events_record(event_type=WebhookEventType.ENROLMENT_CREATED, by_learner=[(enrolment.user_id, payload)])


def on_course_completed(sender: Any, *, enrolment_id: int, user_id: int, **kwargs: Any) -> None:
    def payload() -> dict[str, Any]:
        enrolment = Enrolment.objects.select_related("user", "course").get(pk=enrolment_id)
        return {
            "enrolment_id": enrolment.pk,
            "learner": _learner(enrolment.user),
            "course": _course(enrolment.course),
            "completed_at": _when(enrolment.completed_at),
        }

    webhook_events_record(event_type=WebhookEventType.COURSE_COMPLETED, by_learner=[(user_id, payload)])


def _credential(award: Award) -> dict[str, Any]:
    badge = award.badge_class
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("badges:credential", args=[award.code])
    return {
        "code": award.code,
        "verification_url": absolute(path),
        "badge": {"name": badge.name, "kind": "pathway" if award.pathway_id else "achievement"},
        "course_id": award.achievement.course_id if award.achievement is not None else None,
        "learner": _learner(award.learner),
        "awarded_at": _when(award.awarded_at),
    }


def on_credentials_issued(sender: Any, *, awards: Sequence[Award], **kwargs: Any) -> None:
    webhook_events_record(
        event_type=WebhookEventType.CREDENTIAL_ISSUED,
        by_learner=[(award.learner_id, partial(_credential, award)) for award in awards],
    )


def on_credential_revoked(sender: Any, *, award: Award, **kwargs: Any) -> None:
    def payload() -> dict[str, Any]:
        loaded = Award.objects.select_related("learner", "achievement", "pathway").get(pk=award.pk)
        return {
            **_credential(loaded),
            "revoked_at": _when(loaded.revoked_at),
            "reason": loaded.revocation_reason,
        }

    webhook_events_record(event_type=WebhookEventType.CREDENTIAL_REVOKED, by_learner=[(award.learner_id, payload)])


def _seat(seat: Seat, user: User) -> dict[str, Any]:
    return {
        "seat_id": seat.pk,
        "bundle_id": seat.bundle_id,
        "learner": _learner(user),
        "course": _course(seat.bundle.course),
    }


def on_seat_assigned(sender: Any, *, seat: Seat, **kwargs: Any) -> None:
    holder = seat.user
    if holder is None:  # never for a seat just assigned; keeps the payload's learner honest
        return
    webhook_events_record(
        event_type=WebhookEventType.SEAT_ASSIGNED,
        by_organization=[
            (seat.bundle.organization_id, lambda: {**_seat(seat, holder), "assigned_at": _when(seat.assigned_at)})
        ],
    )


def on_seat_reclaimed(sender: Any, *, seat: Seat, user: User, **kwargs: Any) -> None:
    webhook_events_record(
        event_type=WebhookEventType.SEAT_RECLAIMED,
        by_organization=[(seat.bundle.organization_id, lambda: _seat(seat, user))],
    )
