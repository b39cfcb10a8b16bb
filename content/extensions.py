"""Slots that upper apps fill on content pages, without content importing them.

An app registers a Wagtail hook named `stackable_page_context` in its wagtail_hooks.py:
`fn(request, page, context) -> dict`. What it returns is merged into the page's template context.
Templates render the slots below when present:

- `course_aside_templates`: list of template names included in the course page's aside (enrol button);
- `item_header_templates` / `item_footer_templates`: included above / below a course item's body;
- `item_states`: {item_id: {"state": "complete"|"in_progress"|"not_started", "label": str}} for outlines;
- `module_progress`: {module_id: percent}; `course_progress`: percent or None.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from wagtail import hooks
from wagtail.models import Page

HOOK = "stackable_page_context"


def extension_context(request: HttpRequest | None, page: Page, context: dict[str, Any]) -> dict[str, Any]:
    extra: dict[str, Any] = {
        "course_aside_templates": [],
        "item_header_templates": [],
        "item_footer_templates": [],
        "item_states": {},
        "module_progress": {},
        "course_progress": None,
    }
    if request is None:
        return extra
    for fn in hooks.get_hooks(HOOK):
        for key, value in (fn(request, page, {**context, **extra}) or {}).items():
            if isinstance(value, list) and isinstance(extra.get(key), list):
                extra[key] = extra[key] + value
            else:
                extra[key] = value
    return extra
