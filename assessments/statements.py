"""assessments' hand-written statements, each beside its ORM twin.

Submitting a quiz is a benchmark target (at most 3x a one-row write), and these statements are on its path:
`answers_and_earlier_scores` reads the attempt's saved answers and the learner's earlier graded scores of the
quiz in one round trip instead of two; `own_attempt_locked` is the submit view's locked read of the attempt with
its quiz, composed by the ORM once per process and run prepared (through the ORM each time it cost about 2 ms of
a submit: bench/findings.md); `attempt_fields_save` is save(update_fields=...)'s UPDATE of the graded attempt,
composed by the ORM once per process the same way and run prepared (on SQLite too). PostgreSQL runs the reads;
SQLite (the embedded default) runs their ORM twins. `tests/assessments/test_statements.py` runs both on
PostgreSQL over the same rows and compares them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from django.db import connection, models
from django.db.models import Count, Expression, Max, Sum
from django.db.models.sql import UpdateQuery

from assessments.models import Attempt, AttemptScoring, AttemptState, QuizPage, Response
from lms.db import RowShape, fixed_statement_rows, fixed_statement_run, row_shape

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


# --- the submit view's locked read of the learner's own attempt -----------------------------------------------

# Not the quiz's live questions and intro: grading reads the copy kept with the attempt, never the live page.
QUIZ_TEXT = ("questions", "intro")


def own_attempt_queryset(*, attempt_id: int, user_id: int) -> models.QuerySet[Attempt]:
    """The attempt `attempt_id` if it is `user_id`'s, locked (its row only), with its quiz's settings."""
    return (
        Attempt.objects.filter(pk=attempt_id)
        .filter(learner_id=user_id)
        .select_for_update(of=("self",))
        .select_related("quiz")
        .defer(*(f"quiz__{name}" for name in QUIZ_TEXT))
    )


@functools.cache
def _own_attempt_statement() -> tuple[str, RowShape, list[int], RowShape, list[int]]:
    """`own_attempt_queryset`'s SELECT, composed by the ORM once per process (so assessments names no other app's
    table: the quiz's parents are content's and Wagtail's): composing the four-table join and building the page
    cost more than the database spent answering it."""
    compiler = own_attempt_queryset(attempt_id=-1, user_id=-2).query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    if list(params) != [-1, -2]:
        raise RuntimeError(f"the locked read's parameters changed: {params!r}")
    info = cast(dict[str, Any], compiler.klass_info)
    (quiz_info,) = info["related_klass_infos"]
    return (
        sql,
        row_shape(Attempt),
        info["select_fields"],
        row_shape(QuizPage, unread=QUIZ_TEXT),
        quiz_info["select_fields"],
    )


def _picked(shape: RowShape, fields: list[int], row: Sequence[Any]) -> models.Model:
    return shape.build([row[index] for index in fields])


def own_attempt_locked(*, attempt_id: int, user_id: int) -> Attempt:
    """`own_attempt_queryset`'s attempt with its quiz, in one prepared statement (inside the caller's
    transaction). Raises Attempt.DoesNotExist when there is no such attempt of the learner's."""
    sql, attempt_shape, attempt_fields, quiz_shape, quiz_fields = _own_attempt_statement()
    rows = fixed_statement_rows(sql=sql, params=[attempt_id, user_id])
    if not rows:
        raise Attempt.DoesNotExist(f"No attempt {attempt_id} of learner {user_id}.")
    attempt = cast(Attempt, _picked(attempt_shape, attempt_fields, rows[0]))
    attempt.quiz = cast(QuizPage, _picked(quiz_shape, quiz_fields, rows[0]))
    return attempt


def own_attempt_locked_orm(*, attempt_id: int, user_id: int) -> Attempt:
    """The twin: the same read through the ORM."""
    return own_attempt_queryset(attempt_id=attempt_id, user_id=user_id).get()


# --- the closing write of a graded attempt ---------------------------------------------------------------------


class _Marker(Expression):
    """A parameter the composed statement leaves for each run to give."""

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        return "%s", [self]


@functools.cache
def _fields_update_statement(names: tuple[str, ...]) -> tuple[str, list[models.Field]]:
    """The UPDATE that `attempt.save(update_fields=names)` runs, composed by the ORM once per process: the SQL
    and the fields whose prepared values are its parameters, in order, then the primary key's."""
    fields = [cast(models.Field, Attempt._meta.get_field(name)) for name in names]
    markers = [_Marker() for _field in fields]
    query = cast(UpdateQuery, Attempt.objects.filter(pk=-1).query.chain(UpdateQuery))
    query.add_update_fields([(field, None, cast(Any, marker)) for field, marker in zip(fields, markers, strict=True)])
    sql, params = query.get_compiler(connection=connection).as_sql()
    quote = connection.ops.quote_name
    sets = [sql.find(f"{quote(str(field.column))} = %s") for field in fields]
    in_order = -1 not in sets and sets == sorted(sets)
    if not in_order or len(params) != len(fields) + 1 or params[-1] != -1:
        raise RuntimeError(f"the closing write's parameters changed: {params!r}")
    return sql, fields


def attempt_fields_save(attempt: Attempt, names: tuple[str, ...]) -> None:
    """Write `names` of `attempt` (an existing row): `attempt.save(update_fields=names)`'s one UPDATE, run
    prepared (`lms.db.fixed_statement_run`), without save()'s signals (none listen to an attempt) and the
    composing of the statement, which cost about a third of a millisecond of a quiz submit's CPU."""
    sql, fields = _fields_update_statement(names)
    params = [field.get_db_prep_save(field.pre_save(attempt, False), connection) for field in fields]
    if fixed_statement_run(sql=sql, params=[*params, attempt.pk]) != 1:
        raise Attempt.DoesNotExist(f"No attempt {attempt.pk} to write.")
