"""Scoring rules that mutation testing (docs/mutation.md) found untested: the messages a learner or an author
reads, the exact figures of an attempt, and the answer a submitted draft becomes."""

from __future__ import annotations

from typing import Any

import pytest

from assessments.grading import (
    MAX_REGEX_INPUT_CHARS,
    IncompleteAnswer,
    InvalidQuestion,
    MalformedResponse,
    grade,
    grade_attempt,
    read_final,
)


def single_choice(key: str = "q1", **overrides: Any) -> dict[str, Any]:
    return {
        "key": key,
        "type": "single_choice",
        "prompt": "Which planet is the largest?",
        "points": 2,
        "explanation": "",
        "choices": [
            {"id": "mars", "text": "Mars", "correct": False, "feedback": ""},
            {"id": "jupiter", "text": "Jupiter", "correct": True, "feedback": ""},
        ],
    } | overrides


def ordering(key: str = "q1", **overrides: Any) -> dict[str, Any]:
    return {
        "key": key,
        "type": "ordering",
        "prompt": "Order the planets from the Sun outwards.",
        "points": 3,
        "explanation": "",
        "items": [
            {"id": "mercury", "text": "Mercury"},
            {"id": "venus", "text": "Venus"},
            {"id": "earth", "text": "Earth"},
        ],
    } | overrides


def true_false(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "true_false",
        "prompt": "The Sun is a star.",
        "points": 1,
        "explanation": "",
        "correct": True,
        "feedback_true": "Right: a yellow dwarf.",
        "feedback_false": "It is a star.",
    } | overrides


def numeric(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "numeric",
        "prompt": "How fast?",
        "points": 1,
        "explanation": "",
        "answer": "12.5",
        "tolerance": "0",
        "tolerance_kind": "absolute",
        "unit": "km/h",
        "unit_mode": "required",
    } | overrides


def essay(**overrides: Any) -> dict[str, Any]:
    return {"type": "essay", "prompt": "Why is the sky blue?", "points": 5, "explanation": ""} | overrides


def short_answer(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "short_answer",
        "prompt": "What is the capital of France?",
        "points": 1,
        "explanation": "",
        "accepted": ["Paris"],
    } | overrides


def matching(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "matching",
        "prompt": "Match each country with its capital.",
        "points": 2,
        "explanation": "",
        "pairs": [
            {"id": "fr", "left": "France", "right": "Paris"},
            {"id": "it", "left": "Italy", "right": "Rome"},
            {"id": "extra", "left": "", "right": "Madrid"},
        ],
    } | overrides


def multiple_response(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "multiple_response",
        "prompt": "Which are gas giants?",
        "points": 2,
        "explanation": "",
        "choices": [
            {"id": "jupiter", "text": "Jupiter", "correct": True, "feedback": ""},
            {"id": "saturn", "text": "Saturn", "correct": True, "feedback": ""},
            {"id": "mars", "text": "Mars", "correct": False, "feedback": ""},
        ],
    } | overrides


def fill_blanks(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "fill_blanks",
        "prompt": "",
        "points": 1,
        "explanation": "",
        "text": "Water boils at [[temp]] degrees.",
        "blanks": [{"id": "temp", "accepted": ["100"]}],
    } | overrides


# --- the errors carry their message -----------------------------------------------------------------


def test_an_invalid_question_reads_as_its_errors_joined() -> None:
    error = InvalidQuestion(["The question needs a prompt.", "Every choice needs text."])

    assert str(error) == "The question needs a prompt.; Every choice needs text."


def test_an_incomplete_answer_reads_as_its_message() -> None:
    assert str(IncompleteAnswer("Give every item a position.")) == "Give every item a position."


def test_a_malformed_response_keeps_its_message_for_the_learner() -> None:
    assert MalformedResponse("Unknown choice “pluto”.").message == "Unknown choice “pluto”."


# --- a submitted draft ------------------------------------------------------------------------------


def test_a_submitted_choice_is_the_choice_the_learner_saved() -> None:
    assert read_final(single_choice(), "jupiter") == "jupiter"


def test_a_submitted_order_given_by_positions_is_the_list_of_items_in_that_order() -> None:
    assert read_final(ordering(), {"earth": 1, "mercury": 2, "venus": 3}) == ["earth", "mercury", "venus"]


def test_a_submitted_order_with_two_items_in_one_place_asks_for_different_positions() -> None:
    with pytest.raises(IncompleteAnswer) as raised:
        read_final(ordering(), {"earth": 1, "mercury": 1, "venus": 3})

    assert raised.value.message == "Give each item a different position."


# --- an attempt -------------------------------------------------------------------------------------


def test_an_attempt_whose_question_is_not_a_set_of_fields_needs_a_key() -> None:
    with pytest.raises(InvalidQuestion) as raised:
        grade_attempt(["not a question"], {})  # type: ignore[list-item]

    assert raised.value.errors == ["Every question in an attempt needs a key."]


def test_an_attempt_whose_question_key_is_not_text_needs_a_key() -> None:
    with pytest.raises(InvalidQuestion) as raised:
        grade_attempt([single_choice(key=7)], {})  # type: ignore[arg-type]

    assert raised.value.errors == ["Every question in an attempt needs a key."]


def test_an_attempt_with_two_questions_under_one_key_names_the_key() -> None:
    with pytest.raises(InvalidQuestion) as raised:
        grade_attempt([single_choice("q1"), ordering("q1")], {})

    assert raised.value.errors == ["Two questions share the key “q1”."]


def test_responses_that_are_not_a_mapping_are_refused_with_a_message() -> None:
    with pytest.raises(MalformedResponse) as raised:
        grade_attempt([single_choice()], ["jupiter"])  # type: ignore[arg-type]

    assert raised.value.message == "Responses must map question keys to answers."


def test_an_answer_to_an_unknown_question_names_that_question() -> None:
    with pytest.raises(MalformedResponse) as raised:
        grade_attempt([single_choice()], {"q9": "jupiter"})

    assert raised.value.message == "There is an answer for an unknown question “q9”."
    assert raised.value.question_key == "q9"


def test_a_malformed_answer_in_an_attempt_keeps_the_message_of_its_question() -> None:
    with pytest.raises(MalformedResponse) as raised:
        grade_attempt([single_choice()], {"q1": "pluto"})

    assert raised.value.message == "Unknown choice “pluto”."
    assert raised.value.question_key == "q1"


def test_an_attempt_without_questions_scores_zero_out_of_zero_in_cents() -> None:
    attempt = grade_attempt([], {})

    assert (str(attempt.score), str(attempt.max_score), str(attempt.percent)) == ("0.00", "0.00", "0.00")


# --- true or false ----------------------------------------------------------------------------------


def test_answering_true_shows_the_feedback_written_for_true() -> None:
    assert grade(true_false(), True).feedback == ["Right: a yellow dwarf."]


def test_answering_false_shows_the_feedback_written_for_false() -> None:
    assert grade(true_false(), False).feedback == ["It is a star."]


def test_a_blank_true_or_false_answer_shows_no_feedback() -> None:
    assert grade(true_false(), None).feedback == []


def test_a_true_or_false_question_without_feedback_shows_none() -> None:
    question = true_false()
    del question["feedback_true"]

    assert grade(question, True).feedback == []


def test_a_true_or_false_answer_is_shown_beside_the_right_one() -> None:
    assert grade(true_false(), False).detail == {"answer": False, "correct_answer": True}


# --- numbers and units ------------------------------------------------------------------------------


def test_a_number_with_a_minus_sign_is_negative() -> None:
    assert not grade(numeric(), "-12.5 km/h").correct
    assert grade(numeric(answer="-12.5"), "-12.5 km/h").correct


def test_a_number_with_the_unicode_minus_sign_is_negative() -> None:
    assert not grade(numeric(), "\u221212.5 km/h").correct
    assert grade(numeric(answer="-12.5"), "\u221212.5 km/h").correct


def test_a_unit_typed_with_spaces_inside_it_is_the_same_unit() -> None:
    assert grade(numeric(), "12.5 km / h").correct


def test_a_numeric_question_that_does_not_say_whether_the_unit_is_required_ignores_it() -> None:
    question = numeric()
    del question["unit_mode"]

    assert grade(question, "12.5").correct


def test_a_numeric_question_without_a_tolerance_accepts_the_exact_answer_only() -> None:
    question = numeric()
    del question["tolerance"]

    assert (grade(question, "12.5 km/h").correct, grade(question, "12.51 km/h").correct) == (True, False)


def test_a_numeric_answer_is_shown_with_how_it_was_read_and_the_range_accepted() -> None:
    assert grade(numeric(tolerance="0.5"), "12,8 km/h").detail == {
        "response": "12,8 km/h",
        "understood": True,
        "in_range": True,
        "unit_ok": True,
        "answer": "12.5",
        "low": "12.0",
        "high": "13.0",
        "unit": "km/h",
    }


def test_the_range_of_a_tiny_answer_is_shown_in_plain_digits() -> None:
    detail = grade(numeric(answer="0.0000001", unit_mode="ignored"), "0.0000001").detail

    assert (detail["low"], detail["high"]) == ("0.0000001", "0.0000001")


def test_a_numeric_question_without_a_unit_shows_an_empty_unit() -> None:
    question = numeric(unit_mode="ignored")
    del question["unit"]

    assert grade(question, "12.5").detail["unit"] == ""


def test_a_unit_written_straight_after_the_number_is_read_as_the_unit() -> None:
    assert grade(numeric(unit="XP", answer="250"), "250XP").correct


# --- essays -----------------------------------------------------------------------------------------


def test_a_blank_essay_has_no_words_and_no_limit_to_break() -> None:
    detail = grade(essay(), None).detail

    assert detail == {"word_count": 0, "too_short": False, "too_long": False}


def test_an_essay_without_a_maximum_is_never_too_long() -> None:
    assert grade(essay(), "Light scatters.").detail["too_long"] is False


def test_an_essay_of_exactly_the_minimum_is_long_enough() -> None:
    assert grade(essay(min_words=2), "Light scatters.").detail["too_short"] is False


def test_an_essay_of_exactly_the_maximum_is_short_enough() -> None:
    assert grade(essay(max_words=2), "Light scatters.").detail["too_long"] is False


def test_an_essay_within_both_limits_is_neither_too_short_nor_too_long() -> None:
    detail = grade(essay(min_words=1, max_words=5), "Blue light scatters more.").detail

    assert (detail["too_short"], detail["too_long"]) == (False, False)


# --- short answers and orderings --------------------------------------------------------------------


def test_a_short_answer_without_a_pattern_accepts_only_its_accepted_answers() -> None:
    assert not grade(short_answer(), "XXXX").correct


def test_a_short_answer_with_a_pattern_and_no_accepted_list_is_graded_by_the_pattern() -> None:
    question = short_answer(regex=r"paris|lutetia")
    del question["accepted"]

    assert grade(question, "Lutetia").correct


def test_a_pattern_still_checks_an_answer_of_the_longest_length_it_reads() -> None:
    assert grade(short_answer(regex="a+"), "a" * MAX_REGEX_INPUT_CHARS).correct


def test_a_blank_is_graded_by_its_accepted_answers_only() -> None:
    assert not grade(fill_blanks(), {"temp": "XXXX"}).correct


def test_a_short_answer_is_shown_with_whether_it_matched_and_what_was_accepted() -> None:
    assert grade(short_answer(), "paris").detail == {"response": "paris", "matched": True, "accepted": ["Paris"]}


def test_an_order_given_as_positions_typed_as_text_is_graded_like_numbers() -> None:
    assert grade(ordering(), {"mercury": "1", "venus": "2", "earth": "3"}).correct


def test_an_order_that_places_an_unknown_item_is_a_malformed_response() -> None:
    with pytest.raises(MalformedResponse):
        grade(ordering(), {"pluto": 1, "venus": 2, "earth": 3})


def test_an_order_is_shown_beside_the_right_one_item_by_item() -> None:
    assert grade(ordering(), ["venus", "mercury", "earth"]).detail == {
        "order": ["venus", "mercury", "earth"],
        "correct_order": ["mercury", "venus", "earth"],
        "in_place": [False, False, True],
    }


def test_a_matching_answer_is_shown_pair_by_pair_with_the_right_match() -> None:
    assert grade(matching(), {"fr": "fr", "it": "extra"}).detail == {
        "pairs": {
            "fr": {"chosen": "fr", "correct": True, "correct_right": "fr"},
            "it": {"chosen": "extra", "correct": False, "correct_right": "it"},
        }
    }


def test_a_blank_single_choice_answer_selects_nothing() -> None:
    assert grade(single_choice(), None).detail == {"selected": [], "correct_ids": ["jupiter"]}


def test_half_a_cent_of_partial_credit_rounds_up() -> None:
    assert str(grade(multiple_response(points="0.25"), ["jupiter"]).score) == "0.13"


def test_a_multiple_response_answer_is_shown_with_the_choices_that_were_right() -> None:
    assert grade(multiple_response(), ["jupiter", "mars"]).detail == {
        "selected": ["jupiter", "mars"],
        "correct_ids": ["jupiter", "saturn"],
    }
