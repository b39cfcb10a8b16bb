"""Pages read aggregates: the same number of queries for a 20-item and a 500-item course, 1 and 30 enrolments."""

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext

from progress.models import ItemProgress, ItemState
from progress.services import lesson_complete
from tests.progress.factories import build_course, enrolled, items_of, learner

pytestmark = pytest.mark.django_db

# Wagtail and Django: site, home page, route, the item itself, user, view restrictions (one query: content.models); the session is cached,
# and the active locale comes from content.translations' cache (content.views.page_route).
# Progress: enrolment with its course, aggregate, item rows and module aggregates (one statement); no "last opened"
# UPDATE, since `queries_for` opened the same item a moment before (progress.services.LAST_OPENED_REFRESH).
LESSON_PAGE = 7
# A first visit: the lesson page's reads, then one statement writes "last opened", the item row, its statement and
# the aggregates' count of started items (progress.statements.item_first_open), and the language switcher reads
# the new item's translations (cached after). Issue 19's target: ≤ 12.
LESSON_FIRST_VISIT = 9
# Wagtail and Django: site, home page, route, the course itself, view restrictions (one query: content.models), user (the active locale
# comes from content.translations' cache); content: none (the outline and the fragments that show the skills,
# instructors and prerequisites are cached: content.views.course_page_fragments); progress: the enrolment with its
# aggregate, item rows and module aggregates in one statement (progress.statements.enrolment_for_course_path).
COURSE_PAGE = 7
DASHBOARD = (
    # user, enrolments with their courses and aggregates (and their pages' locales); the badges section: awards (no
    # pathway read: none earned). 4 → 3: the pages' translations are looked for only for pages in another language
    # than the reader's (progress.selectors.dashboard), and here all are in it (tests/content/test_translations.py
    # checks a French reader's dashboard).
    3
)


def queries_for(client, url):
    client.get(url)  # warm the per-process caches (site root paths, content types) and open the item once
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.fixture
def small_and_large():
    small = build_course(modules=2, lessons_per_module=10)
    large = build_course(modules=25, lessons_per_module=20)
    return small, large


def study(course, user):
    enrolled(course, user)
    for lesson in items_of(course)[:3]:
        lesson_complete(user=user, lesson=lesson)


def test_the_lesson_page_of_an_enrolled_learner_runs_the_same_queries_for_20_and_500_items(
    client, small_and_large, django_assert_num_queries
):
    small, large = small_and_large
    user = learner()
    study(small, user)
    study(large, user)
    client.force_login(user)
    large_url = items_of(large)[250].url
    small_count = queries_for(client, items_of(small)[5].url)
    large_count = queries_for(client, large_url)
    assert small_count == large_count
    with django_assert_num_queries(LESSON_PAGE):
        client.get(large_url)


# Redis round trips of a lesson page re-visit on production's cache, as many as the bare page's: the session, then the
# page's cache keys in one MGET (its original, its translations' addresses, Wagtail's site root paths, the course's
# outline version: content.selectors.page_cache_prefetch; and the user bar's admin-access answer: lms.cache.
# request_keys), each read once (lms.cache's request memo).
LESSON_PAGE_REDIS = ["GET", "MGET"]


@pytest.mark.redis
def test_the_lesson_page_reads_the_redis_cache_in_two_round_trips(client, settings, monkeypatch):
    import redis

    from tests.faults import redis_server

    course = build_course(modules=2, lessons_per_module=10)
    user = learner()
    study(course, user)
    client.force_login(user)
    url = items_of(course)[5].url
    sent: list[str] = []
    execute = redis.Redis.execute_command

    def spy(self, *args, **options):
        sent.append(str(args[0]))
        return execute(self, *args, **options)

    with redis_server() as server:
        settings.CACHES = {"default": {"BACKEND": "lms.cache.ResilientRedisCache", "LOCATION": server.url}}
        client.force_login(user)
        assert client.get(url).status_code == 200  # fills the cache
        monkeypatch.setattr(redis.Redis, "execute_command", spy)
        assert client.get(url).status_code == 200
    assert sent == LESSON_PAGE_REDIS


def test_the_first_visit_of_a_lesson_runs_the_same_queries_for_20_and_500_items(
    client, small_and_large, django_assert_num_queries
):
    small, large = small_and_large
    user = learner()
    study(small, user)
    study(large, user)
    client.force_login(user)
    for course in small_and_large:
        client.get(items_of(course)[4].url)  # warm the per-process caches and the cached outline
    counts = []
    for course, index in ((small, 6), (large, 250), (large, 251)):
        lesson = items_of(course)[index]
        with django_assert_num_queries(LESSON_FIRST_VISIT) as captured:
            assert client.get(lesson.url).status_code == 200
        counts.append(len(captured.captured_queries))
        assert ItemProgress.objects.get(enrolment__user=user, item=lesson).state == ItemState.IN_PROGRESS
    assert counts[0] == counts[1] == counts[2]


def test_the_first_visit_page_shows_the_lesson_in_progress_without_reading_it_again(client):
    course = build_course(modules=2, lessons_per_module=3)
    user = learner()
    study(course, user)
    client.force_login(user)
    lesson = items_of(course)[4]
    page = BeautifulSoup(client.get(lesson.url).content, "html.parser")
    entry = page.find(id=f"outline-item-{lesson.pk}")
    assert entry is not None and entry.find(class_="item-state-in_progress").get_text() == "In progress"


def test_the_course_page_of_an_enrolled_learner_runs_the_same_queries_for_20_and_500_items(
    client, small_and_large, django_assert_num_queries
):
    small, large = small_and_large
    user = learner()
    study(small, user)
    study(large, user)
    client.force_login(user)
    assert queries_for(client, small.url) == queries_for(client, large.url)
    with django_assert_num_queries(COURSE_PAGE):
        client.get(large.url)


def test_the_dashboard_runs_the_same_queries_for_1_and_30_enrolments(client, django_assert_num_queries):
    courses = [build_course(modules=1, lessons_per_module=2) for _ in range(30)]
    one, many = learner(), learner()
    study(courses[0], one)
    for course in courses:
        study(course, many)
    client.force_login(one)
    one_count = queries_for(client, "/dashboard/")
    client.force_login(many)
    many_count = queries_for(client, "/dashboard/")
    assert one_count == many_count
    with django_assert_num_queries(DASHBOARD):
        client.get("/dashboard/")


def test_recording_a_result_runs_the_same_queries_for_20_and_500_items(small_and_large):
    from progress.services import item_result_record
    from tests.progress.factories import at

    counts = []
    for course in small_and_large:
        user = learner()
        enrolled(course, user)
        item = items_of(course)[7]
        with CaptureQueriesContext(connection) as ctx:
            item_result_record(user=user, item=item, completed=True, score=None, occurred_at=at(1))
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_a_sequential_lesson_page_runs_the_same_queries_for_20_and_500_items(client):
    small = build_course(modules=2, lessons_per_module=10, sequential=True)
    large = build_course(modules=25, lessons_per_module=20, sequential=True)
    user = learner()
    study(small, user)
    study(large, user)
    client.force_login(user)
    large_url = items_of(large)[5].url
    assert queries_for(client, items_of(small)[5].url) == queries_for(client, large_url) == LESSON_PAGE


# Django: the user (the session is cached); the lesson, without its body. Progress, in one transaction (BEGIN and
# COMMIT): the enrolment with its course, locked; the item and module rows; then one statement writes the item row,
# its statements, the module aggregates and the course aggregate (progress.statements.lesson_complete_write; they
# were four: 10 queries before). The outline is cached and the htmx answer is built from what was written.
LESSON_COMPLETE = 7


def test_marking_a_lesson_complete_runs_the_same_queries_for_20_and_500_items(
    client, small_and_large, django_assert_num_queries
):
    counts = []
    for course in small_and_large:
        user = learner()
        study(course, user)
        client.force_login(user)
        warm, lesson = items_of(course)[5], items_of(course)[7]
        client.post(f"/learning/items/{warm.pk}/complete/", headers={"HX-Request": "true"})
        with django_assert_num_queries(LESSON_COMPLETE) as captured:
            response = client.post(f"/learning/items/{lesson.pk}/complete/", headers={"HX-Request": "true"})
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_marking_an_opened_lesson_complete_runs_the_same_queries(client, small_and_large, django_assert_num_queries):
    small, _ = small_and_large
    user = learner()
    study(small, user)
    client.force_login(user)
    lesson = items_of(small)[7]
    client.get(lesson.url)
    with django_assert_num_queries(LESSON_COMPLETE):
        client.post(f"/learning/items/{lesson.pk}/complete/", headers={"HX-Request": "true"})


def test_the_item_page_read_gives_the_rows_the_separate_read_gives():
    """The gate's one statement folds the item rows and module aggregates in as JSON: same states, scores and
    stored percents as the separate UNION ALL read (lesson_complete's), on this database."""
    from decimal import Decimal

    from django.utils import timezone

    from progress.selectors import states_and_modules, states_from_rows
    from progress.services import item_result_record
    from progress.statements import enrolment_for_course_path

    course = build_course(modules=2, lessons_per_module=3)
    user = learner()
    enrolment = enrolled(course, user)
    items = items_of(course)
    lesson_complete(user=user, lesson=items[0].specific)
    item_result_record(user=user, item=items[1], completed=False, score=Decimal("87.50"), occurred_at=timezone.now())
    item_result_record(user=user, item=items[3], completed=True, score=Decimal("66.67"), occurred_at=timezone.now())
    read, rows = enrolment_for_course_path(user_id=user.pk, course_path=course.path, with_rows=True)
    assert read.pk == enrolment.pk
    assert read is not None
    states, modules = states_from_rows(rows)
    assert (states, modules) == states_and_modules(enrolment)
    assert states[items[1].pk]["score"] == Decimal("87.50") and states[items[3].pk]["score"] == Decimal("66.67")
    assert len(states) == 3 and len(modules) == 2


@pytest.mark.postgres
def test_an_item_page_of_a_long_course_reads_only_its_modules_rows(client, django_assert_num_queries):
    """A learner deep in a course of more than 300 items (its outline lists one module) reads the rows of the
    module shown, not all of theirs; the outline shows their states and the bars the whole course's figures."""
    from progress.models import ModuleProgress
    from progress.selectors import learner_read
    from tests.progress.factories import modules_of

    course = build_course(modules=16, lessons_per_module=20)  # 320 items
    user = learner()
    enrolled(course, user)
    items = items_of(course)
    for lesson in items[:45]:  # two modules and a quarter of the third complete
        lesson_complete(user=user, lesson=lesson)
    client.force_login(user)
    shown = items[44]  # the third module's
    client.get(shown.url)  # learns which items the third module's pages show
    with django_assert_num_queries(LESSON_PAGE):
        page = BeautifulSoup(client.get(shown.url).content, "html.parser")
    read = learner_read(user=user, item=shown)  # as the gate reads it, outside a request
    third = {item.pk for item in items[40:60]}
    assert read.item_ids is not None and set(read.item_ids) == third
    assert set(read.states) == {item.pk for item in items[40:45]}  # of 45 rows, the module's 5
    assert len(read.module_stored) == ModuleProgress.objects.filter(enrolment=read.enrolment).count() == 16
    outline = page.find(id=f"outline-item-{items[40].pk}")
    assert outline.find(class_="item-state-complete") is not None
    assert page.find(id=f"outline-item-{items[0].pk}") is None  # the first module: a heading and a link
    assert modules_of(course)[0].title in page.get_text()


@pytest.mark.postgres
def test_an_outline_changed_since_reads_the_rows_it_shows_now(client):
    """What a module's pages read is checked against the outline of each page: a lesson added to the module since
    shows its learner's state."""
    from progress.selectors.learner import _MODULE_ITEMS
    from tests.progress.factories import add_lesson, modules_of

    course = build_course(modules=16, lessons_per_module=20)
    user = learner()
    enrolled(course, user)
    items = items_of(course)
    client.force_login(user)
    client.get(items[5].url)
    module_path = items[5].path[:-4]
    assert _MODULE_ITEMS.get(module_path) == tuple(item.pk for item in items[:20])
    added = add_lesson(modules_of(course)[0], minutes=5)
    lesson_complete(user=user, lesson=added)
    page = BeautifulSoup(client.get(items[6].url).content, "html.parser")
    assert page.find(id=f"outline-item-{added.pk}").find(class_="item-state-complete") is not None
    assert added.pk in _MODULE_ITEMS.get(module_path)


@pytest.mark.postgres
def test_a_sequential_or_short_course_reads_every_row(client):
    """An item page of a long sequential course (its lock reads every module) or of a short course (its outline
    lists every module) reads the rows of the other modules too."""
    from progress.selectors import learner_read

    long_sequential = build_course(modules=16, lessons_per_module=20, sequential=True)
    for course, per_module in ((long_sequential, 20), (build_course(modules=2), 3)):
        user = learner()
        enrolled(course, user)
        items = items_of(course)
        for lesson in items[:per_module]:  # the first module complete: the second opens
            lesson_complete(user=user, lesson=lesson)
        lesson = items[per_module + 1]  # the second module's
        client.force_login(user)
        client.get(lesson.url)
        client.get(lesson.url)  # after the module's first page: what its pages read is known
        read = learner_read(user=user, item=lesson)
        assert read.item_ids is None and items[0].pk in read.states  # a row of the first module
