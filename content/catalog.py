"""The catalog's reads: the live courses a reader may see, filtered, searched and paged, their skills and the
featured courses (split from content.selectors, which re-exports them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Length, Substr
from wagtail.models import Page, PageViewRestriction
from wagtail.query import PageQuerySet

from content.models import CoursePage, Skill
from content.translations import (
    group_languages,
    locale_id_for,
)

DURATION_BANDS: dict[str, tuple[int, int]] = {"short": (6, 10), "medium": (11, 25), "long": (26, 60)}


@dataclass(frozen=True)
class CatalogFilters:
    q: str = ""
    skill: str = ""
    duration: str = ""
    price: str = ""
    language: str = ""
    level: str = ""
    aid: str = ""  # "eligible": courses that accept financial aid

    @property
    def active(self) -> bool:
        return any((self.q, self.skill, self.duration, self.price, self.language, self.level, self.aid))


def _public(courses: PageQuerySet) -> PageQuerySet:
    """Wagtail's `public()` in the same query: no view restriction on the page or an ancestor (a restriction
    whose page's path is a prefix of the course's), instead of a query for every restriction first."""
    restricted = PageViewRestriction.objects.filter(page__path=Substr(OuterRef("path"), 1, Length("page__path")))
    return courses.filter(~Exists(restricted))


def _live_courses(user: Any = None) -> PageQuerySet:
    """Live public courses, and for a signed-in user also those restricted to a group they belong to
    (an organization's private courses, for its members)."""
    courses = CoursePage.objects.live()
    if user is None or not user.is_authenticated:
        return _public(courses)
    theirs = PageViewRestriction.objects.filter(restriction_type=PageViewRestriction.GROUPS, groups__user=user)
    return courses.filter(
        Q(pk__in=_public(CoursePage.objects.live()).values("pk")) | Q(pk__in=theirs.values("page_id"))
    )


def _in_catalog(courses: PageQuerySet, catalog: Page | None) -> PageQuerySet:
    """The courses below `catalog` or below one of its translations (a French catalog lists the English originals
    not translated yet); every course when no catalog is given. The group's addresses are cached."""
    if catalog is None:
        return courses
    prefixes = Q()
    from content.selectors import _group_paths  # cached per translation group (content.selectors imports this module)

    for _language, url_path in _group_paths(catalog):
        prefixes |= Q(url_path__startswith=url_path)
    return courses.filter(prefixes) if prefixes else courses.none()


def _one_per_course(courses: PageQuerySet) -> PageQuerySet:
    """Each course once: its page in the reader's language where it has one, else its original (content/
    translations.py). Decided in the same query (a subquery on translation groups)."""
    locale_id = locale_id_for()
    in_language = CoursePage.objects.live().filter(locale_id=locale_id).values("translation_key")
    translated_elsewhere = (
        CoursePage.objects.live()
        .exclude(locale_id=locale_id)
        .filter(translation_key=OuterRef("translation_key"), pk__lt=OuterRef("pk"))
    )
    return courses.filter(
        Q(locale_id=locale_id) | (~Q(translation_key__in=in_language) & ~Exists(translated_elsewhere))
    )


def _course_cards(user: Any = None, catalog: Page | None = None) -> PageQuerySet:
    """Live courses, once each, with what a course card shows: hero image and skills, in two queries."""
    courses = _one_per_course(_in_catalog(_live_courses(user), catalog))
    return courses.select_related("hero_image").prefetch_related("skills")


# A catalog lists this many courses a page: a catalog of 1,000 courses costs what one of 24 does.
CATALOG_PAGE_SIZE = 24


@dataclass(frozen=True)
class CatalogResults:
    """One page of a catalog's courses matching the filters, and how many match in all."""

    courses: list[CoursePage]
    count: int
    number: int = 1  # this page's number, from 1
    pages: int = 1

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None


def catalog_courses(
    *,
    filters: CatalogFilters,
    user: Any = None,
    catalog: Page | None = None,
    page: int = 1,
    page_size: int | None = CATALOG_PAGE_SIZE,
) -> CatalogResults:
    """One page of the live courses of `catalog` that `user` may see matching every filter; by relevance when
    searching, else by series and title. Four queries (count, courses, skills, languages); a page past the last
    shows the last. `page_size=None`: every matching course on one page (the API pages them by cursor)."""
    courses = _course_cards(user, catalog)
    if filters.level:
        courses = courses.filter(level=filters.level)
    if filters.language:  # a course is in every language it has a live translation in
        courses = courses.filter(
            translation_key__in=CoursePage.objects.live().filter(language=filters.language).values("translation_key")
        )
    if filters.price == "free":
        courses = courses.filter(list_price=0)
    elif filters.price == "paid":
        courses = courses.filter(list_price__gt=0)
    if filters.aid == "eligible":
        courses = courses.filter(financial_aid_eligible=True)
    if filters.duration in DURATION_BANDS:
        low, high = DURATION_BANDS[filters.duration]
        courses = courses.filter(estimated_hours__gte=low, estimated_hours__lte=high)
    if filters.skill:
        courses = courses.filter(skills__slug=filters.skill)
    if not filters.q:
        return _catalog_page(courses.order_by("series", "path"), page, page_size)
    # Search gives the ranked translation groups of live courses (only an order: what `user` may see is the
    # filtered queryset's to say); the filtered queryset keeps its joins and prefetches.
    # A match in any language finds the course, shown in the reader's language.
    found = CoursePage.objects.live().search(filters.q, operator="and")
    ranked = list(dict.fromkeys(page.translation_key for page in found))
    if not ranked:
        return CatalogResults(courses=[], count=0)
    order = Case(
        *[When(translation_key=key, then=Value(rank)) for rank, key in enumerate(ranked)], output_field=IntegerField()
    )
    return _catalog_page(courses.filter(translation_key__in=ranked).order_by(order, "path"), page, page_size)


def _catalog_page(courses: PageQuerySet, number: int, size: int | None) -> CatalogResults:
    if size is None:
        found = _with_languages(list(courses))
        return CatalogResults(courses=found, count=len(found))
    count = courses.count()
    pages = max(1, -(-count // size))
    number = min(max(1, number), pages)
    start = (number - 1) * size
    found = _with_languages(list(courses[start : start + size])) if count else []
    return CatalogResults(courses=found, count=count, number=number, pages=pages)


def catalog_skills(*, catalog: Page | None = None) -> list[Skill]:
    """The skills taught by at least one live course of `catalog`, for the catalog's filter list."""
    courses = _in_catalog(_live_courses(), catalog)
    return list(Skill.objects.filter(courses__in=courses).distinct().order_by("name"))


def featured_courses(*, limit: int) -> list[CoursePage]:
    return _with_languages(list(_course_cards().order_by("series", "path")[:limit]))


def _with_languages(courses: list[CoursePage]) -> list[CoursePage]:
    """Each course card's `languages`: the codes of those it is live in (one query)."""
    found = group_languages(translation_keys=[course.translation_key for course in courses])
    for course in courses:
        course.languages = found.get(course.translation_key) or [course.language]  # type: ignore[attr-defined]
    return courses
