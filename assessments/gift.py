"""Moodle GIFT import and export for the question dicts of `assessments.grading`.

Import reads GIFT as written in the wild: `::title::`, `//` comment lines, `$CATEGORY:` lines (ignored),
`[html]`/`[moodle]`/`[plain]`/`[markdown]` format markers, the escapes `\\~ \\= \\# \\{ \\} \\: \\\\ \\n`,
questions and answers over several lines, `####` general feedback. Questions are separated by blank
lines, as in Moodle. How GIFT maps to our types:

- `{=a ~b ~c}` → single_choice; `{~%50%a ~%50%b ~%-100%c}` (equal positive weights) → multiple_response.
- `{T}`, `{TRUE}`, `{F}`, `{FALSE}`, with `#wrong answer feedback#right answer feedback` → true_false.
- `{=a =b}` → short_answer; with text after the braces → fill_blanks with one blank `[[b1]]`.
- `{=left -> right ...}` → matching (`= -> extra` adds an extra right-hand option).
- `{#5}`, `{#5:0.1}`, `{#4.9..5.1}`, `{#=5:0.1}` → numeric with an absolute tolerance.
- `{}` → essay.
- Choices, true/false, numeric, matching or essay with text after the braces keep a `_____` in the prompt
  where the braces were, as Moodle does.

What our types cannot hold is an error with its line (partial credit on a single-choice question or on
a near numeric answer, unequal multiple-response weights, text-only descriptions, ...), never dropped
in silence. Losses that do not change how a question is graded or shown (feedback on short-answer or
numeric answers, GIFT's penalties for wrong multiple-response choices) are warnings. When there is any
error, the report holds no questions, so a caller cannot import a file half-way.

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
from typing import Any, NamedTuple

import markdown

from assessments.grading import validate_question
from assessments.i18n import _

_ESCAPES = {"\\": "\ue000", "~": "\ue001", "=": "\ue002", "#": "\ue003", "{": "\ue004", "}": "\ue005", ":": "\ue006"}
_ESCAPED_NEWLINE = "\ue007"
_RESTORE = str.maketrans({v: k for k, v in _ESCAPES.items()} | {_ESCAPED_NEWLINE: "\n"})
_PRIVATE_RE = re.compile("[\ue000-\ue007]")
_FORMAT_RE = re.compile(r"\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_WEIGHT_RE = re.compile(r"\s*%(-?[0-9]+(?:\.[0-9]+)?)%")
_WEIGHT_LIKE_RE = re.compile(r"\s*%[^%\s]{0,12}%")
_POINTS_RE = re.compile(r"//\s*points:\s*([0-9][0-9.]*)\s*", re.IGNORECASE)
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_BLANK = "_____"
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


@dataclass(frozen=True)
class ImportIssue:
    line: int
    message: str


@dataclass(frozen=True)
class ImportReport:
    """Questions ready to save, or none at all when `errors` is not empty."""

    questions: list[dict[str, Any]]
    errors: list[ImportIssue]
    warnings: list[ImportIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @classmethod
    def build(
        cls, questions: list[dict[str, Any]], errors: list[ImportIssue], warnings: list[ImportIssue]
    ) -> ImportReport:
        """The report of an import: issues in line order, and no questions at all when there is an error."""
        ordered = sorted(errors, key=lambda issue: issue.line)
        return cls(
            questions=[] if ordered else questions,
            errors=ordered,
            warnings=sorted(warnings, key=lambda issue: issue.line),
        )


class GiftExport(NamedTuple):
    text: str
    skipped: list[int]


class _Issues:
    def __init__(self) -> None:
        self.errors: list[ImportIssue] = []
        self.warnings: list[ImportIssue] = []

    def error(self, line: int, message: str) -> None:
        self.errors.append(ImportIssue(line, message))

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(ImportIssue(line, message))

    def report(self, questions: list[dict[str, Any]]) -> ImportReport:
        return ImportReport.build(questions, self.errors, self.warnings)


@dataclass
class _Block:
    """One question's lines, joined, with escapes replaced by placeholders that no parsing step matches."""

    text: str
    lines: list[int]
    points: tuple[int, str] | None

    @property
    def first_line(self) -> int:
        return self.lines[0]

    def line_at(self, index: int) -> int:
        return self.lines[max(0, min(index, len(self.lines) - 1))]


# ---------------------------------------------------------------------------------------------------
# Import


def import_gift(text: str) -> ImportReport:
    """Read GIFT text into question dicts, with every problem reported by line."""
    issues = _Issues()
    questions: list[dict[str, Any]] = []
    for block in _blocks(text.removeprefix("\ufeff"), issues):
        question = _Parser(block, issues).parse()
        if question is None:
            continue
        for problem in validate_question(question):
            issues.error(block.first_line, problem)
        questions.append(question)
    return issues.report(questions)


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


def _blocks(source: str, issues: _Issues) -> Iterator[_Block]:
    lines: list[tuple[int, str]] = []
    points: tuple[int, str] | None = None
    for number, raw in enumerate([*source.splitlines(), ""], start=1):
        stripped = raw.strip()
        if not stripped:
            if lines:
                yield _join(lines, points)
            lines, points = [], None
        elif stripped.startswith("//"):
            match = _POINTS_RE.fullmatch(stripped)
            if match:
                points = (number, match[1])
        elif stripped.startswith("$CATEGORY:"):
            continue
        elif _PRIVATE_RE.search(raw):
            issues.error(number, _("This line holds private-use characters (U+E000 to U+E007), which GIFT cannot."))
        else:
            lines.append((number, raw))


def _join(lines: list[tuple[int, str]], points: tuple[int, str] | None) -> _Block:
    parts: list[str] = []
    numbers: list[int] = []
    for number, raw in lines:
        escaped = _escape(raw) + "\n"
        parts.append(escaped)
        numbers.extend([number] * len(escaped))
    return _Block(text="".join(parts), lines=numbers, points=points)


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


@dataclass
class _Answer:
    marker: str
    weight: Decimal | None
    text: str
    feedback: str
    line: int


class _Parser:
    def __init__(self, block: _Block, issues: _Issues) -> None:
        self.block = block
        self.text = block.text
        self.issues = issues
        self.fmt = "moodle"
        self.failed = False

    def error(self, index: int, message: str) -> None:
        self.issues.error(self.block.line_at(index), message)
        self.failed = True

    def warn(self, index: int, message: str) -> None:
        self.issues.warn(self.block.line_at(index), message)

    def parse(self) -> dict[str, Any] | None:
        text = self.text
        start = len(text) - len(text.lstrip())
        title = ""
        if text.startswith("::", start):
            end = text.find("::", start + 2)
            if end == -1:
                self.error(start, _("The title is not closed with “::”."))
                return None
            title = _plain(text[start + 2 : end])
            start = end + 2
        marker = _FORMAT_RE.match(text, start)
        if marker:
            self.fmt = marker[1].lower()
            start = marker.end()
        span = self._answer_span(start)
        if span is None:
            return None
        opening, closing = span
        before, after = text[start:opening], text[closing + 1 :]
        body_end = closing
        explanation = ""
        general = text.rfind("####", opening + 1, closing)
        if general != -1:
            explanation = _render(text[general + 4 : closing], self.fmt)
            body_end = general
        question: dict[str, Any] = {
            "type": "",
            "title": title,
            "prompt": "",
            "points": self._points(),
            "explanation": explanation,
        }
        fields = self._answers(opening + 1, body_end, blank_in_middle=bool(after.strip()))
        if fields is None or self.failed:
            return None
        question.update(fields)
        if question["type"] == "fill_blanks":
            question["text"] = _render(before + "[[b1]]" + after, self.fmt, keep_lines=True)
        elif after.strip():
            question["prompt"] = _render(before + _BLANK + after, self.fmt, keep_lines=True)
        else:
            question["prompt"] = _render(before, self.fmt, keep_lines=True)
        return question

    def _points(self) -> int | Decimal:
        if self.block.points is None:
            return 1
        line, value = self.block.points
        number = _number(value)
        if number is None or number <= 0:
            self.issues.error(line, _("“%(value)s” is not a number of points.") % {"value": value})
            self.failed = True
            return 1
        return int(number) if number == number.to_integral_value() else number

    def _answer_span(self, start: int) -> tuple[int, int] | None:
        text = self.text
        opening, closing = text.find("{", start), text.find("}", start)
        if opening == -1 and closing == -1:
            self.error(start, _("This question has no answers in braces; text-only descriptions are not supported."))
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

    def _answers(self, start: int, end: int, *, blank_in_middle: bool) -> dict[str, Any] | None:
        body = self.text[start:end].strip()
        if not body:
            return {"type": "essay", "min_words": 0, "max_words": 0}
        if body.startswith("#"):
            return self._numeric(self.text.index("#", start) + 1, end)
        if "~" in body:
            return self._choices(start, end)
        if "=" in body and "->" in body:
            return self._matching(start, end)
        if body.split("#", 1)[0].strip().upper() in _TRUE_FALSE:
            return self._true_false(body)
        accepted = self._accepted(start, end)
        if accepted is None:
            return None
        if blank_in_middle:
            return {"type": "fill_blanks", "blanks": [{"id": "b1", "accepted": accepted}]}
        return {"type": "short_answer", "accepted": accepted, "regex": ""}

    def _split(self, start: int, end: int, markers: str) -> list[_Answer] | None:
        """The answers between `start` and `end`, each starting at one of `markers`."""
        text = self.text
        positions = [i for i in range(start, end) if text[i] in markers]
        lead = text[start : positions[0] if positions else end]
        if lead.strip():
            self.error(start + len(lead) - len(lead.lstrip()), _("Each answer must start with “=” or “~”."))
            return None
        answers = []
        for position, following in zip(positions, [*positions[1:], end], strict=True):
            raw = text[position + 1 : following]
            weight = None
            match = _WEIGHT_RE.match(raw)
            if match:
                weight = Decimal(match[1])
                raw = raw[match.end() :]
                if not -100 <= weight <= 100:
                    self.error(position, _("A weight must be between -100% and 100%."))
            elif _WEIGHT_LIKE_RE.match(raw):
                self.error(position, _("“%(text)s” is not a weight; write one like %%50%%.") % {"text": raw.split()[0]})
            answer_text, _hash, feedback = raw.partition("#")
            if not answer_text.strip():
                self.error(position, _("An answer has no text."))
            answers.append(_Answer(text[position], weight, answer_text, feedback, position))
        return answers

    def _choices(self, start: int, end: int) -> dict[str, Any] | None:
        answers = self._split(start, end, "=~")
        if answers is None:
            return None
        has_equals = any(a.marker == "=" for a in answers)
        for answer in answers:
            if answer.marker == "=" and answer.weight is not None and answer.weight != 100:
                self.error(answer.line, _("Partial credit is written “~%50%answer”, not with “=”."))
            elif answer.marker == "=":
                answer.weight = Decimal(100)
            elif answer.weight is None:
                answer.weight = Decimal(0)
        if self.failed:
            return None
        weights = [a.weight or Decimal(0) for a in answers]
        positive = [w for w in weights if w > 0]
        choices = [
            {
                "id": f"c{number}",
                "text": _render(a.text, self.fmt),
                "correct": (a.weight or 0) > 0,
                "feedback": _render(a.feedback, self.fmt),
            }
            for number, a in enumerate(answers, start=1)
        ]
        if has_equals or positive == [Decimal(100)]:
            if any(0 < w < 100 for w in weights):
                self.error(
                    start,
                    _(
                        "A question with one right answer cannot give partial credit to other answers; "
                        "remove the weights, or give every right answer the same weight for a "
                        "multiple-response question."
                    ),
                )
                return None
            if any(w < 0 for w in weights):
                self.warn(start, _("Negative weights are not kept: a wrong single choice scores 0."))
            return {"type": "single_choice", "choices": choices}
        if not positive:
            self.error(start, _("A multiple-choice question needs a right answer (“=” or a positive weight)."))
            return None
        share = Decimal(100) / len(positive)
        if any(abs(w - share) > Decimal("0.01") for w in positive):
            self.error(
                start,
                _(
                    "Every right answer of a multiple-response question is worth the same share here, so "
                    "the positive weights must be equal and add up to 100%."
                ),
            )
            return None
        wrong = [w for w in weights if w <= 0]
        if wrong and any(abs(w + Decimal(100) / len(wrong)) > Decimal("0.01") for w in wrong):
            self.warn(
                start,
                _(
                    "Each wrong choice ticked costs 1/%(count)s of the points here; "
                    "the weights of wrong answers in the file are not kept."
                )
                % {"count": len(wrong)},
            )
        return {"type": "multiple_response", "choices": choices}

    def _matching(self, start: int, end: int) -> dict[str, Any] | None:
        answers = self._split(start, end, "=")
        if answers is None:
            return None
        pairs = []
        for number, answer in enumerate(answers, start=1):
            raw = answer.text + ("#" + answer.feedback if answer.feedback else "")
            if answer.weight is not None or "#" in raw:
                self.error(answer.line, _("Matching pairs cannot have weights or feedback."))
                continue
            left, arrow, right = raw.partition("->")
            if not arrow:
                self.error(answer.line, _("Each pair of a matching question is written “=left -> right”."))
                continue
            pairs.append({"id": f"p{number}", "left": _render(left, self.fmt), "right": _plain(right)})
        return None if self.failed else {"type": "matching", "pairs": pairs}

    def _true_false(self, body: str) -> dict[str, Any]:
        answer, _hash, feedback = body.partition("#")
        wrong, _hash, right = feedback.partition("#")
        wrong, right = _render(wrong, self.fmt), _render(right, self.fmt)
        correct = _TRUE_FALSE[answer.strip().upper()]
        return {
            "type": "true_false",
            "correct": correct,
            "feedback_true": right if correct else wrong,
            "feedback_false": wrong if correct else right,
        }

    def _accepted(self, start: int, end: int) -> list[str] | None:
        answers = self._split(start, end, "=")
        if answers is None:
            return None
        accepted = []
        for answer in answers:
            text = _plain(answer.text)
            if answer.weight is not None and answer.weight <= 0:
                self.warn(answer.line, _("Answers that give no credit are not kept: “%(text)s”.") % {"text": text})
            elif answer.weight is not None and answer.weight != 100:
                self.error(
                    answer.line,
                    _("Partial credit for a text answer (“%(text)s”) cannot be kept; accept it fully or remove it.")
                    % {"text": text},
                )
            else:
                accepted.append(text)
                if answer.feedback.strip():
                    self.warn(answer.line, _("Feedback on the answer “%(text)s” is not kept.") % {"text": text})
        return None if self.failed else accepted

    def _numeric(self, start: int, end: int) -> dict[str, Any] | None:
        text = self.text
        tilde = text.find("~", start, end)
        if tilde != -1:
            if text[tilde + 1 : end].strip(" \t\n#"):
                self.warn(tilde, _("Feedback for wrong numeric answers is not kept."))
            end = tilde
        body = text[start:end]
        if body.strip().startswith("="):
            answers = self._split(start, end, "=")
            if answers is None:
                return None
        else:
            raw, _hash, feedback = body.partition("#")
            answers = [_Answer("=", None, raw, feedback, start)]
        right: list[tuple[str, str]] = []
        for answer in answers:
            value = _numeric_answer(answer.text)
            if value is None:
                self.error(
                    answer.line,
                    _("“%(text)s” is not a number: write 5, 5:0.1 (answer and tolerance) or 4.9..5.1 (a range).")
                    % {"text": _plain(answer.text)},
                )
            elif answer.weight is not None and answer.weight <= 0:
                self.warn(answer.line, _("Numeric answers that give no credit are not kept."))
            elif answer.weight is not None and answer.weight != 100:
                self.error(
                    answer.line,
                    _(
                        "Partial credit for a near numeric answer cannot be kept; give one right answer and a tolerance."
                    ),
                )
            else:
                if answer.feedback.strip():
                    self.warn(answer.line, _("Feedback on a numeric answer is not kept."))
                if value not in right:
                    right.append(value)
        if self.failed:
            return None
        if len(right) != 1:
            self.error(start, _("A numeric question needs exactly one right answer, with its tolerance."))
            return None
        number, tolerance = right[0]
        return {
            "type": "numeric",
            "answer": number,
            "tolerance": tolerance,
            "tolerance_kind": "absolute",
            "unit": "",
            "unit_mode": "ignored",
        }


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
