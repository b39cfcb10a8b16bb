"""essay: `min_words`, `max_words` (0 = no limit); marked by hand, so grading scores 0 and reports the word
count against the limits. It owns GIFT's `{}`; GIFT has no word limits."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from assessments.i18n import _, gettext_noop
from assessments.question_types.base import DisplayQuestion, GiftAnswers, GiftWriter, QuestionType
from assessments.question_types.common import Outcome, PostData, one_field, text_response

MAX_ESSAY_CHARS = 100_000
_TAG_RE = re.compile(r"<[^>]*>")


def word_count(text: str) -> int:
    """Words in an essay, which may hold HTML from a rich-text editor."""
    return len(html.unescape(_TAG_RE.sub(" ", text)).split())


class Essay(QuestionType):
    key = "essay"
    label = gettext_noop("Essay (graded by hand)")
    icon = "doc-full"
    manual = True

    def block_children(self) -> list[tuple[str, Any]]:
        from django.utils.translation import gettext_lazy
        from wagtail import blocks

        return [
            ("min_words", blocks.IntegerBlock(label=gettext_lazy("Minimum words (0 = none)"), default=0, min_value=0)),
            ("max_words", blocks.IntegerBlock(label=gettext_lazy("Maximum words (0 = none)"), default=0, min_value=0)),
        ]

    def from_block(self, value: Any) -> dict[str, Any]:
        return {"min_words": value.get("min_words") or 0, "max_words": value.get("max_words") or 0}

    def to_block(self, q: Mapping[str, Any]) -> dict[str, Any]:
        return {"min_words": int(q.get("min_words") or 0), "max_words": int(q.get("max_words") or 0)}

    def validate(self, q: Mapping[str, Any]) -> list[str]:
        limits = [q.get("min_words", 0), q.get("max_words", 0)]
        if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in limits):
            return [_("Word limits must be whole numbers, zero or more.")]
        if limits[1] and limits[0] > limits[1]:
            return [_("The minimum number of words cannot be above the maximum.")]
        return []

    def normalise(self, q: Mapping[str, Any], raw: Any) -> str | None:
        return text_response(raw, gettext_noop("An essay must be text."), limit=MAX_ESSAY_CHARS)

    def display(self, q: Mapping[str, Any], shown: DisplayQuestion, *, order: list[str], saved: Any) -> None:
        shown.value = saved or ""

    def from_post(self, q: Mapping[str, Any], *, name: str, order: list[str], data: PostData) -> str | None:
        return one_field(data, name) or None

    def grade(self, q: Mapping[str, Any], value: str | None) -> Outcome:
        words = 0 if value is None else word_count(value)
        min_words, max_words = q.get("min_words", 0), q.get("max_words", 0)
        return Outcome(
            Fraction(0),
            [],
            {
                "word_count": words,
                "too_short": bool(min_words) and words < min_words,
                "too_long": bool(max_words) and words > max_words,
            },
        )

    def gift_problem(self, q: Mapping[str, Any]) -> str | None:
        return _("GIFT has no word limits.") if q.get("min_words") or q.get("max_words") else None

    def gift_answers(self, q: Mapping[str, Any], writer: GiftWriter) -> list[str]:
        return []

    def gift_read(self, answers: GiftAnswers) -> dict[str, Any]:
        return {"type": self.key, "min_words": 0, "max_words": 0}
