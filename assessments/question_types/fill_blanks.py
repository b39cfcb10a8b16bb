"""fill_blanks: `text` with `[[blank_id]]` placeholders, `blanks: [{"id", "accepted"}]`; `prompt` may be "".

Scoring: the share of blanks answered with an accepted text. GIFT holds one blank per question (a missing
word, read by short_answer's `{=a =b}` syntax when text follows the braces)."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from assessments.i18n import _, gettext_noop
from assessments.question_types.authoring import list_items, raw_list
from assessments.question_types.base import DisplayQuestion, GiftAnswers, GiftWriter, QuestionType, Row
from assessments.question_types.common import (
    PLACEHOLDER_RE,
    MalformedResponse,
    Outcome,
    PostData,
    check_length,
    ids_errors,
    is_text,
    one_field,
    records,
    shown,
)
from assessments.question_types.short_answer import accepted_errors, accepts


class FillBlanks(QuestionType):
    key = "fill_blanks"
    label = gettext_noop("Fill in the blanks")
    icon = "form"
    prompt_required = False

    def block_children(self) -> list[tuple[str, Any]]:
        from django.utils.translation import gettext_lazy
        from wagtail import blocks

        accepted = blocks.ListBlock(blocks.CharBlock(max_length=500), label=gettext_lazy("Accepted answers"))
        blank = blocks.StructBlock(
            [
                ("id", blocks.CharBlock(label=gettext_lazy("Blank id, as written in [[id]]"), max_length=64)),
                ("accepted", accepted),
            ]
        )
        return [
            ("text", blocks.TextBlock(label=gettext_lazy("Text with [[blank]] placeholders"))),
            ("blanks", blocks.ListBlock(blank, label=gettext_lazy("Blanks"))),
        ]

    def from_block(self, value: Any) -> dict[str, Any]:
        return {
            "text": value.get("text") or "",
            "blanks": [
                {"id": b["id"], "accepted": [a for _id, a in list_items(b["accepted"])]}
                for _n, b in list_items(value["blanks"])
            ],
        }

    def to_block(self, q: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "text": q["text"],
            "blanks": raw_list([{"id": b["id"], "accepted": raw_list(list(b["accepted"]))} for b in q["blanks"]]),
        }

    def validate(self, q: Mapping[str, Any]) -> list[str]:
        errors: list[str] = []
        text = q.get("text")
        if not is_text(text):
            errors.append(_("The text with the blanks is missing."))
        blanks = records(q, "blanks")
        if blanks is None:
            return [*errors, _("Blanks must be a list of blanks.")]
        if not blanks:
            errors.append(_("A fill-in-the-blanks question needs at least one blank."))
        errors += ids_errors(
            blanks,
            bad=gettext_noop("Every blank needs an id made of letters, digits, “-” or “_”."),
            duplicate=gettext_noop("Two blanks share the id “%(id)s”."),
        )
        for blank in blanks:
            for problem in accepted_errors(
                blank.get("accepted"),
                required=True,
                missing=_("Blank “%(id)s” needs at least one accepted answer.") % {"id": shown(blank.get("id"))},
            ):
                if problem not in errors:
                    errors.append(problem)
        if isinstance(text, str):
            errors += self._placement_errors(text, [b.get("id") for b in blanks])
        return errors

    @staticmethod
    def _placement_errors(text: str, defined: list[Any]) -> list[str]:
        errors: list[str] = []
        placed = PLACEHOLDER_RE.findall(text)
        for blank_id in defined:
            if isinstance(blank_id, str) and placed.count(blank_id) != 1:
                errors.append(
                    _("Blank “%(id)s” must appear exactly once in the text, as [[%(id)s]].") % {"id": blank_id}
                )
        for blank_id in dict.fromkeys(placed):
            if blank_id not in defined:
                errors.append(_("The text has a blank [[%(id)s]] that is not defined.") % {"id": shown(blank_id)})
        return errors

    def normalise(self, q: Mapping[str, Any], raw: Any) -> dict[str, str] | None:
        if raw is None or raw == "":
            return None
        if not isinstance(raw, Mapping):
            raise MalformedResponse(_("A fill-in-the-blanks answer must map blank ids to texts."))
        known = [b["id"] for b in q["blanks"]]
        for blank_id, text in raw.items():
            if blank_id not in known:
                raise MalformedResponse(_("Unknown blank “%(id)s”.") % {"id": shown(blank_id)})
            if text is not None and not isinstance(text, str):
                raise MalformedResponse(_("A fill-in-the-blanks answer must map blank ids to texts."))
            if text is not None:
                check_length(text)
        answers = {blank_id: (raw.get(blank_id) or "").strip() for blank_id in known}
        return answers if any(answers.values()) else None

    def display(self, q: Mapping[str, Any], shown: DisplayQuestion, *, order: list[str], saved: Any) -> None:
        answers = saved or {}
        for index, part in enumerate(PLACEHOLDER_RE.split(q["text"])):
            if index % 2 == 0:
                shown.segments.append((part, None))
            else:
                shown.segments.append(("", Row(f"{shown.name}-{part}", part, answers.get(part, ""))))

    def from_post(self, q: Mapping[str, Any], *, name: str, order: list[str], data: PostData) -> dict[str, str]:
        return {b["id"]: one_field(data, f"{name}-{b['id']}") for b in q["blanks"]}

    def grade(self, q: Mapping[str, Any], value: dict[str, str] | None) -> Outcome:
        answers = value or {}
        blanks: dict[str, Any] = {}
        for blank in q["blanks"]:
            response = answers.get(blank["id"]) or None
            blanks[blank["id"]] = {
                "response": response,
                "correct": accepts(list(blank["accepted"]), "", response),
                "accepted": list(blank["accepted"]),
            }
        right = sum(b["correct"] for b in blanks.values())
        return Outcome(Fraction(right, len(blanks)), [], {"blanks": blanks})

    def gift_problem(self, q: Mapping[str, Any]) -> str | None:
        return _("GIFT has one blank per question.") if len(q.get("blanks", [])) != 1 else None

    def gift_prompt(self, q: Mapping[str, Any]) -> tuple[str, str, str]:
        prompt = q.get("prompt", "")
        prompt = (prompt + "\n" if prompt.strip() else "") + q["text"]
        before, _placeholder, after = prompt.partition(f"[[{q['blanks'][0]['id']}]]")
        return prompt, before, after

    def gift_answers(self, q: Mapping[str, Any], writer: GiftWriter) -> list[str]:
        return [writer.accepted_line(text) for text in q["blanks"][0]["accepted"]]

    def gift_place(self, question: dict[str, Any], answers: GiftAnswers, *, before: str, after: str) -> None:
        question["text"] = answers.render(before + "[[b1]]" + after, keep_lines=True)
