"""The grading queue: instructors mark the hand-graded questions of quiz attempts, and grade (with the rubric or
plain points) or return task submissions. Each grade goes to progress, and the learner is e-mailed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import Attempt, AttemptState, Grade, RubricScore, Submission, SubmissionState
from assessments.services._common import (
    CENT,
    check_instructor,
    locked_attempt,
    now_or,
    percent,
    report_quiz,
    report_result,
)
from assessments.services.errors import AssessmentError
from assessments.services.submissions import clean_rich_text
from lms.models import User
from lms.outbox import outbox_enqueue


@transaction.atomic
def attempt_grade_manual(
    *, attempt: Attempt, user: User, points: dict[str, Decimal], feedback: dict[str, str] | None = None
) -> Attempt:
    """An instructor marks the hand-graded questions (essays) of a submitted attempt. Locks the attempt row.

    Instructors of the quiz's course only. Every hand-graded question needs points between 0 and its points.
    The total and score are recomputed, the counted score goes to progress (pass or fail against the pass
    mark), and the learner is e-mailed after the commit."""
    locked = locked_attempt(attempt)
    check_instructor(user=user, item=locked.quiz)
    if locked.state != AttemptState.NEEDS_GRADING:
        raise AssessmentError(_("This attempt is not waiting for grading."))
    results = dict(locked.results)
    for key, given in points.items():
        result = results.get(key)
        if result is None or not result["needs_manual"]:
            raise AssessmentError(_("This question is not graded by hand."))
        if not Decimal("0") <= given <= Decimal(result["max_score"]):
            raise AssessmentError(_("Points must be between 0 and %(max)s.") % {"max": result["max_score"]})
        result = {**result, "score": str(given.quantize(CENT)), "needs_manual": False}
        result["correct"] = given == Decimal(result["max_score"])
        if feedback and feedback.get(key, "").strip():
            result["feedback"] = [*result["feedback"], feedback[key].strip()]
        results[key] = result
    if any(r["needs_manual"] for r in results.values()):
        raise AssessmentError(_("Give points for every hand-graded question."))
    locked.results = results
    locked.points = sum((Decimal(r["score"]) for r in results.values()), Decimal("0"))
    locked.score = percent(locked.points, locked.max_points or Decimal("0"))
    locked.state = AttemptState.GRADED
    locked.save(update_fields=["results", "points", "score", "state"])
    report_quiz(quiz=locked.quiz, user=locked.learner, occurred_at=timezone.now())
    _notify_attempt_graded(locked)
    return locked


def _notify_attempt_graded(attempt: Attempt) -> None:
    """The learner's e-mail, recorded in the outbox with the grade (sent by the worker after the commit)."""
    outbox_enqueue(handler="assessments.attempt_graded_notify", payload={"attempt_id": attempt.pk})


def _notify(submission: Submission) -> None:
    """The learner's e-mail, recorded in the outbox with the grade (sent by the worker after the commit)."""
    outbox_enqueue(handler="assessments.submission_notify", payload={"submission_id": submission.pk})


def _rubric_scores(criteria: list[dict[str, Any]], levels: dict[str, str]) -> list[RubricScore]:
    """The level chosen for each of a rubric's `criteria` (`levels`: criterion key -> level key), unsaved."""
    scores: list[RubricScore] = []
    for criterion in criteria:
        level = next((lv for lv in criterion["levels"] if lv["key"] == levels.get(criterion["key"])), None)
        if level is None:
            raise AssessmentError(_("Choose a level for “%(title)s”.") % {"title": criterion["title"]})
        scores.append(
            RubricScore(
                criterion_key=criterion["key"],
                criterion_title=criterion["title"],
                level_label=level["label"],
                points=level["points"],
            )
        )
    return scores


@transaction.atomic
def submission_grade(
    *,
    submission: Submission,
    user: User,
    feedback: str = "",
    levels: dict[str, str] | None = None,
    points: Decimal | None = None,
    now: datetime | None = None,
) -> Grade:
    """Grade a submission with the rubric (`levels`: criterion key → level key) or plain `points`.

    Instructors of the task's course only. Locks the submission row; a graded submission is not graded twice.
    The learner is e-mailed after commit, and the score goes to progress.
    """
    now = now_or(now)
    locked = Submission.objects.select_for_update(of=("self",)).select_related("task", "learner").get(pk=submission.pk)
    task = locked.task
    check_instructor(user=user, item=task)
    if locked.state != SubmissionState.SUBMITTED:
        raise AssessmentError(_("This submission is not waiting for grading."))
    criteria = task.rubric_criteria()
    scores: list[RubricScore] = []
    if criteria:
        scores = _rubric_scores(criteria, levels or {})
        given, possible = sum((s.points for s in scores), Decimal("0")), task.points_possible()
    else:
        possible = task.max_points
        if points is None or not Decimal("0") <= points <= possible:
            raise AssessmentError(_("Points must be between 0 and %(max)s.") % {"max": possible})
        given = points
    grade = Grade.objects.create(
        submission=locked,
        grader=user,
        points=given,
        max_points=possible,
        score=percent(given, possible),
        feedback=clean_rich_text(feedback),
        graded_at=now,
    )
    for score in scores:
        score.grade = grade
    RubricScore.objects.bulk_create(scores)
    locked.state = SubmissionState.GRADED
    locked.save(update_fields=["state"])
    report_result(
        user=locked.learner, item=task, score=grade.score, passed=grade.score >= task.pass_mark, occurred_at=now
    )
    _notify(locked)
    return grade


@transaction.atomic
def submission_return(*, submission: Submission, user: User, feedback: str) -> Submission:
    """Return a submission for resubmission with feedback. Instructors of the course only; locks the row."""
    locked = Submission.objects.select_for_update(of=("self",)).select_related("task").get(pk=submission.pk)
    check_instructor(user=user, item=locked.task)
    if locked.state != SubmissionState.SUBMITTED:
        raise AssessmentError(_("This submission is not waiting for grading."))
    if not feedback.strip():
        raise AssessmentError(_("Tell the learner what to change."))
    locked.state = SubmissionState.RETURNED
    locked.return_feedback = clean_rich_text(feedback)
    locked.save(update_fields=["state", "return_feedback"])
    _notify(locked)
    return locked
