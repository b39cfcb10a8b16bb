"""The registered question types: each registered once, here, in the order authors see them."""

from __future__ import annotations

from typing import Any

from assessments.i18n import _
from assessments.question_types.base import QuestionType
from assessments.question_types.common import InvalidQuestion, shown
from assessments.question_types.essay import Essay
from assessments.question_types.fill_blanks import FillBlanks
from assessments.question_types.matching import Matching
from assessments.question_types.multiple_response import MultipleResponse
from assessments.question_types.numeric import Numeric
from assessments.question_types.ordering import Ordering
from assessments.question_types.short_answer import ShortAnswer
from assessments.question_types.single_choice import SingleChoice
from assessments.question_types.true_false import GIFT_WORDS, TrueFalse

_REGISTRY: dict[str, QuestionType] = {}


def register(question_type: QuestionType) -> None:
    if question_type.key in _REGISTRY:
        raise ValueError(f"question type {question_type.key!r} is registered twice")
    _REGISTRY[question_type.key] = question_type


for _type in (
    SingleChoice(),
    MultipleResponse(),
    TrueFalse(),
    Numeric(),
    ShortAnswer(),
    FillBlanks(),
    Matching(),
    Ordering(),
    Essay(),
):
    register(_type)


def question_types() -> list[QuestionType]:
    """Every registered type, in registration order."""
    return list(_REGISTRY.values())


def question_type(key: Any) -> QuestionType:
    """The type registered under `key`; InvalidQuestion (with a message for the author) for any other key."""
    found = _REGISTRY.get(key) if isinstance(key, str) else None
    if found is None:
        raise InvalidQuestion([_("Unknown question type “%(type)s”.") % {"type": shown(key)}])
    return found


def gift_reader(body: str) -> tuple[QuestionType, str]:
    """The type that reads the GIFT answers `body` (the text between the braces), and what the question is in
    GIFT's terms (`importing.report.SOURCE_KINDS`), decided as Moodle decides."""
    body = body.strip()
    if not body:
        return _REGISTRY["essay"], "essay"
    if body.startswith("#"):
        return _REGISTRY["numeric"], "numerical"
    if "~" in body:
        return _REGISTRY["single_choice"], "multiple_choice"
    if "=" in body and "->" in body:
        return _REGISTRY["matching"], "matching"
    if body.split("#", 1)[0].strip().upper() in GIFT_WORDS:
        return _REGISTRY["true_false"], "true_false"
    return _REGISTRY["short_answer"], "short_answer"
