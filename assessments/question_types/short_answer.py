"""short_answer: `accepted: [str]`, `regex` (optional, full match, case-insensitive); all or nothing.

Text answers compare after NFC normalisation, trimming, collapsing inner whitespace and casefolding. Patterns are
checked at publish time so that no response can make a match slow: at most 200 characters, no repeat or
alternation inside a repeat, no back-references, and at most about two open-ended repeats; responses over 1,000
characters are never matched against a pattern.

It owns GIFT's `{=a =b}` syntax, which reads as fill_blanks (one blank) when text follows the braces.
"""

from __future__ import annotations

import re
import re._parser as re_parser
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from assessments.i18n import _, gettext_noop
from assessments.question_types.authoring import list_items, raw_list
from assessments.question_types.base import (
    GIFT_FULL,
    DisplayQuestion,
    GiftAnswer,
    GiftAnswers,
    GiftWriter,
    QuestionType,
    gift_percent,
)
from assessments.question_types.common import Outcome, PostData, is_list, normalise_text, one_field, text_response

MAX_REGEX_CHARS = 200
MAX_REGEX_INPUT_CHARS = 1_000
# Backtracking steps a pattern may cost in the worst case on a 1,000-character response (two `.*`).
_MAX_REGEX_COST = 10_000_000


def accepted_errors(accepted: Any, *, required: bool, missing: str) -> list[str]:
    """The errors of a list of accepted answers (a short answer's, or a blank's)."""
    if not is_list(accepted) or not all(isinstance(a, str) for a in accepted):
        return [_("Accepted answers must be a list of texts.")]
    if not all(a.strip() for a in accepted):
        return [_("An accepted answer cannot be empty.")]
    if required and not accepted:
        return [missing]
    return []


def accepts(accepted: list[str], pattern: str, response: str | None) -> bool:
    """Whether `response` is one of the accepted texts, or matches `pattern` (checked at publish time)."""
    if response is None:
        return False
    if normalise_text(response) in {normalise_text(a) for a in accepted}:
        return True
    if not pattern:
        return False
    spaced = " ".join(unicodedata.normalize("NFC", response).split())
    return len(spaced) <= MAX_REGEX_INPUT_CHARS and _compiled(pattern).fullmatch(spaced) is not None


def read_gift_accepted(answers: GiftAnswers, parsed: list[GiftAnswer]) -> list[str]:
    """The answers given full credit (or the best credit) in GIFT, with notes for those that are not kept."""
    weights = [GIFT_FULL if a.weight is None else a.weight for a in parsed]
    best = max(weights)
    if 0 < best < GIFT_FULL:
        answers.note(
            answers.start,
            _("No answer gives full credit in the file; the best ones (%(weight)s%%) are accepted for full credit.")
            % {"weight": gift_percent(best)},
        )
    accepted = []
    for answer, weight in zip(parsed, weights, strict=True):
        if best > 0 and weight == best:
            accepted.append(answer.shown)
            if answer.feedback.strip():
                answers.note(
                    answer.position, _("Feedback on the answer “%(text)s” is not kept.") % {"text": answer.shown}
                )
        else:
            answers.note(answer.position, _unkept(answer.shown, weight))
    return accepted


def _unkept(text: str, weight: Decimal) -> str:
    if weight <= 0:
        return _("“%(text)s” gives no credit in the file; it is not kept (an answer not accepted scores 0).") % {
            "text": text
        }
    return _(
        "“%(text)s” gives %(weight)s%% of the points in the file; answers here are right or wrong, so it is not "
        "accepted."
    ) % {"text": text, "weight": gift_percent(weight)}


class ShortAnswer(QuestionType):
    key = "short_answer"
    label = gettext_noop("Short answer")
    icon = "pilcrow"

    def block_children(self) -> list[tuple[str, Any]]:
        from django.utils.translation import gettext_lazy
        from wagtail import blocks

        return [
            ("accepted", blocks.ListBlock(blocks.CharBlock(max_length=500), label=gettext_lazy("Accepted answers"))),
            ("regex", blocks.CharBlock(label=gettext_lazy("Or a regular expression"), required=False, max_length=200)),
        ]

    def from_block(self, value: Any) -> dict[str, Any]:
        return {"accepted": [a for _id, a in list_items(value.get("accepted"))], "regex": value.get("regex") or ""}

    def to_block(self, q: Mapping[str, Any]) -> dict[str, Any]:
        return {"accepted": raw_list(list(q.get("accepted") or [])), "regex": q.get("regex") or ""}

    def validate(self, q: Mapping[str, Any]) -> list[str]:
        pattern = q.get("regex", "")
        if not isinstance(pattern, str):
            return [_("The pattern must be text.")]
        errors = accepted_errors(
            q.get("accepted", []),
            required=not pattern,
            missing=_("A short-answer question needs at least one accepted answer or a pattern."),
        )
        if pattern:
            problem = _regex_problem(pattern)
            if problem:
                errors.append(problem)
        return errors

    def normalise(self, q: Mapping[str, Any], raw: Any) -> str | None:
        return text_response(raw, gettext_noop("A short answer must be text."))

    def display(self, q: Mapping[str, Any], shown: DisplayQuestion, *, order: list[str], saved: Any) -> None:
        shown.value = saved or ""

    def from_post(self, q: Mapping[str, Any], *, name: str, order: list[str], data: PostData) -> str | None:
        return one_field(data, name) or None

    def grade(self, q: Mapping[str, Any], value: str | None) -> Outcome:
        accepted = list(q.get("accepted", []))
        matched = accepts(accepted, q.get("regex", ""), value)
        return Outcome(Fraction(int(matched)), [], {"response": value, "matched": matched, "accepted": accepted})

    def gift_problem(self, q: Mapping[str, Any]) -> str | None:
        return _("GIFT has no patterns.") if q.get("regex") else None

    def gift_prompt(self, q: Mapping[str, Any]) -> tuple[str, str, str]:
        prompt = q.get("prompt", "")
        return prompt, prompt, ""

    def gift_answers(self, q: Mapping[str, Any], writer: GiftWriter) -> list[str]:
        return [writer.accepted_line(text) for text in q["accepted"]]

    def gift_read(self, answers: GiftAnswers) -> dict[str, Any] | None:
        """`=answer =other`: a short answer, or a fill-in-the-blank when the braces sit inside the sentence."""
        if answers.blank_in_middle:
            answers.kind = "missing_word"
        parsed = answers.split("=")
        if parsed is None or answers.failed:
            return None
        accepted = read_gift_accepted(answers, parsed)
        if not accepted:
            answers.error(answers.start, _("No answer here gives credit; accept at least one answer."))
            return None
        if answers.blank_in_middle:
            return {"type": "fill_blanks", "blanks": [{"id": "b1", "accepted": accepted}]}
        return {"type": self.key, "accepted": accepted, "regex": ""}


# --- regular expressions that cannot backtrack for long -------------------------------------------------


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
