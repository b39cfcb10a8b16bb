"""numeric: `answer` and `tolerance` (decimal strings), `tolerance_kind` ("absolute" | "percent"), `unit`,
`unit_mode` ("ignored" | "required"); all or nothing. A comma in a response is read as a decimal mark. It owns
GIFT's `{#5}`, `{#5:0.1}`, `{#4.9..5.1}` and `{#=5:0.1 =%50%5:1}`, read with an absolute tolerance."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Any

from assessments.i18n import _, gettext_noop
from assessments.question_types.base import (
    GIFT_FULL,
    DisplayQuestion,
    GiftAnswer,
    GiftAnswers,
    GiftWriter,
    QuestionType,
    gift_percent,
)
from assessments.question_types.common import (
    MalformedResponse,
    Outcome,
    PostData,
    decimal,
    is_text,
    one_field,
    text_response,
)

_NUMBER_RE = re.compile(r"([+\-\u2212]?)([0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE]([+\-]?[0-9]{1,4}))?(.*)", re.DOTALL)


def parse_number(text: str) -> tuple[Decimal, str] | None:
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


def finite_number(text: str) -> Decimal | None:
    """A number as a file writes it (a GIFT answer, tolerance or points); None when it is not a finite one."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _gift_value(token: str) -> tuple[str, str] | None:
    """(answer, tolerance) from `5`, `5:0.1` or `4.9..5.1`; None when it is none of these."""
    token = token.strip()
    if ".." in token[1:]:
        low_text, high_text = token.split("..", 1)
        low, high = finite_number(low_text), finite_number(high_text)
        if low is None or high is None or low > high:
            return None
        with localcontext() as ctx:
            ctx.prec = 200
            middle = (low + high) / 2
            return format(middle.normalize(), "f"), format((high - middle).normalize(), "f")
    if ":" in token:
        answer, tolerance = (part.strip() for part in token.split(":", 1))
        tolerance_value = finite_number(tolerance)
        if finite_number(answer) is None or tolerance_value is None or tolerance_value < 0:
            return None
        return answer, tolerance
    return (token, "0") if finite_number(token) is not None else None


def _unit_key(unit: str) -> str:
    return "".join(unicodedata.normalize("NFC", unit).split())


def _bounds(q: Mapping[str, Any]) -> tuple[Decimal, Decimal]:
    answer = decimal(q["answer"])
    tolerance = decimal(q.get("tolerance", "0"))
    assert answer is not None and tolerance is not None  # validated
    with localcontext() as ctx:
        ctx.prec = 500  # enough digits for every validated answer and tolerance, so this is exact
        if q.get("tolerance_kind", "absolute") == "percent":
            tolerance = abs(answer) * tolerance / 100
        return answer - tolerance, answer + tolerance


class Numeric(QuestionType):
    key = "numeric"
    label = gettext_noop("Numeric")
    icon = "order"

    def block_children(self) -> list[tuple[str, Any]]:
        from django.utils.translation import gettext_lazy
        from wagtail import blocks

        return [
            ("answer", blocks.CharBlock(label=gettext_lazy("Answer"), max_length=50)),
            ("tolerance", blocks.CharBlock(label=gettext_lazy("Tolerance"), default="0", max_length=50)),
            (
                "tolerance_kind",
                blocks.ChoiceBlock(
                    label=gettext_lazy("Tolerance is"),
                    choices=[("absolute", gettext_lazy("absolute")), ("percent", gettext_lazy("a percent"))],
                    default="absolute",
                ),
            ),
            ("unit", blocks.CharBlock(label=gettext_lazy("Unit"), required=False, max_length=30)),
            (
                "unit_mode",
                blocks.ChoiceBlock(
                    label=gettext_lazy("Unit"),
                    choices=[("ignored", gettext_lazy("ignored")), ("required", gettext_lazy("required"))],
                    default="ignored",
                ),
            ),
        ]

    def from_block(self, value: Any) -> dict[str, Any]:
        return {
            "answer": value.get("answer") or "",
            "tolerance": value.get("tolerance") or "0",
            "tolerance_kind": value.get("tolerance_kind") or "absolute",
            "unit": value.get("unit") or "",
            "unit_mode": value.get("unit_mode") or "ignored",
        }

    def to_block(self, q: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "answer": str(q.get("answer") or ""),
            "tolerance": str(q.get("tolerance") or "") or "0",
            "tolerance_kind": str(q.get("tolerance_kind") or "") or "absolute",
            "unit": str(q.get("unit") or ""),
            "unit_mode": str(q.get("unit_mode") or "") or "ignored",
        }

    def validate(self, q: Mapping[str, Any]) -> list[str]:
        errors: list[str] = []
        if decimal(q.get("answer")) is None:
            errors.append(_("The answer must be a number, like 12.5."))
        tolerance = decimal(q.get("tolerance", "0"))
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
        elif unit_mode == "required" and not is_text(unit):
            errors.append(_("A numeric question that requires a unit needs the unit."))
        return errors

    def normalise(self, q: Mapping[str, Any], raw: Any) -> str | None:
        if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
            if decimal(raw) is None:
                raise MalformedResponse(_("A numeric answer must be a finite number."))
            return str(raw)
        return text_response(raw, gettext_noop("A numeric answer must be text or a number."))

    def display(self, q: Mapping[str, Any], shown: DisplayQuestion, *, order: list[str], saved: Any) -> None:
        shown.value = saved or ""
        if q.get("unit_mode") == "required":
            shown.unit = _("Include the unit.")

    def from_post(self, q: Mapping[str, Any], *, name: str, order: list[str], data: PostData) -> str | None:
        return one_field(data, name) or None

    def grade(self, q: Mapping[str, Any], value: str | None) -> Outcome:
        low, high = _bounds(q)
        parsed = None if value is None else parse_number(value)
        in_range = parsed is not None and low <= parsed[0] <= high
        unit_ok = q.get("unit_mode", "ignored") == "ignored" or (
            parsed is not None and _unit_key(parsed[1]) == _unit_key(q.get("unit", ""))
        )
        return Outcome(
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

    def gift_problem(self, q: Mapping[str, Any]) -> str | None:
        return _("GIFT has no units.") if q.get("unit") else None

    def gift_answers(self, q: Mapping[str, Any], writer: GiftWriter) -> list[str]:
        answer, tolerance = Decimal(str(q["answer"])), Decimal(str(q.get("tolerance", "0")))
        if q.get("tolerance_kind") == "percent":
            with localcontext() as ctx:
                ctx.prec = 200
                tolerance = abs(answer) * tolerance / 100
            return [f"#{q['answer']}:{format(tolerance.normalize(), 'f')}"]
        return [f"#{q['answer']}:{q.get('tolerance', '0')}"]

    def gift_read(self, answers: GiftAnswers) -> dict[str, Any] | None:
        """`#5`, `#5:0.1`, `#4..6`, or `#=5:0 =%50%5:1 ~#feedback for any other answer`."""
        answers.start = answers.text.index("#", answers.start) + 1
        parsed = answers.split("=", end=self._cut_wrong_feedback(answers), lead_marker="=")
        if parsed is None or answers.failed:
            return None
        values = [(answer, self._gift_value(answers, answer)) for answer in parsed]
        if answers.failed:
            return None
        kept = self._right_answer(answers, values)
        if kept is None:
            return None
        number, tolerance = kept
        return {
            "type": self.key,
            "answer": number,
            "tolerance": tolerance,
            "tolerance_kind": "absolute",
            "unit": "",
            "unit_mode": "ignored",
        }

    @staticmethod
    def _cut_wrong_feedback(answers: GiftAnswers) -> int:
        tilde = answers.text.find("~", answers.start, answers.end)
        if tilde == -1:
            return answers.end
        if answers.text[tilde + 1 : answers.end].strip(" \t\n#"):
            answers.note(tilde, _("Feedback for wrong numeric answers is not kept."))
        return tilde

    @staticmethod
    def _gift_value(answers: GiftAnswers, answer: GiftAnswer) -> tuple[str, str] | None:
        value = _gift_value(answer.text)
        if value is None:
            answers.error(
                answer.position,
                _("“%(text)s” is not a number: write 5, 5:0.1 (answer and tolerance) or 4.9..5.1 (a range).")
                % {"text": answer.shown},
            )
        return value

    def _right_answer(
        self, answers: GiftAnswers, values: list[tuple[GiftAnswer, tuple[str, str] | None]]
    ) -> tuple[str, str] | None:
        weights = [GIFT_FULL if a.weight is None else a.weight for a, _value in values]
        best = max(weights)
        if best <= 0:
            answers.error(answers.start, _("A numeric question needs an answer that gives credit."))
            return None
        if best < GIFT_FULL:
            answers.note(
                answers.start,
                _("No answer gives full credit in the file; the best one (%(weight)s%%) is accepted for full credit.")
                % {"weight": gift_percent(best)},
            )
        kept: tuple[str, str] | None = None
        for (answer, value), weight in zip(values, weights, strict=True):
            if kept is None and weight == best:
                kept = value
                if answer.feedback.strip():
                    answers.note(answer.position, _("Feedback on a numeric answer is not kept."))
            elif value != kept:
                answers.note(answer.position, self._unkept(answer, weight))
        return kept

    @staticmethod
    def _unkept(answer: GiftAnswer, weight: Decimal) -> str:
        if weight <= 0:
            return _("“%(text)s” gives no credit in the file; it is not kept (any other answer scores 0).") % {
                "text": answer.shown
            }
        if weight < GIFT_FULL:
            return _(
                "“%(text)s” gives %(weight)s%% of the points in the file; numeric answers here are right or "
                "wrong, so it gives none."
            ) % {"text": answer.shown, "weight": gift_percent(weight)}
        return _(
            "“%(text)s” is also right in the file; a numeric question here has one right answer and its "
            "tolerance, so it is not kept."
        ) % {"text": answer.shown}
