"""Regrading: an instructor re-grades chosen, closed attempts against the quiz's fixed, published revision."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from wagtail.models import Revision

from assessments.models import Attempt, AttemptState, QuizPage, RegradeAudit
from assessments.services._common import (
    check_instructor,
    grade_into,
    locked_attempt,
    now_or,
    percent,
    questions_for_revision,
    report_quiz,
)
from assessments.services.errors import AssessmentError
from lms.models import User


def _keep_hand_marks(attempt: Attempt, before: dict[str, Any]) -> None:
    """A regrade never undoes an instructor's marking: hand-graded questions keep their marked result."""
    results = dict(attempt.results)
    for key, result in results.items():
        old = before.get(key)
        if result["needs_manual"] and old is not None and not old["needs_manual"]:
            kept = min(Decimal(old["score"]), Decimal(result["max_score"]))
            results[key] = {**old, "score": str(kept), "max_score": result["max_score"]}
    attempt.results = results
    attempt.points = sum((Decimal(r["score"]) for r in results.values()), Decimal("0"))
    attempt.score = percent(attempt.points, attempt.max_points or Decimal("0"))
    manual = any(r["needs_manual"] for r in results.values())
    attempt.state = AttemptState.NEEDS_GRADING if manual else AttemptState.GRADED


@transaction.atomic
def attempt_regrade(
    *, attempts: list[Attempt], user: User, reason: str, revision: Revision, now: datetime | None = None
) -> list[RegradeAudit]:
    """Re-grade chosen, closed attempts against `revision`, the quiz's current published revision (the fix).

    Only an explicit instructor action does this; an ordinary edit never changes a past attempt. `revision`
    is the one the instructor saw when choosing: if the quiz was published again since, nothing is regraded.
    Each attempt keeps the revision it was served from and records the one it was regraded against; an audit
    entry keeps the old and new score, who and when; the counted score goes to progress. Hand-marked essays
    keep their marks. Locks each attempt row. A question the fix removed is refused, never silently dropped.
    """
    now = now_or(now)
    if not reason.strip():
        raise AssessmentError(_("Say why the attempts are regraded."))
    if not attempts:
        raise AssessmentError(_("Choose at least one attempt to regrade."))
    audits: list[RegradeAudit] = []
    bank: dict[str, dict[str, Any]] | None = None
    for attempt in attempts:
        locked = locked_attempt(attempt)
        check_instructor(user=user, item=locked.quiz)
        if locked.state == AttemptState.OPEN:
            raise AssessmentError(_("An open attempt cannot be regraded."))
        live = QuizPage.objects.get(pk=locked.quiz_id)
        if revision.pk != live.live_revision_id or str(revision.object_id) != str(locked.quiz_id):
            raise AssessmentError(
                _("The quiz was published again since this page was opened; regrade against the current revision.")
            )
        if bank is None:
            bank, _layout = questions_for_revision(revision)
        missing = [k for k in locked.question_keys if k not in bank]
        if missing:
            raise AssessmentError(
                _("The published quiz no longer has every question of attempt %(n)d.") % {"n": locked.pk}
            )
        old_revision_id, old_score, before = locked.graded_revision_id, locked.score, dict(locked.results)
        locked.regraded_revision, locked.regraded_at = revision, now
        locked.questions = [bank[key] for key in locked.question_keys]
        grade_into(locked, dict(locked.responses.values_list("key", "value")))
        _keep_hand_marks(locked, before)
        locked.save(
            update_fields=[
                "regraded_revision",
                "regraded_at",
                "questions",
                "points",
                "max_points",
                "score",
                "results",
                "state",
            ]
        )
        audits.append(
            RegradeAudit.objects.create(
                attempt=locked,
                actor=user,
                from_revision_id=old_revision_id,
                to_revision=revision,
                old_score=old_score,
                new_score=locked.score,
                reason=reason.strip(),
                created_at=now,
            )
        )
        report_quiz(quiz=live, user=locked.learner, occurred_at=now)
    return audits
