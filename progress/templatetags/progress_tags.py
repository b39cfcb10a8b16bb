"""Template helpers for the learner's pages: the dashboard's courses in progress, rendered by a template and cached.

A learner may follow dozens of courses, and a template loop with a progress bar per course cost more than the rest
of the dashboard; so each course's entry is kept in the project's cache (lms.fragments), keyed by every value it
shows (the course's title and URLs as published now, the learner's percent, next item and time left) and the
language: a course the learner has not touched since is read from the cache.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from lms.fragments import cached_fragments, fragment_key
from progress.selectors import DashboardCourse

register = template.Library()

DASHBOARD_ENTRY_TEMPLATE = "progress/includes/dashboard_entry.html"


def _entry_key(entry: DashboardCourse) -> str:
    shown = (entry.course_title, entry.course_url, int(entry.percent), entry.next_item_title, entry.next_item_url)
    # The minutes, not `time_left`: its text follows from them and the language (in the key), and writing it
    # (gettext, number formatting) for every entry cost more than the cache hit that skips the template.
    return fragment_key("dashboard-entry", shown, entry.resume_url, entry.minutes_left)


@register.simple_tag
def dashboard_fragments(entries: list[DashboardCourse]) -> list[SafeString]:
    """The <li> entry of each course in progress."""
    return cached_fragments(
        template_name=DASHBOARD_ENTRY_TEMPLATE, fragments=[(_entry_key(entry), {"entry": entry}) for entry in entries]
    )
