"""Everything commerce asks of progress, in one place: enrol a buyer on a purchase, and undo it on a refund."""

from __future__ import annotations

import functools

from content.models import CoursePage
from lms.db import FixedQuery, fixed_query
from lms.models import User
from progress.models import Enrolment
from progress.services import enrolment_cancel, enrolment_create, missing_prerequisites


def enrol_buyer(*, user: User, course: CoursePage) -> Enrolment:
    return enrolment_create(user=user, course=course, source="purchase")


def unenrol_buyer(*, user: User, course: CoursePage) -> None:
    enrolment = Enrolment.objects.filter(user=user, course=course).first()
    if enrolment is not None:
        enrolment_cancel(enrolment=enrolment, user=user)


# No learner and no course has these ids: the statement is composed with them, and run with the buyer's.
_NO_USER, _NO_COURSE = -1, -2


@functools.cache
def _enrolled_query() -> FixedQuery:
    """Whether a learner holds an active enrolment in a course, composed by the ORM once per process and run prepared
    (every checkout page asks it)."""
    active = Enrolment.objects.filter(user=_NO_USER, course=_NO_COURSE, status="active").values("pk")[:1]
    return fixed_query(active, placeholders=(_NO_USER, _NO_COURSE))


def is_enrolled(*, user: User, course: CoursePage) -> bool:
    return bool(_enrolled_query().values(user.pk, course.pk))


def prerequisites_missing(*, user: User, course: CoursePage) -> list[CoursePage]:
    return missing_prerequisites(user=user, course=course)
