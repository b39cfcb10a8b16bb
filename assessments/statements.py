"""assessments' one hand-written statement, beside its ORM twin.

Submitting a quiz is a benchmark target (at most 3x a one-row write), and `_close` there reads the attempt's saved
answers and the learner's earlier graded scores of the quiz in one round trip instead of two. PostgreSQL runs the
statement; SQLite (the embedded default) runs the ORM twin. `tests/assessments/test_statements.py` runs both on
PostgreSQL over the same rows and compares them.
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Max, Sum

from assessments.models import Attempt, AttemptScoring, AttemptState, Response
from lms.db import fixed_statement_rows

# What the learner's other graded attempts of the quiz give the counted score, per attempt scoring: (best, None,
# None), (total, count, None) or the latest (score, submitted_at, number); all None when there is none.
EarlierScores = tuple[Any, Any, Any]

_EARLIER_SCORES = {
    AttemptScoring.HIGHEST: "SELECT max(score), NULL, NULL FROM {attempts} WHERE {graded}",
    AttemptScoring.AVERAGE: "SELECT sum(score), count(score), NULL FROM {attempts} WHERE {graded}",
    AttemptScoring.LATEST: "SELECT score, submitted_at, number FROM {attempts} WHERE {graded}"
    " ORDER BY submitted_at DESC, number DESC LIMIT 1",
}
_ANSWERS_AND_SCORES_SQL = (
    "SELECT (SELECT jsonb_object_agg(key, value) FROM {responses} WHERE attempt_id = %s), earlier.*"
    " FROM (SELECT 1) AS one LEFT JOIN ({earlier}) AS earlier ON TRUE"
)


@functools.cache
def _answers_and_scores_statement(scoring: str) -> str:
    quote = connection.ops.quote_name
    earlier = _EARLIER_SCORES[AttemptScoring(scoring)].format(
        attempts=quote(Attempt._meta.db_table),
        graded=f"quiz_id = %s AND learner_id = %s AND state = '{AttemptState.GRADED.value}'",
    )
    return _ANSWERS_AND_SCORES_SQL.format(responses=quote(Response._meta.db_table), earlier=earlier)


def answers_and_earlier_scores_sql(
    *, attempt_id: int, quiz_id: int, learner_id: int, scoring: str
) -> tuple[dict[str, Any], EarlierScores]:
    """The statement (PostgreSQL): `attempt_id`'s saved answers (key -> value) and the earlier scores, one query."""
    answers, first, second, third = fixed_statement_rows(
        sql=_answers_and_scores_statement(scoring), params=[attempt_id, quiz_id, learner_id]
    )[0]
    return (json.loads(answers) if answers is not None else {}), (first, second, third)


def answers_and_earlier_scores_orm(
    *, attempt_id: int, quiz_id: int, learner_id: int, scoring: str
) -> tuple[dict[str, Any], EarlierScores]:
    """The ORM twin of `answers_and_earlier_scores_sql`: the same answer in two queries."""
    answers = dict(Response.objects.filter(attempt_id=attempt_id).values_list("key", "value"))
    graded = Attempt.objects.filter(quiz_id=quiz_id, learner_id=learner_id, state=AttemptState.GRADED)
    if scoring == AttemptScoring.LATEST:
        latest = graded.order_by("-submitted_at", "-number").values_list("score", "submitted_at", "number").first()
        return answers, latest or (None, None, None)
    if scoring == AttemptScoring.AVERAGE:
        totals = graded.aggregate(total=Sum("score"), count=Count("score"))
        return answers, (totals["total"], totals["count"], None)
    best: Decimal | None = graded.aggregate(best=Max("score"))["best"]
    return answers, (best, None, None)


def answers_and_earlier_scores(
    *, attempt_id: int, quiz_id: int, learner_id: int, scoring: str
) -> tuple[dict[str, Any], EarlierScores]:
    """The saved answers of `attempt_id` and what `learner_id`'s graded attempts of `quiz_id` give the counted
    score under `scoring`: the statement on PostgreSQL, its ORM twin elsewhere."""
    read = answers_and_earlier_scores_sql if connection.vendor == "postgresql" else answers_and_earlier_scores_orm
    return read(attempt_id=attempt_id, quiz_id=quiz_id, learner_id=learner_id, scoring=scoring)
