"""Every registered question type implements every part it owns, and each part works on a sample question of
that type: the authoring block round-trips, a right answer shown on the form and posted back grades full marks
(an essay waits for a grader), a draft reads the same twice, the item analysis counts the right options, and the
GIFT export imports back to an equal question wherever GIFT can hold the type.

A new type fails here until it has a sample and a right answer below."""

from __future__ import annotations

import inspect
import random
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.http import QueryDict
from django.template.loader import get_template, render_to_string

from assessments.blocks import QUESTION_BLOCKS, QuizBodyBlock, questions_of, raw_question_block
from assessments.forms import answer_from_post, display_question
from assessments.gift import export_gift, import_gift
from assessments.grading import InvalidQuestion, grade, read_draft, read_final, validate_question
from assessments.question_types import QuestionType, question_type, question_types
from assessments.question_types.essay import Essay
from assessments.question_types.registry import register


def _question(qtype: str, prompt: str, **fields: Any) -> dict[str, Any]:
    return {"type": qtype, "title": "", "prompt": prompt, "points": 2, "explanation": "", **fields}


# A sample question of each type, and its right answer as grading stores it.
SAMPLES: dict[str, tuple[dict[str, Any], Any]] = {
    "single_choice": (
        _question(
            "single_choice",
            "Which planet is the largest?",
            choices=[
                {"id": "c1", "text": "Mars", "correct": False, "feedback": "Too small."},
                {"id": "c2", "text": "Jupiter", "correct": True, "feedback": ""},
                {"id": "c3", "text": "Venus", "correct": False, "feedback": ""},
            ],
        ),
        "c2",
    ),
    "multiple_response": (
        _question(
            "multiple_response",
            "Which are gas giants?",
            choices=[
                {"id": "c1", "text": "Jupiter", "correct": True, "feedback": ""},
                {"id": "c2", "text": "Mars", "correct": False, "feedback": "Rocky."},
                {"id": "c3", "text": "Saturn", "correct": True, "feedback": ""},
            ],
        ),
        ["c1", "c3"],
    ),
    "true_false": (
        _question("true_false", "Pluto is a major planet.", correct=False, feedback_true="Demoted.", feedback_false=""),
        False,
    ),
    "numeric": (
        _question(
            "numeric",
            "How many planets?",
            answer="8",
            tolerance="0.5",
            tolerance_kind="absolute",
            unit="",
            unit_mode="ignored",
        ),
        "8",
    ),
    "short_answer": (
        _question("short_answer", "Name the red planet.", accepted=["Mars", "the planet Mars"], regex=""),
        "Mars",
    ),
    "fill_blanks": (
        _question(
            "fill_blanks",
            "",
            text="Light takes about [[b1]] minutes to arrive.",
            blanks=[{"id": "b1", "accepted": ["eight"]}],
        ),
        {"b1": "eight"},
    ),
    "matching": (
        _question(
            "matching",
            "Match each planet with a feature.",
            pairs=[
                {"id": "p1", "left": "Saturn", "right": "rings"},
                {"id": "p2", "left": "Mars", "right": "red dust"},
                {"id": "p3", "left": "", "right": "a tail"},
            ],
        ),
        {"p1": "p1", "p2": "p2"},
    ),
    "ordering": (
        _question(
            "ordering",
            "Order the planets from the Sun.",
            items=[{"id": "i1", "text": "Mercury"}, {"id": "i2", "text": "Venus"}, {"id": "i3", "text": "Earth"}],
        ),
        ["i1", "i2", "i3"],
    ),
    "essay": (_question("essay", "Write about the sea.", min_words=0, max_words=0), "The sea is deep."),
}

TYPES = [pytest.param(t, id=t.key) for t in question_types()]


def _sample(qtype: QuestionType) -> tuple[dict[str, Any], Any]:
    question, right = SAMPLES[qtype.key]
    return {**question, "key": f"q-{qtype.key}"}, right


def test_every_registered_type_has_a_sample_here() -> None:
    assert sorted(SAMPLES) == sorted(t.key for t in question_types())


@pytest.mark.parametrize("qtype", TYPES)
def test_a_type_leaves_no_part_abstract(qtype: QuestionType) -> None:
    cls = type(qtype)

    assert not inspect.isabstract(cls)
    for name in QuestionType.__abstractmethods__:
        assert getattr(cls, name) is not getattr(QuestionType, name), name
    assert qtype.label and qtype.icon
    assert question_type(qtype.key) is qtype


@pytest.mark.parametrize("qtype", TYPES)
def test_the_sample_validates_and_its_authoring_block_round_trips(qtype: QuestionType) -> None:
    question, _right = _sample(qtype)
    assert validate_question(question) == []

    stream = QuizBodyBlock().to_python([raw_question_block(question)])
    bank, _layout = questions_of(stream)
    back = bank[question["key"]]

    assert isinstance(next(iter(stream)).block, QUESTION_BLOCKS[qtype.key])
    expected_prompt = f"<p>{question['prompt']}</p>" if question["prompt"] else ""
    assert back == {**question, "points": "2", "prompt": expected_prompt}
    assert validate_question(back) == []


def _posted(html: str) -> QueryDict:
    """The fields a browser would post from the rendered form fields."""
    data = QueryDict(mutable=True)
    soup = BeautifulSoup(html, "html.parser")
    for field in soup.select("input, select, textarea"):
        name = field["name"]
        if field.name == "textarea":
            data.appendlist(name, field.get_text())
        elif field.name == "select":
            chosen = field.select_one("option[selected]")
            data.appendlist(name, chosen["value"] if chosen else "")
        elif field["type"] in ("radio", "checkbox"):
            if field.has_attr("checked"):
                data.appendlist(name, field["value"])
        else:
            data.appendlist(name, field.get("value", ""))
    return data


@pytest.mark.parametrize("qtype", TYPES)
def test_a_right_answer_shown_on_the_form_and_posted_back_grades_full_marks(qtype: QuestionType) -> None:
    question, right = _sample(qtype)
    drawn = qtype.draw_order(question, random.Random(4), shuffle=True)
    choice_order = {} if drawn is None else {question["key"]: drawn}

    shown = display_question(question, number=1, choice_order=choice_order, saved=right)
    html = render_to_string(shown.template, {"q": shown})
    raw = answer_from_post(question, choice_order=choice_order, data=_posted(html))
    value = read_final(question, read_draft(question, raw))
    result = grade(question, value)

    assert value == right
    assert shown.checkable is not qtype.manual
    if qtype.manual:
        assert (result.needs_manual, result.score) == (True, 0)
    else:
        assert (result.correct, result.score, result.max_score) == (True, 2, 2)


@pytest.mark.parametrize("qtype", TYPES)
def test_a_blank_form_reads_as_no_answer_and_scores_nothing(qtype: QuestionType) -> None:
    question, _right = _sample(qtype)
    drawn = qtype.draw_order(question, random.Random(4), shuffle=True)
    choice_order = {} if drawn is None else {question["key"]: drawn}

    shown = display_question(question, number=1, choice_order=choice_order, saved=None)
    raw = answer_from_post(
        question, choice_order=choice_order, data=_posted(render_to_string(shown.template, {"q": shown}))
    )

    assert read_final(question, read_draft(question, raw)) is None
    assert grade(question, raw).score == 0


@pytest.mark.parametrize("qtype", TYPES)
def test_a_draft_reads_the_same_twice(qtype: QuestionType) -> None:
    question, right = _sample(qtype)

    assert read_draft(question, read_draft(question, right)) == read_draft(question, right) == right


@pytest.mark.parametrize("qtype", TYPES)
def test_the_item_analysis_counts_the_right_options_of_a_right_answer(qtype: QuestionType) -> None:
    question, right = _sample(qtype)

    figures = qtype.distractors(question, [right, None])

    assert [count for _text, count, _right in figures] == [int(is_right) for _text, _count, is_right in figures]
    assert bool(figures) == ("choices" in question)


@pytest.mark.parametrize("qtype", TYPES)
def test_gift_export_imports_back_to_an_equal_question_or_says_why_it_cannot(qtype: QuestionType) -> None:
    question, _right = _sample(qtype)
    problem = qtype.gift_problem(question)

    exported = export_gift([question])

    if problem is None:
        assert exported.skipped == []
        assert import_gift(exported.text).questions == [{k: v for k, v in question.items() if k != "key"}]
    else:
        assert exported.skipped == [0]
        assert problem in exported.text


@pytest.mark.parametrize("qtype", TYPES)
def test_the_type_has_its_form_and_answer_key_templates(qtype: QuestionType) -> None:
    assert get_template(qtype.template)
    assert get_template(f"assessments/includes/questions/key/{qtype.key}.html")


def test_an_unknown_type_is_refused_and_a_type_registers_once() -> None:
    with pytest.raises(InvalidQuestion):
        question_type("hotspot")
    with pytest.raises(ValueError, match="registered twice"):
        register(Essay())
