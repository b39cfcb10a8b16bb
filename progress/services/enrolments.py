"""Enrolments: enrol (free, paid, an admin's or a seat's), come back, and unenrol."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from content.models import CoursePage
from lms.models import User
from progress import xapi
from progress.models import Enrolment, EnrolmentSource, EnrolmentStatus
from progress.services.aggregates import _complete_if_due, progress_refresh
from progress.services.events import _course_object, _statement_record
from progress.services.rules import (
    EnrolmentRefused,
    NotEnrolled,
    PaymentRequired,
    PrerequisitesMissing,
    course_open_to,
    missing_prerequisites,
    user_can_edit_course,
)
from progress.signals import enrolment_created


def _locked_enrolment(*, user: User, course: CoursePage) -> Enrolment:
    try:
        return Enrolment.objects.select_for_update().get(user=user, course=course)
    except Enrolment.DoesNotExist:
        raise NotEnrolled(_("You are not enrolled in this course.")) from None


@transaction.atomic
def enrolment_create(
    *,
    user: User,
    course: CoursePage,
    source: str = EnrolmentSource.FREE,
    actor: User | None = None,
    prerequisites_waived: bool = False,
) -> Enrolment:
    """Enrol `user` in `course`, or give back their enrolment: idempotent, and an unenrolled learner's records return.

    Locks the (user, course) enrolment row. `free` needs a free course, or an earlier paid enrolment to come
    back to, and the learner (or an admin) acting;
    `admin` needs an actor who may edit the course and skips prerequisites; `purchase` and `seat` are for
    commerce and organizations, which have checked payment or the seat. `prerequisites_waived` is only for a
    `seat` whose grant waived them (organizations records who waived them on the seat).
    """
    if source not in EnrolmentSource.values:
        raise ValueError(f"unknown enrolment source {source!r}")
    if prerequisites_waived and source != EnrolmentSource.SEAT:
        raise ValueError("only a seat's grant may waive prerequisites")
    if source == EnrolmentSource.ADMIN:
        if actor is None or not user_can_edit_course(user=actor, course=course):
            raise PermissionDenied("You may not enrol learners in this course.")
    elif (
        source == EnrolmentSource.FREE
        and actor is not None
        and actor.pk != user.pk
        and not user_can_edit_course(user=actor, course=course)
    ):
        raise PermissionDenied("You may not enrol another learner.")
    if not course.live:
        raise EnrolmentRefused(_("This course is not open for enrolment."))
    enrolment = Enrolment.objects.select_for_update().filter(user=user, course=course).first()
    if enrolment is not None and enrolment.is_active:
        return enrolment
    if source == EnrolmentSource.FREE and not course_open_to(user=user, course=course):
        raise EnrolmentRefused(_("This course is open only to the members of the organization that offers it."))
    earlier_source = enrolment.source if enrolment is not None else EnrolmentSource.FREE
    if source == EnrolmentSource.FREE and earlier_source != EnrolmentSource.FREE:
        source = earlier_source  # coming back to a course paid for (or given) earlier costs nothing
    if source == EnrolmentSource.FREE and not course.is_free:
        raise PaymentRequired(_("This course is not free: paid enrolment is not open yet."))
    if source != EnrolmentSource.ADMIN and not prerequisites_waived:
        missing = missing_prerequisites(user=user, course=course)
        if missing:
            raise PrerequisitesMissing(missing)
    now = timezone.now()
    if enrolment is None:
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(user=user, course=course, source=source, enrolled_at=now)
        except IntegrityError:  # a concurrent request enrolled first: theirs is ours
            return Enrolment.objects.select_for_update().get(user=user, course=course)
    else:
        enrolment.status, enrolment.source, enrolment.unenrolled_at = EnrolmentStatus.ACTIVE, source, None
        enrolment.save(update_fields=["status", "source", "unenrolled_at"])
    enrolment.course, enrolment.user = course, user
    _statement_record(enrolment=enrolment, verb=xapi.VERB_REGISTERED, object_=_course_object(course), timestamp=now)
    progress = progress_refresh(enrolment=enrolment)
    _complete_if_due(enrolment=enrolment, progress=progress)
    # In this transaction: a receiver's record (a webhook event) commits or rolls back with the enrolment.
    enrolment_created.send(sender=Enrolment, enrolment=enrolment)
    return enrolment


@transaction.atomic
def enrolment_cancel(*, enrolment: Enrolment, user: User) -> Enrolment:
    """Unenrol: the learner (or an admin of the course) ends it; every record is kept. Locks the enrolment row."""
    locked = Enrolment.objects.select_for_update().select_related("course").get(pk=enrolment.pk)
    if locked.user_id != user.pk and not user_can_edit_course(user=user, course=locked.course):
        raise PermissionDenied("You may not unenrol this learner.")
    if locked.is_active:
        locked.status, locked.unenrolled_at = EnrolmentStatus.UNENROLLED, timezone.now()
        locked.save(update_fields=["status", "unenrolled_at"])
    return locked
