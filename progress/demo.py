"""Demo learners at different stages, through the same services as the site. Idempotent: results only move forward.

- learner1 has completed "linux-for-the-cloud" and is one lesson away from completing "containers-and-kubernetes"
  (every other required item complete, graded items at 92%, above the pass mark);
- learner2 is half-way (by study time) through "search-engine-marketing";
- learner3 (who reads the site in French) has finished the first lesson of "search-engine-marketing" and opened
  the second: the course's French version shows the same progress, which belongs to the course.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from content.models import CourseItemPage, CoursePage, LessonPage
from lms.models import User
from progress.models import Enrolment, EnrolmentSource
from progress.services import enrolment_create, item_open, item_result_record


def _user(users: dict[str, User], name: str) -> User | None:
    """Find a demo account by key or by the local part of its e-mail address."""
    if name in users:
        return users[name]
    return next((user for key, user in users.items() if key.split("@")[0] == name), None)


def _enrol(user: User, course: CoursePage) -> Enrolment:
    source = EnrolmentSource.FREE if course.is_free else EnrolmentSource.PURCHASE
    return enrolment_create(user=user, course=course, source=source)


def _items(course: CoursePage) -> list[CourseItemPage]:
    return list(CourseItemPage.objects.live().descendant_of(course).order_by("path"))


DEMO_SCORE = Decimal("92")


def _complete(user: User, item: CourseItemPage) -> None:
    score = DEMO_SCORE if item.grade_weight > 0 else None
    item_result_record(user=user, item=item, completed=True, score=score, occurred_at=timezone.now())


@transaction.atomic
def seed_progress(*, users: dict[str, User], courses: dict[str, CoursePage]) -> list[Enrolment]:
    """Give the demo learners their enrolments and progress. Missing accounts or courses are skipped."""
    enrolments: list[Enrolment] = []
    lea, noah, lea_fr = _user(users, "learner1"), _user(users, "learner2"), _user(users, "learner3")
    linux, containers = courses.get("linux-for-the-cloud"), courses.get("containers-and-kubernetes")
    marketing = courses.get("search-engine-marketing")
    if lea is not None and linux is not None:
        enrolments.append(_enrol(lea, linux))
        for item in _items(linux):
            _complete(lea, item)
        if containers is not None:
            enrolments.append(_enrol(lea, containers))
            items = _items(containers)
            lessons = ContentType.objects.get_for_model(LessonPage)
            last_required = [item for item in items if item.required and item.content_type_id == lessons.id][-1]
            for item in items:
                if item.pk != last_required.pk:
                    _complete(lea, item)
            item_open(user=lea, item=last_required)  # "Resume" opens the one lesson left
    if noah is not None and marketing is not None:
        enrolments.append(_enrol(noah, marketing))
        items = _items(marketing)
        half = sum(item.estimated_minutes for item in items) / 2
        done = 0
        for item in items:
            if done >= half:
                item_open(user=noah, item=item)
                break
            _complete(noah, item)
            done += item.estimated_minutes
    if lea_fr is not None and marketing is not None:
        enrolments.append(_enrol(lea_fr, marketing))
        first, second = _items(marketing)[:2]
        _complete(lea_fr, first)
        item_open(user=lea_fr, item=second)
    return enrolments
