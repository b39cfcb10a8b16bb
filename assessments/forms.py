"""The quiz form: what the attempt page shows of each question, and how posted fields become answers.

Nothing of the answer key is shown: no correct flags, no feedback, no accepted answers. Choices, pairs
and items are named in the HTML by their position in the attempt's shuffled order, never by their ids,
because ids such as `i1, i2, i3` or a pair id shared by its left and right sides would give answers away.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _

from assessments.grading import MalformedResponse

_PLACEHOLDER_RE = re.compile(r"\[\[([^\[\]]*)\]\]")
MAX_FIELD_CHARS = 100_000


@dataclass
class Option:
    value: str
    text: str
    selected: bool = False


@dataclass
class Row:
    """A left-hand text to match, an item to place, or a blank, with its field name and current value."""

    name: str
    text: str
    value: str = ""


@dataclass
class DisplayQuestion:
    key: str
    number: int
    type: str
    title: str
    prompt: str
    points: str
    name: str
    value: str = ""
    options: list[Option] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    segments: list[tuple[str, Row | None]] = field(default_factory=list)
    positions: list[int] = field(default_factory=list)
    unit: str = ""
    # The graded answer (services.CheckedAnswer) once the learner checked it under immediate feedback.
    checked: Any = None
    # Why the saved answer cannot be submitted yet (an ordering with an item left without a position).
    problem: str = ""


def field_name(key: str) -> str:
    return f"q-{key}"


def _order(question: dict[str, Any], choice_order: dict[str, list[str]]) -> list[str]:
    return list(choice_order.get(question["key"], []))


def display_question(
    question: dict[str, Any], *, number: int, choice_order: dict[str, list[str]], saved: Any
) -> DisplayQuestion:
    """The learner-facing view of a question, holding the learner's saved answer and nothing of the key."""
    key, qtype = question["key"], question["type"]
    name = field_name(key)
    shown = DisplayQuestion(
        key=key,
        number=number,
        type=qtype,
        title=question.get("title") or "",
        prompt=question.get("prompt") or "",
        points=str(question["points"]),
        name=name,
    )
    order = _order(question, choice_order)
    if qtype in ("single_choice", "multiple_response"):
        texts = {c["id"]: c["text"] for c in question["choices"]}
        chosen = set(saved if isinstance(saved, list) else [saved] if saved else [])
        shown.options = [Option(str(i), texts[cid], cid in chosen) for i, cid in enumerate(order)]
    elif qtype == "true_false":
        shown.value = "" if saved is None else ("true" if saved else "false")
    elif qtype in ("numeric", "short_answer", "essay"):
        shown.value = saved or ""
        if qtype == "numeric" and question.get("unit_mode") == "required":
            shown.unit = _("Include the unit.")
    elif qtype == "fill_blanks":
        answers = saved or {}
        parts = _PLACEHOLDER_RE.split(question["text"])
        for index, part in enumerate(parts):
            if index % 2 == 0:
                shown.segments.append((part, None))
            else:
                shown.segments.append(("", Row(f"{name}-{part}", part, answers.get(part, ""))))
    elif qtype == "matching":
        rights = {p["id"]: p["right"] for p in question["pairs"]}
        position = {pid: i for i, pid in enumerate(order)}
        matched = saved or {}
        shown.options = [Option(str(i), rights[pid]) for i, pid in enumerate(order)]
        shown.rows = [
            Row(f"{name}-{n}", p["left"], str(position[matched[p["id"]]]) if p["id"] in matched else "")
            for n, p in enumerate(pair for pair in question["pairs"] if pair["left"].strip())
        ]
    elif qtype == "ordering":
        texts = {i["id"]: i["text"] for i in question["items"]}
        if isinstance(saved, dict):  # a draft: the positions chosen so far
            placed = {iid: str(position) for iid, position in saved.items()}
        else:
            placed = {iid: str(n + 1) for n, iid in enumerate(saved or [])}
        shown.rows = [Row(f"{name}-{i}", texts[iid], placed.get(iid, "")) for i, iid in enumerate(order)]
        shown.positions = list(range(1, len(order) + 1))
    return shown


def _one(data: QueryDict, name: str) -> str:
    values = data.getlist(name)
    if len(values) > 1:
        raise MalformedResponse(_("A field was sent twice."))
    value = values[0] if values else ""
    if len(value) > MAX_FIELD_CHARS:
        raise MalformedResponse(_("An answer is too long."))
    return value


def _index(value: str, order: list[str]) -> str:
    if not value.isdigit() or int(value) >= len(order):
        raise MalformedResponse(_("That choice is not one of the options."))
    return order[int(value)]


def answer_from_post(question: dict[str, Any], *, choice_order: dict[str, list[str]], data: QueryDict) -> Any:
    """The engine's raw response for `question` from posted form fields; MalformedResponse for nonsense."""
    key, qtype = question["key"], question["type"]
    name = field_name(key)
    order = _order(question, choice_order)
    if qtype == "single_choice":
        value = _one(data, name)
        return _index(value, order) if value else None
    if qtype == "multiple_response":
        values = data.getlist(name)
        if len(values) > len(order):
            raise MalformedResponse(_("Too many choices were sent."))
        return [_index(v, order) for v in values] or None
    if qtype == "true_false":
        value = _one(data, name)
        if value not in ("", "true", "false"):
            raise MalformedResponse(_("Answer true or false."))
        return None if not value else value == "true"
    if qtype in ("numeric", "short_answer", "essay"):
        return _one(data, name) or None
    if qtype == "fill_blanks":
        return {b["id"]: _one(data, f"{name}-{b['id']}") for b in question["blanks"]}
    if qtype == "matching":
        lefts = [p["id"] for p in question["pairs"] if p["left"].strip()]
        matched = {}
        for n, left in enumerate(lefts):
            value = _one(data, f"{name}-{n}")
            if value:
                matched[left] = _index(value, order)
        return matched or None
    if qtype == "ordering":
        # Positions chosen so far, as a draft: grading.read_draft keeps a partial order as it is.
        return {item_id: _one(data, f"{name}-{i}") for i, item_id in enumerate(order)}
    raise MalformedResponse(_("Unknown question type."))


MAX_FEEDBACK_CHARS = 5_000


class EssayMarkForm(forms.Form):
    """Points (0 to the question's points) and feedback for each hand-graded question of one attempt.

    `questions` are the attempt's essays (objects with `key` and `max_score`); the fields are named
    `points-<key>` and `feedback-<key>`."""

    def __init__(self, *args: Any, questions: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            most = Decimal(q.max_score)
            self.fields[f"points-{q.key}"] = forms.DecimalField(
                label=_("Points (out of %(max)s)") % {"max": q.max_score},
                min_value=Decimal("0"),
                max_value=most,
                max_digits=8,
                decimal_places=2,
                error_messages={
                    "required": _("Give points for this answer."),
                    "invalid": _("Points must be a number."),
                    "min_value": _("Points cannot be below 0."),
                    "max_value": _("Points cannot be above %(max)s, the points of this question.") % {"max": most},
                },
            )
            self.fields[f"feedback-{q.key}"] = forms.CharField(
                label=_("Feedback"), required=False, max_length=MAX_FEEDBACK_CHARS, widget=forms.Textarea({"rows": 3})
            )

    def rows(self) -> Iterator[tuple[Any, forms.BoundField, forms.BoundField]]:
        for q in self.questions:
            yield q, self[f"points-{q.key}"], self[f"feedback-{q.key}"]

    def marks(self) -> tuple[dict[str, Decimal], dict[str, str]]:
        """The points and feedback by question key; call after `is_valid()`."""
        data = self.cleaned_data
        return (
            {q.key: data[f"points-{q.key}"] for q in self.questions},
            {q.key: data[f"feedback-{q.key}"].strip() for q in self.questions},
        )
