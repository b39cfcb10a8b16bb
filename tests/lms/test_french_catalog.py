"""The French catalog is complete: every string the code marks has a French translation, none fuzzy, and it
compiles (locale/fr/LC_MESSAGES/django.po; terms in locale/GLOSSARY.md)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages import pofile
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

CATALOG = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
APPS = [
    "lms",
    "frontend",
    "content",
    "assessments",
    "progress",
    "badges",
    "organizations",
    "commerce",
    "media",
    "integrations",
]
IGNORED = ["*/node_modules/*"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]")


def read(path: Path):
    with path.open("rb") as handle:
        return pofile.read_po(handle, locale="fr")


def untranslated(catalog) -> list[str]:
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """What makemessages finds in the code today, merged with the committed translations (as `make messages`
    would): a msgid the code gained without a translation comes out empty or fuzzy.

    It runs in a scratch directory that links to the apps and holds a copy of the catalog, so the committed
    catalog is never rewritten by the test."""
    scratch = tmp_path_factory.mktemp("project")
    for app in APPS:
        (scratch / app).symlink_to(Path(settings.BASE_DIR) / app)
    (scratch / "locale" / "fr" / "LC_MESSAGES").mkdir(parents=True)
    shutil.copy(CATALOG, scratch / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    with pytest.MonkeyPatch.context() as patch, override_settings(LOCALE_PATHS=[str(scratch / "locale")]):
        patch.chdir(scratch)
        call_command(
            "makemessages", locale=["fr"], ignore_patterns=IGNORED, symlinks=True, no_obsolete=True, verbosity=0
        )
    return scratch / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_every_string_of_the_code_has_a_french_translation(extracted):
    missing = untranslated(read(extracted))
    assert missing == [], f"{len(missing)} strings without a (non-fuzzy) French translation: {missing[:20]}"


def test_the_committed_catalog_has_no_empty_or_fuzzy_entry():
    assert untranslated(read(CATALOG)) == []


def test_the_committed_catalog_holds_nothing_the_code_no_longer_says(extracted):
    code = {message.id for message in read(extracted) if message.id}
    kept = {message.id for message in read(CATALOG) if message.id}
    assert kept - code == set()


def test_the_catalog_compiles_with_its_formats_checked(tmp_path):
    result = subprocess.run(
        ["msgfmt", "--check", "--check-format", "-o", str(tmp_path / "django.mo"), str(CATALOG)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_translation_keeps_the_named_placeholders_of_its_english():
    for message in read(CATALOG):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        assert set(PLACEHOLDER.findall(strings[-1])) == expected, (ids[0], strings[-1])
        for string in strings:  # a singular may write "one" instead of the count
            assert set(PLACEHOLDER.findall(string)) <= expected, (ids[0], string)


def test_the_compiled_catalog_is_what_the_site_reads():
    with translation.override("fr"):
        assert translation.gettext("Skip to main content") == "Passer au contenu principal"
