"""A lesson's rendered body is kept per published revision (content_tags.lesson_body): a new revision, a renamed
linked page or a preview never shows a stale one."""

from urllib.parse import urlsplit

import pytest

from content.models import LessonPage
from tests.factories import make_course

pytestmark = pytest.mark.django_db


def paragraph(html: str) -> list[dict]:
    return [{"type": "paragraph", "value": html}]


def the_lesson():
    course = make_course(modules=1, lessons_per_module=2, free_preview=True)
    lessons = list(LessonPage.objects.descendant_of(course).order_by("path"))
    return lessons[0], lessons[1]


def publish(lesson: LessonPage, html: str) -> None:
    lesson.body = paragraph(html)
    lesson.save_revision().publish()


def test_a_new_revision_shows_its_own_body(client):
    lesson, _other = the_lesson()
    publish(lesson, "<p>First text</p>")
    assert "First text" in client.get(lesson.url).content.decode()
    assert "First text" in client.get(lesson.url).content.decode()  # kept
    publish(LessonPage.objects.get(pk=lesson.pk), "<p>Second text</p>")
    html = client.get(lesson.url).content.decode()
    assert "Second text" in html and "First text" not in html


def test_a_link_follows_the_page_it_names(client):
    lesson, other = the_lesson()
    publish(lesson, f'<p><a linktype="page" id="{other.pk}">the next lesson</a></p>')
    assert f'href="{other.url}"' in client.get(lesson.url).content.decode()
    other = LessonPage.objects.get(pk=other.pk)
    other.slug = "renamed-lesson"
    other.save_revision().publish()
    other.refresh_from_db()
    assert other.url.endswith("/renamed-lesson/")
    assert f'href="{other.url}"' in client.get(lesson.url).content.decode()


def test_a_preview_shows_its_draft_and_leaves_the_published_body(client):
    lesson, _other = the_lesson()
    publish(lesson, "<p>Published text</p>")
    host = urlsplit(lesson.full_url).netloc
    assert "Published text" in client.get(lesson.url, HTTP_HOST=host).content.decode()
    draft = LessonPage.objects.get(pk=lesson.pk)
    draft.body = paragraph("<p>Draft text</p>")
    preview = draft.make_preview_request()
    html = (preview.render() if hasattr(preview, "render") else preview).content.decode()
    assert "Draft text" in html and "Published text" not in html
    html = client.get(lesson.url, HTTP_HOST=host).content.decode()
    assert "Published text" in html and "Draft text" not in html


def test_a_page_saved_without_a_revision_is_kept_and_follows_its_next_save(client):
    """Pages made by code (the demo's) are live with no revision: their body is kept too, and a save renews it."""
    lesson, _other = the_lesson()
    lesson.body = paragraph("<p>Made by code</p>")
    lesson.save()
    assert lesson.live and lesson.live_revision_id is None
    assert "Made by code" in client.get(lesson.url).content.decode()
    assert "Made by code" in client.get(lesson.url).content.decode()  # kept
    lesson = LessonPage.objects.get(pk=lesson.pk)
    lesson.body = paragraph("<p>Saved again</p>")
    lesson.save()
    html = client.get(lesson.url).content.decode()
    assert "Saved again" in html and "Made by code" not in html
