"""The benchmark's learner rows: users and enrolments in bulk, item progress by COPY, and from those items the
aggregates and completions the product itself computes.

The generator decides only the learner's facts (which items they finished, when, with what score). Module and
course aggregates come from `progress.services.progress_refresh` and completion from the product's policy
(`meets_policy`, `course_grade`), so the dataset cannot disagree with the product when its rules change.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from bench.pages import CourseSpec
from bench.statements import chunks, rows_bulk_create, rows_copy_in
from lms.models import User
from progress.models import Enrolment, ItemProgress, ItemState
from progress.services import course_grade, meets_policy, progress_refresh

T0 = timezone.make_aware(datetime(2026, 9, 1, 9, 0))
EMAIL_DOMAIN = "bench.test"

ITEM_COLUMNS = [
    "enrolment",
    "item",
    "state",
    "score",
    "started_at",
    "completed_at",
    "last_event_at",
    "updated_at",
    "revision",
]
ENROLMENT_FIELDS = ["last_opened_item", "last_opened_at", "completed_at", "final_grade"]


def copy_rows(model: type[Model], columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert plain rows into `model`'s table: COPY FROM STDIN on PostgreSQL, bulk_create elsewhere."""
    if connection.vendor == "postgresql":
        return rows_copy_in(model, columns, rows)
    return rows_bulk_create(model, columns, rows)


@dataclass
class LearnerRows:
    """Item rows gathered in memory, and the enrolments they belong to with the time of their last activity."""

    items: list[tuple[Any, ...]] = field(default_factory=list)
    enrolments: list[tuple[Enrolment, datetime]] = field(default_factory=list)


def study_fraction(rng: random.Random) -> float:
    """How far through a course a learner is: many just started, some midway, a few near the end or done."""
    band = rng.random()
    if band < 0.35:
        return rng.uniform(0.0, 0.05)
    if band < 0.75:
        return rng.uniform(0.05, 0.5)
    if band < 0.90:
        return rng.uniform(0.5, 0.99)
    return 1.0


def learner_progress(
    rows: LearnerRows, *, enrolment: Enrolment, spec: CourseSpec, done: int, rng: random.Random, now: datetime
) -> None:
    """Item rows for the first `done` items (complete, quizzes scored) and the next one (in progress)."""
    clock = enrolment.enrolled_at
    for index, item in enumerate(spec.items[: done + 1]):
        clock = min(now, clock + timedelta(minutes=item.minutes + rng.randint(0, 600)))
        complete = index < done
        score = Decimal(rng.randint(70, 100)) if item.is_quiz and complete else None
        state = ItemState.COMPLETE if complete else ItemState.IN_PROGRESS
        rows.items.append((enrolment.pk, item.id, state, score, clock, clock if complete else None, clock, now, None))
    last = spec.items[min(done, len(spec.items) - 1)]
    enrolment.last_opened_item_id, enrolment.last_opened_at = last.id, clock
    rows.enrolments.append((enrolment, clock))


def write_learner_rows(rows: LearnerRows) -> None:
    """Write the item rows, then let the product compute each enrolment's aggregates and completion."""
    copy_rows(ItemProgress, ITEM_COLUMNS, rows.items)
    for enrolment, last_activity in rows.enrolments:
        progress = progress_refresh(enrolment=enrolment)
        if meets_policy(course=enrolment.course, progress=progress):
            enrolment.completed_at, enrolment.final_grade = last_activity, course_grade(progress)
    Enrolment.objects.bulk_update([enrolment for enrolment, _ in rows.enrolments], ENROLMENT_FIELDS, batch_size=1000)


def make_users(prefix: str, count: int, *, password_hash: str) -> list[User]:
    users = [
        User(
            email=f"{prefix}{n:05d}@{EMAIL_DOMAIN}",
            display_name=f"{prefix.replace('-', ' ').title()} {n}",
            password=password_hash,
            date_joined=T0,
        )
        for n in range(count)
    ]
    for chunk in chunks(users):
        User.objects.bulk_create(chunk)
    if users and users[0].pk is None:  # SQLite before 3.35 gives no ids back
        by_email = dict(User.objects.filter(email__in=[u.email for u in users]).values_list("email", "pk"))
        for user in users:
            user.pk = by_email[user.email]
    return users


def make_enrolments(pairs: list[tuple[User, CourseSpec]], rng: random.Random) -> list[Enrolment]:
    enrolments = [
        Enrolment(user=user, course=spec.course, enrolled_at=T0 - timedelta(days=rng.randint(1, 300)))
        for user, spec in pairs
    ]
    for chunk in chunks(enrolments):
        Enrolment.objects.bulk_create(chunk)
    if enrolments and enrolments[0].pk is None:
        ids = {(u, c): pk for u, c, pk in Enrolment.objects.values_list("user_id", "course_id", "pk").iterator()}
        for enrolment in enrolments:
            enrolment.pk = ids[(enrolment.user_id, enrolment.course_id)]
    return enrolments
