"""true_false: `correct: bool`, `feedback_true`, `feedback_false` (shown for the answer the learner gave);
all or nothing. It owns GIFT's `{T}`, `{TRUE}`, `{F}`, `{FALSE}` with `#wrong answer feedback#right answer
feedback`."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from assessments.i18n import _, gettext_noop
from assessments.question_types.base import DisplayQuestion, GiftAnswers, GiftWriter, QuestionType
from assessments.question_types.common import MalformedResponse, Outcome, PostData, one_field, text_response

GIFT_WORDS = {"T": True, "TRUE": True, "F": False, "FALSE": False}


class TrueFalse(QuestionType):
    key = "true_false"
    label = gettext_noop("True or false")
    icon = "help"

    def block_children(self) -> list[tuple[str, Any]]:
        from django.utils.translation import gettext_lazy
        from wagtail import blocks

        return [
            ("correct", blocks.BooleanBlock(label=gettext_lazy("The statement is true"), required=False)),
            (
                "feedback_true",
                blocks.CharBlock(label=gettext_lazy("Feedback for “true”"), required=False, max_length=1000),
            ),
            (
                "feedback_false",
                blocks.CharBlock(label=gettext_lazy("Feedback for “false”"), required=False, max_length=1000),
            ),
        ]

    def from_block(self, value: Any) -> dict[str, Any]:
        return {
            "correct": bool(value.get("correct")),
            "feedback_true": value.get("feedback_true") or "",
            "feedback_false": value.get("feedback_false") or "",
        }

    def to_block(self, q: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "feedback_true": q.get("feedback_true") or "",
            "feedback_false": q.get("feedback_false") or "",
            "correct": bool(q["correct"]),
        }

    def validate(self, q: Mapping[str, Any]) -> list[str]:
        errors = [] if isinstance(q.get("correct"), bool) else [_("Say whether the statement is true or false.")]
        if not all(isinstance(q.get(key, ""), str) for key in ("feedback_true", "feedback_false")):
            errors.append(_("Feedback must be text."))
        return errors

    def normalise(self, q: Mapping[str, Any], raw: Any) -> bool | None:
        if raw is None or isinstance(raw, bool):
            return raw
        message = gettext_noop("A true-or-false answer must be true or false.")
        text = text_response(raw, message)
        if text is None:
            return None
        if text.lower() not in ("true", "false"):
            raise MalformedResponse(_(message))
        return text.lower() == "true"

    def display(self, q: Mapping[str, Any], shown: DisplayQuestion, *, order: list[str], saved: Any) -> None:
        shown.value = "" if saved is None else ("true" if saved else "false")

    def from_post(self, q: Mapping[str, Any], *, name: str, order: list[str], data: PostData) -> bool | None:
        value = one_field(data, name)
        if value not in ("", "true", "false"):
            raise MalformedResponse(_("Answer true or false."))
        return None if not value else value == "true"

    def grade(self, q: Mapping[str, Any], value: bool | None) -> Outcome:
        feedback = [] if value is None else [q.get("feedback_true" if value else "feedback_false", "")]
        return Outcome(
            Fraction(int(value is not None and value == q["correct"])),
            feedback,
            {"answer": value, "correct_answer": q["correct"]},
        )

    def gift_problem(self, q: Mapping[str, Any]) -> str | None:
        return None

    def gift_answers(self, q: Mapping[str, Any], writer: GiftWriter) -> list[str]:
        right = q.get("feedback_true" if q["correct"] else "feedback_false", "")
        wrong = q.get("feedback_false" if q["correct"] else "feedback_true", "")
        line = "TRUE" if q["correct"] else "FALSE"
        if wrong or right:
            line += "#" + writer.answer_text(wrong)
        if right:
            line += "#" + writer.answer_text(right)
        return [line]

    def gift_read(self, answers: GiftAnswers) -> dict[str, Any]:
        answer, _hash, feedback = answers.text[answers.start : answers.end].strip().partition("#")
        wrong, _hash, right = feedback.partition("#")
        wrong, right = answers.render(wrong), answers.render(right)
        correct = GIFT_WORDS[answer.strip().upper()]
        return {
            "type": self.key,
            "correct": correct,
            "feedback_true": right if correct else wrong,
            "feedback_false": wrong if correct else right,
        }
