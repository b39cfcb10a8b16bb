"""Reads for the learner's pages and the instructor's report. Each runs a fixed number of queries.

Pages read the aggregate rows written by `progress.services`; nothing here walks a whole course row by row
except the outline, which `content.selectors.course_outline` reads in two queries. By use case: `states` (item
states, locks, completion status), `learner` (one learner's course and item pages, the gate), `dashboard`,
`reports` (the instructor's report).
"""

from progress.selectors.dashboard import Dashboard, DashboardCourse, dashboard_for_learner
from progress.selectors.learner import (
    ItemAccess,
    LearnerCourse,
    LearnerRead,
    item_access,
    learner_course,
    learner_course_completed,
    learner_forget,
    learner_read,
)
from progress.selectors.reports import CourseReport, FunnelStep, ReportLearner, course_report, courses_for_report
from progress.selectors.states import (
    CENT,
    LOCKED,
    CompletionStatus,
    completion_status,
    item_is_locked,
    item_states_for,
    locked_module_ids,
    states_and_modules,
    states_from_rows,
    whole_percent,
)

__all__ = [
    "CENT",
    "LOCKED",
    "CompletionStatus",
    "CourseReport",
    "Dashboard",
    "DashboardCourse",
    "FunnelStep",
    "ItemAccess",
    "LearnerCourse",
    "LearnerRead",
    "ReportLearner",
    "completion_status",
    "course_report",
    "courses_for_report",
    "dashboard_for_learner",
    "item_access",
    "item_is_locked",
    "item_states_for",
    "learner_course",
    "learner_course_completed",
    "learner_forget",
    "learner_read",
    "locked_module_ids",
    "states_and_modules",
    "states_from_rows",
    "whole_percent",
]
