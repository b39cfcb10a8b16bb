"""Rendered fragments in the project's cache: one key per language, markup that stays safe when read back."""

from django.core.cache import cache
from django.utils import translation
from django.utils.safestring import SafeString

from lms.fragments import cached_fragments, fragment_key

TEMPLATE = "components/progress_bar.html"


def test_a_fragment_key_names_the_language():
    with translation.override("en"):
        english = fragment_key("outline", 1, ("a", "b"))
        assert fragment_key("outline", 1, ("a", "b")) == english
        assert fragment_key("outline", 2, ("a", "b")) != english
    with translation.override("fr"):
        assert fragment_key("outline", 1, ("a", "b")) != english


def test_a_fragment_is_rendered_once_and_read_back_as_safe_markup():
    key = fragment_key("test", "progress")
    context = {"percent": 40, "label": "<b>Progress</b>"}
    [rendered] = cached_fragments(template_name=TEMPLATE, fragments=[(key, context)])
    assert isinstance(rendered, SafeString)
    assert "&lt;b&gt;Progress&lt;/b&gt;" in rendered
    assert cache.get(key) == rendered
    [read] = cached_fragments(template_name=TEMPLATE, fragments=[(key, {"percent": 99, "label": "other"})])
    assert read == rendered  # from the cache: the key, not the context, says what it shows
    assert isinstance(read, SafeString)


def test_fragments_come_back_in_the_order_asked_whether_cached_or_rendered():
    parts = [(fragment_key("order", name), {"percent": 10, "label": name}) for name in ("first", "second", "third")]
    cache.set(parts[1][0], SafeString("cached second"))
    first, second, third = cached_fragments(template_name=TEMPLATE, fragments=parts)
    assert ">first<" in first
    assert second == "cached second"
    assert ">third<" in third
