"""A lesson's uploaded video loads its WebVTT captions under the site's Content-Security-Policy (WCAG 1.2.2)."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect
from wagtail.documents.models import Document

from content.models import LessonPage
from tests.factories import make_course

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VTT = b"WEBVTT\n\n00:00.000 --> 00:05.000\n[Fan hum] Welcome to the lab.\n\n00:05.000 --> 00:09.000\nLet us begin.\n"
LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""
TRACK_STATE = """(track) => ({
  loaded: track.readyState,
  kind: track.track.kind,
  language: track.track.language,
  label: track.track.label,
  mode: track.track.mode,
  cues: track.track.cues ? Array.from(track.track.cues, (cue) => cue.text) : null,
})"""
LOADED = 2  # HTMLTrackElement.LOADED


@pytest.fixture
def captioned_lesson():
    course = make_course(title="Captioned course", lessons_per_module=1, free_preview=True)
    lesson = LessonPage.objects.descendant_of(course).get()
    clip = Document.objects.create(title="Lab tour", file=ContentFile(b"\x00\x00\x00\x18ftypmp42", name="lab.mp4"))
    english = Document.objects.create(title="Lab tour (English)", file=ContentFile(VTT, name="lab-en.vtt"))
    french = Document.objects.create(
        title="Lab tour (French)", file=ContentFile(VTT.replace(b"Welcome", b"Bienvenue"), name="lab-fr.vtt")
    )
    lesson.body = [
        {
            "type": "video",
            "value": {
                "title": "Lab tour",
                "url": "",
                "file": clip.pk,
                "captions": [
                    {"language": "en", "label": "English", "file": english.pk, "kind": "captions", "default": True},
                    {"language": "fr", "label": "Français", "file": french.pk, "kind": "subtitles", "default": False},
                ],
                "transcript": "<p>Welcome to the lab. Let us begin.</p>",
            },
        }
    ]
    lesson.save()
    return lesson


def test_the_default_caption_track_loads_its_cues_under_the_policy(page, captioned_lesson):
    violations: list[str] = []
    page.context.expose_binding("reportViolation", lambda _source, text: violations.append(text))
    page.context.add_init_script(LISTEN)
    response = page.goto(captioned_lesson.url)
    assert response is not None and response.status == 200
    assert "default-src 'self'" in response.headers["content-security-policy"]

    video = page.locator("video.video-file")
    expect(video.locator("track")).to_have_count(2)
    assert video.evaluate("(video) => video.textTracks.length") == 2
    english = video.locator("track[srclang=en]")
    expect(english).to_have_js_property("readyState", LOADED)
    assert english.evaluate(TRACK_STATE) == {
        "loaded": LOADED,
        "kind": "captions",
        "language": "en",
        "label": "English",
        "mode": "showing",
        "cues": ["[Fan hum] Welcome to the lab.", "Let us begin."],
    }
    french = video.locator("track[srclang=fr]")
    assert french.evaluate("(track) => [track.track.kind, track.track.mode]") == ["subtitles", "disabled"]
    assert violations == []
