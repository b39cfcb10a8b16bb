"""The quiz form: what the attempt page shows of each question, and how posted fields become answers.

Nothing of the answer key is shown: no correct flags, no feedback, no accepted answers. Choices, pairs
and items are named in the HTML by their position in the attempt's shuffled order, never by their ids,
because ids such as `i1, i2, i3` or a pair id shared by its left and right sides would give answers away.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _

from assessments.question_types import question_type
from assessments.question_types.base import DisplayQuestion, Option, Row
from assessments.question_types.common import MAX_FIELD_CHARS, InvalidQuestion, MalformedResponse

__all__ = [
    "MAX_FEEDBACK_CHARS",
    "MAX_FIELD_CHARS",
    "DisplayQuestion",
    "EssayMarkForm",
    "Option",
    "Row",
    "answer_from_post",
    "display_question",
    "field_name",
]


def field_name(key: str) -> str:
    return f"q-{key}"


def _order(question: dict[str, Any], choice_order: dict[str, list[str]]) -> list[str]:
    return list(choice_order.get(question["key"], []))


def display_question(
    question: dict[str, Any], *, number: int, choice_order: dict[str, list[str]], saved: Any
) -> DisplayQuestion:
    """The learner-facing view of a question, holding the learner's saved answer and nothing of the key."""
    qtype = question_type(question["type"])
    shown = DisplayQuestion(
        key=question["key"],
        number=number,
        type=qtype.key,
        title=question.get("title") or "",
        prompt=question.get("prompt") or "",
        points=str(question["points"]),
        name=field_name(question["key"]),
        template=qtype.template,
        checkable=not qtype.manual,
    )
    qtype.display(question, shown, order=_order(question, choice_order), saved=saved)
    return shown


def answer_from_post(question: dict[str, Any], *, choice_order: dict[str, list[str]], data: QueryDict) -> Any:
    """The engine's raw response for `question` from posted form fields; MalformedResponse for nonsense."""
    try:
        qtype = question_type(question["type"])
    except InvalidQuestion:
        raise MalformedResponse(_("Unknown question type.")) from None
    return qtype.from_post(question, name=field_name(question["key"]), order=_order(question, choice_order), data=data)


MAX_FEEDBACK_CHARS = 5_000


class EssayMarkForm(forms.Form):
    """Points (0 to the question's points) and feedback for each hand-graded question of one attempt.

    `questions` are the attempt's essays (objects with `key` and `max_score`); the fields are named
    `points-<key>` and `feedback-<key>`."""

    def __init__(self, *args: Any, questions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            most = Decimal(q.max_score)
            self.fields[f"points-{q.key}"] = forms.DecimalField(
                label=_("Points (out of %(max)s)") % {"max": q.max_score},
                min_value=Decimal("0"),
                max_value=most,
                max_digits=8,
                decimal_places=2,
                error_messages={
                    "required": _("Give points for this answer."),
                    "invalid": _("Points must be a number."),
                    "min_value": _("Points cannot be below 0."),
                    "max_value": _("Points cannot be above %(max)s, the points of this question.") % {"max": most},
                },
            )
            self.fields[f"feedback-{q.key}"] = forms.CharField(
                label=_("Feedback"), required=False, max_length=MAX_FEEDBACK_CHARS, widget=forms.Textarea({"rows": 3})
            )

    def rows(self) -> Iterator[tuple[Any, forms.BoundField, forms.BoundField]]:
        for q in self.questions:
            yield q, self[f"points-{q.key}"], self[f"feedback-{q.key}"]

    def marks(self) -> tuple[dict[str, Decimal], dict[str, str]]:
        """The points and feedback by question key; call after `is_valid()`."""
        data = self.cleaned_data
        return (
            {q.key: data[f"points-{q.key}"] for q in self.questions},
            {q.key: data[f"feedback-{q.key}"].strip() for q in self.questions},
        )
