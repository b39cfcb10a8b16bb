"""Quiz question blocks: one StructBlock per registered question type, plus a question pool.

Each type's block is built from its class in `assessments.question_types` (the common fields, then the type's
own child blocks). A block turns its value into exactly the engine's question dict (`question_dict`), and
refuses to publish when `grading.validate_question` finds an authoring error (shown on the block). Choices,
pairs and items take their id from the ListBlock item id, so an id never changes when an author edits text.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.forms.utils import ErrorList
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

from assessments import grading
from assessments.question_types import QuestionType, question_type, question_types

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


def _text(value: Any) -> str:
    source = getattr(value, "source", None)
    return str(source if source is not None else (value or ""))


class QuestionBlock(blocks.StructBlock):
    """Base of the question blocks: each subclass names its `question_type`, which gives its own fields."""

    question_type: ClassVar[QuestionType]

    def __init__(self, **kwargs: Any) -> None:
        qtype = self.question_type
        super().__init__([*_common(prompt_required=qtype.prompt_required), *qtype.block_children()], **kwargs)

    def question_dict(self, value: Any, *, key: str) -> dict[str, Any]:
        return {
            "key": key,
            "type": self.question_type.key,
            "title": value.get("title") or "",
            "prompt": _text(value.get("prompt")),
            "points": str(value.get("points") if value.get("points") is not None else ""),
            "explanation": value.get("explanation") or "",
            **self.question_type.from_block(value),
        }

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        errors = grading.validate_question(self.question_dict(cleaned, key="check"))
        if errors:
            raise StructBlockValidationError(non_block_errors=ErrorList([ValidationError(e) for e in errors]))
        return cleaned


def _block_class(qtype: QuestionType) -> type[QuestionBlock]:
    meta = type("Meta", (), {"label": _(qtype.label), "icon": qtype.icon})
    name = "".join(part.title() for part in qtype.key.split("_")) + "Block"
    return type(name, (QuestionBlock,), {"question_type": qtype, "Meta": meta, "__module__": __name__})


# One block class per registered type, by type key.
QUESTION_BLOCKS: dict[str, type[QuestionBlock]] = {t.key: _block_class(t) for t in question_types()}
# The single-choice block under the name it had as a hand-written class (tests import it).
SingleChoiceBlock = QUESTION_BLOCKS["single_choice"]


def question_blocks() -> list[tuple[str, QuestionBlock]]:
    return [(key, block_class()) for key, block_class in QUESTION_BLOCKS.items()]


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


def _prompt_html(prompt: str) -> str:
    text = prompt.strip()
    return text if not text or text.startswith("<") else f"<p>{text}</p>"


def raw_question_block(question: dict[str, Any]) -> dict[str, Any]:
    """StreamField raw data for one engine dict (from demo data or an import). Choice, pair and item ids
    become the ListBlock item ids, so the dict read back from the block keeps them."""
    try:
        qtype = question_type(question["type"])
    except grading.InvalidQuestion:
        raise ValueError(f"unknown question type {question['type']!r}") from None
    value: dict[str, Any] = {
        "title": question.get("title") or "",
        "prompt": _prompt_html(question.get("prompt") or ""),
        "points": str(question.get("points", 1)),
        "explanation": question.get("explanation") or "",
        **qtype.to_block(question),
    }
    return {"type": qtype.key, "value": value, "id": question.get("key") or str(uuid.uuid4())}
