"""Question blocks hold exactly the engine's question dicts, and refuse to publish invalid questions."""

from __future__ import annotations

import pytest

from assessments.blocks import QuizBodyBlock, questions_of, raw_question_block
from assessments.grading import validate_question
from content.demo import load_course_data
from tests.assessments.factories import every_type

DEMO_QUESTIONS = [
    pytest.param(q, id=f"{slug}-m{m}-q{n}")
    for slug, spec in load_course_data().items()
    for m, module in enumerate(spec["modules"], start=1)
    for n, q in enumerate(module["quiz"]["questions"], start=1)
]


def round_trip(question: dict) -> dict:
    body = QuizBodyBlock()
    stream = body.to_python([raw_question_block(question)])
    bank, _layout = questions_of(stream)
    return next(iter(bank.values()))


@pytest.mark.parametrize("question", every_type(), ids=lambda q: q["type"])
def test_a_question_survives_the_block_round_trip_unchanged(question):
    back = round_trip(question)

    for field, value in question.items():
        if field in ("points", "prompt"):
            continue
        assert back[field] == value, field
    assert back["points"] == str(question["points"])


@pytest.mark.parametrize("question", DEMO_QUESTIONS)
def test_every_demo_question_is_valid_as_a_block(question):
    assert validate_question(round_trip(question)) == []
