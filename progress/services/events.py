"""Learning-record events: the xAPI statements progress records beside each change, for the LRS to send."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from content.models import CourseItemPage, CoursePage
from progress import xapi
from progress.models import Enrolment, Statement


def _statement_build(*, enrolment: Enrolment, verb: str, object_: dict[str, Any], **extra: Any) -> Statement:
    course = enrolment.course
    payload = xapi.statement(
        verb=verb,
        actor_=xapi.actor(user_id=enrolment.user_id, name=str(enrolment.user)),
        object_=object_,
        registration=enrolment.registration,
        timestamp=extra.pop("timestamp", None) or timezone.now(),
        parent=None if object_["definition"]["type"] == xapi.ACTIVITY_COURSE else _course_object(course),
        **extra,
    )
    return Statement(id=payload["id"], enrolment=enrolment, verb=verb, payload=payload)


def _statement_record(*, enrolment: Enrolment, verb: str, object_: dict[str, Any], **extra: Any) -> None:
    _statement_build(enrolment=enrolment, verb=verb, object_=object_, **extra).save(force_insert=True)


def _course_object(course: CoursePage) -> dict[str, Any]:
    return xapi.course_activity(course_id=course.pk, title=course.title)


def _item_object(item: CourseItemPage) -> dict[str, Any]:
    kind = ContentType.objects.get_for_id(item.content_type_id).model
    return xapi.item_activity(item_id=item.pk, title=item.title, kind=kind)


def _statements_for(
    *, enrolment: Enrolment, item: CourseItemPage, score: Decimal | None, moved: list[str], occurred_at: datetime
) -> None:
    """The statements of what moved, in one INSERT (a first result is both "attempted" and "completed")."""
    statements = _statements_built(enrolment=enrolment, item=item, score=score, moved=moved, occurred_at=occurred_at)
    if statements:
        Statement.objects.bulk_create(statements)


def _statements_built(
    *, enrolment: Enrolment, item: CourseItemPage, score: Decimal | None, moved: list[str], occurred_at: datetime
) -> list[Statement]:
    """The statements of what moved, not saved: "attempted" for a start, then "completed" or "scored"."""
    if not moved:
        return []
    obj = _item_object(item)
    statements = []
    if "started" in moved:
        statements.append(
            _statement_build(enrolment=enrolment, verb=xapi.VERB_ATTEMPTED, object_=obj, timestamp=occurred_at)
        )
    if "completed" in moved:
        statements.append(
            _statement_build(
                enrolment=enrolment,
                verb=xapi.VERB_COMPLETED,
                object_=obj,
                result_=xapi.result(completion=True, score=score),
                timestamp=occurred_at,
            )
        )
    elif "scored" in moved:
        statements.append(
            _statement_build(
                enrolment=enrolment,
                verb=xapi.VERB_SCORED,
                object_=obj,
                result_=xapi.result(score=score),
                timestamp=occurred_at,
            )
        )
    return statements
