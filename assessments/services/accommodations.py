"""Time accommodations: a learner's longer limit or extra minutes on every timed quiz of a course."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.models import MAX_EXTRA_MINUTES, Accommodation, Attempt, AttemptState
from assessments.services._common import lock_learner, now_or
from assessments.services.errors import AssessmentError
from content.models import CoursePage
from lms.models import User
from progress.services import user_can_edit_course


def _check_course_instructor(*, user: User, course: CoursePage) -> None:
    if not user_can_edit_course(user=user, course=course):
        raise PermissionDenied(_("Only instructors of this course may do this."))


@transaction.atomic
def accommodation_grant(
    *,
    course: CoursePage,
    learner: User,
    user: User,
    time_limit_percent: int = 100,
    extra_minutes: int = 0,
    now: datetime | None = None,
) -> Accommodation:
    """Give `learner` more time on every timed quiz of `course`: a longer limit (a percentage of each quiz's)
    and/or extra minutes. Replaces their earlier accommodation in the course.

    The course's instructors and platform admins only. Locks the learner's user row (as their starts do), so an
    attempt that starts meanwhile gets the new time too. Open attempts of the course's quizzes, still before
    their deadline, are extended to what the accommodation gives; a deadline is never brought forward.
    """
    now = now_or(now)
    _check_course_instructor(user=user, course=course)
    if not 100 <= time_limit_percent <= 400:
        raise AssessmentError(_("The time limit must be from 100% to 400% of each quiz's limit."))
    if not 0 <= extra_minutes <= MAX_EXTRA_MINUTES:
        raise AssessmentError(_("Extra time must be from 0 to %(n)d minutes.") % {"n": MAX_EXTRA_MINUTES})
    if time_limit_percent == 100 and not extra_minutes:
        raise AssessmentError(_("Give a longer limit or extra minutes (to take an accommodation away, remove it)."))
    lock_learner(learner)
    accommodation, _created = Accommodation.objects.update_or_create(
        course=course,
        learner=learner,
        defaults={
            "time_limit_percent": time_limit_percent,
            "extra_minutes": extra_minutes,
            "granted_by": user,
            "granted_at": now,
        },
    )
    open_attempts = (
        Attempt.objects.select_for_update(of=("self",))
        .filter(learner=learner, state=AttemptState.OPEN, deadline__gt=now, quiz__path__startswith=course.path)
        .select_related("quiz")
    )
    for attempt in open_attempts:
        if not attempt.quiz.time_limit_minutes:
            continue
        deadline = attempt.started_at + accommodation.time_allowed(attempt.quiz.time_limit_minutes)
        if deadline > cast(datetime, attempt.deadline):
            attempt.deadline = deadline
            attempt.save(update_fields=["deadline"])
    return accommodation


@transaction.atomic
def accommodation_remove(*, accommodation: Accommodation, user: User) -> None:
    """Take an accommodation away: attempts started from now on get each quiz's own limit; attempts already
    running keep their deadline. The course's instructors and platform admins only."""
    _check_course_instructor(user=user, course=accommodation.course)
    Accommodation.objects.filter(pk=accommodation.pk).delete()
