"""Template helpers for content pages."""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from content.selectors import CourseOutline, OutlineItem, OutlineSection

register = template.Library()


@register.simple_tag
def outline_items(section: OutlineSection, current_id: int) -> SafeString:
    """The <li> items of one module of an item page's outline, built in Python; every value is escaped
    (the standard library's html.escape: the same characters as Django's escape, without its lazy wrapper;
    an item's values are escaped once per process, `OutlineItem.escaped`).

    The outline of a long course has hundreds of items; one Python loop renders them several times faster
    than the template loop it replaces, whose markup it keeps.
    """
    badges: dict[tuple[str, str], str] = {}  # a few distinct states: each badge is escaped once
    parts = [_outline_li(row.item, row.state, current_id, badges) for row in section.rows]
    return mark_safe("\n".join(parts))  # noqa: S308 - every interpolated value is escaped in _outline_li


def _outline_li(
    item: OutlineItem, state: dict[str, Any] | None, current_id: int, badges: dict[tuple[str, str], str], oob: str = ""
) -> str:
    """One outline <li>, with an id so that an htmx answer can replace it out of band (`oob`)."""
    current = ' aria-current="page"' if item.id == current_id else ""
    badge = ""
    if state:
        pair = (state["state"], state["label"])
        badge = badges.get(pair)
        if badge is None:
            badge = badges[pair] = f' <span class="item-state item-state-{escape(pair[0])}">{escape(pair[1])}</span>'
    url, kind_label, title = item.escaped
    return (
        f'<li id="outline-item-{item.id}"{oob}><a href="{url}"{current}>'
        f'<span class="visually-hidden">{kind_label}: </span>{title}{badge}</a></li>'
    )


@register.simple_tag
def outline_item_oob(outline: CourseOutline, states: dict[int, dict[str, Any]], item_id: int) -> SafeString:
    """The outline <li> of `item_id` (the current item) with its new state, swapped in out of band by htmx."""
    position = outline.position(item_id)
    if position is None:
        return mark_safe("")
    li = _outline_li(outline.items[position], states.get(item_id), item_id, {}, oob=' hx-swap-oob="true"')
    return mark_safe(li)  # noqa: S308 - every interpolated value is escaped in _outline_li


@register.simple_tag
def outline_sections(sections: list[OutlineSection], current_id: int, course_url: str) -> SafeString:
    """An item page's outline, module by module, built in Python like `outline_items`: a 5,000-item course has
    dozens of collapsed modules, each a heading and a link to its place in the syllabus, and the template loop
    spent longer on them than on the rest of the page. Every value is escaped; the markup is the template's.
    """
    parts = []
    url = escape(course_url)
    for number, section in enumerate(sections, start=1):
        module = section.module
        title = escape(module.title)
        parts.append(f"<h3>{number}. {title}</h3>")
        if section.collapsed:
            count = len(module.items)
            # Like {% blocktranslate %}: the catalogue's text is markup, the number is the only value.
            label = ngettext(
                "%(items)s item, listed on the syllabus", "%(items)s items, listed on the syllabus", count
            ) % {"items": count}
            parts.append(
                f'<p class="outline-collapsed"><a href="{url}?module={module.id}#module-{module.id}">{label}'
                f'<span class="visually-hidden">: {title}</span></a></p>'
            )
        else:
            parts.append(f"<ol>\n{outline_items(section, current_id)}\n</ol>")
    return mark_safe("\n".join(parts))  # noqa: S308 - every interpolated value is escaped above


@register.simple_tag
def syllabus_items(section: OutlineSection) -> SafeString:
    """The <li> items of one module of the course page's syllabus, built in Python like `outline_items`:
    kind, link, free preview and optional marks, the learner's state and the minutes; every value is escaped."""
    if not section.rows:
        return format_html('<li class="muted">{}</li>', gettext("Lessons for this module are on their way."))
    preview = f' <span class="badge-preview">{escape(gettext("Free preview"))}</span>'
    optional = f' <span class="muted">({escape(gettext("optional"))})</span>'
    minutes_label = gettext("%(minutes)s min")
    parts = []
    for row in section.rows:
        item, state = row.item, row.state
        badge = (
            f'<span class="item-state item-state-{escape(state["state"])}">{escape(state["label"])}</span> '
            if state
            else ""
        )
        minutes = escape(minutes_label % {"minutes": localize(item.minutes)})
        parts.append(
            f'<li>\n  <span><span class="item-kind">{escape(item.kind_label)}</span>'
            f'<a href="{escape(item.url)}">{escape(item.title)}</a>'
            f"{preview if item.free_preview else ''}{'' if item.required else optional}</span>\n"
            f'  <span class="muted">{badge}{minutes}</span>\n</li>'
        )
    return mark_safe("\n".join(parts))  # noqa: S308 - every interpolated value is escaped above
