"""The quiz grading engine: question validation, response normalisation and grading.

Pure and deterministic: no Django, no database, no I/O. A question is the plain dict stored as the value
of a quiz StreamField block. Common keys: `type`, `prompt` (may hold HTML), `points` (> 0, at most two
decimal places), `explanation` (general feedback, optional) and `title` (optional). Per type:

- single_choice / multiple_response: `choices: [{"id", "text", "correct", "feedback"}]`.
- true_false: `correct: bool`, `feedback_true`, `feedback_false` (shown for the answer the learner gave).
- numeric: `answer` and `tolerance` (decimal strings), `tolerance_kind` ("absolute" | "percent"),
  `unit`, `unit_mode` ("ignored" | "required").
- short_answer: `accepted: [str]`, `regex` (optional, full match, case-insensitive).
- fill_blanks: `text` with `[[blank_id]]` placeholders, `blanks: [{"id", "accepted"}]`; `prompt` may be "".
- matching: `pairs: [{"id", "left", "right"}]`; a pair with `left == ""` is an extra right-hand option.
- ordering: `items: [{"id", "text"}]` in the correct order.
- essay: `min_words`, `max_words` (0 = no limit); marked by hand.

Scoring rules, as a fraction of `points`:

- multiple_response: +1/n_correct for each correct choice ticked, -1/n_wrong for each wrong one, floor 0.
- fill_blanks: the share of blanks answered with an accepted text.
- matching: the share of pairs matched right; a right-hand text that appears twice counts as either.
- ordering: the share of items in their correct absolute position, so only the exact order earns full
  marks and a blank earns 0.
- the others: all or nothing.

Answers are saved as drafts while the learner studies (`read_draft`: a partial answer of any type is kept
as it is) and read whole when they submit (`read_final`: an ordering must give every item its own position).
An attempt closed at its deadline is graded with its drafts as they stand.

Text answers compare after NFC normalisation, trimming, collapsing inner whitespace and casefolding.
Scores are exact fractions until the end, then rounded half up to cents.

Patterns for short answers are checked at publish time so that no response can make a match slow:
at most 200 characters, no repeat or alternation inside a repeat, no back-references, and at most about
two open-ended repeats; responses over 1,000 characters are never matched against a pattern.
"""

from __future__ import annotations

import html
import math
import re
import re._parser as re_parser
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation, localcontext
from fractions import Fraction
from functools import lru_cache
from typing import Any, TypeGuard, cast

from assessments.i18n import _, gettext_noop

QUESTION_TYPES = (
    "single_choice",
    "multiple_response",
    "true_false",
    "numeric",
    "short_answer",
    "fill_blanks",
    "matching",
    "ordering",
    "essay",
)
MAX_RESPONSE_CHARS = 10_000
MAX_ESSAY_CHARS = 100_000
MAX_REGEX_CHARS = 200
MAX_REGEX_INPUT_CHARS = 1_000
MAX_POINTS = Decimal(1000)
# Backtracking steps a pattern may cost in the worst case on a 1,000-character response (two `.*`).
_MAX_REGEX_COST = 10_000_000
_MAX_NUMBER_CHARS = 50

_ID_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_PLACEHOLDER_RE = re.compile(r"\[\[([^\[\]]*)\]\]")
_NUMBER_RE = re.compile(r"([+\-\u2212]?)([0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE]([+\-]?[0-9]{1,4}))?(.*)", re.DOTALL)
_TAG_RE = re.compile(r"<[^>]*>")
_CENT = Decimal("0.01")


class MalformedResponse(ValueError):
    """A response that the quiz form cannot have sent: wrong type, unknown id, duplicate, too long."""

    def __init__(self, message: str, *, question_key: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.question_key = question_key


class IncompleteAnswer(ValueError):
    """A saved draft that is not yet a whole answer (an ordering with items left without a position, or two
    items in one position): fine while studying, refused when the learner submits or checks it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidQuestion(ValueError):
    """A question that fails `validate_question`; publishing should have refused it."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


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
        return (self.score * 100 / self.max_score).quantize(_CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class _Outcome:
    fraction: Fraction
    feedback: list[str]
    detail: dict[str, Any]


@dataclass(frozen=True)
class _QuestionType:
    validate: Callable[[Mapping[str, Any]], list[str]]
    normalise: Callable[[Mapping[str, Any], Any], Any]
    grade: Callable[[Mapping[str, Any], Any], _Outcome]
    manual: bool = False
    # The reading of an answer while studying, when it differs from `normalise` (which then also reads drafts),
    # and why a saved draft is not yet a whole answer (None when it is).
    draft: Callable[[Mapping[str, Any], Any], Any] | None = None
    incomplete: Callable[[Mapping[str, Any], Any], str | None] | None = None


# ---------------------------------------------------------------------------------------------------
# Public API


def validate_question(q: Mapping[str, Any]) -> list[str]:
    """Every authoring error in `q`, as messages for the author; empty when the question can be published."""
    if not isinstance(q, Mapping):
        return [_("A question must be a set of named fields.")]
    qtype = q.get("type")
    spec = _TYPES.get(qtype) if isinstance(qtype, str) else None
    if spec is None:
        return [_("Unknown question type “%(type)s”.") % {"type": _shown(qtype)}]
    return _validate_common(q) + spec.validate(q)


def normalise_response(q: Mapping[str, Any], raw: Any) -> Any:
    """The canonical, JSON-ready form of a learner's response, or None when blank.

    Raises MalformedResponse for anything the quiz form cannot send. Normalising twice changes nothing,
    and the result never depends on the order in which choices, pairs or blanks were displayed. A draft is read
    as it stands (see `read_draft`): an ordering's positions held by no item, or by two, are None.
    """
    spec = _spec(q)
    return spec.normalise(q, spec.draft(q, raw) if spec.draft else raw)


def read_draft(q: Mapping[str, Any], raw: Any) -> Any:
    """The JSON-ready form in which an answer is saved while the learner studies, or None when blank.

    A partial answer of any type is a draft and is kept as it is (an ordering with some positions chosen);
    only what the quiz form cannot send raises MalformedResponse. Reading a draft twice changes nothing.
    """
    spec = _spec(q)
    return (spec.draft or spec.normalise)(q, raw)


def read_final(q: Mapping[str, Any], value: Any) -> Any:
    """A saved draft as the answer the learner submits: IncompleteAnswer, with a message for the learner, when it
    is not yet a whole answer. A blank answer (None) is whole: it scores 0."""
    spec = _spec(q)
    draft = (spec.draft or spec.normalise)(q, value)
    problem = spec.incomplete(q, draft) if spec.incomplete and draft is not None else None
    if problem:
        raise IncompleteAnswer(problem)
    return spec.normalise(q, draft)


def grade(q: Mapping[str, Any], response: Any) -> GradeResult:
    """Grade one response (raw or normalised) to a valid question."""
    spec = _spec(q)
    errors = validate_question(q)
    if errors:
        raise InvalidQuestion(errors)
    # A draft closed at the deadline is graded as it stands: an ordering's items score where they are placed.
    value = spec.normalise(q, spec.draft(q, response) if spec.draft else response)
    outcome = spec.grade(q, value)
    points = Fraction(_decimal(q["points"]) or 0)  # validated above: a positive number
    explanation = q.get("explanation") or ""
    feedback = [text for text in outcome.feedback if text]
    if explanation:
        feedback.append(explanation)
    return GradeResult(
        score=_cents(points * outcome.fraction),
        max_score=_cents(points),
        correct=outcome.fraction == 1,
        needs_manual=spec.manual,
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
            raise InvalidQuestion([_("Two questions share the key “%(key)s”.") % {"key": _shown(key)}])
        keys.append(key)
    if not isinstance(responses, Mapping):
        raise MalformedResponse(_("Responses must map question keys to answers."))
    for key in responses:
        if key not in keys:
            raise MalformedResponse(
                _("There is an answer for an unknown question “%(key)s”.") % {"key": _shown(key)},
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


def normalise_text(text: str) -> str:
    """The form in which accepted answers and text responses are compared."""
    collapsed = " ".join(unicodedata.normalize("NFC", text).split())
    return unicodedata.normalize("NFC", collapsed.casefold())


# ---------------------------------------------------------------------------------------------------
# Shared helpers


def _spec(q: Mapping[str, Any]) -> _QuestionType:
    qtype = q.get("type") if isinstance(q, Mapping) else None
    spec = _TYPES.get(qtype) if isinstance(qtype, str) else None
    if spec is None:
        raise InvalidQuestion([_("Unknown question type “%(type)s”.") % {"type": _shown(qtype)}])
    return spec


def _shown(value: Any) -> str:
    """A value quoted in a message, cut short so that a huge input never becomes a huge message."""
    text = str(value)
    return text if len(text) <= 64 else text[:63] + "…"


def _cents(value: Fraction) -> Decimal:
    """Round a non-negative exact value half up to cents."""
    return (Decimal(math.floor(value * 100 + Fraction(1, 2))) / 100).quantize(_CENT)


def _decimal(value: Any) -> Decimal | None:
    """A finite Decimal from an int, Decimal, float or numeric string; None for anything else."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    if isinstance(value, str) and len(value) > _MAX_NUMBER_CHARS:
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not number.is_finite() or abs(number.adjusted()) > 100:
        return None
    return number


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_list(value: Any) -> TypeGuard[Sequence[Any]]:
    """A list, or any other sequence but text, such as the ListValue of a Wagtail ListBlock."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _records(q: Mapping[str, Any], key: str) -> list[Mapping[str, Any]] | None:
    value = q.get(key)
    if not _is_list(value) or not all(isinstance(item, Mapping) for item in value):
        return None
    return list(value)


def _ids_errors(records: list[Mapping[str, Any]], *, bad: str, duplicate: str) -> list[str]:
    errors: list[str] = []
    seen: set[str] = set()
    for record in records:
        record_id = record.get("id")
        if not isinstance(record_id, str) or not _ID_RE.fullmatch(record_id):
            if _(bad) not in errors:
                errors.append(_(bad))
            continue
        if record_id in seen:
            errors.append(_(duplicate) % {"id": record_id})
        seen.add(record_id)
    return errors


def _duplicate_texts(texts: list[str], message: str) -> list[str]:
    seen: set[str] = set()
    errors: list[str] = []
    for text in texts:
        key = normalise_text(text)
        if key in seen:
            errors.append(_(message) % {"text": _shown(text.strip())})
        seen.add(key)
    return errors


def _optional_text_errors(q: Mapping[str, Any], key: str, message: str) -> list[str]:
    return [] if isinstance(q.get(key, ""), str) else [_(message)]


def _text_response(raw: Any, message: str, *, limit: int = MAX_RESPONSE_CHARS) -> str | None:
    """A stripped string response, None when blank; MalformedResponse for non-strings and huge strings."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise MalformedResponse(_(message))
    _check_length(raw, limit)
    stripped = raw.strip()
    return stripped or None


def _check_length(raw: str, limit: int = MAX_RESPONSE_CHARS) -> None:
    if len(raw) > limit:
        raise MalformedResponse(_("An answer can be at most %(limit)s characters long.") % {"limit": limit})


def _id_list(raw: Any, known: list[str], *, message: str, unknown: str, duplicate: str) -> list[str] | None:
    """A list of known, distinct ids; None when blank."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, list | tuple):
        raise MalformedResponse(_(message))
    seen: list[str] = []
    for item in raw:
        if not isinstance(item, str):
            raise MalformedResponse(_(message))
        _check_length(item)
        if item not in known:
            raise MalformedResponse(_(unknown) % {"id": _shown(item)})
        if item in seen:
            raise MalformedResponse(_(duplicate) % {"id": _shown(item)})
        seen.append(item)
    return seen or None


def _validate_common(q: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    points = _decimal(q.get("points"))
    if points is None or points <= 0:
        errors.append(_("Points must be a number greater than zero."))
    elif points > MAX_POINTS:
        errors.append(_("A question can be worth at most %(max)s points.") % {"max": MAX_POINTS})
    elif points != points.quantize(_CENT):
        errors.append(_("Points can have at most two decimal places."))
    prompt = q.get("prompt")
    if not isinstance(prompt, str):
        errors.append(_("The prompt must be text."))
    elif not prompt.strip() and q.get("type") != "fill_blanks":
        errors.append(_("The question needs a prompt."))
    errors += _optional_text_errors(q, "explanation", gettext_noop("The explanation must be text."))
    errors += _optional_text_errors(q, "title", gettext_noop("The title must be text."))
    return errors


# ---------------------------------------------------------------------------------------------------
# single_choice and multiple_response


def _choice_errors(q: Mapping[str, Any]) -> tuple[list[str], list[Mapping[str, Any]]]:
    choices = _records(q, "choices")
    if choices is None:
        return [_("Choices must be a list of choices.")], []
    errors: list[str] = []
    if len(choices) < 2:
        errors.append(_("A question needs at least two choices."))
    errors += _ids_errors(
        choices,
        bad=gettext_noop("Every choice needs an id made of letters, digits, “-” or “_”."),
        duplicate=gettext_noop("Two choices share the id “%(id)s”."),
    )
    if not all(_is_text(c.get("text")) for c in choices):
        errors.append(_("Every choice needs text."))
    else:
        errors += _duplicate_texts(
            [c["text"] for c in choices], gettext_noop("Two choices have the same text: “%(text)s”.")
        )
    if not all(isinstance(c.get("correct"), bool) for c in choices):
        errors.append(_("Mark every choice as correct or not."))
    if not all(isinstance(c.get("feedback", ""), str) for c in choices):
        errors.append(_("Choice feedback must be text."))
    return errors, choices


def _validate_single_choice(q: Mapping[str, Any]) -> list[str]:
    errors, choices = _choice_errors(q)
    if choices and sum(c.get("correct") is True for c in choices) != 1:
        errors.append(_("A single-choice question needs exactly one correct answer."))
    return errors


def _validate_multiple_response(q: Mapping[str, Any]) -> list[str]:
    errors, choices = _choice_errors(q)
    if choices:
        n_correct = sum(c.get("correct") is True for c in choices)
        if n_correct == 0:
            errors.append(_("A multiple-response question needs at least one correct answer."))
        elif n_correct == len(choices):
            errors.append(_("A multiple-response question needs at least one wrong answer."))
    return errors


def _normalise_single_choice(q: Mapping[str, Any], raw: Any) -> str | None:
    choice_id = _text_response(raw, gettext_noop("A single-choice answer must be one choice id."))
    if choice_id is not None and choice_id not in [c["id"] for c in q["choices"]]:
        raise MalformedResponse(_("Unknown choice “%(id)s”.") % {"id": _shown(choice_id)})
    return choice_id


def _normalise_multiple_response(q: Mapping[str, Any], raw: Any) -> list[str] | None:
    known = [c["id"] for c in q["choices"]]
    ticked = _id_list(
        raw,
        known,
        message=gettext_noop("A multiple-response answer must be a list of choice ids."),
        unknown=gettext_noop("Unknown choice “%(id)s”."),
        duplicate=gettext_noop("Choice “%(id)s” was sent twice."),
    )
    return None if ticked is None else [choice_id for choice_id in known if choice_id in ticked]


def _choice_detail(q: Mapping[str, Any], selected: list[str]) -> dict[str, Any]:
    return {
        "selected": selected,
        "correct_ids": [c["id"] for c in q["choices"] if c["correct"]],
    }


def _choice_feedback(q: Mapping[str, Any], selected: list[str]) -> list[str]:
    return [c.get("feedback", "") for c in q["choices"] if c["id"] in selected]


def _grade_single_choice(q: Mapping[str, Any], value: str | None) -> _Outcome:
    selected = [] if value is None else [value]
    right = any(c["id"] == value and c["correct"] for c in q["choices"])
    return _Outcome(Fraction(int(right)), _choice_feedback(q, selected), _choice_detail(q, selected))


def _grade_multiple_response(q: Mapping[str, Any], value: list[str] | None) -> _Outcome:
    selected = value or []
    choices = q["choices"]
    n_correct = sum(c["correct"] for c in choices)
    n_wrong = len(choices) - n_correct
    hits = sum(c["correct"] for c in choices if c["id"] in selected)
    misses = sum(not c["correct"] for c in choices if c["id"] in selected)
    fraction = max(Fraction(0), Fraction(hits, n_correct) - Fraction(misses, n_wrong))
    return _Outcome(fraction, _choice_feedback(q, selected), _choice_detail(q, selected))


# ---------------------------------------------------------------------------------------------------
# true_false


def _validate_true_false(q: Mapping[str, Any]) -> list[str]:
    errors = [] if isinstance(q.get("correct"), bool) else [_("Say whether the statement is true or false.")]
    if not all(isinstance(q.get(key, ""), str) for key in ("feedback_true", "feedback_false")):
        errors.append(_("Feedback must be text."))
    return errors


def _normalise_true_false(q: Mapping[str, Any], raw: Any) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    message = gettext_noop("A true-or-false answer must be true or false.")
    text = _text_response(raw, message)
    if text is None:
        return None
    if text.lower() not in ("true", "false"):
        raise MalformedResponse(_(message))
    return text.lower() == "true"


def _grade_true_false(q: Mapping[str, Any], value: bool | None) -> _Outcome:
    feedback = [] if value is None else [q.get("feedback_true" if value else "feedback_false", "")]
    return _Outcome(
        Fraction(int(value is not None and value == q["correct"])),
        feedback,
        {"answer": value, "correct_answer": q["correct"]},
    )


# ---------------------------------------------------------------------------------------------------
# numeric


def _validate_numeric(q: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    if _decimal(q.get("answer")) is None:
        errors.append(_("The answer must be a number, like 12.5."))
    tolerance = _decimal(q.get("tolerance", "0"))
    if tolerance is None or tolerance < 0:
        errors.append(_("The tolerance must be a number, zero or more."))
    if q.get("tolerance_kind", "absolute") not in ("absolute", "percent"):
        errors.append(_("The tolerance must be absolute or a percentage."))
    unit = q.get("unit", "")
    if not isinstance(unit, str):
        errors.append(_("The unit must be text."))
    elif unit.strip()[:1] in tuple("0123456789.,+-\u2212"):
        errors.append(_("The unit cannot start with a digit, a sign or a decimal mark."))
    unit_mode = q.get("unit_mode", "ignored")
    if unit_mode not in ("ignored", "required"):
        errors.append(_("The unit must be either ignored or required."))
    elif unit_mode == "required" and not _is_text(unit):
        errors.append(_("A numeric question that requires a unit needs the unit."))
    return errors


def _normalise_numeric(q: Mapping[str, Any], raw: Any) -> str | None:
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        number = _decimal(raw)
        if number is None:
            raise MalformedResponse(_("A numeric answer must be a finite number."))
        return str(raw)
    return _text_response(raw, gettext_noop("A numeric answer must be text or a number."))


def _parse_number(text: str) -> tuple[Decimal, str] | None:
    """The number and unit a learner typed ("12,5 kg" is 12.5 and "kg"); None when it is not a number.

    A comma is read as a decimal mark; thousands separators are not accepted.
    """
    match = _NUMBER_RE.fullmatch(text.strip())
    if match is None:
        return None
    sign, digits, exponent, rest = match.groups()
    if rest[:1] in tuple("0123456789.,"):
        return None
    literal = ("-" if sign in ("-", "\u2212") else "") + digits.replace(",", ".")
    if exponent:
        literal += "e" + exponent
    return Decimal(literal), rest.strip()


def _unit_key(unit: str) -> str:
    return "".join(unicodedata.normalize("NFC", unit).split())


def _numeric_bounds(q: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    answer = _decimal(q["answer"])
    tolerance = _decimal(q.get("tolerance", "0"))
    assert answer is not None and tolerance is not None  # validated
    with localcontext() as ctx:
        ctx.prec = 500  # enough digits for every validated answer and tolerance, so this is exact
        if q.get("tolerance_kind", "absolute") == "percent":
            tolerance = abs(answer) * tolerance / 100
        return answer - tolerance, answer + tolerance


def _grade_numeric(q: Mapping[str, Any], value: str | None) -> _Outcome:
    low, high = _numeric_bounds(q)
    parsed = None if value is None else _parse_number(value)
    in_range = parsed is not None and low <= parsed[0] <= high
    unit_ok = q.get("unit_mode", "ignored") == "ignored" or (
        parsed is not None and _unit_key(parsed[1]) == _unit_key(q.get("unit", ""))
    )
    return _Outcome(
        Fraction(int(in_range and unit_ok)),
        [],
        {
            "response": value,
            "understood": parsed is not None,
            "in_range": in_range,
            "unit_ok": unit_ok,
            "answer": str(q["answer"]),
            "low": format(low, "f"),
            "high": format(high, "f"),
            "unit": q.get("unit", ""),
        },
    )


# ---------------------------------------------------------------------------------------------------
# short_answer and fill_blanks


def _accepted_errors(accepted: Any, *, required: bool, missing: str) -> list[str]:
    if not _is_list(accepted) or not all(isinstance(a, str) for a in accepted):
        return [_("Accepted answers must be a list of texts.")]
    if not all(a.strip() for a in accepted):
        return [_("An accepted answer cannot be empty.")]
    if required and not accepted:
        return [missing]
    return []


def _validate_short_answer(q: Mapping[str, Any]) -> list[str]:
    pattern = q.get("regex", "")
    if not isinstance(pattern, str):
        return [_("The pattern must be text.")]
    errors = _accepted_errors(
        q.get("accepted", []),
        required=not pattern,
        missing=_("A short-answer question needs at least one accepted answer or a pattern."),
    )
    if pattern:
        problem = _regex_problem(pattern)
        if problem:
            errors.append(problem)
    return errors


def _normalise_short_answer(q: Mapping[str, Any], raw: Any) -> str | None:
    return _text_response(raw, gettext_noop("A short answer must be text."))


def _accepts(accepted: list[str], pattern: str, response: str | None) -> bool:
    if response is None:
        return False
    if normalise_text(response) in {normalise_text(a) for a in accepted}:
        return True
    if not pattern:
        return False
    spaced = " ".join(unicodedata.normalize("NFC", response).split())
    return len(spaced) <= MAX_REGEX_INPUT_CHARS and _compiled(pattern).fullmatch(spaced) is not None


def _grade_short_answer(q: Mapping[str, Any], value: str | None) -> _Outcome:
    accepted = list(q.get("accepted", []))
    matched = _accepts(accepted, q.get("regex", ""), value)
    return _Outcome(Fraction(int(matched)), [], {"response": value, "matched": matched, "accepted": accepted})


def _validate_fill_blanks(q: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    text = q.get("text")
    if not _is_text(text):
        errors.append(_("The text with the blanks is missing."))
    blanks = _records(q, "blanks")
    if blanks is None:
        return [*errors, _("Blanks must be a list of blanks.")]
    if not blanks:
        errors.append(_("A fill-in-the-blanks question needs at least one blank."))
    errors += _ids_errors(
        blanks,
        bad=gettext_noop("Every blank needs an id made of letters, digits, “-” or “_”."),
        duplicate=gettext_noop("Two blanks share the id “%(id)s”."),
    )
    for blank in blanks:
        for problem in _accepted_errors(
            blank.get("accepted"),
            required=True,
            missing=_("Blank “%(id)s” needs at least one accepted answer.") % {"id": _shown(blank.get("id"))},
        ):
            if problem not in errors:
                errors.append(problem)
    if isinstance(text, str):
        placed = _PLACEHOLDER_RE.findall(text)
        defined = [b.get("id") for b in blanks]
        for blank_id in defined:
            if isinstance(blank_id, str) and placed.count(blank_id) != 1:
                errors.append(
                    _("Blank “%(id)s” must appear exactly once in the text, as [[%(id)s]].") % {"id": blank_id}
                )
        for blank_id in dict.fromkeys(placed):
            if blank_id not in defined:
                errors.append(_("The text has a blank [[%(id)s]] that is not defined.") % {"id": _shown(blank_id)})
    return errors


def _normalise_fill_blanks(q: Mapping[str, Any], raw: Any) -> dict[str, str] | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, Mapping):
        raise MalformedResponse(_("A fill-in-the-blanks answer must map blank ids to texts."))
    known = [b["id"] for b in q["blanks"]]
    for blank_id, text in raw.items():
        if blank_id not in known:
            raise MalformedResponse(_("Unknown blank “%(id)s”.") % {"id": _shown(blank_id)})
        if text is not None and not isinstance(text, str):
            raise MalformedResponse(_("A fill-in-the-blanks answer must map blank ids to texts."))
        if text is not None:
            _check_length(text)
    answers = {blank_id: (raw.get(blank_id) or "").strip() for blank_id in known}
    return answers if any(answers.values()) else None


def _grade_fill_blanks(q: Mapping[str, Any], value: dict[str, str] | None) -> _Outcome:
    answers = value or {}
    blanks: dict[str, Any] = {}
    for blank in q["blanks"]:
        response = answers.get(blank["id"]) or None
        blanks[blank["id"]] = {
            "response": response,
            "correct": _accepts(list(blank["accepted"]), "", response),
            "accepted": list(blank["accepted"]),
        }
    right = sum(b["correct"] for b in blanks.values())
    return _Outcome(Fraction(right, len(blanks)), [], {"blanks": blanks})


# ---------------------------------------------------------------------------------------------------
# matching


def _validate_matching(q: Mapping[str, Any]) -> list[str]:
    pairs = _records(q, "pairs")
    if pairs is None:
        return [_("Pairs must be a list of pairs.")]
    errors = _ids_errors(
        pairs,
        bad=gettext_noop("Every pair needs an id made of letters, digits, “-” or “_”."),
        duplicate=gettext_noop("Two pairs share the id “%(id)s”."),
    )
    if not all(_is_text(p.get("right")) for p in pairs):
        errors.append(_("Every pair needs a right-hand text."))
    if not all(isinstance(p.get("left"), str) for p in pairs):
        errors.append(_("Every pair needs a left-hand text (empty for an extra right-hand option)."))
        return errors
    real = [p["left"] for p in pairs if p["left"].strip()]
    if len(real) < 2:
        errors.append(_("A matching question needs at least two pairs."))
    errors += _duplicate_texts(real, gettext_noop("Two pairs have the same left-hand text: “%(text)s”."))
    return errors


def _real_pairs(q: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [p for p in q["pairs"] if p["left"].strip()]


def _normalise_matching(q: Mapping[str, Any], raw: Any) -> dict[str, str] | None:
    if raw is None or raw == "":
        return None
    message = _("A matching answer must map left-hand pair ids to right-hand pair ids.")
    if not isinstance(raw, Mapping):
        raise MalformedResponse(message)
    lefts = [p["id"] for p in _real_pairs(q)]
    rights = [p["id"] for p in q["pairs"]]
    for left, right in raw.items():
        if left not in lefts:
            raise MalformedResponse(_("Unknown pair “%(id)s”.") % {"id": _shown(left)})
        if right is None:
            continue
        if not isinstance(right, str):
            raise MalformedResponse(message)
        _check_length(right)
        if right and right not in rights:
            raise MalformedResponse(_("Unknown pair “%(id)s”.") % {"id": _shown(right)})
    matched = {left: raw[left] for left in lefts if raw.get(left)}
    return matched or None


def _grade_matching(q: Mapping[str, Any], value: dict[str, str] | None) -> _Outcome:
    chosen = value or {}
    right_text = {p["id"]: normalise_text(p["right"]) for p in q["pairs"]}
    pairs: dict[str, Any] = {}
    for pair in _real_pairs(q):
        choice = chosen.get(pair["id"])
        pairs[pair["id"]] = {
            "chosen": choice,
            "correct": choice is not None and right_text[choice] == right_text[pair["id"]],
            "correct_right": pair["id"],
        }
    right = sum(p["correct"] for p in pairs.values())
    return _Outcome(Fraction(right, len(pairs)), [], {"pairs": pairs})


# ---------------------------------------------------------------------------------------------------
# ordering


def _validate_ordering(q: Mapping[str, Any]) -> list[str]:
    items = _records(q, "items")
    if items is None:
        return [_("Items must be a list of items.")]
    errors: list[str] = []
    if len(items) < 2:
        errors.append(_("An ordering question needs at least two items."))
    errors += _ids_errors(
        items,
        bad=gettext_noop("Every item needs an id made of letters, digits, “-” or “_”."),
        duplicate=gettext_noop("Two items share the id “%(id)s”."),
    )
    if not all(_is_text(i.get("text")) for i in items):
        errors.append(_("Every item needs text."))
    else:
        errors += _duplicate_texts(
            [i["text"] for i in items], gettext_noop("Two items have the same text: “%(text)s”.")
        )
    return errors


def _normalise_ordering(q: Mapping[str, Any], raw: Any) -> list[str | None] | None:
    """The order as a list of item ids by position; a draft's position held by no item, or by two, is None."""
    if isinstance(raw, Mapping):
        places: dict[int, list[str]] = {}
        for item_id, position in raw.items():
            places.setdefault(position, []).append(item_id)
        slots = [places[n][0] if len(places.get(n, [])) == 1 else None for n in range(1, len(q["items"]) + 1)]
        return slots if any(slots) else None
    known = [i["id"] for i in q["items"]]
    order = _id_list(
        raw,
        known,
        message=gettext_noop("An ordering answer must be a list of item ids."),
        unknown=gettext_noop("Unknown item “%(id)s”."),
        duplicate=gettext_noop("Item “%(id)s” was sent twice."),
    )
    if order is not None and len(order) != len(known):
        raise MalformedResponse(_("An ordering answer must list every item once."))
    return list(order) if order is not None else None


def _draft_ordering(q: Mapping[str, Any], raw: Any) -> list[str] | dict[str, int] | None:
    """A whole order (a list of item ids, or positions that name every item once) as the list of ids; positions
    chosen so far ({item id: position from 1}, some missing or shared) as they are."""
    if not isinstance(raw, Mapping):
        return cast(list[str] | None, _normalise_ordering(q, raw))
    known = [i["id"] for i in q["items"]]
    places: dict[str, int] = {}
    for item_id, position in raw.items():
        if item_id not in known:
            raise MalformedResponse(_("Unknown item “%(id)s”.") % {"id": _shown(item_id)})
        if position is None or position == "":
            continue
        if isinstance(position, bool) or not isinstance(position, int | str) or not str(position).isdigit():
            raise MalformedResponse(_("A position must be a number from 1 to %(n)d.") % {"n": len(known)})
        if not 1 <= int(position) <= len(known):
            raise MalformedResponse(_("A position must be a number from 1 to %(n)d.") % {"n": len(known)})
        places[item_id] = int(position)
    if not places:
        return None
    if sorted(places.values()) == list(range(1, len(known) + 1)):
        return sorted(places, key=places.__getitem__)
    return {item_id: places[item_id] for item_id in known if item_id in places}


def _ordering_incomplete(q: Mapping[str, Any], draft: Any) -> str | None:
    if not isinstance(draft, Mapping):
        return None
    if len(set(draft.values())) != len(draft):
        return _("Give each item a different position.")
    return _("Give every item a position.")


def _grade_ordering(q: Mapping[str, Any], value: list[str | None] | None) -> _Outcome:
    correct_order = [i["id"] for i in q["items"]]
    in_place = (
        [False] * len(correct_order) if value is None else [a == b for a, b in zip(value, correct_order, strict=True)]
    )
    return _Outcome(
        Fraction(sum(in_place), len(correct_order)),
        [],
        {"order": value, "correct_order": correct_order, "in_place": in_place},
    )


# ---------------------------------------------------------------------------------------------------
# essay


def _validate_essay(q: Mapping[str, Any]) -> list[str]:
    limits = [q.get("min_words", 0), q.get("max_words", 0)]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in limits):
        return [_("Word limits must be whole numbers, zero or more.")]
    if limits[1] and limits[0] > limits[1]:
        return [_("The minimum number of words cannot be above the maximum.")]
    return []


def _normalise_essay(q: Mapping[str, Any], raw: Any) -> str | None:
    return _text_response(raw, gettext_noop("An essay must be text."), limit=MAX_ESSAY_CHARS)


def word_count(text: str) -> int:
    """Words in an essay, which may hold HTML from a rich-text editor."""
    return len(html.unescape(_TAG_RE.sub(" ", text)).split())


def _grade_essay(q: Mapping[str, Any], value: str | None) -> _Outcome:
    words = 0 if value is None else word_count(value)
    min_words, max_words = q.get("min_words", 0), q.get("max_words", 0)
    return _Outcome(
        Fraction(0),
        [],
        {
            "word_count": words,
            "too_short": bool(min_words) and words < min_words,
            "too_long": bool(max_words) and words > max_words,
        },
    )


# ---------------------------------------------------------------------------------------------------
# Regular expressions that cannot backtrack for long


class _SlowPattern(Exception):
    pass


_LOOPS = {re_parser.MAX_REPEAT, re_parser.MIN_REPEAT, re_parser.POSSESSIVE_REPEAT}
_BACKREFERENCES = {
    re_parser.GROUPREF,
    re_parser.GROUPREF_EXISTS,
    re_parser.GROUPREF_IGNORE,
    re_parser.GROUPREF_LOC_IGNORE,
    re_parser.GROUPREF_UNI_IGNORE,
}


def _pattern_cost(items: Any, *, in_loop: bool) -> int:
    """An upper bound of the ways a pattern can split a 1,000-character input; _SlowPattern when unbounded."""
    cost = 1
    for op, arg in items:
        if op in _LOOPS:
            _low, high, body = arg
            if in_loop:
                raise _SlowPattern
            if high > 1:
                cost *= (min(high, MAX_REGEX_INPUT_CHARS) + 1) * _pattern_cost(body, in_loop=True)
            else:
                cost *= 2 * _pattern_cost(body, in_loop=False)
        elif op is re_parser.BRANCH:
            if in_loop:
                raise _SlowPattern
            cost *= sum(_pattern_cost(branch, in_loop=False) for branch in arg[1])
        elif op is re_parser.SUBPATTERN:
            cost *= _pattern_cost(arg[3], in_loop=in_loop)
        elif op in (re_parser.ASSERT, re_parser.ASSERT_NOT):
            cost *= _pattern_cost(arg[1], in_loop=in_loop)
        elif op is re_parser.ATOMIC_GROUP:
            cost *= _pattern_cost(arg, in_loop=in_loop)
        elif op in _BACKREFERENCES:
            raise _SlowPattern
    return cost


def _regex_problem(pattern: str) -> str | None:
    if len(pattern) > MAX_REGEX_CHARS:
        return _("The pattern can be at most %(max)s characters long.") % {"max": MAX_REGEX_CHARS}
    try:
        safe = _pattern_is_fast(pattern)
    except re.error as error:
        return _("The pattern is not a valid regular expression: %(error)s") % {"error": error}
    if not safe:
        return _(
            "The pattern could take too long to check. Avoid repeats or alternatives inside a repeat, "
            "back-references, and more than two open-ended repeats such as .* or \\s+."
        )
    return None


@lru_cache(maxsize=512)
def _pattern_is_fast(pattern: str) -> bool:
    """Whether the pattern is bounded; raises re.error when it does not compile."""
    try:
        parsed = re_parser.parse(pattern, re.IGNORECASE)
        _compiled(pattern)
    except (OverflowError, RecursionError) as error:
        raise re.error(str(error)) from error
    try:
        return _pattern_cost(parsed, in_loop=False) <= _MAX_REGEX_COST
    except _SlowPattern:
        return False


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_TYPES: dict[str, _QuestionType] = {
    "single_choice": _QuestionType(_validate_single_choice, _normalise_single_choice, _grade_single_choice),
    "multiple_response": _QuestionType(
        _validate_multiple_response, _normalise_multiple_response, _grade_multiple_response
    ),
    "true_false": _QuestionType(_validate_true_false, _normalise_true_false, _grade_true_false),
    "numeric": _QuestionType(_validate_numeric, _normalise_numeric, _grade_numeric),
    "short_answer": _QuestionType(_validate_short_answer, _normalise_short_answer, _grade_short_answer),
    "fill_blanks": _QuestionType(_validate_fill_blanks, _normalise_fill_blanks, _grade_fill_blanks),
    "matching": _QuestionType(_validate_matching, _normalise_matching, _grade_matching),
    "ordering": _QuestionType(
        _validate_ordering,
        _normalise_ordering,
        _grade_ordering,
        draft=_draft_ordering,
        incomplete=_ordering_incomplete,
    ),
    "essay": _QuestionType(_validate_essay, _normalise_essay, _grade_essay, manual=True),
}
