"""progress's hand-written SQL, each statement beside its ORM twin (tests/progress/test_statements.py runs both on
PostgreSQL over the same data and compares their answers): the reads in `reads.py`, the writes in `writes.py`.

Kept, and what each buys (bench/findings.md):

- `enrolment_for_course_path`, the item page's gate: the learner's enrolment with its course and course aggregate,
  and (on an item page) its item rows and module aggregates as one JSON column, found by the course's tree path.
  The ORM writes the statement once per process (so progress names no other app's table); it runs prepared
  (`lms.db.fixed_statement_rows`) and its objects are built with Django's converters. Through the ORM on every
  request it cost 2.1-2.6 ms against 0.58 ms, and preparing it saves about 0.9 ms more: the lesson page
  (target ≤ 1.5× the bare page) runs at 1.40× with about 1 ms of margin.
- `dashboard_rows`, the learner dashboard's one SELECT of five tables (the ORM joins eight, every multi-table page
  model on the way to Wagtail's page table), prepared: 1.86× → 1.47× of its baseline when it was prepared; the
  target is ≤ 2× and the dashboard runs at 1.50×.
- `enrolment_join_sql`: the enrolment and course aggregate as LEFT JOINs, for the organization dashboard's statement
  (organizations.statements), so that only progress names its tables; or, asked `by_index`, as LATERAL lookups
  the planner cannot turn into hash joins over the whole tables (an organization's few thousand seats).

- `item_result_upsert`, the merge of one result into the item row (`item_result_record`): one INSERT ... ON CONFLICT
  that returns the row before and after, instead of a read and a write through the ORM. Returning it to the ORM
  cost about 1.5 ms of a quiz submit and, with the submit's locked read also returned, took quiz submit from 2.15×
  to 3.7× of the one-row write (target ≤ 3×): bench/findings.md. Its twin is `item_result_upsert_orm`.

- `item_first_open`, a learner's first visit of an item (`item_open` from the page gate): "last opened", the item
  row in progress, its "attempted" statement and one more started item in the module and course aggregates, in
  one statement (a data-modifying WITH; the enrolment's UPDATE locks its row before the item row is written).
  Through the ORM, under the lock, with the aggregates rewritten from the item rows, the first visit cost 25
  queries and about 4× the bare page (issue 19: ≤ 12 queries, ≤ 1.5×); the ORM twin `item_first_open_orm` (six
  queries in a transaction) is what SQLite runs.

- `lesson_complete_write`, marking a lesson complete (`lesson_complete`): the item row complete, its statements and the
  module and course aggregates (worked out from the cached outline) in one statement, prepared, arrays keeping its
  text fixed. Through the ORM (four writes, the twin `lesson_complete_write_orm`) it cost 10 queries and 3.0× the
  one-row write at the median (issue 19: ≤ 3×); interleaved in one process, 3.4× against 2.5× with the statement.

- `item_and_module_rows`, the separate read of an enrolment's item rows and module aggregates (marking a lesson
  complete, under the enrolment's lock), prepared: the gate's subquery; its twin `item_and_module_rows_orm`.
"""

from progress.statements.reads import (
    dashboard_rows,
    dashboard_rows_orm,
    enrolment_for_course_path,
    enrolment_for_course_path_orm,
    enrolment_join_sql,
    item_and_module_rows,
    item_and_module_rows_orm,
    progress_converters,
)
from progress.statements.writes import (
    FIGURE_FIELDS,
    ITEM_EVENT_FIELDS,
    FirstOpen,
    LessonRows,
    item_first_open,
    item_first_open_orm,
    item_result_upsert,
    item_result_upsert_orm,
    lesson_complete_write,
    lesson_complete_write_orm,
)

__all__ = [
    "FIGURE_FIELDS",
    "ITEM_EVENT_FIELDS",
    "FirstOpen",
    "LessonRows",
    "dashboard_rows",
    "dashboard_rows_orm",
    "enrolment_for_course_path",
    "enrolment_for_course_path_orm",
    "enrolment_join_sql",
    "item_and_module_rows",
    "item_and_module_rows_orm",
    "item_first_open",
    "item_first_open_orm",
    "item_result_upsert",
    "item_result_upsert_orm",
    "lesson_complete_write",
    "lesson_complete_write_orm",
    "progress_converters",
]
