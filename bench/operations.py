"""What is measured: the baselines, and each operation of the product that exists on this revision.

An operation whose app has not landed is returned as `NotMeasured` with the reason, never approximated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from wagtail.models import Page

from bench.datasets import (
    COMPLETER,
    DASHBOARD_ONE,
    DASHBOARD_THIRTY,
    LESSON_LEARNER,
    Manifest,
)
from bench.measure import Probe
from content.demo import site_ensure
from content.models import CourseItemPage, LessonPage
from content.selectors import page_alternates
from content.translations import original_id
from lms.models import User


class BenchError(RuntimeError):
    """An operation answered something other than what it should: the run stops rather than time an error."""


@dataclass(frozen=True)
class NotMeasured:
    name: str
    label: str
    reason: str


@dataclass
class Context:
    manifest: Manifest
    clients: dict[str, Client] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def client(self, user: User) -> Client:
        if user.email not in self.clients:
            client = Client()
            client.force_login(user)
            self.clients[user.email] = client
        return self.clients[user.email]


def expect(response: Any, *statuses: int) -> Any:
    if response.status_code not in statuses:
        raise BenchError(f"{response.request.get('PATH_INFO')} answered {response.status_code}, expected {statuses}")
    return response


def getter(client: Client, url: str, status: int = 200, **headers: str) -> Callable[[], Any]:
    return lambda: expect(client.get(url, headers=headers or None), status)


# --- baselines -------------------------------------------------------------------------------------------------

BENCH_PAGE_SLUGS = ("bench-a", "bench-b", "bench-c", "bench-d")


def baseline_fixtures() -> str:
    """A BenchPage chain under home down to lesson depth (6), and 200 rows to render. Returns the leaf's URL."""
    from bench.models import BenchPage, BenchRow  # the bench app is installed by bench.settings only

    home, _catalog = site_ensure()
    parent: Page = home
    for slug in BENCH_PAGE_SLUGS:
        child = BenchPage.objects.filter(slug=slug, depth=parent.depth + 1).first()
        if child is None:
            child = BenchPage(title=f"Bench page {slug[-1]}", slug=slug, live=True)
            parent.add_child(instance=child)
        parent = child
    if not BenchRow.objects.filter(number=0).exists():
        BenchRow.objects.bulk_create([BenchRow(title=f"Row {n}", number=0) for n in range(200)])
    return parent.url


# Calls a round of the bare page and of the lesson pages judged against it at p95: with 12 (60 a run), p95 is the third
# slowest call, and the same code's first visit read 1.37x at p95 over 600 calls in process but 1.52x in one run.
LESSON_CALLS = 24


def baseline_probes(ctx: Context) -> list[Probe]:
    from badges.ob3.keys import SigningKey, verify_signature
    from bench.tasks import noop

    leaf_url = baseline_fixtures()
    user = ctx.manifest.named[LESSON_LEARNER]
    client = ctx.client(user)
    key = SigningKey.generate()
    message = bytes(range(64))  # eddsa-rdfc-2022 signs 64 bytes: two SHA-256 digests
    signature = key.sign(message)
    public = key.public_bytes

    def verify() -> None:
        if not verify_signature(public, signature, message):
            raise BenchError("Ed25519 verify failed")

    def broker_round_trip() -> None:
        noop.apply_async().get(timeout=30)

    return [
        Probe(
            "bare_view",
            "bare Django view (full middleware, logged in)",
            getter(client, "/bench/bare/"),
            group="baseline",
        ),
        Probe(
            "bare_page",
            "bare Wagtail page at lesson depth (trivial template in the site's base.html)",
            getter(client, leaf_url),
            per_round=LESSON_CALLS,
            group="baseline",
        ),
        Probe(
            "write_row",
            "view inserting one row in a transaction",
            lambda: expect(client.post("/bench/write/"), 200),
            group="baseline",
        ),
        Probe(
            "render_12",
            "template rendering 12 rows from one query",
            getter(client, "/bench/rows/12/"),
            group="baseline",
        ),
        Probe(
            "render_200",
            "template rendering 200 rows from one query",
            getter(client, "/bench/rows/200/"),
            group="baseline",
        ),
        Probe(
            "celery_noop",
            "no-op Celery task through Redis and a real worker (round trip)",
            broker_round_trip,
            per_round=6,
            count_queries=False,
            group="baseline",
        ),
        Probe(
            "ed25519_sign",
            "Ed25519 sign, 64 bytes, in process",
            lambda: key.sign(message),
            per_round=50,
            count_queries=False,
            group="baseline",
        ),
        Probe(
            "ed25519_verify",
            "Ed25519 verify, 64 bytes, in process",
            verify,
            per_round=50,
            count_queries=False,
            group="baseline",
        ),
    ]


# --- progress: lesson, course, item complete, dashboard ---------------------------------------------------------


def _item(manifest: Manifest, course: Any, index: int) -> CourseItemPage:
    lessons = [item for item in manifest.items(course) if item.specific_class is LessonPage]
    return lessons[min(index, len(lessons) - 1)]


def _deepest_xl_learner(manifest: Any) -> tuple[User, CourseItemPage, int]:
    """The XL course's learner with the most item rows, and a lesson they have opened half way along: a learner deep
    in a long course (its item pages read the rows of their module, not all of the learner's)."""
    from django.db.models import Count

    from progress.models import Enrolment, EnrolmentStatus, ItemProgress

    enrolment = (
        Enrolment.objects.filter(course=manifest.xl, status=EnrolmentStatus.ACTIVE)
        .annotate(rows=Count("item_progress"))
        .order_by("-rows", "pk")
        .select_related("user")
        .first()
    )
    if enrolment is None:
        raise BenchError("the XL course has no active learner")
    opened = set(ItemProgress.objects.filter(enrolment=enrolment).values_list("item_id", flat=True))
    lessons = [item for item in manifest.items(manifest.xl) if item.specific_class is LessonPage and item.pk in opened]
    if not lessons:
        raise BenchError("the XL course's deepest learner has opened no lesson")
    return enrolment.user, lessons[len(lessons) // 2], enrolment.rows  # type: ignore[attr-defined]


class FirstVisits:
    """A new lesson on each call, for the first-visit probes: learners enrolled in `course` (through the product's
    services, before the call, untimed) who have completed its first lessons, each opening the lessons they have
    not opened, in course order; a new learner when one has opened them all. `prepare` picks the next visit,
    `visit` makes it (the next `prepare` checks that it wrote the item row)."""

    COMPLETED_FIRST = 3  # lessons each learner has completed before the first visits: rows in the page's read

    def __init__(self, ctx: Context, course: Any, name: str) -> None:
        self.ctx, self.course, self.name = ctx, course, name
        self.lessons = [item for item in ctx.manifest.items(course) if item.specific_class is LessonPage]
        if len(self.lessons) <= self.COMPLETED_FIRST:
            raise BenchError(f"{course.title} has too few lessons for first visits")
        # Numbered on from the learners an earlier process made on this database (bench.profile after a run).
        self.learners = User.objects.filter(email__startswith=f"first-visit-{name}-").count()
        self.pending: Iterator[tuple[Client, User, CourseItemPage]] = iter(())
        self.next: tuple[Client, User, CourseItemPage] | None = None
        self.url = ""
        self.last: tuple[Client, User, CourseItemPage] | None = None

    def _learner(self) -> Iterator[tuple[Client, User, CourseItemPage]]:
        from progress.services import enrolment_create, lesson_complete

        self.learners += 1
        user = User.objects.create_user(
            email=f"first-visit-{self.name}-{self.learners}@bench.example", password=None, display_name="First visit"
        )
        enrolment_create(user=user, course=self.course)
        for lesson in self.lessons[: self.COMPLETED_FIRST]:
            lesson_complete(user=user, lesson=lesson.specific)
        client = Client()
        client.force_login(user)
        return ((client, user, lesson) for lesson in self.lessons[self.COMPLETED_FIRST :])

    def prepare(self) -> None:
        from progress.models import ItemProgress

        if self.last is not None:  # checked here, untimed: the visit before wrote its row
            _client, user, lesson = self.last
            if not ItemProgress.objects.filter(enrolment__user=user, item=lesson).exists():
                raise BenchError(f"the first visit of {lesson.url} recorded no progress")
        self.next = next(self.pending, None)
        if self.next is None:
            self.pending = self._learner()
            self.next = next(self.pending)
        # A learner's first visit is rarely the lesson's first visit by anyone: the lesson's own cached facts (its
        # original, its translations' addresses) are warm, as other learners' visits leave them.
        lesson = self.next[2]
        original_id(lesson)
        page_alternates(page=lesson)
        self.url = lesson.url  # read here, untimed: Page.url asks the cache for the site root paths

    def visit(self) -> None:
        if self.next is None:
            raise BenchError("a first visit without its prepare")
        client, _user, _lesson = self.last = self.next
        self.next = None
        expect(client.get(self.url), 200)


def progress_probes(ctx: Context) -> list[Probe]:
    m = ctx.manifest
    reader = ctx.client(m.named[LESSON_LEARNER])
    big_lesson = _item(m, m.big, len(m.items(m.big)) // 3)
    small_lesson = _item(m, m.small, 5)
    xl_lesson = _item(m, m.xl, 40)
    completer = ctx.client(m.named[COMPLETER])
    to_complete: Iterator[CourseItemPage] = iter([item for item in m.items(m.big) if item.specific_class is LessonPage])

    def complete_next() -> None:
        item = next(to_complete, None)
        if item is None:
            raise BenchError("the completer ran out of lessons: lower --rounds")
        expect(completer.post(f"/learning/items/{item.pk}/complete/", headers={"HX-Request": "true"}), 200)

    one = ctx.client(m.named[DASHBOARD_ONE])
    thirty = ctx.client(m.named[DASHBOARD_THIRTY])
    big_items = len(m.items(m.big))
    xl_items = len(m.items(m.xl))
    small_items = len(m.items(m.small))
    deep_learner, deep_lesson, deep_rows = _deepest_xl_learner(m)
    return [
        Probe(
            "lesson_page",
            f"lesson page, {big_items}-item course (enrolled, outline and progress)",
            getter(reader, big_lesson.url),
            baseline="bare_page",
            per_round=LESSON_CALLS,
            group="lesson page",
        ),
        Probe(
            "lesson_page_small",
            f"lesson page, {small_items}-item course",
            getter(reader, small_lesson.url),
            baseline="bare_page",
            per_round=LESSON_CALLS,
            group="lesson page",
        ),
        Probe(
            "lesson_page_xl",
            f"lesson page, {xl_items}-item XL course",
            getter(reader, xl_lesson.url),
            baseline="bare_page",
            per_round=2,
            group="lesson page",
        ),
        Probe(
            "lesson_page_xl_deep",
            f"lesson page, {xl_items}-item XL course, by its learner with the most item rows ({deep_rows:,}): no "
            "target, reported (it reads the rows of the page's module)",
            getter(ctx.client(deep_learner), deep_lesson.url),
            baseline="bare_page",
            per_round=2,
            group="lesson page",
        ),
        *[
            Probe(
                f"lesson_first_visit{suffix}",
                f"lesson page, first visit, {len(m.items(course))}-item course (writes the item row, its statement "
                "and the aggregates)",
                visits.visit,
                baseline="bare_page",
                per_round=per_round,
                group="lesson first visit",
                prepare=visits.prepare,
            )
            # Each as many calls a round as the bare page it is judged against at p95 (LESSON_CALLS).
            for suffix, course, per_round, visits in [
                (suffix, course, per_round, FirstVisits(ctx, course, suffix.strip("_") or "big"))
                for suffix, course, per_round in (
                    ("", m.big, LESSON_CALLS),
                    ("_small", m.small, LESSON_CALLS),
                    ("_xl", m.xl, LESSON_CALLS),
                )
            ]
        ],
        Probe(
            "course_page",
            f"course page, {big_items}-item course (enrolled)",
            getter(reader, m.big.url),
            baseline="bare_page",
            group="course page",
        ),
        Probe(
            "course_page_small",
            f"course page, {small_items}-item course",
            getter(reader, m.small.url),
            baseline="bare_page",
            group="course page",
        ),
        Probe(
            "course_page_xl",
            f"course page, {xl_items}-item XL course",
            getter(reader, m.xl.url),
            baseline="bare_page",
            per_round=2,
            group="course page",
        ),
        Probe(
            "item_complete",
            "mark a lesson complete (htmx: button, outline, progress bars)",
            complete_next,
            baseline="write_row",
            per_round=8,
            group="item complete",
        ),
        Probe(
            "dashboard_1",
            "learner dashboard, 1 enrolment",
            getter(one, "/dashboard/"),
            baseline="render_12",
            group="learner dashboard",
        ),
        Probe(
            "dashboard_30",
            "learner dashboard, 30 enrolments",
            getter(thirty, "/dashboard/"),
            baseline="render_12",
            group="learner dashboard",
        ),
    ]


# --- the apps that land after progress ------------------------------------------------------------------------


def optional_probes(ctx: Context) -> tuple[list[Probe], list[NotMeasured]]:
    """Probes of apps that land after progress, each only when its code is on this revision."""
    from bench import landed

    probes: list[Probe] = []
    missing: list[NotMeasured] = []
    for factory in landed.FACTORIES:
        for entry in factory(ctx):
            if isinstance(entry, Probe):
                probes.append(entry)
            else:
                missing.append(entry)
    return probes, missing
