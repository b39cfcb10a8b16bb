"""The benchmark's query-count and flatness checks as ordinary tests, on a small build of dataset S.

`make bench` measures the same pairs at full size; here a regression in query counts fails CI.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.datasets import DASHBOARD_ONE, DASHBOARD_THIRTY, LESSON_LEARNER
from bench.operations import NotMeasured
from content.models import LessonPage

pytestmark = pytest.mark.django_db

# The pinned counts of issue 7's pages (see tests/progress/test_queries.py for what each query is); the dashboard
# gained its pages' translations (the active locale comes from content.translations' cache); marking complete looks its item's original up (cached after the lesson's first visit, which the
# bench's POST does not make).
LESSON_PAGE = 7
# 11 → 7: the course page's skills, instructors and prerequisites are in cached fragments (content.views), and its
# enrolment comes with its item rows and module aggregates in one statement (progress.selectors.learner_read).
COURSE_PAGE = 7
DASHBOARD = 3  # was 4: no translations query for a reader of the pages' own language (progress.selectors.dashboard)
LESSON_COMPLETE = 8  # was 11: the item row, its statements and both aggregates are one statement now


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


def test_the_staff_export_probe_reads_every_row_of_both_exports_in_chunks(bench_dataset):
    """Issue 19's export probe on the small build's export organization (300 staff; 50,000 in S and M)."""
    from bench import report
    from bench.landed import staff_export_rates
    from bench.operations import Context

    measured = staff_export_rates(Context(manifest=bench_dataset), lambda _line: None, rounds=1)
    assert measured["staff"] == 300
    for kind in ("csv", "xlsx"):
        export = measured[kind]
        assert export["rows"] == export["copy_rows"] == 300, kind
        assert export["streamed"] and export["chunks"] > 1, kind
        assert 0 < export["peak_mib"] < 32, kind
    # The session's user and the organization with its admin check; the report is one COPY, which Django's
    # count does not see (it runs on the driver's cursor), as the CSV's.
    assert measured["xlsx"]["queries"] == measured["csv"]["queries"] == 2
    statuses = {v.target: v.status for v in report.verdicts({}, {}, {"staff_exports": measured})}
    assert statuses["CSV export at 50,000 staff: streamed, peak memory ≤ 32 MiB"] == report.MET
    assert statuses["XLSX export at 50,000 staff: streamed, peak memory ≤ 32 MiB"] == report.MET
    assert "XLSX export at 50,000 staff ≥ 25% of PostgreSQL COPY" in statuses


def counts_of(probes) -> dict[str, int]:
    """Queries of each probe's second call (its first warms per-process caches), its untimed set-up excluded."""
    counts = {}
    for probe in probes:
        assert not isinstance(probe, NotMeasured), probe.reason
        for _ in range(2):
            if probe.prepare is not None:
                probe.prepare()
            if probe.before_call is not None:
                probe.before_call()
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as captured:
                probe.call()
        counts[probe.name] = len(captured.captured_queries)
    return counts


# Issue 19's probes: the verification page never seen before runs the one query of a warm one; verifying a pasted
# credential reads the issuer with its keys and the status list (tests/badges/test_views.py says which).
VERIFICATION_PAGE = 1
VERIFY_PASTED = 7
# One more than the bench measured before single sign-on: the admin menu's Single sign-on item asks whether the
# user is a platform admin.
GRADING_QUEUE = 22
CHECKOUT_QUOTE = 5
BUNDLE_QUOTE = 9
# A password sign-in first asks whether the address's domain requires single sign-on (organizations.sso).
SIGN_IN = 11


def test_the_cold_verification_page_and_a_pasted_verification_run_pinned_queries(bench_dataset):
    from bench.landed import badge_probes
    from bench.operations import Context

    counts = counts_of(badge_probes(Context(manifest=bench_dataset)))
    assert counts["verification_page_cold"] == counts["verification_page"] == VERIFICATION_PAGE
    assert counts["verify_pasted"] == VERIFY_PASTED


def test_the_grading_queue_runs_the_same_queries_for_20_and_500_submissions(bench_dataset):
    from bench.grading_checkout import grading_probes
    from bench.operations import Context

    counts = counts_of(grading_probes(Context(manifest=bench_dataset)))
    assert counts["grading_queue_20"] == counts["grading_queue_500"] == GRADING_QUEUE


def test_the_checkout_quote_runs_pinned_queries_for_5_and_5000_seats(bench_dataset):
    from bench.grading_checkout import checkout_probes
    from bench.operations import Context

    counts = counts_of(checkout_probes(Context(manifest=bench_dataset)))
    assert counts == {
        "checkout_quote": CHECKOUT_QUOTE,
        "bundle_quote_5": BUNDLE_QUOTE,
        "bundle_quote_5000": BUNDLE_QUOTE,
    }


def test_a_sign_in_runs_pinned_queries_and_lands_on_the_dashboard(bench_dataset, settings):
    from bench.signin import _sign_in, _signin_user

    email = _signin_user(list(settings.PASSWORD_HASHERS))  # the query count is the same with any hasher
    _sign_in(email)
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        response = _sign_in(email)
    assert response["Location"].endswith("/dashboard/")
    assert len(captured.captured_queries) == SIGN_IN


def test_a_wrong_password_is_not_counted_as_a_sign_in(bench_dataset, settings):
    from django.test import Client

    from bench.signin import _signin_user

    email = _signin_user(list(settings.PASSWORD_HASHERS))
    response = Client().post("/accounts/login/", {"login": email, "password": "not-the-password"})
    assert response.status_code == 200  # the form again, with its error: `_sign_in` raises on anything but 302


# The first-visit probe's page (bench.operations.FirstVisits): the re-visit's reads and one statement of writes; the
# lesson's own cached facts (its original, its translations' addresses) are warm, as other learners leave them.
LESSON_FIRST_VISIT = 8


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
