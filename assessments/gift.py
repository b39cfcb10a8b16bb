"""Moodle GIFT import and export for the question dicts of `assessments.grading`.

Import reads the whole GIFT format as Moodle documents it: `::title::`, `//` comment lines, `$CATEGORY:`
lines, `[html]`/`[moodle]`/`[plain]`/`[markdown]` format markers, the escapes `\\~ \\= \\# \\{ \\} \\: \\\\ \\n`,
`#` answer feedback and `####` general feedback, `%50%` weights (negative too) on any answer, questions and
answers over several lines. Questions are separated by blank lines. Each question is read on its own: a broken
one is reported with its line and reason and never stops the others. How GIFT maps to our types:

- `{=a ~b ~c}` → single_choice; `{~%50%a ~%50%b ~%-100%c}` (no `=`, several positive weights) →
  multiple_response.
- `{T}`, `{TRUE}`, `{F}`, `{FALSE}`, with `#wrong answer feedback#right answer feedback` → true_false.
- `{=a =b}` → short_answer; with text after the braces (missing word) → fill_blanks with one blank `[[b1]]`.
- `{=left -> right ...}` → matching (`= -> extra` adds an extra right-hand option).
- `{#5}`, `{#5:0.1}`, `{#4.9..5.1}`, `{#=5:0.1 =%50%5:1}` → numeric with an absolute tolerance.
- `{}` → essay.
- Choices, true/false, numeric, matching or essay with text after the braces keep a `_____` in the prompt
  where the braces were, as Moodle does.

What our types cannot hold is a note on the question, shown in the preview, never dropped in silence: partial
credit (our single-choice, short-answer and numeric questions are right or wrong), unequal multiple-response
weights, several right numeric answers, feedback on text and numeric answers. A description (text with no
answers) has no equivalent in a quiz here: it is listed, with the reason, and not imported.

Points: GIFT has none; every question is worth 1 unless a `// points: 2` comment line sits inside the
question's lines (our export writes one; Moodle ignores it as a comment).

Texts are kept as HTML: `[plain]` text is escaped and `[markdown]` converted; `[html]` and `[moodle]`
texts are kept as written. Sanitising them is the caller's job, as for any author HTML.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Any, NamedTuple

import markdown

from assessments.grading import validate_question
from assessments.i18n import _
from assessments.importing.report import ImportIssue, ImportReport, ParsedQuestion
from assessments.question_types import QuestionType, question_type
from assessments.question_types.base import GIFT_BLANK, GIFT_FULL, GiftAnswer
from assessments.question_types.common import InvalidQuestion
from assessments.question_types.numeric import finite_number
from assessments.question_types.registry import gift_reader

__all__ = ["GiftExport", "ImportIssue", "ImportReport", "ParsedQuestion", "export_gift", "import_gift"]

_ESCAPES = {"\\": "\ue000", "~": "\ue001", "=": "\ue002", "#": "\ue003", "{": "\ue004", "}": "\ue005", ":": "\ue006"}
_ESCAPED_NEWLINE = "\ue007"
_RESTORE = str.maketrans({v: k for k, v in _ESCAPES.items()} | {_ESCAPED_NEWLINE: "\n"})
_PRIVATE_RE = re.compile("[\ue000-\ue007]")
_FORMAT_RE = re.compile(r"\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_WEIGHT_RE = re.compile(r"\s*%(-?[0-9]+(?:\.[0-9]+)?)%")
_WEIGHT_LIKE_RE = re.compile(r"\s*%[^%\s]{0,12}%")
_POINTS_RE = re.compile(r"//\s*points:\s*([0-9][0-9.]*)\s*", re.IGNORECASE)
_CATEGORY = "$CATEGORY:"
_TAG_RE = re.compile(r"<[^>]*>")


class GiftExport(NamedTuple):
    text: str
    skipped: list[int]


# ---------------------------------------------------------------------------------------------------
# Import


def import_gift(text: str) -> ImportReport:
    """Read GIFT text question by question: each one ready to save, or broken with its lines and reasons."""
    tokenizer = GiftTokenizer(text.removeprefix("\ufeff"))
    return ImportReport([_QuestionReader(block).read() for block in tokenizer.blocks()])


@dataclass
class _Block:
    """One question's lines, joined, with escapes replaced by placeholders that no parsing step matches."""

    text: str
    lines: list[int]
    points: tuple[int, str] | None
    category: str
    problems: list[ImportIssue] = field(default_factory=list)

    @property
    def first_line(self) -> int:
        return self.lines[0]

    def line_at(self, index: int) -> int:
        return self.lines[max(0, min(index, len(self.lines) - 1))]


def _escape(line: str) -> str:
    out: list[str] = []
    index = 0
    while index < len(line):
        pair = line[index : index + 2]
        if pair == "\\n":
            out.append(_ESCAPED_NEWLINE)
            index += 2
        elif len(pair) == 2 and pair[0] == "\\" and pair[1] in _ESCAPES:
            out.append(_ESCAPES[pair[1]])
            index += 2
        else:
            out.append(line[index])
            index += 1
    return "".join(out)


class GiftTokenizer:
    """Cuts GIFT source into question blocks: blank lines end a question, `//` lines are comments (a
    `// points: N` comment sets the points of its question), and a `$CATEGORY:` line names the category of
    the questions after it."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.category = ""
        self._lines: list[tuple[int, str]] = []
        self._points: tuple[int, str] | None = None
        self._problems: list[ImportIssue] = []
        self._block_category = ""

    def blocks(self) -> Iterator[_Block]:
        for number, raw in enumerate([*self.source.splitlines(), ""], start=1):
            stripped = raw.strip()
            if not stripped:
                if self._lines:
                    yield self._take()
            elif stripped.startswith("//"):
                match = _POINTS_RE.fullmatch(stripped)
                if match:
                    self._points = (number, match[1])
            elif stripped.startswith(_CATEGORY):
                self.category = _plain(_escape(stripped[len(_CATEGORY) :]))
            else:
                self._add(number, raw)

    def _add(self, number: int, raw: str) -> None:
        if not self._lines:
            self._block_category = self.category
        if _PRIVATE_RE.search(raw):
            message = _("This line holds private-use characters (U+E000 to U+E007), which GIFT cannot.")
            self._problems.append(ImportIssue(number, message))
            raw = _PRIVATE_RE.sub("", raw)
        self._lines.append((number, raw))

    def _take(self) -> _Block:
        parts: list[str] = []
        numbers: list[int] = []
        for number, raw in self._lines:
            escaped = _escape(raw) + "\n"
            parts.append(escaped)
            numbers.extend([number] * len(escaped))
        block = _Block("".join(parts), numbers, self._points, self._block_category, self._problems)
        self._lines, self._points, self._problems = [], None, []
        return block


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _plain(raw: str) -> str:
    """Text compared or shown as plain text: accepted answers, right-hand sides, titles."""
    return _restore(" ".join(raw.split()))


def _render(raw: str, fmt: str, *, keep_lines: bool = False) -> str:
    """Author text as HTML, following its own format marker or else the question's."""
    marker = _FORMAT_RE.match(raw)
    if marker:
        fmt = marker[1].lower()
        raw = raw[marker.end() :]
    if fmt == "markdown":
        rendered = markdown.markdown(raw.strip())
        if not keep_lines and rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
            rendered = rendered[3:-4]
        return _restore(rendered)
    text = raw.strip() if keep_lines else " ".join(raw.split())
    return _restore(html.escape(text, quote=False) if fmt == "plain" else text)


class _QuestionReader:
    """Reads one block: its title, format, question text, answer set and general feedback."""

    def __init__(self, block: _Block) -> None:
        self.block = block
        self.text = block.text
        self.fmt = "moodle"
        self.entry = ParsedQuestion(line=block.first_line, kind="unknown", category=block.category)
        self.entry.errors.extend(block.problems)

    @property
    def failed(self) -> bool:
        return bool(self.entry.errors)

    def error(self, index: int, message: str) -> None:
        self.entry.error(self.block.line_at(index), message)

    def note(self, index: int, message: str) -> None:
        self.entry.note(self.block.line_at(index), message)

    def read(self) -> ParsedQuestion:
        start = self._title()
        if start is None:
            return self.entry
        marker = _FORMAT_RE.match(self.text, start)
        if marker:
            self.fmt = marker[1].lower()
            start = marker.end()
        self.entry.text = _TAG_RE.sub("", _plain(self.text[start:]))
        span = self._answer_span(start)
        if span is None:
            return self.entry
        opening, closing = span
        before, after = self.text[start:opening], self.text[closing + 1 :]
        self.entry.text = _TAG_RE.sub("", _plain(before + (GIFT_BLANK + after if after.strip() else "")))
        body_end, explanation = self._general_feedback(opening, closing)
        answer_set = _answer_set_for(self, opening + 1, body_end, blank_in_middle=bool(after.strip()))
        fields = answer_set.owner.gift_read(answer_set)
        self.entry.kind = answer_set.kind
        points = self._points()
        if fields is None or self.failed:
            return self.entry
        question = {"type": "", "title": self.entry.title, "prompt": "", "points": points, "explanation": explanation}
        question.update(fields)
        question_type(question["type"]).gift_place(question, answer_set, before=before, after=after)
        for problem in validate_question(question):
            self.error(0, problem)
        if not self.failed:
            self.entry.question = question
        return self.entry

    def _title(self) -> int | None:
        text = self.text
        start = len(text) - len(text.lstrip())
        if not text.startswith("::", start):
            return start
        end = text.find("::", start + 2)
        if end == -1:
            self.error(start, _("The title is not closed with “::”."))
            return None
        self.entry.title = _plain(text[start + 2 : end])
        return end + 2

    def _general_feedback(self, opening: int, closing: int) -> tuple[int, str]:
        general = self.text.rfind("####", opening + 1, closing)
        if general == -1:
            return closing, ""
        return general, _render(self.text[general + 4 : closing], self.fmt)

    def _points(self) -> int | Decimal:
        if self.block.points is None:
            return 1
        line, value = self.block.points
        number = finite_number(value)
        if number is None or number <= 0:
            self.entry.error(line, _("“%(value)s” is not a number of points.") % {"value": value})
            return 1
        return int(number) if number == number.to_integral_value() else number

    def _answer_span(self, start: int) -> tuple[int, int] | None:
        text = self.text
        opening, closing = text.find("{", start), text.find("}", start)
        if opening == -1 and closing == -1:
            self.entry.kind = "description"
            self.note(
                start,
                _(
                    "A description (text without answers) has no equivalent in a quiz here, so it is not "
                    "imported; put the text in the quiz introduction or in a lesson."
                ),
            )
            return None
        if opening == -1 or -1 < closing < opening:
            self.error(closing, _("A “}” has no “{” before it; write a literal brace as \\}."))
            return None
        if closing == -1:
            self.error(opening, _("The answers opened with “{” are not closed with “}”."))
            return None
        nested = text.find("{", opening + 1, closing)
        if nested != -1:
            self.error(nested, _("A “{” inside the answers must be written as \\{."))
            return None
        extra = min((i for i in (text.find("{", closing), text.find("}", closing + 1)) if i != -1), default=-1)
        if extra != -1:
            self.error(extra, _("A question has one set of answers in braces; write other braces as \\{ and \\}."))
            return None
        return opening, closing


# --- answer sets, one parser per kind ---------------------------------------------------------------


class _AnswerSet:
    """The answers between the braces of one question (general feedback already cut off), read by the question
    type that owns their syntax (`QuestionType.gift_read`)."""

    def __init__(
        self, reader: _QuestionReader, start: int, end: int, *, blank_in_middle: bool, owner: QuestionType, kind: str
    ) -> None:
        self.reader = reader
        self.text = reader.text
        self.fmt = reader.fmt
        self.start = start
        self.end = end
        self.blank_in_middle = blank_in_middle
        self.owner = owner
        self.kind = kind

    @property
    def failed(self) -> bool:
        return self.reader.failed

    def note(self, index: int, message: str) -> None:
        self.reader.note(index, message)

    def error(self, index: int, message: str) -> None:
        self.reader.error(index, message)

    def render(self, raw: str, *, keep_lines: bool = False) -> str:
        return _render(raw, self.fmt, keep_lines=keep_lines)

    def plain(self, raw: str) -> str:
        return _plain(raw)

    def split(self, markers: str, *, end: int | None = None, lead_marker: str = "") -> list[GiftAnswer] | None:
        """The answers, each starting at one of `markers`; text before the first marker is an answer only when
        `lead_marker` names the marker it stands for (as `{#5}` stands for `{#=5}`)."""
        end = self.end if end is None else end
        text = self.text
        positions = [i for i in range(self.start, end) if text[i] in markers]
        lead = text[self.start : positions[0] if positions else end]
        answers: list[GiftAnswer] = []
        if lead.strip():
            if not lead_marker:
                self.reader.error(
                    self.start + len(lead) - len(lead.lstrip()), _("Each answer must start with “=” or “~”.")
                )
                return None
            answers.append(self._answer(lead_marker, self.start - 1, lead))
        for position, following in pairwise([*positions, end]):
            answers.append(self._answer(text[position], position, text[position + 1 : following]))
        return answers

    def _answer(self, marker: str, position: int, raw: str) -> GiftAnswer:
        weight = None
        match = _WEIGHT_RE.match(raw)
        if match:
            weight = Decimal(match[1])
            raw = raw[match.end() :]
            if not -GIFT_FULL <= weight <= GIFT_FULL:
                self.reader.error(position, _("A weight must be between -100% and 100%."))
        elif _WEIGHT_LIKE_RE.match(raw):
            self.reader.error(
                position, _("“%(text)s” is not a weight; write one like %%50%%.") % {"text": raw.split()[0]}
            )
        answer_text, _hash, feedback = raw.partition("#")
        if not answer_text.strip():
            self.reader.error(position, _("An answer has no text."))
        return GiftAnswer(marker, weight, answer_text, feedback, max(position, self.start), _plain(answer_text))


def _answer_set_for(reader: _QuestionReader, start: int, end: int, *, blank_in_middle: bool) -> _AnswerSet:
    """The answers, with the question type that reads their syntax, decided as Moodle decides."""
    owner, kind = gift_reader(reader.text[start:end])
    return _AnswerSet(reader, start, end, blank_in_middle=blank_in_middle, owner=owner, kind=kind)


# ---------------------------------------------------------------------------------------------------
# Export


def export_gift(questions: Sequence[Mapping[str, Any]]) -> GiftExport:
    """GIFT text for `questions`, and the indexes of those GIFT cannot hold (each noted in a comment line)."""
    parts: list[str] = []
    skipped: list[int] = []
    for index, q in enumerate(questions):
        reason = _unexportable(q)
        if reason:
            parts.append(f"// skipped: question {index + 1} ({q.get('type')}): {reason}")
            skipped.append(index)
        else:
            parts.append(_export_question(q))
    return GiftExport("\n\n".join(parts) + "\n" if parts else "", skipped)


def _unexportable(q: Mapping[str, Any]) -> str | None:
    try:
        qtype = question_type(q.get("type"))
    except InvalidQuestion:
        return _("unknown question type.")
    return qtype.gift_problem(q)


def _esc(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("\r", "")
    for char in "~=#{}:":
        escaped = escaped.replace(char, "\\" + char)
    return escaped.replace("\n", "\\n")


def _needs_html_marker(text: str) -> bool:
    stripped = text.strip()
    return "<" in text or "&" in text or stripped.startswith(("[", "//", "$CATEGORY:"))


def _answer_text(text: str) -> str:
    """An answer or feedback text, protected from being read as a format marker or a weight."""
    return ("[html]" if _FORMAT_RE.match(text) else "") + _esc(text)


def _weight(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return format((Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.00001")), "f")


def _export_question(q: Mapping[str, Any]) -> str:
    lines: list[str] = []
    points = Decimal(str(q.get("points", 1)))
    if points != 1:
        lines.append(f"// points: {format(points.normalize(), 'f')}")
    qtype = question_type(q["type"])
    head = f"::{_esc(q['title'])}::" if q.get("title") else ""
    prompt, before, after = qtype.gift_prompt(q)
    if _needs_html_marker(prompt):
        head += "[html]"
    lines.append(head + _esc(before) + "{")
    lines.extend("\t" + line for line in qtype.gift_answers(q, _Writer()))
    if q.get("explanation"):
        lines.append("\t####" + _answer_text(q["explanation"]))
    lines.append("}" + _esc(after))
    return "\n".join(lines)


def _choice_line(marker: str, choice: Mapping[str, Any], *, weight: str, always: bool = False) -> str:
    text = choice["text"]
    prefix = f"%{weight}%" if always or _WEIGHT_LIKE_RE.match(text) else ""
    line = marker + prefix + _answer_text(text)
    if choice.get("feedback"):
        line += "#" + _answer_text(choice["feedback"])
    return line


def _accepted_line(text: str) -> str:
    return "=" + ("%100%" if _WEIGHT_LIKE_RE.match(text) else "") + _esc(text)


class _Writer:
    """GIFT's escaping, for the question types' answer lines (`QuestionType.gift_answers`)."""

    esc = staticmethod(_esc)
    answer_text = staticmethod(_answer_text)
    accepted_line = staticmethod(_accepted_line)
    choice_line = staticmethod(_choice_line)
    weight = staticmethod(_weight)
