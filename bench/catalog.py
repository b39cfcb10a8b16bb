"""The catalog and course pages as a visitor and a learner see them (issue 19): probes and their dataset part.

Two more catalog sections under the home page, of 10 and 1,000 published courses (bulk-inserted cards: a course
with its facts and skills, no modules; indexed for search in one bulk call), so that the catalog's flatness is
measured in the same run: a catalog lists only the courses below it (content.selectors.catalog_courses).
The course pages are the dataset's 20-, 240- and 5,000-item courses, read by a visitor and by an enrolled learner.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.test import Client

from bench.measure import Probe
from bench.operations import Context, NotMeasured, getter

CATALOG_SIZES = (10, 1000)
CATALOG_SLUG = "bench-catalog-{n}"
# Words of the course titles: a search for one finds a tenth of a section's courses.
TOPICS = ("networking", "security", "kubernetes", "linux", "python", "marketing", "analytics", "design", "finance")
SEARCH_WORD = "security"
FILTERS = "level=beginner&duration=medium&language=en"
SKILLS = 12


def build_catalogs(*, home: object, rng: random.Random) -> None:
    """Two catalog sections of 10 and 1,000 live courses with varied facts and one to three skills each."""
    from wagtail.search.backends import get_search_backend

    from bench.pages import pages_bulk_add
    from content.models import CatalogPage, CoursePage, Level, Skill

    skills = Skill.objects.bulk_create(
        [Skill(name=f"Bench skill {n + 1}", slug=f"bench-skill-{n + 1}") for n in range(SKILLS)]
    )
    levels = [value for value, _label in Level.choices]
    through = CoursePage.skills.through
    for size in CATALOG_SIZES:
        catalog = CatalogPage(title=f"Catalog of {size} courses", slug=CATALOG_SLUG.format(n=size), intro="")
        pages_bulk_add(home, [catalog])  # type: ignore[arg-type]
        courses = [
            CoursePage(
                title=f"Catalog course {n + 1}: {TOPICS[n % len(TOPICS)]} in practice",
                slug=f"catalog-course-{n + 1}",
                summary=f"A {TOPICS[n % len(TOPICS)]} course of the benchmark's catalog.",
                description="<p>A course card of the benchmark's catalog.</p>",
                series=f"Series {n % 7 + 1}",
                estimated_hours=rng.randint(6, 60),
                level=levels[n % len(levels)],
                list_price=Decimal("0.00") if n % 3 == 0 else Decimal(rng.choice(("49.00", "99.00", "249.00"))),
                financial_aid_eligible=n % 4 == 0,
            )
            for n in range(size)
        ]
        pages_bulk_add(catalog, courses)
        through.objects.bulk_create(
            [
                through(coursepage_id=course.pk, skill_id=skill.pk)
                for course in courses
                for skill in rng.sample(skills, rng.randint(1, 3))
            ]
        )
        get_search_backend().add_bulk(CoursePage, CoursePage.objects.filter(pk__in=[c.pk for c in courses]))


def catalog_probes(ctx: Context) -> list[Probe | NotMeasured]:
    from bench.landed import _guarded

    names = {}
    for size in CATALOG_SIZES:
        names[f"catalog_{size}"] = f"catalog, {size} courses (visitor)"
        names[f"catalog_filtered_{size}"] = f"catalog with filters, {size} courses (visitor)"
        names[f"catalog_search_{size}"] = f"catalog search, {size} courses (visitor)"
    names |= {f"course_page_anonymous_{n}": f"course page, {n} (visitor)" for n in ("small", "big", "xl")}
    return _guarded(names, lambda: _catalog_probes(ctx))


def _catalog_probes(ctx: Context) -> list[Probe]:
    from content.models import CatalogPage

    visitor = Client()
    probes = []
    for size in CATALOG_SIZES:
        url = CatalogPage.objects.get(slug=CATALOG_SLUG.format(n=size)).url
        cases = [
            (f"catalog_{size}", f"catalog, {size} courses (visitor)", url),
            (
                f"catalog_filtered_{size}",
                f"catalog with filters, {size} courses (visitor: {FILTERS})",
                f"{url}?{FILTERS}",
            ),
            (
                f"catalog_search_{size}",
                f"catalog search, {size} courses (visitor: “{SEARCH_WORD}”)",
                f"{url}?q={SEARCH_WORD}",
            ),
        ]
        for name, label, address in cases:
            probes.append(Probe(name, label, getter(visitor, address), baseline="bare_page", group="catalog"))
    m = ctx.manifest
    for key, course in (("small", m.small), ("big", m.big), ("xl", m.xl)):
        items = len(m.items(course))
        probes.append(
            Probe(
                f"course_page_anonymous_{key}",
                f"course page, {items}-item course (visitor)",
                getter(visitor, course.url),
                baseline="bare_page",
                per_round=2 if key == "xl" else 12,
                group="course page",
            )
        )
    return probes
