"""Quiz question blocks: one StructBlock per question type of `assessments.grading`, plus a question pool.

Each block turns its value into exactly the engine's question dict (`question_dict`), and refuses to
publish when `grading.validate_question` finds an authoring error (shown on the block). Choices, pairs
and items take their id from the ListBlock item id, so an id never changes when an author edits text.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

from assessments import grading

PROMPT_FEATURES = ["bold", "italic", "ol", "ul", "link", "code"]


def _points() -> blocks.DecimalBlock:
    return blocks.DecimalBlock(label=_("Points"), default=1, min_value=0.01, max_digits=6, decimal_places=2)


def _common(*, prompt_required: bool) -> list[tuple[str, blocks.Block]]:
    return [
        ("title", blocks.CharBlock(label=_("Title"), required=False, max_length=200)),
        ("prompt", blocks.RichTextBlock(label=_("Question"), features=PROMPT_FEATURES, required=prompt_required)),
        ("points", _points()),
        ("explanation", blocks.TextBlock(label=_("General feedback"), required=False)),
    ]


def _items(value: Any) -> list[tuple[str, Any]]:
    """(id, value) of each item of a ListBlock value; a new, unsaved item gets a positional id."""
    bound = getattr(value, "bound_blocks", None)
    if bound is None:
        return [(f"i{n}", item) for n, item in enumerate(value or [], start=1)]
    return [(child.id or f"i{n}", child.value) for n, child in enumerate(bound, start=1)]


def _text(value: Any) -> str:
    source = getattr(value, "source", None)
    return str(source if source is not None else (value or ""))


class QuestionBlock(blocks.StructBlock):
    """Base of the question blocks: subclasses give `question_type` and `fields(value)`."""

    question_type = ""
    prompt_required = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(_common(prompt_required=self.prompt_required), **kwargs)
        # The common fields first, then the type's own.
        common = ("title", "prompt", "points", "explanation")
        own = [name for name in self.child_blocks if name not in common]
        self.child_blocks: dict[str, blocks.Block] = {name: self.child_blocks[name] for name in (*common, *own)}

    def fields(self, value: Any) -> dict[str, Any]:
        raise NotImplementedError

    def question_dict(self, value: Any, *, key: str) -> dict[str, Any]:
        return {
            "key": key,
            "type": self.question_type,
            "title": value.get("title") or "",
            "prompt": _text(value.get("prompt")),
            "points": str(value.get("points") if value.get("points") is not None else ""),
            "explanation": value.get("explanation") or "",
            **self.fields(value),
        }

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        errors = grading.validate_question(self.question_dict(cleaned, key="check"))
        if errors:
            raise StructBlockValidationError(non_block_errors=ErrorList([ValidationError(e) for e in errors]))
        return cleaned


class ChoiceItemBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Answer"), max_length=500)
    correct = blocks.BooleanBlock(label=_("Correct"), required=False)
    feedback = blocks.CharBlock(label=_("Feedback"), required=False, max_length=1000)


class _ChoicesQuestion(QuestionBlock):
    choices = blocks.ListBlock(ChoiceItemBlock(), label=_("Answers"), min_num=2)

    def fields(self, value: Any) -> dict[str, Any]:
        return {
            "choices": [
                {"id": cid, "text": c["text"], "correct": bool(c["correct"]), "feedback": c.get("feedback") or ""}
                for cid, c in _items(value.get("choices"))
            ]
        }


class SingleChoiceBlock(_ChoicesQuestion):
    question_type = "single_choice"

    class Meta:
        label = _("Single choice")
        icon = "radio-full"


class MultipleResponseBlock(_ChoicesQuestion):
    question_type = "multiple_response"

    class Meta:
        label = _("Multiple response")
        icon = "tick-inverse"


class TrueFalseBlock(QuestionBlock):
    question_type = "true_false"
    correct = blocks.BooleanBlock(label=_("The statement is true"), required=False)
    feedback_true = blocks.CharBlock(label=_("Feedback for “true”"), required=False, max_length=1000)
    feedback_false = blocks.CharBlock(label=_("Feedback for “false”"), required=False, max_length=1000)

    def fields(self, value: Any) -> dict[str, Any]:
        return {
            "correct": bool(value.get("correct")),
            "feedback_true": value.get("feedback_true") or "",
            "feedback_false": value.get("feedback_false") or "",
        }

    class Meta:
        label = _("True or false")
        icon = "help"


class NumericBlock(QuestionBlock):
    question_type = "numeric"
    answer = blocks.CharBlock(label=_("Answer"), max_length=50)
    tolerance = blocks.CharBlock(label=_("Tolerance"), default="0", max_length=50)
    tolerance_kind = blocks.ChoiceBlock(
        label=_("Tolerance is"), choices=[("absolute", _("absolute")), ("percent", _("a percent"))], default="absolute"
    )
    unit = blocks.CharBlock(label=_("Unit"), required=False, max_length=30)
    unit_mode = blocks.ChoiceBlock(
        label=_("Unit"), choices=[("ignored", _("ignored")), ("required", _("required"))], default="ignored"
    )

    def fields(self, value: Any) -> dict[str, Any]:
        return {
            "answer": value.get("answer") or "",
            "tolerance": value.get("tolerance") or "0",
            "tolerance_kind": value.get("tolerance_kind") or "absolute",
            "unit": value.get("unit") or "",
            "unit_mode": value.get("unit_mode") or "ignored",
        }

    class Meta:
        label = _("Numeric")
        icon = "order"


class ShortAnswerBlock(QuestionBlock):
    question_type = "short_answer"
    accepted = blocks.ListBlock(blocks.CharBlock(max_length=500), label=_("Accepted answers"))
    regex = blocks.CharBlock(label=_("Or a regular expression"), required=False, max_length=200)

    def fields(self, value: Any) -> dict[str, Any]:
        return {"accepted": [a for _id, a in _items(value.get("accepted"))], "regex": value.get("regex") or ""}

    class Meta:
        label = _("Short answer")
        icon = "pilcrow"


class BlankBlock(blocks.StructBlock):
    id = blocks.CharBlock(label=_("Blank id, as written in [[id]]"), max_length=64)
    accepted = blocks.ListBlock(blocks.CharBlock(max_length=500), label=_("Accepted answers"))


class FillBlanksBlock(QuestionBlock):
    question_type = "fill_blanks"
    text = blocks.TextBlock(label=_("Text with [[blank]] placeholders"))
    blanks = blocks.ListBlock(BlankBlock(), label=_("Blanks"))

    prompt_required = False

    def fields(self, value: Any) -> dict[str, Any]:
        return {
            "text": value.get("text") or "",
            "blanks": [
                {"id": b["id"], "accepted": [a for _id, a in _items(b["accepted"])]}
                for _n, b in _items(value["blanks"])
            ],
        }

    class Meta:
        label = _("Fill in the blanks")
        icon = "form"


class PairBlock(blocks.StructBlock):
    left = blocks.CharBlock(label=_("Left (empty for an extra right-hand option)"), required=False, max_length=500)
    right = blocks.CharBlock(label=_("Right"), max_length=500)


class MatchingBlock(QuestionBlock):
    question_type = "matching"
    pairs = blocks.ListBlock(PairBlock(), label=_("Pairs"), min_num=2)

    def fields(self, value: Any) -> dict[str, Any]:
        return {
            "pairs": [{"id": pid, "left": p["left"] or "", "right": p["right"]} for pid, p in _items(value["pairs"])]
        }

    class Meta:
        label = _("Matching")
        icon = "link"


class OrderingBlock(QuestionBlock):
    question_type = "ordering"
    items = blocks.ListBlock(blocks.CharBlock(max_length=500), label=_("Items, in the correct order"), min_num=2)

    def fields(self, value: Any) -> dict[str, Any]:
        return {"items": [{"id": iid, "text": text} for iid, text in _items(value["items"])]}

    class Meta:
        label = _("Ordering")
        icon = "list-ol"


class EssayBlock(QuestionBlock):
    question_type = "essay"
    min_words = blocks.IntegerBlock(label=_("Minimum words (0 = none)"), default=0, min_value=0)
    max_words = blocks.IntegerBlock(label=_("Maximum words (0 = none)"), default=0, min_value=0)

    def fields(self, value: Any) -> dict[str, Any]:
        return {"min_words": value.get("min_words") or 0, "max_words": value.get("max_words") or 0}

    class Meta:
        label = _("Essay (graded by hand)")
        icon = "doc-full"


def question_blocks() -> list[tuple[str, QuestionBlock]]:
    return [
        ("single_choice", SingleChoiceBlock()),
        ("multiple_response", MultipleResponseBlock()),
        ("true_false", TrueFalseBlock()),
        ("numeric", NumericBlock()),
        ("short_answer", ShortAnswerBlock()),
        ("fill_blanks", FillBlanksBlock()),
        ("matching", MatchingBlock()),
        ("ordering", OrderingBlock()),
        ("essay", EssayBlock()),
    ]


class QuestionPoolBlock(blocks.StructBlock):
    """A group of questions of which each attempt draws `draw` at random."""

    title = blocks.CharBlock(label=_("Pool name"), required=False, max_length=200)
    draw = blocks.IntegerBlock(label=_("Questions drawn per attempt"), min_value=1, default=1)
    questions = blocks.StreamBlock(question_blocks(), label=_("Questions"), min_num=1)

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        if cleaned["draw"] > len(cleaned["questions"]):
            raise StructBlockValidationError(
                block_errors={"draw": ValidationError(_("A pool cannot draw more questions than it holds."))}
            )
        return cleaned

    class Meta:
        label = _("Question pool")
        icon = "folder-open-inverse"


class QuizBodyBlock(blocks.StreamBlock):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__([*question_blocks(), ("pool", QuestionPoolBlock())], **kwargs)


def questions_of(stream: Any) -> tuple[dict[str, dict[str, Any]], list[str | dict[str, Any]]]:
    """Every question of a quiz body as engine dicts by key, and the body's layout: a key per question,
    or `{"pool": [keys], "draw": n}` for a pool."""
    questions: dict[str, dict[str, Any]] = {}
    layout: list[str | dict[str, Any]] = []
    for child in stream:
        if isinstance(child.block, QuestionPoolBlock):
            keys = []
            for inner in child.value["questions"]:
                questions[inner.id] = inner.block.question_dict(inner.value, key=inner.id)
                keys.append(inner.id)
            layout.append({"pool": keys, "draw": child.value["draw"]})
        else:
            questions[child.id] = child.block.question_dict(child.value, key=child.id)
            layout.append(child.id)
    return questions, layout


def _list(values: list[Any], ids: list[str] | None = None) -> list[dict[str, Any]]:
    return [
        {"type": "item", "value": value, "id": ids[n] if ids else str(uuid.uuid4())} for n, value in enumerate(values)
    ]


def _prompt_html(prompt: str) -> str:
    text = prompt.strip()
    return text if not text or text.startswith("<") else f"<p>{text}</p>"


def raw_question_block(question: dict[str, Any]) -> dict[str, Any]:
    """StreamField raw data for one engine dict (from demo data or an import). Choice, pair and item ids
    become the ListBlock item ids, so the dict read back from the block keeps them."""
    qtype = question["type"]
    value: dict[str, Any] = {
        "title": question.get("title") or "",
        "prompt": _prompt_html(question.get("prompt") or ""),
        "points": str(question.get("points", 1)),
        "explanation": question.get("explanation") or "",
    }
    if qtype in ("single_choice", "multiple_response"):
        choices = question["choices"]
        value["choices"] = _list(
            [{"text": c["text"], "correct": bool(c["correct"]), "feedback": c.get("feedback") or ""} for c in choices],
            [c["id"] for c in choices],
        )
    elif qtype == "true_false":
        value |= {k: question.get(k) or "" for k in ("feedback_true", "feedback_false")}
        value["correct"] = bool(question["correct"])
    elif qtype == "numeric":
        value |= {k: str(question.get(k) or "") for k in ("answer", "tolerance", "tolerance_kind", "unit", "unit_mode")}
        value["tolerance"] = value["tolerance"] or "0"
        value["tolerance_kind"] = value["tolerance_kind"] or "absolute"
        value["unit_mode"] = value["unit_mode"] or "ignored"
    elif qtype == "short_answer":
        value["accepted"] = _list(list(question.get("accepted") or []))
        value["regex"] = question.get("regex") or ""
    elif qtype == "fill_blanks":
        value["text"] = question["text"]
        value["blanks"] = _list([{"id": b["id"], "accepted": _list(list(b["accepted"]))} for b in question["blanks"]])
    elif qtype == "matching":
        pairs = question["pairs"]
        value["pairs"] = _list([{"left": p["left"], "right": p["right"]} for p in pairs], [p["id"] for p in pairs])
    elif qtype == "ordering":
        items = question["items"]
        value["items"] = _list([i["text"] for i in items], [i["id"] for i in items])
    elif qtype == "essay":
        value["min_words"] = int(question.get("min_words") or 0)
        value["max_words"] = int(question.get("max_words") or 0)
    else:
        raise ValueError(f"unknown question type {qtype!r}")
    return {"type": qtype, "value": value, "id": question.get("key") or str(uuid.uuid4())}
