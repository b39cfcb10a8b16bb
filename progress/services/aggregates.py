"""Progress aggregates: the module and course figures of an enrolment, from its item rows (in SQL) or from the
course's cached outline (in Python), their upsert, and the completion they may bring."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from wagtail.models import Page

from content.models import CourseItemPage, CoursePage, ModulePage
from content.selectors import CourseOutline, OutlineItem
from lms.outbox import outbox_enqueue
from progress import xapi
from progress.models import CourseProgress, Enrolment, ItemProgress, ItemState, ModuleProgress
from progress.services.events import _course_object, _statement_record
from progress.services.rules import _grade, _percent, course_grade, meets_policy
from progress.statements import FIGURE_FIELDS


def _live_items(course: CoursePage, module_paths: list[str]) -> Any:
    module_len = len(course.path) + Page.steplen
    return (
        CourseItemPage.objects.live()
        .descendant_of(course)
        .annotate(module_path=Substr("path", 1, module_len))
        .filter(module_path__in=module_paths)
    )


def progress_refresh(*, enrolment: Enrolment) -> CourseProgress:
    """Rewrite the module and course aggregates of `enrolment` from its item rows, by upsert.

    Five queries whatever the size of the course; the caller holds the enrolment row lock.
    """
    course = enrolment.course
    modules = dict(ModulePage.objects.live().child_of(course).values_list("path", "id"))
    complete = Q(mine__state=ItemState.COMPLETE)
    graded = Q(grade_weight__gt=0)
    money = DecimalField(max_digits=12, decimal_places=4)
    rows = (
        _live_items(course, list(modules))
        .annotate(mine=FilteredRelation("learner_progress", condition=Q(learner_progress__enrolment=enrolment)))
        .values("module_path")
        .annotate(
            minutes_total=Sum("estimated_minutes"),
            minutes_done=Sum(
                Case(When(complete, then=F("estimated_minutes")), default=Value(0), output_field=IntegerField())
            ),
            items_total=Count("id"),
            items_done=Count("id", filter=complete),
            items_started=Count("id", filter=Q(mine__state__in=[ItemState.IN_PROGRESS, ItemState.COMPLETE])),
            required_total=Count("id", filter=Q(required=True)),
            required_done=Count("id", filter=Q(required=True) & complete),
            weight_total=Sum("grade_weight", filter=graded, output_field=money),
            weighted_sum=Sum(
                F("grade_weight") * Coalesce(F("mine__score"), Value(Decimal("0")), output_field=money),
                filter=graded,
                output_field=money,
            ),
        )
        .order_by()
    )
    totals: dict[str, Any] = dict.fromkeys(
        (
            "minutes_total",
            "minutes_done",
            "items_total",
            "items_done",
            "items_started",
            "required_total",
            "required_done",
        ),
        0,
    )
    weight_total, weighted_sum = Decimal("0"), Decimal("0")
    module_rows = []
    for row in rows:
        for key in totals:
            totals[key] += row[key] or 0
        weight_total += row["weight_total"] or 0
        weighted_sum += row["weighted_sum"] or 0
        module_rows.append(
            ModuleProgress(
                enrolment=enrolment,
                module_id=modules[row["module_path"]],
                minutes_done=row["minutes_done"] or 0,
                minutes_total=row["minutes_total"] or 0,
                percent=_percent(row["minutes_done"] or 0, row["minutes_total"] or 0),
                items_started=row["items_started"],
                items_done=row["items_done"],
                items_total=row["items_total"],
                required_done=row["required_done"],
                required_total=row["required_total"],
                grade=_grade(row["weighted_sum"], row["weight_total"]),
            )
        )
    next_item_id = (
        _live_items(course, list(modules))
        .filter(
            ~Exists(ItemProgress.objects.filter(item=OuterRef("pk"), enrolment=enrolment, state=ItemState.COMPLETE))
        )
        .order_by(Case(When(required=True, then=Value(0)), default=Value(1)), "path")
        .values_list("id", flat=True)
        .first()
    )
    progress = CourseProgress(
        enrolment=enrolment,
        next_item_id=next_item_id,
        percent=_percent(totals["minutes_done"], totals["minutes_total"]),
        grade=_grade(weighted_sum, weight_total),
        **totals,
    )
    _figures_write(enrolment=enrolment, module_rows=module_rows, progress=progress)
    return progress


def _figures_write(
    *, enrolment: Enrolment, module_rows: list[ModuleProgress], progress: CourseProgress, prune: bool = True
) -> None:
    """Upsert the module and course aggregates; `prune` deletes the rows of modules no longer listed."""
    ModuleProgress.objects.bulk_create(
        module_rows,
        update_conflicts=True,
        unique_fields=["enrolment", "module"],
        update_fields=FIGURE_FIELDS,
    )
    if prune:
        ModuleProgress.objects.filter(enrolment=enrolment).exclude(
            module_id__in=[m.module_id for m in module_rows]
        ).delete()
    CourseProgress.objects.bulk_create(
        [progress], update_conflicts=True, unique_fields=["enrolment"], update_fields=[*FIGURE_FIELDS, "next_item"]
    )


@dataclass
class _Figures:
    """Running sums of one module or of the course, as `progress_refresh` computes them in SQL."""

    minutes_total: int = 0
    minutes_done: int = 0
    items_total: int = 0
    items_done: int = 0
    items_started: int = 0
    required_total: int = 0
    required_done: int = 0
    weight_total: Decimal = Decimal("0")
    weighted_sum: Decimal = Decimal("0")

    def add(self, item: OutlineItem, state: dict[str, Any] | None) -> None:
        done = state is not None and state["state"] == ItemState.COMPLETE
        self.minutes_total += item.minutes
        self.items_total += 1
        self.required_total += item.required
        if done:
            self.minutes_done += item.minutes
            self.items_done += 1
            self.required_done += item.required
        if state is not None and state["state"] in (ItemState.IN_PROGRESS, ItemState.COMPLETE):
            self.items_started += 1
        if item.grade_weight > 0:
            self.weight_total += item.grade_weight
            self.weighted_sum += item.grade_weight * ((state or {}).get("score") or Decimal("0"))

    def merge(self, other: _Figures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def counts(self) -> dict[str, Any]:
        return {
            "minutes_done": self.minutes_done,
            "minutes_total": self.minutes_total,
            "percent": _percent(self.minutes_done, self.minutes_total),
            "items_started": self.items_started,
            "items_done": self.items_done,
            "items_total": self.items_total,
            "required_done": self.required_done,
            "required_total": self.required_total,
            "grade": _grade(self.weighted_sum, self.weight_total),
        }


def _figures_from_outline(
    *, enrolment: Enrolment, outline: CourseOutline, states: dict[int, dict[str, Any]]
) -> tuple[list[ModuleProgress], CourseProgress]:
    """The aggregates `progress_refresh` writes, from the course's cached outline (its live modules and items)
    and the learner's item rows: the same figures and next item, without reading the course's pages."""
    module_rows = []
    course = _Figures()
    next_required = next_optional = None
    for module in outline.modules:
        if not module.items:
            continue  # as in SQL: a module without live items has no aggregate
        figures = _Figures()
        for item in module.items:
            state = states.get(item.id)
            figures.add(item, state)
            if state is None or state["state"] != ItemState.COMPLETE:
                if item.required and next_required is None:
                    next_required = item.id
                elif not item.required and next_optional is None:
                    next_optional = item.id
        module_rows.append(ModuleProgress(enrolment=enrolment, module_id=module.id, **figures.counts()))
        course.merge(figures)
    next_item_id = next_required if next_required is not None else next_optional
    return module_rows, CourseProgress(enrolment=enrolment, next_item_id=next_item_id, **course.counts())


def _complete_if_due(*, enrolment: Enrolment, progress: CourseProgress) -> bool:
    """Record completion once: a conditional UPDATE ... WHERE completed_at IS NULL, and "course completed" in the
    outbox in the same transaction (the signal is sent after the commit)."""
    course = enrolment.course
    if (
        enrolment.completed_at is not None
        or not enrolment.is_active
        or not meets_policy(course=course, progress=progress)
    ):
        return False
    now = timezone.now()
    grade = course_grade(progress)
    updated = Enrolment.objects.filter(pk=enrolment.pk, completed_at__isnull=True).update(
        completed_at=now, final_grade=grade
    )
    if not updated:
        return False
    enrolment.completed_at, enrolment.final_grade = now, grade
    _statement_record(
        enrolment=enrolment,
        verb=xapi.VERB_COMPLETED,
        object_=_course_object(course),
        result_=xapi.result(completion=True, success=True, score=grade),
        timestamp=now,
    )
    # Recorded with the completion, sent by the worker after the commit (progress.tasks): never lost to the broker.
    ids = {"enrolment_id": enrolment.pk, "user_id": enrolment.user_id, "course_id": course.pk}
    outbox_enqueue(handler="progress.course_completed", payload=ids)
    return True
