"""A learner's own resources, for their own token: enrolments, progress in a course, credentials."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from badges.models import AwardStatus
from badges.selectors import live_status, wallet_for_learner
from content.models import CoursePage
from content.selectors import course_outline
from content.translations import original_page
from integrations.api.auth import learner_of
from integrations.api.errors import ApiError
from integrations.api.schemas import ErrorOut
from progress.selectors import dashboard_for_learner, learner_course

router = Router(tags=["me"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 429: ErrorOut}


class EnrolmentOut(Schema):
    id: int
    course_id: int
    course_title: str
    course_url: str
    enrolled_at: datetime
    percent: int
    minutes_left: int
    completed_at: datetime | None
    final_grade: Decimal | None


class EnrolmentsOut(Schema):
    items: list[EnrolmentOut]


class ModuleProgressOut(Schema):
    module_id: int
    title: str
    percent: int


class CourseProgressOut(Schema):
    course_id: int
    course_title: str
    percent: int
    complete: bool
    completed_at: datetime | None
    grade: Decimal | None
    pass_mark: Decimal | None
    modules: list[ModuleProgressOut]


class CredentialOut(Schema):
    code: str
    name: str
    status: str
    awarded_at: datetime
    valid_until: datetime | None
    verification_url: str


class CredentialsOut(Schema):
    items: list[CredentialOut]


@router.get("/enrolments", response={200: EnrolmentsOut, **ERRORS}, summary="My enrolments, with progress")
def enrolments_list(request: HttpRequest) -> EnrolmentsOut:
    """Active enrolments, in progress first, then completed (the dashboard's own read)."""
    dashboard = dashboard_for_learner(user=learner_of(request), request=request)
    return EnrolmentsOut(
        items=[
            EnrolmentOut(
                id=entry.enrolment_id,
                course_id=entry.course_id,
                course_title=entry.course_title,
                course_url=request.build_absolute_uri(entry.course_url),
                enrolled_at=entry.enrolled_at,
                percent=entry.percent,
                minutes_left=entry.minutes_left,
                completed_at=entry.completed_at,
                final_grade=entry.final_grade,
            )
            for entry in [*dashboard.in_progress, *dashboard.completed]
        ]
    )


@router.get(
    "/courses/{course_id}/progress", response={200: CourseProgressOut, **ERRORS}, summary="My progress in a course"
)
def course_progress(request: HttpRequest, course_id: int) -> CourseProgressOut:
    """404 for a course the learner is not enrolled in (their progress is all this answers)."""
    user = learner_of(request)
    # A translation's id answers for its course: the original owns the learner's facts (content.translations).
    course = original_page(get_object_or_404(CoursePage.objects.live(), pk=course_id))
    outline = course_outline(course=course, request=request)
    view = learner_course(user=user, course=course, outline=outline, request=request)
    if not view.enrolled or view.completion is None:
        raise ApiError(404, _("You are not enrolled in this course."))
    completion = view.completion
    return CourseProgressOut(
        course_id=course.pk,
        course_title=course.title,
        percent=view.course_percent,
        complete=completion.complete,
        completed_at=completion.completed_at,
        grade=completion.grade if completion.graded else None,
        pass_mark=completion.pass_mark if completion.graded else None,
        modules=[
            ModuleProgressOut(module_id=module.id, title=module.title, percent=view.module_percent.get(module.id, 0))
            for module in outline.modules
        ],
    )


@router.get("/credentials", response={200: CredentialsOut, **ERRORS}, summary="My credentials")
def credentials_list(request: HttpRequest) -> CredentialsOut:
    """Issued credentials, newest first, with their live status and verification link."""
    wallet = wallet_for_learner(user=learner_of(request), with_issuers=False)
    return CredentialsOut(
        items=[
            CredentialOut(
                code=award.code,
                name=award.badge_class.name,
                status=live_status(award),
                awarded_at=award.awarded_at,
                valid_until=award.valid_until,
                verification_url=award.url,
            )
            for award in wallet.awards
            if award.status == AwardStatus.ISSUED
        ]
    )
