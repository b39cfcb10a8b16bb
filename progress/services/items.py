"""Item results and visits: the one entry point for other apps' results, and opening an item."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, cast

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.models import Page

from content.models import CourseItemPage
from content.selectors import CourseOutline, course_outline
from lms.models import User
from progress import statements, xapi
from progress.models import STATE_RANK, Enrolment, EnrolmentStatus, ItemProgress, ItemState
from progress.services.aggregates import _complete_if_due, progress_refresh
from progress.services.enrolments import _locked_enrolment
from progress.services.events import _item_object, _statement_build, _statements_for
from progress.services.rules import HUNDRED, ItemLocked, NotEnrolled, course_of_item
from progress.statements import enrolment_for_course_path


def _locked_enrolment_in_course_of(*, user: User, item: Page) -> Enrolment:
    """The learner's enrolment row, locked, with its course: `course_of_item` and `_locked_enrolment` in one
    query (the course is the item's grandparent; only the enrolment row is locked). The same statement as the
    item pages' gate read, so one prepared statement serves both; its course aggregate is not used here."""
    enrolment = enrolment_for_course_path(user_id=user.pk, course_path=item.path[: -2 * Page.steplen], lock=True)[0]
    if enrolment is None:
        raise NotEnrolled(_("You are not enrolled in this course."))
    enrolment.user = user  # the lock matched on it: no query for the learner's name in a statement
    return enrolment


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


def _item_result_merge(
    *, enrolment: Enrolment, item: CourseItemPage, completed: bool, score: Decimal | None, occurred_at: datetime
) -> tuple[ItemProgress, list[str] | None]:
    """Merge one event into the item row by `_apply_event`'s rules: one upsert on PostgreSQL
    (`statements.item_result_upsert`), a read and a write elsewhere. The caller holds the enrolment lock (every
    writer of an item row's facts does), so the row read is current. Returns the row and what moved forward
    (None: nothing was written)."""
    arguments: dict[str, Any] = {
        "enrolment_id": enrolment.pk,
        "item_id": item.pk,
        "completed": completed,
        "score": score,
        "occurred_at": occurred_at,
        "now": timezone.now(),
    }
    if connection.vendor == "postgresql":
        before, after = statements.item_result_upsert(**arguments)
    else:
        merge = partial(_apply_event, completed=completed, score=score, occurred_at=occurred_at)
        before, after = statements.item_result_upsert_orm(**arguments, merge=merge)
    if after is None:
        return cast(ItemProgress, before), None  # a duplicate, or an older event: nothing to write
    old_state = before.state if before is not None else ItemState.NOT_STARTED
    moved = []
    if after.state != old_state:
        if old_state == ItemState.NOT_STARTED:
            moved.append("started")
        if after.state == ItemState.COMPLETE:
            moved.append("completed")
    if after.score != (before.score if before is not None else None):
        moved.append("scored")
    return after, moved


@transaction.atomic(savepoint=False)
def item_result_record(
    *, user: User, item: CourseItemPage, completed: bool, score: Decimal | None, occurred_at: datetime
) -> ItemProgress:
    """Record a result for one item: the entry point for every app that grades or completes an item.

    `score` is the item's percent (0-100) or None. Monotonic: a state or score never goes down, so an old
    or duplicated event arriving late changes nothing. Locks the learner's enrolment row, writes the item
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


def _check_not_locked(*, enrolment: Enrolment, item: CourseItemPage) -> None:
    from progress.selectors import item_is_locked  # the selectors import these services

    if enrolment.course.sequential and item_is_locked(enrolment=enrolment, item=item):
        raise ItemLocked(_("Complete the previous module first."))


def item_open(
    *,
    user: User,
    item: CourseItemPage,
    enrolment: Enrolment | None = None,
    states: dict[int, dict[str, Any]] | None = None,
    outline: CourseOutline | None = None,
) -> ItemProgress | None:
    """The learner opened `item`: it is in progress (never lowered) and becomes what "Resume" opens.

    Refuses when the learner is not actively enrolled or the item is locked. A caller that has read the
    learner's active `enrolment` and item `states` (the page gate) gets the cheap path when the item was
    opened before: one UPDATE of the enrolment's "last opened", no lock and no rewrite of the item row
    (plus one UPDATE of the row when the item has a new live revision since); it returns None then. No
    UPDATE of "last opened" when this item is already the last opened, less than LAST_OPENED_REFRESH ago.
    A first visit with the gate's read is one statement (`_item_first_visit`), and brings the `states` and the
    enrolment's course aggregate it was given up to date: it returns None then too. Without them (or when that
    statement could not do it all), it locks the enrolment row, creates the item row and its statement, rewrites
    the aggregates, and returns the row: the caller reads the learner's rows again. `outline`: the course's, when
    the caller has read it (else it is read for a first visit).
    """
    if enrolment is None or states is None:
        return _item_first_open(user=user, item=item)
    known = states.get(item.pk)
    if known is not None and known["state"] in (ItemState.IN_PROGRESS, ItemState.COMPLETE):
        _item_reopen(enrolment=enrolment, item=item, states=states, known=known)
        return None
    if known is None and _item_first_visit(user=user, item=item, enrolment=enrolment, states=states, outline=outline):
        return None
    return _item_first_open(user=user, item=item)


def _item_first_visit(
    *,
    user: User,
    item: CourseItemPage,
    enrolment: Enrolment,
    states: dict[int, dict[str, Any]],
    outline: CourseOutline | None = None,
) -> bool:
    """A first visit of an item of the course's live outline, in one statement (`statements.item_first_open`).

    It changes no figure a page shows but the item's state and the count of started items, so the aggregates take
    an increment and the page's `states` and course aggregate are brought up to date in place (True). False when
    the page must read the rows again: the row was written by another request first, or an aggregate row was
    missing and has been rewritten (`_item_first_open`'s way), or the item is not in the outline (the full path).
    """
    from progress.selectors import item_is_locked  # the selectors import these services
    from progress.selectors.states import _state_label

    course = enrolment.course
    if outline is None or outline.course_id != course.pk:
        outline = course_outline(course=course)
    position = outline.position(item.pk)
    if position is None:
        return False
    if course.sequential and item_is_locked(enrolment=enrolment, item=item, states=states):
        raise ItemLocked(_("Complete the previous module first."))
    now = timezone.now()
    enrolment.user = user  # the statement's actor: no query for the learner's name
    statement = _statement_build(
        enrolment=enrolment, verb=xapi.VERB_ATTEMPTED, object_=_item_object(item), timestamp=now
    )
    write = statements.item_first_open if connection.vendor == "postgresql" else statements.item_first_open_orm
    done = write(
        enrolment_id=enrolment.pk,
        item_id=item.pk,
        module_id=outline.items[position].module_id,
        revision_id=item.live_revision_id,
        now=now,
        statement=statement,
    )
    if not done.opened:
        raise NotEnrolled(_("You are not enrolled in this course."))
    enrolment.last_opened_item, enrolment.last_opened_at = item, now
    if not done.inserted:
        return False
    if not done.figures:
        _figures_rewrite(user=user, item=item)
        return False
    states[item.pk] = {
        "state": ItemState.IN_PROGRESS,
        "label": _state_label(ItemState.IN_PROGRESS),
        "score": None,
        "revision_id": item.live_revision_id,
    }
    progress: Any = Enrolment.course_progress.related.get_cached_value(enrolment, None)  # a CourseProgress
    if progress is not None:
        progress.items_started += 1
    return True


@transaction.atomic
def _figures_rewrite(*, user: User, item: CourseItemPage) -> None:
    """The aggregates of the learner's enrolment in `item`'s course, rewritten from the item rows under the lock."""
    progress_refresh(enrolment=_locked_enrolment_in_course_of(user=user, item=item))


def _item_reopen(
    *, enrolment: Enrolment, item: CourseItemPage, states: dict[int, dict[str, Any]], known: dict[str, Any]
) -> None:
    """Nothing moves forward on a second visit: a row lock would only serialise the learner's own tabs."""
    from progress.selectors import item_is_locked  # the selectors import these services

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
