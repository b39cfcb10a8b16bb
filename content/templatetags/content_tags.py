"""Template helpers for content pages."""

from __future__ import annotations

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

from content.selectors import OutlineSection

register = template.Library()


@register.simple_tag
def outline_items(section: OutlineSection, current_id: int) -> SafeString:
    """The <li> items of one module of an item page's outline, built in Python; every value is escaped
    (the standard library's html.escape: the same characters as Django's escape, without its lazy wrapper).

    The outline of a long course has hundreds of items; one Python loop renders them several times faster
    than the template loop it replaces, whose markup it keeps.
    """
    parts = []
    for row in section.rows:
        item, state = row.item, row.state
        current = ' aria-current="page"' if item.id == current_id else ""
        badge = (
            f' <span class="item-state item-state-{escape(state["state"])}">{escape(state["label"])}</span>'
            if state
            else ""
        )
        parts.append(
            f'<li><a href="{escape(item.url)}"{current}><span class="visually-hidden">{escape(item.kind_label)}: '
            f"</span>{escape(item.title)}{badge}</a></li>"
        )
    return mark_safe("\n".join(parts))  # noqa: S308 - every interpolated value is escaped above
