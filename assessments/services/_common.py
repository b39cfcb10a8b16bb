"""What several use cases of assessments share: permission checks, the row locks, the questions an attempt
was served, grading into the attempt, saving one answer, and the one call into progress."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Avg, Max
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Revision

from assessments import grading
from assessments.models import Attempt, AttemptScoring, AttemptState, QuizPage, Response
from assessments.services.errors import AnswerLocked
from assessments.statements import QUIZ_TEXT
from content.models import CourseItemPage
from lms.models import User
from progress.selectors import item_access
from progress.services import course_of_item, item_result_record, user_can_edit_course

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def now_or(now: datetime | None) -> datetime:
    return now or timezone.now()


def percent(points: Decimal, possible: Decimal) -> Decimal:
    if not possible:
        return Decimal("0.00")
    return min(HUNDRED, (points * HUNDRED / possible).quantize(CENT, rounding=ROUND_HALF_UP))


def check_learner(*, user: User, item: CourseItemPage) -> None:
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to continue."))
    access = item_access(user=user, item=item)
    if not access.allowed or access.enrolment is None:
        raise PermissionDenied(access.message or _("Enrol in the course to take part."))


def check_instructor(*, user: User, item: CourseItemPage) -> None:
    if not user_can_edit_course(user=user, course=course_of_item(item)):
        raise PermissionDenied(_("Only instructors of this course may do this."))


def lock_learner(user: User) -> None:
    """Serialise a learner's starts and submissions: a row lock on the user."""
    User.objects.select_for_update().only("pk").get(pk=user.pk)


def locked_attempt(attempt: Attempt) -> Attempt:
    """`attempt` read again under its row lock, with its quiz's settings and its learner."""
    # Not the revisions: each holds the whole page's JSON, and the attempt keeps its own copy of its questions.
    return (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("quiz", "learner")
        .defer(*(f"quiz__{name}" for name in QUIZ_TEXT))
        .get(pk=attempt.pk)
    )


def questions_for_revision(revision: Revision) -> tuple[dict[str, dict[str, Any]], list[str | dict[str, Any]]]:
    """The questions (engine dicts by key) and layout of a quiz exactly as `revision` holds them."""
    page = revision.as_object()
    if not isinstance(page, QuizPage):
        raise TypeError("not a quiz revision")
    return page.question_bank()


def attempt_questions(attempt: Attempt) -> list[dict[str, Any]]:
    """The questions of an attempt, in the order drawn, as its pinned revision (or the one it was regraded
    against) holds them: the copy kept with the attempt, or, for an attempt started before copies were kept,
    read from that revision."""
    if attempt.questions:
        return attempt.questions
    bank, _layout = questions_for_revision(attempt.regraded_revision or attempt.revision)
    return [bank[key] for key in attempt.question_keys]


def grade_into(attempt: Attempt, responses: dict[str, Any]) -> grading.AttemptGrade:
    """Grade `attempt`'s questions with `responses` (key -> saved value) and set its score, results and state."""
    questions = attempt_questions(attempt)
    result = grading.grade_attempt(questions, {k: v for k, v in responses.items() if k in attempt.question_keys})
    attempt.points, attempt.max_points = result.score, result.max_score
    attempt.score = result.percent
    attempt.results = {
        key: {
            "score": str(r.score),
            "max_score": str(r.max_score),
            "correct": r.correct,
            "needs_manual": r.needs_manual,
            "feedback": r.feedback,
            "detail": r.detail,
        }
        for key, r in result.results.items()
    }
    attempt.state = AttemptState.NEEDS_GRADING if result.needs_manual else AttemptState.GRADED
    return result


def store_response(*, attempt: Attempt, key: str, value: Any, now: datetime, checked: bool = False) -> Response:
    """Write one answer of a locked, open attempt; a checked answer is never overwritten."""
    response = Response.objects.filter(attempt=attempt, key=key).first()
    if response is None:
        return Response.objects.create(
            attempt=attempt, key=key, value=value, saved_at=now, checked_at=now if checked else None
        )
    if response.checked_at is not None:
        raise AnswerLocked(_("You checked this answer and saw the key, so it can no longer change."))
    response.value, response.saved_at = value, now
    if checked:
        response.checked_at = now
    response.save(update_fields=["value", "saved_at", "checked_at"])
    return response


def save_draft(*, attempt: Attempt, key: str, raw: Any, now: datetime) -> Response:
    """Save one answer of a locked, open attempt as a draft: a partial answer is kept as it is."""
    if key not in attempt.question_keys:
        raise grading.MalformedResponse(_("This question is not part of your attempt."), question_key=key)
    question = next(q for q in attempt_questions(attempt) if q["key"] == key)
    return store_response(attempt=attempt, key=key, value=grading.read_draft(question, raw), now=now)


def report_result(*, user: User, item: CourseItemPage, score: Decimal, passed: bool, occurred_at: datetime) -> None:
    """The one call into progress: the item's counted score (percent) and whether it is complete."""
    item_result_record(user=user, item=item, completed=passed, score=score, occurred_at=occurred_at)


def counted_score(*, quiz: QuizPage, user: User) -> Decimal | None:
    """The score of `user`'s graded attempts of `quiz` that counts, per the quiz's attempt scoring."""
    graded = Attempt.objects.filter(quiz=quiz, learner=user, state=AttemptState.GRADED)
    if quiz.attempt_scoring == AttemptScoring.LATEST:
        latest = graded.order_by("-submitted_at", "-number").values_list("score", flat=True).first()
        return latest
    aggregate = Avg("score") if quiz.attempt_scoring == AttemptScoring.AVERAGE else Max("score")
    value = graded.aggregate(value=aggregate)["value"]
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def report_quiz(*, quiz: QuizPage, user: User, occurred_at: datetime) -> None:
    """Send the counted score of `user`'s graded attempts of `quiz` to progress (pass or fail on its pass mark)."""
    score = counted_score(quiz=quiz, user=user)
    if score is not None:
        report_result(user=user, item=quiz, score=score, passed=score >= quiz.pass_mark, occurred_at=occurred_at)
