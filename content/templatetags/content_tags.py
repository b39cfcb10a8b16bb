"""Template helpers for content pages: the outline of an item page and the course page's syllabus.

A long course's outline and syllabus list hundreds of items, and a template loop over them cost more than the rest
of an item page. The outline is built in Python from markup escaped once per module and item (`outline_fragments`):
a module the learner has not touched is kept on the shared outline, one with their states in a bounded LRU by what
it shows. The syllabus's modules are cached fragments (lms.fragments), keyed by the outline they were rendered from
(its key names the course's revision, publication, subtree version, language and URL), the module, and what the
learner sees of it: their item states.
"""

from __future__ import annotations

import functools
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, ngettext

from content.selectors import CourseOutline, OutlineItem, OutlineModule, OutlineRow, OutlineSection, catalog_version
from lms.fragments import cached_fragments, fragment_key
from lms.memo import ProcessLRU

register = template.Library()


def _learner_view(section: OutlineSection, current_id: int | None = None) -> tuple[tuple[int, str, str], ...]:
    """What a section shows of the learner: each item's state and label, and the current item."""
    if section.collapsed:
        return ()
    states = section.states
    view = []
    for item in section.module.items:  # from the states, without building the section's rows
        state = states.get(item.id)
        if state:
            # str(): a state just written is an ItemState member, one read back is its value; one fragment for both.
            view.append((item.id, str(state["state"]), str(state["label"])))
        elif item.id == current_id:
            view.append((item.id, "", ""))
    return tuple(view)


def _learner_views(
    outline: CourseOutline, sections: list[OutlineSection], current_id: int | None = None
) -> dict[int, tuple[tuple[int, str, str], ...]] | None:
    """`_learner_view` of every listed section, by module id, from one pass over the learner's states rather than
    over every item of the course: a learner has touched a few of a long course's items, and the pass over all of
    them was half of the outline's time. None when the sections do not share one learner's states (then each is
    read on its own)."""
    if not sections:
        return {}
    states = sections[0].states
    if any(section.states is not states for section in sections):
        return None
    items, found = outline.items, []
    for item_id, state in states.items():
        position = outline.position(item_id)
        if position is not None and state:  # rows of items no longer in the outline are not shown
            found.append((position, (item_id, str(state["state"]), str(state["label"]))))
    if current_id is not None and (position := outline.position(current_id)) is not None and not states.get(current_id):
        found.append((position, (current_id, "", "")))
    found.sort()
    views: dict[int, list[tuple[int, str, str]]] = {}
    for position, shown in found:
        views.setdefault(items[position].module_id, []).append(shown)
    listed = {section.module.id for section in sections if not section.collapsed}
    return {module_id: tuple(view) for module_id, view in views.items() if module_id in listed}


def _section_fixed(module: OutlineModule, key: tuple[Any, ...], build: Any) -> str:
    """Markup of a module that does not change while its outline is read (outlines are shared and never change once
    read: content.selectors.course_outline), kept on the module under `key`."""
    memo = module.__dict__.setdefault("_outline_markup", {})
    markup = memo.get(key)
    if markup is None:
        markup = memo[key] = build()
    return str(markup)


def _section_items(section: OutlineSection, current: int | None) -> str:
    """The module's item list: each item's markup for its state, kept on the shared item (`_item_markup`), so a
    first visit, which changes one state of its module, joins a hundred strings instead of building them."""
    states = section.states
    return (
        "<ol>\n" + "".join(_item_markup(item, states.get(item.id), current) for item in section.module.items) + "</ol>"
    )


def _item_markup(item: OutlineItem, state: dict[str, Any] | None, current: int | None) -> str:
    """`outline_item`'s markup of `item` in `state`, with its line break, kept on the item by what it shows: outlines
    are shared and never change once read, so an item has a few of these at most (one a state, current or not)."""
    memo = item.__dict__.setdefault("_outline_rows", {})
    shown = (str(state["state"]), str(state["label"])) if state else None
    key = (shown, item.id == current)
    markup = memo.get(key)
    if markup is None:
        markup = memo[key] = outline_item(OutlineRow(item=item, state=state), current) + "\n"
    return str(markup)


# The item lists of modules as learners have seen them (their states, the current item), by outline key, module and
# view: a re-visit finds its modules here; bounded, least recently used first out.
_SECTIONS_SEEN: ProcessLRU[str] = ProcessLRU(4096)


@register.simple_tag
def outline_fragments(
    outline: CourseOutline, sections: list[OutlineSection], current_id: int, course_url: str, start: int = 1
) -> list[SafeString]:
    """An item page's outline, module by module: each a heading and its items, or, collapsed, a link to its place
    in the syllabus. `current_id` is the item shown (marked aria-current); `start`, the first section's number.

    Built in Python from markup escaped once per module and item, not rendered from a template and cached: a module
    the learner has not touched is the same markup on every page of the course (kept on the shared outline), and
    one with their states is a join of its items' markup, cheaper than looking it up in Redis. A first visit
    changes one item's state, and rendering and storing its module's fragment cost most of what the visit cost
    beyond a re-visit."""
    language = get_language()
    views = _learner_views(outline, sections, current_id)
    out = []
    for number, section in enumerate(sections, start=start):
        module = section.module
        heading = _section_fixed(
            module,
            ("heading", number),
            lambda m=module, n=number: format_html(
                "<h3>{}. <span{}>{}</span></h3>\n", n, format_html(' lang="{}"', m.lang) if m.lang else "", m.title
            ),
        )
        if section.collapsed:
            count = len(module.items)
            body = _section_fixed(
                module,
                ("collapsed", course_url, language),
                lambda m=module, c=count: format_html(
                    '<p class="outline-collapsed"><a href="{}?module={}#module-{}">{}<span class="visually-hidden">'
                    ": {}</span></a></p>",
                    course_url,
                    m.id,
                    m.id,
                    ngettext("%(items)s item, listed on the syllabus", "%(items)s items, listed on the syllabus", c)
                    % {"items": c},
                    m.title,
                ),
            )
        elif view := (views.get(module.id, ()) if views is not None else _learner_view(section, current_id)):
            current = current_id if any(item_id == current_id for item_id, *_ in view) else None
            body = _SECTIONS_SEEN.get_or_build(
                (outline.key, module.id, number, current, view), functools.partial(_section_items, section, current)
            )
        else:  # nothing of the learner's in it: the same on every page
            body = _section_fixed(module, ("items", language), functools.partial(_section_items, section, None))
        out.append(SafeString(heading + body))
    return out


# A long course's outline around its one listed module: the markup of the collapsed modules before it and after it,
# the same for every learner, by outline key, module, course address and language; bounded, least recently used out.
_AROUND: ProcessLRU[tuple[str, str]] = ProcessLRU(256)


def _joined(fragments: list[SafeString]) -> str:
    return "".join(f"{fragment}\n" for fragment in fragments)


@register.simple_tag
def outline_markup(
    outline: CourseOutline, sections: list[OutlineSection], current_id: int, course_url: str
) -> SafeString:
    """`outline_fragments` joined, each on its line (the template's loop over them cost a tenth of the outline). In a
    long course, where one module lists its items and the others are links, only that module is built: the rest is
    kept as two strings (joining fifty collapsed modules was a tenth of a first visit beyond a re-visit)."""
    listed = [index for index, section in enumerate(sections) if not section.collapsed]
    if len(listed) != 1 or len(sections) == 1:
        return SafeString(_joined(outline_fragments(outline, sections, current_id, course_url)))
    index = listed[0]
    before, after = _AROUND.get_or_build(
        (outline.key, sections[index].module.id, course_url, get_language()),
        lambda: (
            _joined(outline_fragments(outline, sections[:index], current_id, course_url)),
            _joined(outline_fragments(outline, sections[index + 1 :], current_id, course_url, start=index + 2)),
        ),
    )
    listed_markup = _joined(outline_fragments(outline, [sections[index]], current_id, course_url, start=index + 1))
    return SafeString(before + listed_markup + after)


SYLLABUS_MODULE_TEMPLATE = "content/includes/syllabus_module.html"


@register.simple_tag
def syllabus_module_fragments(
    outline: CourseOutline,
    sections: list[OutlineSection],
    module_progress: dict[int, Any],
    open_module: OutlineModule | None,
) -> list[SafeString]:
    """The course page's syllabus, module by module: heading, length, the learner's module progress, and its items
    (or, collapsed, a link to them). Rendering 50 module headings cost more than the rest of the page, so each
    module is one cached fragment keyed by what it shows."""
    fragments = []
    for number, section in enumerate(sections, start=1):
        module = section.module
        percent = module_progress.get(module.id)
        is_open = open_module is not None and open_module.id == module.id
        view = _learner_view(section)
        key = fragment_key(
            "syllabus-module", outline.key, module.id, number, section.collapsed, is_open, str(percent), view
        )
        context = {"section": section, "number": number, "percent": percent, "is_open": is_open}
        fragments.append((key, context))
    return cached_fragments(template_name=SYLLABUS_MODULE_TEMPLATE, fragments=fragments)


def _item_parts(item: OutlineItem) -> tuple[str, str, str]:
    """An outline item's fixed markup, escaped once per process: outlines are shared and never change once read
    (content.selectors.course_outline), and each names its language, so the translated kind label is fixed too."""
    parts = item.__dict__.get("_outline_parts")
    if parts is None:
        parts = (
            format_html('<li id="outline-item-{}"', item.id),
            format_html('><a href="{}"', item.url),
            format_html(
                '><span class="visually-hidden">{}</span><span{}>{}</span>',
                gettext("%(kind)s: ") % {"kind": item.kind_label},
                format_html(' lang="{}"', item.lang) if item.lang else "",
                item.title,
            ),
        )
        item.__dict__["_outline_parts"] = parts  # a frozen dataclass: its __dict__ takes a memo all the same
    return parts


@register.simple_tag
def outline_item(row: OutlineRow, current_id: int | None, oob: bool = False) -> SafeString:
    """One item of the outline: its link, kind (for screen readers), title and the learner's state. Built in Python
    from markup escaped once, not a template partial: a first visit renders its module's rows afresh (one changed
    state), up to a hundred of them, and the template loop with a translation per row cost more than the rest of
    the page. `oob` marks the copy an htmx answer swaps in out of band."""
    opening, link, label = _item_parts(row.item)
    state = (
        format_html(' <span class="item-state item-state-{}">{}</span>', row.state["state"], row.state["label"])
        if row.state
        else ""
    )
    return SafeString(
        opening
        + (' hx-swap-oob="true"' if oob else "")
        + link
        + (' aria-current="page"' if row.item.id == current_id else "")
        + label
        + state
        + "</a></li>"
    )


@register.simple_tag
def outline_row(outline: CourseOutline, states: dict[int, dict[str, Any]], item_id: int) -> OutlineRow | None:
    """The outline row of `item_id` with its state, for the outline item an htmx answer swaps in out of band."""
    position = outline.position(item_id)
    if position is None:
        return None
    return OutlineRow(item=outline.items[position], state=states.get(item_id))


# A lesson's body as rendered, by page, published revision, language and the catalog's version (which any page,
# image, document or skill change renews: the body's page and document links and images name them; so does a page
# saved without a revision, as pages made by code are). Bounded LRU.
_BODIES: ProcessLRU[SafeString] = ProcessLRU(512)
_BODY_TEMPLATE = template.Template(
    "{% load wagtailcore_tags %}{% for block in page.body %}{% include_block block %}{% endfor %}"
)


@register.simple_tag(takes_context=True)
def lesson_body(context: template.Context, page: Any) -> SafeString:
    """The lesson's StreamField rendered as `{% include_block %}` renders it, kept per published revision: its blocks
    show nothing of the reader's, and rendering them (rich text's link rewriting, images) was a tenth of a lesson
    page. A live page's row holds its published body, with or without a revision (pages made by code, the demo's,
    have none). A preview renders its draft afresh and keeps nothing, as does a page that is not live."""
    request = context.get("request")
    if getattr(request, "is_preview", False) or not page.live:
        return SafeString(_BODY_TEMPLATE.render(context))
    key = (page.pk, page.live_revision_id, page.last_published_at, get_language(), catalog_version())
    return _BODIES.get_or_build(key, lambda: SafeString(_BODY_TEMPLATE.render(context)))
