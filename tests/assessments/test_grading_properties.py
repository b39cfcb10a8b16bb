"""Properties of the grading engine that must hold for every valid question and every valid response."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.grading import (
    MAX_REGEX_INPUT_CHARS,
    grade,
    normalise_response,
    normalise_text,
    validate_question,
)

Case = tuple[dict[str, Any], Any]

ids = st.from_regex(r"[a-z][a-z0-9_-]{0,7}", fullmatch=True)
texts = st.text(st.characters(exclude_categories=["Cs", "Cc"]), min_size=1, max_size=12).filter(lambda s: s.strip())
points = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2)


def distinct_texts(count: int) -> st.SearchStrategy[list[str]]:
    return st.lists(texts, min_size=count, max_size=count, unique_by=normalise_text)


def distinct_ids(count: int) -> st.SearchStrategy[list[str]]:
    return st.lists(ids, min_size=count, max_size=count, unique=True)


def base(qtype: str, worth: Decimal, **fields: Any) -> dict[str, Any]:
    return {"type": qtype, "prompt": "Question?", "points": worth, "explanation": "", **fields}


@st.composite
def choice_cases(draw: st.DrawFn, qtype: str) -> Case:
    count = draw(st.integers(2, 6))
    choice_ids, labels = draw(distinct_ids(count)), draw(distinct_texts(count))
    if qtype == "single_choice":
        right = draw(st.integers(0, count - 1))
        flags = [index == right for index in range(count)]
    else:
        flags = draw(st.lists(st.booleans(), min_size=count, max_size=count).filter(lambda f: any(f) and not all(f)))
    choices = [
        {"id": i, "text": t, "correct": c, "feedback": ""} for i, t, c in zip(choice_ids, labels, flags, strict=True)
    ]
    question = base(qtype, draw(points), choices=choices)
    if qtype == "single_choice":
        return question, draw(st.none() | st.sampled_from(choice_ids))
    return question, draw(st.none() | st.lists(st.sampled_from(choice_ids), unique=True))


@st.composite
def true_false_cases(draw: st.DrawFn) -> Case:
    question = base("true_false", draw(points), correct=draw(st.booleans()), feedback_true="", feedback_false="")
    return question, draw(st.none() | st.booleans() | st.sampled_from(["true", "false", "TRUE", ""]))


@st.composite
def numeric_cases(draw: st.DrawFn) -> Case:
    answer = draw(st.decimals(min_value=-(10**6), max_value=10**6, places=3))
    tolerance = draw(st.decimals(min_value=0, max_value=1000, places=3))
    unit = draw(st.sampled_from(["", "kg", "m/s"]))
    question = base(
        "numeric",
        draw(points),
        answer=str(answer),
        tolerance=str(tolerance),
        tolerance_kind=draw(st.sampled_from(["absolute", "percent"])),
        unit=unit,
        unit_mode=draw(st.sampled_from(["ignored", "required"] if unit else ["ignored"])),
    )
    near = st.decimals(min_value=answer - 2 * tolerance - 1, max_value=answer + 2 * tolerance + 1, places=4)
    typed = st.tuples(near, st.sampled_from(["", " kg", "kg", " m/s", " g"])).map(lambda pair: f"{pair[0]}{pair[1]}")
    return question, draw(st.none() | typed | st.text(max_size=30))


@st.composite
def short_answer_cases(draw: st.DrawFn) -> Case:
    accepted = draw(st.lists(texts, min_size=1, max_size=4))
    pattern = draw(st.sampled_from(["", r"colou?r", r"(the )?(cat|dog)s?", r".*moon.*"]))
    question = base("short_answer", draw(points), accepted=accepted, regex=pattern)
    return question, draw(st.none() | st.sampled_from(accepted) | st.text(max_size=40))


@st.composite
def fill_blanks_cases(draw: st.DrawFn) -> Case:
    count = draw(st.integers(1, 4))
    blank_ids = draw(distinct_ids(count))
    blanks = [{"id": b, "accepted": draw(st.lists(texts, min_size=1, max_size=3))} for b in blank_ids]
    question = base("fill_blanks", draw(points), text=" and ".join(f"[[{b}]]" for b in blank_ids), blanks=blanks)
    answers = st.dictionaries(
        st.sampled_from(blank_ids),
        st.none() | st.text(max_size=20) | st.sampled_from([a for b in blanks for a in b["accepted"]]),
    )
    return question, draw(st.none() | answers)


@st.composite
def matching_cases(draw: st.DrawFn) -> Case:
    count = draw(st.integers(2, 5))
    extras = draw(st.integers(0, 2))
    pair_ids = draw(distinct_ids(count + extras))
    lefts = draw(distinct_texts(count)) + [""] * extras
    rights = draw(st.lists(texts, min_size=count + extras, max_size=count + extras))
    pairs = [{"id": i, "left": left, "right": r} for i, left, r in zip(pair_ids, lefts, rights, strict=True)]
    question = base("matching", draw(points), pairs=pairs)
    answers = st.dictionaries(st.sampled_from(pair_ids[:count]), st.none() | st.sampled_from(pair_ids))
    return question, draw(st.none() | answers)


@st.composite
def ordering_cases(draw: st.DrawFn) -> Case:
    count = draw(st.integers(2, 6))
    item_ids = draw(distinct_ids(count))
    items = [{"id": i, "text": t} for i, t in zip(item_ids, draw(distinct_texts(count)), strict=True)]
    question = base("ordering", draw(points), items=items)
    return question, draw(st.none() | st.permutations(item_ids))


@st.composite
def essay_cases(draw: st.DrawFn) -> Case:
    question = base("essay", draw(points), min_words=draw(st.integers(0, 5)), max_words=draw(st.integers(0, 5)) * 10)
    return question, draw(st.none() | st.text(max_size=200))


any_case = st.one_of(
    choice_cases("single_choice"),
    choice_cases("multiple_response"),
    true_false_cases(),
    numeric_cases(),
    short_answer_cases(),
    fill_blanks_cases(),
    matching_cases(),
    ordering_cases(),
    essay_cases(),
)


@given(any_case)
def test_every_generated_question_is_valid(case: Case) -> None:
    assert validate_question(case[0]) == []


@given(any_case)
def test_a_score_is_never_below_zero_nor_above_the_points(case: Case) -> None:
    question, response = case

    result = grade(question, response)

    assert Decimal(0) <= result.score <= result.max_score == question["points"]


@given(any_case)
def test_a_correct_answer_always_has_full_marks(case: Case) -> None:
    result = grade(*case)

    assert not result.correct or result.score == result.max_score


@given(any_case)
def test_normalising_a_normalised_response_changes_nothing(case: Case) -> None:
    question, response = case
    once = normalise_response(question, response)

    assert normalise_response(question, once) == once


@given(any_case)
def test_grading_a_normalised_response_gives_the_same_result(case: Case) -> None:
    question, response = case

    assert grade(question, normalise_response(question, response)) == grade(question, response)


@given(st.one_of(choice_cases("single_choice"), choice_cases("multiple_response")), st.randoms())
def test_the_display_order_of_choices_never_changes_a_score(case: Case, random: Any) -> None:
    question, response = case
    shuffled = question | {"choices": random.sample(question["choices"], len(question["choices"]))}
    if isinstance(response, list):
        response = random.sample(response, len(response))

    assert grade(shuffled, response).score == grade(question, case[1]).score


@given(matching_cases(), st.randoms())
def test_the_display_order_of_pairs_never_changes_a_score(case: Case, random: Any) -> None:
    question, response = case
    shuffled = question | {"pairs": random.sample(question["pairs"], len(question["pairs"]))}

    assert grade(shuffled, response).score == grade(question, response).score


@given(fill_blanks_cases(), st.randoms())
def test_the_order_in_which_blanks_are_defined_never_changes_a_score(case: Case, random: Any) -> None:
    question, response = case
    shuffled = question | {"blanks": random.sample(question["blanks"], len(question["blanks"]))}

    assert grade(shuffled, response).score == grade(question, response).score


@given(choice_cases("multiple_response"))
def test_ticking_every_choice_of_a_multiple_response_question_scores_zero(case: Case) -> None:
    question, _response = case

    assert grade(question, [c["id"] for c in question["choices"]]).score == 0


@given(ordering_cases())
def test_ordering_gives_full_marks_only_for_the_exact_order(case: Case) -> None:
    question, response = case
    exact = response == [item["id"] for item in question["items"]]

    assert grade(question, response).correct == exact


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "type",
                "prompt",
                "points",
                "choices",
                "pairs",
                "items",
                "blanks",
                "text",
                "answer",
                "accepted",
                "regex",
                "correct",
                "min_words",
            ]
        ),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=5),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(
                    st.sampled_from(["id", "text", "correct", "left", "right", "accepted"]), inner, max_size=4
                )
            ),
            max_leaves=8,
        ),
    )
    | st.builds(dict, type=st.sampled_from(["single_choice", "matching", "ordering", "fill_blanks", "numeric"]))
)
def test_validation_never_raises_on_garbage(question: dict[str, Any]) -> None:
    assert isinstance(validate_question(question), list)


PATTERN_PIECES = [
    "a",
    "b",
    ".",
    "a*",
    "a+",
    ".*",
    "[ab]+",
    "(a|b)",
    "(ab)*",
    "(a|ab)*",
    "(a*)*",
    "a?",
    "(?:a+)+",
    "a{2,50}",
    r"\w*",
    "(?=a)",
    "x",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PATTERN_PIECES), min_size=1, max_size=5).map("".join))
def test_every_pattern_that_passes_validation_matches_hostile_input_quickly(pattern: str) -> None:
    question = base("short_answer", Decimal(1), accepted=[], regex=pattern)
    if validate_question(question):
        return
    compiled = re.compile(pattern, re.IGNORECASE)
    for hostile in ("a" * MAX_REGEX_INPUT_CHARS, "a" * (MAX_REGEX_INPUT_CHARS - 1) + "!", "ab" * 499 + "!!"):
        started = time.perf_counter()
        compiled.fullmatch(hostile)
        assert time.perf_counter() - started < 1.0, pattern
