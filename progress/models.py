"""What a learner has done: enrolments, one row per (enrolment, item), and the aggregates pages read.

Rows point at content pages (and, for items, the page revision that was served); content never
points back. Aggregates are rewritten by `progress.services` in the same transaction as the item.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EnrolmentSource(models.TextChoices):
    FREE = "free", _("Free")
    PURCHASE = "purchase", _("Purchase")
    SEAT = "seat", _("Company seat")
    ADMIN = "admin", _("Added by an administrator")


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    UNENROLLED = "unenrolled", _("Unenrolled")


class EnrolmentQuerySet(models.QuerySet["Enrolment"]):
    def active(self) -> EnrolmentQuerySet:
        return self.filter(status=EnrolmentStatus.ACTIVE)

    def completed(self) -> EnrolmentQuerySet:
        return self.filter(completed_at__isnull=False)


class Enrolment(models.Model):
    # Indexes (the table's row is rewritten on every lesson a learner opens, so each index costs every visit): the
    # user's by the unique (user, course) and the course's by (course, status), which lead with them; none on the
    # last opened item, which changes on every visit: without one PostgreSQL updates the row in place (a HOT
    # update: no new entry in any index, in the room the table's fillfactor keeps, migration 0002). Deleting a page
    # then sets its learners' "last opened" to null with one scan of the table, an editor's rare action.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("learner"),
        on_delete=models.CASCADE,
        related_name="enrolments",
        db_index=False,
    )
    course = models.ForeignKey(
        "content.CoursePage",
        verbose_name=_("course"),
        on_delete=models.CASCADE,
        related_name="enrolments",
        db_index=False,
    )
    # The xAPI registration: groups every statement of this enrolment in a learning record store.
    registration = models.UUIDField(_("registration"), default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(_("source"), max_length=10, choices=EnrolmentSource.choices, default=EnrolmentSource.FREE)
    status = models.CharField(
        _("status"), max_length=12, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    unenrolled_at = models.DateTimeField(_("unenrolled at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    final_grade = models.DecimalField(_("final grade (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    last_opened_item = models.ForeignKey(
        "content.CourseItemPage",
        verbose_name=_("last opened item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    last_opened_at = models.DateTimeField(_("last opened at"), null=True, blank=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="progress_enrolment_one_per_user_course"),
            models.CheckConstraint(
                condition=Q(final_grade__isnull=True) | Q(final_grade__gte=0, final_grade__lte=100),
                name="progress_enrolment_final_grade_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True, final_grade__isnull=True)
                | Q(completed_at__isnull=False, final_grade__isnull=False),
                name="progress_enrolment_completion_has_grade",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EnrolmentStatus.values), name="progress_enrolment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=EnrolmentSource.values), name="progress_enrolment_source_valid"
            ),
        ]
        indexes = [models.Index(fields=["course", "status"], name="progress_enrol_course_status")]

    def __str__(self) -> str:
        return f"{self.user} in {self.course_id}"

    @property
    def is_active(self) -> bool:
        return self.status == EnrolmentStatus.ACTIVE

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None


class ItemState(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETE = "complete", _("Complete")


# A result only moves forward: the rank of a state decides which of two events wins.
STATE_RANK = {ItemState.NOT_STARTED: 0, ItemState.IN_PROGRESS: 1, ItemState.COMPLETE: 2}


class ItemProgress(models.Model):
    # Indexed by the unique (enrolment, item), which leads with the enrolment: a first visit inserts one entry less.
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="item_progress", db_index=False)
    item = models.ForeignKey(
        "content.CourseItemPage", verbose_name=_("item"), on_delete=models.CASCADE, related_name="learner_progress"
    )
    state = models.CharField(_("state"), max_length=12, choices=ItemState.choices, default=ItemState.NOT_STARTED)
    score = models.DecimalField(
        _("best score (%)"), max_digits=5, decimal_places=2, null=True, blank=True, help_text=_("Graded items only.")
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    last_event_at = models.DateTimeField(_("last event at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The page revision the learner was served when they last opened the item.
    revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("item progress")
        verbose_name_plural = _("item progress")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "item"], name="progress_item_one_per_enrolment_item"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100), name="progress_item_score_0_to_100"
            ),
            models.CheckConstraint(condition=Q(state__in=ItemState.values), name="progress_item_state_valid"),
            models.CheckConstraint(
                condition=~Q(state=ItemState.COMPLETE) | Q(completed_at__isnull=False),
                name="progress_item_complete_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.item_id}: {self.state}"


class ProgressFigures(models.Model):
    """What a course and a module aggregate hold: time done, time in total, and the weighted grade."""

    minutes_done = models.PositiveIntegerField(_("minutes done"), default=0)
    minutes_total = models.PositiveIntegerField(_("minutes in total"), default=0)
    percent = models.DecimalField(_("progress (%)"), max_digits=5, decimal_places=2, default=0)
    items_started = models.PositiveIntegerField(_("items started"), default=0)
    items_done = models.PositiveIntegerField(_("items complete"), default=0)
    items_total = models.PositiveIntegerField(_("items"), default=0)
    required_done = models.PositiveIntegerField(_("required items complete"), default=0)
    required_total = models.PositiveIntegerField(_("required items"), default=0)
    grade = models.DecimalField(
        _("weighted grade (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Null when nothing here is graded."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True

    @classmethod
    def figure_constraints(cls, prefix: str) -> list[models.BaseConstraint]:
        return [
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name=f"{prefix}_percent_0_to_100"),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(grade__gte=0, grade__lte=100), name=f"{prefix}_grade_0_to_100"
            ),
            models.CheckConstraint(
                condition=Q(minutes_done__lte=models.F("minutes_total")), name=f"{prefix}_minutes_done_within_total"
            ),
            models.CheckConstraint(
                condition=Q(items_done__lte=models.F("items_total")), name=f"{prefix}_items_done_within_total"
            ),
            models.CheckConstraint(
                condition=Q(required_done__lte=models.F("required_total")), name=f"{prefix}_required_done_within_total"
            ),
        ]

    @property
    def minutes_left(self) -> int:
        return self.minutes_total - self.minutes_done

    @property
    def required_missing(self) -> int:
        return self.required_total - self.required_done


class CourseProgress(ProgressFigures):
    enrolment = models.OneToOneField(
        Enrolment, primary_key=True, on_delete=models.CASCADE, related_name="course_progress"
    )
    next_item = models.ForeignKey(
        "content.CourseItemPage",
        verbose_name=_("next item to study"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("course progress")
        verbose_name_plural = _("course progress")
        constraints = ProgressFigures.figure_constraints("progress_course")

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.percent}%"


class ModuleProgress(ProgressFigures):
    # Indexed by the unique (enrolment, module), which leads with the enrolment.
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="module_progress", db_index=False)
    module = models.ForeignKey("content.ModulePage", on_delete=models.CASCADE, related_name="learner_progress")

    class Meta:
        verbose_name = _("module progress")
        verbose_name_plural = _("module progress")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "module"], name="progress_module_one_per_enrolment_module"),
            *ProgressFigures.figure_constraints("progress_module"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.module_id}: {self.percent}%"

    @property
    def is_complete(self) -> bool:
        return self.required_done == self.required_total


class StatementStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")


class Statement(models.Model):
    """An xAPI 1.0.3 statement waiting in the outbox; written in the transaction of the event it records."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.SET_NULL, related_name="statements"
    )
    verb = models.CharField(_("verb"), max_length=200)
    payload = models.JSONField(_("statement"))
    status = models.CharField(
        _("status"), max_length=10, choices=StatementStatus.choices, default=StatementStatus.PENDING
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    attempts = models.PositiveIntegerField(_("delivery attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("learning record statement")
        verbose_name_plural = _("learning record statements")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="progress_statement_due")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=StatementStatus.values), name="progress_statement_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=StatementStatus.SENT) | Q(sent_at__isnull=False),
                name="progress_statement_sent_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.verb} {self.id}"
