"""multiple_response: `choices: [{"id", "text", "correct", "feedback"}]`, at least one right and one wrong.

Scoring: +1/n_correct for each right choice ticked, -1/n_wrong for each wrong one, floor 0."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Any

from assessments.i18n import _, gettext_noop
from assessments.question_types.base import GIFT_FULL, GiftAnswer, GiftAnswers, GiftWriter
from assessments.question_types.choices import ChoicesType
from assessments.question_types.common import MalformedResponse, Outcome, PostData, id_list, option_id


class MultipleResponse(ChoicesType):
    key = "multiple_response"
    label = gettext_noop("Multiple response")
    icon = "tick-inverse"

    def validate(self, q: Mapping[str, Any]) -> list[str]:
        errors, choices = self.choice_errors(q)
        if choices:
            n_correct = sum(c.get("correct") is True for c in choices)
            if n_correct == 0:
                errors.append(_("A multiple-response question needs at least one correct answer."))
            elif n_correct == len(choices):
                errors.append(_("A multiple-response question needs at least one wrong answer."))
        return errors

    def normalise(self, q: Mapping[str, Any], raw: Any) -> list[str] | None:
        known = [c["id"] for c in q["choices"]]
        ticked = id_list(
            raw,
            known,
            message=gettext_noop("A multiple-response answer must be a list of choice ids."),
            unknown=gettext_noop("Unknown choice “%(id)s”."),
            duplicate=gettext_noop("Choice “%(id)s” was sent twice."),
        )
        return None if ticked is None else [choice_id for choice_id in known if choice_id in ticked]

    def from_post(self, q: Mapping[str, Any], *, name: str, order: list[str], data: PostData) -> list[str] | None:
        values = data.getlist(name)
        if len(values) > len(order):
            raise MalformedResponse(_("Too many choices were sent."))
        return [option_id(v, order) for v in values] or None

    def grade(self, q: Mapping[str, Any], value: list[str] | None) -> Outcome:
        selected = value or []
        choices = q["choices"]
        n_correct = sum(c["correct"] for c in choices)
        n_wrong = len(choices) - n_correct
        hits = sum(c["correct"] for c in choices if c["id"] in selected)
        misses = sum(not c["correct"] for c in choices if c["id"] in selected)
        fraction = max(Fraction(0), Fraction(hits, n_correct) - Fraction(misses, n_wrong))
        return Outcome(fraction, self.feedback(q, selected), self.detail(q, selected))

    def gift_answers(self, q: Mapping[str, Any], writer: GiftWriter) -> list[str]:
        n_correct = sum(c["correct"] for c in q["choices"])
        right = writer.weight(Fraction(100, n_correct))
        wrong = writer.weight(Fraction(-100, len(q["choices"]) - n_correct))
        return [writer.choice_line("~", c, weight=right if c["correct"] else wrong, always=True) for c in q["choices"]]

    @classmethod
    def gift_fields(cls, answers: GiftAnswers, parsed: list[GiftAnswer]) -> dict[str, Any]:
        weights = [a.weight or Decimal(0) for a in parsed]
        positive = [w for w in weights if w > 0]
        share = GIFT_FULL / len(positive)
        if any(abs(w - share) > Decimal("0.01") for w in positive):
            answers.note(
                answers.start,
                _(
                    "Each right answer of a multiple-response question here is worth the same share "
                    "(1/%(count)s of the points); the file's weights of right answers are not kept."
                )
                % {"count": len(positive)},
            )
        wrong = [w for w in weights if w <= 0]
        if wrong and any(abs(w + GIFT_FULL / len(wrong)) > Decimal("0.01") for w in wrong):
            answers.note(
                answers.start,
                _(
                    "Each wrong choice ticked costs 1/%(count)s of the points here; "
                    "the weights of wrong answers in the file are not kept."
                )
                % {"count": len(wrong)},
            )
        return {"type": cls.key, "choices": cls.gift_choices(answers, parsed, correct=[w > 0 for w in weights])}
