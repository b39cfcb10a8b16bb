"""Seeded benchmark datasets: course trees built once per structure, learner rows in bulk (COPY on PostgreSQL).

A dataset is a catalog of full 60-hour courses (12 modules of 20 items: every fifth item a 10-question quiz
once the assessments app has quizzes), a 20-item course and an XL course of 5,000 lessons for the flatness
pairs, 27 short courses so that one learner can hold 30 enrolments, and learners with enrolments, item
progress and the aggregates `progress.services.progress_refresh` would write for them. Learner rows never go
through the ORM one at a time: users and enrolments by `bulk_create` in large batches, item progress and
aggregates by `COPY ... FROM STDIN` (psycopg 3), or `bulk_create` on SQLite (the test suite's default).

Named fixtures the runner and tests look up (`Manifest`): the courses by slug and a few learners by e-mail.
`python -m bench.build --dataset S` builds one into the database of DATABASE_URL.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, Model
from django.utils import timezone
from wagtail.models import Page, Revision

from content.demo import site_ensure
from content.models import CatalogPage, CourseItemPage, CoursePage, LessonPage, ModulePage
from content.services import course_create
from lms.models import User
from progress.models import CourseProgress, Enrolment, ItemProgress, ItemState, ModuleProgress

HUNDRED = Decimal("100")
CENT = Decimal("0.01")
BATCH = 5_000
T0 = timezone.make_aware(datetime(2026, 9, 1, 9, 0))
PASSWORD = "bench-password"  # noqa: S105 - every benchmark account's password, for the HTTP mode's logins
EMAIL_DOMAIN = "bench.test"

BIG_SLUG = "bench-course-{n}"
SMALL_SLUG = "bench-small"
XL_SLUG = "bench-xl"
SHORT_SLUG = "bench-short-{n}"

# The learners the operations act as (one fixture each, so operations never share state).
LESSON_LEARNER = "lesson-reader"  # enrolled in big course 1, the 20-item course and the XL course
DASHBOARD_ONE = "dashboard-one"  # one enrolment
DASHBOARD_THIRTY = "dashboard-thirty"  # thirty enrolments
COMPLETER = "completer"  # marks lessons complete, one after the other, in big course 1
QUIZ_TAKER = "quiz-taker"  # submits quizzes in big course 1
NAMED_LEARNERS = (LESSON_LEARNER, DASHBOARD_ONE, DASHBOARD_THIRTY, COMPLETER, QUIZ_TAKER)


@dataclass(frozen=True)
class Size:
    name: str
    learners: int
    big_courses: int
    modules: int = 12
    items_per_module: int = 20
    item_minutes: int = 15
    quiz_every: int = 5
    quiz_questions: int = 10
    small_items: int = 20
    xl_modules: int = 50
    xl_items_per_module: int = 100
    xl_learners: int = 50
    org_staff: tuple[int, ...] = (10, 5000)
    seed: int = 20260901

    @property
    def short_courses(self) -> int:
        """Enough short courses for one learner to hold 30 enrolments (with the big and the small courses)."""
        return max(0, 29 - self.big_courses)

    @property
    def xl_items(self) -> int:
        return self.xl_modules * self.xl_items_per_module


SIZES = {
    "S": Size("S", learners=1_000, big_courses=3),
    "M": Size("M", learners=10_000, big_courses=20),
}


def tiny(*, xl_items: int = 500, learners: int = 30) -> Size:
    """The flatness tests' dataset: the same shapes, small enough to build on the test database in seconds."""
    return Size(
        "tiny",
        learners=learners,
        big_courses=1,
        modules=4,
        items_per_module=5,
        xl_modules=xl_items // 50,
        xl_items_per_module=50,
        xl_learners=5,
        org_staff=(10, 200),
    )


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
        for batch in _chunks(group, 1000):
            Page.objects.bulk_create(batch)  # sets page.id (Page's own table)
            for model in chain[1:]:
                for page in batch:
                    setattr(page, model._meta.pk.attname, page.id)
                model._base_manager._insert(batch, fields=model._meta.local_concrete_fields, using=connection.alias)
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

    @property
    def quiz_ids(self) -> list[int]:
        return [item.id for item in self.items if item.is_quiz]


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
    facts = {
        "title": title,
        "slug": slug,
        "summary": f"{title}: a benchmark course of {modules * items_per_module} items.",
        "description": "<p>A course built by the benchmark's dataset generator.</p>",
        "estimated_hours": hours,
    }
    if through_service:
        course = course_create(catalog=catalog, **facts)
    else:
        course = CoursePage(**facts)
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


# --- learner rows -----------------------------------------------------------------------------------------


def _chunks(rows: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def copy_rows(model: type[Model], columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Insert plain rows into `model`'s table: COPY FROM STDIN on PostgreSQL, bulk_create elsewhere."""
    count = 0
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
        connection.ensure_connection()
        with connection.connection.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    attnames = [model._meta.get_field(c).attname for c in columns]
    objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
    for chunk in _chunks(objs):
        model.objects.bulk_create(chunk)
    return len(objs)


def _percent(part: int, whole: int) -> Decimal:
    if whole <= 0:
        return Decimal("0")
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_DOWN)


def _grade(weighted_sum: Decimal, weight_total: Decimal) -> Decimal | None:
    if not weight_total:
        return None
    return (weighted_sum / weight_total).quantize(CENT, rounding=ROUND_DOWN)


@dataclass
class Figures:
    minutes_done: int = 0
    minutes_total: int = 0
    items_started: int = 0
    items_done: int = 0
    items_total: int = 0
    required_done: int = 0
    required_total: int = 0
    weight_total: Decimal = Decimal("0")
    weighted_sum: Decimal = Decimal("0")

    def add(self, item: ItemSpec, state: str | None, score: Decimal | None) -> None:
        done = state == ItemState.COMPLETE
        self.minutes_total += item.minutes
        self.items_total += 1
        self.required_total += item.required
        if done:
            self.minutes_done += item.minutes
            self.items_done += 1
            self.required_done += item.required
        if state in (ItemState.IN_PROGRESS, ItemState.COMPLETE):
            self.items_started += 1
        if item.weight > 0:
            self.weight_total += item.weight
            self.weighted_sum += item.weight * (score or Decimal("0"))

    def row(self) -> tuple[Any, ...]:
        return (
            self.minutes_done,
            self.minutes_total,
            _percent(self.minutes_done, self.minutes_total),
            self.items_started,
            self.items_done,
            self.items_total,
            self.required_done,
            self.required_total,
            _grade(self.weighted_sum, self.weight_total),
        )


FIGURE_COLUMNS = [
    "minutes_done",
    "minutes_total",
    "percent",
    "items_started",
    "items_done",
    "items_total",
    "required_done",
    "required_total",
    "grade",
]


@dataclass
class LearnerRows:
    """Rows gathered in memory, then written table by table."""

    items: list[tuple[Any, ...]] = field(default_factory=list)
    modules: list[tuple[Any, ...]] = field(default_factory=list)
    courses: list[tuple[Any, ...]] = field(default_factory=list)
    completions: list[tuple[int, datetime, Decimal]] = field(default_factory=list)
    last_opened: list[tuple[int, int, datetime]] = field(default_factory=list)


def _study_fraction(rng: random.Random) -> float:
    """How far through a course a learner is: many just started, some midway, a few near the end or done."""
    band = rng.random()
    if band < 0.35:
        return rng.uniform(0.0, 0.05)
    if band < 0.75:
        return rng.uniform(0.05, 0.5)
    if band < 0.90:
        return rng.uniform(0.5, 0.99)
    return 1.0


def learner_progress(
    rows: LearnerRows, *, enrolment: Enrolment, spec: CourseSpec, done: int, rng: random.Random, now: datetime
) -> None:
    """Item rows for the first `done` items (complete) and the next one (in progress), and the aggregates."""
    started_at = enrolment.enrolled_at
    clock = started_at
    states: dict[int, tuple[str, Decimal | None]] = {}
    for index, item in enumerate(spec.items[: done + 1]):
        clock = min(now, clock + timedelta(minutes=item.minutes + rng.randint(0, 600)))
        complete = index < done
        score = Decimal(rng.randint(70, 100)) if item.is_quiz and complete else None
        state = ItemState.COMPLETE if complete else ItemState.IN_PROGRESS
        states[item.id] = (state, score)
        rows.items.append((enrolment.pk, item.id, state, score, clock, clock if complete else None, clock, now, None))
    module_figures = {module_id: Figures() for module_id in spec.modules}
    course_figures = Figures()
    next_item_id = None
    for item in spec.items:
        state, score = states.get(item.id, (None, None))
        module_figures[item.module_id].add(item, state, score)
        course_figures.add(item, state, score)
        if next_item_id is None and state != ItemState.COMPLETE and item.required:
            next_item_id = item.id
    for module_id, figures in module_figures.items():
        rows.modules.append((enrolment.pk, module_id, *figures.row(), now))
    rows.courses.append((enrolment.pk, *course_figures.row(), now, next_item_id))
    grade = _grade(course_figures.weighted_sum, course_figures.weight_total)
    final = HUNDRED if grade is None else grade
    if course_figures.required_done == course_figures.required_total and final >= spec.pass_mark:
        rows.completions.append((enrolment.pk, clock, final))
    last = spec.items[min(done, len(spec.items) - 1)]
    rows.last_opened.append((enrolment.pk, last.id, clock))


ITEM_COLUMNS = [
    "enrolment",
    "item",
    "state",
    "score",
    "started_at",
    "completed_at",
    "last_event_at",
    "updated_at",
    "revision",
]


def write_learner_rows(rows: LearnerRows) -> None:
    copy_rows(ItemProgress, ITEM_COLUMNS, rows.items)
    copy_rows(ModuleProgress, ["enrolment", "module", *FIGURE_COLUMNS, "updated_at"], rows.modules)
    copy_rows(CourseProgress, ["enrolment", *FIGURE_COLUMNS, "updated_at", "next_item"], rows.courses)
    _update_enrolments(rows)


def _update_enrolments(rows: LearnerRows) -> None:
    """Completion and "last opened" go onto enrolments with one UPDATE ... FROM (VALUES ...) per batch."""
    if connection.vendor != "postgresql":
        for pk, item_id, at in rows.last_opened:
            Enrolment.objects.filter(pk=pk).update(last_opened_item_id=item_id, last_opened_at=at)
        for pk, at, grade in rows.completions:
            Enrolment.objects.filter(pk=pk).update(completed_at=at, final_grade=grade)
        return
    table = Enrolment._meta.db_table
    with connection.cursor() as cursor:
        for chunk in _chunks(rows.last_opened):
            values = ", ".join(["(%s, %s, %s::timestamptz)"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} AS e SET last_opened_item_id = v.item, last_opened_at = v.at "  # noqa: S608
                f"FROM (VALUES {values}) AS v(id, item, at) WHERE e.id = v.id",
                [value for row in chunk for value in row],
            )
        for chunk in _chunks(rows.completions):
            values = ", ".join(["(%s, %s::timestamptz, %s::numeric)"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} AS e SET completed_at = v.at, final_grade = v.grade "  # noqa: S608
                f"FROM (VALUES {values}) AS v(id, at, grade) WHERE e.id = v.id",
                [value for row in chunk for value in row],
            )


def make_users(prefix: str, count: int, *, password_hash: str) -> list[User]:
    users = [
        User(
            email=f"{prefix}{n:05d}@{EMAIL_DOMAIN}",
            display_name=f"{prefix.replace('-', ' ').title()} {n}",
            password=password_hash,
            date_joined=T0,
        )
        for n in range(count)
    ]
    for chunk in _chunks(users):
        User.objects.bulk_create(chunk)
    if users and users[0].pk is None:  # SQLite before 3.35 gives no ids back
        by_email = dict(User.objects.filter(email__in=[u.email for u in users]).values_list("email", "pk"))
        for user in users:
            user.pk = by_email[user.email]
    return users


def make_enrolments(pairs: list[tuple[User, CourseSpec]], rng: random.Random) -> list[Enrolment]:
    enrolments = [
        Enrolment(user=user, course=spec.course, enrolled_at=T0 - timedelta(days=rng.randint(1, 300)))
        for user, spec in pairs
    ]
    for chunk in _chunks(enrolments):
        Enrolment.objects.bulk_create(chunk)
    if enrolments and enrolments[0].pk is None:
        ids = {(u, c): pk for u, c, pk in Enrolment.objects.values_list("user_id", "course_id", "pk").iterator()}
        for enrolment in enrolments:
            enrolment.pk = ids[(enrolment.user_id, enrolment.course_id)]
    return enrolments


# --- the whole dataset ---------------------------------------------------------------------------------------


@dataclass
class Dataset:
    size: Size
    big: list[CourseSpec]
    small: CourseSpec
    xl: CourseSpec
    short: list[CourseSpec]
    named: dict[str, User]
    parts: dict[str, str]


def named_email(name: str) -> str:
    return f"{name}@{EMAIL_DOMAIN}"


def build(size: Size, *, now: datetime | None = None) -> Dataset:
    """Build the whole dataset into the current database (migrated, empty of benchmark rows)."""
    now = now or T0
    rng = random.Random(size.seed)
    with transaction.atomic():
        _home, catalog = site_ensure()
        big = [
            build_course(
                catalog,
                slug=BIG_SLUG.format(n=n + 1),
                title=f"Benchmark course {n + 1}",
                modules=size.modules,
                items_per_module=size.items_per_module,
                minutes=size.item_minutes,
                hours=max(6, min(60, size.modules * size.items_per_module * size.item_minutes // 60)),
                quiz_every=size.quiz_every,
                quiz_questions_count=size.quiz_questions,
                rng=rng,
            )
            for n in range(size.big_courses)
        ]
        small = build_course(
            catalog,
            slug=SMALL_SLUG,
            title="Benchmark small course",
            modules=2,
            items_per_module=size.small_items // 2,
            minutes=size.item_minutes,
            hours=6,
            through_service=False,
            rng=rng,
        )
        xl = build_course(
            catalog,
            slug=XL_SLUG,
            title="Benchmark XL course",
            modules=size.xl_modules,
            items_per_module=size.xl_items_per_module,
            minutes=1,
            hours=60,
            through_service=False,
            rng=rng,
        )
        short = [
            build_course(
                catalog,
                slug=SHORT_SLUG.format(n=n + 1),
                title=f"Benchmark short course {n + 1}",
                modules=1,
                items_per_module=4,
                minutes=size.item_minutes,
                hours=6,
                through_service=False,
                rng=rng,
            )
            for n in range(size.short_courses)
        ]
        password_hash = make_password(PASSWORD)
        learners = make_users("learner", size.learners, password_hash=password_hash)
        xl_learners = make_users("xl-learner", size.xl_learners, password_hash=password_hash)
        named_users = [
            User(email=named_email(name), display_name=name, password=password_hash, date_joined=T0)
            for name in NAMED_LEARNERS
        ]
        User.objects.bulk_create(named_users)
        named = {user.display_name: User.objects.get(email=user.email) for user in named_users}

        pairs: list[tuple[User, CourseSpec]] = []
        for user in learners:
            count = 1 if rng.random() < 0.8 else min(len(big), rng.randint(2, 3))
            for spec in rng.sample(big, count):
                pairs.append((user, spec))
        pairs += [(user, xl) for user in xl_learners]
        pairs += [(user, small) for user in learners[: max(1, size.learners // 20)]]
        enrolments = make_enrolments(pairs, rng)
        rows = LearnerRows()
        for enrolment, (_user, spec) in zip(enrolments, pairs, strict=True):
            done = int(_study_fraction(rng) * len(spec.items))
            learner_progress(rows, enrolment=enrolment, spec=spec, done=done, rng=rng, now=now)

        fixed: list[tuple[User, CourseSpec, int]] = [
            (named[LESSON_LEARNER], big[0], len(big[0].items) // 3),
            (named[LESSON_LEARNER], small, 5),
            (named[LESSON_LEARNER], xl, 40),
            (named[DASHBOARD_ONE], big[0], 30),
            (named[COMPLETER], big[0], 0),
            (named[QUIZ_TAKER], big[0], 0),
        ]
        thirty = ([*big, small, *short])[:30]
        fixed += [(named[DASHBOARD_THIRTY], spec, min(2, len(spec.items) - 1)) for spec in thirty]
        fixed_enrolments = make_enrolments([(user, spec) for user, spec, _ in fixed], rng)
        for enrolment, (_user, spec, done) in zip(fixed_enrolments, fixed, strict=True):
            learner_progress(rows, enrolment=enrolment, spec=spec, done=done, rng=rng, now=now)
        write_learner_rows(rows)
        from bench.extensions import build_extensions

        parts = build_extensions(
            size=size, catalog=catalog, big=big, short=short, named=named, password_hash=password_hash, rng=rng, now=now
        )
    return Dataset(size=size, big=big, small=small, xl=xl, short=short, named=named, parts=parts)


# --- what a run looks up ----------------------------------------------------------------------------------


@dataclass
class Manifest:
    big: CoursePage
    small: CoursePage
    xl: CoursePage
    named: dict[str, User]
    counts: dict[str, int]

    @classmethod
    def load(cls) -> Manifest:
        return cls(
            big=CoursePage.objects.get(slug=BIG_SLUG.format(n=1)),
            small=CoursePage.objects.get(slug=SMALL_SLUG),
            xl=CoursePage.objects.get(slug=XL_SLUG),
            named={name: User.objects.get(email=named_email(name)) for name in NAMED_LEARNERS},
            counts={
                "users": User.objects.count(),
                "courses": CoursePage.objects.count(),
                "course items": CourseItemPage.objects.count(),
                "enrolments": Enrolment.objects.count(),
                "item progress rows": ItemProgress.objects.count(),
                "module progress rows": ModuleProgress.objects.count(),
            },
        )

    def course(self, slug: str) -> CoursePage:
        return CoursePage.objects.get(slug=slug)

    def items(self, course: CoursePage) -> list[CourseItemPage]:
        return list(CourseItemPage.objects.descendant_of(course).order_by("path"))


# --- schema hash: a template database is rebuilt only when this changes ---------------------------------------


def schema_hash(size: Size) -> str:
    """The migration files of every installed app, the generator's own code, and the size."""
    digest = hashlib.sha256(repr(size).encode())
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        folder = Path(config.path) / "migrations"
        if folder.is_dir():
            for path in sorted(folder.glob("*.py")):
                digest.update(f"{config.label}/{path.name}".encode())
                digest.update(path.read_bytes())
    for name in ("datasets.py", "extensions.py", "models.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]
