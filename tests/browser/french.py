"""French pages in the browser (issue #16): no English sentence of the interface remains, and `lang` is right.

"No English sentence" is checked against the English catalog: every msgid of locale/fr/LC_MESSAGES/django.po
whose French msgstr differs from it is English that must not show on a French page. The page's visible text is
read element by element (each text node, each element's innerText, and what a screen reader announces:
aria-label, alt, title, placeholder, a button's value), whitespace normalised, and each piece is compared whole
and sentence by sentence. Text inside an element whose `lang` differs from the page's (an untranslated course's
title, the switcher's "English") is not the interface's and is left out.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from django.utils import translation

CATALOG = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"
SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+")
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|%[sd]|\{[a-z_0-9]+\}")
WORD = re.compile(r"[A-Za-z]{3,}")

VISIBLE_TEXT = """
() => {
  const pageLang = (document.documentElement.lang || "").toLowerCase().split("-")[0];
  const foreign = (element) => {
    const owner = element.closest("[lang]");
    return owner && owner !== document.documentElement
      && owner.getAttribute("lang").toLowerCase().split("-")[0] !== pageLang;
  };
  const shown = (element) => element.checkVisibility({checkOpacity: false, checkVisibilityCSS: true})
    || element.closest(".visually-hidden, .sr-only") !== null;
  const found = new Set();
  const add = (text) => { const t = (text || "").replace(/\\s+/g, " ").trim(); if (t) found.add(t); };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest("script, style, noscript, template") || foreign(parent) || !shown(parent)) continue;
    add(node.textContent);
  }
  for (const element of document.body.querySelectorAll("*")) {
    if (element.closest("script, style, noscript, template") || foreign(element)) continue;
    if (shown(element) && element.innerText && element.innerText.length < 400
        && !element.querySelector("[lang]")) add(element.innerText);
    for (const name of ["aria-label", "alt", "title", "placeholder"]) {
      if (element.hasAttribute(name)) add(element.getAttribute(name));
    }
    if (element.matches("input[type=submit], input[type=button]")) add(element.value);
  }
  add(document.title);
  return [...found];
}
"""


def _normal(text: str) -> str:
    return " ".join(text.split())


@functools.cache
def english_catalog() -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    """The English msgids whose French differs: the exact ones, and the ones with placeholders as patterns."""
    with CATALOG.open("rb") as source:
        catalog = read_po(source)
    exact: set[str] = set()
    patterns: list[re.Pattern[str]] = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        french = {_normal(s) for s in strings}
        for msgid in ids:
            english = _normal(msgid)
            if not english or english in french or "<" in english:
                continue
            if PLACEHOLDER.search(english):
                literal = PLACEHOLDER.sub("", english)
                if len(WORD.findall(literal)) >= 2:  # enough English words that a match is a sentence, not a name
                    parts = [re.escape(part) for part in PLACEHOLDER.split(english)]
                    patterns.append(re.compile("^" + ".+?".join(parts) + "$"))
                continue
            if WORD.search(english):
                exact.add(english)
    return frozenset(exact), tuple(patterns)


def _pieces(text: str) -> list[str]:
    sentences = [piece.strip() for piece in SENTENCE_END.split(text) if piece.strip()]
    return [text, *sentences] if len(sentences) > 1 else [text]


def english_sentences(texts: list[str], *, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The pieces of `texts` that are English sentences of the interface (with their French differing)."""
    exact, patterns = english_catalog()
    found = []
    for text in texts:
        for piece in _pieces(text):
            if piece in allowed:
                continue
            if piece in exact or piece.rstrip(".") in exact or any(p.match(piece) for p in patterns):
                found.append(piece)
    return sorted(set(found))


def assert_no_english(page: Any, state: str, *, allowed: frozenset[str] = frozenset()) -> None:
    english = english_sentences(page.evaluate(VISIBLE_TEXT), allowed=allowed)
    assert not english, f"{state} ({page.url}): English sentences on a French page:\n" + "\n".join(
        f"- {text!r}" for text in english
    )


def assert_page_lang(page: Any, state: str, language: str = "fr") -> None:
    lang = page.evaluate("() => document.documentElement.lang")
    assert lang == language, f"{state} ({page.url}): <html lang={lang!r}>, expected {language!r}"


def in_language(language: str, text: str) -> str:
    """`text` as the interface shows it in `language` (the catalogs Django serves: ours, allauth's, Django's)."""
    with translation.override(language):
        return str(translation.gettext(text))
