"""Demo catalog: the Cloud Systems series and Search Engine Marketing, from content/demo_data/*.json, and the
French version of the site's Home and Catalog and of Search Engine Marketing (content/demo_data/<slug>.fr.json).

Idempotent: a course whose slug exists is left as it is, and a translated page already live is left as it is,
so running the seed twice changes nothing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from wagtail.models import Locale, Page, Site

from content.models import CatalogPage, CoursePage, HomePage, LessonPage, ModulePage, Skill
from content.services import course_create, course_translate, page_ancestors_translate
from lms.models import User

DATA_DIR = Path(__file__).resolve().parent / "demo_data"
COURSE_FILES = (
    "linux-for-the-cloud.json",
    "containers-and-kubernetes.json",
    "cloud-networking.json",
    "search-engine-marketing.json",
)
FRENCH = "fr"
# The demo course fully translated into French (the smallest complete one: lessons, quizzes and a task).
FRENCH_COURSES = ("search-engine-marketing",)
FRENCH_SITE = {
    "home": {
        "title": "Stackable",
        "heading": "Des cours courts. Des compétences vérifiables.",
        "intro": "<p>Des microcours à votre rythme, de 6 à 60 heures, qui mènent chacun à un titre de compétences "
        "Open Badges 3.0 que tout le monde peut vérifier et qui s'empile pour en former de plus grands.</p>",
    },
    "catalog": {
        "title": "Cours",
        "intro": "<p>Chaque cours se suit à votre rythme et mène à un insigne numérique vérifiable.</p>",
    },
}


@dataclass
class DemoCatalog:
    home: HomePage
    catalog: CatalogPage
    courses: dict[str, CoursePage]
    data: dict[str, dict[str, Any]]
    # The French courses by the slug of their original, with their French text (`<slug>.fr.json`).
    french: dict[str, CoursePage] = field(default_factory=dict)
    french_data: dict[str, dict[str, Any]] = field(default_factory=dict)


def load_course_data() -> dict[str, dict[str, Any]]:
    data = {}
    for name in COURSE_FILES:
        course = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
        data[course["slug"]] = course
    return data


@transaction.atomic
def site_ensure() -> tuple[HomePage, CatalogPage]:
    """Replace Wagtail's welcome page with our Home and Catalog, once."""
    default_locale = Locale.get_default()
    home = HomePage.objects.filter(locale=default_locale).first()
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
    catalog = CatalogPage.objects.filter(locale=default_locale).first()
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
    existing = CoursePage.objects.filter(slug=spec["slug"], locale__language_code=spec["language"]).first()
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


def load_translation(slug: str, language: str) -> dict[str, Any]:
    return json.loads((DATA_DIR / f"{slug}.{language}.json").read_text(encoding="utf-8"))


def translated_value(source: Any, translation: Any) -> Any:
    """`source` with the text of `translation` laid over it: dicts key by key, lists of dicts or lists item by
    item (same length: the structure belongs to the original), anything else replaced. What the translation
    leaves out (answer keys, ids, numbers) stays the source's."""
    if isinstance(source, dict) and isinstance(translation, dict):
        return {
            key: translated_value(source.get(key), translation[key]) if key in translation else value
            for key, value in {**source, **translation}.items()
        }
    if isinstance(source, list) and isinstance(translation, list) and any(isinstance(v, dict | list) for v in source):
        if len(source) != len(translation):
            raise ValueError(f"translation has {len(translation)} items where the original has {len(source)}")
        return [translated_value(s, t) for s, t in zip(source, translation, strict=True)]
    return translation


def _publish(page: Page) -> None:
    page.save_revision().publish()


@transaction.atomic
def site_translation_seed(*, language: str = FRENCH) -> tuple[HomePage, CatalogPage]:
    """The site's Home and Catalog in `language`, as translations of the English ones with their own wording."""
    _home, catalog = site_ensure()
    home_page, catalog_page = page_ancestors_translate(page=catalog, language=language, inclusive=True)
    home, catalog = HomePage.objects.get(pk=home_page.pk), CatalogPage.objects.get(pk=catalog_page.pk)
    text = FRENCH_SITE
    if not home.live or (home.title, home.heading, home.intro) != tuple(text["home"].values()):
        home.title, home.heading, home.intro = text["home"]["title"], text["home"]["heading"], text["home"]["intro"]
        _publish(home)
    if not catalog.live or (catalog.title, catalog.intro) != tuple(text["catalog"].values()):
        catalog.title, catalog.intro = text["catalog"]["title"], text["catalog"]["intro"]
        _publish(catalog)
    return home, catalog


def _body(raw: list[dict[str, Any]], source: list[dict[str, Any]], translation: list[dict[str, Any]]) -> list[Any]:
    """The French body of a copied lesson: each block's French value, keeping its id and type."""
    blocks = lesson_body(translated_value(source, translation))
    if [b["type"] for b in blocks] != [b["type"] for b in raw]:
        raise ValueError("a translated lesson must have the same blocks as its original")
    return [{**block, "id": existing["id"]} for block, existing in zip(blocks, raw, strict=True)]


@transaction.atomic
def course_translation_seed(*, course: CoursePage, spec: dict[str, Any], translation: dict[str, Any]) -> CoursePage:
    """`course` translated into French: copied (content.services.course_translate), its course, module and lesson
    pages given their French text and published. Quizzes and tasks are assessments' (assessments.demo)."""
    copy = CoursePage.objects.filter(translation_key=course.translation_key, locale__language_code=FRENCH).first()
    if copy is None:
        copy = course_translate(course=course, language=FRENCH)
    if not copy.live:
        copy.title, copy.summary, copy.description = (translation[k] for k in ("title", "summary", "description"))
        outcomes = copy.outcomes.raw_data
        if len(outcomes) != len(translation["outcomes"]):
            raise ValueError(f"{spec['slug']}: the translation must have one outcome per original outcome")
        copy.outcomes = [{**o, "value": text} for o, text in zip(outcomes, translation["outcomes"], strict=True)]
        _publish(copy)
    modules = list(ModulePage.objects.child_of(copy).order_by("path"))
    for module, module_spec, module_text in zip(modules, spec["modules"], translation["modules"], strict=True):
        if not module.live:
            module.title, module.summary = module_text["title"], module_text.get("summary", "")
            _publish(module)
        lessons = list(LessonPage.objects.child_of(module).order_by("path"))
        for lesson, lesson_spec, lesson_text in zip(
            lessons, module_spec["lessons"], module_text["lessons"], strict=True
        ):
            if not lesson.live:
                lesson.title = lesson_text["title"]
                lesson.body = _body(list(lesson.body.raw_data), lesson_spec["body"], lesson_text["body"])
                _publish(lesson)
    return CoursePage.objects.get(pk=copy.pk)


def seed_content(*, instructors: dict[str, User]) -> DemoCatalog:
    home, catalog = site_ensure()
    data = load_course_data()
    courses = {slug: course_seed(catalog=catalog, spec=spec, instructors=instructors) for slug, spec in data.items()}
    return DemoCatalog(home=home, catalog=catalog, courses=courses, data=data)


def seed_translations(*, demo: DemoCatalog) -> DemoCatalog:
    """The French site and course (run after assessments' demo, so the copy has its quizzes and task)."""
    site_translation_seed(language=FRENCH)
    for slug in FRENCH_COURSES:
        if slug in demo.courses:
            translation = load_translation(slug, FRENCH)
            demo.french_data[slug] = translation
            demo.french[slug] = course_translation_seed(
                course=demo.courses[slug], spec=demo.data[slug], translation=translation
            )
    return demo
