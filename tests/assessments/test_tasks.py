"""The beat task that closes attempts past their deadline, so progress and badges never wait for a visit."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.models import Locale

from assessments.models import Attempt, AttemptState
from assessments.services import attempt_start, attempt_submit, response_save, submission_create, submission_return
from assessments.tasks import attempt_close_expired_task, attempt_graded_notify, submission_notify
from progress.models import ItemProgress
from tests.assessments.factories import learner_in, make_quiz, make_task, single_choice
from tests.assessments.test_admin_tools import instructor_of
from tests.mail_language import language_of, shares_no_sentence

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


# --- e-mails in the learner's language (issue #16 item 6) ----------------------------------------------------


def _french_translation(page, title: str):
    """A French version of `page` in its translation group (beside it in the tree: enough for an e-mail's link)."""
    copy = type(page)(
        title=title,
        instructions="<p>Faites-le.</p>",
        locale=Locale.objects.get(language_code="fr"),
        translation_key=page.translation_key,
    )
    page.get_parent().add_child(instance=copy)
    copy.save_revision().publish()
    return type(page).objects.get(pk=copy.pk)


def _returned_submission_mail(*, language: str, sender_language: str, task=None):
    task = task or make_task(title="Routing lab")
    learner = learner_in(task)
    learner.language = language
    learner.save(update_fields=["language"])
    submission = submission_create(task=task, user=learner, text="<p>Draft</p>")
    with translation.override(sender_language):
        submission_return(submission=submission, user=instructor_of(task), feedback="Add the diagram.")
        mail.outbox.clear()
        submission_notify(submission_id=submission.pk)
    return mail.outbox[-1]


def _graded_attempt_mail(*, language: str, sender_language: str):
    quiz = make_quiz(title="NAT quiz", pass_mark=Decimal("50"))
    learner = learner_in(quiz)
    learner.language = language
    learner.save(update_fields=["language"])
    attempt = attempt_start(quiz=quiz, user=learner)
    response_save(attempt=attempt, user=learner, key=attempt.question_keys[0], raw="a")
    attempt = attempt_submit(attempt=attempt, user=learner)
    Attempt.objects.filter(pk=attempt.pk).update(state=AttemptState.GRADED, score=Decimal("80.5"))
    mail.outbox.clear()
    with translation.override(sender_language):
        attempt_graded_notify(attempt_id=attempt.pk)
    return attempt, mail.outbox[-1]


@pytest.mark.django_db
def test_a_french_learner_gets_the_returned_submission_email_in_french_from_an_english_process():
    french = _returned_submission_mail(language="fr", sender_language="en")
    english = _returned_submission_mail(language="en", sender_language="fr")

    assert french.subject == "Votre remise pour « Routing lab » vous a été renvoyée pour modification"
    assert language_of(french) == "fr" and shares_no_sentence(french, english)


@pytest.mark.django_db
def test_an_english_learner_gets_the_returned_submission_email_in_english_from_a_french_process():
    english = _returned_submission_mail(language="en", sender_language="fr")
    french = _returned_submission_mail(language="fr", sender_language="en")

    assert english.subject == "Your submission for “Routing lab” was returned for changes"
    assert language_of(english) == "en" and shares_no_sentence(english, french)


@pytest.mark.django_db
def test_a_french_learner_reads_the_title_of_the_french_version_and_links_to_it():
    task = make_task(title="Routing lab")
    french_task = _french_translation(task, "Laboratoire de routage")

    message = _returned_submission_mail(language="fr", sender_language="en", task=task)

    assert "« Laboratoire de routage »" in message.subject
    assert f"{settings.SITE_URL}{french_task.url}\n" in message.body


@pytest.mark.django_db
def test_an_english_learner_reads_the_original_title_of_a_translated_task():
    task = make_task(title="Routing lab")
    _french_translation(task, "Laboratoire de routage")

    message = _returned_submission_mail(language="en", sender_language="fr", task=task)

    assert "Routing lab" in message.subject and "/fr/" not in message.body


@pytest.mark.django_db
def test_a_french_learner_gets_the_graded_attempt_email_in_french_with_a_french_score():
    attempt, french = _graded_attempt_mail(language="fr", sender_language="en")
    _other, english = _graded_attempt_mail(language="en", sender_language="fr")

    assert "80,5\u00a0%" in french.body
    with translation.override("fr"):
        assert f"{settings.SITE_URL}{reverse('assessments:result', args=[attempt.pk])}" in french.body
    assert language_of(french) == "fr" and shares_no_sentence(french, english)


@pytest.mark.django_db
def test_an_english_learner_gets_the_graded_attempt_email_in_english_from_a_french_process():
    _attempt, english = _graded_attempt_mail(language="en", sender_language="fr")
    _other, french = _graded_attempt_mail(language="fr", sender_language="en")

    assert "80.5%" in english.body and "/fr/" not in english.body
    assert language_of(english) == "en" and shares_no_sentence(english, french)
