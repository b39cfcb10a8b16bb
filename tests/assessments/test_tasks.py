"""The beat task that closes attempts past their deadline, so progress and badges never wait for a visit."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from assessments.models import Attempt, AttemptState
from assessments.services import attempt_start, response_save
from assessments.tasks import attempt_close_expired_task
from progress.models import ItemProgress
from tests.assessments.factories import learner_in, make_quiz, single_choice

ROOT = Path(__file__).resolve().parents[2]

# What `celery -A lms beat` does before it reads its schedule (celery.apps.beat.Beat.run): load the worker's
# modules, then build the scheduler from the app's configuration.
BEAT_SCHEDULE_SCRIPT = """
from celery.apps.beat import Beat
from celery.beat import Scheduler
from lms.celery import app
Beat(app=app, quiet=True).init_loader()
entry = Scheduler(app=app, lazy=False).schedule["assessments.close-expired"]
print(entry.task, entry.schedule.run_every.total_seconds())
"""


def test_the_beat_process_schedules_closing_expired_attempts_every_minute():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["DJANGO_SETTINGS_MODULE"] = "lms.settings.test"

    result = subprocess.run(
        [sys.executable, "-c", BEAT_SCHEDULE_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [attempt_close_expired_task.name, "60.0"]


@pytest.mark.django_db
def test_the_close_task_closes_grades_and_reports_an_expired_attempt_to_progress():
    quiz = make_quiz(questions=[single_choice(1), single_choice(2)], time_limit_minutes=10, pass_mark=50)
    learner = learner_in(quiz)
    started = timezone.now() - timedelta(minutes=15)
    attempt = attempt_start(quiz=quiz, user=learner, now=started)
    response_save(attempt=attempt, user=learner, key=attempt.question_keys[0], raw="a", now=started)

    closed = attempt_close_expired_task.delay().get()

    assert closed == 1
    attempt = Attempt.objects.get(pk=attempt.pk)
    assert attempt.state == AttemptState.GRADED
    assert attempt.submitted_at == started + timedelta(minutes=10)
    assert attempt.score == Decimal("50.00")
    progress = ItemProgress.objects.get(item=quiz, enrolment__user=learner)
    assert progress.score == Decimal("50.00")
    assert progress.completed_at is not None


@pytest.mark.django_db
def test_the_close_task_leaves_attempts_still_within_their_time_open():
    quiz = make_quiz(time_limit_minutes=10)
    attempt = attempt_start(quiz=quiz, user=learner_in(quiz))

    assert attempt_close_expired_task.delay().get() == 0
    assert Attempt.objects.get(pk=attempt.pk).state == AttemptState.OPEN
