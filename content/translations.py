"""Two languages, one course: how a translated page maps to the course a learner works through.

A course's French version is a Wagtail translation of its page tree (the admin's "Translate" action copies
the course with its modules and items; the instructor then rewrites the copy). Every page of a translation
group shares a `translation_key`. The **original** of a group, the page created first (lowest id), is the one
everything a learner does belongs to: enrolment, progress, quiz attempts, task submissions, seats, prices and
the badge. Whatever language a learner is served, the pages pass their original to the other apps, so
switching languages keeps every result and earns one badge.

The original is also the authority on structure and rules: which items a course has, in what order, which
are required, their weights and the completion policy. A translation supplies wording: titles, lesson text,
questions and instructions. An item the translation lacks is listed in the original's language (marked with
its `lang`), and links to the original page.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import OuterRef, Subquery
from django.utils import translation
from wagtail.models import Locale, Page

ORIGINAL_TIMEOUT = 24 * 60 * 60

# Locale rows never change once made: their codes by id, read once per process.
_locale_codes: dict[int, str] = {}
_locale_ids: dict[str, int] = {}
_locale_lock = threading.Lock()


def _load_locales() -> None:
    with _locale_lock:
        for locale_id, code in Locale.objects.values_list("id", "language_code"):
            _locale_codes[locale_id] = code
            _locale_ids[code] = locale_id


def locales_forget() -> None:
    """Forget the locale ids read so far (the test suite's flush recreates the locales with new ids)."""
    with _locale_lock:
        _locale_codes.clear()
        _locale_ids.clear()


def language_of(page: Any) -> str:
    """The language code of a page's content (its locale): `en` or `fr`."""
    return locale_language(getattr(page, "locale_id", None))


def locale_language(locale_id: int | None) -> str:
    """The language code of a locale, by id (the site's default language for None)."""
    if locale_id is None:
        return str(settings.LANGUAGE_CODE)
    if locale_id not in _locale_codes:
        _load_locales()
    return _locale_codes.get(locale_id, str(settings.LANGUAGE_CODE))


def locale_id_for(language: str | None = None) -> int | None:
    """The id of the locale of `language` (the active language by default), or None when there is none."""
    code = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if code not in _locale_ids:
        _load_locales()
    return _locale_ids.get(code)


def _original_key(translation_key: Any) -> str:
    return f"content:original:{translation_key}"


def original_cache_key(page: Page) -> str:
    """The cache key `original_id` reads for `page` (for `content.selectors.page_cache_prefetch`)."""
    return _original_key(page.translation_key)


def original_id(page: Page) -> int:
    """The id of the original of `page`'s translation group (its own id for an original): cached, one query on a
    miss. The original of a group never changes while it exists, so the answer is kept a day."""
    key = _original_key(page.translation_key)
    found = cache.get(key)
    if found is None:
        found = (
            Page.objects.filter(translation_key=page.translation_key).order_by("pk").values_list("pk", flat=True)[:1]
        )
        found = found[0] if found else page.pk
        cache.set(key, found, timeout=ORIGINAL_TIMEOUT)
    return int(found)


def original_page(page: Page) -> Any:
    """The original of `page` (itself for an original), as its specific class: what learner facts belong to."""
    pk = original_id(page)
    if pk == page.pk:
        return page
    return Page.objects.get(pk=pk).specific


def original_forget(*, translation_key: Any) -> None:
    """A page of this group was deleted: its original may have changed."""
    cache.delete(_original_key(translation_key))


def translations_by_key(*, translation_keys: Iterable[Any], language: str, live: bool = True) -> dict[Any, dict]:
    """The pages in `language` of these translation groups, by key: {key: {id, title, url_path, summary?}}.

    One query. Used to show an original's structure in the reader's language.
    """
    locale_id = locale_id_for(language)
    keys = list(translation_keys)
    if locale_id is None or not keys:
        return {}
    pages = Page.objects.filter(translation_key__in=keys, locale_id=locale_id)
    if live:
        pages = pages.filter(live=True)
    return {row["translation_key"]: row for row in pages.values("id", "title", "url_path", "translation_key")}


def group_languages(*, translation_keys: Iterable[Any]) -> dict[Any, list[str]]:
    """The languages each translation group is live in, by key, in the site's language order. One query."""
    keys = list(translation_keys)
    if not keys:
        return {}
    order = [code for code, _name in settings.LANGUAGES]
    found: dict[Any, set[str]] = {}
    rows = Page.objects.filter(translation_key__in=keys, live=True).values_list("translation_key", "locale_id")
    for key, locale_id in rows:
        found.setdefault(key, set()).add(locale_language(locale_id))
    return {key: [code for code in order if code in codes] for key, codes in found.items()}


def content_lang(page: Any) -> str:
    """The `lang` a page's content needs inside the page's chrome: its language when it differs from the
    reader's (an original not translated yet), else "" (the `<html lang>` holds)."""
    own = language_of(page)
    return own if own != (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0] else ""


def localized(page: Any) -> Any:
    """`page` in the reader's language: its live translation, else itself. No query when it is already in it."""
    return page if not content_lang(page) else page.localized


def localized_url(page: Any, request: Any = None) -> str:
    """The address of `page` in the reader's language (its translation's, where there is one)."""
    return localized(page).get_url(request) or "/"


def translations_by_path(*, url_paths: Iterable[str], language: str | None = None) -> dict[str, dict[str, Any]]:
    """The live translations in `language` (the active one by default) of the pages at `url_paths`, by the
    original's url_path: {url_path: {title, url_path}}. One query; pages already in that language are left out."""
    paths = [path for path in set(url_paths) if path]
    locale_id = locale_id_for(language)
    if not paths or locale_id is None:
        return {}
    sources = Page.objects.filter(url_path__in=paths).exclude(locale_id=locale_id)
    rows = (
        Page.objects.filter(locale_id=locale_id, live=True, translation_key__in=sources.values("translation_key"))
        .annotate(
            source_path=Subquery(sources.filter(translation_key=OuterRef("translation_key")).values("url_path")[:1])
        )
        .values("source_path", "title", "url_path")
    )
    return {row["source_path"]: row for row in rows}
