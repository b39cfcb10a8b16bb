"""Benchmark: credentials issued per second per worker, and the time from the commit of the result that
completes a course to the signed award, with a real Celery worker on the real broker.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/stackable CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \
        python bench/badges_issue.py --awards 40 --latency 10

It builds a throw-away test database (like the test suite), starts one worker (one process slot) on a
queue of its own, and prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--awards", type=int, default=40, help="awards issued for the throughput figure")
    parser.add_argument("--latency", type=int, default=10, help="course completions timed end to end")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    if not settings.CELERY_BROKER_URL_FOR_WORKER_TESTS:
        sys.exit("Set CELERY_BROKER_URL to the broker to measure (redis://...).")
    setup_test_environment()
    # Never the test suite's database: a run of the suite may be using it.
    if connection.vendor == "postgresql":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        print(json.dumps(run(args.awards, args.latency)))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(awards: int, completions: int) -> dict[str, object]:
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings
    from django.utils import timezone

    from badges.models import Award, AwardStatus, Issuer
    from badges.services import issuer_key_create
    from badges.tasks import award_issue_task
    from bench.tasks import notifications_discard
    from content.models import LessonPage
    from lms.celery import app
    from progress.models import Enrolment
    from progress.services import enrolment_create, lesson_complete
    from tests.badges.conftest import make_achievement
    from tests.factories import make_course, make_user

    broker = settings.CELERY_BROKER_URL_FOR_WORKER_TESTS
    queue = f"badges-bench-{uuid.uuid4().hex}"
    app.conf.update(task_always_eager=False, broker_url=broker, result_backend=broker, task_default_queue=queue)

    issuer = Issuer.objects.create(name="Bench", slug="bench", url="https://bench.example/", email="b@bench.example")
    issuer_key_create(issuer=issuer)
    course = make_course(modules=1, lessons_per_module=1)
    achievement = make_achievement(issuer, course=course)
    lesson = LessonPage.objects.descendant_of(course).get()
    learners = [make_user() for _ in range(awards + completions)]
    enrolments = [
        Enrolment.objects.create(user=user, course=course, completed_at=timezone.now(), final_grade=100)
        for user in learners[:awards]
    ]

    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, queues=[queue], loglevel="WARNING"):
        started = time.perf_counter()
        results = [award_issue_task.apply_async(args=[e.pk], queue=queue) for e in enrolments]
        for result in results:
            result.get(timeout=600)
        elapsed = time.perf_counter() - started

        latencies = []
        for user in learners[awards:]:
            enrolment_create(user=user, course=course)
            lesson_complete(user=user, lesson=lesson)  # commits; "course completed" queues the task on commit
            committed = time.perf_counter()
            while not Award.objects.filter(learner=user, achievement=achievement, status=AwardStatus.ISSUED).exists():
                time.sleep(0.005)
            latencies.append(time.perf_counter() - committed)
    notifications_discard(broker)

    return {
        "broker": broker.split("@")[-1],
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
        "awards": awards,
        "credentials_per_second_per_worker": round(awards / elapsed, 2),
        "commit_to_signed_award_seconds": {
            "median": round(statistics.median(latencies), 3),
            "max": round(max(latencies), 3),
            "n": len(latencies),
        },
    }


if __name__ == "__main__":
    main()
