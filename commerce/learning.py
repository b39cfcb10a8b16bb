"""Everything commerce asks of progress, in one place: enrol a buyer on a purchase, and undo it on a refund."""

from __future__ import annotations

from content.models import CoursePage
from lms.models import User
from progress.models import Enrolment
from progress.services import enrolment_cancel, enrolment_create, missing_prerequisites


def enrol_buyer(*, user: User, course: CoursePage) -> Enrolment:
    return enrolment_create(user=user, course=course, source="purchase")


def unenrol_buyer(*, user: User, course: CoursePage) -> None:
    enrolment = Enrolment.objects.filter(user=user, course=course).first()
    if enrolment is not None:
        enrolment_cancel(enrolment=enrolment, user=user)


def is_enrolled(*, user: User, course: CoursePage) -> bool:
    return Enrolment.objects.filter(user=user, course=course, status="active").exists()


def prerequisites_missing(*, user: User, course: CoursePage) -> list[CoursePage]:
    return missing_prerequisites(user=user, course=course)
