"""The quiz grading engine: question validation, response normalisation and grading.

Pure and deterministic: no Django, no database, no I/O. A question is the plain dict stored as the value
of a quiz StreamField block. Common keys: `type`, `prompt` (may hold HTML), `points` (> 0, at most two
decimal places), `explanation` (general feedback, optional) and `title` (optional). What each type's own keys
mean, how it reads and grades a response (with partial credit), is its class in `assessments.question_types`
(one module per type); this module is the public facade that checks the common keys and delegates.

Answers are saved as drafts while the learner studies (`read_draft`: a partial answer of any type is kept
as it is) and read whole when they submit (`read_final`: an ordering must give every item its own position).
An attempt closed at its deadline is graded with its drafts as they stand.

Text answers compare after NFC normalisation, trimming, collapsing inner whitespace and casefolding.
Scores are exact fractions until the end, then rounded half up to cents.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from assessments.i18n import _, gettext_noop
from assessments.question_types import QuestionType, question_type, question_types
from assessments.question_types.common import (
    CENT,
    MAX_RESPONSE_CHARS,
    IncompleteAnswer,
    InvalidQuestion,
    MalformedResponse,
    cents,
    decimal,
    normalise_text,
    optional_text_errors,
    shown,
)
from assessments.question_types.essay import MAX_ESSAY_CHARS, word_count
from assessments.question_types.short_answer import MAX_REGEX_CHARS, MAX_REGEX_INPUT_CHARS

__all__ = [
    "MAX_ESSAY_CHARS",
    "MAX_POINTS",
    "MAX_REGEX_CHARS",
    "MAX_REGEX_INPUT_CHARS",
    "MAX_RESPONSE_CHARS",
    "QUESTION_TYPES",
    "AttemptGrade",
    "GradeResult",
    "IncompleteAnswer",
    "InvalidQuestion",
    "MalformedResponse",
    "grade",
    "grade_attempt",
    "normalise_response",
    "normalise_text",
    "read_draft",
    "read_final",
    "validate_question",
    "word_count",
]

QUESTION_TYPES = tuple(t.key for t in question_types())
MAX_POINTS = Decimal(1000)


@dataclass(frozen=True)
class GradeResult:
    score: Decimal
    max_score: Decimal
    correct: bool
    needs_manual: bool
    feedback: list[str]
    detail: dict[str, Any]


@dataclass(frozen=True)
class AttemptGrade:
    results: dict[str, GradeResult]
    score: Decimal
    max_score: Decimal
    needs_manual: bool

    @property
    def percent(self) -> Decimal:
        if not self.max_score:
            return Decimal("0.00")
        return (self.score * 100 / self.max_score).quantize(CENT, rounding=ROUND_HALF_UP)


def validate_question(q: Mapping[str, Any]) -> list[str]:
    """Every authoring error in `q`, as messages for the author; empty when the question can be published."""
    if not isinstance(q, Mapping):
        return [_("A question must be a set of named fields.")]
    try:
        qtype = question_type(q.get("type"))
    except InvalidQuestion as unknown:
        return unknown.errors
    return _validate_common(q, prompt_required=qtype.prompt_required) + qtype.validate(q)


def normalise_response(q: Mapping[str, Any], raw: Any) -> Any:
    """The canonical, JSON-ready form of a learner's response, or None when blank.

    Raises MalformedResponse for anything the quiz form cannot send. Normalising twice changes nothing,
    and the result never depends on the order in which choices, pairs or blanks were displayed. A draft is read
    as it stands (see `read_draft`): an ordering's positions held by no item, or by two, are None.
    """
    return _type_of(q).response(q, raw)


def read_draft(q: Mapping[str, Any], raw: Any) -> Any:
    """The JSON-ready form in which an answer is saved while the learner studies, or None when blank.

    A partial answer of any type is a draft and is kept as it is (an ordering with some positions chosen);
    only what the quiz form cannot send raises MalformedResponse. Reading a draft twice changes nothing.
    """
    return _type_of(q).read_draft(q, raw)


def read_final(q: Mapping[str, Any], value: Any) -> Any:
    """A saved draft as the answer the learner submits: IncompleteAnswer, with a message for the learner, when it
    is not yet a whole answer. A blank answer (None) is whole: it scores 0."""
    qtype = _type_of(q)
    draft = qtype.read_draft(q, value)
    problem = qtype.incomplete(q, draft) if draft is not None else None
    if problem:
        raise IncompleteAnswer(problem)
    return qtype.normalise(q, draft)


def grade(q: Mapping[str, Any], response: Any) -> GradeResult:
    """Grade one response (raw or normalised) to a valid question."""
    qtype = _type_of(q)
    _check_valid(q)
    outcome = qtype.grade(q, qtype.response(q, response))
    points, max_score = _points(q["points"])  # validated above: a positive number
    explanation = q.get("explanation") or ""
    feedback = [text for text in outcome.feedback if text]
    if explanation:
        feedback.append(explanation)
    fraction = outcome.fraction
    # All or nothing (most answers) is the points or 0.00 as cents() rounds them, without Fraction arithmetic.
    score = max_score if fraction == 1 else _ZERO if fraction == 0 else cents(points * fraction)
    return GradeResult(
        score=score,
        max_score=max_score,
        correct=outcome.fraction == 1,
        needs_manual=qtype.manual,
        feedback=feedback,
        detail=outcome.detail,
    )


def grade_attempt(questions: Sequence[Mapping[str, Any]], responses: Mapping[str, Any]) -> AttemptGrade:
    """Grade a whole attempt. Each question carries its `key` (the StreamField block id); `responses`
    maps keys to responses, and a question without a response scores 0."""
    keys: list[str] = []
    for q in questions:
        key = q.get("key") if isinstance(q, Mapping) else None
        if not isinstance(key, str) or not key:
            raise InvalidQuestion([_("Every question in an attempt needs a key.")])
        if key in keys:
            raise InvalidQuestion([_("Two questions share the key “%(key)s”.") % {"key": shown(key)}])
        keys.append(key)
    if not isinstance(responses, Mapping):
        raise MalformedResponse(_("Responses must map question keys to answers."))
    for key in responses:
        if key not in keys:
            raise MalformedResponse(
                _("There is an answer for an unknown question “%(key)s”.") % {"key": shown(key)},
                question_key=str(key),
            )
    results: dict[str, GradeResult] = {}
    for key, q in zip(keys, questions, strict=True):
        try:
            results[key] = grade(q, responses.get(key))
        except MalformedResponse as error:
            raise MalformedResponse(error.message, question_key=key) from error
    return AttemptGrade(
        results=results,
        score=sum((r.score for r in results.values()), Decimal("0.00")),
        max_score=sum((r.max_score for r in results.values()), Decimal("0.00")),
        needs_manual=any(r.needs_manual for r in results.values()),
    )


_ZERO = Decimal("0.00")


@functools.lru_cache(maxsize=256, typed=True)
def _points(value: Any) -> tuple[Fraction, Decimal]:
    """A valid question's points as an exact fraction and in cents. Typed: 1, 1.0 and True are not one key (equal
    numbers of one type give equal results, and a question's points take few values)."""
    points = Fraction(decimal(value) or 0)
    return points, cents(points)


def _check_valid(q: Mapping[str, Any]) -> None:
    """Raise InvalidQuestion with every authoring error of `q`. A question once found valid is remembered by its
    JSON text: an attempt's questions are copies of its revision's, read anew from the database on every submit,
    and checking their choices again was half the CPU of grading a 50-question attempt. The same text is a
    question the validators read the same way: they read fixed text keys and the values' kinds (a list and a tuple,
    both sequences, alike), never other keys; a question that is not JSON (a Decimal, a lazy text) is checked every
    time. Only validity is remembered, never messages (they depend on the language), in a bounded set."""
    try:
        text = json.dumps(q)
    except (TypeError, ValueError):
        text = None
    if text is not None and text in _VALID_TEXTS:
        return
    errors = validate_question(q)
    if errors:
        raise InvalidQuestion(errors)
    if text is not None:
        if len(_VALID_TEXTS) >= _MAX_VALID_TEXTS:
            _VALID_TEXTS.clear()  # bounded whatever the quizzes served; the next submits check theirs again
        _VALID_TEXTS.add(text)


_VALID_TEXTS: set[str] = set()
_MAX_VALID_TEXTS = 4096


def _type_of(q: Mapping[str, Any]) -> QuestionType:
    return question_type(q.get("type") if isinstance(q, Mapping) else None)


def _validate_common(q: Mapping[str, Any], *, prompt_required: bool) -> list[str]:
    errors: list[str] = []
    points = decimal(q.get("points"))
    if points is None or points <= 0:
        errors.append(_("Points must be a number greater than zero."))
    elif points > MAX_POINTS:
        errors.append(_("A question can be worth at most %(max)s points.") % {"max": MAX_POINTS})
    elif points != points.quantize(CENT):
        errors.append(_("Points can have at most two decimal places."))
    prompt = q.get("prompt")
    if not isinstance(prompt, str):
        errors.append(_("The prompt must be text."))
    elif not prompt.strip() and prompt_required:
        errors.append(_("The question needs a prompt."))
    errors += optional_text_errors(q, "explanation", gettext_noop("The explanation must be text."))
    errors += optional_text_errors(q, "title", gettext_noop("The title must be text."))
    return errors
