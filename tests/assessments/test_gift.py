"""GIFT import and export: every construct that maps to our question types, and errors by line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from assessments.gift import ImportIssue, export_gift, import_gift
from assessments.grading import grade, validate_question

SAMPLES = Path(__file__).parent / "samples"


def only(text: str) -> dict[str, Any]:
    """The one question a GIFT snippet imports, asserting that it imports cleanly."""
    report = import_gift(text)
    assert report.errors == []
    assert len(report.questions) == 1
    return report.questions[0]


def error_lines(text: str) -> list[int]:
    return [issue.line for issue in import_gift(text).errors]


def messages(text: str) -> list[str]:
    return [issue.message for issue in import_gift(text).errors]


# --- the sample files -------------------------------------------------------------------------------


def test_the_sample_with_every_type_imports_without_errors_or_warnings() -> None:
    report = import_gift((SAMPLES / "every_type.gift").read_text())

    assert (report.errors, report.warnings) == ([], [])


def test_the_sample_with_every_type_holds_every_type_gift_can_carry() -> None:
    report = import_gift((SAMPLES / "every_type.gift").read_text())

    assert {q["type"] for q in report.questions} == {
        "single_choice",
        "multiple_response",
        "true_false",
        "short_answer",
        "fill_blanks",
        "matching",
        "numeric",
        "essay",
    }


def test_every_imported_question_is_valid() -> None:
    for sample in ("every_type.gift", "wild.gift"):
        for question in import_gift((SAMPLES / sample).read_text()).questions:
            assert validate_question(question) == []


def test_the_wild_sample_imports_with_one_warning() -> None:
    report = import_gift((SAMPLES / "wild.gift").read_text())

    assert (len(report.questions), report.errors, len(report.warnings)) == (6, [], 1)


def test_a_broken_question_is_reported_with_its_line_number() -> None:
    report = import_gift((SAMPLES / "broken.gift").read_text())

    assert report.errors == [ImportIssue(12, "The answers opened with “{” are not closed with “}”.")]


def test_a_file_with_an_error_imports_no_questions_at_all() -> None:
    assert import_gift((SAMPLES / "broken.gift").read_text()).questions == []


def test_every_error_in_a_file_is_reported() -> None:
    text = "Q1 {=a ~b\n\nQ2 {~%30%a ~%70%b ~c}\n\nQ3 {=}\n\nJust a description.\n\nQ5 {#five}"

    assert error_lines(text) == [1, 3, 5, 7, 9]


# --- structure: titles, comments, categories, escapes, formats, lines ---------------------------


def test_a_title_between_double_colons_becomes_the_title() -> None:
    assert only("::Capital::What is the capital of France?{=Paris}")["title"] == "Capital"


def test_comment_lines_are_ignored_even_inside_the_answers() -> None:
    question = only("// heading\nPick one.{\n// not an answer\n=a\n~b}")

    assert [c["text"] for c in question["choices"]] == ["a", "b"]


def test_category_lines_are_ignored_without_error() -> None:
    report = import_gift("$CATEGORY: $course$/top/Planets\n\nPick one.{=a ~b}")

    assert (report.errors, len(report.questions)) == ([], 1)


def test_escaped_control_characters_are_literal_text() -> None:
    question = only(r"What is 1 \= 1 \{really\}\: \~ \# \\?{=yes ~no}")

    assert question["prompt"] == "What is 1 = 1 {really}: ~ # \\?"


def test_an_escaped_newline_becomes_a_line_break() -> None:
    assert only(r"Line one\nline two{T}")["prompt"] == "Line one\nline two"


def test_a_question_can_run_over_several_lines() -> None:
    assert only("Which planet\nis largest?{\n=Jupiter\n~Mars\n}")["prompt"] == "Which planet\nis largest?"


def test_answer_feedback_can_run_over_several_lines() -> None:
    question = only("Pick one.{\n=a#well\n   done\n~b}")

    assert question["choices"][0]["feedback"] == "well done"


def test_html_text_is_kept_as_written() -> None:
    assert only("[html]Is <b>this</b> bold?{T}")["prompt"] == "Is <b>this</b> bold?"


def test_plain_text_is_escaped_to_html() -> None:
    assert only("[plain]Is 2 < 3?{T}")["prompt"] == "Is 2 &lt; 3?"


def test_markdown_text_is_converted_to_html() -> None:
    assert only("[markdown]Is **this** bold?{T}")["prompt"] == "<p>Is <strong>this</strong> bold?</p>"


def test_an_answer_can_carry_its_own_format_marker() -> None:
    question = only("[markdown]Pick one.{=[plain]a < b ~b}")

    assert question["choices"][0]["text"] == "a &lt; b"


def test_a_byte_order_mark_is_ignored() -> None:
    assert only("\ufeffThe sky is blue.{T}")["prompt"] == "The sky is blue."


def test_a_points_comment_sets_the_points() -> None:
    assert only("// points: 2.5\nPick one.{=a ~b}")["points"] == pytest.approx(2.5)


def test_a_question_is_worth_one_point_by_default() -> None:
    assert only("Pick one.{=a ~b}")["points"] == 1


# --- single_choice and multiple_response ---------------------------------------------------------


def test_one_right_answer_makes_a_single_choice_question() -> None:
    question = only("Who is buried here?{~Jefferson =no one ~Grant}")

    assert [(c["id"], c["text"], c["correct"]) for c in question["choices"]] == [
        ("c1", "Jefferson", False),
        ("c2", "no one", True),
        ("c3", "Grant", False),
    ]


def test_answer_feedback_follows_a_hash() -> None:
    question = only("Pick one.{=a#Well done. ~b#Not this one.}")

    assert [c["feedback"] for c in question["choices"]] == ["Well done.", "Not this one."]


def test_general_feedback_follows_four_hashes() -> None:
    assert only("Pick one.{=a ~b ####Because a.}")["explanation"] == "Because a."


def test_equal_positive_weights_make_a_multiple_response_question() -> None:
    question = only("Which are even?{~%50%2 ~%50%4 ~%-100%3}")

    assert (question["type"], [c["correct"] for c in question["choices"]]) == (
        "multiple_response",
        [True, True, False],
    )


def test_wrong_answer_weights_that_differ_from_ours_are_a_warning() -> None:
    report = import_gift("Which are even?{~%50%2 ~%50%4 ~3 ~5}")

    assert [w.message for w in report.warnings] == [
        "Each wrong choice ticked costs 1/2 of the points here; the weights of wrong answers in the file are not kept."
    ]


def test_unequal_positive_weights_are_an_error() -> None:
    assert messages("Which are even?{~%70%2 ~%30%4 ~3}")[0].startswith("Every right answer of a multiple-response")


def test_partial_credit_next_to_one_right_answer_is_an_error() -> None:
    assert messages("Hard.{~wrong ~%50%half =full}")[0].startswith("A question with one right answer cannot")


def test_a_single_full_weight_makes_a_single_choice_question() -> None:
    assert only("Pick one.{~%100%a ~b}")["type"] == "single_choice"


def test_choices_with_no_right_answer_are_an_error() -> None:
    assert messages("Pick one.{~a ~b}") == [
        "A multiple-choice question needs a right answer (“=” or a positive weight)."
    ]


def test_two_right_answers_in_a_single_choice_question_are_an_error() -> None:
    assert messages("Pick one.{=a =b ~c}") == ["A single-choice question needs exactly one correct answer."]


def test_a_malformed_weight_is_an_error() -> None:
    assert messages("Pick one.{=a ~%half%b}") == ["“%half%b” is not a weight; write one like %50%."]


# --- missing word -----------------------------------------------------------------------------------


def test_choices_in_the_middle_of_the_text_leave_a_blank_in_the_prompt() -> None:
    question = only("Grant is {~buried =entombed ~living} in Grant's tomb.")

    assert (question["type"], question["prompt"]) == ("single_choice", "Grant is _____ in Grant's tomb.")


def test_text_answers_in_the_middle_of_the_text_make_a_fill_blanks_question() -> None:
    question = only("Two plus two equals {=four =4}.")

    assert (question["text"], question["blanks"]) == (
        "Two plus two equals [[b1]].",
        [{"id": "b1", "accepted": ["four", "4"]}],
    )


# --- true_false -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("answer", "correct"), [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)])
def test_true_false_answers_are_read_in_every_spelling(answer: str, correct: bool) -> None:
    assert only(f"The sun rises in the east.{{{answer}}}")["correct"] is correct


def test_true_false_feedback_is_given_for_the_wrong_then_the_right_answer() -> None:
    question = only("The sun rises in the east.{T#It rises in the east.#Yes.}")

    assert (question["feedback_true"], question["feedback_false"]) == ("Yes.", "It rises in the east.")


def test_true_false_feedback_on_a_false_statement_belongs_to_the_answer_true() -> None:
    question = only("Grant is buried in Grant's tomb.{FALSE#No one is buried there.}")

    assert (question["feedback_true"], question["feedback_false"]) == ("No one is buried there.", "")


# --- short_answer -----------------------------------------------------------------------------------


def test_answers_that_all_start_with_an_equals_sign_make_a_short_answer_question() -> None:
    question = only("Who is buried in Grant's tomb?{=no one =nobody}")

    assert (question["type"], question["accepted"]) == ("short_answer", ["no one", "nobody"])


def test_feedback_on_a_short_answer_is_a_warning() -> None:
    report = import_gift("Who?{=no one#excellent!}")

    assert [w.message for w in report.warnings] == ["Feedback on the answer “no one” is not kept."]


def test_partial_credit_for_a_short_answer_is_an_error() -> None:
    assert messages("From where?{=Nazareth =%75%Nazereth}") == [
        "Partial credit for a text answer (“Nazereth”) cannot be kept; accept it fully or remove it."
    ]


def test_an_answer_without_a_marker_is_an_error() -> None:
    assert messages("Capital of France?{Paris}") == ["Each answer must start with “=” or “~”."]


# --- matching ---------------------------------------------------------------------------------------


def test_arrows_make_a_matching_question() -> None:
    question = only("Match the capitals.{\n=Canada -> Ottawa\n=Italy->Rome\n=Japan  -> Tokyo\n}")

    assert question["pairs"] == [
        {"id": "p1", "left": "Canada", "right": "Ottawa"},
        {"id": "p2", "left": "Italy", "right": "Rome"},
        {"id": "p3", "left": "Japan", "right": "Tokyo"},
    ]


def test_a_pair_without_a_left_side_is_an_extra_right_hand_option() -> None:
    question = only("Match.{=a -> 1 =b -> 2 = -> 3}")

    assert question["pairs"][2] == {"id": "p3", "left": "", "right": "3"}


def test_a_matching_line_without_an_arrow_is_an_error_on_its_line() -> None:
    assert error_lines("Match.{\n=a -> 1\n=b -> 2\n=c 3\n}") == [4]


# --- numeric ----------------------------------------------------------------------------------------


def test_a_hash_makes_a_numeric_question_with_an_exact_answer() -> None:
    question = only("When was Grant born?{#1822}")

    assert (question["answer"], question["tolerance"]) == ("1822", "0")


def test_a_colon_gives_the_numeric_tolerance() -> None:
    question = only("Pi to three places?{#3.1415:0.0005}")

    assert (question["answer"], question["tolerance"], question["tolerance_kind"]) == ("3.1415", "0.0005", "absolute")


def test_a_numeric_range_becomes_its_midpoint_and_half_width() -> None:
    question = only("Pi to three places?{#3.141..3.142}")

    assert (question["answer"], question["tolerance"]) == ("3.1415", "0.0005")


def test_a_numeric_range_accepts_both_of_its_ends() -> None:
    question = only("Between one and five?{#1..5}")

    assert [grade(question, raw).correct for raw in ("1", "5", "5.01")] == [True, True, False]


def test_a_numeric_answer_written_with_an_equals_sign_imports() -> None:
    assert only("How many?{#=8:0.5}")["answer"] == "8"


def test_several_numeric_answers_with_partial_credit_are_an_error() -> None:
    assert error_lines("When was Grant born?{#\n=1822:0\n=%50%1822:2}") == [3]


def test_a_numeric_answer_that_gives_no_credit_is_a_warning() -> None:
    report = import_gift("When?{#=1822:0 =%0%1900}")

    assert (report.questions[0]["answer"], len(report.warnings)) == ("1822", 1)


def test_a_numeric_answer_that_is_not_a_number_is_an_error() -> None:
    assert messages("How many?{#eight}")[0].startswith("“eight” is not a number")


def test_a_backwards_numeric_range_is_an_error() -> None:
    assert messages("How many?{#5..1}")[0].startswith("“5..1” is not a number")


# --- essay and unsupported items --------------------------------------------------------------------


def test_empty_braces_make_an_essay() -> None:
    question = only("Write about the sea.{}")

    assert (question["type"], question["min_words"], question["max_words"]) == ("essay", 0, 0)


def test_an_essay_keeps_its_general_feedback() -> None:
    assert only("Write about the sea.{####Mention tides.}")["explanation"] == "Mention tides."


def test_a_description_without_answers_is_an_error() -> None:
    assert messages("Read this passage before the next questions.") == [
        "This question has no answers in braces; text-only descriptions are not supported."
    ]


def test_an_unclosed_title_is_an_error() -> None:
    assert messages("::Title without end\nPick one.{=a ~b}") == ["The title is not closed with “::”."]


def test_a_closing_brace_without_an_opening_one_is_an_error() -> None:
    assert error_lines("Pick one.\n=a ~b}") == [2]


def test_a_second_set_of_braces_is_an_error() -> None:
    assert messages("Pick {=a ~b} or {=c ~d}.")[0].startswith("A question has one set of answers in braces")


def test_an_unescaped_brace_inside_the_answers_is_an_error() -> None:
    assert messages("Pick one.{=a {b} ~c}") == ["A “{” inside the answers must be written as \\{."]


# --- export -----------------------------------------------------------------------------------------


ROUND_TRIP = [
    {
        "type": "single_choice",
        "title": "Largest: planet",
        "prompt": "Which planet is the <em>largest</em>?",
        "points": 2,
        "explanation": "It is a gas giant {really}.",
        "choices": [
            {"id": "c1", "text": "Mars", "correct": False, "feedback": "Too small = rocky."},
            {"id": "c2", "text": "Jupiter", "correct": True, "feedback": "Yes #1."},
            {"id": "c3", "text": "%50 of Venus", "correct": False, "feedback": ""},
        ],
    },
    {
        "type": "single_choice",
        "title": "",
        "prompt": "The Moon orbits the _____ about once a month.",
        "points": 1,
        "explanation": "",
        "choices": [
            {"id": "c1", "text": "Earth", "correct": True, "feedback": ""},
            {"id": "c2", "text": "Sun", "correct": False, "feedback": ""},
        ],
    },
    {
        "type": "multiple_response",
        "title": "",
        "prompt": "Which are gas giants?",
        "points": 1,
        "explanation": "",
        "choices": [
            {"id": "c1", "text": "Jupiter", "correct": True, "feedback": ""},
            {"id": "c2", "text": "Saturn", "correct": True, "feedback": ""},
            {"id": "c3", "text": "Uranus", "correct": True, "feedback": ""},
            {"id": "c4", "text": "Mars", "correct": False, "feedback": "Rocky."},
            {"id": "c5", "text": "Venus", "correct": False, "feedback": ""},
            {"id": "c6", "text": "Mercury", "correct": False, "feedback": ""},
        ],
    },
    {
        "type": "true_false",
        "title": "",
        "prompt": "Pluto is a major planet.",
        "points": 1,
        "explanation": "Demoted in 2006.",
        "correct": False,
        "feedback_true": "It was demoted.",
        "feedback_false": "",
    },
    {
        "type": "true_false",
        "title": "",
        "prompt": "The Sun is a star.\nA yellow one.",
        "points": 1,
        "explanation": "",
        "correct": True,
        "feedback_true": "",
        "feedback_false": "",
    },
    {
        "type": "numeric",
        "title": "",
        "prompt": "How many planets?",
        "points": 1,
        "explanation": "",
        "answer": "-8.5",
        "tolerance": "0.25",
        "tolerance_kind": "absolute",
        "unit": "",
        "unit_mode": "ignored",
    },
    {
        "type": "short_answer",
        "title": "",
        "prompt": "Name the red planet.",
        "points": 1,
        "explanation": "",
        "accepted": ["Mars", "the planet Mars", "%red%"],
        "regex": "",
    },
    {
        "type": "fill_blanks",
        "title": "",
        "prompt": "",
        "points": 1,
        "explanation": "",
        "text": "Light takes about [[b1]] minutes to arrive.",
        "blanks": [{"id": "b1", "accepted": ["eight", "8"]}],
    },
    {
        "type": "matching",
        "title": "",
        "prompt": "Match each planet with a feature.",
        "points": 1,
        "explanation": "",
        "pairs": [
            {"id": "p1", "left": "Saturn", "right": "rings"},
            {"id": "p2", "left": "Mars", "right": "Olympus Mons"},
            {"id": "p3", "left": "", "right": "a red spot"},
        ],
    },
    {
        "type": "essay",
        "title": "",
        "prompt": "// Describe one way we know Earth is round.",
        "points": 5,
        "explanation": "",
        "min_words": 0,
        "max_words": 0,
    },
]


def test_exporting_then_importing_gives_the_same_questions() -> None:
    exported = export_gift(ROUND_TRIP)

    assert import_gift(exported.text).questions == ROUND_TRIP


def test_the_exported_text_imports_without_warnings() -> None:
    assert import_gift(export_gift(ROUND_TRIP).text).warnings == []


def test_an_export_of_supported_questions_skips_none() -> None:
    assert export_gift(ROUND_TRIP).skipped == []


def test_an_ordering_question_is_skipped_with_a_comment() -> None:
    ordering = {
        "type": "ordering",
        "prompt": "Order them.",
        "points": 1,
        "items": [{"id": "a", "text": "A"}, {"id": "b", "text": "B"}],
    }

    exported = export_gift([ROUND_TRIP[0], ordering])

    assert (exported.skipped, exported.text.splitlines()[-1]) == (
        [1],
        "// skipped: question 2 (ordering): GIFT has no ordering questions.",
    )


def test_a_fill_blanks_question_with_several_blanks_is_skipped() -> None:
    several = {
        "type": "fill_blanks",
        "prompt": "",
        "points": 1,
        "text": "[[a]] and [[b]]",
        "blanks": [{"id": "a", "accepted": ["x"]}, {"id": "b", "accepted": ["y"]}],
    }

    assert export_gift([several]).skipped == [0]


@pytest.mark.parametrize(
    "changes",
    [
        {"type": "numeric", "answer": "1", "tolerance": "0", "unit": "kg", "unit_mode": "required"},
        {"type": "short_answer", "accepted": [], "regex": "colou?r"},
        {"type": "essay", "min_words": 10, "max_words": 0},
    ],
)
def test_a_question_with_rules_gift_cannot_hold_is_skipped(changes: dict[str, Any]) -> None:
    question = {"prompt": "Q?", "points": 1, "explanation": ""} | changes

    assert export_gift([question]).skipped == [0]


def test_a_percentage_tolerance_is_exported_as_the_same_absolute_range() -> None:
    question = {
        "type": "numeric",
        "prompt": "How far?",
        "points": 1,
        "answer": "200",
        "tolerance": "5",
        "tolerance_kind": "percent",
        "unit": "",
        "unit_mode": "ignored",
    }

    assert only(export_gift([question]).text)["tolerance"] == "10"
