"""Seeded benchmark datasets: course trees built once per structure, learner rows in bulk (COPY on PostgreSQL).

A dataset is a catalog of full 60-hour courses (12 modules of 20 items: every fifth item a 10-question quiz
once the assessments app has quizzes), a 20-item course and an XL course of 5,000 lessons for the flatness
pairs, 27 short courses so that one learner can hold 30 enrolments, and learners with enrolments, item
progress, and the aggregates and completions the product computes from them. Learner rows never go through the
ORM one at a time: users and enrolments by `bulk_create` in large batches, item progress by `COPY ... FROM STDIN`
(psycopg 3), or `bulk_create` on SQLite (the test suite's default); then `progress.services.progress_refresh`
writes each enrolment's aggregates (bench.learners). Course trees: bench.pages.

Named fixtures the runner and tests look up (`Manifest`): the courses by slug and a few learners by e-mail.
`python -m bench.build --dataset S` builds one into the database of DATABASE_URL.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.db import transaction

from bench.learners import (
    EMAIL_DOMAIN,
    T0,
    LearnerRows,
    learner_progress,
    make_enrolments,
    make_users,
    study_fraction,
    write_learner_rows,
)
from bench.pages import CourseSpec, build_course
from content.demo import site_ensure
from content.models import CourseItemPage, CoursePage
from lms.models import User
from progress.models import Enrolment, ItemProgress, ModuleProgress

PASSWORD = "bench-password"  # noqa: S105 - every benchmark account's password, for the HTTP mode's logins

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
    export_staff: int = 50_000  # issue 19: the exports measured at 50,000 staff
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
        export_staff=300,
    )


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
            done = int(study_fraction(rng) * len(spec.items))
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
    """The migration files of every installed app, the generator's own code, progress's rules, and the size."""
    digest = hashlib.sha256(repr(size).encode())
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        folder = Path(config.path) / "migrations"
        if folder.is_dir():
            for path in sorted(folder.glob("*.py")):
                digest.update(f"{config.label}/{path.name}".encode())
                digest.update(path.read_bytes())
    for name in ("datasets.py", "pages.py", "learners.py", "statements.py", "extensions.py", "models.py", "catalog.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    for path in _product_rules():
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _product_rules() -> list[Path]:
    """progress's services and statements (each a module, or a package of modules): the aggregates and completions of the
    dataset are theirs, so a change of the rules rebuilds the template."""
    folder = Path(apps.get_app_config("progress").path)
    candidates = [folder / "services.py", *sorted((folder / "services").glob("*.py")), folder / "statements.py"]
    candidates += sorted((folder / "statements").glob("*.py"))
    return [path for path in candidates if path.is_file()]
