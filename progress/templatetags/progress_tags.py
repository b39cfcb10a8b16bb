"""Template helpers for the learner's pages: the dashboard's courses in progress, rendered by a template and cached.

A learner may follow dozens of courses, and a template loop with a progress bar per course cost more than the rest
of the dashboard; so each course's entry is kept in the project's cache (lms.fragments), keyed by every value it
shows (the course's title and URLs as published now, the learner's percent, next item and time left) and the
language: a course the learner has not touched since is read from the cache.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from lms.fragments import cached_fragments, fragment_key
from lms.memo import ProcessLRU
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


PROGRESS_BARS_TEMPLATE = "progress/includes/progress_bars.html"

# The module and course progress bars of an item page, by everything they show: built from their template once per
# process and key; bounded, least recently used first out.
_BARS: ProcessLRU[SafeString] = ProcessLRU(2048)


def _shown(percent: Any) -> tuple[str, str]:
    return type(percent).__name__, str(percent)  # Decimal("50") and Decimal("50.0") are equal, but not one text


@register.simple_tag
def progress_bars(module: Any, learner: Any, oob: bool = False) -> SafeString:
    """`progress/includes/progress_bars.html` for the item's `module` (None: the course's bar only): its two bars
    are the same markup for every learner at the same percents, and rendering them (three includes, two percents
    formatted) was about a fiftieth of a lesson page."""
    module_percent = (learner.module_percent or {}).get(module.id) if module is not None else None
    key = (module.id if module is not None else None, _shown(module_percent), _shown(learner.course_percent))
    context = {
        "nav": {"module": module},
        "learner": {
            "module_percent": {module.id: module_percent} if module is not None else {},
            "course_percent": learner.course_percent,
        },
        "oob": oob,
    }
    return _BARS.get_or_build(
        (*key, bool(oob), get_language()), lambda: SafeString(render_to_string(PROGRESS_BARS_TEMPLATE, context))
    )


COMPLETE_BUTTON_TEMPLATE = "progress/includes/complete_button.html"

# Where the request's CSRF token goes in a kept button (letters only: escaping leaves it as it is).
_CSRF_STAND_IN = "csrfTokenStandInQz7x"

# A lesson's "Mark as complete" form or its "complete" line, by lesson, state, what it says and the language, with a
# stand-in for the CSRF token; bounded, least recently used first out.
_BUTTONS: ProcessLRU[str] = ProcessLRU(4096)


@register.simple_tag(takes_context=True)
def complete_button(context: template.Context) -> SafeString:
    """`progress/includes/complete_button.html` for the page's lesson: the same markup for every learner in the same
    state but for the CSRF token, so it is rendered once per lesson, state and language, and the request's token is
    put in its place (rendering it was a twentieth of a lesson page's time beyond the bare page's)."""
    item, token = context.get("item"), context.get("csrf_token")
    states = getattr(context.get("learner"), "states", None) or {}
    state = (states.get(item.pk) or {}).get("state") if item is not None else None
    course = getattr(context.get("nav"), "course", None)
    just_completed = bool(context.get("just_completed"))
    at_end = bool(getattr(course, "lessons_complete_at_end", False))
    shown = {
        "item": item,
        "learner": {"states": {item.pk: {"state": str(state)}}} if item is not None and state else {},
        "just_completed": just_completed,
        "nav": {"course": {"lessons_complete_at_end": at_end}},
    }
    if item is None or not token:  # nothing to keep: rendered as the include would render it
        return SafeString(render_to_string(COMPLETE_BUTTON_TEMPLATE, {**shown, "csrf_token": token}))
    key = (item.pk, str(state) == "complete", just_completed, at_end)
    markup = _BUTTONS.get_or_build(
        (*key, get_language(), get_script_prefix()),
        lambda: render_to_string(COMPLETE_BUTTON_TEMPLATE, {**shown, "csrf_token": _CSRF_STAND_IN}),
    )
    return SafeString(markup.replace(_CSRF_STAND_IN, str(token)))
