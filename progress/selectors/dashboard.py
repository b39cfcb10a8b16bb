"""The learner dashboard: courses in progress and completed, in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from content.selectors import page_url_builder
from content.translations import locale_id_for, translations_by_path
from lms.models import User
from progress.selectors.states import whole_percent
from progress.statements import dashboard_rows


@dataclass(frozen=True)
class DashboardCourse:
    enrolment_id: int
    enrolled_at: datetime
    course_id: int
    course_title: str
    course_url: str
    percent: int
    minutes_left: int
    next_item_title: str
    next_item_url: str
    resume_url: str
    completed_at: datetime | None
    final_grade: Decimal | None

    @property
    def hours_left(self) -> Decimal:
        return (Decimal(self.minutes_left) / 60).quantize(Decimal("0.1"))

    @property
    def time_left(self) -> str:
        """ "About 3.5 hours left" from two hours on, else in minutes (built here: one entry per course listed)."""
        if self.minutes_left >= 120:
            return _("About %(hours)s hours left") % {"hours": formats.localize(self.hours_left)}
        return ngettext("About %(minutes)s minute left", "About %(minutes)s minutes left", self.minutes_left) % {
            "minutes": self.minutes_left
        }


@dataclass(frozen=True)
class Dashboard:
    in_progress: list[DashboardCourse]
    completed: list[DashboardCourse]

    @property
    def empty(self) -> bool:
        return not self.in_progress and not self.completed


# (url_path, locale id): each page a dashboard row names, by `dashboard_rows`' keys.
_PAGE_COLUMNS = (
    ("course__url_path", "course__locale_id"),
    ("course_progress__next_item__url_path", "course_progress__next_item__locale_id"),
    ("last_opened_item__url_path", "last_opened_item__locale_id"),
)


def dashboard_for_learner(*, user: User, request: HttpRequest | None = None) -> Dashboard:
    """Courses in progress (percent, next item, time left) and completed (date, grade): one or two queries
    (the enrolments, and the translations in the reader's language of their pages in another language, if any).

    Only the columns shown are read (no page objects), from the page table directly (every page model's key is
    its page's id); URLs are built from url_path with one site lookup.
    """
    rows = dashboard_rows(user_id=user.pk)
    url = page_url_builder(request)
    # Titles and addresses in the reader's language where a translation is live (content/translations.py), looked
    # for only for pages in another language than the reader's (translations_by_path leaves those out anyway): a
    # reader of the pages' own language costs no query, and one who is not, a query over the foreign pages only.
    reader_locale = locale_id_for()
    translated = translations_by_path(
        url_paths=[
            row[path]
            for row in rows
            for path, locale in _PAGE_COLUMNS
            if row[path] and (reader_locale is None or row[locale] != reader_locale)
        ]
    )

    def title(path: str | None, own: str) -> str:
        return translated[path]["title"] if path in translated else own

    def address(path: str | None) -> str:
        if not path:
            return ""
        return url(translated[path]["url_path"] if path in translated else path)

    in_progress: list[DashboardCourse] = []
    completed: list[DashboardCourse] = []
    for row in rows:
        course_url = address(row["course__url_path"])
        next_path = row["course_progress__next_item__url_path"]
        next_url = address(next_path)
        last_path = row["last_opened_item__url_path"]
        entry = DashboardCourse(
            enrolment_id=row["id"],
            enrolled_at=row["enrolled_at"],
            course_id=row["course_id"],
            course_title=title(row["course__url_path"], row["course__title"]),
            course_url=course_url,
            percent=whole_percent(row["course_progress__percent"]),
            minutes_left=(row["course_progress__minutes_total"] or 0) - (row["course_progress__minutes_done"] or 0),
            next_item_title=title(next_path, row["course_progress__next_item__title"] or ""),
            next_item_url=next_url,
            resume_url=address(last_path) or next_url or course_url,
            completed_at=row["completed_at"],
            final_grade=row["final_grade"],
        )
        (completed if row["completed_at"] else in_progress).append(entry)
    completed.sort(key=lambda entry: entry.completed_at or entry.enrolled_at, reverse=True)
    return Dashboard(in_progress=in_progress, completed=completed)
