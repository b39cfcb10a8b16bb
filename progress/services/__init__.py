"""Every change to what a learner has done goes through here: views, hooks, tasks, commands and other apps.

Locking rule: every function that writes an enrolment's rows first locks that enrolment row
(`SELECT ... FOR UPDATE`), so item rows and aggregates of one enrolment are written one writer at a
time; the aggregates are then recomputed from the item rows in the same transaction (by `lesson_complete`
from the item rows and the course's cached outline, without reading the course's pages). Other apps report
results through `item_result_record` and nothing else.

By use case: `rules` (errors, permissions, grades, prerequisites), `enrolments`, `items` (results and visits),
`completions` (marking a lesson complete), `aggregates` (module and course figures, completion), `events`
(learning-record statements), `recompute`.
"""

from progress.services.aggregates import FIGURE_FIELDS, progress_refresh
from progress.services.completions import LessonCompletion, lesson_complete
from progress.services.enrolments import enrolment_cancel, enrolment_create
from progress.services.items import LAST_OPENED_REFRESH, item_open, item_result_record
from progress.services.recompute import RecomputeReport, course_recompute
from progress.services.rules import (
    CENT,
    HUNDRED,
    EnrolmentRefused,
    ItemLocked,
    NotEnrolled,
    PaymentRequired,
    PrerequisitesMissing,
    ProgressError,
    course_grade,
    course_of_item,
    course_open_to,
    meets_policy,
    missing_prerequisites,
    user_can_edit_course,
)

__all__ = [
    "CENT",
    "FIGURE_FIELDS",
    "HUNDRED",
    "LAST_OPENED_REFRESH",
    "EnrolmentRefused",
    "ItemLocked",
    "LessonCompletion",
    "NotEnrolled",
    "PaymentRequired",
    "PrerequisitesMissing",
    "ProgressError",
    "RecomputeReport",
    "course_grade",
    "course_of_item",
    "course_open_to",
    "course_recompute",
    "enrolment_cancel",
    "enrolment_create",
    "item_open",
    "item_result_record",
    "lesson_complete",
    "meets_policy",
    "missing_prerequisites",
    "progress_refresh",
    "user_can_edit_course",
]
