"""The grading engine, question type by question type: right, wrong, partial, blank and malformed answers."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

import pytest

from assessments.grading import (
    MAX_ESSAY_CHARS,
    MAX_RESPONSE_CHARS,
    IncompleteAnswer,
    InvalidQuestion,
    MalformedResponse,
    grade,
    grade_attempt,
    normalise_response,
    read_draft,
    read_final,
    validate_question,
)
from assessments.i18n import _

HUGE = "x" * (MAX_RESPONSE_CHARS + 1)


def single_choice(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "single_choice",
        "prompt": "Which planet is the largest?",
        "points": 2,
        "explanation": "Jupiter is a gas giant.",
        "choices": [
            {"id": "mars", "text": "Mars", "correct": False, "feedback": "Mars is small."},
            {"id": "jupiter", "text": "Jupiter", "correct": True, "feedback": "Yes."},
            {"id": "venus", "text": "Venus", "correct": False, "feedback": ""},
        ],
    } | overrides


def multiple_response(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "multiple_response",
        "prompt": "Which are gas giants?",
        "points": 4,
        "explanation": "",
        "choices": [
            {"id": "jupiter", "text": "Jupiter", "correct": True, "feedback": "Jupiter is."},
            {"id": "saturn", "text": "Saturn", "correct": True, "feedback": ""},
            {"id": "mars", "text": "Mars", "correct": False, "feedback": "Mars is rocky."},
            {"id": "venus", "text": "Venus", "correct": False, "feedback": ""},
        ],
    } | overrides


def true_false(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "true_false",
        "prompt": "The Sun is a star.",
        "points": 1,
        "explanation": "",
        "correct": True,
        "feedback_true": "Right.",
        "feedback_false": "It is a star.",
    } | overrides


def numeric(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "numeric",
        "prompt": "How heavy is the parcel?",
        "points": 1,
        "explanation": "",
        "answer": "12.5",
        "tolerance": "0.1",
        "tolerance_kind": "absolute",
        "unit": "kg",
        "unit_mode": "ignored",
    } | overrides


def short_answer(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "short_answer",
        "prompt": "What is the capital of France?",
        "points": 1,
        "explanation": "",
        "accepted": ["Paris"],
        "regex": "",
    } | overrides


def fill_blanks(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "fill_blanks",
        "prompt": "",
        "points": 2,
        "explanation": "",
        "text": "Water boils at [[temp]] degrees at [[where]] level.",
        "blanks": [{"id": "temp", "accepted": ["100", "one hundred"]}, {"id": "where", "accepted": ["sea"]}],
    } | overrides


def matching(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "matching",
        "prompt": "Match each country with its capital.",
        "points": 3,
        "explanation": "",
        "pairs": [
            {"id": "fr", "left": "France", "right": "Paris"},
            {"id": "it", "left": "Italy", "right": "Rome"},
            {"id": "jp", "left": "Japan", "right": "Tokyo"},
            {"id": "extra", "left": "", "right": "Madrid"},
        ],
    } | overrides


def ordering(**overrides: Any) -> dict[str, Any]:
    return {
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


def essay(**overrides: Any) -> dict[str, Any]:
    return {
        "type": "essay",
        "prompt": "Why is the sky blue?",
        "points": 5,
        "explanation": "Rayleigh scattering.",
        "min_words": 3,
        "max_words": 10,
    } | overrides


ALL_TYPES = [
    single_choice,
    multiple_response,
    true_false,
    numeric,
    short_answer,
    fill_blanks,
    matching,
    ordering,
    essay,
]


# --- every type -------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", ALL_TYPES)
def test_the_sample_question_of_every_type_is_valid(make: Any) -> None:
    assert validate_question(make()) == []


@pytest.mark.parametrize("make", ALL_TYPES)
def test_a_blank_response_scores_zero_without_error(make: Any) -> None:
    result = grade(make(), None)

    assert result.score == Decimal("0.00")
    assert not result.correct


@pytest.mark.parametrize("make", ALL_TYPES)
def test_max_score_is_the_question_points_in_cents(make: Any) -> None:
    assert grade(make(), None).max_score == Decimal(make()["points"]).quantize(Decimal("0.01"))


@pytest.mark.parametrize("make", ALL_TYPES)
def test_a_huge_string_is_a_malformed_response(make: Any) -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(make(), "x" * (MAX_ESSAY_CHARS + 1))


@pytest.mark.parametrize("make", ALL_TYPES)
def test_an_object_of_the_wrong_type_is_a_malformed_response(make: Any) -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(make(), object())


# --- common validation and grading ------------------------------------------------------------------


def test_an_unknown_question_type_is_reported() -> None:
    assert validate_question(single_choice(type="hotspot")) == ["Unknown question type “hotspot”."]


def test_points_must_be_greater_than_zero() -> None:
    assert "Points must be a number greater than zero." in validate_question(single_choice(points=0))


def test_points_cannot_be_a_boolean() -> None:
    assert "Points must be a number greater than zero." in validate_question(single_choice(points=True))


def test_points_can_have_at_most_two_decimal_places() -> None:
    assert "Points can have at most two decimal places." in validate_question(single_choice(points="1.005"))


def test_points_can_be_a_decimal_string() -> None:
    assert grade(single_choice(points="1.5"), "jupiter").score == Decimal("1.50")


def test_a_question_needs_a_prompt() -> None:
    assert "The question needs a prompt." in validate_question(single_choice(prompt="  "))


def test_validation_reports_garbage_instead_of_raising() -> None:
    assert validate_question({"type": "matching", "pairs": "nope", "points": "x", "prompt": 3}) == [
        "Points must be a number greater than zero.",
        "The prompt must be text.",
        "Pairs must be a list of pairs.",
    ]


def test_lists_in_a_question_can_be_any_sequence_like_a_wagtail_list_value() -> None:
    question = fill_blanks(blanks=({"id": "temp", "accepted": ("100",)}, {"id": "where", "accepted": ("sea",)}))

    assert (validate_question(question), grade(question, {"temp": "100", "where": "sea"}).correct) == ([], True)


def test_a_question_that_is_not_a_mapping_is_reported() -> None:
    assert validate_question(["single_choice"]) == ["A question must be a set of named fields."]  # type: ignore[arg-type]


def test_grading_an_invalid_question_raises_with_its_errors() -> None:
    with pytest.raises(InvalidQuestion) as raised:
        grade(single_choice(points=-1), "jupiter")

    assert raised.value.errors == ["Points must be a number greater than zero."]


def test_partial_scores_are_rounded_half_up_to_cents() -> None:
    question = fill_blanks(
        points=1,
        text="[[a]] [[b]] [[c]]",
        blanks=[{"id": b, "accepted": ["x"]} for b in "abc"],
    )

    assert grade(question, {"a": "x", "b": "x"}).score == Decimal("0.67")


def test_messages_pass_through_the_translation_hook_unchanged_in_english() -> None:
    assert _("A question needs at least two choices.") == "A question needs at least two choices."


# --- single_choice ----------------------------------------------------------------------------------


def test_single_choice_gives_full_points_for_the_correct_choice() -> None:
    result = grade(single_choice(), "jupiter")

    assert (result.score, result.correct) == (Decimal("2.00"), True)


def test_single_choice_gives_nothing_for_a_wrong_choice() -> None:
    result = grade(single_choice(), "mars")

    assert (result.score, result.correct) == (Decimal("0.00"), False)


def test_single_choice_treats_an_empty_string_as_blank() -> None:
    assert normalise_response(single_choice(), "  ") is None


def test_single_choice_feedback_is_the_chosen_choice_then_the_explanation() -> None:
    assert grade(single_choice(), "mars").feedback == ["Mars is small.", "Jupiter is a gas giant."]


def test_single_choice_detail_names_the_selected_and_correct_choices() -> None:
    assert grade(single_choice(), "mars").detail == {"selected": ["mars"], "correct_ids": ["jupiter"]}


def test_single_choice_rejects_an_unknown_choice_id() -> None:
    with pytest.raises(MalformedResponse, match="Unknown choice “pluto”"):
        normalise_response(single_choice(), "pluto")


def test_single_choice_rejects_a_list_of_ids() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(single_choice(), ["jupiter"])


def test_single_choice_rejects_a_string_over_ten_thousand_characters() -> None:
    with pytest.raises(MalformedResponse, match="at most 10000 characters"):
        normalise_response(single_choice(), HUGE)


def test_single_choice_needs_exactly_one_correct_answer() -> None:
    question = single_choice()
    question["choices"][0]["correct"] = True

    assert validate_question(question) == ["A single-choice question needs exactly one correct answer."]


def test_single_choice_needs_at_least_two_choices() -> None:
    question = single_choice(choices=[{"id": "a", "text": "A", "correct": True, "feedback": ""}])

    assert "A question needs at least two choices." in validate_question(question)


def test_choices_cannot_share_an_id() -> None:
    question = single_choice()
    question["choices"][2]["id"] = "mars"

    assert validate_question(question) == ["Two choices share the id “mars”."]


def test_choices_cannot_share_a_text() -> None:
    question = single_choice()
    question["choices"][2]["text"] = " mars "

    assert validate_question(question) == ["Two choices have the same text: “mars”."]


def test_choice_ids_must_be_safe_for_html() -> None:
    question = single_choice()
    question["choices"][0]["id"] = "a b"

    assert validate_question(question) == ["Every choice needs an id made of letters, digits, “-” or “_”."]


# --- multiple_response ------------------------------------------------------------------------------


def test_multiple_response_gives_full_points_for_exactly_the_correct_choices() -> None:
    result = grade(multiple_response(), ["saturn", "jupiter"])

    assert (result.score, result.correct) == (Decimal("4.00"), True)


def test_multiple_response_gives_a_share_for_each_correct_choice() -> None:
    assert grade(multiple_response(), ["jupiter"]).score == Decimal("2.00")


def test_multiple_response_takes_a_share_for_each_wrong_choice() -> None:
    assert grade(multiple_response(), ["jupiter", "saturn", "mars"]).score == Decimal("2.00")


def test_multiple_response_never_scores_below_zero() -> None:
    assert grade(multiple_response(), ["mars", "venus"]).score == Decimal("0.00")


def test_multiple_response_ticking_every_choice_scores_zero() -> None:
    assert grade(multiple_response(), ["jupiter", "saturn", "mars", "venus"]).score == Decimal("0.00")


def test_multiple_response_treats_an_empty_list_as_blank() -> None:
    assert normalise_response(multiple_response(), []) is None


def test_multiple_response_normalises_to_the_question_order() -> None:
    assert normalise_response(multiple_response(), ("mars", "jupiter")) == ["jupiter", "mars"]


def test_multiple_response_feedback_lists_every_ticked_choice() -> None:
    assert grade(multiple_response(), ["mars", "jupiter"]).feedback == ["Jupiter is.", "Mars is rocky."]


def test_multiple_response_rejects_a_choice_sent_twice() -> None:
    with pytest.raises(MalformedResponse, match="Choice “mars” was sent twice"):
        normalise_response(multiple_response(), ["mars", "mars"])


def test_multiple_response_rejects_an_unknown_choice_id() -> None:
    with pytest.raises(MalformedResponse, match="Unknown choice “pluto”"):
        normalise_response(multiple_response(), ["pluto"])


def test_multiple_response_rejects_a_single_string() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(multiple_response(), "jupiter")


def test_multiple_response_rejects_ids_that_are_not_strings() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(multiple_response(), [1, 2])


def test_multiple_response_rejects_a_huge_id() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(multiple_response(), [HUGE])


def test_multiple_response_needs_a_wrong_answer() -> None:
    question = multiple_response()
    for choice in question["choices"]:
        choice["correct"] = True

    assert validate_question(question) == ["A multiple-response question needs at least one wrong answer."]


def test_multiple_response_needs_a_correct_answer() -> None:
    question = multiple_response()
    for choice in question["choices"]:
        choice["correct"] = False

    assert validate_question(question) == ["A multiple-response question needs at least one correct answer."]


# --- true_false -------------------------------------------------------------------------------------


def test_true_false_gives_full_points_for_the_right_answer() -> None:
    assert grade(true_false(), True).correct


def test_true_false_gives_nothing_for_the_wrong_answer() -> None:
    assert grade(true_false(), False).score == Decimal("0.00")


def test_true_false_accepts_the_strings_a_form_sends() -> None:
    assert [normalise_response(true_false(), raw) for raw in ("true", "False", " TRUE ")] == [True, False, True]


def test_true_false_shows_the_feedback_for_the_answer_given() -> None:
    assert grade(true_false(), "false").feedback == ["It is a star."]


def test_true_false_treats_an_empty_string_as_blank() -> None:
    assert normalise_response(true_false(), "") is None


def test_true_false_rejects_other_words() -> None:
    with pytest.raises(MalformedResponse, match="must be true or false"):
        normalise_response(true_false(), "yes")


def test_true_false_rejects_numbers() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(true_false(), 1)


def test_true_false_needs_the_right_answer() -> None:
    assert validate_question(true_false(correct="yes")) == ["Say whether the statement is true or false."]


# --- numeric ----------------------------------------------------------------------------------------


def test_numeric_accepts_the_exact_answer() -> None:
    assert grade(numeric(), "12.5").correct


def test_numeric_accepts_an_answer_on_the_edge_of_the_tolerance() -> None:
    assert grade(numeric(), "12.4").correct


def test_numeric_refuses_an_answer_outside_the_tolerance() -> None:
    assert not grade(numeric(), "12.61").correct


def test_numeric_reads_a_percentage_tolerance_relative_to_the_answer() -> None:
    question = numeric(answer="200", tolerance="5", tolerance_kind="percent")

    assert [grade(question, raw).correct for raw in ("210", "210.01")] == [True, False]


def test_numeric_ignores_the_unit_when_told_to() -> None:
    assert grade(numeric(), "12.5 lb").correct


def test_numeric_accepts_the_required_unit() -> None:
    assert grade(numeric(unit_mode="required"), "12.5 kg").correct


def test_numeric_refuses_a_missing_required_unit() -> None:
    result = grade(numeric(unit_mode="required"), "12.5")

    assert (result.correct, result.detail["unit_ok"]) == (False, False)


def test_numeric_refuses_a_wrong_required_unit() -> None:
    assert not grade(numeric(unit_mode="required"), "12.5 g").correct


def test_numeric_reads_a_comma_as_a_decimal_mark() -> None:
    assert grade(numeric(), "12,5").correct


def test_numeric_reads_scientific_notation() -> None:
    assert grade(numeric(), "1.25e1").correct


def test_numeric_scores_text_that_is_not_a_number_as_wrong_without_error() -> None:
    result = grade(numeric(), "twelve and a half")

    assert (result.score, result.detail["understood"]) == (Decimal("0.00"), False)


def test_numeric_does_not_read_thousands_separators() -> None:
    assert not grade(numeric(answer="1000.5", tolerance="0"), "1,000.5").detail["understood"]


def test_numeric_handles_an_enormous_exponent_without_error() -> None:
    assert not grade(numeric(), "1e9999").correct


def test_numeric_accepts_a_number_object() -> None:
    assert normalise_response(numeric(), Decimal("12.5")) == "12.5"


def test_numeric_rejects_a_list() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(numeric(), [12.5])


def test_numeric_rejects_an_infinite_float() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(numeric(), float("inf"))


def test_numeric_rejects_a_huge_string() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(numeric(), HUGE)


def test_numeric_detail_shows_the_accepted_range() -> None:
    detail = grade(numeric(), "13").detail

    assert (detail["low"], detail["high"]) == ("12.4", "12.6")


def test_numeric_needs_a_number_as_answer() -> None:
    assert validate_question(numeric(answer="about 12")) == ["The answer must be a number, like 12.5."]


def test_numeric_needs_a_tolerance_of_zero_or_more() -> None:
    assert validate_question(numeric(tolerance="-1")) == ["The tolerance must be a number, zero or more."]


def test_numeric_needs_the_unit_it_requires() -> None:
    assert validate_question(numeric(unit="", unit_mode="required")) == [
        "A numeric question that requires a unit needs the unit."
    ]


# --- short_answer -----------------------------------------------------------------------------------


def test_short_answer_accepts_a_listed_answer_whatever_its_case_and_spacing() -> None:
    assert grade(short_answer(accepted=["New  York"]), "  new york ").correct


def test_short_answer_compares_unicode_in_composed_form() -> None:
    decomposed = unicodedata.normalize("NFD", "Orléans")

    assert grade(short_answer(accepted=["Orléans"]), decomposed).correct


def test_short_answer_refuses_an_answer_not_listed() -> None:
    assert not grade(short_answer(), "Lyon").correct


def test_short_answer_accepts_a_response_that_fully_matches_the_pattern() -> None:
    assert grade(short_answer(accepted=[], regex=r"colou?r"), "Colour").correct


def test_short_answer_refuses_a_response_that_only_partly_matches_the_pattern() -> None:
    assert not grade(short_answer(accepted=[], regex=r"colou?r"), "colours").correct


def test_short_answer_never_matches_a_pattern_against_a_response_over_a_thousand_characters() -> None:
    assert not grade(short_answer(accepted=[], regex=r"a+"), "a" * 1001).correct


def test_short_answer_treats_whitespace_as_blank() -> None:
    assert normalise_response(short_answer(), " \n ") is None


def test_short_answer_rejects_a_number() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(short_answer(), 42)


def test_short_answer_rejects_a_huge_string() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(short_answer(), HUGE)


def test_short_answer_needs_an_accepted_answer_or_a_pattern() -> None:
    assert validate_question(short_answer(accepted=[])) == [
        "A short-answer question needs at least one accepted answer or a pattern."
    ]


@pytest.mark.parametrize("pattern", [r"(a+)+b", r"(a|aa)*", r".*a.*b.*c", r"(x)\1"])
def test_short_answer_refuses_a_pattern_that_could_backtrack_for_long(pattern: str) -> None:
    assert validate_question(short_answer(regex=pattern))[0].startswith("The pattern could take too long to check.")


def test_short_answer_refuses_a_pattern_over_two_hundred_characters() -> None:
    assert validate_question(short_answer(regex="a" * 201)) == ["The pattern can be at most 200 characters long."]


def test_short_answer_refuses_a_pattern_that_does_not_compile() -> None:
    assert validate_question(short_answer(regex="(a"))[0].startswith("The pattern is not a valid regular expression")


def test_short_answer_allows_an_ordinary_pattern() -> None:
    assert validate_question(short_answer(regex=r"(the )?(big|small) (cat|dog)s?|.*cat.*")) == []


def test_short_answer_matches_a_pattern_against_the_response_with_whitespace_collapsed() -> None:
    assert grade(short_answer(accepted=[], regex=r"the (cat|dog)"), "  The \n  Dog ").correct


# --- fill_blanks ------------------------------------------------------------------------------------


def test_fill_blanks_gives_full_points_when_every_blank_is_right() -> None:
    assert grade(fill_blanks(), {"temp": "One Hundred", "where": "sea"}).correct


def test_fill_blanks_gives_an_equal_share_for_each_right_blank() -> None:
    assert grade(fill_blanks(), {"temp": "100", "where": "mountain"}).score == Decimal("1.00")


def test_fill_blanks_scores_a_missing_blank_as_wrong() -> None:
    assert grade(fill_blanks(), {"where": "sea"}).score == Decimal("1.00")


def test_fill_blanks_treats_all_empty_blanks_as_blank() -> None:
    assert normalise_response(fill_blanks(), {"temp": " ", "where": None}) is None


def test_fill_blanks_detail_shows_each_blank() -> None:
    assert grade(fill_blanks(), {"temp": "90"}).detail["blanks"]["temp"] == {
        "response": "90",
        "correct": False,
        "accepted": ["100", "one hundred"],
    }


def test_fill_blanks_rejects_an_unknown_blank_id() -> None:
    with pytest.raises(MalformedResponse, match="Unknown blank “depth”"):
        normalise_response(fill_blanks(), {"depth": "5"})


def test_fill_blanks_rejects_a_value_that_is_not_text() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(fill_blanks(), {"temp": 100})


def test_fill_blanks_rejects_a_list() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(fill_blanks(), ["100", "sea"])


def test_fill_blanks_rejects_a_huge_value() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(fill_blanks(), {"temp": HUGE})


def test_fill_blanks_needs_every_blank_in_the_text() -> None:
    assert validate_question(fill_blanks(text="Water boils at [[temp]] degrees.")) == [
        "Blank “where” must appear exactly once in the text, as [[where]]."
    ]


def test_fill_blanks_needs_every_placeholder_defined() -> None:
    assert validate_question(fill_blanks(text="[[temp]] [[where]] [[when]]")) == [
        "The text has a blank [[when]] that is not defined."
    ]


def test_fill_blanks_needs_an_accepted_answer_for_every_blank() -> None:
    question = fill_blanks()
    question["blanks"][1]["accepted"] = []

    assert validate_question(question) == ["Blank “where” needs at least one accepted answer."]


# --- matching ---------------------------------------------------------------------------------------


def test_matching_gives_full_points_when_every_pair_is_matched() -> None:
    assert grade(matching(), {"fr": "fr", "it": "it", "jp": "jp"}).correct


def test_matching_gives_a_share_for_each_right_pair() -> None:
    assert grade(matching(), {"fr": "fr", "it": "jp", "jp": "it"}).score == Decimal("1.00")


def test_matching_scores_an_extra_right_hand_option_as_wrong() -> None:
    assert grade(matching(), {"fr": "extra", "it": "it", "jp": "jp"}).score == Decimal("2.00")


def test_matching_accepts_either_pair_when_two_right_hand_texts_are_equal() -> None:
    question = matching(
        pairs=[
            {"id": "paris", "left": "Paris", "right": "France"},
            {"id": "lyon", "left": "Lyon", "right": "France"},
            {"id": "rome", "left": "Rome", "right": "Italy"},
        ]
    )

    assert grade(question, {"paris": "lyon", "lyon": "paris", "rome": "rome"}).correct


def test_matching_skips_unanswered_pairs_when_normalising() -> None:
    assert normalise_response(matching(), {"fr": "fr", "it": "", "jp": None}) == {"fr": "fr"}


def test_matching_rejects_an_unknown_left_pair() -> None:
    with pytest.raises(MalformedResponse, match="Unknown pair “de”"):
        normalise_response(matching(), {"de": "fr"})


def test_matching_rejects_an_extra_option_as_a_left_pair() -> None:
    with pytest.raises(MalformedResponse, match="Unknown pair “extra”"):
        normalise_response(matching(), {"extra": "fr"})


def test_matching_rejects_an_unknown_right_pair() -> None:
    with pytest.raises(MalformedResponse, match="Unknown pair “de”"):
        normalise_response(matching(), {"fr": "de"})


def test_matching_rejects_a_list() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(matching(), ["fr"])


def test_matching_rejects_a_huge_right_id() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(matching(), {"fr": HUGE})


def test_matching_needs_two_pairs() -> None:
    question = matching(pairs=[{"id": "a", "left": "A", "right": "1"}, {"id": "b", "left": "", "right": "2"}])

    assert validate_question(question) == ["A matching question needs at least two pairs."]


# --- ordering ---------------------------------------------------------------------------------------


def test_ordering_gives_full_points_for_the_exact_order() -> None:
    assert grade(ordering(), ["mercury", "venus", "earth"]).correct


def test_ordering_gives_a_share_for_each_item_in_its_place() -> None:
    assert grade(ordering(), ["earth", "venus", "mercury"]).score == Decimal("1.00")


def test_ordering_gives_nothing_when_no_item_is_in_its_place() -> None:
    assert grade(ordering(), ["venus", "earth", "mercury"]).score == Decimal("0.00")


def test_ordering_rejects_an_order_that_leaves_an_item_out() -> None:
    with pytest.raises(MalformedResponse, match="must list every item once"):
        normalise_response(ordering(), ["mercury", "venus"])


def test_ordering_rejects_an_item_sent_twice() -> None:
    with pytest.raises(MalformedResponse, match="Item “venus” was sent twice"):
        normalise_response(ordering(), ["mercury", "venus", "venus"])


def test_ordering_rejects_an_unknown_item() -> None:
    with pytest.raises(MalformedResponse, match="Unknown item “mars”"):
        normalise_response(ordering(), ["mercury", "venus", "mars"])


def test_ordering_needs_two_items() -> None:
    assert validate_question(ordering(items=[{"id": "a", "text": "A"}])) == [
        "An ordering question needs at least two items."
    ]


def test_ordering_items_cannot_share_a_text() -> None:
    question = ordering()
    question["items"][2]["text"] = "venus"

    assert validate_question(question) == ["Two items have the same text: “venus”."]


# --- essay ------------------------------------------------------------------------------------------


def test_essay_is_marked_by_hand() -> None:
    result = grade(essay(), "Light scatters off air molecules.")

    assert (result.score, result.needs_manual, result.correct) == (Decimal("0.00"), True, False)


def test_essay_detail_counts_words_without_html_tags() -> None:
    assert grade(essay(), "<p>Blue light</p><p>scatters&nbsp;more.</p>").detail["word_count"] == 4


def test_essay_detail_flags_an_essay_over_the_word_limit() -> None:
    assert grade(essay(), "word " * 11).detail["too_long"]


def test_essay_detail_flags_an_essay_under_the_word_limit() -> None:
    assert grade(essay(), "Too short").detail["too_short"]


def test_essay_accepts_more_than_ten_thousand_characters() -> None:
    assert normalise_response(essay(max_words=0), "word " * 4000) == ("word " * 4000).strip()


def test_essay_rejects_a_number() -> None:
    with pytest.raises(MalformedResponse):
        normalise_response(essay(), 3)


def test_essay_word_limits_must_be_in_order() -> None:
    assert validate_question(essay(min_words=20, max_words=10)) == [
        "The minimum number of words cannot be above the maximum."
    ]


# --- grade_attempt ----------------------------------------------------------------------------------


def keyed(key: str, question: dict[str, Any]) -> dict[str, Any]:
    return question | {"key": key}


def test_an_attempt_adds_up_the_scores_of_its_questions() -> None:
    attempt = grade_attempt(
        [keyed("q1", single_choice()), keyed("q2", multiple_response())],
        {"q1": "jupiter", "q2": ["jupiter"]},
    )

    assert (attempt.score, attempt.max_score, attempt.percent) == (Decimal("4.00"), Decimal("6.00"), Decimal("66.67"))


def test_an_attempt_scores_an_unanswered_question_as_zero() -> None:
    attempt = grade_attempt([keyed("q1", single_choice()), keyed("q2", true_false())], {"q1": "jupiter"})

    assert attempt.results["q2"].score == Decimal("0.00")


def test_an_attempt_with_an_essay_needs_manual_grading() -> None:
    attempt = grade_attempt([keyed("q1", single_choice()), keyed("q2", essay())], {})

    assert attempt.needs_manual


def test_an_attempt_without_an_essay_needs_no_manual_grading() -> None:
    assert not grade_attempt([keyed("q1", single_choice())], {}).needs_manual


def test_an_attempt_rejects_an_answer_to_an_unknown_question() -> None:
    with pytest.raises(MalformedResponse) as raised:
        grade_attempt([keyed("q1", single_choice())], {"q9": "jupiter"})

    assert raised.value.question_key == "q9"


def test_an_attempt_names_the_question_of_a_malformed_response() -> None:
    with pytest.raises(MalformedResponse) as raised:
        grade_attempt([keyed("q1", single_choice()), keyed("q2", ordering())], {"q2": ["earth"]})

    assert raised.value.question_key == "q2"


def test_an_attempt_needs_a_key_on_every_question() -> None:
    with pytest.raises(InvalidQuestion):
        grade_attempt([single_choice()], {})


def test_an_attempt_refuses_two_questions_with_the_same_key() -> None:
    with pytest.raises(InvalidQuestion):
        grade_attempt([keyed("q1", single_choice()), keyed("q1", true_false())], {})


# --- drafts while studying, whole answers at submit ------------------------------------------------------------


def test_a_draft_ordering_keeps_the_positions_chosen_so_far():
    assert read_draft(ordering(), {"venus": "1", "earth": ""}) == {"venus": 1}


def test_a_draft_ordering_that_places_every_item_once_reads_as_the_order():
    assert read_draft(ordering(), {"venus": "2", "earth": "3", "mercury": "1"}) == ["mercury", "venus", "earth"]


def test_a_draft_ordering_reads_the_same_twice():
    draft = read_draft(ordering(), {"venus": 2, "earth": 2})
    assert read_draft(ordering(), draft) == draft == {"venus": 2, "earth": 2}


@pytest.mark.parametrize("position", ["0", "4", "x", True], ids=["zero", "past the end", "text", "boolean"])
def test_a_draft_ordering_position_outside_the_items_is_malformed(position):
    with pytest.raises(MalformedResponse):
        read_draft(ordering(), {"venus": position})


def test_a_draft_ordering_naming_an_unknown_item_is_malformed():
    with pytest.raises(MalformedResponse):
        read_draft(ordering(), {"pluto": 1})


def test_submitting_a_draft_ordering_with_an_item_left_out_asks_for_every_position():
    with pytest.raises(IncompleteAnswer) as incomplete:
        read_final(ordering(), {"venus": 1})
    assert incomplete.value.message == _("Give every item a position.")


def test_submitting_a_draft_ordering_with_a_shared_position_asks_for_different_positions():
    with pytest.raises(IncompleteAnswer) as incomplete:
        read_final(ordering(), {"venus": 1, "earth": 1, "mercury": 2})
    assert incomplete.value.message == _("Give each item a different position.")


def test_a_blank_answer_is_whole_at_submit():
    assert read_final(ordering(), None) is None


def test_a_draft_ordering_graded_at_the_deadline_scores_the_items_it_placed_right():
    result = grade(ordering(), {"mercury": 1, "venus": 3})
    assert result.score == Decimal("1.00")
    assert result.detail["order"] == ["mercury", None, "venus"]
