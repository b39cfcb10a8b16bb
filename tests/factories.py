"""Factories for the tests: users, and a site tree with courses of any size."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group

from content.demo import site_ensure
from content.models import CatalogPage, CoursePage, LessonPage, ModulePage, Skill
from content.services import course_create, course_translate, page_ancestors_translate
from lms.models import User
from lms.roles import INSTRUCTORS

_counter = itertools.count(1)


def make_user(*, email: str | None = None, instructor: bool = False, **extra: Any) -> User:
    n = next(_counter)
    user = User.objects.create_user(email or f"user{n}@example.test", "pw-123456789", **extra)
    if instructor:
        user.groups.add(Group.objects.get(name=INSTRUCTORS))
    return user


def catalog() -> CatalogPage:
    return site_ensure()[1]


def french_catalog() -> CatalogPage:
    """The French tree's catalog: Home and Catalog translated into French and live (content.services)."""
    return page_ancestors_translate(page=catalog(), language="fr", inclusive=True)[-1]


def translate_course(course: CoursePage, *, language: str = "fr", publish: bool = True) -> CoursePage:
    """`course` translated with its modules and items (content.services), each title prefixed « FR », published."""
    copy = course_translate(course=course, language=language)
    if publish:
        for page in copy.get_descendants(inclusive=True).specific():
            page.title = f"FR {page.title}"
            page.save_revision().publish()
    return CoursePage.objects.get(pk=copy.pk)


def make_course(
    *,
    title: str | None = None,
    modules: int = 1,
    lessons_per_module: int = 4,
    instructors: list[User] | None = None,
    hours: int = 8,
    price: str = "0.00",
    skills: list[Skill] | None = None,
    publish_items: bool = True,
    free_preview: bool = False,
    **fields: Any,
) -> CoursePage:
    n = next(_counter)
    language = fields.pop("language", "en")
    course = course_create(
        catalog=french_catalog() if language == "fr" else catalog(),
        title=title or f"Course {n}",
        slug=f"course-{n}",
        summary=f"Summary of course {n}",
        description="<p>About it.</p>",
        estimated_hours=hours,
        list_price=Decimal(price),
        instructors=instructors or [],
        **fields,
    )
    if skills:
        course.skills.set(skills)
        course.save_revision().publish()
    for m in range(modules):
        # Pages are created live directly: tests of reading need no revision history, and it is 3x faster.
        module = ModulePage(title=f"Module {m + 1}", summary="", live=True)
        course.add_child(instance=module)
        for lesson_index in range(lessons_per_module):
            lesson = LessonPage(
                title=f"Lesson {m + 1}.{lesson_index + 1}",
                estimated_minutes=20,
                body=[{"type": "paragraph", "value": f"<p>Text of lesson {lesson_index + 1}.</p>"}],
                live=publish_items,
                free_preview=free_preview,
            )
            module.add_child(instance=lesson)
    return course


def make_skill(name: str, **extra: Any) -> Skill:
    from django.utils.text import slugify

    return Skill.objects.create(name=name, slug=slugify(name), **extra)
