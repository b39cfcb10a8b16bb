"""Reads for the public pages. Each runs a fixed number of queries, whatever the size of the course."""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language, override, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, Site
from wagtail.models.sites import SITE_ROOT_PATHS_CACHE_KEY, SITE_ROOT_PATHS_CACHE_VERSION

from content.catalog import (  # noqa: F401  (the catalog's reads, re-exported: other apps import them from here)
    CATALOG_PAGE_SIZE,
    DURATION_BANDS,
    CatalogFilters,
    CatalogResults,
    catalog_courses,
    catalog_skills,
    featured_courses,
)
from content.models import CatalogPage, CourseItemPage, CoursePage, ModulePage, Skill, TranslatedPage
from content.translations import (
    group_languages,
    language_of,
    locale_id_for,
    locale_language,
    original_cache_key,
    original_id,
    translations_by_key,
)
from lms.cache import request_keys
from lms.memo import ProcessLRU

DURATION_LABELS = {
    "short": _("6 to 10 hours"),
    "medium": _("11 to 25 hours"),
    "long": _("26 to 60 hours"),
}
ITEM_KIND_LABELS = {
    "lessonpage": pgettext_lazy("course item", "Lesson"),
    "quizpage": pgettext_lazy("course item", "Quiz"),
    "taskpage": pgettext_lazy("course item", "Task"),
}


@dataclass(frozen=True)
class OutlineItem:
    id: int
    title: str
    url: str
    minutes: int
    kind: str
    kind_label: str
    required: bool
    free_preview: bool
    module_id: int
    grade_weight: Decimal  # 0 for items that are not graded: progress computes aggregates from the outline
    lang: str = ""  # the item's language when it differs from the reader's (not translated yet)


@dataclass
class OutlineModule:
    id: int
    title: str
    summary: str
    items: list[OutlineItem] = field(default_factory=list)
    lang: str = ""  # the module's language when it differs from the reader's (not translated yet)

    # Read once per process: a module's items never change after its outline is read (course_outline).
    @functools.cached_property
    def minutes(self) -> int:
        return sum(item.minutes for item in self.items)

    @functools.cached_property
    def free_previews(self) -> int:
        return sum(1 for item in self.items if item.free_preview)


@dataclass(frozen=True)
class OutlineRow:
    """One item of a learner's outline with its state ({"state", "label", "score"} or None), joined in Python."""

    item: OutlineItem
    state: dict[str, Any] | None


@dataclass
class OutlineSection:
    """A module as one learner's outline shows it (`states`: theirs, by item id); `collapsed` modules list no items
    (very large courses)."""

    module: OutlineModule
    states: dict[int, dict[str, Any]] = field(default_factory=dict)
    collapsed: bool = False

    # Built when a template lists them: a cached module fragment needs only `states` for its key, and building a row
    # per item of every module cost a tenth of a lesson page.
    @functools.cached_property
    def rows(self) -> list[OutlineRow]:
        if self.collapsed:
            return []
        states = self.states
        return [OutlineRow(item=item, state=states.get(item.id)) for item in self.module.items]


# Above this many items an item page's outline lists the current module only; the others are headings.
OUTLINE_COLLAPSE_AFTER = 300


@dataclass
class CourseOutline:
    course_id: int
    modules: list[OutlineModule]
    # The cache key it was read under: it names the course's revision, publication, subtree version, language and
    # URL, so fragments rendered from this outline are cached under it too (content/templatetags/content_tags.py).
    key: str
    # The course's title and address in the reader's language (its translation's, where there is one).
    title: str = ""
    url: str = ""
    lang: str = ""  # the title's language when it differs from the reader's
    languages: tuple[str, ...] = ()  # the languages the course is live in

    # An outline is shared by every request once read and never changed: its flat list and index are built once.
    @functools.cached_property
    def items(self) -> list[OutlineItem]:
        return [item for module in self.modules for item in module.items]

    @functools.cached_property
    def required_items(self) -> list[OutlineItem]:
        return [item for item in self.items if item.required]

    @functools.cached_property
    def required_ids(self) -> frozenset[int]:
        return frozenset(item.id for item in self.required_items)

    @functools.cached_property
    def _positions(self) -> dict[int, int]:
        return {item.id: index for index, item in enumerate(self.items)}

    @functools.cached_property
    def total_minutes(self) -> int:
        return sum(module.minutes for module in self.modules)

    @property
    def total_hours(self) -> Decimal:
        return (Decimal(self.total_minutes) / 60).quantize(Decimal("0.1"))

    def position(self, item_id: int) -> int | None:
        return self._positions.get(item_id)

    @property
    def collapses(self) -> bool:
        """Very large courses list the items of one module at a time."""
        return len(self.items) > OUTLINE_COLLAPSE_AFTER

    def module(self, module_id: int) -> OutlineModule | None:
        return next((module for module in self.modules if module.id == module_id), None)

    def sections(
        self,
        *,
        states: dict[int, dict[str, Any]],
        current_module_id: int | None = None,
        collapse_all: bool = False,
    ) -> list[OutlineSection]:
        """The outline with each item's state attached, so templates do no lookup per item.

        In a course of more than OUTLINE_COLLAPSE_AFTER items, with `current_module_id` (an item page) or
        `collapse_all` (the course page), only the module `current_module_id` lists its items.
        """
        collapse = (current_module_id is not None or collapse_all) and self.collapses
        sections = []
        for module in self.modules:
            collapsed = collapse and module.id != current_module_id
            sections.append(OutlineSection(module=module, states=states, collapsed=collapsed))
        return sections


# The outline is the same for every learner: it is cached per course (its id, latest revision and last
# publication), per version of the course's subtree and per language (item kinds are translated). Any save,
# delete or move of a page gives every course above it a new version, so a stale outline is never read again;
# old entries expire.
OUTLINE_TIMEOUT = 24 * 60 * 60
# Part of the cache key: raised when an outline class changes its fields, so no process reads an older pickle.
OUTLINE_SHAPE = 4


def _version_key(path: str) -> str:
    return f"content:outline-version:{path}"


def outline_changed(*, page_path: str) -> None:
    """A page at `page_path` changed: the outlines of the courses above it (and of itself) are stale."""
    steplen = Page.steplen
    keys = [_version_key(page_path[:end]) for end in range(steplen, len(page_path) + 1, steplen)]
    cache.set_many(dict.fromkeys(keys, uuid.uuid4().hex), timeout=OUTLINE_TIMEOUT)


def _outline_key(course: CoursePage, course_url: str) -> str:
    version_key = _version_key(course.path)
    fresh = uuid.uuid4().hex
    version = cache.get(version_key)
    if version is None:
        cache.add(version_key, fresh, timeout=OUTLINE_TIMEOUT)
        version = cache.get(version_key) or fresh
    published = course.last_published_at.timestamp() if course.last_published_at else 0
    url_hash = hashlib.sha256(course_url.encode()).hexdigest()[:12]
    return f"content:outline:{OUTLINE_SHAPE}:{settings.RELEASE}:{course.pk}:{course.latest_revision_id}:{published}:{version}:{get_language()}:{url_hash}"


# Outlines already unpickled by this process, by cache key (which names the course's version, so a changed
# course is looked up under a new key): unpickling a 5,000-item outline took longer than rendering its page.
# Outlines are shared between requests and never changed after they are read.
_OUTLINES_IN_PROCESS: ProcessLRU[CourseOutline] = ProcessLRU(64)


def course_outline(*, course: CoursePage, request: HttpRequest | None = None) -> CourseOutline:
    """Modules and their live items in tree order, in the active language: from the cache, else two queries
    whatever the course size (three when the course is read in a language other than its own).

    `course` is the original of its translation group (content/translations.py): the outline's structure, ids
    and rules are the original's; titles and links are its translations' where they exist.
    """
    language = get_language()
    # As course.get_url(request) gives it, without Wagtail's reverse under a language override (a twentieth of an
    # item page's time beyond the bare page's).
    course_url = (page_url_builder(request)(course.url_path) or course.url_path).rstrip("/") + "/"
    # A request reads a course's outline once (an item page asks for it up to three times): one published while the
    # request runs shows from the next one.
    read = request.__dict__.setdefault("_stackable_outlines", {}) if request is not None else {}
    seen = (course.pk, course.latest_revision_id, course.last_published_at, language, course_url)
    outline = read.get(seen)
    if outline is not None:
        return outline  # type: ignore[no-any-return]
    key = _outline_key(course, course_url)
    outline = _OUTLINES_IN_PROCESS.get(key)
    if outline is None:
        outline = cache.get(key)
        if outline is None:
            outline = _outline_read(course=course, course_url=course_url, key=key, language=language)
            cache.set(key, outline, timeout=OUTLINE_TIMEOUT)
        _OUTLINES_IN_PROCESS.set(key, outline)
    read[seen] = outline
    return outline


def _outline_read(*, course: CoursePage, course_url: str, key: str, language: str | None) -> CourseOutline:
    module_rows = list(
        ModulePage.objects.live()
        .child_of(course)
        .order_by("path")
        .values("id", "title", "summary", "path", "translation_key")
    )
    item_rows = list(
        CourseItemPage.objects.live()
        .descendant_of(course)
        .order_by("path")
        .values(
            "id",
            "title",
            "url_path",
            "path",
            "estimated_minutes",
            "required",
            "free_preview",
            "grade_weight",
            "content_type_id",
            "translation_key",
        )
    )
    own_language = language_of(course)
    reader_language = (language or own_language).split("-")[0]
    translated: dict[Any, dict[str, Any]] = {}
    translated_modules: dict[Any, dict[str, Any]] = {}
    url_of: Callable[[str], str] | None = None
    if reader_language != own_language:
        translated = translations_by_key(
            translation_keys=[course.translation_key, *(row["translation_key"] for row in item_rows)],
            language=reader_language,
        )
        translated_modules = {
            row["translation_key"]: row
            for row in ModulePage.objects.live()
            .filter(
                translation_key__in=[row["translation_key"] for row in module_rows],
                locale_id=locale_id_for(reader_language),
            )
            .values("title", "summary", "translation_key")
        }
        url_of = page_url_builder(None, language=reader_language)
    modules_by_path: dict[str, OutlineModule] = {}
    for row in module_rows:
        twin = translated_modules.get(row["translation_key"])
        modules_by_path[row["path"]] = OutlineModule(
            id=row["id"],
            title=(twin or row)["title"],
            summary=(twin or row)["summary"],
            lang="" if twin or url_of is None else own_language,
        )
    for row in item_rows:
        module = modules_by_path.get(row["path"][: -CourseItemPage.steplen])
        if module is None:  # an item under an unpublished module is not shown
            continue
        kind = ContentType.objects.get_for_id(row["content_type_id"]).model
        twin = translated.get(row["translation_key"])
        if url_of is None:
            title, url, lang = row["title"], course_url + row["url_path"][len(course.url_path) :], ""
        elif twin is not None:
            title, url, lang = twin["title"], url_of(twin["url_path"]), ""
        else:  # not translated yet: the original, served in the reader's language around it
            title, url, lang = row["title"], url_of(row["url_path"]), own_language
        module.items.append(
            OutlineItem(
                id=row["id"],
                title=title,
                url=url,
                minutes=row["estimated_minutes"],
                kind=kind,
                kind_label=str(ITEM_KIND_LABELS.get(kind, kind)),
                required=row["required"],
                free_preview=row["free_preview"],
                module_id=module.id,
                grade_weight=row["grade_weight"],
                lang=lang,
            )
        )
    title, url, lang = course.title, course_url, ""
    if url_of is not None:
        twin = translated.get(course.translation_key)
        title = twin["title"] if twin else course.title
        url = url_of(twin["url_path"] if twin else course.url_path)
        lang = "" if twin else own_language
    languages = group_languages(translation_keys=[course.translation_key]).get(course.translation_key, [])
    return CourseOutline(
        course_id=course.pk,
        modules=list(modules_by_path.values()),
        key=key,
        title=title,
        url=url,
        lang=lang,
        languages=tuple(languages),
    )


# Every cached catalog fragment names this version: any change to a page, a skill, an image or a view restriction
# gives a new one (content/apps.py), so a catalog never shows a stale card, price or private course.
CATALOG_VERSION_KEY = "content:catalog-version"


def catalog_version() -> str:
    version = cache.get(CATALOG_VERSION_KEY)
    if version is None:
        cache.add(CATALOG_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(CATALOG_VERSION_KEY) or "unversioned"
    return str(version)


def catalog_changed() -> None:
    """Forget every cached catalog fragment now, and again after commit (a reader may have cached the old rows
    between the two)."""
    cache.set(CATALOG_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    transaction.on_commit(lambda: cache.set(CATALOG_VERSION_KEY, uuid.uuid4().hex, timeout=None))


def page_changed(*, page: Page) -> None:
    """Signal receiver's work: forget outlines now, and again after commit (a reader may have cached the old
    rows between the two)."""
    cache.delete(_alternates_key(page.translation_key))
    paths = [page.path]
    original = original_id(page)
    if original != page.pk:  # a translation changed: the original's outline shows its titles and languages
        paths += Page.objects.filter(pk=original).values_list("path", flat=True)

    def forget() -> None:
        for path in paths:
            outline_changed(page_path=path)

    forget()
    transaction.on_commit(forget)
    catalog_changed()


class CourseDetail:
    """What the course page shows: the outline (cached), and the course's skills, instructors and live prerequisites,
    read only when asked for (one query each), since the page caches the fragments that show them
    (content.views.course_page_fragments)."""

    def __init__(self, *, course: CoursePage, outline: CourseOutline) -> None:
        self.course = course
        self.outline = outline

    @functools.cached_property
    def skills(self) -> list[Skill]:
        return list(self.course.skills.all())

    @functools.cached_property
    def instructors(self) -> list[Any]:
        return list(self.course.instructors.all())

    @functools.cached_property
    def prerequisites(self) -> list[CoursePage]:
        return list(self.course.prerequisites.live().only("id", "title", "url_path", "path", "depth", "language"))


def course_detail(*, course: CoursePage, request: HttpRequest | None = None) -> CourseDetail:
    """Everything the course page shows: no query when the outline is cached, five at most, whatever the number of
    modules and lessons. With `request`, the course's address is found with the site roots the request read."""
    return CourseDetail(course=course, outline=course_outline(course=course, request=request))


def instructor_changed(*, user_id: int) -> None:
    """An instructor's name changed or they left: the courses they teach show it, so they get a new version (now and
    after commit, as `page_changed`)."""
    paths = list(CoursePage.objects.filter(instructors=user_id).values_list("path", flat=True))

    def forget() -> None:
        for path in paths:
            outline_changed(page_path=path)

    if paths:
        forget()
        transaction.on_commit(forget)


@dataclass(frozen=True)
class ItemNavigation:
    course: CoursePage
    outline: CourseOutline
    module: OutlineModule | None
    previous: OutlineItem | None
    next: OutlineItem | None
    position: int | None


def _request_courses(request: HttpRequest | None) -> dict[str, CoursePage]:
    if request is None:
        return {}
    return request.__dict__.setdefault("_stackable_courses", {})


def course_remember(*, request: HttpRequest | None, course: CoursePage) -> None:
    """Keep a course read with something else (an enrolment) for `course_for_item` in this request."""
    _request_courses(request)[course.path] = course


def course_for_item(*, item: Page, request: HttpRequest | None = None) -> CoursePage:
    """The course an item belongs to (its grandparent): one query, read once per request when given one."""
    courses = _request_courses(request)
    path = item.path[: -2 * Page.steplen]
    if path not in courses:
        courses[path] = CoursePage.objects.get(path=path)
    return courses[path]


def item_navigation(
    *, item: CourseItemPage, request: HttpRequest | None = None, outline: CourseOutline | None = None
) -> ItemNavigation:
    """The course outline around one item, with previous and next: the course (once per request) and the
    outline (cached; two queries on a miss), or the `outline` of its course the caller already read."""
    course = course_for_item(item=item, request=request)
    outline = outline if outline is not None else course_outline(course=course, request=request)
    flat = outline.items
    position = outline.position(item.pk)
    module = outline.module(flat[position].module_id) if position is not None else None
    previous = flat[position - 1] if position else None
    following = flat[position + 1] if position is not None and position + 1 < len(flat) else None
    return ItemNavigation(
        course=course, outline=outline, module=module, previous=previous, next=following, position=position
    )


# The address of the site root in each language ("/", "/fr/"), by language, script prefix and URLconf: reversing it
# under another language's override cost more than the rest of a page's language switcher.
_SERVE_PREFIXES: dict[tuple[str, str, Any], str] = {}


def _serve_prefix(code: str) -> str:
    key = (code, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    prefix = _SERVE_PREFIXES.get(key)
    if prefix is None:
        with override(code):
            prefix = _SERVE_PREFIXES[key] = reverse("wagtail_serve", args=("",))
    return prefix


def _site_root_paths(request: HttpRequest | None) -> list[Any]:
    """Wagtail's site root paths, kept on the request where `Page.get_url` keeps them (`Page._get_site_root_paths`)."""
    if request is None:
        return Site.get_site_root_paths()  # type: ignore[no-any-return]
    roots = getattr(request, "_wagtail_cached_site_root_paths", None)
    if roots is None:
        roots = request._wagtail_cached_site_root_paths = Site.get_site_root_paths()  # type: ignore[attr-defined]
    return roots  # type: ignore[no-any-return]


def page_url_builder(request: HttpRequest | None, *, language: str | None = None) -> Callable[[str], str]:
    """URLs of pages from their url_path, as Page.get_url gives them, with one site lookup for all of them.

    Relative on a single site or for pages of the request's site, else absolute. A page's address carries its
    tree's language (`/fr/...` for the French tree); with `language`, a page of another tree is addressed under
    that language's prefix too (an original not translated yet, served in the reader's language).
    """
    roots = _site_root_paths(request)
    single_site = len({root.site_id for root in roots}) == 1
    current = Site.find_for_request(request) if request is not None and not single_site else None
    # Each language's prefix read once per builder: `_serve_prefix` reads the thread's script prefix and URLconf
    # (asgiref locals), 16 µs a call, which a dashboard of 30 courses paid 90 times.
    prefixes: dict[str, str] = {}

    def url(url_path: str) -> str:
        for root in roots:
            if url_path.startswith(root.root_path):
                code = language or root.language_code
                prefix = prefixes.get(code)
                if prefix is None:
                    prefix = prefixes[code] = _serve_prefix(code)
                relative = prefix + url_path[len(root.root_path) :]
                if single_site or (current is not None and root.site_id == current.pk):
                    return relative
                return root.root_url + relative
        return ""

    return url


ALTERNATES_TIMEOUT = 24 * 60 * 60


def _alternates_key(translation_key: Any) -> str:
    return f"content:alternates:{translation_key}"


def _group_paths(page: Page) -> list[tuple[str, str]]:
    """(language, url_path) of `page`'s live translations, itself included: cached per translation group, one
    query on a miss; forgotten when a page of the group changes (page_changed)."""
    key = _alternates_key(page.translation_key)
    paths = cache.get(key)
    if paths is None:
        rows = Page.objects.filter(translation_key=page.translation_key, live=True).values_list("locale_id", "url_path")
        paths = [(locale_language(locale_id), url_path) for locale_id, url_path in rows]
        cache.set(key, paths, timeout=ALTERNATES_TIMEOUT)
    return paths


def page_cache_prefetch(page: Page, request: HttpRequest | None = None) -> None:
    """Read the cache keys that serving one of our pages reads, in one round trip (`lms.cache`'s request memo):
    its translation group's original and live addresses, Wagtail's site root paths and, on a course or an item,
    the course's outline version (and, on a course or catalog page, the catalog's version), and with `request` the
    keys other apps registered for every page (lms.cache.request_keys: the user bar's). Without it they cost one
    round trip each, some of them twice. Other pages (Wagtail's own, the bench's) read none of them and are left
    alone."""
    prefetch = getattr(cache, "prefetch", None)  # lms.cache.ResilientRedisCache's; the in-process cache has none
    if prefetch is None or not isinstance(page, TranslatedPage):
        return
    keys: list[tuple[str, int | None]] = [
        (original_cache_key(page), None),
        (_alternates_key(page.translation_key), None),
        (SITE_ROOT_PATHS_CACHE_KEY, SITE_ROOT_PATHS_CACHE_VERSION),
    ]
    if isinstance(page, CourseItemPage):
        keys += [(_version_key(page.path[: -2 * Page.steplen]), None), (CATALOG_VERSION_KEY, None)]  # a lesson's body
    elif isinstance(page, CoursePage):
        keys += [(_version_key(page.path), None), (CATALOG_VERSION_KEY, None)]  # its cached markup names both
    elif isinstance(page, CatalogPage):
        keys.append((CATALOG_VERSION_KEY, None))
    if request is not None:
        keys += request_keys(request)  # what the site's chrome reads for this request (lms.cache)
    prefetch(keys)


def page_alternates(*, page: Page, request: HttpRequest | None = None) -> dict[str, str]:
    """The addresses of `page`'s live translations (itself included), by language code, for the language
    switcher and hreflang links: cached per translation group, one query on a miss."""
    url = page_url_builder(request)
    return {code: address for code, url_path in _group_paths(page) if (address := url(url_path))}
