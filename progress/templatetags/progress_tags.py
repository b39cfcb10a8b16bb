"""Template helpers for the learner's pages."""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from progress.selectors import DashboardCourse

register = template.Library()


@register.simple_tag
def dashboard_entries(entries: list[DashboardCourse]) -> SafeString:
    """The <li> entries of the dashboard's courses in progress, built in Python like the course outline; every
    value is escaped (html.escape: the characters Django's escape replaces, without its lazy wrapper).

    A learner may follow dozens of courses; one Python loop renders them several times faster than the template
    loop (with a progress bar per entry) it replaces, whose markup it keeps.
    """
    label, next_label, resume = escape(gettext("Progress")), escape(gettext("Next:")), escape(gettext("Resume"))
    parts = []
    for entry in entries:
        title, percent = escape(entry.course_title), int(entry.percent)
        next_item = (
            f'<p class="next-item">{next_label} <a href="{escape(entry.next_item_url)}">'
            f"{escape(entry.next_item_title)}</a></p>"
            if entry.next_item_title
            else ""
        )
        parts.append(
            f'<li class="dashboard-course">\n<h3><a href="{escape(entry.course_url)}">{title}</a></h3>\n'
            f'<div class="progress">\n  <div class="progress-label"><span>{label}</span> <span>{percent}%</span></div>\n'
            f'  <progress max="100" value="{percent}" aria-label="{label}">{percent}%</progress>\n</div>\n'
            f"{next_item}\n"
            f'<p class="muted">{escape(entry.time_left)}</p>\n'
            f'<p><a class="button" href="{escape(entry.resume_url)}">{resume}'
            f'<span class="visually-hidden">: {title}</span></a></p>\n</li>'
        )
    return mark_safe("\n".join(parts))  # noqa: S308 - every interpolated value is escaped above
