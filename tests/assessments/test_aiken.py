"""Aiken import: single-choice questions, with errors by line."""

from __future__ import annotations

from pathlib import Path

from assessments.aiken import import_aiken
from assessments.gift import ImportIssue
from assessments.grading import validate_question

SAMPLES = Path(__file__).parent / "samples"


def test_the_sample_imports_every_question() -> None:
    report = import_aiken((SAMPLES / "aiken.txt").read_text())

    assert (report.errors, len(report.questions)) == ([], 3)


def test_every_imported_question_is_a_valid_single_choice_question() -> None:
    for question in import_aiken((SAMPLES / "aiken.txt").read_text()).questions:
        assert (question["type"], validate_question(question)) == ("single_choice", [])


def test_the_answer_letter_marks_the_correct_choice() -> None:
    question = import_aiken("Largest planet?\nA) Mars\nB) Jupiter\nANSWER: B").questions[0]

    assert [(c["id"], c["text"], c["correct"]) for c in question["choices"]] == [
        ("c1", "Mars", False),
        ("c2", "Jupiter", True),
    ]


def test_choices_can_be_lettered_with_a_full_stop() -> None:
    question = import_aiken("Largest planet?\nA. Mars\nB. Jupiter\nANSWER: A").questions[0]

    assert question["choices"][0]["correct"]


def test_the_question_text_can_run_over_several_lines() -> None:
    question = import_aiken("Which planet\nis largest?\nA) Mars\nB) Jupiter\nANSWER: B").questions[0]

    assert question["prompt"] == "Which planet\nis largest?"


def test_questions_need_no_blank_line_between_them() -> None:
    report = import_aiken("One?\nA) a\nB) b\nANSWER: A\nTwo?\nA) c\nB) d\nANSWER: B")

    assert [q["prompt"] for q in report.questions] == ["One?", "Two?"]


def test_plain_text_is_escaped_to_html() -> None:
    question = import_aiken("Is 2 < 3?\nA) <b>yes</b>\nB) no\nANSWER: A").questions[0]

    assert (question["prompt"], question["choices"][0]["text"]) == ("Is 2 &lt; 3?", "&lt;b&gt;yes&lt;/b&gt;")


def test_a_question_is_worth_one_point() -> None:
    assert import_aiken("One?\nA) a\nB) b\nANSWER: A").questions[0]["points"] == 1


def test_the_broken_sample_reports_every_error_by_line() -> None:
    report = import_aiken((SAMPLES / "aiken_broken.txt").read_text())

    assert report.errors == [
        ImportIssue(4, "The answer “C” is not one of the choices A, B."),
        ImportIssue(8, "Choice C should be choice B."),
        ImportIssue(11, "This question has no “ANSWER:” line."),
    ]


def test_the_good_question_of_a_broken_file_is_still_ready() -> None:
    report = import_aiken((SAMPLES / "aiken_broken.txt").read_text())

    assert [q["prompt"] for q in report.questions] == ["Which is a moon of Mars?"]


def test_every_question_of_a_broken_file_is_listed_with_its_first_line() -> None:
    report = import_aiken((SAMPLES / "aiken_broken.txt").read_text())

    assert [(entry.line, entry.broken) for entry in report.entries] == [
        (1, True),
        (6, True),
        (11, True),
        (15, False),
    ]


def test_a_broken_question_is_listed_by_its_text() -> None:
    entry = import_aiken("What is 2 + 2?\nA) 3\nB) 4\nANSWER: E").entries[0]

    assert (entry.label, entry.kind_label) == ("What is 2 + 2?", "Multiple choice")


def test_an_answer_line_before_any_choice_is_an_error() -> None:
    assert import_aiken("ANSWER: A").errors == [ImportIssue(1, "“ANSWER:” comes before the question and its choices.")]


def test_a_choice_before_any_question_text_is_an_error() -> None:
    assert import_aiken("A) orphan\nB) orphan too\nANSWER: A").errors[0] == ImportIssue(
        1, "A choice comes before its question text."
    )


def test_a_question_with_one_choice_is_an_error() -> None:
    assert import_aiken("One?\nA) only\nANSWER: A").errors == [ImportIssue(1, "A question needs at least two choices.")]


def test_a_question_cut_off_at_the_end_of_the_file_is_an_error() -> None:
    assert import_aiken("One?\nA) a\nB) b").errors == [ImportIssue(1, "This question has no “ANSWER:” line.")]


def test_two_identical_choices_are_an_error() -> None:
    assert import_aiken("One?\nA) same\nB) Same\nANSWER: A").errors == [
        ImportIssue(1, "Two choices have the same text: “Same”.")
    ]
