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
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction
from itertools import pairwise
from typing import Any, NamedTuple

import markdown

from assessments.grading import validate_question
from assessments.i18n import _
from assessments.importing.report import ImportIssue, ImportReport, ParsedQuestion

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
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_BLANK = "_____"
_FULL = Decimal(100)
_EXPORTED_TYPES = (
    "single_choice",
    "multiple_response",
    "true_false",
    "numeric",
    "short_answer",
    "fill_blanks",
    "matching",
    "essay",
)
_MARKED_TYPES = ("single_choice", "multiple_response", "true_false", "numeric", "matching", "essay")


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


def _number(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _numeric_answer(token: str) -> tuple[str, str] | None:
    """(answer, tolerance) from `5`, `5:0.1` or `4.9..5.1`; None when it is none of these."""
    token = token.strip()
    if ".." in token[1:]:
        low_text, high_text = token.split("..", 1)
        low, high = _number(low_text), _number(high_text)
        if low is None or high is None or low > high:
            return None
        with localcontext() as ctx:
            ctx.prec = 200
            middle = (low + high) / 2
            return format(middle.normalize(), "f"), format((high - middle).normalize(), "f")
    if ":" in token:
        answer, tolerance = (part.strip() for part in token.split(":", 1))
        tolerance_value = _number(tolerance)
        if _number(answer) is None or tolerance_value is None or tolerance_value < 0:
            return None
        return answer, tolerance
    return (token, "0") if _number(token) is not None else None


def _percent(weight: Decimal) -> str:
    return format(weight.normalize(), "f")


@dataclass
class _Answer:
    marker: str
    weight: Decimal | None
    text: str
    feedback: str
    position: int

    @property
    def shown(self) -> str:
        return _plain(self.text)


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
        self.entry.text = _TAG_RE.sub("", _plain(before + (_BLANK + after if after.strip() else "")))
        body_end, explanation = self._general_feedback(opening, closing)
        answer_set = _answer_set_for(self, opening + 1, body_end, blank_in_middle=bool(after.strip()))
        fields = answer_set.parse()
        self.entry.kind = answer_set.kind
        points = self._points()
        if fields is None or self.failed:
            return self.entry
        question = {"type": "", "title": self.entry.title, "prompt": "", "points": points, "explanation": explanation}
        question.update(fields)
        self._place_text(question, before, after)
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

    def _place_text(self, question: dict[str, Any], before: str, after: str) -> None:
        if question["type"] == "fill_blanks":
            question["text"] = _render(before + "[[b1]]" + after, self.fmt, keep_lines=True)
        elif after.strip():
            question["prompt"] = _render(before + _BLANK + after, self.fmt, keep_lines=True)
        else:
            question["prompt"] = _render(before, self.fmt, keep_lines=True)

    def _points(self) -> int | Decimal:
        if self.block.points is None:
            return 1
        line, value = self.block.points
        number = _number(value)
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
    """The answers between the braces of one question (general feedback already cut off)."""

    kind = "unknown"

    def __init__(self, reader: _QuestionReader, start: int, end: int, *, blank_in_middle: bool) -> None:
        self.reader = reader
        self.text = reader.text
        self.fmt = reader.fmt
        self.start = start
        self.end = end
        self.blank_in_middle = blank_in_middle

    def parse(self) -> dict[str, Any] | None:
        raise NotImplementedError

    def split(self, markers: str, *, end: int | None = None, lead_marker: str = "") -> list[_Answer] | None:
        """The answers, each starting at one of `markers`; text before the first marker is an answer only when
        `lead_marker` names the marker it stands for (as `{#5}` stands for `{#=5}`)."""
        end = self.end if end is None else end
        text = self.text
        positions = [i for i in range(self.start, end) if text[i] in markers]
        lead = text[self.start : positions[0] if positions else end]
        answers = []
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

    def _answer(self, marker: str, position: int, raw: str) -> _Answer:
        weight = None
        match = _WEIGHT_RE.match(raw)
        if match:
            weight = Decimal(match[1])
            raw = raw[match.end() :]
            if not -_FULL <= weight <= _FULL:
                self.reader.error(position, _("A weight must be between -100% and 100%."))
        elif _WEIGHT_LIKE_RE.match(raw):
            self.reader.error(
                position, _("“%(text)s” is not a weight; write one like %%50%%.") % {"text": raw.split()[0]}
            )
        answer_text, _hash, feedback = raw.partition("#")
        if not answer_text.strip():
            self.reader.error(position, _("An answer has no text."))
        return _Answer(marker, weight, answer_text, feedback, max(position, self.start))


def _answer_set_for(reader: _QuestionReader, start: int, end: int, *, blank_in_middle: bool) -> _AnswerSet:
    """The parser for the kind of answers found, decided as Moodle decides."""
    body = reader.text[start:end].strip()
    kind: type[_AnswerSet]
    if not body:
        kind = _EssayAnswers
    elif body.startswith("#"):
        kind = _NumericAnswers
    elif "~" in body:
        kind = _ChoiceAnswers
    elif "=" in body and "->" in body:
        kind = _MatchingAnswers
    elif body.split("#", 1)[0].strip().upper() in _TRUE_FALSE:
        kind = _TrueFalseAnswers
    else:
        kind = _TextAnswers
    return kind(reader, start, end, blank_in_middle=blank_in_middle)


class _EssayAnswers(_AnswerSet):
    kind = "essay"

    def parse(self) -> dict[str, Any]:
        return {"type": "essay", "min_words": 0, "max_words": 0}


class _TrueFalseAnswers(_AnswerSet):
    kind = "true_false"

    def parse(self) -> dict[str, Any]:
        answer, _hash, feedback = self.text[self.start : self.end].strip().partition("#")
        wrong, _hash, right = feedback.partition("#")
        wrong, right = _render(wrong, self.fmt), _render(right, self.fmt)
        correct = _TRUE_FALSE[answer.strip().upper()]
        return {
            "type": "true_false",
            "correct": correct,
            "feedback_true": right if correct else wrong,
            "feedback_false": wrong if correct else right,
        }


class _ChoiceAnswers(_AnswerSet):
    """`=right ~wrong`: one right answer makes a single-choice question; without `=`, several positive weights
    make a multiple-response one."""

    kind = "multiple_choice"

    def parse(self) -> dict[str, Any] | None:
        if self.blank_in_middle:
            self.kind = "missing_word"
        answers = self.split("=~")
        if answers is None or self.reader.failed:
            return None
        for answer in answers:
            if answer.weight is None:
                answer.weight = _FULL if answer.marker == "=" else Decimal(0)
        weights = [a.weight or Decimal(0) for a in answers]
        positive = [w for w in weights if w > 0]
        if not positive:
            self.reader.error(
                self.start, _("A multiple-choice question needs a right answer (“=” or a positive weight).")
            )
            return None
        if any(a.marker == "=" for a in answers) or positive == [_FULL]:
            return self._single(answers)
        return self._multiple(answers)

    def _choices(self, answers: list[_Answer], *, correct: list[bool]) -> list[dict[str, Any]]:
        return [
            {
                "id": f"c{number}",
                "text": _render(a.text, self.fmt),
                "correct": right,
                "feedback": _render(a.feedback, self.fmt),
            }
            for number, (a, right) in enumerate(zip(answers, correct, strict=True), start=1)
        ]

    def _single(self, answers: list[_Answer]) -> dict[str, Any]:
        for answer in answers:
            weight = answer.weight or Decimal(0)
            if 0 < weight < _FULL:
                self.reader.note(
                    answer.position,
                    _(
                        "“%(text)s” gives %(weight)s%% of the points in the file; a single-choice question here "
                        "gives credit for its right answer only, so this answer gives none."
                    )
                    % {"text": answer.shown, "weight": _percent(weight)},
                )
        if any((a.weight or 0) < 0 for a in answers):
            self.reader.note(self.start, _("Negative weights are not kept: a wrong single choice scores 0."))
        correct = [a.weight == _FULL for a in answers]
        return {"type": "single_choice", "choices": self._choices(answers, correct=correct)}

    def _multiple(self, answers: list[_Answer]) -> dict[str, Any]:
        weights = [a.weight or Decimal(0) for a in answers]
        positive = [w for w in weights if w > 0]
        share = _FULL / len(positive)
        if any(abs(w - share) > Decimal("0.01") for w in positive):
            self.reader.note(
                self.start,
                _(
                    "Each right answer of a multiple-response question here is worth the same share "
                    "(1/%(count)s of the points); the file's weights of right answers are not kept."
                )
                % {"count": len(positive)},
            )
        wrong = [w for w in weights if w <= 0]
        if wrong and any(abs(w + _FULL / len(wrong)) > Decimal("0.01") for w in wrong):
            self.reader.note(
                self.start,
                _(
                    "Each wrong choice ticked costs 1/%(count)s of the points here; "
                    "the weights of wrong answers in the file are not kept."
                )
                % {"count": len(wrong)},
            )
        return {"type": "multiple_response", "choices": self._choices(answers, correct=[w > 0 for w in weights])}


class _TextAnswers(_AnswerSet):
    """`=answer =other`: a short answer, or a fill-in-the-blank when the braces sit inside the sentence."""

    kind = "short_answer"

    def parse(self) -> dict[str, Any] | None:
        if self.blank_in_middle:
            self.kind = "missing_word"
        answers = self.split("=")
        if answers is None or self.reader.failed:
            return None
        accepted = self._accepted(answers)
        if not accepted:
            self.reader.error(self.start, _("No answer here gives credit; accept at least one answer."))
            return None
        if self.blank_in_middle:
            return {"type": "fill_blanks", "blanks": [{"id": "b1", "accepted": accepted}]}
        return {"type": "short_answer", "accepted": accepted, "regex": ""}

    def _accepted(self, answers: list[_Answer]) -> list[str]:
        weights = [_FULL if a.weight is None else a.weight for a in answers]
        best = max(weights)
        if 0 < best < _FULL:
            self.reader.note(
                self.start,
                _("No answer gives full credit in the file; the best ones (%(weight)s%%) are accepted for full credit.")
                % {"weight": _percent(best)},
            )
        accepted = []
        for answer, weight in zip(answers, weights, strict=True):
            if best > 0 and weight == best:
                accepted.append(answer.shown)
                if answer.feedback.strip():
                    self.reader.note(
                        answer.position, _("Feedback on the answer “%(text)s” is not kept.") % {"text": answer.shown}
                    )
            else:
                self.reader.note(answer.position, _unkept_text(answer.shown, weight))
        return accepted


def _unkept_text(text: str, weight: Decimal) -> str:
    if weight <= 0:
        return _("“%(text)s” gives no credit in the file; it is not kept (an answer not accepted scores 0).") % {
            "text": text
        }
    return _(
        "“%(text)s” gives %(weight)s%% of the points in the file; answers here are right or wrong, so it is not "
        "accepted."
    ) % {"text": text, "weight": _percent(weight)}


class _MatchingAnswers(_AnswerSet):
    """`=left -> right` pairs; `= -> extra` adds a right-hand option that matches nothing."""

    kind = "matching"

    def parse(self) -> dict[str, Any] | None:
        answers = self.split("=")
        if answers is None or self.reader.failed:
            return None
        pairs = []
        for number, answer in enumerate(answers, start=1):
            if answer.weight is not None:
                self.reader.note(answer.position, _("Matching pairs have no weights here; the weight is ignored."))
            if answer.feedback.strip():
                self.reader.note(answer.position, _("Feedback on a matching pair is not kept."))
            left, arrow, right = answer.text.partition("->")
            if not arrow:
                self.reader.error(answer.position, _("Each pair of a matching question is written “=left -> right”."))
                continue
            pairs.append({"id": f"p{number}", "left": _render(left, self.fmt), "right": _plain(right)})
        return None if self.reader.failed else {"type": "matching", "pairs": pairs}


class _NumericAnswers(_AnswerSet):
    """`#5`, `#5:0.1`, `#4..6`, or `#=5:0 =%50%5:1 ~#feedback for any other answer`."""

    kind = "numerical"

    def parse(self) -> dict[str, Any] | None:
        hash_at = self.text.index("#", self.start)
        self.start = hash_at + 1
        end = self._cut_wrong_feedback()
        answers = self.split("=", end=end, lead_marker="=")
        if answers is None or self.reader.failed:
            return None
        values = [(answer, self._value(answer)) for answer in answers]
        if self.reader.failed:
            return None
        kept = self._right_answer(values)
        if kept is None:
            return None
        number, tolerance = kept
        return {
            "type": "numeric",
            "answer": number,
            "tolerance": tolerance,
            "tolerance_kind": "absolute",
            "unit": "",
            "unit_mode": "ignored",
        }

    def _cut_wrong_feedback(self) -> int:
        tilde = self.text.find("~", self.start, self.end)
        if tilde == -1:
            return self.end
        if self.text[tilde + 1 : self.end].strip(" \t\n#"):
            self.reader.note(tilde, _("Feedback for wrong numeric answers is not kept."))
        return tilde

    def _value(self, answer: _Answer) -> tuple[str, str] | None:
        value = _numeric_answer(answer.text)
        if value is None:
            self.reader.error(
                answer.position,
                _("“%(text)s” is not a number: write 5, 5:0.1 (answer and tolerance) or 4.9..5.1 (a range).")
                % {"text": answer.shown},
            )
        return value

    def _right_answer(self, values: list[tuple[_Answer, tuple[str, str] | None]]) -> tuple[str, str] | None:
        weights = [_FULL if a.weight is None else a.weight for a, _value in values]
        best = max(weights)
        if best <= 0:
            self.reader.error(self.start, _("A numeric question needs an answer that gives credit."))
            return None
        if best < _FULL:
            self.reader.note(
                self.start,
                _("No answer gives full credit in the file; the best one (%(weight)s%%) is accepted for full credit.")
                % {"weight": _percent(best)},
            )
        kept: tuple[str, str] | None = None
        for (answer, value), weight in zip(values, weights, strict=True):
            if kept is None and weight == best:
                kept = value
                if answer.feedback.strip():
                    self.reader.note(answer.position, _("Feedback on a numeric answer is not kept."))
            elif value != kept:
                self.reader.note(answer.position, self._unkept(answer, weight))
        return kept

    def _unkept(self, answer: _Answer, weight: Decimal) -> str:
        if weight <= 0:
            return _("“%(text)s” gives no credit in the file; it is not kept (any other answer scores 0).") % {
                "text": answer.shown
            }
        if weight < _FULL:
            return _(
                "“%(text)s” gives %(weight)s%% of the points in the file; numeric answers here are right or "
                "wrong, so it gives none."
            ) % {"text": answer.shown, "weight": _percent(weight)}
        return _(
            "“%(text)s” is also right in the file; a numeric question here has one right answer and its "
            "tolerance, so it is not kept."
        ) % {"text": answer.shown}


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
    qtype = q.get("type")
    if qtype == "ordering":
        return _("GIFT has no ordering questions.")
    if qtype == "fill_blanks" and len(q.get("blanks", [])) != 1:
        return _("GIFT has one blank per question.")
    if qtype == "numeric" and q.get("unit"):
        return _("GIFT has no units.")
    if qtype == "short_answer" and q.get("regex"):
        return _("GIFT has no patterns.")
    if qtype == "essay" and (q.get("min_words") or q.get("max_words")):
        return _("GIFT has no word limits.")
    if qtype == "matching" and any("->" in p.get("left", "") for p in q.get("pairs", [])):
        return _("a left-hand text holds “->”.")
    if qtype not in _EXPORTED_TYPES:
        return _("unknown question type.")
    return None


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
    qtype = q["type"]
    head = f"::{_esc(q['title'])}::" if q.get("title") else ""
    prompt = q.get("prompt", "")
    if qtype == "fill_blanks":
        blank_id = q["blanks"][0]["id"]
        prompt = (prompt + "\n" if prompt.strip() else "") + q["text"]
        before, _placeholder, after = prompt.partition(f"[[{blank_id}]]")
    elif qtype in _MARKED_TYPES and _BLANK in prompt and prompt.partition(_BLANK)[2].strip():
        before, _placeholder, after = prompt.partition(_BLANK)
    else:
        before, after = prompt, ""
    if _needs_html_marker(prompt):
        head += "[html]"
    lines.append(head + _esc(before) + "{")
    lines.extend("\t" + line for line in _export_answers(q))
    if q.get("explanation"):
        lines.append("\t####" + _answer_text(q["explanation"]))
    lines.append("}" + _esc(after))
    return "\n".join(lines)


def _export_answers(q: Mapping[str, Any]) -> list[str]:
    qtype = q["type"]
    if qtype == "single_choice":
        return [
            _choice_line("=" if c["correct"] else "~", c, weight="100" if c["correct"] else "0") for c in q["choices"]
        ]
    if qtype == "multiple_response":
        n_correct = sum(c["correct"] for c in q["choices"])
        right, wrong = _weight(Fraction(100, n_correct)), _weight(Fraction(-100, len(q["choices"]) - n_correct))
        return [_choice_line("~", c, weight=right if c["correct"] else wrong, always=True) for c in q["choices"]]
    if qtype == "true_false":
        right = q.get("feedback_true" if q["correct"] else "feedback_false", "")
        wrong = q.get("feedback_false" if q["correct"] else "feedback_true", "")
        line = "TRUE" if q["correct"] else "FALSE"
        if wrong or right:
            line += "#" + _answer_text(wrong)
        if right:
            line += "#" + _answer_text(right)
        return [line]
    if qtype == "numeric":
        answer, tolerance = Decimal(str(q["answer"])), Decimal(str(q.get("tolerance", "0")))
        if q.get("tolerance_kind") == "percent":
            with localcontext() as ctx:
                ctx.prec = 200
                tolerance = abs(answer) * tolerance / 100
            return [f"#{q['answer']}:{format(tolerance.normalize(), 'f')}"]
        return [f"#{q['answer']}:{q.get('tolerance', '0')}"]
    if qtype == "short_answer":
        return [_accepted_line(text) for text in q["accepted"]]
    if qtype == "fill_blanks":
        return [_accepted_line(text) for text in q["blanks"][0]["accepted"]]
    if qtype == "matching":
        return [f"={_answer_text(p['left'])} -> {_esc(p['right'])}" for p in q["pairs"]]
    return []


def _choice_line(marker: str, choice: Mapping[str, Any], *, weight: str, always: bool = False) -> str:
    text = choice["text"]
    prefix = f"%{weight}%" if always or _WEIGHT_LIKE_RE.match(text) else ""
    line = marker + prefix + _answer_text(text)
    if choice.get("feedback"):
        line += "#" + _answer_text(choice["feedback"])
    return line


def _accepted_line(text: str) -> str:
    return "=" + ("%100%" if _WEIGHT_LIKE_RE.match(text) else "") + _esc(text)
