"""Every change to what a learner has done goes through here: views, hooks, tasks, commands and other apps.

Locking rule: every function that writes an enrolment's rows first locks that enrolment row
(`SELECT ... FOR UPDATE`), so item rows and aggregates of one enrolment are written one writer at a
time; the aggregates are then recomputed from the item rows in the same transaction (by `lesson_complete`
from the item rows and the course's cached outline, without reading the course's pages). Other apps report
results through `item_result_record` and nothing else.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any, cast

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
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
from django.db.models.functions import Coalesce, Greatest, Least, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from content.models import CourseItemPage, CoursePage, LessonPage, ModulePage
from content.selectors import CourseOutline, OutlineItem, course_outline
from lms.db import fixed_statement_rows, row_shape
from lms.models import User
from lms.outbox import outbox_enqueue
from lms.roles import PLATFORM_ADMINS
from progress import xapi
from progress.models import (
    STATE_RANK,
    CourseProgress,
    Enrolment,
    EnrolmentSource,
    EnrolmentStatus,
    ItemProgress,
    ItemState,
    ModuleProgress,
    Statement,
)

HUNDRED = Decimal("100")
CENT = Decimal("0.01")
FIGURE_FIELDS = [
    "minutes_done",
    "minutes_total",
    "percent",
    "items_started",
    "items_done",
    "items_total",
    "required_done",
    "required_total",
    "grade",
    "updated_at",
]


class ProgressError(Exception):
    """A rule of enrolment or progress refused the change; the message is for the learner."""


class NotEnrolled(ProgressError):
    pass


class EnrolmentRefused(ProgressError):
    pass


class PaymentRequired(EnrolmentRefused):
    pass


class PrerequisitesMissing(EnrolmentRefused):
    def __init__(self, missing: list[CoursePage]) -> None:
        self.missing = missing
        titles = ", ".join(course.title for course in missing)
        super().__init__(_("Complete these courses first: %(titles)s.") % {"titles": titles})


class ItemLocked(ProgressError):
    pass


# --- permissions -----------------------------------------------------------------------------------


def user_is_platform_admin(user: User) -> bool:
    return bool(user.is_superuser or user.groups.filter(name=PLATFORM_ADMINS).exists())


def user_can_edit_course(*, user: User, course: CoursePage) -> bool:
    """Instructors of the course and anyone Wagtail lets edit its page (editors, platform admins)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(course.permissions_for_user(user).can_edit())


# --- helpers -----------------------------------------------------------------------------------------


def course_of_item(item: Page) -> CoursePage:
    """The course an item belongs to: its grandparent in the page tree (one query)."""
    return CoursePage.objects.get(path=item.path[: -2 * Page.steplen])


def _locked_enrolment(*, user: User, course: CoursePage) -> Enrolment:
    try:
        return Enrolment.objects.select_for_update().get(user=user, course=course)
    except Enrolment.DoesNotExist:
        raise NotEnrolled(_("You are not enrolled in this course.")) from None


def _locked_enrolment_in_course_of(*, user: User, item: Page) -> Enrolment:
    """The learner's enrolment row, locked, with its course: `course_of_item` and `_locked_enrolment` in one
    query (the course is the item's grandparent; only the enrolment row is locked). The same statement as the
    item pages' gate read, so one prepared statement serves both; its course aggregate is not used here."""
    from progress.selectors import _enrolment_for_course_path  # the selectors import these services

    enrolment = _enrolment_for_course_path(user=user, course_path=item.path[: -2 * Page.steplen], lock=True)
    if enrolment is None:
        raise NotEnrolled(_("You are not enrolled in this course."))
    enrolment.user = user  # the lock matched on it: no query for the learner's name in a statement
    return enrolment


def _percent(part: int, whole: int) -> Decimal:
    if whole <= 0:
        return Decimal("0")
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_DOWN)


def _grade(weighted_sum: Decimal | None, weight_total: Decimal | None) -> Decimal | None:
    if not weight_total:
        return None
    return (Decimal(weighted_sum or 0) / Decimal(weight_total)).quantize(CENT, rounding=ROUND_DOWN)


def course_grade(progress: CourseProgress) -> Decimal:
    """The weighted grade the pass mark is compared with: 100 when nothing in the course is graded."""
    return HUNDRED if progress.grade is None else progress.grade


def meets_policy(*, course: CoursePage, progress: CourseProgress) -> bool:
    return (
        progress.items_total > 0
        and progress.required_done == progress.required_total
        and course_grade(progress) >= course.pass_mark
    )


def _statement_build(*, enrolment: Enrolment, verb: str, object_: dict[str, Any], **extra: Any) -> Statement:
    course = enrolment.course
    payload = xapi.statement(
        verb=verb,
        actor_=xapi.actor(user_id=enrolment.user_id, name=str(enrolment.user)),
        object_=object_,
        registration=enrolment.registration,
        timestamp=extra.pop("timestamp", None) or timezone.now(),
        parent=None if object_["definition"]["type"] == xapi.ACTIVITY_COURSE else _course_object(course),
        **extra,
    )
    return Statement(id=payload["id"], enrolment=enrolment, verb=verb, payload=payload)


def _statement_record(*, enrolment: Enrolment, verb: str, object_: dict[str, Any], **extra: Any) -> None:
    _statement_build(enrolment=enrolment, verb=verb, object_=object_, **extra).save(force_insert=True)


def _course_object(course: CoursePage) -> dict[str, Any]:
    return xapi.course_activity(course_id=course.pk, title=course.title)


def _item_object(item: CourseItemPage) -> dict[str, Any]:
    kind = ContentType.objects.get_for_id(item.content_type_id).model
    return xapi.item_activity(item_id=item.pk, title=item.title, kind=kind)


# --- aggregates -------------------------------------------------------------------------------------


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


# --- enrolment ------------------------------------------------------------------------------------


def missing_prerequisites(*, user: User, course: CoursePage) -> list[CoursePage]:
    """The prerequisite courses `user` has not completed (one query)."""
    completed = Enrolment.objects.filter(course=OuterRef("pk"), user=user, completed_at__isnull=False)
    return list(CoursePage.objects.filter(required_by=course).filter(~Exists(completed)).order_by("title"))


def course_open_to(*, user: User, course: CoursePage) -> bool:
    """May `user` see `course` under its view restrictions? A private course (organizations) is restricted to its
    organization's members group; a restriction to signed-in users is met by any user. A password restriction
    can only be met in a browser session, so the enrol view checks the request itself."""
    for restriction in course.get_view_restrictions():
        if restriction.restriction_type == restriction.GROUPS:
            if not user.is_superuser and not restriction.groups.filter(user=user).exists():
                return False
        elif restriction.restriction_type == restriction.PASSWORD:
            return False
    return True


@transaction.atomic
def enrolment_create(
    *, user: User, course: CoursePage, source: str = EnrolmentSource.FREE, actor: User | None = None
) -> Enrolment:
    """Enrol `user` in `course`, or give back their enrolment: idempotent, and an unenrolled learner's records return.

    Locks the (user, course) enrolment row. `free` needs a free course, or an earlier paid enrolment to come
    back to, and the learner (or an admin) acting;
    `admin` needs an actor who may edit the course and skips prerequisites; `purchase` and `seat` are for
    commerce and organizations, which have checked payment or the seat.
    """
    if source not in EnrolmentSource.values:
        raise ValueError(f"unknown enrolment source {source!r}")
    if source == EnrolmentSource.ADMIN:
        if actor is None or not user_can_edit_course(user=actor, course=course):
            raise PermissionDenied("You may not enrol learners in this course.")
    elif (
        source == EnrolmentSource.FREE
        and actor is not None
        and actor.pk != user.pk
        and not user_can_edit_course(user=actor, course=course)
    ):
        raise PermissionDenied("You may not enrol another learner.")
    if not course.live:
        raise EnrolmentRefused(_("This course is not open for enrolment."))
    enrolment = Enrolment.objects.select_for_update().filter(user=user, course=course).first()
    if enrolment is not None and enrolment.is_active:
        return enrolment
    if source == EnrolmentSource.FREE and not course_open_to(user=user, course=course):
        raise EnrolmentRefused(_("This course is open only to the members of the organization that offers it."))
    earlier_source = enrolment.source if enrolment is not None else EnrolmentSource.FREE
    if source == EnrolmentSource.FREE and earlier_source != EnrolmentSource.FREE:
        source = earlier_source  # coming back to a course paid for (or given) earlier costs nothing
    if source == EnrolmentSource.FREE and not course.is_free:
        raise PaymentRequired(_("This course is not free: paid enrolment is not open yet."))
    if source != EnrolmentSource.ADMIN:
        missing = missing_prerequisites(user=user, course=course)
        if missing:
            raise PrerequisitesMissing(missing)
    now = timezone.now()
    if enrolment is None:
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(user=user, course=course, source=source, enrolled_at=now)
        except IntegrityError:  # a concurrent request enrolled first: theirs is ours
            return Enrolment.objects.select_for_update().get(user=user, course=course)
    else:
        enrolment.status, enrolment.source, enrolment.unenrolled_at = EnrolmentStatus.ACTIVE, source, None
        enrolment.save(update_fields=["status", "source", "unenrolled_at"])
    enrolment.course = course
    _statement_record(enrolment=enrolment, verb=xapi.VERB_REGISTERED, object_=_course_object(course), timestamp=now)
    progress = progress_refresh(enrolment=enrolment)
    _complete_if_due(enrolment=enrolment, progress=progress)
    return enrolment


@transaction.atomic
def enrolment_cancel(*, enrolment: Enrolment, user: User) -> Enrolment:
    """Unenrol: the learner (or an admin of the course) ends it; every record is kept. Locks the enrolment row."""
    locked = Enrolment.objects.select_for_update().select_related("course").get(pk=enrolment.pk)
    if locked.user_id != user.pk and not user_can_edit_course(user=user, course=locked.course):
        raise PermissionDenied("You may not unenrol this learner.")
    if locked.is_active:
        locked.status, locked.unenrolled_at = EnrolmentStatus.UNENROLLED, timezone.now()
        locked.save(update_fields=["status", "unenrolled_at"])
    return locked


# --- items -------------------------------------------------------------------------------------------


def _item_row(*, enrolment: Enrolment, item: CourseItemPage) -> ItemProgress:
    row = ItemProgress.objects.filter(enrolment=enrolment, item=item).first()
    if row is None:
        row = ItemProgress(enrolment=enrolment, item=item)
    return row


def _apply_event(row: ItemProgress, *, completed: bool, score: Decimal | None, occurred_at: datetime) -> list[str]:
    """Merge one event into the row so that nothing goes down; return what moved forward."""
    moved = []
    target = ItemState.COMPLETE if completed else ItemState.IN_PROGRESS
    if STATE_RANK[ItemState(target)] > STATE_RANK[ItemState(row.state)]:
        if row.state == ItemState.NOT_STARTED:
            moved.append("started")
        if target == ItemState.COMPLETE:
            moved.append("completed")
        row.state = target
    if row.started_at is None or occurred_at < row.started_at:
        row.started_at = occurred_at
    if completed and (row.completed_at is None or occurred_at < row.completed_at):
        row.completed_at = occurred_at
    if score is not None and (row.score is None or score > row.score):
        row.score = score
        moved.append("scored")
    if row.last_event_at is None or occurred_at > row.last_event_at:
        row.last_event_at = occurred_at
    return moved


def _state_rank_sql(column: str) -> str:
    ranks = " ".join(f"WHEN '{state}' THEN {rank}" for state, rank in STATE_RANK.items())
    return f"(CASE {column} {ranks} END)"


# The merge of `_apply_event`, as one upsert: a state only moves up, the best score stays, `started_at` and
# `completed_at` keep the earliest time, `last_event_at` the latest. A duplicate (nothing moves) writes nothing.
_ITEM_MERGE = {
    "state": "CASE WHEN {new_rank} > {old_rank} THEN EXCLUDED.state ELSE stored.state END",
    "score": "GREATEST(stored.score, EXCLUDED.score)",
    "started_at": "LEAST(stored.started_at, EXCLUDED.started_at)",
    "completed_at": "LEAST(stored.completed_at, EXCLUDED.completed_at)",
    "last_event_at": "GREATEST(stored.last_event_at, EXCLUDED.last_event_at)",
}

_ITEM_RESULT_SQL = (
    "WITH old AS (SELECT {old_columns} FROM {items} WHERE enrolment_id = %(enrolment)s AND item_id = %(item)s),"
    " new AS (INSERT INTO {items} AS stored (enrolment_id, item_id, state, score, started_at, completed_at,"
    " last_event_at, updated_at, revision_id)"
    " VALUES (%(enrolment)s, %(item)s, %(state)s, %(score)s, %(at)s, %(completed_at)s, %(at)s, %(now)s, NULL)"
    " ON CONFLICT (enrolment_id, item_id) DO UPDATE SET {assignments}, updated_at = EXCLUDED.updated_at"
    " WHERE ({merged}) IS DISTINCT FROM ({stored})"
    " RETURNING {new_columns})"
    " SELECT {selected} FROM (SELECT 1) AS one LEFT JOIN old ON TRUE LEFT JOIN new ON TRUE"
)


@functools.cache
def _item_result_statement() -> tuple[str, Any]:
    """One statement that merges an event into the item row (inserting it on a first result) and returns the
    row before and after. Written once per process from the model's metadata."""
    shape = row_shape(ItemProgress)
    columns = [connection.ops.quote_name(str(f.column)) for f in ItemProgress._meta.concrete_fields]
    merge = {
        column: expression.format(new_rank=_state_rank_sql("EXCLUDED.state"), old_rank=_state_rank_sql("stored.state"))
        for column, expression in _ITEM_MERGE.items()
    }
    sql = _ITEM_RESULT_SQL.format(
        items=connection.ops.quote_name(ItemProgress._meta.db_table),
        old_columns=", ".join(columns),
        assignments=", ".join(f"{column} = {expression}" for column, expression in merge.items()),
        merged=", ".join(merge.values()),
        stored=", ".join(f"stored.{column}" for column in merge),
        new_columns=", ".join(columns),
        selected=", ".join([f"old.{c}" for c in columns] + [f"new.{c}" for c in columns]),
    )
    return sql, shape


def _item_result_merge(
    *, enrolment: Enrolment, item: CourseItemPage, completed: bool, score: Decimal | None, occurred_at: datetime
) -> tuple[ItemProgress, list[str] | None]:
    """Merge one event into the item row in one statement; the caller holds the enrolment lock, so the row
    read before the write is current. Returns the row and what moved forward (None: nothing was written)."""
    if connection.vendor != "postgresql":
        return _item_result_merge_in_python(
            enrolment=enrolment, item=item, completed=completed, score=score, occurred_at=occurred_at
        )
    sql, shape = _item_result_statement()
    params = {
        "enrolment": enrolment.pk,
        "item": item.pk,
        "state": ItemState.COMPLETE if completed else ItemState.IN_PROGRESS,
        "score": score,
        "at": occurred_at,
        "completed_at": occurred_at if completed else None,
        "now": timezone.now(),
    }
    values = fixed_statement_rows(sql=sql, params=params)[0]
    width = len(shape.columns)
    before = cast(ItemProgress, shape.build(values[:width])) if values[0] is not None else None
    if values[width] is None:
        return cast(ItemProgress, before), None  # a duplicate: nothing to write
    row = cast(ItemProgress, shape.build(values[width:]))
    old_state = before.state if before is not None else ItemState.NOT_STARTED
    old_score = before.score if before is not None else None
    moved = []
    if row.state != old_state:
        if old_state == ItemState.NOT_STARTED:
            moved.append("started")
        if row.state == ItemState.COMPLETE:
            moved.append("completed")
    if row.score != old_score:
        moved.append("scored")
    return row, moved


def _item_result_merge_in_python(
    *, enrolment: Enrolment, item: CourseItemPage, completed: bool, score: Decimal | None, occurred_at: datetime
) -> tuple[ItemProgress, list[str] | None]:
    """`_item_result_merge` for SQLite (the embedded default), which has no INSERT inside WITH: read the row, merge
    with `_apply_event`, write it. One statement more; SQLite runs one writer at a time, so the read is current."""
    row = _item_row(enrolment=enrolment, item=item)
    facts = (row.state, row.score, row.started_at, row.completed_at, row.last_event_at)
    moved = _apply_event(row, completed=completed, score=score, occurred_at=occurred_at)
    if row.pk is not None and facts == (row.state, row.score, row.started_at, row.completed_at, row.last_event_at):
        return row, None
    row.save()
    return row, moved


@transaction.atomic(savepoint=False)
def item_result_record(
    *, user: User, item: CourseItemPage, completed: bool, score: Decimal | None, occurred_at: datetime
) -> ItemProgress:
    """Record a result for one item: the entry point for every app that grades or completes an item.

    `score` is the item's percent (0-100) or None. Monotonic: a state or score never goes down, so an old
    or duplicated event arriving late changes nothing. Locks the learner's enrolment row, upserts the item
    row, rewrites the aggregates and evaluates the completion policy, all in this transaction; "course
    completed" is sent after commit, once.
    """
    if score is not None and not Decimal("0") <= score <= HUNDRED:
        raise ValueError("score is a percent between 0 and 100")
    enrolment = _locked_enrolment_in_course_of(user=user, item=item)
    row, moved = _item_result_merge(
        enrolment=enrolment, item=item, completed=completed, score=score, occurred_at=occurred_at
    )
    if not moved:
        return row  # a duplicate, or an older event that only moved a date back
    _statements_for(enrolment=enrolment, item=item, score=row.score, moved=moved, occurred_at=occurred_at)
    progress = progress_refresh(enrolment=enrolment)
    _complete_if_due(enrolment=enrolment, progress=progress)
    return row


def _statements_for(
    *, enrolment: Enrolment, item: CourseItemPage, score: Decimal | None, moved: list[str], occurred_at: datetime
) -> None:
    """The statements of what moved, in one INSERT (a first result is both "attempted" and "completed")."""
    if not moved:
        return
    obj = _item_object(item)
    statements = []
    if "started" in moved:
        statements.append(
            _statement_build(enrolment=enrolment, verb=xapi.VERB_ATTEMPTED, object_=obj, timestamp=occurred_at)
        )
    if "completed" in moved:
        statements.append(
            _statement_build(
                enrolment=enrolment,
                verb=xapi.VERB_COMPLETED,
                object_=obj,
                result_=xapi.result(completion=True, score=score),
                timestamp=occurred_at,
            )
        )
    elif "scored" in moved:
        statements.append(
            _statement_build(
                enrolment=enrolment,
                verb=xapi.VERB_SCORED,
                object_=obj,
                result_=xapi.result(score=score),
                timestamp=occurred_at,
            )
        )
    Statement.objects.bulk_create(statements)


def _check_not_locked(*, enrolment: Enrolment, item: CourseItemPage) -> None:
    from progress.selectors import item_is_locked

    if enrolment.course.sequential and item_is_locked(enrolment=enrolment, item=item):
        raise ItemLocked(_("Complete the previous module first."))


def item_open(
    *,
    user: User,
    item: CourseItemPage,
    enrolment: Enrolment | None = None,
    states: dict[int, dict[str, Any]] | None = None,
) -> ItemProgress | None:
    """The learner opened `item`: it is in progress (never lowered) and becomes what "Resume" opens.

    Refuses when the learner is not actively enrolled or the item is locked. A caller that has read the
    learner's active `enrolment` and item `states` (the page gate) gets the cheap path when the item was
    opened before: one UPDATE of the enrolment's "last opened", no lock and no rewrite of the item row
    (plus one UPDATE of the row when the item has a new live revision since); it returns None then. No
    UPDATE of "last opened" when this item is already the last opened, less than LAST_OPENED_REFRESH ago.
    A first visit locks the enrolment row and creates the item row, its statement and the aggregates.
    """
    known = states.get(item.pk) if enrolment is not None and states is not None else None
    if known is not None and known["state"] in (ItemState.IN_PROGRESS, ItemState.COMPLETE):
        _item_reopen(enrolment=enrolment, item=item, states=states, known=known)  # type: ignore[arg-type]
        return None
    return _item_first_open(user=user, item=item)


def _item_reopen(
    *, enrolment: Enrolment, item: CourseItemPage, states: dict[int, dict[str, Any]], known: dict[str, Any]
) -> None:
    """Nothing moves forward on a second visit: a row lock would only serialise the learner's own tabs."""
    from progress.selectors import item_is_locked

    if enrolment.course.sequential and item_is_locked(enrolment=enrolment, item=item, states=states):
        raise ItemLocked(_("Complete the previous module first."))
    now = timezone.now()
    if not _last_opened_is_fresh(enrolment=enrolment, item=item, now=now):
        opened = Enrolment.objects.filter(pk=enrolment.pk, status=EnrolmentStatus.ACTIVE).update(
            last_opened_item=item, last_opened_at=now
        )
        if not opened:
            raise NotEnrolled(_("You are not enrolled in this course."))
        enrolment.last_opened_item, enrolment.last_opened_at = item, now
    if "revision_id" in known and known["revision_id"] != item.live_revision_id:
        ItemProgress.objects.filter(enrolment=enrolment, item=item).update(revision_id=item.live_revision_id)
        known["revision_id"] = item.live_revision_id


# "Last opened" (what Resume opens, the dashboard's order, the instructor's report) is not rewritten when the
# same item was already the last one opened this recently: a reload or a return to the same page costs no write.
LAST_OPENED_REFRESH = timedelta(minutes=5)


def _last_opened_is_fresh(*, enrolment: Enrolment, item: CourseItemPage, now: datetime) -> bool:
    return (
        enrolment.last_opened_item_id == item.pk
        and enrolment.last_opened_at is not None
        and timedelta(0) <= now - enrolment.last_opened_at < LAST_OPENED_REFRESH
    )


@transaction.atomic
def _item_first_open(*, user: User, item: CourseItemPage) -> ItemProgress:
    """Locks the enrolment row; the item row is created (or raised to in progress) under that lock."""
    course = course_of_item(item)
    enrolment = _locked_enrolment(user=user, course=course)
    if not enrolment.is_active:
        raise NotEnrolled(_("You are not enrolled in this course."))
    enrolment.course = course
    _check_not_locked(enrolment=enrolment, item=item)
    now = timezone.now()
    row = _item_row(enrolment=enrolment, item=item)
    moved = _apply_event(row, completed=False, score=None, occurred_at=now)
    row.revision_id = item.live_revision_id
    row.save()
    Enrolment.objects.filter(pk=enrolment.pk).update(last_opened_item=item, last_opened_at=now)
    if moved:
        _statements_for(enrolment=enrolment, item=item, score=row.score, moved=moved, occurred_at=now)
        progress_refresh(enrolment=enrolment)
    return row


def _lesson_row_complete(
    *, enrolment: Enrolment, lesson: LessonPage, known: dict[str, Any] | None, now: datetime
) -> list[str]:
    """Write the lesson's row complete as `_apply_event` would (nothing goes down); return what moved forward.

    `known` is the row's state read under the enrolment lock: one INSERT or one UPDATE, no read of the row.
    """
    if known is None:
        ItemProgress.objects.create(
            enrolment=enrolment,
            item=lesson,
            state=ItemState.COMPLETE,
            started_at=now,
            completed_at=now,
            last_event_at=now,
        )
        return ["started", "completed"]
    at = Value(now)  # Coalesce: SQLite's LEAST and GREATEST answer NULL when a date is still NULL
    ItemProgress.objects.filter(enrolment=enrolment, item=lesson).update(
        state=ItemState.COMPLETE,
        started_at=Coalesce(Least("started_at", at), at),
        completed_at=Coalesce(Least("completed_at", at), at),
        last_event_at=Coalesce(Greatest("last_event_at", at), at),
        updated_at=now,
    )
    if known["state"] == ItemState.COMPLETE:
        return []  # a second click: only "last event" moves
    return ["started", "completed"] if known["state"] == ItemState.NOT_STARTED else ["completed"]


@dataclass(frozen=True)
class LessonCompletion:
    """What marking a lesson complete wrote, for the page that shows it without reading it again."""

    enrolment: Enrolment
    outline: CourseOutline
    states: dict[int, dict[str, Any]]
    modules: list[ModuleProgress]
    progress: CourseProgress

    @property
    def course(self) -> CoursePage:
        return self.enrolment.course


def lesson_complete(*, user: User, lesson: CourseItemPage) -> LessonCompletion:
    """The learner marks a lesson complete (button, or reaching its end when the course says so).

    Refuses items that are not live lessons, learners who are not actively enrolled, and locked modules.
    Locks the enrolment row as `item_result_record` does, then reads the learner's item rows once (a new
    statement, so it sees every write committed before the lock was granted): they decide the lock, the row's
    move and, with the course's cached outline, the aggregates, upserted without reading the course's pages.
    """
    from progress.selectors import _enrolment_for_course_path, _states_and_modules, locked_module_ids

    if not isinstance(lesson, LessonPage) or not lesson.live:
        raise ProgressError(_("Only a published lesson can be marked complete."))
    with transaction.atomic():
        course_path = lesson.path[: -2 * Page.steplen]
        enrolment = _enrolment_for_course_path(user=user, course_path=course_path, lock=True)
        if enrolment is None or not enrolment.is_active:
            raise NotEnrolled(_("You are not enrolled in this course."))
        enrolment.user = user  # the actor of the statements: no query for the learner's name
        course = enrolment.course
        outline = course_outline(course=course)
        states, module_stored = _states_and_modules(enrolment)
        module_id = next((item.module_id for item in outline.items if item.id == lesson.pk), None)
        if course.sequential and module_id in locked_module_ids(outline=outline, states=states):
            raise ItemLocked(_("Complete the previous module first."))
        known = states.get(lesson.pk)
        now = timezone.now()
        moved = _lesson_row_complete(enrolment=enrolment, lesson=lesson, known=known, now=now)
        score = known["score"] if known is not None else None
        states[lesson.pk] = {"state": ItemState.COMPLETE, "label": str(ItemState.COMPLETE.label), "score": score}
        _statements_for(enrolment=enrolment, item=lesson, score=score, moved=moved, occurred_at=now)
        module_rows, progress = _figures_from_outline(enrolment=enrolment, outline=outline, states=states)
        stale = set(module_stored) - {row.module_id for row in module_rows}
        _figures_write(enrolment=enrolment, module_rows=module_rows, progress=progress, prune=bool(stale))
        _complete_if_due(enrolment=enrolment, progress=progress)
        return LessonCompletion(
            enrolment=enrolment, outline=outline, states=states, modules=module_rows, progress=progress
        )


# --- recompute ----------------------------------------------------------------------------------------


@dataclass
class RecomputeReport:
    course_id: int
    enrolments: int = 0
    progress_changed: int = 0
    newly_completed: int = 0
    completion_revoked: int = 0
    grades_changed: int = 0
    changed_enrolment_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "course_id": self.course_id,
            "enrolments": self.enrolments,
            "progress_changed": self.progress_changed,
            "newly_completed": self.newly_completed,
            "completion_revoked": self.completion_revoked,
            "grades_changed": self.grades_changed,
        }


def _snapshot(progress: CourseProgress | None) -> tuple[Any, ...] | None:
    if progress is None:
        return None
    return (
        progress.minutes_done,
        progress.minutes_total,
        Decimal(progress.percent),
        progress.required_done,
        progress.required_total,
        None if progress.grade is None else Decimal(progress.grade),
        progress.next_item_id,
    )


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def course_recompute(
    *, course: CoursePage, actor: User, reset_completion: bool, batch_size: int = 200
) -> RecomputeReport:
    """Recompute every enrolment of `course` after its rules changed, one short transaction per batch.

    Each enrolment row is locked while it is rewritten, so learners keep studying during a recompute.
    Completion stays monotonic unless `reset_completion`, which only a platform admin may ask for: then
    an enrolment that no longer meets the policy loses its completion and a kept one gets its new grade.
    """
    if not user_can_edit_course(user=actor, course=course):
        raise PermissionDenied("You may not recompute this course.")
    if reset_completion and not user_is_platform_admin(actor):
        raise PermissionDenied("Only a platform admin may reset completions.")
    report = RecomputeReport(course_id=course.pk)
    ids = list(Enrolment.objects.filter(course=course).order_by("pk").values_list("pk", flat=True))
    for batch in _batches(ids, batch_size):
        with transaction.atomic():
            for enrolment in Enrolment.objects.select_for_update().filter(pk__in=batch).order_by("pk"):
                enrolment.course = course
                report.enrolments += 1
                before = _snapshot(CourseProgress.objects.filter(enrolment=enrolment).first())
                progress = progress_refresh(enrolment=enrolment)
                changed = before != _snapshot(progress)
                if reset_completion and enrolment.completed_at is not None:
                    if not meets_policy(course=course, progress=progress):
                        Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=None, final_grade=None)
                        enrolment.completed_at = enrolment.final_grade = None
                        report.completion_revoked += 1
                        changed = True
                    elif enrolment.final_grade != course_grade(progress):
                        Enrolment.objects.filter(pk=enrolment.pk).update(final_grade=course_grade(progress))
                        report.grades_changed += 1
                        changed = True
                if _complete_if_due(enrolment=enrolment, progress=progress):
                    report.newly_completed += 1
                    changed = True
                if changed:
                    report.progress_changed += 1
                    report.changed_enrolment_ids.append(enrolment.pk)
    return report
