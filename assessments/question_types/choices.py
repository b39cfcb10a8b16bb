"""What single_choice and multiple_response share: a list of choices, each with its id, text, whether it is
right and its feedback. Validation, the authoring block, display, form reading, drawing order, feedback, the
GIFT reading of `{=a ~b}` answers and the choice counts of item analysis live here once."""

from __future__ import annotations

import random
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

from assessments.i18n import _, gettext_noop
from assessments.question_types.authoring import list_items, raw_list
from assessments.question_types.base import DisplayQuestion, GiftAnswer, GiftAnswers, Option, QuestionType
from assessments.question_types.common import ListedTexts, listed_text_errors

_CHOICES = ListedTexts(
    not_a_list=gettext_noop("Choices must be a list of choices."),
    too_few=gettext_noop("A question needs at least two choices."),
    bad_id=gettext_noop("Every choice needs an id made of letters, digits, “-” or “_”."),
    duplicate_id=gettext_noop("Two choices share the id “%(id)s”."),
    no_text=gettext_noop("Every choice needs text."),
    duplicate_text=gettext_noop("Two choices have the same text: “%(text)s”."),
)


class ChoicesType(QuestionType):
    """Base of the two choice types: subclasses say how many choices may be right and how a response scores."""

    def block_children(self) -> list[tuple[str, Any]]:
        from django.utils.translation import gettext_lazy
        from wagtail import blocks

        item = blocks.StructBlock(
            [
                ("text", blocks.CharBlock(label=gettext_lazy("Answer"), max_length=500)),
                ("correct", blocks.BooleanBlock(label=gettext_lazy("Correct"), required=False)),
                ("feedback", blocks.CharBlock(label=gettext_lazy("Feedback"), required=False, max_length=1000)),
            ]
        )
        return [("choices", blocks.ListBlock(item, label=gettext_lazy("Answers"), min_num=2))]

    def from_block(self, value: Any) -> dict[str, Any]:
        return {
            "choices": [
                {"id": cid, "text": c["text"], "correct": bool(c["correct"]), "feedback": c.get("feedback") or ""}
                for cid, c in list_items(value.get("choices"))
            ]
        }

    def to_block(self, q: Mapping[str, Any]) -> dict[str, Any]:
        choices = q["choices"]
        return {
            "choices": raw_list(
                [
                    {"text": c["text"], "correct": bool(c["correct"]), "feedback": c.get("feedback") or ""}
                    for c in choices
                ],
                [c["id"] for c in choices],
            )
        }

    def choice_errors(self, q: Mapping[str, Any]) -> tuple[list[str], list[Mapping[str, Any]]]:
        errors, choices = listed_text_errors(q, "choices", _CHOICES)
        if not all(isinstance(c.get("correct"), bool) for c in choices):
            errors.append(_("Mark every choice as correct or not."))
        if not all(isinstance(c.get("feedback", ""), str) for c in choices):
            errors.append(_("Choice feedback must be text."))
        return errors, choices

    def draw_order(self, q: Mapping[str, Any], rng: random.Random, *, shuffle: bool) -> list[str]:
        ids = [c["id"] for c in q["choices"]]
        if shuffle:
            rng.shuffle(ids)
        return ids

    def display(self, q: Mapping[str, Any], shown: DisplayQuestion, *, order: list[str], saved: Any) -> None:
        texts = {c["id"]: c["text"] for c in q["choices"]}
        chosen = set(saved if isinstance(saved, list) else [saved] if saved else [])
        shown.options = [Option(str(i), texts[cid], cid in chosen) for i, cid in enumerate(order)]

    @staticmethod
    def detail(q: Mapping[str, Any], selected: list[str]) -> dict[str, Any]:
        return {"selected": selected, "correct_ids": [c["id"] for c in q["choices"] if c["correct"]]}

    @staticmethod
    def feedback(q: Mapping[str, Any], selected: list[str]) -> list[str]:
        return [c.get("feedback", "") for c in q["choices"] if c["id"] in selected]

    def gift_problem(self, q: Mapping[str, Any]) -> str | None:
        return None

    def distractors(self, q: Mapping[str, Any], values: Sequence[Any]) -> list[tuple[str, int, bool]]:
        counts = {c["id"]: 0 for c in q["choices"]}
        for value in values:
            for cid in value if isinstance(value, list) else [value] if value else []:
                if cid in counts:
                    counts[cid] += 1
        return [(c["text"], counts[c["id"]], bool(c["correct"])) for c in q["choices"]]

    @classmethod
    @abstractmethod
    def gift_fields(cls, answers: GiftAnswers, parsed: list[GiftAnswer]) -> dict[str, Any]:
        """The question read from GIFT choices, each with its weight (`=` is 100%, `~` without one is 0)."""

    @staticmethod
    def gift_choices(answers: GiftAnswers, parsed: list[GiftAnswer], *, correct: list[bool]) -> list[dict[str, Any]]:
        return [
            {
                "id": f"c{number}",
                "text": answers.render(a.text),
                "correct": right,
                "feedback": answers.render(a.feedback),
            }
            for number, (a, right) in enumerate(zip(parsed, correct, strict=True), start=1)
        ]
