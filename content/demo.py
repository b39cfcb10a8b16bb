"""Demo catalog: the Cloud Systems series and Search Engine Marketing, from content/demo_data/*.json.

Idempotent: a course whose slug exists is left as it is, so running the seed twice changes nothing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from wagtail.models import Page, Site

from content.models import CatalogPage, CoursePage, HomePage, LessonPage, ModulePage, Skill
from content.services import course_create
from lms.models import User

DATA_DIR = Path(__file__).resolve().parent / "demo_data"
COURSE_FILES = (
    "linux-for-the-cloud.json",
    "containers-and-kubernetes.json",
    "cloud-networking.json",
    "search-engine-marketing.json",
)


@dataclass
class DemoCatalog:
    home: HomePage
    catalog: CatalogPage
    courses: dict[str, CoursePage]
    data: dict[str, dict[str, Any]]


def load_course_data() -> dict[str, dict[str, Any]]:
    data = {}
    for name in COURSE_FILES:
        course = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
        data[course["slug"]] = course
    return data


@transaction.atomic
def site_ensure() -> tuple[HomePage, CatalogPage]:
    """Replace Wagtail's welcome page with our Home and Catalog, once."""
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        welcome = Page.objects.filter(depth=2, slug="home").exclude(content_type__model="homepage").first()
        if welcome is not None:
            welcome.slug = "welcome-old"
            welcome.save_revision().publish()
        home = HomePage(
            title="Stackable",
            slug="home",
            heading="Short courses. Verifiable skills.",
            intro="<p>Self-paced micro-courses of 6 to 60 hours, each ending in an Open Badges 3.0 credential "
            "that anyone can verify and that stacks into bigger ones.</p>",
        )
        root.add_child(instance=home)
        home.save_revision().publish()
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "Stackable"},
        )
        if welcome is not None:
            welcome.delete()
    catalog = CatalogPage.objects.first()
    if catalog is None:
        catalog = CatalogPage(
            title="Courses",
            slug="courses",
            intro="<p>Every course is self-paced and ends with a verifiable badge.</p>",
        )
        home.add_child(instance=catalog)
        catalog.save_revision().publish()
    return home, catalog


def _skill(spec: dict[str, Any]) -> Skill:
    framing = {
        "framework": spec.get("framework") or "",
        "framework_url": spec.get("url") or "",
        "code": spec.get("code") or "",
    }
    skill, created = Skill.objects.get_or_create(
        slug=slugify(spec["name"])[:120], defaults={"name": spec["name"], **framing}
    )
    if not created and not skill.framework_url and framing["framework_url"]:  # an older demo's skill gets its link
        Skill.objects.filter(pk=skill.pk).update(**framing)
        skill.refresh_from_db()
    return skill


def _table_value(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "data": [value["header"], *value["rows"]],
        "first_row_is_table_header": True,
        "first_col_is_header": False,
        "table_caption": value.get("caption", ""),
    }


def lesson_body(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Demo JSON blocks to StreamField raw data."""
    raw = []
    for block in blocks:
        kind, value = block["type"], block["value"]
        if kind == "table":
            value = _table_value(value)
        raw.append({"type": kind, "value": value, "id": str(uuid.uuid4())})
    return raw


@transaction.atomic
def course_seed(*, catalog: CatalogPage, spec: dict[str, Any], instructors: dict[str, User]) -> CoursePage:
    existing = CoursePage.objects.filter(slug=spec["slug"]).first()
    if existing is not None:
        return existing
    course = course_create(
        catalog=catalog,
        title=spec["title"],
        slug=spec["slug"],
        summary=spec["summary"],
        description=spec["description"],
        estimated_hours=spec["estimated_hours"],
        list_price=spec["list_price"],
        instructors=[instructors[spec["instructor"]]],
        level=spec["level"],
        language=spec["language"],
        financial_aid_eligible=spec["financial_aid_eligible"],
        series=spec.get("series") or "",
        outcomes=[{"type": "outcome", "value": text, "id": str(uuid.uuid4())} for text in spec["outcomes"]],
    )
    course.skills.set([_skill(s) for s in spec["skills"]])
    course.prerequisites.set(list(CoursePage.objects.filter(slug__in=spec.get("prerequisites", []))))
    course.save_revision().publish()
    for module_spec in spec["modules"]:
        module = ModulePage(title=module_spec["title"], summary=module_spec.get("summary", ""))
        course.add_child(instance=module)
        module.save_revision().publish()
        for lesson_spec in module_spec["lessons"]:
            lesson = LessonPage(
                title=lesson_spec["title"],
                estimated_minutes=lesson_spec["minutes"],
                free_preview=lesson_spec.get("free_preview", False),
                body=lesson_body(lesson_spec["body"]),
            )
            module.add_child(instance=lesson)
            lesson.save_revision().publish()
    return course


def seed_content(*, instructors: dict[str, User]) -> DemoCatalog:
    home, catalog = site_ensure()
    data = load_course_data()
    courses = {slug: course_seed(catalog=catalog, spec=spec, instructors=instructors) for slug, spec in data.items()}
    return DemoCatalog(home=home, catalog=catalog, courses=courses, data=data)
