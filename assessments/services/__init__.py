"""Every change to quiz attempts and task submissions: typed, keyword-only, atomic, permission-checked.

Views, admin views, Celery tasks and the demo all call these, so every path behaves the same. One module per use
case: `attempts` (start, submit, close at the deadline), `responses` (autosave and the immediate check),
`grading` (the grading queue: hand-marked questions, task grades and returns), `regrade`, `submissions`,
`accommodations` and `imports` (question import and export); `errors` holds the refusals. Each graded result
goes to progress through `_common.report_result`, the one call into `progress.services`. Callers import from
this package.
"""

from assessments.services._common import attempt_questions, questions_for_revision
from assessments.services.accommodations import accommodation_grant, accommodation_remove
from assessments.services.attempts import (
    AttemptView,
    attempt_close_expired,
    attempt_expire_if_due,
    attempt_result,
    attempt_start,
    attempt_submit,
    attempt_submit_answers,
    attempt_submit_own,
    attempt_wait,
)
from assessments.services.errors import (
    AnswerLocked,
    AssessmentError,
    AttemptClosed,
    AttemptRefused,
    CheckRefused,
    ImportRefused,
    IncompleteAnswers,
    SubmissionRefused,
)
from assessments.services.grading import attempt_grade_manual, submission_grade, submission_return
from assessments.services.imports import (
    IMPORT_DRAFT_TTL,
    quiz_export_gift,
    quiz_import_preview,
    quiz_import_questions,
)
from assessments.services.regrade import attempt_regrade
from assessments.services.responses import CheckedAnswer, checked_answers, response_check, response_save, responses_save
from assessments.services.submissions import (
    clean_rich_text,
    submission_create,
    task_direct_upload,
)

__all__ = [
    "IMPORT_DRAFT_TTL",
    "AnswerLocked",
    "AssessmentError",
    "AttemptClosed",
    "AttemptRefused",
    "AttemptView",
    "CheckRefused",
    "CheckedAnswer",
    "ImportRefused",
    "IncompleteAnswers",
    "SubmissionRefused",
    "accommodation_grant",
    "accommodation_remove",
    "attempt_close_expired",
    "attempt_expire_if_due",
    "attempt_grade_manual",
    "attempt_questions",
    "attempt_regrade",
    "attempt_result",
    "attempt_start",
    "attempt_submit",
    "attempt_submit_answers",
    "attempt_submit_own",
    "attempt_wait",
    "checked_answers",
    "clean_rich_text",
    "questions_for_revision",
    "quiz_export_gift",
    "quiz_import_preview",
    "quiz_import_questions",
    "response_check",
    "response_save",
    "responses_save",
    "submission_create",
    "submission_grade",
    "submission_return",
    "task_direct_upload",
]
