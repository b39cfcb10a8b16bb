"""Dataset rows for the apps that land after progress: a quiz course, a badge issuer, two organizations.

Each part runs only when its app's models exist on this revision, inside a savepoint: a part that fails
(its app changed shape) is logged and left out, and the runner reports its operations as not measured.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import F

from content.models import CatalogPage, CoursePage, ModulePage
from lms.models import User

logger = logging.getLogger("bench")

QUIZ_COURSE_SLUG = "bench-quizzes"
QUIZ_SIZES = (10, 50)
ISSUER_SLUG = "bench-academy"
ORG_SLUG = "bench-org-{n}"
ORG_ADMIN = "org-admin-{n}"
# The export probes' organization (issue 19: exports at 50,000 staff), apart from the dashboard's organizations.
EXPORT_ORG_SLUG = "bench-export-{n}"
EXPORT_ADMIN = "export-admin-{n}"


def model(app_label: str, name: str) -> Any:
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def build_extensions(
    *,
    size: Any,
    catalog: CatalogPage,
    big: list[Any],
    short: list[Any],
    named: dict[str, User],
    password_hash: str,
    rng: random.Random,
    now: datetime,
) -> dict[str, str]:
    """Build every part whose app has landed; returns {part: "built" | reason it was not}."""
    parts: dict[str, Callable[[], None]] = {
        "quizzes": lambda: _quiz_course(catalog=catalog, named=named, rng=rng, now=now),
        "badges": lambda: _badges(big=big),
        "organizations": lambda: _organizations(
            sizes=size.org_staff, short=short, password_hash=password_hash, rng=rng, now=now
        ),
        "catalogs": lambda: _catalogs(catalog=catalog, rng=rng),
        "export organization": lambda: _export_organization(
            staff=size.export_staff, short=short, password_hash=password_hash, rng=rng, now=now
        ),
    }
    needs = {
        "quizzes": ("assessments", "Attempt"),
        "badges": ("badges", "Award"),
        "organizations": ("organizations", "Organization"),
        "catalogs": ("content", "CatalogPage"),
        "export organization": ("organizations", "Organization"),
    }
    status: dict[str, str] = {}
    for name, build in parts.items():
        if model(*needs[name]) is None:
            status[name] = "app not landed"
            continue
        try:
            with transaction.atomic():
                build()
            status[name] = "built"
        except Exception as error:  # a part that no longer fits its app is reported, never half-built
            logger.exception("bench dataset part %s failed", name)
            status[name] = f"failed: {type(error).__name__}: {error}"
    return status


def _quiz_course(*, catalog: CatalogPage, named: dict[str, User], rng: random.Random, now: datetime) -> None:
    """A course of two quizzes (10 and 50 questions) the quiz taker is enrolled in."""
    from bench.datasets import QUIZ_TAKER
    from bench.learners import LearnerRows, learner_progress, make_enrolments, write_learner_rows
    from bench.pages import CourseSpec, ItemSpec, pages_bulk_add, quiz_model, quiz_questions, revisions_bulk_publish

    quiz_cls = quiz_model()
    if quiz_cls is None:
        raise LookupError("assessments has no QuizPage")
    course = CoursePage(
        title="Benchmark quizzes",
        slug=QUIZ_COURSE_SLUG,
        summary="Quizzes of 10 and 50 questions.",
        description="<p>Quizzes for the benchmark.</p>",
        estimated_hours=6,
    )
    pages_bulk_add(catalog, [course])
    module = ModulePage(title="Quizzes", slug="quizzes", summary="")
    pages_bulk_add(course, [module])
    quizzes = [
        quiz_cls(
            title=f"Quiz of {n} questions",
            slug=f"quiz-{n}",
            estimated_minutes=15,
            grade_weight=Decimal("1"),
            questions=quiz_questions(n, rng),
        )
        for n in QUIZ_SIZES
    ]
    pages_bulk_add(module, quizzes)
    revisions_bulk_publish(quizzes)
    spec = CourseSpec(
        course=course,
        modules=[module.id],
        pass_mark=course.pass_mark,
        items=[
            ItemSpec(id=q.id, module_id=module.id, minutes=15, required=True, weight=Decimal("1"), is_quiz=True)
            for q in quizzes
        ],
    )
    rows = LearnerRows()
    (enrolment,) = make_enrolments([(named[QUIZ_TAKER], spec)], rng)
    learner_progress(rows, enrolment=enrolment, spec=spec, done=0, rng=rng, now=now)
    write_learner_rows(rows)


def _badges(*, big: list[Any]) -> None:
    """An issuer with a signing key, and an achievement for each 60-hour course."""
    from badges.models import Achievement, Issuer
    from badges.services import issuer_key_create

    issuer = Issuer.objects.create(
        name="Bench Academy", slug=ISSUER_SLUG, url="https://bench.test/", email="badges@bench.test"
    )
    issuer_key_create(issuer=issuer)
    for spec in big:
        course = spec.course
        Achievement.objects.create(
            issuer=issuer,
            course=course,
            slug=f"bench-badge-{course.pk}",
            name=course.title,
            description=f"Completed {course.title}.",
            criteria="Complete every item and reach the **pass mark**.",
        )


def _organizations(
    *, sizes: tuple[int, ...], short: list[Any], password_hash: str, rng: random.Random, now: datetime
) -> None:
    """Organizations of 10 and 5,000 staff, each staff member on a seat of a short course, with progress."""
    from bench.learners import LearnerRows, learner_progress, make_enrolments, make_users, write_learner_rows
    from organizations.models import Membership, Organization, Seat, SeatBundle
    from progress.models import Enrolment

    spec = short[0]
    for size in sizes:
        organization = Organization.objects.create(name=f"Bench organization of {size}", slug=ORG_SLUG.format(n=size))
        admin = User.objects.create(
            email=f"{ORG_ADMIN.format(n=size)}@bench.test", display_name=f"Admin {size}", password=password_hash
        )
        Membership.objects.create(organization=organization, user=admin, role="admin")
        staff = make_users(f"staff{size}-", size, password_hash=password_hash)
        Membership.objects.bulk_create(
            [Membership(organization=organization, user=user) for user in staff], batch_size=5000
        )
        bundle = SeatBundle.objects.create(
            organization=organization,
            course=spec.course,
            seats_bought=size,
            seats_used=size,
            order_reference=f"bench-{size}",
        )
        Seat.objects.bulk_create([Seat(bundle=bundle, user=user) for user in staff], batch_size=5000)
        enrolments = make_enrolments([(user, spec) for user in staff], rng)
        Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).update(source="seat")
        rows = LearnerRows()
        for enrolment in enrolments:
            done = rng.randint(0, len(spec.items))
            learner_progress(rows, enrolment=enrolment, spec=spec, done=done, rng=rng, now=now - timedelta(days=1))
        write_learner_rows(rows)


def _catalogs(*, catalog: CatalogPage, rng: random.Random) -> None:
    """Catalog sections of 10 and 1,000 courses beside the main catalog (bench.catalog)."""
    from bench.catalog import build_catalogs

    build_catalogs(home=catalog.get_parent(), rng=rng)


def _export_organization(
    *, staff: int, short: list[Any], password_hash: str, rng: random.Random, now: datetime
) -> None:
    """An organization of `staff` members (50,000 in S and M) on seats of a short course, for the export probes.

    Built in bulk: users, memberships, seats and enrolments by `bulk_create`, item rows by COPY. The aggregates
    depend only on how many of the course's items a member has done, so the product computes them once for each
    count (`progress_refresh` and its completion policy, on the first enrolment with that count) and the other
    enrolments with the same count get copies: one refresh per count instead of 50,000.
    """
    from bench.learners import ITEM_COLUMNS, LearnerRows, copy_rows, learner_progress, make_enrolments, make_users
    from organizations.models import Membership, Organization, Seat, SeatBundle
    from progress.models import CourseProgress, Enrolment, ItemProgress, ModuleProgress
    from progress.services import course_grade, meets_policy, progress_refresh

    spec = short[0]
    organization = Organization.objects.create(
        name=f"Bench export organization of {staff}", slug=EXPORT_ORG_SLUG.format(n=staff)
    )
    admin = User.objects.create(
        email=f"{EXPORT_ADMIN.format(n=staff)}@bench.test", display_name=f"Export admin {staff}", password=password_hash
    )
    Membership.objects.create(organization=organization, user=admin, role="admin")
    members = make_users(f"export{staff}-", staff, password_hash=password_hash)
    Membership.objects.bulk_create(
        [Membership(organization=organization, user=user) for user in members], batch_size=5000
    )
    bundle = SeatBundle.objects.create(
        organization=organization,
        course=spec.course,
        seats_bought=staff,
        seats_used=staff,
        order_reference=f"bench-export-{staff}",
    )
    Seat.objects.bulk_create([Seat(bundle=bundle, user=user) for user in members], batch_size=5000)
    enrolments = make_enrolments([(user, spec) for user in members], rng)
    rows = LearnerRows()
    by_count: dict[int, list[Enrolment]] = {}
    for enrolment in enrolments:
        done = rng.randint(0, len(spec.items))
        learner_progress(rows, enrolment=enrolment, spec=spec, done=done, rng=rng, now=now - timedelta(days=1))
        by_count.setdefault(done, []).append(enrolment)
    copy_rows(ItemProgress, ITEM_COLUMNS, rows.items)
    Enrolment.objects.filter(course=spec.course, user__memberships__organization=organization).update(source="seat")
    # Small batches: each is an UPDATE with a CASE of one branch per row, whose cost grows with the square of its size.
    Enrolment.objects.bulk_update(enrolments, ["last_opened_item", "last_opened_at"], batch_size=500)
    for group in by_count.values():
        first, others = group[0], group[1:]
        progress = progress_refresh(enrolment=first)
        modules = list(ModuleProgress.objects.filter(enrolment=first))
        CourseProgress.objects.bulk_create(
            [_aggregate_copy(progress, enrolment_id=enrolment.pk) for enrolment in others], batch_size=5000
        )
        ModuleProgress.objects.bulk_create(
            [_aggregate_copy(module, enrolment_id=enrolment.pk) for enrolment in others for module in modules],
            batch_size=5000,
        )
        if meets_policy(course=spec.course, progress=progress):
            # Completed at the last activity, as `write_learner_rows` does: the last item opened is the last done.
            Enrolment.objects.filter(pk__in=[enrolment.pk for enrolment in group]).update(
                completed_at=F("last_opened_at"), final_grade=course_grade(progress)
            )


def _aggregate_copy(row: Any, *, enrolment_id: int) -> Any:
    """A copy of an aggregate row (course or module) for another enrolment."""
    fields = {field.attname: getattr(row, field.attname) for field in type(row)._meta.concrete_fields}
    fields.pop("id", None)  # a module row's own key; a course row's key is its enrolment
    fields["enrolment_id"] = enrolment_id
    return type(row)(**fields)
