"""Aiken import: single-choice questions written as plain text.

    What is the capital of France?
    A) Lyon
    B. Paris
    ANSWER: B

The question text may run over several lines; each choice is one line, a capital letter in order (A, B, C,
...), then `)` or `.`, a space and the text; `ANSWER: X` ends the question. Blank lines between questions
are optional. Aiken text is plain, so it is escaped into HTML. As with GIFT, each question is read on its own:
a broken one is reported with its line and reason, and the others are ready to import.
"""

from __future__ import annotations

import re

from assessments.grading import validate_question
from assessments.i18n import _
from assessments.importing.report import ImportReport, ParsedQuestion
from assessments.question_types.single_choice import SingleChoice

_CHOICE_RE = re.compile(r"([A-Z])[.)][ \t]+(.*)")
_ANSWER_RE = re.compile(r"ANSWER\s*:\s*(.*)", re.IGNORECASE)


class _Question:
    """The lines of one question read so far, and what is wrong with them."""

    def __init__(self, line: int) -> None:
        self.entry = ParsedQuestion(line=line, kind="multiple_choice")
        self.prompt: list[str] = []
        self.choices: list[str] = []

    def finish(self, letter: str, line: int) -> ParsedQuestion:
        entry = self.entry
        entry.text = " ".join(self.prompt)
        letters = [chr(ord("A") + index) for index in range(len(self.choices))]
        if letter not in letters:
            entry.error(
                line,
                _("The answer “%(letter)s” is not one of the choices %(letters)s.")
                % {"letter": letter, "letters": ", ".join(letters)},
            )
        if entry.broken:
            return entry
        question = SingleChoice.from_aiken(prompt=self.prompt, choices=self.choices, right=letters.index(letter))
        for problem in validate_question(question):
            entry.error(entry.line, problem)
        entry.question = None if entry.broken else question
        return entry


class AikenReader:
    """Reads Aiken text line by line into one entry per question."""

    def __init__(self) -> None:
        self.entries: list[ParsedQuestion] = []
        self.current: _Question | None = None

    def read(self, text: str) -> ImportReport:
        for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
            line = raw.strip()
            if line:
                self._line(number, line)
        if self.current is not None:
            self._unfinished()
        return ImportReport(self.entries)

    def _line(self, number: int, line: str) -> None:
        answer = _ANSWER_RE.fullmatch(line)
        choice = _CHOICE_RE.fullmatch(line)
        if answer:
            self._answer(number, answer[1].strip())
        elif choice and self.current is not None and (self.current.choices or self.current.prompt):
            self._choice(number, choice[1], choice[2].strip())
        elif choice:
            self._orphan(number, line, _("A choice comes before its question text."))
        elif self.current is not None and self.current.choices:
            self._unfinished()
            self._prompt(number, line)
        else:
            self._prompt(number, line)

    def _prompt(self, number: int, line: str) -> None:
        self.current = self.current or _Question(number)
        self.current.prompt.append(line)

    def _choice(self, number: int, letter: str, text: str) -> None:
        assert self.current is not None
        expected = chr(ord("A") + len(self.current.choices))
        if letter != expected:
            self.current.entry.error(
                number, _("Choice %(got)s should be choice %(expected)s.") % {"got": letter, "expected": expected}
            )
        self.current.choices.append(text)

    def _answer(self, number: int, letter: str) -> None:
        if self.current is None or not self.current.choices:
            self._orphan(number, f"ANSWER: {letter}", _("“ANSWER:” comes before the question and its choices."))
        else:
            self.entries.append(self.current.finish(letter, number))
        self.current = None

    def _unfinished(self) -> None:
        assert self.current is not None
        entry = self.current.entry
        entry.text = " ".join(self.current.prompt)
        entry.error(entry.line, _("This question has no “ANSWER:” line."))
        self.entries.append(entry)
        self.current = None

    def _orphan(self, number: int, line: str, message: str) -> None:
        if self.current is not None and not self.current.choices:
            entry = self.current.entry
            entry.text = " ".join(self.current.prompt)
            self.current = None
        else:
            entry = ParsedQuestion(line=number, kind="unknown", text=line)
        entry.error(number, message)
        self.entries.append(entry)


def import_aiken(text: str) -> ImportReport:
    """Read Aiken text question by question: each one ready to save, or broken with its lines and reasons."""
    return AikenReader().read(text)
