"""xAPI 1.0.3 statements for learning events: pure builders, no database access.

The learner is an account agent on the site (their id, never their e-mail address); activities are
identified by stable IRIs under SITE_URL that do not change when an editor renames a page.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings

XAPI_VERSION = "1.0.3"
ADL = "http://adlnet.gov/expapi/verbs/"
VERB_REGISTERED = ADL + "registered"
VERB_ATTEMPTED = ADL + "attempted"
VERB_COMPLETED = ADL + "completed"
VERB_SCORED = ADL + "scored"
ACTIVITY_COURSE = "http://adlnet.gov/expapi/activities/course"
ACTIVITY_TYPES = {
    "lessonpage": "http://adlnet.gov/expapi/activities/lesson",
    "quizpage": "http://adlnet.gov/expapi/activities/assessment",
    "taskpage": "http://adlnet.gov/expapi/activities/assessment",
}


def activity_iri(kind: str, pk: int) -> str:
    return f"{settings.SITE_URL}/xapi/activities/{kind}/{pk}"


def actor(*, user_id: int, name: str) -> dict[str, Any]:
    return {"objectType": "Agent", "name": name, "account": {"homePage": settings.SITE_URL, "name": str(user_id)}}


def course_activity(*, course_id: int, title: str) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": activity_iri("course", course_id),
        "definition": {"name": {"en": title}, "type": ACTIVITY_COURSE},
    }


def item_activity(*, item_id: int, title: str, kind: str) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": activity_iri(kind.removesuffix("page") or "item", item_id),
        "definition": {"name": {"en": title}, "type": ACTIVITY_TYPES.get(kind, ACTIVITY_TYPES["lessonpage"])},
    }


def result(
    *, completion: bool | None = None, success: bool | None = None, score: Decimal | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if completion is not None:
        out["completion"] = completion
    if success is not None:
        out["success"] = success
    if score is not None:
        out["score"] = {
            "scaled": float((score / 100).quantize(Decimal("0.0001"))),
            "raw": float(score),
            "min": 0,
            "max": 100,
        }
    return out


def statement(
    *,
    verb: str,
    actor_: dict[str, Any],
    object_: dict[str, Any],
    registration: uuid.UUID,
    timestamp: datetime,
    parent: dict[str, Any] | None = None,
    result_: dict[str, Any] | None = None,
    statement_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    context: dict[str, Any] = {"registration": str(registration), "platform": "Stackable"}
    if parent is not None:
        context["contextActivities"] = {"parent": [{"objectType": "Activity", "id": parent["id"]}]}
    out: dict[str, Any] = {
        "id": str(statement_id or uuid.uuid4()),
        "actor": actor_,
        "verb": {"id": verb, "display": {"en": verb.rsplit("/", 1)[-1]}},
        "object": object_,
        "context": context,
        "timestamp": timestamp.isoformat(),
        "version": XAPI_VERSION,
    }
    if result_:
        out["result"] = result_
    return out
