"""`{% load badges_text %}`: `{{ badge|badge_text }}` is a badge's (an achievement's or a pathway's) wording in the
reader's language when it has some, else in its own: `.name`, `.description`, `.criteria` and `.language` (put
it in a `lang` attribute when it differs from the page's)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

register = template.Library()


@register.filter
def badge_text(badge: Any) -> Any:
    return badge.text(translation.get_language())
