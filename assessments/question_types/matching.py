"""matching: `pairs: [{"id", "left", "right"}]`; a pair with `left == ""` is an extra right-hand option.

Scoring: the share of pairs matched right; a right-hand text that appears twice counts as either. The right-hand
options are always shuffled (in authored order they would give the pairs away). It owns GIFT's
`{=left -> right ...}` syntax (`= -> extra` adds an extra right-hand option)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from assessments.i18n import _, gettext_noop
from assessments.question_types.authoring import list_items, raw_list
from assessments.question_types.base import DisplayQuestion, GiftAnswers, GiftWriter, Option, QuestionType, Row
from assessments.question_types.common import (
    MalformedResponse,
    Outcome,
    PostData,
    check_length,
    duplicate_texts,
    ids_errors,
    is_text,
    normalise_text,
    one_field,
    option_id,
    records,
    shown,
)


def _real_pairs(q: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [p for p in q["pairs"] if p["left"].strip()]


class Matching(QuestionType):
    key = "matching"
    label = gettext_noop("Matching")
    icon = "link"

    def block_children(self) -> list[tuple[str, Any]]:
        from django.utils.translation import gettext_lazy
        from wagtail import blocks

        pair = blocks.StructBlock(
            [
                (
                    "left",
                    blocks.CharBlock(
                        label=gettext_lazy("Left (empty for an extra right-hand option)"),
                        required=False,
                        max_length=500,
                    ),
                ),
                ("right", blocks.CharBlock(label=gettext_lazy("Right"), max_length=500)),
            ]
        )
        return [("pairs", blocks.ListBlock(pair, label=gettext_lazy("Pairs"), min_num=2))]

    def from_block(self, value: Any) -> dict[str, Any]:
        return {
            "pairs": [
                {"id": pid, "left": p["left"] or "", "right": p["right"]} for pid, p in list_items(value["pairs"])
            ]
        }

    def to_block(self, q: Mapping[str, Any]) -> dict[str, Any]:
        pairs = q["pairs"]
        return {"pairs": raw_list([{"left": p["left"], "right": p["right"]} for p in pairs], [p["id"] for p in pairs])}

    def validate(self, q: Mapping[str, Any]) -> list[str]:
        pairs = records(q, "pairs")
        if pairs is None:
            return [_("Pairs must be a list of pairs.")]
        errors = ids_errors(
            pairs,
            bad=gettext_noop("Every pair needs an id made of letters, digits, “-” or “_”."),
            duplicate=gettext_noop("Two pairs share the id “%(id)s”."),
        )
        if not all(is_text(p.get("right")) for p in pairs):
            errors.append(_("Every pair needs a right-hand text."))
        if not all(isinstance(p.get("left"), str) for p in pairs):
            errors.append(_("Every pair needs a left-hand text (empty for an extra right-hand option)."))
            return errors
        real = [p["left"] for p in pairs if p["left"].strip()]
        if len(real) < 2:
            errors.append(_("A matching question needs at least two pairs."))
        errors += duplicate_texts(real, gettext_noop("Two pairs have the same left-hand text: “%(text)s”."))
        return errors

    def normalise(self, q: Mapping[str, Any], raw: Any) -> dict[str, str] | None:
        if raw is None or raw == "":
            return None
        message = _("A matching answer must map left-hand pair ids to right-hand pair ids.")
        if not isinstance(raw, Mapping):
            raise MalformedResponse(message)
        lefts = [p["id"] for p in _real_pairs(q)]
        rights = [p["id"] for p in q["pairs"]]
        for left, right in raw.items():
            if left not in lefts:
                raise MalformedResponse(_("Unknown pair “%(id)s”.") % {"id": shown(left)})
            if right is None:
                continue
            if not isinstance(right, str):
                raise MalformedResponse(message)
            check_length(right)
            if right and right not in rights:
                raise MalformedResponse(_("Unknown pair “%(id)s”.") % {"id": shown(right)})
        matched = {left: raw[left] for left in lefts if raw.get(left)}
        return matched or None

    def draw_order(self, q: Mapping[str, Any], rng: random.Random, *, shuffle: bool) -> list[str]:
        ids = [p["id"] for p in q["pairs"]]
        rng.shuffle(ids)
        return ids

    def display(self, q: Mapping[str, Any], shown: DisplayQuestion, *, order: list[str], saved: Any) -> None:
        rights = {p["id"]: p["right"] for p in q["pairs"]}
        position = {pid: i for i, pid in enumerate(order)}
        matched = saved or {}
        shown.options = [Option(str(i), rights[pid]) for i, pid in enumerate(order)]
        shown.rows = [
            Row(f"{shown.name}-{n}", p["left"], str(position[matched[p["id"]]]) if p["id"] in matched else "")
            for n, p in enumerate(_real_pairs(q))
        ]

    def from_post(self, q: Mapping[str, Any], *, name: str, order: list[str], data: PostData) -> dict[str, str] | None:
        matched = {}
        for n, pair in enumerate(_real_pairs(q)):
            value = one_field(data, f"{name}-{n}")
            if value:
                matched[pair["id"]] = option_id(value, order)
        return matched or None

    def grade(self, q: Mapping[str, Any], value: dict[str, str] | None) -> Outcome:
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
        return Outcome(Fraction(right, len(pairs)), [], {"pairs": pairs})

    def gift_problem(self, q: Mapping[str, Any]) -> str | None:
        if any("->" in p.get("left", "") for p in q.get("pairs", [])):
            return _("a left-hand text holds “->”.")
        return None

    def gift_answers(self, q: Mapping[str, Any], writer: GiftWriter) -> list[str]:
        return [f"={writer.answer_text(p['left'])} -> {writer.esc(p['right'])}" for p in q["pairs"]]

    def gift_read(self, answers: GiftAnswers) -> dict[str, Any] | None:
        """`=left -> right` pairs; `= -> extra` adds a right-hand option that matches nothing."""
        parsed = answers.split("=")
        if parsed is None or answers.failed:
            return None
        pairs = []
        for number, answer in enumerate(parsed, start=1):
            if answer.weight is not None:
                answers.note(answer.position, _("Matching pairs have no weights here; the weight is ignored."))
            if answer.feedback.strip():
                answers.note(answer.position, _("Feedback on a matching pair is not kept."))
            left, arrow, right = answer.text.partition("->")
            if not arrow:
                answers.error(answer.position, _("Each pair of a matching question is written “=left -> right”."))
                continue
            pairs.append({"id": f"p{number}", "left": answers.render(left), "right": answers.plain(right)})
        return None if answers.failed else {"type": self.key, "pairs": pairs}
