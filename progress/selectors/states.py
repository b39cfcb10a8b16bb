"""The learner's item states, the locks of a sequential course, and why an enrolment is or is not complete."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from content.models import CourseItemPage, CoursePage
from content.selectors import CourseOutline, OutlineItem, course_outline
from progress.models import CourseProgress, Enrolment, ItemProgress, ItemState
from progress.services.rules import course_grade
from progress.statements import item_and_module_rows

LOCKED = "locked"
CENT = Decimal("0.01")  # item scores and module percents have two decimal places
# The required items not complete that the course page names (progress/includes/completion_status.html).
MISSING_SHOWN = 5


_STATE_LABELS: dict[str, dict[str, str]] = {}  # by language: the labels read on every item and course page


def _state_labels() -> dict[str, str]:
    language = get_language() or ""
    labels = _STATE_LABELS.get(language)
    if labels is None:
        labels = _STATE_LABELS[language] = {
            ItemState.COMPLETE: _("Complete"),
            ItemState.IN_PROGRESS: _("In progress"),
            ItemState.NOT_STARTED: _("Not started"),
            LOCKED: _("Locked"),
        }
    return labels


def _state_label(state: str) -> str:
    return _state_labels()[state]


def whole_percent(value: Decimal | int | None) -> int:
    """Progress bars show whole percents, rounded down so that 100 means done."""
    return int(value or 0)


def item_states_for(*, enrolment: Enrolment, course: CoursePage) -> dict[int, dict[str, Any]]:
    """{item_id: {"state", "label", "score"}} for the items this enrolment has touched: one query."""
    if enrolment.course_id != course.pk:
        raise ValueError("the enrolment is not in this course")
    return {
        item_id: {"state": state, "label": _state_label(state), "score": score}
        for item_id, state, score in ItemProgress.objects.filter(enrolment=enrolment).values_list(
            "item_id", "state", "score"
        )
    }


def locked_module_ids(*, outline: CourseOutline, states: dict[int, dict[str, Any]]) -> set[int]:
    """In sequential mode a module opens when every earlier module's required items are complete."""
    locked: set[int] = set()
    open_so_far = True
    for module in outline.modules:
        if not open_so_far:
            locked.add(module.id)
        done = all(
            (states.get(item.id) or {}).get("state") == ItemState.COMPLETE for item in module.items if item.required
        )
        open_so_far = open_so_far and done
    return locked


def item_is_locked(
    *, enrolment: Enrolment, item: CourseItemPage, states: dict[int, dict[str, Any]] | None = None
) -> bool:
    """True when the course is sequential and `item` sits in a module that has not opened.

    The outline comes from the cache (two queries on a miss); one query for the item states unless given.
    """
    course = enrolment.course
    if not course.sequential:
        return False
    outline = course_outline(course=course)
    position = outline.position(item.pk)
    module_id = outline.items[position].module_id if position is not None else None
    if states is None:
        states = item_states_for(enrolment=enrolment, course=course)
    return module_id in locked_module_ids(outline=outline, states=states)


@dataclass(frozen=True)
class CompletionStatus:
    complete: bool
    completed_at: datetime | None
    final_grade: Decimal | None
    grade: Decimal
    pass_mark: Decimal
    graded: bool
    outline: CourseOutline = field(repr=False, compare=False)
    states: dict[int, dict[str, Any]] = field(repr=False, compare=False)

    @functools.cached_property
    def missing_required_count(self) -> int:
        """How many required items are not complete, counted from the learner's rows (the course page shows the
        number and the first few, not the list: walking a 5,000-item outline was most of its cost)."""
        required = self.outline.required_ids
        done = sum(
            1 for item_id, row in self.states.items() if row.get("state") == ItemState.COMPLETE and item_id in required
        )
        return len(required) - done

    @functools.cached_property
    def missing_required_first(self) -> list[OutlineItem]:
        """The first MISSING_SHOWN required items not complete, in course order."""
        first: list[OutlineItem] = []
        for item in self.outline.required_items:
            if (self.states.get(item.id) or {}).get("state") != ItemState.COMPLETE:
                first.append(item)
                if len(first) == MISSING_SHOWN:
                    break
        return first

    @property
    def missing_required_more(self) -> int:
        """How many required items not complete the course page does not name."""
        return self.missing_required_count - len(self.missing_required_first)

    @property
    def grade_gap(self) -> Decimal:
        """How many points the weighted grade is below the pass mark (0 when it is reached)."""
        return max(Decimal("0"), self.pass_mark - self.grade)


def completion_status(
    *,
    enrolment: Enrolment,
    outline: CourseOutline | None = None,
    states: dict[int, dict[str, Any]] | None = None,
    progress: CourseProgress | None = None,
) -> CompletionStatus:
    """Why an enrolment is or is not complete: the required items missing and the distance to the pass mark.

    Four queries, fewer when the caller already has the outline, the item states or the aggregate.
    """
    course = enrolment.course
    outline = outline if outline is not None else course_outline(course=course)
    states = states if states is not None else item_states_for(enrolment=enrolment, course=course)
    if progress is None:
        progress = CourseProgress.objects.filter(enrolment=enrolment).first() or CourseProgress(enrolment=enrolment)
    return CompletionStatus(
        complete=enrolment.completed_at is not None,
        completed_at=enrolment.completed_at,
        final_grade=enrolment.final_grade,
        grade=course_grade(progress),
        pass_mark=course.pass_mark,
        graded=progress.grade is not None,
        outline=outline,
        states=states,
    )


def states_from_rows(rows: Iterable[Sequence[Any]]) -> tuple[dict[int, dict[str, Any]], dict[int, Decimal]]:
    """Rows of ('item', item id, state, score, revision id) and ('module', module id, '', percent, None) as the
    item states and the stored module percents."""
    states: dict[int, dict[str, Any]] = {}
    module_stored: dict[int, Decimal] = {}
    labels = _state_labels()
    for kind, pk, state, number, revision_id in rows:
        if number is not None:  # PostgreSQL gives Decimal; SQLite a float or an int; JSON text
            number = Decimal(str(number)).quantize(CENT)
        if kind == "module":
            module_stored[pk] = number or Decimal("0")
        else:
            states[pk] = {"state": state, "label": labels[state], "score": number, "revision_id": revision_id}
    return states, module_stored


def states_and_modules(enrolment: Enrolment) -> tuple[dict[int, dict[str, Any]], dict[int, Decimal]]:
    """The enrolment's item states and stored module percents: one query (a UNION ALL of the two tables)."""
    return states_from_rows(item_and_module_rows(enrolment_id=enrolment.pk))
