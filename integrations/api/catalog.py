"""The published catalog, for any valid token (the public catalog page shows the same to visitors).

A token is required even here: the limit is counted per token, and a client without one reads the public pages.
A learner's token also lists the private courses of their organizations, as the catalog page does for them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from badges.models import Achievement
from content.selectors import CatalogFilters, catalog_courses
from integrations.api.auth import token_of
from integrations.api.pagination import DEFAULT_LIMIT, MAX_LIMIT, page_of_list
from integrations.api.schemas import ErrorOut
from lms.formatting import CURRENCY

router = Router(tags=["catalog"])


class SkillOut(Schema):
    name: str
    slug: str


class CredentialOfCourseOut(Schema):
    name: str
    type: str
    credits: Decimal | None


class CourseOut(Schema):
    id: int
    title: str
    summary: str
    url: str
    level: str
    hours: int
    price: Decimal
    currency: str
    languages: list[str]
    skills: list[SkillOut]
    credential: CredentialOfCourseOut | None


class CoursePage(Schema):
    items: list[CourseOut]
    next: str | None


class CatalogQuery(Schema):
    q: str = Field("", max_length=200)
    skill: str = Field("", max_length=120)
    language: Literal["", "en", "fr"] = ""
    level: Literal["", "beginner", "intermediate", "advanced"] = ""
    price: Literal["", "free", "paid"] = ""
    cursor: str | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@router.get(
    "/courses",
    response={200: CoursePage, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut},
    summary="Published courses, with hours, price, languages, skills and credential",
)
def courses_list(request: HttpRequest, query: Query[CatalogQuery]) -> CoursePage:  # type: ignore[type-arg]
    token = token_of(request)
    courses = catalog_courses(
        filters=CatalogFilters(
            q=query.q, skill=query.skill, language=query.language, level=query.level, price=query.price
        ),
        user=token.user,
        page_size=None,
    ).courses
    page, next_url = page_of_list(
        request,
        courses,
        salt="catalog",
        key=lambda course: [course.series, course.path],
        row_id=lambda course: course.pk,
        cursor=query.cursor,
        limit=query.limit,
    )
    # The badge belongs to the course's original page; a reader's translation shares its translation key.
    badges = {
        achievement.course.translation_key: achievement
        for achievement in Achievement.objects.filter(
            course__translation_key__in=[course.translation_key for course in page]
        ).select_related("course")
        if achievement.course is not None
    }
    return CoursePage(
        items=[
            CourseOut(
                id=course.pk,
                title=course.title,
                summary=course.summary,
                url=request.build_absolute_uri(course.url or ""),
                level=course.level,
                hours=course.estimated_hours,
                price=course.list_price,
                currency=CURRENCY,
                languages=course.languages,  # type: ignore[attr-defined]
                skills=[SkillOut(name=skill.name, slug=skill.slug) for skill in course.skills.all()],
                credential=(
                    CredentialOfCourseOut(name=badge.name, type=badge.achievement_type, credits=badge.credits_available)
                    if (badge := badges.get(course.translation_key))
                    else None
                ),
            )
            for course in page
        ],
        next=next_url,
    )
