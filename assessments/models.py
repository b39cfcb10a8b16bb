"""Quizzes and graded tasks: pages authored in Wagtail, and the rows of what learners did with them.

Every learner row points at the page and the page revision it was served from; grading reads the
pinned revision, never the live page, so an edit never changes a past attempt.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from assessments.blocks import QuizBodyBlock, questions_of
from assessments.task_blocks import RubricCriterionBlock
from content.models import CourseItemPage

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ITEM_PANELS = [
    FieldRowPanel(
        [
            FieldPanel("estimated_minutes"),
            FieldPanel("required"),
            FieldPanel("free_preview"),
            FieldPanel("grade_weight"),
        ]
    )
]
MAX_EXTRA_MINUTES = 24 * 60
PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class AttemptScoring(models.TextChoices):
    HIGHEST = "highest", _("Highest attempt")
    LATEST = "latest", _("Latest attempt")
    AVERAGE = "average", _("Average of all attempts")


class FeedbackMode(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately, for each question")
    AFTER_SUBMIT = "after_submit", _("After submitting")
    AFTER_PASSING = "after_passing", _("Only after passing")
    NEVER = "never", _("Never: score only")


class QuizPage(CourseItemPage):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "ol", "ul", "link"])
    questions = StreamField(QuizBodyBlock(), verbose_name=_("questions"), blank=True)
    pass_mark = models.DecimalField(
        _("pass mark (%)"), max_digits=5, decimal_places=2, default=Decimal("70"), validators=PERCENT
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=0, help_text=_("0 for unlimited attempts.")
    )
    cooldown_minutes = models.PositiveIntegerField(
        _("cooldown between attempts (minutes)"), default=0, validators=[MaxValueValidator(60 * 24 * 30)]
    )
    time_limit_minutes = models.PositiveIntegerField(
        _("time limit (minutes)"), default=0, help_text=_("0 for no time limit."), validators=[MaxValueValidator(600)]
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=False)
    shuffle_choices = models.BooleanField(_("shuffle choices"), default=False)
    attempt_scoring = models.CharField(
        _("attempt that counts"), max_length=10, choices=AttemptScoring.choices, default=AttemptScoring.HIGHEST
    )
    feedback_mode = models.CharField(
        _("feedback shows"), max_length=15, choices=FeedbackMode.choices, default=FeedbackMode.AFTER_SUBMIT
    )

    content_panels = Page.content_panels + [
        *ITEM_PANELS,
        FieldPanel("intro"),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("pass_mark"), FieldPanel("attempts_allowed"), FieldPanel("cooldown_minutes")]
                ),
                FieldRowPanel([FieldPanel("time_limit_minutes"), FieldPanel("attempt_scoring")]),
                FieldRowPanel([FieldPanel("shuffle_questions"), FieldPanel("shuffle_choices")]),
                FieldPanel("feedback_mode"),
            ],
            heading=_("Settings"),
        ),
        FieldPanel("questions"),
    ]
    # Answer keys never go into the search index: only the title and intro are indexed.
    search_fields = Page.search_fields
    parent_page_types = ["content.ModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("quiz")
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0, pass_mark__lte=100), name="assessments_quiz_pass_mark_0_to_100"
            )
        ]

    def question_bank(self) -> tuple[dict[str, dict[str, Any]], list[str | dict[str, Any]]]:
        """The engine dicts of every question, by key, and the layout (keys and pools)."""
        return questions_of(self.questions)

    @property
    def preview_modes(self) -> list[tuple[str, StrOrPromise]]:
        return [("", _("Quiz page")), ("questions", _("Questions and answers"))]

    def get_preview_template(self, request: HttpRequest, mode_name: str) -> str:
        if mode_name == "questions":
            return "assessments/quiz_preview.html"
        return super().get_preview_template(request, mode_name)

    def get_preview_context(self, request: HttpRequest, mode_name: str) -> dict[str, Any]:
        context = super().get_preview_context(request, mode_name)
        if mode_name == "questions":
            bank, layout = self.question_bank()
            context["preview_questions"] = [
                {"pool": entry, "questions": [bank[key] for key in entry["pool"]]}
                if isinstance(entry, dict)
                else {"pool": None, "questions": [bank[entry]]}
                for entry in layout
            ]
        return context

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from assessments.views import quiz_view

        return quiz_view(request, quiz=self)


class TaskPage(CourseItemPage):
    instructions = RichTextField(_("instructions"), features=["h3", "bold", "italic", "ol", "ul", "link", "code"])
    accept_text = models.BooleanField(_("accept rich text"), default=True)
    accept_files = models.BooleanField(_("accept files"), default=False)
    accept_link = models.BooleanField(_("accept a link"), default=False)
    allowed_file_types = models.CharField(
        _("allowed file types"),
        max_length=200,
        default="pdf",
        blank=True,
        help_text=_("Comma-separated, from: pdf, png, jpg, gif, zip, docx, xlsx, pptx, txt, md, yaml, csv, svg."),
    )
    allow_active_files = models.BooleanField(
        _("allow active content in files"),
        default=False,
        help_text=_(
            "Accept HTML documents and SVG or XML files with scripts or event handlers. Leave off unless the task "
            "is about such files: they are always served as downloads, never shown in the browser."
        ),
    )
    max_file_mb = models.PositiveSmallIntegerField(
        _("maximum file size (MB)"), default=10, validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    resubmissions_allowed = models.BooleanField(_("resubmissions allowed"), default=True)
    rubric = StreamField(
        [("criterion", RubricCriterionBlock())],
        verbose_name=_("rubric"),
        blank=True,
        help_text=_("Leave empty to grade on a plain points scale."),
    )
    max_points = models.DecimalField(
        _("points (without a rubric)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    pass_mark = models.DecimalField(
        _("pass mark (%)"), max_digits=5, decimal_places=2, default=Decimal("50"), validators=PERCENT
    )

    content_panels = Page.content_panels + [
        *ITEM_PANELS,
        FieldPanel("instructions"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("accept_text"), FieldPanel("accept_files"), FieldPanel("accept_link")]),
                FieldRowPanel([FieldPanel("allowed_file_types"), FieldPanel("max_file_mb")]),
                FieldPanel("allow_active_files"),
                FieldPanel("resubmissions_allowed"),
            ],
            heading=_("What learners submit"),
        ),
        MultiFieldPanel(
            [FieldPanel("rubric"), FieldRowPanel([FieldPanel("max_points"), FieldPanel("pass_mark")])],
            heading=_("Grading"),
        ),
    ]
    parent_page_types = ["content.ModulePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("task")
        constraints = [
            models.CheckConstraint(condition=Q(max_points__gt=0), name="assessments_task_points_positive"),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0, pass_mark__lte=100), name="assessments_task_pass_mark_0_to_100"
            ),
        ]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from media.uploads import KNOWN_TYPES

        super().clean()
        unknown = [t for t in self.file_types() if t not in KNOWN_TYPES]
        if unknown:
            raise ValidationError({"allowed_file_types": _("Unknown file types: %s") % ", ".join(unknown)})
        if not (self.accept_text or self.accept_files or self.accept_link):
            raise ValidationError(_("Accept at least one of rich text, files or a link."))

    def file_types(self) -> list[str]:
        return [t.strip().lower() for t in self.allowed_file_types.split(",") if t.strip()]

    def rubric_criteria(self) -> list[dict[str, Any]]:
        """The rubric as plain dicts: [{"key", "title", "levels": [{"key", "label", "points"}]}]."""
        return [
            {
                "key": child.id,
                "title": child.value["title"],
                "description": child.value.get("description") or "",
                "levels": [
                    {"key": level.id or str(n), "label": level.value["label"], "points": level.value["points"]}
                    for n, level in enumerate(child.value["levels"].bound_blocks)
                ],
            }
            for child in self.rubric
        ]

    def points_possible(self) -> Decimal:
        criteria = self.rubric_criteria()
        if not criteria:
            return self.max_points
        return sum((max(lv["points"] for lv in c["levels"]) for c in criteria if c["levels"]), Decimal("0"))

    def serve(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from assessments.views import task_view

        return task_view(request, task=self)


class AttemptState(models.TextChoices):
    OPEN = "open", _("In progress")
    NEEDS_GRADING = "needs_grading", _("Waiting for grading")
    GRADED = "graded", _("Graded")


class Attempt(models.Model):
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    quiz = models.ForeignKey(QuizPage, on_delete=models.CASCADE, related_name="attempts")
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(_("attempt number"))
    question_keys = models.JSONField(_("questions drawn, in order"), default=list)
    choice_order = models.JSONField(_("choice order per question"), default=dict)
    # The drawn questions (engine dicts, in order) of the revision that grades the attempt, copied when it starts
    # (and on a regrade), so grading and the attempt pages never rebuild the whole page from a revision.
    questions = models.JSONField(_("questions drawn, as graded"), default=list, blank=True)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=15, choices=AttemptState.choices, default=AttemptState.OPEN)
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2, null=True, blank=True)
    max_points = models.DecimalField(_("points possible"), max_digits=8, decimal_places=2, null=True, blank=True)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    results = models.JSONField(_("per-question results"), default=dict, blank=True)
    # `revision` stays the one the attempt was served from; an explicit regrade records the fixed one here.
    regraded_revision = models.ForeignKey(
        "wagtailcore.Revision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    regraded_at = models.DateTimeField(_("regraded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("quiz attempt")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "quiz"], condition=Q(state="open"), name="assessments_one_open_attempt"
            ),
            models.UniqueConstraint(fields=["learner", "quiz", "number"], name="assessments_attempt_number_unique"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="assessments_attempt_score_0_100",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | Q(submitted_at__isnull=False), name="assessments_closed_attempt_has_time"
            ),
            models.CheckConstraint(
                condition=Q(regraded_revision__isnull=True, regraded_at__isnull=True)
                | Q(regraded_revision__isnull=False, regraded_at__isnull=False, submitted_at__isnull=False),
                name="assessments_regrade_recorded_with_its_time",
            ),
        ]
        indexes = [models.Index(fields=["state", "deadline"])]

    def __str__(self) -> str:
        return f"{self.learner} · {self.quiz_id} #{self.number}"

    @property
    def graded_revision_id(self) -> int:
        """The revision whose questions grade this attempt: the fixed one after a regrade, else the served one."""
        return self.regraded_revision_id or self.revision_id

    @property
    def is_open(self) -> bool:
        return self.state == AttemptState.OPEN

    def passed(self, pass_mark: Decimal) -> bool:
        return self.score is not None and self.state == AttemptState.GRADED and self.score >= pass_mark


class Response(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="responses")
    key = models.CharField(_("question key"), max_length=64)
    value = models.JSONField(_("answer"), null=True)
    saved_at = models.DateTimeField(_("saved at"), default=timezone.now)
    # Set when the learner checked this answer (immediate feedback): the answer key was shown, so it is locked.
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("response")
        constraints = [models.UniqueConstraint(fields=["attempt", "key"], name="assessments_one_response_per_question")]

    def __str__(self) -> str:
        return f"{self.attempt_id} · {self.key}"


class RegradeAudit(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="regrades")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    from_revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    to_revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    old_score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    new_score = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("regrade")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.attempt_id}: {self.old_score} → {self.new_score}"


class SubmissionState(models.TextChoices):
    SUBMITTED = "submitted", _("Waiting for grading")
    GRADED = "graded", _("Graded")
    RETURNED = "returned", _("Returned for resubmission")


class Submission(models.Model):
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="task_submissions")
    task = models.ForeignKey(TaskPage, on_delete=models.CASCADE, related_name="submissions")
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(_("submission number"))
    text = models.TextField(_("text"), blank=True)
    link = models.URLField(_("link"), blank=True, max_length=2000)
    state = models.CharField(
        _("state"), max_length=10, choices=SubmissionState.choices, default=SubmissionState.SUBMITTED
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    return_feedback = models.TextField(_("what to change"), blank=True)

    class Meta:
        verbose_name = _("submission")
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["learner", "task", "number"], name="assessments_submission_number_unique"),
            models.UniqueConstraint(
                fields=["learner", "task"], condition=Q(state="submitted"), name="assessments_one_pending_submission"
            ),
            models.CheckConstraint(
                condition=Q(link="") | Q(link__startswith="http://") | Q(link__startswith="https://"),
                name="assessments_submission_link_http",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} · {self.task_id} #{self.number}"


class SubmissionFile(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    upload = models.ForeignKey("stackable_media.PrivateFile", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("submitted file")

    def __str__(self) -> str:
        return f"{self.submission_id} · {self.upload_id}"


class Grade(models.Model):
    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="grade")
    grader = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    points = models.DecimalField(_("points"), max_digits=8, decimal_places=2)
    max_points = models.DecimalField(_("points possible"), max_digits=8, decimal_places=2)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2)
    feedback = models.TextField(_("feedback"), blank=True)
    graded_at = models.DateTimeField(_("graded at"), default=timezone.now)

    class Meta:
        verbose_name = _("grade")
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="assessments_grade_score_0_100"),
            models.CheckConstraint(
                condition=Q(points__gte=0, points__lte=models.F("max_points")), name="assessments_grade_points_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.submission_id}: {self.score}%"


class RubricScore(models.Model):
    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, related_name="rubric_scores")
    criterion_key = models.CharField(max_length=64)
    criterion_title = models.CharField(max_length=200)
    level_label = models.CharField(max_length=200)
    points = models.DecimalField(max_digits=8, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["grade", "criterion_key"], name="assessments_one_score_per_criterion"),
            models.CheckConstraint(condition=Q(points__gte=0), name="assessments_rubric_points_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_title}: {self.points}"


class ImportFormat(models.TextChoices):
    GIFT = "gift", _("GIFT (Moodle)")
    AIKEN = "aiken", _("Aiken")


class QuestionImportDraft(models.Model):
    """A question file read and shown to an instructor, waiting for them to import its ready questions.

    One per (quiz, instructor): a new upload replaces it, importing deletes it. The parsed result stays on the
    server between the preview and the import; the browser only holds `token`, so an old or someone else's
    preview is refused. Drafts older than `assessments.services.IMPORT_DRAFT_TTL` are refused too.
    """

    quiz = models.ForeignKey(QuizPage, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.UUIDField(_("token"), unique=True)
    fmt = models.CharField(_("format"), max_length=10, choices=ImportFormat.choices)
    source_name = models.CharField(_("file name"), max_length=255, blank=True)
    report = models.JSONField(_("parsed questions"), encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("question import draft")
        constraints = [
            models.UniqueConstraint(fields=["quiz", "user"], name="assessments_one_import_draft_per_quiz_user"),
            models.CheckConstraint(condition=Q(fmt__in=["gift", "aiken"]), name="assessments_import_draft_format"),
        ]

    def __str__(self) -> str:
        return f"{self.quiz_id}/{self.user_id}: {self.source_name or self.fmt}"


class Accommodation(models.Model):
    """More time that a course's instructors grant one learner on every timed quiz of the course: a longer limit
    (a percentage of each quiz's limit) and extra minutes. Read when an attempt starts; granting it extends the
    learner's open attempts."""

    course = models.ForeignKey("content.CoursePage", on_delete=models.CASCADE, related_name="+")
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_accommodations")
    time_limit_percent = models.PositiveSmallIntegerField(
        _("time limit (% of each quiz's)"), default=100, validators=[MinValueValidator(100), MaxValueValidator(400)]
    )
    extra_minutes = models.PositiveSmallIntegerField(
        _("extra minutes"), default=0, validators=[MaxValueValidator(MAX_EXTRA_MINUTES)]
    )
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    class Meta:
        verbose_name = _("time accommodation")
        constraints = [
            models.UniqueConstraint(fields=["course", "learner"], name="assessments_one_accommodation_per_learner"),
            models.CheckConstraint(
                condition=Q(time_limit_percent__gte=100, time_limit_percent__lte=400),
                name="assessments_accommodation_percent_100_400",
            ),
            models.CheckConstraint(
                condition=Q(extra_minutes__gte=0, extra_minutes__lte=MAX_EXTRA_MINUTES),
                name="assessments_accommodation_extra_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(time_limit_percent__gt=100) | Q(extra_minutes__gt=0),
                name="assessments_accommodation_gives_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} · {self.course_id}"

    def time_allowed(self, minutes: int) -> timedelta:
        """The time this learner has for a quiz limited to `minutes`."""
        return timedelta(minutes=minutes * self.time_limit_percent / 100 + self.extra_minutes)
