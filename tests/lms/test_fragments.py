"""Rendered fragments in the project's cache: one key per language, markup that stays safe when read back, and
this process's copy in front of the shared cache."""

import pytest
from django.core.cache import cache
from django.utils import translation
from django.utils.safestring import SafeString

from lms import fragments
from lms.fragments import cached_fragments, fragment_key
from lms.memo import ProcessLRU
from tests.fragments import fragment_renders

TEMPLATE = "components/progress_bar.html"


@pytest.fixture(autouse=True)
def renders(monkeypatch):
    return fragment_renders(monkeypatch)


def test_a_fragment_key_names_the_language():
    with translation.override("en"):
        english = fragment_key("outline", 1, ("a", "b"))
        assert fragment_key("outline", 1, ("a", "b")) == english
        assert fragment_key("outline", 2, ("a", "b")) != english
    with translation.override("fr"):
        assert fragment_key("outline", 1, ("a", "b")) != english


def test_a_fragment_is_rendered_once_and_read_back_as_safe_markup(renders, monkeypatch):
    key = fragment_key("test", "progress")
    [rendered] = cached_fragments(template_name=TEMPLATE, fragments=[(key, {"percent": 40, "label": "<b>Bar</b>"})])
    assert isinstance(rendered, SafeString)
    assert "&lt;b&gt;Bar&lt;/b&gt;" in rendered
    assert cache.get(key) == rendered
    monkeypatch.setattr(fragments, "_IN_PROCESS", ProcessLRU(2048))  # as another process finds it: in the cache
    [read] = cached_fragments(template_name=TEMPLATE, fragments=[(key, {"percent": 99, "label": "other"})])
    assert read == rendered  # the key, not the context, says what it shows
    assert isinstance(read, SafeString)
    assert renders == [TEMPLATE]


def test_a_fragment_this_process_has_is_not_read_from_the_cache_again(renders):
    key = fragment_key("test", "in process")
    [rendered] = cached_fragments(template_name=TEMPLATE, fragments=[(key, {"percent": 40, "label": "Bar"})])
    cache.clear()
    assert cached_fragments(template_name=TEMPLATE, fragments=[(key, {})]) == [rendered]
    assert renders == [TEMPLATE]


def test_this_process_keeps_a_bounded_number_of_fragments(monkeypatch):
    monkeypatch.setattr(fragments, "_IN_PROCESS", ProcessLRU(2))
    keys = [fragment_key("bounded", number) for number in range(3)]
    cached_fragments(template_name=TEMPLATE, fragments=[(key, {"percent": 1, "label": "x"}) for key in keys])
    assert fragments._IN_PROCESS.keys_by_use() == keys[1:]


def test_fragments_come_back_in_the_order_asked_wherever_they_come_from(renders):
    parts = [(fragment_key("order", name), {"percent": 10, "label": name}) for name in ("one", "two", "three", "one")]
    cached_fragments(template_name=TEMPLATE, fragments=[parts[2]])
    cache.set(parts[1][0], SafeString("cached two"))
    one, two, three, again = cached_fragments(template_name=TEMPLATE, fragments=parts)
    assert ">one<" in one
    assert two == "cached two"
    assert ">three<" in three
    assert again is one
    assert renders == [TEMPLATE, TEMPLATE]  # "three" before, "one" once though asked twice


def test_a_fragment_cached_by_one_release_is_not_the_next_ones(settings):
    settings.RELEASE = "one"
    before = fragment_key("course", 7)
    settings.RELEASE = "two"
    assert fragment_key("course", 7) != before


def test_the_release_a_deployment_does_not_name_follows_its_templates_and_code(tmp_path):
    from lms.release import source_digest

    (tmp_path / "app" / "templates").mkdir(parents=True)
    template = tmp_path / "app" / "templates" / "page.html"
    template.write_text("<p>one</p>")
    (tmp_path / "app" / "views.py").write_text("x = 1\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "site.py").write_text("dependency\n")
    first = source_digest(tmp_path)
    assert source_digest(tmp_path) == first
    (tmp_path / ".venv" / "site.py").write_text("another dependency\n")  # not ours: no new release
    assert source_digest(tmp_path) == first
    template.write_text("<p>two, longer</p>")
    assert source_digest(tmp_path) != first
