"""The benchmark's course trees: live pages inserted in bulk, as treebeard and Wagtail would leave them.

`build_course` makes a published course of modules and items (lessons, and quizzes once the assessments app has
them) and returns the `CourseSpec` the learner rows are generated from.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F, Model
from django.utils import timezone
from wagtail.models import Page, Revision

from bench.statements import chunks
from content.models import CatalogPage, CourseItemPage, CoursePage, LessonPage, ModulePage
from content.services import course_create

# --- quizzes: measured once the assessments app has landed ------------------------------------------------


def quiz_model() -> type[CourseItemPage] | None:
    try:
        return apps.get_model("assessments", "QuizPage")
    except LookupError:
        return None


def quiz_questions(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """`count` single-choice questions of four choices, the first correct, as QuizPage stream data."""
    questions = []
    for n in range(count):
        choices = [
            {
                "type": "item",
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "value": {"text": f"Answer {c} to question {n + 1}", "correct": c == 0, "feedback": ""},
            }
            for c in range(4)
        ]
        questions.append(
            {
                "type": "single_choice",
                "value": {"prompt": f"<p>Question {n + 1}: which is right?</p>", "points": 1, "choices": choices},
            }
        )
    return questions


# --- pages ----------------------------------------------------------------------------------------------


def _concrete_chain(model: type[Model]) -> list[type[Model]]:
    """The tables of a multi-table page model, root first: Page, CourseItemPage, LessonPage."""
    return [*reversed(model._meta.get_parent_list()), model]


def pages_bulk_add(parent: Page, pages: Sequence[Page]) -> None:
    """Append live `pages` (of any page types) as the last children of `parent`, in a few queries.

    The tree fields are what treebeard's add_child writes (the next path steps under the parent's path,
    depth + 1, url_path, the parent's numchild); the rows go in with one bulk insert per table and type.
    """
    if not pages:
        return
    siblings = Page.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
    last = siblings.order_by("-path").values_list("path", flat=True).first()
    first_step = Page._str2int(last[-Page.steplen :]) + 1 if last else 1
    now = timezone.now()
    by_type: dict[type[Page], list[Page]] = {}
    for step, page in enumerate(pages, start=first_step):
        page.path = Page._get_path(parent.path, parent.depth + 1, step)
        page.depth, page.numchild = parent.depth + 1, 0
        page.url_path = f"{parent.url_path}{page.slug}/"
        page.locale_id, page.draft_title = parent.locale_id, page.title
        page.live, page.has_unpublished_changes = True, False
        page.first_published_at = page.last_published_at = now
        by_type.setdefault(type(page), []).append(page)
    for page_type, group in by_type.items():
        chain = _concrete_chain(page_type)
        for batch in chunks(group, 1000):
            Page.objects.bulk_create(batch)  # sets page.id (Page's own table)
            for model in chain[1:]:
                for page in batch:
                    setattr(page, model._meta.pk.attname, page.id)
                # Django's own multi-table insert step (bulk_create refuses child models); not in the stubs.
                manager: Any = model._base_manager
                manager._insert(batch, fields=model._meta.local_concrete_fields, using=connection.alias)
    Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(pages))
    parent.numchild += len(pages)


@dataclass(frozen=True)
class ItemSpec:
    id: int
    module_id: int
    minutes: int
    required: bool
    weight: Decimal
    is_quiz: bool


@dataclass
class CourseSpec:
    course: CoursePage
    modules: list[int]
    items: list[ItemSpec]
    pass_mark: Decimal


def build_course(
    catalog: CatalogPage,
    *,
    slug: str,
    title: str,
    modules: int,
    items_per_module: int,
    minutes: int,
    hours: int,
    quiz_every: int = 0,
    quiz_questions_count: int = 10,
    through_service: bool = True,
    rng: random.Random,
) -> CourseSpec:
    """A published course and its live modules and items.

    `through_service`: the course page is made by `content.services.course_create` (revision, instructor
    group, collection), as an instructor's would be; else it is bulk-inserted like its items.
    """
    summary = f"{title}: a benchmark course of {modules * items_per_module} items."
    description = "<p>A course built by the benchmark's dataset generator.</p>"
    if through_service:
        course = course_create(
            catalog=catalog, title=title, slug=slug, summary=summary, description=description, estimated_hours=hours
        )
    else:
        course = CoursePage(title=title, slug=slug, summary=summary, description=description, estimated_hours=hours)
        pages_bulk_add(catalog, [course])
    module_pages = [
        ModulePage(title=f"Module {m + 1}", slug=f"module-{m + 1}", summary=f"What module {m + 1} covers.", live=True)
        for m in range(modules)
    ]
    pages_bulk_add(course, module_pages)
    quiz_cls = quiz_model() if quiz_every else None
    items: list[ItemSpec] = []
    quizzes: list[CourseItemPage] = []
    for m, module in enumerate(module_pages):
        children: list[CourseItemPage] = []
        for n in range(1, items_per_module + 1):
            if quiz_cls is not None and n % quiz_every == 0:
                quiz = quiz_cls(
                    title=f"Quiz {m + 1}.{n}",
                    slug=f"quiz-{m + 1}-{n}",
                    estimated_minutes=minutes,
                    grade_weight=Decimal("1"),
                    questions=quiz_questions(quiz_questions_count, rng),
                )
                quizzes.append(quiz)
                children.append(quiz)
            else:
                children.append(
                    LessonPage(
                        title=f"Lesson {m + 1}.{n}",
                        slug=f"lesson-{m + 1}-{n}",
                        estimated_minutes=minutes,
                        body=_lesson_body(m, n),
                    )
                )
        pages_bulk_add(module, children)
        items += [
            ItemSpec(
                id=page.id,
                module_id=module.id,
                minutes=page.estimated_minutes,
                required=True,
                weight=page.grade_weight,
                is_quiz=quiz_cls is not None and isinstance(page, quiz_cls),
            )
            for page in children
        ]
    revisions_bulk_publish(quizzes)
    return CourseSpec(course=course, modules=[m.id for m in module_pages], items=items, pass_mark=course.pass_mark)


def revisions_bulk_publish(pages: Sequence[Page]) -> None:
    """One published revision per page, as `save_revision().publish()` leaves it: attempts pin a quiz's revision.

    Lessons are read from their live rows and need none.
    """
    if not pages:
        return
    now = timezone.now()
    base = ContentType.objects.get_for_model(Page)
    revisions = [
        Revision(
            content_type_id=page.content_type_id,
            base_content_type=base,
            object_id=str(page.pk),
            created_at=now,
            object_str=page.title,
            content=page.serializable_data(),
        )
        for page in pages
    ]
    Revision.objects.bulk_create(revisions)
    for page, revision in zip(pages, revisions, strict=True):
        Page.objects.filter(pk=page.pk).update(
            live_revision=revision, latest_revision=revision, latest_revision_created_at=now
        )
        page.live_revision_id = page.latest_revision_id = revision.pk


def _lesson_body(module: int, lesson: int) -> list[dict[str, Any]]:
    text = (
        "<p>Self-paced study works when every step is short and clear. This paragraph stands for the prose of "
        "a real lesson: an explanation, an example, and a pointer to what comes next.</p>"
    )
    return [
        {"type": "heading", "value": {"text": f"Part {module + 1}.{lesson}", "level": "h2"}},
        {"type": "paragraph", "value": text * 3},
        {"type": "paragraph", "value": text * 2},
    ]
