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


def test_a_broken_question_does_not_stop_the_good_ones() -> None:
    report = import_gift((SAMPLES / "broken.gift").read_text())

    assert (len(report.entries), len(report.questions)) == (9, 8)


def test_the_broken_question_is_listed_in_file_order_with_its_title() -> None:
    entry = import_gift((SAMPLES / "broken.gift").read_text()).entries[5]

    assert (entry.line, entry.title, entry.broken, entry.question) == (12, "Broken", True, None)


def test_every_broken_question_in_a_file_is_reported() -> None:
    text = "Q1 {=a ~b\n\nQ2 {~a ~b}\n\nQ3 {=}\n\nQ4 {#five}\n\nQ5 {=x ~y}"

    assert (error_lines(text), len(import_gift(text).questions)) == ([1, 3, 5, 7], 1)


def test_each_question_is_listed_with_what_it_is_in_the_file() -> None:
    report = import_gift((SAMPLES / "every_type.gift").read_text())

    assert [entry.kind for entry in report.entries] == [
        "multiple_choice",
        "missing_word",
        "multiple_choice",
        "true_false",
        "true_false",
        "short_answer",
        "missing_word",
        "matching",
        "numerical",
        "numerical",
        "numerical",
        "essay",
    ]


# --- structure: titles, comments, categories, escapes, formats, lines ---------------------------


def test_a_title_between_double_colons_becomes_the_title() -> None:
    assert only("::Capital::What is the capital of France?{=Paris}")["title"] == "Capital"


def test_comment_lines_are_ignored_even_inside_the_answers() -> None:
    question = only("// heading\nPick one.{\n// not an answer\n=a\n~b}")

    assert [c["text"] for c in question["choices"]] == ["a", "b"]


def test_category_lines_import_without_error() -> None:
    report = import_gift("$CATEGORY: $course$/top/Planets\n\nPick one.{=a ~b}")

    assert (report.errors, len(report.questions)) == ([], 1)


def test_a_category_applies_to_the_questions_after_it() -> None:
    report = import_gift("Q1{T}\n\n$CATEGORY: tom/dick/harry\n\nQ2{T}\n\nQ3{F}\n\n$CATEGORY: other\nQ4{T}")

    assert [entry.category for entry in report.entries] == ["", "tom/dick/harry", "tom/dick/harry", "other"]


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


def test_moodle_format_text_is_kept_as_written() -> None:
    assert only("[moodle]Is <i>this</i> right?{T}")["prompt"] == "Is <i>this</i> right?"


def test_a_question_without_a_title_is_listed_by_the_start_of_its_text() -> None:
    entry = import_gift("Which planet is the largest of all?{=Jupiter ~Mars}").entries[0]

    assert (entry.title, entry.label) == ("", "Which planet is the largest of all?")


def test_private_use_characters_break_only_their_own_question() -> None:
    report = import_gift("Pick one.{=a ~b}\n\nBad \ue001 line.{=a ~b}")

    assert (error_lines("Pick one.{=a ~b}\n\nBad \ue001 line.{=a ~b}"), len(report.questions)) == ([3], 1)


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


def test_unequal_positive_weights_import_as_equal_shares_with_a_note() -> None:
    report = import_gift("Which are even?{~%70%2 ~%30%4 ~%-100%3}")

    assert [c["correct"] for c in report.questions[0]["choices"]] == [True, True, False]
    assert [w.message for w in report.warnings] == [
        "Each right answer of a multiple-response question here is worth the same share (1/2 of the points); "
        "the file's weights of right answers are not kept."
    ]


def test_moodles_documented_multiple_answer_example_imports() -> None:
    question = only(
        "What two people are entombed in Grant's tomb? {\n   ~%-100%No one\n   ~%50%Grant\n"
        "   ~%50%Grant's wife\n   ~%-100%Grant's father\n}"
    )

    assert (question["type"], [c["correct"] for c in question["choices"]]) == (
        "multiple_response",
        [False, True, True, False],
    )


def test_partial_credit_next_to_one_right_answer_imports_with_a_note() -> None:
    report = import_gift("Hard.{~wrong ~%50%half =full}")

    assert [c["correct"] for c in report.questions[0]["choices"]] == [False, False, True]
    assert [w.message for w in report.warnings] == [
        "“half” gives 50% of the points in the file; a single-choice question here gives credit for its right "
        "answer only, so this answer gives none."
    ]


def test_negative_weights_on_a_single_choice_question_are_noted() -> None:
    report = import_gift("Pick one.{=a ~%-50%b}")

    assert [w.message for w in report.warnings] == ["Negative weights are not kept: a wrong single choice scores 0."]


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


def test_moodles_documented_feedback_example_keeps_feedback_per_answer() -> None:
    question = only(
        "What's between orange and green in the spectrum?\n"
        "{ =yellow # right; good! ~red # wrong, it's yellow ~blue # wrong, it's yellow }"
    )

    assert [(c["text"], c["correct"], c["feedback"]) for c in question["choices"]] == [
        ("yellow", True, "right; good!"),
        ("red", False, "wrong, it's yellow"),
        ("blue", False, "wrong, it's yellow"),
    ]


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


def test_partial_credit_for_a_short_answer_is_left_out_with_a_note() -> None:
    report = import_gift("From where?{=Nazareth =%75%Nazereth}")

    assert report.questions[0]["accepted"] == ["Nazareth"]
    assert [w.message for w in report.warnings] == [
        "“Nazereth” gives 75% of the points in the file; answers here are right or wrong, so it is not accepted."
    ]


def test_short_answers_that_all_give_partial_credit_accept_the_best_ones() -> None:
    report = import_gift("Name one.{=%50%a =%50%b =%25%c}")

    assert report.questions[0]["accepted"] == ["a", "b"]


def test_moodles_documented_short_answer_example_imports() -> None:
    question = only("Who's buried in Grant's tomb?{=Grant =Ulysses S. Grant =Ulysses Grant}")

    assert question["accepted"] == ["Grant", "Ulysses S. Grant", "Ulysses Grant"]


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


def test_moodles_documented_matching_example_imports() -> None:
    question = only(
        "Match the following countries with their corresponding capitals. {\n"
        "   =Canada -> Ottawa\n   =Italy  -> Rome\n   =Japan  -> Tokyo\n   =India  -> New Delhi\n   }"
    )

    assert [(p["left"], p["right"]) for p in question["pairs"]] == [
        ("Canada", "Ottawa"),
        ("Italy", "Rome"),
        ("Japan", "Tokyo"),
        ("India", "New Delhi"),
    ]


def test_weights_and_feedback_on_matching_pairs_are_noted_and_left_out() -> None:
    report = import_gift("Match.{=%50%a -> 1 =b -> 2#well done}")

    assert (report.questions[0]["pairs"][0]["left"], [w.message for w in report.warnings]) == (
        "a",
        ["Matching pairs have no weights here; the weight is ignored.", "Feedback on a matching pair is not kept."],
    )


def test_a_matching_question_with_one_pair_is_broken() -> None:
    assert messages("Match.{=a -> 1 = -> 2}") == ["A matching question needs at least two pairs."]


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


def test_a_weighted_numeric_question_imports_its_full_credit_answer() -> None:
    question = only("What is 3?{#=%50%2:0.5 =3:0}")

    assert (question["answer"], question["tolerance"]) == ("3", "0")


def test_the_partial_credit_numeric_answer_is_noted_on_its_line() -> None:
    report = import_gift("When was Grant born?{#\n=1822:0\n=%50%1822:2}")

    assert report.warnings == [
        ImportIssue(
            3,
            "“1822:2” gives 50% of the points in the file; numeric answers here are right or wrong, so it gives none.",
        )
    ]


def test_a_second_full_credit_numeric_answer_is_noted() -> None:
    report = import_gift("Square root of 9?{#=3 =-3}")

    assert (report.questions[0]["answer"], len(report.warnings)) == ("3", 1)


def test_numeric_answers_that_all_give_partial_credit_keep_the_best_one() -> None:
    question = import_gift("How many?{#=%50%2 =%75%3}").questions[0]

    assert question["answer"] == "3"


def test_feedback_for_wrong_numeric_answers_is_noted() -> None:
    report = import_gift("Pi?{#3.14:0.01#Good. ~#Try 3.14.}")

    assert [w.message for w in report.warnings] == [
        "Feedback for wrong numeric answers is not kept.",
        "Feedback on a numeric answer is not kept.",
    ]


def test_moodles_documented_numeric_tolerance_example_imports() -> None:
    question = only("When was Ulysses S. Grant born?{#1822:5}")

    assert (question["answer"], question["tolerance"]) == ("1822", "5")


def test_a_numeric_answer_that_gives_no_credit_is_a_warning() -> None:
    report = import_gift("When?{#=1822:0 =%0%1900}")

    assert (report.questions[0]["answer"], len(report.warnings)) == ("1822", 1)


def test_a_numeric_answer_that_is_not_a_number_is_an_error() -> None:
    assert messages("How many?{#eight}")[0].startswith("“eight” is not a number")


def test_a_backwards_numeric_range_is_an_error() -> None:
    assert messages("How many?{#5..1}")[0].startswith("“5..1” is not a number")


def test_moodles_documented_weighted_numeric_example_imports_its_full_credit_answer() -> None:
    report = import_gift(
        "When was Ulysses S. Grant born? {#\n"
        "    =1822:0      # Correct! Full credit.\n"
        "    =%50%1822:2  # He was born in 1822. Half credit for being close.\n"
        "}"
    )

    assert (report.errors, report.questions[0]["answer"], report.questions[0]["tolerance"]) == ([], "1822", "0")
    assert [w.line for w in report.warnings] == [2, 3]


def test_a_numeric_question_with_no_answer_giving_credit_is_broken() -> None:
    assert messages("How many?{#=%0%3}") == ["A numeric question needs an answer that gives credit."]


def test_a_weight_over_one_hundred_percent_is_broken() -> None:
    assert messages("Pick.{~%150%a ~b}") == ["A weight must be between -100% and 100%."]


# --- essay and unsupported items --------------------------------------------------------------------


def test_empty_braces_make_an_essay() -> None:
    question = only("Write about the sea.{}")

    assert (question["type"], question["min_words"], question["max_words"]) == ("essay", 0, 0)


def test_moodles_documented_essay_example_imports() -> None:
    assert only("Write a short biography of Dag Hammarskjöld. {}")["type"] == "essay"


def test_moodles_documented_title_example_keeps_equals_signs_in_the_question_text() -> None:
    question = only("::Q1:: 1+1=2 {T}")

    assert (question["title"], question["prompt"], question["correct"]) == ("Q1", "1+1=2", True)


def test_an_essay_keeps_its_general_feedback() -> None:
    assert only("Write about the sea.{####Mention tides.}")["explanation"] == "Mention tides."


def test_a_description_is_listed_but_not_imported() -> None:
    report = import_gift("Read this passage before the next questions.\n\nPick one.{=a ~b}")

    description = report.entries[0]
    assert (description.kind, description.ready, description.broken, len(report.questions)) == (
        "description",
        False,
        False,
        1,
    )


def test_a_description_says_why_it_is_not_imported() -> None:
    assert import_gift("You can use your pencil and paper for these next math questions.").warnings == [
        ImportIssue(
            1,
            "A description (text without answers) has no equivalent in a quiz here, so it is not imported; "
            "put the text in the quiz introduction or in a lesson.",
        )
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


def test_the_sample_with_every_type_survives_export_and_import() -> None:
    questions = import_gift((SAMPLES / "every_type.gift").read_text()).questions

    assert import_gift(export_gift(questions).text).questions == questions


def test_a_round_trip_keeps_the_title_of_every_question() -> None:
    exported = export_gift(ROUND_TRIP)

    assert [entry.title for entry in import_gift(exported.text).entries] == [q["title"] for q in ROUND_TRIP]


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
