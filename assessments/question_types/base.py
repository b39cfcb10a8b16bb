"""The abstract question type: every part a type owns, declared once.

A question is the plain dict stored as the value of a quiz StreamField block (see `assessments.grading` for
the common keys). A `QuestionType` knows what its own keys mean, at every step of a question's life:

- authoring: the Wagtail child blocks of its authoring block, the block value read as the engine dict
  (`from_block`), an engine dict written as raw block data (`to_block`), and its authoring errors (`validate`);
- answering: what the attempt page shows (`display`, rendered by `template`) and the raw response read back
  from the posted form (`from_post`), the answer kept while studying (`read_draft`) and its canonical form
  (`normalise`), why a draft is not yet whole (`incomplete`), the order its options are drawn in
  (`draw_order`);
- grading: the share of the points a response earns, with feedback and detail (`grade`);
- exchange: its GIFT export (`gift_problem`, `gift_prompt`, `gift_answers`) and the GIFT answers it reads
  (`gift_read`, for the types that own a GIFT syntax);
- analysis: its item-analysis figures beyond facility and discrimination (`distractors`).

Pure: nothing here imports Django or Wagtail at module level (`block_children` imports Wagtail when called), so
grading and the import formats run without Django.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, ClassVar, Protocol

from assessments.question_types.common import Outcome, PostData

GIFT_BLANK = "_____"
# A GIFT weight of 100%: the whole of the points.
GIFT_FULL = Decimal(100)


def gift_percent(weight: Decimal) -> str:
    """A GIFT weight as a message shows it (50, 33.33, -100)."""
    return format(weight.normalize(), "f")


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
    template: str
    checkable: bool
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


@dataclass
class GiftAnswer:
    """One answer between the braces of a GIFT question: `=text#feedback`, with its optional `%50%` weight, where
    it starts, and its text as plain text for messages (`shown`)."""

    marker: str
    weight: Decimal | None
    text: str
    feedback: str
    position: int
    shown: str


class GiftAnswers(Protocol):
    """The answers between the braces of one GIFT question, as `assessments.gift` tokenizes them."""

    text: str
    start: int
    end: int
    kind: str
    blank_in_middle: bool

    @property
    def failed(self) -> bool: ...

    def split(self, markers: str, *, end: int | None = None, lead_marker: str = "") -> list[GiftAnswer] | None: ...

    def render(self, raw: str, *, keep_lines: bool = False) -> str: ...

    def plain(self, raw: str) -> str: ...

    def note(self, index: int, message: str) -> None: ...

    def error(self, index: int, message: str) -> None: ...


class GiftWriter(Protocol):
    """GIFT's escaping, as `assessments.gift` writes it."""

    def esc(self, text: str) -> str: ...

    def answer_text(self, text: str) -> str: ...

    def accepted_line(self, text: str) -> str: ...

    def choice_line(self, marker: str, choice: Mapping[str, Any], *, weight: str, always: bool = False) -> str: ...

    def weight(self, value: Fraction) -> str: ...


class QuestionType(ABC):
    """One kind of question. Subclasses set the class attributes and implement every abstract method."""

    key: ClassVar[str]
    # The name authors see (marked with gettext_noop; translate when shown) and the block's Wagtail icon.
    label: ClassVar[str]
    icon: ClassVar[str]
    # Graded by hand: `grade` scores 0 and the attempt waits for a grader.
    manual: ClassVar[bool] = False
    prompt_required: ClassVar[bool] = True

    # --- authoring --------------------------------------------------------------------------------------

    @abstractmethod
    def block_children(self) -> list[tuple[str, Any]]:
        """The Wagtail child blocks of the authoring block, after the common title, prompt, points, explanation."""

    @abstractmethod
    def from_block(self, value: Any) -> dict[str, Any]:
        """The type's own keys of the engine dict, read from the authoring block's value."""

    @abstractmethod
    def to_block(self, q: Mapping[str, Any]) -> dict[str, Any]:
        """The type's own fields of the raw StreamField data for the engine dict `q` (from demo data or an import)."""

    @abstractmethod
    def validate(self, q: Mapping[str, Any]) -> list[str]:
        """The authoring errors in the type's own keys (the common keys are checked by `grading`)."""

    # --- answering --------------------------------------------------------------------------------------

    @abstractmethod
    def normalise(self, q: Mapping[str, Any], raw: Any) -> Any:
        """The canonical, JSON-ready response, None when blank; MalformedResponse for what no form sends."""

    def read_draft(self, q: Mapping[str, Any], raw: Any) -> Any:
        """The answer as saved while the learner studies; a partial answer is kept as it is."""
        return self.normalise(q, raw)

    def response(self, q: Mapping[str, Any], raw: Any) -> Any:
        """A raw response or a saved draft, as the canonical value that is graded."""
        return self.normalise(q, raw)

    def incomplete(self, q: Mapping[str, Any], draft: Any) -> str | None:
        """Why a (non-blank) saved draft is not yet a whole answer, for the learner; None when it is."""
        return None

    def draw_order(self, q: Mapping[str, Any], rng: random.Random, *, shuffle: bool) -> list[str] | None:
        """The ids of the options in the order an attempt shows them; None for a type without options."""
        return None

    @property
    def template(self) -> str:
        """The template that renders the type's fields in the attempt page's question."""
        return f"assessments/includes/questions/{self.key}.html"

    @abstractmethod
    def display(self, q: Mapping[str, Any], shown: DisplayQuestion, *, order: list[str], saved: Any) -> None:
        """Fill `shown` with the learner's saved answer and what the form needs, and nothing of the answer key."""

    @abstractmethod
    def from_post(self, q: Mapping[str, Any], *, name: str, order: list[str], data: PostData) -> Any:
        """The raw response from the posted fields named from `name`; MalformedResponse for nonsense."""

    # --- grading ----------------------------------------------------------------------------------------

    @abstractmethod
    def grade(self, q: Mapping[str, Any], value: Any) -> Outcome:
        """The share of the points a normalised response earns, with its feedback and detail."""

    # --- exchange ---------------------------------------------------------------------------------------

    @abstractmethod
    def gift_problem(self, q: Mapping[str, Any]) -> str | None:
        """Why GIFT cannot hold `q`, for a comment line of the export; None when it can."""

    @abstractmethod
    def gift_answers(self, q: Mapping[str, Any], writer: GiftWriter) -> list[str]:
        """The lines between the braces of `q` in GIFT (general feedback aside)."""

    def gift_prompt(self, q: Mapping[str, Any]) -> tuple[str, str, str]:
        """The question text in GIFT, and its parts before and after the braces. A `_____` with text after it
        marks where the braces were (as Moodle's missing-word questions)."""
        prompt = q.get("prompt", "")
        if GIFT_BLANK in prompt and prompt.partition(GIFT_BLANK)[2].strip():
            before, _placeholder, after = prompt.partition(GIFT_BLANK)
            return prompt, before, after
        return prompt, prompt, ""

    def gift_place(self, question: dict[str, Any], answers: GiftAnswers, *, before: str, after: str) -> None:
        """Put the text around the braces of a GIFT question into the question read from it: the prompt, with a
        `_____` where the braces were when text follows them."""
        if after.strip():
            question["prompt"] = answers.render(before + GIFT_BLANK + after, keep_lines=True)
        else:
            question["prompt"] = answers.render(before, keep_lines=True)

    def gift_read(self, answers: GiftAnswers) -> dict[str, Any] | None:
        """The question's own keys from GIFT answers of the syntax this type owns; None when they are broken
        (with the reasons on `answers`). Only types that own a GIFT syntax read one."""
        raise NotImplementedError(f"{self.key} owns no GIFT syntax")

    # --- analysis ---------------------------------------------------------------------------------------

    def distractors(self, q: Mapping[str, Any], values: Sequence[Any]) -> list[tuple[str, int, bool]]:
        """For each option: its text, how many of the saved responses `values` chose it, and whether it is right.
        Empty for a type without options."""
        return []
