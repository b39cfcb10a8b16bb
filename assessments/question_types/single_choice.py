"""single_choice: `choices: [{"id", "text", "correct", "feedback"}]`, exactly one right; all or nothing.

It owns GIFT's `{=a ~b ~c}` syntax (which reads as multiple_response when no answer is marked `=` and several
have positive weights) and is the one type Aiken files hold."""

from __future__ import annotations

import html
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from assessments.i18n import _, gettext_noop
from assessments.question_types.base import GIFT_FULL, GiftAnswer, GiftAnswers, GiftWriter, gift_percent
from assessments.question_types.choices import ChoicesType
from assessments.question_types.common import (
    MalformedResponse,
    Outcome,
    PostData,
    one_field,
    option_id,
    shown,
    text_response,
)
from assessments.question_types.multiple_response import MultipleResponse


class SingleChoice(ChoicesType):
    key = "single_choice"
    label = gettext_noop("Single choice")
    icon = "radio-full"

    def validate(self, q: Mapping[str, Any]) -> list[str]:
        errors, choices = self.choice_errors(q)
        if choices and sum(c.get("correct") is True for c in choices) != 1:
            errors.append(_("A single-choice question needs exactly one correct answer."))
        return errors

    def normalise(self, q: Mapping[str, Any], raw: Any) -> str | None:
        choice_id = text_response(raw, gettext_noop("A single-choice answer must be one choice id."))
        if choice_id is not None and choice_id not in [c["id"] for c in q["choices"]]:
            raise MalformedResponse(_("Unknown choice “%(id)s”.") % {"id": shown(choice_id)})
        return choice_id

    def from_post(self, q: Mapping[str, Any], *, name: str, order: list[str], data: PostData) -> str | None:
        value = one_field(data, name)
        return option_id(value, order) if value else None

    def grade(self, q: Mapping[str, Any], value: str | None) -> Outcome:
        selected = [] if value is None else [value]
        right = any(c["id"] == value and c["correct"] for c in q["choices"])
        return Outcome(Fraction(int(right)), self.feedback(q, selected), self.detail(q, selected))

    def gift_answers(self, q: Mapping[str, Any], writer: GiftWriter) -> list[str]:
        return [
            writer.choice_line("=" if c["correct"] else "~", c, weight="100" if c["correct"] else "0")
            for c in q["choices"]
        ]

    def gift_read(self, answers: GiftAnswers) -> dict[str, Any] | None:
        """`=right ~wrong`: one right answer makes a single-choice question; without `=`, several positive weights
        make a multiple-response one."""
        if answers.blank_in_middle:
            answers.kind = "missing_word"
        parsed = answers.split("=~")
        if parsed is None or answers.failed:
            return None
        for answer in parsed:
            if answer.weight is None:
                answer.weight = GIFT_FULL if answer.marker == "=" else Decimal(0)
        positive = [w for w in (a.weight or Decimal(0) for a in parsed) if w > 0]
        if not positive:
            answers.error(
                answers.start, _("A multiple-choice question needs a right answer (“=” or a positive weight).")
            )
            return None
        if any(a.marker == "=" for a in parsed) or positive == [GIFT_FULL]:
            return self.gift_fields(answers, parsed)
        return MultipleResponse.gift_fields(answers, parsed)

    @classmethod
    def gift_fields(cls, answers: GiftAnswers, parsed: list[GiftAnswer]) -> dict[str, Any]:
        for answer in parsed:
            weight = answer.weight or Decimal(0)
            if 0 < weight < GIFT_FULL:
                answers.note(
                    answer.position,
                    _(
                        "“%(text)s” gives %(weight)s%% of the points in the file; a single-choice question here "
                        "gives credit for its right answer only, so this answer gives none."
                    )
                    % {"text": answer.shown, "weight": gift_percent(weight)},
                )
        if any((a.weight or 0) < 0 for a in parsed):
            answers.note(answers.start, _("Negative weights are not kept: a wrong single choice scores 0."))
        correct = [a.weight == GIFT_FULL for a in parsed]
        return {"type": cls.key, "choices": cls.gift_choices(answers, parsed, correct=correct)}

    @classmethod
    def from_aiken(cls, *, prompt: list[str], choices: list[str], right: int) -> dict[str, Any]:
        """The question of an Aiken entry: plain text, escaped into HTML, worth 1 point."""
        return {
            "type": cls.key,
            "title": "",
            "prompt": html.escape("\n".join(prompt), quote=False),
            "points": 1,
            "explanation": "",
            "choices": [
                {
                    "id": f"c{index + 1}",
                    "text": html.escape(text, quote=False),
                    "correct": index == right,
                    "feedback": "",
                }
                for index, text in enumerate(choices)
            ],
        }
