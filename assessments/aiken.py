"""Aiken import: single-choice questions written as plain text.

    What is the capital of France?
    A) Lyon
    B. Paris
    ANSWER: B

The question text may run over several lines; each choice is one line, a capital letter in order (A, B, C,
...), then `)` or `.`, a space and the text; `ANSWER: X` ends the question. Blank lines between questions
are optional. Aiken text is plain, so it is escaped into HTML. As with GIFT, any error leaves the report
without questions.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from assessments.gift import ImportIssue, ImportReport
from assessments.grading import validate_question
from assessments.i18n import _

_CHOICE_RE = re.compile(r"([A-Z])[.)][ \t]+(.*)")
_ANSWER_RE = re.compile(r"ANSWER\s*:\s*(.*)", re.IGNORECASE)


class _Question:
    def __init__(self, line: int) -> None:
        self.line = line
        self.prompt: list[str] = []
        self.choices: list[str] = []


def import_aiken(text: str) -> ImportReport:
    """Read Aiken text into single-choice question dicts, with every problem reported by line."""
    errors: list[ImportIssue] = []
    questions: list[dict[str, Any]] = []
    current: _Question | None = None

    def fail(line: int, message: str) -> None:
        errors.append(ImportIssue(line, message))

    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        answer = _ANSWER_RE.fullmatch(line)
        choice = _CHOICE_RE.fullmatch(line)
        if answer:
            if current is None or not current.choices:
                fail(number, _("“ANSWER:” comes before the question and its choices."))
            else:
                question = _finish(current, answer[1].strip(), number, fail)
                if question is not None:
                    questions.append(question)
            current = None
        elif choice and current is not None and (current.choices or current.prompt):
            expected = chr(ord("A") + len(current.choices))
            if choice[1] != expected:
                fail(
                    number,
                    _("Choice %(got)s should be choice %(expected)s.") % {"got": choice[1], "expected": expected},
                )
            current.choices.append(choice[2].strip())
        elif choice:
            fail(number, _("A choice comes before its question text."))
        elif current is not None and current.choices:
            fail(current.line, _("This question has no “ANSWER:” line."))
            current = _Question(number)
            current.prompt.append(line)
        else:
            current = current or _Question(number)
            current.prompt.append(line)
    if current is not None:
        fail(current.line, _("This question has no “ANSWER:” line."))
    return ImportReport.build(questions, errors, [])


def _finish(current: _Question, letter: str, line: int, fail: Callable[[int, str], None]) -> dict[str, Any] | None:
    letters = [chr(ord("A") + index) for index in range(len(current.choices))]
    if letter not in letters:
        fail(
            line,
            _("The answer “%(letter)s” is not one of the choices %(letters)s.")
            % {
                "letter": letter,
                "letters": ", ".join(letters),
            },
        )
        return None
    question: dict[str, Any] = {
        "type": "single_choice",
        "title": "",
        "prompt": html.escape("\n".join(current.prompt), quote=False),
        "points": 1,
        "explanation": "",
        "choices": [
            {
                "id": f"c{index}",
                "text": html.escape(text, quote=False),
                "correct": letters[index - 1] == letter,
                "feedback": "",
            }
            for index, text in enumerate(current.choices, start=1)
        ],
    }
    for problem in validate_question(question):
        fail(current.line, problem)
    return question
