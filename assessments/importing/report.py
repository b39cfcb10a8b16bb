"""What an import found in a file, question by question.

Every question of the file becomes one `ParsedQuestion`: the engine dict ready to save, or the reasons (with
line numbers) why it cannot be imported. A broken question never stops the others: the instructor imports
the ready ones and fixes the rest. `notes` say what a question loses on the way (a GIFT feature our question
types cannot hold), so nothing is dropped in silence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assessments.i18n import _, gettext_noop
from assessments.question_types import question_type

# What a question is in the file, before it is mapped to one of our types.
SOURCE_KINDS = {
    "multiple_choice": gettext_noop("Multiple choice"),
    "true_false": gettext_noop("True or false"),
    "short_answer": gettext_noop("Short answer"),
    "missing_word": gettext_noop("Missing word"),
    "numerical": gettext_noop("Numerical"),
    "matching": gettext_noop("Matching"),
    "essay": gettext_noop("Essay"),
    "description": gettext_noop("Description"),
    "unknown": gettext_noop("Unreadable"),
}
_LABEL_CHARS = 80


@dataclass(frozen=True)
class ImportIssue:
    line: int
    message: str


@dataclass
class ParsedQuestion:
    """One question of a file: `question` is the engine dict to save, None when it cannot be imported."""

    line: int
    kind: str
    title: str = ""
    text: str = ""
    category: str = ""
    question: dict[str, Any] | None = None
    errors: list[ImportIssue] = field(default_factory=list)
    notes: list[ImportIssue] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return self.question is not None and not self.errors

    @property
    def broken(self) -> bool:
        return bool(self.errors)

    @property
    def label(self) -> str:
        """The title, or else the start of the question's text, as a preview lists it."""
        label = self.title or " ".join(self.text.split())
        return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1] + "…"

    @property
    def kind_label(self) -> str:
        return _(SOURCE_KINDS.get(self.kind, SOURCE_KINDS["unknown"]))

    @property
    def type_label(self) -> str:
        return _(question_type(self.question["type"]).label) if self.ready and self.question else ""

    def error(self, line: int, message: str) -> None:
        self.errors.append(ImportIssue(line, message))

    def note(self, line: int, message: str) -> None:
        self.notes.append(ImportIssue(line, message))

    def to_data(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "kind": self.kind,
            "title": self.title,
            "text": self.text,
            "category": self.category,
            "question": self.question if self.ready else None,
            "errors": [[i.line, i.message] for i in self.errors],
            "notes": [[i.line, i.message] for i in self.notes],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> ParsedQuestion:
        return cls(
            line=data["line"],
            kind=data["kind"],
            title=data["title"],
            text=data["text"],
            category=data["category"],
            question=data["question"],
            errors=[ImportIssue(line, message) for line, message in data["errors"]],
            notes=[ImportIssue(line, message) for line, message in data["notes"]],
        )


@dataclass(frozen=True)
class ImportReport:
    """Every question of a file, in file order."""

    entries: list[ParsedQuestion]

    @property
    def questions(self) -> list[dict[str, Any]]:
        """The questions ready to import."""
        return [entry.question for entry in self.entries if entry.ready and entry.question is not None]

    @property
    def errors(self) -> list[ImportIssue]:
        return sorted((i for e in self.entries for i in e.errors), key=lambda issue: issue.line)

    @property
    def warnings(self) -> list[ImportIssue]:
        return sorted((i for e in self.entries for i in e.notes), key=lambda issue: issue.line)

    @property
    def broken(self) -> list[ParsedQuestion]:
        return [entry for entry in self.entries if entry.broken]

    @property
    def skipped(self) -> list[ParsedQuestion]:
        """Questions that are not broken but have no equivalent here (descriptions)."""
        return [entry for entry in self.entries if not entry.broken and not entry.ready]

    @property
    def categories(self) -> list[str]:
        return list(dict.fromkeys(entry.category for entry in self.entries if entry.category))

    def to_data(self) -> list[dict[str, Any]]:
        return [entry.to_data() for entry in self.entries]

    @classmethod
    def from_data(cls, data: list[dict[str, Any]]) -> ImportReport:
        return cls([ParsedQuestion.from_data(item) for item in data])
