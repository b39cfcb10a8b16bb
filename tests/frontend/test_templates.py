"""Every template of ours is ready for a strict Content-Security-Policy and for translation."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("lms", "content", "assessments", "progress", "badges", "organizations", "commerce", "media", "frontend")
TEMPLATES = sorted(p for app in APPS for p in (ROOT / app).glob("templates/**/*.html"))

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE_ATTR = re.compile(r"\sstyle\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style[\s>]", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)
# Text between tags that has letters and is not a template expression: a sign of an untranslated string.
BARE_TEXT = re.compile(r">\s*([A-Za-z][A-Za-z ,.'!?-]{3,})\s*<")


def test_there_are_templates_to_check():
    assert len(TEMPLATES) > 10


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_inline_script_style_or_event_handler(path):
    text = path.read_text(encoding="utf-8")
    for pattern, what in (
        (INLINE_SCRIPT, "inline <script>"),
        (INLINE_STYLE_ATTR, "style attribute"),
        (STYLE_ELEMENT, "<style> element"),
        (EVENT_HANDLER, "inline event handler"),
        (JS_URL, "javascript: URL"),
    ):
        match = pattern.search(text)
        assert match is None, f"{what} in {path.relative_to(ROOT)}: {match.group(0)[:80]!r}"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_visible_text_is_marked_for_translation(path):
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"{%\s*blocktrans(late)?\b.*?{%\s*endblocktrans(late)?\s*%}", "", text, flags=re.DOTALL)
    text = re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "", text, flags=re.DOTALL)
    bare = [m.group(1).strip() for m in BARE_TEXT.finditer(text) if m.group(1).strip() not in {"Stackable"}]
    assert not bare, f"untranslated text in {path.relative_to(ROOT)}: {bare[:5]}"
