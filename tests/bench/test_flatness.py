"""The benchmark's query-count and flatness checks as ordinary tests, on a small build of dataset S.

`make bench` measures the same pairs at full size; here a regression in query counts fails CI.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.datasets import DASHBOARD_ONE, DASHBOARD_THIRTY, LESSON_LEARNER
from content.models import LessonPage

pytestmark = pytest.mark.django_db

# The pinned counts of issue 7's pages (see tests/progress/test_queries.py for what each query is); the dashboard
# gained its pages' translations (the active locale comes from content.translations' cache); marking complete looks its item's original up (cached after the lesson's first visit, which the
# bench's POST does not make).
LESSON_PAGE = 8
COURSE_PAGE = 12
DASHBOARD = 4
LESSON_COMPLETE = 11


def queries_for(client, url: str) -> int:
    client.get(url)  # warm per-process caches and open the item once, as a learner's second visit
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def lesson(manifest, course, index: int):
    lessons = [item for item in manifest.items(course) if item.specific_class is LessonPage]
    return lessons[index]


def test_the_dataset_has_the_shapes_the_pairs_need(bench_dataset):
    manifest = bench_dataset
    assert len(manifest.items(manifest.small)) == 20
    assert len(manifest.items(manifest.xl)) == 500
    assert manifest.named[DASHBOARD_THIRTY].enrolments.count() == 30
    assert manifest.named[DASHBOARD_ONE].enrolments.count() == 1


def test_the_lesson_page_runs_the_same_queries_for_20_and_500_items(bench_dataset, client):
    manifest = bench_dataset
    client.force_login(manifest.named[LESSON_LEARNER])
    small = queries_for(client, lesson(manifest, manifest.small, 5).url)
    large = queries_for(client, lesson(manifest, manifest.xl, 40).url)
    assert small == large == LESSON_PAGE


def test_the_course_page_runs_the_same_queries_for_20_and_500_items(bench_dataset, client):
    manifest = bench_dataset
    client.force_login(manifest.named[LESSON_LEARNER])
    assert queries_for(client, manifest.small.url) == queries_for(client, manifest.xl.url) == COURSE_PAGE


def test_the_dashboard_runs_the_same_queries_for_1_and_30_enrolments(bench_dataset, client):
    manifest = bench_dataset
    client.force_login(manifest.named[DASHBOARD_ONE])
    one = queries_for(client, "/dashboard/")
    client.force_login(manifest.named[DASHBOARD_THIRTY])
    assert queries_for(client, "/dashboard/") == one == DASHBOARD


def test_marking_a_lesson_complete_runs_the_same_queries_for_20_and_500_items(bench_dataset, client):
    manifest = bench_dataset
    client.force_login(manifest.named[LESSON_LEARNER])
    counts = []
    for course in (manifest.small, manifest.xl):
        warm, measured = lesson(manifest, course, -2), lesson(manifest, course, -1)  # lessons not started yet
        client.post(f"/learning/items/{warm.pk}/complete/", headers={"HX-Request": "true"})
        with CaptureQueriesContext(connection) as captured:
            response = client.post(f"/learning/items/{measured.pk}/complete/", headers={"HX-Request": "true"})
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1] == LESSON_COMPLETE


def test_submitting_a_quiz_runs_the_same_queries_for_10_and_50_questions(bench_dataset):
    from bench.landed import quiz_probes
    from bench.operations import Context

    counts = []
    for probe in quiz_probes(Context(manifest=bench_dataset)):
        probe.prepare()
        with CaptureQueriesContext(connection) as captured:
            probe.call()
        counts.append(len(captured.captured_queries))
    assert len(counts) == 2
    assert counts[0] == counts[1]


def test_the_organization_dashboard_runs_the_same_queries_for_10_and_200_staff(bench_dataset):
    from bench.landed import organization_probes
    from bench.operations import Context

    counts = []
    for probe in organization_probes(Context(manifest=bench_dataset)):
        probe.call()
        with CaptureQueriesContext(connection) as captured:
            probe.call()
        counts.append(len(captured.captured_queries))
    assert len(counts) == 2
    assert counts[0] == counts[1]


# The first-visit probe's page (bench.operations.FirstVisits): the re-visit's reads and one statement of writes; the
# lesson's own cached facts (its original, its translations' addresses) are warm, as other learners leave them.
LESSON_FIRST_VISIT = 9


def test_the_first_visit_probe_opens_a_new_lesson_each_call_in_the_same_queries_for_20_and_500_items(bench_dataset):
    from bench.operations import Context, FirstVisits
    from progress.models import ItemProgress

    manifest = bench_dataset
    ctx = Context(manifest=manifest)
    counts = []
    for course in (manifest.small, manifest.xl):
        visits = FirstVisits(ctx, course, f"test-{course.pk}")
        visits.prepare()
        visits.visit()  # warms the per-process caches and the cached outline
        for _call in range(2):
            visits.prepare()
            _client, user, opened = visits.next
            assert not ItemProgress.objects.filter(enrolment__user=user, item=opened).exists()
            with CaptureQueriesContext(connection) as captured:
                visits.visit()
            counts.append(len(captured.captured_queries))
        visits.prepare()  # checks that the last visit wrote its row
    assert counts == [LESSON_FIRST_VISIT] * 4
